#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What backpropagation through time found: the loss, ∂L/∂θ for every parameter (canonical order
/// and shapes), and ‖∂L/∂h_t‖ of the top layer per step (both directions together), averaged over
/// the examples still running at t.
public struct BPTTGradients: Sendable {
    public var loss: Double
    public var gradients: [Tensor]
    public var hiddenGradientNorms: [Double]
}

/// The readable reference for BPTT, beside `forward`: one example at a time, one step at a time,
/// on plain arrays, with the formula beside each line (the equations are language.md's). The
/// `backward` statement shows what this computes; the engine (`Engine`, on VectorKernels) computes
/// the same numbers for `train` and is tested against this.
///
/// Notation: a_g is gate g's pre-activation (W_xg x_t + b_xg + W_hg h_{t−1} + b_hg), z_t the logits
/// (W_hy s_t + b_y, s_t the top layer's state), and dv stands for ∂L/∂v.
extension Model {
    /// The loss, ∂L/∂θ and ‖∂L/∂h_t‖ for one example: what the `backward` statement shows.
    public func backward(_ sequence: [[Double]], target: Dataset.Targets, loss: Loss, bptt: Int? = nil) throws -> (loss: Double, gradients: [Tensor], hiddenGradientNorms: [Double]) {
        try requireRecurrent("backward")
        try validate(sequence: sequence)
        let data = Dataset(name: "example", summary: "example", inputs: [sequence], targets: target)
        let r = try referenceGradients(data, loss: loss, bptt: bptt)
        return (r.loss, r.gradients, r.hiddenGradientNorms)
    }

    /// BPTT over every example of `data`, one after another: the loss is the mean the engine takes
    /// (over target elements for mse, classes for xent, sentences for a CRF), so what the engine's
    /// padding and masks do to a batch is here simply each example's own length.
    /// `bptt`: the state entering every N-th step is detached (truncated BPTT).
    public func referenceGradients(_ data: Dataset, loss: Loss, bptt: Int? = nil) throws -> BPTTGradients {
        let data = data.reading(loss: loss, outputWidth: config.outputWidth)
        try check(data, loss: loss)
        try checkLossCanChange(loss)
        let N = Double(max(lossTerms(data), 1))
        var dTheta = parameters.map { [Double](repeating: 0, count: $0.count) }
        let longest = data.inputs.map(\.count).max() ?? 0
        var normSums = [Double](repeating: 0, count: longest), running = [Double](repeating: 0, count: longest)
        var total = 0.0
        for e in 0..<data.count {
            try Interruption.check()
            let r = try backpropagate(data.inputs[e], target: data.targets, example: e, loss: loss, scale: 1 / N, bptt: bptt, into: &dTheta)
            total += r.loss
            for (t, n) in r.hiddenNorms.enumerated() { normSums[t] += n; running[t] += 1 }
        }
        let gradients = zip(parameters, dTheta).map { Tensor(shape: $0.shape, values: $1) }
        return BPTTGradients(loss: total / N, gradients: gradients, hiddenGradientNorms: zip(normSums, running).map { $0 / $1 })
    }

    /// How many terms the loss averages over: sentences (CRF), scored classes (xent) or scored
    /// target elements (mse).
    func lossTerms(_ data: Dataset) -> Int {
        switch data.targets {
        case .classSequences where config.crf: return data.count
        case let .classes(k): return k.filter { $0 >= 0 }.count
        case let .classSequences(k): return k.reduce(0) { $0 + $1.filter { $0 >= 0 }.count }
        case let .vectors(v): return v.reduce(0) { $0 + $1.count }
        case let .vectorSequences(v): return v.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        }
    }

