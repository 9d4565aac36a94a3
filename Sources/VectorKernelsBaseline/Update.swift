import VectorKernelsInterface
#if RNNKERNEL_ISA_AVX2 || RNNKERNEL_ISA_AVX512
import _Builtin_intrinsics.intel
#endif

/// The optimizers' element-wise updates, four lanes at a time and then the rest one by one, with the
/// same operations in the same order in both, so the lanes change the speed and never the bits.
/// Four lanes on every build, AVX-512 too: Σ g² keeps four running sums wherever it is computed
/// (so the norm clipping and the divergence check see the same bits), and the updates are bound
/// by memory and by the square root and division, which wider vectors do not make faster.
///
/// Each reads θ from `source` and writes the new θ into `theta` (the same buffer or another: a
/// trainer keeps the θ before a step by alternating two buffers instead of copying). In the same
/// pass it reads the gradient as `read` says (clipping it, zeroing it), sums the squares of the
/// gradient as it was (`gradientSquares`' order: four running sums, then the tail), and checks
/// that every new value is finite.
enum Update {
    typealias V = SIMD4<Double>

    typealias Outcome = UpdateOutcome

    /// √v lane by lane, correctly rounded either way. (The library's SIMD squareRoot is not
    /// vectorised: it takes the lanes one at a time.)
    @inline(__always)
    static func sqrt(_ v: V) -> V {
        #if RNNKERNEL_ISA_AVX2 || RNNKERNEL_ISA_AVX512
        return _mm256_sqrt_pd(v)
        #else
        return V(v[0].squareRoot(), v[1].squareRoot(), v[2].squareRoot(), v[3].squareRoot())
        #endif
    }

    /// Σ g², as four running sums ((s₀ + s₁) + (s₂ + s₃)) and then the tail in order.
    public static func gradientSquares(_ g: UnsafePointer<Double>, count n: Int) -> Double {
        let n4 = n - n % 4
        var s = V()
        var i = 0
        while i < n4 { let v = load4(g + i); s += v * v; i += 4 }
        var sq = (s[0] + s[1]) + (s[2] + s[3])
        for i in n4..<n { sq += g[i] * g[i] }
        return sq
    }

    /// Reads the gradient's lanes i ..< i + 4 as `read` says, adding their squares (as they were) to s.
    @inline(__always)
    static func take(_ g: UnsafeMutablePointer<Double>, _ i: Int, _ read: GradientRead, _ s: inout V) -> V {
        let raw = load4(g + i)
        s += raw * raw
        if read.zeroing { store4(V(), g + i) }
        let lo = V(repeating: -read.limit), hi = V(repeating: read.limit)
        return raw.replacing(with: lo, where: raw .< lo).replacing(with: hi, where: raw .> hi) * read.scale
    }

    /// The same for one value of the tail.
    @inline(__always)
    static func take(_ g: UnsafeMutablePointer<Double>, _ i: Int, _ read: GradientRead, _ sq: inout Double) -> Double {
        let raw = g[i]
        sq += raw * raw
        if read.zeroing { g[i] = 0 }
        return min(max(raw, -read.limit), read.limit) * read.scale
    }

    /// The pass every update makes: element i's new θ from its gradient as read, four lanes at a
    /// time (`lanes`) and then one by one (`one`), with the squares and the finiteness check.
    @inline(__always)
    static func pass(_ n: Int, _ g: UnsafeMutablePointer<Double>, _ read: GradientRead, into th: UnsafeMutablePointer<Double>,
                     _ lanes: (Int, V) -> V, _ one: (Int, Double) -> Double) -> Outcome {
        let n4 = n - n % 4
        var check = V(), s = V()
        var i = 0
        while i < n4 {
            let t = lanes(i, take(g, i, read, &s))
            store4(t, th + i)
            check += t * 0
            i += 4
        }
        var tail = 0.0, squares = (s[0] + s[1]) + (s[2] + s[3])
        for i in n4..<n {
            th[i] = one(i, take(g, i, read, &squares))
            tail += th[i] * 0
        }
        return Outcome(finite: finite(check, tail), gradientSquares: squares)
    }

