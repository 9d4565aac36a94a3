/// The tokens (words or characters) a model reads, in id order, with id 0 `<unk>`: fixed by the first
/// data the model sees, kept with the model, and used to encode every later dataset and string.
///
/// One-hot x_t has a column for each real token (id k ≥ 1 is column k − 1) and none for `<unk>`,
/// which reads as the zero vector, as scikit-learn's vectorizers read an unseen word: so `width`
/// (x_t's width) is `count − 1`, the number of words a dataset shows. An embedding has `count`
/// rows, one per id, row 0 for `<unk>`. A character model's classes are its characters, class c
/// being id c + 1.
public struct Vocabulary: Equatable, Sendable {
    /// Whether a text is read as words (split on whitespace) or as characters.
    public enum Level: String, Sendable {
        case word, character
    }

    /// The token every unseen word or character becomes: id 0.
    public static let unknown = "<unk>"

    /// The tokens in id order; `tokens[0]` is `<unk>` (files saved before vocabularies had it may lack it).
    public private(set) var tokens: [String]
    public let level: Level
    /// Words are lowercased before they are looked up (`lower=true`, the default); characters never are.
    public let lower: Bool
    private var ids: [String: Int]

    /// A vocabulary of exactly these tokens, in this order. Check it with `problem` when it comes from a file.
    public init(tokens: [String], level: Level, lower: Bool = true) {
        self.tokens = tokens
        self.level = level
        self.lower = level == .word && lower
        var ids: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        self.ids = ids
    }

    /// `<unk>`, then the distinct tokens of `texts` sorted, as datasets number them.
    public init(building texts: [[String]], level: Level, lower: Bool = true) {
        var seen = Set<String>()
        for text in texts { for t in text { seen.insert(t) } }
        seen.remove(Vocabulary.unknown)
        self.init(tokens: [Vocabulary.unknown] + seen.sorted(), level: level, lower: lower)
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool {
        a.tokens == b.tokens && a.level == b.level && a.lower == b.lower
    }

    public var count: Int { tokens.count }
    /// The real tokens (without `<unk>`), in id order: the names of x_t's one-hot columns.
    public var words: [String] { hasUnknown ? Array(tokens.dropFirst()) : tokens }
    /// The width of one-hot x_t: a column a real token.
    public var width: Int { hasUnknown ? count - 1 : count }
    /// The one-hot column (and, for characters, the class) of id `id`; nil for `<unk>`.
    public func column(_ id: Int) -> Int? { hasUnknown ? (id == 0 ? nil : id - 1) : id }
    /// False only for a vocabulary from an older file or from copy(...) data, whose id 0 is a real token.
    public var hasUnknown: Bool { tokens.first == Vocabulary.unknown }
    /// "words" or "characters", for messages.
    public var unitName: String { level == .word ? "words" : "characters" }

    /// The id of a token as this vocabulary reads it (lowercased first when `lower`); nil when unseen.
    public func id(of token: String) -> Int? { ids[lower ? token.lowercased() : token] }

    /// A text's tokens: its words (split on whitespace, edge punctuation dropped) or its characters.
    public func split(_ text: String) -> [String] {
        level == .word ? Datasets.words(text, lower: lower) : text.map(String.init)
    }

    /// Ids of `tokens`, unseen ones as `<unk>` (0), and how many were unseen. A vocabulary without
    /// `<unk>` (an older file) refuses an unseen token instead.
    public func encode(_ tokens: [String]) throws -> (ids: [Int], unknown: Int) {
        var unknown = 0
        let out = try tokens.map { t -> Int in
            if let k = id(of: t) { return k }
            guard hasUnknown else {
                throw ModelError(.value, "'\(t)' is not in the model's vocabulary of \(count) \(unitName) (a vocabulary without <unk>, from an older file or from copy(...) data, cannot read an unseen one)")
            }
            unknown += 1
            return 0
        }
        return (out, unknown)
    }

    /// The one-hot x_t of token `id`: the zero vector for `<unk>`.
    public func oneHot(_ id: Int) -> [Double] {
        var v = [Double](repeating: 0, count: width)
        if let c = column(id) { v[c] = 1 }
        return v
    }

    /// What is wrong with a vocabulary read from a file (nil when it is sound): empty, a token
    /// twice, an empty token, or `<unk>` anywhere but id 0.
    public var problem: String? {
        if tokens.isEmpty { return "the vocabulary is empty" }
        if let i = tokens.indices.first(where: { tokens[$0].isEmpty }) { return "token \(i) of the vocabulary is empty" }
        if let i = tokens.indices.dropFirst().first(where: { tokens[$0] == Vocabulary.unknown }) {
            return "<unk> is token \(i) of the vocabulary; it must be token 0"
        }
        var seen = Set<String>()
        for t in tokens where !seen.insert(t).inserted { return "'\(t)' is in the vocabulary twice" }
        if level == .character, let t = tokens.dropFirst(hasUnknown ? 1 : 0).first(where: { $0.count != 1 }) {
            return "'\(t)' is in a character vocabulary but is not one character"
        }
        return nil
    }
}

/// What encoding a dataset with a model's vocabulary did: the dataset as the model reads it and
/// how many of its tokens were unseen (they became `<unk>`).
public struct Encoded: Sendable {
    public var data: Dataset
    public var unknown: Int
    public var total: Int
    /// Text only: steps left out because the character they predict is unseen.
    public var leftOut: Int = 0
}

extension Dataset {
    /// The dataset's tokens read back from its one-hot x_t, a zero x_t as `<unk>` (nil without a vocabulary).
    public var tokenTexts: [[String]]? {
        guard let names = inputVocabulary else { return nil }
        return inputs.map { seq in seq.map { x in x.firstIndex(of: 1).map { names[$0] } ?? Vocabulary.unknown } }
    }