    /// One example: its forward trace, its loss (a sum, which the caller divides into the mean),
    /// and every ∂L/∂θ, scaled by `scale` (1 / that count), added into `dTheta`; the top layer's
    /// ‖∂L/∂h_t‖ per step.
    func backpropagate(_ sequence: [[Double]], target: Dataset.Targets, example e: Int, loss: Loss, scale: Double, bptt: Int?,
                       into dTheta: inout [[Double]]) throws -> (loss: Double, hiddenNorms: [Double]) {
        let trace = try forward(sequence)
        let T = sequence.count, H = config.hidden, L = config.layers, D = config.directions
        let O = config.outputWidth, SW = config.stateWidth
        func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }

        // 1. The loss on the logits z_t and dz_t = ∂L/∂z_t (zero where the loss does not look).
        var dz = [[Double]](repeating: zeros(O), count: T)
        var sum = 0.0
        /// Cross-entropy of class k at step t: −log softmax(z_t)[k]; dz_t = (softmax(z_t) − onehot(k)) / N.
        func crossEntropy(_ t: Int, _ k: Int) {
            let z = trace.logits[t], m = z.max()!
            let p = softmax(z)
            sum += m + log(z.reduce(0) { $0 + exp($1 - m) }) - z[k]          // log Σ_j e^{z_j} − z_k
            for o in 0..<O { dz[t][o] = scale * (p[o] - (o == k ? 1 : 0)) }  // (p − onehot(k)) / N
        }
        /// Squared error at step t: Σ_o (z_t,o − y_o)²; dz_t = 2 (z_t − y) / N.
        func squaredError(_ t: Int, _ y: [Double]) {
            for o in 0..<O {
                let diff = trace.logits[t][o] - y[o]
                sum += diff * diff
                dz[t][o] = scale * 2 * diff
            }
        }
        switch target {
        case let .classSequences(k) where config.crf:
            // −log p(gold) = log Z − s(gold) over the emissions z_t; its gradient is the marginals
            // minus the gold path's counts (CRF.loss), on the emissions and on the CRF's parameters.
            let crf = CRF(tags: O, transitions: parameter("transitions")!.values, start: parameter("start_transitions")!.values,
                          end: parameter("end_transitions")!.values)
            let (nll, g) = crf.loss([(emissions: trace.logits, tags: k[e])])
            sum = nll
            dz = g.emissions[0].map { $0.map { scale * $0 } }
            for (name, values) in zip(CellConfig.crfNames, [g.transitions, g.start, g.end]) {
                let i = index(of: name)!
                for j in values.indices { dTheta[i][j] += scale * values[j] }
            }
        case let .classes(k): if k[e] >= 0 { crossEntropy(T - 1, k[e]) }         // many-to-one: y_T only
        case let .classSequences(k): for (t, c) in k[e].enumerated() where c >= 0 { crossEntropy(t, c) }
        case let .vectors(y): squaredError(T - 1, y[e])
        case let .vectorSequences(y): for t in 0..<T { squaredError(t, y[e][t]) }
        }

        // 2. The output layer, z_t = W_hy s_t + b_y: dW_hy += dz_t s_tᵀ, db_y += dz_t, ds_t = W_hyᵀ dz_t.
        var dOut = dz
        if let W = parameter("W_hy")?.values, let iW = index(of: "W_hy") {
            let ib = index(of: "b_y")
            for t in 0..<T {
                addOuter(&dTheta[iW], dz[t], trace.states[t])
                if let ib { for o in 0..<O { dTheta[ib][o] += dz[t][o] } }
                dOut[t] = transposedTimes(W, rows: O, cols: SW, dz[t])
            }
        }

