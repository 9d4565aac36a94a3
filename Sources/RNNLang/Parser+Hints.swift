/// Answers for the mistakes a student makes at the start of a line: a misspelled statement,
/// Python's `x = ...`, `net = rnn(...)`, PyTorch's `nn.LSTM(2, 16)`. Each is a SyntaxError that
/// says what to write instead.
extension Parser {
    /// A hint when the line starts with a name that is not a statement and what follows cannot be
    /// an expression; nil when the line may well be an expression.
    func startOfLineHint() -> Diagnostic? {
        guard case let .name(word) = peek, !statementKeywords.contains(word) else { return nil }
        let here = current.range
        switch peek(1) {
        case .name:
            // `unrol m on ...`, `trian net on data`: two words in a row are never an expression.
            if let near = nearest(word, in: statementKeywords) {
                return Diagnostic(.syntax, "unknown statement '\(word)'; did you mean '\(near)'?", at: here)
            }
            return Diagnostic(.syntax, "unknown statement '\(word)': a line starts with a statement (\(statementKeywords.prefix(8).joined(separator: ", ")), …) or is an expression; 'help' lists them", at: here)
        case .punct("="):
            if let cell = cellHint(name: word) { return cell }
            return Diagnostic(.syntax, "a value is bound with let: use let \(word) = …", at: here)
        default:
            return nil
        }
    }

    /// `net = rnn(...)` → `cell net = rnn(...)`; `model = nn.LSTM(2, 16)` → the same cell in this language.
    private func cellHint(name: String) -> Diagnostic? {
        let here = current.range
        if case let .name(kind) = peek(2), CellKindSpec.named(kind) != nil, peek(3) == .punct("(") {
            return Diagnostic(.syntax, "a model is defined with cell: use cell \(name) = \(kind)(…)", at: here)
        }
        guard peek(2) == .name("nn"), peek(3) == .punct("."), case let .name(torchKind) = peek(4), peek(5) == .punct("(") else { return nil }
        let kinds = ["RNN": "rnn", "LSTM": "lstm", "GRU": "gru"]
        guard let kind = kinds[torchKind] else {
            return Diagnostic(.syntax, "this language has no nn.\(torchKind); its cells are rnn, lstm and gru: cell \(name) = lstm(input=I, hidden=H)", at: here)
        }
        // Read PyTorch's arguments: input_size, hidden_size, num_layers positionally, or by keyword.
        let positional = ["input", "hidden", "layers"]
        let keywords = ["input_size": "input", "hidden_size": "hidden", "num_layers": "layers", "bidirectional": "bidirectional",
                        "bias": "bias", "nonlinearity": "activation"]
        var options: [String] = []
        var k = 6, index = 0, understood = true
        while k < tokens.count - p {
            let t = peek(k)
            if t == .punct(")") || t == .end || t == .newline { break }
            if t == .punct(",") { k += 1; continue }
            if case let .name(key) = t, peek(k + 1) == .punct("=") {
                let value = peek(k + 2)
                k += 3
                guard let ours = keywords[key] else {
                    if key != "batch_first" && key != "dropout" { understood = false }
                    continue
                }
                switch value {
                case let .number(v): options.append("\(ours)=\(formatNumber(v))")
                case .name("True"): options.append("\(ours)=true")
                case .name("False"): options.append("\(ours)=false")
                case let .string(s): options.append("\(ours)=\(s)")
                default: understood = false
                }
            } else if case let .number(v) = t, index < positional.count {
                options.append("\(positional[index])=\(formatNumber(v))")
                index += 1
                k += 1
            } else {
                understood = false
                k += 1
            }
        }
        let written = understood ? "cell \(name) = \(kind)(\(options.joined(separator: ", ")))" : "cell \(name) = \(kind)(input=I, hidden=H)"
        return Diagnostic(.syntax, "this is PyTorch; here a model is defined with cell: use \(written)", at: here)
    }
}
