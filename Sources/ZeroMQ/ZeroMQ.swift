import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A libzmq call that failed, with errno and libzmq's text for it.
public struct ZMQError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String
    public var description: String { "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))" }

    static func last(_ operation: String) -> ZMQError { ZMQError(code: zmq_errno(), operation: operation) }

    /// The call was interrupted by a signal or timed out; retrying is the right response.
    public var isRetryable: Bool { code == EINTR || code == EAGAIN }
    /// The context was terminated: the socket's owner should close it and stop.
    public var isTerminated: Bool { code == ETERM }
}

/// A libzmq context. Sockets made from it must be closed before it is dropped.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var terminated = false

    public init() throws {
        guard let h = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = h
    }

    /// Wakes every blocking call with ETERM; used at shutdown.
    public func shutdown() { zmq_ctx_shutdown(handle) }

    /// Blocks until every socket is closed and what they queued has been sent (or their linger ran out).
    /// Call once, from one thread; the context is unusable afterwards.
    public func terminate() {
        guard !terminated else { return }
        terminated = true
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    deinit { terminate() }
}

/// The socket types the kernel and its tests use.
public enum SocketType: Int32, Sendable {
    case pair = 0, pub = 1, sub = 2, req = 3, rep = 4, dealer = 5, router = 6, pull = 7, push = 8, xpub = 9, xsub = 10
}

/// libzmq option numbers the kernel sets, so callers need not import the C module.
public enum SocketOption {
    public static let linger = ZMQ_LINGER
    public static let xpubVerbose = ZMQ_XPUB_VERBOSE
    public static let ipv6 = ZMQ_IPV6
    public static let routerHandover = ZMQ_ROUTER_HANDOVER
    public static let receiveTimeout = ZMQ_RCVTIMEO
    public static let sendTimeout = ZMQ_SNDTIMEO
    public static let subscribe = ZMQ_SUBSCRIBE
    /// Int64: a peer that sends a larger message is disconnected.
    public static let maxMessageSize = ZMQ_MAXMSGSIZE
    public static let receiveHighWaterMark = ZMQ_RCVHWM
    public static let curveServer = ZMQ_CURVE_SERVER
    public static let curvePublicKey = ZMQ_CURVE_PUBLICKEY
    public static let curveSecretKey = ZMQ_CURVE_SECRETKEY
    public static let curveServerKey = ZMQ_CURVE_SERVERKEY
}

/// Whether the linked libzmq was built with a capability, e.g. "curve" (CurveZMQ, which needs libsodium).
public func libraryHas(_ capability: String) -> Bool { zmq_has(capability) != 0 }

/// One ZeroMQ socket. Not thread-safe: use it from one thread at a time (as libzmq requires).
public final class Socket: @unchecked Sendable {
    public private(set) var handle: UnsafeMutableRawPointer?
    public let type: SocketType

    public init(_ context: Context, _ type: SocketType) throws {
        guard let h = zmq_socket(context.handle, type.rawValue) else { throw ZMQError.last("zmq_socket") }
        handle = h
        self.type = type
        try setOption(ZMQ_LINGER, Int32(1000))
    }

    deinit { close() }

    public func close() {
        if let h = handle { zmq_close(h) }
        handle = nil
    }

    private func live() throws -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError(code: ENOTSOCK, operation: "closed socket") }
        return h
    }

    public func setOption(_ option: Int32, _ value: Int32) throws {
        var v = value
        guard zmq_setsockopt(try live(), option, &v, MemoryLayout<Int32>.size) == 0 else { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws {
        var v = value
        guard zmq_setsockopt(try live(), option, &v, MemoryLayout<Int64>.size) == 0 else { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws {
        let h = try live()
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(h, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    public func bind(_ endpoint: String) throws {
        guard zmq_bind(try live(), endpoint) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(try live(), endpoint) == 0 else { throw ZMQError.last("zmq_connect(\(endpoint))") }
    }

    /// The endpoint actually bound, e.g. `tcp://127.0.0.1:54321` after binding port `*`.
    public func lastEndpoint() throws -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(try live(), ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { throw ZMQError.last("ZMQ_LAST_ENDPOINT") }
        return String(cString: buffer)
    }

    /// Sends the frames as one multipart message. Retries when a signal interrupts the call.
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws {
        let h = try live()
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let e = ZMQError.last("zmq_send")
                if e.code == EINTR { continue }
                throw e
            }
        }
    }

    /// Receives one whole multipart message, or nil when `dontWait` is set and none is queued.
    public func receive(dontWait: Bool = false) throws -> [[UInt8]]? {
        let h = try live()
        var frames: [[UInt8]] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let rc = zmq_msg_recv(&msg, h, dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let e = ZMQError.last("zmq_msg_recv")
                if e.code == EAGAIN && frames.isEmpty { return nil }
                if e.code == EINTR { continue }
                throw e
            }
            let size = zmq_msg_size(&msg)
            if size > 0, let data = zmq_msg_data(&msg) {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }
}

/// Waits until one of the sockets has a message to read; returns which ones, by index.
/// A timeout of -1 waits forever; 0 returns at once.
public func poll(_ sockets: [Socket], timeoutMilliseconds: Int) throws -> [Int] {
    var items = try sockets.map { s -> zmq_pollitem_t in
        guard let h = s.handle else { throw ZMQError(code: ENOTSOCK, operation: "poll on closed socket") }
        return zmq_pollitem_t(socket: h, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    }
    while true {
        let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if rc < 0 {
            let e = ZMQError.last("zmq_poll")
            if e.code == EINTR { continue }
            throw e
        }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}

/// Echoes every message from a ROUTER `socket` back to its sender until the context terminates:
/// the heartbeat. Runs in libzmq's own loop (zmq_proxy with one socket), so it answers even while
/// Swift code is busy. A ROUTER echoes whatever frames arrive, from a REQ or a DEALER peer, so no
/// message can put it in a state where it stops (a REP socket did, on a message without its envelope);
/// should libzmq's loop return for any reason but shutdown, it is told to `onError` and restarted.
public func runEchoLoop(_ socket: Socket, onError: (ZMQError) -> Void = { _ in }) {
    guard let h = socket.handle else { return }
    while true {
        zmq_proxy(h, h, nil)
        let e = ZMQError.last("zmq_proxy")
        if e.isTerminated || e.code == ENOTSOCK { return }
        onError(e)
        // A fault that repeats at once must not spin a core.
        usleep(10_000)
    }
}

/// The linked libzmq's version, e.g. "4.3.4".
public var libraryVersion: String {
    var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return "\(major).\(minor).\(patch)"
}
