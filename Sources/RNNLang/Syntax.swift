/// A place in the source: 1-based line, 1-based column counted in Unicode code points.
public struct SourcePosition: Equatable, Comparable, Sendable {
    public var line: Int
    public var column: Int
    /// Offset from the start of the whole text, in code points (what Jupyter's cursor_pos counts).
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool { a.offset < b.offset }
}

/// A half-open span of source text.
public struct SourceRange: Equatable, Sendable {
    public var start: SourcePosition
    public var end: SourcePosition

    public init(_ start: SourcePosition, _ end: SourcePosition) {
        self.start = start
        self.end = end
    }

    public func joined(_ other: SourceRange) -> SourceRange { SourceRange(min(start, other.start), max(end, other.end)) }
}

/// A binary arithmetic operator.
public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    /// `A @ B`: the matrix product.
    case matmul = "@"
}

/// An expression with its source range.
public indirect enum Expr: Equatable, Sendable {
    case number(Double, SourceRange)
    case string(String, SourceRange)
    case bool(Bool, SourceRange)
    case list([Expr], SourceRange)
    case name(String, SourceRange)
    /// `NAME.PARAM`
    case member(String, String, SourceRange)
    /// `sine(count=100, length=20)`, `text("abc")`
    case call(String, [Expr], [OptionArg], SourceRange)
    case binary(BinaryOperator, Expr, Expr, SourceRange)
    case negate(Expr, SourceRange)
    /// `M.T`: the transpose.
    case transpose(Expr, SourceRange)

    public var range: SourceRange {
        switch self {
        case let .number(_, r), let .string(_, r), let .bool(_, r), let .list(_, r), let .name(_, r), let .member(_, _, r),
             let .call(_, _, _, r), let .binary(_, _, _, r), let .negate(_, r), let .transpose(_, r):
            return r
        }
    }
}

/// One `key=value` option, with the ranges of its key and of the whole option.
public struct OptionArg: Equatable, Sendable {
    public var key: String
    public var value: Expr
    public var keyRange: SourceRange

    public init(key: String, value: Expr, keyRange: SourceRange) {
        self.key = key
        self.value = value
        self.keyRange = keyRange
    }
}

/// A name written in a statement, with where it was written.
public struct Ident: Equatable, Sendable {
    public var name: String
    public var range: SourceRange

    public init(_ name: String, _ range: SourceRange) {
        self.name = name
        self.range = range
    }
}

/// What `plot` draws.
public enum PlotTarget: Equatable, Sendable {
    case loss([Ident])
    case hidden(Ident, Expr)
    /// `plot gradients NAME [NAME ...] on DATA`
    case gradients([Ident], Expr)
    /// `plot jacobian NAME on SEQ`: ‖J_t ⋯ J_1‖ against t
    case jacobian(Ident, Expr)
    /// `plot generate NAME from SEQ steps=N`: the given and the generated values
    case generate(Ident, Expr)
    /// `plot attention NAME "sentence"`: a seq2seq model's attention weights, target words × source words
    case attention(Ident, Expr)
    /// `plot NAME.PARAM`, `plot SEQ`, `plot NAME`
    case value(Expr)
}

/// One statement of the language (see language.md).
public enum Statement: Equatable, Sendable {
    case cell(Ident, kind: Ident, options: [OptionArg])
    case assign(Ident, Expr)
    case setParameter(model: Ident, parameter: Ident, value: Expr)
    case show(Expr, options: [OptionArg])
    case unroll(Ident, sequence: Expr, options: [OptionArg])
    case backward(Ident, sequence: Expr, options: [OptionArg])
    /// `jacobian NAME on SEQ`: ∂h_t/∂h_{t-1} at every step and their running product
    case jacobian(Ident, sequence: Expr, options: [OptionArg])
    /// `generate NAME from SEQ steps=N`: one-to-many, y_t fed back as x_{t+1}
    case generate(Ident, from: Expr, options: [OptionArg])
    case train(Ident, data: Expr, options: [OptionArg])
    case predict(Ident, data: Expr, options: [OptionArg])
    case sample(Ident, prime: Expr?, options: [OptionArg])
    /// `translate NAME "sentence" [beam=K] [max_length=N]`: a seq2seq model's output (Evaluator+Seq2Seq.swift)
    case translate(Ident, sentence: Expr, options: [OptionArg])
    case plot(PlotTarget, options: [OptionArg])
    case models
    case copy(Ident, as: Ident)
    case drop(Ident)
    case save(Ident, path: Expr)
    case load(Ident, path: Expr)
    case runs(Ident?)
    case exportLog(path: Expr)
    case seed(Expr)
    case help([Ident])
    case print([Expr], options: [OptionArg])
    case clear
    /// `exit` / `quit`: asks the front end to close (jupyter console leaves), or ends a script.
    case exit
    /// `slider NAME from A to B [step S]`: a slider bound to a value (widgets; language.md "Interactive lessons").
    case slider(Ident, from: Expr, to: Expr, step: Expr?, options: [OptionArg])
    /// `watch NAME: STATEMENT`: re-runs STATEMENT, into an output area, whenever slider NAME moves.
    indirect case watch(Ident, StatementNode)
    case expression(Expr)
}

/// A statement with the source it came from.
public struct StatementNode: Equatable, Sendable {
    public var statement: Statement
    public var range: SourceRange
    /// The statement's source text, exactly as written (continuation lines included).
    public var text: String
    /// The keyword of its entry in the table of statements (StatementSpec.all); nil for a bare expression.
    public var keyword: String?

    public init(statement: Statement, range: SourceRange, text: String, keyword: String? = nil) {
        self.statement = statement
        self.range = range
        self.text = text
        self.keyword = keyword
    }
}
