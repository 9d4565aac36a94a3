import JSON
import Jupyter
import RNN
@testable import RNNLang
import XCTest
import Foundation

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

    /// A slider move, as a front end sends it.
    private func move(_ ev: Evaluator, _ sink: WidgetFrontEnd, _ slider: String, to v: Double) {
        ev.commReceived(CommMessage(commID: slider, targetName: "jupyter.widget",
                                    data: ["method": "update", "state": ["value": .number(v)], "buffer_paths": []]), output: sink)
    }

    func testASliderDoesNotRebindANameThatIsNoLongerItsNumber() throws {
        // Found by a probing helper: a move brought the number back over a model or a dropped name.
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("slider s from 0 to 10 step 1 value=3\nslider q from 0 to 10 step 1 value=3", output: sink)
        let sliders = sink.open.filter { $0.value["_model_name"]?.stringValue == "IntSliderModel" }.keys.sorted()
        XCTAssertEqual(sliders.count, 2)
        _ = try ev.run("cell s = rnn(input=2, hidden=2, output=2)\ndrop q", output: sink)
        let log = ev.state.log.count
        for id in sliders { move(ev, sink, id, to: 6) }
        XCTAssertNil(ev.state.values["s"])
        XCTAssertNil(ev.state.values["q"])
        XCTAssertNotNil(ev.model(named: "s"))
        XCTAssertEqual(ev.state.log.count, log, "a move that bound nothing was logged")
    }

    func testCopyOverAValueReplacesIt() throws {
        let ev = Evaluator()
        _ = try ev.run("cell m = rnn(input=1, hidden=1)\nlet v = 1\ncopy m as v", output: WidgetFrontEnd())
        XCTAssertNil(ev.state.values["v"], "the old value hid the copy")
        XCTAssertNotNil(ev.model(named: "v"))
    }

    func testFloatSlidersKeepTinyAndHugeValues() throws {
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("slider w from 1e-12 to 1e-10\nslider a from 0.5 to 1e300\nslider c from 0 to 1 step 0.1", output: sink)
        let floats = sink.open.filter { $0.value["_model_name"]?.stringValue == "FloatSliderModel" }
        func id(_ description: String) throws -> String { try XCTUnwrap(floats.first { $0.value["description"]?.stringValue == description }?.key) }
        move(ev, sink, try id("w"), to: 5e-11)
        move(ev, sink, try id("a"), to: 5e299)
        move(ev, sink, try id("c"), to: 0.30000000000000004)
        guard case let .number(w)? = ev.state.values["w"], case let .number(a)? = ev.state.values["a"] else { return XCTFail("not numbers") }
        XCTAssertEqual(w, 5e-11, accuracy: 1.5e-12)
        XCTAssertTrue(a.isFinite && abs(a - 5e299) < 1e298, "\(a)")
        XCTAssertEqual(ev.state.values["c"], .number(0.3))
        XCTAssertEqual(floats[try id("w")]?["readout_format"], ".3g")
    }

    func testAWatchRunAgainReplacesItselfAndReportsLikeACell() throws {
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxDatasetValues = 10_000
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("slider s from 1 to 500 step 1 value=1", output: sink)
        for _ in 0..<3 { _ = try ev.run("watch s: print sine(count=s, length=100)", output: sink) }
        let slider = try XCTUnwrap(sink.model("IntSliderModel"))
        sink.events = []
        move(ev, sink, slider, to: 500)
        let errors = sink.events.filter { $0.type == "stream" && $0.content["name"] == "stderr" }.compactMap { $0.content["text"]?.stringValue }
        XCTAssertEqual(errors.count, 1, "one watch, re-run once: \(errors)")
        XCTAssertTrue(errors.first?.contains("MemoryError") ?? false, errors.first ?? "")
    }

    func testAnInterruptStopsAWatchReRun() throws {
        // A re-run that would take minutes: without the interrupt this test would hang until it ended.
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("cell g = gru(input=1, hidden=600, output=1, seed=1)\nlet d = sine(count=64, length=3000)\n"
                       + "slider s from 0 to 2 step 1 value=0", output: sink)
        _ = try ev.run("watch s: print s", output: sink)
        // The heavy statement is watched only now, so defining it did not run it.
        ev.interactive.watches["s"]![0].node = try XCTUnwrap(Parser.parse("predict g on d").first)
        ev.interactive.watches["s"]![0].source = "predict g on d"
        let slider = try XCTUnwrap(sink.model("IntSliderModel"))
        sink.events = []
        let done = DispatchSemaphore(value: 0)
        let stopper = Thread {
            while done.wait(timeout: .now() + 0.2) == .timedOut { ev.interrupt.raise() }
        }
        stopper.start()
        move(ev, sink, slider, to: 1)
        done.signal()
        let errors = sink.events.filter { $0.type == "stream" && $0.content["name"] == "stderr" }.compactMap { $0.content["text"]?.stringValue }
        XCTAssertTrue(errors.first?.contains("KeyboardInterrupt") ?? false, "\(errors)")
        XCTAssertEqual(ev.state.values["s"], .number(1))
    }

    func testUnknownKeysAreIgnoredAndWrongKindsRefused() throws {
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)\n"
                       + "unroll demo on [[1,1],[1,1],[2,2]] interactive=true\nslider s from 0 to 4 step 1 value=1", output: sink)
        let slider = try XCTUnwrap(sink.open.first { $0.value["description"]?.stringValue == "s" }?.key)
        sink.events = []
        ev.commReceived(CommMessage(commID: slider, targetName: "jupyter.widget", data: [
            "method": "update", "buffer_paths": [],
            "state": ["foo": .string(String(repeating: "x", count: 100_000)), "max": "x", "description": 5]]), output: sink)
        let model = try XCTUnwrap(ev.interactive.widgets.models[slider])
        XCTAssertNil(model["foo"], "an unknown key was kept")
        XCTAssertEqual(model["max"], .number(4))
        XCTAssertEqual(model["description"], "s")
        let corrected = sink.events.last { $0.type == "comm_msg" && $0.content["data"]?["method"] == "update" }
        XCTAssertEqual(corrected?.content["data"]?["state"], ["max": 4, "description": "s"])
        // A description set on the unroll's t slider redraws nothing; a value does.
        let stepSlider = try XCTUnwrap(sink.open.first { $0.key != slider && $0.value["_model_name"]?.stringValue == "IntSliderModel" }?.key)
        sink.events = []
        ev.commReceived(CommMessage(commID: stepSlider, targetName: "jupyter.widget",
                                    data: ["method": "update", "state": ["description": "zz"], "buffer_paths": []]), output: sink)
        XCTAssertFalse(sink.events.contains { $0.type == "clear_output" })
        move(ev, sink, stepSlider, to: 2)
        XCTAssertTrue(sink.events.contains { $0.type == "clear_output" })
        // The rows dropdown sets its index, not a value: that redraws too.
        let dropdown = try XCTUnwrap(sink.model("DropdownModel"))
        sink.events = []
        ev.commReceived(CommMessage(commID: dropdown, targetName: "jupyter.widget",
                                    data: ["method": "update", "state": ["index": 1], "buffer_paths": []]), output: sink)
        XCTAssertTrue(sink.events.contains { $0.type == "clear_output" })
    }

    func testAWideWholeNumberSliderGetsAStepThatKeepsItsValues() throws {
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        XCTAssertThrowsError(try ev.run("slider w from -1e308 to 1e308", output: sink))
        _ = try ev.run("slider c from 0 to 1000000\nslider h from -1e307 to 1e307", output: sink)
        let c = try XCTUnwrap(sink.open.first { $0.value["description"]?.stringValue == "c" })
        XCTAssertEqual(c.value["step"], 10)
        move(ev, sink, c.key, to: 123_456)
        XCTAssertEqual(ev.state.values["c"], .number(123_460))
        let h = try XCTUnwrap(sink.open.first { $0.value["description"]?.stringValue == "h" })
        move(ev, sink, h.key, to: 5e306)
        guard case let .number(x)? = ev.state.values["h"] else { return XCTFail("not a number") }
        XCTAssertEqual(x, 5e306, accuracy: 1e303)
    }

    func testAWatchWhoseOutputWidgetWasClosedNoLongerRuns() throws {
        let ev = Evaluator()
        let sink = WidgetFrontEnd()
        _ = try ev.run("slider s from 0 to 4 step 1 value=1\nwatch s: print s * 2", output: sink)
        let slider = try XCTUnwrap(sink.model("IntSliderModel"))
        let output = try XCTUnwrap(sink.model("OutputModel"))
        ev.commClosed(CommMessage(commID: output, targetName: "jupyter.widget", data: [:]), output: sink)
        sink.events = []
        move(ev, sink, slider, to: 3)
        XCTAssertEqual(ev.state.values["s"], .number(3))
        XCTAssertFalse(sink.events.contains { $0.type == "stream" || $0.type == "clear_output" }, "\(sink.events)")
        XCTAssertNil(ev.interactive.watches["s"])
    }

    /// A front end that names its cells (metadata.cellId) clears a re-run or deleted cell's outputs;
    /// the widgets those showed are closed in the kernel too, not kept (about 2 MB an unroll) for good.
    func testARunAgainCellClosesTheWidgetsOfItsLastRun() throws {
        let interpreter = RNNInterpreter()
        let sink = WidgetFrontEnd()
        let widgets = interpreter.evaluator.interactive.widgets
        let unroll = "cell m = rnn(input=1, hidden=2, seed=1)\nunroll m on [[1], [2], [3]] interactive=true"
        _ = interpreter.execute(ExecuteRequest(code: unroll, cellID: "c1"), output: sink)
        let first = Set(sink.open.keys)
        XCTAssertFalse(first.isEmpty)
        _ = interpreter.execute(ExecuteRequest(code: "slider s from 0 to 2 step 1", cellID: "c2"), output: sink)
        let slider = Set(sink.open.keys).subtracting(first)
        XCTAssertFalse(slider.isEmpty)
        _ = interpreter.execute(ExecuteRequest(code: unroll, cellID: "c1"), output: sink)
        XCTAssertTrue(first.isDisjoint(with: sink.open.keys), "the first run's widgets are still open")
        XCTAssertTrue(slider.isSubset(of: sink.open.keys), "another cell's slider was closed")
        XCTAssertEqual(widgets.count, sink.open.count, "the kernel still holds closed widgets")
        // A failed run's widgets are the cell's too; without a cell id nothing is closed (nbclient, a console).
        let open = sink.open.count
        _ = interpreter.execute(ExecuteRequest(code: unroll), output: sink)
        XCTAssertGreaterThan(sink.open.count, open)
        // A deleted cell's widgets go; its slider's name keeps its number and range.
        _ = interpreter.execute(ExecuteRequest(code: "print s", cellID: "c3", deletedCells: ["c2"]), output: sink)
        XCTAssertTrue(slider.isDisjoint(with: sink.open.keys))
        XCTAssertNil(interpreter.evaluator.interactive.sliders["s"]?.model)
        XCTAssertNotNil(interpreter.evaluator.interactive.sliders["s"])
        XCTAssertEqual(interpreter.evaluator.state.values["s"], .number(0))
    }
}
