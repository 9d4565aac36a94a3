/// Entity-level scoring of BIO tag sequences, as conlleval and seqeval (default mode) count it:
/// an entity is a `B-X` followed by the `I-X` after it, and it is right only when its whole span
/// and its type match a gold entity. An `I-X` that does not continue an X (after `O`, another
/// type, or at the start) is invalid BIO; it is read as starting an entity of X, as conlleval does.
public enum Entities {
    /// One entity: its type and the words it covers, `start..<end`.
    public struct Span: Hashable, Sendable {
        public var type: String
        public var start: Int
        public var end: Int
        public init(type: String, start: Int, end: Int) {
            self.type = type
            self.start = start
            self.end = end
        }
    }

    /// True when every tag is `O`, `B-X` or `I-X` and at least one is not `O`.
    public static func isBIO(_ tagNames: [String]) -> Bool {
        tagNames.allSatisfy { $0 == "O" || (($0.hasPrefix("B-") || $0.hasPrefix("I-")) && $0.count > 2) } && tagNames.contains { $0 != "O" }
    }

    /// The entities of one tag sequence, in order.
    public static func spans(_ tags: [String]) -> [Span] {
        var out: [Span] = []
        var open: Span?
        for (t, tag) in tags.enumerated() {
            let type = String(tag.dropFirst(2))
            if tag.hasPrefix("I-"), var o = open, o.type == type {
                o.end = t + 1
                open = o
                continue
            }
            if let o = open { out.append(o) }
            open = tag.hasPrefix("B-") || tag.hasPrefix("I-") ? Span(type: type, start: t, end: t + 1) : nil
        }
        if let o = open { out.append(o) }
        return out
    }

    /// Whether a sequence breaks BIO: an `I-X` not right after `B-X` or `I-X`.
    public static func isInvalid(_ tags: [String]) -> Bool {
        for (t, tag) in tags.enumerated() where tag.hasPrefix("I-") {
            let type = tag.dropFirst(2)
            guard t > 0, tags[t - 1] == "B-" + type || tags[t - 1] == "I-" + type else { return true }
        }
        return false
    }

    /// What `predict` reports for a tagger on BIO data.
    public struct Score: Equatable, Sendable {
        /// Entities predicted, in the gold tags, and both (same span and type).
        public var predicted: Int
        public var gold: Int
        public var correct: Int
        /// Predicted sequences that break BIO, of `sequences`.
        public var invalidSequences: Int
        public var sequences: Int
        /// correct / predicted, correct / gold (0 when there is nothing to divide by), and their harmonic mean.
        public var precision: Double { predicted > 0 ? Double(correct) / Double(predicted) : 0 }
        public var recall: Double { gold > 0 ? Double(correct) / Double(gold) : 0 }
        public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
    }

    /// Scores predicted tag sequences against gold ones (the same lengths, sentence by sentence).
    public static func score(predicted: [[String]], gold: [[String]]) -> Score {
        precondition(predicted.count == gold.count, "expected one predicted sequence per gold one")
        var s = Score(predicted: 0, gold: 0, correct: 0, invalidSequences: 0, sequences: predicted.count)
        for (p, g) in zip(predicted, gold) {
            let ps = spans(p), gs = Set(spans(g))
            s.predicted += ps.count
            s.gold += gs.count
            s.correct += ps.filter { gs.contains($0) }.count
            if isInvalid(p) { s.invalidSequences += 1 }
        }
        return s
    }
}
