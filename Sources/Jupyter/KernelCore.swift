import JSON

/// The channel a request came on. Only these two carry requests the core answers.
public enum Channel: String, Sendable {
    case shell, control
}

/// Where the core's messages go. The server gives each channel's thread one (replies on that
/// channel's socket, publications through the iopub relay); a test collects them in lists.
public struct Outbox {
    /// A reply, addressed (by its identities) to the front end that asked.
    public var reply: (Message) -> Void
    /// A publication for IOPub, with its topic in `identities`.
    public var publish: (Message) -> Void

    public init(reply: @escaping (Message) -> Void, publish: @escaping (Message) -> Void) {
        self.reply = reply
        self.publish = publish
    }
}

/// The messaging protocol without sockets (the core of the server/core split xeus-zmq and IJulia use):
/// a table from message type to handler, busy and idle around each request, the abort of the
/// shell queue after a failed execution, and the state the protocol keeps (execution count,
/// history, open comms). `Kernel` feeds it verified messages; tests may call `handle` directly.
///
/// Shell and control call `handle` from their own threads. Handlers marked shell-only are the
/// only ones that touch the interpreter's state, the execution count and the history; the comm
/// registry is locked, and kernel_info is computed once.
public final class KernelCore: @unchecked Sendable {
    let interpreter: Interpreter
    public let codec: WireCodec
    let kernelInfo: JSON
    var executionCount = 0
    var history = History()
    /// The comms open between the kernel and its front ends (read by comm_info on either channel).
    let comms = CommRegistry()
    /// Takes the requests already queued on shell; the server sets it (without one, nothing is queued).
    public var takeQueuedShell: () -> [Message] = { [] }
    /// Called after a shutdown_request's idle is published; the server then stops its loops.
    public var shutdownRequested: () -> Void = {}

    public init(interpreter: Interpreter, codec: WireCodec) {
        self.interpreter = interpreter
        self.codec = codec
        kernelInfo = KernelCore.kernelInfoContent(interpreter.info)
    }

    /// One request being handled, with where its reply and its publications go.
    struct Exchange {
        let request: Message
        let channel: Channel
        let outbox: Outbox
        let out: Publisher

        var content: JSON { request.content }

        func reply(_ type: String, _ content: JSON, metadata: JSON = .object([])) {
            outbox.reply(out.codec.message(type, content: content, parent: request, identities: request.identities, metadata: metadata))
        }

        /// A `*_reply` with status error, naming what was wrong; never counts as a failed execution.
        func badRequest(_ type: String, _ why: String) -> Bool {
            logLine("bad \(request.msgType): \(why)")
            reply(type, ["status": "error", "ename": "ProtocolError", "evalue": .string(why), "traceback": []])
            return false
        }
    }

    /// How one message type is answered. `run` returns true when it was an execution that failed.
    struct Handler {
        /// Reads or changes the interpreter or the history, which belong to the shell thread.
        let shellOnly: Bool
        let run: (KernelCore) -> (Exchange) -> Bool
    }

    /// Every message type the kernel answers. A new one is one entry here and one method.
    static let handlers: [String: Handler] = [
        "kernel_info_request": Handler(shellOnly: false, run: KernelCore.kernelInfoRequest),
        "execute_request": Handler(shellOnly: true, run: KernelCore.executeRequest),
        "complete_request": Handler(shellOnly: true, run: KernelCore.completeRequest),
        "inspect_request": Handler(shellOnly: true, run: KernelCore.inspectRequest),
        "is_complete_request": Handler(shellOnly: true, run: KernelCore.isCompleteRequest),
        "history_request": Handler(shellOnly: true, run: KernelCore.historyRequest),
        "comm_info_request": Handler(shellOnly: false, run: KernelCore.commInfoRequest),
        "comm_open": Handler(shellOnly: true, run: KernelCore.commOpen),
        "comm_msg": Handler(shellOnly: true, run: KernelCore.commMsg),
        "comm_close": Handler(shellOnly: true, run: KernelCore.commClose),
        "interrupt_request": Handler(shellOnly: false, run: KernelCore.interruptRequest),
        "shutdown_request": Handler(shellOnly: false, run: KernelCore.shutdownRequest),
    ]