        // 3. The layers from the top down; dOut[t] is ∂L/∂(layer l's output at t), [forward ; reverse].
        var squares = zeros(T)
        for layer in stride(from: L - 1, through: 0, by: -1) {
            var dIn = [[Double]](repeating: zeros(config.layerInput(layer)), count: T)
            for direction in 0..<D {
                let steps = trace.layers[layer * D + direction].steps
                var dh = zeros(H), dc = zeros(H)                  // what step t+1 sends back to h_t and c_t
                for k in stride(from: T - 1, through: 0, by: -1) {
                    let step = steps[k], t = step.t
                    for j in 0..<H { dh[j] += dOut[t][direction * H + j] }  // dh_t = ∂L/∂y_t·∂y_t/∂h_t + dh from t+1
                    if layer == L - 1 { squares[t] += dh.reduce(0) { $0 + $1 * $1 } }
                    let back = stepBackward(step, layer: layer, direction: direction, dh: dh, dc: dc, into: &dTheta)
                    for i in dIn[t].indices { dIn[t][i] += back.dx[i] }
                    if let bptt, k > 0, k % bptt == 0 {
                        // Truncated BPTT: the state entering this chunk is detached, as h.detach() does.
                        dh = zeros(H)
                        dc = zeros(H)
                    } else {
                        dh = back.dhPrev
                        dc = back.dcPrev
                    }
                }
            }
            dOut = dIn
        }

