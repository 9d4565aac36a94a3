import Foundation
import XCTest
@testable import RNN

/// The seq2seq reference against its PyTorch twin (committed fixtures) and finite differences.
final class Seq2SeqTests: XCTestCase {
    struct Fixture {
        var root: [String: Any]
        var cases: [[String: Any]]
        var pairs: [(source: [Int], target: [Int])]
        var bos: Int
    }

    func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/seq2seq_fixtures.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let pairs = (root["pairs"] as! [[[Int]]]).map { (source: $0[0], target: $0[1]) }
        return Fixture(root: root, cases: root["cases"] as! [[String: Any]], pairs: pairs, bos: root["bos"] as! Int)
    }

    func model(_ f: Fixture, _ c: [String: Any]) -> Seq2Seq {
        let config = Seq2Seq.Config(sourceVocab: f.root["source_vocab"] as! Int, targetVocab: f.root["target_vocab"] as! Int,
                                    embed: f.root["embed"] as! Int, hidden: f.root["hidden"] as! Int,
                                    layers: c["layers"] as! Int, attention: c["attention"] as! Bool,
                                    cell: Seq2SeqCell(rawValue: c["cell"] as! String)!)
        let parameters = c["parameters"] as! [String: [Double]]
        XCTAssertEqual(config.specs.map(\.name), c["order"] as! [String], "parameter names and order are the twin's state dict")
        return Seq2Seq(config: config, theta: config.specs.flatMap { parameters[$0.name]! })
    }

    func testMatchesTheTwin() throws {
        let f = try fixture()
        for c in f.cases {
            let what = "cell=\(c["cell"]!) attention=\(c["attention"]!) layers=\(c["layers"]!)"
            let m = model(f, c)
            let (loss, g) = m.lossAndGradient(f.pairs, bos: f.bos)
            XCTAssertEqual(loss, c["loss"] as! Double, accuracy: 1e-12, what)
            let want = c["gradients"] as! [String: [Double]]
            var at = 0
            for spec in m.config.specs {
                for (k, y) in want[spec.name]!.enumerated() { XCTAssertEqual(g[at + k], y, accuracy: 1e-12, "\(what) ∂\(spec.name)[\(k)]") }
                at += spec.count
            }
            for (kind, name) in [(OptimizerKind.sgd, "sgd"), (.adam, "adam")] {
                var theta = m.theta
                var opt = Optimizer(kind, lr: kind == .sgd ? 0.1 : 0.01, count: theta.count)
                for step in 1...3 {
                    let grad = Seq2Seq(config: m.config, theta: theta).lossAndGradient(f.pairs, bos: f.bos).gradient
                    opt.step(&theta, grad)
                    guard step != 2 else { continue }
                    let weights = (c["steps"] as! [String: [String: [Double]]])["\(name)_\(step)"]!
                    let expected = m.config.specs.flatMap { weights[$0.name]! }
                    for (k, (x, y)) in zip(theta, expected).enumerated() { XCTAssertEqual(x, y, accuracy: 1e-9, "\(what) \(name) step \(step) θ[\(k)]") }
                }
            }
        }
    }

    /// teacher_forcing < 1: a step not fed the true word reads the model's own most likely word, as the twin's torch.where(feed, y, argmax).
    func testOwnPredictionsFedBackMatchTheTwin() throws {
        let f = try fixture()
        for c in f.cases {
            let m = model(f, c)
            let feed = c["feed"] as! [[Bool]]
            let (loss, g) = m.lossAndGradient(f.pairs, bos: f.bos) { e, t in feed[e][t] }
            let what = "cell=\(c["cell"]!) attention=\(c["attention"]!) layers=\(c["layers"]!)"
            XCTAssertEqual(loss, c["feed_loss"] as! Double, accuracy: 1e-12, what)
            let want = c["feed_gradients"] as! [String: [Double]]
            var at = 0
            for spec in m.config.specs {
                for (k, y) in want[spec.name]!.enumerated() { XCTAssertEqual(g[at + k], y, accuracy: 1e-12, "\(what) ∂\(spec.name)[\(k)]") }
                at += spec.count
            }
        }
    }

    /// The training loop of `train` (shuffling, batches, the optimizer) against the twin's three steps on the whole batch.
    func testTrainingLoopMatchesTheTwinsSteps() throws {
        let f = try fixture()
        for c in f.cases {
            let m = model(f, c)
            for (kind, name, lr) in [(OptimizerKind.sgd, "sgd", 0.1), (.adam, "adam", 0.01)] {
                var s = Seq2Seq.TrainSettings()
                s.epochs = 3
                s.batch = f.pairs.count
                s.optimizer = kind
                s.lr = lr
                s.seed = 7
                let r = m.train(f.pairs, s, progress: { _ in }, shouldStop: { false })
                XCTAssertEqual(r.outcome, .completed)
                XCTAssertEqual(r.losses.count, 3)
                XCTAssertEqual(r.losses[0], c["loss"] as! Double, accuracy: 1e-12)
                let weights = (c["steps"] as! [String: [String: [Double]]])["\(name)_3"]!
                let expected = m.config.specs.flatMap { weights[$0.name]! }
                for (k, (x, y)) in zip(r.model.theta, expected).enumerated() {
                    XCTAssertEqual(x, y, accuracy: 1e-9, "cell=\(c["cell"]!) attention=\(c["attention"]!) layers=\(c["layers"]!) \(name) θ[\(k)]")
                }
            }
        }
    }

    func testGradientsAgainstFiniteDifferences() throws {
        let f = try fixture()
        // The two-layer cases hold every kind of parameter (and the one-layer ones match the twin above).
        for c in f.cases where c["layers"] as! Int == 2 {
            let m = model(f, c)
            let g = m.lossAndGradient(f.pairs, bos: f.bos).gradient
            let h = 1e-6
            // Every parameter of the small model: embeddings, both GRUs or LSTMs, attention, the output layer.
            for k in 0..<m.theta.count {
                var plus = m.theta, minus = m.theta
                plus[k] += h
                minus[k] -= h
                let fd = (Seq2Seq(config: m.config, theta: plus).lossAndGradient(f.pairs, bos: f.bos).loss
                          - Seq2Seq(config: m.config, theta: minus).lossAndGradient(f.pairs, bos: f.bos).loss) / (2 * h)
                XCTAssertEqual(g[k], fd, accuracy: 1e-7, "cell=\(c["cell"]!) attention=\(c["attention"]!) layers=\(c["layers"]!) θ[\(k)]")
            }
        }
    }

    func testAttentionWeightsAreADistributionOverTheSource() throws {
        let f = try fixture()
        let m = model(f, f.cases[0])
        let trace = m.forward(source: [3, 4, 5, 6], target: [3, 6, 2], bos: f.bos)
        XCTAssertEqual(trace.weights.count, 3)
        for a in trace.weights {
            XCTAssertEqual(a.count, 4)
            XCTAssertEqual(a.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertTrue(a.allSatisfy { $0 > 0 })
        }
    }
}
