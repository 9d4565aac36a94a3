import VectorKernelsInterface

/// This build's kernels as one KernelSet, for the dispatcher in VectorKernels to choose.
/// The package defines RNNKERNEL_ISA_AVX2 or RNNKERNEL_ISA_AVX512 for the builds that are not the baseline.
public enum Kernels: KernelSet {
    #if RNNKERNEL_ISA_AVX512
    public static let name = "avx512"
    #elseif RNNKERNEL_ISA_AVX2
    public static let name = "avx2"
    #elseif arch(arm64)
    public static let name = "neon"
    #else
    public static let name = "baseline"
    #endif
    public static var lanes: Int { V.scalarCount }
    public static var blockWidth: Int { Dense.blockWidth }
    public static var rowPanelWidth: Int { Dense.rowPanelWidth }

    public static func gemm(M: Int, N: Int, K: Int, A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                            B: UnsafePointer<Double>, ldb: Int, C: UnsafeMutablePointer<Double>, ldc: Int,
                            initialRow: UnsafePointer<Double>?) {
        Dense.gemm(M: M, N: N, K: K, A: A, rowStrideA: rowStrideA, colStrideA: colStrideA, B: B, ldb: ldb, C: C, ldc: ldc,
                   initialRow: initialRow)
    }

    public static func gemm(M: Int, N: Int, K: Int, A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                            panels: UnsafePointer<Double>, width: Int, C: UnsafeMutablePointer<Double>, ldc: Int,
                            initialRow: UnsafePointer<Double>?) {
        Dense.gemm(M: M, N: N, K: K, A: A, rowStrideA: rowStrideA, colStrideA: colStrideA, panels: panels, width: width,
                   C: C, ldc: ldc, initialRow: initialRow)
    }

    public static func gemm(M: Int, N: Int, K1: Int, A1: UnsafePointer<Double>, lda1: Int, panels1: UnsafePointer<Double>,
                            K2: Int, A2: UnsafePointer<Double>, lda2: Int, panels2: UnsafePointer<Double>, width: Int,
                            C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?) {
        Dense.gemm(M: M, N: N, K1: K1, A1: A1, lda1: lda1, panels1: panels1, K2: K2, A2: A2, lda2: lda2, panels2: panels2,
                   width: width, C: C, ldc: ldc, initialRow: initialRow)
    }

    public static func packPanels(rows: Int, N: Int, B: UnsafePointer<Double>, ldb: Int, into P: UnsafeMutablePointer<Double>,
                                  panelRows: Int, firstRow: Int, width: Int) {
        Dense.packPanels(rows: rows, N: N, B: B, ldb: ldb, into: P, panelRows: panelRows, firstRow: firstRow, width: width)
    }

    public static func packTransposedPanels(N: Int, K: Int, W: UnsafePointer<Double>, ldw: Int, into P: UnsafeMutablePointer<Double>,
                                            width: Int) {
        Dense.packTransposedPanels(N: N, K: K, W: W, ldw: ldw, into: P, width: width)
    }

    public static func panelRow(_ k: Int, K: Int, N: Int, panels P: UnsafePointer<Double>, width: Int,
                                adding initial: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        Dense.panelRow(k, K: K, N: N, panels: P, width: width, adding: initial, into: dst)
    }

    public static func transpose(rows: Int, cols: Int, _ src: UnsafePointer<Double>, lds: Int, into dst: UnsafeMutablePointer<Double>,
                                 ldd: Int, adding: Bool) {
        Dense.transpose(rows: rows, cols: cols, src, lds: lds, into: dst, ldd: ldd, adding: adding)
    }

    public static func addColumnSums(M: Int, N: Int, A: UnsafePointer<Double>, lda: Int, into out: UnsafeMutablePointer<Double>) {
        Dense.addColumnSums(M: M, N: N, A: A, lda: lda, into: out)
    }

    public static func tanh(_ p: UnsafeMutablePointer<Double>, count: Int) { Pointwise.tanh(p, count: count) }
    public static func sigmoid(_ p: UnsafeMutablePointer<Double>, count: Int) { Pointwise.sigmoid(p, count: count) }
    public static func exp(_ p: UnsafeMutablePointer<Double>, count: Int) { Pointwise.exp(p, count: count) }
    public static func expm1(_ p: UnsafeMutablePointer<Double>, count: Int) { Pointwise.expm1(p, count: count) }

    public static func add(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        Pointwise.add(x, into: y, count: count)
    }

    public static func tanhBackStep(dh: UnsafePointer<Double>, h: UnsafePointer<Double>, dA: UnsafeMutablePointer<Double>,
                                    dhPrev: UnsafeMutablePointer<Double>, count: Int) {
        Pointwise.tanhBackStep(dh: dh, h: h, dA: dA, dhPrev: dhPrev, count: count)
    }

    public static func lstmStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                c: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>, h: UnsafeMutablePointer<Double>) {
        Pointwise.lstmStep(B: B, H: H, a: a, cPrev: cPrev, c: c, tanhC: tanhC, h: h)
    }

    public static func gruStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, hn: UnsafePointer<Double>,
                               hPrev: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>) {
        Pointwise.gruStep(B: B, H: H, a: a, hn: hn, hPrev: hPrev, h: h)
    }

    public static func lstmBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                    tanhC tc: UnsafePointer<Double>, dh: UnsafePointer<Double>, dc: UnsafePointer<Double>,
                                    dcPrev: UnsafeMutablePointer<Double>, dhPrev: UnsafeMutablePointer<Double>) {
        Pointwise.lstmBackStep(B: B, H: H, gates: a, cPrev: cPrev, tanhC: tc, dh: dh, dc: dc, dcPrev: dcPrev, dhPrev: dhPrev)
    }

    public static func gruBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                                   hPrev: UnsafePointer<Double>, dh: UnsafePointer<Double>, dhPrev: UnsafeMutablePointer<Double>) {
        Pointwise.gruBackStep(B: B, H: H, gates: a, hn: hn, hPrev: hPrev, dh: dh, dhPrev: dhPrev)
    }

    public static func gradientSquares(_ g: UnsafePointer<Double>, count n: Int) -> Double { Update.gradientSquares(g, count: n) }

    public static func adagrad(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int, lr: Double, eps: Double) -> UpdateOutcome {
        Update.adagrad(theta: theta, source: source, v: v, g: g, read: read, count: count, lr: lr, eps: eps)
    }

    public static func rmsprop(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int, lr: Double, alpha: Double,
                               eps: Double) -> UpdateOutcome {
        Update.rmsprop(theta: theta, source: source, v: v, g: g, read: read, count: count, lr: lr, alpha: alpha, eps: eps)
    }

    public static func adam(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, m: UnsafeMutablePointer<Double>,
                            v: UnsafeMutablePointer<Double>, g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int,
                            stepSize: Double, beta1: Double, beta2: Double, bc2Root: Double, eps: Double) -> UpdateOutcome {
        Update.adam(theta: theta, source: source, m: m, v: v, g: g, read: read, count: count, stepSize: stepSize, beta1: beta1,
                    beta2: beta2, bc2Root: bc2Root, eps: eps)
    }

    public static func momentum(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, buffer: UnsafeMutablePointer<Double>,
                                g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int, lr: Double, first: Bool) -> UpdateOutcome {
        Update.momentum(theta: theta, source: source, buffer: buffer, g: g, read: read, count: count, lr: lr, first: first)
    }

    public static func sgd(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                           read: GradientRead, count: Int, lr: Double) -> UpdateOutcome {
        Update.sgd(theta: theta, source: source, g: g, read: read, count: count, lr: lr)
    }
}
