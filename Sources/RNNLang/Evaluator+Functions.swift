import RNN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The functions on numbers, lists and matrices callable in expressions, with their formulas
/// (for help and completion).
public enum MathFunctions {
    struct Spec {
        let name: String
        let signature: String
        let formula: String
        let body: String
    }

    static let specs: [Spec] = [
        Spec(name: "tanh", signature: "tanh(X)", formula: "tanh(x) = (e^x − e^−x) / (e^x + e^−x), element by element",
             body: "Its slope is tanh'(x) = 1 − tanh(x)², at most 1 (at x = 0): each step of a tanh RNN multiplies\nthe gradient by diag(1 − h_t²) W_hh, which is why gradients vanish.\nExample:\n  print tanh(0.5)            # 0.46211715726000974\n  print 1 - tanh([0, 1, 2]) * tanh([0, 1, 2])"),
        Spec(name: "sigmoid", signature: "sigmoid(X)", formula: "σ(x) = 1 / (1 + e^−x), element by element",
             body: "The gates of lstm and gru. Its slope σ(x)(1 − σ(x)) is at most 1/4.\nExample:\n  print sigmoid(0)           # 0.5"),
        Spec(name: "relu", signature: "relu(X)", formula: "relu(x) = max(0, x), element by element",
             body: "Example:\n  print relu([-1, 0, 2])     # [0, 0, 2]"),
        Spec(name: "exp", signature: "exp(X)", formula: "e^x, element by element",
             body: "Example:\n  print exp(1)               # 2.718281828459045"),
        Spec(name: "log", signature: "log(X)", formula: "the natural logarithm ln x, element by element; x must be > 0",
             body: "A value ≤ 0 is a ValueError naming it. (log=true|false is also an option of plot: a logarithmic y axis.)\nExample:\n  print log(exp(2))          # 2"),
        Spec(name: "sqrt", signature: "sqrt(X)", formula: "√x, element by element; x must be ≥ 0",
             body: "Example:\n  print sqrt([4, 9])         # [2, 3]"),
        Spec(name: "abs", signature: "abs(X)", formula: "|x|, element by element; for a complex a+bi, its modulus √(a² + b²)",
             body: "Example:\n  print abs(eig([[0, -1], [1, 0]]))    # [1, 1]"),
        Spec(name: "softmax", signature: "softmax(V)", formula: "softmax(v)_i = e^{v_i} / Σ_j e^{v_j}; a matrix row by row",
             body: "Computed with max(v) subtracted first, so large values do not overflow (PyTorch's softmax(dim=-1)).\nExample:\n  print softmax([1, 2, 3])"),
        Spec(name: "norm", signature: "norm(X)", formula: "‖v‖ = √(Σ v_i²) for a vector, the Frobenius norm √(Σ m_ij²) for a matrix, |x| for a number",
             body: "As torch.linalg.norm with its defaults. The spectral norm ‖M‖₂ (the largest singular value)\nis svd(M)'s first value.\nExample:\n  print norm([3, 4])         # 5"),
        Spec(name: "eye", signature: "eye(N)", formula: "the N×N identity matrix I",
             body: "Example:\n  set net.W_hh = 0.9 * eye(4)"),
        Spec(name: "zeros", signature: "zeros(R, C) or zeros(N)", formula: "an R×C matrix (or a vector of N) of zeros",
             body: "Example:\n  set net.b_h = zeros(4)"),
        Spec(name: "ones", signature: "ones(R, C) or ones(N)", formula: "an R×C matrix (or a vector of N) of ones",
             body: "Example:\n  print ones(2, 3)"),
        Spec(name: "eig", signature: "eig(M)", formula: "the eigenvalues λ of a square matrix, M v = λ v; complex ones as a+bi and a-bi",
             body: "All n eigenvalues, largest |λ| first (a complex pair with +bi first). Computed by balancing, reduction to\nHessenberg form and Francis's double-shift QR iteration, so it is right for non-symmetric matrices too.\nAn empty or non-square matrix is a ShapeError.\nExample:\n  print eig([[2, 0], [0, 3]])          # [3, 2]\n  print eig([[0, -1], [1, 0]])         # [0+1i, 0-1i]: a rotation\n  print eig(net.W_hh)"),
        Spec(name: "svd", signature: "svd(M)", formula: "the singular values σ_1 ≥ σ_2 ≥ … of any matrix: √(eigenvalues of MᵀM)",
             body: "min(rows, cols) values, largest first, by one-sided Jacobi rotations. σ_1 = ‖M‖₂ bounds how much M can\nstretch a vector: the gradient carried back one step grows at most by σ_1(J_t).\nExample:\n  print svd([[3, 0], [0, -2]])         # [3, 2]"),
        Spec(name: "spectral_radius", signature: "spectral_radius(M)", formula: "ρ(M) = max |λ| over the eigenvalues of a square matrix",
             body: "ρ(W_hh) < 1 makes a linear RNN forget (products W_hh^k vanish); ρ > 1 makes them explode.\nExample:\n  print spectral_radius(net.W_hh)"),
    ]

