import JSON
import Jupyter
import Plot
import RNN
import Store
import Synchronization

/// Everything a session knows. A value type: each statement runs on a copy, which replaces the
/// session's state only when the statement succeeds, so a failing statement changes nothing.
public struct SessionState: Equatable, Sendable {
    public var values: [String: Value] = [:]
    public var store = ModelStore()
    /// The session seed (`seed N`) and the stream drawn from it by everything that names no seed.
    public var seed: UInt64 = 0
    public var rng = SplitMix64(seed: 0)
    /// Every training run, in order.
    public var runs: [RunRecord] = []
    /// The experiment log: every statement that changed the session.
    public var log: [LogEntry] = []

    public init() {}

    /// The weights hash of a cell, or of a seq2seq model that has weights.
    public func weightsHash(ofModelNamed name: String) -> String? {
        if let e = store[name] { return Store.weightsHash(of: e.model) }
        return store[seq2seq: name]?.model.map { Store.weightsHash(of: $0) }
    }

    public static func == (a: SessionState, b: SessionState) -> Bool {
        a.values == b.values && a.store == b.store && a.seed == b.seed && a.rng.state == b.rng.state && a.runs == b.runs
    }
}

/// Set from another thread (or a signal handler: it is lock-free) to stop a running statement at its next step.
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    public init() {}
    public func raise() { raised.store(true, ordering: .relaxed) }
    public func clear() { raised.store(false, ordering: .relaxed) }
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// What running some source produced, beyond the outputs already sent.
public struct RunResult {
    /// The last statement's value when it was a bare expression: the cell's result.
    public var result: MimeBundle?
    /// Reply payloads, e.g. the pager for `help`.
    public var payloads: [JSON] = []
}

/// Runs statements against a session, sending outputs as it goes.
public final class Evaluator {
    public internal(set) var state = SessionState()
    public let interrupt = InterruptFlag()
    /// Widgets, sliders and watches: live views beside the state (Evaluator+Interactive.swift).
    let interactive = InteractiveSession()

    public init() {}

    /// Runs every statement of `source` in order. Stops at the first error, which is thrown as a
    /// Diagnostic; the statements before it keep their effects.
    public func run(_ source: String, output: OutputSink) throws -> RunResult {
        let statements = try Parser.parse(source)
        interactive.evaluator = self
        defer { syncSliders(output) }
        var result = RunResult()
        for (index, node) in statements.enumerated() {
            if interrupt.isRaised {
                throw Diagnostic(.interrupt, "interrupted before line \(node.range.start.line); nothing after it ran", at: node.range)
            }
            var ctx = StatementContext(state: state, output: output, interrupt: interrupt, source: source, node: node)
            ctx.interactive = interactive
            let value: MimeBundle?
            let started = now()
            let before = Before(seed: state.seed, rngState: state.rng.state, runs: state.runs.count)
            do {
                value = try Interruption.watching({ [interrupt] in interrupt.isRaised }) { try ctx.execute() }
            } catch let e as BudgetError {
                throw Diagnostic(.memory, e.message, at: node.range)
            } catch is Interrupted {
                throw Diagnostic(.interrupt, "interrupted at line \(node.range.start.line); that statement changed nothing", at: node.range)
            } catch var d as Diagnostic where !ctx.fixedInputs.isEmpty {
                // The "input=… from the data" line is already out; the failed statement's copy of the
                // store, where the width was fixed, is dropped, so the error says it was not kept.
                d.message += " (so \(ctx.fixedInputs.joined(separator: ", ")) keeps no input width: the statement changed nothing)"
                throw d
            } catch let stop as StopKeepingState {
                // Interrupted or diverged training keeps what it completed, then reports.
                state = stop.state
                record(node, before: before, into: &state, seconds: now() - started, fileSHA256: nil)
                throw stop.diagnostic
            }
            // The new state in place and the old one's log let go, so the log's storage has one owner
            // and appending its entry does not copy the whole log (which made a session quadratic).
            swap(&state, &ctx.state)
            ctx.state.log = []
            record(node, before: before, into: &state, seconds: now() - started, fileSHA256: ctx.loadedFileSHA256)
            result.payloads += ctx.payloads
            if ctx.exitRequested { break }
            if let value {
                if index == statements.count - 1 {
                    result.result = value
                } else {
                    output.display(value, displayID: nil)
                }
            }
        }
        return result
    }

