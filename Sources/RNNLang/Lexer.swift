/// A token's kind and value.
public enum TokenKind: Equatable, Sendable {
    case name(String)
    case number(Double)
    case string(String)
    /// One of ( ) [ ] , = . + - * / @
    case punct(Character)
    /// The end of a statement: a newline outside brackets and not after `\`.
    case newline
    case end
}

/// A token with its place in the source.
public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var range: SourceRange
}

/// Turns source text into tokens. Newlines inside `(`/`[` and after a trailing `\` continue the
/// statement; `#` starts a comment to the end of the line.
public struct Lexer {
    let scalars: [Unicode.Scalar]
    var i = 0
    var line = 1
    var column = 1
    /// Open brackets, with where each was opened, so an unclosed one can be reported there.
    var openBrackets: [(Character, SourceRange)] = []
    /// Set when the input ended inside a bracket: more lines would complete it.
    public private(set) var endedInsideBracket = false

    public init(_ source: String) { scalars = Array(source.unicodeScalars) }

    var position: SourcePosition { SourcePosition(line: line, column: column, offset: i) }

    mutating func advance() {
        if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
        i += 1
    }

    /// All tokens, ending with `.end`. Throws a SyntaxError for text that is not a token.
    public static func tokenize(_ source: String) throws -> [Token] {
        var lexer = Lexer(source)
        var out: [Token] = []
        while true {
            let t = try lexer.next()
            out.append(t)
            if t.kind == .end { return out }
        }
    }

    public mutating func next() throws -> Token {
        skipping: while i < scalars.count {
            let c = scalars[i]
            switch c {
            case " ", "\t", "\r":
                advance()
            case "#":
                while i < scalars.count, scalars[i] != "\n" { advance() }
            case "\\":
                // A backslash continues the statement only when nothing but space or a comment follows it.
                let start = position
                var j = i + 1
                while j < scalars.count, scalars[j] == " " || scalars[j] == "\t" || scalars[j] == "\r" { j += 1 }
                if j < scalars.count, scalars[j] == "#" { while j < scalars.count, scalars[j] != "\n" { j += 1 } }
                guard j >= scalars.count || scalars[j] == "\n" else {
                    advance()
                    throw Diagnostic(.syntax, "unexpected '\\'; a backslash continues a statement only at the end of a line", at: SourceRange(start, position))
                }
                while i < j { advance() }
                if i < scalars.count { advance() }  // the newline itself
            case "\n":
                if openBrackets.isEmpty { break skipping }
                advance()
            default:
                break skipping
            }
        }
        let start = position
        guard i < scalars.count else {
            if let (bracket, where_) = openBrackets.last {
                endedInsideBracket = true
                throw Diagnostic(.syntax, "'\(bracket)' is never closed: expected '\(bracket == "(" ? ")" : "]")' before the end of the input", at: where_)
            }
            return Token(kind: .end, range: SourceRange(start, start))
        }
        let c = scalars[i]
        if c == "\n" {
            advance()
            return Token(kind: .newline, range: SourceRange(start, start))
        }
        if c == "\"" { return try string(start) }
        if isDigit(c) || (c == "." && i + 1 < scalars.count && isDigit(scalars[i + 1])) { return try number(start) }
        if isNameStart(c) {
            var text = ""
            while i < scalars.count, isNameStart(scalars[i]) || isDigit(scalars[i]) {
                text.unicodeScalars.append(scalars[i])
                advance()
            }
            return Token(kind: .name(text), range: SourceRange(start, position))
        }
        let ch = Character(c)
        switch ch {
        case "(", "[":
            advance()
            openBrackets.append((ch, SourceRange(start, position)))
        case ")", "]":
            advance()
            let want: Character = ch == ")" ? "(" : "["
            guard let open = openBrackets.last else {
                throw Diagnostic(.syntax, "unmatched '\(ch)': no bracket is open here", at: SourceRange(start, position))
            }
            guard open.0 == want else {
                throw Diagnostic(.syntax, "'\(ch)' does not close '\(open.0)': expected '\(open.0 == "(" ? ")" : "]")'", at: SourceRange(start, position))
            }
            openBrackets.removeLast()
        case ",", "=", ".", "+", "-", "*", "/", "@", ":":
            advance()
        default:
            advance()
            // A control character (NUL, ESC...) is named, not echoed: raw, it can cut the message or the terminal.
            let shown = ch.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
                ? ch.unicodeScalars.map { u in
                    let hex = String(u.value, radix: 16, uppercase: true)
                    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                }.joined(separator: " ")
                : "'\(ch)'"
            throw Diagnostic(.syntax, "unexpected character \(shown)", at: SourceRange(start, position))
        }
        return Token(kind: .punct(ch), range: SourceRange(start, position))
    }

    private mutating func number(_ start: SourcePosition) throws -> Token {
        var text = ""
        func take() { text.unicodeScalars.append(scalars[i]); advance() }
        while i < scalars.count, isDigit(scalars[i]) { take() }
        if i < scalars.count, scalars[i] == ".", i + 1 < scalars.count, isDigit(scalars[i + 1]) {
            take()
            while i < scalars.count, isDigit(scalars[i]) { take() }
        }
        if i < scalars.count, scalars[i] == "e" || scalars[i] == "E" {
            var j = i + 1
            if j < scalars.count, scalars[j] == "+" || scalars[j] == "-" { j += 1 }
            if j < scalars.count, isDigit(scalars[j]) {
                while i < j { take() }
                while i < scalars.count, isDigit(scalars[i]) { take() }
            }
        }
        if i < scalars.count, isNameStart(scalars[i]) {
            let bad = String(Character(scalars[i]))
            advance()
            throw Diagnostic(.syntax, "expected a number, found '\(text)\(bad)'", at: SourceRange(start, position))
        }
        guard let v = Double(text.hasPrefix(".") ? "0" + text : text) else {
            throw Diagnostic(.syntax, "expected a number, found '\(text)'", at: SourceRange(start, position))
        }
        // Past the largest double the text would read as inf, silently.
        guard v.isFinite else {
            let shown = text.count > 24 ? String(text.prefix(12)) + "…(\(text.count) characters)" : text
            throw Diagnostic(.syntax, "the number \(shown) is too large: expected at most about 1.8e308", at: SourceRange(start, position))
        }
        return Token(kind: .number(v), range: SourceRange(start, position))
    }

    private mutating func string(_ start: SourcePosition) throws -> Token {
        advance()  // opening quote
        var text = ""
        while true {
            guard i < scalars.count, scalars[i] != "\n" else {
                throw Diagnostic(.syntax, "unterminated string: expected a closing '\"' on the same line", at: SourceRange(start, position))
            }
            let c = scalars[i]
            if c == "\"" { advance(); break }
            if c == "\\" {
                let escStart = position
                advance()
                guard i < scalars.count else { continue }
                switch scalars[i] {
                case "\"": text += "\""
                case "\\": text += "\\"
                case "n": text += "\n"
                case "t": text += "\t"
                default:
                    let bad = String(Character(scalars[i]))
                    advance()
                    throw Diagnostic(.syntax, "unknown escape '\\\(bad)' in a string: expected \\\", \\\\, \\n or \\t", at: SourceRange(escStart, position))
                }
                advance()
                continue
            }
            text.unicodeScalars.append(c)
            advance()
        }
        return Token(kind: .string(text), range: SourceRange(start, position))
    }
}

func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
func isNameStart(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
