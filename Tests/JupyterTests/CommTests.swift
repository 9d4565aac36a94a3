@testable import Jupyter
import JSON
import XCTest
import ZeroMQ

/// An interpreter with one comm target, "echo": it answers every comm_msg with the same data, and a
/// cell "open" opens a comm from the kernel's side.
final class CommInterpreter: Interpreter {
    var closed: [String] = []

    var info: LanguageInfo {
        LanguageInfo(implementation: "comm", implementationVersion: "1.0", banner: "", languageInfo: ["name": "rnn"], helpLinks: [])
    }

    func execute(_ request: ExecuteRequest, output: OutputSink) -> ExecuteOutcome {
        if request.code == "open", let comms = output.comms {
            comms.open(commID: "k1", target: "echo", data: ["hello": true], metadata: ["version": "2.1.0"])
        }
        return .ok(result: nil, payloads: [])
    }

    func evaluate(expression: String) -> Result<MimeBundle, ErrorReport> { .success(.text(expression)) }
    func complete(code: String, cursorPos: Int) -> Completion { Completion(matches: [], cursorStart: 0, cursorEnd: 0) }
    func inspect(code: String, cursorPos: Int, detailLevel: Int) -> MimeBundle? { nil }
    func isComplete(code: String) -> CompletenessStatus { .complete }
    func interrupt() {}

    func commOpened(_ message: CommMessage, output: OutputSink) -> Bool { message.targetName == "echo" }

    func commReceived(_ message: CommMessage, output: OutputSink) {
        output.comms?.send(commID: message.commID, data: message.data, metadata: [:])
    }

    func commClosed(_ message: CommMessage, output: OutputSink) { closed.append(message.commID) }
}

final class CommTests: XCTestCase {
    var kernel: Kernel!
    var client: Client!
    var interpreter: CommInterpreter!
    var stopped: Latch!
    let key = Array("comm-key".utf8)

    override func setUpWithError() throws {
        interpreter = CommInterpreter()
        kernel = try Kernel(connection: ConnectionInfo(key: key), interpreter: interpreter)
        let stopped = Latch()
        self.stopped = stopped
        let k = kernel!
        spawn {
            do { try k.run() } catch { XCTFail("run failed: \(error)") }
            stopped.open()
        }
        client = try Client(kernel: kernel, key: key)
        _ = try client.awaitWelcome()
    }

    override func tearDownWithError() throws {
        let request = try client.send("shutdown_request", ["restart": false], on: client.control)
        _ = try client.reply(to: request, on: client.control)
        XCTAssertTrue(stopped.wait(milliseconds: 10_000))
        client.close()
    }

    func types(_ messages: [Message]) -> [String] {
        messages.map { $0.msgType == "status" ? "status:" + ($0.content["execution_state"]?.stringValue ?? "") : $0.msgType }
    }

    func comms(_ target: JSON?, on socket: Socket? = nil) throws -> JSON? {
        var content: JSON = [:]
        if let target { content["target_name"] = target }
        return try client.roundTrip("comm_info_request", content, on: socket).reply.content["comms"]
    }

    func testCommsBothWays() throws {
        // A front end opens one: accepted, so nothing is published between busy and idle.
        let open = try client.send("comm_open", ["comm_id": "f1", "target_name": "echo", "data": [:]])
        XCTAssertEqual(types(try client.publications(of: open)), ["status:busy", "status:idle"])
        // comm_msg reaches the interpreter, whose answer is parented to it, inside its busy and idle.
        let msg = try client.send("comm_msg", ["comm_id": "f1", "data": ["x": 1]])
        let answered = try client.publications(of: msg)
        XCTAssertEqual(types(answered), ["status:busy", "comm_msg", "status:idle"])
        XCTAssertEqual(answered[1].content, ["comm_id": "f1", "data": ["x": 1]])
        // The kernel opens one while executing: comm_open with the metadata in the message's metadata.
        let run = try client.send("execute_request", ["code": "open", "silent": false])
        _ = try client.reply(to: run)
        let opened = try client.publications(of: run).first { $0.msgType == "comm_open" }
        XCTAssertEqual(opened?.content, ["comm_id": "k1", "target_name": "echo", "data": ["hello": true]])
        XCTAssertEqual(opened?.metadata["version"], "2.1.0")
        // comm_info lists both under their target, on shell and on control, filtered or not.
        XCTAssertEqual(try comms("echo"), ["f1": ["target_name": "echo"], "k1": ["target_name": "echo"]])
        XCTAssertEqual(try comms(JSON?.none, on: client.control), ["f1": ["target_name": "echo"], "k1": ["target_name": "echo"]])
        XCTAssertEqual(try comms("other"), [:])
        XCTAssertEqual(try client.roundTrip("comm_info_request", ["target_name": 3]).reply.content["status"], "error")
        // A front end closes one: the interpreter hears of it once, and it is no longer listed.
        let close = try client.send("comm_close", ["comm_id": "f1", "data": [:]])
        XCTAssertEqual(types(try client.publications(of: close)), ["status:busy", "status:idle"])
        let again = try client.send("comm_close", ["comm_id": "f1", "data": [:]])
        XCTAssertEqual(types(try client.publications(of: again)), ["status:busy", "status:idle"])
        XCTAssertEqual(try comms("echo"), ["k1": ["target_name": "echo"]])
        XCTAssertEqual(interpreter.closed, ["f1"])
        // A message for a closed comm is dropped.
        let late = try client.send("comm_msg", ["comm_id": "f1", "data": ["x": 2]])
        XCTAssertEqual(types(try client.publications(of: late)), ["status:busy", "status:idle"])
    }

    func testTheRegistryListsOpenCommsInOrderThroughManyCloses() {
        // Closing compacts lazily (closing n comms one by one was n²); the listing must not show it.
        let r = CommRegistry()
        for i in 0..<100 { r.opened("c\(i)", target: i % 2 == 0 ? "even" : "odd") }
        for i in stride(from: 0, to: 100, by: 3) { XCTAssertNotNil(r.closed("c\(i)")) }
        XCTAssertNil(r.closed("c0"), "closed twice")
        let open = (0..<100).filter { $0 % 3 != 0 }
        XCTAssertEqual(r.list(target: nil).map(\.id), open.map { "c\($0)" })
        XCTAssertEqual(r.list(target: "odd").map(\.id), open.filter { $0 % 2 == 1 }.map { "c\($0)" })
        r.opened("c0", target: "even")
        r.opened("c1", target: "odd")
        XCTAssertEqual(r.list(target: nil).filter { $0.id == "c0" || $0.id == "c1" }.count, 2, "an id listed twice")
        for i in 0..<100 { r.closed("c\(i)") }
        XCTAssertTrue(r.list(target: nil).isEmpty)
    }
}
