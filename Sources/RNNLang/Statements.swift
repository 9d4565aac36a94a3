import Jupyter

/// One part of a statement after its keyword, in order: what completion offers there.
public enum SyntaxPart: Equatable, Sendable {
    /// A model's name.
    case model
    /// A new name (let, slider).
    case name
    /// A word that must come here: on, from, as, to, log.
    case word(String)
    /// A word that may come here (sample's from, slider's step).
    case optionalWord(String)
    /// An expression: a sequence, a dataset, a path, a number.
    case value
    /// `key=value` options (the statement's `options`).
    case options
    /// Free-form: the statement completes itself (help topics, plot's forms, watch's statement).
    case custom
}

/// What the experiment log records for a statement (language.md "The experiment log").
public enum LogRule: Sendable {
    /// Not logged: it changes nothing that replay needs.
    case none
    /// Logged with the session's seed and generator state, no model (let, seed, drop, slider).
    case session
    /// Logged with the model it defines or changes, and that model's weights hash afterwards.
    case model(@Sendable (Statement) -> Ident?)
    /// As `model`, plus the training run it made: options, data and its fingerprint, losses, validation.
    case run(@Sendable (Statement) -> Ident?)

    public var isLogged: Bool {
        if case .none = self { return false }
        return true
    }
}

/// A statement of the language, described once: its keyword, syntax, options, help, how it is
/// parsed and run, and what the log records. The parser's dispatch, `help`, docs/reference.md,
/// completion, inspection and the experiment log all read `StatementSpec.all`.
public struct StatementSpec: Sendable {
    public let keyword: String
    /// Other words for the same statement (quit for exit).
    public let aliases: [String]
    /// What follows the keyword, for completion.
    public let syntax: [SyntaxPart]
    /// The line the help index shows.
    public let summary: String
    /// The help text; `{options}` stands for the option table, drawn from `options`. Made when
    /// help is asked for, not when the first statement is parsed: it is most of an entry's size.
    let bodyTemplate: @Sendable () -> String
    public let options: [OptionSpec]
    public let log: LogRule
    /// Whether `watch NAME: …` may re-run it: it only shows something, changing nothing.
    public let watchable: Bool
    /// The kinds of model it takes, for each form of it that names one (plot has several); empty
    /// when it names none. A model of another kind is refused from here before `run`.
    public let models: [ModelKinds]
    /// Parses what follows the keyword (already taken).
    let parse: @Sendable (inout Parser) throws -> Statement
    /// Runs the parsed statement; returns a bundle only for a bare expression's value.
    let run: @Sendable (inout StatementContext, Statement) throws -> MimeBundle?

    init(_ keyword: String, aliases: [String] = [], syntax: [SyntaxPart], summary: String, options: [OptionSpec] = [], log: LogRule = .none,
         watchable: Bool = false, models: [ModelKinds], help: @autoclosure @escaping @Sendable () -> String, parse: @escaping @Sendable (inout Parser) throws -> Statement,
         run: @escaping @Sendable (inout StatementContext, Statement) throws -> Void) {
        self.keyword = keyword
        self.aliases = aliases
        self.syntax = syntax
        self.summary = summary
        self.bodyTemplate = help
        self.options = options
        self.log = log
        self.watchable = watchable
        self.models = models
        self.parse = parse
        self.run = { ctx, s in
            try run(&ctx, s)
            return nil
        }
    }

    /// The help body, with the option table (and the lists the table keeps) filled in.
    public var help: String {
        bodyTemplate().replacing("{options}", with: Help.optionLines(options))
            .replacing("{watchable}", with: Self.all.filter(\.watchable).map(\.keyword).joined(separator: ", "))
            .replacing("{logged}", with: Self.all.filter(\.log.isLogged).map(\.keyword).joined(separator: ", "))
    }

    /// Every word that starts this statement.
    public var words: [String] { [keyword] + aliases }

    /// The words that must appear after the keyword (on, from, to…), in order.
    var requiredWords: [String] { syntax.compactMap { if case let .word(w) = $0 { return w } else { return nil } } }

    /// Every statement, in the order the help index lists them.
    public static let all: [StatementSpec] = [
        cell, assign, set, show, unroll, backward, jacobian, generate, train, predict, sample, plot, models, copy, drop, save, load,
        runs, export, seed, help, print, exit, clear, slider, watch, translate,
    ]

    /// The statement a word starts (aliases included).
    public static func named(_ word: String) -> StatementSpec? { byWord[word] }

    static let byWord: [String: StatementSpec] = {
        var out: [String: StatementSpec] = [:]
        for s in all { for w in s.words { out[w] = s } }
        return out
    }()
}

/// Words that begin statements; they cannot be used as names.
public let statementKeywords: [String] = StatementSpec.all.flatMap(\.words)

/// A kind of model `cell NAME = KIND(...)` defines: its options and the code that defines it.
public struct CellKindSpec: Sendable {
    public let name: String
    public let options: [OptionSpec]
    /// Options other statements take on this kind of model instead of their own (seq2seq's train).
    public var statementOptions: [String: [OptionSpec]] = [:]
    let define: @Sendable (inout StatementContext, _ name: Ident, _ kind: Ident, _ options: [OptionArg]) throws -> Void

    /// Every cell kind, in the order errors and completion list them.
    public static let all: [CellKindSpec] = [
        CellKindSpec(name: "rnn", options: OptionTable.cell) { ctx, name, kind, options in try ctx.defineCell(name, kind, options) },
        CellKindSpec(name: "lstm", options: OptionTable.cell) { ctx, name, kind, options in try ctx.defineCell(name, kind, options) },
        CellKindSpec(name: "gru", options: OptionTable.cell) { ctx, name, kind, options in try ctx.defineCell(name, kind, options) },
        CellKindSpec(name: "seq2seq", options: Seq2SeqHelp.cellOptions, statementOptions: ["train": Seq2SeqHelp.trainOptions]) { ctx, name, _, options in
            try ctx.defineSeq2Seq(name, options)
        },
        CellKindSpec(name: "bow", options: BagOfWordsHelp.cellOptions) { ctx, name, kind, options in try ctx.defineBagOfWords(name, kind, options) },
    ]

    public static func named(_ name: String) -> CellKindSpec? { all.first { $0.name == name } }

    /// rnn, lstm, gru, seq2seq or bow.
    static var namesText: String {
        let names = all.map(\.name)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

extension Parser {
    /// The statement a keyword starts, parsed by its table entry.
    mutating func tableStatement() throws -> (Statement, keyword: String)? {
        guard case let .name(word) = peek, let spec = StatementSpec.named(word) else { return nil }
        _ = take()
        return (try spec.parse(&self), spec.keyword)
    }
}

extension StatementContext {
    /// Runs a statement through its table entry (a bare expression has none), once its model is
    /// of a kind the entry takes.
    mutating func run(_ node: StatementNode) throws -> MimeBundle? {
        if case let .expression(e) = node.statement { return try expressionBundle(e) }
        guard let keyword = node.keyword, let spec = StatementSpec.named(keyword) else {
            throw Diagnostic(.syntax, "this statement has no entry in the table of statements", at: node.range)
        }
        try checkModelKinds(spec, node.statement)
        return try spec.run(&self, node.statement)
    }
}
