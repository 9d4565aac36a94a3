#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The losses, as PyTorch's MSELoss() and CrossEntropyLoss() define them (means).
public enum Loss: String, CaseIterable, Sendable {
    /// mean over every target element of (y − target)²
    case mse
    /// mean over every target of −log softmax(y)[class]; y read as logits
    case xent
}

/// A batch of examples laid out time-major for the engine: x[(t·B + b)·I + i].
public struct Batch: Sendable {
    public enum Target: Sendable {
        /// B × O: compared with y at each sequence's last step.
        case vectors([Double])
        /// B class indices, for y at each sequence's last step.
        case classes([Int])
        /// T × B × O, every valid step.
        case vectorSequences([Double])
        /// T × B class indices, every valid step.
        case classSequences([Int])
    }

    public var steps: Int
    public var size: Int
    public var width: Int
    public var x: [Double]
    public var lengths: [Int]
    public var target: Target

    /// Lays out examples (each T_b × I) and their targets; shorter sequences are padded and masked.
    public init(inputs: [[[Double]]], target: Dataset.Targets, indices: [Int]) {
        size = indices.count
        steps = indices.map { inputs[$0].count }.max() ?? 0
        width = inputs[indices[0]].first?.count ?? 0
        lengths = indices.map { inputs[$0].count }
        x = [Double](repeating: 0, count: steps * size * width)
        for (b, e) in indices.enumerated() {
            for (t, step) in inputs[e].enumerated() {
                let base = (t * size + b) * width
                for i in 0..<width { x[base + i] = step[i] }
            }
        }
        switch target {
        case let .vectors(v):
            self.target = .vectors(indices.flatMap { v[$0] })
        case let .classes(c):
            self.target = .classes(indices.map { c[$0] })
        case let .vectorSequences(v):
            let O = v[indices[0]].first?.count ?? 0
            var out = [Double](repeating: 0, count: steps * size * O)
            for (b, e) in indices.enumerated() {
                for (t, y) in v[e].enumerated() { for o in 0..<O { out[(t * size + b) * O + o] = y[o] } }
            }
            self.target = .vectorSequences(out)
        case let .classSequences(c):
            var out = [Int](repeating: -1, count: steps * size)
            for (b, e) in indices.enumerated() { for (t, k) in c[e].enumerated() { out[t * size + b] = k } }
            self.target = .classSequences(out)
        }
    }
}

/// Where each parameter lives in the flat parameter vector (the model's canonical order).
struct ParameterLayout {
    var offsets: [String: Int] = [:]
    var total = 0

    init(_ config: CellConfig) {
        for s in config.parameterSpecs {
            offsets[s.name] = total
            total += s.count
        }
    }

    func offset(_ name: String) -> Int? { offsets[name] }
}

/// Forward and backward passes over batches, with every buffer allocated once per batch shape.
/// Gradients are exact for the loss as defined; `bptt` detaches the hidden state every N steps.
public final class Engine {
    public let config: CellConfig
    let layout: ParameterLayout
    let H: Int, L: Int, D: Int, G: Int

    // Shape of the workspace.
    private(set) var T = 0, B = 0

    // Per layer-direction caches, indexed [layer * D + direction].
    /// Gate activations per processing step: [k][gate][b][h] flattened.
    private var acts: [[Double]] = []
    /// States: (T+1) × B × H by processing step; index 0 is h_0.
    private var hs: [[Double]] = []
    /// lstm cell states, the same layout.
    private var cs: [[Double]] = []
    /// gru's W_hn h_{t-1} + b_hn per step: T × B × H.
    private var hns: [[Double]] = []
    /// Each layer's output: T × B × (H·D), time-major.
    private var layerOut: [[Double]] = []
    // Scratch.
    private var preH: [Double] = []
    private var dY: [[Double]] = []
    private var dA: [Double] = []
    private var dAh: [Double] = []
    private var dh: [Double] = []
    private var dc: [Double] = []
    private var dhPrev: [Double] = []
    private var dcPrev: [Double] = []
    private var top: [Double] = []
    private var logits: [Double] = []
    private var dLogits: [Double] = []
    /// ‖∂L/∂h_t‖² summed over directions, per (t, b).
    private var hiddenGradSquares: [Double] = []

    public init(config: CellConfig) {
        self.config = config
        layout = ParameterLayout(config)
        H = config.hidden
        L = config.layers
        D = config.directions
        G = config.gates.count
    }

