import JSON
import RNN

/// A bow model's files: the config says `"kind": "bow"` with its features, n and style; `terms`
/// (each n-gram's words joined by a space, in W's column order) and, for tfidf, `idf` sit beside
/// `vocab` and `labels` (in a `.safetensors` file as `__metadata__` strings); the tensors are the
/// twin's `nn.Linear` state dict, `fc.weight` (C × terms) and `fc.bias` (C).
extension ModelFiles {
    static func bagConfigJSON(_ c: CellConfig, _ bow: BagOfWords) -> JSON {
        var j: JSON = ["kind": "bow", "input": JSON(c.input), "output": JSON(c.outputWidth), "features": .string(bow.features.rawValue),
                       "ngram": JSON(bow.ngram), "seed": c.seed.map { JSON(Double($0)) } ?? .null]
        if bow.features == .tfidf { j["style"] = .string(bow.style.rawValue) }
        return j
    }

    /// A bow config without its terms (they need the vocabulary, read after it).
    static func bagConfig(from j: JSON, file: String) throws -> CellConfig {
        func whole(_ key: String, min: Int, max: Int) throws -> Int {
            guard let v = j[key]?.intValue, v >= min, v <= max else { throw ModelFileError("\(file): config.\(key) must be a whole number from \(min) to \(max)") }
            return v
        }
        guard let features = j["features"]?.stringValue.flatMap(BagOfWords.Features.init(rawValue:)) else {
            throw ModelFileError("\(file): config.features must be count or tfidf")
        }
        var style = TFIDFStyle.course
        if let s = j["style"] {
            guard let v = s.stringValue.flatMap(TFIDFStyle.init(rawValue:)) else { throw ModelFileError("\(file): config.style must be course or sklearn") }
            style = v
        }
        var c = CellConfig(kind: .rnn, input: try whole("input", min: 1, max: 10_000_000), hidden: 0, output: try whole("output", min: 2, max: 1_000_000))
        c.bow = BagOfWords(features: features, style: style, ngram: try whole("ngram", min: 1, max: 10))
        if let s = j["seed"], let v = s.intValue, v >= 0 { c.seed = UInt64(v) }
        return c
    }

    /// `terms` and `idf` as a file keeps them.
    static func bagFields(_ e: ModelEntry) -> [(key: String, value: JSON)] {
        guard let bow = e.model.config.bow, let words = e.vocab?.words else { return [] }
        var out: [(key: String, value: JSON)] = [(key: "terms", value: JSON(bow.terms.map { $0.map { words[$0] }.joined(separator: " ") }))]
        if bow.features == .tfidf { out.append((key: "idf", value: .array(bow.idf.map { .number($0) }))) }
        return out
    }

    /// The terms (and IDF) read back against the vocabulary, and a file whose terms, IDF or
    /// vocabulary do not fit together refused, naming what is wrong.
    static func readBag(_ field: (String) throws -> JSON?, config: CellConfig, vocab: Vocabulary?, labels: [String]?, file: String) throws -> CellConfig {
        guard let bow = config.bow else { return config }
        guard let vocab, vocab.level == .word, vocab.hasUnknown else {
            throw ModelFileError("\(file): a bow model needs its word vocabulary (vocab, with <unk> as token 0)")
        }
        guard labels != nil else { throw ModelFileError("\(file): a bow model needs its labels") }
        guard let list = try field("terms")?.arrayValue, !list.isEmpty else { throw ModelFileError("\(file): a bow model needs terms, a non-empty JSON array of strings") }
        var seen = Set<[Int]>()
        let terms = try list.enumerated().map { i, item -> [Int] in
            guard let s = item.stringValue else { throw ModelFileError("\(file): terms item \(i) is not a string: \(item.serialized())") }
            let words = s.split(separator: " ").map(String.init)
            guard words.count == bow.ngram else { throw ModelFileError("\(file): term '\(s)' has \(words.count) words, but the model counts \(bow.ngram)-grams") }
            let columns = try words.map { w -> Int in
                guard let id = vocab.id(of: w), let c = vocab.column(id) else { throw ModelFileError("\(file): term '\(s)' has the word '\(w)', which is not in the vocabulary") }
                return c
            }
            guard seen.insert(columns).inserted else { throw ModelFileError("\(file): the term '\(s)' is there twice") }
            return columns
        }
        var idf: [Double] = []
        if bow.features == .tfidf {
            guard let values = try field("idf")?.doublesValue, values.count == terms.count, values.allSatisfy(\.isFinite) else {
                throw ModelFileError("\(file): a tfidf model needs idf, \(terms.count) finite numbers (one a term)")
            }
            idf = values
        }
        var c = config
        c.bow = BagOfWords(features: bow.features, style: bow.style, ngram: bow.ngram, terms: terms, idf: idf)
        try checkBudget(c, file: file)
        return c
    }

    /// W and b from a file's tensors or parameters (`get` returns a name's shape and values), checked against the config.
    static func bagModel(_ c: CellConfig, file: String, _ get: (String) throws -> (shape: [Int], values: [Double])?) throws -> Model {
        var model = Model(zerosFor: c)
        for (i, spec) in c.parameterSpecs.enumerated() {
            let key = spec.name == "W" ? "fc.weight" : "fc.bias"
            guard let t = try get(spec.name) ?? get(key) else { throw ModelFileError("\(file): missing \(key) (\(Tensor.shapeText(spec.shape)))") }
            guard t.shape == spec.shape else {
                throw ModelFileError("\(file): \(key) should be \(Tensor.shapeText(spec.shape)) (labels × terms), found \(Tensor.shapeText(t.shape))")
            }
            guard t.values.allSatisfy(\.isFinite) else { throw ModelFileError("\(file): \(key) holds NaN or infinity") }
            model.parameters[i] = Tensor(shape: spec.shape, values: t.values)
        }
        return model
    }
}
