import JSON
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Jupyter kernel's server: the sockets of a connection file, their threads and poll loops, the
/// heartbeat and the iopub relay. It verifies what arrives and hands it to a `KernelCore`, which
/// holds the protocol's rules. `run()` returns when a shutdown request has been answered.
public final class Kernel: @unchecked Sendable {
    let info: ConnectionInfo
    let interpreter: Interpreter
    let codec: WireCodec
    let context: Context
    /// The protocol, fed by the shell and control threads.
    let core: KernelCore

    // Sockets, each used by one thread only.
    let shell: Socket
    let control: Socket
    let stdinSocket: Socket
    let iopub: Socket
    let heartbeat: Socket
    /// Shell and control hand their publications to the iopub thread, which alone owns the XPUB socket.
    static let iopubRelay = "inproc://rnn-kernel-iopub"
    /// Control wakes shell through this when shutting down.
    static let wakeEndpoint = "inproc://rnn-kernel-wake"
    /// The longest a send into the relay may block: only a dead iopub thread makes it wait at all.
    static let relaySendTimeout: Int32 = 5000
    /// The largest message stdin accepts; an input_reply is a few bytes.
    static let stdinMessageLimit = 64 * 1024

    private let shuttingDown = Atomic<Bool>(false)
    /// Messages read and dropped on stdin (shell thread only), and the count last logged.
    private var stdinDropped = 0, stdinLoggedAt = 1
    /// Opened by the iopub thread once it has passed on the last publication and closed its sockets.
    private let iopubDone = Latch()
    /// Opened by the iopub thread when the first front end subscribes (or by a shutdown).
    private let firstSubscription = Latch()
    /// The longest the first shell request waits for a subscriber, so that its outputs reach one
    /// the usual way: a front end's SUB socket subscribes a moment after its shell connects.
    static let firstSubscriptionWait = 2000

    /// Binds every socket; throws if a port cannot be bound.
    public init(connection: ConnectionInfo, interpreter: Interpreter) throws {
        // Blocks SIGINT before libzmq starts its threads, and starts the thread that relays it.
        _ = SignalRelay.shared
        info = connection.assigningIPCPorts()
        self.interpreter = interpreter
        codec = WireCodec(signer: Signer(key: connection.key))
        core = KernelCore(interpreter: interpreter, codec: codec)
        context = try Context()
        shell = try Socket(context, .router)
        control = try Socket(context, .router)
        stdinSocket = try Socket(context, .router)
        iopub = try Socket(context, .xpub)
        // A ROUTER, as ipykernel's: it echoes any ping, even one without a REQ envelope, and stays up.
        heartbeat = try Socket(context, .router)
        // Subscriptions reach us even when repeated, so each new subscriber gets its welcome.
        try iopub.setOption(SocketOption.xpubVerbose, Int32(1))
        // A front end that reconnects with the same identity takes its place, as with ipykernel.
        for s in [shell, control, stdinSocket] { try s.setOption(SocketOption.routerHandover, Int32(1)) }
        // This kernel never asks for input, so stdin only ever holds what a peer sent unasked. The
        // shell loop drops it; these bound what can wait meanwhile (64 messages of at most 64 KiB).
        try stdinSocket.setOption(SocketOption.maxMessageSize, Int64(Kernel.stdinMessageLimit))
        try stdinSocket.setOption(SocketOption.receiveHighWaterMark, Int32(64))
        if info.transport == "tcp" && info.ip.contains(":") {
            for s in [shell, control, stdinSocket, iopub, heartbeat] { try s.setOption(SocketOption.ipv6, Int32(1)) }
        }
        if let curve = info.curve {
            // Every socket a CURVE server before it binds: a peer that does not know our public key
            // (jupyter_client's transport_encryption gives it to the client) cannot connect.
            guard libraryHas("curve") else {
                throw ConnectionError("the connection file asks for CurveZMQ, but this libzmq (\(libraryVersion)) was built without it")
            }
            for s in [shell, control, stdinSocket, iopub, heartbeat] {
                try s.setOption(SocketOption.curveServer, Int32(1))
                try s.setOption(SocketOption.curveSecretKey, bytes: Array(curve.secretKey.utf8))
                try s.setOption(SocketOption.curvePublicKey, bytes: Array(curve.publicKey.utf8))
            }
        }
        try Kernel.bindAll([("shell", shell, info.shellPort), ("control", control, info.controlPort), ("stdin", stdinSocket, info.stdinPort),
                            ("iopub", iopub, info.iopubPort), ("hb", heartbeat, info.hbPort)], info: info)
        core.takeQueuedShell = { [weak self] in self?.drainShellQueue() ?? [] }
        core.shutdownRequested = { [weak self] in self?.beginShutdown() }
    }