    public var parameterCount: Int { layout.total }

    private func reserve(T newT: Int, B newB: Int) {
        guard newT != T || newB != B else { return }
        T = newT
        B = newB
        let n = L * D
        acts = (0..<n).map { _ in [Double](repeating: 0, count: T * G * B * H) }
        hs = (0..<n).map { _ in [Double](repeating: 0, count: (T + 1) * B * H) }
        cs = config.kind == .lstm ? (0..<n).map { _ in [Double](repeating: 0, count: (T + 1) * B * H) } : []
        hns = config.kind == .gru ? (0..<n).map { _ in [Double](repeating: 0, count: T * B * H) } : []
        layerOut = (0..<L).map { _ in [Double](repeating: 0, count: T * B * H * D) }
        dY = (0..<L).map { _ in [Double](repeating: 0, count: T * B * H * D) }
        preH = [Double](repeating: 0, count: B * H)
        dA = [Double](repeating: 0, count: G * B * H)
        dAh = [Double](repeating: 0, count: G * B * H)
        dh = [Double](repeating: 0, count: B * H)
        dc = [Double](repeating: 0, count: B * H)
        dhPrev = [Double](repeating: 0, count: B * H)
        dcPrev = [Double](repeating: 0, count: B * H)
        hiddenGradSquares = [Double](repeating: 0, count: T * B)
    }

    /// What one forward-backward pass found.
    public struct Result {
        public var loss: Double
        /// Mean over the batch of ‖∂L/∂h_t‖ for the top layer, per time step (empty unless asked).
        public var hiddenGradientNorms: [Double]
        /// The logits the loss saw: B × O (many-to-one) or T × B × O (many-to-many).
        public var logits: [Double]
    }

    /// The loss of `batch` under parameters θ, and (when `gradient` is given) ∂L/∂θ added into it.
    public func run(_ theta: [Double], batch: Batch, loss: Loss, gradient: UnsafeMutablePointer<Double>?, bptt: Int? = nil,
                    recordHiddenGradients: Bool = false) -> Result {
        reserve(T: batch.steps, B: batch.size)
        theta.withUnsafeBufferPointer { p in forward(p.baseAddress!, batch) }
        let manyToMany: Bool
        switch batch.target {
        case .vectors, .classes: manyToMany = false
        case .vectorSequences, .classSequences: manyToMany = true
        }
        let O = config.outputWidth, SW = H * D
        let rows = manyToMany ? T * B : B
        // The top states the loss reads: every step, or each sequence's last one.
        if manyToMany {
            top = layerOut[L - 1]
        } else {
            if top.count != B * SW { top = [Double](repeating: 0, count: B * SW) }
            for b in 0..<B {
                let t = batch.lengths[b] - 1
                for j in 0..<SW { top[b * SW + j] = layerOut[L - 1][(t * B + b) * SW + j] }
            }
        }
        if logits.count != rows * O { logits = [Double](repeating: 0, count: rows * O) }
        if let Wy = layout.offset("W_hy") {
            theta.withUnsafeBufferPointer { p in
                for r in 0..<rows {
                    for o in 0..<O { logits[r * O + o] = layout.offset("b_y").map { p[$0 + o] } ?? 0 }
                }
                top.withUnsafeBufferPointer { s in
                    logits.withUnsafeMutableBufferPointer { l in
                        Kernels.gemmABt(s.baseAddress!, p.baseAddress! + Wy, l.baseAddress!, M: rows, N: O, K: SW)
                    }
                }
            }
        } else {
            for i in 0..<(rows * O) { logits[i] = top[i] }
        }
        // The loss and ∂L/∂logits, masked to valid steps.
        if dLogits.count != rows * O { dLogits = [Double](repeating: 0, count: rows * O) }
        for i in 0..<dLogits.count { dLogits[i] = 0 }
        var total = 0.0
        func valid(_ r: Int) -> Bool { !manyToMany || (r / B) < batch.lengths[r % B] }
        switch batch.target {
        case let .vectors(y), let .vectorSequences(y):
            var count = 0
            for r in 0..<rows where valid(r) { count += O }
            let scale = 2.0 / Double(max(count, 1))
            for r in 0..<rows where valid(r) {
                for o in 0..<O {
                    let diff = logits[r * O + o] - y[r * O + o]
                    total += diff * diff
                    dLogits[r * O + o] = scale * diff
                }
            }
            total /= Double(max(count, 1))
        case let .classes(k), let .classSequences(k):
            var count = 0
            for r in 0..<rows where valid(r) && k[r] >= 0 { count += 1 }
            let n = Double(max(count, 1))
            for r in 0..<rows where valid(r) && k[r] >= 0 {
                var m = -Double.infinity
                for o in 0..<O { m = max(m, logits[r * O + o]) }
                var sum = 0.0
                for o in 0..<O { sum += exp(logits[r * O + o] - m) }
                let logSum = m + log(sum)
                total += logSum - logits[r * O + k[r]]
                for o in 0..<O { dLogits[r * O + o] = exp(logits[r * O + o] - logSum) / n }
                dLogits[r * O + k[r]] -= 1 / n
            }
            total /= n
        }
        var norms: [Double] = []
        if let gradient {
            backward(theta, batch, manyToMany: manyToMany, gradient: gradient, bptt: bptt, record: recordHiddenGradients)
            if recordHiddenGradients {
                norms = (0..<T).map { t in
                    var s = 0.0, n = 0
                    for b in 0..<B where t < batch.lengths[b] { s += hiddenGradSquares[t * B + b].squareRoot(); n += 1 }
                    return n > 0 ? s / Double(n) : 0
                }
            }
        }
        return Result(loss: total, hiddenGradientNorms: norms, logits: logits)
    }