    /// The function names, for completion.
    public static var names: [String] { specs.map(\.name) }

    /// One help entry a function.
    static var helpEntries: [Help.Entry] {
        specs.map { Help.Entry(topic: $0.name, summary: $0.formula, body: "\($0.signature)\n\n\($0.formula).\n\($0.body)") }
    }
}

extension StatementContext {
    /// Calls one of MathFunctions.specs; `nil` when `name` is not one of them.
    mutating func callMath(_ name: String, _ args: [Expr], _ options: [OptionArg], _ range: SourceRange) throws -> Value? {
        guard let spec = MathFunctions.specs.first(where: { $0.name == name }) else { return nil }
        if let o = options.first { throw Diagnostic(.value, "\(name)(...) takes no options, found '\(o.key)='; it is \(spec.signature)", at: o.keyRange) }
        let values = try args.map { try eval($0) }
        func one() throws -> Value {
            guard values.count == 1 else {
                throw Diagnostic(.value, "\(spec.signature) takes one value, found \(values.count)", at: range)
            }
            return values[0]
        }
        let argRange = args.first?.range ?? range
        func elementwise(_ f: @escaping (Double) throws -> Double) throws -> Value { try mapNumbers(one(), name, argRange, f) }
        switch name {
        case "tanh": return try elementwise { tanh($0) }
        case "sigmoid": return try elementwise { 1 / (1 + exp(-$0)) }
        case "relu": return try elementwise { max(0, $0) }
        case "exp": return try elementwise { exp($0) }
        case "log":
            return try elementwise { x in
                guard x > 0 else { throw Diagnostic(.value, "log needs x > 0, found \(formatNumber(x))", at: argRange) }
                return log(x)
            }
        case "sqrt":
            return try elementwise { x in
                guard x >= 0 else { throw Diagnostic(.value, "sqrt needs x ≥ 0, found \(formatNumber(x))", at: argRange) }
                return x.squareRoot()
            }
        case "abs":
            return try mapNumbers(one(), name, argRange, { abs($0) }, complex: { re, im in hypot(re, im) })
        case "softmax":
            let v = try one()
            switch try shape(of: v, "softmax's argument", argRange) {
            case .number: throw Diagnostic(.shape, "softmax needs a vector (or a matrix, row by row), found \(v.kindDescription)", at: argRange)
            case let .vector(x): return .list(softmax(x).map { .number($0) })
            case let .matrix(m): return .from(m.asRows.map(softmax))
            }
        case "norm":
            let v = try one()
            switch try shape(of: v, "norm's argument", argRange) {
            case let .number(x): return .number(abs(x))
            case let .vector(x): return .number(Linalg.euclideanNorm(x))
            case let .matrix(m): return .number(m.frobeniusNorm)
            }
        case "eye":
            guard values.count == 1 else { throw Diagnostic(.value, "eye(N) takes one whole number, found \(values.count) values", at: range) }
            let n = try size(values[0], "N", argRange)
            try checkEntries(n, n, range)
            return .from(Matrix.identity(n).asRows)
        case "zeros", "ones":
            guard (1...2).contains(values.count) else {
                throw Diagnostic(.value, "\(spec.signature) takes one or two whole numbers, found \(values.count) values", at: range)
            }
            let fill: Value = .number(name == "ones" ? 1 : 0)
            let r = try size(values[0], values.count == 1 ? "N" : "R", args[0].range)
            if values.count == 1 { return .list([Value](repeating: fill, count: r)) }
            let c = try size(values[1], "C", args[1].range)
            try checkEntries(r, c, range)
            return .list([Value](repeating: .list([Value](repeating: fill, count: c)), count: r))
        case "eig", "svd", "spectral_radius":
            let v = try one()
            let m = try matrixArgument(v, name, argRange)
            do {
                switch name {
                case "eig":
                    return .list(try Linalg.eigenvalues(m).map { $0.im == 0 ? .number($0.re) : .complex($0.re, $0.im) })
                case "svd":
                    return .list(try Linalg.singularValues(m).map { .number($0) })
                default:
                    return .number(try Linalg.spectralRadius(m))
                }
            } catch let e as LinalgError {
                throw linalgDiagnostic(e, name, m, argRange)
            }
        default:
            return nil
        }
    }

