import XCTest
import JSON
@testable import Jupyter

/// The protocol core driven directly, without sockets or threads: messages in, replies and
/// publications out, in the order the server would send them.
final class KernelCoreTests: XCTestCase {
    /// Everything the core sent, in order: ("reply" | "publish" | "shutdown", message).
    final class Recorder {
        var events: [(kind: String, message: Message?)] = []
        var outbox: Outbox {
            Outbox(reply: { [unowned self] in events.append(("reply", $0)) },
                   publish: { [unowned self] in events.append(("publish", $0)) })
        }
        var replies: [Message] { events.filter { $0.kind == "reply" }.compactMap(\.message) }
        var publications: [Message] { events.filter { $0.kind == "publish" }.compactMap(\.message) }
        /// Publications as the kernel tests name them: status:busy, execute_input, ...
        var published: [String] {
            publications.map { $0.msgType == "status" ? "status:" + ($0.content["execution_state"]?.stringValue ?? "") : $0.msgType }
        }
    }

    let client = WireCodec(signer: Signer(key: []), session: "client-session", username: "tester")
    var core: KernelCore!
    var recorder: Recorder!

    override func setUp() {
        core = KernelCore(interpreter: EchoInterpreter(), codec: WireCodec(signer: Signer(key: [])))
        recorder = Recorder()
        core.shutdownRequested = { [unowned recorder] in recorder!.events.append(("shutdown", nil)) }
    }

    func request(_ type: String, _ content: JSON) -> Message {
        client.message(type, content: content, parent: nil, identities: [Array("front-end".utf8)])
    }

    @discardableResult
    func send(_ type: String, _ content: JSON = [:], on channel: Channel = .shell) -> (request: Message, failed: Bool) {
        let r = request(type, content)
        return (r, core.handle(r, on: channel, outbox: recorder.outbox))
    }

    func testStartPublishesStarting() {
        core.start(outbox: recorder.outbox)
        XCTAssertEqual(recorder.published, ["status:starting"])
        XCTAssertEqual(recorder.publications[0].parentHeader, [:])
    }

    func testKernelInfoOnBothChannelsIsOneReplyBetweenBusyAndIdle() {
        for channel in [Channel.shell, .control] {
            recorder.events = []
            let (r, failed) = send("kernel_info_request", on: channel)
            XCTAssertFalse(failed)
            XCTAssertEqual(recorder.events.map(\.kind), ["publish", "reply", "publish"])
            XCTAssertEqual(recorder.published, ["status:busy", "status:idle"])
            let reply = recorder.replies[0]
            XCTAssertEqual(reply.msgType, "kernel_info_reply")
            XCTAssertEqual(reply.content["protocol_version"], "5.5")
            XCTAssertEqual(reply.content["implementation"], "echo")
            // Addressed back to the asker, parented to its request; publications carry the topic.
            XCTAssertEqual(reply.identities, [Array("front-end".utf8)])
            XCTAssertEqual(reply.parentHeader["msg_id"], r.header["msg_id"])
            for p in recorder.publications {
                XCTAssertEqual(p.parentHeader["msg_id"], r.header["msg_id"])
                XCTAssertEqual(p.identities, [Array("kernel.\(core.codec.session).status".utf8)])
            }
        }
    }

    func testExecuteCountsPublishesAndRecordsHistory() {
        send("execute_request", ["code": "print hi"])
        let (r, failed) = send("execute_request", ["code": "7", "user_expressions": ["e": "x"]])
        XCTAssertFalse(failed)
        XCTAssertEqual(recorder.published, ["status:busy", "execute_input", "stream", "status:idle",
                                            "status:busy", "execute_input", "execute_result", "status:idle"])
        let reply = recorder.replies[1]
        XCTAssertEqual(reply.content["status"], "ok")
        XCTAssertEqual(reply.content["execution_count"], 2)
        XCTAssertEqual(reply.content["user_expressions"], ["e": ["status": "ok", "data": ["text/plain": "=x"], "metadata": [:]]])
        XCTAssertEqual(recorder.publications[6].content["data"], ["text/plain": "7"])
        XCTAssertEqual(recorder.publications[6].parentHeader["msg_id"], r.header["msg_id"])

        // Silent runs neither count nor publish anything between busy and idle.
        recorder.events = []
        send("execute_request", ["code": "8", "silent": true])
        XCTAssertEqual(recorder.published, ["status:busy", "status:idle"])
        XCTAssertEqual(recorder.replies[0].content["execution_count"], 2)

        recorder.events = []
        send("history_request", ["hist_access_type": "tail", "n": 5, "output": true])
        XCTAssertEqual(recorder.replies[0].content["history"], [[1, 1, ["print hi", nil]], [1, 2, ["7", "7"]]])
    }

