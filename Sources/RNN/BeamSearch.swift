/// Decoding a sequence one token at a time from a model's log-probabilities: greedy (beam 1) or
/// beam search, for `translate` and generation. The model is a step function, so the search
/// knows nothing of cells or attention.
public enum BeamSearch {
    /// A finished (or, when the length ran out, unfinished) output.
    public struct Result: Equatable, Sendable {
        /// The chosen tokens, `<eos>` not included.
        public var tokens: [Int]
        /// log p of the tokens (with `<eos>` when it was reached).
        public var logProb: Double
        /// logProb divided by the number of tokens scored (with `<eos>`): what the beams are ranked by.
        public var score: Double
        /// Whether `<eos>` ended it (false: max_length stopped it).
        public var finished: Bool
    }

    /// Keeps the best partial outputs at every step. Each step extends every live output by every
    /// token and keeps the `beam − finished` best; an output that chose `eos` is set aside as
    /// finished (so the beam narrows as outputs finish). The search ends when `beam` outputs have
    /// finished or after `maxLength` tokens; the best by length-normalised
    /// log-probability (log p / tokens) wins, so long outputs are not penalised for their length.
    /// Equal scores are broken by the smaller token ids, so the result never depends on order.
    /// With `beam` 1 this is greedy decoding: the most likely token at every step.
    public static func search<State>(initial: State, bos: Int, eos: Int, beam: Int, maxLength: Int,
                                     step: (State, Int) throws -> (logProbs: [Double], state: State)) rethrows -> Result {
        precondition(beam >= 1 && maxLength >= 1)
        var live = [Live<State>(tokens: [], logProb: 0, state: initial)]
        var finished: [Result] = []
        for _ in 0..<maxLength {
            var candidates: [(from: Int, token: Int, logProb: Double, state: State)] = []
            for (b, l) in live.enumerated() {
                let (logProbs, next) = try step(l.state, l.tokens.last ?? bos)
                for (v, lp) in logProbs.enumerated() where lp > -Double.infinity {
                    candidates.append((b, v, l.logProb + lp, next))
                }
            }
            // Best first; ties to the earlier beam, then the smaller token.
            candidates.sort { $0.logProb != $1.logProb ? $0.logProb > $1.logProb : ($0.from != $1.from ? $0.from < $1.from : $0.token < $1.token) }
            // The best `beam − finished` candidates go on; those that chose <eos> are set aside.
            var nextLive: [Live<State>] = []
            for c in candidates.prefix(beam - finished.count) {
                let tokens = live[c.from].tokens
                if c.token == eos {
                    finished.append(Result(tokens: tokens, logProb: c.logProb, score: c.logProb / Double(tokens.count + 1), finished: true))
                } else {
                    nextLive.append(Live(tokens: tokens + [c.token], logProb: c.logProb, state: c.state))
                }
            }
            live = nextLive
            if finished.count >= beam || live.isEmpty { break }
        }
        var pool = finished
        if pool.isEmpty {
            pool = live.map { Result(tokens: $0.tokens, logProb: $0.logProb, score: $0.logProb / Double(max(1, $0.tokens.count)), finished: false) }
        }
        return pool.min { $0.score != $1.score ? $0.score > $1.score : $0.tokens.lexicographicallyPrecedes($1.tokens) }!
    }

    /// A partial output still being extended.
    struct Live<State> {
        var tokens: [Int]
        var logProb: Double
        var state: State
    }
}