    func linalgDiagnostic(_ e: LinalgError, _ name: String, _ m: Matrix, _ range: SourceRange) -> Diagnostic {
        switch e {
        case .empty: return Diagnostic(.shape, "\(name) needs a non-empty matrix, found an empty one", at: range)
        case let .notSquare(r, c): return Diagnostic(.shape, "\(name) needs a square matrix (n×n), found \(r)×\(c)", at: range)
        case .notFinite: return Diagnostic(.value, "\(name) needs finite numbers, found NaN or infinity in the matrix", at: range)
        case .noConvergence: return Diagnostic(.value, "\(name) did not converge for this \(m.rows)×\(m.cols) matrix", at: range)
        }
    }

    /// A whole number ≥ 1 and ≤ 1,000,000 for a size.
    func size(_ v: Value, _ what: String, _ range: SourceRange) throws -> Int {
        let n = try v.integer(what, at: range, min: 1)
        guard n <= Self.maxEntries else { throw Diagnostic(.value, "expected \(what) of at most \(Self.maxEntries), found \(n)", at: range) }
        return n
    }

    /// The most numbers one matrix a function or `@` makes may hold (8 MB of doubles, more as values).
    static let maxEntries = 1_000_000

    /// Refuses an r×c result larger than `maxEntries` before anything is allocated.
    func checkEntries(_ r: Int, _ c: Int, _ range: SourceRange) throws {
        guard let n = Sizes.product(r, c), n <= Self.maxEntries else {
            throw Diagnostic(.value, "expected at most \(Self.maxEntries) entries, found \(r)×\(c)", at: range)
        }
    }

    /// f applied to every number of a number, list or matrix, keeping its shape.
    func mapNumbers(_ v: Value, _ name: String, _ range: SourceRange, _ f: (Double) throws -> Double,
                    complex: ((Double, Double) -> Double)? = nil) throws -> Value {
        switch v {
        case let .number(x): return .number(try f(x))
        case let .list(items): return .list(try items.map { try mapNumbers($0, name, range, f, complex: complex) })
        case let .complex(re, im):
            if let complex { return .number(complex(re, im)) }
            throw Diagnostic(.value, "\(name) takes real numbers, found \(v.kindDescription); abs gives its modulus", at: range)
        default:
            throw Diagnostic(.value, "\(name) takes a number, a list or a matrix, found \(v.kindDescription)", at: range)
        }
    }

    /// What a value is to the linear algebra.
    enum NumericShape {
        case number(Double)
        case vector([Double])
        case matrix(Matrix)
    }

