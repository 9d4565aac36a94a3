import XCTest
import JSON
import ZeroMQ
@testable import Jupyter

#if canImport(Glibc)
import Glibc
#endif

/// The whole kernel over sockets: a `Client` against an in-process `Kernel` running `EchoInterpreter`.
final class KernelTests: XCTestCase {
    var kernel: Kernel!
    var client: Client!
    var interpreter: EchoInterpreter!
    var stopped: Latch!
    let key = Array("test-key-δ".utf8)

    override func setUpWithError() throws {
        interpreter = EchoInterpreter()
        kernel = try Kernel(connection: ConnectionInfo(key: key), interpreter: interpreter)
        let stopped = Latch()
        self.stopped = stopped
        let k = kernel!
        spawn {
            do { try k.run() } catch { XCTFail("run failed: \(error)") }
            stopped.open()
        }
        client = try Client(kernel: kernel, key: key)
        XCTAssertEqual(try client.awaitWelcome().content["subscription"], "")
    }

    override func tearDownWithError() throws {
        if !kernel.isShuttingDown {
            let request = try client.send("shutdown_request", ["restart": false], on: client.control)
            _ = try client.reply(to: request, on: client.control)
        }
        XCTAssertTrue(stopped.wait(milliseconds: 10_000), "the kernel did not stop after shutdown")
        client.close()
    }

    func types(_ messages: [Message]) -> [String] {
        messages.map { $0.msgType == "status" ? "status:" + ($0.content["execution_state"]?.stringValue ?? "") : $0.msgType }
    }

    func testKernelInfoOnShellAndControl() throws {
        for socket in [client.shell, client.control] {
            let (reply, iopub) = try client.roundTrip("kernel_info_request", [:], on: socket)
            XCTAssertEqual(reply.msgType, "kernel_info_reply")
            XCTAssertEqual(reply.content["status"], "ok")
            XCTAssertEqual(reply.content["protocol_version"], "5.5")
            XCTAssertEqual(reply.content["supported_features"], [])
            XCTAssertEqual(reply.content["implementation"], "echo")
            XCTAssertEqual(reply.content["banner"], "echo kernel")
            XCTAssertEqual(reply.content["language_info"]?["name"], "rnn")
            XCTAssertEqual(reply.content["language_info"]?["file_extension"], ".rnn")
            XCTAssertEqual(reply.content["help_links"], [["text": "docs", "url": "https://example.org/docs"]])
            XCTAssertEqual(types(iopub), ["status:busy", "status:idle"])
            for field in ["msg_id", "session", "username", "date", "msg_type", "version"] {
                XCTAssertFalse(reply.header[field]?.stringValue?.isEmpty ?? true, field)
            }
        }
    }

    func testExecutePublishesInOrderAndCounts() throws {
        let (reply, iopub) = try client.roundTrip("execute_request", ["code": "print hi", "silent": false])
        XCTAssertEqual(reply.content["status"], "ok")
        XCTAssertEqual(reply.content["execution_count"], 1)
        XCTAssertEqual(reply.metadata["status"], "ok")
        XCTAssertEqual(types(iopub), ["status:busy", "execute_input", "stream", "status:idle"])
        XCTAssertEqual(iopub[1].content, ["code": "print hi", "execution_count": 1])
        XCTAssertEqual(iopub[2].content, ["name": "stdout", "text": "hi\n"])

        let (r2, p2) = try client.roundTrip("execute_request", ["code": "42"])
        XCTAssertEqual(r2.content["execution_count"], 2)
        XCTAssertEqual(types(p2), ["status:busy", "execute_input", "execute_result", "status:idle"])
        XCTAssertEqual(p2[2].content["data"], ["text/plain": "42"])
        XCTAssertEqual(p2[2].content["execution_count"], 2)

        // store_history false: runs and shows, but does not count.
        let (r3, p3) = try client.roundTrip("execute_request", ["code": "7", "store_history": false])
        XCTAssertEqual(r3.content["execution_count"], 2)
        XCTAssertEqual(types(p3), ["status:busy", "execute_input", "execute_result", "status:idle"])

        // silent: only the status, no count, no history.
        let (r4, p4) = try client.roundTrip("execute_request", ["code": "print quiet", "silent": true])
        XCTAssertEqual(r4.content["status"], "ok")
        XCTAssertEqual(r4.content["execution_count"], 2)
        XCTAssertEqual(types(p4), ["status:busy", "status:idle"])

        let (h, _) = try client.roundTrip("history_request", ["hist_access_type": "tail", "n": 10, "output": true, "raw": true])
        XCTAssertEqual(h.content["status"], "ok")
        XCTAssertEqual(h.content["history"], [[1, 1, ["print hi", .null]], [1, 2, ["42", "42"]]])
    }

