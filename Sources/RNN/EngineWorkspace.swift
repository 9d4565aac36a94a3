import VectorKernels

/// Numbers the engine owns: allocated (and zeroed) once, freed with their owner. The pointer is
/// valid for the buffer's whole life, so no `withUnsafe…` closure has to lend one out, and an
/// element write pays no uniqueness check as one into a nested array does.
final class Buffer<Element> {
    let base: UnsafeMutablePointer<Element>
    let count: Int

    /// On a cache line (64 bytes), so a row of the products starts where a vector load wants it.
    init(_ count: Int, filledWith value: Element) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        base = raw.bindMemory(to: Element.self, capacity: max(count, 1))
        base.initialize(repeating: value, count: max(count, 1))
    }

    deinit {
        base.deinitialize(count: max(count, 1))
        base.deallocate()
    }

    func fill(_ value: Element, count n: Int? = nil) { base.update(repeating: value, count: n ?? count) }

    /// The first `n` elements as an array (all of them by default).
    func array(_ n: Int? = nil) -> [Element] { Array(UnsafeBufferPointer(start: base, count: n ?? count)) }
}

extension Buffer where Element == Double {
    convenience init(_ count: Int) { self.init(count, filledWith: 0) }
}

/// One shard's scratch memory for one batch shape (T steps × B sequences), allocated when the
/// shape first comes and reused by every pass of it. Per layer-direction `ci = layer·D + direction`
/// unless said otherwise; rows are time-major (t·B + b) or by processing step k (k·B + b).
final class Workspace {
    let T: Int, B: Int
    /// Gate activations per processing step k: [k][b][g·H + j]. The backward sweep overwrites
    /// step k with ∂L/∂(pre-activations) once it has read it: one buffer, hot in cache.
    let acts: [Buffer<Double>]
    /// States: (T+1) × B × H by processing step; index 0 is h_0.
    let hs: [Buffer<Double>]
    /// lstm: cell states, the same layout, and tanh(c_t) by step (T × B × H); empty otherwise.
    let cs: [Buffer<Double>], tanhCs: [Buffer<Double>]
    /// gru: W_hn h_{t−1} + b_hn per step (T × B × H); backwards, the ∂ that reaches W_hn.
    let hns: [Buffer<Double>]
    /// Per layer with two directions: its output T × B × 2H, time-major (read it through `output`).
    /// Per layer: ∂L/∂ of its output.
    let layerOut: [Buffer<Double>], dY: [Buffer<Double>]
    /// Hidden width and directions, for `output` to find a layer's output.
    let H: Int, D: Int
    /// B × H each: ∂L/∂h_t and ∂L/∂c_t carried back, and what the step sends to t − 1.
    let dh: Buffer<Double>, dc: Buffer<Double>, dhPrev: Buffer<Double>, dcPrev: Buffer<Double>
    /// ‖∂L/∂h_t‖² summed over directions, per (t, b).
    let hiddenGradSquares: Buffer<Double>
    /// Blocked shards: ∂L/∂W_xᵀ of all gates (I × GH); with `panelGradient`, one block's dA rows (the
    /// columns meeting h_{t−1}) as panels for the W_h gradient's product, and ∂L/∂W_hᵀ (H × GH).
    let dAPanels: Buffer<Double>?, gW_xT: Buffer<Double>?, gW_hT: Buffer<Double>?
    /// Blocked shards without `panelGradient`: one block's h_{t−1} rows as panels, the B of the
    /// W_h gradient's product ∂L/∂W_h += dAᵀ h_{t−1}. Read as they lie, rows H·8 bytes apart (512
    /// for hidden 64) fall into a few of L1's sets and evict one another between the row blocks.
    let hsPanels: Buffer<Double>?
    /// ∂L/∂b per gate row, then gru's ∂L/∂b_hn, summed block by block.
    let gB: Buffer<Double>
    /// An embedding model's layer-0 input, x_t = W_emb[token_t] per row (T × B × E, zeros on
    /// padded steps), and ∂L/∂x_t, which scatters back into ∂L/∂W_emb's rows.
    let embedded: Buffer<Double>?, dEmbedded: Buffer<Double>?
    /// Per row of the batch's x: the column of its single 1, or −1 for a row of zeros.
    let hotColumn: Buffer<Int>
    /// The top states the loss reads, their ∂, the logits and their ∂: up to T × B rows
    /// (many-to-many), B rows (many-to-one).
    let top: Buffer<Double>, dTop: Buffer<Double>, logits: Buffer<Double>, dLogits: Buffer<Double>
    /// A CRF's α and β for one sentence (T × K each).
    let crfAlpha: Buffer<Double>?, crfBeta: Buffer<Double>?

