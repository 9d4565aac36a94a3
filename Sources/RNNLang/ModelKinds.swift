import RNN
import Store

/// The kinds of model a statement may name: what `cell NAME = KIND(...)` defined.
public enum ModelKind: String, CaseIterable, Sendable {
    /// A recurrent cell: rnn, lstm or gru.
    case cell
    /// An encoder–decoder (cell NAME = seq2seq(...)).
    case seq2seq
    /// The bag-of-words classifier (cell NAME = bow(...)): no time steps.
    case bow
}

/// What a statement says to a model of a kind it does not take; each names what to use instead.
public enum Refusal: Sendable {
    /// A bow model has no time steps: train, predict, show and plot it, or use a cell.
    case noTimeSteps
    /// A seq2seq model given a cell's statement: the statements a seq2seq model takes.
    case cellsOnly
    /// A cell or a bow model given a seq2seq statement: a seq2seq model.
    case seq2seqOnly

    /// What the message offers instead: kinds the statement takes, and statements (or plot forms)
    /// that take the refused model.
    public var instead: (kinds: [ModelKind], statements: [String]) {
        switch self {
        case .noTimeSteps: return ([.cell], ["train", "predict", "show", "plot loss", "plot NAME.PARAM"])
        case .cellsOnly: return ([.cell], ["train", "translate", "predict", "unroll", "plot attention", "plot loss", "show", "copy", "drop", "save", "load"])
        case .seq2seqOnly: return ([.seq2seq], [])
        }
    }

    /// The error's text: `name` holds `model` ("an rnn cell", "a bow model", "a seq2seq model (…)"),
    /// given to `form` ("unroll", "plot hidden").
    func message(_ form: String, name: String, model: String) -> String {
        switch self {
        case .noTimeSteps:
            return "'\(name)' is a bow model: it has no time steps, hidden state or gradients through time to \(form); it counts a sentence's terms and classifies them (logits = W φ + b). "
                + "Train, predict, show and plot it (plot loss, plot \(name).W), or use an rnn, lstm or gru cell for \(form)"
        case .cellsOnly:
            let takes = instead.statements
            return "'\(name)' is \(model) and this statement works on rnn, lstm and gru cells; a seq2seq model takes \(takes.dropLast().joined(separator: ", ")) and \(takes.last!)"
        case .seq2seqOnly:
            return "'\(name)' is \(model); \(form) works on seq2seq models (cell NAME = seq2seq(embed=32, hidden=64))"
        }
    }
}

/// Which kinds of model a statement, or one form of it (plot hidden), takes, and the refusal each
/// other kind gets. A statement's entry in the table lists them (`StatementSpec.models`).
public struct ModelKinds: Sendable {
    /// The statement or form, as `Statement.modelTargets` and the refusals name it.
    public let form: String
    public let accepted: [ModelKind]
    /// One for every kind not accepted.
    public let refused: [ModelKind: Refusal]

    /// Takes a model of every kind (any further check is its handler's).
    static func any(_ form: String) -> ModelKinds { ModelKinds(form: form, accepted: ModelKind.allCases, refused: [:]) }

    /// Needs time steps and a cell's weights: rnn, lstm and gru only.
    static func cells(_ form: String) -> ModelKinds { ModelKinds(form: form, accepted: [.cell], refused: [.bow: .noTimeSteps, .seq2seq: .cellsOnly]) }

    /// A seq2seq model's own statement (translate, plot attention).
    static func seq2seq(_ form: String) -> ModelKinds { ModelKinds(form: form, accepted: [.seq2seq], refused: [.cell: .seq2seqOnly, .bow: .seq2seqOnly]) }
}

extension Statement {
    /// The form of the statement that names models, and the names it gives where a model is
    /// expected; nil when it names none.
    var modelTargets: (form: String, names: [Ident])? {
        switch self {
        case let .setParameter(model, _, _): return ("set", [model])
        case let .show(.name(n, r), _), let .show(.member(n, _, r), _): return ("show", [Ident(n, r)])
        case let .unroll(n, _, _): return ("unroll", [n])
        case let .backward(n, _, _): return ("backward", [n])
        case let .jacobian(n, _, _): return ("jacobian", [n])
        case let .generate(n, _, _): return ("generate", [n])
        case let .train(n, _, _): return ("train", [n])
        case let .predict(n, _, _): return ("predict", [n])
        case let .sample(n, _, _): return ("sample", [n])
        case let .translate(n, _, _): return ("translate", [n])
        case let .plot(.loss(names), _): return ("plot loss", names)
        case let .plot(.hidden(n, _), _): return ("plot hidden", [n])
        case let .plot(.gradients(names, _), _): return ("plot gradients", names)
        case let .plot(.jacobian(n, _), _): return ("plot jacobian", [n])
        case let .plot(.generate(n, _), _): return ("plot generate", [n])
        case let .plot(.attention(n, _), _): return ("plot attention", [n])
        case let .plot(.value(.member(n, _, r)), _): return ("plot NAME.PARAM", [Ident(n, r)])
        case let .copy(n, _): return ("copy", [n])
        case let .drop(n): return ("drop", [n])
        case let .save(n, _): return ("save", [n])
        case let .load(n, _): return ("load", [n])
        case let .runs(n): return ("runs", n.map { [$0] } ?? [])
        default: return nil
        }
    }
}

extension StatementContext {
    /// The kind of model a name holds; nil when it holds none.
    func modelKind(_ name: String) -> ModelKind? {
        if let e = state.store[name] { return e.model.config.bow != nil ? .bow : .cell }
        return state.store[seq2seq: name] != nil ? .seq2seq : nil
    }

    /// A model as a refusal describes it: "an rnn cell", "a bow model", "a seq2seq model (seq2seq(…))".
    func modelDescription(_ name: String) -> String {
        if let e = state.store[name] { return e.model.config.bow != nil ? "a bow model" : Wording.withArticle(e.model.config.kind.rawValue) + " cell" }
        if let e = state.store[seq2seq: name] { return "a seq2seq model (\(e.definition))" }
        return "not a model"
    }

    /// Refuses a statement whose model is of a kind its table entry does not take, before its
    /// handler runs: the one place a statement meets the wrong kind of model.
    func checkModelKinds(_ spec: StatementSpec, _ statement: Statement) throws {
        guard let (form, names) = statement.modelTargets, let kinds = spec.models.first(where: { $0.form == form }) else { return }
        for name in names {
            guard let kind = modelKind(name.name), let refusal = kinds.refused[kind] else { continue }
            throw Diagnostic(.value, refusal.message(form, name: name.name, model: modelDescription(name.name)), at: name.range)
        }
    }
}
