/// Matrix products on row-major buffers, register-blocked over vectors V (four doubles, or eight
/// where this module is compiled for AVX-512).
///
/// Every element of C is accumulated over k in ascending order with fused multiply-adds, whatever
/// the blocking and whatever the vector width: lanes run across n, never across k, so a wider
/// vector takes more columns at once and never splits one element's sum. A product therefore
/// gives the same bits for any shape split and on every build (baseline x86-64 computes the fused
/// operation in software, slowly but exactly).
enum Dense {
    /// Columns of one block of the blocked kernels (two vectors): the panel width they read best.
    static var blockWidth: Int { 2 * lanes }

    /// Rows of one block: eight where there are 32 vector registers (AVX-512: sixteen accumulators,
    /// and a 16-row shard is two blocks), six where there are 16 (twelve accumulators).
    static var rowBlock: Int { lanes > 4 ? 8 : 6 }

    /// Vectors of columns a single row sums at once: thirteen where there are 32 vector registers,
    /// ten where there are 16. Each sum waits on its own multiply-add every k, so the loop takes
    /// the latency (four cycles) a k whatever their number: the more columns, the fewer loops.
    static var rowVectors: Int { lanes > 4 ? 13 : 10 }

    /// The panel width single rows read best: 40 (ten vectors), or 56 with AVX-512 (seven). The
    /// engine reads a step's panels in the order opposite to the step before's, so the panels read
    /// last are read again first while they are in L1; a weight larger than L1 (hidden 100: 80 KB)
    /// read as one panel would leave none of itself there for the next step.
    static var rowPanelWidth: Int { lanes > 4 ? 56 : 40 }

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
        product(M: M, N: N, K: K, A: A, rowStrideA: rowStrideA, colStrideA: colStrideA,
                B: BLayout(base: B, ldb: ldb, K: K, N: N, packed: false), C: C, ldc: ldc, initialRow: initialRow)
    }

    /// The same product with B (K × N) already laid out by `packPanels` with panels `width` wide.
    public static func gemm(M: Int, N: Int, K: Int,
                            A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                            panels: UnsafePointer<Double>, width: Int = 8,
                            C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>? = nil) {
        precondition(width > 0 && width % 8 == 0, "panel width must be a multiple of 8")
        product(M: M, N: N, K: K, A: A, rowStrideA: rowStrideA, colStrideA: colStrideA,
                B: BLayout(base: panels, ldb: width, K: K, N: N, packed: true), C: C, ldc: ldc, initialRow: initialRow)
    }

    /// C = initialRow + A₁B₁ + A₂B₂ (C + A₁B₁ + A₂B₂ without initialRow), A₁ and A₂ row-major, B₁
    /// (K₁ × N) and B₂ (K₂ × N) in panels `width` wide: bit for bit what the product of A₁B₁ and then
    /// that of A₂B₂ into the same C give (each element sums the first's k in order, then the
    /// second's), but a tile at a time, so each tile of C is written once and is still in L1 when the
    /// second product adds to it. A forward step's x_t W_xᵀ + b and h_{t−1} W_hᵀ go into gate rows
    /// that are in no cache: one pass over them instead of two. Shapes the blocked tiles do not cover
    /// exactly run as the two products.
    public static func gemm(M: Int, N: Int, K1: Int, A1: UnsafePointer<Double>, lda1: Int, panels1: UnsafePointer<Double>,
                            K2: Int, A2: UnsafePointer<Double>, lda2: Int, panels2: UnsafePointer<Double>, width: Int,
                            C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?) {
        precondition(width > 0 && width % 8 == 0, "panel width must be a multiple of 8")
        let L = lanes, NB = 2 * L, R = rowBlock, M6 = M - M % R
        guard M > 0, N > 0, N % NB == 0, M == M6 || M - M6 == 4, K1 > 0, K2 > 0 else {
            gemm(M: M, N: N, K: K1, A: A1, rowStrideA: lda1, colStrideA: 1, panels: panels1, width: width, C: C, ldc: ldc,
                 initialRow: initialRow)
            gemm(M: M, N: N, K: K2, A: A2, rowStrideA: lda2, colStrideA: 1, panels: panels2, width: width, C: C, ldc: ldc)
            return
        }
        let B1 = BLayout(base: panels1, ldb: width, K: K1, N: N, packed: true)
        let B2 = BLayout(base: panels2, ldb: width, K: K2, N: N, packed: true)
        let kc = 256
        /// Rows from m (a block of R, or the last four across every column) by the columns from n
        /// (one block, or all of them), over one product's k in blocks, each block starting from what
        /// the one before stored (the first, from the initial row when there is one).
        @inline(__always)
        func segment(_ rows: Int, _ m: Int, _ n: Int, _ K: Int, _ A: UnsafePointer<Double>, _ lda: Int, _ B: BLayout, first: Bool,
                     wide: Bool = false) {
            var k0 = 0
            while k0 < K {
                let kb = min(kc, K - k0)
                let c = C + m * ldc + n, a = A + m * lda + k0
                let (cin, ldcin): (UnsafePointer<Double>, Int) = first && k0 == 0 && initialRow != nil ? (initialRow! + n, 0) : (UnsafePointer(c), ldc)
                if rows == R {
                    let (b0, ld0) = B.at(n, k0), (b1, ld1) = B.at(n + L, k0)
                    kRxB(kb, a, lda, 1, b0, ld0, b1, ld1, c, ldc, cin, ldcin)
                } else {
                    fourRows(kb, a, lda, 1, B, k0, n, wide, c, ldc, cin, ldcin)
                }
                k0 += kb
            }
        }
        // Both products within one k block: each R-row tile sums both in registers (kRxB2) and
        // stores once, its operands found once per column block.
        let oneBlock = K1 <= kc && K2 <= kc
        var n = 0
        while n < N {
            var m = 0
            if oneBlock {
                let (b10, l10) = B1.at(n, 0), (b11, l11) = B1.at(n + L, 0), (b20, l20) = B2.at(n, 0), (b21, l21) = B2.at(n + L, 0)
                while m < M6 {
                    let c = C + m * ldc + n
                    let (cin, ldcin): (UnsafePointer<Double>, Int) = initialRow.map { ($0 + n, 0) } ?? (UnsafePointer(c), ldc)
                    kRxB2(BlockOperands(K: K1, A: A1 + m * lda1, rs: lda1, cs: 1, B0: b10, ld0: l10, B1: b11, ld1: l11),
                          BlockOperands(K: K2, A: A2 + m * lda2, rs: lda2, cs: 1, B0: b20, ld0: l20, B1: b21, ld1: l21), c, ldc, cin, ldcin)
                    m += R
                }
            }
            while m < M6 {
                segment(R, m, n, K1, A1, lda1, B1, first: true)
                segment(R, m, n, K2, A2, lda2, B2, first: false)
                m += R
            }
            n += NB
            // The last four rows take the columns the row blocks have just read (fourRowsDue).
            if M > M6, let (from, wide) = fourRowsDue(after: n, N: N) {
                segment(4, M6, from, K1, A1, lda1, B1, first: true, wide: wide)
                segment(4, M6, from, K2, A2, lda2, B2, first: false, wide: wide)
            }
        }
    }

    /// Where a block of four rows catches up once the row blocks have done the columns below n (of
    /// N, a multiple of two vectors), and whether it takes 24 columns: nil if not yet. With four
    /// lanes it takes three vectors of columns at a time (`fourRows`), so it goes in steps of 24
    /// columns and then a block at a time; with eight, a block at a time. Each catch-up reads B's
    /// columns while the row blocks have just left them in L1.
    @inline(__always)
    static func fourRowsDue(after n: Int, N: Int) -> (from: Int, wide: Bool)? {
        let NB = 2 * lanes
        guard lanes == 4 else { return (n - NB, false) }
        let group = 6 * lanes, grouped = N - N % group
        if n <= grouped { return n % group == 0 ? (n - group, true) : nil }
        return (n - NB, false)
    }

    /// Four rows (from A, into C and from I at their first row) by the columns from n that
    /// `fourRowsDue` hands over: 24 (three vectors at a time, twice) with four lanes where the
    /// columns come in groups of 24, else one block of two vectors. With four lanes (16
    /// registers) three vectors make twelve sums, as the six-row blocks have, where four rows by two
    /// vectors kept eight and took about 6% more time a multiply-add than the six-row blocks.
    @inline(__always)
    static func fourRows(_ kb: Int, _ a: UnsafePointer<Double>, _ rs: Int, _ cs: Int, _ B: BLayout, _ k0: Int, _ n: Int, _ wide: Bool,
                         _ C: UnsafeMutablePointer<Double>, _ ldc: Int, _ cin: UnsafePointer<Double>, _ ldcin: Int) {
        let L = lanes
        if wide {
            @inline(__always) func third(_ j: Int) {
                let (b0, ld0) = B.at(n + j, k0), (b1, ld1) = B.at(n + j + L, k0), (b2, ld2) = B.at(n + j + 2 * L, k0)
                k4x3V(kb, a, rs, cs, b0, ld0, b1, ld1, b2, ld2, C + j, ldc, cin + j, ldcin)
            }
            third(0)
            third(3 * L)
        } else {
            let (b0, ld0) = B.at(n, k0), (b1, ld1) = B.at(n + L, k0)
            k4xB(kb, a, rs, cs, b0, ld0, b1, ld1, C, ldc, cin, ldcin)
        }
    }

    /// Copies B (K × N, row-major with leading dimension ldb) into P (K·N doubles) as column panels:
    /// each `width` columns K rows of `width` contiguous doubles, then the last N mod width columns
    /// the same way at their width. A panel is then read as one sequential stream, where row-major
    /// B jumps ldb doubles (for a 4H-wide weight, a new page every other k) and defeats the
    /// prefetcher. `blockWidth` (two vectors) suits the blocked kernels; `rowPanelWidth`,
    /// single rows.
    public static func packPanels(K: Int, N: Int, B: UnsafePointer<Double>, ldb: Int, into P: UnsafeMutablePointer<Double>,
                                  width: Int = 8) {
        packPanels(rows: K, N: N, B: B, ldb: ldb, into: P, panelRows: K, firstRow: 0, width: width)
    }

    /// Rows of B into rows firstRow ..< firstRow + rows of panels made for panelRows rows in all:
    /// a product's B filled piece by piece while each piece is still in cache.
    public static func packPanels(rows: Int, N: Int, B: UnsafePointer<Double>, ldb: Int, into P: UnsafeMutablePointer<Double>,
                                  panelRows: Int, firstRow: Int, width: Int = 8) {
        precondition(width > 0 && width % 8 == 0, "panel width must be a multiple of 8")
        let NF = N - N % width, tw = N - NF
        var n = 0
        while n < NF {
            var p = P + n * panelRows + firstRow * width
            for k in 0..<rows {
                let row = B + k * ldb + n
                var j = 0
                while j < width {
                    store4(load4(row + j), p + j)
                    store4(load4(row + j + 4), p + j + 4)
                    j += 8
                }
                p += width
            }
            n += width
        }
        if tw > 0 {
            var p = P + NF * panelRows + firstRow * tw
            for k in 0..<rows {
                let row = B + k * ldb + NF
                for j in 0..<tw { p[j] = row[j] }
                p += tw
            }
        }
    }

    /// Wᵀ as column panels, from W (N × K, row-major with leading dimension ldw): the same P as
    /// `packPanels` of Wᵀ, with each panel transposed straight from W's rows (no Wᵀ in between).
    public static func packTransposedPanels(N: Int, K: Int, W: UnsafePointer<Double>, ldw: Int, into P: UnsafeMutablePointer<Double>,
                                            width: Int = 8) {
        precondition(width > 0 && width % 8 == 0, "panel width must be a multiple of 8")
        var n = 0
        while n < N {
            let w = N - n >= width ? width : N - n
            transpose(rows: w, cols: K, W + n * ldw, lds: ldw, into: P + n * K, ldd: w)
            n += w
        }
    }

    /// dst[n] = initial[n] + B[k, n] for n < N, B (K × N) in panels `width` wide; for k < 0,
    /// dst = initial. A product with a one-hot row rounds the same: initial + 0·B[i, n] ... + 1·B[k, n].
    public static func panelRow(_ k: Int, K: Int, N: Int, panels P: UnsafePointer<Double>, width: Int,
                                adding initial: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        guard k >= 0 else { dst.update(from: initial, count: N); return }
        let B = BLayout(base: P, ldb: width, K: K, N: N, packed: true)
        var n = 0
        while n < N {
            // Panel by panel: row k of each is contiguous.
            let (src, _) = B.at(n, k), w = B.run(from: n)
            for j in 0..<w { dst[n + j] = initial[n + j] + src[j] }
            n += w
        }
    }

    /// Where B[k, n] is and how far its next row is, in either layout (packed: panels ldb wide).
    struct BLayout {
        let base: UnsafePointer<Double>
        let ldb: Int
        let K: Int
        let N: Int
        let packed: Bool

        @inline(__always)
        func at(_ n: Int, _ k: Int) -> (UnsafePointer<Double>, Int) {
            guard packed else { return (base + k * ldb + n, ldb) }
            let w = ldb, NF = N - N % w
            if n < NF { return (base + (n - n % w) * K + k * w + n % w, w) }
            let tw = N - NF
            return (base + NF * K + k * tw + (n - NF), tw)
        }

        /// How many columns from n share one row stride.
        @inline(__always)
        func run(from n: Int) -> Int {
            guard packed else { return N - n }
            let w = ldb, NF = N - N % w
            return n < NF ? w - n % w : N - n
        }
    }

    @inline(__always)
    static func product(M: Int, N: Int, K: Int,
                        A: UnsafePointer<Double>, rowStrideA: Int, colStrideA: Int,
                        B: BLayout,
                        C: UnsafeMutablePointer<Double>, ldc: Int, initialRow: UnsafePointer<Double>?) {
        guard M > 0, N > 0 else { return }
        guard K > 0 else {
            if let initialRow { for m in 0..<M { (C + m * ldc).update(from: initialRow, count: N) } }
            return
        }
        // K in blocks so one B panel (kc × a block) stays in L1 across the row blocks; C carries the
        // running sum from block to block, so the k order is unchanged.
        let kc = 256
        // Rows below M4 go through the R- and 4-row blocks two vectors wide, the rest one at a time.
        let L = lanes, NB = 2 * L, R = rowBlock
        let M6 = M - M % R, NBF = N - N % NB
        let M4 = M - M6 >= 4 ? M6 + 4 : M6
        var k0 = 0
        while k0 < K {
            let kb = min(kc, K - k0)
            let a = A + k0 * colStrideA
            // Where each block starts its sums: the initial row for the first, C afterwards.
            let (cin, ldcin): (UnsafePointer<Double>, Int) = k0 == 0 && initialRow != nil ? (initialRow!, 0) : (UnsafePointer(C), ldc)
            // (Fewer than four rows skip straight to the single-row kernels.)
            var n = 0
            while M4 > 0 && n < NBF {
                // Each half of the block from where B keeps it (a panel narrower than the block
                // puts its halves in two panels).
                let (b0, ld0) = B.at(n, k0), (b1, ld1) = B.at(n + L, k0)
                var m = 0
                while m < M6 {
                    kRxB(kb, a + m * rowStrideA, rowStrideA, colStrideA, b0, ld0, b1, ld1, C + m * ldc + n, ldc, cin + m * ldcin + n, ldcin)
                    m += R
                }
                n += NB
                // The four rows past the row blocks take the columns those have just read (fourRowsDue).
                if M4 > M6, let (from, wide) = fourRowsDue(after: n, N: NBF) {
                    fourRows(kb, a + M6 * rowStrideA, rowStrideA, colStrideA, B, k0, from, wide, C + M6 * ldc + from, ldc,
                             cin + M6 * ldcin + from, ldcin)
                }
            }
            // Aᵀ with few columns (dW_x for a narrow input): run down the rows four lanes wide
            // instead, each lane still summing its own k in order.
            let downRows = rowStrideA == 1 && N < 8
            var rowsDone = 0
            if downRows {
                while rowsDone + 16 <= M {
                    for n in 0..<N {
                        let (b, ldb) = B.at(n, k0)
                        kT16x1(kb, a + rowsDone, colStrideA, b, ldb, C + rowsDone * ldc + n, ldc, cin + rowsDone * ldcin + n, ldcin)
                    }
                    rowsDone += 16
                }
            } else {
                // The R-row blocks' last N mod NB columns: still R sums at once.
                var m = 0
                while m < M6 {
                    let am = a + m * rowStrideA
                    var n = NBF
                    if L > 4 && N - n >= L {
                        let (b, ldb) = B.at(n, k0)
                        kRxV(kb, am, rowStrideA, colStrideA, b, ldb, C + m * ldc + n, ldc, cin + m * ldcin + n, ldcin)
                        n += L
                    }
                    if N - n >= 4 {
                        let (b, ldb) = B.at(n, k0)
                        kRx4(kb, am, rowStrideA, colStrideA, b, ldb, C + m * ldc + n, ldc, cin + m * ldcin + n, ldcin)
                        n += 4
                    }
                    while n < N {
                        let (b, ldb) = B.at(n, k0)
                        kRx1(kb, am, rowStrideA, colStrideA, b, ldb, C + m * ldc + n, ldc, cin + m * ldcin + n, ldcin)
                        n += 1
                    }
                    m += R
                }
                rowsDone = M6
            }
            for m in rowsDone..<M {
                let am = a + m * rowStrideA, cm = C + m * ldc, ci = cin + m * ldcin
                // Rows below M4 already have their first NBF columns.
                var n = m < M4 ? NBF : 0
                // Single rows (batch-1 training, leftovers): up to `rowVectors` vectors of columns
                // at once (a panel of `rowPanelWidth`), and with eight lanes a panel's last four
                // columns in the same loop (alone they would take the loop's latency again).
                while N - n >= L {
                    let run = B.run(from: n), nv = min(rowVectors, run / L)
                    let rest = run - nv * L, plus4 = L > 4 && rest >= 4 && rest < L
                    let (b, ldb) = B.at(n, k0)
                    if plus4 { k1xV4(nv, kb, am, colStrideA, b, ldb, cm + n, ci + n) } else { k1xV(nv, kb, am, colStrideA, b, ldb, cm + n, ci + n) }
                    n += L * nv + (plus4 ? 4 : 0)
                }
                if L > 4 && N - n >= 4 {
                    let (b, ldb) = B.at(n, k0)
                    k1x4(kb, am, colStrideA, b, ldb, cm + n, ci + n)
                    n += 4
                }
                while n < N {
                    let (b, ldb) = B.at(n, k0)
                    k1x1(kb, am, colStrideA, b, ldb, cm + n, ci + n)
                    n += 1
                }
            }
            k0 += kb
        }
    }

    /// dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols (`adding`: dst[c·ldd + r] += ...):
    /// four-by-four tiles, so each tile's four destination rows take four values at a time rather
    /// than one value a row.
    public static func transpose(rows: Int, cols: Int, _ src: UnsafePointer<Double>, lds: Int,
                                 into dst: UnsafeMutablePointer<Double>, ldd: Int, adding: Bool = false) {
        if adding { transposeBody(true, rows, cols, src, lds, dst, ldd) } else { transposeBody(false, rows, cols, src, lds, dst, ldd) }
    }

    @inline(__always)
    static func transposeBody(_ adding: Bool, _ rows: Int, _ cols: Int, _ src: UnsafePointer<Double>, _ lds: Int,
                              _ dst: UnsafeMutablePointer<Double>, _ ldd: Int) {
        @inline(__always) func put(_ v: SIMD4<Double>, _ d: UnsafeMutablePointer<Double>) { store4(adding ? load4(d) + v : v, d) }
        @inline(__always) func put1(_ v: Double, _ d: UnsafeMutablePointer<Double>) { d[0] = adding ? d[0] + v : v }
        let R4 = rows - rows % 4, C4 = cols - cols % 4
        var r = 0
        while r < R4 {
            var c = 0
            while c < C4 {
                let s = src + r * lds + c
                let v0 = load4(s), v1 = load4(s + lds), v2 = load4(s + 2 * lds), v3 = load4(s + 3 * lds)
                let d = dst + c * ldd + r
                put(SIMD4(v0[0], v1[0], v2[0], v3[0]), d)
                put(SIMD4(v0[1], v1[1], v2[1], v3[1]), d + ldd)
                put(SIMD4(v0[2], v1[2], v2[2], v3[2]), d + 2 * ldd)
                put(SIMD4(v0[3], v1[3], v2[3], v3[3]), d + 3 * ldd)
                c += 4
            }
            for c in C4..<cols { for q in 0..<4 { put1(src[(r + q) * lds + c], dst + c * ldd + r + q) } }
            r += 4
        }
        for r in R4..<rows { for c in 0..<cols { put1(src[r * lds + c], dst + c * ldd + r) } }
    }

    /// out[n] += Σ_m A[m·lda + n], each column summed in row order: a product with a row of ones
    /// (1·x + s rounds exactly as x + s does), so it runs on the same blocked kernels.
    public static func addColumnSums(M: Int, N: Int, A: UnsafePointer<Double>, lda: Int, into out: UnsafeMutablePointer<Double>) {
        withUnsafePointer(to: 1.0) { one in
            gemm(M: 1, N: N, K: M, A: one, rowStrideA: 0, colStrideA: 0, B: A, ldb: lda, C: out, ldc: N)
        }
    }

    /// R rows by two vectors of columns: 2R accumulators, two B loads and R broadcasts per k.
    @inline(never)
    static func kRxB(_ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                     _ B0: UnsafePointer<Double>, _ ld0: Int, _ B1: UnsafePointer<Double>, _ ld1: Int,
                     _ C: UnsafeMutablePointer<Double>, _ ldc: Int, _ I: UnsafePointer<Double>, _ ldi: Int) {
        kRowsxB(rowBlock, BlockOperands(K: K, A: A, rs: rs, cs: cs, B0: B0, ld0: ld0, B1: B1, ld1: ld1), nil, C, ldc, I, ldi)
    }

    /// The same block over two products, one after the other, in the same sums: what kRxB of the
    /// first and then kRxB of the second into the same C give, with no store and load between.
    @inline(never)
    static func kRxB2(_ first: BlockOperands, _ second: BlockOperands,
                      _ C: UnsafeMutablePointer<Double>, _ ldc: Int, _ I: UnsafePointer<Double>, _ ldi: Int) {
        kRowsxB(rowBlock, first, second, C, ldc, I, ldi)
    }

    /// Four rows by two vectors: the rows a 6-row blocking leaves (16 = 6 + 6 + 4).
    @inline(never)
    static func k4xB(_ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                     _ B0: UnsafePointer<Double>, _ ld0: Int, _ B1: UnsafePointer<Double>, _ ld1: Int,
                     _ C: UnsafeMutablePointer<Double>, _ ldc: Int, _ I: UnsafePointer<Double>, _ ldi: Int) {
        kRowsxB(4, BlockOperands(K: K, A: A, rs: rs, cs: cs, B0: B0, ld0: ld0, B1: B1, ld1: ld1), nil, C, ldc, I, ldi)
    }

    /// Four rows by three vectors of columns (four-lane builds: twelve sums, three B loads and four
    /// broadcasts a k).
    @inline(never)
    static func k4x3V(_ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                      _ B0: UnsafePointer<Double>, _ ld0: Int, _ B1: UnsafePointer<Double>, _ ld1: Int,
                      _ B2: UnsafePointer<Double>, _ ld2: Int,
                      _ C: UnsafeMutablePointer<Double>, _ ldc: Int, _ I: UnsafePointer<Double>, _ ldi: Int) {
        let L = lanes
        var c00 = loadV(I), c01 = loadV(I + L), c02 = loadV(I + 2 * L)
        var c10 = loadV(I + ldi), c11 = loadV(I + ldi + L), c12 = loadV(I + ldi + 2 * L)
        var c20 = loadV(I + 2 * ldi), c21 = loadV(I + 2 * ldi + L), c22 = loadV(I + 2 * ldi + 2 * L)
        var c30 = loadV(I + 3 * ldi), c31 = loadV(I + 3 * ldi + L), c32 = loadV(I + 3 * ldi + 2 * L)
        var a0 = A, a1 = A + rs, a2 = A + 2 * rs, a3 = A + 3 * rs
        var b0 = B0, b1 = B1, b2 = B2
        for _ in 0..<K {
            let v0 = loadV(b0), v1 = loadV(b1), v2 = loadV(b2)
            var v = V(repeating: a0[0])
            c00 = c00.addingProduct(v, v0); c01 = c01.addingProduct(v, v1); c02 = c02.addingProduct(v, v2)
            v = V(repeating: a1[0])
            c10 = c10.addingProduct(v, v0); c11 = c11.addingProduct(v, v1); c12 = c12.addingProduct(v, v2)
            v = V(repeating: a2[0])
            c20 = c20.addingProduct(v, v0); c21 = c21.addingProduct(v, v1); c22 = c22.addingProduct(v, v2)
            v = V(repeating: a3[0])
            c30 = c30.addingProduct(v, v0); c31 = c31.addingProduct(v, v1); c32 = c32.addingProduct(v, v2)
            a0 += cs; a1 += cs; a2 += cs; a3 += cs
            b0 += ld0; b1 += ld1; b2 += ld2
        }
        storeV(c00, C); storeV(c01, C + L); storeV(c02, C + 2 * L)
        storeV(c10, C + ldc); storeV(c11, C + ldc + L); storeV(c12, C + ldc + 2 * L)
        storeV(c20, C + 2 * ldc); storeV(c21, C + 2 * ldc + L); storeV(c22, C + 2 * ldc + 2 * L)
        storeV(c30, C + 3 * ldc); storeV(c31, C + 3 * ldc + L); storeV(c32, C + 3 * ldc + 2 * L)
    }

    /// One product's operands for a block of rows by two vectors of columns: K values of k, the
    /// rows of A from A (rs apart, cs from one k to the next), and the block's two vectors of B's
    /// columns from B0 and B1 (ld0 and ld1 from one k to the next).
    struct BlockOperands {
        let K: Int, A: UnsafePointer<Double>, rs: Int, cs: Int
        let B0: UnsafePointer<Double>, ld0: Int, B1: UnsafePointer<Double>, ld1: Int
    }

    /// `rows` (4, 6 or 8) rows by two vectors of columns, over `first`'s k and then `second`'s (if
    /// any) in the same sums. Always inlined with a constant `rows` and a literal nil or not, so the
    /// `rows > 4` and `rows > 6` tests and the second product's test fold away and each caller gets
    /// its own straight loops.
    @inline(__always)
    static func kRowsxB(_ rows: Int, _ first: BlockOperands, _ second: BlockOperands?,
                        _ C: UnsafeMutablePointer<Double>, _ ldc: Int, _ I: UnsafePointer<Double>, _ ldi: Int) {
        let z = V(), L = lanes
        let six = rows > 4, eight = rows > 6
        var c00 = loadV(I), c01 = loadV(I + L)
        var c10 = loadV(I + ldi), c11 = loadV(I + ldi + L)
        var c20 = loadV(I + 2 * ldi), c21 = loadV(I + 2 * ldi + L)
        var c30 = loadV(I + 3 * ldi), c31 = loadV(I + 3 * ldi + L)
        var c40 = six ? loadV(I + 4 * ldi) : z, c41 = six ? loadV(I + 4 * ldi + L) : z
        var c50 = six ? loadV(I + 5 * ldi) : z, c51 = six ? loadV(I + 5 * ldi + L) : z
        var c60 = eight ? loadV(I + 6 * ldi) : z, c61 = eight ? loadV(I + 6 * ldi + L) : z
        var c70 = eight ? loadV(I + 7 * ldi) : z, c71 = eight ? loadV(I + 7 * ldi + L) : z
        @inline(__always) func accumulate(_ o: BlockOperands) {
            let A = o.A, rs = o.rs, cs = o.cs, ld0 = o.ld0, ld1 = o.ld1
            // One pointer a row, each stepped on its own: computed from one another (a + rs, + rs, ...),
            // they would chain R dependent additions through every iteration.
            var a0 = A, a1 = A + rs, a2 = A + 2 * rs, a3 = A + 3 * rs
            var a4 = six ? A + 4 * rs : A, a5 = six ? A + 5 * rs : A, a6 = eight ? A + 6 * rs : A, a7 = eight ? A + 7 * rs : A
            var b0 = o.B0, b1 = o.B1
            for _ in 0..<o.K {
                let v0 = loadV(b0), v1 = loadV(b1)
                var v = V(repeating: a0[0])
                c00 = c00.addingProduct(v, v0); c01 = c01.addingProduct(v, v1)
                v = V(repeating: a1[0])
                c10 = c10.addingProduct(v, v0); c11 = c11.addingProduct(v, v1)
                v = V(repeating: a2[0])
                c20 = c20.addingProduct(v, v0); c21 = c21.addingProduct(v, v1)
                v = V(repeating: a3[0])
                c30 = c30.addingProduct(v, v0); c31 = c31.addingProduct(v, v1)
                if six {
                    v = V(repeating: a4[0])
                    c40 = c40.addingProduct(v, v0); c41 = c41.addingProduct(v, v1)
                    v = V(repeating: a5[0])
                    c50 = c50.addingProduct(v, v0); c51 = c51.addingProduct(v, v1)
                }
                if eight {
                    v = V(repeating: a6[0])
                    c60 = c60.addingProduct(v, v0); c61 = c61.addingProduct(v, v1)
                    v = V(repeating: a7[0])
                    c70 = c70.addingProduct(v, v0); c71 = c71.addingProduct(v, v1)
                }
                a0 += cs; a1 += cs; a2 += cs; a3 += cs
                if six { a4 += cs; a5 += cs }
                if eight { a6 += cs; a7 += cs }
                b0 += ld0
                b1 += ld1
            }
        }
        accumulate(first)
        if let second { accumulate(second) }
        storeV(c00, C); storeV(c01, C + L)
        storeV(c10, C + ldc); storeV(c11, C + ldc + L)
        storeV(c20, C + 2 * ldc); storeV(c21, C + 2 * ldc + L)
        storeV(c30, C + 3 * ldc); storeV(c31, C + 3 * ldc + L)
        if six {
            storeV(c40, C + 4 * ldc); storeV(c41, C + 4 * ldc + L)
            storeV(c50, C + 5 * ldc); storeV(c51, C + 5 * ldc + L)
        }
        if eight {
            storeV(c60, C + 6 * ldc); storeV(c61, C + 6 * ldc + L)
            storeV(c70, C + 7 * ldc); storeV(c71, C + 7 * ldc + L)
        }
    }

    /// One row by nv vectors of columns (nv ≤ rowVectors): nv independent sums, one loop compiled
    /// for each nv (the switch hands the body a constant, so its `nv > j` tests fold away).
    @inline(never)
    static func k1xV(_ nv: Int, _ K: Int, _ A: UnsafePointer<Double>, _ cs: Int,
                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ I: UnsafePointer<Double>) {
        switch nv {
        case 13: k1xWBody(V.self, 13, false, K, A, cs, B, ldb, C, I)
        case 12: k1xWBody(V.self, 12, false, K, A, cs, B, ldb, C, I)
        case 11: k1xWBody(V.self, 11, false, K, A, cs, B, ldb, C, I)
        case 10: k1xWBody(V.self, 10, false, K, A, cs, B, ldb, C, I)
        case 9: k1xWBody(V.self, 9, false, K, A, cs, B, ldb, C, I)
        case 8: k1xWBody(V.self, 8, false, K, A, cs, B, ldb, C, I)
        case 7: k1xWBody(V.self, 7, false, K, A, cs, B, ldb, C, I)
        case 6: k1xWBody(V.self, 6, false, K, A, cs, B, ldb, C, I)
        case 5: k1xWBody(V.self, 5, false, K, A, cs, B, ldb, C, I)
        case 4: k1xWBody(V.self, 4, false, K, A, cs, B, ldb, C, I)
        case 3: k1xWBody(V.self, 3, false, K, A, cs, B, ldb, C, I)
        case 2: k1xWBody(V.self, 2, false, K, A, cs, B, ldb, C, I)
        default: k1xWBody(V.self, 1, false, K, A, cs, B, ldb, C, I)
        }
    }

    /// One row by nv vectors and then four columns (eight lanes: a panel's last N mod 8 ≥ 4).
    @inline(never)
    static func k1xV4(_ nv: Int, _ K: Int, _ A: UnsafePointer<Double>, _ cs: Int,
                      _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ I: UnsafePointer<Double>) {
        switch nv {
        case 13: k1xWBody(V.self, 13, true, K, A, cs, B, ldb, C, I)
        case 12: k1xWBody(V.self, 12, true, K, A, cs, B, ldb, C, I)
        case 11: k1xWBody(V.self, 11, true, K, A, cs, B, ldb, C, I)
        case 10: k1xWBody(V.self, 10, true, K, A, cs, B, ldb, C, I)
        case 9: k1xWBody(V.self, 9, true, K, A, cs, B, ldb, C, I)
        case 8: k1xWBody(V.self, 8, true, K, A, cs, B, ldb, C, I)
        case 7: k1xWBody(V.self, 7, true, K, A, cs, B, ldb, C, I)
        case 6: k1xWBody(V.self, 6, true, K, A, cs, B, ldb, C, I)
        case 5: k1xWBody(V.self, 5, true, K, A, cs, B, ldb, C, I)
        case 4: k1xWBody(V.self, 4, true, K, A, cs, B, ldb, C, I)
        case 3: k1xWBody(V.self, 3, true, K, A, cs, B, ldb, C, I)
        case 2: k1xWBody(V.self, 2, true, K, A, cs, B, ldb, C, I)
        default: k1xWBody(V.self, 1, true, K, A, cs, B, ldb, C, I)
        }
    }

    /// One row by four columns, where V is wider than four (a row's last N mod 8 columns).
    @inline(never)
    static func k1x4(_ K: Int, _ A: UnsafePointer<Double>, _ cs: Int,
                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ I: UnsafePointer<Double>) {
        k1xWBody(SIMD4<Double>.self, 1, false, K, A, cs, B, ldb, C, I)
    }

    /// One row by nv vectors W (and, with `plus4`, four more columns as a SIMD4): transparent, so
    /// each caller gets it with a constant nv and a concrete W (as a generic the inliner left it a
    /// call, testing nv > j in the loop).
    @_transparent
    static func k1xWBody<W: SIMD>(_: W.Type, _ nv: Int, _ plus4: Bool, _ K: Int, _ A: UnsafePointer<Double>, _ cs: Int,
                                  _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ I: UnsafePointer<Double>)
    where W.Scalar == Double {
        let z = W(), L = W.scalarCount, f = nv * L
        @inline(__always) func ld(_ p: UnsafePointer<Double>) -> W { loadW(p, W.self) }
        var c0 = ld(I)
        var c1 = nv > 1 ? ld(I + L) : z, c2 = nv > 2 ? ld(I + 2 * L) : z, c3 = nv > 3 ? ld(I + 3 * L) : z
        var c4 = nv > 4 ? ld(I + 4 * L) : z, c5 = nv > 5 ? ld(I + 5 * L) : z, c6 = nv > 6 ? ld(I + 6 * L) : z
        var c7 = nv > 7 ? ld(I + 7 * L) : z, c8 = nv > 8 ? ld(I + 8 * L) : z, c9 = nv > 9 ? ld(I + 9 * L) : z
        var c10 = nv > 10 ? ld(I + 10 * L) : z, c11 = nv > 11 ? ld(I + 11 * L) : z, c12 = nv > 12 ? ld(I + 12 * L) : z
        var c4x = plus4 ? load4(I + f) : SIMD4<Double>()
        var a = A, b = B
        for _ in 0..<K {
            let v = W(repeating: a[0])
            c0 = c0.addingProduct(v, ld(b))
            if nv > 1 { c1 = c1.addingProduct(v, ld(b + L)) }
            if nv > 2 { c2 = c2.addingProduct(v, ld(b + 2 * L)) }
            if nv > 3 { c3 = c3.addingProduct(v, ld(b + 3 * L)) }
            if nv > 4 { c4 = c4.addingProduct(v, ld(b + 4 * L)) }
            if nv > 5 { c5 = c5.addingProduct(v, ld(b + 5 * L)) }
            if nv > 6 { c6 = c6.addingProduct(v, ld(b + 6 * L)) }
            if nv > 7 { c7 = c7.addingProduct(v, ld(b + 7 * L)) }
            if nv > 8 { c8 = c8.addingProduct(v, ld(b + 8 * L)) }
            if nv > 9 { c9 = c9.addingProduct(v, ld(b + 9 * L)) }
            if nv > 10 { c10 = c10.addingProduct(v, ld(b + 10 * L)) }
            if nv > 11 { c11 = c11.addingProduct(v, ld(b + 11 * L)) }
            if nv > 12 { c12 = c12.addingProduct(v, ld(b + 12 * L)) }
            if plus4 { c4x = c4x.addingProduct(SIMD4(repeating: a[0]), load4(b + f)) }
            a += cs
            b += ldb
        }
        storeW(c0, C)
        if nv > 1 { storeW(c1, C + L) }
        if nv > 2 { storeW(c2, C + 2 * L) }
        if nv > 3 { storeW(c3, C + 3 * L) }
        if nv > 4 { storeW(c4, C + 4 * L) }
        if nv > 5 { storeW(c5, C + 5 * L) }
        if nv > 6 { storeW(c6, C + 6 * L) }
        if nv > 7 { storeW(c7, C + 7 * L) }
        if nv > 8 { storeW(c8, C + 8 * L) }
        if nv > 9 { storeW(c9, C + 9 * L) }
        if nv > 10 { storeW(c10, C + 10 * L) }
        if nv > 11 { storeW(c11, C + 11 * L) }
        if nv > 12 { storeW(c12, C + 12 * L) }
        if plus4 { store4(c4x, C + f) }
    }

    /// Sixteen rows of one column, for A stored transposed (rows contiguous): C's column is strided,
    /// so it is gathered before and scattered after the k loop.
    @inline(never)
    static func kT16x1(_ K: Int, _ A: UnsafePointer<Double>, _ cs: Int,
                       _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ ldc: Int,
                       _ I: UnsafePointer<Double>, _ ldi: Int) {
        var c0 = SIMD4<Double>(I[0], I[ldi], I[2 * ldi], I[3 * ldi])
        var c1 = SIMD4<Double>(I[4 * ldi], I[5 * ldi], I[6 * ldi], I[7 * ldi])
        var c2 = SIMD4<Double>(I[8 * ldi], I[9 * ldi], I[10 * ldi], I[11 * ldi])
        var c3 = SIMD4<Double>(I[12 * ldi], I[13 * ldi], I[14 * ldi], I[15 * ldi])
        var a = A, b = B
        for _ in 0..<K {
            let v = SIMD4<Double>(repeating: b[0])
            c0 = c0.addingProduct(load4(a), v); c1 = c1.addingProduct(load4(a + 4), v)
            c2 = c2.addingProduct(load4(a + 8), v); c3 = c3.addingProduct(load4(a + 12), v)
            a += cs
            b += ldb
        }
        for i in 0..<4 {
            C[i * ldc] = c0[i]; C[(4 + i) * ldc] = c1[i]; C[(8 + i) * ldc] = c2[i]; C[(12 + i) * ldc] = c3[i]
        }
    }

    /// R rows by one vector of columns, where V is wider than four (the columns past the last
    /// full block).
    @inline(never)
    static func kRxV(_ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ ldc: Int,
                     _ I: UnsafePointer<Double>, _ ldi: Int) {
        kRowsxWBody(V.self, rowBlock, K, A, rs, cs, B, ldb, C, ldc, I, ldi)
    }

    /// R rows by four columns (an R-row block's columns past the last full block and vector).
    @inline(never)
    static func kRx4(_ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ ldc: Int,
                     _ I: UnsafePointer<Double>, _ ldi: Int) {
        kRowsxWBody(SIMD4<Double>.self, rowBlock, K, A, rs, cs, B, ldb, C, ldc, I, ldi)
    }

    /// R rows by one column: R scalar sums side by side.
    @inline(never)
    static func kRx1(_ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ ldc: Int,
                     _ I: UnsafePointer<Double>, _ ldi: Int) {
        let eight = rowBlock > 6
        var c0 = I[0], c1 = I[ldi], c2 = I[2 * ldi], c3 = I[3 * ldi], c4 = I[4 * ldi], c5 = I[5 * ldi]
        var c6 = eight ? I[6 * ldi] : 0, c7 = eight ? I[7 * ldi] : 0
        var a = A, b = B
        for _ in 0..<K {
            let bv = b[0]
            c0 = c0.addingProduct(a[0], bv)
            c1 = c1.addingProduct(a[rs], bv)
            c2 = c2.addingProduct(a[2 * rs], bv)
            c3 = c3.addingProduct(a[3 * rs], bv)
            c4 = c4.addingProduct(a[4 * rs], bv)
            c5 = c5.addingProduct(a[5 * rs], bv)
            if eight {
                c6 = c6.addingProduct(a[6 * rs], bv)
                c7 = c7.addingProduct(a[7 * rs], bv)
            }
            a += cs
            b += ldb
        }
        C[0] = c0; C[ldc] = c1; C[2 * ldc] = c2; C[3 * ldc] = c3; C[4 * ldc] = c4; C[5 * ldc] = c5
        if eight { C[6 * ldc] = c6; C[7 * ldc] = c7 }
    }

    /// `rows` (6 or 8) rows by one W of columns, always inlined with a constant `rows` and a concrete W.
    @_transparent
    static func kRowsxWBody<W: SIMD>(_: W.Type, _ rows: Int, _ K: Int, _ A: UnsafePointer<Double>, _ rs: Int, _ cs: Int,
                                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ ldc: Int,
                                     _ I: UnsafePointer<Double>, _ ldi: Int) where W.Scalar == Double {
        @inline(__always) func ld(_ p: UnsafePointer<Double>) -> W { loadW(p, W.self) }
        let z = W(), eight = rows > 6
        var c0 = ld(I), c1 = ld(I + ldi), c2 = ld(I + 2 * ldi)
        var c3 = ld(I + 3 * ldi), c4 = ld(I + 4 * ldi), c5 = ld(I + 5 * ldi)
        var c6 = eight ? ld(I + 6 * ldi) : z, c7 = eight ? ld(I + 7 * ldi) : z
        var a = A, b = B
        for _ in 0..<K {
            let bv = ld(b)
            c0 = c0.addingProduct(W(repeating: a[0]), bv)
            c1 = c1.addingProduct(W(repeating: a[rs]), bv)
            c2 = c2.addingProduct(W(repeating: a[2 * rs]), bv)
            c3 = c3.addingProduct(W(repeating: a[3 * rs]), bv)
            c4 = c4.addingProduct(W(repeating: a[4 * rs]), bv)
            c5 = c5.addingProduct(W(repeating: a[5 * rs]), bv)
            if eight {
                c6 = c6.addingProduct(W(repeating: a[6 * rs]), bv)
                c7 = c7.addingProduct(W(repeating: a[7 * rs]), bv)
            }
            a += cs
            b += ldb
        }
        storeW(c0, C); storeW(c1, C + ldc); storeW(c2, C + 2 * ldc)
        storeW(c3, C + 3 * ldc); storeW(c4, C + 4 * ldc); storeW(c5, C + 5 * ldc)
        if eight { storeW(c6, C + 6 * ldc); storeW(c7, C + 7 * ldc) }
    }

    @inline(never)
    static func k1x1(_ K: Int, _ A: UnsafePointer<Double>, _ cs: Int,
                     _ B: UnsafePointer<Double>, _ ldb: Int, _ C: UnsafeMutablePointer<Double>, _ I: UnsafePointer<Double>) {
        var c = I[0]
        var a = A, b = B
        for _ in 0..<K {
            c = c.addingProduct(a[0], b[0])
            a += cs
            b += ldb
        }
        C[0] = c
    }
}