    /// What `record` needs of the session as it was before a statement ran.
    struct Before {
        let seed: UInt64
        let rngState: UInt64
        let runs: Int
    }

    /// Adds a log entry for a statement that changed the session (language.md "The experiment log").
    func record(_ node: StatementNode, before: Before, into s: inout SessionState, seconds: Double, fileSHA256: String?) {
        // What the statement's table entry says the log records.
        let rule = node.keyword.flatMap(StatementSpec.named)?.log ?? .none
        var model: String?
        switch rule {
        case .none: return
        case .session: model = nil
        case let .model(subject), let .run(subject): model = subject(node.statement)?.name
        }
        var entry = LogEntry(index: s.log.count + 1, statement: node.text, sessionSeed: before.seed, rngState: before.rngState,
                             model: model, seconds: seconds)
        if let model { entry.weightsSHA256 = s.weightsHash(ofModelNamed: model) }
        entry.fileSHA256 = fileSHA256
        if case .run = rule, let run = s.runs.last, s.runs.count > before.runs {
            entry.options = run.options
            entry.data = run.data
            entry.dataSHA256 = run.dataFingerprint
            entry.losses = run.losses
            if let v = run.validation {
                entry.validation = v.data
                entry.validationSHA256 = v.dataFingerprint
                entry.validationLosses = v.epochs.map(\.evaluation.loss)
                let accuracy = v.epochs.compactMap(\.evaluation.accuracy)
                if accuracy.count == v.epochs.count, !accuracy.isEmpty { entry.validationAccuracy = accuracy }
            }
        }
        s.log.append(entry)
    }

    /// Why `text` cannot be an entry of the experiment log (nil when it can be): an entry holds one
    /// statement, of a kind the log records. Replay checks it first, so a crafted log cannot make it
    /// run `save`, `export` or a second statement hidden after a newline.
    public static func replayProblem(_ text: String) -> String? {
        let nodes: [StatementNode]
        do { nodes = try Parser.parse(text) } catch { return "it does not parse: \(error)" }
        guard nodes.count == 1 else { return "it holds \(nodes.count) statements, where an entry holds one" }
        let logged = StatementSpec.all.filter { if case .none = $0.log { return false } else { return true } }.map(\.keyword)
        guard let keyword = nodes[0].keyword, logged.contains(keyword) else {
            return "\(nodes[0].keyword.map { "'\($0)'" } ?? "an expression") is not a statement the log records (it records \(logged.joined(separator: ", ")))"
        }
        return nil
    }

    /// Puts the session generator where a log entry says it was, so replayed draws repeat.
    public func restoreRandomState(seed: UInt64, rngState: UInt64) {
        state.seed = seed
        state.rng = SplitMix64(seed: rngState)
    }

    /// The model under a name, if any.
    public func model(named name: String) -> ModelEntry? { state.store[name] }

    /// The weights hash of the model (cell or seq2seq with weights) under a name, if any: what the log records and replay checks.
    public func weightsHash(ofModelNamed name: String) -> String? { state.weightsHash(ofModelNamed: name) }

    /// Evaluates one expression with no effect on the session (user_expressions, inspection).
    public func evaluate(expression source: String) throws -> MimeBundle {
        let expr = try Parser.parseExpression(source)
        var ctx = StatementContext(state: state, output: NullSink(), interrupt: interrupt, source: source, node: nil)
        do {
            return try Interruption.watching({ [interrupt] in interrupt.isRaised }) { try ctx.bundle(for: ctx.eval(expr)) }
        } catch let e as BudgetError {
            throw Diagnostic(.memory, e.message, at: expr.range)
        } catch is Interrupted {
            throw Diagnostic(.interrupt, "interrupted", at: expr.range)
        }
    }
}

