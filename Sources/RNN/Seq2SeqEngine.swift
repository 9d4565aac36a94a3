import VectorKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast training pass of Seq2Seq: a whole mini-batch at once, every product a matrix–matrix
/// product through the VectorKernels, every buffer in one contiguous workspace allocated once per
/// batch shape. Same numbers as the reference `Seq2Seq.lossAndGradient` (its test oracle) up to
/// rounding, with PyTorch's packed-sequence semantics for ragged batches.
///
/// Layout: time-major, rows sorted by source length (longest first), so encoder step t runs the
/// first n_t rows only, as a packed sequence does; a finished row's state is carried forward
/// unchanged, so every row's final state sits at the last step. Decoder steps beyond a row's
/// target get no loss, hence a zero gradient. Weight gradients are summed once per batch over
/// all steps (one product with K = steps · rows) from the per-step gate gradients.
public final class Seq2SeqEngine {
    public let config: Seq2Seq.Config
    /// Offsets of the parameters in θ.
    let encEmb: Int, decEmb: Int, wq: Int, wk: Int, wv: Int, fcW: Int, fcB: Int
    /// [0] encoder, [1] decoder; per layer: weight_ih, weight_hh, bias_ih, bias_hh.
    let rnn: [[(wi: Int, wh: Int, bi: Int, bh: Int)]]

    /// Every Double buffer; `layout` says where each starts.
    var storage: [Double] = []
    var layout = Layout()
    /// Sorted rows' tokens and lengths, and the token fed at each decoder step.
    var source: [Int] = [], target: [Int] = [], sourceLength: [Int] = [], targetLength: [Int] = [], fed: [Int] = []
    /// Per source step: how many rows are still running.
    var running: [Int] = []

    public init(_ config: Seq2Seq.Config) {
        self.config = config
        var o: [String: Int] = [:], at = 0
        for s in config.specs { o[s.name] = at; at += s.count }
        encEmb = o["encoder.embedding.weight"]!
        decEmb = o["decoder.embedding.weight"]!
        wq = o["decoder.attention.W_q.weight"] ?? -1
        wk = o["decoder.attention.W_k.weight"] ?? -1
        wv = o["decoder.attention.w_v.weight"] ?? -1
        fcW = o["decoder.fc.weight"]!
        fcB = o["decoder.fc.bias"]!
        rnn = ["encoder.rnn", "decoder.rnn"].map { p in
            (0..<config.layers).map { l in (o["\(p).weight_ih_l\(l)"]!, o["\(p).weight_hh_l\(l)"]!, o["\(p).bias_ih_l\(l)"]!, o["\(p).bias_hh_l\(l)"]!) }
        }
    }

    /// Where each buffer starts in `storage`, for B rows, S source and T target steps.
    struct Layout {
        var B = 0, S = 0, T = 0, total = 0
        // Weights laid out for x·Wᵀ products, refreshed every batch: per rnn and layer.
        var WiT: [[Int]] = [], WhT: [[Int]] = [], bx: [[Int]] = [], bhn: [[Int]] = []
        var WqT = 0, WkT = 0, fcWT = 0
        // Encoder, per layer: states (S+1)·B·H, cells (S+1)·B·H, tanh of cells S·B·H, gates S·B·G, W_hn h + b_hn S·B·H.
        var ex = 0, eh: [Int] = [], ec: [Int] = [], etc: [Int] = [], eg: [Int] = [], ehn: [Int] = []
        // Decoder, the same over T steps; dx0 is layer 0's input [c ; embedding(y_{t−1})] per step.
        var dx0 = 0, dh: [Int] = [], dc: [Int] = [], dtc: [Int] = [], dg: [Int] = [], dhn: [Int] = []
        // Probabilities T·B·V (then ∂L/∂logits); attention: W_k k S·B·H, tanh energies T·S·B·H, weights T·B·S, W_q q B·H.
        var P = 0, PK = 0, U = 0, AW = 0, PQ = 0
        // Backward: ∂ W_k k, ∂ W_q q per step, ∂ encoder outputs, per-layer ∂state and ∂cell, scratch.
        var DPK = 0, DPQ = 0, DK = 0, dState: [Int] = [], dCell: [Int] = [], dTop = 0, dOut = 0, tmpC = 0, dX = 0
        var below = 0, below2 = 0, dcSum = 0, zeros = 0
    }

