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
            // 0 is the current session, negative counts back from it; only this one exists.
            guard s == 0 || s == session || s == -0 else { picked = []; break }
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

/// Shell-style glob over the whole string: `*` any run, `?` one character, others literal.
public func globMatch(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern), t = Array(text)
    var pi = 0, ti = 0, star = -1, mark = 0
    while ti < t.count {
        if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
            pi += 1; ti += 1
        } else if pi < p.count, p[pi] == "*" {
            star = pi; mark = ti; pi += 1
        } else if star >= 0 {
            pi = star + 1; mark += 1; ti = mark
        } else {
            return false
        }
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
}