    func testDisplayOutputsAndPayloads() throws {
        let (reply, iopub) = try client.roundTrip("execute_request", ["code": "display"])
        XCTAssertEqual(types(iopub), ["status:busy", "execute_input", "display_data", "update_display_data", "display_data", "clear_output", "status:idle"])
        XCTAssertEqual(iopub[2].content["transient"], ["display_id": "d1"])
        XCTAssertEqual(iopub[3].content["transient"], ["display_id": "d1"])
        XCTAssertEqual(iopub[3].content["data"], ["text/plain": "v2"])
        XCTAssertEqual(iopub[4].content["data"], ["text/plain": "plain", "text/html": "<b>b</b>"])
        XCTAssertEqual(iopub[5].content, ["wait": true])
        XCTAssertEqual(reply.content["payload"], [["source": "page", "data": ["text/plain": "help"], "start": 0]])
    }

    func testErrorsAreReportedAndQueuedExecutionsAborted() throws {
        // `block` fails only once the next request is waiting on shell, so it is surely queued.
        let shell = kernel.shell
        interpreter.onBlock = { _ = try? poll([shell], timeoutMilliseconds: 10_000) }
        let failing = try client.send("execute_request", ["code": "block"])
        let queued = try client.send("execute_request", ["code": "1"])
        let failed = try client.reply(to: failing)
        XCTAssertEqual(failed.content["status"], "error")
        XCTAssertEqual(failed.content["ename"], "ValueError")
        XCTAssertEqual(failed.content["execution_count"], 1)
        let pub = try client.publications(of: failing)
        XCTAssertEqual(types(pub), ["status:busy", "execute_input", "error", "status:idle"])
        XCTAssertEqual(pub[2].content["ename"], "ValueError")
        let aborted = try client.reply(to: queued)
        XCTAssertEqual(aborted.content["status"], "aborted")
        XCTAssertEqual(aborted.metadata["status"], "aborted")
        XCTAssertEqual(types(try client.publications(of: queued)), ["status:busy", "status:idle"])

        // The queue is not aborted for ever: the next execution runs, and counts after the failed one.
        let (next, _) = try client.roundTrip("execute_request", ["code": "2"])
        XCTAssertEqual(next.content["status"], "ok")
        XCTAssertEqual(next.content["execution_count"], 2)
    }

    func testStopOnErrorFalseAndSilentFailuresDoNotAbort() throws {
        let shell = kernel.shell
        interpreter.onBlock = { _ = try? poll([shell], timeoutMilliseconds: 10_000) }
        for failing in [["code": "block", "stop_on_error": false], ["code": "block", "silent": true]] as [JSON] {
            let f = try client.send("execute_request", failing)
            let queued = try client.send("execute_request", ["code": "1"])
            XCTAssertEqual(try client.reply(to: f).content["status"], "error")
            XCTAssertEqual(try client.reply(to: queued).content["status"], "ok")
        }
        let (fail, iopub) = try client.roundTrip("execute_request", ["code": "fail"])
        XCTAssertEqual(fail.content["traceback"], ["line 1", "NameError: no such name"])
        XCTAssertEqual(iopub[2].content, ["ename": "NameError", "evalue": "no such name", "traceback": ["line 1", "NameError: no such name"]])
    }

    func testUserExpressions() throws {
        let (reply, _) = try client.roundTrip("execute_request", ["code": "1", "user_expressions": ["a": "x", "b": "bad", "c": 3]])
        let e = reply.content["user_expressions"]!
        XCTAssertEqual(e["a"], ["status": "ok", "data": ["text/plain": "=x"], "metadata": [:]])
        XCTAssertEqual(e["b"]?["status"], "error")
        XCTAssertEqual(e["b"]?["ename"], "SyntaxError")
        XCTAssertEqual(e["c"]?["status"], "error")
    }

