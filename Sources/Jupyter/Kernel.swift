import JSON
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to stderr: the kernel's log. Never given the key.
public func logLine(_ text: String) {
    let line = "[rnn-kernel] " + text + "\n"
    _ = line.withCString { fputs($0, stderr) }
}

/// A Jupyter kernel: the sockets of a connection file, its threads, and the protocol's rules,
/// driving an `Interpreter`. `run()` returns when a shutdown request has been answered.
public final class Kernel: @unchecked Sendable {
    let info: ConnectionInfo
    let interpreter: Interpreter
    let codec: WireCodec
    let context: Context

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

    /// Read once at start: the control thread answers kernel_info while shell runs the interpreter.
    let kernelInfo: JSON
    /// Shell-thread state: only the shell thread reads or writes these.
    var executionCount = 0
    var history = History()
    /// The comms open between the kernel and its front ends (read by comm_info on either channel).
    let comms = CommRegistry()
    private let shutdownLock = Mutex()
    private var shuttingDown = false
    /// Opened by the iopub thread once it has passed on the last publication and closed its sockets.
    private let iopubDone = Latch()

    /// Binds every socket; throws if a port cannot be bound.
    public init(connection: ConnectionInfo, interpreter: Interpreter) throws {
        // Blocks SIGINT before libzmq starts its threads, and starts the thread that relays it.
        _ = SignalRelay.shared
        info = connection.assigningIPCPorts()
        self.interpreter = interpreter
        codec = WireCodec(signer: Signer(key: connection.key))
        context = try Context()
        shell = try Socket(context, .router)
        control = try Socket(context, .router)
        stdinSocket = try Socket(context, .router)
        iopub = try Socket(context, .xpub)
        heartbeat = try Socket(context, .rep)
        // Subscriptions reach us even when repeated, so each new subscriber gets its welcome.
        try iopub.setOption(SocketOption.xpubVerbose, Int32(1))
        // A front end that reconnects with the same identity takes its place, as with ipykernel.
        for s in [shell, control, stdinSocket] { try s.setOption(SocketOption.routerHandover, Int32(1)) }
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
        kernelInfo = Kernel.kernelInfoContent(interpreter.info)
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

        spawn { [iopub, codec, iopubDone] in
            Kernel.iopubLoop(iopub: iopub, relay: relayPull, codec: codec)
            iopubDone.open()
        }
        spawn { [heartbeat] in
            runEchoLoop(heartbeat)
            heartbeat.close()
        }
        SignalRelay.shared.add(interpreter)

        let shellOut = try Publisher(context: context, codec: codec)
        shellOut.status("starting", parent: nil)
        spawn { [self] in controlLoop() }

        shellLoop(out: shellOut, wake: wakePull)
        SignalRelay.shared.remove(interpreter)
        finish(shellOut: shellOut, wake: wakePull)
    }

