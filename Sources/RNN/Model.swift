/// The kind of recurrent cell.
public enum CellKind: String, CaseIterable, Sendable {
    case rnn, lstm, gru
}

/// The hidden activation of a vanilla rnn cell.
public enum Activation: String, CaseIterable, Sendable {
    case tanh, relu, linear
}

/// What is applied to W_hy h_t + b_y before it is shown as y_t.
public enum OutputActivation: String, CaseIterable, Sendable {
    case identity, softmax, sigmoid
}

/// How parameters are drawn when a model is made.
public enum Initializer: String, CaseIterable, Sendable {
    case uniform, xavier, he, orthogonal, normal, zeros, ones, identity
}

/// Everything that fixes a model's shape and its initial numbers.
public struct CellConfig: Equatable, Sendable {
    public var kind: CellKind
    public var input: Int
    public var hidden: Int
    /// nil: no output layer, y_t = h_t.
    public var output: Int?
    public var layers: Int = 1
    public var bidirectional: Bool = false
    public var activation: Activation = .tanh
    public var outputActivation: OutputActivation = .identity
    public var initializer: Initializer = .uniform
    /// Whether the cell and the output layer have biases at all (`bias=false` turns them off).
    public var bias: Bool = true
    /// With `bias`: one bias per gate (`bias=single`, Keras's convention) instead of PyTorch's two,
    /// an x-side and an h-side one (`bias=true`, the default).
    public var singleBias: Bool = false
    /// `embed=E`: x_t is row token_t of W_emb (V×E, V = `input`, the vocabulary's size), as
    /// nn.Embedding gives it; nil: x_t is the input vector itself.
    public var embed: Int? = nil
    public var seed: UInt64? = nil
    /// A linear-chain CRF over y_t (the emissions): `transitions`, `start_transitions` and
    /// `end_transitions` follow W_hy, b_y; the loss is its negative log-likelihood, and prediction Viterbi.
    public var crf: Bool = false
    /// `bow(...)`: no recurrence at all, a linear classifier on the sentence's n-gram features:
    /// parameters `W` (output × terms) and `b` (output), read by `BagOfWords` instead of the engine.
    public var bow: BagOfWords? = nil

    public init(kind: CellKind, input: Int, hidden: Int, output: Int? = nil, layers: Int = 1,
                bidirectional: Bool = false, activation: Activation = .tanh,
                outputActivation: OutputActivation = .identity, initializer: Initializer = .uniform,
                bias: Bool = true, singleBias: Bool = false, seed: UInt64? = nil, embed: Int? = nil, crf: Bool = false) {
        self.kind = kind
        self.input = input
        self.hidden = hidden
        self.output = output
        self.layers = layers
        self.bidirectional = bidirectional
        self.activation = activation
        self.outputActivation = outputActivation
        self.initializer = initializer
        self.bias = bias
        self.singleBias = singleBias
        self.seed = seed
        self.embed = embed
        self.crf = crf
    }

    /// PyTorch's two biases per gate: `b_x·` (bias_ih) and `b_h·` (bias_hh).
    public var twoBiases: Bool { bias && !singleBias }
    /// The `bias=` option as it is written: `true`, `single` or `false`.
    public var biasOption: String { !bias ? "false" : singleBias ? "single" : "true" }

    /// The gates whose x-side and h-side biases add into one textbook bias `b_g` (gru's n gate keeps
    /// b_hn inside r ⊙ (W_hn h + b_hn), so it has no such sum).
    public var summedGates: [String] { kind == .gru ? ["r", "z"] : gates }

    public var directions: Int { bidirectional ? 2 : 1 }
    /// Width of the top layer's h_t, which is what the output layer (or y_t) sees.
    public var stateWidth: Int { hidden * directions }
    /// Width of y_t.
    public var outputWidth: Int { output ?? stateWidth }
    /// Input width of layer `layer` (0-based): layer 0 reads the embedding (E) or x_t itself.
    public func layerInput(_ layer: Int) -> Int { layer == 0 ? embed ?? input : stateWidth }

    /// The gate letters of one direction of one layer, in PyTorch's stacking order.
    public var gates: [String] {
        switch kind {
        case .rnn: return ["h"]
        case .lstm: return ["i", "f", "g", "o"]
        case .gru: return ["r", "z", "n"]
        }
    }

    /// `_l1`, `_reverse`, `_l1_reverse`: the suffix the design gives layer `layer`, direction `direction`.
    public static func suffix(layer: Int, direction: Int) -> String {
        (layer > 0 ? "_l\(layer)" : "") + (direction == 1 ? "_reverse" : "")
    }

