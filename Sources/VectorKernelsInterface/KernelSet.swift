/// What every build of the training kernels offers (baseline, AVX2+FMA, AVX-512), so that the
/// dispatcher in VectorKernels can hold whichever one the processor runs as one table: the
/// conforming type's witness table is that table, chosen once at start-up.
///
/// Every build gives the same bits: a product sums each element over k in ascending order with
/// fused multiply-adds however wide its vectors are (wider vectors take more output columns at
/// once, never a split of one element's sum), the pointwise functions work lane by lane with the
/// same operations, and the optimizers' one reduction (Σ g²) keeps four running sums on every build.
/// The meaning of each function and its arguments is documented on VectorKernels' Dense,
/// Pointwise and Update, which forward to it.
public protocol KernelSet {
    /// The instruction set this build was compiled for, as `RNNKERNEL_ISA` names it.
    static var name: String { get }
    /// Doubles in one vector register of this build.
    static var lanes: Int { get }
    /// The panel width the blocked product kernels read best (two vectors).
    static var blockWidth: Int { get }
    /// The panel width single-row products read best (40, or 104 with AVX-512: one loop for 100 columns).
    static var rowPanelWidth: Int { get }

    static func gemm(M: Int, N: Int, K: Int, A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                     B: UnsafePointer<Double>, ldb: Int, C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?)
    static func gemm(M: Int, N: Int, K: Int, A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                     panels: UnsafePointer<Double>, width: Int, C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?)
    static func gemm(M: Int, N: Int, K1: Int, A1: UnsafePointer<Double>, lda1: Int, panels1: UnsafePointer<Double>,
                     K2: Int, A2: UnsafePointer<Double>, lda2: Int, panels2: UnsafePointer<Double>, width: Int,
                     C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?)
    static func packPanels(rows: Int, N: Int, B: UnsafePointer<Double>, ldb: Int, into P: UnsafeMutablePointer<Double>,
                           panelRows: Int, firstRow: Int, width: Int)
    static func packTransposedPanels(N: Int, K: Int, W: UnsafePointer<Double>, ldw: Int, into P: UnsafeMutablePointer<Double>, width: Int)
    static func panelRow(_ k: Int, K: Int, N: Int, panels P: UnsafePointer<Double>, width: Int,
                         adding initial: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>)
    static func transpose(rows: Int, cols: Int, _ src: UnsafePointer<Double>, lds: Int, into dst: UnsafeMutablePointer<Double>,
                          ldd: Int, adding: Bool)
    static func addColumnSums(M: Int, N: Int, A: UnsafePointer<Double>, lda: Int, into out: UnsafeMutablePointer<Double>)

    static func tanh(_ p: UnsafeMutablePointer<Double>, count: Int)
    static func sigmoid(_ p: UnsafeMutablePointer<Double>, count: Int)
    static func exp(_ p: UnsafeMutablePointer<Double>, count: Int)
    static func expm1(_ p: UnsafeMutablePointer<Double>, count: Int)
    static func add(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int)
    static func tanhBackStep(dh: UnsafePointer<Double>, h: UnsafePointer<Double>, dA: UnsafeMutablePointer<Double>,
                             dhPrev: UnsafeMutablePointer<Double>, count: Int)
    static func lstmStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                         c: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>, h: UnsafeMutablePointer<Double>)
    static func gruStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, hn: UnsafePointer<Double>,
                        hPrev: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>)
    static func lstmBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                             tanhC tc: UnsafePointer<Double>, dh: UnsafePointer<Double>, dc: UnsafePointer<Double>,
                             dcPrev: UnsafeMutablePointer<Double>, dhPrev: UnsafeMutablePointer<Double>)
    static func gruBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                            hPrev: UnsafePointer<Double>, dh: UnsafePointer<Double>, dhPrev: UnsafeMutablePointer<Double>)

    static func gradientSquares(_ g: UnsafePointer<Double>, count n: Int) -> Double
    static func adagrad(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                        g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int, lr: Double, eps: Double) -> UpdateOutcome
    static func rmsprop(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                        g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int, lr: Double, alpha: Double, eps: Double) -> UpdateOutcome
    static func adam(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, m: UnsafeMutablePointer<Double>,
                     v: UnsafeMutablePointer<Double>, g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int,
                     stepSize: Double, beta1: Double, beta2: Double, bc2Root: Double, eps: Double) -> UpdateOutcome
    static func momentum(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, buffer: UnsafeMutablePointer<Double>,
                         g: UnsafeMutablePointer<Double>, read: GradientRead, count: Int, lr: Double, first: Bool) -> UpdateOutcome
    static func sgd(theta: UnsafeMutablePointer<Double>, source: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                    read: GradientRead, count: Int, lr: Double) -> UpdateOutcome
}

/// How an update reads the gradient: clamped to ±limit (clipping by value), times scale
/// (clipping by norm), and left as zeros for the next step's sums when `zeroing`. Clamping to ±∞
/// and scaling by 1 change no bit, so the plain read is the same code.
public struct GradientRead: Sendable {
    public var limit: Double
    public var scale: Double
    public var zeroing: Bool

    public init(limit: Double = .infinity, scale: Double = 1, zeroing: Bool = false) {
        self.limit = limit
        self.scale = scale
        self.zeroing = zeroing
    }
}

/// What one optimizer pass found: whether every new θ is finite, and Σ g² of the gradient before clipping.
public struct UpdateOutcome: Sendable {
    public var finite: Bool
    public var gradientSquares: Double

    public init(finite: Bool, gradientSquares: Double) {
        self.finite = finite
        self.gradientSquares = gradientSquares
    }
}
