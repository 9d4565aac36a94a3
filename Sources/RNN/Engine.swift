import VectorKernels
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
    /// For an embedding model: token ids, T × B time-major (−1 on padded steps), in place of x
    /// (then empty), so no one-hot row is laid out; nil otherwise.
    public var tokens: [Int]?
    public var lengths: [Int]
    public var target: Target

    /// Lays out examples (each T_b × I) and their targets; shorter sequences are padded and masked.
    /// `tokens`: keep each one-hot step's token id (Embedding.tokenID) instead of the row itself,
    /// as an embedding model reads them (the caller has checked that every step is one-hot or, for an
    /// unseen word, all zeros: that step's id is −1, like padding, so its x_t is the zero vector).
    public init(inputs: [[[Double]]], target: Dataset.Targets, indices: [Int], tokens: Bool = false) {
        size = indices.count
        steps = indices.map { inputs[$0].count }.max() ?? 0
        width = inputs[indices[0]].first?.count ?? 0
        lengths = indices.map { inputs[$0].count }
        if tokens {
            x = []
            var ids = [Int](repeating: -1, count: steps * size)
            for (b, e) in indices.enumerated() {
                for (t, step) in inputs[e].enumerated() { ids[t * size + b] = Embedding.tokenID(step) ?? -1 }
            }
            self.tokens = ids
        } else {
            x = [Double](repeating: 0, count: steps * size * width)
            for (b, e) in indices.enumerated() {
                for (t, step) in inputs[e].enumerated() {
                    let base = (t * size + b) * width
                    for i in 0..<width { x[base + i] = step[i] }
                }
            }
        }
        self.target = Batch.layOut(target, indices: indices, steps: steps, size: size)
    }

    /// A batch of token ids, an embedding model's input: `sequences[e]` is example e's ids and
    /// `vocabulary` the vocabulary's size (the width one-hot rows would have had).
    public init(tokens sequences: [[Int]], vocabulary: Int, target: Dataset.Targets, indices: [Int]) {
        size = indices.count
        steps = indices.map { sequences[$0].count }.max() ?? 0
        width = vocabulary
        lengths = indices.map { sequences[$0].count }
        x = []
        var ids = [Int](repeating: -1, count: steps * size)
        for (b, e) in indices.enumerated() { for (t, k) in sequences[e].enumerated() { ids[t * size + b] = k } }
        tokens = ids
        self.target = Batch.layOut(target, indices: indices, steps: steps, size: size)
    }

    /// The targets of examples `indices`, time-major.
    static func layOut(_ target: Dataset.Targets, indices: [Int], steps: Int, size: Int) -> Target {
        switch target {
        case let .vectors(v):
            return .vectors(indices.flatMap { v[$0] })
        case let .classes(c):
            return .classes(indices.map { c[$0] })
        case let .vectorSequences(v):
            let O = v[indices[0]].first?.count ?? 0
            var out = [Double](repeating: 0, count: steps * size * O)
            for (b, e) in indices.enumerated() {
                for (t, y) in v[e].enumerated() { for o in 0..<O { out[(t * size + b) * O + o] = y[o] } }
            }
            return .vectorSequences(out)
        case let .classSequences(c):
            var out = [Int](repeating: -1, count: steps * size)
            for (b, e) in indices.enumerated() { for (t, k) in c[e].enumerated() { out[t * size + b] = k } }
            return .classSequences(out)
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
/// Where one layer-direction's parameters live in the flat vector, gate by gate.
struct LayerOffsets {
    var W_x: [Int], W_h: [Int]
    /// b_g per gate (two biases: b_xg; gru's n gate: b_xn); nil without bias.
    var b: [Int]?
    /// Two biases: b_hg per gate the forward adds to b_xg (rnn, lstm: all; gru: r, z), which gets
    /// the same gradient; nil otherwise.
    var b_h: [Int]?
    /// gru's b_hn.
    var b_hn: Int?
}

/// Forward and backward passes over one shard of a batch, with every buffer allocated once per shape.
///
/// The gates are fused: each layer-direction's weights are packed once per pass into column
/// panels of W_xᵀ [I × GH] and W_hᵀ [H × GH] (G gates of H), so a step is two products over all
/// gates, x_t W_xᵀ + b then + h_{t−1} W_hᵀ, on rows still in cache. One-hot inputs (characters,
/// words) take their row of W_xᵀ instead of a product. The backward sweep hands its ∂ rows to the
/// weight-gradient products a block of steps at a time, while they are in cache. Products and
/// activations come from VectorKernels.
final class ShardEngine {
    let config: CellConfig
    let layout: ParameterLayout
    let H: Int, L: Int, D: Int, G: Int
    /// G·H: the width of a fused gate row.
    let GH: Int
    let offsets: [LayerOffsets]
    let W_hy: Int?, b_y: Int?
    /// An embedding model's W_emb (V × E) in θ; nil without embed=.
    let W_emb: Int?

    // Shape of the workspace.
    private(set) var T = 0, B = 0

    // Packed weights per layer-direction [layer * D + direction]; refreshed from θ each pass.
    /// The gate matrices stacked row-wise (G·H rows; unused with one gate, where θ's own are read).
    private var W_xStacked: [[Double]] = [], W_hStacked: [[Double]] = []
    /// The per-step products' weights as column panels (Dense.packPanels, `panelWidth` wide):
    /// W_hᵀ for the forward step (gru: its r|z columns, then its n columns), stacked W_h for the
    /// backward one (gru: its r|z rows, then its n rows).
    private var W_hTPanels: [[Double]] = [], W_hPanels: [[Double]] = []
    /// W_xᵀ as column panels, for the input product of each step.
    private var W_xTPanels: [[Double]] = []
    /// One block's dA rows (the columns meeting h_{t−1}) as panels for the weight-gradient product.
    private var dAPanels: [Double] = []
    /// Per row of the batch's x (t·B + b): the column of its single 1, or −1 for a row of zeros,
    /// when every row is one-hot or zero (`inputIsOneHot`).
    private var hotColumn: [Int] = []
    private var inputIsOneHot = false
    /// Off: one-hot rows go through the product like any other (tests compare the two).
    var oneHotLookups = true
    /// An embedding model's layer-0 input, x_t = W_emb[token_t] gathered per row (T × B × E,
    /// zeros on padded steps), and ∂L/∂x_t, which scatters back into ∂L/∂W_emb's rows.
    private var embedded: [Double] = [], dEmbedded: [Double] = []
    /// ∂L/∂b per gate row, then gru's ∂L/∂b_hn, summed block by block.
    private var gB: [Double] = []
    /// The bias each gate row starts from (x part; gru's n gate: b_xn).
    private var b_x: [[Double]] = []
    private var W_hyT: [Double] = []

    // Per layer-direction caches.
    /// Gate activations per processing step k: [k][b][g·H + j]. The backward sweep overwrites
    /// step k with ∂L/∂(pre-activations) once it has read it: one buffer, hot in cache.
    private var acts: [[Double]] = []
    /// States: (T+1) × B × H by processing step; index 0 is h_0.
    private var hs: [[Double]] = []
    /// lstm cell states, the same layout, and tanh(c_t) by step (T × B × H).
    private var cs: [[Double]] = []
    private var tanhCs: [[Double]] = []
    /// gru's W_hn h_{t−1} + b_hn per step: T × B × H; backwards, the ∂ that reaches W_hn.
    private var hns: [[Double]] = []
    /// Each layer's output: T × B × (H·D), time-major.
    private var layerOut: [[Double]] = []
    // Scratch.
    private var dY: [[Double]] = []
    private var dh: [Double] = []
    private var dc: [Double] = []
    private var dhPrev: [Double] = []
    private var dcPrev: [Double] = []
    /// ∂L/∂W_xᵀ and ∂L/∂W_hᵀ, all gates: I × GH and H × GH (blocked shards only, made when one
    /// first runs; single rows add into the gradient's own layout directly).
    private var gW_xT: [Double] = [], gW_hT: [Double] = []
    private var top: [Double] = []
    private var dTop: [Double] = []
    /// B × O (many-to-one) or T × B × O (many-to-many), after a run.
    private(set) var logits: [Double] = []
    private var dLogits: [Double] = []
    /// The CRF's α and β for one sentence (T × K each), and where its parameters are in θ.
    private var crfAlpha: [Double] = [], crfBeta: [Double] = []
    private var crfOffsets: (A: Int, start: Int, end: Int)?
    /// ‖∂L/∂h_t‖² summed over directions, per (t, b).
    private(set) var hiddenGradSquares: [Double] = []

    init(config: CellConfig) {
        self.config = config
        let layout = ParameterLayout(config)
        self.layout = layout
        H = config.hidden
        L = config.layers
        D = config.directions
        G = config.gates.count
        GH = G * H
        var offsets: [LayerOffsets] = []
        for l in 0..<config.layers {
            for d in 0..<config.directions {
                let s = CellConfig.suffix(layer: l, direction: d)
                let gates = config.gates
                offsets.append(LayerOffsets(
                    W_x: gates.map { layout.offset("W_x\($0)\(s)")! },
                    W_h: gates.map { layout.offset("W_h\($0)\(s)")! },
                    b: config.bias ? gates.map { g in layout.offset(config.twoBiases || (config.kind == .gru && g == "n") ? "b_x\(g)\(s)" : "b_\(g)\(s)")! } : nil,
                    b_h: config.twoBiases ? config.summedGates.map { layout.offset("b_h\($0)\(s)")! } : nil,
                    b_hn: config.kind == .gru && config.bias ? layout.offset("b_hn\(s)")! : nil))
            }
        }
        self.offsets = offsets
        W_hy = layout.offset("W_hy")
        b_y = layout.offset("b_y")
        W_emb = layout.offset("W_emb")
        if config.crf, let a = layout.offset("transitions"), let st = layout.offset("start_transitions"), let en = layout.offset("end_transitions") {
            crfOffsets = (a, st, en)
        }
        let n = L * D
        W_xTPanels = (0..<n).map { ci in [Double](repeating: 0, count: config.layerInput(ci / D) * GH) }
        W_xStacked = G > 1 ? W_xTPanels : W_xTPanels.map { _ in [] }
        W_hTPanels = (0..<n).map { _ in [Double](repeating: 0, count: H * GH) }
        W_hStacked = G > 1 ? W_hTPanels : W_hTPanels.map { _ in [] }
        W_hPanels = W_hTPanels
        b_x = (0..<n).map { _ in [Double](repeating: 0, count: GH) }
        gB = [Double](repeating: 0, count: GH + H)
        W_hyT = [Double](repeating: 0, count: config.stateWidth * config.outputWidth)
    }

    /// Shards of four rows or more run on the blocked kernels (6 or 8, and 4, rows by two vectors), which
    /// read panels two vectors wide (Dense.blockWidth: 8, or 16 with AVX-512); fewer rows go one at
    /// a time, from panels Dense.rowPanelWidth wide (40, or 104 with AVX-512).
    private var blocked: Bool { B >= 4 }
    private var panelWidth: Int { blocked ? Dense.blockWidth : Dense.rowPanelWidth }

    /// The backward sweep hands its rows to the weight-gradient products every blockSteps steps
    /// (about 128 rows), while they are still in cache. The sums' order depends on the shard's rows
    /// alone, never on threads.
    private var blockSteps: Int { max(1, 128 / max(B, 1)) }

    private func reserve(T newT: Int, B newB: Int) {
        guard newT != T || newB != B else { return }
        T = newT
        B = newB
        let n = L * D
        acts = (0..<n).map { _ in [Double](repeating: 0, count: T * B * GH) }
        hs = (0..<n).map { _ in [Double](repeating: 0, count: (T + 1) * B * H) }
        cs = config.kind == .lstm ? (0..<n).map { _ in [Double](repeating: 0, count: (T + 1) * B * H) } : []
        tanhCs = config.kind == .lstm ? (0..<n).map { _ in [Double](repeating: 0, count: T * B * H) } : []
        hns = config.kind == .gru ? (0..<n).map { _ in [Double](repeating: 0, count: T * B * H) } : []
        layerOut = (0..<L).map { _ in [Double](repeating: 0, count: T * B * H * D) }
        dY = (0..<L).map { _ in [Double](repeating: 0, count: T * B * H * D) }
        dh = [Double](repeating: 0, count: B * H)
        dc = [Double](repeating: 0, count: B * H)
        dhPrev = [Double](repeating: 0, count: B * H)
        dcPrev = [Double](repeating: 0, count: B * H)
        hiddenGradSquares = [Double](repeating: 0, count: T * B)
        dAPanels = blocked ? [Double](repeating: 0, count: blockSteps * B * GH) : []
        if let E = config.embed {
            embedded = [Double](repeating: 0, count: T * B * E)
            dEmbedded = embedded
        }
        if blocked && gW_hT.isEmpty {
            gW_hT = [Double](repeating: 0, count: H * GH)
            gW_xT = [Double](repeating: 0, count: max(config.layerInput(0), config.stateWidth) * GH)
        }
    }

    /// Packs each layer-direction's weights from θ as panels: W_xᵀ and W_hᵀ (for the forward
    /// products, transposed straight from the gate matrices), the gate matrices stacked (for the
    /// backward ones), and the starting biases.
    private func pack(_ p: UnsafePointer<Double>) {
        let H = self.H, GH = self.GH, G = self.G, width = panelWidth
        for ci in 0..<(L * D) {
            let I = config.layerInput(ci / D)
            let o = offsets[ci]
            // One gate: θ's own matrices are the stacked ones.
            var stackedX = p + o.W_x[0], stackedH = p + o.W_h[0]
            if G > 1 {
                W_xStacked[ci].withUnsafeMutableBufferPointer { xP in
                W_hStacked[ci].withUnsafeMutableBufferPointer { hP in
                    for g in 0..<G {
                        (xP.baseAddress! + g * H * I).update(from: p + o.W_x[g], count: H * I)
                        (hP.baseAddress! + g * H * H).update(from: p + o.W_h[g], count: H * H)
                    }
                    stackedX = UnsafePointer(xP.baseAddress!)
                    stackedH = UnsafePointer(hP.baseAddress!)
                }
                }
            }
            b_x[ci].withUnsafeMutableBufferPointer { bx in
                for g in 0..<G { for j in 0..<H { bx[g * H + j] = o.b.map { p[$0[g] + j] } ?? 0 } }
                // PyTorch's b_ih + b_hh: the pre-activation only ever sees their sum.
                if let bh = o.b_h { for g in bh.indices { for j in 0..<H { bx[g * H + j] += p[bh[g] + j] } } }
            }
            // W_xᵀ's column g·H + j is row g·H + j of the stacked W_x; the same for W_h.
            W_xTPanels[ci].withUnsafeMutableBufferPointer { xTP in
                Dense.packTransposedPanels(N: GH, K: I, W: stackedX, ldw: I, into: xTP.baseAddress!, width: width)
            }
            let N1 = config.kind == .gru ? 2 * H : GH
            W_hTPanels[ci].withUnsafeMutableBufferPointer { fP in
                Dense.packTransposedPanels(N: N1, K: H, W: stackedH, ldw: H, into: fP.baseAddress!, width: width)
                if N1 < GH {
                    Dense.packTransposedPanels(N: GH - N1, K: H, W: stackedH + N1 * H, ldw: H, into: fP.baseAddress! + H * N1, width: width)
                }
            }
            W_hPanels[ci].withUnsafeMutableBufferPointer { bP in
                Dense.packPanels(K: N1, N: H, B: stackedH, ldb: H, into: bP.baseAddress!, width: width)
                if N1 < GH {
                    Dense.packPanels(K: GH - N1, N: H, B: stackedH + N1 * H, ldb: H, into: bP.baseAddress! + N1 * H, width: width)
                }
            }
        }
        if let W_hy {
            let O = config.outputWidth, SW = H * D
            W_hyT.withUnsafeMutableBufferPointer { Dense.transpose(rows: O, cols: SW, p + W_hy, lds: SW, into: $0.baseAddress!, ldd: O) }
        }
    }

    /// Whether every row of the batch's x is one-hot or zero, and each row's hot column.
    private func findOneHot(_ batch: Batch) {
        guard oneHotLookups, batch.tokens == nil else { inputIsOneHot = false; return }
        let rows = batch.steps * batch.size, I = batch.width
        if hotColumn.count != rows { hotColumn = [Int](repeating: -1, count: rows) }
        inputIsOneHot = batch.x.withUnsafeBufferPointer { xBuf in
            hotColumn.withUnsafeMutableBufferPointer { hot in
                let x = xBuf.baseAddress!
                for r in 0..<rows {
                    var column = -1
                    for i in 0..<I {
                        let v = x[r * I + i]
                        if v == 0 { continue }
                        if v != 1 || column >= 0 { return false }
                        column = i
                    }
                    hot[r] = column
                }
                return true
            }
        }
    }

    /// Each input row's hot column, for layer l's sweeps: layer 0 of a one-hot batch only.
    private func hotColumns(layer l: Int) -> UnsafePointer<Int>? {
        l == 0 && inputIsOneHot ? hotColumn.withUnsafeBufferPointer { $0.baseAddress! } : nil
    }

    /// This shard's share of the loss (its sum over `lossTerms`, the whole batch's count), and when
    /// `gradient` is given its ∂/∂θ added into it; `logits` then holds what the loss saw.
    func run(_ theta: [Double], batch: Batch, loss: Loss, lossTerms: Int, gradient: UnsafeMutablePointer<Double>?, bptt: Int?,
             recordHiddenGradients: Bool) -> Double {
        reserve(T: batch.steps, B: batch.size)
        findOneHot(batch)
        theta.withUnsafeBufferPointer { p in
            pack(p.baseAddress!)
            if let tokens = batch.tokens { gather(p.baseAddress!, tokens) }
            forward(p.baseAddress!, batch)
        }
        let manyToMany = batch.isManyToMany
        let O = config.outputWidth, SW = H * D
        let rows = manyToMany ? T * B : B
        // The top states the loss reads: every step, or each sequence's last one.
        if top.count != rows * SW { top = [Double](repeating: 0, count: rows * SW) }
        // (Raw pointers throughout: element writes into nested arrays pay a uniqueness check each.)
        layerOut[L - 1].withUnsafeBufferPointer { outBuf in
            top.withUnsafeMutableBufferPointer { topBuf in
                let out = outBuf.baseAddress!, tp = topBuf.baseAddress!
                if manyToMany {
                    tp.update(from: out, count: rows * SW)
                } else {
                    for b in 0..<B { (tp + b * SW).update(from: out + batch.lastStepRow(b) * SW, count: SW) }
                }
            }
        }
        if logits.count != rows * O { logits = [Double](repeating: 0, count: rows * O) }
        if W_hy != nil {
            // logits = top W_hyᵀ, each row starting from b_y (from zero without bias).
            theta.withUnsafeBufferPointer { p in
            top.withUnsafeBufferPointer { s in
            W_hyT.withUnsafeBufferPointer { w in
            logits.withUnsafeMutableBufferPointer { l in
                if b_y == nil { l.update(repeating: 0) }
                Dense.gemm(M: rows, N: O, K: SW, A: s.baseAddress!, rowStrideA: SW, colStrideA: 1,
                           B: w.baseAddress!, ldb: O, C: l.baseAddress!, ldc: O, initialRow: b_y.map { p.baseAddress! + $0 })
            }
            }
            }
            }
        } else {
            for i in 0..<(rows * O) { logits[i] = top[i] }
        }
        // The loss and ∂L/∂logits, masked to valid steps.
        if dLogits.count != rows * O { dLogits = [Double](repeating: 0, count: rows * O) }
        dLogits.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        var total = 0.0
        func valid(_ r: Int) -> Bool { batch.isScored(row: r, manyToMany: manyToMany) }
        if let crf = crfOffsets, manyToMany, case let .classSequences(k) = batch.target {
            // The CRF's NLL summed over this shard's sentences; lossTerms counts the batch's sentences.
            total = crfLoss(theta, crf, k, lengths: batch.lengths, sentences: lossTerms, gradient: gradient)
            if let gradient {
                backward(theta, batch, manyToMany: manyToMany, gradient: gradient, bptt: bptt, record: recordHiddenGradients)
            }
            return total / Double(max(lossTerms, 1))
        }
        switch batch.target {
        case let .vectors(y), let .vectorSequences(y):
            let scale = 2.0 / Double(max(lossTerms, 1))
            for r in 0..<rows where valid(r) {
                for o in 0..<O {
                    let diff = logits[r * O + o] - y[r * O + o]
                    total += diff * diff
                    dLogits[r * O + o] = scale * diff
                }
            }
        case let .classes(k), let .classSequences(k):
            let n = Double(max(lossTerms, 1))
            logits.withUnsafeBufferPointer { lBuf in
            dLogits.withUnsafeMutableBufferPointer { dBuf in
                for r in 0..<rows where valid(r) && k[r] >= 0 {
                    // softmax = e^(z − max) / Σ; the e^ four lanes at a time, into dL's row.
                    let z = lBuf.baseAddress! + r * O, d = dBuf.baseAddress! + r * O
                    var m = -Double.infinity
                    for o in 0..<O { m = max(m, z[o]) }
                    for o in 0..<O { d[o] = z[o] - m }
                    Pointwise.exp(d, count: O)
                    var sum = 0.0
                    for o in 0..<O { sum += d[o] }
                    total += m + log(sum) - z[k[r]]
                    for o in 0..<O { d[o] = d[o] / sum / n }
                    d[k[r]] -= 1 / n
                }
            }
            }
        }
        total /= Double(max(lossTerms, 1))
        if let gradient {
            backward(theta, batch, manyToMany: manyToMany, gradient: gradient, bptt: bptt, record: recordHiddenGradients)
        }
        return total
    }

    // MARK: - Embedding

    /// x_t = W_emb[token_t] for every row (t·B + b) of the batch; a padded row (−1) stays zero.
    private func gather(_ p: UnsafePointer<Double>, _ tokens: [Int]) {
        guard let W_emb, let E = config.embed else { return }
        embedded.withUnsafeMutableBufferPointer { eBuf in
            let e = eBuf.baseAddress!
            for (r, k) in tokens.enumerated() {
                if k >= 0 { (e + r * E).update(from: p + W_emb + k * E, count: E) } else { (e + r * E).update(repeating: 0, count: E) }
            }
        }
    }

    /// ∂L/∂W_emb[token_t] += ∂L/∂x_t, row by row in time-major order (rows of one token add up).
    private func scatter(_ g: UnsafeMutablePointer<Double>, _ tokens: [Int]) {
        guard let W_emb, let E = config.embed else { return }
        dEmbedded.withUnsafeBufferPointer { dBuf in
            let d = dBuf.baseAddress!
            for (r, k) in tokens.enumerated() where k >= 0 { Pointwise.add(d + r * E, into: g + W_emb + k * E, count: E) }
        }
    }

    /// Layer 0's input rows: the gathered embeddings, or the batch's own x.
    private func firstLayerInput(_ batch: Batch) -> UnsafePointer<Double> {
        // Safe: neither array is resized while a pass runs.
        batch.tokens != nil ? embedded.withUnsafeBufferPointer { $0.baseAddress! } : batch.x.withUnsafeBufferPointer { $0.baseAddress! }
    }

    // MARK: - CRF

    /// Σ over sentences of log Z − s(gold) from the logits (the emissions), ∂/∂logits into dLogits
    /// and ∂/∂(transitions, start, end) into `gradient`, each scaled by 1/sentences.
    private func crfLoss(_ theta: [Double], _ crf: (A: Int, start: Int, end: Int), _ k: [Int], lengths: [Int], sentences: Int,
                         gradient: UnsafeMutablePointer<Double>?) -> Double {
        let K = config.outputWidth
        if crfAlpha.count < T * K {
            crfAlpha = [Double](repeating: 0, count: T * K)
            crfBeta = crfAlpha
        }
        let scale = 1 / Double(max(sentences, 1))
        var total = 0.0
        theta.withUnsafeBufferPointer { p in
        logits.withUnsafeBufferPointer { l in
        dLogits.withUnsafeMutableBufferPointer { d in
        k.withUnsafeBufferPointer { gold in
        crfAlpha.withUnsafeMutableBufferPointer { a in
        crfBeta.withUnsafeMutableBufferPointer { b in
            let th = p.baseAddress!
            for s in 0..<B where lengths[s] > 0 {
                total += CRF.addSentenceLoss(
                    K: K, T: lengths[s], A: th + crf.A, start: th + crf.start, end: th + crf.end,
                    e: l.baseAddress! + s * K, stride: B * K, gold: gold.baseAddress! + s, goldStride: B,
                    alpha: a.baseAddress!, beta: b.baseAddress!, scale: scale,
                    dE: gradient == nil ? nil : d.baseAddress! + s * K, dA: gradient.map { $0 + crf.A },
                    dStart: gradient.map { $0 + crf.start }, dEnd: gradient.map { $0 + crf.end })
            }
        }
        }
        }
        }
        }
        }
        return total
    }

    // MARK: - Forward

    private func forward(_ p: UnsafePointer<Double>, _ batch: Batch) {
        for l in 0..<L {
            let inWidth = config.layerInput(l)
            for d in 0..<D {
                // Safe: the input arrays are not resized while this layer runs.
                let input: UnsafePointer<Double> = l == 0
                    ? firstLayerInput(batch)
                    : layerOut[l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                forwardSweep(layer: l, direction: d, p: p, input: input, inWidth: inWidth, lengths: batch.lengths)
            }
        }
    }

    private func forwardSweep(layer l: Int, direction d: Int, p: UnsafePointer<Double>, input: UnsafePointer<Double>, inWidth I: Int,
                              lengths: [Int]) {
        let H = self.H, B = self.B, T = self.T, GH = self.GH, SW = H * D
        let ci = l * D + d
        let kind = config.kind, activation = config.activation
        let BH = B * H, BGH = B * GH
        let width = panelWidth
        let hot = hotColumns(layer: l)
        acts[ci].withUnsafeMutableBufferPointer { actsBuf in
        hs[ci].withUnsafeMutableBufferPointer { hsBuf in
        layerOut[l].withUnsafeMutableBufferPointer { outBuf in
        W_xTPanels[ci].withUnsafeBufferPointer { wxTPanels in
        W_hTPanels[ci].withUnsafeBufferPointer { whTPanels in
        b_x[ci].withUnsafeBufferPointer { bx in
            let actsP = actsBuf.baseAddress!, hsP = hsBuf.baseAddress!, outP = outBuf.baseAddress!
            let panels = whTPanels.baseAddress!, xPanels = wxTPanels.baseAddress!
            /// C (B × N, row stride ldc) = h_{t−1} times W_hᵀ's columns from `column` (0 or 2H).
            func stepProduct(_ hPrev: UnsafePointer<Double>, column: Int, N: Int, _ C: UnsafeMutablePointer<Double>, ldc: Int,
                             initialRow: UnsafePointer<Double>? = nil) {
                Dense.gemm(M: B, N: N, K: H, A: hPrev, rowStrideA: H, colStrideA: 1, panels: panels + column * H, width: width,
                           C: C, ldc: ldc, initialRow: initialRow)
            }
            /// a = x_t W_xᵀ + b for step t's rows, which the recurrent product then adds to while they are in cache.
            /// A one-hot x_t picks its row of W_xᵀ: b + 1·w rounds as the product's b + 0·w... + 1·w does.
            func inputProduct(_ t: Int, _ a: UnsafeMutablePointer<Double>) {
                if let hot {
                    for bb in 0..<B {
                        Dense.panelRow(hot[t * B + bb], K: I, N: GH, panels: xPanels, width: width, adding: bx.baseAddress!, into: a + bb * GH)
                    }
                } else {
                    Dense.gemm(M: B, N: GH, K: I, A: input + t * B * I, rowStrideA: I, colStrideA: 1, panels: xPanels, width: width,
                               C: a, ldc: GH, initialRow: bx.baseAddress!)
                }
            }
            // Single rows in time order take the input side of every step in one product instead:
            // W_xᵀ is read once per six rows rather than once per step (the same sums either way).
            let allAtOnce = !blocked && d == 0 && hot == nil
            if allAtOnce {
                Dense.gemm(M: T * B, N: GH, K: I, A: input, rowStrideA: I, colStrideA: 1, panels: xPanels, width: width, C: actsP, ldc: GH,
                           initialRow: bx.baseAddress!)
            }
            // h_0 = 0 (c_0 = 0)
            for i in 0..<BH { hsP[i] = 0 }
            let csP: UnsafeMutablePointer<Double>? = kind == .lstm ? cs[ci].withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
            let tcP: UnsafeMutablePointer<Double>? = kind == .lstm ? tanhCs[ci].withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
            let hnP: UnsafeMutablePointer<Double>? = kind == .gru ? hns[ci].withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
            if let csP { for i in 0..<BH { csP[i] = 0 } }
            for k in 0..<T {
                let t = d == 0 ? k : T - 1 - k
                let hPrev = hsP + k * BH, hNew = hsP + (k + 1) * BH
                let a = actsP + k * BGH
                if !allAtOnce { inputProduct(t, a) }
                switch kind {
                case .rnn:
                    stepProduct(hPrev, column: 0, N: GH, a, ldc: GH)
                    switch activation {
                    case .tanh: Pointwise.tanh(a, count: BH)
                    case .relu: for i in 0..<BH { a[i] = a[i] > 0 ? a[i] : 0 }
                    case .linear: break
                    }
                    hNew.update(from: a, count: BH)
                case .lstm:
                    stepProduct(hPrev, column: 0, N: GH, a, ldc: GH)
                    Pointwise.lstmStep(B: B, H: H, a: a, cPrev: csP! + k * BH, c: csP! + (k + 1) * BH, tanhC: tcP! + k * BH, h: hNew)
                case .gru:
                    // r and z take h_{t−1} W_h· into their pre-activations; n keeps W_hn h_{t−1} + b_hn apart.
                    stepProduct(hPrev, column: 0, N: 2 * H, a, ldc: GH)
                    let hn = hnP! + k * BH
                    // W_hn h_{t−1} from b_hn (from zero without bias).
                    let b_hn = offsets[ci].b_hn.map { p + $0 }
                    if b_hn == nil { hn.update(repeating: 0, count: BH) }
                    stepProduct(hPrev, column: 2 * H, N: H, hn, ldc: H, initialRow: b_hn)
                    Pointwise.gruStep(B: B, H: H, a: a, hn: hn, hPrev: hPrev, h: hNew)
                }
                // Steps past a sequence's end leave its state as it was.
                for bb in 0..<B where t >= lengths[bb] {
                    (hNew + bb * H).update(from: hPrev + bb * H, count: H)
                    if let csP { (csP + (k + 1) * BH + bb * H).update(from: csP + k * BH + bb * H, count: H) }
                }
                for bb in 0..<B {
                    (outP + (t * B + bb) * SW + d * H).update(from: hNew + bb * H, count: H)
                }
            }
        }
        }
        }
        }
        }
        }
    }


    // MARK: - Backward

    private func backward(_ theta: [Double], _ batch: Batch, manyToMany: Bool, gradient g: UnsafeMutablePointer<Double>, bptt: Int?, record: Bool) {
        let O = config.outputWidth, SW = H * D
        let rows = manyToMany ? T * B : B
        for l in 0..<L { dY[l].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        if record { hiddenGradSquares.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        if dTop.count != rows * SW { dTop = [Double](repeating: 0, count: rows * SW) }
        theta.withUnsafeBufferPointer { pBuf in
            let p = pBuf.baseAddress!
            // Output layer: dW_hy += dLogitsᵀ top, db_y += Σ dLogits, dTop = dLogits W_hy.
            dLogits.withUnsafeBufferPointer { dl in
                top.withUnsafeBufferPointer { s in
                    dTop.withUnsafeMutableBufferPointer { dt in
                        if let W_hy {
                            Dense.gemm(M: O, N: SW, K: rows, A: dl.baseAddress!, rowStrideA: 1, colStrideA: O,
                                       B: s.baseAddress!, ldb: SW, C: g + W_hy, ldc: SW)
                            if let b_y { Dense.addColumnSums(M: rows, N: O, A: dl.baseAddress!, lda: O, into: g + b_y) }
                            dt.baseAddress!.update(repeating: 0, count: rows * SW)
                            Dense.gemm(M: rows, N: SW, K: O, A: dl.baseAddress!, rowStrideA: O, colStrideA: 1,
                                       B: p + W_hy, ldb: SW, C: dt.baseAddress!, ldc: SW)
                        } else {
                            for i in 0..<(rows * SW) { dt[i] = dl[i] }
                        }
                    }
                }
            }
            dY[L - 1].withUnsafeMutableBufferPointer { dyBuf in
                dTop.withUnsafeBufferPointer { dtBuf in
                    let dy = dyBuf.baseAddress!, dt = dtBuf.baseAddress!
                    if manyToMany {
                        dy.update(from: dt, count: rows * SW)
                    } else {
                        for b in 0..<B { (dy + batch.lastStepRow(b) * SW).update(from: dt + b * SW, count: SW) }
                    }
                }
            }
            if batch.tokens != nil { dEmbedded.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            for l in stride(from: L - 1, through: 0, by: -1) {
                let inWidth = config.layerInput(l)
                let input: UnsafePointer<Double> = l == 0
                    ? firstLayerInput(batch)
                    : layerOut[l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                for d in 0..<D {
                    backwardSweep(layer: l, direction: d, p: p, g: g, input: input, inWidth: inWidth, lengths: batch.lengths,
                                  bptt: bptt, record: record && l == L - 1, embedding: batch.tokens != nil)
                }
            }
            if let tokens = batch.tokens { scatter(g, tokens) }
        }
    }

    private func backwardSweep(layer l: Int, direction d: Int, p: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                               input: UnsafePointer<Double>, inWidth I: Int, lengths: [Int], bptt: Int?, record: Bool,
                               embedding: Bool) {
        let H = self.H, B = self.B, T = self.T, G = self.G, GH = self.GH, SW = H * D
        let BH = B * H, BGH = B * GH
        let ci = l * D + d
        let kind = config.kind, activation = config.activation
        let off = offsets[ci]
        for i in 0..<BH { dh[i] = 0; dc[i] = 0 }
        // ∂L/∂(layer input): into the layer below's outputs, or layer 0's embedded x_t.
        let dBelow: UnsafeMutablePointer<Double>? = l > 0 ? dY[l - 1].withUnsafeMutableBufferPointer { $0.baseAddress! }
            : embedding ? dEmbedded.withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
        let dOut = dY[l].withUnsafeBufferPointer { $0.baseAddress! }
        let width = panelWidth, blocked = self.blocked
        let hot = hotColumns(layer: l)
        acts[ci].withUnsafeMutableBufferPointer { actsBuf in
        hs[ci].withUnsafeBufferPointer { hsBuf in
        dh.withUnsafeMutableBufferPointer { dhBuf in
        dc.withUnsafeMutableBufferPointer { dcBuf in
        dhPrev.withUnsafeMutableBufferPointer { dhpBuf in
        dcPrev.withUnsafeMutableBufferPointer { dcpBuf in
        W_hPanels[ci].withUnsafeBufferPointer { whPanelsBuf in
        W_xStacked[ci].withUnsafeBufferPointer { wxBuf in
        gW_hT.withUnsafeMutableBufferPointer { gWhBuf in
        gW_xT.withUnsafeMutableBufferPointer { gWxBuf in
            let hsP = hsBuf.baseAddress!
            // Step k's gates become step k's ∂L/∂(pre-activations) in place.
            let dAall = actsBuf.baseAddress!
            let dhP = dhBuf.baseAddress!, dcP = dcBuf.baseAddress!, dhp = dhpBuf.baseAddress!, dcp = dcpBuf.baseAddress!
            // One gate (rnn): the stacked W_x is θ's own matrix, read in place.
            let W_x = G == 1 ? p + off.W_x[0] : wxBuf.baseAddress!
            // (nil for single-row shards, which never allocate them: only blocked code reads them.)
            let gWhT = gWhBuf.baseAddress, gWxT = gWxBuf.baseAddress
            let panels = whPanelsBuf.baseAddress!
            /// dhp (B × H) += A (B × K, row stride lda) times W_h's rows from `row` (0 or 2H).
            func stepProduct(_ A: UnsafePointer<Double>, lda: Int, row: Int, K: Int) {
                Dense.gemm(M: B, N: H, K: K, A: A, rowStrideA: lda, colStrideA: 1, panels: panels + row * H, width: width, C: dhp, ldc: H)
            }
            let csP: UnsafePointer<Double>? = kind == .lstm ? cs[ci].withUnsafeBufferPointer { $0.baseAddress! } : nil
            let tcP: UnsafePointer<Double>? = kind == .lstm ? tanhCs[ci].withUnsafeBufferPointer { $0.baseAddress! } : nil
            // gru: W_hn gets r ⊙ ∂L/∂a_n, kept in hn's slot (B × H per step) once hn is read.
            let hnP: UnsafeMutablePointer<Double>? = kind == .gru ? hns[ci].withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
            // dA's columns that meet h_{t−1}ᵀ in ∂L/∂W_hᵀ (gru: r and z; n's are r ⊙ ∂L/∂a_n, in hn's slot).
            let hColumns = kind == .gru ? 2 * H : GH
            let dAP = blocked ? dAPanels.withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
            let gBias = gB.withUnsafeMutableBufferPointer { $0.baseAddress! }
            if blocked {
                gWhT!.update(repeating: 0, count: H * GH)
                gWxT!.update(repeating: 0, count: I * GH)
            }
            gBias.update(repeating: 0, count: GH + H)
            let blockSteps = self.blockSteps
            /// Row r of this direction's input: processing row r's time step, reversed for d = 1.
            func inputRow(_ r: Int) -> Int { d == 0 ? r : (T - 1 - r / B) * B + r % B }
            /// Rows r0 ..< r0 + rows in runs whose input rows are consecutive (all of them for d = 0,
            /// one step's B rows for d = 1): each run's first row, and the run's length.
            func inputRuns(_ r0: Int, _ rows: Int) -> (starts: StrideTo<Int>, length: Int) {
                let length = d == 0 ? rows : B
                return (stride(from: r0, to: r0 + rows, by: length), length)
            }
            /// Blocked shards: ∂L/∂W_hᵀ += h_{t−1}ᵀ dA and ∂L/∂W_xᵀ += x_tᵀ dA over rows r0 ..< r0 + rows
            /// (processing order), transposed into the gradient at the end.
            func blockedWeightGradients(_ r0: Int, _ rows: Int) {
                Dense.gemm(M: H, N: hColumns, K: rows, A: hsP + r0 * H, rowStrideA: 1, colStrideA: H, panels: dAP!, C: gWhT!, ldc: GH)
                if let hnP {
                    Dense.gemm(M: H, N: H, K: rows, A: hsP + r0 * H, rowStrideA: 1, colStrideA: H, B: hnP + r0 * H, ldb: H,
                               C: gWhT! + 2 * H, ldc: GH)
                }
                if let hot {
                    // One-hot x_t: row hot(r) of ∂L/∂W_xᵀ takes dA's row r, rows in order as the product sums them.
                    for r in r0..<(r0 + rows) {
                        let c = hot[inputRow(r)]
                        if c >= 0 { Pointwise.add(dAall + r * GH, into: gWxT! + c * GH, count: GH) }
                    }
                } else {
                    let (starts, length) = inputRuns(r0, rows)
                    for r in starts {
                        Dense.gemm(M: I, N: GH, K: length, A: input + inputRow(r) * I, rowStrideA: 1, colStrideA: I,
                                   B: dAall + r * GH, ldb: GH, C: gWxT!, ldc: GH)
                    }
                }
            }
            /// Single rows: ∂L/∂W_h += dAᵀ h_{t−1} and ∂L/∂W_x += dAᵀ x_t gate by gate, straight into
            /// the gradient's own layout (H × H and H × I), so nothing is transposed afterwards.
            func directWeightGradients(_ r0: Int, _ rows: Int) {
                for gi in 0..<G {
                    let (A, lda) = hnP != nil && gi == 2 ? (UnsafePointer(hnP! + r0 * H), H) : (UnsafePointer(dAall + r0 * GH + gi * H), GH)
                    Dense.gemm(M: H, N: H, K: rows, A: A, rowStrideA: 1, colStrideA: lda, B: hsP + r0 * H, ldb: H,
                               C: g + off.W_h[gi], ldc: H)
                }
                if let hot {
                    // One-hot x_t: column hot(r) of each gate's ∂L/∂W_x takes that gate's part of dA's row r.
                    for r in r0..<(r0 + rows) {
                        let c = hot[inputRow(r)]
                        guard c >= 0 else { continue }
                        for gi in 0..<G {
                            let column = g + off.W_x[gi] + c, dA = dAall + r * GH + gi * H
                            for j in 0..<H { column[j * I] += dA[j] }
                        }
                    }
                } else {
                    let (starts, length) = inputRuns(r0, rows)
                    for r in starts {
                        for gi in 0..<G {
                            Dense.gemm(M: H, N: I, K: length, A: dAall + r * GH + gi * H, rowStrideA: 1, colStrideA: GH,
                                       B: input + inputRow(r) * I, ldb: I, C: g + off.W_x[gi], ldc: I)
                        }
                    }
                }
            }
            /// Steps first ..< end are done: their rows (still in cache) go into the weight gradients,
            /// the biases and the layer below.
            func blockDone(_ first: Int, _ end: Int) {
                let r0 = first * B, rows = (end - first) * B
                if blocked { blockedWeightGradients(r0, rows) } else { directWeightGradients(r0, rows) }
                if off.b != nil { Dense.addColumnSums(M: rows, N: GH, A: dAall + r0 * GH, lda: GH, into: gBias) }
                if off.b_hn != nil, let hnP { Dense.addColumnSums(M: rows, N: H, A: hnP + r0 * H, lda: H, into: gBias + GH) }
                if let dBelow {
                    // ∂L/∂(layer input), into the lower layer's output slots.
                    let (starts, length) = inputRuns(r0, rows)
                    for r in starts {
                        Dense.gemm(M: length, N: I, K: GH, A: dAall + r * GH, rowStrideA: GH, colStrideA: 1, B: W_x, ldb: I,
                                   C: dBelow + inputRow(r) * I, ldc: I)
                    }
                }
            }
            for k in stride(from: T - 1, through: 0, by: -1) {
                let blockFirst = k - k % blockSteps, blockEnd = min(blockFirst + blockSteps, T)
                let t = d == 0 ? k : T - 1 - k
                let a = dAall + k * BGH
                let hPrev = hsP + k * BH, hNew = hsP + (k + 1) * BH
                let dAk = a
                // ∂L/∂h_t: what later steps sent back plus what the outputs at t send.
                for bb in 0..<B { Pointwise.add(dOut + (t * B + bb) * SW + d * H, into: dhP + bb * H, count: H) }
                if record {
                    for bb in 0..<B {
                        var sq = 0.0
                        for j in 0..<H { sq += dhP[bb * H + j] * dhP[bb * H + j] }
                        hiddenGradSquares[t * B + bb] += sq
                    }
                }
                switch kind {
                case .rnn where activation == .tanh:
                    Pointwise.tanhBackStep(dh: dhP, h: hNew, dA: dAk, dhPrev: dhp, count: BH)
                case .rnn:
                    for i in 0..<BH {
                        let h = hNew[i]
                        let deriv: Double
                        switch activation {
                        case .tanh: deriv = 1 - h * h
                        case .relu: deriv = h > 0 ? 1 : 0
                        case .linear: deriv = 1
                        }
                        dAk[i] = dhP[i] * deriv
                        dhp[i] = 0
                    }
                case .lstm:
                    Pointwise.lstmBackStep(B: B, H: H, gates: a, cPrev: csP! + k * BH, tanhC: tcP! + k * BH, dh: dhP, dc: dcP,
                                           dcPrev: dcp, dhPrev: dhp)
                case .gru:
                    Pointwise.gruBackStep(B: B, H: H, gates: a, hn: hnP! + k * BH, hPrev: hPrev, dh: dhP, dhPrev: dhp)
                }
                // Steps past a sequence's end passed h (and c) through unchanged.
                for bb in 0..<B where t >= lengths[bb] {
                    (dAk + bb * GH).update(repeating: 0, count: GH)
                    if let hnP { (hnP + k * BH + bb * H).update(repeating: 0, count: H) }
                    for j in 0..<H { dhp[bb * H + j] = dhP[bb * H + j]; dcp[bb * H + j] = dcP[bb * H + j] }
                }
                // The weight gradients' product reads dA as panels: this step's rows go in while hot.
                if let dAP {
                    Dense.packPanels(rows: B, N: hColumns, B: dAk, ldb: GH, into: dAP, panelRows: (blockEnd - blockFirst) * B,
                                     firstRow: (k - blockFirst) * B)
                }
                // ∂L/∂h_{t−1} += dA_h W_h over all gates (gru: n's part from its own slot).
                if let hnP {
                    stepProduct(dAk, lda: GH, row: 0, K: 2 * H)
                    stepProduct(hnP + k * BH, lda: H, row: 2 * H, K: H)
                } else {
                    stepProduct(dAk, lda: GH, row: 0, K: GH)
                }
                // Truncated BPTT: the state entering a chunk is detached, as h.detach() would do.
                if bptt.map({ k > 0 && k % $0 == 0 }) ?? false {
                    dhP.update(repeating: 0, count: BH)
                    dcP.update(repeating: 0, count: BH)
                } else {
                    dhP.update(from: dhp, count: BH)
                    if kind == .lstm { dcP.update(from: dcp, count: BH) }
                }
                if k == blockFirst { blockDone(blockFirst, blockEnd) }
            }
            if blocked {
                for gi in 0..<G {
                    // Columns gi·H ..< (gi+1)·H of ∂L/∂W_xᵀ and ∂L/∂W_hᵀ, added into gate gi's W_x and W_h.
                    Dense.transpose(rows: I, cols: H, gWxT! + gi * H, lds: GH, into: g + off.W_x[gi], ldd: I, adding: true)
                    Dense.transpose(rows: H, cols: H, gWhT! + gi * H, lds: GH, into: g + off.W_h[gi], ldd: H, adding: true)
                }
            }
            if let b = off.b {
                for gi in 0..<G { let bg = g + b[gi]; for j in 0..<H { bg[j] += gBias[gi * H + j] } }
            }
            // Each of PyTorch's two biases gets the whole ∂L/∂b, as autograd gives bias_ih and bias_hh.
            if let bh = off.b_h {
                for gi in bh.indices { let bg = g + bh[gi]; for j in 0..<H { bg[j] += gBias[gi * H + j] } }
            }
            if let b_hn = off.b_hn {
                let bg = g + b_hn
                for j in 0..<H { bg[j] += gBias[GH + j] }
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
}
