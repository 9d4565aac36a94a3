/// Sentence pairs for a seq2seq model (language.md "Translation: seq2seq"): words, not yet ids,
/// so that the model's own vocabularies encode them.
public struct TranslationData: Equatable, Sendable {
    /// One source sentence and its translation, split into words.
    public struct Pair: Equatable, Sendable {
        public var source: [String]
        public var target: [String]
        public init(source: [String], target: [String]) {
            self.source = source
            self.target = target
        }
    }

    /// How it was made, as the user would write it.
    public var summary: String
    public var pairs: [Pair]

    public init(summary: String, pairs: [Pair]) {
        self.summary = summary
        self.pairs = pairs
    }

    public var count: Int { pairs.count }

    /// `translation([[source, target], …])`: words split on whitespace, lowercased unless `lower` is false.
    public static func from(_ texts: [(source: String, target: String)], lower: Bool = true, summary: String? = nil) throws -> TranslationData {
        guard !texts.isEmpty else { throw ModelError(.value, "expected at least one [source, target] pair") }
        var pairs: [Pair] = []
        var ids = 0
        for (i, t) in texts.enumerated() {
            pairs.append(try pair(t.source, t.target, lower: lower, at: "pair \(i + 1)", ids: &ids))
        }
        return TranslationData(summary: summary ?? defaultSummary(pairs), pairs: pairs)
    }

    /// "translation(N pairs, M words)": what `show` calls pairs written out in a cell.
    static func defaultSummary(_ pairs: [Pair]) -> String {
        let words = Set(pairs.flatMap { $0.source + $0.target })
        return "translation(\(Wording.counted(pairs.count, "pair")), \(Wording.counted(words.count, "word")))"
    }

    /// One pair split into words, neither side empty. `ids` counts, pair by pair, the ids training
    /// holds for what has been read (the source's words; the target's, with <bos> before them as
    /// the decoder's input and with <eos> after them as its output), and passing the dataset limit
    /// stops the reading there, before a 100 MB file of short pairs fills gigabytes with words.
    static func pair(_ source: some StringProtocol, _ target: some StringProtocol, lower: Bool, at place: @autoclosure () -> String, ids: inout Int) throws -> Pair {
        let p = Pair(source: Datasets.words(String(source), lower: lower), target: Datasets.words(String(target), lower: lower))
        if p.source.isEmpty { throw ModelError(.value, "\(place()) has an empty source sentence") }
        if p.target.isEmpty { throw ModelError(.value, "\(place()) has an empty target sentence") }
        ids += p.source.count + 2 * (p.target.count + 1)
        if ids > Budget.current.maxDatasetValues {
            try Budget.check(ids, \.maxDatasetValues, "the ids of the sentence pairs up to \(place()) (source words, and target words with <bos> and with <eos>)")
        }
        return p
    }

    /// One `source<TAB>target` a line; blank lines and lines starting with `#` are skipped.
    public static func parseTSV(_ text: String, file: String, lower: Bool = true) throws -> TranslationData {
        var pairs: [Pair] = []
        var ids = 0
        try Datasets.forEachLine(text) { n, line in
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if l.allSatisfy({ $0 == " " }) || l.hasPrefix("#") { return }
            let parts = l.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw ModelError(.value, "\(file) line \(n): expected 'source<TAB>target', found \(parts.count - 1) tab\(parts.count == 2 ? "" : "s")")
            }
            pairs.append(try pair(parts[0], parts[1], lower: lower, at: "\(file) line \(n)", ids: &ids))
        }
        guard !pairs.isEmpty else { throw ModelError(.value, "\(file) holds no 'source<TAB>target' lines") }
        return TranslationData(summary: "translation(file=\"\(file)\": \(Wording.counted(pairs.count, "pair")))", pairs: pairs)
    }

    /// The classic test: each source is `length` random symbols (words "0", "1", …), its target
    /// the same symbols reversed.
    public static func reverse(count: Int, length: Int, symbols: Int, seed: UInt64) throws -> TranslationData {
        guard count >= 1, length >= 1 else { throw ModelError(.value, "reverse(...) needs count and length of at least 1") }
        guard symbols >= 2, symbols <= 1000 else { throw ModelError(.value, "reverse(...) needs symbols between 2 and 1000, found \(symbols)") }
        var rng = SplitMix64(seed: seed)
        let pairs = (0..<count).map { _ -> Pair in
            let s = (0..<length).map { _ in String(rng.below(symbols)) }
            return Pair(source: s, target: s.reversed())
        }
        return TranslationData(summary: "reverse(count=\(count), length=\(length), symbols=\(symbols), seed=\(seed))", pairs: pairs)
    }
}

/// A seq2seq model's two vocabularies: source words with `<unk>` at 0; target words with `<unk>`,
/// `<bos>`, `<eos>` at 0, 1, 2. The rest are the first training data's words, sorted.
public struct Seq2SeqVocabulary: Equatable, Sendable {
    public var source: [String]
    public var target: [String]
    public static let unk = 0, bos = 1, eos = 2
    let sourceIndex: [String: Int]
    let targetIndex: [String: Int]

    public init(source: [String], target: [String]) {
        self.source = source
        self.target = target
        sourceIndex = Dictionary(source.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        targetIndex = Dictionary(target.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public static func == (a: Self, b: Self) -> Bool { a.source == b.source && a.target == b.target }

    /// The vocabularies of a dataset.
    public init(of data: TranslationData) {
        let s = Set(data.pairs.flatMap(\.source)).subtracting(["<unk>"]).sorted()
        let t = Set(data.pairs.flatMap(\.target)).subtracting(["<unk>", "<bos>", "<eos>"]).sorted()
        self.init(source: ["<unk>"] + s, target: ["<unk>", "<bos>", "<eos>"] + t)
    }

    /// Whether a vocabulary read from a file has the special words where they must be.
    public var isWellFormed: Bool {
        source.first == "<unk>" && Array(target.prefix(3)) == ["<unk>", "<bos>", "<eos>"]
            && Set(source).count == source.count && Set(target).count == target.count
    }

    /// Source ids, unknown words as `<unk>`, with how many were unknown.
    public func encodeSource(_ words: [String]) -> (ids: [Int], unknown: Int) {
        var unknown = 0
        let ids = words.map { w -> Int in
            if let i = sourceIndex[w] { return i }
            unknown += 1
            return Self.unk
        }
        return (ids, unknown)
    }

    /// Target ids with `<eos>` appended, unknown words as `<unk>`.
    public func encodeTarget(_ words: [String]) -> (ids: [Int], unknown: Int) {
        var unknown = 0
        let ids = words.map { w -> Int in
            if let i = targetIndex[w] { return i }
            unknown += 1
            return Self.unk
        }
        return (ids + [Self.eos], unknown)
    }

    /// The dataset as (source ids, target ids + `<eos>`), with the count of unknown words.
    public func encode(_ data: TranslationData) -> (pairs: [(source: [Int], target: [Int])], unknown: Int) {
        var unknown = 0
        let pairs = data.pairs.map { p -> (source: [Int], target: [Int]) in
            let s = encodeSource(p.source), t = encodeTarget(p.target)
            unknown += s.unknown + t.unknown
            return (s.ids, t.ids)
        }
        return (pairs, unknown)
    }
}