    // MARK: - Forward

    private func forward(_ p: UnsafePointer<Double>, _ batch: Batch) {
        for l in 0..<L {
            let inWidth = config.layerInput(l)
            for d in 0..<D {
                let cacheIndex = l * D + d
                let s = CellConfig.suffix(layer: l, direction: d)
                let wx = config.gates.map { p + layout.offset("W_x\($0)\(s)")! }
                let wh = config.gates.map { p + layout.offset("W_h\($0)\(s)")! }
                let bias: [UnsafePointer<Double>?] = config.gates.map { g in
                    guard config.bias else { return nil }
                    return p + layout.offset(config.kind == .gru && g == "n" ? "b_xn\(s)" : "b_\(g)\(s)")!
                }
                let bhn: UnsafePointer<Double>? = config.kind == .gru && config.bias ? p + layout.offset("b_hn\(s)")! : nil
                let input: UnsafePointer<Double> = l == 0
                    ? batch.x.withUnsafeBufferPointer { $0.baseAddress! }
                    : layerOut[l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                // Safe here: those arrays are not resized while this layer runs.
                step(layer: l, direction: d, cacheIndex: cacheIndex, input: input, inWidth: inWidth, wx: wx, wh: wh,
                     bias: bias, bhn: bhn, lengths: batch.lengths)
            }
        }
    }

    private func step(layer l: Int, direction d: Int, cacheIndex ci: Int, input: UnsafePointer<Double>, inWidth I: Int,
                      wx: [UnsafePointer<Double>], wh: [UnsafePointer<Double>], bias: [UnsafePointer<Double>?],
                      bhn: UnsafePointer<Double>?, lengths: [Int]) {
        let H = self.H, B = self.B, T = self.T, G = self.G, SW = H * D
        let kind = config.kind
        let activation = config.activation
        acts[ci].withUnsafeMutableBufferPointer { actsBuf in
        hs[ci].withUnsafeMutableBufferPointer { hsBuf in
        layerOut[l].withUnsafeMutableBufferPointer { outBuf in
        preH.withUnsafeMutableBufferPointer { preBuf in
            let actsP = actsBuf.baseAddress!, hsP = hsBuf.baseAddress!, outP = outBuf.baseAddress!, pre = preBuf.baseAddress!
            // h_0 = 0 (c_0 = 0)
            for i in 0..<(B * H) { hsP[i] = 0 }
            if kind == .lstm { cs[ci].withUnsafeMutableBufferPointer { c in for i in 0..<(B * H) { c[i] = 0 } } }
            for k in 0..<T {
                let t = d == 0 ? k : T - 1 - k
                let x = input + t * B * I
                let hPrev = hsP + k * B * H
                let hNew = hsP + (k + 1) * B * H
                let a = actsP + k * G * B * H
                // Pre-activations: W_x· x_t + b_· (+ W_h· h_{t-1}, except gru's n, whose recurrent part is kept apart).
                for g in 0..<G {
                    let ag = a + g * B * H
                    if let b = bias[g] {
                        for bb in 0..<B { for j in 0..<H { ag[bb * H + j] = b[j] } }
                    } else {
                        for i in 0..<(B * H) { ag[i] = 0 }
                    }
                    Kernels.gemmABt(x, wx[g], ag, M: B, N: H, K: I)
                    if !(kind == .gru && g == 2) { Kernels.gemmABt(hPrev, wh[g], ag, M: B, N: H, K: H) }
                }
                switch kind {
                case .rnn:
                    for i in 0..<(B * H) {
                        let v = a[i]
                        let h: Double
                        switch activation {
                        case .tanh: h = tanh(v)
                        case .relu: h = v > 0 ? v : 0
                        case .linear: h = v
                        }
                        a[i] = h
                        hNew[i] = h
                    }
                case .lstm:
                    cs[ci].withUnsafeMutableBufferPointer { cBuf in
                        let cPrev = cBuf.baseAddress! + k * B * H, cNew = cBuf.baseAddress! + (k + 1) * B * H
                        let ai = a, af = a + B * H, ag = a + 2 * B * H, ao = a + 3 * B * H
                        for i in 0..<(B * H) {
                            let iv = 1 / (1 + exp(-ai[i])), fv = 1 / (1 + exp(-af[i])), gv = tanh(ag[i]), ov = 1 / (1 + exp(-ao[i]))
                            ai[i] = iv; af[i] = fv; ag[i] = gv; ao[i] = ov
                            let c = fv * cPrev[i] + iv * gv
                            cNew[i] = c
                            hNew[i] = ov * tanh(c)
                        }
                    }
                case .gru:
                    hns[ci].withUnsafeMutableBufferPointer { hnBuf in
                        let hn = hnBuf.baseAddress! + k * B * H
                        if let bhn { for bb in 0..<B { for j in 0..<H { hn[bb * H + j] = bhn[j] } } } else { for i in 0..<(B * H) { hn[i] = 0 } }
                        Kernels.gemmABt(hPrev, wh[2], hn, M: B, N: H, K: H)
                        let ar = a, az = a + B * H, an = a + 2 * B * H
                        for i in 0..<(B * H) {
                            let r = 1 / (1 + exp(-ar[i])), z = 1 / (1 + exp(-az[i]))
                            let n = tanh(an[i] + r * hn[i])
                            ar[i] = r; az[i] = z; an[i] = n
                            hNew[i] = (1 - z) * n + z * hPrev[i]
                        }
                    }
                }
                // Steps past a sequence's end leave its state as it was.
                for bb in 0..<B where t >= lengths[bb] {
                    for j in 0..<H { hNew[bb * H + j] = hPrev[bb * H + j] }
                    if kind == .lstm {
                        cs[ci].withUnsafeMutableBufferPointer { c in
                            for j in 0..<H { c[(k + 1) * B * H + bb * H + j] = c[k * B * H + bb * H + j] }
                        }
                    }
                }
                for bb in 0..<B {
                    let o = outP + (t * B + bb) * SW + d * H
                    for j in 0..<H { o[j] = hNew[bb * H + j] }
                }
            }
            _ = pre
        }
        }
        }
        }
    }

    // MARK: - Backward

    private func backward(_ theta: [Double], _ batch: Batch, manyToMany: Bool, gradient g: UnsafeMutablePointer<Double>, bptt: Int?, record: Bool) {
        let O = config.outputWidth, SW = H * D
        let rows = manyToMany ? T * B : B
        for l in 0..<L { for i in 0..<dY[l].count { dY[l][i] = 0 } }
        if record { for i in 0..<hiddenGradSquares.count { hiddenGradSquares[i] = 0 } }
        theta.withUnsafeBufferPointer { pBuf in
            let p = pBuf.baseAddress!
            // Output layer: dW_hy += dLogitsᵀ top, db_y += Σ dLogits, dTop = dLogits W_hy.
            var dTop = [Double](repeating: 0, count: rows * SW)
            dLogits.withUnsafeBufferPointer { dl in
                top.withUnsafeBufferPointer { s in
                    if let Wy = layout.offset("W_hy") {
                        Kernels.gemmAtB(dl.baseAddress!, s.baseAddress!, g + Wy, M: rows, N: O, K: SW)
                        if let by = layout.offset("b_y") { for r in 0..<rows { for o in 0..<O { g[by + o] += dl[r * O + o] } } }
                        dTop.withUnsafeMutableBufferPointer { dt in Kernels.gemmAB(dl.baseAddress!, p + Wy, dt.baseAddress!, M: rows, N: O, K: SW) }
                    } else {
                        for i in 0..<(rows * SW) { dTop[i] = dl[i] }
                    }
                }
            }
            if manyToMany {
                for i in 0..<(rows * SW) { dY[L - 1][i] = dTop[i] }
            } else {
                for b in 0..<B {
                    let t = batch.lengths[b] - 1
                    for j in 0..<SW { dY[L - 1][(t * B + b) * SW + j] = dTop[b * SW + j] }
                }
            }
            for l in stride(from: L - 1, through: 0, by: -1) {
                let inWidth = config.layerInput(l)
                let input: UnsafePointer<Double> = l == 0
                    ? batch.x.withUnsafeBufferPointer { $0.baseAddress! }
                    : layerOut[l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                for d in 0..<D {
                    backStep(layer: l, direction: d, p: p, g: g, input: input, inWidth: inWidth, lengths: batch.lengths,
                             bptt: bptt, record: record && l == L - 1)
                }
            }
        }
    }

    private func backStep(layer l: Int, direction d: Int, p: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                          input: UnsafePointer<Double>, inWidth I: Int, lengths: [Int], bptt: Int?, record: Bool) {
        let H = self.H, B = self.B, T = self.T, G = self.G, SW = H * D
        let ci = l * D + d
        let s = CellConfig.suffix(layer: l, direction: d)
        let kind = config.kind
        let wxOff = config.gates.map { layout.offset("W_x\($0)\(s)")! }
        let whOff = config.gates.map { layout.offset("W_h\($0)\(s)")! }
        let bOff: [Int?] = config.gates.map { gate in
            config.bias ? layout.offset(kind == .gru && gate == "n" ? "b_xn\(s)" : "b_\(gate)\(s)")! : nil
        }
        let bhnOff: Int? = kind == .gru && config.bias ? layout.offset("b_hn\(s)")! : nil
        for i in 0..<(B * H) { dh[i] = 0; dc[i] = 0 }
        let dBelow: UnsafeMutablePointer<Double>? = l > 0 ? dY[l - 1].withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
        let dOut = dY[l].withUnsafeBufferPointer { $0.baseAddress! }
        acts[ci].withUnsafeBufferPointer { actsBuf in
        hs[ci].withUnsafeBufferPointer { hsBuf in
        dA.withUnsafeMutableBufferPointer { dABuf in
        dAh.withUnsafeMutableBufferPointer { dAhBuf in
        dh.withUnsafeMutableBufferPointer { dhBuf in
        dc.withUnsafeMutableBufferPointer { dcBuf in
        dhPrev.withUnsafeMutableBufferPointer { dhpBuf in
        dcPrev.withUnsafeMutableBufferPointer { dcpBuf in
            let actsP = actsBuf.baseAddress!, hsP = hsBuf.baseAddress!
            let dAP = dABuf.baseAddress!, dAhP = dAhBuf.baseAddress!
            let dhP = dhBuf.baseAddress!, dcP = dcBuf.baseAddress!, dhp = dhpBuf.baseAddress!, dcp = dcpBuf.baseAddress!
            let csP: UnsafePointer<Double>? = kind == .lstm ? cs[ci].withUnsafeBufferPointer { $0.baseAddress! } : nil
            let hnP: UnsafePointer<Double>? = kind == .gru ? hns[ci].withUnsafeBufferPointer { $0.baseAddress! } : nil
            for k in stride(from: T - 1, through: 0, by: -1) {
                let t = d == 0 ? k : T - 1 - k
                let a = actsP + k * G * B * H
                let hPrev = hsP + k * B * H
                let hNew = hsP + (k + 1) * B * H
                let x = input + t * B * I
                // ∂L/∂h_t: what later steps sent back plus what the outputs at t send.
                for bb in 0..<B {
                    let o = dOut + (t * B + bb) * SW + d * H
                    for j in 0..<H { dhP[bb * H + j] += o[j] }
                }
                if record {
                    for bb in 0..<B {
                        var sq = 0.0
                        for j in 0..<H { sq += dhP[bb * H + j] * dhP[bb * H + j] }
                        hiddenGradSquares[t * B + bb] += sq
                    }
                }
                for i in 0..<(G * B * H) { dAP[i] = 0; dAhP[i] = 0 }
                for i in 0..<(B * H) { dhp[i] = 0; dcp[i] = 0 }
                switch kind {
                case .rnn:
                    for i in 0..<(B * H) {
                        let h = hNew[i]
                        let deriv: Double
                        switch config.activation {
                        case .tanh: deriv = 1 - h * h
                        case .relu: deriv = h > 0 ? 1 : 0
                        case .linear: deriv = 1
                        }
                        dAP[i] = dhP[i] * deriv
                        dAhP[i] = dAP[i]
                    }
                case .lstm:
                    let cPrev = csP! + k * B * H, cNew = csP! + (k + 1) * B * H
                    let ai = a, af = a + B * H, ag = a + 2 * B * H, ao = a + 3 * B * H
                    for i in 0..<(B * H) {
                        let tc = tanh(cNew[i])
                        let dcTotal = dcP[i] + dhP[i] * ao[i] * (1 - tc * tc)
                        let di = dcTotal * ag[i], dg = dcTotal * ai[i], df = dcTotal * cPrev[i], dO = dhP[i] * tc
                        dAP[i] = di * ai[i] * (1 - ai[i])
                        dAP[B * H + i] = df * af[i] * (1 - af[i])
                        dAP[2 * B * H + i] = dg * (1 - ag[i] * ag[i])
                        dAP[3 * B * H + i] = dO * ao[i] * (1 - ao[i])
                        dcp[i] = dcTotal * af[i]
                    }
                    for i in 0..<(G * B * H) { dAhP[i] = dAP[i] }
                case .gru:
                    let hn = hnP! + k * B * H
                    let ar = a, az = a + B * H, an = a + 2 * B * H
                    for i in 0..<(B * H) {
                        let r = ar[i], z = az[i], n = an[i]
                        let dn = dhP[i] * (1 - z)
                        let dz = dhP[i] * (hPrev[i] - n)
                        dhp[i] = dhP[i] * z
                        let dAn = dn * (1 - n * n)
                        let dr = dAn * hn[i]
                        dAP[i] = dr * r * (1 - r)
                        dAP[B * H + i] = dz * z * (1 - z)
                        dAP[2 * B * H + i] = dAn
                        dAhP[i] = dAP[i]
                        dAhP[B * H + i] = dAP[B * H + i]
                        dAhP[2 * B * H + i] = dAn * r
                    }
                }
                // Steps past a sequence's end passed h (and c) through unchanged.
                for bb in 0..<B where t >= lengths[bb] {
                    for gi in 0..<G { for j in 0..<H { dAP[gi * B * H + bb * H + j] = 0; dAhP[gi * B * H + bb * H + j] = 0 } }
                    for j in 0..<H { dhp[bb * H + j] = dhP[bb * H + j]; dcp[bb * H + j] = dcP[bb * H + j] }
                }
                for gi in 0..<G {
                    let dAg = dAP + gi * B * H, dAhg = dAhP + gi * B * H
                    Kernels.gemmAtB(dAg, x, g + wxOff[gi], M: B, N: H, K: I)
                    Kernels.gemmAtB(dAhg, hPrev, g + whOff[gi], M: B, N: H, K: H)
                    if let bo = bOff[gi] { for bb in 0..<B { for j in 0..<H { g[bo + j] += dAg[bb * H + j] } } }
                    if gi == 2, let bhn = bhnOff { for bb in 0..<B { for j in 0..<H { g[bhn + j] += dAhg[bb * H + j] } } }
                    if let dBelow {
                        // ∂L/∂(layer input) at t, into the lower layer's output slot.
                        Kernels.gemmAB(dAg, p + wxOff[gi], dBelow + t * B * I, M: B, N: H, K: I)
                    }
                    Kernels.gemmAB(dAhg, p + whOff[gi], dhp, M: B, N: H, K: H)
                }
                // Truncated BPTT: the state entering a chunk is detached, as h.detach() would do.
                let detach = bptt.map { k > 0 && k % $0 == 0 } ?? false
                for i in 0..<(B * H) {
                    dhP[i] = detach ? 0 : dhp[i]
                    dcP[i] = detach ? 0 : dcp[i]
                }
            }
        }
        }
        }
        }
        }
        }
        }
        }
    }
}
