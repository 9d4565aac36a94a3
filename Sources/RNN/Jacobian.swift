#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One step's Jacobian J_t = ∂s_t/∂s_{t-1} and the running product P_t = J_t ⋯ J_1 = ∂s_t/∂s_0.
public struct JacobianStep: Equatable, Sendable {
    /// The time index (0-based) of the step; a reverse direction visits T-1 down to 0.
    public var t: Int
    public var matrix: Matrix
    /// σ_max(J_t) = ‖J_t‖₂.
    public var norm: Double
    /// ‖P_t‖₂, the spectral norm of the running product (computed rescaled, so it does not
    /// underflow or overflow before the number itself does).
    public var productNorm: Double
    /// log10 ‖P_t‖₂, exact even where productNorm is 0 or infinite.
    public var productLog10: Double
}

/// The Jacobians of a whole sequence, and what the state s_t they differentiate is.
public struct JacobianTrace: Equatable, Sendable {
    /// Names of the components of s_t, in order: h1…hH (and c1…cH for an lstm), prefixed by the
    /// layer (l0.h1, …) when several layers make up the state.
    public var stateNames: [String]
    public var steps: [JacobianStep]
    public var forward: ForwardTrace
    /// The running product P_T itself, ∂s_T/∂s_0 (the rescaled product times its scale).
    public var product: Matrix
}

extension Model {
    /// J_t = ∂s_t/∂s_{t-1} at every step of `sequence`, with their running product.
    ///
    /// The state s_t is what the next step reads from the past: h_t for rnn and gru, (h_t, c_t) for
    /// an lstm (c_t carries the past too, so the h-only block would not chain into ∂s_T/∂s_0).
    /// - `layer == nil`, one direction: s_t stacks every layer's state, layer 0 first; a layer
    ///   above reads the state of the layer below at the same t, so J_t is block lower triangular.
    /// - `layer == k`: that layer's own recurrence, its input x_t held fixed.
    /// - `direction == 1` (bidirectional only, with a layer): the reverse recurrence, J_t = ∂s_t/∂s_{t+1}.
    public func jacobians(_ sequence: [[Double]], layer: Int?, direction: Int = 0) throws -> JacobianTrace {
        let L = config.layers
        if let layer, !(0..<L).contains(layer) {
            throw ModelError(.value, "expected layer to be from 0 to \(L - 1) (the model has \(L) layer\(L == 1 ? "" : "s")), found \(layer)", about: .option("layer"))
        }
        if config.bidirectional {
            if layer == nil && L > 1 {
                throw ModelError(.value, "a stacked bidirectional model has no single recurrence in time: layer 1 reads both directions of layer 0, one from the past and one from the future; pick one with layer=K and direction=forward|reverse", about: .option("layer"))
            }
        } else if direction != 0 {
            throw ModelError(.value, "direction=reverse needs a bidirectional model", about: .option("direction"))
        }
        let trace = try forward(sequence)
        let H = config.hidden
        let S = config.kind == .lstm ? 2 * H : H
        let layers: [Int] = layer.map { [$0] } ?? (config.bidirectional ? [0] : Array(0..<L))
        let total = S * layers.count
        func traceOf(_ l: Int) -> LayerTrace { trace.layers.first { $0.layer == l && $0.direction == direction }! }
        var names: [String] = []
        for l in layers {
            let prefix = layers.count > 1 ? "l\(l)." : ""
            names += (1...H).map { "\(prefix)h\($0)" }
            if config.kind == .lstm { names += (1...H).map { "\(prefix)c\($0)" } }
        }
        var steps: [JacobianStep] = []
        var product = Matrix.identity(total)
        var logScale = 0.0  // P_t = product · 10^logScale
        let T = sequence.count
        for k in 0..<T {
            // A step of a wide model costs a quarter second (its singular values): Interrupt must reach it.
            try Interruption.check()
            var J = Matrix(zeros: total, total)
            // Row block b: ∂s^l_t/∂(all states at t-1). The previous row block gives ∂s^{l-1}_t/∂(…),
            // which layer l sees through its input x^l_t = h^{l-1}_t.
            var below: Matrix? = nil
            for (b, l) in layers.enumerated() {
                let record = traceOf(l).steps[k]
                let (A, B) = stepJacobians(layer: l, direction: direction, record)
                var block = Matrix(zeros: S, total)
                if let below, b > 0 {
                    // ∂s^l/∂x^l · ∂h^{l-1}/∂(…): x^l is the h part (first H rows) of s^{l-1}.
                    for i in 0..<S {
                        for j in 0..<total {
                            var s = 0.0
                            for m in 0..<H { s += B[i, m] * below[m, j] }
                            block[i, j] = s
                        }
                    }
                }
                for i in 0..<S { for j in 0..<S { block[i, b * S + j] += A[i, j] } }
                for i in 0..<S { for j in 0..<total { J[b * S + i, j] = block[i, j] } }
                below = block
            }
            product = J.times(product)
            var scale = 0.0
            for v in product.values { scale = max(scale, abs(v)) }
            if scale > 0 && scale.isFinite {
                for i in product.values.indices { product.values[i] /= scale }
                logScale += log10(scale)
            }
            let sigma = try Linalg.spectralNorm(J)
            let pNorm = try Linalg.spectralNorm(product)
            let lg = pNorm > 0 ? log10(pNorm) + logScale : -Double.infinity
            steps.append(JacobianStep(t: traceOf(layers[0]).steps[k].t, matrix: J, norm: sigma,
                                      productNorm: pow(10, lg), productLog10: lg))
        }
        let factor = pow(10, logScale)
        return JacobianTrace(stateNames: names, steps: steps, forward: trace,
                             product: Matrix(rows: total, cols: total, values: product.values.map { $0 * factor }))
    }

