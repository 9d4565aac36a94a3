import XCTest
import JSON
import RNN
@testable import Store

/// Our numbers against PyTorch's (tools/torch/make_fixtures.py), from unmodified nn.RNN/LSTM/GRU
/// (both biases trained) and bias=single twins of rnn, lstm and gru (unmodified modules too, nothing
/// masked): forward outputs, loss, gradients, and weights after 1 and 3 steps of every optimizer
/// without clipping and clipped by norm and by value, all to 1e-9 in float64; and save -> load ->
/// one step on each side, both ways.
final class PyTorchFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pytorch_fixtures.json")

    func testEveryCaseMatchesPyTorch() throws {
        let root = try JSON.parse(String(contentsOf: Self.fixtures, encoding: .utf8))
        let cases = root["cases"]!.arrayValue!
        XCTAssertEqual(cases.count, 12)
        for c in cases {
            let name = c["name"]!.stringValue!
            let cj = c["config"]!
            let config = CellConfig(kind: CellKind(rawValue: cj["kind"]!.stringValue!)!, input: cj["input"]!.intValue!, hidden: cj["hidden"]!.intValue!,
                                    output: cj["output"]!.intValue!, layers: cj["layers"]!.intValue!, bidirectional: cj["bidirectional"]!.boolValue!,
                                    activation: Activation(rawValue: cj["activation"]!.stringValue!)!,
                                    singleBias: cj["bias"]!.stringValue! == "single")
            XCTAssertEqual(config.parameterCount, stateDict(c["state_dict"]!).values.reduce(0) { $0 + $1.values.count } - (config.singleBias ? config.layers * config.directions * config.summedGates.count * config.hidden : 0), name)
            let model = try ModelFiles.fromStateDict(stateDict(c["state_dict"]!), config: config, file: name)
            let xs: [[[Double]]] = c["x"]!.arrayValue!.map { $0.arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } } }
            let loss = Loss(rawValue: c["loss"]!.stringValue!)!
            let m2m = c["many_to_many"]!.boolValue!
            let t = c["target"]!.arrayValue!
            let targets: Dataset.Targets
            switch (loss, m2m) {
            case (.mse, false): targets = .vectors(t.map { $0.arrayValue!.map { $0.doubleValue! } })
            case (.mse, true): targets = .vectorSequences(t.map { $0.arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } } })
            case (.xent, false): targets = .classes(t.map { $0.intValue! })
            case (.xent, true): targets = .classSequences(t.map { $0.arrayValue!.map { $0.intValue! } })
            }

            // Forward: W_hy h_t + b_y at every step.
            let expectedOutputs = c["outputs"]!.arrayValue!
            for (b, seq) in xs.enumerated() {
                let logits = try model.forward(seq).logits
                let want = expectedOutputs[b].arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } }
                let worst = zip(logits.flatMap { $0 }, want.flatMap { $0 }).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-9, "\(name) outputs")
            }

            // Loss and gradients.
            let engine = Engine(config: config)
            let batch = Batch(inputs: xs, target: targets, indices: [0, 1])
            var g = [Double](repeating: 0, count: engine.parameterCount)
            let r = g.withUnsafeMutableBufferPointer { engine.run(model.flatValues, batch: batch, loss: loss, gradient: $0.baseAddress!) }
            XCTAssertEqual(r.loss, c["loss_value"]!.doubleValue!, accuracy: 1e-12, "\(name) loss")
            assertClose(ModelFiles.stateDict(model.with(flat: g)), stateDict(c["gradients"]!), "\(name) gradients")

            // Optimizer steps, with clipping.
            let runs = c["optimizers"]!.objectValue!
            XCTAssertEqual(runs.count, 15, name)
            for (optName, spec) in runs {
                let run = TwinOptimizerRun(spec)
                run.threeSteps(from: model.flatValues, gradient: { grad, theta in
                    _ = grad.withUnsafeMutableBufferPointer { engine.run(theta, batch: batch, loss: loss, gradient: $0.baseAddress!) }
                }, after: { step, theta in
                    assertClose(ModelFiles.stateDict(model.with(flat: theta)), stateDict(spec["after_\(step)"]!), "\(name) \(optName) after \(step)")
                })
                // The same three steps through `train` (clipping fused into the update), one batch of both examples an epoch.
                var o = TrainOptions()
                o.optimizer = run.kind
                o.lr = run.lr
                o.batch = 2
                o.epochs = 3
                o.loss = loss
                o.clipping = run.clipping
                let trained = try model.train(on: Dataset(name: "pairs", summary: "pairs", inputs: xs, targets: targets), options: o)
                assertClose(ModelFiles.stateDict(trained.model), stateDict(spec["after_3"]!), "\(name) \(optName) train, after 3")
            }
        }
    }

    // MARK: - save -> load -> one step, both ways

    static let roundtrips = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/roundtrip.json")
    static let fixtureDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// One SGD step by `train` on the round trip's two examples (one batch of both).
    func oneStep(_ model: Model, _ c: JSON) throws -> TrainResult {
        let xs: [[[Double]]] = c["x"]!.arrayValue!.map { $0.arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } } }
        let t = c["target"]!.arrayValue!
        let targets: Dataset.Targets
        switch (c["loss"]!.stringValue!, c["many_to_many"]!.boolValue!) {
        case ("mse", false): targets = .vectors(t.map { $0.arrayValue!.map { $0.doubleValue! } })
        case ("mse", true): targets = .vectorSequences(t.map { $0.arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } } })
        case (_, false): targets = .classes(t.map { $0.intValue! })
        default: targets = .classSequences(t.map { $0.arrayValue!.map { $0.intValue! } })
        }
        var o = TrainOptions()
        o.optimizer = .sgd
        o.lr = c["lr"]!.doubleValue!
        o.batch = 2
        return try model.train(on: Dataset(name: "pairs", summary: "pairs", inputs: xs, targets: targets), options: o)
    }

    func testFilePyTorchWroteTrainsAsPyTorchDoes() throws {
        let root = try JSON.parse(String(contentsOf: Self.roundtrips, encoding: .utf8))
        for c in root["cases"]!.arrayValue! {
            let file = Self.fixtureDir.appendingPathComponent(c["torch_file"]!.stringValue!).path
            let entry = try ModelFiles.load(from: file, existing: nil)
            XCTAssertTrue(entry.model.config.twoBiases, file)
            let r = try oneStep(entry.model, c)
            XCTAssertEqual(r.losses.first!, c["torch_loss"]!.doubleValue!, accuracy: 1e-12, file)
            assertClose(ModelFiles.stateDict(r.model), stateDict(c["torch_after"]!), "\(file) after one SGD step")
            // Into a bias=single cell the two biases load as their sum: the same outputs.
            var single = entry.model.config
            single.singleBias = true
            let summed = try ModelFiles.load(from: file, existing: ModelEntry(model: Model(zerosFor: single)))
            XCTAssertTrue(summed.model.config.singleBias)
            let x: [[Double]] = c["x"]!.arrayValue![0].arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } }
            let a = try entry.model.forward(x).logits.flatMap { $0 }, b = try summed.model.forward(x).logits.flatMap { $0 }
            XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-12, file)
        }
    }

    func testFileWeWroteTrainsInPyTorchAsHere() throws {
        let root = try JSON.parse(String(contentsOf: Self.roundtrips, encoding: .utf8))
        for c in root["cases"]!.arrayValue! {
            let config = CellConfig(kind: CellKind(rawValue: c["kind"]!.stringValue!)!, input: c["input"]!.intValue!, hidden: c["hidden"]!.intValue!,
                                    output: c["output"]!.intValue!, layers: c["layers"]!.intValue!, bidirectional: c["bidirectional"]!.boolValue!,
                                    seed: UInt64(c["ours_seed"]!.intValue!))
            // The model `cell m = KIND(..., seed=N)` makes, which `save` wrote into the file PyTorch read.
            var rng = SplitMix64(seed: config.seed!)
            let model = Model(config: config, rng: &rng)
            let file = Self.fixtureDir.appendingPathComponent(c["ours_file"]!.stringValue!)
            let written = try ModelFiles.readSafetensors(Array(Data(contentsOf: file)), file: file.path).tensors
            assertClose(ModelFiles.stateDict(model), written, "\(file.lastPathComponent) as saved")
            let r = try oneStep(model, c)
            XCTAssertEqual(r.losses.first!, c["ours_loss"]!.doubleValue!, accuracy: 1e-12, file.path)
            assertClose(ModelFiles.stateDict(r.model), stateDict(c["ours_after"]!), "\(file.lastPathComponent) after one SGD step")
        }
    }
}
