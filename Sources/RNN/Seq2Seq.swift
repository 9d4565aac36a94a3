#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The recurrent cell of a seq2seq model's encoder and decoder.
public enum Seq2SeqCell: String, CaseIterable, Sendable {
    case gru, lstm
}

/// The encoder–decoder of language.md "Translation: seq2seq", written out on plain arrays with the
/// formula beside each line: a GRU (or LSTM) encoder over source embeddings, a decoder of the same cell whose input at
/// every step is [c_t ; embedding(y_{t-1})], additive (Bahdanau) attention for c_t or, without
/// attention, the encoder's last output, and a linear layer to the target vocabulary. Parameters
/// are named as the PyTorch twin's state dict. This is the reference: readable, exact, not fast.
public struct Seq2Seq: Equatable, Sendable {
    /// The shape of the model.
    public struct Config: Equatable, Sendable {
        public var sourceVocab: Int
        public var targetVocab: Int
        public var embed: Int
        public var hidden: Int
        public var layers: Int
        public var attention: Bool
        /// The recurrent cell of encoder and decoder: `nn.GRU` (the default) or `nn.LSTM`.
        public var cell: Seq2SeqCell

        public init(sourceVocab: Int, targetVocab: Int, embed: Int, hidden: Int, layers: Int = 1, attention: Bool = true,
                    cell: Seq2SeqCell = .gru) {
            self.sourceVocab = sourceVocab
            self.targetVocab = targetVocab
            self.embed = embed
            self.hidden = hidden
            self.layers = layers
            self.attention = attention
            self.cell = cell
        }

        /// Gate rows per layer: 3H for a GRU ([r | z | n]), 4H for an LSTM ([i | f | g | o]).
        public var gates: Int { cell == .gru ? 3 * hidden : 4 * hidden }

        /// Every parameter's state-dict name and shape, in the twin's `state_dict()` order.
        public var specs: [ParameterSpec] {
            let H = hidden, E = embed, G = gates
            var s = [ParameterSpec(name: "encoder.embedding.weight", shape: [sourceVocab, E])]
            func gru(_ prefix: String, input: Int) {
                for l in 0..<layers {
                    let i = l == 0 ? input : H
                    s += [ParameterSpec(name: "\(prefix).weight_ih_l\(l)", shape: [G, i]),
                          ParameterSpec(name: "\(prefix).weight_hh_l\(l)", shape: [G, H]),
                          ParameterSpec(name: "\(prefix).bias_ih_l\(l)", shape: [G]),
                          ParameterSpec(name: "\(prefix).bias_hh_l\(l)", shape: [G])]
                }
            }
            gru("encoder.rnn", input: E)
            s.append(ParameterSpec(name: "decoder.embedding.weight", shape: [targetVocab, E]))
            if attention {
                s += [ParameterSpec(name: "decoder.attention.W_q.weight", shape: [H, H]),
                      ParameterSpec(name: "decoder.attention.W_k.weight", shape: [H, H]),
                      ParameterSpec(name: "decoder.attention.w_v.weight", shape: [1, H])]
            }
            gru("decoder.rnn", input: H + E)
            s += [ParameterSpec(name: "decoder.fc.weight", shape: [targetVocab, H]), ParameterSpec(name: "decoder.fc.bias", shape: [targetVocab])]
            return s
        }
    }

    public var config: Config
    /// Every parameter's values, flat, in `config.specs` order.
    public var theta: [Double]
    /// Where each named parameter starts in theta.
    let offsets: [String: Int]
    /// Per GRU ("encoder.rnn", then "decoder.rnn") and layer: where weight_ih, weight_hh, bias_ih, bias_hh start,
    /// so the time-step loop builds no names.
    let gruOffsets: [[(wi: Int, wh: Int, bi: Int, bh: Int)]]

    public init(config: Config, theta: [Double]) {
        precondition(theta.count == config.specs.reduce(0) { $0 + $1.count }, "theta does not fit the model")
        self.config = config
        self.theta = theta
        var o: [String: Int] = [:], at = 0
        for s in config.specs { o[s.name] = at; at += s.count }
        offsets = o
        gruOffsets = ["encoder.rnn", "decoder.rnn"].map { p in
            (0..<config.layers).map { l in (o["\(p).weight_ih_l\(l)"]!, o["\(p).weight_hh_l\(l)"]!, o["\(p).bias_ih_l\(l)"]!, o["\(p).bias_hh_l\(l)"]!) }
        }
    }