    /// Lays the workspace out for B rows, S and T steps; reallocates only when it grows.
    func prepare(B: Int, S: Int, T: Int) {
        if layout.B == B && layout.S == S && layout.T == T { return }
        let c = config, H = c.hidden, E = c.embed, L = c.layers, G = c.gates, V = c.targetVocab
        var l = Layout()
        l.B = B; l.S = S; l.T = T
        var at = 0
        func take(_ n: Int) -> Int { defer { at += n }; return at }
        for r in 0..<2 {
            let input = r == 0 ? E : H + E
            l.WiT.append((0..<L).map { take(($0 == 0 ? input : H) * G) })
            l.WhT.append((0..<L).map { _ in take(H * G) })
            l.bx.append((0..<L).map { _ in take(G) })
            l.bhn.append((0..<L).map { _ in take(H) })
        }
        l.WqT = take(H * H); l.WkT = take(H * H); l.fcWT = take(H * V)
        l.ex = take(S * B * E)
        l.eh = (0..<L).map { _ in take((S + 1) * B * H) }
        l.ec = (0..<L).map { _ in take(c.cell == .lstm ? (S + 1) * B * H : 0) }
        l.etc = (0..<L).map { _ in take(c.cell == .lstm ? S * B * H : 0) }
        l.eg = (0..<L).map { _ in take(S * B * G) }
        l.ehn = (0..<L).map { _ in take(c.cell == .gru ? S * B * H : 0) }
        l.dx0 = take(T * B * (H + E))
        l.dh = (0..<L).map { _ in take((T + 1) * B * H) }
        l.dc = (0..<L).map { _ in take(c.cell == .lstm ? (T + 1) * B * H : 0) }
        l.dtc = (0..<L).map { _ in take(c.cell == .lstm ? T * B * H : 0) }
        l.dg = (0..<L).map { _ in take(T * B * G) }
        l.dhn = (0..<L).map { _ in take(c.cell == .gru ? T * B * H : 0) }
        l.P = take(T * B * V)
        let att = c.attention
        l.PK = take(att ? S * B * H : 0); l.U = take(att ? T * S * B * H : 0); l.AW = take(att ? T * B * S : 0)
        l.PQ = take(att ? B * H : 0); l.DPK = take(att ? S * B * H : 0); l.DPQ = take(att ? T * B * H : 0)
        l.DK = take(S * B * H)
        l.dState = (0..<L).map { _ in take(B * H) }
        l.dCell = (0..<L).map { _ in take(B * H) }
        l.dTop = take(B * H); l.dOut = take(B * H); l.tmpC = take(max(B * H, S)); l.dX = take(B * (H + E))
        l.below = take(S * B * max(H, E)); l.below2 = take(S * B * max(H, E)); l.dcSum = take(B * H)
        l.zeros = take(max(G, H + E, V, H))
        l.total = at
        layout = l
        if storage.count < at { storage = [Double](repeating: 0, count: at) }
        running = [Int](repeating: 0, count: S)
        source = [Int](repeating: 0, count: S * B); target = [Int](repeating: 0, count: T * B)
        sourceLength = [Int](repeating: 0, count: B); targetLength = [Int](repeating: 0, count: B)
        fed = [Int](repeating: 0, count: T * B)
    }