    /// Binds each socket; on the first failure closes them all (an open socket would make dropping
    /// the context wait forever) and throws a BindError naming the address and libzmq's reason.
    static func bindAll(_ sockets: [(name: String, socket: Socket, port: Int)], info: ConnectionInfo) throws {
        for s in sockets {
            let endpoint = info.endpoint(s.port)
            do { try s.socket.bind(endpoint) } catch let e as ZMQError {
                for other in sockets { other.socket.close() }
                throw BindError(endpoint: endpoint, channel: s.name, reason: String(cString: strerror(e.code)))
            }
        }
    }

    /// The endpoints actually bound (useful when the connection file asked for port 0).
    public func boundEndpoints() -> [String: String] {
        var out: [String: String] = [:]
        for (name, s) in [("shell", shell), ("control", control), ("stdin", stdinSocket), ("iopub", iopub), ("hb", heartbeat)] {
            out[name] = (try? s.lastEndpoint()) ?? "?"
        }
        return out
    }

    /// Runs until shutdown. Shell requests run on the calling thread.
    public func run() throws {
        let relayPull = try Socket(context, .pull)
        try relayPull.bind(Kernel.iopubRelay)
        let wakePull = try Socket(context, .pull)
        try wakePull.bind(Kernel.wakeEndpoint)

        spawn { [iopub, codec, iopubDone, firstSubscription] in
            Kernel.iopubLoop(iopub: iopub, relay: relayPull, codec: codec, subscribed: firstSubscription)
            iopubDone.open()
        }
        spawn { [heartbeat] in
            runEchoLoop(heartbeat) { logLine("heartbeat: \($0); restarting it") }
            heartbeat.close()
        }
        SignalRelay.shared.add(interpreter)

        let shellRelay = try relaySocket()
        let shellOutbox = outbox(replyingOn: shell, relay: shellRelay)
        core.start(outbox: shellOutbox)
        spawn { [self] in controlLoop() }

        shellLoop(outbox: shellOutbox, wake: wakePull)
        SignalRelay.shared.remove(interpreter)
        finish(shellRelay: shellRelay, wake: wakePull)
    }

    /// Sends what is still queued and closes everything: the iopub thread drains the relay (so the
    /// last `idle` and `shutdown_reply` go out), then the context wakes the other threads to close
    /// their sockets, and terminating it waits (at most the sockets' linger) for the bytes to leave.
    private func finish(shellRelay: Socket, wake: Socket) {
        // The flush marker: a one-frame message no real publication looks like.
        do { try shellRelay.send([[]]) } catch { logLine("could not flush iopub: \(error)") }
        if !iopubDone.wait(milliseconds: 2000) { logLine("iopub did not finish sending in time") }
        shellRelay.close()
        wake.close()
        shell.close()
        stdinSocket.close()
        context.shutdown()
        let terminated = Latch()
        spawn { [context] in
            context.terminate()
            terminated.open()
        }
        if !terminated.wait(milliseconds: 2000) { logLine("some messages could not be sent before exit") }
    }

    /// A PUSH socket into the iopub relay, for one thread's publications.
    private func relaySocket() throws -> Socket {
        let push = try Socket(context, .push)
        try push.setOption(SocketOption.sendTimeout, Kernel.relaySendTimeout)
        try push.connect(Kernel.iopubRelay)
        return push
    }

    /// Where one thread's core calls go: replies on its own socket, publications into the relay.
    private func outbox(replyingOn socket: Socket, relay: Socket) -> Outbox {
        Outbox(reply: { [codec] m in
            do { try socket.send(codec.encode(m)) } catch { logLine("could not send \(m.msgType): \(error)") }
        }, publish: { [codec] m in
            do { try relay.send(codec.encode(m)) } catch { logLine("could not publish \(m.msgType): \(error)") }
        })
    }

    static func isFlushMarker(_ frames: [[UInt8]]) -> Bool { frames.count == 1 && frames[0].isEmpty }

    // MARK: - Shell and control

    private func shellLoop(outbox: Outbox, wake: Socket) {
        var waitedForSubscriber = false
        while !isShuttingDown {
            let ready: [Int]
            do { ready = try poll([shell, wake, stdinSocket], timeoutMilliseconds: -1) } catch {
                logLine("shell poll failed: \(error)")
                return
            }
            if ready.contains(1) { _ = try? wake.receive(dontWait: true); continue }
            if ready.contains(2) { dropStdin(); if !ready.contains(0) { continue } }
            guard let frames = receive(shell) else { continue }
            guard let request = decode(frames, channel: "shell") else { continue }
            if !waitedForSubscriber {
                // Once only: later requests never wait. A client that never subscribes loses nothing
                // by it either, as what is published meanwhile is held for the first subscriber.
                waitedForSubscriber = true
                if !firstSubscription.wait(milliseconds: Kernel.firstSubscriptionWait) {
                    logLine("no front end has subscribed to iopub yet: its messages are held for the first one")
                }
            }
            core.handle(request, on: .shell, outbox: outbox)
        }
    }

