#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Corpus BLEU-4 as sacrebleu computes it with `tokenize="none"` (its defaults otherwise: exp
/// smoothing, no effective order): sentences are already lists of words, one reference each.
public enum BLEU {
    /// The score (0–100) with the numbers it is made of.
    public struct Score: Equatable, Sendable {
        public var bleu: Double
        /// Modified n-gram precisions in percent, n = 1…4, after smoothing.
        public var precisions: [Double]
        public var brevityPenalty: Double
        public var hypothesisLength: Int
        public var referenceLength: Int
    }

    /// How often each n-gram of order 1…maxOrder occurs in a sentence.
    static func ngramCounts(_ words: [String], maxOrder: Int) -> [[String]: Int] {
        var counts: [[String]: Int] = [:]
        for n in 1...maxOrder where words.count >= n {
            for i in 0...(words.count - n) { counts[Array(words[i..<(i + n)]), default: 0] += 1 }
        }
        return counts
    }

    /// BLEU = BP · exp(mean over n of log p_n), p_n = clipped matching n-grams / hypothesis n-grams summed
    /// over the corpus, BP = exp(1 − r/c) when the hypotheses (c words) are shorter than the references (r).
    /// An order with no match gets p_n = 100 / (2^k · total_n) for the k-th such order; an order with no
    /// n-grams at all ends the precisions there (the rest count as 0, so BLEU is 0), as sacrebleu does.
    public static func corpus(hypotheses: [[String]], references: [[String]], maxOrder: Int = 4) -> Score {
        precondition(hypotheses.count == references.count, "one reference a hypothesis")
        var correct = [Int](repeating: 0, count: maxOrder), total = correct
        var c = 0, r = 0
        for (hyp, ref) in zip(hypotheses, references) {
            c += hyp.count
            r += ref.count
            let refCounts = ngramCounts(ref, maxOrder: maxOrder)
            for (gram, count) in ngramCounts(hyp, maxOrder: maxOrder) {
                total[gram.count - 1] += count
                correct[gram.count - 1] += min(count, refCounts[gram] ?? 0)
            }
        }
        var bp = 1.0
        if c < r { bp = c > 0 ? exp(1 - Double(r) / Double(c)) : 0 }
        var precisions = [Double](repeating: 0, count: maxOrder)
        guard correct.contains(where: { $0 > 0 }) else {
            return Score(bleu: 0, precisions: precisions, brevityPenalty: bp, hypothesisLength: c, referenceLength: r)
        }
        var smooth = 1.0
        for n in 0..<maxOrder {
            if total[n] == 0 { break }
            if correct[n] == 0 {
                smooth *= 2
                precisions[n] = 100 / (smooth * Double(total[n]))
            } else {
                precisions[n] = 100 * Double(correct[n]) / Double(total[n])
            }
        }
        // A zero precision stands for log 0 (sacrebleu floors it at −9999999999): BLEU 0.
        let logMean = precisions.reduce(0) { $0 + ($1 > 0 ? log($1) : -9_999_999_999) } / Double(maxOrder)
        return Score(bleu: bp * exp(logMean), precisions: precisions, brevityPenalty: bp, hypothesisLength: c, referenceLength: r)
    }
}