    /// The offsets of one GRU layer's parameters.
    @inline(__always) func gru(_ prefix: String, _ l: Int) -> (wi: Int, wh: Int, bi: Int, bh: Int) {
        gruOffsets[prefix == "encoder.rnn" ? 0 : 1][l]
    }

    public static func == (a: Seq2Seq, b: Seq2Seq) -> Bool { a.config == b.config && a.theta == b.theta }

    /// The values of one named parameter.
    public func parameter(_ name: String) -> ArraySlice<Double> {
        let spec = config.specs.first { $0.name == name }!
        return theta[offsets[name]!..<(offsets[name]! + spec.count)]
    }

    // MARK: - Small linear algebra on row-major blocks of theta

    /// y = W x (+ b), W rows × cols at `w` in θ.
    @inline(__always) func matvec(_ w: Int, rows: Int, cols: Int, _ x: [Double], bias b: Int? = nil) -> [Double] {
        theta.withUnsafeBufferPointer { th in
            x.withUnsafeBufferPointer { xs in
                (0..<rows).map { r in
                    var s = b.map { th[$0 + r] } ?? 0
                    let row = w + r * cols
                    for c in 0..<cols { s += th[row + c] * xs[c] }
                    return s
                }
            }
        }
    }

    /// dx += Wᵀ dy.
    @inline(__always) func addMatvecT(_ w: Int, rows: Int, cols: Int, _ dy: [Double], into dx: inout [Double]) {
        theta.withUnsafeBufferPointer { th in
            dx.withUnsafeMutableBufferPointer { d in
                for r in 0..<rows where dy[r] != 0 {
                    let row = w + r * cols, k = dy[r]
                    for c in 0..<cols { d[c] += th[row + c] * k }
                }
            }
        }
    }

