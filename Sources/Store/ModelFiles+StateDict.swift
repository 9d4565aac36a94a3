import JSON
import RNN

/// PyTorch's state-dict naming: our parameters as `nn.Embedding`, `nn.RNN|LSTM|GRU` and `nn.Linear`
/// (and torchcrf's `CRF`) name and stack them, both ways, and a configuration read from the names alone.
extension ModelFiles {
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
