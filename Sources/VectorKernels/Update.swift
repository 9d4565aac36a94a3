/// The optimizers' element-wise updates, by the kernels of the build in use (ISA).
///
/// Each reads θ from `source` and writes the new θ into `theta` (the same buffer or another: a
/// trainer keeps the θ before a step by alternating two buffers instead of copying). In the same
/// pass it reads the gradient as `read` says (clipping it, zeroing it), sums the squares of the
/// gradient as it was (`gradientSquares`' order: four running sums, then the tail), and checks
/// that every new value is finite.
public enum Update {
    /// What one pass found: whether every new θ is finite, and Σ g² of the gradient before clipping.
    public typealias Outcome = UpdateOutcome

    /// Σ g², as four running sums ((s₀ + s₁) + (s₂ + s₃)) and then the tail in order, on every build.
    public static func gradientSquares(_ g: UnsafePointer<Double>, count n: Int) -> Double { ISA.table.gradientSquares(g, count: n) }

    /// v += g²;  θ −= lr·g / (√v + ε)
    @discardableResult
    public static func adagrad(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(), count n: Int, lr: Double,
                               eps: Double) -> Outcome {
        ISA.table.adagrad(theta: th, source: src, v: v, g: g, read: read, count: n, lr: lr, eps: eps)
    }

    /// v = α·v + (1 − α)·g²;  θ −= lr·g / (√v + ε)
    @discardableResult
    public static func rmsprop(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(), count n: Int, lr: Double,
                               alpha: Double, eps: Double) -> Outcome {
        ISA.table.rmsprop(theta: th, source: src, v: v, g: g, read: read, count: n, lr: lr, alpha: alpha, eps: eps)
    }

    /// m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  θ −= stepSize·m / (√v / bc2Root + ε)
    @discardableResult
    public static func adam(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, m: UnsafeMutablePointer<Double>,
                            v: UnsafeMutablePointer<Double>, g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(),
                            count n: Int, stepSize: Double, beta1 b1: Double, beta2 b2: Double, bc2Root: Double, eps: Double) -> Outcome {
        ISA.table.adam(theta: th, source: src, m: m, v: v, g: g, read: read, count: n, stepSize: stepSize, beta1: b1, beta2: b2,
                       bc2Root: bc2Root, eps: eps)
    }

    /// momentum (β = 0.9): buf = g at the first step, then buf = β·buf + g;  θ = source − lr·buf
    @discardableResult
    public static func momentum(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, buffer m: UnsafeMutablePointer<Double>,
                                g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(), count n: Int, lr: Double,
                                first: Bool) -> Outcome {
        ISA.table.momentum(theta: th, source: src, buffer: m, g: g, read: read, count: n, lr: lr, first: first)
    }

    /// θ = source − lr·g
    @discardableResult
    public static func sgd(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                           read: GradientRead = GradientRead(), count n: Int, lr: Double) -> Outcome {
        ISA.table.sgd(theta: th, source: src, g: g, read: read, count: n, lr: lr)
    }
}
