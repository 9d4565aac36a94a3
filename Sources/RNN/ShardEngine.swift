import VectorKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Forward and backward passes over one shard of a batch: the fast engine that `train` and
/// `predict` use, computing what the reference (`Model.forward`, `Model.referenceGradients`)
/// computes, and tested against it.
///
/// Its memory is a `Workspace` per batch shape and `PackedWeights` refreshed from θ each pass.
/// One-hot inputs (characters, words) take their row of W_xᵀ instead of a product. The backward
/// sweep hands its ∂ rows to the weight-gradient products a block of steps at a time, while they
/// are in cache. Products and activations come from VectorKernels. The forward steps are in
/// ShardEngine+Forward.swift, the backward ones in ShardEngine+Backward.swift.
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
    /// Where the CRF's parameters are in θ.
    let crfOffsets: (A: Int, start: Int, end: Int)?

    /// The shape of the workspace.
    private(set) var T = 0, B = 0
    private(set) var ws: Workspace
    let packed: PackedWeights
    /// Whether every row of the batch's x is one-hot or zero (then `ws.hotColumn` holds each row's column).
    private(set) var inputIsOneHot = false
    /// Off: one-hot rows go through the product like any other (tests compare the two).
    var oneHotLookups = true
    /// How many rows of the logits the last run wrote (B, or T × B).
    private var logitRows = 0

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
        } else {
            crfOffsets = nil
        }
        packed = PackedWeights(config: config)
        ws = Workspace(config: config, T: 0, B: 0, blocked: false, panelGradient: false, blockSteps: 1)
    }

    /// Shards of four rows or more run on the blocked kernels (6 or 8, and 4, rows by two vectors), which
    /// read panels two vectors wide (Dense.blockWidth: 8, or 16 with AVX-512); fewer rows go one at
    /// a time, from panels Dense.rowPanelWidth wide (40, or 56 with AVX-512).
    var blocked: Bool { B >= 4 }
    var panelWidth: Int { blocked ? Dense.blockWidth : Dense.rowPanelWidth }

    /// Whether the W_h gradient goes through dA's panels (∂L/∂W_hᵀ, transposed at the end) rather than
    /// straight into the gradient: blocked shards whose gates are wider than `Engine.panelGradientColumns`.
    var weightGradientFromPanels: Bool { blocked && GH > Engine.panelGradientColumns }

    /// Single rows' products (M < 4) go one run of `width` columns at a time (the last run shorter),
    /// ascending or descending: a step that reads the runs in the order opposite to its predecessor's
    /// starts on the run the predecessor read last, still in L1 (a hidden-100 W_h is 80 KB, more than
    /// L1 holds, read once a step). Each element's sum over k is the same either way.
    @inline(__always)
    func forEachColumnRun(N: Int, width: Int, descending: Bool, _ body: (_ n: Int, _ w: Int) -> Void) {
        let count = (N + width - 1) / width
        for q in 0..<count {
            let n = (descending ? count - 1 - q : q) * width
            body(n, min(width, N - n))
        }
    }

    /// C (M × N) += A·B for single rows, B (K × N) in panels `width` wide: a product per panel.
    func rowProducts(M: Int, N: Int, K: Int, A: UnsafePointer<Double>, lda: Int, panels: UnsafePointer<Double>, width: Int,
                     C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?, descending: Bool) {
        forEachColumnRun(N: N, width: width, descending: descending) { n, w in
            Dense.gemm(M: M, N: w, K: K, A: A, rowStrideA: lda, colStrideA: 1, panels: panels + n * K, width: width, C: C + n, ldc: ldc,
                       initialRow: initialRow.map { $0 + n })
        }
    }

    /// The same for B (K × N) as it is, row-major with leading dimension ldb, in the same column runs.
    func rowProducts(M: Int, N: Int, K: Int, A: UnsafePointer<Double>, lda: Int, B: UnsafePointer<Double>, ldb: Int, width: Int,
                     C: UnsafeMutablePointer<Double>, ldc: Int, descending: Bool) {
        forEachColumnRun(N: N, width: width, descending: descending) { n, w in
            Dense.gemm(M: M, N: w, K: K, A: A, rowStrideA: lda, colStrideA: 1, B: B + n, ldb: ldb, C: C + n, ldc: ldc)
        }
    }

    /// The backward sweep hands its rows to the weight-gradient products every blockSteps steps
    /// (about 128 rows), while they are still in cache. The sums' order depends on the shard's rows
    /// alone, never on threads.
    var blockSteps: Int { max(1, 128 / max(B, 1)) }

    /// A new workspace when the batch shape changes; the same one, as it was, otherwise.
    private func reserve(T newT: Int, B newB: Int) {
        guard newT != T || newB != B else { return }
        T = newT
        B = newB
        ws = Workspace(config: config, T: T, B: B, blocked: blocked, panelGradient: weightGradientFromPanels, blockSteps: blockSteps)
    }

    /// The logits the last run's loss saw: B × O (many-to-one) or T × B × O (many-to-many).
    var logits: [Double] { ws.logits.array(logitRows * config.outputWidth) }
    /// ‖∂L/∂h_t‖² summed over directions, per (t, b), after a run that recorded them.
    var hiddenGradSquares: [Double] { ws.hiddenGradSquares.array() }

    /// Whether every row of the batch's x is one-hot or zero, and each row's hot column.
    private func findOneHot(_ batch: Batch, _ x: UnsafePointer<Double>?) {
        guard oneHotLookups, batch.tokens == nil, let x else { inputIsOneHot = false; return }
        let rows = batch.steps * batch.size, I = batch.width, hot = ws.hotColumn.base
        inputIsOneHot = {
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
        }()
    }

    /// Each input row's hot column, for layer l's sweeps: layer 0 of a one-hot batch only.
    func hotColumns(layer l: Int) -> UnsafePointer<Int>? {
        l == 0 && inputIsOneHot ? UnsafePointer(ws.hotColumn.base) : nil
    }

    /// This shard's share of the loss (its sum over `lossTerms`, the whole batch's count), and when
    /// `gradient` is given its ∂/∂θ added into it; `logits` then holds what the loss saw.
    func run(_ theta: [Double], batch: Batch, loss: Loss, lossTerms: Int, gradient: UnsafeMutablePointer<Double>?, bptt: Int?,
             recordHiddenGradients: Bool) -> Double {
        reserve(T: batch.steps, B: batch.size)
        return theta.withUnsafeBufferPointer { pBuf in
            batch.x.withUnsafeBufferPointer { xBuf in
                // Layer 0 reads the gathered embeddings, or the batch's own x.
                let input0 = batch.tokens != nil ? UnsafePointer(ws.embedded!.base) : xBuf.baseAddress!
                return run(pBuf.baseAddress!, x: xBuf.baseAddress, input0: input0, batch: batch, lossTerms: lossTerms, gradient: gradient,
                           bptt: bptt, record: recordHiddenGradients)
            }
        }
    }

    private func run(_ p: UnsafePointer<Double>, x: UnsafePointer<Double>?, input0: UnsafePointer<Double>, batch: Batch, lossTerms: Int,
                     gradient: UnsafeMutablePointer<Double>?, bptt: Int?, record: Bool) -> Double {
        findOneHot(batch, x)
        packed.pack(p, config: config, offsets: offsets, W_hy: W_hy, width: panelWidth, backwardPanels: blocked)
        if let tokens = batch.tokens { gather(p, tokens) }
        forward(p, input0: input0, lengths: batch.lengths)
        let manyToMany = batch.isManyToMany
        let O = config.outputWidth, SW = H * D
        let rows = manyToMany ? T * B : B
        logitRows = rows
        // The top states the loss reads: every step, or each sequence's last one.
        let out = ws.output(L - 1), tp = ws.top.base
        if manyToMany {
            tp.update(from: out, count: rows * SW)
        } else {
            for b in 0..<B { (tp + b * SW).update(from: out + batch.lastStepRow(b) * SW, count: SW) }
        }
        let logits = ws.logits.base
        if W_hy != nil {
            // logits = top W_hyᵀ, each row starting from b_y (from zero without bias).
            if b_y == nil { logits.update(repeating: 0, count: rows * O) }
            Dense.gemm(M: rows, N: O, K: SW, A: tp, rowStrideA: SW, colStrideA: 1,
                       B: packed.W_hyT.base, ldb: O, C: logits, ldc: O, initialRow: b_y.map { p + $0 })
        } else {
            for i in 0..<(rows * O) { logits[i] = tp[i] }
        }
        // The loss and ∂L/∂logits, masked to valid steps.
        let dL = ws.dLogits.base
        dL.update(repeating: 0, count: rows * O)
        var total = 0.0
        func valid(_ r: Int) -> Bool { batch.isScored(row: r, manyToMany: manyToMany) }
        if let crf = crfOffsets, manyToMany, case let .classSequences(k) = batch.target {
            // The CRF's NLL summed over this shard's sentences; lossTerms counts the batch's sentences.
            total = crfLoss(p, crf, k, lengths: batch.lengths, sentences: lossTerms, gradient: gradient)
            if let gradient {
                backward(p, input0: input0, batch, manyToMany: manyToMany, gradient: gradient, bptt: bptt, record: record)
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
                    dL[r * O + o] = scale * diff
                }
            }
        case let .classes(k), let .classSequences(k):
            let n = Double(max(lossTerms, 1))
            for r in 0..<rows where valid(r) && k[r] >= 0 {
                // softmax = e^(z − max) / Σ; the e^ four lanes at a time, into dL's row.
                let z = logits + r * O, d = dL + r * O
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
        total /= Double(max(lossTerms, 1))
        if let gradient {
            backward(p, input0: input0, batch, manyToMany: manyToMany, gradient: gradient, bptt: bptt, record: record)
        }
        return total
    }

    // MARK: - Embedding

    /// x_t = W_emb[token_t] for every row (t·B + b) of the batch; a padded row (−1) stays zero.
    private func gather(_ p: UnsafePointer<Double>, _ tokens: [Int]) {
        guard let W_emb, let E = config.embed, let e = ws.embedded?.base else { return }
        for (r, k) in tokens.enumerated() {
            if k >= 0 { (e + r * E).update(from: p + W_emb + k * E, count: E) } else { (e + r * E).update(repeating: 0, count: E) }
        }
    }

    /// ∂L/∂W_emb[token_t] += ∂L/∂x_t, row by row in time-major order (rows of one token add up).
    func scatter(_ g: UnsafeMutablePointer<Double>, _ tokens: [Int]) {
        guard let W_emb, let E = config.embed, let d = ws.dEmbedded?.base else { return }
        for (r, k) in tokens.enumerated() where k >= 0 { Pointwise.add(d + r * E, into: g + W_emb + k * E, count: E) }
    }

    // MARK: - CRF

    /// Σ over sentences of log Z − s(gold) from the logits (the emissions), ∂/∂logits into dLogits
    /// and ∂/∂(transitions, start, end) into `gradient`, each scaled by 1/sentences.
    private func crfLoss(_ th: UnsafePointer<Double>, _ crf: (A: Int, start: Int, end: Int), _ k: [Int], lengths: [Int], sentences: Int,
                         gradient: UnsafeMutablePointer<Double>?) -> Double {
        let K = config.outputWidth
        let scale = 1 / Double(max(sentences, 1))
        let l = ws.logits.base, d = ws.dLogits.base, a = ws.crfAlpha!.base, b = ws.crfBeta!.base
        var total = 0.0
        k.withUnsafeBufferPointer { gold in
            for s in 0..<B where lengths[s] > 0 {
                total += CRF.addSentenceLoss(
                    K: K, T: lengths[s], A: th + crf.A, start: th + crf.start, end: th + crf.end,
                    e: l + s * K, stride: B * K, gold: gold.baseAddress! + s, goldStride: B,
                    alpha: a, beta: b, scale: scale,
                    dE: gradient == nil ? nil : d + s * K, dA: gradient.map { $0 + crf.A },
                    dStart: gradient.map { $0 + crf.start }, dEnd: gradient.map { $0 + crf.end })
            }
        }
        return total
    }
}