    init(config: CellConfig, T: Int, B: Int, blocked: Bool, panelGradient: Bool, blockSteps: Int) {
        self.T = T
        self.B = B
        let H = config.hidden, D = config.directions, n = config.layers * D, GH = config.gates.count * H
        func each(_ count: Int) -> [Buffer<Double>] { (0..<n).map { _ in Buffer(count) } }
        acts = each(T * B * GH)
        hs = each((T + 1) * B * H)
        cs = config.kind == .lstm ? each((T + 1) * B * H) : []
        tanhCs = config.kind == .lstm ? each(T * B * H) : []
        hns = config.kind == .gru ? each(T * B * H) : []
        self.H = H
        self.D = D
        // One direction's output is its states h_1 … h_T, already in hs: no copy of its own.
        layerOut = D == 1 ? [] : (0..<config.layers).map { _ in Buffer(T * B * H * D) }
        dY = (0..<config.layers).map { _ in Buffer(T * B * H * D) }
        dh = Buffer(B * H)
        dc = Buffer(B * H)
        dhPrev = Buffer(B * H)
        dcPrev = Buffer(B * H)
        hiddenGradSquares = Buffer(T * B)
        dAPanels = panelGradient ? Buffer(blockSteps * B * GH) : nil
        gW_hT = panelGradient ? Buffer(H * GH) : nil
        hsPanels = blocked && !panelGradient ? Buffer(blockSteps * B * H) : nil
        gW_xT = blocked ? Buffer(max(config.layerInput(0), config.stateWidth) * GH) : nil
        gB = Buffer(GH + H)
        embedded = config.embed.map { Buffer(T * B * $0) }
        dEmbedded = config.embed.map { Buffer(T * B * $0) }
        hotColumn = Buffer(T * B, filledWith: -1)
        let O = config.outputWidth, SW = config.stateWidth
        top = Buffer(T * B * SW)
        dTop = Buffer(T * B * SW)
        logits = Buffer(T * B * O)
        dLogits = Buffer(T * B * O)
        crfAlpha = config.crf ? Buffer(T * O) : nil
        crfBeta = config.crf ? Buffer(T * O) : nil
    }

    /// Layer l's output, T × B × (H·D), time-major: with one direction, hs past h_0 (processing
    /// step k is time step k, and k + 1 holds h_t); with two, the layer's own buffer.
    func output(_ l: Int) -> UnsafeMutablePointer<Double> { D == 1 ? hs[l].base + B * H : layerOut[l].base }
}

/// Each layer-direction's weights as the products read them, repacked from θ every pass.
///
/// The gates are fused: W_xᵀ [I × GH] and W_hᵀ [H × GH] (G gates of H) as column panels
/// (Dense.packPanels, `width` wide), so a step is two products over all gates on rows still in cache.
final class PackedWeights {
    /// The gate matrices stacked row-wise (G·H rows); nil with one gate, where θ's own are read.
    let W_xStacked: [Buffer<Double>?], W_hStacked: [Buffer<Double>?]
    /// W_xᵀ as column panels, for the input product of each step.
    let W_xTPanels: [Buffer<Double>]
    /// W_hᵀ for the forward step (gru: its r|z columns, then its n columns), and stacked W_h for
    /// the backward one (gru: its r|z rows, then its n rows).
    let W_hTPanels: [Buffer<Double>], W_hPanels: [Buffer<Double>]
    /// The bias each gate row starts from (x part plus, with two biases, the h part; gru's n gate: b_xn).
    let b_x: [Buffer<Double>]
    let W_hyT: Buffer<Double>

