/// exp, sigmoid and tanh a vector V2 at a time (8 or 16 lanes, the same operations on each lane
/// either way), and the cells' pointwise steps built on them.
///
/// Our own functions keep the results identical on every machine (libm's differ between versions)
/// and let the loops vectorise. All reduce e^x = 2^n · e^r with |r| ≤ ln2/2. exp and expm1 take
/// e^r − 1 from its Taylor series to r^13 (truncation < 5e-18, below half an ulp): within 2 ulp of
/// glibc. sigmoid and tanh take e^r as the [6/6] Padé quotient P/Q (truncation < 2e-19), whose
/// division they share with their own: half the multiply-adds, within 3 ulp of glibc on the test
/// grid and 5 over 200,000 random arguments (VectorKernelsTests).
///
/// The functions on V2 are transparent (inlined wherever they are used): left to the inliner, the
/// eight-lane bodies stayed calls, each passing its vector through memory.
enum Pointwise {

    /// x limited to [lo, hi] (NaN comes out as hi; callers restore it). The library's pointwiseMin
    /// is not inlined here, and compare-and-blend is two instructions.
    @_transparent
    static func clamp(_ x: V2, _ lo: Double, _ hi: Double) -> V2 {
        let l = V2(repeating: lo), h = V2(repeating: hi)
        let y = x.replacing(with: l, where: x .< l)
        return h.replacing(with: y, where: y .< h)
    }

    /// t = 1.5·2^52 + n with n = round(xc·k) (adding 1.5·2^52 rounds to an integer kept in the low
    /// mantissa bits), and r = base + n·(c·ln 2), c = ±1: ln 2 in two parts, of which the high one
    /// has zero low bits, so n times it is exact. Taking n times ±ln 2 spares negating n.
    @_transparent
    static func reduce(_ xc: V2, times k: Double, base: V2, ln2Sign c: Double) -> (t: V2, r: V2) {
        let shifter = V2(repeating: 6755399441055744.0)
        let t = shifter.addingProduct(xc, V2(repeating: k))
        let n = t - shifter
        var r = base.addingProduct(n, V2(repeating: c * 0.6931471803691238))
        r = r.addingProduct(n, V2(repeating: c * 1.9082149292705877e-10))
        return (t, r)
    }

    /// (2^n, e^r − 1) with e^x = 2^n · (1 + (e^r − 1)), x clamped to [−708, 709] so 2^n is normal.
    @_transparent
    static func expParts(_ x: V2) -> (scale: V2, pm1: V2) {
        let xc = clamp(x, -708, 709)
        // r = x − n·ln 2 as n times −ln 2 (a zero's sign aside, which e^r − 1 = r + r²q drops).
        let (t, r) = reduce(xc, times: 1.4426950408889634, base: xc, ln2Sign: -1)
        var q = V2(repeating: 1.0 / 6227020800.0)      // 1/13!
        q = V2(repeating: 1.0 / 479001600.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 39916800.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 3628800.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 362880.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 40320.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 5040.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 720.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 120.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 24.0).addingProduct(q, r)
        q = V2(repeating: 1.0 / 6.0).addingProduct(q, r)
        q = V2(repeating: 0.5).addingProduct(q, r)
        let pm1 = r.addingProduct(r * r, q)           // r + r²·q = e^r − 1
        return (twoToThe(t), pm1)
    }

    /// e^x, lane by lane (NaN stays NaN: the clamp in expParts would drop it).
    @_transparent
    public static func exp(_ x: V2) -> V2 {
        let (s, p) = expParts(x)
        return s.addingProduct(s, p).replacing(with: x, where: x .!= x)
    }

    /// e^x − 1, accurate near 0.
    @_transparent
    public static func expm1(_ x: V2) -> V2 {
        let (s, p) = expParts(x)
        return (s - 1).addingProduct(s, p).replacing(with: x, where: x .!= x)
    }

