import JSON

extension KernelCore {
    func commInfoRequest(_ x: Exchange) -> Bool {
        let filter = x.content["target_name"]?.stringValue
        if let t = x.content["target_name"], filter == nil, !t.isNull {
            return x.badRequest("comm_info_reply", "comm_info_request's 'target_name' must be a string")
        }
        let listed = comms.list(target: filter).map { (key: $0.id, value: ["target_name": .string($0.target)] as JSON) }
        x.reply("comm_info_reply", ["status": "ok", "comms": .object(listed)])
        return false
    }

    // A front end's comm messages go to the interpreter with a sink parented to them (its answers
    // and outputs go out between this request's busy and idle).

    func commOpen(_ x: Exchange) -> Bool {
        guard let (id, data, sink) = commParts(x) else { return false }
        guard let target = x.content["target_name"]?.stringValue else {
            logLine("comm_open \(logQuote(id)) names no 'target_name' string: closing it")
            x.out.publish("comm_close", content: ["comm_id": .string(id), "data": [:]], parent: x.request)
            return false
        }
        if comms.target(of: id) != nil {
            logLine("comm_open for \(logQuote(id)), which is already open: ignored")
            return false
        }
        // Registered first, so that the interpreter can answer on it while accepting it.
        comms.opened(id, target: target)
        if !interpreter.commOpened(commMessage(x, id: id, target: target, data: data), output: sink) {
            comms.closed(id)
            // Refused (an unknown target, or a widget open the interpreter has already said is wrong):
            // closing tells the front end so at once.
            logLine("comm_open \(logQuote(id)) for target '\(logQuote(target))' refused: closing it")
            x.out.publish("comm_close", content: ["comm_id": .string(id), "data": [:]], parent: x.request)
        }
        return false
    }

    func commMsg(_ x: Exchange) -> Bool {
        guard let (id, data, sink) = commParts(x) else { return false }
        guard let target = comms.target(of: id) else {
            logLine("comm_msg for \(logQuote(id)), which is not open: dropped")
            return false
        }
        interpreter.commReceived(commMessage(x, id: id, target: target, data: data), output: sink)
        return false
    }

    func commClose(_ x: Exchange) -> Bool {
        guard let (id, data, sink) = commParts(x) else { return false }
        guard let target = comms.closed(id) else { return false }  // closing a closed comm is harmless
        interpreter.commClosed(commMessage(x, id: id, target: target, data: data), output: sink)
        return false
    }

    /// The comm id (required), the data (default {}) and the sink of a comm message.
    private func commParts(_ x: Exchange) -> (id: String, data: JSON, sink: ExecutionSink)? {
        guard let id = x.content["comm_id"]?.stringValue, !id.isEmpty else {
            logLine("ignoring \(x.request.msgType) without a 'comm_id' string")
            return nil
        }
        return (id, x.content["data"] ?? .object([]), ExecutionSink(out: x.out, parent: x.request, silent: false, comms: comms))
    }

    private func commMessage(_ x: Exchange, id: String, target: String, data: JSON) -> CommMessage {
        CommMessage(commID: id, targetName: target, data: data, metadata: x.request.metadata, buffers: x.request.buffers, msgID: x.request.msgID)
    }
}
