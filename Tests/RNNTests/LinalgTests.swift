import XCTest
@testable import RNN

/// Eigenvalues and singular values against values worked out by hand, and against identities
/// (trace, traces of powers, Frobenius norm) on random non-symmetric matrices.
final class LinalgTests: XCTestCase {
    func eig(_ rows: [[Double]]) throws -> [Eigenvalue] { try Linalg.eigenvalues(Matrix(rows)) }

    func assertEigenvalues(_ got: [Eigenvalue], _ want: [(Double, Double)], accuracy: Double = 1e-10, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, file: file, line: line)
        for (g, w) in zip(got, want) {
            XCTAssertEqual(g.re, w.0, accuracy: accuracy, "\(got)", file: file, line: line)
            XCTAssertEqual(g.im, w.1, accuracy: accuracy, "\(got)", file: file, line: line)
        }
    }

    func testHandComputedEigenvalues() throws {
        assertEigenvalues(try eig([[2, 0], [0, 3]]), [(3, 0), (2, 0)])
        assertEigenvalues(try eig([[5]]), [(5, 0)])
        // A rotation by 90°: ±i.
        assertEigenvalues(try eig([[0, -1], [1, 0]]), [(0, 1), (0, -1)])
        // [[a, -b], [b, a]] has a ± bi.
        assertEigenvalues(try eig([[0.6, -0.8], [0.8, 0.6]]), [(0.6, 0.8), (0.6, -0.8)])
        // det [[1-λ, 2], [3, 4-λ]] = λ² - 5λ - 2: λ = (5 ± √33)/2.
        assertEigenvalues(try eig([[1, 2], [3, 4]]), [((5 + 33.0.squareRoot()) / 2, 0), ((5 - 33.0.squareRoot()) / 2, 0)])
        // Defective (a Jordan block): 1 twice.
        assertEigenvalues(try eig([[1, 1], [0, 1]]), [(1, 0), (1, 0)], accuracy: 1e-7)
        // Companion matrix of (λ - 2)(λ² + 1) = λ³ - 2λ² + λ - 2: 2, ±i (non-symmetric, 3×3).
        assertEigenvalues(try eig([[2, -1, 2], [1, 0, 0], [0, 1, 0]]), [(2, 0), (0, 1), (0, -1)])
        // Upper triangular: its diagonal.
        assertEigenvalues(try eig([[1, 5, 7], [0, -3, 2], [0, 0, 2]]), [(-3, 0), (2, 0), (1, 0)])
        // A 4-cycle permutation: the 4th roots of unity.
        assertEigenvalues(try eig([[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]), [(1, 0), (0, 1), (0, -1), (-1, 0)])
        XCTAssertEqual(try Linalg.spectralRadius(Matrix([[0.5, 1], [0, 0.9]])), 0.9, accuracy: 1e-14)
        XCTAssertEqual(try Linalg.spectralRadius(Matrix([[0, -2], [2, 0]])), 2, accuracy: 1e-14)
    }

    func testBadMatricesAreNamed() {
        XCTAssertThrowsError(try eig([])) { XCTAssertEqual($0 as? LinalgError, .empty) }
        XCTAssertThrowsError(try eig([[1, 2, 3], [4, 5, 6]])) { XCTAssertEqual($0 as? LinalgError, .notSquare(rows: 2, cols: 3)) }
        XCTAssertThrowsError(try eig([[1, .nan], [0, 1]])) { XCTAssertEqual($0 as? LinalgError, .notFinite) }
        XCTAssertThrowsError(try Linalg.singularValues(Matrix([]))) { XCTAssertEqual($0 as? LinalgError, .empty) }
    }

    func random(_ n: Int, _ m: Int, seed: UInt64) -> Matrix {
        var rng = SplitMix64(seed: seed)
        return Matrix(rows: n, cols: m, values: (0..<(n * m)).map { _ in rng.normal() })
    }

    func trace(_ m: Matrix) -> Double { (0..<m.rows).reduce(0) { $0 + m[$1, $1] } }

    /// Σ λ^k = tr(M^k) for k = 1, 2, 3: every eigenvalue, real and complex, is checked at once.
    func testRandomNonSymmetricMatricesSatisfyTracesOfPowers() throws {
        for (n, seed) in [(3, 1), (6, 2), (10, 3), (25, 4), (40, 5)] as [(Int, UInt64)] {
            let m = random(n, n, seed: seed)
            let ev = try Linalg.eigenvalues(m)
            XCTAssertEqual(ev.count, n)
            var power = m
            for k in 1...3 {
                var re = 0.0, im = 0.0
                for e in ev {
                    // (re + i·im)^k
                    var pr = 1.0, pi = 0.0
                    for _ in 0..<k { (pr, pi) = (pr * e.re - pi * e.im, pr * e.im + pi * e.re) }
                    re += pr; im += pi
                }
                let scale = power.frobeniusNorm * Double(n)
                XCTAssertEqual(re, trace(power), accuracy: 1e-9 * scale, "n=\(n) k=\(k)")
                XCTAssertEqual(im, 0, accuracy: 1e-9 * scale, "n=\(n) k=\(k)")
                power = power.times(m)
            }
            // Complex eigenvalues of a real matrix come in conjugate pairs, +im first.
            for (i, e) in ev.enumerated() where e.im > 0 {
                XCTAssertEqual(ev[i + 1].re, e.re, accuracy: 1e-12)
                XCTAssertEqual(ev[i + 1].im, -e.im, accuracy: 1e-12)
            }
            // Sorted by modulus.
            for i in 1..<n { XCTAssertGreaterThanOrEqual(ev[i - 1].modulus, ev[i].modulus - 1e-12) }
        }
    }

    func testBadlyScaledMatrix() throws {
        // A similarity D A D⁻¹ with D = diag(1, 1e6, 1e-6) has A's eigenvalues; balancing undoes D.
        let a = Matrix([[2, -1, 2], [1, 0, 0], [0, 1, 0]])
        let d = [1.0, 1e6, 1e-6]
        var b = a
        for i in 0..<3 { for j in 0..<3 { b[i, j] = d[i] * a[i, j] / d[j] } }
        assertEigenvalues(try Linalg.eigenvalues(b), [(2, 0), (0, 1), (0, -1)], accuracy: 1e-8)
    }

    func testHandComputedSingularValues() throws {
        XCTAssertEqual(try Linalg.singularValues(Matrix([[3, 0], [0, -2]])), [3, 2])
        // AAᵀ = [[14, 32], [32, 77]]: σ² = (91 ± √8065)/2.
        let sv = try Linalg.singularValues(Matrix([[1, 2, 3], [4, 5, 6]]))
        XCTAssertEqual(sv.count, 2)
        XCTAssertEqual(sv[0], ((91 + 8065.0.squareRoot()) / 2).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(sv[1], ((91 - 8065.0.squareRoot()) / 2).squareRoot(), accuracy: 1e-12)
        // The same for the transpose (a tall matrix).
        let svT = try Linalg.singularValues(Matrix([[1, 4], [2, 5], [3, 6]]))
        XCTAssertEqual(svT[0], sv[0], accuracy: 1e-12)
        XCTAssertEqual(svT[1], sv[1], accuracy: 1e-12)
        // A row vector: its length. A rank-one matrix: one nonzero value.
        XCTAssertEqual(try Linalg.singularValues(Matrix([[3, 4]])), [5])
        let rank1 = try Linalg.singularValues(Matrix([[1, 2], [2, 4]]))
        XCTAssertEqual(rank1[0], 5, accuracy: 1e-12)
        XCTAssertEqual(rank1[1], 0, accuracy: 1e-12)
        XCTAssertEqual(try Linalg.spectralNorm(Matrix([[0, -2], [2, 0]])), 2, accuracy: 1e-14)
    }

    func testRandomSingularValues() throws {
        for (r, c, seed) in [(5, 5, 7), (8, 3, 8), (3, 9, 9), (30, 30, 10)] as [(Int, Int, UInt64)] {
            let m = random(r, c, seed: seed)
            let sv = try Linalg.singularValues(m)
            XCTAssertEqual(sv.count, min(r, c))
            // Σ σ² = ‖M‖_F², and σ_i² are the eigenvalues of MᵀM (symmetric, real).
            XCTAssertEqual(sv.reduce(0) { $0 + $1 * $1 }, m.frobeniusNorm * m.frobeniusNorm, accuracy: 1e-10 * Double(r * c))
            let gram = r >= c ? m.transposed.times(m) : m.times(m.transposed)
            let ev = try Linalg.eigenvalues(gram)
            for (s, e) in zip(sv, ev) {
                XCTAssertEqual(e.im, 0, accuracy: 1e-9)
                XCTAssertEqual(s * s, e.re, accuracy: 1e-9 * sv[0] * sv[0])
            }
        }
        // The spectral norm of larger matrices (by the Gram matrix's eigenvalues) agrees with Jacobi.
        for (r, c, seed) in [(17, 17, 11), (40, 25, 12), (20, 60, 13)] as [(Int, Int, UInt64)] {
            let m = random(r, c, seed: seed)
            XCTAssertEqual(try Linalg.spectralNorm(m), try Linalg.singularValues(m)[0], accuracy: 1e-12 * Double(r * c))
        }
        // An orthogonal matrix: every singular value 1, every eigenvalue on the unit circle.
        var rng = SplitMix64(seed: 4)
        let q = Matrix(rows: 6, cols: 6, values: orthogonalMatrix(rows: 6, cols: 6, rng: &rng))
        for s in try Linalg.singularValues(q) { XCTAssertEqual(s, 1, accuracy: 1e-12) }
        for e in try Linalg.eigenvalues(q) { XCTAssertEqual(e.modulus, 1, accuracy: 1e-10) }
    }

    func testTheEuclideanNormNeitherOverflowsNorUnderflows() {
        XCTAssertEqual(Linalg.euclideanNorm([3, 4]), 5)
        XCTAssertEqual(Linalg.euclideanNorm([1e200, 1e200]), 1e200 * 2.0.squareRoot(), accuracy: 1e186)
        XCTAssertEqual(Linalg.euclideanNorm([3e-200, 4e-200]), 5e-200, accuracy: 1e-214)
        XCTAssertEqual(Linalg.euclideanNorm([]), 0)
        XCTAssertEqual(Linalg.euclideanNorm([0, 0]), 0)
        XCTAssertTrue(Linalg.euclideanNorm([1, .nan]).isNaN)
        XCTAssertEqual(Linalg.euclideanNorm([1, -.infinity]), .infinity)
        XCTAssertEqual(Matrix(rows: 1, cols: 2, values: [1e200, 1e200]).frobeniusNorm, 1e200 * 2.0.squareRoot(), accuracy: 1e186)
    }

    func testHugeAndTinyMatricesKeepTheirSpectra() throws {
        // Found by a probing helper: svd([[1e200,0],[0,1]]) was [inf, 1], of 1e-200s [0, 0], and eig gave inf.
        XCTAssertEqual(try Linalg.singularValues(Matrix(rows: 2, cols: 2, values: [1e200, 0, 0, 1])), [1e200, 1])
        let tiny = try Linalg.singularValues(Matrix(rows: 2, cols: 2, values: [1e-200, 0, 0, 1e-200]))
        XCTAssertEqual(tiny[0], 1e-200, accuracy: 1e-214)
        XCTAssertEqual(tiny[1], 1e-200, accuracy: 1e-214)
        let big = Matrix(rows: 2, cols: 2, values: [1e300, 1e300, -1e300, 1e300])
        let sv = try Linalg.singularValues(big)
        XCTAssertEqual(sv[0], 1e300 * 2.0.squareRoot(), accuracy: 1e288)
        XCTAssertEqual(sv[1], 1e300 * 2.0.squareRoot(), accuracy: 1e288)
        let ev = try Linalg.eigenvalues(big)
        XCTAssertEqual(ev.count, 2)
        for e in ev {
            XCTAssertEqual(e.re, 1e300, accuracy: 1e288)
            XCTAssertEqual(abs(e.im), 1e300, accuracy: 1e288)
        }
        XCTAssertEqual(Linalg.rescaling([0.5, 3]), 1, "a matrix in range is not scaled")
    }
}
