import JSON
import RNN

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model file that cannot be read or written; the message names the file, the tensor, and what
/// was expected and found.
public struct ModelFileError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Saving and loading models: `.json` (readable, full precision) and `.safetensors` (the state dict
/// of the equivalent PyTorch model, language.md "Files that PyTorch reads").
public enum ModelFiles {
    // MARK: - Files

    public static func readBytes(_ path: String) throws -> [UInt8] {
        do { return try readWholeFile(path) } catch let e as FileReadError {
            switch e {
            case .cannotOpen: throw ModelFileError("cannot open \(path): \(e)")
            case .tooLarge: throw ModelFileError("\(path) is \(e)")
            case .readFailed: throw ModelFileError("cannot read \(path)")
            }
        }
    }

    /// Replaces `path` safely (writeFileSafely): a failed save leaves no half file and no temporary one.
    public static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        do { try writeFileSafely(bytes, to: path) } catch let e as FileWriteError {
            throw ModelFileError("cannot write \(path): \(e)")
        }
    }

    /// Saves by extension: `.json` or `.safetensors`.
    public static func save(_ entry: ModelEntry, to path: String) throws {
        if path.hasSuffix(".json") {
            try writeBytes(Array(json(entry).serialized(pretty: true).utf8) + [10], to: path)
        } else if path.hasSuffix(".safetensors") {
            try writeBytes(safetensors(entry), to: path)
        } else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
    }

    /// Loads by extension. `existing` is the model already under the name, whose shape a file
    /// without our metadata must match.
    public static func load(from path: String, existing: ModelEntry?) throws -> ModelEntry {
        guard path.hasSuffix(".json") || path.hasSuffix(".safetensors") else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
        let bytes = try readBytes(path)
        return path.hasSuffix(".json") ? try fromJSON(bytes, file: path) : try fromSafetensors(bytes, file: path, existing: existing)
    }

    // MARK: - Config as JSON

    public static func configJSON(_ c: CellConfig) -> JSON {
        if let bow = c.bow { return bagConfigJSON(c, bow) }
        var j: JSON = [
            "kind": .string(c.kind.rawValue), "input": JSON(c.input), "hidden": JSON(c.hidden),
            "output": c.output.map { JSON($0) } ?? .null, "layers": JSON(c.layers), "bidirectional": .bool(c.bidirectional),
            "activation": .string(c.activation.rawValue), "output_activation": .string(c.outputActivation.rawValue),
            "init": .string(c.initializer.rawValue), "bias": c.singleBias && c.bias ? JSON.string("single") : JSON.bool(c.bias), "seed": c.seed.map { JSON(Double($0)) } ?? .null,
        ]
        // Only an embedding model says embed=, and only a CRF tagger crf: other models' files stay as they were.
        if let e = c.embed { j["embed"] = JSON(e) }
        if c.crf { j["crf"] = .bool(true) }
        return j
    }

    public static func config(from j: JSON, file: String) throws -> CellConfig {
        func need<T>(_ key: String, _ get: (JSON) -> T?, _ what: String) throws -> T {
            guard let v = j[key], let t = get(v) else { throw ModelFileError("\(file): config.\(key) must be \(what)") }
            return t
        }
        func positive(_ key: String) throws -> Int {
            let v = try need(key, { $0.intValue }, "a whole number")
            guard v >= 1, v <= 1_000_000 else { throw ModelFileError("\(file): config.\(key) must be at least 1, found \(v)") }
            return v
        }
        guard case .object = j else { throw ModelFileError("\(file): config must be an object") }
        if j["kind"]?.stringValue == "bow" { return try bagConfig(from: j, file: file) }
        guard let kind = CellKind(rawValue: try need("kind", { $0.stringValue }, "rnn, lstm or gru")) else {
            throw ModelFileError("\(file): config.kind must be rnn, lstm or gru")
        }
        var c = CellConfig(kind: kind, input: try positive("input"), hidden: try positive("hidden"))
        if let o = j["output"], !o.isNull { c.output = try positive("output") }
        if let e = j["embed"], !e.isNull { c.embed = try positive("embed") }
        if j["layers"] != nil { c.layers = try positive("layers") }
        if let b = j["bidirectional"] { guard let v = b.boolValue else { throw ModelFileError("\(file): config.bidirectional must be true or false") }; c.bidirectional = v }
        if let b = j["bias"] {
            if b.stringValue == "single" { c.singleBias = true } else {
                guard let v = b.boolValue else { throw ModelFileError("\(file): config.bias must be true, single or false") }
                c.bias = v
            }
        }
        if let a = j["activation"] {
            guard let v = a.stringValue.flatMap(Activation.init(rawValue:)) else { throw ModelFileError("\(file): config.activation must be tanh, relu or linear") }
            c.activation = v
        }
        if let a = j["output_activation"] {
            guard let v = a.stringValue.flatMap(OutputActivation.init(rawValue:)) else { throw ModelFileError("\(file): config.output_activation must be identity, softmax or sigmoid") }
            c.outputActivation = v
        }
        if let a = j["init"], let v = a.stringValue.flatMap(Initializer.init(rawValue:)) { c.initializer = v }
        if let b = j["crf"] { guard let v = b.boolValue else { throw ModelFileError("\(file): config.crf must be true or false") }; c.crf = v }
        if let s = j["seed"], let v = s.intValue, v >= 0 { c.seed = UInt64(v) }
        try checkBudget(c, file: file)
        return c
    }

    /// Refuses a configuration whose parameters exceed the budget, counted without overflow and before anything is allocated.
    static func checkBudget(_ c: CellConfig, file: String) throws {
        do { try Budget.check(c.checkedParameterCount, \.maxParameters, "the model in \(file) has parameters that") } catch let e as BudgetError {
            throw ModelFileError(e.message)
        }
    }

    // MARK: - .json

    public static func json(_ e: ModelEntry) -> JSON {
        var params: [(key: String, value: JSON)] = []
        for (spec, t) in zip(e.model.specs, e.model.parameters) {
            let value: JSON = spec.shape.count == 2
                ? .array((0..<t.rows).map { r in .array((0..<t.cols).map { .number(t[r, $0]) }) })
                : .array(t.values.map { .number($0) })
            params.append((key: spec.name, value: value))
        }
        var out: JSON = [
            "format": "rnn-kernel model", "version": 2, "config": configJSON(e.model.config),
            "trained_steps": JSON(e.trainedSteps), "parameters": .object(params),
        ]
        for (k, v) in vocabularyFields(e) + bagFields(e) { out[k] = v }
        return out
    }

    public static func fromJSON(_ bytes: [UInt8], file: String) throws -> ModelEntry {
        let j: JSON
        do { j = try JSON.parse(bytes: bytes) } catch { throw ModelFileError("\(file) is not valid JSON: \(error)") }
        guard j["format"]?.stringValue == "rnn-kernel model" else { throw ModelFileError("\(file): expected \"format\": \"rnn-kernel model\"; this is not a model saved by rnn-kernel") }
        guard let cj = j["config"] else { throw ModelFileError("\(file): missing \"config\"") }
        var c = try config(from: cj, file: file)
        // Version 1 files come from before PyTorch's two biases: their `"bias": true` cells had one
        // bias per gate, what `bias=single` is now, so they load as they were saved.
        if (j["version"]?.intValue ?? 1) < 2 && c.bias { c.singleBias = true }
        guard case let .object(params)? = j["parameters"] else { throw ModelFileError("\(file): missing \"parameters\"") }
        if c.bow != nil {
            let (vocab, labels) = try readVocabulary({ j[$0] }, config: c, file: file)
            c = try readBag({ j[$0] }, config: c, vocab: vocab, labels: labels, file: file)
            let model = try bagModel(c, file: file) { name in
                guard let p = params.last(where: { $0.key == name })?.value, let items = p.arrayValue else { return nil }
                if name == "W" {
                    let rows = try items.map { r -> [Double] in
                        guard let row = r.arrayValue?.compactMap(\.doubleValue), row.count == r.arrayValue?.count else { throw ModelFileError("\(file): W must be a matrix of numbers") }
                        return row
                    }
                    guard Set(rows.map(\.count)).count <= 1 else { throw ModelFileError("\(file): W has rows of different lengths") }
                    return ([rows.count, rows.first?.count ?? 0], rows.flatMap { $0 })
                }
                let values = items.compactMap(\.doubleValue)
                guard values.count == items.count else { throw ModelFileError("\(file): b must be a list of numbers") }
                return ([values.count], values)
            }
            if let extra = params.first(where: { $0.key != "W" && $0.key != "b" }) { throw ModelFileError("\(file): unexpected parameter \(extra.key) for a bow model (it has W and b)") }
            return ModelEntry(model: model, trainedSteps: j["trained_steps"]?.intValue ?? 0, vocab: vocab, labels: labels)
        }
        var model = Model(zerosFor: c)
        for (i, spec) in c.parameterSpecs.enumerated() {
            guard let p = params.last(where: { $0.key == spec.name })?.value else {
                throw ModelFileError("\(file): missing parameter \(spec.name) (\(Tensor.shapeText(spec.shape)))")
            }
            var values: [Double] = []
            var shape: [Int] = []
            if spec.shape.count == 2 {
                guard let rows = p.arrayValue else { throw ModelFileError("\(file): \(spec.name) must be a matrix (a list of rows)") }
                let cols = rows.first?.arrayValue?.count ?? 0
                shape = [rows.count, cols]
                for r in rows {
                    guard let row = r.arrayValue, row.count == cols else { throw ModelFileError("\(file): \(spec.name) has rows of different lengths") }
                    for v in row { guard let d = v.doubleValue else { throw ModelFileError("\(file): \(spec.name) holds a value that is not a number") }; values.append(d) }
                }
            } else {
                guard let items = p.arrayValue else { throw ModelFileError("\(file): \(spec.name) must be a list of numbers") }
                shape = [items.count]
                for v in items { guard let d = v.doubleValue else { throw ModelFileError("\(file): \(spec.name) holds a value that is not a number") }; values.append(d) }
            }
            guard shape == spec.shape else {
                throw ModelFileError("\(file): \(spec.name) should be \(Tensor.shapeText(spec.shape)), found \(Tensor.shapeText(shape))")
            }
            guard values.allSatisfy(\.isFinite) else { throw ModelFileError("\(file): \(spec.name) holds NaN or infinity") }
            model.parameters[i] = Tensor(shape: spec.shape, values: values)
        }
        if let extra = params.first(where: { p in !c.parameterSpecs.contains { $0.name == p.key } }) {
            throw ModelFileError("\(file): unexpected parameter \(extra.key) for \(c.kind.rawValue)(hidden=\(c.hidden), layers=\(c.layers))")
        }
        let (vocab, labels) = try readVocabulary({ j[$0] }, config: c, file: file)
        return ModelEntry(model: model, trainedSteps: j["trained_steps"]?.intValue ?? 0, vocab: vocab, labels: labels)
    }

    // MARK: - .safetensors

    /// PyTorch's name for our layer/direction suffix: `_l0`, `_l1_reverse`, …
    static func torchSuffix(layer: Int, direction: Int) -> String { "_l\(layer)" + (direction == 1 ? "_reverse" : "") }

    /// The state dict in PyTorch's layout, float64, in the order PyTorch lists it.
    public static func stateDict(_ model: Model) -> [(name: String, shape: [Int], values: [Double])] {
        let c = model.config
        if c.bow != nil {
            // nn.Linear(terms, C)'s state dict, as `self.fc` of the twin.
            return [(name: "fc.weight", shape: model.parameters[0].shape, values: model.parameters[0].values),
                    (name: "fc.bias", shape: model.parameters[1].shape, values: model.parameters[1].values)]
        }
        let H = c.hidden
        var out: [(String, [Int], [Double])] = []
        if let W = model.parameter("W_emb") { out.append(("embedding.weight", W.shape, W.values)) }
        for l in 0..<c.layers {
            for d in 0..<c.directions {
                let s = CellConfig.suffix(layer: l, direction: d), ts = torchSuffix(layer: l, direction: d)
                let In = c.layerInput(l)
                out.append(("rnn.weight_ih" + ts, [c.gates.count * H, In], c.gates.flatMap { model.parameter("W_x\($0)\(s)")!.values }))
                out.append(("rnn.weight_hh" + ts, [c.gates.count * H, H], c.gates.flatMap { model.parameter("W_h\($0)\(s)")!.values }))
                if c.twoBiases {
                    out.append(("rnn.bias_ih" + ts, [c.gates.count * H], c.gates.flatMap { model.parameter("b_x\($0)\(s)")!.values }))
                    out.append(("rnn.bias_hh" + ts, [c.gates.count * H], c.gates.flatMap { model.parameter("b_h\($0)\(s)")!.values }))
                } else if c.bias {
                    var ih: [Double] = [], hh: [Double] = []
                    for g in c.gates {
                        if c.kind == .gru && g == "n" {
                            ih += model.parameter("b_xn\(s)")!.values
                            hh += model.parameter("b_hn\(s)")!.values
                        } else {
                            ih += model.parameter("b_\(g)\(s)")!.values
                            hh += [Double](repeating: 0, count: H)
                        }
                    }
                    out.append(("rnn.bias_ih" + ts, [c.gates.count * H], ih))
                    out.append(("rnn.bias_hh" + ts, [c.gates.count * H], hh))
                }
            }
        }
        if let W = model.parameter("W_hy") {
            out.append(("fc.weight", W.shape, W.values))
            if let b = model.parameter("b_y") { out.append(("fc.bias", b.shape, b.values)) }
        }
        // torchcrf.CRF's parameters, in the order it registers them.
        for name in CellConfig.crfNames { if let t = model.parameter(name) { out.append(("crf." + name, t.shape, t.values)) } }
        return out.map { (name: $0.0, shape: $0.1, values: $0.2) }
    }

    public static func safetensors(_ e: ModelEntry) -> [UInt8] {
        let tensors = stateDict(e.model)
        var header: [(key: String, value: JSON)] = []
        var meta: JSON = ["format": "pt", "rnn-kernel": .string(configJSON(e.model.config).serialized()),
                          "trained_steps": .string(String(e.trainedSteps))]
        for (k, v) in vocabularyFields(e) + bagFields(e) { meta[k] = .string(v.serialized()) }
        header.append((key: "__metadata__", value: meta))
        var offset = 0
        for t in tensors {
            let n = t.values.count * 8
            header.append((key: t.name, value: ["dtype": "F64", "shape": .array(t.shape.map { JSON($0) }), "data_offsets": [JSON(offset), JSON(offset + n)]]))
            offset += n
        }
        var headerBytes = Array(JSON.object(header).serialized().utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }  // pad so the data is 8-byte aligned
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        for t in tensors { for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } } }
        return out
    }

    /// One tensor read from a safetensors file, converted to Double.
    struct RawTensor {
        var shape: [Int]
        var values: [Double]
    }

    /// Parses a safetensors file's header and tensors, checking every offset.
    static func readSafetensors(_ bytes: [UInt8], file: String) throws -> (tensors: [String: RawTensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw ModelFileError("\(file) is too short to be a safetensors file (\(bytes.count) bytes)") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= 100_000_000 else { throw ModelFileError("\(file): the header claims \(n) bytes, more than the 100 MB safetensors allows") }
        guard 8 + Int(n) <= bytes.count else { throw ModelFileError("\(file) is truncated: the header needs \(n) bytes, the file has \(bytes.count - 8)") }
        let header: JSON
        do { header = try JSON.parse(bytes: bytes[8..<(8 + Int(n))]) } catch { throw ModelFileError("\(file): the header is not valid JSON (\(error))") }
        guard case let .object(entries) = header else { throw ModelFileError("\(file): the header must be a JSON object") }
        let dataStart = 8 + Int(n)
        let dataLength = bytes.count - dataStart
        var tensors: [String: RawTensor] = [:]
        var metadata: [String: String] = [:]
        var spans: [(Int, Int, String)] = []
        for (name, info) in entries {
            if name == "__metadata__" {
                for (k, v) in info.objectValue ?? [] { if let s = v.stringValue { metadata[k] = s } }
                continue
            }
            guard let dtype = info["dtype"]?.stringValue, let shapeJ = info["shape"]?.arrayValue, let offs = info["data_offsets"]?.arrayValue,
                  offs.count == 2, let begin = offs[0].intValue, let end = offs[1].intValue else {
                throw ModelFileError("\(file): tensor \(name) needs dtype, shape and data_offsets")
            }
            let shape = try shapeJ.map { v -> Int in
                guard let d = v.intValue, d >= 0 else { throw ModelFileError("\(file): tensor \(name) has a bad shape") }
                return d
            }
            let size: Int
            switch dtype {
            case "F64": size = 8
            case "F32": size = 4
            case "F16", "BF16": size = 2
            default: throw ModelFileError("\(file): tensor \(name) is \(dtype); expected F64, F32, F16 or BF16")
            }
            guard let count = Sizes.product(shape), let byteCount = Sizes.product(count, size) else {
                throw ModelFileError("\(file): tensor \(name)'s shape \(Tensor.shapeText(shape)) holds more values than any file can")
            }
            guard begin >= 0, end >= begin, end <= dataLength else {
                throw ModelFileError("\(file): tensor \(name)'s data_offsets [\(begin), \(end)] fall outside the \(dataLength) data bytes")
            }
            guard end - begin == byteCount else {
                throw ModelFileError("\(file): tensor \(name) is \(Tensor.shapeText(shape)) \(dtype) (\(byteCount) bytes) but its offsets span \(end - begin) bytes")
            }
            spans.append((begin, end, name))
            var values = [Double](repeating: 0, count: count)
            let base = dataStart + begin
            for i in 0..<count {
                if i & 0xFFFF == 0xFFFF { try Interruption.check() }
                let p = base + i * size
                switch dtype {
                case "F64":
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(bytes[p + k]) << (8 * UInt64(k)) }
                    values[i] = Double(bitPattern: bits)
                case "F32":
                    var bits: UInt32 = 0
                    for k in 0..<4 { bits |= UInt32(bytes[p + k]) << (8 * UInt32(k)) }
                    values[i] = Double(Float(bitPattern: bits))
                case "F16":
                    values[i] = halfToDouble(UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8)
                default:  // BF16: the top half of a float32
                    values[i] = Double(Float(bitPattern: (UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8) << 16))
                }
            }
            tensors[name] = RawTensor(shape: shape, values: values)
        }
        spans.sort { $0.0 < $1.0 }
        for i in spans.indices.dropFirst() where spans[i].0 < spans[i - 1].1 {
            throw ModelFileError("\(file): tensors \(spans[i - 1].2) and \(spans[i].2) overlap")
        }
        return (tensors, metadata)
    }

    /// IEEE 754 half precision to double.
    static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exp = Int((h >> 10) & 0x1F), frac = Double(h & 0x3FF)
        if exp == 0 { return sign * frac * pow(2, -24) }
        if exp == 31 { return frac == 0 ? sign * .infinity : .nan }
        return sign * (1 + frac / 1024) * pow(2, Double(exp - 15))
    }

    public static func fromSafetensors(_ bytes: [UInt8], file: String, existing: ModelEntry?) throws -> ModelEntry {
        let (tensors, metadata) = try readSafetensors(bytes, file: file)
        func meta(_ key: String) throws -> JSON? {
            guard let text = metadata[key] else { return nil }
            do { return try JSON.parse(text) } catch { throw ModelFileError("\(file): the \(key) metadata is not valid JSON") }
        }
        func tensor(_ name: String) -> (shape: [Int], values: [Double])? { tensors[name].map { ($0.shape, $0.values) } }
        func onlyLinear() throws {
            if let extra = tensors.keys.sorted().first(where: { $0 != "fc.weight" && $0 != "fc.bias" }) {
                throw ModelFileError("\(file): unexpected tensor \(extra) for a bow model (nn.Linear: fc.weight and fc.bias)")
            }
        }
        if let text = metadata["rnn-kernel"], (try? JSON.parse(text))?["kind"]?.stringValue == "bow" {
            var config = try self.config(from: try meta("rnn-kernel")!, file: file)
            let (vocab, labels) = try readVocabulary(meta, config: config, file: file)
            config = try readBag(meta, config: config, vocab: vocab, labels: labels, file: file)
            try onlyLinear()
            let model = try bagModel(config, file: file, tensor)
            return ModelEntry(model: model, trainedSteps: metadata["trained_steps"].flatMap { Int($0) } ?? 0, vocab: vocab, labels: labels)
        }
        if metadata["rnn-kernel"] == nil, let existing, existing.model.config.bow != nil, existing.pendingInputSeed == nil, tensors["rnn.weight_ih_l0"] == nil {
            // nn.Linear's state dict that PyTorch wrote: the bow model it replaces keeps its words, terms and labels.
            try onlyLinear()
            var entry = existing
            entry.model = try bagModel(existing.model.config, file: file, tensor)
            entry.trainedSteps = 0
            entry.lossHistory = []
            entry.validationHistory = []
            return entry
        }
        var config: CellConfig
        if let text = metadata["rnn-kernel"] {
            let j: JSON
            do { j = try JSON.parse(text) } catch { throw ModelFileError("\(file): the rnn-kernel metadata is not valid JSON") }
            config = try self.config(from: j, file: file)
        } else {
            config = try inferConfig(tensors, file: file)
            if let existing {
                let e = existing.model.config
                // Keep what the file cannot say (activations, init) from the model it replaces.
                config.activation = e.activation
                config.outputActivation = e.outputActivation
                config.initializer = e.initializer
                // A bias=single cell takes PyTorch's two biases as their sum (gru's n-parts apart).
                config.singleBias = e.singleBias
                let same = e.kind == config.kind && e.input == config.input && e.embed == config.embed && e.hidden == config.hidden && e.layers == config.layers
                    && e.bidirectional == config.bidirectional && e.output == config.output && e.bias == config.bias && e.crf == config.crf
                guard same else {
                    throw ModelFileError("\(file) holds a \(config.kind.rawValue)(input=\(config.input)\(config.embed.map { ", embed=\($0)" } ?? ""), hidden=\(config.hidden), layers=\(config.layers)\(config.bidirectional ? ", bidirectional" : "")\(config.output.map { ", output=\($0)" } ?? "")\(config.bias ? "" : ", bias=false")\(config.crf ? ", crf=true" : "")), which does not match the existing model's shape")
                }
            }
        }
        let model = try fromStateDict(tensors, config: config, file: file)
        var (vocab, labels) = try readVocabulary({ key in
            guard let text = metadata[key] else { return nil }
            do { return try JSON.parse(text) } catch { throw ModelFileError("\(file): the \(key) metadata is not valid JSON") }
        }, config: config, file: file)
        // A file PyTorch wrote says nothing of words: the model it replaces keeps its own, if they fit.
        if vocab == nil, metadata["rnn-kernel"] == nil, let existing, existing.vocab?.width == config.input {
            vocab = existing.vocab
            labels = existing.labels
        }
        return ModelEntry(model: model, trainedSteps: metadata["trained_steps"].flatMap { Int($0) } ?? 0, vocab: vocab, labels: labels)
    }

    /// A model from PyTorch's state dict (names and layout of language.md): biases added, gru's
    /// n-parts kept apart. Every tensor must be there with its exact shape, and no other.
    static func fromStateDict(_ tensors: [String: RawTensor], config: CellConfig, file: String) throws -> Model {
        var model = Model(zerosFor: config)
        let H = config.hidden, G = config.gates.count
        func tensor(_ name: String, _ shape: [Int]) throws -> [Double] {
            guard let t = tensors[name] else { throw ModelFileError("\(file): missing tensor \(name) (\(Tensor.shapeText(shape)))") }
            guard t.shape == shape else { throw ModelFileError("\(file): tensor \(name) should be \(Tensor.shapeText(shape)), found \(Tensor.shapeText(t.shape))") }
            guard t.values.allSatisfy(\.isFinite) else { throw ModelFileError("\(file): tensor \(name) holds NaN or infinity") }
            return t.values
        }
        func set(_ name: String, _ values: [Double]) {
            let i = model.index(of: name)!
            model.parameters[i] = Tensor(shape: model.specs[i].shape, values: values)
        }
        var used: Set<String> = []
        if let E = config.embed {
            set("W_emb", try tensor("embedding.weight", [config.input, E]))
            used.insert("embedding.weight")
        }
        for l in 0..<config.layers {
            for d in 0..<config.directions {
                let s = CellConfig.suffix(layer: l, direction: d), ts = torchSuffix(layer: l, direction: d)
                let In = config.layerInput(l)
                let ih = try tensor("rnn.weight_ih" + ts, [G * H, In]), hh = try tensor("rnn.weight_hh" + ts, [G * H, H])
                used.formUnion(["rnn.weight_ih" + ts, "rnn.weight_hh" + ts])
                for (k, g) in config.gates.enumerated() {
                    set("W_x\(g)\(s)", Array(ih[(k * H * In)..<((k + 1) * H * In)]))
                    set("W_h\(g)\(s)", Array(hh[(k * H * H)..<((k + 1) * H * H)]))
                }
                if config.bias {
                    let bih = try tensor("rnn.bias_ih" + ts, [G * H]), bhh = try tensor("rnn.bias_hh" + ts, [G * H])
                    used.formUnion(["rnn.bias_ih" + ts, "rnn.bias_hh" + ts])
                    for (k, g) in config.gates.enumerated() {
                        let a = Array(bih[(k * H)..<((k + 1) * H)]), b = Array(bhh[(k * H)..<((k + 1) * H)])
                        if config.twoBiases {
                            set("b_x\(g)\(s)", a)
                            set("b_h\(g)\(s)", b)
                        } else if config.kind == .gru && g == "n" {
                            set("b_xn\(s)", a)
                            set("b_hn\(s)", b)
                        } else {
                            set("b_\(g)\(s)", zip(a, b).map(+))
                        }
                    }
                }
            }
        }
        if let O = config.output {
            set("W_hy", try tensor("fc.weight", [O, config.stateWidth]))
            used.insert("fc.weight")
            if config.bias {
                set("b_y", try tensor("fc.bias", [O]))
                used.insert("fc.bias")
            }
        }
        if config.crf {
            let K = config.outputWidth
            for name in CellConfig.crfNames {
                set(name, try tensor("crf." + name, name == "transitions" ? [K, K] : [K]))
                used.insert("crf." + name)
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw ModelFileError("\(file): unexpected tensor \(extra) for \(config.kind.rawValue)(hidden=\(H), layers=\(config.layers)\(config.bidirectional ? ", bidirectional" : ""))")
        }
        return model
    }

    /// A file PyTorch wrote (no rnn-kernel metadata): kind, sizes, layers and directions from the
    /// tensor names and shapes.
    static func inferConfig(_ t: [String: RawTensor], file: String) throws -> CellConfig {
        guard let ih = t["rnn.weight_ih_l0"], let hh = t["rnn.weight_hh_l0"], ih.shape.count == 2, hh.shape.count == 2 else {
            throw ModelFileError("\(file): missing tensor rnn.weight_ih_l0 / rnn.weight_hh_l0; expected the state dict of a model with `self.rnn = nn.RNN|LSTM|GRU(...)` and optionally `self.embedding = nn.Embedding(...)` and `self.fc = nn.Linear(...)`")
        }
        let H = hh.shape[1]
        guard H > 0, hh.shape[0] % H == 0 else { throw ModelFileError("\(file): rnn.weight_hh_l0 is \(Tensor.shapeText(hh.shape)); expected (gates·H)×H") }
        let kind: CellKind
        switch hh.shape[0] / H {
        case 1: kind = .rnn
        case 3: kind = .gru
        case 4: kind = .lstm
        default: throw ModelFileError("\(file): rnn.weight_hh_l0 is \(Tensor.shapeText(hh.shape)): \(hh.shape[0] / H) gates, expected 1 (rnn), 3 (gru) or 4 (lstm)")
        }
        var layers = 0
        while t["rnn.weight_ih_l\(layers)"] != nil { layers += 1 }
        var c = CellConfig(kind: kind, input: ih.shape[1], hidden: H, layers: layers,
                           bidirectional: t["rnn.weight_ih_l0_reverse"] != nil, bias: t["rnn.bias_ih_l0"] != nil)
        if let fc = t["fc.weight"], fc.shape.count == 2 { c.output = fc.shape[0] }
        // nn.Embedding(V, E) before the RNN: V is the vocabulary (x_t's one-hot width), E what the RNN reads.
        if let emb = t["embedding.weight"] {
            guard emb.shape.count == 2, emb.shape[0] >= 1, emb.shape[1] == ih.shape[1] else {
                throw ModelFileError("\(file): embedding.weight is \(Tensor.shapeText(emb.shape)); expected V×\(ih.shape[1]) (rnn.weight_ih_l0 reads \(ih.shape[1]) values a step)")
            }
            c.input = emb.shape[0]
            c.embed = emb.shape[1]
        }
        c.crf = t["crf.transitions"] != nil
        guard c.input >= 1, c.output.map({ $0 >= 1 }) ?? true else {
            throw ModelFileError("\(file): rnn.weight_ih_l0 is \(Tensor.shapeText(ih.shape)); expected an input width of at least 1")
        }
        try checkBudget(c, file: file)
        return c
    }
}

extension Array where Element == String {
    /// The list when it names exactly `count` things (a file's words or tags must fit the model), else nil.
    func nonEmpty(count: Int) -> [String]? { self.count == count && count > 0 ? self : nil }
}
