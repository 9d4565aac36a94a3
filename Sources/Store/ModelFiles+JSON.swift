import JSON
import RNN

/// The model `.json`: its configuration, parameters at full precision, training count, vocabulary.
extension ModelFiles {
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
            guard v >= 1, v <= 1_000_000 else { throw ModelFileError("\(file): config.\(key) must be from 1 to 1000000, found \(v)") }
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

    public static func fromJSON(_ bytes: [UInt8], file: String, parsed: JSON? = nil) throws -> ModelEntry {
        let j = try parsed ?? parseModelJSON(bytes, file: file)
        guard j["format"]?.stringValue == "rnn-kernel model" else { throw ModelFileError("\(file): expected \"format\": \"rnn-kernel model\"; this is not a model saved by rnn-kernel") }
        guard let cj = j["config"] else { throw ModelFileError("\(file): missing \"config\"") }
        var c = try config(from: cj, file: file)
        // Version 1 files come from before PyTorch's two biases: their `"bias": true` cells had one
        // bias per gate, what `bias=single` is now, so they load as they were saved.
        let version: Int
        switch j["version"] {
        case nil: version = 1
        case let v?:
            // A later version may mean what this build would misread: refuse it rather than guess.
            guard let n = v.intValue, (1...2).contains(n) else {
                throw ModelFileError("\(file): \"version\" is \(String(v.serialized().prefix(40))); this build reads versions 1 and 2 (a newer rnn-kernel wrote it?)")
            }
            version = n
        }
        if version < 2 && c.bias { c.singleBias = true }
        guard case let .object(params)? = j["parameters"] else { throw ModelFileError("\(file): missing \"parameters\"") }
        if c.bow != nil {
            let (vocab, labels) = try readVocabulary({ j[$0] }, config: c, file: file)
            c = try readBag({ j[$0] }, config: c, vocab: vocab, labels: labels, file: file)
            let model = try bagModel(c, file: file) { name in
                guard let p = params.last(where: { $0.key == name })?.value, p.arrayCount != nil else { return nil }
                if name == "W" {
                    let rows = try (p.arrayValue ?? []).map { r -> [Double] in
                        guard let row = r.doublesValue else { throw ModelFileError("\(file): W must be a matrix of numbers") }
                        return row
                    }
                    guard Set(rows.map(\.count)).count <= 1 else { throw ModelFileError("\(file): W has rows of different lengths") }
                    return ([rows.count, rows.first?.count ?? 0], rows.flatMap { $0 })
                }
                guard let values = p.doublesValue else { throw ModelFileError("\(file): b must be a list of numbers") }
                return ([values.count], values)
            }
            if let extra = params.first(where: { $0.key != "W" && $0.key != "b" }) { throw ModelFileError("\(file): unexpected parameter \(extra.key) for a bow model (it has W and b)") }
            return ModelEntry(model: model, trainedSteps: try trainedSteps(j["trained_steps"], file: file), vocab: vocab, labels: labels)
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
                let cols = rows.first?.arrayCount ?? 0
                shape = [rows.count, cols]
                values.reserveCapacity(rows.count * cols)
                for r in rows {
                    guard r.arrayCount == cols else { throw ModelFileError("\(file): \(spec.name) has rows of different lengths") }
                    guard let row = r.doublesValue else { throw ModelFileError("\(file): \(spec.name) holds a value that is not a number") }
                    values += row
                }
            } else {
                guard p.arrayCount != nil else { throw ModelFileError("\(file): \(spec.name) must be a list of numbers") }
                guard let row = p.doublesValue else { throw ModelFileError("\(file): \(spec.name) holds a value that is not a number") }
                shape = [row.count]
                values = row
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
        return ModelEntry(model: model, trainedSteps: try trainedSteps(j["trained_steps"], file: file), vocab: vocab, labels: labels)
    }
}
