import JSON
import Jupyter
@testable import RNNLang
import XCTest

/// A front end's view of the kernel: what the evaluator published, comms included.
private final class WidgetFrontEnd: OutputSink, CommChannel {
    var events: [(type: String, content: JSON)] = []
    var open: [String: JSON] = [:]
    var parentMsgID = "request-1"

    func stream(_ name: StreamName, _ text: String) { events.append(("stream", ["name": .string(name.rawValue), "text": .string(text)])) }
    func display(_ bundle: MimeBundle, displayID: String?) { events.append(("display_data", bundle.dataJSON)) }
    func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
    func clearOutput(wait: Bool) { events.append(("clear_output", ["wait": .bool(wait)])) }
    var comms: CommChannel? { self }

    func open(commID: String, target: String, data: JSON, metadata: JSON) {
        open[commID] = data["state"]
        events.append(("comm_open", ["comm_id": .string(commID), "data": data]))
    }
    func send(commID: String, data: JSON, metadata: JSON) { events.append(("comm_msg", ["comm_id": .string(commID), "data": data])) }
    func close(commID: String, data: JSON) { open[commID] = nil }

    func model(_ name: String) -> String? { open.first { $0.value["_model_name"]?.stringValue == name }?.key }
}

final class InteractiveTests: XCTestCase {
    func testParsesSliderAndWatch() throws {
        let nodes = try Parser.parse("slider s from 0 to 2 step 0.5 value=1\nwatch s: print s * 2")
        guard case let .slider(name, _, _, step, options) = nodes[0].statement else { return XCTFail("\(nodes[0])") }
        XCTAssertEqual(name.name, "s")
        XCTAssertNotNil(step)
        XCTAssertEqual(options.map(\.key), ["value"])
        guard case let .watch(w, inner) = nodes[1].statement else { return XCTFail("\(nodes[1])") }
        XCTAssertEqual(w.name, "s")
        XCTAssertEqual(inner.text, "print s * 2")
        XCTAssertThrowsError(try Parser.parse("watch s print 1"))
        XCTAssertThrowsError(try Parser.parse("watch s: watch s: print 1"))
    }

    func testSliderMoveRebindsLogsOnceAndWatchLeavesTheStoreAlone() throws {
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        // A model without input= gets its width from the first data: a watched unroll must not keep that.
        _ = try ev.run("cell m = rnn(hidden=2, seed=1)\nslider s from 0 to 4 step 1 value=1\nwatch s: unroll m on [[s], [s]]", output: sink)
        let before = ev.state
        let slider = try XCTUnwrap(sink.model("IntSliderModel"))
        let output = try XCTUnwrap(sink.model("OutputModel"))
        for v in [2.0, 3.0, 9.0] {
            sink.parentMsgID = "move-\(v)"
            ev.commReceived(CommMessage(commID: slider, targetName: "jupyter.widget",
                                        data: ["method": "update", "state": ["value": .number(v)], "buffer_paths": []]), output: sink)
        }
        // 9 is past the end: kept as 4, and the front end is told.
        XCTAssertEqual(ev.state.values["s"], .number(4))
        XCTAssertTrue(sink.events.contains { $0.type == "comm_msg" && $0.content["data"]?["state"] == ["value": 4] })
        XCTAssertEqual(ev.state.store, before.store, "a watched re-run changed the store")
        XCTAssertNotNil(ev.state.store["m"]?.pendingInputSeed)
        XCTAssertEqual(ev.state.log.map(\.statement), ["cell m = rnn(hidden=2, seed=1)", "slider s from 0 to 4 step 1 value=1", "let s = 4"])
        // Each re-run went to the Output widget: msg_id set to the move's request, then cleared.
        let msgIDs = sink.events.compactMap { e -> String? in
            e.type == "comm_msg" && e.content["comm_id"]?.stringValue == output ? e.content["data"]?["state"]?["msg_id"]?.stringValue : nil
        }
        XCTAssertEqual(msgIDs, ["move-2.0", "", "move-3.0", "", "move-9.0", ""])
    }

    func testWatchRefusesWhatChangesTheSession() throws {
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("slider s from 0 to 1 step 0.1", output: sink)
        for code in ["watch s: let y = 1", "watch s: train m on d", "watch s: unroll m on [1] interactive=true", "watch t: print 1"] {
            XCTAssertThrowsError(try ev.run(code, output: sink), code)
        }
        XCTAssertEqual(ev.state.values.keys.sorted(), ["s"])
    }
}