    /// The mean cross-entropy over the batch's real target tokens, and its gradient written into g
    /// (which must hold θ's count; it is overwritten). `teacher(example, t)` as in Seq2Seq.forward.
    public func lossAndGradient(_ model: Seq2Seq, _ batch: [(source: [Int], target: [Int])], bos: Int,
                                teacher: (Int, Int) -> Bool = { _, _ in true }, into g: inout [Double]) -> Double {
        precondition(model.config == config && g.count == model.theta.count)
        let B = batch.count
        // Longest source first (stable), so each encoder step's running rows come first.
        let order = (0..<B).sorted { (batch[$0].source.count, $1) > (batch[$1].source.count, $0) }
        let S = batch.map(\.source.count).max() ?? 0, T = batch.map(\.target.count).max() ?? 0
        prepare(B: B, S: S, T: T)
        var tokens = 0
        for (row, e) in order.enumerated() {
            let p = batch[e]
            sourceLength[row] = p.source.count; targetLength[row] = p.target.count
            tokens += p.target.count
            for t in 0..<S { source[t * B + row] = t < p.source.count ? p.source[t] : 0 }
            for t in 0..<T { target[t * B + row] = t < p.target.count ? p.target[t] : 0 }
        }
        for t in 0..<S { running[t] = sourceLength.prefix(B).reduce(0) { $0 + ($1 > t ? 1 : 0) } }
        let scale = 1 / Double(tokens)
        return storage.withUnsafeMutableBufferPointer { ws in
            model.theta.withUnsafeBufferPointer { th in
                g.withUnsafeMutableBufferPointer { gs in
                    gs.update(repeating: 0)
                    return pass(ws.baseAddress!, th.baseAddress!, gs.baseAddress!, bos: bos, scale: scale) { row, t in teacher(order[row], t) }
                }
            }
        }
    }

    // MARK: - Products

    /// C (+)= A·B: A M×K (row stride lda), B K×N (ldb), C M×N (ldc); `initial` starts each row of C instead of its contents.
    @inline(__always) func mm(_ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Double>, _ lda: Int, _ Bm: UnsafePointer<Double>, _ ldb: Int,
                              _ C: UnsafeMutablePointer<Double>, _ ldc: Int, initial: UnsafePointer<Double>? = nil) {
        guard M > 0, N > 0, K > 0 else { return }
        Dense.gemm(M: M, N: N, K: K, A: A, rowStrideA: lda, colStrideA: 1, B: Bm, ldb: ldb, C: C, ldc: ldc, initialRow: initial)
    }

    /// C += Aᵀ·B: A K×M (row stride lda), B K×N (ldb), C M×N (ldc): a weight gradient Σ_rows dAᵀ x.
    @inline(__always) func mmT(_ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Double>, _ lda: Int, _ Bm: UnsafePointer<Double>, _ ldb: Int,
                               _ C: UnsafeMutablePointer<Double>, _ ldc: Int) {
        guard M > 0, N > 0, K > 0 else { return }
        Dense.gemm(M: M, N: N, K: K, A: A, rowStrideA: 1, colStrideA: lda, B: Bm, ldb: ldb, C: C, ldc: ldc)
    }

    // MARK: - The pass

