import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import VectorKernels

/// The products against a plain loop with the same order of fused multiply-adds (so bit for bit),
/// and the activations against glibc in ulps: every test once on each kernel build this processor
/// runs (baseline, avx2, avx512 here), through onEveryBuild.
final class VectorKernelsTests: XCTestCase {
    /// Runs body once on each kernel build this processor runs (announced, so that a failure's
    /// build is the one named above it), then returns to the widest.
    func onEveryBuild(_ body: () -> Void) {
        for isa in ISA.available {
            ISA.use(isa)
            print("\(name) on \(isa)")
            body()
        }
        ISA.use(ISA.available.last!)
    }

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
        onEveryBuild {
            // Shapes that reach every kernel: 6×8 blocks, leftover rows, 32/8/4/1-column strips, K over one block.
            let shapes = [(1, 1, 1), (1, 100, 100), (32, 256, 64), (7, 13, 5), (6, 8, 3), (13, 45, 300), (32, 64, 256), (5, 33, 2), (64, 1, 1600),
                          (25, 27, 100), (1, 36, 10), (6, 12, 7), (1, 44, 3), (12, 47, 9), (16, 100, 25),
                          // Single rows past 104 columns (13 vectors and four at once with eight lanes).
                          (1, 108, 7), (1, 400, 20), (1, 109, 3)]
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
    }

