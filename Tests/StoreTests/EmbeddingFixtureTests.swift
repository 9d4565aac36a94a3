import XCTest
import JSON
import RNN
@testable import Store

/// Embedding models (`embed=E`) against course article 004's RNNClassifier in PyTorch
/// (tools/torch/make_embedding_fixtures.py): logits, loss, every gradient (embedding.weight
/// included), the weights after 1 and 3 steps of every optimizer, unclipped and clipped, to 1e-9;
/// and the classifier's files both ways, with the same logits on the same sentence.
final class EmbeddingFixtureTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let fixtures = dir.appendingPathComponent("embedding_fixtures.json")

    func oneHot(_ tokens: [Int], _ V: Int) -> [[Double]] { tokens.map { k in (0..<V).map { $0 == k ? 1 : 0 } } }

    func config(_ j: JSON) -> CellConfig {
        CellConfig(kind: CellKind(rawValue: j["kind"]!.stringValue!)!, input: j["vocab"]!.intValue!, hidden: j["hidden"]!.intValue!,
                   output: j["output"]!.intValue!, layers: j["layers"]!.intValue!, bidirectional: j["bidirectional"]!.boolValue!,
                   embed: j["embed"]!.intValue!)
    }

    func testEveryCaseMatchesTheClassifier() throws {
        let root = try JSON.parse(String(contentsOf: Self.fixtures, encoding: .utf8))
        let cases = root["cases"]!.arrayValue!
        XCTAssertEqual(cases.count, 7)
        for c in cases {
            let name = c["name"]!.stringValue!
            let config = config(c["config"]!)
            let V = config.input
            let sd = stateDict(c["state_dict"]!)
            XCTAssertEqual(config.parameterCount, sd.values.reduce(0) { $0 + $1.values.count }, name)
            let model = try ModelFiles.fromStateDict(sd, config: config, file: name)
            let tokens = c["tokens"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }
            let xs = tokens.map { oneHot($0, V) }
            let m2m = c["many_to_many"]!.boolValue!
            let t = c["target"]!.arrayValue!
            let targets: Dataset.Targets = m2m ? .classSequences(t.map { $0.arrayValue!.map { $0.intValue! } }) : .classes(t.map { $0.intValue! })

            // Forward, on the reference path (what unroll shows): fc(output) every step, or y_T.
            let expected = c["logits"]!.arrayValue!
            for (b, seq) in xs.enumerated() {
                let logits = try model.forward(seq).logits
                let got = m2m ? logits.flatMap { $0 } : logits.last!
                let want = m2m ? expected[b].arrayValue!.flatMap { $0.arrayValue!.map { $0.doubleValue! } } : expected[b].arrayValue!.map { $0.doubleValue! }
                XCTAssertLessThan(zip(got, want).map { abs($0 - $1) }.max()!, 1e-9, "\(name) logits")
            }

            // Loss and gradients on the engine's token path.
            let engine = Engine(config: config)
            let batch = Batch(tokens: tokens, vocabulary: V, target: targets, indices: Array(tokens.indices))
            var g = [Double](repeating: 0, count: engine.parameterCount)
            let r = g.withUnsafeMutableBufferPointer { engine.run(model.flatValues, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
            XCTAssertEqual(r.loss, c["loss_value"]!.doubleValue!, accuracy: 1e-12, "\(name) loss")
            assertClose(ModelFiles.stateDict(model.with(flat: g)), stateDict(c["gradients"]!), "\(name) gradients")

            let runs = c["optimizers"]!.objectValue!
            XCTAssertEqual(runs.count, 15, name)
            for (optName, spec) in runs {
                let run = TwinOptimizerRun(spec)
                run.threeSteps(from: model.flatValues, gradient: { grad, theta in
                    _ = grad.withUnsafeMutableBufferPointer { engine.run(theta, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
                }, after: { step, theta in
                    assertClose(ModelFiles.stateDict(model.with(flat: theta)), stateDict(spec["after_\(step)"]!), "\(name) \(optName) after \(step)")
                })
                // The same three steps through `train` on the one-hot dataset, one batch of all examples an epoch.
                var o = TrainOptions()
                o.optimizer = run.kind
                o.lr = run.lr
                o.batch = xs.count
                o.epochs = 3
                o.clipping = run.clipping
                let trained = try model.train(on: Dataset(name: "words", summary: "words", inputs: xs, targets: targets), options: o)
                assertClose(ModelFiles.stateDict(trained.model), stateDict(spec["after_3"]!), "\(name) \(optName) train, after 3")
            }
        }
    }

    /// A file the classifier saved loads here with its logits; a file saved here loaded into the
    /// classifier with strict=True gave the logits this model gives.
    func testClassifierFilesBothWays() throws {
        let root = try JSON.parse(String(contentsOf: Self.fixtures, encoding: .utf8))
        let files = root["files"]!.arrayValue!
        XCTAssertEqual(files.count, 3)
        for f in files {
            let config = config(f)
            let x = oneHot(f["tokens"]!.arrayValue!.map { $0.intValue! }, config.input)
            let theirs = Self.dir.appendingPathComponent(f["torch_file"]!.stringValue!).path
            let entry = try ModelFiles.load(from: theirs, existing: nil)
            XCTAssertEqual(entry.model.config.embed, config.embed, theirs)
            XCTAssertEqual(entry.model.config.input, config.input, theirs)
            let want = f["torch_logits"]!.arrayValue!.map { $0.doubleValue! }
            XCTAssertLessThan(zip(try entry.model.forward(x).logits.last!, want).map { abs($0 - $1) }.max()!, 1e-9, theirs)

            var c = config
            c.seed = UInt64(f["ours_seed"]!.intValue!)
            var rng = SplitMix64(seed: c.seed!)
            let model = Model(config: c, rng: &rng)
            let ours = Self.dir.appendingPathComponent(f["ours_file"]!.stringValue!)
            let written = try ModelFiles.readSafetensors(Array(Data(contentsOf: ours)), file: ours.path).tensors
            assertClose(ModelFiles.stateDict(model), written, "\(ours.lastPathComponent) as saved")
            XCTAssertEqual(ModelFiles.stateDict(model).first?.name, "embedding.weight")
            let back = f["ours_logits"]!.arrayValue!.map { $0.doubleValue! }
            XCTAssertLessThan(zip(try model.forward(x).logits.last!, back).map { abs($0 - $1) }.max()!, 1e-9, ours.path)
            // And through our own files: .safetensors (with our metadata) and .json keep W_emb exactly.
            let entryOurs = ModelEntry(model: model)
            for bytes in [ModelFiles.safetensors(entryOurs)] {
                let again = try ModelFiles.fromSafetensors(bytes, file: "m.safetensors", existing: nil)
                XCTAssertEqual(again.model, model)
            }
            let json = Array(ModelFiles.json(entryOurs).serialized(pretty: true).utf8)
            let fromJSON = try ModelFiles.fromJSON(json, file: "m.json")
            XCTAssertEqual(fromJSON.model, model)
            XCTAssertNotNil(ModelFiles.json(entryOurs)["parameters"]?["W_emb"])
        }
    }

    /// A file whose embedding does not fit its RNN is refused naming both.
    func testMismatchedEmbeddingIsRefused() throws {
        let f = Self.dir.appendingPathComponent("torch_embedding_rnn.safetensors").path
        var (tensors, _) = try ModelFiles.readSafetensors(Array(Data(contentsOf: URL(fileURLWithPath: f))), file: f)
        tensors["embedding.weight"] = ModelFiles.RawTensor(shape: [6, 5], values: [Double](repeating: 0, count: 30))
        XCTAssertThrowsError(try ModelFiles.inferConfig(tensors, file: "x.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("embedding.weight is 6×5"), "\(e)")
        }
    }
}