    /// Names and shapes of every parameter, in the model's canonical order: layer by layer, the
    /// forward direction before the reverse one, each gate's W_x·, W_h· and its biases (two biases:
    /// b_x·, b_h·; single: b_·, gru's n gate b_xn, b_hn); then W_hy, b_y. An embedding model's
    /// W_emb comes first, as `embedding.weight` heads the PyTorch twin's state dict.
    public var parameterSpecs: [ParameterSpec] {
        if let bow { return [ParameterSpec(name: "W", shape: [outputWidth, bow.termCount]), ParameterSpec(name: "b", shape: [outputWidth])] }
        var specs: [ParameterSpec] = []
        if let embed { specs.append(ParameterSpec(name: "W_emb", shape: [input, embed])) }
        for layer in 0..<layers {
            let inWidth = layerInput(layer)
            for direction in 0..<directions {
                let s = CellConfig.suffix(layer: layer, direction: direction)
                for g in gates {
                    specs.append(ParameterSpec(name: "W_x\(g)\(s)", shape: [hidden, inWidth]))
                    specs.append(ParameterSpec(name: "W_h\(g)\(s)", shape: [hidden, hidden]))
                    if twoBiases {
                        specs.append(ParameterSpec(name: "b_x\(g)\(s)", shape: [hidden]))
                        specs.append(ParameterSpec(name: "b_h\(g)\(s)", shape: [hidden]))
                    } else if bias {
                        if kind == .gru && g == "n" {
                            specs.append(ParameterSpec(name: "b_xn\(s)", shape: [hidden]))
                            specs.append(ParameterSpec(name: "b_hn\(s)", shape: [hidden]))
                        } else {
                            specs.append(ParameterSpec(name: "b_\(g)\(s)", shape: [hidden]))
                        }
                    }
                }
            }
        }
        if let output {
            specs.append(ParameterSpec(name: "W_hy", shape: [output, stateWidth]))
            if bias { specs.append(ParameterSpec(name: "b_y", shape: [output])) }
        }
        if crf {
            let K = outputWidth
            specs.append(ParameterSpec(name: "transitions", shape: [K, K]))
            specs.append(ParameterSpec(name: "start_transitions", shape: [K]))
            specs.append(ParameterSpec(name: "end_transitions", shape: [K]))
        }
        return specs
    }

    public var parameterCount: Int { parameterSpecs.reduce(0) { $0 + $1.count } }

    /// The number of parameters, computed without building the list and without overflow: nil
    /// when it does not fit in an Int. Checked against the budget before anything is allocated.
    public var checkedParameterCount: Int? {
        if let bow { return Sizes.product(outputWidth, bow.termCount + 1) }
        let G = gates.count, H = hidden, D = directions
        guard input >= 0, H >= 0, layers >= 1, (output ?? 0) >= 0 else { return nil }
        // Two biases: b_x· and b_h· for every gate; single: one a gate, and gru's n gate two (b_xn, b_hn).
        let biasPerDirection = twoBiases ? Sizes.product(2 * G, H) : bias ? Sizes.product(G + (kind == .gru ? 1 : 0), H) : 0
        func direction(_ inWidth: Int?) -> Int? {
            guard let inWidth, let x = Sizes.product(H, inWidth), let h = Sizes.product(H, H),
                  let weights = Sizes.product(G, Sizes.sum([x, h]) ?? -1) else { return nil }
            return Sizes.sum([weights, biasPerDirection])
        }
        guard (embed ?? 0) >= 0 else { return nil }
        let first = direction(embed ?? input).flatMap { Sizes.product($0, D) }
        let emb = embed.map { Sizes.product(input, $0) } ?? 0
        let rest = direction(Sizes.product(H, D)).flatMap { Sizes.product($0, D, layers - 1) }
        var out: Int? = 0
        if let O = output { out = Sizes.sum([Sizes.product(O, H, D), bias ? O : 0]) }
        var chain: Int? = 0
        if crf, let K = output ?? Sizes.product(H, D) { chain = Sizes.sum([Sizes.product(K, K), Sizes.product(2, K)]) }
        return Sizes.sum([emb, first, rest, out, chain])
    }

    /// The CRF's parameters, in canonical order after the output layer.
    public static let crfNames = ["transitions", "start_transitions", "end_transitions"]

    /// The names of one layer and direction's parameters without their suffix, in canonical order.
    var blockNames: [String] {
        var names: [String] = []
        for g in gates {
            names += ["W_x\(g)", "W_h\(g)"]
            if twoBiases {
                names += ["b_x\(g)", "b_h\(g)"]
            } else if bias {
                names += kind == .gru && g == "n" ? ["b_xn", "b_hn"] : ["b_\(g)"]
            }
        }
        return names
    }

    /// Where `name` is in `parameterSpecs`, found from its suffix without building the list (whose
    /// length grows with the layers: a lookup per layer must not cost a pass over all of them).
    public func index(of name: String) -> Int? {
        if bow != nil { return name == "W" ? 0 : name == "b" ? 1 : nil }
        if name == "W_emb" { return embed == nil ? nil : 0 }
        return blockIndex(of: name).map { $0 + (embed == nil ? 0 : 1) }
    }

