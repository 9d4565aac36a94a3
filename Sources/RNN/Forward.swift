#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error in what a model was given: the message names what was expected and what was found.
public struct ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case shape, value }
    public let kind: Kind
    public let message: String
    /// The argument of the statement the error concerns, where the language puts its caret.
    public let argument: ModelArgument
    public init(_ kind: Kind, _ message: String, about argument: ModelArgument = .data) {
        self.kind = kind
        self.message = message
        self.argument = argument
    }
    public var description: String { message }
}

/// What a model error is about, named by the role it plays in a statement (not by its text), so the
/// language can map it to the source range it came from.
public enum ModelArgument: Equatable, Sendable {
    /// The data or sequence the model reads (the default).
    case data
    /// The targets: backward's target=, or the targets inside train's data.
    case target
    /// A named option (lr, h0, loss, layer, direction, validation, …).
    case option(String)
    /// The model itself: its shape or kind does not suit the request.
    case model
    /// The run as a whole, e.g. values that diverged on the way.
    case statement
}

/// One time step of one layer and direction, everything the step table shows.
public struct StepRecord: Equatable, Sendable {
    /// The time index (0-based) this step read; a reverse direction visits T-1 down to 0.
    public var t: Int
    public var x: [Double]
    public var hPrev: [Double]
    public var h: [Double]
    /// lstm only: c_{t-1} and c_t.
    public var cPrev: [Double]?
    public var c: [Double]?
    /// lstm: i, f, g, o; gru: r, z, n; rnn: none.
    public var gates: [(name: String, values: [Double])]

    public static func == (a: StepRecord, b: StepRecord) -> Bool {
        a.t == b.t && a.x == b.x && a.hPrev == b.hPrev && a.h == b.h && a.cPrev == b.cPrev && a.c == b.c
            && a.gates.map(\.name) == b.gates.map(\.name) && a.gates.map(\.values) == b.gates.map(\.values)
    }
}

/// The steps of one layer in one direction, in the order they were computed.
public struct LayerTrace: Equatable, Sendable {
    public var layer: Int
    /// 0 forward, 1 reverse.
    public var direction: Int
    public var steps: [StepRecord]
}

/// A whole forward pass, step by step.
public struct ForwardTrace: Equatable, Sendable {
    public var layers: [LayerTrace]
    /// The top layer's state per time step ([forward ; reverse] when bidirectional).
    public var states: [[Double]]
    /// W_hy h_t + b_y per time step (the states themselves without an output layer): the logits.
    public var logits: [[Double]]
    /// y_t: the logits through output_activation.
    public var outputs: [[Double]]
}

/// y = W x (+ b), W row-major rows×cols.
@inline(__always)
func affine(_ W: [Double], rows: Int, cols: Int, _ x: [Double], _ b: [Double]?) -> [Double] {
    var y = b ?? [Double](repeating: 0, count: rows)
    W.withUnsafeBufferPointer { w in
        x.withUnsafeBufferPointer { xv in
            for r in 0..<rows {
                var s = 0.0
                let row = r * cols
                for c in 0..<cols { s += w[row + c] * xv[c] }
                y[r] += s
            }
        }
    }
    return y
}

@inline(__always) func sigmoid(_ v: Double) -> Double { 1.0 / (1.0 + exp(-v)) }

