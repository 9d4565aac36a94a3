import XCTest
import JSON
import Synchronization
import ZeroMQ
@testable import Jupyter

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in language for the kernel's tests. Code words pick a behaviour:
/// `print TEXT`, `fail`, `spin` (runs until interrupted), `display`, `block` (waits until the test's
/// queue check passes), anything else is its own result.
final class EchoInterpreter: Interpreter {
    private let interrupted = Atomic<Bool>(false)
    /// Called by `block` on the shell thread before it fails.
    var onBlock: (() -> Void)?
    /// Set while `spin` runs, so the test knows when to interrupt.
    let spinning = Latch()

    var info: LanguageInfo {
        LanguageInfo(implementation: "echo", implementationVersion: "1.0", banner: "echo kernel",
                     languageInfo: ["name": "rnn", "version": "1.0", "mimetype": "text/x-rnn", "file_extension": ".rnn",
                                    "codemirror_mode": "python", "pygments_lexer": "python"],
                     helpLinks: [(text: "docs", url: "https://example.org/docs")])
    }

    func execute(_ request: ExecuteRequest, output: OutputSink) -> ExecuteOutcome {
        interrupted.store(false, ordering: .releasing)
        let code = request.code
        if code.hasPrefix("print ") {
            output.stream(.stdout, String(code.dropFirst(6)) + "\n")
            output.stream(.stderr, "")
            return .ok(result: nil, payloads: [])
        }
        switch code {
        case "fail":
            return .error(ErrorReport(ename: "NameError", evalue: "no such name", traceback: ["line 1", "NameError: no such name"]), payloads: [])
        case "block":
            onBlock?()
            return .error(ErrorReport(ename: "ValueError", evalue: "blocked", traceback: []), payloads: [])
        case "spin":
            spinning.open()
            while !interrupted.load(ordering: .acquiring) { usleep(1000) }
            return .error(ErrorReport(ename: "KeyboardInterrupt", evalue: "stopped", traceback: ["KeyboardInterrupt"]), payloads: [])
        case "display":
            output.display(.text("v1"), displayID: "d1")
            output.updateDisplay(.text("v2"), displayID: "d1")
            output.display(MimeBundle([(mime: "text/plain", value: "plain"), (mime: "text/html", value: "<b>b</b>")]), displayID: nil)
            output.clearOutput(wait: true)
            return .ok(result: nil, payloads: [["source": "page", "data": ["text/plain": "help"], "start": 0]])
        default:
            return .ok(result: .text(code), payloads: [])
        }
    }

    func evaluate(expression: String) -> Result<MimeBundle, ErrorReport> {
        expression == "bad" ? .failure(ErrorReport(ename: "SyntaxError", evalue: "bad", traceback: [])) : .success(.text("=" + expression))
    }

    func complete(code: String, cursorPos: Int) -> Completion {
        Completion(matches: ["alpha", "alpine"], cursorStart: 0, cursorEnd: cursorPos, types: [(text: "alpha", type: "name"), (text: "alpine", type: "name")])
    }

    func inspect(code: String, cursorPos: Int, detailLevel: Int) -> MimeBundle? {
        code.isEmpty ? nil : .text("about \(code) at \(cursorPos) level \(detailLevel)")
    }

    func isComplete(code: String) -> CompletenessStatus {
        if code.hasSuffix("[") { return .incomplete(indent: "  ") }
        if code.hasSuffix(")") { return .invalid }
        if code == "?" { return .unknown }
        return .complete
    }

    func interrupt() { interrupted.store(true, ordering: .releasing) }
}

struct TimedOut: Error {}

/// A front end for the tests: the five sockets of a running in-process kernel.
final class Client {
    let context: Context
    let codec: WireCodec
    let shell: Socket
    let control: Socket
    let iopub: Socket
    let heartbeat: Socket
    let endpoints: [String: String]

    /// `curve` makes every socket a CURVE client of a kernel whose public key is `serverKey` (Z85 text).
    init(kernel: Kernel, key: [UInt8], subscribe topic: String = "",
         curve: (serverKey: String, publicKey: String, secretKey: String)? = nil, timeoutMilliseconds: Int32 = 10_000) throws {
        context = try Context()
        codec = WireCodec(signer: Signer(key: key), session: "client-session", username: "tester")
        endpoints = kernel.boundEndpoints()
        shell = try Socket(context, .dealer)
        control = try Socket(context, .dealer)
        iopub = try Socket(context, .sub)
        heartbeat = try Socket(context, .req)
        for s in [shell, control, iopub, heartbeat] {
            // Generous, so a slow machine does not fail a test; a hang still ends.
            try s.setOption(SocketOption.receiveTimeout, timeoutMilliseconds)
            // A send blocks when no peer pipe exists (after a refused CURVE handshake, for one): bounded too.
            try s.setOption(SocketOption.sendTimeout, timeoutMilliseconds)
            try s.setOption(SocketOption.linger, Int32(0))
            if let curve {
                try s.setOption(SocketOption.curveServerKey, bytes: Array(curve.serverKey.utf8))
                try s.setOption(SocketOption.curvePublicKey, bytes: Array(curve.publicKey.utf8))
                try s.setOption(SocketOption.curveSecretKey, bytes: Array(curve.secretKey.utf8))
            }
        }
        try iopub.setOption(SocketOption.subscribe, bytes: Array(topic.utf8))
        try shell.connect(endpoints["shell"]!)
        try control.connect(endpoints["control"]!)
        try iopub.connect(endpoints["iopub"]!)
        try heartbeat.connect(endpoints["hb"]!)
    }

    func close() {
        for s in [shell, control, iopub, heartbeat] { s.close() }
        context.terminate()
    }

    /// Sends a request and returns it (its header's msg_id identifies the reply and publications).
    @discardableResult
    func send(_ type: String, _ content: JSON, on socket: Socket? = nil) throws -> Message {
        let m = Message(header: codec.header(type), content: content)
        try (socket ?? shell).send(codec.encode(m))
        return m
    }

    func receive(_ socket: Socket, file: StaticString = #filePath, line: UInt = #line) throws -> Message {
        guard let frames = try socket.receive() else {
            XCTFail("timed out waiting for a message", file: file, line: line)
            throw TimedOut()
        }
        return try codec.decode(frames)
    }

    /// The reply to `request` on its socket.
    func reply(to request: Message, on socket: Socket? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Message {
        let r = try receive(socket ?? shell, file: file, line: line)
        XCTAssertEqual(r.parentHeader["msg_id"], request.header["msg_id"], file: file, line: line)
        return r
    }

    /// IOPub messages parented to `request`, through its `idle`.
    func publications(of request: Message, file: StaticString = #filePath, line: UInt = #line) throws -> [Message] {
        var out: [Message] = []
        while true {
            let m = try receive(iopub, file: file, line: line)
            guard m.parentHeader["msg_id"] == request.header["msg_id"] else { continue }
            out.append(m)
            if m.msgType == "status", m.content["execution_state"] == "idle" { return out }
        }
    }

    /// Waits for the welcome, after which no publication can be missed (JEP 65).
    func awaitWelcome() throws -> Message {
        while true {
            let m = try receive(iopub)
            if m.msgType == "iopub_welcome" { return m }
        }
    }

    /// The kernel's whole sequence for one request: reply and publications.
    func roundTrip(_ type: String, _ content: JSON, on socket: Socket? = nil) throws -> (reply: Message, iopub: [Message]) {
        let request = try send(type, content, on: socket)
        let r = try reply(to: request, on: socket)
        return (r, try publications(of: request))
    }
}