    func testAFailedExecutionAbortsWhatWasQueuedAndHandlesTheRest() {
        let queuedRun = request("execute_request", ["code": "1"])
        let queuedInfo = request("kernel_info_request", [:])
        var asked = 0
        core.takeQueuedShell = {
            asked += 1
            return [queuedRun, queuedInfo]
        }
        let (failing, failed) = send("execute_request", ["code": "fail"])
        XCTAssertTrue(failed)
        XCTAssertEqual(asked, 1)
        XCTAssertEqual(recorder.replies.map { $0.content["status"] }, ["error", "aborted", "ok"])
        XCTAssertEqual(recorder.replies.map { $0.parentHeader["msg_id"] }, [failing, queuedRun, queuedInfo].map { $0.header["msg_id"] })
        XCTAssertEqual(recorder.replies[1].metadata["status"], "aborted")
        // The queue is taken before the failure's idle: each aborted request gets its own busy and idle after it.
        XCTAssertEqual(recorder.published, ["status:busy", "execute_input", "error", "status:idle",
                                            "status:busy", "status:idle", "status:busy", "status:idle"])

        // Not for a failure with stop_on_error false, nor a silent one.
        send("execute_request", ["code": "fail", "stop_on_error": false])
        send("execute_request", ["code": "fail", "silent": true])
        XCTAssertEqual(asked, 1)
    }

    func testMalformedRequestsAreAnsweredWithAnErrorNamingTheField() {
        let (_, failed) = send("execute_request", ["code": 3])
        XCTAssertTrue(failed, "a malformed execution stops the queue as a failed one does")
        send("complete_request", ["code": "x"])
        send("is_complete_request", [:])
        send("comm_info_request", ["target_name": 1])
        let replies = recorder.replies
        XCTAssertEqual(replies.map(\.msgType), ["execute_reply", "complete_reply", "is_complete_reply", "comm_info_reply"])
        XCTAssertTrue(replies.allSatisfy { $0.content["status"] == "error" && $0.content["ename"] == "ProtocolError" })
        XCTAssertEqual(replies[0].content["evalue"], "execute_request needs 'code' as a string")
        XCTAssertTrue(replies[1].content["evalue"]!.stringValue!.contains("'cursor_pos'"))
    }

    func testABadHistoryRequestIsAHistoryError() {
        send("history_request", ["hist_access_type": "sideways"])
        let reply = recorder.replies[0]
        XCTAssertEqual(reply.msgType, "history_reply")
        XCTAssertEqual(reply.content["status"], "error")
        let why = reply.content["evalue"]?.stringValue ?? ""
        XCTAssertTrue(why.contains("hist_access_type") && why.contains("sideways"), why)
        XCTAssertFalse(why.contains("connection file"), why)
        XCTAssertThrowsError(try History().answer(["hist_access_type": "sideways"])) { XCTAssertTrue($0 is HistoryError) }
    }

