/// How a table column lines up its cells.
public enum Alignment: Sendable {
    case left, right
}

/// A table drawn as ASCII text for terminals and as HTML for rich front ends.
public struct Table: Equatable, Sendable {
    public var title: String?
    public var headers: [String]
    public var rows: [[String]]
    /// A last row set apart (e.g. "total").
    public var footer: [String]?
    public var alignments: [Alignment]

    public init(title: String? = nil, headers: [String], rows: [[String]], footer: [String]? = nil, alignments: [Alignment]? = nil) {
        self.title = title
        self.headers = headers
        self.rows = rows
        self.footer = footer
        self.alignments = alignments ?? headers.map { _ in .left }
    }

    private var allRows: [[String]] { [headers] + rows + (footer.map { [$0] } ?? []) }

    private func cell(_ row: [String], _ c: Int) -> String { c < row.count ? row[c].replacingNewlines() : "" }

    /// The widest row decides: a row longer than the headers keeps its extra cells (under blank headers).
    private var columnCount: Int { allRows.map(\.count).max() ?? 0 }

    /// ASCII borders (+, -, |), one space of padding, widths by displayed characters.
    public func renderText() -> String {
        let columns = columnCount
        guard columns > 0 else { return (title.map { $0 + "\n" } ?? "") + "(empty table)" }
        var widths = [Int](repeating: 0, count: columns)
        for row in allRows { for c in 0..<columns { widths[c] = max(widths[c], displayWidth(cell(row, c))) } }
        let rule = "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+"
        func line(_ row: [String]) -> String {
            var out = "|"
            for c in 0..<columns {
                let text = cell(row, c)
                let pad = String(repeating: " ", count: widths[c] - displayWidth(text))
                out += " " + (alignments[safe: c] == .right ? pad + text : text + pad) + " |"
            }
            return out
        }
        var lines: [String] = []
        if let title { lines.append(title) }
        lines.append(rule)
        lines.append(line(headers))
        lines.append(rule)
        for r in rows { lines.append(line(r)) }
        if let footer {
            lines.append(rule)
            lines.append(line(footer))
        }
        lines.append(rule)
        return lines.joined(separator: "\n")
    }

    /// A `<table>` with escaped cells; right-aligned columns say so in their style.
    public func renderHTML() -> String {
        // Once, not per row: counting the columns passes over every row.
        let columns = columnCount
        func cells(_ row: [String], tag: String) -> String {
            (0..<columns).map { c in
                let style = alignments[safe: c] == .right ? " style=\"text-align:right\"" : " style=\"text-align:left\""
                return "<\(tag)\(style)>\(escapeHTML(cell(row, c)))</\(tag)>"
            }.joined()
        }
        var out = "<table class=\"rnn-table\">"
        if let title { out += "<caption>\(escapeHTML(title))</caption>" }
        out += "<thead><tr>\(cells(headers, tag: "th"))</tr></thead><tbody>"
        for r in rows { out += "<tr>\(cells(r, tag: "td"))</tr>" }
        out += "</tbody>"
        if let footer { out += "<tfoot><tr>\(cells(footer, tag: "th"))</tr></tfoot>" }
        out += "</table>"
        return out
    }
}

/// Text safe inside HTML or XML elements and attribute values.
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(ch)
        }
    }
    return out
}

/// Columns a string takes in a terminal: East Asian wide characters take two, combining marks none.
public func displayWidth(_ s: String) -> Int {
    var w = 0
    for scalar in s.unicodeScalars {
        let v = scalar.value
        if (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) { continue }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v) {
            w += 2
        } else {
            w += 1
        }
    }
    return w
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

extension String {
    /// Table cells are one line: newlines and tabs become visible escapes.
    func replacingNewlines() -> String {
        guard contains(where: { $0 == "\n" || $0 == "\t" || $0 == "\r" }) else { return self }
        var out = ""
        for c in self {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.append(c)
            }
        }
        return out
    }
}