    /// x·0 is NaN exactly for NaN and ±∞, and NaN survives a sum.
    @inline(__always)
    static func finite(_ check: V, _ tail: Double) -> Bool { !(check.sum() + tail).isNaN }

    /// v += g²;  θ −= lr·g / (√v + ε)
    @discardableResult
    public static func adagrad(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(), count n: Int, lr: Double,
                               eps: Double) -> Outcome {
        // 1·v + 1·g·g rounds exactly as v + g·g.
        squareAverage(theta: th, source: src, v: v, g: g, read: read, count: n, lr: lr, keep: 1, add: 1, eps: eps)
    }

    /// v = α·v + (1 − α)·g²;  θ −= lr·g / (√v + ε)
    @discardableResult
    public static func rmsprop(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                               g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(), count n: Int, lr: Double,
                               alpha: Double, eps: Double) -> Outcome {
        squareAverage(theta: th, source: src, v: v, g: g, read: read, count: n, lr: lr, keep: alpha, add: 1 - alpha, eps: eps)
    }

    /// v = keep·v + add·g²;  θ −= lr·g / (√v + ε): adagrad and rmsprop.
    @inline(__always)
    static func squareAverage(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, v: UnsafeMutablePointer<Double>,
                              g: UnsafeMutablePointer<Double>, read: GradientRead, count n: Int, lr: Double, keep: Double, add: Double,
                              eps: Double) -> Outcome {
        pass(n, g, read, into: th, { i, gv in
            let vv = keep * load4(v + i) + add * gv * gv
            store4(vv, v + i)
            return load4(src + i) - lr * gv / (sqrt(vv) + eps)
        }, { i, gi in
            v[i] = keep * v[i] + add * gi * gi
            return src[i] - lr * gi / (v[i].squareRoot() + eps)
        })
    }

    /// m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  θ −= stepSize·m / (√v / bc2Root + ε)
    @discardableResult
    public static func adam(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, m: UnsafeMutablePointer<Double>,
                            v: UnsafeMutablePointer<Double>, g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(),
                            count n: Int, stepSize: Double, beta1 b1: Double, beta2 b2: Double, bc2Root: Double, eps: Double) -> Outcome {
        pass(n, g, read, into: th, { i, gv in
            let mv = b1 * load4(m + i) + (1 - b1) * gv
            let vv = b2 * load4(v + i) + (1 - b2) * gv * gv
            store4(mv, m + i)
            store4(vv, v + i)
            return load4(src + i) - stepSize * mv / (sqrt(vv) / bc2Root + eps)
        }, { i, gi in
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            return src[i] - stepSize * m[i] / (v[i].squareRoot() / bc2Root + eps)
        })
    }

    /// momentum (β = 0.9): buf = g at the first step, then buf = β·buf + g;  θ = source − lr·buf
    @discardableResult
    public static func momentum(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, buffer m: UnsafeMutablePointer<Double>,
                                g: UnsafeMutablePointer<Double>, read: GradientRead = GradientRead(), count n: Int, lr: Double,
                                first: Bool) -> Outcome {
        pass(n, g, read, into: th, { i, gv in
            let mv = first ? gv : 0.9 * load4(m + i) + gv
            store4(mv, m + i)
            return load4(src + i) - lr * mv
        }, { i, gi in
            m[i] = first ? gi : 0.9 * m[i] + gi
            return src[i] - lr * m[i]
        })
    }

    /// θ = source − lr·g
    @discardableResult
    public static func sgd(theta th: UnsafeMutablePointer<Double>, source src: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                           read: GradientRead = GradientRead(), count n: Int, lr: Double) -> Outcome {
        pass(n, g, read, into: th, { i, gv in load4(src + i) - lr * gv }, { i, gi in src[i] - lr * gi })
    }
}