    init(config: CellConfig) {
        let H = config.hidden, D = config.directions, G = config.gates.count, GH = G * H, n = config.layers * D
        W_xTPanels = (0..<n).map { ci in Buffer(config.layerInput(ci / D) * GH) }
        W_xStacked = (0..<n).map { ci in G > 1 ? Buffer(config.layerInput(ci / D) * GH) : nil }
        W_hTPanels = (0..<n).map { _ in Buffer(H * GH) }
        W_hStacked = (0..<n).map { _ in G > 1 ? Buffer(H * GH) : nil }
        W_hPanels = (0..<n).map { _ in Buffer(H * GH) }
        b_x = (0..<n).map { _ in Buffer(GH) }
        W_hyT = Buffer(config.stateWidth * config.outputWidth)
    }

    /// Packs from θ (`p`): W_xᵀ and W_hᵀ for the forward products (transposed straight from the
    /// gate matrices), the gate matrices stacked for the backward ones, and the starting biases.
    /// `backwardPanels` false (single rows): the backward products read the stacked W_h as it is, a row
    /// at a time, and its panels are not made.
    func pack(_ p: UnsafePointer<Double>, config: CellConfig, offsets: [LayerOffsets], W_hy: Int?, width: Int, backwardPanels: Bool) {
        let H = config.hidden, D = config.directions, G = config.gates.count, GH = G * H
        for ci in 0..<(config.layers * D) {
            let I = config.layerInput(ci / D)
            let o = offsets[ci]
            // One gate: θ's own matrices are the stacked ones.
            var stackedX = p + o.W_x[0], stackedH = p + o.W_h[0]
            if let xP = W_xStacked[ci]?.base, let hP = W_hStacked[ci]?.base {
                for g in 0..<G {
                    (xP + g * H * I).update(from: p + o.W_x[g], count: H * I)
                    (hP + g * H * H).update(from: p + o.W_h[g], count: H * H)
                }
                stackedX = UnsafePointer(xP)
                stackedH = UnsafePointer(hP)
            }
            let bx = b_x[ci].base
            for g in 0..<G { for j in 0..<H { bx[g * H + j] = o.b.map { p[$0[g] + j] } ?? 0 } }
            // PyTorch's b_ih + b_hh: the pre-activation only ever sees their sum.
            if let bh = o.b_h { for g in bh.indices { for j in 0..<H { bx[g * H + j] += p[bh[g] + j] } } }
            // W_xᵀ's column g·H + j is row g·H + j of the stacked W_x; the same for W_h.
            Dense.packTransposedPanels(N: GH, K: I, W: stackedX, ldw: I, into: W_xTPanels[ci].base, width: width)
            let N1 = config.kind == .gru ? 2 * H : GH
            let fP = W_hTPanels[ci].base, bP = W_hPanels[ci].base
            Dense.packTransposedPanels(N: N1, K: H, W: stackedH, ldw: H, into: fP, width: width)
            if N1 < GH {
                Dense.packTransposedPanels(N: GH - N1, K: H, W: stackedH + N1 * H, ldw: H, into: fP + H * N1, width: width)
            }
            guard backwardPanels else { continue }
            Dense.packPanels(K: N1, N: H, B: stackedH, ldb: H, into: bP, width: width)
            if N1 < GH {
                Dense.packPanels(K: GH - N1, N: H, B: stackedH + N1 * H, ldb: H, into: bP + N1 * H, width: width)
            }
        }
        if let W_hy {
            let O = config.outputWidth, SW = config.stateWidth
            Dense.transpose(rows: O, cols: SW, p + W_hy, lds: SW, into: W_hyT.base, ldd: O)
        }
    }
}