    func testShellOnlyRequestsOnControlAreRefusedAndNeverRun() {
        for type in KernelCore.handlers.filter(\.value.shellOnly).map(\.key).sorted() {
            recorder.events = []
            send(type, ["code": "print no", "cursor_pos": 0, "comm_id": "c", "target_name": "echo"], on: .control)
            XCTAssertEqual(recorder.published, ["status:busy", "status:idle"], type)
            if type.hasSuffix("_request") {
                XCTAssertEqual(recorder.replies.map(\.msgType), [String(type.dropLast("request".count)) + "reply"], type)
                XCTAssertEqual(recorder.replies[0].content["evalue"], .string("\(type) must be sent on the shell channel"))
            } else {
                XCTAssertEqual(recorder.replies.count, 0, type)
            }
        }
        XCTAssertEqual(core.executionCount, 0)
    }

    func testEveryRequestInTheTableIsAnswered() {
        // A request whose handler forgot its reply would leave a front end waiting.
        for type in KernelCore.handlers.keys.filter({ $0.hasSuffix("_request") && $0 != "shutdown_request" }).sorted() {
            recorder.events = []
            send(type, ["code": "1", "cursor_pos": 1])
            XCTAssertEqual(recorder.replies.map(\.msgType), [String(type.dropLast("request".count)) + "reply"], type)
        }
    }

    func testUnknownRequestsGetAnErrorReplyAndOtherUnknownTypesNone() {
        // The spec lets a kernel stay silent; a reply naming what it answers tells a waiting client at once.
        for (type, channel) in [("debug_request", Channel.control), ("usage_request", .control), ("frobnicate_request", .shell)] {
            recorder.events = []
            send(type, [:], on: channel)
            XCTAssertEqual(recorder.published, ["status:busy", "status:idle"])
            XCTAssertEqual(recorder.replies.map(\.msgType), [String(type.dropLast("request".count)) + "reply"])
            let content = recorder.replies[0].content
            XCTAssertEqual(content["status"], "error")
            XCTAssertEqual(content["ename"], "ProtocolError")
            XCTAssertTrue(content["evalue"]!.stringValue!.contains("does not handle \(type)"), "\(content)")
            XCTAssertTrue(content["evalue"]!.stringValue!.contains("execute_request"), "\(content)")
        }
        recorder.events = []
        send("comm_frobnicate", [:])
        send("_request", [:])
        XCTAssertEqual(recorder.published, ["status:busy", "status:idle", "status:busy", "status:idle"])
        XCTAssertTrue(recorder.replies.isEmpty)
    }

    func testMalformedRequestsAreAnsweredNotRun() {
        var r = request("execute_request", [:])
        r.malformed = "content must be a JSON object"
        XCTAssertTrue(core.handle(r, on: .shell, outbox: recorder.outbox), "counts as a failed execution, as a bad field does")
        XCTAssertEqual(recorder.published, ["status:busy", "status:idle"])
        XCTAssertEqual(recorder.replies[0].msgType, "execute_reply")
        XCTAssertEqual(recorder.replies[0].content["ename"], "ProtocolError")
        XCTAssertTrue(recorder.replies[0].content["evalue"]!.stringValue!.contains("content must be a JSON object"))
        XCTAssertEqual(recorder.replies[0].parentHeader["msg_id"], r.header["msg_id"])
        for type in ["kernel_info_request", "complete_request", "shutdown_request"] {
            recorder.events = []
            var m = request(type, [:])
            m.malformed = "metadata is not valid JSON"
            core.handle(m, on: .control, outbox: recorder.outbox)
            XCTAssertEqual(recorder.replies.map(\.msgType), [String(type.dropLast("request".count)) + "reply"])
            XCTAssertEqual(recorder.replies[0].content["status"], "error", type)
            XCTAssertFalse(recorder.events.contains { $0.kind == "shutdown" }, "a refused \(type) must not act")
        }
    }