    /// Reads and drops what is queued on stdin: no input_request was ever sent, so nothing there is
    /// awaited. The log says so at the 1st, 10th, 100th... message, so a flood cannot fill stderr.
    private func dropStdin() {
        while !isShuttingDown, let _ = try? stdinSocket.receive(dontWait: true) {
            stdinDropped += 1
            if stdinDropped >= stdinLoggedAt * 10 || stdinDropped == 1 {
                stdinLoggedAt = stdinDropped
                logLine("dropped \(stdinDropped) message(s) on stdin so far: this kernel sends no input_request")
            }
        }
    }

    /// After a failed execution, takes every message already queued on shell, so the abort covers
    /// exactly what was sent before the failure's `idle` (as ipykernel flushes its stream).
    private func drainShellQueue() -> [Message] {
        var queued: [Message] = []
        while !isShuttingDown, let frames = try? shell.receive(dontWait: true) {
            if let request = decode(frames, channel: "shell") { queued.append(request) }
        }
        return queued
    }

    private func controlLoop() {
        defer { control.close() }
        guard let relay = try? relaySocket() else { logLine("control: cannot reach iopub"); return }
        defer { relay.close() }
        let outbox = outbox(replyingOn: control, relay: relay)
        while true {
            guard let frames = receive(control) else {
                if isShuttingDown { return }
                continue
            }
            guard let request = decode(frames, channel: "control") else { continue }
            core.handle(request, on: .control, outbox: outbox)
            if isShuttingDown { return }
        }
    }

    // MARK: - Plumbing

    private func receive(_ socket: Socket) -> [[UInt8]]? {
        do { return try socket.receive() } catch let e as ZMQError {
            if !e.isTerminated && !e.isRetryable { logLine("receive failed: \(e)") }
            if e.isTerminated { beginShutdown() }
            return nil
        } catch { return nil }
    }

    /// Verifies and parses; a message that fails is dropped with one line on stderr.
    private func decode(_ frames: [[UInt8]], channel: String) -> Message? {
        do { return try codec.decode(frames) } catch {
            logLine("dropped a message on \(channel): \(error)")
            return nil
        }
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }

    /// Stops the shell loop (interrupting a running statement first) and lets run() return.
    func beginShutdown() {
        guard !shuttingDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        interpreter.interrupt()
        firstSubscription.open()
        if let wake = try? Socket(context, .push) {
            try? wake.setOption(SocketOption.sendTimeout, Kernel.relaySendTimeout)
            try? wake.connect(Kernel.wakeEndpoint)
            try? wake.send([[1]])
            wake.close()
        }
    }

    /// Forwards publications to subscribers and greets each new subscriber (JEP 65), until the
    /// flush marker arrives; then passes on whatever is still queued and closes both sockets.
    /// Until the first subscription, publications are held (`EarlyPublications`) and go to that
    /// subscriber after its welcome; `subscribed` opens then.
    static func iopubLoop(iopub: Socket, relay: Socket, codec: WireCodec, subscribed: Latch) {
        defer {
            relay.close()
            iopub.close()
        }
        var early: EarlyPublications? = EarlyPublications()
        while true {
            let ready: [Int]
            do { ready = try poll([iopub, relay], timeoutMilliseconds: -1) } catch { return }
            if ready.contains(0) {
                while let frames = try? iopub.receive(dontWait: true) {
                    // A subscription is one frame: 1 then the topic; 0 is an unsubscription.
                    guard let first = frames.first, first.first == 1 else { continue }
                    guard let topic = String(validating: first.dropFirst(), as: UTF8.self) else { continue }
                    var welcome = codec.message("iopub_welcome", content: ["subscription": .string(topic)], parent: nil)
                    // Sent under the subscriber's own topic, so that it reaches a subscriber of only that topic.
                    if !topic.isEmpty { welcome.identities = [Array(topic.utf8)] }
                    try? iopub.send(codec.encode(welcome))
                    if var held = early {
                        if held.dropped > 0 { logLine("\(held.dropped) iopub messages published before any subscriber were dropped") }
                        for frames in held.take() { try? iopub.send(frames) }
                        early = nil
                        subscribed.open()
                    }
                }
            }
            if ready.contains(1) {
                var flushing = false
                while let frames = try? relay.receive(dontWait: true) {
                    if isFlushMarker(frames) {
                        flushing = true
                    } else if early != nil {
                        early!.hold(frames)
                    } else {
                        try? iopub.send(frames)
                    }
                }
                // Publications from other threads that were sent before the marker are queued by now.
                if flushing { return }
            }
        }
    }
}