        // 4. An embedding model's x_t = W_emb[token_t]: dW_emb[token_t] += dx_t (an unknown word has none).
        if config.embed != nil, let iE = index(of: "W_emb") {
            let E = config.embed!
            for (t, token) in try tokenIDs(sequence).enumerated() where token != Embedding.unknown {
                for j in 0..<E { dTheta[iE][token * E + j] += dOut[t][j] }
            }
        }
        return (sum, squares.map { $0.squareRoot() })
    }

    /// One step of one cell backwards: from dh_t (and lstm's dc_t) to each gate's ∂L/∂a_g, added
    /// into the gradients of W_x·, W_h· and the biases; returns dx_t, dh_{t−1} and dc_{t−1}.
    func stepBackward(_ s: StepRecord, layer: Int, direction: Int, dh: [Double], dc: [Double],
                      into dTheta: inout [[Double]]) -> (dx: [Double], dhPrev: [Double], dcPrev: [Double]) {
        let H = config.hidden, I = config.layerInput(layer)
        var dcPrev = [Double](repeating: 0, count: H)
        var dhPrev = [Double](repeating: 0, count: H)
        // ∂L/∂a_g of the x side and of the h side of each gate (the same but for gru's n gate).
        var daX: [[Double]], daH: [[Double]]
        func gate(_ k: Int) -> [Double] { s.gates[k].values }
        switch config.kind {
        case .rnn:
            // h_t = act(a): da = dh ⊙ act'(a)
            let da = (0..<H).map { j -> Double in
                switch config.activation {
                case .tanh: return dh[j] * (1 - s.h[j] * s.h[j])      // tanh' = 1 − h_t²
                case .relu: return s.h[j] > 0 ? dh[j] : 0             // relu' = [h_t > 0]
                case .linear: return dh[j]
                }
            }
            daX = [da]
            daH = daX
        case .lstm:
            let i = gate(0), f = gate(1), g = gate(2), o = gate(3), c = s.c!, cPrev = s.cPrev!
            var da = [[Double]](repeating: [Double](repeating: 0, count: H), count: 4)
            for j in 0..<H {
                let tc = tanh(c[j])
                let dcT = dc[j] + dh[j] * o[j] * (1 - tc * tc)        // dc_t = dc from t+1 + dh ⊙ o ⊙ (1 − tanh²c_t)
                da[0][j] = dcT * g[j] * i[j] * (1 - i[j])             // da_i = dc_t ⊙ g ⊙ σ'(a_i)
                da[1][j] = dcT * cPrev[j] * f[j] * (1 - f[j])         // da_f = dc_t ⊙ c_{t−1} ⊙ σ'(a_f)
                da[2][j] = dcT * i[j] * (1 - g[j] * g[j])             // da_g = dc_t ⊙ i ⊙ tanh'(a_g)
                da[3][j] = dh[j] * tc * o[j] * (1 - o[j])             // da_o = dh ⊙ tanh(c_t) ⊙ σ'(a_o)
                dcPrev[j] = dcT * f[j]                                // dc_{t−1} = dc_t ⊙ f
            }
            daX = da
            daH = da
        case .gru:
            let r = gate(0), z = gate(1), n = gate(2)
            let s_ = CellConfig.suffix(layer: layer, direction: direction)
            // hn = W_hn h_{t−1} + b_hn, the part of n's argument r scales.
            let hn = affine(parameter("W_hn" + s_)!.values, rows: H, cols: H, s.hPrev, config.bias ? parameter("b_hn" + s_)!.values : nil)
            var da = [[Double]](repeating: [Double](repeating: 0, count: H), count: 3)
            var dhn = [Double](repeating: 0, count: H)
            for j in 0..<H {
                let dn = dh[j] * (1 - z[j])                           // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
                let dzj = dh[j] * (s.hPrev[j] - n[j])
                dhPrev[j] = dh[j] * z[j]                              // the direct path z ⊙ h_{t−1}
                let dan = dn * (1 - n[j] * n[j])                      // n = tanh(a_xn + r ⊙ hn)
                da[2][j] = dan                                        // x side: W_xn x_t + b_xn
                dhn[j] = dan * r[j]                                   // h side: r ⊙ (W_hn h_{t−1} + b_hn)
                da[0][j] = dan * hn[j] * r[j] * (1 - r[j])            // da_r = dan ⊙ hn ⊙ σ'(a_r)
                da[1][j] = dzj * z[j] * (1 - z[j])                    // da_z = dz ⊙ σ'(a_z)
            }
            daX = da
            daH = [da[0], da[1], dhn]
        }
        // Every gate: dW_xg += da_g x_tᵀ, dW_hg += da_g h_{t−1}ᵀ, db += da_g; dx_t = Σ W_xgᵀ da_g,
        // dh_{t−1} += Σ W_hgᵀ da_g.
        let sfx = CellConfig.suffix(layer: layer, direction: direction)
        var dx = [Double](repeating: 0, count: I)
        for (k, g) in config.gates.enumerated() {
            let iWx = index(of: "W_x\(g)\(sfx)")!, iWh = index(of: "W_h\(g)\(sfx)")!
            addOuter(&dTheta[iWx], daX[k], s.x)
            addOuter(&dTheta[iWh], daH[k], s.hPrev)
            let x = transposedTimes(parameters[iWx].values, rows: H, cols: I, daX[k])
            for i in 0..<I { dx[i] += x[i] }
            let h = transposedTimes(parameters[iWh].values, rows: H, cols: H, daH[k])
            for j in 0..<H { dhPrev[j] += h[j] }
            // Biases: PyTorch's two (b_xg, b_hg) each get their side's ∂; one bias b_g gets da_g
            // (gru's n gate keeps b_xn and b_hn apart either way).
            let split = config.twoBiases || (config.kind == .gru && g == "n")
            guard config.bias else { continue }
            let bx = index(of: split ? "b_x\(g)\(sfx)" : "b_\(g)\(sfx)")!
            for j in 0..<H { dTheta[bx][j] += daX[k][j] }
            if split, let bh = index(of: "b_h\(g)\(sfx)") { for j in 0..<H { dTheta[bh][j] += daH[k][j] } }
        }
        return (dx, dhPrev, dcPrev)
    }
}

/// dW += a vᵀ, W row-major a.count × v.count.
func addOuter(_ dW: inout [Double], _ a: [Double], _ v: [Double]) {
    let cols = v.count
    for r in a.indices { for c in 0..<cols { dW[r * cols + c] += a[r] * v[c] } }
}

/// Wᵀ a, W row-major rows × cols.
func transposedTimes(_ W: [Double], rows: Int, cols: Int, _ a: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: cols)
    for r in 0..<rows { for c in 0..<cols { out[c] += W[r * cols + c] * a[r] } }
    return out
}
