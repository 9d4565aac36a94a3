#if RNNKERNEL_AVX2
import _Builtin_intrinsics.intel
#endif

/// The optimizers' element-wise updates, four lanes at a time and then the rest one by one, with the
/// same operations in the same order in both, so the lanes change the speed and never the bits.
///
/// Each reads θ from `source` and writes the new θ into `theta` (the same buffer or another: a
/// trainer keeps the θ before a step by alternating two buffers instead of copying), and returns
/// whether every new value is finite, checked in the same pass.
public enum Update {
    typealias V = SIMD4<Double>

    /// √v lane by lane, correctly rounded either way. (The library's SIMD squareRoot is not
    /// vectorised: it takes the lanes one at a time.)
    @inline(__always)
    static func sqrt(_ v: V) -> V {
        #if RNNKERNEL_AVX2
        return _mm256_sqrt_pd(v)
        #else
        return V(v[0].squareRoot(), v[1].squareRoot(), v[2].squareRoot(), v[3].squareRoot())
        #endif
    }

    /// v += g²;  θ −= lr·g / (√v + ε)
    @discardableResult
    public static func adagrad(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafePointer<Double>, count n: Int, lr: Double, eps: Double) -> Bool {
        // 1·v + 1·g·g rounds exactly as v + g·g.
        squareAverage(theta: th, source: src, v: v, g: g, count: n, lr: lr, keep: 1, add: 1, eps: eps)
    }

    /// v = α·v + (1 − α)·g²;  θ −= lr·g / (√v + ε)
    @discardableResult
    public static func rmsprop(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafePointer<Double>, count n: Int, lr: Double, alpha: Double, eps: Double) -> Bool {
        squareAverage(theta: th, source: src, v: v, g: g, count: n, lr: lr, keep: alpha, add: 1 - alpha, eps: eps)
    }

    /// v = keep·v + add·g²;  θ −= lr·g / (√v + ε): adagrad and rmsprop.
    @inline(__always)
    static func squareAverage(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                              g: UnsafePointer<Double>, count n: Int, lr: Double, keep: Double, add: Double, eps: Double) -> Bool {
        let n4 = n - n % 4
        var check = V()
        var i = 0
        while i < n4 {
            let gv = load4(g + i), vv = keep * load4(v + i) + add * gv * gv
            store4(vv, v + i)
            let t = load4(src + i) - lr * gv / (sqrt(vv) + eps)
            store4(t, th + i)
            check += t * 0
            i += 4
        }
        var tail = 0.0
        for i in n4..<n {
            v[i] = keep * v[i] + add * g[i] * g[i]
            th[i] = src[i] - lr * g[i] / (v[i].squareRoot() + eps)
            tail += th[i] * 0
        }
        return finite(check, tail)
    }

    /// x·0 is NaN exactly for NaN and ±∞, and NaN survives a sum.
    @inline(__always)
    static func finite(_ check: V, _ tail: Double) -> Bool { !(check.sum() + tail).isNaN }

    /// m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  θ −= stepSize·m / (√v / bc2Root + ε)
    @discardableResult
    public static func adam(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, m: UnsafeMutablePointer<Double>,
                            v: UnsafeMutablePointer<Double>, g: UnsafePointer<Double>, count n: Int, stepSize: Double,
                            beta1 b1: Double, beta2 b2: Double, bc2Root: Double, eps: Double) -> Bool {
        let n4 = n - n % 4
        var check = V()
        var i = 0
        while i < n4 {
            let gv = load4(g + i)
            let mv = b1 * load4(m + i) + (1 - b1) * gv
            let vv = b2 * load4(v + i) + (1 - b2) * gv * gv
            store4(mv, m + i)
            store4(vv, v + i)
            let t = load4(src + i) - stepSize * mv / (sqrt(vv) / bc2Root + eps)
            store4(t, th + i)
            check += t * 0
            i += 4
        }
        var tail = 0.0
        for i in n4..<n {
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            th[i] = src[i] - stepSize * m[i] / (v[i].squareRoot() / bc2Root + eps)
            tail += th[i] * 0
        }
        return finite(check, tail)
    }

    /// θ = source − lr·g
    @discardableResult
    public static func sgd(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, g: UnsafePointer<Double>,
                           count n: Int, lr: Double) -> Bool {
        var tail = 0.0
        for i in 0..<n {
            th[i] = src[i] - lr * g[i]
            tail += th[i] * 0
        }
        return finite(V(), tail)
    }
}