    /// E and O of the [6/6] Padé approximant of e^r from r²: e^r ≈ (E + rO)/(E − rO), E even and
    /// rO odd in r, truncation error < 2e-19 for |r| ≤ ln2/2. Half the multiply-adds of the
    /// series, and sigmoid and tanh fold the quotient into the division they need anyway.
    @_transparent
    static func padeParts(_ r2: V2) -> (E: V2, O: V2) {
        // E = 1 + 5/44 r² + 1/792 r⁴ + 1/665280 r⁶,  O = 1/2 + 1/66 r² + 1/15840 r⁴
        var e = V2(repeating: 1.0 / 792).addingProduct(r2, V2(repeating: 1.0 / 665280))
        e = V2(repeating: 5.0 / 44).addingProduct(r2, e)
        e = V2(repeating: 1).addingProduct(r2, e)
        var o = V2(repeating: 1.0 / 66).addingProduct(r2, V2(repeating: 1.0 / 15840))
        o = V2(repeating: 0.5).addingProduct(r2, o)
        return (e, o)
    }

    /// 2^n from t = 1.5·2^52 + n (n + 1023 in the exponent field; t's low bits hold n in two's
    /// complement).
    @_transparent
    static func twoToThe(_ t: V2) -> V2 {
        unsafeBitCast((unsafeBitCast(t, to: V2Bits.self) &+ 1023) &<< 52, to: V2.self)
    }

    /// 1 / (1 + e^−x) = Q / (Q + 2^n P) with e^−x = 2^n P/Q: one division.
    ///
    /// No negation on the way: with xc = x clamped to [−709, 708] (−xc is −x clamped to [−708, 709]),
    /// n = round(−xc·log2 e) and r' = xc + n·ln 2 = −r, ρ = r'·O = −rO gives P = E − ρ and Q = E + ρ.
    /// Every rounding is the negation of the textbook one, which rounds alike (only zeros' signs
    /// differ inside, and the result never shows them), and the chain is two operations shorter.
    @_transparent
    public static func sigmoid(_ x: V2) -> V2 {
        let xc = clamp(x, -709, 708)
        let (t, r) = reduce(xc, times: -1.4426950408889634, base: xc, ln2Sign: 1)
        let (e, o) = padeParts(r * r)
        let rho = r * o
        let p = e - rho, q = e + rho
        return (q / q.addingProduct(twoToThe(t), p)).replacing(with: x, where: x .!= x)
    }

    /// (e^2x − 1) / (e^2x + 1) = ((2^n − 1)·P + 2rO) / (2^n·P + Q) with e^2x = 2^n P/Q: the
    /// numerator's P − Q is written as 2rO, so small x keep their relative accuracy.
    ///
    /// x is clamped to [−22, 22] (2x to [−44, 44]: beyond it tanh rounds to ±1 and e^2x would only
    /// risk overflow), n comes from x·(2 log2 e) while 2x is formed beside it, and r = 2x − n·ln 2
    /// multiplies n by −ln 2 rather than negating n: the same roundings, three operations shorter.
    @_transparent
    public static func tanh(_ x: V2) -> V2 {
        let xc = clamp(x, -22, 22)
        let (t, r) = reduce(xc, times: 2 * 1.4426950408889634, base: xc + xc, ln2Sign: -1)
        let (e, o) = padeParts(r * r)
        let rO = r * o, s = twoToThe(t)
        let p = e + rO, q = e - rO
        let top = (rO + rO).addingProduct(s - 1, p)
        return (top / q.addingProduct(s, p)).replacing(with: x, where: x .!= x)
    }

    /// The lanes at p (fewer at the end of a row: the rest read as 0).
    @inline(__always)
    static func load(_ p: UnsafePointer<Double>, _ count: Int) -> V {
        if count >= lanes { return loadV(p) }
        var v = V()
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Double>, _ count: Int) {
        if count >= lanes { storeV(v, p); return }
        for i in 0..<count { p[i] = v[i] }
    }

    /// The lanes at p as a V2 (fewer at the end of a row: the rest read as 0); a tail of one
    /// register's lanes or more moves that register whole.
    @inline(__always)
    static func load2(_ p: UnsafePointer<Double>, _ count: Int) -> V2 {
        if count >= 2 * lanes { return loadW(p, V2.self) }
        if count >= lanes { return V2(lowHalf: loadV(p), highHalf: load(p + lanes, count - lanes)) }
        return V2(lowHalf: load(p, count), highHalf: V())
    }