    /// The dataset re-encoded with a model's vocabulary and labels, never its own: unseen tokens
    /// become `<unk>` and are counted; a label the model does not know is a ValueError naming it.
    /// For text, the targets are characters too: a step whose next character the model has never
    /// seen cannot be scored, so the window is cut there (that step is left out).
    public func encoded(with vocab: Vocabulary, labels: [String]?) throws -> Encoded {
        guard let own = vocabulary, let texts = tokenTexts else { return Encoded(data: self, unknown: 0, total: 0) }
        guard own.level == vocab.level else {
            throw ModelError(.value, "the model reads \(vocab.unitName) but \(summary) is \(own.unitName)")
        }
        let textTargets = classNames == inputVocabulary
        let sameLabels = textTargets || labels == nil || labels == classNames
        let total = texts.reduce(0) { $0 + $1.count }
        if own == vocab && sameLabels { return Encoded(data: self, unknown: 0, total: total) }
        var d = self
        var unknown = 0
        let hot = vocab.tokens.indices.map(vocab.oneHot)
        func name(_ k: Int) -> String { classNames.map { k < $0.count ? $0[k] : String(k) } ?? String(k) }
        if textTargets, case let .classSequences(c) = targets {
            var inputs: [[[Double]]] = [], out: [[Int]] = [], leftOut = 0
            for (text, next) in zip(texts, c) {
                let (ids, u) = try vocab.encode(text)
                unknown += u
                var x: [[Double]] = [], y: [Int] = []
                for (id, k) in zip(ids, next) {
                    if let target = try vocab.encode([name(k)]).ids.first.flatMap(vocab.column) {
                        x.append(hot[id])
                        y.append(target)
                    } else {
                        leftOut += 1
                        if !x.isEmpty { inputs.append(x); out.append(y) }
                        x = []; y = []
                    }
                }
                if !x.isEmpty { inputs.append(x); out.append(y) }
            }
            guard !inputs.isEmpty else { throw ModelError(.value, "no character of \(summary) is in the model's vocabulary of \(vocab.width) characters") }
            d.inputs = inputs
            d.targets = .classSequences(out)
            d.inputVocabulary = vocab.words
            d.classNames = vocab.words
            d.vocabulary = vocab
            return Encoded(data: d, unknown: unknown, total: total, leftOut: leftOut)
        }
        d.inputs = try texts.map { text in
            let (ids, u) = try vocab.encode(text)
            unknown += u
            return ids.map { hot[$0] }
        }
        func mapped(_ k: Int) throws -> Int {
            guard let labels else { return k }
            guard let m = labels.firstIndex(of: name(k)) else {
                throw ModelError(.value, "'\(name(k))' is not one of the model's \(labels.count) \(self.name == "tagged" ? "tags" : "labels") (\(labels.joined(separator: ", "))): a model keeps the labels of the first data it was trained on")
            }
            return m
        }
        switch targets {
        case let .classes(c): d.targets = .classes(try c.map(mapped))
        case let .classSequences(c): d.targets = .classSequences(try c.map { try $0.map(mapped) })
        default: break
        }
        d.inputVocabulary = vocab.words
        d.classNames = labels ?? classNames
        d.vocabulary = vocab
        return Encoded(data: d, unknown: unknown, total: total)
    }
}
