import XCTest
import JSON
import RNN
@testable import Store

/// Our numbers against PyTorch's (tools/torch/make_fixtures.py): forward outputs, loss, gradients,
/// and weights after 1 and 3 steps of every optimizer with clipping, all to 1e-9 in float64.
final class PyTorchFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pytorch_fixtures.json")

    func stateDict(_ j: JSON) -> [String: ModelFiles.RawTensor] {
        var out: [String: ModelFiles.RawTensor] = [:]
        for (k, v) in j.objectValue! {
            out[k] = ModelFiles.RawTensor(shape: v["shape"]!.arrayValue!.map { $0.intValue! }, values: v["values"]!.arrayValue!.map { $0.doubleValue! })
        }
        return out
    }

    func assertClose(_ ours: [(name: String, shape: [Int], values: [Double])], _ theirs: [String: ModelFiles.RawTensor], _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(ours.map(\.name)), Set(theirs.keys), what, file: file, line: line)
        for t in ours {
            guard let p = theirs[t.name] else { continue }
            XCTAssertEqual(t.shape, p.shape, "\(what) \(t.name)", file: file, line: line)
            let worst = zip(t.values, p.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-9, "\(what) \(t.name)", file: file, line: line)
        }
    }

    func testEveryCaseMatchesPyTorch() throws {
        let root = try JSON.parse(String(contentsOf: Self.fixtures, encoding: .utf8))
        let cases = root["cases"]!.arrayValue!
        XCTAssertEqual(cases.count, 7)
        for c in cases {
            let name = c["name"]!.stringValue!
            let cj = c["config"]!
            let config = CellConfig(kind: CellKind(rawValue: cj["kind"]!.stringValue!)!, input: cj["input"]!.intValue!, hidden: cj["hidden"]!.intValue!,
                                    output: cj["output"]!.intValue!, layers: cj["layers"]!.intValue!, bidirectional: cj["bidirectional"]!.boolValue!,
                                    activation: Activation(rawValue: cj["activation"]!.stringValue!)!)
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
            for (optName, spec) in c["optimizers"]!.objectValue! {
                var theta = model.flatValues
                var opt = Optimizer(OptimizerKind(rawValue: optName)!, lr: spec["lr"]!.doubleValue!, count: theta.count)
                let clipValue = spec["clip_value"]!.doubleValue!
                let clipping: Clipping = spec["clip"]!.stringValue! == "norm" ? .norm(clipValue) : spec["clip"]!.stringValue! == "value" ? .value(clipValue) : .none
                for step in 1...3 {
                    var grad = [Double](repeating: 0, count: theta.count)
                    _ = grad.withUnsafeMutableBufferPointer { engine.run(theta, batch: batch, loss: loss, gradient: $0.baseAddress!) }
                    clip(&grad, clipping)
                    opt.step(&theta, grad)
                    if step == 1 || step == 3 {
                        assertClose(ModelFiles.stateDict(model.with(flat: theta)), stateDict(spec["after_\(step)"]!), "\(name) \(optName) after \(step)")
                    }
                }
            }
        }
    }
}
