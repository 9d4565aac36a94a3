#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jupyter
import Plot
import RNN
import Store

/// The teaching views of a `crf=true` tagger: its transitions with tag names on both axes, and
/// `unroll` on a sentence: emissions, the forward algorithm to log Z, path scores, and Viterbi.
extension StatementContext {
    /// The tag names of a CRF tagger: those of the tagged data it was trained on, else 0 … K−1.
    func tagLabels(_ entry: ModelEntry) -> [String] {
        let K = entry.model.config.outputWidth
        if let t = entry.labels, t.count == K { return t }
        return (0..<K).map(String.init)
    }

    /// `show NAME.transitions` (from-tag rows, to-tag columns) or its start/end scores, labelled by tag.
    func crfParameterBundle(_ m: String, _ p: String, _ entry: ModelEntry, _ t: Tensor) -> MimeBundle {
        let tags = tagLabels(entry)
        func n(_ v: Double) -> String { NumberFormat.short(v, decimals: 4) }
        if p == "transitions" {
            let K = tags.count
            let rows = (0..<K).map { i in [tags[i]] + (0..<K).map { n(t.values[i * K + $0]) } }
            return tableBundle(Table(title: "\(m).transitions (\(t.shapeText)): the score of tag i (row) followed by tag j (column)",
                                     headers: ["from \\ to"] + tags, rows: rows, alignments: [.left] + tags.map { _ in .right }))
        }
        let what = p == "start_transitions" ? "the score of starting a sentence with each tag" : "the score of ending a sentence with each tag"
        return tableBundle(Table(title: "\(m).\(p) (\(t.shapeText)): \(what)", headers: tags, rows: [t.values.map(n)],
                                 alignments: tags.map { _ in .right }))
    }

    /// One sentence of a tagged dataset as the model reads it: x_t one-hot over the model's own
    /// words (those it was trained on), its words, and its gold tags when the tag names agree.
    func crfSentence(_ d: Dataset, _ entry: ModelEntry, at range: SourceRange) throws -> (x: [[Double]], words: [String], gold: [Int]?) {
        guard d.count == 1 else {
            throw Diagnostic(.value, "unroll shows one sentence at a time: expected a dataset of one sentence, found \(d.count) (make one with tagged([[\"...\", \"...\"]]))", at: range)
        }
        guard let vocab = d.inputVocabulary else { return (d.inputs[0], d.inputs[0].indices.map { "x_\($0 + 1)" }, nil) }
        let words = d.inputs[0].map { step in step.firstIndex(of: 1).map { vocab[$0] } ?? "?" }
        var x = d.inputs[0]
        if let own = entry.vocab?.words, own != vocab {
            // Re-read the words in the vocabulary the model was trained on.
            let index = Dictionary(own.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            // A list's words are lowercased, a file's kept as written: match either way.
            let lower = Dictionary(own.enumerated().map { ($1.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            x = try words.map { w in
                guard let k = index[w] ?? lower[w.lowercased()] else {
                    throw Diagnostic(.value, "'\(w)' is not among the \(own.count) words the model was trained on, so it has no x_t", at: range)
                }
                return (0..<own.count).map { $0 == k ? 1.0 : 0.0 }
            }
        }
        var gold: [Int]?
        if case let .classSequences(c) = d.targets, let names = d.classNames {
            let tags = tagLabels(entry)
            gold = c[0].compactMap { tags.firstIndex(of: names[$0]) }
            if gold?.count != words.count { gold = nil }
        }
        return (x, words, gold)
    }

    /// The CRF's tables for one sentence: emissions, α_t to log Z, the path scores, δ_t with ψ_t.
    func crfTables(_ name: String, _ entry: ModelEntry, emissions e: [[Double]], words: [String], gold: [Int]?) throws -> [MimeBundle] {
        guard let crf = entry.model.crf else { return [] }
        let tags = tagLabels(entry), K = tags.count, T = e.count
        func n(_ v: Double) -> String { NumberFormat.short(v, decimals: 4) }
        func word(_ t: Int) -> String { t < words.count ? words[t] : "" }
        var out: [MimeBundle] = []
        let right: [Alignment] = tags.map { _ in .right }
        out.append(tableBundle(Table(title: "\(name): emission scores e_t = y_t (W_hy h_t + b_y), one a word and tag",
                                     headers: ["t", "word"] + tags + (gold == nil ? [] : ["gold"]),
                                     rows: (0..<T).map { t in [String(t + 1), word(t)] + e[t].map(n) + (gold.map { [tags[$0[t]]] } ?? []) },
                                     alignments: [.right, .left] + right + (gold == nil ? [] : [.left]))))
        let (alpha, logZ) = crf.forward(emissions: e)
        var aRows = (0..<T).map { t in [String(t + 1), word(t)] + alpha[t].map(n) }
        aRows.append(["", "+ end"] + (0..<K).map { n(alpha[T - 1][$0] + crf.end[$0]) })
        out.append(tableBundle(Table(title: "\(name): forward algorithm · α_1 = start + e_1, α_t[j] = logsumexp_i(α_{t-1}[i] + A[i,j]) + e_t[j] · log Z = logsumexp_j(α_T[j] + end[j]) = \(n(logZ))",
                                     headers: ["t", "word"] + tags.map { "α_t[\($0)]" }, rows: aRows, alignments: [.right, .left] + right)))
        let v = crf.viterbi(emissions: e)
        var scores: [[String]] = []
        if let gold {
            let s = crf.score(emissions: e, path: gold)
            scores.append(["gold", gold.map { tags[$0] }.joined(separator: " "), n(s), n(s - logZ), NumberFormat.short(exp(s - logZ), decimals: 6)])
        }
        scores.append(["best (Viterbi)", v.path.map { tags[$0] }.joined(separator: " "), n(v.score), n(v.score - logZ), NumberFormat.short(exp(v.score - logZ), decimals: 6)])
        out.append(tableBundle(Table(title: "\(name): path scores · s(y) = start[y_1] + Σ e_t[y_t] + Σ A[y_{t-1}, y_t] + end[y_T], log p(y) = s(y) − log Z",
                                     headers: ["path", "tags", "s(y)", "log p(y)", "p(y)"], rows: scores, alignments: [.left, .left, .right, .right, .right])))
        let dRows = (0..<T).map { t in
            [String(t + 1), word(t)] + (0..<K).map { j in t == 0 ? n(v.delta[t][j]) : "\(n(v.delta[t][j])) ← \(tags[v.backPointers[t - 1][j]])" } + [tags[v.path[t]]]
        }
        out.append(tableBundle(Table(title: "\(name): Viterbi · δ_t[j] = max_i(δ_{t-1}[i] + A[i,j]) + e_t[j], ← the best previous tag ψ_t[j] · the path ends at argmax_j(δ_T[j] + end[j]) and follows ← back",
                                     headers: ["t", "word"] + tags.map { "δ_t[\($0)]" } + ["path"], rows: dRows, alignments: [.right, .left] + right + [.left])))
        return out
    }
}