    /// One step of one layer and direction: A = ∂s_t/∂s_{t-1} (S×S) and B = ∂s_t/∂x_t (S×I), from
    /// the values the forward pass recorded. The formulas are the chain rule on language.md's equations.
    func stepJacobians(layer: Int, direction: Int, _ r: StepRecord) -> (A: Matrix, B: Matrix) {
        let H = config.hidden, I = config.layerInput(layer)
        let suffix = CellConfig.suffix(layer: layer, direction: direction)
        func W(_ name: String) -> Matrix {
            let t = parameter(name + suffix)!
            return Matrix(rows: t.rows, cols: t.cols, values: t.values)
        }
        func gate(_ name: String) -> [Double] { r.gates.first { $0.name == name }!.values }
        switch config.kind {
        case .rnn:
            // h_t = act(a_t): ∂h_t/∂v = diag(act'(a_t)) W_vh
            let d: [Double] = r.h.map { h in
                switch config.activation {
                case .tanh: return 1 - h * h
                case .relu: return h > 0 ? 1 : 0
                case .linear: return 1
                }
            }
            var A = W("W_hh"), B = W("W_xh")
            for i in 0..<H {
                for j in 0..<H { A[i, j] *= d[i] }
                for j in 0..<I { B[i, j] *= d[i] }
            }
            return (A, B)
        case .gru:
            let rg = gate("r"), z = gate("z"), n = gate("n"), hPrev = r.hPrev
            let Whn = W("W_hn")
            // W_hn h_{t-1} + b_hn, the part r gates.
            var nh = parameter("b_hn" + suffix)?.values ?? [Double](repeating: 0, count: H)
            for i in 0..<H { for j in 0..<H { nh[i] += Whn[i, j] * hPrev[j] } }
            func jac(_ v: String, cols: Int) -> Matrix {
                let Wr = W("W_\(v)r"), Wz = W("W_\(v)z"), Wn = W("W_\(v)n")
                var out = Matrix(zeros: H, cols)
                for i in 0..<H {
                    let dn = (1 - z[i]) * (1 - n[i] * n[i])
                    let dr = nh[i] * rg[i] * (1 - rg[i])
                    let dz = (hPrev[i] - n[i]) * z[i] * (1 - z[i])
                    for j in 0..<cols {
                        let nPart = v == "h" ? rg[i] * Wn[i, j] : Wn[i, j]
                        out[i, j] = dn * (nPart + dr * Wr[i, j]) + dz * Wz[i, j] + (v == "h" && i == j ? z[i] : 0)
                    }
                }
                return out
            }
            return (jac("h", cols: H), jac("x", cols: I))
        case .lstm:
            let ig = gate("i"), f = gate("f"), g = gate("g"), o = gate("o")
            let cPrev = r.cPrev!, c = r.c!
            let tc = c.map { tanh($0) }
            // Rows 0..<H: ∂h_t, rows H..<2H: ∂c_t; columns: the v the gates read (h_{t-1} or x_t).
            func jac(_ v: String, cols: Int) -> Matrix {
                let Wi = W("W_\(v)i"), Wf = W("W_\(v)f"), Wg = W("W_\(v)g"), Wo = W("W_\(v)o")
                var out = Matrix(zeros: 2 * H, cols)
                for k in 0..<H {
                    let ci = g[k] * ig[k] * (1 - ig[k]), cf = cPrev[k] * f[k] * (1 - f[k]), cg = ig[k] * (1 - g[k] * g[k])
                    let ho = tc[k] * o[k] * (1 - o[k]), hc = o[k] * (1 - tc[k] * tc[k])
                    for j in 0..<cols {
                        let dc = cf * Wf[k, j] + ci * Wi[k, j] + cg * Wg[k, j]
                        out[H + k, j] = dc
                        out[k, j] = ho * Wo[k, j] + hc * dc
                    }
                }
                return out
            }
            let dh = jac("h", cols: H)
            var A = Matrix(zeros: 2 * H, 2 * H)
            for i in 0..<(2 * H) { for j in 0..<H { A[i, j] = dh[i, j] } }
            for k in 0..<H {
                // c_t = f ⊙ c_{t-1} + …, h_t = o ⊙ tanh(c_t)
                A[H + k, H + k] = f[k]
                A[k, H + k] = o[k] * (1 - tc[k] * tc[k]) * f[k]
            }
            return (A, jac("x", cols: I))
        }
    }
}
