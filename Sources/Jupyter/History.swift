import JSON

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

    public init() {}

    public mutating func append(line: Int, input: String, output: String?) {
        entries.append(Entry(line: line, input: input, output: output))
    }

    /// Answers a history_request's content with the `history` list, or throws a message naming the bad field.
    public func answer(_ content: JSON) throws -> JSON {
        let output = content["output"]?.boolValue ?? false
        let access = content["hist_access_type"]?.stringValue ?? "tail"
        var picked: [Entry]
        switch access {
        case "tail":
            picked = entries
            if content["unique"]?.boolValue == true { picked = unique(picked) }
            if let n = content["n"]?.intValue, n >= 0 { picked = Array(picked.suffix(n)) }
        case "range":
            let s = content["session"]?.intValue ?? 0
            // 0 is the current session and negative numbers count back from it; only this one exists.
            guard s == 0 || s == session else { picked = []; break }
            let start = content["start"]?.intValue ?? 1
            let stop = content["stop"]?.intValue
            picked = entries.filter { $0.line >= start && (stop == nil || $0.line < stop!) }
        case "search":
            let pattern = content["pattern"]?.stringValue ?? "*"
            picked = entries.filter { globMatch(pattern, $0.input) }
            if content["unique"]?.boolValue == true { picked = unique(picked) }
            if let n = content["n"]?.intValue, n > 0 { picked = Array(picked.suffix(n)) }
        default:
            throw ConnectionError("hist_access_type must be tail, range or search, found '\(access)'")
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