    func testControlAnswersAndInterruptsWhileShellIsBusy() throws {
        let running = try client.send("execute_request", ["code": "spin"])
        XCTAssertTrue(interpreter.spinning.wait(milliseconds: 10_000))
        let (info, _) = try client.roundTrip("kernel_info_request", [:], on: client.control)
        XCTAssertEqual(info.content["status"], "ok")
        // Heartbeat too.
        try client.heartbeat.send([Array("ping".utf8)])
        XCTAssertEqual(try client.heartbeat.receive(), [Array("ping".utf8)])
        let interrupt = try client.send("interrupt_request", [:], on: client.control)
        XCTAssertEqual(try client.reply(to: interrupt, on: client.control).content["status"], "ok")
        let reply = try client.reply(to: running)
        XCTAssertEqual(reply.content["status"], "error")
        XCTAssertEqual(reply.content["ename"], "KeyboardInterrupt")
    }

    func testSIGINTInterruptsTheRunningExecution() throws {
        let running = try client.send("execute_request", ["code": "spin"])
        XCTAssertTrue(interpreter.spinning.wait(milliseconds: 10_000))
        guard let relay = SignalRelay.shared.thread else { return XCTFail("no signal relay thread") }
        pthread_kill(relay, SIGINT)
        XCTAssertEqual(try client.reply(to: running).content["ename"], "KeyboardInterrupt")
    }

    func testCompleteInspectAndIsComplete() throws {
        let (c, _) = try client.roundTrip("complete_request", ["code": "al", "cursor_pos": 2])
        XCTAssertEqual(c.content["status"], "ok")
        XCTAssertEqual(c.content["matches"], ["alpha", "alpine"])
        XCTAssertEqual(c.content["cursor_start"], 0)
        XCTAssertEqual(c.content["cursor_end"], 2)
        XCTAssertEqual(c.content["metadata"]?["_jupyter_types_experimental"]?.arrayValue?.count, 2)

        // A cursor past the code's end reaches the interpreter clamped, in code points; a negative one
        // is no place in any code, and is refused.
        let (far, _) = try client.roundTrip("complete_request", ["code": "é😀", "cursor_pos": 99])
        XCTAssertEqual(far.content["cursor_end"], 2)
        let (before, _) = try client.roundTrip("complete_request", ["code": "al", "cursor_pos": -5])
        XCTAssertEqual(before.content["status"], "error")
        XCTAssertTrue(before.content["evalue"]?.stringValue?.contains("at least 0") ?? false)

        let (i, _) = try client.roundTrip("inspect_request", ["code": "x", "cursor_pos": 1, "detail_level": 1])
        XCTAssertEqual(i.content["found"], true)
        XCTAssertEqual(i.content["data"], ["text/plain": "about x at 1 level 1"])
        let (none, _) = try client.roundTrip("inspect_request", ["code": "", "cursor_pos": 0])
        XCTAssertEqual(none.content["found"], false)
        XCTAssertEqual(none.content["status"], "ok")

        for (code, expected) in [("a", ["status": "complete"]), ("[", ["status": "incomplete", "indent": "  "]),
                                 (")", ["status": "invalid"]), ("?", ["status": "unknown"])] as [(String, JSON)] {
            XCTAssertEqual(try client.roundTrip("is_complete_request", ["code": .string(code)]).reply.content, expected)
        }
    }

    func testBadRequestFieldsGetErrorRepliesAndTheKernelCarriesOn() throws {
        for (type, content) in [("complete_request", ["code": 5]), ("inspect_request", ["code": "x", "cursor_pos": "1"]),
                                ("is_complete_request", [:]), ("history_request", ["hist_access_type": "sideways"]),
                                ("execute_request", ["code": 1]), ("execute_request", ["code": "1", "silent": "yes"])] as [(String, JSON)] {
            let (reply, iopub) = try client.roundTrip(type, content)
            XCTAssertEqual(reply.msgType, String(type.dropLast("request".count)) + "reply")
            XCTAssertEqual(reply.content["status"], "error", type)
            XCTAssertEqual(types(iopub), ["status:busy", "status:idle"])
        }
        // Interpreter work sent on control is refused there (it would race the shell thread).
        let (r, _) = try client.roundTrip("complete_request", ["code": "al", "cursor_pos": 2], on: client.control)
        XCTAssertEqual(r.msgType, "complete_reply")
        XCTAssertEqual(r.content["status"], "error")
        XCTAssertTrue(r.content["evalue"]?.stringValue?.contains("shell") ?? false)
        XCTAssertEqual(try client.roundTrip("execute_request", ["code": "1"]).reply.content["execution_count"], 1)
    }

