import VectorKernels

/// The engine's forward pass: per layer-direction a sweep over the steps, each the input product
/// x_t W_xᵀ + b, then the cell kind's own step (the recurrent product h_{t−1} W_hᵀ and the
/// pointwise part), as `Model.runDirection` reads for one sequence.
extension ShardEngine {
    func forward(_ p: UnsafePointer<Double>, input0: UnsafePointer<Double>, lengths: [Int]) {
        for l in 0..<L {
            let input = l == 0 ? input0 : UnsafePointer(ws.output(l - 1))
            for d in 0..<D { forwardSweep(layer: l, direction: d, p: p, input: input, lengths: lengths) }
        }
    }

    /// What one layer-direction's forward steps read and write, and the shapes they need (held
    /// here so a step reads no property of the engine, each of which would cost an access check).
    struct ForwardSweep {
        let B: Int, H: Int, GH: Int, width: Int
        let acts: UnsafeMutablePointer<Double>, hs: UnsafeMutablePointer<Double>
        /// lstm: c_t and tanh(c_t); gru: W_hn h_{t−1} + b_hn.
        let cs: UnsafeMutablePointer<Double>?, tanhCs: UnsafeMutablePointer<Double>?, hns: UnsafeMutablePointer<Double>?
        /// W_hᵀ as panels.
        let panels: UnsafePointer<Double>
        /// gru: b_hn in θ.
        let b_hn: UnsafePointer<Double>?
    }

    /// A step's input side, x_t W_xᵀ + b, for the recurrent product to take in the same pass.
    struct InputSide {
        let x: UnsafePointer<Double>, I: Int, panels: UnsafePointer<Double>, bias: UnsafePointer<Double>
    }

    private func forwardSweep(layer l: Int, direction d: Int, p: UnsafePointer<Double>, input: UnsafePointer<Double>, lengths: [Int]) {
        let H = self.H, B = self.B, T = self.T, GH = self.GH, SW = H * D, I = config.layerInput(l)
        let ci = l * D + d
        let BH = B * H, BGH = B * GH
        let width = panelWidth
        let hot = hotColumns(layer: l)
        let sweep = ForwardSweep(B: B, H: H, GH: GH, width: width, acts: ws.acts[ci].base, hs: ws.hs[ci].base,
                                 cs: ws.cs.isEmpty ? nil : ws.cs[ci].base, tanhCs: ws.tanhCs.isEmpty ? nil : ws.tanhCs[ci].base,
                                 hns: ws.hns.isEmpty ? nil : ws.hns[ci].base, panels: packed.W_hTPanels[ci].base,
                                 b_hn: offsets[ci].b_hn.map { p + $0 })
        let outP = ws.output(l), xPanels = UnsafePointer(packed.W_xTPanels[ci].base), bx = UnsafePointer(packed.b_x[ci].base)
        /// a = x_t W_xᵀ + b for step t's rows, which the recurrent product then adds to while they are in cache.
        /// A one-hot x_t picks its row of W_xᵀ: b + 1·w rounds as the product's b + 0·w... + 1·w does.
        func inputProduct(_ t: Int, _ a: UnsafeMutablePointer<Double>) {
            if let hot {
                for bb in 0..<B {
                    Dense.panelRow(hot[t * B + bb], K: I, N: GH, panels: xPanels, width: width, adding: bx, into: a + bb * GH)
                }
            } else {
                Dense.gemm(M: B, N: GH, K: I, A: input + t * B * I, rowStrideA: I, colStrideA: 1, panels: xPanels, width: width,
                           C: a, ldc: GH, initialRow: bx)
            }
        }
        // Single rows in time order take the input side of every step in one product instead:
        // W_xᵀ is read once per six rows rather than once per step (the same sums either way).
        let allAtOnce = !blocked && d == 0 && hot == nil
        if allAtOnce {
            Dense.gemm(M: T * B, N: GH, K: I, A: input, rowStrideA: I, colStrideA: 1, panels: xPanels, width: width, C: sweep.acts, ldc: GH,
                       initialRow: bx)
        }
        // Blocked rnn and lstm steps after the first take the input and recurrent products in one
        // pass over the step's gate rows (the same sums). gru's n gate keeps its h side apart.
        let bothAtOnce = blocked && hot == nil && I > 0 && config.kind != .gru
        // h_0 = 0 (c_0 = 0)
        sweep.hs.update(repeating: 0, count: BH)
        sweep.cs?.update(repeating: 0, count: BH)
        for k in 0..<T {
            let t = d == 0 ? k : T - 1 - k
            let hPrev = UnsafePointer(sweep.hs + k * BH), hNew = sweep.hs + (k + 1) * BH
            let a = sweep.acts + k * BGH
            let both = bothAtOnce && k > 0
            if !allAtOnce && !both { inputProduct(t, a) }
            let x = both ? InputSide(x: input + t * B * I, I: I, panels: xPanels, bias: bx) : nil
            switch config.kind {
            case .rnn: rnnStep(sweep, k, a: a, hPrev: hPrev, hNew: hNew, input: x)
            case .lstm: lstmStep(sweep, k, a: a, hPrev: hPrev, hNew: hNew, input: x)
            case .gru: gruStep(sweep, k, a: a, hPrev: hPrev, hNew: hNew)
            }
            // Steps past a sequence's end leave its state as it was.
            for bb in 0..<B where t >= lengths[bb] {
                (hNew + bb * H).update(from: hPrev + bb * H, count: H)
                if let cs = sweep.cs { (cs + (k + 1) * BH + bb * H).update(from: cs + k * BH + bb * H, count: H) }
            }
            // One direction: hs is the layer's output (Workspace.output); two: each row's half of it.
            if D == 2 {
                for bb in 0..<B { (outP + (t * B + bb) * SW + d * H).update(from: hNew + bb * H, count: H) }
            }
        }
    }

