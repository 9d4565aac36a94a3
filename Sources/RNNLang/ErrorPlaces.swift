import RNN

/// Where the parts of a statement were written: the ranges a model error's argument maps to.
struct ArgumentPlaces {
    /// The model's name.
    var model: SourceRange?
    /// The data or sequence the statement reads.
    var data: SourceRange?
    /// backward's target=; without one, the targets are part of the data.
    var target: SourceRange?
    var options: [OptionArg] = []
    /// The whole statement: where an error about the run as a whole, or about an option left to its default, goes.
    var statement: SourceRange?

    func range(of argument: ModelArgument) -> SourceRange? {
        switch argument {
        case .data: return data ?? statement
        case .target: return target ?? data ?? statement
        case let .option(key): return options.first { $0.key == key }?.value.range ?? statement
        case .model: return model ?? statement
        case .statement: return statement
        }
    }
}

extension StatementContext {
    /// The one conversion from a model error to a diagnostic: the caret goes under the argument the
    /// error names (ModelError.argument), never where a word of its message happens to appear.
    func modelError(_ e: ModelError, _ places: ArgumentPlaces) -> Diagnostic {
        var places = places
        if places.statement == nil { places.statement = statementRange }
        return Diagnostic(e.kind == .shape ? .shape : .value, e.message, at: places.range(of: e.argument))
    }

    /// A model error from a call that reads only the data written at `range`.
    func modelError(_ e: ModelError, at range: SourceRange?) -> Diagnostic { modelError(e, ArgumentPlaces(data: range)) }
}
