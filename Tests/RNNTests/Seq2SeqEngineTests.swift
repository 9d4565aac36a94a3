import Foundation
import XCTest
@testable import RNN

/// The batched seq2seq engine against the readable reference (its oracle) and the twin's fixtures.
final class Seq2SeqEngineTests: XCTestCase {
    func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/seq2seq_fixtures.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func model(_ root: [String: Any], _ c: [String: Any]) -> Seq2Seq {
        let config = Seq2Seq.Config(sourceVocab: root["source_vocab"] as! Int, targetVocab: root["target_vocab"] as! Int,
                                    embed: root["embed"] as! Int, hidden: root["hidden"] as! Int, layers: c["layers"] as! Int,
                                    attention: c["attention"] as! Bool, cell: Seq2SeqCell(rawValue: c["cell"] as? String ?? "gru")!)
        let parameters = c["parameters"] as! [String: [Double]]
        return Seq2Seq(config: config, theta: config.specs.flatMap { parameters[$0.name]! })
    }

    func what(_ c: [String: Any]) -> String { "cell=\(c["cell"] ?? "gru") attention=\(c["attention"]!) layers=\(c["layers"]!)" }

    func engineGradient(_ m: Seq2Seq, _ batch: [(source: [Int], target: [Int])], bos: Int,
                        teacher: (Int, Int) -> Bool = { _, _ in true }) -> (Double, [Double]) {
        var g = [Double](repeating: 0, count: m.theta.count)
        let loss = Seq2SeqEngine(m.config).lossAndGradient(m, batch, bos: bos, teacher: teacher, into: &g)
        return (loss, g)
    }

    /// Loss, every gradient, and the weights after 1 and 3 sgd and adam steps, on the twin's ragged batch.
    func testMatchesTheTwinsFixtures() throws {
        let root = try fixture()
        let pairs = (root["pairs"] as! [[[Int]]]).map { (source: $0[0], target: $0[1]) }
        let bos = root["bos"] as! Int
        for c in root["cases"] as! [[String: Any]] {
            let m = model(root, c)
            let (loss, g) = engineGradient(m, pairs, bos: bos)
            XCTAssertEqual(loss, c["loss"] as! Double, accuracy: 1e-12, what(c))
            let want = c["gradients"] as! [String: [Double]]
            var at = 0
            for spec in m.config.specs {
                for (k, y) in want[spec.name]!.enumerated() { XCTAssertEqual(g[at + k], y, accuracy: 1e-10, "\(what(c)) ∂\(spec.name)[\(k)]") }
                at += spec.count
            }
            let feed = c["feed"] as! [[Bool]]
            let (fl, fg) = engineGradient(m, pairs, bos: bos) { e, t in feed[e][t] }
            XCTAssertEqual(fl, c["feed_loss"] as! Double, accuracy: 1e-12, what(c))
            let fwant = c["feed_gradients"] as! [String: [Double]]
            at = 0
            for spec in m.config.specs {
                for (k, y) in fwant[spec.name]!.enumerated() { XCTAssertEqual(fg[at + k], y, accuracy: 1e-10, "\(what(c)) fed ∂\(spec.name)[\(k)]") }
                at += spec.count
            }
            let engine = Seq2SeqEngine(m.config)
            for (kind, name) in [(OptimizerKind.sgd, "sgd"), (.adam, "adam")] {
                var theta = m.theta, grad = theta
                var opt = Optimizer(kind, lr: kind == .sgd ? 0.1 : 0.01, count: theta.count)
                for step in 1...3 {
                    _ = engine.lossAndGradient(Seq2Seq(config: m.config, theta: theta), pairs, bos: bos, into: &grad)
                    opt.step(&theta, grad)
                    guard step != 2 else { continue }
                    let weights = (c["steps"] as! [String: [String: [Double]]])["\(name)_\(step)"]!
                    let expected = m.config.specs.flatMap { weights[$0.name]! }
                    for (k, (x, y)) in zip(theta, expected).enumerated() { XCTAssertEqual(x, y, accuracy: 1e-9, "\(what(c)) \(name) step \(step) θ[\(k)]") }
                }
            }
        }
    }

    /// Larger random ragged batches (ties in length, a one-token source, rows in no length order),
    /// every shape of model, with and without fed-back predictions: engine = reference to 1e-9.
    func testMatchesTheReferenceOnRaggedBatches() {
        var rng = SplitMix64(seed: 11)
        for cell in Seq2SeqCell.allCases {
            for attention in [true, false] {
                for layers in [1, 2] {
                    let config = Seq2Seq.Config(sourceVocab: 9, targetVocab: 10, embed: 5, hidden: 6, layers: layers, attention: attention, cell: cell)
                    let m = Seq2Seq.initialized(config, seed: 3)
                    let lengths = [(3, 2), (1, 5), (6, 1), (3, 4), (5, 3), (6, 6), (2, 2)]
                    let batch = lengths.map { (s, t) in
                        (source: (0..<s).map { _ in 1 + Int(rng.uniform() * 8) }, target: (0..<t).map { _ in 2 + Int(rng.uniform() * 8) })
                    }
                    let feed = batch.map { p in p.target.map { _ in rng.uniform() < 0.6 } }
                    for teacher in [{ (_: Int, _: Int) in true }, { (e: Int, t: Int) in feed[e][t] }] {
                        let want = m.lossAndGradient(batch, bos: 1, teacher: teacher)
                        let (loss, g) = engineGradient(m, batch, bos: 1, teacher: teacher)
                        let label = "cell=\(cell) attention=\(attention) layers=\(layers)"
                        XCTAssertEqual(loss, want.loss, accuracy: 1e-12, label)
                        for k in g.indices { XCTAssertEqual(g[k], want.gradient[k], accuracy: 1e-9, "\(label) θ[\(k)]") }
                    }
                }
            }
        }
    }

    /// One workspace serves batches of different shapes in turn (the last, smaller batch of an epoch).
    func testWorkspaceReusedAcrossShapes() {
        let config = Seq2Seq.Config(sourceVocab: 9, targetVocab: 10, embed: 4, hidden: 5, layers: 2, attention: true)
        let m = Seq2Seq.initialized(config, seed: 5)
        let engine = Seq2SeqEngine(config)
        let big: [(source: [Int], target: [Int])] = [([1, 2, 3, 4], [3, 4, 2]), ([5, 6], [7, 2]), ([8], [9, 9, 9, 2])]
        let small: [(source: [Int], target: [Int])] = [([2, 3], [4, 2])]
        var g = m.theta
        for batch in [big, small, big] {
            let loss = engine.lossAndGradient(m, batch, bos: 1, into: &g)
            let want = m.lossAndGradient(batch, bos: 1)
            XCTAssertEqual(loss, want.loss, accuracy: 1e-12)
            for k in g.indices { XCTAssertEqual(g[k], want.gradient[k], accuracy: 1e-9) }
        }
    }
}