    func testPanelProductsGiveTheRowMajorBits() {
        onEveryBuild {
            // Panel tails (N mod 8 of 4, 5, 1, 0), rows below four, K over one block, an initial row.
            for (M, N, K) in [(16, 256, 64), (16, 64, 256), (64, 256, 300), (16, 12, 7), (7, 13, 5), (4, 9, 3), (3, 20, 11), (1, 17, 4), (22, 100, 25),
                              (1, 100, 100), (2, 44, 9), (1, 36, 5), (5, 81, 3), (1, 108, 6), (1, 212, 4)] {
                for (transposed, width) in [(false, 8), (true, 8), (false, 16), (true, 16), (false, 40), (true, 40), (false, 104), (true, 104)] {
                    let A = values(M * K, seed: UInt64(M * 17 + K)), B = values(K * N, seed: UInt64(N + 3)), bias = values(N, seed: 8)
                    let (rs, cs) = transposed ? (1, M) : (K, 1)
                    var panels = [Double](repeating: .nan, count: K * N)
                    var rowMajor = values(M * N, seed: 5), fromPanels = rowMajor
                    var rowMajorBias = rowMajor, fromPanelsBias = rowMajor
                    A.withUnsafeBufferPointer { a in B.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { r in
                        panels.withUnsafeMutableBufferPointer { Dense.packPanels(K: K, N: N, B: b.baseAddress!, ldb: N, into: $0.baseAddress!, width: width) }
                        panels.withUnsafeBufferPointer { p in
                            rowMajor.withUnsafeMutableBufferPointer {
                                Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, B: b.baseAddress!, ldb: N, C: $0.baseAddress!, ldc: N)
                            }
                            fromPanels.withUnsafeMutableBufferPointer {
                                Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, panels: p.baseAddress!, width: width,
                                           C: $0.baseAddress!, ldc: N)
                            }
                            rowMajorBias.withUnsafeMutableBufferPointer {
                                Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, B: b.baseAddress!, ldb: N,
                                           C: $0.baseAddress!, ldc: N, initialRow: r.baseAddress!)
                            }
                            fromPanelsBias.withUnsafeMutableBufferPointer {
                                Dense.gemm(M: M, N: N, K: K, A: a.baseAddress!, rowStrideA: rs, colStrideA: cs, panels: p.baseAddress!, width: width,
                                           C: $0.baseAddress!, ldc: N, initialRow: r.baseAddress!)
                            }
                        }
                    } } }
                    XCTAssertEqual(fromPanels, rowMajor, "M=\(M) N=\(N) K=\(K) transposed=\(transposed) width=\(width)")
                    XCTAssertEqual(fromPanelsBias, rowMajorBias, "M=\(M) N=\(N) K=\(K) transposed=\(transposed) width=\(width), initial row")
                }
            }
        }
    }

    func testTwoProductsInOnePassGiveTheBitsOfOneAfterTheOther() {
        onEveryBuild {
            // Shapes the tiles cover (rows a multiple of the row block, or four past one) and shapes
            // that fall back to two products: odd rows, columns not a multiple of two vectors, K over one block.
            for (M, N, K1, K2) in [(32, 256, 2, 64), (16, 64, 3, 16), (12, 48, 1, 9), (20, 32, 5, 7), (8, 16, 1, 300), (7, 16, 2, 4),
                                   (32, 40, 2, 8), (4, 16, 300, 3), (1, 32, 2, 2), (3, 100, 4, 5)] {
                for width in [8, 16] {
                    let A1 = values(M * K1, seed: UInt64(M + K1)), A2 = values(M * K2, seed: UInt64(M * 3 + K2))
                    let B1 = values(K1 * N, seed: UInt64(N + 1)), B2 = values(K2 * N, seed: UInt64(N + 2)), bias = values(N, seed: 4)
                    var P1 = [Double](repeating: .nan, count: K1 * N), P2 = [Double](repeating: .nan, count: K2 * N)
                    B1.withUnsafeBufferPointer { b in P1.withUnsafeMutableBufferPointer { Dense.packPanels(K: K1, N: N, B: b.baseAddress!, ldb: N, into: $0.baseAddress!, width: width) } }
                    B2.withUnsafeBufferPointer { b in P2.withUnsafeMutableBufferPointer { Dense.packPanels(K: K2, N: N, B: b.baseAddress!, ldb: N, into: $0.baseAddress!, width: width) } }
                    for withBias in [true, false] {
                        let start = values(M * N, seed: 6)
                        var apart = start, together = start
                        A1.withUnsafeBufferPointer { a1 in A2.withUnsafeBufferPointer { a2 in P1.withUnsafeBufferPointer { p1 in P2.withUnsafeBufferPointer { p2 in
                            bias.withUnsafeBufferPointer { r in
                                let row = withBias ? r.baseAddress! : nil
                                apart.withUnsafeMutableBufferPointer {
                                    Dense.gemm(M: M, N: N, K: K1, A: a1.baseAddress!, rowStrideA: K1, colStrideA: 1, panels: p1.baseAddress!, width: width,
                                               C: $0.baseAddress!, ldc: N, initialRow: row)
                                    Dense.gemm(M: M, N: N, K: K2, A: a2.baseAddress!, rowStrideA: K2, colStrideA: 1, panels: p2.baseAddress!, width: width,
                                               C: $0.baseAddress!, ldc: N)
                                }
                                together.withUnsafeMutableBufferPointer {
                                    Dense.gemm(M: M, N: N, K1: K1, A1: a1.baseAddress!, lda1: K1, panels1: p1.baseAddress!,
                                               K2: K2, A2: a2.baseAddress!, lda2: K2, panels2: p2.baseAddress!, width: width,
                                               C: $0.baseAddress!, ldc: N, initialRow: row)
                                }
                            }
                        } } } }
                        // The reference sums, to be sure both are the products and not merely equal.
                        var expected = start
                        if withBias { for m in 0..<M { for n in 0..<N { expected[m * N + n] = bias[n] } } }
                        reference(M: M, N: N, K: K1, A: A1, rs: K1, cs: 1, B: B1, ldb: N, C: &expected, ldc: N)
                        reference(M: M, N: N, K: K2, A: A2, rs: K2, cs: 1, B: B2, ldb: N, C: &expected, ldc: N)
                        let shape = "M=\(M) N=\(N) K1=\(K1) K2=\(K2) width=\(width) bias=\(withBias)"
                        XCTAssertEqual(apart, expected, shape)
                        XCTAssertEqual(together.map(\.bitPattern), apart.map(\.bitPattern), shape)
                    }
                }
            }
        }
    }

    func testPanelsPackedPieceByPieceEqualPanelsPackedAtOnce() {
        onEveryBuild {
            // The backward sweep packs a block's rows a step at a time, last step first.
            let K = 30, ldb = 45, piece = 6
            let B = values(K * ldb, seed: 12)
            for (N, width) in [(21, 8), (37, 16), (43, 40)] {
                var whole = [Double](repeating: .nan, count: K * N), pieces = whole
                B.withUnsafeBufferPointer { b in
                    whole.withUnsafeMutableBufferPointer { Dense.packPanels(K: K, N: N, B: b.baseAddress!, ldb: ldb, into: $0.baseAddress!, width: width) }
                    pieces.withUnsafeMutableBufferPointer { p in
                        for first in stride(from: K - piece, through: 0, by: -piece) {
                            Dense.packPanels(rows: piece, N: N, B: b.baseAddress! + first * ldb, ldb: ldb, into: p.baseAddress!, panelRows: K,
                                             firstRow: first, width: width)
                        }
                    }
                }
                XCTAssertEqual(pieces, whole, "N=\(N) width=\(width)")
            }
        }
    }

    func testTransposedPanelsEqualPanelsOfTheTranspose() {
        onEveryBuild {
            // W is N × K (row stride ldw); its transpose K × N packed as panels, both ways.
            for (N, K, width) in [(100, 100, 40), (100, 27, 40), (256, 64, 8), (13, 5, 8), (3, 7, 40), (81, 2, 8)] {
                let ldw = K + 2
                let W = values(N * ldw, seed: UInt64(N + K))
                var WT = [Double](repeating: 0, count: K * N)
                for n in 0..<N { for k in 0..<K { WT[k * N + n] = W[n * ldw + k] } }
                var direct = [Double](repeating: .nan, count: K * N), viaTranspose = direct
                W.withUnsafeBufferPointer { w in
                    direct.withUnsafeMutableBufferPointer {
                        Dense.packTransposedPanels(N: N, K: K, W: w.baseAddress!, ldw: ldw, into: $0.baseAddress!, width: width)
                    }
                }
                WT.withUnsafeBufferPointer { wt in
                    viaTranspose.withUnsafeMutableBufferPointer { Dense.packPanels(K: K, N: N, B: wt.baseAddress!, ldb: N, into: $0.baseAddress!, width: width) }
                }
                XCTAssertEqual(direct, viaTranspose, "N=\(N) K=\(K) width=\(width)")
            }
        }
    }

    func testPanelRowEqualsTheProductWithAOneHotRow() {
        onEveryBuild {
            for (K, N, width) in [(27, 100, 40), (27, 100, 104), (5, 12, 8), (9, 44, 40), (4, 7, 8)] {
                let B = values(K * N, seed: UInt64(K * N)), bias = values(N, seed: 2)
                var panels = [Double](repeating: .nan, count: K * N)
                B.withUnsafeBufferPointer { b in
                    panels.withUnsafeMutableBufferPointer { Dense.packPanels(K: K, N: N, B: b.baseAddress!, ldb: N, into: $0.baseAddress!, width: width) }
                }
                for k in [-1, 0, K / 2, K - 1] {
                    let x = (0..<K).map { $0 == k ? 1.0 : 0.0 }
                    var product = [Double](repeating: .nan, count: N), picked = product
                    x.withUnsafeBufferPointer { a in panels.withUnsafeBufferPointer { p in bias.withUnsafeBufferPointer { r in
                        product.withUnsafeMutableBufferPointer {
                            Dense.gemm(M: 1, N: N, K: K, A: a.baseAddress!, rowStrideA: K, colStrideA: 1, panels: p.baseAddress!, width: width,
                                       C: $0.baseAddress!, ldc: N, initialRow: r.baseAddress!)
                        }
                        picked.withUnsafeMutableBufferPointer {
                            Dense.panelRow(k, K: K, N: N, panels: p.baseAddress!, width: width, adding: r.baseAddress!, into: $0.baseAddress!)
                        }
                    } } }
                    XCTAssertEqual(picked, product, "K=\(K) N=\(N) width=\(width) row \(k)")
                }
            }
        }
    }

    func testGemmFromAnInitialRowIgnoresWhatCHeld() {
        onEveryBuild {
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
    }

    func testGemmWithAnEmptyDimensionLeavesCUnchanged() {
        onEveryBuild {
            var C = [1.0, 2.0]
            let A = [3.0], B = [4.0]
            A.withUnsafeBufferPointer { a in B.withUnsafeBufferPointer { b in C.withUnsafeMutableBufferPointer { c in
                Dense.gemm(M: 1, N: 2, K: 0, A: a.baseAddress!, rowStrideA: 1, colStrideA: 1, B: b.baseAddress!, ldb: 2, C: c.baseAddress!, ldc: 2)
            } } }
            XCTAssertEqual(C, [1, 2])
        }
    }

    func testColumnSumsAddEachColumnInRowOrder() {
        onEveryBuild {
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
    }

    func testOptimizerUpdatesGiveTheScalarFormulasBitForBit() {
        onEveryBuild {
            let n = 11  // two blocks of four and a tail of three
            var g = values(n, seed: 7)
            let theta0 = values(n, seed: 8)
            let m0 = values(n, seed: 9), v0 = values(n, seed: 10).map { $0 * $0 }
            var th = theta0, v = v0, m = m0
            th.withUnsafeMutableBufferPointer { t in v.withUnsafeMutableBufferPointer { vb in g.withUnsafeMutableBufferPointer { gb in
                Update.adagrad(theta: t.baseAddress!, source: t.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.1, eps: 1e-10)
            } } }
            for i in 0..<n {
                let vi = v0[i] + g[i] * g[i]
                XCTAssertEqual(v[i], vi)
                XCTAssertEqual(th[i], theta0[i] - 0.1 * g[i] / (vi.squareRoot() + 1e-10))
            }
            th = theta0; v = v0
            th.withUnsafeMutableBufferPointer { t in v.withUnsafeMutableBufferPointer { vb in g.withUnsafeMutableBufferPointer { gb in
                Update.rmsprop(theta: t.baseAddress!, source: t.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.01, alpha: 0.99, eps: 1e-8)
            } } }
            for i in 0..<n {
                let vi = 0.99 * v0[i] + (1 - 0.99) * g[i] * g[i]
                XCTAssertEqual(th[i], theta0[i] - 0.01 * g[i] / (vi.squareRoot() + 1e-8))
            }
            th = theta0; v = v0
            th.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
                g.withUnsafeMutableBufferPointer { gb in
                    Update.adam(theta: t.baseAddress!, source: t.baseAddress!, m: mb.baseAddress!, v: vb.baseAddress!, g: gb.baseAddress!, count: n,
                                stepSize: 0.01 / 0.1, beta1: 0.9, beta2: 0.999, bc2Root: 0.001.squareRoot(), eps: 1e-8)
                } } } }
            for i in 0..<n {
                let mi = 0.9 * m0[i] + (1 - 0.9) * g[i], vi = 0.999 * v0[i] + (1 - 0.999) * g[i] * g[i]
                XCTAssertEqual(m[i], mi)
                XCTAssertEqual(th[i], theta0[i] - 0.01 / 0.1 * mi / (vi.squareRoot() / 0.001.squareRoot() + 1e-8))
            }
            for first in [true, false] {
                th = theta0; m = m0
                th.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mb in g.withUnsafeMutableBufferPointer { gb in
                    Update.momentum(theta: t.baseAddress!, source: t.baseAddress!, buffer: mb.baseAddress!, g: gb.baseAddress!, count: n, lr: 0.1, first: first)
                } } }
                for i in 0..<n {
                    let mi = first ? g[i] : 0.9 * m0[i] + g[i]
                    XCTAssertEqual(m[i], mi)
                    XCTAssertEqual(th[i], theta0[i] - 0.1 * mi)
                }
            }
        }
    }

    /// (new θ, outcome, gradient after) from one update of kind 0...4 (sgd, adagrad, rmsprop, adam,
    /// momentum), from theta0 into `theta` (or in place), reading g as `read` says.
    func update(_ kind: Int, theta0: [Double], inPlace: Bool = false, g: [Double], read: GradientRead = GradientRead()) -> ([Double], Update.Outcome, [Double]) {
        let n = theta0.count
        var th = inPlace ? theta0 : [Double](repeating: .nan, count: n), m = values(n, seed: 9), v = values(n, seed: 10).map { $0 * $0 }
        var g = g
        let src = theta0
        let outcome = th.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mb in v.withUnsafeMutableBufferPointer { vb in
            g.withUnsafeMutableBufferPointer { gb in src.withUnsafeBufferPointer { sb in
                let source = inPlace ? UnsafePointer(t.baseAddress!) : sb.baseAddress!, gp = gb.baseAddress!
                switch kind {
                case 0: return Update.sgd(theta: t.baseAddress!, source: source, g: gp, read: read, count: n, lr: 0.1)
                case 1: return Update.adagrad(theta: t.baseAddress!, source: source, v: vb.baseAddress!, g: gp, read: read, count: n, lr: 0.1, eps: 1e-10)
                case 2: return Update.rmsprop(theta: t.baseAddress!, source: source, v: vb.baseAddress!, g: gp, read: read, count: n, lr: 0.01,
                                              alpha: 0.99, eps: 1e-8)
                case 3: return Update.adam(theta: t.baseAddress!, source: source, m: mb.baseAddress!, v: vb.baseAddress!, g: gp, read: read,
                                           count: n, stepSize: 0.1, beta1: 0.9, beta2: 0.999, bc2Root: 0.001.squareRoot(), eps: 1e-8)
                default: return Update.momentum(theta: t.baseAddress!, source: source, buffer: mb.baseAddress!, g: gp, read: read, count: n,
                                                lr: 0.1, first: false)
                }
            } }
        } } }
        return (th, outcome, g)
    }

    func testOptimizerUpdatesIntoAnotherBufferMatchInPlaceAndReportNonFiniteValues() {
        onEveryBuild {
            let n = 11
            let g = values(n, seed: 7), theta0 = values(n, seed: 8)
            for kind in 0..<5 {
                let (inPlace, ok1, _) = update(kind, theta0: theta0, inPlace: true, g: g), (apart, ok2, _) = update(kind, theta0: theta0, g: g)
                XCTAssertEqual(inPlace, apart, "kind \(kind)")
                XCTAssertTrue(ok1.finite && ok2.finite, "kind \(kind)")
                // A NaN in a four-lane block and an infinity in the tail are both reported.
                for bad in [2, 10] {
                    var g2 = g
                    g2[bad] = bad == 2 ? .nan : .infinity
                    XCTAssertFalse(update(kind, theta0: theta0, g: g2).1.finite, "kind \(kind), bad value at \(bad)")
                }
            }
        }
    }

    /// Clipping as the update reads the gradient gives the bits of clipping first and updating after,
    /// the squares are those of the gradient before clipping (summed as `gradientSquares` sums them),
    /// and a zeroing read leaves zeros.
    func testGradientReadsEqualClippingFirst() {
        onEveryBuild {
            for n in [3, 11, 16] {
                let theta0 = values(n, seed: 8)
                let g = values(n, seed: 17).enumerated().map { $0 % 3 == 0 ? $1 * 40 : $1 }
                let squares = g.withUnsafeBufferPointer { Update.gradientSquares($0.baseAddress!, count: n) }
                var expectedSquares = 0.0
                var s = SIMD4<Double>()
                for i in stride(from: 0, to: n - n % 4, by: 4) { let v = SIMD4(g[i], g[i + 1], g[i + 2], g[i + 3]); s += v * v }
                expectedSquares = (s[0] + s[1]) + (s[2] + s[3])
                for i in (n - n % 4)..<n { expectedSquares += g[i] * g[i] }
                XCTAssertEqual(squares, expectedSquares)
                let clamped = g.map { min(max($0, -5), 5) }, scaled = g.map { $0 * 0.25 }
                for kind in 0..<5 {
                    let (plain, plainOutcome, plainG) = update(kind, theta0: theta0, g: g)
                    XCTAssertEqual(plainOutcome.gradientSquares, squares, "kind \(kind) n=\(n)")
                    XCTAssertEqual(plainG, g, "kind \(kind) n=\(n): a plain read leaves g as it was")
                    let (byValue, valueOutcome, zeroed) = update(kind, theta0: theta0, g: g, read: GradientRead(limit: 5, zeroing: true))
                    XCTAssertEqual(byValue, update(kind, theta0: theta0, g: clamped).0, "kind \(kind) n=\(n), clamped")
                    XCTAssertEqual(valueOutcome.gradientSquares, squares)
                    XCTAssertEqual(zeroed, [Double](repeating: 0, count: n))
                    XCTAssertEqual(update(kind, theta0: theta0, g: g, read: GradientRead(scale: 0.25)).0, update(kind, theta0: theta0, g: scaled).0,
                                   "kind \(kind) n=\(n), scaled")
                    XCTAssertNotEqual(byValue, plain)
                }
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
        onEveryBuild {
            // Below e^−708 we clamp (results under 3.4e-308 are not needed by any cell).
            check("exp", Pointwise.exp, { Glibc.exp(max($0, -708)) }, maxUlps: 2)
            check("expm1", Pointwise.expm1, { Glibc.expm1(max($0, -708)) }, maxUlps: 2)
        }
    }

    func testTanhAndSigmoidWithinThreeUlpsOfGlibc() {
        onEveryBuild {
            check("tanh", Pointwise.tanh, Glibc.tanh, maxUlps: 3)
            check("sigmoid", Pointwise.sigmoid, { 1 / (1 + Glibc.exp(-$0)) }, maxUlps: 3, absolute: 1e-300)
        }
    }

    func testTanhAndSigmoidOverRandomArgumentsStayWithinFiveUlps() {
        onEveryBuild {
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
    }

    /// Each cell step, for widths that end a row with 0–7 lanes, against the same formulas one unit at a time.
    func testCellStepsMatchTheirFormulasUnitByUnitForEveryRowTail() {
        onEveryBuild {
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
    }

    /// The activations on a grid and the cell steps give the same bits on every build (the products
    /// and the updates are pinned to their scalar formulas above, on each build).
    func testEveryBuildGivesTheActivationsBitsOfTheBaseline() {
        let xs = grid()
        let H = 11, B = 2
        let pre = values(B * 4 * H, seed: 3).map { $0 * 6 }, cPrev = values(B * H, seed: 4)
        func outputs() -> [[UInt64]] {
            var results: [[UInt64]] = []
            for f in [Pointwise.tanh(_:count:), Pointwise.sigmoid(_:count:), Pointwise.exp(_:count:), Pointwise.expm1(_:count:)] {
                var y = xs
                y.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count) }
                results.append(y.map(\.bitPattern))
            }
            var a = pre, c = cPrev, tc = cPrev, h = cPrev
            a.withUnsafeMutableBufferPointer { ab in c.withUnsafeMutableBufferPointer { cb in tc.withUnsafeMutableBufferPointer { tb in
                h.withUnsafeMutableBufferPointer { hb in cPrev.withUnsafeBufferPointer { cp in
                    Pointwise.lstmStep(B: B, H: H, a: ab.baseAddress!, cPrev: cp.baseAddress!, c: cb.baseAddress!, tanhC: tb.baseAddress!, h: hb.baseAddress!)
                } } } } }
            results.append((a + c + tc + h).map(\.bitPattern))
            return results
        }
        let here = ISA.current
        ISA.use(ISA.available[0])
        let reference = outputs()
        ISA.use(here)
        XCTAssertEqual(outputs(), reference, "\(here) against \(ISA.available[0])")
    }

    /// tanh, sigmoid, exp and expm1 keep the bits they had before their operations were rearranged
    /// (two registers a vector, no negations): FNV-1a hashes of every output's bits over 200,473
    /// arguments (a grid over ±45.5, 100,000 arbitrary bit patterns, the clamps' edges ± 16 ulp,
    /// zeros, infinities, NaN, subnormals), taken from the code of c859595. Any rounding that moves
    /// changes a hash; the experiment log and the lessons' outputs rest on these bits.
    func testActivationsKeepTheirPinnedBits() {
        var xs: [Double] = [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                            .leastNormalMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for b in [22.0, 44, 354, 708, 709, 710, 745] {
            for k in -16...16 { let v = b + Double(k) * b.ulp; xs += [v, -v] }
        }
        for k in 0..<100_000 { xs.append(Double(k - 50_000) * 0.00091) }
        var s: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<100_000 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            xs.append(Double(bitPattern: s))
        }
        func fnv(_ ys: [Double]) -> String {
            var h: UInt64 = 0xcbf29ce484222325
            for y in ys { h = (h ^ y.bitPattern) &* 0x100000001b3 }
            return String(h, radix: 16)
        }
        let pinned = ["tanh": "ebc4b0ec4dfdef19", "sigmoid": "38d343305ec75f19", "exp": "e4a6d74ae310f3ad", "expm1": "7b73f864dd0f4c0b"]
        onEveryBuild {
            let fs: [(String, (UnsafeMutablePointer<Double>, Int) -> Void)] = [
                ("tanh", { Pointwise.tanh($0, count: $1) }), ("sigmoid", { Pointwise.sigmoid($0, count: $1) }),
                ("exp", { Pointwise.exp($0, count: $1) }), ("expm1", { Pointwise.expm1($0, count: $1) })]
            for (name, f) in fs {
                var y = xs
                y.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count) }
                XCTAssertEqual(fnv(y), pinned[name], "\(name) on \(ISA.current)")
            }
        }
    }

    func testSaturationAndNaN() {
        onEveryBuild {
            let v = SIMD4<Double>(1e6, -1e6, .nan, .infinity)
            let t = Pointwise.tanh(v), s = Pointwise.sigmoid(v)
            XCTAssertEqual(t[0], 1); XCTAssertEqual(t[1], -1); XCTAssert(t[2].isNaN); XCTAssertEqual(t[3], 1)
            XCTAssertEqual(s[0], 1); XCTAssert(s[1] >= 0 && s[1] < 1e-300); XCTAssert(s[2].isNaN); XCTAssertEqual(s[3], 1)
            XCTAssert(Pointwise.exp(v)[2].isNaN)
        }
    }

    func testArrayFormsHandleRowsNotAMultipleOfFour() {
        onEveryBuild {
            var xs = (0..<7).map { Double($0) / 3 - 1 }
            xs.withUnsafeMutableBufferPointer { Pointwise.tanh($0.baseAddress!, count: 7) }
            for (i, y) in xs.enumerated() { XCTAssertEqual(y, Glibc.tanh(Double(i) / 3 - 1), accuracy: 1e-15) }
        }
    }
}
