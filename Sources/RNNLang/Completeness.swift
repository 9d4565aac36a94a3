import Jupyter

/// Whether a front end should run `code` now or wait for more lines (is_complete_request).
/// Incomplete while a bracket is open or the last line ends with `\`; invalid for text that can
/// never become valid (an unterminated string, a stray closing bracket, an unknown character) or
/// that does not parse (`let x =`: a line cannot continue without a `\`), as IPython answers.
public func completeness(of code: String) -> CompletenessStatus {
    var lexer = Lexer(code)
    do {
        while true {
            let t = try lexer.next()
            if t.kind == .end { break }
        }
    } catch {
        if lexer.endedInsideBracket { return .incomplete(indent: "") }
        return .invalid
    }
    if endsWithContinuation(code) { return .incomplete(indent: "") }
    guard (try? Parser.parse(code)) != nil else { return .invalid }
    return .complete
}

/// True when the last non-blank line ends with a `\` that is not inside a comment or string.
func endsWithContinuation(_ code: String) -> Bool {
    guard let last = code.split(separator: "\n", omittingEmptySubsequences: false).last(where: { !$0.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }) else {
        return false
    }
    var inString = false
    var escaped = false
    var lastSignificant: Character?
    for c in last {
        if inString {
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            lastSignificant = c
            continue
        }
        if c == "#" { break }
        if c == "\"" { inString = true }
        if c != " " && c != "\t" && c != "\r" { lastSignificant = c }
    }
    return !inString && lastSignificant == "\\"
}