    /// Sends what is still queued and closes everything: the iopub thread drains the relay (so the
    /// last `idle` and `shutdown_reply` go out), then the context wakes the other threads to close
    /// their sockets, and terminating it waits (at most the sockets' linger) for the bytes to leave.
    private func finish(shellOut: Publisher, wake: Socket) {
        shellOut.sendFlushMarker()
        if !iopubDone.wait(milliseconds: 2000) { logLine("iopub did not finish sending in time") }
        shellOut.close()
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

    // MARK: - Shell

    private func shellLoop(out: Publisher, wake: Socket) {
        while !isShuttingDown {
            let ready: [Int]
            do { ready = try poll([shell, wake], timeoutMilliseconds: -1) } catch {
                logLine("shell poll failed: \(error)")
                return
            }
            if ready.contains(1) { _ = try? wake.receive(dontWait: true); continue }
            guard let frames = receive(shell) else { continue }
            guard let request = decode(frames, channel: "shell") else { continue }
            handle(request, on: shell, out: out, channel: "shell")
        }
    }

    /// After a failed execution, takes every message already queued on shell, so the abort covers
    /// exactly what was sent before the failure's `idle` (as ipykernel flushes its stream).
    private func drainQueue() -> [Message] {
        var queued: [Message] = []
        while !isShuttingDown, let frames = try? shell.receive(dontWait: true) {
            if let request = decode(frames, channel: "shell") { queued.append(request) }
        }
        return queued
    }

    /// Answers the drained execute_requests as aborted (each with its own busy and idle); other
    /// requests among them are handled as usual.
    private func abort(_ queued: [Message], out: Publisher) {
        for request in queued {
            if request.msgType == "execute_request" {
                out.status("busy", parent: request)
                reply(request, on: shell, type: "execute_reply",
                      content: ["status": "aborted", "execution_count": .number(Double(executionCount))],
                      metadata: ["status": "aborted"])
                out.status("idle", parent: request)
            } else {
                _ = handle(request, on: shell, out: out, channel: "shell")
            }
        }
    }

    // MARK: - Control

    private func controlLoop() {
        defer { control.close() }
        guard let out = try? Publisher(context: context, codec: codec) else { logLine("control: cannot reach iopub"); return }
        defer { out.close() }
        while true {
            guard let frames = receive(control) else {
                if isShuttingDown { return }
                continue
            }
            guard let request = decode(frames, channel: "control") else { continue }
            _ = handle(request, on: control, out: out, channel: "control")
            if isShuttingDown { return }
        }
    }

    // MARK: - Dispatch

    /// Requests that read or change the interpreter or the history, which belong to the shell thread.
    static let shellOnly: Set<String> = ["execute_request", "complete_request", "inspect_request", "is_complete_request",
                                         "history_request", "comm_open", "comm_msg", "comm_close"]

    /// Handles one verified request between `busy` and `idle`; returns true when it was an execution that failed.
    /// A shutdown request starts the shutdown only after its `idle` is published.
    @discardableResult
    func handle(_ request: Message, on socket: Socket, out: Publisher, channel: String) -> Bool {
        out.status("busy", parent: request)
        let failed = dispatch(request, on: socket, out: out, channel: channel)
        // As ipykernel: only a visible execution that fails stops what was queued behind it. The queue
        // is taken before `idle`, so a request a client sends after seeing idle is never aborted.
        var queued: [Message] = []
        if failed, channel == "shell", request.msgType == "execute_request", request.content["stop_on_error"]?.boolValue ?? true,
           !(request.content["silent"]?.boolValue ?? false) {
            queued = drainQueue()
        }
        out.status("idle", parent: request)
        abort(queued, out: out)
        if request.msgType == "shutdown_request" { beginShutdown() }
        return failed
    }

    private func dispatch(_ request: Message, on socket: Socket, out: Publisher, channel: String) -> Bool {
        if channel != "shell" && Kernel.shellOnly.contains(request.msgType) {
            // Running it here would race the shell thread for the interpreter; say where it belongs.
            let why = "\(request.msgType) must be sent on the shell channel"
            if request.msgType.hasSuffix("_request") {
                return replyBadRequest(request, on: socket, type: String(request.msgType.dropLast("request".count)) + "reply", why)
            }
            logLine("ignoring \(request.msgType) on \(channel): \(why)")
            return false
        }
        switch request.msgType {
        case "kernel_info_request":
            reply(request, on: socket, type: "kernel_info_reply", content: kernelInfo)
        case "execute_request":
            return execute(request, out: out)
        case "complete_request":
            guard let code = request.content["code"]?.stringValue, let pos = request.content["cursor_pos"]?.intValue else {
                return replyBadRequest(request, on: socket, type: "complete_reply", "complete_request needs 'code' (string) and 'cursor_pos' (integer)")
            }
            let c = interpreter.complete(code: code, cursorPos: clampCursor(pos, in: code))
            var content: JSON = ["status": "ok", "matches": JSON(c.matches), "cursor_start": JSON(c.cursorStart),
                                 "cursor_end": JSON(c.cursorEnd), "metadata": [:]]
            if !c.types.isEmpty {
                content["metadata"] = ["_jupyter_types_experimental": .array(c.types.map {
                    ["text": .string($0.text), "type": .string($0.type), "start": JSON(c.cursorStart), "end": JSON(c.cursorEnd)]
                })]
            }
            reply(request, on: socket, type: "complete_reply", content: content)
        case "inspect_request":
            guard let code = request.content["code"]?.stringValue, let pos = request.content["cursor_pos"]?.intValue else {
                return replyBadRequest(request, on: socket, type: "inspect_reply", "inspect_request needs 'code' (string) and 'cursor_pos' (integer)")
            }
            let detail = request.content["detail_level"]?.intValue ?? 0
            if let bundle = interpreter.inspect(code: code, cursorPos: clampCursor(pos, in: code), detailLevel: detail) {
                reply(request, on: socket, type: "inspect_reply",
                      content: ["status": "ok", "found": true, "data": bundle.dataJSON, "metadata": bundle.metadata])
            } else {
                reply(request, on: socket, type: "inspect_reply", content: ["status": "ok", "found": false, "data": [:], "metadata": [:]])
            }
        case "is_complete_request":
            guard let code = request.content["code"]?.stringValue else {
                return replyBadRequest(request, on: socket, type: "is_complete_reply", "is_complete_request needs 'code' (string)")
            }
            switch interpreter.isComplete(code: code) {
            case .complete: reply(request, on: socket, type: "is_complete_reply", content: ["status": "complete"])
            case let .incomplete(indent): reply(request, on: socket, type: "is_complete_reply", content: ["status": "incomplete", "indent": .string(indent)])
            case .invalid: reply(request, on: socket, type: "is_complete_reply", content: ["status": "invalid"])
            case .unknown: reply(request, on: socket, type: "is_complete_reply", content: ["status": "unknown"])
            }
        case "history_request":
            do {
                let list = try history.answer(request.content)
                reply(request, on: socket, type: "history_reply", content: ["status": "ok", "history": list])
            } catch {
                return replyBadRequest(request, on: socket, type: "history_reply", "\(error)")
            }
        case "comm_info_request":
            let filter = request.content["target_name"]?.stringValue
            if let t = request.content["target_name"], filter == nil, !t.isNull {
                return replyBadRequest(request, on: socket, type: "comm_info_reply", "comm_info_request's 'target_name' must be a string")
            }
            let listed = comms.list(target: filter).map { (key: $0.id, value: ["target_name": .string($0.target)] as JSON) }
            reply(request, on: socket, type: "comm_info_reply", content: ["status": "ok", "comms": .object(listed)])
        case "comm_open", "comm_msg", "comm_close":
            handleComm(request, out: out)
        case "interrupt_request":
            interpreter.interrupt()
            reply(request, on: socket, type: "interrupt_reply", content: ["status": "ok"])
        case "shutdown_request":
            let restart = request.content["restart"]?.boolValue ?? false
            reply(request, on: socket, type: "shutdown_reply", content: ["status": "ok", "restart": .bool(restart)])
            out.publish("shutdown_reply", content: ["status": "ok", "restart": .bool(restart)], parent: request)
        default:
            logLine("ignoring unknown \(channel) message type '\(request.msgType)'")
        }
        return false
    }

    /// Delivers a front end's comm message to the interpreter, with a sink parented to it (its
    /// answers and outputs go out between this request's busy and idle).
    private func handleComm(_ request: Message, out: Publisher) {
        guard let id = request.content["comm_id"]?.stringValue, !id.isEmpty else {
            logLine("ignoring \(request.msgType) without a 'comm_id' string")
            return
        }
        let data = request.content["data"] ?? .object([])
        let sink = ExecutionSink(out: out, parent: request, silent: false, comms: comms)
        switch request.msgType {
        case "comm_open":
            guard let target = request.content["target_name"]?.stringValue else {
                logLine("comm_open \(id) names no 'target_name' string: closing it")
                out.publish("comm_close", content: ["comm_id": .string(id), "data": [:]], parent: request)
                return
            }
            if comms.target(of: id) != nil {
                logLine("comm_open for \(id), which is already open: ignored")
                return
            }
            // Registered first, so that the interpreter can answer on it while accepting it.
            comms.opened(id, target: target)
            let m = CommMessage(commID: id, targetName: target, data: data, metadata: request.metadata,
                                buffers: request.buffers, msgID: request.msgID)
            if !interpreter.commOpened(m, output: sink) {
                comms.closed(id)
                // An unknown target: closing tells the front end so at once.
                logLine("comm_open for unknown target '\(target)': closing it")
                out.publish("comm_close", content: ["comm_id": .string(id), "data": [:]], parent: request)
            }
        case "comm_msg":
            guard let target = comms.target(of: id) else {
                logLine("comm_msg for \(id), which is not open: dropped")
                return
            }
            interpreter.commReceived(CommMessage(commID: id, targetName: target, data: data, metadata: request.metadata,
                                                 buffers: request.buffers, msgID: request.msgID), output: sink)
        default:
            guard let target = comms.closed(id) else { return }  // closing a closed comm is harmless
            interpreter.commClosed(CommMessage(commID: id, targetName: target, data: data, metadata: request.metadata,
                                               buffers: request.buffers, msgID: request.msgID), output: sink)
        }
    }

    /// A front end may send a cursor outside the code; the interpreter always gets one inside it
    /// (counted in code points, as the protocol counts).
    private func clampCursor(_ pos: Int, in code: String) -> Int { min(max(pos, 0), code.unicodeScalars.count) }

    private func replyBadRequest(_ request: Message, on socket: Socket, type: String, _ why: String) -> Bool {
        logLine("bad \(request.msgType): \(why)")
        reply(request, on: socket, type: type, content: ["status": "error", "ename": "ProtocolError", "evalue": .string(why), "traceback": []])
        return false
    }

    private func execute(_ request: Message, out: Publisher) -> Bool {
        let content = request.content
        guard let code = content["code"]?.stringValue else {
            return failExecute(request, "execute_request needs 'code' as a string")
        }
        for flag in ["silent", "store_history", "allow_stdin", "stop_on_error"] {
            if let v = content[flag], v.boolValue == nil { return failExecute(request, "'\(flag)' must be true or false") }
        }
        let silent = content["silent"]?.boolValue ?? false
        let storeHistory = silent ? false : (content["store_history"]?.boolValue ?? true)
        if storeHistory { executionCount += 1 }
        let count = executionCount
        let countJSON = JSON(count)
        if !silent { out.publish("execute_input", content: ["code": .string(code), "execution_count": countJSON], parent: request) }

        let sink = ExecutionSink(out: out, parent: request, silent: silent, comms: comms)
        let outcome = interpreter.execute(
            ExecuteRequest(code: code, silent: silent, storeHistory: storeHistory,
                           allowStdin: content["allow_stdin"]?.boolValue ?? false, executionCount: count),
            output: sink)
        switch outcome {
        case let .ok(result, payloads):
            if let result, !silent {
                out.publish("execute_result", content: ["execution_count": countJSON, "data": result.dataJSON, "metadata": result.metadata], parent: request)
            }
            if storeHistory { history.append(line: count, input: code, output: result?["text/plain"]?.stringValue) }
            var expressions: [(key: String, value: JSON)] = []
            if case let .object(exprs)? = content["user_expressions"] {
                for (name, expr) in exprs {
                    guard let text = expr.stringValue else {
                        expressions.append((key: name, value: ["status": "error", "ename": "TypeError", "evalue": "expression must be a string", "traceback": []]))
                        continue
                    }
                    switch interpreter.evaluate(expression: text) {
                    case let .success(b): expressions.append((key: name, value: ["status": "ok", "data": b.dataJSON, "metadata": b.metadata]))
                    case let .failure(e): expressions.append((key: name, value: ["status": "error", "ename": .string(e.ename), "evalue": .string(e.evalue), "traceback": JSON(e.traceback)]))
                    }
                }
            }
            reply(request, on: shell, type: "execute_reply",
                  content: ["status": "ok", "execution_count": countJSON, "payload": .array(payloads), "user_expressions": .object(expressions)],
                  metadata: ["status": "ok"])
            return false
        case let .error(report, payloads):
            if !silent {
                out.publish("error", content: ["ename": .string(report.ename), "evalue": .string(report.evalue), "traceback": JSON(report.traceback)], parent: request)
            }
            if storeHistory { history.append(line: count, input: code, output: nil) }
            reply(request, on: shell, type: "execute_reply",
                  content: ["status": "error", "execution_count": countJSON, "ename": .string(report.ename), "evalue": .string(report.evalue),
                            "traceback": JSON(report.traceback), "payload": .array(payloads), "user_expressions": [:]],
                  metadata: ["status": "error"])
            return true
        }
    }

    private func failExecute(_ request: Message, _ why: String) -> Bool {
        logLine("bad execute_request: \(why)")
        reply(request, on: shell, type: "execute_reply",
              content: ["status": "error", "execution_count": JSON(executionCount), "ename": "ProtocolError", "evalue": .string(why), "traceback": [], "user_expressions": [:], "payload": []])
        return true
    }

    static func kernelInfoContent(_ i: LanguageInfo) -> JSON {
        [
            "status": "ok",
            "protocol_version": .string(protocolVersion),
            "implementation": .string(i.implementation),
            "implementation_version": .string(i.implementationVersion),
            "language_info": i.languageInfo,
            "banner": .string(i.banner),
            "help_links": .array(i.helpLinks.map { ["text": .string($0.text), "url": .string($0.url)] }),
            "debugger": false,
            // Protocol 5.5's optional features (JEP 92): neither the debugger nor subshells is offered.
            "supported_features": [],
        ]
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

    private func reply(_ request: Message, on socket: Socket, type: String, content: JSON, metadata: JSON = .object([])) {
        let m = codec.message(type, content: content, parent: request, identities: request.identities, metadata: metadata)
        do { try socket.send(codec.encode(m)) } catch { logLine("could not send \(type): \(error)") }
    }

    var isShuttingDown: Bool { shutdownLock.withLock { shuttingDown } }

    /// Stops the shell loop (interrupting a running statement first) and lets run() return.
    func beginShutdown() {
        let first = shutdownLock.withLock { () -> Bool in
            defer { shuttingDown = true }
            return !shuttingDown
        }
        guard first else { return }
        interpreter.interrupt()
        if let wake = try? Socket(context, .push) {
            try? wake.connect(Kernel.wakeEndpoint)
            try? wake.send([[1]])
            wake.close()
        }
    }

    /// Forwards publications to subscribers and greets each new subscriber (JEP 65), until the
    /// flush marker arrives; then passes on whatever is still queued and closes both sockets.
    static func iopubLoop(iopub: Socket, relay: Socket, codec: WireCodec) {
        defer {
            relay.close()
            iopub.close()
        }
        while true {
            let ready: [Int]
            do { ready = try poll([iopub, relay], timeoutMilliseconds: -1) } catch { return }
            if ready.contains(0) {
                while let frames = try? iopub.receive(dontWait: true) {
                    // A subscription is one frame: 1 then the topic; 0 is an unsubscription.
                    guard let first = frames.first, first.first == 1 else { continue }
                    guard let topic = String(validatingUTF8Bytes: Array(first.dropFirst())) else { continue }
                    var welcome = codec.message("iopub_welcome", content: ["subscription": .string(topic)], parent: nil)
                    // Sent under the subscriber's own topic, so that it reaches a subscriber of only that topic.
                    if !topic.isEmpty { welcome.identities = [Array(topic.utf8)] }
                    try? iopub.send(codec.encode(welcome))
                }
            }
            if ready.contains(1) {
                var flushing = false
                while let frames = try? relay.receive(dontWait: true) {
                    if Publisher.isFlushMarker(frames) { flushing = true } else { try? iopub.send(frames) }
                }
                // Publications from other threads that were sent before the marker are queued by now.
                if flushing { return }
            }
        }
    }

    /// Called before any thread starts, so that every thread inherits the mask and SIGINT reaches only
    /// the relay thread's sigwait: a front end in signal mode interrupts instead of killing us.
    static func blockSIGINT() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}

/// Sends IOPub messages from one thread (each thread has its own).
final class Publisher {
    let codec: WireCodec
    private let push: Socket

    init(context: Context, codec: WireCodec) throws {
        self.codec = codec
        push = try Socket(context, .push)
        try push.connect(Kernel.iopubRelay)
    }

    func close() { push.close() }

    /// Tells the iopub thread that nothing more will be published: a one-frame message no real publication looks like.
    func sendFlushMarker() {
        do { try push.send([[]]) } catch { logLine("could not flush iopub: \(error)") }
    }

    static func isFlushMarker(_ frames: [[UInt8]]) -> Bool { frames.count == 1 && frames[0].isEmpty }

    func publish(_ type: String, content: JSON, parent: Message?, metadata: JSON = .object([])) {
        var m = codec.message(type, content: content, parent: parent, metadata: metadata)
        // The topic frame, as ipykernel writes it: kernel.<id>.<msg_type>.
        m.identities = [Array("kernel.\(codec.session).\(type)".utf8)]
        do { try push.send(codec.encode(m)) } catch { logLine("could not publish \(type): \(error)") }
    }

    func status(_ state: String, parent: Message?) {
        publish("status", content: ["execution_state": .string(state)], parent: parent)
    }
}

/// The OutputSink one execution (or one comm message) writes to: everything is parented to its
/// request, and a silent execution publishes nothing and has no comms.
final class ExecutionSink: OutputSink, CommChannel {
    let out: Publisher
    let parent: Message
    let silent: Bool
    let registry: CommRegistry

    init(out: Publisher, parent: Message, silent: Bool, comms: CommRegistry) {
        self.out = out
        self.parent = parent
        self.silent = silent
        registry = comms
    }

    var comms: CommChannel? { silent ? nil : self }

    var parentMsgID: String { parent.msgID }

    func open(commID: String, target: String, data: JSON, metadata: JSON) {
        registry.opened(commID, target: target)
        out.publish("comm_open", content: ["comm_id": .string(commID), "target_name": .string(target), "data": data],
                    parent: parent, metadata: metadata)
    }

    func send(commID: String, data: JSON, metadata: JSON) {
        guard registry.target(of: commID) != nil else { return logLine("not sending on comm \(commID): it is closed") }
        out.publish("comm_msg", content: ["comm_id": .string(commID), "data": data], parent: parent, metadata: metadata)
    }

    func close(commID: String, data: JSON) {
        guard registry.closed(commID) != nil else { return }
        out.publish("comm_close", content: ["comm_id": .string(commID), "data": data], parent: parent)
    }

    func stream(_ name: StreamName, _ text: String) {
        guard !silent, !text.isEmpty else { return }
        out.publish("stream", content: ["name": .string(name.rawValue), "text": .string(text)], parent: parent)
    }

    func display(_ bundle: MimeBundle, displayID: String?) {
        guard !silent else { return }
        var content: JSON = ["data": bundle.dataJSON, "metadata": bundle.metadata, "transient": [:]]
        if let displayID { content["transient"] = ["display_id": .string(displayID)] }
        out.publish("display_data", content: content, parent: parent)
    }

    func updateDisplay(_ bundle: MimeBundle, displayID: String) {
        guard !silent else { return }
        out.publish("update_display_data", content: ["data": bundle.dataJSON, "metadata": bundle.metadata,
                                                     "transient": ["display_id": .string(displayID)]], parent: parent)
    }

    func clearOutput(wait: Bool) {
        guard !silent else { return }
        out.publish("clear_output", content: ["wait": .bool(wait)], parent: parent)
    }
}

/// Turns SIGINT into `interrupt()` of the running kernels' interpreters, on one thread per process.
final class SignalRelay: @unchecked Sendable {
    static let shared = SignalRelay()
    private let lock = Mutex()
    private var targets: [ObjectIdentifier: Interpreter] = [:]
    /// The thread waiting for SIGINT (tests signal it directly).
    private(set) var thread: pthread_t?

    private init() {
        Kernel.blockSIGINT()
        thread = spawn { [self] in
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            while true {
                var sig: Int32 = 0
                guard sigwait(&set, &sig) == 0, sig == SIGINT else { continue }
                for interpreter in lock.withLock({ Array(targets.values) }) { interpreter.interrupt() }
            }
        }
    }

    func add(_ interpreter: Interpreter) { lock.withLock { targets[ObjectIdentifier(interpreter)] = interpreter } }
    func remove(_ interpreter: Interpreter) { lock.withLock { targets[ObjectIdentifier(interpreter)] = nil } }
}

/// Starts a detached thread.
@discardableResult
func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Box
        box.body()
        return nil
    }, box)
    guard rc == 0 else {
        logLine("could not start a thread (error \(rc))")
        return nil
    }
    pthread_detach(thread)
    return thread
}

/// A one-shot gate: `wait` returns once `open` has been called, or when the time runs out.
final class Latch: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var isOpen = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func open() {
        pthread_mutex_lock(&mutex)
        isOpen = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// True if the latch opened within the time.
    func wait(milliseconds: Int) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanos = Int(now.tv_nsec) + (milliseconds % 1000) * 1_000_000
        var deadline = timespec()
        deadline.tv_sec = now.tv_sec + milliseconds / 1000 + nanos / 1_000_000_000
        deadline.tv_nsec = nanos % 1_000_000_000
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !isOpen {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { return isOpen }
        }
        return true
    }
}

extension String {
    /// The text of UTF-8 bytes, or nil when they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&it) {
            case let .scalarValue(v): out.append(v)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(out)
    }
}
