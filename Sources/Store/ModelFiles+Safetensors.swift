import JSON
import RNN

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The safetensors codec: an 8-byte header length, a JSON header (each tensor's dtype, shape and
/// byte range, and `__metadata__`), then the raw little-endian data; our config rides in the metadata.
extension ModelFiles {
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
        var seen: Set<String> = []
        for (name, info) in entries {
            // JSON allows a repeated key, which safetensors' own reader refuses: which tensor is meant?
            guard seen.insert(name).inserted else {
                throw ModelFileError("\(file): the header names \(name) twice; expected each tensor once")
            }
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
            return ModelEntry(model: model, trainedSteps: try trainedSteps(nil, text: metadata["trained_steps"], file: file), vocab: vocab, labels: labels)
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
                    throw ModelFileError("\(file) holds \(Wording.withArticle(config.kind.rawValue))(input=\(config.input)\(config.embed.map { ", embed=\($0)" } ?? ""), hidden=\(config.hidden), layers=\(config.layers)\(config.bidirectional ? ", bidirectional" : "")\(config.output.map { ", output=\($0)" } ?? "")\(config.bias ? "" : ", bias=false")\(config.crf ? ", crf=true" : "")), which does not match the existing model's shape")
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
        return ModelEntry(model: model, trainedSteps: try trainedSteps(nil, text: metadata["trained_steps"], file: file), vocab: vocab, labels: labels)
    }
}