    /// C (B × N, row stride ldc) += h_{t−1} times W_hᵀ's columns from `column` (0, or gru's 2H), from `initialRow` when given;
    /// with `input`, C = x_t W_xᵀ + b + h_{t−1} W_hᵀ in one pass.
    private func recurrentProduct(_ s: ForwardSweep, _ hPrev: UnsafePointer<Double>, column: Int, N: Int, _ C: UnsafeMutablePointer<Double>,
                                  ldc: Int, initialRow: UnsafePointer<Double>? = nil, step k: Int, input: InputSide? = nil) {
        if let input {
            Dense.gemm(M: s.B, N: N, K1: input.I, A1: input.x, lda1: input.I, panels1: input.panels,
                       K2: s.H, A2: hPrev, lda2: s.H, panels2: s.panels + column * s.H, width: s.width, C: C, ldc: ldc,
                       initialRow: input.bias)
            return
        }
        // h_0 = 0: the first step's product adds nothing (x + 0·w is x), so it is not computed.
        if k == 0 {
            if let initialRow { for m in 0..<s.B { (C + m * ldc).update(from: initialRow, count: N) } }
            return
        }
        if !blocked {
            rowProducts(M: s.B, N: N, K: s.H, A: hPrev, lda: s.H, panels: s.panels + column * s.H, width: s.width, C: C, ldc: ldc,
                        initialRow: initialRow, descending: k % 2 == 1)
            return
        }
        Dense.gemm(M: s.B, N: N, K: s.H, A: hPrev, rowStrideA: s.H, colStrideA: 1, panels: s.panels + column * s.H, width: s.width,
                   C: C, ldc: ldc, initialRow: initialRow)
    }

    /// rnn: h_t = act(a), a = W_xh x_t + b + W_hh h_{t−1}.
    private func rnnStep(_ s: ForwardSweep, _ k: Int, a: UnsafeMutablePointer<Double>, hPrev: UnsafePointer<Double>, hNew: UnsafeMutablePointer<Double>,
                         input: InputSide?) {
        let BH = s.B * s.H
        recurrentProduct(s, hPrev, column: 0, N: s.GH, a, ldc: s.GH, step: k, input: input)
        switch config.activation {
        case .tanh: Pointwise.tanh(a, count: BH)
        case .relu: for i in 0..<BH { a[i] = a[i] > 0 ? a[i] : 0 }
        case .linear: break
        }
        hNew.update(from: a, count: BH)
    }

    /// lstm: i, f, o = σ(a_·), g = tanh(a_g), c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
    private func lstmStep(_ s: ForwardSweep, _ k: Int, a: UnsafeMutablePointer<Double>, hPrev: UnsafePointer<Double>,
                          hNew: UnsafeMutablePointer<Double>, input: InputSide?) {
        let B = s.B, H = s.H, BH = B * H
        recurrentProduct(s, hPrev, column: 0, N: s.GH, a, ldc: s.GH, step: k, input: input)
        Pointwise.lstmStep(B: B, H: H, a: a, cPrev: s.cs! + k * BH, c: s.cs! + (k + 1) * BH, tanhC: s.tanhCs! + k * BH, h: hNew)
    }

    /// gru: r, z = σ(a_·), n = tanh(a_xn + r ⊙ (W_hn h_{t−1} + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
    private func gruStep(_ s: ForwardSweep, _ k: Int, a: UnsafeMutablePointer<Double>, hPrev: UnsafePointer<Double>,
                         hNew: UnsafeMutablePointer<Double>) {
        let B = s.B, H = s.H, BH = B * H
        // r and z take h_{t−1} W_h· into their pre-activations; n keeps W_hn h_{t−1} + b_hn apart.
        recurrentProduct(s, hPrev, column: 0, N: 2 * H, a, ldc: s.GH, step: k)
        let hn = s.hns! + k * BH
        // W_hn h_{t−1} from b_hn (from zero without bias).
        if s.b_hn == nil { hn.update(repeating: 0, count: BH) }
        recurrentProduct(s, hPrev, column: 2 * H, N: H, hn, ldc: H, initialRow: s.b_hn, step: k)
        Pointwise.gruStep(B: B, H: H, a: a, hn: hn, hPrev: hPrev, h: hNew)
    }
}
