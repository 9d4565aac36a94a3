import XCTest
import JSON
import RNN
@testable import Store

/// A `crf=true` tagger against its twin (tools/torch/make_crf_tagger_fixtures.py: nn.RNN/LSTM/GRU +
/// nn.Linear + torchcrf.CRF in float64), on one-hot sentences of different lengths: the emissions,
/// log Z, the loss, every gradient, Viterbi's paths, and the weights after 1 and 3 steps of sgd and
/// adam, to 1e-9; the state dict's keys are the twin's (crf.* beside rnn.*, fc.*, and embedding.weight
/// for the embed= case, language.md's NER model), both ways.
final class CRFTaggerFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/crf_tagger_fixtures.json")

    /// The model's state dict against the twin's (TwinFixtures.swift's comparison).
    func assertClose(_ model: Model, _ theirs: [String: ModelFiles.RawTensor], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        assertClose(ModelFiles.stateDict(model), theirs, what, file: file, line: line)
    }

    func testEveryCaseMatchesTheTwin() throws {
        let root = try JSON.parse(String(contentsOf: Self.fixtures, encoding: .utf8))
        let cases = root["cases"]!.arrayValue!
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let name = c["name"]!.stringValue!
            let cj = c["config"]!
            let V = cj["input"]!.intValue!, K = cj["output"]!.intValue!
            let config = CellConfig(kind: CellKind(rawValue: cj["kind"]!.stringValue!)!, input: V, hidden: cj["hidden"]!.intValue!,
                                    output: K, layers: cj["layers"]!.intValue!, bidirectional: cj["bidirectional"]!.boolValue!,
                                    embed: cj["embed"]?.intValue, crf: true)
            let model = try ModelFiles.fromStateDict(stateDict(c["state_dict"]!), config: config, file: name)
            XCTAssertEqual(model.parameterCount, stateDict(c["state_dict"]!).values.reduce(0) { $0 + $1.values.count }, name)
            let words = c["words"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }
            let gold = c["gold"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }
            let inputs = words.map { $0.map { w in (0..<V).map { $0 == w ? 1.0 : 0 } } }
            let data = Dataset(name: "tagged", summary: name, inputs: inputs, targets: .classSequences(gold))
            let crf = try XCTUnwrap(model.crf)

            for (b, seq) in inputs.enumerated() {
                let e = try model.emissions(seq)
                let want = c["emissions"]!.arrayValue![b].arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } }
                XCTAssertLessThan(zip(e.flatMap { $0 }, want.flatMap { $0 }).map { abs($0 - $1) }.max()!, 1e-9, "\(name) emissions \(b)")
                XCTAssertEqual(crf.forward(emissions: e).logZ, c["log_z"]!.arrayValue![b].doubleValue!, accuracy: 1e-9, "\(name) log Z \(b)")
            }
            XCTAssertEqual(try model.decode(data), c["viterbi"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }, "\(name) Viterbi")

            // The loss and every gradient, through the training engine (one batch of all the sentences).
            let engine = Engine(config: config)
            let batch = Batch(inputs: inputs, target: .classSequences(gold), indices: Array(inputs.indices), tokens: config.embed != nil)
            var g = [Double](repeating: 0, count: engine.parameterCount)
            let r = g.withUnsafeMutableBufferPointer { engine.run(model.flatValues, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
            XCTAssertEqual(r.loss, c["loss"]!.doubleValue!, accuracy: 1e-10, "\(name) loss")
            assertClose(model.with(flat: g), stateDict(c["gradients"]!), "\(name) gradients")
            let predicted = try model.predict(data)
            XCTAssertEqual(predicted.loss!, c["loss"]!.doubleValue!, accuracy: 1e-10, "\(name) predict's loss")
            // predict's paths are Viterbi's: the evaluator shows them without decoding again.
            XCTAssertEqual(predicted.paths, c["viterbi"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }, "\(name) predict's paths")

            // train: full-batch steps of sgd and adam.
            for (opt, spec) in c["optimizers"]!.objectValue! {
                for (epochs, key) in [(1, "after_1"), (3, "after_3")] {
                    var o = TrainOptions()
                    o.optimizer = OptimizerKind(rawValue: opt)!
                    o.lr = spec["lr"]!.doubleValue!
                    o.batch = inputs.count
                    o.epochs = epochs
                    let trained = try model.train(on: data, options: o)
                    XCTAssertEqual(trained.outcome, .completed)
                    assertClose(trained.model, stateDict(spec[key]!), "\(name) \(opt) \(key)")
                }
            }
        }
    }

    /// The engine's gradient of the CRF loss against central differences, for every CRF parameter
    /// and a sample of the rest, on sentences of different lengths.
    func testGradientMatchesFiniteDifferences() throws {
        let config = CellConfig(kind: .gru, input: 4, hidden: 3, output: 3, bidirectional: true, crf: true)
        var rng = SplitMix64(seed: 11)
        var theta = Model(config: config, rng: &rng).flatValues
        for i in theta.indices { theta[i] = rng.uniform(-0.8, 0.8) }
        let inputs: [[[Double]]] = [[[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]], [[0, 0, 0, 1]], [[0, 1, 0, 0], [1, 0, 0, 0]]]
        let batch = Batch(inputs: inputs, target: .classSequences([[2, 0, 1], [1], [0, 0]]), indices: [0, 1, 2])
        let engine = Engine(config: config)
        var g = [Double](repeating: 0, count: theta.count)
        _ = g.withUnsafeMutableBufferPointer { engine.run(theta, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
        let crfStart = theta.count - 15  // transitions 3×3, start 3, end 3
        for i in Array(crfStart..<theta.count) + Array(stride(from: 0, to: crfStart, by: 7)) {
            var plus = theta, minus = theta
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let fd = (engine.run(plus, batch: batch, loss: .xent, gradient: nil).loss - engine.run(minus, batch: batch, loss: .xent, gradient: nil).loss) / 2e-6
            XCTAssertEqual(g[i], fd, accuracy: 1e-7, "parameter \(i)")
        }
    }

    /// Both ways through a file: ours loads into the twin's keys, and a .json keeps the CRF.
    func testFilesKeepTheCRF() throws {
        var config = CellConfig(kind: .lstm, input: 3, hidden: 2, output: 4, bidirectional: true)
        config.crf = true
        var rng = SplitMix64(seed: 5)
        let model = Model(config: config, rng: &rng)
        XCTAssertEqual(Array(model.parameterNames.suffix(3)), ["transitions", "start_transitions", "end_transitions"])
        for name in CellConfig.crfNames {
            let t = try XCTUnwrap(model.parameter(name))
            XCTAssertTrue(t.values.allSatisfy { abs($0) <= 0.1 }, "\(name) is drawn U(-0.1, 0.1)")
        }
        let dict = ModelFiles.stateDict(model)
        XCTAssertEqual(Array(dict.map(\.name).suffix(3)), ["crf.transitions", "crf.start_transitions", "crf.end_transitions"])
        let entry = ModelEntry(model: model)
        let fromTensors = try ModelFiles.fromSafetensors(ModelFiles.safetensors(entry), file: "m.safetensors", existing: nil)
        XCTAssertEqual(fromTensors.model, model)
        let fromJSON = try ModelFiles.fromJSON(Array(ModelFiles.json(entry).serialized().utf8), file: "m.json")
        XCTAssertEqual(fromJSON.model, model)
        // A file PyTorch wrote (no metadata) is read as a CRF tagger from its crf.* keys.
        var tensors: [String: ModelFiles.RawTensor] = [:]
        for t in dict { tensors[t.name] = ModelFiles.RawTensor(shape: t.shape, values: t.values) }
        XCTAssertTrue(try ModelFiles.inferConfig(tensors, file: "t").crf)
        tensors["crf.end_transitions"] = nil
        XCTAssertThrowsError(try ModelFiles.fromStateDict(tensors, config: config, file: "t.safetensors")) {
            XCTAssertTrue("\($0)".contains("missing tensor crf.end_transitions"), "\($0)")
        }
    }
}
