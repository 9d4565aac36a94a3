import VectorKernels

/// The engine's backward pass: the output layer, then per layer (top down) and direction a sweep
/// back over the steps, each the cell kind's own step (∂L/∂h_t → ∂L/∂(pre-activations) → ∂L/∂h_{t−1}),
/// as `Model.stepBackward` reads for one sequence. Every `blockSteps` steps the rows just computed go
/// into the weight gradients, the biases and the layer below, while they are still in cache.
extension ShardEngine {
    func backward(_ p: UnsafePointer<Double>, input0: UnsafePointer<Double>, _ batch: Batch, manyToMany: Bool,
                  gradient g: UnsafeMutablePointer<Double>, bptt: Int?, record: Bool) {
        let O = config.outputWidth, SW = H * D
        let rows = manyToMany ? T * B : B
        // The top layer reads ∂L/∂(its outputs) from dTop itself (below); the others' dY are sums.
        for l in 0..<(L - 1) { ws.dY[l].fill(0) }
        if record { ws.hiddenGradSquares.fill(0) }
        // Output layer: dW_hy += dLogitsᵀ top, db_y += Σ dLogits, dTop = dLogits W_hy.
        let dl = UnsafePointer(ws.dLogits.base), s = UnsafePointer(ws.top.base), dt = ws.dTop.base
        if let W_hy {
            Dense.gemm(M: O, N: SW, K: rows, A: dl, rowStrideA: 1, colStrideA: O, B: s, ldb: SW, C: g + W_hy, ldc: SW)
            if let b_y { Dense.addColumnSums(M: rows, N: O, A: dl, lda: O, into: g + b_y) }
            dt.update(repeating: 0, count: rows * SW)
            Dense.gemm(M: rows, N: SW, K: O, A: dl, rowStrideA: O, colStrideA: 1, B: p + W_hy, ldb: SW, C: dt, ldc: SW)
        } else {
            for i in 0..<(rows * SW) { dt[i] = dl[i] }
        }
        ws.dEmbedded?.fill(0)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let input = l == 0 ? input0 : UnsafePointer(ws.output(l - 1))
            // Many to one: dTop's row b belongs to step lengths[b] − 1 alone.
            let dOut = l == L - 1 ? UnsafePointer(dt) : UnsafePointer(ws.dY[l].base)
            for d in 0..<D {
                backwardSweep(layer: l, direction: d, p: p, g: g, input: input, dOut: dOut, lastStepOnly: l == L - 1 && !manyToMany,
                              lengths: batch.lengths, bptt: bptt, record: record && l == L - 1, embedding: batch.tokens != nil)
            }
        }
        if let tokens = batch.tokens { scatter(g, tokens) }
    }

    /// What one layer-direction's backward steps read and write, and the shapes they need (held
    /// here so a step reads no property of the engine, each of which would cost an access check).
    struct BackwardSweep {
        let B: Int, H: Int, GH: Int, width: Int
        /// Step k's gates, which become step k's ∂L/∂(pre-activations) (dA) in place.
        let dA: UnsafeMutablePointer<Double>
        let hs: UnsafePointer<Double>
        /// lstm: c_t and tanh(c_t).
        let cs: UnsafePointer<Double>?, tanhCs: UnsafePointer<Double>?
        /// gru: W_hn h_{t−1} + b_hn per step, which becomes r ⊙ ∂L/∂a_n (what reaches W_hn) once read.
        let hns: UnsafeMutablePointer<Double>?
        /// ∂L/∂h_t and ∂L/∂c_t, and what step t sends to t − 1.
        let dh: UnsafeMutablePointer<Double>, dc: UnsafeMutablePointer<Double>
        let dhPrev: UnsafeMutablePointer<Double>, dcPrev: UnsafeMutablePointer<Double>
        /// Stacked W_h as panels (blocked shards), or as it is, row-major (single rows).
        let panels: UnsafePointer<Double>
        /// Blocked shards: this block's dA rows as panels, for the weight-gradient product.
        let dAPanels: UnsafeMutablePointer<Double>?
        /// Blocked shards without dAPanels: this block's h_{t−1} rows as panels, for the same product.
        let hsPanels: UnsafeMutablePointer<Double>?
        /// dA's columns that meet h_{t−1}ᵀ in ∂L/∂W_hᵀ (gru: r and z; n's are in hns).
        let hColumns: Int
    }

    private func backwardSweep(layer l: Int, direction d: Int, p: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                               input: UnsafePointer<Double>, dOut: UnsafePointer<Double>, lastStepOnly: Bool,
                               lengths: [Int], bptt: Int?, record: Bool, embedding: Bool) {
        let H = self.H, B = self.B, T = self.T, G = self.G, GH = self.GH, SW = H * D, I = config.layerInput(l)
        let BH = B * H, BGH = B * GH
        let ci = l * D + d
        let kind = config.kind
        let off = offsets[ci]
        let sweep = BackwardSweep(
            B: B, H: H, GH: GH, width: panelWidth, dA: ws.acts[ci].base, hs: ws.hs[ci].base,
            cs: kind == .lstm ? ws.cs[ci].base : nil, tanhCs: kind == .lstm ? ws.tanhCs[ci].base : nil,
            hns: kind == .gru ? ws.hns[ci].base : nil,
            dh: ws.dh.base, dc: ws.dc.base, dhPrev: ws.dhPrev.base, dcPrev: ws.dcPrev.base,
            panels: blocked ? UnsafePointer(packed.W_hPanels[ci].base) : packed.W_hStacked[ci].map { UnsafePointer($0.base) } ?? p + off.W_h[0],
            dAPanels: ws.dAPanels?.base, hsPanels: ws.hsPanels?.base, hColumns: kind == .gru ? 2 * H : GH)
        let dhP = sweep.dh, dcP = sweep.dc, dhp = sweep.dhPrev, dcp = sweep.dcPrev, hsP = sweep.hs, dAall = sweep.dA, hnP = sweep.hns
        for i in 0..<BH { dhP[i] = 0; dcP[i] = 0 }
        // ∂L/∂(layer input): into the layer below's outputs, or layer 0's embedded x_t.
        let dBelow: UnsafeMutablePointer<Double>? = l > 0 ? ws.dY[l - 1].base : embedding ? ws.dEmbedded!.base : nil
        let blocked = self.blocked
        let hot = hotColumns(layer: l)
        // One gate (rnn): the stacked W_x is θ's own matrix, read in place.
        let W_x = packed.W_xStacked[ci].map { UnsafePointer($0.base) } ?? p + off.W_x[0]
        let gWhT = ws.gW_hT?.base, gWxT = ws.gW_xT?.base, gBias = ws.gB.base
        let hColumns = sweep.hColumns
        gWhT?.update(repeating: 0, count: H * GH)
        if blocked { gWxT!.update(repeating: 0, count: I * GH) }
        gBias.update(repeating: 0, count: GH + H)
        let blockSteps = self.blockSteps
        let squares = record ? ws.hiddenGradSquares.base : nil
        /// Row r of this direction's input: processing row r's time step, reversed for d = 1.
        func inputRow(_ r: Int) -> Int { d == 0 ? r : (T - 1 - r / B) * B + r % B }
        /// Rows r0 ..< r0 + rows in runs whose input rows are consecutive (all of them for d = 0,
        /// one step's B rows for d = 1): each run's first row, and the run's length.
        func inputRuns(_ r0: Int, _ rows: Int) -> (starts: StrideTo<Int>, length: Int) {
            let length = d == 0 ? rows : B
            return (stride(from: r0, to: r0 + rows, by: length), length)
        }
        /// Blocked shards: ∂L/∂W_x += dAᵀ x_t, through ∂L/∂W_xᵀ (transposed into the gradient at the
        /// end); ∂L/∂W_h += dAᵀ h_{t−1} straight into the gradient, or with gates wider than
        /// `Engine.panelGradientColumns` as ∂L/∂W_hᵀ += h_{t−1}ᵀ dA from dA's panels, transposed at the
        /// end. Over rows r0 ..< r0 + rows (processing order); either way each element sums the same
        /// products in the same order from zero.
        func blockedWeightGradients(_ r0: Int, _ rows: Int) {
            guard let dAPanels = sweep.dAPanels else {
                directW_h(r0, rows)
                blockedW_x(r0, rows)
                return
            }
            Dense.gemm(M: H, N: hColumns, K: rows, A: hsP + r0 * H, rowStrideA: 1, colStrideA: H, panels: dAPanels, C: gWhT!, ldc: GH)
            if let hnP {
                Dense.gemm(M: H, N: H, K: rows, A: hsP + r0 * H, rowStrideA: 1, colStrideA: H, B: hnP + r0 * H, ldb: H,
                           C: gWhT! + 2 * H, ldc: GH)
            }
            blockedW_x(r0, rows)
        }
        func blockedW_x(_ r0: Int, _ rows: Int) {
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
        /// ∂L/∂W_h += dAᵀ h_{t−1} gate by gate, straight into the gradient's own layout (H × H).
        func directW_h(_ r0: Int, _ rows: Int) {
            // Step 0's rows meet h_0 = 0, which adds nothing to ∂L/∂W_h.
            let skip = r0 == 0 ? B : 0
            guard rows > skip else { return }
            let hs = hsP + (r0 + skip) * H
            if let hsPanels = sweep.hsPanels { Dense.packPanels(K: rows - skip, N: H, B: hs, ldb: H, into: hsPanels) }
            for gi in 0..<G {
                let (A, lda) = hnP != nil && gi == 2 ? (UnsafePointer(hnP! + r0 * H), H) : (UnsafePointer(dAall + r0 * GH + gi * H), GH)
                if let hsPanels = sweep.hsPanels {
                    Dense.gemm(M: H, N: H, K: rows - skip, A: A + skip * lda, rowStrideA: 1, colStrideA: lda, panels: hsPanels,
                               C: g + off.W_h[gi], ldc: H)
                } else {
                    Dense.gemm(M: H, N: H, K: rows - skip, A: A + skip * lda, rowStrideA: 1, colStrideA: lda, B: hs, ldb: H,
                               C: g + off.W_h[gi], ldc: H)
                }
            }
        }
        func directWeightGradients(_ r0: Int, _ rows: Int) {
            directW_h(r0, rows)
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
            // ∂L/∂h_t: what later steps sent back plus what the outputs at t send.
            // (Many to one: a row's other steps would add zeros, which change no sum: ∂L/∂h_t is never −0.)
            if lastStepOnly {
                for bb in 0..<B where lengths[bb] - 1 == t { Pointwise.add(dOut + bb * SW + d * H, into: dhP + bb * H, count: H) }
            } else {
                for bb in 0..<B { Pointwise.add(dOut + (t * B + bb) * SW + d * H, into: dhP + bb * H, count: H) }
            }
            if let squares {
                for bb in 0..<B {
                    var sq = 0.0
                    for j in 0..<H { sq += dhP[bb * H + j] * dhP[bb * H + j] }
                    squares[t * B + bb] += sq
                }
            }
            switch kind {
            case .rnn: rnnBackStep(sweep, k)
            case .lstm: lstmBackStep(sweep, k)
            case .gru: gruBackStep(sweep, k)
            }
            // Steps past a sequence's end passed h (and c) through unchanged.
            let dAk = dAall + k * BGH
            for bb in 0..<B where t >= lengths[bb] {
                (dAk + bb * GH).update(repeating: 0, count: GH)
                if let hnP { (hnP + k * BH + bb * H).update(repeating: 0, count: H) }
                for j in 0..<H { dhp[bb * H + j] = dhP[bb * H + j]; dcp[bb * H + j] = dcP[bb * H + j] }
            }
            // The weight gradients' product reads dA as panels: this step's rows go in while hot.
            if let dAP = sweep.dAPanels {
                Dense.packPanels(rows: B, N: hColumns, B: dAk, ldb: GH, into: dAP, panelRows: (blockEnd - blockFirst) * B,
                                 firstRow: (k - blockFirst) * B)
            }
            // ∂L/∂h_{t−1} += dA_h W_h over all gates (gru: n's part from its own slot); not at the
            // first step, whose h_0 = 0 is no parameter's function.
            if k > 0 { recurrentBack(sweep, k) }
            // Truncated BPTT: the state entering a chunk is detached, as h.detach() would do. Chunks
            // count each sequence's own steps: backwards, a shorter one's first step is its last t.
            if let n = bptt, d == 1, lengths.contains(where: { $0 != T }) {
                for bb in 0..<B {
                    let own = k - (T - lengths[bb])
                    let row = bb * H
                    if own > 0 && own % n == 0 {
                        (dhP + row).update(repeating: 0, count: H)
                        (dcP + row).update(repeating: 0, count: H)
                    } else {
                        (dhP + row).update(from: dhp + row, count: H)
                        if kind == .lstm { (dcP + row).update(from: dcp + row, count: H) }
                    }
                }
            } else if bptt.map({ k > 0 && k % $0 == 0 }) ?? false {
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
                if let gWhT { Dense.transpose(rows: H, cols: H, gWhT + gi * H, lds: GH, into: g + off.W_h[gi], ldd: H, adding: true) }
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

    /// rnn, h_t = act(a): dA = dh ⊙ act'(a), read from h_t; dh_{t−1} starts from zero.
    private func rnnBackStep(_ s: BackwardSweep, _ k: Int) {
        let BH = s.B * s.H
        let hNew = s.hs + (k + 1) * BH, dAk = s.dA + k * s.B * s.GH
        switch config.activation {
        case .tanh:
            Pointwise.tanhBackStep(dh: s.dh, h: hNew, dA: dAk, dhPrev: s.dhPrev, count: BH)
        case .relu:
            for i in 0..<BH { dAk[i] = s.dh[i] * (hNew[i] > 0 ? 1 : 0); s.dhPrev[i] = 0 }
        case .linear:
            for i in 0..<BH { dAk[i] = s.dh[i] * 1; s.dhPrev[i] = 0 }
        }
    }

    /// lstm: dc_t = dc + dh ⊙ o ⊙ (1 − tanh²c_t); dA_i, dA_f, dA_g, dA_o from it and the gates;
    /// dc_{t−1} = dc_t ⊙ f; dh_{t−1} starts from zero.
    private func lstmBackStep(_ s: BackwardSweep, _ k: Int) {
        let B = s.B, H = s.H, BH = B * H
        Pointwise.lstmBackStep(B: B, H: H, gates: s.dA + k * B * s.GH, cPrev: s.cs! + k * BH, tanhC: s.tanhCs! + k * BH, dh: s.dh, dc: s.dc,
                               dcPrev: s.dcPrev, dhPrev: s.dhPrev)
    }

    /// gru: dA_r, dA_z, dA_n from dh and the gates; hn's slot becomes r ⊙ dA_n (what reaches W_hn);
    /// dh_{t−1} starts from z ⊙ dh.
    private func gruBackStep(_ s: BackwardSweep, _ k: Int) {
        let B = s.B, H = s.H, BH = B * H
        Pointwise.gruBackStep(B: B, H: H, gates: s.dA + k * B * s.GH, hn: s.hns! + k * BH, hPrev: s.hs + k * BH, dh: s.dh, dhPrev: s.dhPrev)
    }

    /// dh_{t−1} (B × H) += dA_h W_h: over all gates at once, or (gru) r|z from dA and n from hn's slot.
    private func recurrentBack(_ s: BackwardSweep, _ k: Int) {
        let B = s.B, H = s.H, GH = s.GH
        func product(_ A: UnsafePointer<Double>, lda: Int, row: Int, K: Int) {
            if !blocked {
                // Single rows read the stacked W_h itself (s.panels is it, row-major).
                rowProducts(M: B, N: H, K: K, A: A, lda: lda, B: s.panels + row * H, ldb: H, width: s.width, C: s.dhPrev, ldc: H,
                            descending: k % 2 == 1)
                return
            }
            Dense.gemm(M: B, N: H, K: K, A: A, rowStrideA: lda, colStrideA: 1, panels: s.panels + row * H, width: s.width, C: s.dhPrev, ldc: H)
        }
        let dAk = s.dA + k * B * GH
        if let hns = s.hns {
            product(dAk, lda: GH, row: 0, K: 2 * H)
            product(hns + k * B * H, lda: H, row: 2 * H, K: H)
        } else {
            product(dAk, lda: GH, row: 0, K: GH)
        }
    }
}
