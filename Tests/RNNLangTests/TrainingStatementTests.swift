import XCTest
import Foundation
import Jupyter
import RNN
import Store
@testable import RNNLang

final class TrainingStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> RecordingSink {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink
    }

    func diagnostic(_ e: Evaluator, _ source: String) -> Diagnostic? {
        do { _ = try run(e, source) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    func testTrainRecordsARunAndUpdatesTheModel() throws {
        let e = Evaluator()
        _ = try run(e, "seed 2\ncell net = rnn(input=1, hidden=4, output=1)")
        let before = e.model(named: "net")!.model
        let sink = try run(e, "train net on sine(count=8, length=6) epochs=2 batch=4 lr=0.05")
        XCTAssertEqual(e.state.runs.count, 1)
        XCTAssertEqual(e.state.runs[0].losses.count, 4)
        XCTAssertEqual(e.model(named: "net")?.trainedSteps, 4)
        XCTAssertNotEqual(e.model(named: "net")?.model, before)
        XCTAssertTrue(sink.events.first?.hasPrefix("epoch 1/2 · step 1/4") ?? false, sink.text)
        XCTAssertTrue(sink.events.contains { $0.hasPrefix("update: epoch 2/2 · step 4/4") }, sink.text)
        XCTAssertTrue(sink.events.last?.contains("net: 4 steps in") ?? false, sink.text)
        XCTAssertEqual(e.state.log.last?.dataSHA256, e.state.runs[0].dataFingerprint)
        XCTAssertEqual(e.state.log.last?.weightsSHA256, weightsHash(of: e.model(named: "net")!.model))
    }

    func testTrainingIsReproducibleFromTheSeed() throws {
        func weights() throws -> Model {
            let e = Evaluator()
            _ = try run(e, "seed 9\ncell n = gru(input=1, hidden=3, output=1)\ntrain n on sine(count=8, length=5) epochs=2 batch=2")
            return e.model(named: "n")!.model
        }
        XCTAssertEqual(try weights(), try weights())
    }

    func testBadTrainingRequestsChangeNothing() throws {
        let e = Evaluator()
        _ = try run(e, "cell net = rnn(input=1, hidden=4, output=1)")
        let before = e.state
        XCTAssertEqual(diagnostic(e, "train net on adding(count=4, length=5)")?.kind, .shape)  // x_t width 2
        XCTAssertEqual(diagnostic(e, "train net on sine(count=4, length=5) optimizer=adamw")?.message.contains("did you mean 'adam'?"), true)
        XCTAssertEqual(diagnostic(e, "train net on sine(count=4, length=5) lr=-1")?.kind, .value)
        XCTAssertEqual(diagnostic(e, "train net on [1, 2, 3]")?.message.contains("expected a dataset"), true)
        XCTAssertEqual(diagnostic(e, "train net on pairs([[[1, 2], 1]])")?.message, "class 1 is out of range: the model's y_t has width 1, so the classes are 0 to 0; use output=2")
        XCTAssertEqual(e.state, before)
    }

    func testBiasOptionAndTheTextbookBiasNames() throws {
        let e = Evaluator()
        XCTAssertTrue(try run(e, "cell a = lstm(input=2, hidden=16, output=1)").text.contains("· 1297 parameters"))
        XCTAssertTrue(try run(e, "cell b = lstm(input=2, hidden=16, output=1, bias=single)").text.contains("bias=single) · 1233 parameters"))
        XCTAssertTrue(try run(e, "cell c = rnn(input=1, hidden=2, bias=\"false\")").text.contains("bias=false) · 6 parameters"))
        XCTAssertEqual(diagnostic(e, "cell d = rnn(input=1, hidden=2, bias=sngle)")?.message.contains("did you mean 'single'?"), true)
        _ = try run(e, "cell r = rnn(input=1, hidden=2, seed=3)\ncell g = gru(input=1, hidden=2)")
        let sum = zip(e.model(named: "r")!.model.parameter("b_xh")!.values, e.model(named: "r")!.model.parameter("b_hh")!.values).map(+)
        var sink = try run(e, "show r.b_h")
        XCTAssertTrue(sink.text.contains("r.b_h = b_xh + b_hh (2)"), sink.text)
        XCTAssertTrue(try run(e, "print r.b_h").text.contains(Value.from(Tensor(shape: [2], values: sum)).literal))
        sink = try run(e, "set r.b_h = [1, 2]")
        XCTAssertTrue(sink.text.contains("b_xh = the value, b_hh = 0"), sink.text)
        XCTAssertEqual(e.model(named: "r")!.model.parameter("b_xh")!.values, [1, 2])
        XCTAssertEqual(e.model(named: "r")!.model.parameter("b_hh")!.values, [0, 0])
        let before = e.state
        XCTAssertEqual(diagnostic(e, "set r.b_h = [1, 2, 3]")?.kind, .shape)
        // gru's n gate keeps b_hn inside r ⊙ (W_hn h + b_hn): there is no b_n to sum.
        XCTAssertEqual(diagnostic(e, "set g.b_n = [1, 2]")?.kind, .name)
        XCTAssertEqual(e.state, before)
    }

    func testClassTargetsAreReadAsTheModelReadsThem() throws {
        let e = Evaluator()
        _ = try run(e, "seed 5\ncell c = rnn(input=2, hidden=4, output=3)\nlet seq4 = [[1,0],[0,1],[1,1],[0,0]]")
        // A list as long as the sequence is one class per step under loss=xent, not a regression vector.
        var sink = try run(e, "train c on pairs([[seq4, [2, 0, 2, 1]]]) loss=xent epochs=2")
        XCTAssertTrue(sink.text.contains("xent loss"), sink.text)
        // Without loss=, too, when it cannot be a target of y_t's width and every class fits.
        sink = try run(e, "train c on pairs([[seq4, [2, 0, 2, 1]]])")
        XCTAssertTrue(sink.text.contains("xent loss"), sink.text)
        sink = try run(e, "predict c on pairs([[seq4, [2, 0, 2, 1]]])")
        XCTAssertTrue(sink.text.contains("accuracy"), sink.text)
        // The classes are y_t's logits: data that holds only class 0 is fine.
        _ = try run(e, "cell b = rnn(input=1, hidden=3, output=2)\ntrain b on pairs([[[1, 2], 0], [[2, 1], 0]])")
        let before = e.state
        XCTAssertEqual(diagnostic(e, "train c on pairs([[seq4, [2, 0, 3, 1]]]) loss=xent")?.message,
                       "class 3 is out of range: the model's y_t has width 3, so the classes are 0 to 2; use output=4")
        XCTAssertEqual(diagnostic(e, "train c on pairs([[seq4, [2, 0, 3, 1]]]) loss=xent")?.kind, .value)
        XCTAssertEqual(diagnostic(e, "backward c on seq4 target=[2, 0, 3, 1] loss=xent")?.message,
                       "expected one class index (0 to 2: y_t has width 3) per step, found 3")
        XCTAssertEqual(e.state, before)
    }

    func testALossThatCannotChangeIsRefused() throws {
        let e = Evaluator()
        _ = try run(e, "cell one = rnn(input=1, hidden=2, output=1)")
        let before = e.state
        for statement in ["train one on pairs([[[1, 2], 0], [[2, 1], 0]])", "train one on pairs([[[1, 2], 0]]) loss=xent",
                          "backward one on [1, 2] target=0 loss=xent"] {
            let d = diagnostic(e, statement)
            XCTAssertEqual(d?.kind, .value, statement)
            XCTAssertEqual(d?.message.hasPrefix("cross-entropy over y_t of width 1 is 0 whatever the weights"), true, "\(statement): \(d?.message ?? "no error")")
        }
        XCTAssertEqual(e.state, before)
    }

    func testRaggedTargetSequencesAreAShapeErrorNamingTheStep() throws {
        let e = Evaluator()
        _ = try run(e, "cell t = rnn(input=1, hidden=2, output=8)")
        let d = diagnostic(e, "let d = pairs([[[[1], [2], [3]], [[0,0,0,0,0,0,0,0], [0], [0]]]])")
        XCTAssertEqual(d?.kind, .shape)
        XCTAssertEqual(d?.message, "expected every step of the target sequences to have 8 values (as item 1's first step has), found 1 in item 1 at t=2")
        // A dataset made some other way meets the same check in the model.
        var rng = SplitMix64(seed: 1)
        let m = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, output: 2), rng: &rng)
        let data = Dataset(name: "pairs", summary: "pairs", inputs: [[[1], [2]], [[1], [2]]], targets: .vectorSequences([[[0, 0], [0, 0]], [[0, 0], [1]]]))
        XCTAssertThrowsError(try m.train(on: data, options: TrainOptions())) {
            XCTAssertEqual("\($0)", "expected every step of the target sequences to have 2 values (as example 1's first step has), found 1 in example 2 at t=2")
        }
    }

    func testInterruptKeepsCompletedStepsAndReportsKeyboardInterrupt() throws {
        let e = Evaluator()
        _ = try run(e, "cell net = rnn(input=1, hidden=4, output=1)")
        // The front end's stop button, as the kernel relays it: here raised when the first progress
        // line is shown, so the run stops at the next check between steps.
        final class InterruptingSink: OutputSink {
            let flag: InterruptFlag
            init(_ f: InterruptFlag) { flag = f }
            func stream(_ name: StreamName, _ text: String) {}
            func display(_ bundle: MimeBundle, displayID: String?) { if displayID != nil { flag.raise() } }
            func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
            func clearOutput(wait: Bool) {}
        }
        let sink = InterruptingSink(e.interrupt)
        XCTAssertThrowsError(try e.run("train net on sine(count=400, length=10) epochs=5", output: sink)) { error in
            let d = error as! Diagnostic
            XCTAssertEqual(d.kind, .interrupt)
            XCTAssertTrue(d.message.contains("the weights of step"), d.message)
        }
        let steps = e.model(named: "net")!.trainedSteps
        XCTAssertEqual(steps, 1)
        XCTAssertEqual(e.state.runs.last?.losses.count, steps)
        XCTAssertTrue(e.state.runs.last?.outcome.hasPrefix("interrupted") ?? false)
    }

    func testProgressLineEndsAtTheStepTrainingStoppedAt() throws {
        let e = Evaluator()
        _ = try run(e, "cell net = rnn(input=1, hidden=4, output=1)")
        // Stop a little after the first line is drawn, between two redraws of the throttled line.
        final class LateStop: OutputSink {
            let flag: InterruptFlag
            var last = ""
            init(_ f: InterruptFlag) { flag = f }
            func stream(_ name: StreamName, _ text: String) {}
            func display(_ bundle: MimeBundle, displayID: String?) {
                guard displayID != nil else { return }
                last = Self.plain(bundle)
                let flag = self.flag
                Thread.detachNewThread { Thread.sleep(forTimeInterval: 0.03); flag.raise() }
            }
            func updateDisplay(_ bundle: MimeBundle, displayID: String) { last = Self.plain(bundle) }
            func clearOutput(wait: Bool) {}
            static func plain(_ b: MimeBundle) -> String { b.data.first { $0.mime == "text/plain" }?.value.stringValue ?? "" }
        }
        let sink = LateStop(e.interrupt)
        XCTAssertThrowsError(try e.run("train net on sine(count=2000, length=10) epochs=100", output: sink))
        let steps = e.model(named: "net")!.trainedSteps
        XCTAssertGreaterThan(steps, 1)
        XCTAssertTrue(sink.last.contains("step \(steps)/"), "last line: \(sink.last); steps kept: \(steps)")
    }

    func testDivergenceKeepsLastFiniteWeights() throws {
        let e = Evaluator()
        _ = try run(e, "cell net = rnn(input=1, hidden=4, output=1, activation=linear)")
        let d = diagnostic(e, "train net on sine(count=16, length=20) epochs=20 optimizer=sgd lr=1000")
        XCTAssertEqual(d?.kind, .diverged)
        XCTAssertTrue(e.model(named: "net")!.model.flatValues.allSatisfy(\.isFinite))
    }

    func testSaveAndLoadRoundTripAndBadFilesChangeNothing() throws {
        let dir = NSTemporaryDirectory() + "rnn-kernel-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let e = Evaluator()
        _ = try run(e, "cell a = lstm(input=2, hidden=3, output=2, layers=2, bidirectional=true)")
        let a = e.model(named: "a")!.model
        for ext in ["json", "safetensors"] {
            _ = try run(e, "save a to \"\(dir)/a.\(ext)\"\nload b from \"\(dir)/a.\(ext)\"")
            XCTAssertEqual(e.model(named: "b")!.model, a, ext)
        }
        _ = try run(e, "cell c = gru(input=2, hidden=5, output=2)")
        let before = e.state
        XCTAssertEqual(diagnostic(e, "load a from \"\(dir)/missing.json\"")?.kind, .io)
        FileManager.default.createFile(atPath: "\(dir)/bad.safetensors", contents: Data([1, 2, 3]))
        XCTAssertEqual(diagnostic(e, "load a from \"\(dir)/bad.safetensors\"")?.message.contains("too short"), true)
        var json = try String(contentsOfFile: "\(dir)/a.json", encoding: .utf8)
        json = json.replacingOccurrences(of: "\"W_hy\"", with: "\"W_hz\"")
        try json.write(toFile: "\(dir)/broken.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(diagnostic(e, "load a from \"\(dir)/broken.json\"")?.message.contains("missing parameter W_hy"), true)
        XCTAssertEqual(diagnostic(e, "save a to \"\(dir)/a.txt\"")?.kind, .io)
        XCTAssertEqual(e.state.store, before.store)
    }

    func testBackwardAndPredictAndSample() throws {
        let e = Evaluator()
        _ = try run(e, "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)")
        let sink = try run(e, "backward demo on [[1,1],[1,1],[2,2]] target=[0, 0]")
        XCTAssertEqual(sink.events.first, "stdout: demo: loss (mse) = 1024\n")
        XCTAssertTrue(sink.text.contains("| W_hh      | 2×2   |    1280 | [640, 640, 640, 640] |"), sink.text)
        XCTAssertEqual(diagnostic(e, "backward demo on [[1,1]] target=[1, 2, 3]")?.kind, .shape)
        _ = try run(e, "seed 4\ncell ch = gru(input=4, hidden=8, output=4)\ntrain ch on text(\"abcdabcdabcd\", seq=4) epochs=40 lr=0.05")
        let s = try run(e, "sample ch from \"ab\" length=6 temperature=0.3 seed=1")
        XCTAssertEqual(s.events.count, 1)
        XCTAssertTrue(s.events[0].hasPrefix("ab") && s.events[0].count == 8, s.text)
        // A prime the model has never seen is read as <unk> (x_t = 0), with a warning that counts it.
        XCTAssertTrue(try run(e, "sample ch from \"xyz\" length=3 seed=1").text.contains("warning: 3 of 3 characters are not in ch's vocabulary"))
        XCTAssertEqual(diagnostic(e, "sample demo")?.message.contains("not been trained on text"), true)
    }

    func testPlotsGiveTextAndSVG() throws {
        let e = Evaluator()
        final class BundleSink: OutputSink {
            var bundles: [MimeBundle] = []
            func stream(_ name: StreamName, _ text: String) {}
            func display(_ bundle: MimeBundle, displayID: String?) { bundles.append(bundle) }
            func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
            func clearOutput(wait: Bool) {}
        }
        _ = try run(e, "cell a = rnn(input=1, hidden=3, output=1)\ntrain a on sine(count=4, length=5) epochs=2")
        for statement in ["plot loss a", "plot hidden a on [1, 2, 3]", "plot gradients a on sine(count=2, length=6)", "plot a.W_hh", "plot [1, 2, 3]", "plot [[1, 2], [3, 4, 5]] style=unicode"] {
            let sink = BundleSink()
            _ = try e.run(statement, output: sink)
            XCTAssertEqual(sink.bundles.count, 1, statement)
            let text = sink.bundles[0]["text/plain"]?.stringValue ?? ""
            XCTAssertFalse(text.isEmpty, statement)
            XCTAssertTrue(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, statement)
            XCTAssertTrue(sink.bundles[0]["image/svg+xml"]?.stringValue?.hasPrefix("<svg") ?? false, statement)
        }
        XCTAssertEqual(diagnostic(e, "plot loss nothere")?.kind, .name)
        XCTAssertEqual(diagnostic(e, "plot a")?.message.contains("plot loss a"), true)
        XCTAssertEqual(diagnostic(e, "plot [1, 2] width=10")?.kind, .value)
    }

    func testInputMayBeOmittedWhenTheDataFixesIt() throws {
        let e = Evaluator()
        _ = try run(e, "seed 3\ncell ch = gru(hidden=8, output=4)")
        XCTAssertNotNil(e.model(named: "ch")?.pendingInputSeed)
        XCTAssertEqual(diagnostic(e, "save ch to \"/tmp/never-written.json\"")?.message.contains("no input width yet"), true)
        let sink = try run(e, "train ch on text(\"abcdabcdabcd\", seq=4) epochs=2")
        XCTAssertTrue(sink.events.contains("stdout: ch: input=4 from the data · 372 parameters\n"), sink.text)
        XCTAssertNil(e.model(named: "ch")?.pendingInputSeed)
        XCTAssertEqual(e.model(named: "ch")?.model.config.input, 4)
        // The weights are those the same seed gives when input= is written out.
        let f = Evaluator()
        _ = try run(f, "seed 3\ncell ch = gru(input=4, hidden=8, output=4)")
        let g = Evaluator()
        _ = try run(g, "seed 3\ncell ch = gru(hidden=8, output=4)\nunroll ch on [[1, 0, 0, 0]]")
        XCTAssertEqual(g.model(named: "ch")?.model, f.model(named: "ch")?.model)
    }
}
