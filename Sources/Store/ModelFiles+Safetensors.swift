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

    /// A safetensors file's header (its entries in order) and where its data starts, nothing decoded.
    static func safetensorsHeader(_ bytes: [UInt8], file: String) throws -> (entries: [(key: String, value: JSON)], dataStart: Int) {
        guard bytes.count >= 8 else { throw ModelFileError("\(file) is too short to be a safetensors file (\(bytes.count) bytes)") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= 100_000_000 else { throw ModelFileError("\(file): the header claims \(n) bytes, more than the 100 MB safetensors allows") }
        guard 8 + Int(n) <= bytes.count else { throw ModelFileError("\(file) is truncated: the header needs \(n) bytes, the file has \(bytes.count - 8)") }
        let header: JSON
        do { header = try JSON.parse(bytes: bytes[8..<(8 + Int(n))], maxBytes: maxParsedJSONBytes) } catch let e as JSONLimitError {
            throw ModelFileError("\(file): the header \(e)")
        } catch { throw ModelFileError("\(file): the header is not valid JSON (\(error))") }
        guard case let .object(entries) = header else { throw ModelFileError("\(file): the header must be a JSON object") }
        return (entries, 8 + Int(n))
    }

    /// Parses a safetensors file's header and tensors, checking every offset.
    static func readSafetensors(_ bytes: [UInt8], file: String) throws -> (tensors: [String: RawTensor], metadata: [String: String]) {
        let (entries, dataStart) = try safetensorsHeader(bytes, file: file)
        let dataLength = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var spans: [Span] = []
        var seen: Set<String> = []
        // Every entry and every span is checked before any value is decoded: two tensors may not
        // share bytes, so what is decoded is bounded by the file's size (at most four doubles' bytes
        // a byte, for F16). Decoding first and checking the overlaps after let a small file name one
        // span a hundred times and fill the memory with copies of it.
        for (name, info) in entries {
            // JSON allows a repeated key, which safetensors' own reader refuses: which tensor is meant?
            guard seen.insert(name).inserted else {
                throw ModelFileError("\(file): the header names \(name) twice; expected each tensor once")
            }
            if name == "__metadata__" {
                for (k, v) in info.objectValue ?? [] { if let s = v.stringValue { metadata[k] = s } }
                continue
            }
            guard let dtype = info["dtype"]?.stringValue, let shapeJ = info["shape"]?.arrayValue, let offs = info["data_offsets"]?.arrayValue else {
                throw ModelFileError("\(file): tensor \(name) needs dtype, shape and data_offsets")
            }
            guard offs.count == 2, let begin = offs[0].intValue, let end = offs[1].intValue else {
                throw ModelFileError("\(file): tensor \(name)'s data_offsets must be two whole numbers [begin, end] within the \(dataLength) data bytes")
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
            spans.append(Span(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end))
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        // Empty tensors take no bytes and overlap nothing.
        let filled = spans.filter { $0.end > $0.begin }
        for i in filled.indices.dropFirst() where filled[i].begin < filled[i - 1].end {
            throw ModelFileError("\(file): tensors \(filled[i - 1].name) and \(filled[i].name) overlap")
        }
        var tensors: [String: RawTensor] = [:]
        for span in spans {
            tensors[span.name] = RawTensor(shape: span.shape, values: try decode(bytes, from: dataStart + span.begin, count: span.count, dtype: span.dtype))
        }
        return (tensors, metadata)
    }

    /// One tensor's place in the data, checked, before its values are decoded.
    struct Span {
        let name: String, dtype: String, shape: [Int], count: Int, begin: Int, end: Int
    }

    /// count little-endian values of dtype from bytes[base...] (the caller has checked the span).
    static func decode(_ bytes: [UInt8], from base: Int, count: Int, dtype: String) throws -> [Double] {
        var values = [Double](repeating: 0, count: count)
        try bytes.withUnsafeBytes { raw in
            try values.withUnsafeMutableBufferPointer { out in
                // A chunk at a time, so an interrupt is heard within a few milliseconds.
                var i0 = 0
                while i0 < count {
                    try Interruption.check()
                    let i1 = min(count, i0 + 1 << 20)
                    switch dtype {
                    case "F64":
                        for i in i0..<i1 { out[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self))) }
                    case "F32":
                        for i in i0..<i1 { out[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))) }
                    case "F16":
                        for i in i0..<i1 { out[i] = halfToDouble(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))) }
                    default:  // BF16: the top half of a float32
                        for i in i0..<i1 {
                            let h = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))
                            out[i] = Double(Float(bitPattern: UInt32(h) << 16))
                        }
                    }
                    i0 = i1
                }
            }
        }
        return values
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
            do { return try parseFileJSON(text) } catch { throw ModelFileError("\(file): the \(key) metadata is not valid JSON") }
        }
        func tensor(_ name: String) -> (shape: [Int], values: [Double])? { tensors[name].map { ($0.shape, $0.values) } }
        func onlyLinear() throws {
            if let extra = tensors.keys.sorted().first(where: { $0 != "fc.weight" && $0 != "fc.bias" }) {
                throw ModelFileError("\(file): unexpected tensor \(extra) for a bow model (nn.Linear: fc.weight and fc.bias)")
            }
        }
        if let text = metadata["rnn-kernel"], (try? parseFileJSON(text))?["kind"]?.stringValue == "bow" {
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
            do { j = try parseFileJSON(text) } catch { throw ModelFileError("\(file): the rnn-kernel metadata is not valid JSON") }
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
            do { return try parseFileJSON(text) } catch { throw ModelFileError("\(file): the \(key) metadata is not valid JSON") }
        }, config: config, file: file)
        // A file PyTorch wrote says nothing of words: the model it replaces keeps its own, if they fit.
        if vocab == nil, metadata["rnn-kernel"] == nil, let existing, existing.vocab?.width == config.input {
            vocab = existing.vocab
            labels = existing.labels
        }
        return ModelEntry(model: model, trainedSteps: try trainedSteps(nil, text: metadata["trained_steps"], file: file), vocab: vocab, labels: labels)
    }
}