/// Thrown by a statement that must keep part of its work (the steps training completed) and still
/// report an error.
struct StopKeepingState: Error {
    let state: SessionState
    let diagnostic: Diagnostic
}

/// An OutputSink that drops everything.
final class NullSink: OutputSink {
    func stream(_ name: StreamName, _ text: String) {}
    func display(_ bundle: MimeBundle, displayID: String?) {}
    func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
    func clearOutput(wait: Bool) {}
}

/// One statement being run: a scratch copy of the state, and where outputs go.
struct StatementContext {
    var state: SessionState
    let output: OutputSink
    let interrupt: InterruptFlag
    let source: String
    let node: StatementNode?
    var payloads: [JSON] = []
    /// SHA-256 of the file a `load` read, for the log.
    var loadedFileSHA256: String?
    /// Set by `exit`: nothing after it in the cell runs.
    var exitRequested = false
    /// Models whose input= this statement fixed from its data (and said so): undone if it fails.
    var fixedInputs: [String] = []
    /// The session's widgets; nil where a statement must not make any (a watched re-run, inspection).
    var interactive: InteractiveSession?
    /// How deep `eval` is: the parser limits nesting, this guards trees made any other way.
    var evalDepth = 0

    init(state: SessionState, output: OutputSink, interrupt: InterruptFlag, source: String, node: StatementNode?) {
        self.state = state
        self.output = output
        self.interrupt = interrupt
        self.source = source
        self.node = node
    }

    var statementRange: SourceRange? { node?.range }

    func say(_ text: String) { output.stream(.stdout, text.hasSuffix("\n") ? text : text + "\n") }
    func warn(_ text: String) { output.stream(.stderr, "warning: " + text + "\n") }

    /// Runs the statement; returns a bundle when it is a bare expression (the cell's result).
    mutating func execute() throws -> MimeBundle? {
        guard let node else { return nil }
        return try run(node)
    }

    // MARK: - Names

    func checkAssignable(_ name: Ident) throws {
        if ["true", "false"].contains(name.name) || statementKeywords.contains(name.name) {
            throw Diagnostic(.syntax, "'\(name.name)' is a keyword and cannot be used as a name", at: name.range)
        }
    }

    var knownNames: [String] { Array(state.values.keys) + state.store.names }

    func nameError(_ name: Ident) -> Diagnostic {
        Diagnostic(.name, "name '\(name.name)' is not defined\(didYouMean(name.name, knownNames + statementKeywords))", at: name.range)
    }

    func modelEntry(_ name: Ident) throws -> ModelEntry {
        if let e = state.store[name.name] { return e }
        if let s = state.store[seq2seq: name.name] { throw seq2seqMisuse(name, s) }
        if state.values[name.name] != nil {
            throw Diagnostic(.value, "expected a model, found '\(name.name)', which is \(state.values[name.name]!.kindDescription)", at: name.range)
        }
        throw Diagnostic(.name, "no model named '\(name.name)'\(didYouMean(name.name, state.store.names))", at: name.range)
    }

    // MARK: - Expressions

    /// A bare word in an option's value is a symbol unless it names something.
    mutating func evalOption(_ e: Expr) throws -> Value {
        if case let .name(n, _) = e, state.values[n] == nil, state.store[n] == nil { return .symbol(n) }
        return try eval(e)
    }

