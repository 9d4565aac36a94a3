import JSON
import RNN

/// A seq2seq model in the store: its shape, and once the first data has fixed the vocabularies,
/// its weights (drawn from `seed` then) and what training has done to it.
public struct Seq2SeqEntry: Equatable, Sendable {
    /// The shape as defined, vocabulary sizes aside.
    public var embed: Int
    public var hidden: Int
    public var layers: Int
    public var attention: Bool
    /// The recurrent cell of encoder and decoder.
    public var cell: Seq2SeqCell
    /// The seed the weights are drawn from when the vocabularies are fixed.
    public var seed: UInt64
    /// nil until the first data (training, or `vocab=`) fixes the vocabularies.
    public var model: Seq2Seq?
    public var vocabulary: Seq2SeqVocabulary?
    public var trainedSteps = 0
    public var lossHistory: [Double] = []

    public init(embed: Int, hidden: Int, layers: Int, attention: Bool, cell: Seq2SeqCell = .gru, seed: UInt64) {
        self.embed = embed
        self.hidden = hidden
        self.layers = layers
        self.attention = attention
        self.cell = cell
        self.seed = seed
    }

    /// How it was defined: `seq2seq(embed=32, hidden=64, layers=1, attention=additive, cell=gru)`.
    public var definition: String {
        "seq2seq(embed=\(embed), hidden=\(hidden), layers=\(layers), attention=\(attention ? "additive" : "none"), cell=\(cell.rawValue))"
    }

    /// Fixes the vocabularies and draws the weights.
    public mutating func fix(_ v: Seq2SeqVocabulary) {
        vocabulary = v
        model = Seq2Seq.initialized(config(v), seed: seed)
    }

    public func config(_ v: Seq2SeqVocabulary) -> Seq2Seq.Config {
        Seq2Seq.Config(sourceVocab: v.source.count, targetVocab: v.target.count, embed: embed, hidden: hidden, layers: layers, attention: attention,
                       cell: cell)
    }
}

/// Saving and loading seq2seq models: `.json` (readable, full precision) and `.safetensors` with
/// the twin's state-dict keys and `source_vocab`, `target_vocab` in the metadata.
public enum Seq2SeqFiles {
    public static func save(_ e: Seq2SeqEntry, to path: String) throws {
        guard let model = e.model, let v = e.vocabulary else {
            throw ModelFileError("the model has no weights yet: its vocabularies are fixed by the first data it is trained on; train it first")
        }
        if path.hasSuffix(".json") {
            var params: [(key: String, value: JSON)] = []
            for s in model.config.specs { params.append((key: s.name, value: .array(model.parameter(s.name).map { JSON($0) }))) }
            let j: JSON = ["kind": "seq2seq", "embed": JSON(e.embed), "hidden": JSON(e.hidden), "layers": JSON(e.layers),
                           "attention": .string(e.attention ? "additive" : "none"), "cell": .string(e.cell.rawValue),
                           "trained_steps": JSON(e.trainedSteps),
                           "source_vocab": JSON(v.source), "target_vocab": JSON(v.target), "parameters": .object(params)]
            try ModelFiles.writeBytes(Array(j.serialized(pretty: true).utf8) + [10], to: path)
        } else if path.hasSuffix(".safetensors") {
            try ModelFiles.writeBytes(safetensors(e, model, v), to: path)
        } else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
    }

