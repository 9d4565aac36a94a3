import XCTest
@testable import RNN

/// Beam search on a small Markov model whose every output can be enumerated.
final class BeamSearchTests: XCTestCase {
    /// Tokens 0 (<eos>), 1, 2, 3; bos is 4. p(next | last) from a fixed table, in log space.
    let table: [[Double]] = [
        [1, 0, 0, 0],          // after <eos> (never used)
        [0.10, 0.05, 0.45, 0.40],
        [0.50, 0.30, 0.10, 0.10],
        [0.05, 0.05, 0.10, 0.80],
        [0.02, 0.48, 0.00, 0.50],  // after <bos>
    ]

    func step(_ state: Int, _ last: Int) -> (logProbs: [Double], state: Int) {
        (table[last].map { $0 > 0 ? log($0) : -Double.infinity }, state + 1)
    }

    /// Every output of up to `maxLength` tokens ending in <eos>, with its log p.
    func enumerate(maxLength: Int) -> [(tokens: [Int], logProb: Double)] {
        var out: [([Int], Double)] = []
        var partial: [([Int], Double)] = [([], 0)]
        for _ in 0..<maxLength {
            var next: [([Int], Double)] = []
            for (tokens, lp) in partial {
                let logProbs = step(0, tokens.last ?? 4).logProbs
                for (v, l) in logProbs.enumerated() where l > -Double.infinity {
                    if v == 0 { out.append((tokens, lp + l)) } else { next.append((tokens + [v], lp + l)) }
                }
            }
            partial = next
        }
        return out
    }

    func testGreedyIsTheMostLikelyTokenEachStep() {
        let r = BeamSearch.search(initial: 0, bos: 4, eos: 0, beam: 1, maxLength: 10, step: step)
        // After <bos>: 3 (0.5); after 3: 3 (0.8) again and again until max_length.
        XCTAssertEqual(r.tokens, [Int](repeating: 3, count: 10))
        XCTAssertFalse(r.finished)
        var tokens: [Int] = [], last = 4
        for _ in 0..<10 {
            let lp = step(0, last).logProbs
            let best = lp.indices.max { lp[$0] < lp[$1] }!
            if best == 0 { break }
            tokens.append(best)
            last = best
        }
        XCTAssertEqual(r.tokens, tokens)
    }

    func testAWideBeamFindsTheBestNormalisedOutput() {
        let L = 5
        let all = enumerate(maxLength: L)
        let best = all.max { a, b in
            let sa = a.logProb / Double(a.tokens.count + 1), sb = b.logProb / Double(b.tokens.count + 1)
            return sa != sb ? sa < sb : !a.tokens.lexicographicallyPrecedes(b.tokens)
        }!
        let r = BeamSearch.search(initial: 0, bos: 4, eos: 0, beam: 1000, maxLength: L, step: step)
        XCTAssertTrue(r.finished)
        XCTAssertEqual(r.tokens, best.tokens)
        XCTAssertEqual(r.logProb, best.logProb, accuracy: 1e-12)
        XCTAssertEqual(r.score, best.logProb / Double(best.tokens.count + 1), accuracy: 1e-12)
    }

    func testABeamOfTwoBeatsGreedyHere() {
        // Greedy takes 3 then loops on 3 and never ends; a beam of 2 keeps 1 → 2 → <eos> (0.48·0.45·0.5 over 3 tokens).
        let greedy = BeamSearch.search(initial: 0, bos: 4, eos: 0, beam: 1, maxLength: 4, step: step)
        let two = BeamSearch.search(initial: 0, bos: 4, eos: 0, beam: 2, maxLength: 4, step: step)
        XCTAssertEqual(two.tokens, [1, 2])
        XCTAssertTrue(two.finished)
        XCTAssertEqual(two.logProb, log(0.48) + log(0.45) + log(0.5), accuracy: 1e-12)
        XCTAssertFalse(greedy.finished)
        XCTAssertEqual(greedy.tokens, [3, 3, 3, 3])
        // The state is threaded through: the step sees each output's own count of steps.
        var seen: [Int] = []
        _ = BeamSearch.search(initial: 0, bos: 4, eos: 0, beam: 1, maxLength: 3) { (s: Int, last: Int) in seen.append(s); return step(s, last) }
        XCTAssertEqual(seen, [0, 1, 2])
    }
}