    func testFieldsOfTheWrongValueAreRefused() {
        for (type, content, expected) in [
            ("inspect_request", ["code": "x", "cursor_pos": 1, "detail_level": "x"] as JSON, "'detail_level' must be 0 or 1"),
            ("inspect_request", ["code": "x", "cursor_pos": 1, "detail_level": 2], "'detail_level' must be 0 or 1"),
            ("inspect_request", ["code": "x", "cursor_pos": -1], "at least 0"),
            ("complete_request", ["code": "x", "cursor_pos": -3], "at least 0), found cursor_pos -3"),
            ("complete_request", ["code": "x", "cursor_pos": 1.5], "found cursor_pos 1.5"),
            ("complete_request", ["code": "x"], "found cursor_pos missing"),
            ("history_request", ["hist_access_type": "tail", "n": -1], "'n' must be an integer of at least 0"),
            ("history_request", ["hist_access_type": "search", "n": -2], "'n' must be an integer of at least 0"),
            ("execute_request", ["code": "1", "user_expressions": 5], "'user_expressions' must be an object"),
            ("execute_request", ["code": "1", "user_expressions": ["a", "b"]], "'user_expressions' must be an object"),
        ] {
            recorder.events = []
            send(type, content)
            let reply = recorder.replies[0]
            XCTAssertEqual(reply.content["status"], "error", "\(type) \(content)")
            XCTAssertTrue(reply.content["evalue"]?.stringValue?.contains(expected) ?? false, "\(reply.content)")
        }
        recorder.events = []
        send("inspect_request", ["code": "x", "cursor_pos": 99, "detail_level": 1])
        send("execute_request", ["code": "1", "user_expressions": nil])
        // Past 2^53 a position is still a whole number past the code's end, which means the end.
        send("complete_request", ["code": "x", "cursor_pos": 1e17])
        XCTAssertEqual(recorder.replies.map { $0.content["status"] }, ["ok", "ok", "ok"])
        XCTAssertEqual(recorder.replies[2].content["cursor_end"], 1)
    }

    func testShutdownIsRequestedOnlyAfterItsIdle() {
        send("shutdown_request", ["restart": true], on: .control)
        XCTAssertEqual(recorder.events.map { $0.kind == "publish" ? $0.message!.msgType : $0.kind },
                       ["status", "reply", "shutdown_reply", "status", "shutdown"])
        XCTAssertEqual(recorder.replies[0].content, ["status": "ok", "restart": true])
    }

    func testCommsWithoutSockets() {
        // EchoInterpreter has no comm targets: an open is answered by a close, and nothing stays open.
        send("comm_open", ["comm_id": "c1", "target_name": "nowhere", "data": [:]])
        XCTAssertEqual(recorder.published, ["status:busy", "comm_close", "status:idle"])
        XCTAssertNil(core.comms.target(of: "c1"))
        recorder.events = []
        core = KernelCore(interpreter: CommInterpreter(), codec: WireCodec(signer: Signer(key: [])))
        send("comm_open", ["comm_id": "c2", "target_name": "echo", "data": [:]])
        send("comm_msg", ["comm_id": "c2", "data": ["n": 1]])
        send("comm_info_request", [:], on: .control)
        XCTAssertEqual(recorder.published, ["status:busy", "status:idle", "status:busy", "comm_msg", "status:idle", "status:busy", "status:idle"])
        XCTAssertEqual(recorder.publications[3].content["data"], ["n": 1])
        XCTAssertEqual(recorder.replies.last?.content["comms"], ["c2": ["target_name": "echo"]])
    }
}

extension KernelCoreTests {
    func testHistoryFieldsOfTheWrongTypeAreNamed() {
        for (content, word) in [(["hist_access_type": "tail", "n": "3"], "'n'"), (["hist_access_type": "range", "start": 1.5], "'start'"),
                                (["hist_access_type": "search", "pattern": 7], "'pattern'"), (["output": "yes"], "'output'"),
                                (["hist_access_type": 1], "'hist_access_type'")] as [(JSON, String)] {
            recorder.events = []
            send("history_request", content)
            XCTAssertEqual(recorder.replies[0].content["status"], "error", "\(content)")
            XCTAssertTrue(recorder.replies[0].content["evalue"]?.stringValue?.contains(word) ?? false, "\(content)")
        }
        // Null is absent, as jupyter_client sends `stop=None` for "to the end".
        recorder.events = []
        send("history_request", ["hist_access_type": "range", "session": 0, "start": 1, "stop": nil])
        XCTAssertEqual(recorder.replies[0].content["status"], "ok")
    }
}