    static func safetensors(_ e: Seq2SeqEntry, _ model: Seq2Seq, _ v: Seq2SeqVocabulary) -> [UInt8] {
        let shape: JSON = ["kind": "seq2seq", "embed": JSON(e.embed), "hidden": JSON(e.hidden), "layers": JSON(e.layers),
                           "attention": .string(e.attention ? "additive" : "none"), "cell": .string(e.cell.rawValue)]
        let meta: JSON = ["format": "pt", "rnn-kernel": .string(shape.serialized()), "trained_steps": .string(String(e.trainedSteps)),
                          "source_vocab": .string(JSON(v.source).serialized()), "target_vocab": .string(JSON(v.target).serialized())]
        var header: [(key: String, value: JSON)] = [(key: "__metadata__", value: meta)]
        var offset = 0
        for s in model.config.specs {
            let n = s.count * 8
            header.append((key: s.name, value: ["dtype": "F64", "shape": .array(s.shape.map { JSON($0) }), "data_offsets": [JSON(offset), JSON(offset + n)]]))
            offset += n
        }
        var headerBytes = Array(JSON.object(header).serialized().utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }  // so the data is 8-byte aligned
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        for v in model.theta { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// Whether a file's bytes hold a seq2seq model (so `load` knows which kind it reads); `parsed`:
    /// a `.json` file's bytes already parsed. A safetensors file is told by its header alone.
    public static func holdsSeq2Seq(_ bytes: [UInt8], file path: String, parsed: JSON?) -> Bool {
        if path.hasSuffix(".json") {
            return (parsed ?? (try? ModelFiles.parseModelJSON(bytes, file: path)))?["kind"]?.stringValue == "seq2seq"
        }
        guard let (entries, _) = try? ModelFiles.safetensorsHeader(bytes, file: path) else { return false }
        return entries.contains { $0.key == "encoder.embedding.weight" }
    }

    public static func load(from path: String) throws -> Seq2SeqEntry {
        guard path.hasSuffix(".json") || path.hasSuffix(".safetensors") else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
        return try load(ModelFiles.readBytes(path), file: path)
    }

    /// A seq2seq model from a file's bytes already read; `file` is its name, for the format and
    /// errors; `parsed`: a `.json` file's bytes already parsed (so a `load` parses them once).
    public static func load(_ bytes: [UInt8], file path: String, parsed: JSON? = nil) throws -> Seq2SeqEntry {
        guard path.hasSuffix(".json") || path.hasSuffix(".safetensors") else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
        var entry: Seq2SeqEntry
        var sourceVocab: [String]?, targetVocab: [String]?
        var values: [String: (shape: [Int]?, values: [Double])] = [:]
        func vocab(_ j: JSON?) -> [String]? { j?.arrayValue?.compactMap(\.stringValue) }
        if path.hasSuffix(".json") {
            let j = try parsed ?? ModelFiles.parseModelJSON(bytes, file: path)
            entry = try shape(j, file: path)
            entry.trainedSteps = try ModelFiles.trainedSteps(j["trained_steps"], file: path)
            sourceVocab = vocab(j["source_vocab"])
            targetVocab = vocab(j["target_vocab"])
            guard case let .object(ps)? = j["parameters"] else { throw ModelFileError("\(path) has no \"parameters\" object") }
            for (k, v) in ps {
                guard let a = v.doublesValue else {
                    throw ModelFileError("\(path): parameter \(k) must be a list of numbers")
                }
                values[k] = (nil, a)
            }
        } else {
            let (tensors, metadata) = try ModelFiles.readSafetensors(bytes, file: path)
            guard let text = metadata["rnn-kernel"], let j = try? ModelFiles.parseFileJSON(text) else {
                throw ModelFileError("\(path) has no rnn-kernel metadata describing the seq2seq model")
            }
            entry = try shape(j, file: path)
            entry.trainedSteps = try ModelFiles.trainedSteps(nil, text: metadata["trained_steps"], file: path)
            sourceVocab = metadata["source_vocab"].flatMap { try? ModelFiles.parseFileJSON($0) }.flatMap(vocab)
            targetVocab = metadata["target_vocab"].flatMap { try? ModelFiles.parseFileJSON($0) }.flatMap(vocab)
            for (k, t) in tensors { values[k] = (t.shape, t.values) }
        }
        guard let s = sourceVocab, let t = targetVocab else { throw ModelFileError("\(path) has no source_vocab and target_vocab") }
        let v = Seq2SeqVocabulary(source: s, target: t)
        guard v.isWellFormed else {
            throw ModelFileError("\(path): expected source_vocab to start with <unk> and target_vocab with <unk>, <bos>, <eos>, each word once")
        }
        let config = entry.config(v)
        var theta: [Double] = []
        for spec in config.specs {
            guard let p = values.removeValue(forKey: spec.name) else { throw ModelFileError("\(path) has no tensor \(spec.name)") }
            guard p.values.count == spec.count, p.shape == nil || p.shape! == spec.shape else {
                throw ModelFileError("\(path): \(spec.name) has shape \(p.shape.map { "\($0)" } ?? "of \(p.values.count) values"), expected \(spec.shape)")
            }
            theta += p.values
        }
        if let extra = values.keys.sorted().first { throw ModelFileError("\(path) has a tensor \(extra) that the model does not have") }
        guard theta.allSatisfy(\.isFinite) else { throw ModelFileError("\(path) holds a weight that is NaN or infinite") }
        entry.vocabulary = v
        entry.model = Seq2Seq(config: config, theta: theta)
        return entry
    }

    static func shape(_ j: JSON, file: String) throws -> Seq2SeqEntry {
        func positive(_ key: String, max: Int) throws -> Int {
            guard let n = j[key]?.intValue, n >= 1, n <= max else { throw ModelFileError("\(file): expected \(key) to be a whole number from 1 to \(max)") }
            return n
        }
        guard j["kind"]?.stringValue == "seq2seq" else { throw ModelFileError("\(file) does not hold a seq2seq model") }
        let a = j["attention"]?.stringValue
        guard a == "additive" || a == "none" else { throw ModelFileError("\(file): expected attention to be additive or none") }
        // Files written before cell= existed hold GRUs.
        guard let cell = Seq2SeqCell(rawValue: j["cell"]?.stringValue ?? "gru") else { throw ModelFileError("\(file): expected cell to be gru or lstm") }
        return Seq2SeqEntry(embed: try positive("embed", max: 4096), hidden: try positive("hidden", max: 4096), layers: try positive("layers", max: 16),
                            attention: a == "additive", cell: cell, seed: 0)
    }
}

/// SHA-256 of a seq2seq model's weights, as `weightsHash(of:)` hashes a cell's.
public func weightsHash(of model: Seq2Seq) -> String {
    var h = Float64Hasher()
    h.add(model.theta)
    return h.hex()
}

/// SHA-256 of sentence pairs: each sentence's length, then its words' UTF-8 bytes as numbers.
public func fingerprint(of data: TranslationData) -> String {
    var h = Float64Hasher()
    for p in data.pairs {
        for s in [p.source, p.target] {
            h.add(Double(s.count))
            for w in s { h.add(Double(w.utf8.count)); for b in w.utf8 { h.add(Double(b)) } }
        }
    }
    return h.hex()
}
