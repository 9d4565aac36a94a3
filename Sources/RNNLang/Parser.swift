import RNN

/// Parses source text into statements (language.md). Never traps: every problem is a SyntaxError
/// with the place it was found.
public struct Parser {
    var tokens: [Token]
    var p = 0
    let source: [Unicode.Scalar]
    /// How deep the parser has recursed into brackets, parentheses, calls and signs.
    var nesting = 0
    /// The depth of the expression tree parsed last (what evaluating it will recurse through).
    var lastDepth = 0
    let maxNesting = Budget.current.maxNesting

    init(tokens: [Token], source: String) {
        self.tokens = tokens
        self.source = Array(source.unicodeScalars)
    }

    /// Every statement of a cell or script, in order.
    public static func parse(_ source: String) throws -> [StatementNode] {
        var parser = Parser(tokens: try Lexer.tokenize(source), source: source)
        return try parser.program()
    }

    /// One expression and nothing else (for user_expressions).
    public static func parseExpression(_ source: String) throws -> Expr {
        var parser = Parser(tokens: try Lexer.tokenize(source), source: source)
        while parser.peek == .newline { parser.p += 1 }
        let e = try parser.expression()
        while parser.peek == .newline { parser.p += 1 }
        guard parser.peek == .end else { throw parser.unexpected("the end of the expression") }
        return e
    }

    // MARK: - Token helpers

    var current: Token { tokens[min(p, tokens.count - 1)] }
    var peek: TokenKind { current.kind }
    func peek(_ k: Int) -> TokenKind { tokens[min(p + k, tokens.count - 1)].kind }
    var atStatementEnd: Bool { peek == .newline || peek == .end }

    mutating func take() -> Token {
        let t = current
        if p < tokens.count - 1 { p += 1 }
        return t
    }

    func describe(_ k: TokenKind) -> String {
        switch k {
        case let .name(n): return "'\(n)'"
        case let .number(v): return "the number \(formatNumber(v))"
        case .string: return "a string"
        case let .punct(c): return "'\(c)'"
        case .newline: return "the end of the line"
        case .end: return "the end of the input"
        }
    }

    func unexpected(_ expected: String) -> Diagnostic {
        Diagnostic(.syntax, "expected \(expected), found \(describe(peek))", at: current.range)
    }

    mutating func expect(_ c: Character, _ what: String? = nil) throws -> Token {
        guard peek == .punct(c) else { throw unexpected(what ?? "'\(c)'") }
        return take()
    }

    mutating func ident(_ what: String) throws -> Ident {
        guard case let .name(n) = peek else { throw unexpected(what) }
        let t = take()
        if statementKeywords.contains(n) && what.contains("name") && !what.contains("topic") {
            throw Diagnostic(.syntax, "expected \(what), found the keyword '\(n)'", at: t.range)
        }
        return Ident(n, t.range)
    }

    mutating func keyword(_ word: String) throws -> Token {
        guard peek == .name(word) else { throw unexpected("'\(word)'") }
        return take()
    }

    // MARK: - Statements

    mutating func program() throws -> [StatementNode] {
        var out: [StatementNode] = []
        while true {
            while peek == .newline { p += 1 }
            if peek == .end { return out }
            let startToken = p
            let (s, keyword) = try statement()
            guard atStatementEnd else { throw unexpected("the end of the statement") }
            let first = tokens[startToken].range.start
            let last = tokens[max(startToken, p - 1)].range.end
            let text = String(String.UnicodeScalarView(source[first.offset..<max(first.offset, last.offset)]))
            out.append(StatementNode(statement: s, range: SourceRange(first, last), text: text, keyword: keyword))
        }
    }

    /// One statement: a table entry's (StatementSpec.all, by its keyword), or a bare expression.
    mutating func statement() throws -> (Statement, keyword: String?) {
        if let parsed = try tableStatement() { return (parsed.0, parsed.keyword) }
        if let hint = startOfLineHint() { throw hint }
        return (.expression(try expression()), nil)
    }

