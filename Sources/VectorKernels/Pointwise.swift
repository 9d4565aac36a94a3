/// exp, sigmoid and tanh over arrays, and the cells' pointwise steps, by the kernels of the build in
/// use (ISA): our own functions, lane by lane, so the results are identical on every machine and
/// every build (libm's differ between versions). exp and expm1 are within 2 ulp of glibc; sigmoid
/// and tanh within 3 on the test grid and 5 over 200,000 random arguments (VectorKernelsTests).
public enum Pointwise {
    /// tanh in place over count values.
    public static func tanh(_ p: UnsafeMutablePointer<Double>, count: Int) { ISA.table.tanh(p, count: count) }

    /// sigmoid in place over count values.
    public static func sigmoid(_ p: UnsafeMutablePointer<Double>, count: Int) { ISA.table.sigmoid(p, count: count) }

    /// e^x in place over count values.
    public static func exp(_ p: UnsafeMutablePointer<Double>, count: Int) { ISA.table.exp(p, count: count) }

    /// e^x − 1 in place over count values.
    public static func expm1(_ p: UnsafeMutablePointer<Double>, count: Int) { ISA.table.expm1(p, count: count) }

    /// The four values of x through one of the array forms above (for tests and one-off values).
    static func lanes(_ x: SIMD4<Double>, _ f: (UnsafeMutablePointer<Double>, Int) -> Void) -> SIMD4<Double> {
        var v = x
        withUnsafeMutableBytes(of: &v) { f($0.baseAddress!.assumingMemoryBound(to: Double.self), 4) }
        return v
    }

    /// tanh of four values.
    public static func tanh(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x) { tanh($0, count: $1) } }

    /// sigmoid of four values.
    public static func sigmoid(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x) { sigmoid($0, count: $1) } }

    /// e^x of four values.
    public static func exp(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x) { exp($0, count: $1) } }

    /// e^x − 1 of four values.
    public static func expm1(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x) { expm1($0, count: $1) } }

    /// y[i] += x[i] for count values.
    public static func add(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        ISA.table.add(x, into: y, count: count)
    }

    /// The tanh rnn step backwards over count values: dA = dh ⊙ (1 − h_t²), and dhPrev zeroed for
    /// the W_h product to add into.
    public static func tanhBackStep(dh: UnsafePointer<Double>, h: UnsafePointer<Double>, dA: UnsafeMutablePointer<Double>,
                                    dhPrev: UnsafeMutablePointer<Double>, count: Int) {
        ISA.table.tanhBackStep(dh: dh, h: h, dA: dA, dhPrev: dhPrev, count: count)
    }

    /// One lstm step for B rows. `a` holds each row's pre-activations [i | f | g | o] (4H), replaced by
    /// the gates; c_t = f ⊙ c_{t−1} + i ⊙ g, tanh(c_t) kept for the backward pass, h_t = o ⊙ tanh(c_t).
    public static func lstmStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                c: UnsafeMutablePointer<Double>, tanhC: UnsafeMutablePointer<Double>,
                                h: UnsafeMutablePointer<Double>) {
        ISA.table.lstmStep(B: B, H: H, a: a, cPrev: cPrev, c: c, tanhC: tanhC, h: h)
    }

    /// One gru step for B rows. `a` holds [x·W_xr + h·W_hr + b_r | x·W_xz + h·W_hz + b_z | x·W_xn + b_xn]
    /// (3H), replaced by r, z, n; `hn` holds h·W_hn + b_hn. n = tanh(a_n + r ⊙ hn), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
    public static func gruStep(B: Int, H: Int, a: UnsafeMutablePointer<Double>, hn: UnsafePointer<Double>,
                               hPrev: UnsafePointer<Double>, h: UnsafeMutablePointer<Double>) {
        ISA.table.gruStep(B: B, H: H, a: a, hn: hn, hPrev: hPrev, h: h)
    }

    /// The lstm step backwards for B rows: from ∂L/∂h_t and ∂L/∂c_t (what later steps sent), the
    /// gates [i | f | g | o] and tanh(c_t), replaces the gates with ∂L/∂(their pre-activations),
    /// writes ∂L/∂c_{t−1} into dcPrev, and zeros dhPrev for the W_h product to add into.
    public static func lstmBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, cPrev: UnsafePointer<Double>,
                                    tanhC tc: UnsafePointer<Double>, dh: UnsafePointer<Double>, dc: UnsafePointer<Double>,
                                    dcPrev: UnsafeMutablePointer<Double>, dhPrev: UnsafeMutablePointer<Double>) {
        ISA.table.lstmBackStep(B: B, H: H, gates: a, cPrev: cPrev, tanhC: tc, dh: dh, dc: dc, dcPrev: dcPrev, dhPrev: dhPrev)
    }

    /// The gru step backwards for B rows: replaces the gates [r | z | n] with ∂L/∂(pre-activations)
    /// as W_x sees them, hn with what W_hn sees (r ⊙ ∂L/∂a_n), and writes the direct path
    /// z ⊙ ∂L/∂h_t into dhPrev.
    public static func gruBackStep(B: Int, H: Int, gates a: UnsafeMutablePointer<Double>, hn: UnsafeMutablePointer<Double>,
                                   hPrev: UnsafePointer<Double>, dh: UnsafePointer<Double>,
                                   dhPrev: UnsafeMutablePointer<Double>) {
        ISA.table.gruBackStep(B: B, H: H, gates: a, hn: hn, hPrev: hPrev, dh: dh, dhPrev: dhPrev)
    }
}