    func shape(of v: Value, _ what: String, _ range: SourceRange) throws -> NumericShape {
        switch v {
        case let .number(x): return .number(x)
        case let .list(items):
            guard !items.isEmpty else { throw Diagnostic(.shape, "expected \(what) to be a non-empty vector or matrix, found an empty list", at: range) }
            if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
                return .vector(items.map { if case let .number(x) = $0 { return x } else { return 0 } })
            }
            return .matrix(try matrixArgument(v, what, range))
        case .complex:
            throw Diagnostic(.value, "expected \(what) to hold real numbers, found \(v.kindDescription)", at: range)
        default:
            throw Diagnostic(.value, "expected \(what) to be a number, a vector or a matrix, found \(v.kindDescription)", at: range)
        }
    }

    /// A non-empty rectangular matrix (a list of rows of numbers).
    func matrixArgument(_ v: Value, _ what: String, _ range: SourceRange) throws -> Matrix {
        guard case let .list(rows) = v else {
            throw Diagnostic(.shape, "\(what) needs a matrix (a list of rows), found \(v.kindDescription)", at: range)
        }
        guard !rows.isEmpty else { throw Diagnostic(.shape, "\(what) needs a non-empty matrix, found an empty list", at: range) }
        if rows.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
            throw Diagnostic(.shape, "\(what) needs a matrix (a list of rows), found a vector of \(rows.count); write [[...]] for a 1×\(rows.count) matrix", at: range)
        }
        var out: [[Double]] = []
        for (i, row) in rows.enumerated() {
            guard case let .list(items) = row else {
                throw Diagnostic(.shape, "\(what) needs a matrix (a list of rows), found \(row.kindDescription) as row \(i + 1)", at: range)
            }
            let numbers = try items.enumerated().map { j, item -> Double in
                guard case let .number(x) = item else {
                    throw Diagnostic(.shape, "\(what) needs a matrix of numbers, found \(item.kindDescription) in row \(i + 1), column \(j + 1)", at: range)
                }
                return x
            }
            if let first = out.first, first.count != numbers.count {
                throw Diagnostic(.shape, "\(what) needs every row to have \(first.count) values, found \(numbers.count) in row \(i + 1)", at: range)
            }
            out.append(numbers)
        }
        guard out[0].count > 0 else { throw Diagnostic(.shape, "\(what) needs a non-empty matrix, found rows with no values", at: range) }
        return Matrix(out)
    }

    /// `M.T`: a matrix's transpose; a vector (a column, as x_t is) becomes the 1×n row; a number stays.
    func transpose(_ v: Value, _ range: SourceRange) throws -> Value {
        switch try shape(of: v, "the value before .T", range) {
        case .number: return v
        case let .vector(x): return .from([x])
        case let .matrix(m): return .from(m.transposed.asRows)
        }
    }

    /// `A @ B`: matrix × matrix, matrix × vector (a vector), vector × matrix (vᵀA, a vector), vector · vector (a number).
    func matmul(_ a: Value, _ b: Value, _ range: SourceRange) throws -> Value {
        let left = try shape(of: a, "the left side of @", range), right = try shape(of: b, "the right side of @", range)
        func mismatch(_ l: String, _ r: String) -> Diagnostic {
            Diagnostic(.shape, "A @ B needs A's columns to equal B's rows: A is \(l), B is \(r)", at: range)
        }
        switch (left, right) {
        case (.number, _), (_, .number):
            throw Diagnostic(.value, "@ multiplies matrices and vectors; for a number use *", at: range)
        case let (.matrix(A), .matrix(B)):
            guard A.cols == B.rows else { throw mismatch("\(A.rows)×\(A.cols)", "\(B.rows)×\(B.cols)") }
            try checkEntries(A.rows, B.cols, range)
            return .from(A.times(B).asRows)
        case let (.matrix(A), .vector(x)):
            guard A.cols == x.count else { throw mismatch("\(A.rows)×\(A.cols)", "a vector of \(x.count)") }
            return .list(A.times(Matrix(rows: x.count, cols: 1, values: x)).values.map { .number($0) })
        case let (.vector(x), .matrix(B)):
            guard x.count == B.rows else { throw mismatch("a vector of \(x.count)", "\(B.rows)×\(B.cols)") }
            return .list(Matrix(rows: 1, cols: x.count, values: x).times(B).values.map { .number($0) })
        case let (.vector(x), .vector(y)):
            guard x.count == y.count else { throw mismatch("a vector of \(x.count)", "a vector of \(y.count)") }
            return .number(zip(x, y).reduce(0) { $0 + $1.0 * $1.1 })
        }
    }
}