    /// Publishes `starting`, before the first request.
    public func start(outbox: Outbox) {
        Publisher(codec: codec, send: outbox.publish).status("starting", parent: nil)
    }

    /// Handles one verified request between `busy` and `idle`; returns true when it was an execution that failed.
    /// A shutdown request calls `shutdownRequested` only after its `idle` is published.
    @discardableResult
    public func handle(_ request: Message, on channel: Channel, outbox: Outbox) -> Bool {
        let out = Publisher(codec: codec, send: outbox.publish)
        out.status("busy", parent: request)
        let failed = dispatch(Exchange(request: request, channel: channel, outbox: outbox, out: out))
        // As ipykernel: only a visible execution that fails stops what was queued behind it. The queue
        // is taken before `idle`, so a request a client sends after seeing idle is never aborted.
        var queued: [Message] = []
        if failed, channel == .shell, request.msgType == "execute_request", request.content["stop_on_error"]?.boolValue ?? true,
           !(request.content["silent"]?.boolValue ?? false) {
            queued = takeQueuedShell()
        }
        out.status("idle", parent: request)
        abort(queued, outbox: outbox)
        if request.msgType == "shutdown_request", request.malformed == nil { shutdownRequested() }
        return failed
    }

    private func dispatch(_ x: Exchange) -> Bool {
        let type = x.request.msgType
        // A request always gets its reply, so a client waiting on it hears why at once; other
        // messages (comm_msg and the like) have no reply to carry the error, so it is logged.
        func refuse(_ why: String) -> Bool {
            if let replyType = KernelCore.replyType(for: type) { return x.badRequest(replyType, why) }
            logLine("ignoring \(type) on \(x.channel.rawValue): \(why)")
            return false
        }
        guard let handler = KernelCore.handlers[type] else {
            return refuse("rnn-kernel does not handle \(type) (it answers \(KernelCore.requestTypes))")
        }
        if handler.shellOnly && x.channel != .shell {
            // Running it here would race the shell thread for the interpreter; say where it belongs.
            return refuse("\(type) must be sent on the shell channel")
        }
        if let why = x.request.malformed {
            if type == "execute_request" { return failExecute(x, "malformed execute_request: \(why)") }
            return refuse("malformed \(type): \(why)")
        }
        return handler.run(self)(x)
    }

    /// `x_reply` for `x_request`; nil for a message that is not a request.
    static func replyType(for type: String) -> String? {
        guard type.hasSuffix("_request"), type.count > "_request".count else { return nil }
        return String(type.dropLast("request".count)) + "reply"
    }

    /// The request types answered, for the error that names them.
    static let requestTypes = handlers.keys.filter { $0.hasSuffix("_request") }.sorted().joined(separator: ", ")

    /// Answers the queued execute_requests as aborted (each with its own busy and idle); other
    /// requests among them are handled as usual.
    private func abort(_ queued: [Message], outbox: Outbox) {
        for request in queued {
            guard request.msgType == "execute_request" else {
                handle(request, on: .shell, outbox: outbox)
                continue
            }
            let out = Publisher(codec: codec, send: outbox.publish)
            out.status("busy", parent: request)
            Exchange(request: request, channel: .shell, outbox: outbox, out: out)
                .reply("execute_reply", ["status": "aborted", "execution_count": JSON(executionCount)], metadata: ["status": "aborted"])
            out.status("idle", parent: request)
        }
    }

    // MARK: - Handlers other than execution and comms

    func kernelInfoRequest(_ x: Exchange) -> Bool {
        x.reply("kernel_info_reply", kernelInfo)
        return false
    }

