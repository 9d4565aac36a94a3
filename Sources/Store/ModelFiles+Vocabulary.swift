import JSON
import RNN

/// A model's vocabulary and labels in its files: `vocab` and `labels` as JSON arrays in id order
/// (in a `.safetensors` file as strings of `__metadata__`), with `vocab_level` and `lower`.
extension ModelFiles {
    /// The keys and values a model's vocabulary adds to its file.
    static func vocabularyFields(_ e: ModelEntry) -> [(key: String, value: JSON)] {
        guard let v = e.vocab else { return [] }
        // An older file's vocabulary (no <unk>, read from `vocabulary`) goes back under that key, so
        // it loads again as it was read: `vocab` promises <unk> at id 0.
        var out: [(key: String, value: JSON)] = [(key: v.hasUnknown ? "vocab" : "vocabulary", value: JSON(v.tokens))]
        if let l = e.labels { out.append((key: "labels", value: JSON(l))) }
        out.append((key: "vocab_level", value: .string(v.level.rawValue)))
        out.append((key: "lower", value: .bool(v.lower)))
        return out
    }

    /// Reads the vocabulary and labels back (`field` gives a key's JSON value, nil when absent) and
    /// refuses one that is empty or does not fit the model: the error comes at `load`, not at `sample`.
    /// `vocabulary` is the key of files written before the model owned its labels (no `<unk>`).
    static func readVocabulary(_ field: (String) throws -> JSON?, config: CellConfig, file: String) throws -> (Vocabulary?, [String]?) {
        func strings(_ key: String) throws -> [String]? {
            guard let j = try field(key) else { return nil }
            guard let items = j.arrayValue else { throw ModelFileError("\(file): \(key) must be a JSON array of strings, found \(j.serialized())") }
            return try items.enumerated().map { i, item in
                guard let s = item.stringValue else { throw ModelFileError("\(file): \(key) item \(i) is not a string: \(item.serialized())") }
                return s
            }
        }
        let legacy = try strings("vocabulary")
        guard let tokens = try strings("vocab") ?? legacy else {
            if try field("labels") != nil { throw ModelFileError("\(file) has labels but no vocab") }
            return (nil, nil)
        }
        var level: Vocabulary.Level = tokens.allSatisfy { $0.count == 1 } ? .character : .word
        if let l = try field("vocab_level") {
            guard let v = l.stringValue.flatMap(Vocabulary.Level.init(rawValue:)) else {
                throw ModelFileError("\(file): vocab_level must be \"word\" or \"character\", found \(l.serialized())")
            }
            level = v
        }
        var lower = true
        if let l = try field("lower") {
            guard case let .bool(b) = l else { throw ModelFileError("\(file): lower must be true or false, found \(l.serialized())") }
            lower = b
        }
        let vocab = Vocabulary(tokens: tokens, level: level, lower: lower)
        if let p = vocab.problem { throw ModelFileError("\(file): \(p); a model that reads words or characters needs a vocabulary with <unk> as token 0 and each token once") }
        if legacy == nil && !vocab.hasUnknown { throw ModelFileError("\(file): the vocabulary's token 0 is '\(tokens[0])'; expected <unk>") }
        guard vocab.width == config.input else {
            throw ModelFileError("\(file): the vocabulary has \(vocab.width) \(vocab.unitName)\(vocab.hasUnknown ? " besides <unk>" : "") but the model's x_t has width \(config.input); they must agree (x_t is one-hot over them)")
        }
        let labels = try strings("labels")
        if let labels {
            guard !labels.isEmpty else { throw ModelFileError("\(file): labels is empty") }
            if let i = labels.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) { throw ModelFileError("\(file): label \(i) is empty; expected a class name") }
            var seen = Set<String>()
            if let twice = labels.first(where: { !seen.insert($0).inserted }) { throw ModelFileError("\(file): the label '\(twice)' is there twice") }
            guard labels.count <= config.outputWidth else {
                throw ModelFileError("\(file): \(labels.count) labels but y_t has only \(config.outputWidth) values")
            }
        } else if level == .character, vocab.width > config.outputWidth {
            throw ModelFileError("\(file): a character model of \(vocab.width) characters needs y_t of at least that width, found \(config.outputWidth)")
        }
        return (vocab, labels)
    }
}
