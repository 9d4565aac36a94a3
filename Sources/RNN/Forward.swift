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
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
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
    public func validate(sequence: [[Double]]) throws {
        guard !sequence.isEmpty else { throw ModelError(.shape, "expected a sequence of at least one step, found an empty one") }
        for (t, x) in sequence.enumerated() {
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
                throw ModelError(.shape, "expected h0 to have \(H * L * D) values (hidden=\(H)\(L * D > 1 ? " × \(L * D) layers and directions" : "")), found \(h0.count)")
            }
            if h0.contains(where: { !$0.isFinite }) { throw ModelError(.value, "expected finite numbers in h0") }
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
        var logits = layerInput
        if let O = config.output, let W = parameter("W_hy") {
            let b = parameter("b_y")?.values
            logits = layerInput.map { affine(W.values, rows: O, cols: config.stateWidth, $0, b) }
        }
        let outputs: [[Double]]
        switch config.outputActivation {
        case .identity: outputs = logits
        case .softmax: outputs = logits.map(softmax)
        case .sigmoid: outputs = logits.map { $0.map(sigmoid) }
        }
        return ForwardTrace(layers: traces, states: layerInput, logits: logits, outputs: outputs)
    }

    /// One layer in one direction, step by step, exactly as the equations in language.md read.
    func runDirection(layer: Int, direction: Int, inputs: [[Double]], h0: [Double]?) throws -> [StepRecord] {
        let H = config.hidden
        let I = config.layerInput(layer)
        let s = CellConfig.suffix(layer: layer, direction: direction)
        func W(_ name: String) -> [Double] { parameter(name + s)!.values }
        func b(_ name: String) -> [Double]? { config.bias ? parameter(name + s)!.values : nil }
        let two = config.twoBiases
        /// (W_x· x + b_x·) + (W_h· h + b_h·) as PyTorch writes it; one bias: W_x· x + b_· + W_h· h.
        func pre(_ g: String, _ x: [Double], _ h: [Double]) -> [Double] {
            let a = affine(W("W_x" + g), rows: H, cols: I, x, b((two ? "b_x" : "b_") + g))
            let r = affine(W("W_h" + g), rows: H, cols: H, h, two ? b("b_h" + g) : nil)
            return zip(a, r).map { $0 + $1 }
        }
        var h = h0 ?? [Double](repeating: 0, count: H)
        var c = [Double](repeating: 0, count: H)
        var out: [StepRecord] = []
        let order = direction == 0 ? Array(inputs.indices) : Array(inputs.indices.reversed())
        for t in order {
            if t & 0xFF == 0 { try Interruption.check() }
            let x = inputs[t]
            switch config.kind {
            case .rnn:
                let a = pre("h", x, h)
                let hNew: [Double]
                switch config.activation {
                case .tanh: hNew = a.map { tanh($0) }
                case .relu: hNew = a.map { max(0, $0) }
                case .linear: hNew = a
                }
                out.append(StepRecord(t: t, x: x, hPrev: h, h: hNew, cPrev: nil, c: nil, gates: []))
                h = hNew
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
                out.append(StepRecord(t: t, x: x, hPrev: h, h: hNew, cPrev: c, c: cNew, gates: [("i", i), ("f", f), ("g", g), ("o", o)]))
                h = hNew
                c = cNew
            case .gru:
                let r = pre("r", x, h).map(sigmoid)
                let z = pre("z", x, h).map(sigmoid)
                let nx = affine(W("W_xn"), rows: H, cols: I, x, b("b_xn"))
                let nh = affine(W("W_hn"), rows: H, cols: H, h, b("b_hn"))
                var n = nx, hNew = h
                for k in 0..<H {
                    n[k] = tanh(nx[k] + r[k] * nh[k])
                    hNew[k] = (1 - z[k]) * n[k] + z[k] * h[k]
                }
                out.append(StepRecord(t: t, x: x, hPrev: h, h: hNew, cPrev: nil, c: nil, gates: [("r", r), ("z", z), ("n", n)]))
                h = hNew
            }
        }
        return out
    }
}

/// A number for messages: integral values without ".0".
public func formatValue(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == v.rounded(), abs(v) < 1e16 { return v == 0 ? "0" : String(Int64(v)) }
    return "\(v)"
}