    func completeRequest(_ x: Exchange) -> Bool {
        guard let code = x.content["code"]?.stringValue, let pos = cursorPosition(x.content["cursor_pos"]) else {
            return x.badRequest("complete_reply", "complete_request needs 'code' (string) and 'cursor_pos' (integer, at least 0)"
                                + ", found cursor_pos \(x.content["cursor_pos"].map { logQuote($0.serialized()) } ?? "missing")")
        }
        let c = interpreter.complete(code: code, cursorPos: clampCursor(pos, in: code))
        var content: JSON = ["status": "ok", "matches": JSON(c.matches), "cursor_start": JSON(c.cursorStart),
                             "cursor_end": JSON(c.cursorEnd), "metadata": [:]]
        if !c.types.isEmpty {
            content["metadata"] = ["_jupyter_types_experimental": .array(c.types.map {
                ["text": .string($0.text), "type": .string($0.type), "start": JSON(c.cursorStart), "end": JSON(c.cursorEnd)]
            })]
        }
        x.reply("complete_reply", content)
        return false
    }

    func inspectRequest(_ x: Exchange) -> Bool {
        guard let code = x.content["code"]?.stringValue, let pos = cursorPosition(x.content["cursor_pos"]) else {
            return x.badRequest("inspect_reply", "inspect_request needs 'code' (string) and 'cursor_pos' (integer, at least 0)"
                                + ", found cursor_pos \(x.content["cursor_pos"].map { logQuote($0.serialized()) } ?? "missing")")
        }
        let detail: Int
        switch x.content["detail_level"] {
        case nil, .null?: detail = 0
        case let v?:
            guard let d = v.intValue, d == 0 || d == 1 else {
                return x.badRequest("inspect_reply", "inspect_request's 'detail_level' must be 0 or 1, found \(v.serialized())")
            }
            detail = d
        }
        if let bundle = interpreter.inspect(code: code, cursorPos: clampCursor(pos, in: code), detailLevel: detail) {
            x.reply("inspect_reply", ["status": "ok", "found": true, "data": bundle.dataJSON, "metadata": bundle.metadata])
        } else {
            x.reply("inspect_reply", ["status": "ok", "found": false, "data": [:], "metadata": [:]])
        }
        return false
    }

    func isCompleteRequest(_ x: Exchange) -> Bool {
        guard let code = x.content["code"]?.stringValue else {
            return x.badRequest("is_complete_reply", "is_complete_request needs 'code' (string)")
        }
        switch interpreter.isComplete(code: code) {
        case .complete: x.reply("is_complete_reply", ["status": "complete"])
        case let .incomplete(indent): x.reply("is_complete_reply", ["status": "incomplete", "indent": .string(indent)])
        case .invalid: x.reply("is_complete_reply", ["status": "invalid"])
        case .unknown: x.reply("is_complete_reply", ["status": "unknown"])
        }
        return false
    }

    func historyRequest(_ x: Exchange) -> Bool {
        do {
            x.reply("history_reply", ["status": "ok", "history": try history.answer(x.content)])
        } catch {
            return x.badRequest("history_reply", "\(error)")
        }
        return false
    }

    func interruptRequest(_ x: Exchange) -> Bool {
        interpreter.interrupt()
        x.reply("interrupt_reply", ["status": "ok"])
        return false
    }

    func shutdownRequest(_ x: Exchange) -> Bool {
        let restart = x.content["restart"]?.boolValue ?? false
        x.reply("shutdown_reply", ["status": "ok", "restart": .bool(restart)])
        x.out.publish("shutdown_reply", content: ["status": "ok", "restart": .bool(restart)], parent: x.request)
        return false
    }

    /// A front end may send a cursor past the code's end; the interpreter always gets one inside it
    /// (counted in code points, as the protocol counts).
    private func clampCursor(_ pos: Int, in code: String) -> Int { min(pos, code.unicodeScalars.count) }

    /// cursor_pos: a whole number of at least 0. One past 2^53 (beyond what JSON holds exactly, and
    /// beyond any code) means the code's end, as any position past it does.
    private func cursorPosition(_ v: JSON?) -> Int? {
        guard case let .number(d)? = v, d.isFinite, d >= 0, d.rounded() == d else { return nil }
        return v?.intValue ?? Int.max
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
}
