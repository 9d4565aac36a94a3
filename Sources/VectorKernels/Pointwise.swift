/// exp, sigmoid and tanh four lanes at a time, and the cells' pointwise forward steps built on them.
///
/// Our own exp keeps the results identical on every machine (libm's differ between versions) and
/// lets the loop vectorise. e^x = 2^n · e^r with |r| ≤ ln2/2 and e^r − 1 from its Taylor series to
/// r^13, whose truncation error (< 5e-18) is below half an ulp; measured against glibc the result
/// is within 2 ulp for exp and 3 ulp for tanh and sigmoid (VectorKernelsTests).
public enum Pointwise {
    public typealias V = SIMD4<Double>

    /// x limited to [lo, hi] (NaN comes out as hi; callers restore it). The library's pointwiseMin
    /// is not inlined here, and compare-and-blend is two instructions.
    @inline(__always)
    static func clamp(_ x: V, _ lo: Double, _ hi: Double) -> V {
        let l = V(repeating: lo), h = V(repeating: hi)
        let y = x.replacing(with: l, where: x .< l)
        return h.replacing(with: y, where: y .< h)
    }

    /// (2^n, e^r − 1) with e^x = 2^n · (1 + (e^r − 1)), x clamped to [−708, 709] so 2^n is normal.
    @inline(__always)
    static func expParts(_ x: V) -> (scale: V, pm1: V) {
        let xc = clamp(x, -708, 709)
        // Adding 1.5·2^52 rounds x·log2(e) to an integer kept in the low mantissa bits.
        let shifter = V(repeating: 6755399441055744.0)
        let t = shifter.addingProduct(xc, V(repeating: 1.4426950408889634))
        let n = t - shifter
        // ln 2 in two parts; ln2Hi has zero low bits, so n·ln2Hi is exact.
        var r = xc.addingProduct(-n, V(repeating: 0.6931471803691238))
        r = r.addingProduct(-n, V(repeating: 1.9082149292705877e-10))
        var q = V(repeating: 1.0 / 6227020800.0)      // 1/13!
        q = V(repeating: 1.0 / 479001600.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 39916800.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 3628800.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 362880.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 40320.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 5040.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 720.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 120.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 24.0).addingProduct(q, r)
        q = V(repeating: 1.0 / 6.0).addingProduct(q, r)
        q = V(repeating: 0.5).addingProduct(q, r)
        let pm1 = r.addingProduct(r * r, q)           // r + r²·q = e^r − 1
        // 2^n: n + 1023 in the exponent field (t's low bits hold n in two's complement).
        let bits = (unsafeBitCast(t, to: SIMD4<UInt64>.self) &+ 1023) &<< 52
        return (unsafeBitCast(bits, to: V.self), pm1)
    }

    /// e^x, lane by lane (NaN stays NaN: the clamp in expParts would drop it).
    @inline(__always)
    public static func exp(_ x: V) -> V {
        let (s, p) = expParts(x)
        return s.addingProduct(s, p).replacing(with: x, where: x .!= x)
    }

    /// e^x − 1, accurate near 0.
    @inline(__always)
    public static func expm1(_ x: V) -> V {
        let (s, p) = expParts(x)
        return (s - 1).addingProduct(s, p).replacing(with: x, where: x .!= x)
    }

    /// 1 / (1 + e^−x)
    @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// (e^2x − 1) / (e^2x + 1), from expm1 so small x keep their relative accuracy.
    @inline(__always)
    public static func tanh(_ x: V) -> V {
        // |2x| ≤ 44: beyond it tanh rounds to ±1 and e^2x would only risk overflow.
        let y = clamp(x + x, -44, 44)
        let e = expm1(y)
        // The clamp drops NaN; put it back.
        return (e / (e + 2)).replacing(with: x, where: x .!= x)
    }

    /// The four lanes at p (fewer at the end of a row: the rest read as 0).
    @inline(__always)
    static func load(_ p: UnsafePointer<Double>, _ count: Int) -> V {
        if count >= 4 { return load4(p) }
        var v = V()
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Double>, _ count: Int) {
        if count >= 4 { store4(v, p); return }
        for i in 0..<count { p[i] = v[i] }
    }

    /// Applies `f` to count values at p, in place, two vectors an iteration: two independent
    /// polynomial chains for the processor to overlap.
    @inline(__always)
    static func map(_ p: UnsafeMutablePointer<Double>, _ count: Int, _ f: (V) -> V) {
        var i = 0
        while i + 8 <= count {
            let y0 = f(load4(p + i)), y1 = f(load4(p + i + 4))
            store4(y0, p + i)
            store4(y1, p + i + 4)
            i += 8
        }
        while i + 4 <= count {
            store4(f(load4(p + i)), p + i)
            i += 4
        }
        if i < count { store(f(load(p + i, count - i)), p + i, count - i) }
    }

