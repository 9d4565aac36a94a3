#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A request larger than the kernel's resource budget. The message names the limit, what was asked
/// for, and the environment variable that raises it; the language reports it as a MemoryError.
public struct BudgetError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The resource budget: every size a user's cell, file or message can make the kernel allocate is
/// checked against it before anything is allocated. The defaults fit about 1 GiB of working memory
/// (a student's laptop, one kernel of many on a shared server); each is an environment variable,
/// read once at start-up (README "Limits").
public struct Budget: Equatable, Sendable {
    /// Parameters of one model (8 bytes each; training keeps about five copies: weights, gradient, Adam's two moments, the best).
    public var maxParameters: Int
    /// Layers of one model (each layer's parameters are separate arrays, with their own overhead).
    public var maxLayers: Int
    /// Numbers in one dataset: examples × steps × (width of x_t + width of the target).
    public var maxDatasetValues: Int
    /// Bytes of one file read by `text(file=)`, `csv(...)`, `load` or `rnn-kernel run`.
    public var maxFileBytes: Int
    /// Rows of one table (`unroll`, `predict`, `show`).
    public var maxTableRows: Int
    /// Nesting of brackets, parentheses and operators in one expression.
    public var maxNesting: Int
    /// Characters of a name compared for "did you mean" (longer names get no suggestion).
    public var maxSuggestionLength: Int

    /// The environment variable of each limit, with its default.
    public static let variables: [(name: String, keyPath: WritableKeyPath<Budget, Int>, defaultValue: Int, what: String)] = [
        ("RNNKERNEL_MAX_PARAMETERS", \.maxParameters, 10_000_000, "parameters in one model"),
        ("RNNKERNEL_MAX_LAYERS", \.maxLayers, 10_000, "layers in one model"),
        ("RNNKERNEL_MAX_DATASET_VALUES", \.maxDatasetValues, 20_000_000, "numbers in one dataset"),
        ("RNNKERNEL_MAX_FILE_BYTES", \.maxFileBytes, 100_000_000, "bytes in one file read"),
        ("RNNKERNEL_MAX_TABLE_ROWS", \.maxTableRows, 10_000, "rows in one table"),
        ("RNNKERNEL_MAX_NESTING", \.maxNesting, 200, "levels of nesting in one expression"),
        ("RNNKERNEL_MAX_SUGGESTION_LENGTH", \.maxSuggestionLength, 64, "characters in a name compared for did-you-mean"),
    ]

    /// Every limit at its default.
    public static let defaults: Budget = {
        var b = Budget(maxParameters: 0, maxLayers: 0, maxDatasetValues: 0, maxFileBytes: 0, maxTableRows: 0, maxNesting: 0, maxSuggestionLength: 0)
        for v in variables { b[keyPath: v.keyPath] = v.defaultValue }
        return b
    }()

    public init(maxParameters: Int, maxLayers: Int, maxDatasetValues: Int, maxFileBytes: Int, maxTableRows: Int, maxNesting: Int, maxSuggestionLength: Int) {
        self.maxParameters = maxParameters
        self.maxLayers = maxLayers
        self.maxDatasetValues = maxDatasetValues
        self.maxFileBytes = maxFileBytes
        self.maxTableRows = maxTableRows
        self.maxNesting = maxNesting
        self.maxSuggestionLength = maxSuggestionLength
    }

    /// Each limit as an environment variable: a size (suffixes allowed), positive.
    public static var settings: [Setting] {
        variables.map { Setting($0.name, .size, 1...Int.max, default: $0.defaultValue, what: $0.what) }
    }

    /// The defaults with any limit the environment sets. A value that is not a positive whole number
    /// (suffixes K, M, G, Ki, Mi, Gi allowed) keeps the default; `Settings.problems` says so.
    public static func fromEnvironment(_ get: (String) -> String? = Settings.environment) -> Budget {
        var b = defaults
        for (v, setting) in zip(variables, settings) { b[keyPath: v.keyPath] = setting.read(get(v.name)).value }
        return b
    }

    /// `1000`, `10M`, `1G` (powers of 1000; `Ki`, `Mi`, `Gi` for powers of 1024); nil unless positive.
    public static func parseSize(_ text: String) -> Int? {
        guard case .success(let n)? = Setting("size", .size, 1...Int.max, default: 1, what: "").parse(text) else { return nil }
        return n
    }

    /// The budget this process runs under.
    public nonisolated(unsafe) static var current = fromEnvironment()

    /// Refuses a model larger than the budget (its layers, then its parameters) before it is built.
    public static func check(_ c: CellConfig) throws {
        try check(c.layers, \.maxLayers, "layers=")
        try check(c.checkedParameterCount, \.maxParameters, "the model's parameters")
    }

    /// Refuses a dataset of more numbers than the budget: examples × steps × values per step.
    public static func checkDataset(_ factors: Int...) throws {
        try check(Sizes.product(factors), \.maxDatasetValues, "the dataset's numbers")
    }

    /// Throws unless `amount` (nil when its arithmetic overflowed) is within `limit`.
    public static func check(_ amount: Int?, _ keyPath: KeyPath<Budget, Int>, _ what: String) throws {
        let limit = current[keyPath: keyPath]
        guard let amount, amount <= limit else {
            let variable = variables.first { $0.keyPath == keyPath }!.name
            let found = amount.map { "\($0)" } ?? "more than \(Int.max)"
            throw BudgetError("\(what) would be \(found), more than the limit of \(limit) \(variables.first { $0.keyPath == keyPath }!.what); set \(variable) to raise it")
        }
    }
}

/// Size arithmetic that reports overflow as nil instead of trapping.
public enum Sizes {
    /// a × b, nil on overflow or a negative factor.
    public static func product(_ factors: Int...) -> Int? { product(factors) }

    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (r, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = r
        }
        return p
    }

    /// a + b + …, nil on overflow.
    public static func sum(_ terms: [Int?]) -> Int? {
        var s = 0
        for t in terms {
            guard let t else { return nil }
            let (r, o) = s.addingReportingOverflow(t)
            if o { return nil }
            s = r
        }
        return s
    }

    /// A whole number from a double, or nil when it is not finite, not whole, or out of Int's range.
    public static func wholeNumber(_ v: Double) -> Int? {
        guard v.isFinite, v == v.rounded(), abs(v) < 9.007199254740992e15 else { return nil }
        return Int(v)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