    /// `index(of:)` among the cell's and output layer's parameters, W_emb not counted.
    private func blockIndex(of name: String) -> Int? {
        let block = blockNames
        let blocks = layers * directions
        if name == "W_hy" { return output == nil ? nil : blocks * block.count }
        if name == "b_y" { return output == nil || !bias ? nil : blocks * block.count + 1 }
        if let k = CellConfig.crfNames.firstIndex(of: name) {
            guard crf else { return nil }
            return blocks * block.count + (output == nil ? 0 : bias ? 2 : 1) + k
        }
        var base = Substring(name)
        var direction = 0, layer = 0
        if base.hasSuffix("_reverse") {
            guard bidirectional else { return nil }
            direction = 1
            base = base.dropLast("_reverse".count)
        }
        // `_l<k>` with k ≥ 1 (layer 0 has no suffix).
        let digits = base.reversed().prefix { $0 >= "0" && $0 <= "9" }.count
        if digits > 0, digits <= 18, base.dropLast(digits).hasSuffix("_l") {
            let number = base.suffix(digits)
            guard number.first != "0", let k = Int(number) else { return nil }
            layer = k
            base = base.dropLast(digits + 2)
        }
        guard layer < layers, let p = block.firstIndex(where: { $0 == base }) else { return nil }
        return (layer * directions + direction) * block.count + p
    }
}

/// A parameter's name and shape: [rows, cols] for a matrix, [n] for a vector.
public struct ParameterSpec: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// A row-major block of numbers with a shape: [rows, cols], [n] or [] (a scalar).
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Double]

    public init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.values = [Double](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { values.count }
    public var rows: Int { shape.first ?? 1 }
    public var cols: Int { shape.count > 1 ? shape[1] : 1 }

    public subscript(r: Int, c: Int) -> Double {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// "2×3" or "3" as shapes are written to users.
    public var shapeText: String { Tensor.shapeText(shape) }
    public static func shapeText(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")
    }
}

/// A model in the store: its configuration and its parameters in `config.parameterSpecs` order.
/// A value type, so a statement can work on a copy and commit it only when it succeeds.
public struct Model: Equatable, Sendable {
    public var config: CellConfig
    public var parameters: [Tensor]

    /// A model with every parameter zero; `Model(config:initializedWith:)` draws real values.
    public init(zerosFor config: CellConfig) {
        self.config = config
        self.parameters = config.parameterSpecs.map { Tensor(zeros: $0.shape) }
    }

    public var specs: [ParameterSpec] { config.parameterSpecs }
    public var parameterNames: [String] { specs.map(\.name) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func index(of name: String) -> Int? { config.index(of: name) }

    public func parameter(_ name: String) -> Tensor? { index(of: name).map { parameters[$0] } }

    /// Every parameter's values one after another, in canonical order.
    public var flatValues: [Double] { parameters.flatMap(\.values) }

    /// With two biases, a textbook bias name (`b_h`, `b_i_l1`, `b_r_reverse`, …) and the indices of
    /// the x-side and h-side biases it is the sum of; nil for any other name.
    public func biasSum(_ name: String) -> (x: Int, h: Int)? {
        guard config.twoBiases, name.hasPrefix("b_") else { return nil }
        let rest = name.dropFirst(2)
        guard let g = rest.first.map(String.init), config.summedGates.contains(g) else { return nil }
        let suffix = String(rest.dropFirst())
        guard let x = index(of: "b_x" + g + suffix), let h = index(of: "b_h" + g + suffix) else { return nil }
        return (x, h)
    }

    /// Every name `show`, `set`, `plot` and `NAME.PARAM` accept: the parameters, then (two biases)
    /// the textbook biases that read as sums.
    public var readableNames: [String] {
        let names = parameterNames
        guard config.twoBiases else { return names }
        return names + names.compactMap { n in
            guard n.hasPrefix("b_x") else { return nil }
            let t = "b_" + n.dropFirst(3)
            return biasSum(t) != nil ? t : nil
        }
    }

    /// A parameter, or a textbook bias read as the sum of its x-side and h-side parts.
    public func readable(_ name: String) -> Tensor? {
        if let p = parameter(name) { return p }
        guard let (x, h) = biasSum(name) else { return nil }
        return Tensor(shape: parameters[x].shape, values: zip(parameters[x].values, parameters[h].values).map(+))
    }

    /// The shape `set NAME.PARAM` expects for `name`, when it is a parameter or a textbook bias.
    public func readableShape(_ name: String) -> [Int]? {
        if let i = index(of: name) { return specs[i].shape }
        return biasSum(name).map { specs[$0.x].shape }
    }

    /// Sets a parameter; a textbook bias sets its x-side to `value` and its h-side to zero, so the
    /// sum is `value`. Returns false for an unknown name. The shape must already be checked.
    @discardableResult
    public mutating func setReadable(_ name: String, _ value: Tensor) -> Bool {
        if let i = index(of: name) { parameters[i] = value; return true }
        guard let (x, h) = biasSum(name) else { return false }
        parameters[x] = value
        parameters[h] = Tensor(zeros: value.shape)
        return true
    }
}