/// Softmax with the maximum subtracted first, so large logits do not overflow.
public func softmax(_ z: [Double]) -> [Double] {
    guard let m = z.max() else { return [] }
    let e = z.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

extension Model {
    /// Checks that a sequence's steps all have the model's input width and are finite.
    /// `start`: the time index of the first step, for messages (a stepper reads one step at a time).
    public func validate(sequence: [[Double]], start: Int = 0) throws {
        guard !sequence.isEmpty else { throw ModelError(.shape, "expected a sequence of at least one step, found an empty one") }
        for (t, x) in zip(start..., sequence) {
            guard x.count == config.input else {
                throw ModelError(.shape, "expected each x_t to have \(config.input) value\(config.input == 1 ? "" : "s") (input=\(config.input)), found \(x.count) at t=\(t + 1)")
            }
            if let bad = x.firstIndex(where: { !$0.isFinite }) {
                throw ModelError(.value, "expected finite numbers, found \(formatValue(x[bad])) in x_\(t + 1)")
            }
        }
    }

    /// Runs the model over one sequence, keeping every intermediate value.
    /// `h0`: the initial state, either H values (a one-layer, one-direction model) or
    /// layers × directions × H values in PyTorch's order; zeros when nil. c_0 is zero.
    public func forward(_ sequence: [[Double]], h0: [Double]? = nil) throws -> ForwardTrace {
        if let bow = config.bow {
            if h0 != nil { try requireRecurrent("start from h0") }
            return try bagForward(sequence, bow)
        }
        try validate(sequence: sequence)
        let H = config.hidden, L = config.layers, D = config.directions
        if let h0 {
            guard h0.count == H * L * D else {
                throw ModelError(.shape, "expected h0 to have \(H * L * D) values (hidden=\(H)\(L * D > 1 ? " × \(L * D) layers and directions" : "")), found \(h0.count)", about: .option("h0"))
            }
            if h0.contains(where: { !$0.isFinite }) { throw ModelError(.value, "expected finite numbers in h0", about: .option("h0")) }
        }
        let T = sequence.count
        // The trace keeps every step of every layer: x_t, h_{t-1}, h_t, c, the gates, and each array's own overhead.
        let perStep = Sizes.sum([max(config.layerInput(0), config.layerInput(L - 1)), Sizes.product(H, 4 + config.gates.count), 4 * (5 + config.gates.count)])
        try Budget.check(Sizes.product(L, D, T, perStep ?? -1), \.maxDatasetValues, "the numbers a forward pass over \(T) steps and \(L * D) layers keeps")
        // An embedding model's first layer reads x_t = W_emb[token_t].
        var layerInput = config.embed == nil ? sequence : try tokenIDs(sequence).map(embedding(of:))
        var traces: [LayerTrace] = []
        for layer in 0..<L {
            var layerOutput = [[Double]](repeating: [], count: T)
            for direction in 0..<D {
                let start = h0.map { Array($0[((layer * D + direction) * H)..<((layer * D + direction + 1) * H)]) }
                try Interruption.check()
                let steps = try runDirection(layer: layer, direction: direction, inputs: layerInput, h0: start)
                for s in steps { layerOutput[s.t] += s.h }
                traces.append(LayerTrace(layer: layer, direction: direction, steps: steps))
            }
            layerInput = layerOutput
        }
        let read = layerInput.map(readOut)
        return ForwardTrace(layers: traces, states: layerInput, logits: read.map(\.logits), outputs: read.map(\.output))
    }

    /// One layer in one direction, step by step, exactly as the equations in language.md read.
    func runDirection(layer: Int, direction: Int, inputs: [[Double]], h0: [Double]?) throws -> [StepRecord] {
        let cell = CellStep(self, layer: layer, direction: direction)
        var h = h0 ?? [Double](repeating: 0, count: config.hidden)
        var c = [Double](repeating: 0, count: config.hidden)
        var out: [StepRecord] = []
        let order = direction == 0 ? Array(inputs.indices) : Array(inputs.indices.reversed())
        for t in order {
            if t & 0xFF == 0 { try Interruption.check() }
            let s = cell.step(t: t, x: inputs[t], h: h, c: c)
            out.append(s)
            h = s.h
            if let cNew = s.c { c = cNew }
        }
        return out
    }

    /// logits = W_hy h_t + b_y (h_t itself without an output layer), and y_t through output_activation.
    func readOut(_ state: [Double]) -> (logits: [Double], output: [Double]) {
        var logits = state
        if let O = config.output, let W = parameter("W_hy") {
            logits = affine(W.values, rows: O, cols: config.stateWidth, state, parameter("b_y")?.values)
        }
        switch config.outputActivation {
        case .identity: return (logits, logits)
        case .softmax: return (logits, softmax(logits))
        case .sigmoid: return (logits, logits.map(sigmoid))
        }
    }
}

/// One cell's step in one layer and direction: the parameters looked up once, the equations applied.
struct CellStep {
    let config: CellConfig
    let I: Int
    let W: [String: [Double]]
    let b: [String: [Double]]

    init(_ model: Model, layer: Int, direction: Int) {
        config = model.config
        I = model.config.layerInput(layer)
        let s = CellConfig.suffix(layer: layer, direction: direction)
        var W: [String: [Double]] = [:], b: [String: [Double]] = [:]
        for (spec, p) in zip(model.specs, model.parameters) where spec.name.hasSuffix(s) {
            let base = String(spec.name.dropLast(s.count))
            if base.hasPrefix("W_") { W[base] = p.values } else if base.hasPrefix("b_") { b[base] = p.values }
        }
        self.W = W
        self.b = b
    }

    /// (W_x· x + b_x·) + (W_h· h + b_h·) as PyTorch writes it; one bias: W_x· x + b_· + W_h· h.
    func pre(_ g: String, _ x: [Double], _ h: [Double]) -> [Double] {
        let H = config.hidden, two = config.twoBiases, bias = config.bias
        let a = affine(W["W_x" + g]!, rows: H, cols: I, x, bias ? b[(two ? "b_x" : "b_") + g] : nil)
        let r = affine(W["W_h" + g]!, rows: H, cols: H, h, bias && two ? b["b_h" + g] : nil)
        return zip(a, r).map { $0 + $1 }
    }

    /// The step at time index `t` from h_{t-1} = `h` and (lstm) c_{t-1} = `c`.
    func step(t: Int, x: [Double], h: [Double], c: [Double]) -> StepRecord {
        let H = config.hidden
        switch config.kind {
        case .rnn:
            let a = pre("h", x, h)
            let hNew: [Double]
            switch config.activation {
            case .tanh: hNew = a.map { tanh($0) }
            case .relu: hNew = a.map { max(0, $0) }
            case .linear: hNew = a
            }
            return StepRecord(t: t, x: x, hPrev: h, h: hNew, cPrev: nil, c: nil, gates: [])
        case .lstm:
            let i = pre("i", x, h).map(sigmoid)
            let f = pre("f", x, h).map(sigmoid)
            let g = pre("g", x, h).map { tanh($0) }
            let o = pre("o", x, h).map(sigmoid)
            var cNew = c, hNew = h
            for k in 0..<H {
                cNew[k] = f[k] * c[k] + i[k] * g[k]
                hNew[k] = o[k] * tanh(cNew[k])
            }
            return StepRecord(t: t, x: x, hPrev: h, h: hNew, cPrev: c, c: cNew, gates: [("i", i), ("f", f), ("g", g), ("o", o)])
        case .gru:
            let r = pre("r", x, h).map(sigmoid)
            let z = pre("z", x, h).map(sigmoid)
            let bias = config.bias
            let nx = affine(W["W_xn"]!, rows: H, cols: I, x, bias ? b["b_xn"] : nil)
            let nh = affine(W["W_hn"]!, rows: H, cols: H, h, bias ? b["b_hn"] : nil)
            var n = nx, hNew = h
            for k in 0..<H {
                n[k] = tanh(nx[k] + r[k] * nh[k])
                hNew[k] = (1 - z[k]) * n[k] + z[k] * h[k]
            }
            return StepRecord(t: t, x: x, hPrev: h, h: hNew, cPrev: nil, c: nil, gates: [("r", r), ("z", z), ("n", n)])
        }
    }
}

/// A one-directional recurrent model read one x_t at a time, keeping h_t (and c_t) of every layer
/// between calls: the arithmetic of `forward`, in its order, so each y_t has forward's bits, but a
/// continuation costs one step instead of a pass over the whole prefix (sample, generate).
public struct ModelStepper {
    let model: Model
    let cells: [CellStep]
    var h: [[Double]]
    var c: [[Double]]
    var t = 0

    public init(_ model: Model) throws {
        try model.requireRecurrent("read step by step")
        guard !model.config.bidirectional else {
            throw ModelError(.value, "reading step by step needs a one-directional model: a bidirectional one reads the future", about: .model)
        }
        self.model = model
        cells = (0..<model.config.layers).map { CellStep(model, layer: $0, direction: 0) }
        h = Array(repeating: [Double](repeating: 0, count: model.config.hidden), count: model.config.layers)
        c = h
    }

    /// Reads x_t and returns the logits and y_t of that step.
    public mutating func step(_ x: [Double]) throws -> (logits: [Double], output: [Double]) {
        try model.validate(sequence: [x], start: t)
        var input = x
        if model.config.embed != nil {
            input = model.embedding(of: try model.tokenIDs([x], start: t)[0])
        }
        for layer in cells.indices {
            let s = cells[layer].step(t: t, x: input, h: h[layer], c: c[layer])
            h[layer] = s.h
            if let cNew = s.c { c[layer] = cNew }
            input = s.h
        }
        t += 1
        return model.readOut(input)
    }
}

/// A number for messages: integral values without ".0".
public func formatValue(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == v.rounded(), abs(v) < 1e16 { return v == 0 ? "0" : String(Int64(v)) }
    return "\(v)"
}
