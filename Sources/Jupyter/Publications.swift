import JSON

/// Builds IOPub messages for the core and hands each to the server's relay (or a test's list).
struct Publisher {
    let codec: WireCodec
    let send: (Message) -> Void

    func publish(_ type: String, content: JSON, parent: Message?, metadata: JSON = .object([])) {
        var m = codec.message(type, content: content, parent: parent, metadata: metadata)
        // The topic frame, as ipykernel writes it: kernel.<id>.<msg_type>.
        m.identities = [Array("kernel.\(codec.session).\(type)".utf8)]
        send(m)
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