    /// dW += dy xᵀ, into the gradient at the same offset as W.
    @inline(__always) static func addOuter(_ g: inout [Double], _ w: Int, _ dy: [Double], _ x: [Double]) {
        let cols = x.count
        g.withUnsafeMutableBufferPointer { gs in
            x.withUnsafeBufferPointer { xs in
                for r in 0..<dy.count where dy[r] != 0 {
                    let row = w + r * cols, k = dy[r]
                    for c in 0..<cols { gs[row + c] += k * xs[c] }
                }
            }
        }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    // MARK: - One GRU step (PyTorch's nn.GRU)

    /// What the backward step needs of a forward step: a GRU's r, z, n and W_hn h + b_hn, or an
    /// LSTM's gates i, f, g, o (in r, z, n, hn's places) with c_{t−1} and c_t.
    struct GRUStep {
        var x: [Double], h: [Double], r: [Double], z: [Double], n: [Double], hn: [Double], out: [Double]
        var cPrev: [Double] = [], c: [Double] = []
    }

    /// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    /// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
    func gruStep(_ prefix: String, layer l: Int, x: [Double], h: [Double]) -> GRUStep {
        let H = config.hidden, I = x.count
        let (wi, wh, bi, bh) = gru(prefix, l)
        let ai = matvec(wi, rows: 3 * H, cols: I, x, bias: bi)
        let ah = matvec(wh, rows: 3 * H, cols: H, h, bias: bh)
        let r = (0..<H).map { Self.sigmoid(ai[$0] + ah[$0]) }
        let z = (0..<H).map { Self.sigmoid(ai[H + $0] + ah[H + $0]) }
        let hn = Array(ah[(2 * H)...])
        let n = (0..<H).map { tanh(ai[2 * H + $0] + r[$0] * hn[$0]) }
        let out = (0..<H).map { (1 - z[$0]) * n[$0] + z[$0] * h[$0] }
        return GRUStep(x: x, h: h, r: r, z: z, n: n, hn: hn, out: out)
    }

    /// PyTorch's nn.LSTM: [i | f | g | o] = W_ih x + b_ih + W_hh h + b_hh, i, f, o through σ and g
    /// through tanh; c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
    func lstmStep(_ prefix: String, layer l: Int, x: [Double], h: [Double], c: [Double]) -> GRUStep {
        let H = config.hidden
        let (wi, wh, bi, bh) = gru(prefix, l)
        let ai = matvec(wi, rows: 4 * H, cols: x.count, x, bias: bi)
        let ah = matvec(wh, rows: 4 * H, cols: H, h, bias: bh)
        let i = (0..<H).map { Self.sigmoid(ai[$0] + ah[$0]) }
        let f = (0..<H).map { Self.sigmoid(ai[H + $0] + ah[H + $0]) }
        let g = (0..<H).map { tanh(ai[2 * H + $0] + ah[2 * H + $0]) }
        let o = (0..<H).map { Self.sigmoid(ai[3 * H + $0] + ah[3 * H + $0]) }
        let c2 = (0..<H).map { f[$0] * c[$0] + i[$0] * g[$0] }
        let out = (0..<H).map { o[$0] * tanh(c2[$0]) }
        return GRUStep(x: x, h: h, r: i, z: f, n: g, hn: o, out: out, cPrev: c, c: c2)
    }

    /// Given ∂L/∂h' and ∂L/∂c', adds the LSTM step's weight gradients to g; returns ∂L/∂x, ∂L/∂h and ∂L/∂c.
    func lstmBackward(_ prefix: String, layer l: Int, _ s: GRUStep, dOut: [Double], dC: [Double],
                      into g: inout [Double]) -> (dx: [Double], dh: [Double], dc: [Double]) {
        let H = config.hidden, I = s.x.count
        let (i, f, gg, o) = (s.r, s.z, s.n, s.hn)
        let tc = s.c.map { tanh($0) }
        var dcT = [Double](repeating: 0, count: H), da = [Double](repeating: 0, count: 4 * H)
        for j in 0..<H {
            let dTanh: Double = 1 - tc[j] * tc[j]
            dcT[j] = dC[j] + dOut[j] * o[j] * dTanh                                // h' = o ⊙ tanh(c')
            da[j] = dcT[j] * gg[j] * i[j] * (1 - i[j])                              // σ' = σ(1 − σ)
            da[H + j] = dcT[j] * s.cPrev[j] * f[j] * (1 - f[j])
            da[2 * H + j] = dcT[j] * i[j] * (1 - gg[j] * gg[j])                     // tanh' = 1 − g²
            da[3 * H + j] = dOut[j] * tc[j] * o[j] * (1 - o[j])
        }
        let (wi, wh, bi, bh) = gru(prefix, l)
        Self.addOuter(&g, wi, da, s.x)
        Self.addOuter(&g, wh, da, s.h)
        for k in 0..<(4 * H) { g[bi + k] += da[k]; g[bh + k] += da[k] }
        var dx = [Double](repeating: 0, count: I), dh = [Double](repeating: 0, count: H)
        addMatvecT(wi, rows: 4 * H, cols: I, da, into: &dx)
        addMatvecT(wh, rows: 4 * H, cols: H, da, into: &dh)
        return (dx, dh, (0..<H).map { dcT[$0] * f[$0] })
    }

    /// The cell's step backwards; `dC` (the LSTM's ∂L/∂c') is read and replaced by ∂L/∂c.
    func cellBackward(_ prefix: String, layer l: Int, _ s: GRUStep, dOut: [Double], dC: inout [Double],
                      into g: inout [Double]) -> (dx: [Double], dh: [Double]) {
        guard config.cell == .lstm else { return gruBackward(prefix, layer: l, s, dOut: dOut, into: &g) }
        let r = lstmBackward(prefix, layer: l, s, dOut: dOut, dC: dC, into: &g)
        dC = r.dc
        return (r.dx, r.dh)
    }

    /// Given ∂L/∂h', adds the step's weight gradients to g; returns ∂L/∂x and ∂L/∂h.
    func gruBackward(_ prefix: String, layer l: Int, _ s: GRUStep, dOut: [Double], into g: inout [Double]) -> (dx: [Double], dh: [Double]) {
        let H = config.hidden, I = s.x.count
        var dh = (0..<H).map { dOut[$0] * s.z[$0] }                              // ∂h'/∂h through z ⊙ h
        let dn = (0..<H).map { dOut[$0] * (1 - s.z[$0]) }
        let dz = (0..<H).map { dOut[$0] * (s.h[$0] - s.n[$0]) }
        let dan = (0..<H).map { dn[$0] * (1 - s.n[$0] * s.n[$0]) }              // tanh' = 1 − n²
        let dr = (0..<H).map { dan[$0] * s.hn[$0] }
        let dhn = (0..<H).map { dan[$0] * s.r[$0] }                              // the h-side n-part sits inside r ⊙ (…)
        let daz = (0..<H).map { dz[$0] * s.z[$0] * (1 - s.z[$0]) }              // σ' = σ(1 − σ)
        let dar = (0..<H).map { dr[$0] * s.r[$0] * (1 - s.r[$0]) }
        let dai = dar + daz + dan, dah = dar + daz + dhn
        let (wi, wh, bi, bh) = gru(prefix, l)
        Self.addOuter(&g, wi, dai, s.x)
        Self.addOuter(&g, wh, dah, s.h)
        for k in 0..<(3 * H) { g[bi + k] += dai[k]; g[bh + k] += dah[k] }
        var dx = [Double](repeating: 0, count: I)
        addMatvecT(wi, rows: 3 * H, cols: I, dai, into: &dx)
        addMatvecT(wh, rows: 3 * H, cols: H, dah, into: &dh)
        return (dx, dh)
    }

    /// One time step up the stack: layer l reads layer l−1's new state (layer 0 reads x) and its own
    /// previous state, which `state` holds and gets back updated: state[l] is layer l's h and, for
    /// an LSTM, state[layers + l] its c.
    func stackStep(_ prefix: String, x: [Double], state: inout [[Double]]) -> [GRUStep] {
        var input = x, steps: [GRUStep] = []
        let L = config.layers
        for l in 0..<L {
            let s = config.cell == .lstm ? lstmStep(prefix, layer: l, x: input, h: state[l], c: state[L + l])
                                         : gruStep(prefix, layer: l, x: input, h: state[l])
            steps.append(s)
            state[l] = s.out
            if config.cell == .lstm { state[L + l] = s.c }
            input = s.out
        }
        return steps
    }

    // MARK: - Forward

    /// Everything one sentence pair's forward pass keeps for its backward pass and for `unroll`.
    public struct Trace {
        /// Encoder steps: [t][layer].
        var encoder: [[GRUStep]] = []
        /// The top layer's output at every source step: the keys and values of attention.
        public var outputs: [[Double]] = []
        /// W_k k_s for every source step (attention only).
        var projectedKeys: [[Double]] = []
        /// Decoder steps: [t][layer].
        var decoder: [[GRUStep]] = []
        /// Per decoder step: the query (the top state before the step), tanh(W_q q + W_k k_s) per s,
        /// the attention weights over the source, and the context.
        public var queries: [[Double]] = []
        var energies: [[[Double]]] = []
        public var weights: [[Double]] = []
        public var contexts: [[Double]] = []
        /// Per decoder step: softmax of the logits.
        public var probabilities: [[Double]] = []
        /// Per decoder step: the token fed in (y_{t-1} under teacher forcing, else the model's own choice).
        public var inputs: [Int] = []
        public var loss = 0.0
    }

    /// The encoder over `source` (token ids), layer by layer: h^l_t = cell(h^{l-1}_t, h^l_{t-1}), h_0 = c_0 = 0.
    func encode(_ source: [Int], into trace: inout Trace) -> [[Double]] {
        let H = config.hidden, E = config.embed
        let emb = offsets["encoder.embedding.weight"]!
        var state = [[Double]](repeating: [Double](repeating: 0, count: H), count: config.layers * (config.cell == .lstm ? 2 : 1))
        for token in source {
            let x = Array(theta[(emb + token * E)..<(emb + token * E + E)])      // x_t = row token_t of the embedding
            let steps = stackStep("encoder.rnn", x: x, state: &state)
            trace.encoder.append(steps)
            trace.outputs.append(steps[steps.count - 1].out)
        }
        if config.attention {
            let wk = offsets["decoder.attention.W_k.weight"]!
            trace.projectedKeys = trace.outputs.map { matvec(wk, rows: H, cols: H, $0) }
        }
        return state
    }

    /// Additive attention: e_s = w_v · tanh(W_q q + W_k k_s), a = softmax(e), c = Σ_s a_s k_s.
    func attend(_ q: [Double], _ trace: inout Trace) -> [Double] {
        let H = config.hidden
        guard config.attention else { return trace.outputs[trace.outputs.count - 1] }  // no attention: the last output
        let pq = matvec(offsets["decoder.attention.W_q.weight"]!, rows: H, cols: H, q)
        let wv = offsets["decoder.attention.w_v.weight"]!
        let u = trace.projectedKeys.map { pk in (0..<H).map { tanh(pq[$0] + pk[$0]) } }
        let e = u.map { us in (0..<H).reduce(0.0) { $0 + theta[wv + $1] * us[$1] } }
        let m = e.max()!
        let ex = e.map { exp($0 - m) }, sum = ex.reduce(0, +)
        let a = ex.map { $0 / sum }
        var c = [Double](repeating: 0, count: H)
        for (s, k) in trace.outputs.enumerated() { for j in 0..<H { c[j] += a[s] * k[j] } }
        trace.queries.append(q)
        trace.energies.append(u)
        trace.weights.append(a)
        return c
    }

    /// One decoder step from the previous token and state; returns the logits and the new state.
    func decodeStep(_ previous: Int, state: inout [[Double]], _ trace: inout Trace) -> [Double] {
        let H = config.hidden, E = config.embed, V = config.targetVocab
        let c = attend(state[config.layers - 1], &trace)                         // the query is the top state
        trace.contexts.append(c)
        let emb = offsets["decoder.embedding.weight"]!
        let x = c + Array(theta[(emb + previous * E)..<(emb + previous * E + E)])  // [c_t ; embedding(y_{t-1})]
        let steps = stackStep("decoder.rnn", x: x, state: &state)
        trace.decoder.append(steps)
        return matvec(offsets["decoder.fc.weight"]!, rows: V, cols: H, steps[steps.count - 1].out, bias: offsets["decoder.fc.bias"]!)
    }

    /// Teacher forcing: inputs <bos> y_1 … y_{n-1}, targets y_1 … y_n (the last is <eos>); the trace's
    /// loss is the sum of −log p(y_t), for the caller to divide by the batch's token count.
    /// `teacher(t)` says whether step t+1 is fed the true y_t (true) or the model's most likely token.
    public func forward(source: [Int], target: [Int], bos: Int, teacher: (Int) -> Bool = { _ in true }) -> Trace {
        var trace = Trace()
        var state = encode(source, into: &trace)
        var previous = bos
        for (t, y) in target.enumerated() {
            trace.inputs.append(previous)
            let logits = decodeStep(previous, state: &state, &trace)
            let m = logits.max()!
            let ex = logits.map { exp($0 - m) }, sum = ex.reduce(0, +)
            trace.probabilities.append(ex.map { $0 / sum })
            trace.loss += m + log(sum) - logits[y]                               // −log softmax(logits)[y]
            previous = teacher(t) ? y : logits.indices.max { logits[$0] < logits[$1] }!
        }
        return trace
    }

    // MARK: - Backward (BPTT through the decoder, attention and encoder)

    /// Adds ∂(scale · trace.loss)/∂θ to g.
    func backward(_ trace: Trace, source: [Int], target: [Int], bos: Int, scale: Double, into g: inout [Double]) {
        let H = config.hidden, E = config.embed, V = config.targetVocab, L = config.layers
        let fcW = offsets["decoder.fc.weight"]!, fcB = offsets["decoder.fc.bias"]!
        let decEmb = offsets["decoder.embedding.weight"]!
        var dState = [[Double]](repeating: [Double](repeating: 0, count: H), count: L)
        var dCell = dState                                                         // ∂L/∂c per layer (lstm)
        var dOutputs = [[Double]](repeating: [Double](repeating: 0, count: H), count: source.count)
        for t in stride(from: target.count - 1, through: 0, by: -1) {
            var dLogits = trace.probabilities[t].map { $0 * scale }              // ∂/∂logits = softmax − onehot
            dLogits[target[t]] -= scale
            let top = trace.decoder[t][L - 1].out
            Self.addOuter(&g, fcW, dLogits, top)
            for v in 0..<V { g[fcB + v] += dLogits[v] }
            var dx = dState[L - 1]
            addMatvecT(fcW, rows: V, cols: H, dLogits, into: &dx)
            for l in stride(from: L - 1, through: 0, by: -1) {
                if l < L - 1 { for j in 0..<H { dx[j] += dState[l][j] } }
                let (dIn, dh) = cellBackward("decoder.rnn", layer: l, trace.decoder[t][l], dOut: dx, dC: &dCell[l], into: &g)
                dState[l] = dh
                dx = dIn
            }
            // dx is ∂/∂[c_t ; embedding(y_{t-1})].
            let previous = trace.inputs[t]
            for k in 0..<E { g[decEmb + previous * E + k] += dx[H + k] }
            let dc = Array(dx[0..<H])
            if config.attention {
                dState[L - 1] = zip(dState[L - 1], attendBackward(trace, step: t, dc: dc, dOutputs: &dOutputs, into: &g)).map { $0 + $1 }
            } else {
                for j in 0..<H { dOutputs[source.count - 1][j] += dc[j] }
            }
        }
        encodeBackward(trace, source: source, dOutputs: dOutputs, dFinal: dState, dFinalCell: dCell, into: &g)
    }

    /// Attention's backward at decoder step t: adds to ∂W_q, ∂W_k, ∂w_v and ∂k_s; returns ∂L/∂q.
    func attendBackward(_ trace: Trace, step t: Int, dc: [Double], dOutputs: inout [[Double]], into g: inout [Double]) -> [Double] {
        let H = config.hidden
        let wq = offsets["decoder.attention.W_q.weight"]!, wk = offsets["decoder.attention.W_k.weight"]!, wv = offsets["decoder.attention.w_v.weight"]!
        let a = trace.weights[t], u = trace.energies[t]
        let da = trace.outputs.map { k in (0..<H).reduce(0.0) { $0 + dc[$1] * k[$1] } }  // ∂c/∂a_s = k_s
        let mean = zip(a, da).reduce(0.0) { $0 + $1.0 * $1.1 }
        var dpq = [Double](repeating: 0, count: H)
        for s in 0..<a.count {
            for j in 0..<H { dOutputs[s][j] += a[s] * dc[j] }                    // c = Σ a_s k_s
            let de = a[s] * (da[s] - mean)                                        // softmax's Jacobian
            var dpre = [Double](repeating: 0, count: H)
            for j in 0..<H {
                g[wv + j] += de * u[s][j]
                dpre[j] = de * theta[wv + j] * (1 - u[s][j] * u[s][j])
                dpq[j] += dpre[j]
            }
            Self.addOuter(&g, wk, dpre, trace.outputs[s])
            addMatvecT(wk, rows: H, cols: H, dpre, into: &dOutputs[s])
        }
        let q = trace.queries[t]
        Self.addOuter(&g, wq, dpq, q)
        var dq = [Double](repeating: 0, count: H)
        addMatvecT(wq, rows: H, cols: H, dpq, into: &dq)
        return dq
    }

    /// BPTT through the encoder, top layer first: its outputs get dOutputs, each layer's final state
    /// dFinal (and, for an LSTM, its final cell dFinalCell).
    func encodeBackward(_ trace: Trace, source: [Int], dOutputs: [[Double]], dFinal: [[Double]], dFinalCell: [[Double]], into g: inout [Double]) {
        let E = config.embed, T = source.count
        let emb = offsets["encoder.embedding.weight"]!
        var dAbove = dOutputs                                                      // ∂L/∂ this layer's h_t from above
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            var dh = dFinal[l], dc = dFinalCell[l]
            var dBelow = [[Double]](repeating: [], count: T)
            for t in stride(from: T - 1, through: 0, by: -1) {
                for j in 0..<dh.count { dh[j] += dAbove[t][j] }
                let (dx, dPrev) = cellBackward("encoder.rnn", layer: l, trace.encoder[t][l], dOut: dh, dC: &dc, into: &g)
                dBelow[t] = dx
                dh = dPrev
            }
            dAbove = dBelow
        }
        for (t, token) in source.enumerated() { for k in 0..<E { g[emb + token * E + k] += dAbove[t][k] } }
    }

    /// The mean cross-entropy over every real target token of the batch and its gradient.
    /// `teacher(example, t)` as in `forward`; by default every step is teacher-forced.
    public func lossAndGradient(_ batch: [(source: [Int], target: [Int])], bos: Int,
                                teacher: (Int, Int) -> Bool = { _, _ in true }) -> (loss: Double, gradient: [Double]) {
        let tokens = Double(batch.reduce(0) { $0 + $1.target.count })
        var g = [Double](repeating: 0, count: theta.count)
        var total = 0.0
        for (e, (source, target)) in batch.enumerated() {
            let trace = forward(source: source, target: target, bos: bos) { teacher(e, $0) }
            total += trace.loss
            backward(trace, source: source, target: target, bos: bos, scale: 1 / tokens, into: &g)
        }
        return (total / tokens, g)
    }
}
