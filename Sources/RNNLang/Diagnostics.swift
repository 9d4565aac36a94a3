import RNN

/// The kinds of error the language reports (language.md "Errors").
public enum ErrorKind: String, Sendable {
    case syntax = "SyntaxError"
    case name = "NameError"
    case shape = "ShapeError"
    case value = "ValueError"
    case diverged = "DivergedError"
    case interrupt = "KeyboardInterrupt"
    case io = "IOError"
    /// A request beyond the resource budget (README "Limits").
    case memory = "MemoryError"
}

/// An error in a statement: its kind, a message naming what was expected and what was found,
/// and where in the source it happened.
public struct Diagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public var kind: ErrorKind
    public var message: String
    public var range: SourceRange?

    public init(_ kind: ErrorKind, _ message: String, at range: SourceRange? = nil) {
        self.kind = kind
        self.message = message
        self.range = range
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The most characters of a source line an error echoes.
    static let longestEchoedLine = 160

    /// The source line and a caret line under the error's place (empty without a range).
    public func caretLines(in source: String) -> [String] {
        guard let range else { return [] }
        // By scalars: as Characters, "\r\n" is one and a CRLF source would not split into lines.
        let lines = source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard range.start.line >= 1, range.start.line <= lines.count else { return [] }
        // Control characters (a NUL cuts C strings, ESC drives terminals) shown as U+FFFD, one for one,
        // so the caret still lines up.
        var line = ""
        var raw = lines[range.start.line - 1]
        if raw.last == "\r" { raw = raw.dropLast() }  // a CRLF file's line end
        for u in raw {
            line.unicodeScalars.append(u != "\t" && u.properties.generalCategory == .control ? "\u{FFFD}" : u)
        }
        var width = range.end.line == range.start.line ? max(1, range.end.column - range.start.column) : 1
        var column = range.start.column
        // A very long line (a pasted list of a megabyte) is shown as a window around the place.
        let scalars = Array(line.unicodeScalars)
        if scalars.count > Self.longestEchoedLine {
            let from = max(0, column - 1 - Self.longestEchoedLine / 2)
            let to = min(scalars.count, from + Self.longestEchoedLine)
            var window = String(String.UnicodeScalarView(scalars[from..<to]))
            if from > 0 { window = "…" + window; column = column - from + 1 }
            if to < scalars.count { window += "…" }
            line = window
            width = min(width, max(1, to - (range.start.column - 1)))
        }
        let lead = String(line.unicodeScalars.prefix(column - 1).map { $0 == "\t" ? "\t" : " " }.map(Character.init))
        return [line, lead + String(repeating: "^", count: min(width, max(1, line.unicodeScalars.count - column + 1)))]
    }

    /// Traceback lines for a front end: where, the line, the caret, then `Kind: message`.
    public func traceback(in source: String, cellName: String = "cell") -> [String] {
        var out: [String] = []
        if let range { out.append("  \(cellName), line \(range.start.line), column \(range.start.column):") }
        out += caretLines(in: source).map { "    " + $0 }
        out.append(description)
        return out
    }

    /// `FILE:LINE:COL: Kind: message` and the caret lines, for scripts run outside Jupyter.
    public func compilerStyle(file: String, source: String) -> String {
        let place = range.map { "\(file):\($0.start.line):\($0.start.column)" } ?? file
        return ([place + ": " + description] + caretLines(in: source)).joined(separator: "\n")
    }
}

/// The Damerau-Levenshtein (optimal string alignment) distance between two words.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased()), y = Array(b.lowercased())
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[x.count][y.count]
}

/// The closest candidate within a small edit distance (1 for short words, 2 for longer), if any.
/// Names longer than the budget's suggestion length are not compared (the distance costs their product).
public func nearest(_ word: String, in candidates: [String]) -> String? {
    let longest = Budget.current.maxSuggestionLength
    guard word.utf8.count <= longest * 4, word.count <= longest else { return nil }
    let limit = word.count <= 3 ? 1 : 2
    var best: (String, Int)?
    for c in candidates where c != word && c.utf8.count <= longest * 4 && abs(c.count - word.count) <= limit {
        let d = editDistance(word, c)
        if d <= limit, best == nil || d < best!.1 { best = (c, d) }
    }
    return best?.0
}

/// "; did you mean 'x'?" when a close candidate exists, else "": for a message that ends there.
public func didYouMean(_ word: String, _ candidates: [String]) -> String {
    nearest(word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// `message` about `word`, then `rest` (what was expected), with the did-you-mean between them when a
/// candidate is close, the rest then a sentence of its own:
///   unknown option 'hiden' for lstm(...); did you mean 'hidden'? Expected one of input, embed, …
/// With none close: `message + separator + rest` ("…; expected one of …").
public func withSuggestion(_ message: String, _ word: String, _ candidates: [String], separator: String = "; ", then rest: String) -> String {
    guard let near = nearest(word, in: candidates) else { return message + separator + rest }
    return message + "; did you mean '\(near)'? " + Wording.capitalizingProse(rest)
}
