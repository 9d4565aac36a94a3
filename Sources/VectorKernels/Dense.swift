/// Matrix products on row-major buffers, by the kernels of the build in use (ISA).
///
/// Every element of C is accumulated over k in ascending order with fused multiply-adds, whatever
/// the blocking and the vector width (lanes run across n, never across k): the same bits for any
/// shape split and on every build.
public enum Dense {
    /// The panel width the blocked kernels of the build in use read best: two vectors (8 or 16).
    public static var blockWidth: Int { ISA.table.blockWidth }

    /// The panel width single-row products of the build in use read best: 40, or 104 with AVX-512
    /// (their sums run side by side, up to 13 vectors and four columns: a 100-wide row in one loop).
    public static var rowPanelWidth: Int { ISA.table.rowPanelWidth }

    /// C[m, n] += Σ_k A[m·rowStrideA + k·colStrideA] · B[k·ldb + n]  for m < M, n < N, k < K.
    ///
    /// A strided A covers both A (rowStrideA = lda, colStrideA = 1) and Aᵀ (rowStrideA = 1,
    /// colStrideA = lda), which is what a weight gradient dW += dAᵀ X needs.
    ///
    /// With `initialRow`, C starts from that row (every row of C the same, as a bias) instead of
    /// from what C holds: C[m, n] = initialRow[n] + Σ_k ..., with no pass to fill C first.
    public static func gemm(M: Int, N: Int, K: Int,
                            A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                            B: UnsafePointer<Double>, ldb: Int,
                            C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>? = nil) {
        ISA.table.gemm(M: M, N: N, K: K, A: A, rowStrideA: rowStrideA, colStrideA: colStrideA, B: B, ldb: ldb, C: C, ldc: ldc,
                       initialRow: initialRow)
    }

    /// The same product with B (K × N) already laid out by `packPanels` with panels `width` wide
    /// (a multiple of 8).
    public static func gemm(M: Int, N: Int, K: Int,
                            A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                            panels: UnsafePointer<Double>, width: Int = Dense.blockWidth,
                            C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>? = nil) {
        ISA.table.gemm(M: M, N: N, K: K, A: A, rowStrideA: rowStrideA, colStrideA: colStrideA, panels: panels, width: width,
                       C: C, ldc: ldc, initialRow: initialRow)
    }

    /// C = initialRow + A₁B₁ + A₂B₂ (C + ... without initialRow), A₁ and A₂ row-major, B₁ and B₂ in
    /// panels `width` wide: bit for bit the two products one after the other into C, computed a
    /// tile of C at a time, so C is written once (a forward step's input and recurrent products).
    public static func gemm(M: Int, N: Int, K1: Int, A1: UnsafePointer<Double>, lda1: Int, panels1: UnsafePointer<Double>,
                            K2: Int, A2: UnsafePointer<Double>, lda2: Int, panels2: UnsafePointer<Double>,
                            width: Int = Dense.blockWidth, C: UnsafeMutablePointer<Double>, ldc: Int,
                            initialRow: UnsafePointer<Double>? = nil) {
        ISA.table.gemm(M: M, N: N, K1: K1, A1: A1, lda1: lda1, panels1: panels1, K2: K2, A2: A2, lda2: lda2, panels2: panels2,
                       width: width, C: C, ldc: ldc, initialRow: initialRow)
    }

    /// Copies B (K × N, row-major with leading dimension ldb) into P (K·N doubles) as column panels:
    /// each `width` columns K rows of `width` contiguous doubles, then the last N mod width columns
    /// the same way at their width. A panel is then read as one sequential stream, where row-major
    /// B jumps ldb doubles (for a 4H-wide weight, a new page every other k) and defeats the
    /// prefetcher. `blockWidth` suits the blocked kernels; `rowPanelWidth`, single rows.
    public static func packPanels(K: Int, N: Int, B: UnsafePointer<Double>, ldb: Int, into P: UnsafeMutablePointer<Double>,
                                  width: Int = Dense.blockWidth) {
        packPanels(rows: K, N: N, B: B, ldb: ldb, into: P, panelRows: K, firstRow: 0, width: width)
    }

    /// Rows of B into rows firstRow ..< firstRow + rows of panels made for panelRows rows in all:
    /// a product's B filled piece by piece while each piece is still in cache.
    public static func packPanels(rows: Int, N: Int, B: UnsafePointer<Double>, ldb: Int, into P: UnsafeMutablePointer<Double>,
                                  panelRows: Int, firstRow: Int, width: Int = Dense.blockWidth) {
        ISA.table.packPanels(rows: rows, N: N, B: B, ldb: ldb, into: P, panelRows: panelRows, firstRow: firstRow, width: width)
    }

    /// Wᵀ as column panels, from W (N × K, row-major with leading dimension ldw): the same P as
    /// `packPanels` of Wᵀ, with each panel transposed straight from W's rows (no Wᵀ in between).
    public static func packTransposedPanels(N: Int, K: Int, W: UnsafePointer<Double>, ldw: Int, into P: UnsafeMutablePointer<Double>,
                                            width: Int = Dense.blockWidth) {
        ISA.table.packTransposedPanels(N: N, K: K, W: W, ldw: ldw, into: P, width: width)
    }

    /// dst[n] = initial[n] + B[k, n] for n < N, B (K × N) in panels `width` wide; for k < 0,
    /// dst = initial. A product with a one-hot row rounds the same: initial + 0·B[i, n] ... + 1·B[k, n].
    public static func panelRow(_ k: Int, K: Int, N: Int, panels P: UnsafePointer<Double>, width: Int,
                                adding initial: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        ISA.table.panelRow(k, K: K, N: N, panels: P, width: width, adding: initial, into: dst)
    }

    /// dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols (`adding`: dst[c·ldd + r] += ...).
    public static func transpose(rows: Int, cols: Int, _ src: UnsafePointer<Double>, lds: Int,
                                 into dst: UnsafeMutablePointer<Double>, ldd: Int, adding: Bool = false) {
        ISA.table.transpose(rows: rows, cols: cols, src, lds: lds, into: dst, ldd: ldd, adding: adding)
    }

    /// out[n] += Σ_m A[m·lda + n], each column summed in row order (a product with a row of ones).
    public static func addColumnSums(M: Int, N: Int, A: UnsafePointer<Double>, lda: Int, into out: UnsafeMutablePointer<Double>) {
        ISA.table.addColumnSums(M: M, N: N, A: A, lda: lda, into: out)
    }
}
