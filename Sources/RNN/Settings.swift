#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One whole-number `RNNKERNEL_*` environment variable: a count (plain digits) or a size (digits with
/// an optional K, M, G, Ki, Mi or Gi suffix). A value that does not parse or is out of range is
/// never fatal: the default is used and `read` says so, naming the variable, the value and what was expected.
public struct Setting: Sendable {
    /// Whether the value takes suffixes.
    public enum Kind: Sendable { case count, size }

    public let name: String
    public let kind: Kind
    public let range: ClosedRange<Int>
    public let defaultValue: Int
    /// How the default comes about, when it is not a constant ("every active processor").
    public let defaultNote: String?
    /// What the number bounds (a reader of `Settings.all` sees what each variable is for).
    public let what: String

    public init(_ name: String, _ kind: Kind, _ range: ClosedRange<Int>, default defaultValue: Int, note: String? = nil, what: String) {
        self.name = name
        self.kind = kind
        self.range = range
        self.defaultValue = defaultValue
        self.defaultNote = note
        self.what = what
    }

    /// Why a value is refused.
    public enum Problem: Error, Equatable, Sendable { case notANumber, outOfRange }

    /// `1000`, and for a size `10M`, `1G` (powers of 1000) or `4Ki`, `1Gi` (powers of 1024).
    /// nil for unset or empty (the default, silently).
    public func parse(_ text: String?) -> Result<Int, Problem>? {
        guard let text else { return nil }
        var s = Substring(text.trimmingSpaces)
        if s.isEmpty { return nil }
        var scale = 1
        if kind == .size {
            for (suffix, factor) in Setting.suffixes where s.hasSuffix(suffix) {
                scale = factor
                s = s.dropLast(suffix.count)
                break
            }
        }
        // Digits only (Int("+5") would take a sign): "-3" is a number out of range, "1.5K" none.
        let digits = s.first == "-" ? s.dropFirst() : s
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.notANumber) }
        guard let n = Int(s) else { return .failure(.outOfRange) }  // more digits than Int holds
        let (product, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, range.contains(product) else { return .failure(.outOfRange) }
        return .success(product)
    }

    static let suffixes = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000)]

    /// What a good value looks like.
    public var expected: String {
        let bounds = range.upperBound < Int.max ? "a whole number from \(range.lowerBound) to \(range.upperBound)"
            : range.lowerBound == 1 ? "a positive whole number" : "a whole number of at least \(range.lowerBound)"
        return kind == .count ? bounds : bounds + ", optionally with a suffix K, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024), such as 10M"
    }

    /// The value this process's environment gives (the default when it is unset or refused).
    public var value: Int { read(Settings.environment(name)).value }

    /// The value to use, and the message when the environment's value was refused.
    public func read(_ text: String?) -> (value: Int, problem: String?) {
        switch parse(text) {
        case nil: return (defaultValue, nil)
        case .success(let n)?: return (n, nil)
        case .failure(let p)?:
            let trouble = p == .notANumber ? (kind == .count ? "is not a whole number" : "is not a size") : "is out of range"
            let used = "using the default, \(defaultValue)" + (defaultNote.map { " (\($0))" } ?? "")
            return (defaultValue, "\(name)=\(text!) \(trouble): expected \(expected); \(used)")
        }
    }
}

/// Every whole-number `RNNKERNEL_*` variable the kernel reads (RNNKERNEL_ISA, a name, is VectorKernels'),
/// each read once at start-up.
public enum Settings {
    /// Cores training uses (Engine.threads).
    public static let threads = Setting("RNNKERNEL_THREADS", .count, 1...1024, default: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
                                        note: "every active processor", what: "cores one training run uses")
    /// Executions the kernel keeps for history_request (Jupyter's History.defaultCapacity, which the command line sets from this).
    public static let historySize = Setting("RNNKERNEL_HISTORY_SIZE", .size, 1...Int.max, default: 10_000, what: "executions kept for history_request")

    /// Budget's limits, then the others.
    public static var all: [Setting] { Budget.settings + [threads, historySize] }

    /// The process's environment.
    public static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// A message for each variable whose value is refused, in the order of `all`.
    public static func problems(_ get: (String) -> String? = environment) -> [String] {
        all.compactMap { $0.read(get($0.name)).problem }
    }
}
