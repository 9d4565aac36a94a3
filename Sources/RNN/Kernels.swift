/// The few dense kernels training needs, on row-major buffers. Every inner loop runs over
/// contiguous memory so the compiler vectorises it; nothing here allocates.
enum Kernels {
    /// C[m, n] += Σ_k A[m, k] · B[n, k]   (C += A Bᵀ; B holds a weight matrix row-major [out × in])
    @inline(__always)
    static func gemmABt(_ A: UnsafePointer<Double>, _ B: UnsafePointer<Double>, _ C: UnsafeMutablePointer<Double>, M: Int, N: Int, K: Int) {
        var m = 0
        // Two rows of A at a time: each row of B is read once for both.
        while m + 1 < M {
            let a0 = A + m * K, a1 = A + (m + 1) * K
            let c0 = C + m * N, c1 = C + (m + 1) * N
            for n in 0..<N {
                let b = B + n * K
                var s0 = 0.0, s1 = 0.0
                for k in 0..<K {
                    let bk = b[k]
                    s0 += a0[k] * bk
                    s1 += a1[k] * bk
                }
                c0[n] += s0
                c1[n] += s1
            }
            m += 2
        }
        if m < M {
            let a0 = A + m * K, c0 = C + m * N
            for n in 0..<N {
                let b = B + n * K
                var s = 0.0
                for k in 0..<K { s += a0[k] * b[k] }
                c0[n] += s
            }
        }
    }

    /// W[n, k] += Σ_m D[m, n] · X[m, k]   (dW += Dᵀ X)
    @inline(__always)
    static func gemmAtB(_ D: UnsafePointer<Double>, _ X: UnsafePointer<Double>, _ W: UnsafeMutablePointer<Double>, M: Int, N: Int, K: Int) {
        for m in 0..<M {
            let d = D + m * N, x = X + m * K
            for n in 0..<N {
                let dn = d[n]
                if dn == 0 { continue }
                let w = W + n * K
                for k in 0..<K { w[k] += dn * x[k] }
            }
        }
    }

    /// X[m, k] += Σ_n D[m, n] · W[n, k]   (dX += D W)
    @inline(__always)
    static func gemmAB(_ D: UnsafePointer<Double>, _ W: UnsafePointer<Double>, _ X: UnsafeMutablePointer<Double>, M: Int, N: Int, K: Int) {
        for m in 0..<M {
            let d = D + m * N, x = X + m * K
            for n in 0..<N {
                let dn = d[n]
                if dn == 0 { continue }
                let w = W + n * K
                for k in 0..<K { x[k] += dn * w[k] }
            }
        }
    }
}
