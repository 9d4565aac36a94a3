#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dense real matrix, row-major, for the small linear algebra the language shows (eigenvalues,
/// singular values, Jacobian products). Sizes are teaching sizes: clarity over blocking.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var values: [Double]

    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(values.count == rows * cols, "a \(rows)×\(cols) matrix needs \(rows * cols) values, found \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public init(zeros rows: Int, _ cols: Int) { self.init(rows: rows, cols: cols, values: [Double](repeating: 0, count: rows * cols)) }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(zeros: n, n)
        for i in 0..<n { m.values[i * n + i] = 1 }
        return m
    }

    /// From rows of equal length (an empty list gives a 0×0 matrix).
    public init(_ rowsOfValues: [[Double]]) {
        let c = rowsOfValues.first?.count ?? 0
        self.init(rows: rowsOfValues.count, cols: c, values: rowsOfValues.flatMap { $0 })
    }

    public var asRows: [[Double]] { (0..<rows).map { Array(values[($0 * cols)..<(($0 + 1) * cols)]) } }

    @inline(__always) public subscript(r: Int, c: Int) -> Double {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    public var transposed: Matrix {
        var t = Matrix(zeros: cols, rows)
        for r in 0..<rows { for c in 0..<cols { t.values[c * rows + r] = values[r * cols + c] } }
        return t
    }

    /// self · other; the caller checks that cols == other.rows.
    public func times(_ other: Matrix) -> Matrix {
        precondition(cols == other.rows, "cannot multiply \(rows)×\(cols) by \(other.rows)×\(other.cols)")
        var out = Matrix(zeros: rows, other.cols)
        let n = other.cols
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    for i in 0..<rows {
                        for k in 0..<cols {
                            let aik = a[i * cols + k]
                            if aik == 0 { continue }
                            for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The Frobenius norm √(Σ m_ij²).
    public var frobeniusNorm: Double { Linalg.euclideanNorm(values) }
}

/// An eigenvalue: re + im·i (im is 0 for a real one).
public struct Eigenvalue: Equatable, Sendable {
    public var re: Double
    public var im: Double
    public init(re: Double, im: Double) {
        self.re = re
        self.im = im
    }
    public var modulus: Double { hypot(re, im) }
}

/// What can go wrong in the linear algebra, named for the user.
public enum LinalgError: Error, Equatable, Sendable {
    case notSquare(rows: Int, cols: Int)
    case empty
    case notFinite
    case noConvergence
}

public enum Linalg {
    /// A power of two (so scaling by it is exact) that brings the largest |a_ij| near 1, when it is
    /// so large or small that the squares inside an algorithm would overflow or underflow (1e200,
    /// 1e-200); 1 otherwise, so that matrices in range give the same bits as ever.
    static func rescaling(_ values: [Double]) -> Double {
        var m = 0.0
        for v in values { m = Swift.max(m, v.magnitude) }
        guard m > 0, m.isFinite, m > 1e100 || m < 1e-100 else { return 1 }
        let e = Int(m.exponent)
        return Double(sign: .plus, exponent: -(e - (e & 1)), significand: 1)
    }

    /// ‖x‖₂, scaled by the largest |x_i| first, so that 1e200 squared does not overflow to inf
    /// (nor 1e-200 squared underflow to 0). Exact sums, in order, when no scaling is needed.
    public static func euclideanNorm(_ x: [Double]) -> Double {
        var s = 0.0
        for v in x { s += v * v }
        if s.isNaN { return .nan }
        if s.isFinite, s >= 1e-290 { return s.squareRoot() }
        var m = 0.0
        for v in x { m = Swift.max(m, v.magnitude) }
        guard m > 0, m.isFinite else { return m.isNaN ? .nan : m }
        var t = 0.0
        for v in x { let r = v / m; t += r * r }
        return m * t.squareRoot()
    }

    /// Every eigenvalue of a square matrix, largest modulus first (conjugate pairs with +im first).
    /// Balancing, Householder reduction to upper Hessenberg form, then Francis double-shift QR
    /// iteration with deflation: it works on any real matrix, symmetric or not, and finds complex
    /// pairs as the 2×2 blocks that remain.
    public static func eigenvalues(_ m: Matrix) throws -> [Eigenvalue] {
        guard m.rows > 0, m.cols > 0 else { throw LinalgError.empty }
        guard m.rows == m.cols else { throw LinalgError.notSquare(rows: m.rows, cols: m.cols) }
        guard m.values.allSatisfy(\.isFinite) else { throw LinalgError.notFinite }
        let k = rescaling(m.values)
        if k != 1 {
            return try eigenvalues(Matrix(rows: m.rows, cols: m.cols, values: m.values.map { $0 * k }))
                .map { Eigenvalue(re: $0.re / k, im: $0.im / k) }
        }
        var a = m
        balance(&a)
        hessenberg(&a)
        var out = try hessenbergEigenvalues(&a)
        // Round-off leaves tiny imaginary parts only on true pairs, which the 2×2 blocks give exactly
        // conjugate; order them for reading.
        out.sort { x, y in
            let mx = x.modulus, my = y.modulus
            if abs(mx - my) > 1e-12 * max(mx, my, 1) { return mx > my }
            if x.re != y.re { return x.re > y.re }
            return x.im > y.im
        }
        return out
    }

    /// max |λ|: the spectral radius.
    public static func spectralRadius(_ m: Matrix) throws -> Double {
        try eigenvalues(m).map(\.modulus).max() ?? 0
    }

    /// Parlett–Reinsch balancing by powers of 2: similar matrix (same eigenvalues) whose rows and
    /// columns have comparable norms, which keeps QR accurate for badly scaled matrices.
    static func balance(_ a: inout Matrix) {
        let n = a.rows
        let radix = 2.0, sqrdx = radix * radix
        var done = false
        while !done {
            done = true
            for i in 0..<n {
                var r = 0.0, c = 0.0
                for j in 0..<n where j != i {
                    c += abs(a[j, i])
                    r += abs(a[i, j])
                }
                guard c != 0, r != 0 else { continue }
                var g = r / radix, f = 1.0
                let s = c + r
                while c < g { f *= radix; c *= sqrdx }
                g = r * radix
                while c > g { f /= radix; c /= sqrdx }
                if (c + r) / f < 0.95 * s {
                    done = false
                    g = 1 / f
                    for j in 0..<n { a[i, j] *= g }
                    for j in 0..<n { a[j, i] *= f }
                }
            }
        }
    }

    /// Householder similarity transforms to upper Hessenberg form (zeros below the subdiagonal).
    static func hessenberg(_ a: inout Matrix) {
        let n = a.rows
        guard n > 2 else { return }
        var v = [Double](repeating: 0, count: n)
        for k in 0..<(n - 2) {
            var alpha = 0.0
            for i in (k + 1)..<n { alpha += a[i, k] * a[i, k] }
            alpha = alpha.squareRoot()
            if alpha == 0 { continue }
            if a[k + 1, k] > 0 { alpha = -alpha }
            // v = x - alpha e1, over rows k+1..<n
            for i in 0..<n { v[i] = 0 }
            v[k + 1] = a[k + 1, k] - alpha
            for i in (k + 2)..<n { v[i] = a[i, k] }
            var vv = 0.0
            for i in (k + 1)..<n { vv += v[i] * v[i] }
            if vv == 0 { continue }
            // A = (I - 2vvᵀ/vᵀv) A (I - 2vvᵀ/vᵀv)
            for j in 0..<n {
                var s = 0.0
                for i in (k + 1)..<n { s += v[i] * a[i, j] }
                s = 2 * s / vv
                for i in (k + 1)..<n { a[i, j] -= s * v[i] }
            }
            for i in 0..<n {
                var s = 0.0
                for j in (k + 1)..<n { s += a[i, j] * v[j] }
                s = 2 * s / vv
                for j in (k + 1)..<n { a[i, j] -= s * v[j] }
            }
            for i in (k + 2)..<n { a[i, k] = 0 }
        }
    }

    /// Eigenvalues of an upper Hessenberg matrix by the implicit double-shift QR algorithm
    /// (Francis), deflating one real root or one 2×2 block at a time. Destroys `a`.
    static func hessenbergEigenvalues(_ a: inout Matrix) throws -> [Eigenvalue] {
        let n = a.rows
        var wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
        var anorm = 0.0
        for i in 0..<n { for j in max(i - 1, 0)..<n { anorm += abs(a[i, j]) } }
        var nn = n - 1
        var t = 0.0  // the exceptional shifts, accumulated
        func sign(_ a: Double, _ b: Double) -> Double { b >= 0 ? abs(a) : -abs(a) }
        while nn >= 0 {
            var its = 0
            while true {
                // The lowest l whose subdiagonal entry above it is negligible: a[l..nn] is unreduced.
                var l = nn
                while l >= 1 {
                    var s = abs(a[l - 1, l - 1]) + abs(a[l, l])
                    if s == 0 { s = anorm }
                    if abs(a[l, l - 1]) <= Double.ulpOfOne * s {
                        a[l, l - 1] = 0
                        break
                    }
                    l -= 1
                }
                var x = a[nn, nn]
                if l == nn {  // one real root
                    wr[nn] = x + t
                    wi[nn] = 0
                    nn -= 1
                    break
                }
                var y = a[nn - 1, nn - 1]
                var w = a[nn, nn - 1] * a[nn - 1, nn]
                if l == nn - 1 {  // a 2×2 block: two real roots or a complex pair
                    let p = 0.5 * (y - x)
                    let q = p * p + w
                    var z = abs(q).squareRoot()
                    x += t
                    if q >= 0 {
                        z = p + sign(z, p)
                        wr[nn - 1] = x + z
                        wr[nn] = z != 0 ? x - w / z : x + z
                        wi[nn - 1] = 0
                        wi[nn] = 0
                    } else {
                        wr[nn - 1] = x + p
                        wr[nn] = x + p
                        wi[nn - 1] = z
                        wi[nn] = -z
                    }
                    nn -= 2
                    break
                }
                guard its < 60 * n else { throw LinalgError.noConvergence }
                if its == 10 || its == 20 || (its > 20 && its % 10 == 0) {
                    // Exceptional shift: breaks the cycles the standard shift can fall into.
                    t += x
                    for i in 0...nn { a[i, i] -= x }
                    let s = abs(a[nn, nn - 1]) + abs(a[nn - 1, nn - 2])
                    x = 0.75 * s
                    y = x
                    w = -0.4375 * s * s
                }
                its += 1
                // Look for two consecutive small subdiagonal entries to start the bulge lower.
                var m = nn - 2
                var p = 0.0, q = 0.0, r = 0.0, z = 0.0
                while m >= l {
                    z = a[m, m]
                    let r0 = x - z, s0 = y - z
                    p = (r0 * s0 - w) / a[m + 1, m] + a[m, m + 1]
                    q = a[m + 1, m + 1] - z - r0 - s0
                    r = a[m + 2, m + 1]
                    let s = abs(p) + abs(q) + abs(r)
                    p /= s; q /= s; r /= s
                    if m == l { break }
                    let u = abs(a[m, m - 1]) * (abs(q) + abs(r))
                    let v = abs(p) * (abs(a[m - 1, m - 1]) + abs(z) + abs(a[m + 1, m + 1]))
                    if u <= Double.ulpOfOne * v { break }
                    m -= 1
                }
                for i in (m + 2)...nn {
                    a[i, i - 2] = 0
                    if i != m + 2 { a[i, i - 3] = 0 }
                }
                // Chase the bulge down with 3×3 Householder reflections.
                var k = m
                while k <= nn - 1 {
                    if k != m {
                        p = a[k, k - 1]
                        q = a[k + 1, k - 1]
                        r = k != nn - 1 ? a[k + 2, k - 1] : 0
                        x = abs(p) + abs(q) + abs(r)
                        if x != 0 { p /= x; q /= x; r /= x }
                    }
                    let s = sign((p * p + q * q + r * r).squareRoot(), p)
                    if s != 0 {
                        if k == m {
                            if l != m { a[k, k - 1] = -a[k, k - 1] }
                        } else {
                            a[k, k - 1] = -s * x
                        }
                        p += s
                        x = p / s; y = q / s; z = r / s
                        q /= p; r /= p
                        for j in k...nn {
                            var pp = a[k, j] + q * a[k + 1, j]
                            if k != nn - 1 {
                                pp += r * a[k + 2, j]
                                a[k + 2, j] -= pp * z
                            }
                            a[k + 1, j] -= pp * y
                            a[k, j] -= pp * x
                        }
                        let mmin = nn < k + 3 ? nn : k + 3
                        for i in l...mmin {
                            var pp = x * a[i, k] + y * a[i, k + 1]
                            if k != nn - 1 {
                                pp += z * a[i, k + 2]
                                a[i, k + 2] -= pp * r
                            }
                            a[i, k + 1] -= pp * q
                            a[i, k] -= pp
                        }
                    }
                    k += 1
                }
            }
        }
        return (0..<n).map { Eigenvalue(re: wr[$0], im: wi[$0]) }
    }

    /// The singular values of any matrix, largest first, by one-sided Jacobi rotations (accurate
    /// for small singular values too, unlike √eig(AᵀA)). An r×c matrix has min(r, c) of them.
    public static func singularValues(_ m: Matrix) throws -> [Double] {
        guard m.rows > 0, m.cols > 0 else { throw LinalgError.empty }
        guard m.values.allSatisfy(\.isFinite) else { throw LinalgError.notFinite }
        let k = rescaling(m.values)
        if k != 1 { return try singularValues(Matrix(rows: m.rows, cols: m.cols, values: m.values.map { $0 * k })).map { $0 / k } }
        var u = m.rows >= m.cols ? m : m.transposed  // tall: rows ≥ cols
        let rows = u.rows, n = u.cols
        for _ in 0..<80 {
            var rotated = false
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for i in 0..<rows {
                        let up = u.values[i * n + p], uq = u.values[i * n + q]
                        alpha += up * up
                        beta += uq * uq
                        gamma += up * uq
                    }
                    if gamma == 0 || abs(gamma) <= 1e-15 * (alpha * beta).squareRoot() { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = c * t
                    for i in 0..<rows {
                        let up = u.values[i * n + p], uq = u.values[i * n + q]
                        u.values[i * n + p] = c * up - s * uq
                        u.values[i * n + q] = s * up + c * uq
                    }
                }
            }
            if !rotated { break }
        }
        var sv = [Double](repeating: 0, count: n)
        // Column norms without overflow or underflow: in [[1e200, 0], [0, 1]] the 1 is 1e-200 after rescaling.
        for j in 0..<n { sv[j] = euclideanNorm((0..<rows).map { u.values[$0 * n + j] }) }
        return sv.sorted(by: >)
    }

    /// The spectral norm ‖M‖₂ = σ_max. Small matrices take the Jacobi singular values; larger ones
    /// √λ_max of the Gram matrix MᵀM (or MMᵀ), by the QR algorithm: O(n³) once instead of Jacobi's
    /// sweeps, and the largest eigenvalue is the accurate one.
    public static func spectralNorm(_ m: Matrix) throws -> Double {
        guard min(m.rows, m.cols) > 16 else { return try singularValues(m).first ?? 0 }
        guard m.values.allSatisfy(\.isFinite) else { throw LinalgError.notFinite }
        let scale = m.values.reduce(0) { max($0, abs($1)) }
        guard scale > 0 else { return 0 }
        var unit = m
        for i in unit.values.indices { unit.values[i] /= scale }  // so the Gram matrix cannot overflow
        let gram = m.rows >= m.cols ? unit.transposed.times(unit) : unit.times(unit.transposed)
        let top = try eigenvalues(gram).map(\.re).max() ?? 0
        return max(0, top).squareRoot() * scale
    }
}