    /// tanh in place over count values.
    public static func tanh(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count) { tanh($0) } }

    /// sigmoid in place over count values.
    public static func sigmoid(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count) { sigmoid($0) } }

    /// e^x in place over count values.
    public static func exp(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count) { exp($0) } }

    /// One lstm step for B rows. `a` holds each row's pre-activations [i | f | g | o] (4H), replaced by
    /// the gates; c_t = f ⊙ c_{t−1} + i ⊙ g, tanh(c_t) kept for the backward pass, h_t = o ⊙ tanh(c_t).
    public static func lstmStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                c: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>,
                                h: UnsafeMutablePointer<Double>) {
        // Gates first, in runs of independent lanes the processor can overlap; then the cell.
        for b in 0..<B {
            let row = a + b * 4 * H
            map(row, 2 * H) { sigmoid($0) }
            map(row + 2 * H, H) { tanh($0) }
            map(row + 3 * H, H) { sigmoid($0) }
        }
        for b in 0..<B {
            let ai = a + b * 4 * H, af = ai + H, ag = af + H, ao = ag + H
            let r = b * H
            var j = 0
            while j < H {
                let w = min(4, H - j)
                let cv = (load(ai + j, w) * load(ag + j, w)).addingProduct(load(af + j, w), load(cPrev + r + j, w))
                let tc = tanh(cv)
                store(cv, c + r + j, w)
                store(tc, tanhC + r + j, w)
                store(load(ao + j, w) * tc, h + r + j, w)
                j += 4
            }
        }
    }

    /// One gru step for B rows. `a` holds [x·W_xr + h·W_hr + b_r | x·W_xz + h·W_hz + b_z | x·W_xn + b_xn]
    /// (3H), replaced by r, z, n; `hn` holds h·W_hn + b_hn. n = tanh(a_n + r ⊙ hn), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
    public static func gruStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, hn: UnsafePointer<Double>,
                               hPrev: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>) {
        for b in 0..<B {
            let ar = a + b * 3 * H, az = ar + H, an = az + H
            let row = b * H
            var j = 0
            while j < H {
                let w = min(4, H - j)
                let r = sigmoid(load(ar + j, w)), z = sigmoid(load(az + j, w))
                let n = tanh(load(an + j, w).addingProduct(r, load(hn + row + j, w)))
                store(r, ar + j, w); store(z, az + j, w); store(n, an + j, w)
                let hp = load(hPrev + row + j, w)
                store((z * hp).addingProduct(1 - z, n), h + row + j, w)
                j += 4
            }
        }
    }

    /// The lstm step backwards for B rows: from ∂L/∂h_t and ∂L/∂c_t (what later steps sent), the
    /// gates [i | f | g | o] and tanh(c_t), replaces the gates with ∂L/∂(their pre-activations),
    /// writes ∂L/∂c_{t−1} into dcPrev, and zeros dhPrev for the W_h product to add into.
    public static func lstmBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                    tanhC tc: UnsafePointer<Double>, dh: UnsafePointer<Double>, dc: UnsafePointer<Double>,
                                    dcPrev: UnsafeMutablePointer<Double>, dhPrev: UnsafeMutablePointer<Double>) {
        let one = V(repeating: 1)
        for b in 0..<B {
            let ai = a + b * 4 * H, af = ai + H, ag = af + H, ao = ag + H
            let r = b * H
            var j = 0
            while j < H {
                let w = min(4, H - j)
                // Every gate read before its slot is written.
                let tcv = load(tc + r + j, w), dhv = load(dh + r + j, w)
                let iv = load(ai + j, w), fv = load(af + j, w), gv = load(ag + j, w), ov = load(ao + j, w)
                let dcTotal = load(dc + r + j, w) + dhv * ov * (one - tcv * tcv)
                store(dcTotal * gv * iv * (one - iv), ai + j, w)
                store(dcTotal * load(cPrev + r + j, w) * fv * (one - fv), af + j, w)
                store(dcTotal * iv * (one - gv * gv), ag + j, w)
                store(dhv * tcv * ov * (one - ov), ao + j, w)
                store(dcTotal * fv, dcPrev + r + j, w)
                store(V(), dhPrev + r + j, w)
                j += 4
            }
        }
    }

    /// The gru step backwards for B rows: replaces the gates [r | z | n] with ∂L/∂(pre-activations)
    /// as W_x sees them, hn with what W_hn sees (r ⊙ ∂L/∂a_n), and writes the direct path
    /// z ⊙ ∂L/∂h_t into dhPrev.
    public static func gruBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                                   hPrev: UnsafePointer<Double>, dh: UnsafePointer<Double>,
                                   dhPrev: UnsafeMutablePointer<Double>) {
        for b in 0..<B {
            let ar = a + b * 3 * H, az = ar + H, an = az + H
            let r = b * H
            for j in 0..<H {
                let rv = ar[j], zv = az[j], nv = an[j], dhv = dh[r + j], hnv = hn[r + j]
                let dAn = dhv * (1 - zv) * (1 - nv * nv)
                ar[j] = dAn * hnv * rv * (1 - rv)
                az[j] = dhv * (hPrev[r + j] - nv) * zv * (1 - zv)
                an[j] = dAn
                hn[r + j] = dAn * rv
                dhPrev[r + j] = dhv * zv
            }
        }
    }
}