    func testMalformedAndForgedFramesAreDroppedWithoutAReply() throws {
        let good = client.codec.encode(Message(header: client.codec.header("kernel_info_request"), content: [:]))
        var forged = good
        forged[2] = Array(#"{"msg_id":"f","msg_type":"execute_request"}"#.utf8)
        var unsigned = good
        unsigned[1] = []
        let other = WireCodec(signer: Signer(key: Array("wrong".utf8)))
        let wrongKey = other.encode(Message(header: other.header("kernel_info_request"), content: [:]))
        let badJSON = { () -> [[UInt8]] in
            let parts = [Array("{".utf8), Array("{}".utf8), Array("{}".utf8), Array("{}".utf8)]
            return [delimiter, Array(client.codec.signer.sign(parts).utf8)] + parts
        }()
        let noType = { () -> [[UInt8]] in
            let parts = [Array(#"{"msg_id":"x"}"#.utf8), Array("{}".utf8), Array("{}".utf8), Array("{}".utf8)]
            return [delimiter, Array(client.codec.signer.sign(parts).utf8)] + parts
        }()
        let garbage: [[[UInt8]]] = [[[0xFF, 0x00]], [delimiter], Array(good.prefix(4)), forged, unsigned, wrongKey, badJSON, noType]
        for frames in garbage { try client.shell.send(frames) }
        try client.control.send([[1, 2, 3]])
        // The good message, and the same frames again (a replay): one reply only.
        try client.shell.send(good)
        try client.shell.send(good)
        let probe = try client.send("kernel_info_request", ["probe": true])
        let first = try client.receive(client.shell)
        XCTAssertEqual(first.msgType, "kernel_info_reply")
        XCTAssertNotEqual(first.parentHeader["msg_id"], probe.header["msg_id"], "the good message was not answered")
        let second = try client.receive(client.shell)
        XCTAssertEqual(second.parentHeader["msg_id"], probe.header["msg_id"], "something dropped was answered")
        // Control still works after its garbage.
        XCTAssertEqual(try client.roundTrip("kernel_info_request", [:], on: client.control).reply.content["status"], "ok")
    }

    func testCommsAndUnknownMessages() throws {
        let (info, _) = try client.roundTrip("comm_info_request", ["target_name": "x"])
        XCTAssertEqual(info.content, ["status": "ok", "comms": [:]])
        let open = try client.send("comm_open", ["comm_id": "c1", "target_name": "nothing", "data": [:]])
        let published = try client.publications(of: open)
        XCTAssertEqual(types(published), ["status:busy", "comm_close", "status:idle"])
        XCTAssertEqual(published[1].content, ["comm_id": "c1", "data": [:]])
        // An unknown request gets an error reply between busy and idle, and the kernel goes on.
        let (odd, oddPublished) = try client.roundTrip("made_up_request", [:])
        XCTAssertEqual(odd.msgType, "made_up_reply")
        XCTAssertEqual(odd.content["status"], "error")
        XCTAssertEqual(types(oddPublished), ["status:busy", "status:idle"])
        XCTAssertEqual(try client.roundTrip("kernel_info_request", [:]).reply.msgType, "kernel_info_reply")
    }

    func testWelcomeIsSentUnderEachSubscribersTopic() throws {
        let second = try Client(kernel: kernel, key: key, subscribe: "kernel.")
        defer { second.close() }
        let w = try second.awaitWelcome()
        XCTAssertEqual(w.content["subscription"], "kernel.")
        XCTAssertEqual(w.parentHeader, [:])
        // The subscriber of a topic gets the kernel's publications too (they are sent as kernel.<id>.<type>).
        let request = try client.send("kernel_info_request", [:])
        _ = try client.reply(to: request)
        XCTAssertEqual(try second.publications(of: request).count, 2)
    }

    func testShutdownOnControlRepliesPublishesAndStops() throws {
        let request = try client.send("shutdown_request", ["restart": true], on: client.control)
        let reply = try client.reply(to: request, on: client.control)
        XCTAssertEqual(reply.content, ["status": "ok", "restart": true])
        let pub = try client.publications(of: request)
        XCTAssertEqual(types(pub), ["status:busy", "shutdown_reply", "status:idle"])
        XCTAssertTrue(stopped.wait(milliseconds: 10_000))
    }

    func testShutdownOnShellForOldClients() throws {
        let request = try client.send("shutdown_request", ["restart": false])
        XCTAssertEqual(try client.reply(to: request).content["restart"], false)
        XCTAssertEqual(types(try client.publications(of: request)), ["status:busy", "shutdown_reply", "status:idle"])
        XCTAssertTrue(stopped.wait(milliseconds: 10_000))
    }
}

/// A kernel over ipc, with no key.
final class IPCKernelTests: XCTestCase {
    func testRunsOverIPCWithoutAKey() throws {
        let base = NSTemporaryDirectory() + "rnn-kernel-test-\(getpid())"
        let kernel = try Kernel(connection: ConnectionInfo(transport: "ipc", ip: base), interpreter: EchoInterpreter())
        XCTAssertTrue(kernel.boundEndpoints()["shell"]!.hasPrefix("ipc://\(base)-"))
        let stopped = Latch()
        spawn {
            try? kernel.run()
            stopped.open()
        }
        let client = try Client(kernel: kernel, key: [])
        defer { client.close() }
        _ = try client.awaitWelcome()
        let (reply, _) = try client.roundTrip("execute_request", ["code": "5"])
        XCTAssertEqual(reply.content["status"], "ok")
        XCTAssertEqual(reply.header["version"], "5.5")
        let bye = try client.send("shutdown_request", [:], on: client.control)
        _ = try client.reply(to: bye, on: client.control)
        XCTAssertTrue(stopped.wait(milliseconds: 10_000))
    }
}

/// CurveZMQ: given a keypair in the connection, the kernel answers only CURVE clients that know its public key.
final class CurveKernelTests: XCTestCase {
    // Keypairs from zmq_curve_keypair (pyzmq's zmq.curve_keypair()).
    let server = CurveKeys(publicKey: ConnectionTests.curvePublic, secretKey: ConnectionTests.curveSecret)
    let client = (publicKey: "Pn=}4v=[3@@u4.&@4r3Sc5Lmjm1)@#[7Xmt)!ate", secretKey: "rni:LHG2)GJ=i.a3LJ2b)A:mNn:c4WXAZL$48-oA")

    func testOnlyAClientWithTheServerKeyIsAnswered() throws {
        guard libraryHas("curve") else { throw XCTSkip("this libzmq (\(libraryVersion)) has no CurveZMQ") }
        var connection = ConnectionInfo(key: Array("secret".utf8))
        connection.curve = server
        let kernel = try Kernel(connection: connection, interpreter: EchoInterpreter())
        let stopped = Latch()
        spawn {
            try? kernel.run()
            stopped.open()
        }
        // Plain sockets, and CURVE sockets expecting another server: the handshake fails, nothing arrives.
        let other = (serverKey: client.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)
        for curve in [nil, other] {
            let outsider = try Client(kernel: kernel, key: Array("secret".utf8), curve: curve, timeoutMilliseconds: 600)
            // Once the refused handshake has dropped the pipe a send times out instead of queueing: either way nothing is delivered.
            _ = try? outsider.send("kernel_info_request", [:])
            _ = try? outsider.send("kernel_info_request", [:], on: outsider.control)
            try? outsider.heartbeat.send([Array("ping".utf8)])
            XCTAssertNil(try outsider.shell.receive())
            XCTAssertNil(try outsider.control.receive())
            XCTAssertNil(try outsider.heartbeat.receive())
            XCTAssertNil(try outsider.iopub.receive())
            outsider.close()
        }
        let member = try Client(kernel: kernel, key: Array("secret".utf8),
                                curve: (serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey))
        defer { member.close() }
        _ = try member.awaitWelcome()
        let (reply, _) = try member.roundTrip("execute_request", ["code": "5"])
        XCTAssertEqual(reply.content["status"], "ok")
        try member.heartbeat.send([Array("ping".utf8)])
        XCTAssertEqual(try member.heartbeat.receive(), [Array("ping".utf8)])
        let bye = try member.send("shutdown_request", [:], on: member.control)
        _ = try member.reply(to: bye, on: member.control)
        XCTAssertTrue(stopped.wait(milliseconds: 10_000))
    }
}
