import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import VectorKernels

/// The products against a plain loop with the same order of fused multiply-adds (so bit for bit),
/// and the activations against glibc in ulps.
final class VectorKernelsTests: XCTestCase {
    /// Deterministic values in (−1, 1) with varied exponents.
    func values(_ n: Int, seed: UInt64) -> [Double] {
        var s = seed &* 0x9E3779B97F4A7C15 | 1
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (Double(s >> 11) / Double(1 << 53) * 2 - 1) * (s & 1 == 0 ? 1 : 1e-3)
        }
    }

    func reference(M: Int, N: Int, K: Int, A: [Double], rs: Int, cs: Int, B: [Double], ldb: Int, C: inout [Double], ldc: Int) {
        for m in 0..<M {
            for n in 0..<N {
                var c = C[m * ldc + n]
                for k in 0..<K { c = c.addingProduct(A[m * rs + k * cs], B[k * ldb + n]) }
                C[m * ldc + n] = c
            }
        }
    }

    func testGemmMatchesOrderedFusedSumsForEveryShapeSplit() {
        // Shapes that reach every kernel: 6×8 blocks, leftover rows, 32/8/4/1-column strips, K over one block.
        let shapes = [(1, 1, 1), (1, 100, 100), (32, 256, 64), (7, 13, 5), (6, 8, 3), (13, 45, 300), (32, 64, 256), (5, 33, 2), (64, 1, 1600),
                      (25, 27, 100), (1, 36, 10), (6, 12, 7), (1, 44, 3), (12, 47, 9), (16, 100, 25)]
        for (M, N, K) in shapes {
            for transposed in [false, true] {
                let A = values(M * K, seed: UInt64(M * 31 + K))
                let (rs, cs) = transposed ? (1, M) : (K, 1)
                let ldb = N + 3, ldc = N + 1
                let B = values(K * ldb, seed: UInt64(N + 7))
                var C = values(M * ldc, seed: 99)
                var expected = C
                reference(M: M, N: N, K: K, A: A, rs: rs, cs: cs, B: B, ldb: ldb, C: &expected, ldc: ldc)
                A.withUnsafeBufferPointer { a in B.withUnsafeBufferPointer { b in C.withUnsafeMutableBufferPointer { c in
                    Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, B: b.baseAddress!, ldb: ldb,
                               C: c.baseAddress!, ldc: ldc)
                } } }
                XCTAssertEqual(C, expected, "M=\(M) N=\(N) K=\(K) transposed=\(transposed)")
            }
        }
    }

    func testGemmFromAnInitialRowIgnoresWhatCHeld() {
        for (M, N, K) in [(13, 45, 300), (32, 256, 2), (1, 100, 7), (20, 3, 5), (5, 9, 0)] {
            let A = values(M * K, seed: 3), B = values(K * N, seed: 4), bias = values(N, seed: 5)
            var expected = (0..<M).flatMap { _ in bias }
            reference(M: M, N: N, K: K, A: A, rs: K, cs: 1, B: B, ldb: N, C: &expected, ldc: N)
            var C = [Double](repeating: .nan, count: M * N)
            A.withUnsafeBufferPointer { a in B.withUnsafeBufferPointer { b in C.withUnsafeMutableBufferPointer { c in bias.withUnsafeBufferPointer { r in
                Dense.gemm(M: M, N: N, K: K, A: a.baseAddress ?? r.baseAddress!, rowStrideA: K, colStrideA: 1, B: b.baseAddress ?? r.baseAddress!, ldb: N,
                           C: c.baseAddress!, ldc: N, initialRow: r.baseAddress!)
            } } } }
            XCTAssertEqual(C, expected, "M=\(M) N=\(N) K=\(K)")
        }
    }

    func testGemmWithAnEmptyDimensionLeavesCUnchanged() {
        var C = [1.0, 2.0]
        let A = [3.0], B = [4.0]
        A.withUnsafeBufferPointer { a in B.withUnsafeBufferPointer { b in C.withUnsafeMutableBufferPointer { c in
            Dense.gemm(M: 1, N: 2, K: 0, A: a.baseAddress!, rowStrideA: 1, colStrideA: 1, B: b.baseAddress!, ldb: 2, C: c.baseAddress!, ldc: 2)
        } } }
        XCTAssertEqual(C, [1, 2])
    }

    func testColumnSumsAddEachColumnInRowOrder() {
        let M = 37, N = 21, lda = 24
        let A = values(M * lda, seed: 5)
        var out = values(N, seed: 6)
        var expected = out
        for n in 0..<N { for m in 0..<M { expected[n] += A[m * lda + n] } }
        A.withUnsafeBufferPointer { a in out.withUnsafeMutableBufferPointer { o in
            Dense.addColumnSums(M: M, N: N, A: a.baseAddress!, lda: lda, into: o.baseAddress!)
        } }
        XCTAssertEqual(out, expected)
    }

    func testOptimizerUpdatesGiveTheScalarFormulasBitForBit() {
        let n = 11  // two blocks of four and a tail of three
        let g = values(n, seed: 7), theta0 = values(n, seed: 8)
        let m0 = values(n, seed: 9), v0 = values(n, seed: 10).map { $0 * $0 }
        var th = theta0, v = v0, m = m0
        th.withUnsafeMutableBufferPointer { t in v.withUnsafeMutableBufferPointer { vb in g.withUnsafeBufferPointer { gb in
            Update.adagrad(theta: t.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.1, eps: 1e-10)
        } } }
        for i in 0..<n {
            let vi = v0[i] + g[i] * g[i]
            XCTAssertEqual(v[i], vi)
            XCTAssertEqual(th[i], theta0[i] - 0.1 * g[i] / (vi.squareRoot() + 1e-10))
        }
        th = theta0; v = v0
        th.withUnsafeMutableBufferPointer { t in v.withUnsafeMutableBufferPointer { vb in g.withUnsafeBufferPointer { gb in
            Update.rmsprop(theta: t.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.01, alpha: 0.99, eps: 1e-8)
        } } }
        for i in 0..<n {
            let vi = 0.99 * v0[i] + (1 - 0.99) * g[i] * g[i]
            XCTAssertEqual(th[i], theta0[i] - 0.01 * g[i] / (vi.squareRoot() + 1e-8))
        }
        th = theta0; v = v0
        th.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
            g.withUnsafeBufferPointer { gb in
                Update.adam(theta: t.baseAddress!, m: mb.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n,
                            stepSize: 0.01 / 0.1, beta1: 0.9, beta2: 0.999, bc2Root: 0.001.squareRoot(), eps: 1e-8)
            } } } }
        for i in 0..<n {
            let mi = 0.9 * m0[i] + (1 - 0.9) * g[i], vi = 0.999 * v0[i] + (1 - 0.999) * g[i] * g[i]
            XCTAssertEqual(m[i], mi)
            XCTAssertEqual(th[i], theta0[i] - 0.01 / 0.1 * mi / (vi.squareRoot() / 0.001.squareRoot() + 1e-8))
        }
    }

    func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        return abs(a - b) / max(abs(b), Double.leastNormalMagnitude).ulp
    }

    func grid() -> [Double] {
        var xs: [Double] = [0, -0.0, 1e-300, -1e-300, 1e-12, -1e-9, 0.3465, -0.3467, 1, -1, 19.99, -20, 44, -44, 300, -700, 708, -708, 709, -745]
        for i in 0..<20000 { xs.append(-40 + 80 * Double(i) / 20000 + 1e-7) }
        for i in 0..<2000 { xs.append(pow(10, -15 + 15 * Double(i) / 2000) * (i % 2 == 0 ? 1 : -1)) }
        return xs
    }

    func check(_ name: String, _ f: (SIMD4<Double>) -> SIMD4<Double>, _ g: (Double) -> Double, maxUlps: Double, absolute: Double = 0) {
        var worst = 0.0
        for x in grid() {
            let got = f(SIMD4(repeating: x))[2], want = g(x)
            let err = abs(got - want) <= absolute ? 0 : ulps(got, want)
            if err > worst { worst = err }
            XCTAssert(err <= maxUlps, "\(name)(\(x)) = \(got), glibc \(want), \(err) ulps")
            if err > maxUlps { return }
        }
    }

    func testExpWithinTwoUlpsOfGlibc() {
        // Below e^−708 we clamp (results under 3.4e-308 are not needed by any cell).
        check("exp", Pointwise.exp, { Glibc.exp(max($0, -708)) }, maxUlps: 2)
        check("expm1", Pointwise.expm1, { Glibc.expm1(max($0, -708)) }, maxUlps: 2)
    }

    func testTanhAndSigmoidWithinThreeUlpsOfGlibc() {
        check("tanh", Pointwise.tanh, Glibc.tanh, maxUlps: 3)
        check("sigmoid", Pointwise.sigmoid, { 1 / (1 + Glibc.exp(-$0)) }, maxUlps: 3, absolute: 1e-300)
    }

    func testSaturationAndNaN() {
        let v = SIMD4<Double>(1e6, -1e6, .nan, .infinity)
        let t = Pointwise.tanh(v), s = Pointwise.sigmoid(v)
        XCTAssertEqual(t[0], 1); XCTAssertEqual(t[1], -1); XCTAssert(t[2].isNaN); XCTAssertEqual(t[3], 1)
        XCTAssertEqual(s[0], 1); XCTAssert(s[1] >= 0 && s[1] < 1e-300); XCTAssert(s[2].isNaN); XCTAssertEqual(s[3], 1)
        XCTAssert(Pointwise.exp(v)[2].isNaN)
    }

    func testArrayFormsHandleRowsNotAMultipleOfFour() {
        var xs = (0..<7).map { Double($0) / 3 - 1 }
        xs.withUnsafeMutableBufferPointer { Pointwise.tanh($0.baseAddress!, count: 7) }
        for (i, y) in xs.enumerated() { XCTAssertEqual(y, Glibc.tanh(Double(i) / 3 - 1), accuracy: 1e-15) }
    }
}
