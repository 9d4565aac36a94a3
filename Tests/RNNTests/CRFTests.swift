import Foundation
import XCTest
@testable import RNN

/// The CRF against pytorch-crf (committed fixtures), brute-force enumeration and finite differences.
final class CRFTests: XCTestCase {
    struct Case {
        var crf: CRF
        var emissions: [[[Double]]]
        var gold: [[Int]]
        var json: [String: Any]
    }

    func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/crf_fixtures.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (root["cases"] as! [[String: Any]]).map { c in
            let K = c["tags"] as! Int
            let crf = CRF(tags: K, transitions: (c["transitions"] as! [[Double]]).flatMap { $0 },
                          start: c["start_transitions"] as! [Double], end: c["end_transitions"] as! [Double])
            return Case(crf: crf, emissions: c["emissions"] as! [[[Double]]], gold: c["gold"] as! [[Int]], json: c)
        }
    }

    func assertClose(_ a: [Double], _ b: [Double], _ tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() { XCTAssertEqual(x, y, accuracy: tolerance, "\(what)[\(i)]", file: file, line: line) }
    }

    func testMatchesPytorchCRF() throws {
        for (n, c) in try cases().enumerated() {
            let logZ = c.json["log_z"] as! [Double]
            for (b, e) in c.emissions.enumerated() {
                XCTAssertEqual(c.crf.forward(emissions: e).logZ, logZ[b], accuracy: 1e-12, "case \(n) sentence \(b) log Z")
            }
            let (loss, g) = c.crf.loss(Array(zip(c.emissions, c.gold)).map { (emissions: $0.0, tags: $0.1) })
            XCTAssertEqual(loss, c.json["loss"] as! Double, accuracy: 1e-12, "case \(n) loss")
            assertClose(g.transitions, (c.json["grad_transitions"] as! [[Double]]).flatMap { $0 }, 1e-12, "case \(n) ∂transitions")
            assertClose(g.start, c.json["grad_start"] as! [Double], 1e-12, "case \(n) ∂start")
            assertClose(g.end, c.json["grad_end"] as! [Double], 1e-12, "case \(n) ∂end")
            for (b, want) in (c.json["grad_emissions"] as! [[[Double]]]).enumerated() {
                assertClose(g.emissions[b].flatMap { $0 }, want.flatMap { $0 }, 1e-12, "case \(n) sentence \(b) ∂emissions")
            }
            let paths = c.json["viterbi"] as! [[Int]]
            for (b, e) in c.emissions.enumerated() { XCTAssertEqual(c.crf.viterbi(emissions: e).path, paths[b], "case \(n) sentence \(b) Viterbi") }
        }
    }

    /// Every path of K^T, for sentences short enough to enumerate.
    func allPaths(_ K: Int, _ T: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        for _ in 0..<T { out = out.flatMap { p in (0..<K).map { p + [$0] } } }
        return out
    }

    func randomCRF(_ K: Int, _ rng: inout SplitMix64) -> CRF {
        func u() -> Double { Double(rng.next() % 2_000_001) / 1_000_000 - 1 }
        return CRF(tags: K, transitions: (0..<(K * K)).map { _ in u() * 2 }, start: (0..<K).map { _ in u() }, end: (0..<K).map { _ in u() })
    }

    func testLogZAndViterbiAgainstEnumeration() {
        var rng = SplitMix64(seed: 3)
        for (K, T) in [(2, 1), (3, 2), (3, 4), (4, 5), (2, 7)] {
            let crf = randomCRF(K, &rng)
            let e = (0..<T).map { _ in (0..<K).map { _ in Double(rng.next() % 4_000_001) / 1_000_000 - 2 } }
            let scores = allPaths(K, T).map { ($0, crf.score(emissions: e, path: $0)) }
            XCTAssertEqual(crf.forward(emissions: e).logZ, CRF.logSumExp(scores.map(\.1)), accuracy: 1e-12, "K=\(K) T=\(T)")
            let best = scores.max { $0.1 < $1.1 }!
            let v = crf.viterbi(emissions: e)
            XCTAssertEqual(v.path, best.0, "K=\(K) T=\(T)")
            XCTAssertEqual(v.score, best.1, accuracy: 1e-12)
            // α and β agree on log Z at every step: logsumexp_j(α_t[j] + β_t[j]) = log Z.
            let (alpha, logZ) = crf.forward(emissions: e)
            let beta = crf.backward(emissions: e)
            for t in 0..<T { XCTAssertEqual(CRF.logSumExp(zip(alpha[t], beta[t]).map { $0 + $1 }), logZ, accuracy: 1e-12) }
        }
    }

    func testGradientsAgainstFiniteDifferences() {
        var rng = SplitMix64(seed: 11)
        let K = 3
        let crf = randomCRF(K, &rng)
        let batch: [(emissions: [[Double]], tags: [Int])] = [(4, [0, 2, 2, 1]), (1, [2]), (3, [1, 1, 0])].map { T, tags in
            ((0..<T).map { _ in (0..<K).map { _ in Double(rng.next() % 2_000_001) / 1_000_000 - 1 } }, tags)
        }
        let g = crf.loss(batch).gradient
        let h = 1e-6
        func numeric(_ change: (inout CRF, Double) -> Void) -> Double {
            var plus = crf, minus = crf
            change(&plus, h)
            change(&minus, -h)
            return (plus.loss(batch).loss - minus.loss(batch).loss) / (2 * h)
        }
        for k in 0..<(K * K) { XCTAssertEqual(g.transitions[k], numeric { $0.transitions[k] += $1 }, accuracy: 1e-8, "∂transitions[\(k)]") }
        for k in 0..<K {
            XCTAssertEqual(g.start[k], numeric { $0.start[k] += $1 }, accuracy: 1e-8, "∂start[\(k)]")
            XCTAssertEqual(g.end[k], numeric { $0.end[k] += $1 }, accuracy: 1e-8, "∂end[\(k)]")
        }
        for (b, e) in batch.map(\.emissions).enumerated() {
            for t in 0..<e.count {
                for j in 0..<K {
                    var plus = batch, minus = batch
                    plus[b].emissions[t][j] += h
                    minus[b].emissions[t][j] -= h
                    let fd = (crf.loss(plus).loss - crf.loss(minus).loss) / (2 * h)
                    XCTAssertEqual(g.emissions[b][t][j], fd, accuracy: 1e-8, "∂e sentence \(b) t=\(t) tag \(j)")
                }
            }
        }
        // The same inputs give the same bits.
        XCTAssertEqual(crf.loss(batch).gradient, g)
    }
}