    mutating func eval(_ e: Expr) throws -> Value {
        evalDepth += 1
        defer { evalDepth -= 1 }
        if evalDepth > Budget.current.maxNesting {
            throw Diagnostic(.syntax, "expression nested more than \(Budget.current.maxNesting) levels deep (brackets, calls and each operator of a chain such as a + b + c count as levels); set RNNKERNEL_MAX_NESTING to raise the limit", at: e.range)
        }
        switch e {
        case let .number(v, _): return .number(v)
        case let .string(s, _): return .string(s)
        case let .bool(b, _): return .bool(b)
        case let .list(items, _): return .list(try items.map { try eval($0) })
        case let .name(n, r):
            if let v = state.values[n] { return v }
            if state.store[n] != nil { return .model(n) }
            throw nameError(Ident(n, r))
        case let .member(m, p, r):
            if p == "T", let v = state.values[m] { return try transpose(v, r) }
            if p == "T", state.store[m] == nil { throw nameError(Ident(m, r)) }
            let entry = try modelEntry(Ident(m, r))
            guard let t = entry.model.readable(p) else {
                throw Diagnostic(.name, withSuggestion("model '\(m)' has no parameter '\(p)'", p, entry.model.readableNames, then: "it has \(entry.model.parameterNames.joined(separator: ", "))"), at: r)
            }
            return .from(t)
        case let .call(f, args, options, r):
            return try callFunction(f, args, options, r)
        case let .negate(inner, r):
            return try arithmetic(.multiply, .number(-1), eval(inner), r)
        case let .binary(.matmul, a, b, r):
            return try matmul(eval(a), eval(b), r)
        case let .binary(op, a, b, r):
            return try arithmetic(op, eval(a), eval(b), r)
        case let .transpose(inner, r):
            return try transpose(eval(inner), r)
        }
    }

    /// Numbers, and lists element by element (a number applies to every element).
    mutating func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value, _ r: SourceRange) throws -> Value {
        switch (a, b) {
        case let (.number(x), .number(y)):
            switch op {
            case .add: return .number(x + y)
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            case .divide:
                guard y != 0 else { throw Diagnostic(.value, "division by zero", at: r) }
                return .number(x / y)
            case .matmul:
                return try matmul(a, b, r)
            }
        case let (.list(xs), .list(ys)):
            guard xs.count == ys.count else {
                throw Diagnostic(.shape, "expected lists of the same length for '\(op.rawValue)', found \(xs.count) and \(ys.count)", at: r)
            }
            return .list(try zip(xs, ys).map { try arithmetic(op, $0, $1, r) })
        case let (.list(xs), .number):
            return .list(try xs.map { try arithmetic(op, $0, b, r) })
        case let (.number, .list(ys)):
            return .list(try ys.map { try arithmetic(op, a, $0, r) })
        default:
            throw Diagnostic(.value, "expected numbers or lists of numbers for '\(op.rawValue)', found \(a.kindDescription) and \(b.kindDescription)", at: r)
        }
    }

    // MARK: - Results

    /// A bare expression's value; a seq2seq model's name gives its summary line.
    mutating func expressionBundle(_ e: Expr) throws -> MimeBundle {
        if case let .name(n, _) = e, let s = state.store[seq2seq: n] { return .text(seq2seqSummaryLine(n, s)) }
        return try bundle(for: eval(e))
    }

    mutating func bundle(for v: Value) throws -> MimeBundle {
        switch v {
        case let .model(name):
            let entry = try modelEntry(Ident(name, statementRange ?? SourceRange(.init(line: 1, column: 1, offset: 0), .init(line: 1, column: 1, offset: 0))))
            return .text(summaryLine(name, entry.model))
        case let .dataset(d):
            return datasetPreview(d)
        default:
            return .text(v.literal)
        }
    }

    /// text/plain and text/html for a table.
    func tableBundle(_ t: Table) -> MimeBundle {
        MimeBundle([(mime: "text/plain", value: .string(t.renderText())), (mime: "text/html", value: .string(t.renderHTML()))])
    }

    /// Checks option names against a table, with a did-you-mean for unknown ones and no repeats.
    func checkOptions(_ options: [OptionArg], _ specs: [OptionSpec], statement: String) throws {
        var seen = Set<String>()
        for o in options {
            guard specs.contains(where: { $0.name == o.key }) else {
                let list = specs.isEmpty ? "it takes no options" : "expected one of \(specs.map(\.name).joined(separator: ", "))"
                throw Diagnostic(.value, withSuggestion("unknown option '\(o.key)' for \(statement)", o.key, specs.map(\.name), then: list), at: o.keyRange)
            }
            guard seen.insert(o.key).inserted else {
                throw Diagnostic(.value, "option '\(o.key)' is given twice", at: o.keyRange)
            }
        }
    }
}