    /// `watch NAME: STATEMENT`, after the keyword.
    mutating func watchStatement() throws -> Statement {
        let name = try ident("a slider's name after 'watch'")
        _ = try expect(":", "':' and a statement after the slider's name (watch NAME: STATEMENT)")
        if case let .name(w) = peek, ["watch", "slider"].contains(w) {
            throw Diagnostic(.syntax, "expected a statement to re-run after 'watch \(name.name):', found '\(w)', which cannot be watched", at: current.range)
        }
        guard !atStatementEnd else { throw unexpected("a statement after 'watch \(name.name):'") }
        let startToken = p
        let (inner, keyword) = try statement()
        let first = tokens[startToken].range.start
        let last = tokens[max(startToken, p - 1)].range.end
        let text = String(String.UnicodeScalarView(source[first.offset..<max(first.offset, last.offset)]))
        return .watch(name, StatementNode(statement: inner, range: SourceRange(first, last), text: text, keyword: keyword))
    }

    mutating func plot() throws -> Statement {
        if case let .name(n) = peek, StatementSpec.plotForms.contains(n), peek(1) != .punct(".") {
            _ = take()
            switch n {
            case "loss":
                var names: [Ident] = []
                while !atStatementEnd, !isOptionStart {
                    names.append(try ident("a model name"))
                    if peek == .punct(",") { _ = take() }
                }
                guard !names.isEmpty else { throw unexpected("one or more model names after 'plot loss'") }
                return .plot(.loss(names), options: try trailingOptions())
            case "hidden", "jacobian":
                let model = try ident("a model name after 'plot \(n)'")
                _ = try keyword("on")
                let seq = try expression()
                return .plot(n == "hidden" ? .hidden(model, seq) : .jacobian(model, seq), options: try trailingOptions())
            case "attention":
                let model = try ident("a model name after 'plot attention'")
                if peek == .name("on") { _ = take() }
                let sentence = try expression()
                return .plot(.attention(model, sentence), options: try trailingOptions())
            case "generate":
                let model = try ident("a model name after 'plot generate'")
                _ = try keyword("from")
                let seq = try expression()
                return .plot(.generate(model, seq), options: try trailingOptions())
            default:
                var models = [try ident("a model name after 'plot gradients'")]
                while case .name(let n) = peek, n != "on" {
                    models.append(try ident("a model name or 'on'"))
                    if peek == .punct(",") { _ = take() }
                }
                _ = try keyword("on")
                let data = try expression()
                return .plot(.gradients(models, data), options: try trailingOptions())
            }
        }
        let value = try expression()
        return .plot(.value(value), options: try trailingOptions())
    }

    var isOptionStart: Bool {
        if case .name = peek, peek(1) == .punct("=") { return true }
        return false
    }

    /// `key=value` options to the end of the statement, separated by spaces or commas.
    mutating func trailingOptions() throws -> [OptionArg] {
        var out: [OptionArg] = []
        while !atStatementEnd {
            if peek == .punct(","), !out.isEmpty { _ = take(); continue }
            guard isOptionStart else { throw unexpected(out.isEmpty ? "an option (key=value) or the end of the statement" : "another option (key=value) or the end of the statement") }
            out.append(try option())
        }
        return out
    }

    /// Options inside brackets, up to (not including) `close`.
    mutating func optionList(until close: Character) throws -> [OptionArg] {
        var out: [OptionArg] = []
        while peek != .punct(close) {
            if peek == .punct(","), !out.isEmpty { _ = take(); continue }
            guard isOptionStart else { throw unexpected("an option (key=value) or '\(close)'") }
            out.append(try option())
        }
        return out
    }

    mutating func option() throws -> OptionArg {
        let keyToken = take()
        guard case let .name(key) = keyToken.kind else { throw unexpected("an option name") }
        _ = try expect("=")
        return OptionArg(key: key, value: try expression(), keyRange: keyToken.range)
    }

    // MARK: - Expressions

    /// A clear SyntaxError past the nesting limit, before the parser (or, later, the evaluator)
    /// recurses deep enough to overflow its stack.
    func tooDeep() -> Diagnostic {
        Diagnostic(.syntax, "expression nested more than \(maxNesting) levels deep (brackets, calls and each operator of a chain such as a + b + c count as levels); set RNNKERNEL_MAX_NESTING to raise the limit", at: current.range)
    }

    mutating func enter() throws {
        nesting += 1
        if nesting > maxNesting { throw tooDeep() }
    }

    /// Records the depth of the tree just built, refusing one past the limit.
    mutating func built(depth: Int) throws {
        lastDepth = depth
        if depth > maxNesting { throw tooDeep() }
    }