    func pass(_ w: UnsafeMutablePointer<Double>, _ th: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>,
              bos: Int, scale: Double, feed: (Int, Int) -> Bool) -> Double {
        let c = config, lay = layout, B = lay.B, S = lay.S, T = lay.T
        let H = c.hidden, E = c.embed, L = c.layers, G = c.gates, V = c.targetVocab, lstm = c.cell == .lstm
        let gh = lstm ? G : 2 * H   // the gate columns W_hh h adds into (a GRU's n-part is kept apart, inside r ⊙ (…))
        let zeros = UnsafePointer(w + lay.zeros)
        for i in 0..<max(G, H + E, V, H) { w[lay.zeros + i] = 0 }

        // Weights as x·Wᵀ reads them, and the biases folded in once.
        for r in 0..<2 {
            for l in 0..<L {
                let o = rnn[r][l], I = l == 0 ? (r == 0 ? E : H + E) : H
                Dense.transpose(rows: G, cols: I, th + o.wi, lds: I, into: w + lay.WiT[r][l], ldd: G)
                Dense.transpose(rows: G, cols: H, th + o.wh, lds: H, into: w + lay.WhT[r][l], ldd: G)
                let bx = w + lay.bx[r][l]
                for k in 0..<G { bx[k] = th[o.bi + k] + (k < gh ? th[o.bh + k] : 0) }
                if !lstm { for k in 0..<H { w[lay.bhn[r][l] + k] = th[o.bh + 2 * H + k] } }
            }
        }
        if c.attention {
            Dense.transpose(rows: H, cols: H, th + wq, lds: H, into: w + lay.WqT, ldd: H)
            Dense.transpose(rows: H, cols: H, th + wk, lds: H, into: w + lay.WkT, ldd: H)
        }
        Dense.transpose(rows: V, cols: H, th + fcW, lds: H, into: w + lay.fcWT, ldd: V)

        // One recurrent step for the first n rows: gates a (n×G) already hold x·W_ihᵀ + biases.
        func cellStep(_ r: Int, _ l: Int, n: Int, a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                      hPrev: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>,
                      cPrev: UnsafePointer<Double>, cell: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>) {
            let whT = UnsafePointer(w + lay.WhT[r][l])
            mm(n, gh, H, hPrev, H, whT, G, a, G)
            if lstm {
                Pointwise.lstmStep(B: n, H: H, a: a, cPrev: cPrev, c: cell, tanhC: tanhC, h: h)
            } else {
                mm(n, H, H, hPrev, H, whT + 2 * H, G, hn, H, initial: UnsafePointer(w + lay.bhn[r][l]))
                Pointwise.gruStep(B: n, H: H, a: a, hn: UnsafePointer(hn), hPrev: hPrev, h: h)
            }
        }

        // Backwards through one step for the first n rows: from ∂L/∂h (dOut) and ∂L/∂c (dCell, lstm),
        // leaves the gate gradients in a (and hn), ∂L/∂h_{t−1} in dPrev and ∂L/∂c_{t−1} in dCell.
        func cellBack(_ r: Int, _ l: Int, n: Int, a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                      hPrev: UnsafePointer<Double>, cPrev: UnsafePointer<Double>, tanhC: UnsafePointer<Double>,
                      dOut: UnsafePointer<Double>, dPrev: UnsafeMutablePointer<Double>, dCell: UnsafeMutablePointer<Double>) {
            let wh = th + rnn[r][l].wh
            if lstm {
                let tmp = w + lay.tmpC
                Pointwise.lstmBackStep(B: n, H: H, gates: a, cPrev: cPrev, tanhC: tanhC, dh: dOut, dc: UnsafePointer(dCell), dcPrev: tmp, dhPrev: dPrev)
                dCell.update(from: tmp, count: n * H)
                mm(n, H, G, a, G, wh, H, dPrev, H)
            } else {
                Pointwise.gruBackStep(B: n, H: H, gates: a, hn: hn, hPrev: hPrev, dh: dOut, dhPrev: dPrev)
                mm(n, H, 2 * H, a, G, wh, H, dPrev, H)
                mm(n, H, H, hn, H, wh + 2 * H * H, H, dPrev, H)
            }
        }

        // Weight gradients of one layer over `rows` rows of all steps: x (rows × I), h_{t−1} (rows × H).
        func weightGradients(_ r: Int, _ l: Int, rows: Int, I: Int, a: UnsafePointer<Double>, hn: UnsafePointer<Double>,
                             x: UnsafePointer<Double>, hPrev: UnsafePointer<Double>) {
            let o = rnn[r][l]
            mmT(G, I, rows, a, G, x, I, g + o.wi, I)
            Dense.addColumnSums(M: rows, N: G, A: a, lda: G, into: g + o.bi)
            if lstm {
                mmT(G, H, rows, a, G, hPrev, H, g + o.wh, H)
                Dense.addColumnSums(M: rows, N: G, A: a, lda: G, into: g + o.bh)
            } else {
                mmT(2 * H, H, rows, a, G, hPrev, H, g + o.wh, H)
                mmT(H, H, rows, hn, H, hPrev, H, g + o.wh + 2 * H * H, H)
                Dense.addColumnSums(M: rows, N: 2 * H, A: a, lda: G, into: g + o.bh)
                Dense.addColumnSums(M: rows, N: H, A: hn, lda: H, into: g + o.bh + 2 * H)
            }
        }

        // MARK: Encoder forward, layer by layer (packed: step t runs the first running[t] rows).
        let ex = w + lay.ex
        for t in 0..<S {
            for b in 0..<B {
                let dst = ex + (t * B + b) * E
                if b < running[t] { dst.update(from: th + encEmb + source[t * B + b] * E, count: E) } else { dst.update(repeating: 0, count: E) }
            }
        }
        for l in 0..<L {
            let h = w + lay.eh[l], cl = w + lay.ec[l], a = w + lay.eg[l]
            h.update(repeating: 0, count: B * H)
            if lstm { cl.update(repeating: 0, count: B * H) }
            let x = l == 0 ? UnsafePointer(ex) : UnsafePointer(w + lay.eh[l - 1] + B * H), I = l == 0 ? E : H
            mm(S * B, G, I, x, I, w + lay.WiT[0][l], G, a, G, initial: UnsafePointer(w + lay.bx[0][l]))
            for t in 0..<S {
                let n = running[t], prev = h + t * B * H, next = h + (t + 1) * B * H
                cellStep(0, l, n: n, a: a + t * B * G, hn: w + lay.ehn[l] + t * B * H, hPrev: prev, h: next,
                         cPrev: cl + t * B * H, cell: cl + (t + 1) * B * H, tanhC: w + lay.etc[l] + t * B * H)
                // Finished rows keep their state: each row's final state is at its own last step.
                (next + n * H).update(from: prev + n * H, count: (B - n) * H)
                if lstm { (cl + (t + 1) * B * H + n * H).update(from: cl + t * B * H + n * H, count: (B - n) * H) }
            }
        }
        let keys = UnsafePointer(w + lay.eh[L - 1] + B * H)   // k[s][b] at (s·B + b)·H
        if c.attention { mm(S * B, H, H, keys, H, w + lay.WkT, H, w + lay.PK, H, initial: zeros) }

        // MARK: Decoder forward, step by step (the query is the top state before the step).
        for l in 0..<L {
            (w + lay.dh[l]).update(from: w + lay.eh[l] + S * B * H, count: B * H)
            if lstm { (w + lay.dc[l]).update(from: w + lay.ec[l] + S * B * H, count: B * H) }
        }
        var loss = 0.0
        let X0 = H + E
        for b in 0..<B { fed[b] = bos }
        for t in 0..<T {
            let x0 = w + lay.dx0 + t * B * X0
            if c.attention {
                let q = UnsafePointer(w + lay.dh[L - 1] + t * B * H), pq = w + lay.PQ
                mm(B, H, H, q, H, w + lay.WqT, H, pq, H, initial: zeros)
                let u = w + lay.U + t * S * B * H, pk = w + lay.PK
                for s in 0..<S { for b in 0..<B {
                    let us = u + (s * B + b) * H, ps = pk + (s * B + b) * H, qs = pq + b * H
                    for j in 0..<H { us[j] = qs[j] + ps[j] }
                } }
                Pointwise.tanh(u, count: S * B * H)
                let aw = w + lay.AW + t * B * S
                for b in 0..<B {
                    let n = sourceLength[b], ab = aw + b * S
                    var m = -Double.infinity
                    for s in 0..<n {
                        let us = u + (s * B + b) * H
                        var e = 0.0
                        for j in 0..<H { e += th[wv + j] * us[j] }
                        ab[s] = e
                        m = max(m, e)
                    }
                    var sum = 0.0
                    for s in 0..<n { ab[s] = exp(ab[s] - m); sum += ab[s] }
                    for s in 0..<n { ab[s] /= sum }
                    for s in n..<S { ab[s] = 0 }
                    let cb = x0 + b * X0
                    for j in 0..<H { cb[j] = 0 }
                    for s in 0..<n {
                        let k = keys + (s * B + b) * H, a = ab[s]
                        for j in 0..<H { cb[j] += a * k[j] }
                    }
                }
            } else {
                // Without attention, the encoder's last real output: the top final state.
                for b in 0..<B { (x0 + b * X0).update(from: keys + (S - 1) * B * H + b * H, count: H) }
            }
            for b in 0..<B { (x0 + b * X0 + H).update(from: th + decEmb + fed[t * B + b] * E, count: E) }
            for l in 0..<L {
                let x = l == 0 ? UnsafePointer(x0) : UnsafePointer(w + lay.dh[l - 1] + (t + 1) * B * H), I = l == 0 ? X0 : H
                let a = w + lay.dg[l] + t * B * G
                mm(B, G, I, x, I, w + lay.WiT[1][l], G, a, G, initial: UnsafePointer(w + lay.bx[1][l]))
                cellStep(1, l, n: B, a: a, hn: w + lay.dhn[l] + t * B * H, hPrev: w + lay.dh[l] + t * B * H, h: w + lay.dh[l] + (t + 1) * B * H,
                         cPrev: w + lay.dc[l] + t * B * H, cell: w + lay.dc[l] + (t + 1) * B * H, tanhC: w + lay.dtc[l] + t * B * H)
            }
            let p = w + lay.P + t * B * V
            mm(B, V, H, w + lay.dh[L - 1] + (t + 1) * B * H, H, w + lay.fcWT, V, p, V, initial: th + fcB)
            for b in 0..<B {
                let row = p + b * V
                var m = row[0], best = 0
                for v in 1..<V where row[v] > m { m = row[v]; best = v }
                let y = target[t * B + b], logit = row[y]
                var sum = 0.0
                for v in 0..<V { row[v] = exp(row[v] - m); sum += row[v] }
                for v in 0..<V { row[v] /= sum }
                if t < targetLength[b] { loss += m + log(sum) - logit }
                if t + 1 < T { fed[(t + 1) * B + b] = t < targetLength[b] && !feed(b, t) ? best : y }
            }
        }

        // MARK: Decoder backward, step by step.
        for l in 0..<L {
            (w + lay.dState[l]).update(repeating: 0, count: B * H)
            (w + lay.dCell[l]).update(repeating: 0, count: B * H)
        }
        (w + lay.DK).update(repeating: 0, count: S * B * H)
        (w + lay.dcSum).update(repeating: 0, count: B * H)
        if c.attention {
            (w + lay.DPK).update(repeating: 0, count: S * B * H)
            (w + lay.DPQ).update(repeating: 0, count: T * B * H)
        }
        let dTop = w + lay.dTop, dOut = w + lay.dOut, dX = w + lay.dX
        for t in stride(from: T - 1, through: 0, by: -1) {
            let p = w + lay.P + t * B * V
            for b in 0..<B {
                let row = p + b * V
                if t < targetLength[b] {
                    row[target[t * B + b]] -= 1
                    for v in 0..<V { row[v] *= scale }           // ∂/∂logits = (softmax − onehot) / tokens
                } else {
                    row.update(repeating: 0, count: V)            // no loss on padding
                }
            }
            dTop.update(from: w + lay.dState[L - 1], count: B * H)
            mm(B, H, V, p, V, th + fcW, H, dTop, H)
            for l in stride(from: L - 1, through: 0, by: -1) {
                let d: UnsafePointer<Double>
                if l == L - 1 { d = UnsafePointer(dTop) } else {
                    for i in 0..<(B * H) { dOut[i] = w[lay.dState[l] + i] + dX[i] }
                    d = UnsafePointer(dOut)
                }
                let a = w + lay.dg[l] + t * B * G, I = l == 0 ? X0 : H
                cellBack(1, l, n: B, a: a, hn: w + lay.dhn[l] + t * B * H, hPrev: w + lay.dh[l] + t * B * H,
                         cPrev: w + lay.dc[l] + t * B * H, tanhC: w + lay.dtc[l] + t * B * H,
                         dOut: d, dPrev: w + lay.dState[l], dCell: w + lay.dCell[l])
                mm(B, I, G, a, G, th + rnn[1][l].wi, I, dX, I, initial: zeros)
            }
            // dX is ∂L/∂[c_t ; embedding(y_{t−1})].
            for b in 0..<B where t < targetLength[b] {
                let ge = g + decEmb + fed[t * B + b] * E, dxe = dX + b * X0 + H
                for k in 0..<E { ge[k] += dxe[k] }
            }
            if c.attention {
                let u = w + lay.U + t * S * B * H, aw = w + lay.AW + t * B * S, dpq = w + lay.DPQ + t * B * H
                for b in 0..<B where t < targetLength[b] {
                    let n = sourceLength[b], ab = aw + b * S, dc = dX + b * X0
                    var mean = 0.0
                    for s in 0..<n {
                        let k = keys + (s * B + b) * H
                        var da = 0.0
                        for j in 0..<H { da += dc[j] * k[j] }      // ∂c/∂a_s = k_s
                        w[lay.tmpC + s] = da
                        mean += ab[s] * da
                    }
                    let q = dpq + b * H
                    for s in 0..<n {
                        let a = ab[s], de = a * (w[lay.tmpC + s] - mean)  // softmax's Jacobian
                        let dk = w + lay.DK + (s * B + b) * H, us = u + (s * B + b) * H, dpk = w + lay.DPK + (s * B + b) * H
                        for j in 0..<H {
                            dk[j] += a * dc[j]                             // c = Σ a_s k_s
                            g[wv + j] += de * us[j]
                            let dpre = de * th[wv + j] * (1 - us[j] * us[j])
                            dpk[j] += dpre
                            q[j] += dpre
                        }
                    }
                }
                mm(B, H, H, dpq, H, th + wq, H, w + lay.dState[L - 1], H)  // ∂q adds to the top state before the step
            } else {
                for b in 0..<B { for j in 0..<H { w[lay.dcSum + b * H + j] += dX[b * X0 + j] } }
            }
        }

        // The decoder's weight gradients over all T·B rows at once.
        for l in 0..<L {
            let x = l == 0 ? UnsafePointer(w + lay.dx0) : UnsafePointer(w + lay.dh[l - 1] + B * H)
            weightGradients(1, l, rows: T * B, I: l == 0 ? X0 : H, a: w + lay.dg[l], hn: w + lay.dhn[l], x: x, hPrev: w + lay.dh[l])
        }
        mmT(V, H, T * B, w + lay.P, V, w + lay.dh[L - 1] + B * H, H, g + fcW, H)
        Dense.addColumnSums(M: T * B, N: V, A: w + lay.P, lda: V, into: g + fcB)
        if c.attention {
            mmT(H, H, T * B, w + lay.DPQ, H, w + lay.dh[L - 1], H, g + wq, H)
            mmT(H, H, S * B, w + lay.DPK, H, keys, H, g + wk, H)
            mm(S * B, H, H, w + lay.DPK, H, th + wk, H, w + lay.DK, H)
        } else {
            Pointwise.add(w + lay.dcSum, into: w + lay.dState[L - 1], count: B * H)
        }

        // MARK: Encoder backward, layer by layer from the top; dState/dCell hold ∂L/∂(final state).
        var above = UnsafePointer(w + lay.DK)
        var belowBuf = w + lay.below, spare = w + lay.below2
        for l in stride(from: L - 1, through: 0, by: -1) {
            let h = w + lay.eh[l], cl = w + lay.ec[l], a = w + lay.eg[l], hnB = w + lay.ehn[l]
            let dh = w + lay.dState[l], dcl = w + lay.dCell[l]
            for t in stride(from: S - 1, through: 0, by: -1) {
                let n = running[t]
                for i in 0..<(n * H) { dOut[i] = dh[i] + above[t * B * H + i] }
                cellBack(0, l, n: n, a: a + t * B * G, hn: hnB + t * B * H, hPrev: h + t * B * H,
                         cPrev: cl + t * B * H, tanhC: w + lay.etc[l] + t * B * H,
                         dOut: dOut, dPrev: dh, dCell: dcl)
                // Rows already finished did not run this step: no gate gradient; ∂state passes through.
                (a + t * B * G + n * G).update(repeating: 0, count: (B - n) * G)
                if !lstm { (hnB + t * B * H + n * H).update(repeating: 0, count: (B - n) * H) }
            }
            let I = l == 0 ? E : H
            let x = l == 0 ? UnsafePointer(w + lay.ex) : UnsafePointer(w + lay.eh[l - 1] + B * H)
            weightGradients(0, l, rows: S * B, I: I, a: a, hn: hnB, x: x, hPrev: h)
            mm(S * B, I, G, a, G, th + rnn[0][l].wi, I, belowBuf, I, initial: zeros)
            above = UnsafePointer(belowBuf)
            swap(&belowBuf, &spare)
        }
        for t in 0..<S {
            for b in 0..<running[t] {
                let ge = g + encEmb + source[t * B + b] * E, d = above + (t * B + b) * E
                for k in 0..<E { ge[k] += d[k] }
            }
        }
        return loss * scale
    }
}