    @inline(__always)
    static func store2(_ v: V2, _ p: UnsafeMutablePointer<Double>, _ count: Int) {
        if count >= 2 * lanes { storeW(v, p); return }
        if count >= lanes { storeV(v.lowHalf, p); store(v.highHalf, p + lanes, count - lanes); return }
        store(v.lowHalf, p, count)
    }

    /// A function of V2 for `map`: a type rather than a closure, because the closure was not always
    /// inlined (the AVX2 build's tanh called it once a vector, passing V2 through memory).
    protocol Activation {
        static func callAsFunction(_ x: V2) -> V2
    }

    enum Tanh: Activation { @_transparent static func callAsFunction(_ x: V2) -> V2 { tanh(x) } }
    enum Sigmoid: Activation { @_transparent static func callAsFunction(_ x: V2) -> V2 { sigmoid(x) } }
    enum Exp: Activation { @_transparent static func callAsFunction(_ x: V2) -> V2 { exp(x) } }
    enum Expm1: Activation { @_transparent static func callAsFunction(_ x: V2) -> V2 { expm1(x) } }

    /// Applies `f` to count values at p, in place, a V2 (two registers, two chains) an iteration.
    @inline(__always)
    static func map<F: Activation>(_ p: UnsafeMutablePointer<Double>, _ count: Int, _ f: F.Type) {
        let L = 2 * lanes
        var i = 0
        while i + L <= count {
            storeW(F.callAsFunction(loadW(p + i, V2.self)), p + i)
            i += L
        }
        if i < count { store2(F.callAsFunction(load2(p + i, count - i)), p + i, count - i) }
    }