    mutating func expression() throws -> Expr {
        var left = try term()
        var depth = lastDepth
        while case let .punct(c) = peek, c == "+" || c == "-" {
            _ = take()
            let right = try term()
            depth = max(depth, lastDepth) + 1
            try built(depth: depth)
            left = .binary(c == "+" ? .add : .subtract, left, right, left.range.joined(right.range))
        }
        lastDepth = depth
        return left
    }

    mutating func term() throws -> Expr {
        var left = try unary()
        var depth = lastDepth
        while case let .punct(c) = peek, c == "*" || c == "/" || c == "@" {
            _ = take()
            let right = try unary()
            depth = max(depth, lastDepth) + 1
            try built(depth: depth)
            left = .binary(c == "*" ? .multiply : c == "/" ? .divide : .matmul, left, right, left.range.joined(right.range))
        }
        lastDepth = depth
        return left
    }

    mutating func unary() throws -> Expr {
        if peek == .punct("-") {
            let minus = take()
            try enter()
            defer { nesting -= 1 }
            let inner = try unary()
            if case let .number(v, r) = inner { return .number(-v, minus.range.joined(r)) }
            try built(depth: lastDepth + 1)
            return .negate(inner, minus.range.joined(inner.range))
        }
        if peek == .punct("+") {
            _ = take()
            try enter()
            defer { nesting -= 1 }
            return try unary()
        }
        return try primary()
    }

    /// A primary value followed by any number of `.T` (transpose).
    mutating func primary() throws -> Expr {
        var e = try primaryBase()
        while peek == .punct("."), peek(1) == .name("T") {
            _ = take()
            let t = take()
            e = .transpose(e, e.range.joined(t.range))
        }
        return e
    }

    mutating func primaryBase() throws -> Expr {
        let t = current
        lastDepth = 1
        switch t.kind {
        case let .number(v):
            _ = take()
            return .number(v, t.range)
        case let .string(s):
            _ = take()
            return .string(s, t.range)
        case let .name(n):
            _ = take()
            if n == "true" || n == "false" { return .bool(n == "true", t.range) }
            if peek == .punct(".") {
                _ = take()
                guard case let .name(first) = peek else { throw unexpected("a parameter name after '\(n).'") }
                var m = take(), member = first
                // A seq2seq parameter's name has dots (decoder.fc.weight); a last .T stays the transpose.
                while peek == .punct("."), case let .name(next) = peek(1), next != "T" {
                    _ = take()
                    m = take()
                    member += "." + next
                }
                return .member(n, member, t.range.joined(m.range))
            }
            if peek == .punct("(") {
                _ = take()
                try enter()
                defer { nesting -= 1 }
                var args: [Expr] = []
                var options: [OptionArg] = []
                var depth = 0
                while peek != .punct(")") {
                    if peek == .punct(","), !(args.isEmpty && options.isEmpty) { _ = take(); continue }
                    if isOptionStart { options.append(try option()); depth = max(depth, lastDepth); continue }
                    guard options.isEmpty else { throw unexpected("an option (key=value) or ')'") }
                    args.append(try expression())
                    depth = max(depth, lastDepth)
                }
                let close = take()
                try built(depth: depth + 1)
                return .call(n, args, options, t.range.joined(close.range))
            }
            return .name(n, t.range)
        case .punct("["):
            _ = take()
            try enter()
            defer { nesting -= 1 }
            var items: [Expr] = []
            var depth = 0
            while peek != .punct("]") {
                if !items.isEmpty { _ = try expect(",", "',' or ']' in a list") }
                if peek == .punct("]") { break }  // a trailing comma
                items.append(try expression())
                depth = max(depth, lastDepth)
            }
            let close = take()
            try built(depth: depth + 1)
            return .list(items, t.range.joined(close.range))
        case .punct("("):
            _ = take()
            try enter()
            defer { nesting -= 1 }
            let inner = try expression()
            _ = try expect(")")
            return inner
        default:
            throw unexpected("a value (a number, string, list or name)")
        }
    }
}

/// A number as the language prints it: integral values without a fraction, others in the
/// shortest form that reads back the same.
public func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == v.rounded(), abs(v) < 1e16 { return v == 0 ? "0" : String(Int64(v)) }
    return "\(v)"
}
