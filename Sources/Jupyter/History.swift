import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The session's input history, as `history_request` reads it. One session per kernel process.
public struct History: Sendable {
    /// One stored execution: its line number is the execution count it ran with.
    public struct Entry: Equatable, Sendable {
        public var line: Int
        public var input: String
        public var output: String?
    }

    public private(set) var entries: [Entry] = []
    public let session = 1
    /// How many executions are kept: the oldest go first (IPython's history keeps a bounded cache too).
    public let capacity: Int
    /// What a tail request without `n` returns, as IPython's `get_tail(n=10)`.
    public static let defaultTail = 10
    /// The default capacity; RNNKERNEL_HISTORY_SIZE sets another.
    public static let defaultCapacity = 10_000
    /// Characters of one stored output beyond which it is cut (a cell can print megabytes).
    public static let maxOutputCharacters = 10_000

    /// The capacity a new History gets: the command line sets it from RNNKERNEL_HISTORY_SIZE
    /// (RNN's Settings parses every variable) before the kernel starts.
    public nonisolated(unsafe) static var configuredCapacity = defaultCapacity

    public init(capacity: Int = History.configuredCapacity) {
        self.capacity = max(1, capacity)
    }

    public mutating func append(line: Int, input: String, output: String?) {
        let kept = output.map { $0.unicodeScalars.count > History.maxOutputCharacters ? String(String.UnicodeScalarView($0.unicodeScalars.prefix(History.maxOutputCharacters))) + "…" : $0 }
        entries.append(Entry(line: line, input: input, output: kept))
        // Dropping in batches keeps appends amortised O(1).
        if entries.count >= capacity + max(1, capacity / 8) { entries.removeFirst(entries.count - capacity) }
    }

    /// The entries a request can see: the latest `capacity`.
    private var visible: ArraySlice<Entry> { entries.suffix(capacity) }

    /// Answers a history_request's content with the `history` list, or throws a HistoryError naming
    /// the bad field. A field that is absent or null takes its default, as in IPython.
    public func answer(_ content: JSON) throws -> JSON {
        func field<T>(_ name: String, _ read: (JSON) -> T?, _ expected: String) throws -> T? {
            guard let v = content[name], !v.isNull else { return nil }
            guard let t = read(v) else { throw HistoryError("'\(name)' must be \(expected), found \(v.serialized())") }
            return t
        }
        func int(_ name: String) throws -> Int? { try field(name, { $0.intValue }, "an integer") }
        func count(_ name: String) throws -> Int? { try field(name, { $0.intValue.flatMap { $0 >= 0 ? $0 : nil } }, "an integer of at least 0") }
        func bool(_ name: String) throws -> Bool? { try field(name, { $0.boolValue }, "true or false") }
        let output = try bool("output") ?? false
        _ = try bool("raw")  // inputs are stored as typed: raw and translated are the same
        let access = try field("hist_access_type", { $0.stringValue }, "a string") ?? "tail"
        var picked: [Entry]
        switch access {
        case "tail":
            picked = Array(visible)
            if try bool("unique") == true { picked = unique(picked) }
            let n = try count("n") ?? History.defaultTail
            picked = Array(picked.suffix(n))
        case "range":
            let s = try int("session") ?? 0
            let start = try int("start") ?? 1
            let stop = try int("stop")
            // 0 is the current session and negative numbers count back from it; only this one exists.
            guard s == 0 || s == session else { picked = []; break }
            picked = visible.filter { $0.line >= start && (stop == nil || $0.line < stop!) }
        case "search":
            let pattern = try field("pattern", { $0.stringValue }, "a string") ?? "*"
            picked = visible.filter { globMatch(pattern, $0.input) }
            if try bool("unique") == true { picked = unique(picked) }
            if let n = try count("n"), n > 0 { picked = Array(picked.suffix(n)) }
        default:
            throw HistoryError("hist_access_type must be tail, range or search, found '\(access)'")
        }
        return .array(picked.map { e in
            let body: JSON = output ? .array([.string(e.input), e.output.map(JSON.string) ?? .null]) : .string(e.input)
            return .array([.number(Double(session)), .number(Double(e.line)), body])
        })
    }

    /// Keeps the latest occurrence of each input, in order.
    private func unique(_ list: [Entry]) -> [Entry] {
        var seen = Set<String>()
        var out: [Entry] = []
        for e in list.reversed() where seen.insert(e.input).inserted { out.append(e) }
        return out.reversed()
    }
}

/// A history_request the history cannot answer, naming the field at fault.
public struct HistoryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Glob over the whole string, as IPython's history search does it (SQLite GLOB): `*` any run,
/// `?` one character, `[abc]`, `[a-z]` and `[^abc]` one character of (or not of) a set; others literal.
public func globMatch(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
    var pi = 0, ti = 0
    // Where to resume after the last `*` if the rest fails: pattern just past it, text it has eaten.
    var star = -1, mark = 0
    while ti < t.count {
        if pi < p.count, p[pi] == "*" {
            star = pi; mark = ti; pi += 1
            continue
        }
        if pi < p.count {
            if p[pi] == "?" { pi += 1; ti += 1; continue }
            if p[pi] == "[", let (matched, next) = matchClass(p, from: pi, t[ti]) {
                if matched { pi = next; ti += 1; continue }
            } else if p[pi] == t[ti] {
                pi += 1; ti += 1
                continue
            }
        }
        guard star >= 0 else { return false }
        pi = star + 1; mark += 1; ti = mark
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
}

/// Matches `c` against the class opening at `p[open]`; nil when the `[` is never closed (then it is literal).
private func matchClass(_ p: [Unicode.Scalar], from open: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
    var i = open + 1
    let negated = i < p.count && p[i] == "^"
    if negated { i += 1 }
    var found = false
    var first = true
    while i < p.count {
        // A `]` right after `[` or `[^` is a member, not the end.
        if p[i] == "]" && !first { return (found != negated, i + 1) }
        first = false
        if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
            if p[i] <= c && c <= p[i + 2] { found = true }
            i += 3
        } else {
            if p[i] == c { found = true }
            i += 1
        }
    }
    return nil
}