    /// tanh in place over count values.
    public static func tanh(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count, Tanh.self) }

    /// sigmoid in place over count values.
    public static func sigmoid(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count, Sigmoid.self) }

    /// e^x in place over count values.
    public static func exp(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count, Exp.self) }

    /// e^x − 1 in place over count values.
    public static func expm1(_ p: UnsafeMutablePointer<Double>, count: Int) { map(p, count, Expm1.self) }

    /// y[i] += x[i] for count values.
    public static func add(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        var i = 0
        while i + lanes <= count { storeV(loadV(y + i) + loadV(x + i), y + i); i += lanes }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// The tanh rnn step backwards over count values: dA = dh ⊙ (1 − h_t²), and dhPrev zeroed for
    /// the W_h product to add into.
    public static func tanhBackStep(dh: UnsafePointer<Double>, h: UnsafePointer<Double>, dA: UnsafeMutablePointer<Double>,
                                    dhPrev: UnsafeMutablePointer<Double>, count: Int) {
        let one = V(repeating: 1)
        var i = 0
        while i + lanes <= count {
            let hv = loadV(h + i)
            storeV(loadV(dh + i) * (one - hv * hv), dA + i)
            storeV(V(), dhPrev + i)
            i += lanes
        }
        while i < count { dA[i] = dh[i] * (1 - h[i] * h[i]); dhPrev[i] = 0; i += 1 }
    }

    /// A cell step's work on `w` units of one row (at most one V, or one V2), from unit j.
    protocol Units {
        func callAsFunction(_ w: Int, _ j: Int)
    }

    /// Runs `units` over a row of H, V's lanes at a time, then the last H mod V once. Two bodies:
    /// the whole-vector one (its `w` the constant `lanes`, so its loads and stores are straight
    /// vector moves) and the tail's, whose loads and stores take w values one by one.
    @inline(__always)
    static func overRow<U: Units>(_ H: Int, _ units: U) {
        var j = 0
        while j + lanes <= H { units(lanes, j); j += lanes }
        if j < H { units(H - j, j) }
    }

    /// `overRow` a V2 at a time; the tail's loads and stores move a register whole where they can.
    /// The width is a constant in each (passed as an argument, it stayed one where the compiler
    /// kept the function apart, and every whole vector went the tail's way: 40% slower).
    @inline(__always)
    static func overRow2<U: Units>(_ H: Int, _ units: U) {
        var j = 0
        while j + 2 * lanes <= H { units(2 * lanes, j); j += 2 * lanes }
        if j < H { units(H - j, j) }
    }

    @inline(__always)
    static func ld(_ p: UnsafePointer<Double>, _ w: Int) -> V { load(p, w) }

    @inline(__always)
    static func st(_ v: V, _ p: UnsafeMutablePointer<Double>, _ w: Int) { store(v, p, w) }

    /// One lstm step for B rows. `a` holds each row's pre-activations [i | f | g | o] (4H), replaced by
    /// the gates; c_t = f ⊙ c_{t−1} + i ⊙ g, tanh(c_t) kept for the backward pass, h_t = o ⊙ tanh(c_t).
    ///
    /// Each value takes one division at the end of a long chain. Two passes over all B rows: the
    /// gates, one V2 of each of the four an iteration (eight independent chains, so the divisions
    /// follow one another with no pause), then the cells. Gate by gate (a pass per
    /// gate and row), the divider stood idle while each new pass filled its first chain: 15% slower.
    /// A row's cell cannot join its own gates (it would wait on their four divisions before its
    /// own tanh); joining the next row's gates to it (five chains) ran 30% slower, we think for want
    /// of registers. Every value takes the same operations either way, so the bits are the same.
    public static func lstmStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                c: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>,
                                h: UnsafeMutablePointer<Double>) {
        for b in 0..<B { overRow2(H, LSTMGateUnits(ai: a + b * 4 * H, H: H)) }
        for b in 0..<B {
            let r = b * H
            overRow2(H, LSTMCellUnits(ai: a + b * 4 * H, H: H, cPrev: cPrev + r, c: c + r, tanhC: tanhC + r, h: h + r))
        }
    }

    /// One row's gates, in place: i, f and o through sigmoid, g through tanh.
    struct LSTMGateUnits: Units {
        let ai: UnsafeMutablePointer<Double>, H: Int

        @inline(__always)
        func callAsFunction(_ w: Int, _ j: Int) {
            let ai = self.ai + j, af = ai + H, ag = af + H, ao = ag + H
            let iv = sigmoid(load2(ai, w)), fv = sigmoid(load2(af, w)), gv = tanh(load2(ag, w)), ov = sigmoid(load2(ao, w))
            store2(iv, ai, w); store2(fv, af, w); store2(gv, ag, w); store2(ov, ao, w)
        }
    }

    /// The cell from the gates (already in `ai`): c_t, tanh(c_t) and h_t.
    struct LSTMCellUnits: Units {
        let ai: UnsafeMutablePointer<Double>, H: Int, cPrev: UnsafePointer<Double>
        let c: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>, h: UnsafeMutablePointer<Double>

        @inline(__always)
        func callAsFunction(_ w: Int, _ j: Int) {
            let ai = self.ai + j, af = ai + H, ag = af + H, ao = ag + H
            let iv = load2(ai, w), fv = load2(af, w), gv = load2(ag, w), ov = load2(ao, w)
            let cv = (iv * gv).addingProduct(fv, load2(cPrev + j, w))
            let tcv = tanh(cv)
            store2(cv, c + j, w); store2(tcv, tanhC + j, w); store2(ov * tcv, h + j, w)
        }
    }

    /// One gru step for B rows. `a` holds [x·W_xr + h·W_hr + b_r | x·W_xz + h·W_hz + b_z | x·W_xn + b_xn]
    /// (3H), replaced by r, z, n; `hn` holds h·W_hn + b_hn. n = tanh(a_n + r ⊙ hn), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
    public static func gruStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, hn: UnsafePointer<Double>,
                               hPrev: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>) {
        for b in 0..<B {
            let r = b * H
            overRow2(H, GRUUnits(ar: a + b * 3 * H, H: H, hn: hn + r, hPrev: hPrev + r, h: h + r))
        }
    }

    struct GRUUnits: Units {
        let ar: UnsafeMutablePointer<Double>, H: Int, hn: UnsafePointer<Double>, hPrev: UnsafePointer<Double>
        let h: UnsafeMutablePointer<Double>

        @inline(__always)
        func callAsFunction(_ w: Int, _ j: Int) {
            let ar = self.ar + j, az = ar + H, an = az + H
            let r = sigmoid(load2(ar, w)), z = sigmoid(load2(az, w))
            let n = tanh(load2(an, w).addingProduct(r, load2(hn + j, w)))
            store2(r, ar, w); store2(z, az, w); store2(n, an, w)
            store2((z * load2(hPrev + j, w)).addingProduct(1 - z, n), h + j, w)
        }
    }

    /// The lstm step backwards for B rows: from ∂L/∂h_t and ∂L/∂c_t (what later steps sent), the
    /// gates [i | f | g | o] and tanh(c_t), replaces the gates with ∂L/∂(their pre-activations),
    /// writes ∂L/∂c_{t−1} into dcPrev, and zeros dhPrev for the W_h product to add into.
    public static func lstmBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                    tanhC tc: UnsafePointer<Double>, dh: UnsafePointer<Double>, dc: UnsafePointer<Double>,
                                    dcPrev: UnsafeMutablePointer<Double>, dhPrev: UnsafeMutablePointer<Double>) {
        for b in 0..<B {
            let r = b * H
            overRow(H, LSTMBackUnits(ai: a + b * 4 * H, H: H, cPrev: cPrev + r, tanhC: tc + r, dh: dh + r, dc: dc + r,
                                     dcPrev: dcPrev + r, dhPrev: dhPrev + r))
        }
    }

    struct LSTMBackUnits: Units {
        let ai: UnsafeMutablePointer<Double>, H: Int, cPrev: UnsafePointer<Double>, tanhC: UnsafePointer<Double>
        let dh: UnsafePointer<Double>, dc: UnsafePointer<Double>
        let dcPrev: UnsafeMutablePointer<Double>, dhPrev: UnsafeMutablePointer<Double>

        @inline(__always)
        func callAsFunction(_ w: Int, _ j: Int) {
            let one = V(repeating: 1)
            let ai = self.ai + j, af = ai + H, ag = af + H, ao = ag + H
            // Every gate read before its slot is written.
            let tcv = ld(tanhC + j, w), dhv = ld(dh + j, w)
            let iv = ld(ai, w), fv = ld(af, w), gv = ld(ag, w), ov = ld(ao, w)
            let dcTotal = ld(dc + j, w) + dhv * ov * (one - tcv * tcv)
            st(dcTotal * gv * iv * (one - iv), ai, w)
            st(dcTotal * ld(cPrev + j, w) * fv * (one - fv), af, w)
            st(dcTotal * iv * (one - gv * gv), ag, w)
            st(dhv * tcv * ov * (one - ov), ao, w)
            st(dcTotal * fv, dcPrev + j, w)
            st(V(), dhPrev + j, w)
        }
    }

    /// The gru step backwards for B rows: replaces the gates [r | z | n] with ∂L/∂(pre-activations)
    /// as W_x sees them, hn with what W_hn sees (r ⊙ ∂L/∂a_n), and writes the direct path
    /// z ⊙ ∂L/∂h_t into dhPrev.
    public static func gruBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                                   hPrev: UnsafePointer<Double>, dh: UnsafePointer<Double>,
                                   dhPrev: UnsafeMutablePointer<Double>) {
        for b in 0..<B {
            let r = b * H
            overRow(H, GRUBackUnits(ar: a + b * 3 * H, H: H, hn: hn + r, hPrev: hPrev + r, dh: dh + r, dhPrev: dhPrev + r))
        }
    }

    struct GRUBackUnits: Units {
        let ar: UnsafeMutablePointer<Double>, H: Int, hn: UnsafeMutablePointer<Double>, hPrev: UnsafePointer<Double>
        let dh: UnsafePointer<Double>, dhPrev: UnsafeMutablePointer<Double>

        @inline(__always)
        func callAsFunction(_ w: Int, _ j: Int) {
            let one = V(repeating: 1)
            let ar = self.ar + j, az = ar + H, an = az + H
            let rv = ld(ar, w), zv = ld(az, w), nv = ld(an, w), dhv = ld(dh + j, w)
            let dAn = dhv * (one - zv) * (one - nv * nv)
            st(dAn * ld(hn + j, w) * rv * (one - rv), ar, w)
            st(dhv * (ld(hPrev + j, w) - nv) * zv * (one - zv), az, w)
            st(dAn, an, w)
            st(dAn * rv, hn + j, w)
            st(dhv * zv, dhPrev + j, w)
        }
    }
}
