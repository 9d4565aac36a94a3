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

    func testPanelProductsGiveTheRowMajorBits() {
        // Panel tails (N mod 8 of 4, 5, 1, 0), rows below four, K over one block, an initial row.
        for (M, N, K) in [(16, 256, 64), (16, 64, 256), (64, 256, 300), (16, 12, 7), (7, 13, 5), (4, 9, 3), (3, 20, 11), (1, 17, 4), (22, 100, 25)] {
            for transposed in [false, true] {
                let A = values(M * K, seed: UInt64(M * 17 + K)), B = values(K * N, seed: UInt64(N + 3)), bias = values(N, seed: 8)
                let (rs, cs) = transposed ? (1, M) : (K, 1)
                var panels = [Double](repeating: .nan, count: K * N)
                var rowMajor = values(M * N, seed: 5), fromPanels = rowMajor
                var rowMajorBias = rowMajor, fromPanelsBias = rowMajor
                A.withUnsafeBufferPointer { a in B.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { r in
                    panels.withUnsafeMutableBufferPointer { Dense.packPanels(K: K, N: N, B: b.baseAddress!, ldb: N, into: $0.baseAddress!) }
                    panels.withUnsafeBufferPointer { p in
                        rowMajor.withUnsafeMutableBufferPointer {
                            Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, B: b.baseAddress!, ldb: N, C: $0.baseAddress!, ldc: N)
                        }
                        fromPanels.withUnsafeMutableBufferPointer {
                            Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, panels: p.baseAddress!, C: $0.baseAddress!, ldc: N)
                        }
                        rowMajorBias.withUnsafeMutableBufferPointer {
                            Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, B: b.baseAddress!, ldb: N,
                                       C: $0.baseAddress!, ldc: N, initialRow: r.baseAddress!)
                        }
                        fromPanelsBias.withUnsafeMutableBufferPointer {
                            Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, panels: p.baseAddress!,
                                       C: $0.baseAddress!, ldc: N, initialRow: r.baseAddress!)
                        }
                    }
                } } }
                XCTAssertEqual(fromPanels, rowMajor, "M=\(M) N=\(N) K=\(K) transposed=\(transposed)")
                XCTAssertEqual(fromPanelsBias, rowMajorBias, "M=\(M) N=\(N) K=\(K) transposed=\(transposed), initial row")
            }
        }
    }

    func testPanelsPackedPieceByPieceEqualPanelsPackedAtOnce() {
        // The backward sweep packs a block's rows a step at a time, last step first.
        let K = 30, N = 21, ldb = 25, piece = 6
        let B = values(K * ldb, seed: 12)
        var whole = [Double](repeating: .nan, count: K * N), pieces = whole
        B.withUnsafeBufferPointer { b in
            whole.withUnsafeMutableBufferPointer { Dense.packPanels(K: K, N: N, B: b.baseAddress!, ldb: ldb, into: $0.baseAddress!) }
            pieces.withUnsafeMutableBufferPointer { p in
                for first in stride(from: K - piece, through: 0, by: -piece) {
                    Dense.packPanels(rows: piece, N: N, B: b.baseAddress! + first * ldb, ldb: ldb, into: p.baseAddress!, panelRows: K, firstRow: first)
                }
            }
        }
        XCTAssertEqual(pieces, whole)
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
            Update.adagrad(theta: t.baseAddress!, source: t.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.1, eps: 1e-10)
        } } }
        for i in 0..<n {
            let vi = v0[i] + g[i] * g[i]
            XCTAssertEqual(v[i], vi)
            XCTAssertEqual(th[i], theta0[i] - 0.1 * g[i] / (vi.squareRoot() + 1e-10))
        }
        th = theta0; v = v0
        th.withUnsafeMutableBufferPointer { t in v.withUnsafeMutableBufferPointer { vb in g.withUnsafeBufferPointer { gb in
            Update.rmsprop(theta: t.baseAddress!, source: t.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.01, alpha: 0.99, eps: 1e-8)
        } } }
        for i in 0..<n {
            let vi = 0.99 * v0[i] + (1 - 0.99) * g[i] * g[i]
            XCTAssertEqual(th[i], theta0[i] - 0.01 * g[i] / (vi.squareRoot() + 1e-8))
        }
        th = theta0; v = v0
        th.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
            g.withUnsafeBufferPointer { gb in
                Update.adam(theta: t.baseAddress!, source: t.baseAddress!, m: mb.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n,
                            stepSize: 0.01 / 0.1, beta1: 0.9, beta2: 0.999, bc2Root: 0.001.squareRoot(), eps: 1e-8)
            } } } }
        for i in 0..<n {
            let mi = 0.9 * m0[i] + (1 - 0.9) * g[i], vi = 0.999 * v0[i] + (1 - 0.999) * g[i] * g[i]
            XCTAssertEqual(m[i], mi)
            XCTAssertEqual(th[i], theta0[i] - 0.01 / 0.1 * mi / (vi.squareRoot() / 0.001.squareRoot() + 1e-8))
        }
    }

    func testOptimizerUpdatesIntoAnotherBufferMatchInPlaceAndReportNonFiniteValues() {
        let n = 11
        let g = values(n, seed: 7), theta0 = values(n, seed: 8), m0 = values(n, seed: 9), v0 = values(n, seed: 10).map { $0 * $0 }
        /// (new θ, finite) from one update of each kind, in place or from theta0 into another buffer.
        func run(_ kind: Int, inPlace: Bool, g: [Double]) -> ([Double], Bool) {
            var th = inPlace ? theta0 : [Double](repeating: .nan, count: n), m = m0, v = v0
            let src = theta0
            let ok = th.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
                g.withUnsafeBufferPointer { gb in src.withUnsafeBufferPointer { sb in
                    let source = inPlace ? UnsafePointer(t.baseAddress!) : sb.baseAddress!
                    switch kind {
                    case 0: return Update.sgd(theta: t.baseAddress!, source: source, g: gb.baseAddress!, count: n, lr: 0.1)
                    case 1: return Update.adagrad(theta: t.baseAddress!, source: source, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.1, eps: 1e-10)
                    case 2: return Update.rmsprop(theta: t.baseAddress!, source: source, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.01,
                                                  alpha: 0.99, eps: 1e-8)
                    default: return Update.adam(theta: t.baseAddress!, source: source, m: mb.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!,
                                                count: n, stepSize: 0.1, beta1: 0.9, beta2: 0.999, bc2Root: 0.001.squareRoot(), eps: 1e-8)
                    }
                } }
            } } }
            return (th, ok)
        }
        for kind in 0..<4 {
            let (inPlace, ok1) = run(kind, inPlace: true, g: g), (apart, ok2) = run(kind, inPlace: false, g: g)
            XCTAssertEqual(inPlace, apart, "kind \(kind)")
            XCTAssertTrue(ok1 && ok2, "kind \(kind)")
            // A NaN in a four-lane block and an infinity in the tail are both reported.
            for bad in [2, 10] {
                var g2 = g
                g2[bad] = bad == 2 ? .nan : .infinity
                XCTAssertFalse(run(kind, inPlace: false, g: g2).1, "kind \(kind), bad value at \(bad)")
            }
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

    func testTanhAndSigmoidOverRandomArgumentsStayWithinFiveUlps() {
        // 200,000 arguments across the range the cells meet, with a fixed seed.
        var s: UInt64 = 0x5EED
        var worstTanh = 0.0, worstSigmoid = 0.0
        for i in 0..<200_000 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(s >> 11) / Double(1 << 53)
            let x = i % 2 == 0 ? 50 * u - 25 : (2 * u - 1) * pow(10, -12 * Double(i % 13) / 12)
            worstTanh = max(worstTanh, ulps(Pointwise.tanh(SIMD4(repeating: x))[1], Glibc.tanh(x)))
            worstSigmoid = max(worstSigmoid, ulps(Pointwise.sigmoid(SIMD4(repeating: x))[1], 1 / (1 + Glibc.exp(-x))))
        }
        XCTAssertLessThanOrEqual(worstTanh, 5)
        XCTAssertLessThanOrEqual(worstSigmoid, 5)
    }

    /// Each cell step, for widths that end a row with 0–3 lanes, against the same formulas one unit at a time.
    func testCellStepsMatchTheirFormulasUnitByUnitForEveryRowTail() {
        func sg(_ x: Double) -> Double { Pointwise.sigmoid(SIMD4(repeating: x))[0] }
        func th(_ x: Double) -> Double { Pointwise.tanh(SIMD4(repeating: x))[0] }
        let B = 3
        for H in 1...9 {
            // lstm forward
            let pre = values(B * 4 * H, seed: UInt64(H)).map { $0 * 4 }, cPrev = values(B * H, seed: UInt64(H + 50))
            var a = pre, c = [Double](repeating: .nan, count: B * H), tc = c, h = c
            a.withUnsafeMutableBufferPointer { ab in c.withUnsafeMutableBufferPointer { cb in tc.withUnsafeMutableBufferPointer { tb in
                h.withUnsafeMutableBufferPointer { hb in cPrev.withUnsafeBufferPointer { cp in
                    Pointwise.lstmStep(B: B, H: H, a: ab.baseAddress!, cPrev: cp.baseAddress!, c: cb.baseAddress!, tanhC: tb.baseAddress!, h: hb.baseAddress!)
                } } } } }
            for b in 0..<B {
                for j in 0..<H {
                    let row = b * 4 * H
                    let i = sg(pre[row + j]), f = sg(pre[row + H + j]), g = th(pre[row + 2 * H + j]), o = sg(pre[row + 3 * H + j])
                    let cv = (i * g).addingProduct(f, cPrev[b * H + j])
                    XCTAssertEqual([a[row + j], a[row + H + j], a[row + 2 * H + j], a[row + 3 * H + j]], [i, f, g, o], "lstm H=\(H)")
                    XCTAssertEqual([c[b * H + j], tc[b * H + j], h[b * H + j]], [cv, th(cv), o * th(cv)], "lstm H=\(H)")
                }
            }
            // lstm backward, from those gates
            let dh = values(B * H, seed: 70), dc = values(B * H, seed: 71)
            var dA = a, dcPrev = [Double](repeating: .nan, count: B * H), dhPrev = dcPrev
            dA.withUnsafeMutableBufferPointer { ab in dcPrev.withUnsafeMutableBufferPointer { dcp in dhPrev.withUnsafeMutableBufferPointer { dhp in
                cPrev.withUnsafeBufferPointer { cp in tc.withUnsafeBufferPointer { tb in dh.withUnsafeBufferPointer { dhb in dc.withUnsafeBufferPointer { dcb in
                    Pointwise.lstmBackStep(B: B, H: H, gates: ab.baseAddress!, cPrev: cp.baseAddress!, tanhC: tb.baseAddress!, dh: dhb.baseAddress!,
                                           dc: dcb.baseAddress!, dcPrev: dcp.baseAddress!, dhPrev: dhp.baseAddress!)
                } } } } } } }
            for b in 0..<B {
                for j in 0..<H {
                    let row = b * 4 * H, u = b * H + j
                    let i = a[row + j], f = a[row + H + j], g = a[row + 2 * H + j], o = a[row + 3 * H + j], t = tc[u]
                    let dcTotal = dc[u] + dh[u] * o * (1 - t * t)
                    XCTAssertEqual([dA[row + j], dA[row + H + j], dA[row + 2 * H + j], dA[row + 3 * H + j]],
                                   [dcTotal * g * i * (1 - i), dcTotal * cPrev[u] * f * (1 - f), dcTotal * i * (1 - g * g), dh[u] * t * o * (1 - o)],
                                   "lstm backward H=\(H)")
                    XCTAssertEqual([dcPrev[u], dhPrev[u]], [dcTotal * f, 0], "lstm backward H=\(H)")
                }
            }
            // gru forward and backward
            let gpre = values(B * 3 * H, seed: UInt64(H + 90)).map { $0 * 4 }, hn0 = values(B * H, seed: 91), hPrev = values(B * H, seed: 92)
            var ga = gpre, gh = [Double](repeating: .nan, count: B * H)
            ga.withUnsafeMutableBufferPointer { ab in gh.withUnsafeMutableBufferPointer { hb in hn0.withUnsafeBufferPointer { nb in hPrev.withUnsafeBufferPointer { pb in
                Pointwise.gruStep(B: B, H: H, a: ab.baseAddress!, hn: nb.baseAddress!, hPrev: pb.baseAddress!, h: hb.baseAddress!)
            } } } }
            var gdA = ga, hn = hn0, gdhPrev = [Double](repeating: .nan, count: B * H)
            gdA.withUnsafeMutableBufferPointer { ab in hn.withUnsafeMutableBufferPointer { nb in gdhPrev.withUnsafeMutableBufferPointer { dhp in
                hPrev.withUnsafeBufferPointer { pb in dh.withUnsafeBufferPointer { dhb in
                    Pointwise.gruBackStep(B: B, H: H, gates: ab.baseAddress!, hn: nb.baseAddress!, hPrev: pb.baseAddress!, dh: dhb.baseAddress!,
                                          dhPrev: dhp.baseAddress!)
                } } } } }
            for b in 0..<B {
                for j in 0..<H {
                    let row = b * 3 * H, u = b * H + j
                    let r = sg(gpre[row + j]), z = sg(gpre[row + H + j]), n = th(gpre[row + 2 * H + j].addingProduct(r, hn0[u]))
                    XCTAssertEqual([ga[row + j], ga[row + H + j], ga[row + 2 * H + j], gh[u]],
                                   [r, z, n, (z * hPrev[u]).addingProduct(1 - z, n)], "gru H=\(H)")
                    let dAn = dh[u] * (1 - z) * (1 - n * n)
                    XCTAssertEqual([gdA[row + j], gdA[row + H + j], gdA[row + 2 * H + j], hn[u], gdhPrev[u]],
                                   [dAn * hn0[u] * r * (1 - r), dh[u] * (hPrev[u] - n) * z * (1 - z), dAn, dAn * r, dh[u] * z], "gru backward H=\(H)")
                }
            }
        }
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
