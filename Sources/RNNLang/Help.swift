import RNN

/// Help text for every statement, option and dataset, shown by `help TOPIC` in the front end's
/// pager and by inspection (Shift-Tab). docs/reference.md is generated from these entries.
public enum Help {
    /// One help entry: a topic, its one-line summary, and its body.
    public struct Entry: Sendable {
        public let topic: String
        public let summary: String
        public let body: String
    }

    /// One entry per statement, from the table of statements (Statements.swift), and the bare
    /// expression after let.
    public static var statements: [Entry] {
        var out = StatementSpec.all.map { Entry(topic: $0.keyword, summary: $0.summary, body: $0.help) }
        out.insert(expression, at: (out.firstIndex { $0.topic == "let" } ?? out.count - 1) + 1)
        return out
    }

    /// A line that is only an expression: a statement with no keyword, so with no entry in the table.
    static let expression = Entry(topic: "expression", summary: "a line that is just an expression shows its value: EXPR", body: """
        EXPR

        A line that is an expression alone, with no statement word before it, shows the expression's value.
        It binds no name and is not in the experiment log (let NAME = EXPR keeps the value). It shows
          a number, list or boolean   as it is written: [2, 4, 6], 0.5, true
          a string                    in quotes: "hello"
          a model's name              its one-line summary, as cell prints it
          NAME.PARAM, M.T, A @ B      the matrix as a list of rows: [[0.5, 0], [0, 0.5]]
          a dataset                   its preview, as show DATA: the summary line and the first examples
                                      as a table (text, and HTML in a notebook)
          bow(...), tfidf(...), …     the values as a list of rows; show names the terms and documents
        As the last line of a cell it is the cell's result, as Python's last expression is: Out[n] in
        jupyter console, an execute_result with the cell's execution count in a notebook. On an earlier
        line it is shown where it comes (display_data) and the cell goes on. rnn-kernel run prints each
        value on stdout. watch NAME: EXPR shows it again each time the slider moves.
        A line that starts with a statement's word is that statement, so the dataset copy(...) is written
        let d = copy(...) or show copy(...). A dataset with no seed= draws one from the session's generator,
        here as anywhere.

        Example:
          let xs = [1, 2, 3]
          xs * 2                      # shown: [2, 4, 6]
          tanh(0.5)                   # the cell's result: 0.46211715726000974
        """)

    public static let concepts: [Entry] = [
        Entry(topic: "rnn", summary: "the vanilla recurrent cell", body: """
            rnn(input=I, hidden=H, ...)

            h_t = act(W_xh x_t + W_hh h_{t-1} + b_h), act = tanh, relu or linear.
            Parameters: W_xh (H×I), W_hh (H×H), b_xh and b_hh (H each; b_h reads as their sum; bias=single: b_h alone).
            \(cellParameterNotes("W_hh"))
            See: help cell, help biases
            """),
        Entry(topic: "lstm", summary: "the long short-term memory cell", body: """
            lstm(input=I, hidden=H, ...)

            i = σ(W_xi x_t + W_hi h_{t-1} + b_i)       input gate
            f = σ(W_xf x_t + W_hf h_{t-1} + b_f)       forget gate
            g = tanh(W_xg x_t + W_hg h_{t-1} + b_g)    candidate
            o = σ(W_xo x_t + W_ho h_{t-1} + b_o)       output gate
            c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
            The cell state c_t carries information across many steps; the forget gate f decides what stays.
            Parameters, gate by gate in PyTorch's order i, f, g, o, as show NAME lists them:
              W_xi W_hi b_xi b_hi   W_xf W_hf b_xf b_hf   W_xg W_hg b_xg b_hg   W_xo W_ho b_xo b_ho
              W_x· H×I, W_h· H×H, b_x· and b_h· H each; b_i, b_f, b_g, b_o read as the sums b_x· + b_h·.
              bias=single: b_i, b_f, b_g, b_o (H each) in their place; bias=false: no biases.
            \(cellParameterNotes("W_xi"))
            See: help cell, help biases
            """),
        Entry(topic: "gru", summary: "the gated recurrent unit", body: """
            gru(input=I, hidden=H, ...)

            r = σ(W_xr x_t + W_hr h_{t-1} + b_r)       reset gate
            z = σ(W_xz x_t + W_hz h_{t-1} + b_z)       update gate
            n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn))
            h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
            Parameters, gate by gate in PyTorch's order r, z, n, as show NAME lists them:
              W_xr W_hr b_xr b_hr   W_xz W_hz b_xz b_hz   W_xn W_hn b_xn b_hn
              W_x· H×I, W_h· H×H, b_x· and b_h· H each; b_r and b_z read as the sums b_x· + b_h· (n has no
              sum: b_hn is inside r ⊙ (…)).
              bias=single: b_r, b_z, b_xn, b_hn (H each); bias=false: no biases.
            \(cellParameterNotes("W_xr"))
            See: help cell, help biases
            """),
        Entry(topic: "vocabulary", summary: "a model owns its words and labels: <unk>, vocab=DATA, show NAME.vocab", body: """
            The first text data a model is trained on (sentences, tagged or text) fixes its vocabulary and its
            labels; cell NAME = rnn(..., vocab=DATA) fixes them when it is defined (input= is then the number
            of words). They are part of the model: copy keeps them, save writes them, load reads them back.

            Every later dataset, and every string given to predict, unroll or sample, is read with the
            model's vocabulary, never its own: the same word has the same x_t, the same label the same class.
              - Id 0 is <unk>. A word (or character) the model has never seen becomes <unk>, whose one-hot
                x_t is the zero vector (as scikit-learn's vectorizers read an unseen word), and the statement
                warns on stderr how many did. A text step that must predict an unseen character is left out.
              - A label or tag the model does not know is a ValueError naming it.
              - Words are split on whitespace, with punctuation at their edges dropped, so a Chinese
                sentence is written with spaces between its words; lower=true (the default) lowercases
                them, lower=false keeps case ("Apple" and "apple" are then two words).
            show NAME.vocab and show NAME.labels list them with their ids.

            Example:
              let reviews = sentences([["I am happy", "pos"], ["I am not happy", "neg"]])
              cell senti = rnn(hidden=8, output=2, vocab=reviews)
              train senti on reviews epochs=60 lr=0.05
              predict senti on sentences([["I am very happy", "pos"]])   # "very" is <unk>
              predict senti on "I am not happy"
              show senti.vocab
            """),
        Entry(topic: "biases", summary: "PyTorch's two biases per gate (bias=true), bias=single, bias=false", body: """
            bias=true (default)  two biases per gate, as nn.RNN, nn.LSTM, nn.GRU keep them: an x-side b_x· (bias_ih)
                                 and an h-side b_h· (bias_hh), each trained with its own full gradient
              rnn   b_xh, b_hh                 h_t = act(W_xh x_t + b_xh + W_hh h_{t-1} + b_hh)
              lstm  b_xi b_hi, b_xf b_hf, b_xg b_hg, b_xo b_ho
              gru   b_xr b_hr, b_xz b_hz, b_xn b_hn   (n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn)))
            The textbook's single bias is their sum: show NAME.b_h shows b_xh + b_hh, and set NAME.b_h = V sets
            b_xh to V and b_hh to 0 (the same for b_i, b_f, b_g, b_o, b_r, b_z; gru's n gate has no sum, since
            b_hn is multiplied by r). Saved as PyTorch's bias_ih_l0 and bias_hh_l0.
            bias=single          one bias per gate, the textbook's table (Keras's convention): rnn b_h; lstm b_i,
                                 b_f, b_g, b_o; gru b_r, b_z, b_xn, b_hn. Saved in bias_ih with zeros in bias_hh
                                 (gru's b_hn in bias_hh's n-part); loading a PyTorch file adds the two.
            bias=false           no biases, in the cell or the output layer.
            Example:
              cell net = lstm(input=2, hidden=16, output=1)               · 1297 parameters, as PyTorch counts
              cell net = lstm(input=2, hidden=16, output=1, bias=single)  · 1233 parameters
            """),
        Entry(topic: "crf", summary: "crf=true: a linear-chain CRF over a tagger's y_t (named entities, BIO tags)", body: """
            cell NAME = lstm(hidden=H, output=K, bidirectional=true, crf=true)    (rnn, gru, layers= as well)

            y_t = W_hy h_t + b_y are the emission scores e_t of K tags; the CRF adds transitions A (K×K, row i:
            from tag i, column j: to tag j), start_transitions and end_transitions (K each), drawn U(−0.1, 0.1).
            A tag path y scores
              s(y) = start[y_1] + Σ_t e_t[y_t] + Σ_{t>1} A[y_{t-1}, y_t] + end[y_T]
            and p(y | x) = exp s(y) / Z. The forward algorithm gives log Z:
              α_1 = start + e_1,  α_t[j] = logsumexp_i(α_{t-1}[i] + A[i,j]) + e_t[j],  log Z = logsumexp_j(α_T[j] + end[j])
            The loss is the negative log-likelihood −(s(gold) − log Z) averaged over the sentences of a batch,
            as torchcrf.CRF(K, batch_first=True) computes -crf(y, tags, mask, reduction='mean'); every
            optimizer trains the CRF with the rest. predict decodes with Viterbi:
              δ_1 = start + e_1,  δ_t[j] = max_i(δ_{t-1}[i] + A[i,j]) + e_t[j],  ψ_t[j] = argmax_i
            the best path ends at argmax_j(δ_T[j] + end[j]) and follows ψ back.

            It trains on tagged data (tagged(...) or tagged(file="data/ner/en.tsv")). With BIO tags, predict
            also reports entity-level precision, recall and F1 (an entity counts when its whole span and type
            match) and the predicted sequences that break BIO (an I-X not after B-X or I-X).
            unroll NAME on tagged([["Anna Smith visited Paris", "B-PER I-PER O B-LOC"]]) shows the emissions
            per word and tag, α_t to log Z, the gold and the best path's scores, and Viterbi's δ_t with its
            back-pointers (← the best previous tag) and the path. show NAME.transitions and plot
            NAME.transitions name the tags on both axes. Files keep crf.transitions, crf.start_transitions
            and crf.end_transitions beside rnn.* and fc.*, the keys of the twin (nn.LSTM + nn.Linear + CRF).
            Example:
              let ner = tagged(file="data/ner/en.tsv")
              cell tg = lstm(hidden=32, output=7, bidirectional=true, crf=true)
              train tg on ner epochs=10 batch=16 lr=0.01
              predict tg on ner
            """),
        Entry(topic: "transitions", summary: "a crf=true tagger's transitions, start_transitions, end_transitions", body: """
            NAME.transitions        K×K: the score of tag i (row) followed by tag j (column)
            NAME.start_transitions  K: the score of a sentence starting with each tag
            NAME.end_transitions    K: the score of a sentence ending with each tag
            show, plot, set and print read them like any parameter; show and plot label them with the tag
            names of the tagged data the model was trained on. See: help crf
            """),
        Entry(topic: "options", summary: "how options are written", body: "Options are key=value after a statement's positional parts, separated by spaces or commas:\n  train net on data epochs=5, lr=0.01\nInside rnn(...), lstm(...), gru(...) they are separated the same way."),
        Entry(topic: "syntax", summary: "lexical rules", body: "One statement per line; a line that is just an expression shows its value (help expression).\nA statement continues while ( or [ is open, or when a line ends with \\.\n# starts a comment. Names: [A-Za-z_][A-Za-z0-9_]*. Numbers: 1, -2.5, 1e-3.\nStrings: \"...\" with \\\", \\\\, \\n. Booleans: true, false. Lists: [1, 2].\nA sequence is a list of time steps, each a vector or a number."),
        Entry(topic: "errors", summary: "the kinds of error", body: "SyntaxError, NameError, ShapeError, ValueError, DivergedError, KeyboardInterrupt, IOError,\nMemoryError (a size past the kernel's budget: the message names the RNNKERNEL_* variable\nthat raises it; see the README, Limits).\nA failing statement changes nothing; the error shows the line with a caret under the place\nand suggests the nearest name when one is close."),
    ] + Seq2SeqHelp.concepts

    /// What the rnn, lstm and gru topics say alike of their parameters' names and shapes.
    static func cellParameterNotes(_ p: String) -> String {
        """
        With embed=E, W_emb (V×E) comes first and W_x· is H×E. output=O adds W_hy (O×H; O×2H bidirectional)
        and b_y (O). The layers after the first add _l1, _l2… to the names (their W_x· is H×H; H×2H
        bidirectional), the reverse direction _reverse.
        NAME.\(p), show NAME.\(p), set NAME.\(p) = M, plot NAME.\(p) and backward's gradients use these names.
        """
    }

    static func optionLines(_ specs: [OptionSpec]) -> String {
        let width = (specs.map(\.name.count).max() ?? 0) + 2
        return specs.map { s in
            let pad = String(repeating: " ", count: width - s.name.count)
            let values = s.choices.map { " (" + $0.joined(separator: "|") + ")" } ?? ""
            return "  " + s.name + pad + s.help + values + "; default " + s.defaultText
        }.joined(separator: "\n")
    }

    /// Every entry: statements, concepts, and one per option and dataset (made once: it is all static).
    public static let all: [Entry] = {
        let out = statements + concepts + functionEntries
        let taken = Set(out.map(\.topic))
        return out + optionEntries.filter { !taken.contains($0.topic) } + datasetEntries + featureEntries
    }()

    /// One entry per option name, from the table of statements and cell kinds: what each statement
    /// that takes it says of it.
    static var optionEntries: [Entry] {
        var owners: [(statement: String, spec: OptionSpec)] = []
        for kind in CellKindSpec.all {
            let statement = kind.options.map(\.name) == OptionTable.cell.map(\.name) ? "cell" : kind.name
            owners += kind.options.map { (statement, $0) }
        }
        for s in StatementSpec.all { owners += s.options.map { (s.keyword, $0) } }
        for kind in CellKindSpec.all { owners += kind.statementOptions.sorted { $0.key < $1.key }.flatMap { s, specs in specs.map { (s, $0) } } }
        var order: [String] = []
        var byName: [String: [(statement: String, spec: OptionSpec)]] = [:]
        for o in owners {
            if byName[o.spec.name] == nil { order.append(o.spec.name) }
            if !(byName[o.spec.name] ?? []).contains(where: { $0.statement == o.statement }) { byName[o.spec.name, default: []].append(o) }
        }
        return order.map { name in
            let all = byName[name]!
            func describe(_ s: OptionSpec) -> String {
                let values = s.choices.map { "\nValues: " + $0.joined(separator: ", ") } ?? ""
                return "\(s.help).\(values)\nDefault: \(s.defaultText)"
            }
            let first = all[0]
            guard all.count > 1 else {
                return Entry(topic: name, summary: "option of \(first.statement): \(first.spec.help)",
                             body: "\(name)=...   an option of \(first.statement)\n\n\(describe(first.spec))\nSee: help \(first.statement)")
            }
            let statements = all.map(\.statement)
            let listed = statements.dropLast().joined(separator: ", ") + " and " + statements.last!
            let parts = all.map { "\($0.statement): \(describe($0.spec))" }.joined(separator: "\n\n")
            return Entry(topic: name, summary: "option of \(listed): \(first.spec.help)",
                         body: "\(name)=...   an option of \(listed)\n\n\(parts)\nSee: " + statements.map { "help \($0)" }.joined(separator: ", "))
        }
    }

    /// Help for the functions on numbers, lists and matrices, each with its formula.
    public static var functionEntries: [Entry] { MathFunctions.helpEntries }

    /// Help for the datasets (the constructors callable in expressions).
    public static var datasetEntries: [Entry] { DatasetHelp.entries + Seq2SeqHelp.datasetEntries }

    /// Help for the text features (bow, ngrams, tfidf, bm25), values callable in expressions.
    public static var featureEntries: [Entry] { FeatureHelp.entries }

    /// Topic names, for completion.
    public static var topics: [String] { all.map(\.topic) }

    /// The help text for a topic ("" lists topics). An unknown topic is a NameError with a suggestion.
    public static func text(for topic: String, at range: SourceRange? = nil) throws -> String {
        let t = topic.trimmingSpaces()
        if t.isEmpty { return index() }
        if let e = entry(t) {
            // A word that is both a statement and a dataset (copy) shows both.
            let isStatement = statements.contains { $0.topic == e.topic }
            guard isStatement, let d = datasetEntries.first(where: { $0.topic == e.topic }) else { return e.body }
            return e.body + "\n\n" + "The dataset \(d.topic)(...), \(d.summary):\n" + d.body
        }
        throw Diagnostic(.name, withSuggestion("no help for '\(t)'", t, topics, then: "'help' lists the topics"), at: range)
    }

    public static func entry(_ topic: String) -> Entry? {
        // A statement's other words (quit), its full form (export log) and the form EXPR find its entry.
        let t = topic == "export log" ? "export" : topic == "EXPR" ? "expression" : StatementSpec.named(topic)?.keyword ?? topic
        return all.first { $0.topic == t }
    }

    static func index() -> String {
        func block(_ title: String, _ entries: [Entry]) -> String {
            let width = (entries.map(\.topic.count).max() ?? 0) + 2
            return title + "\n" + entries.map { "  " + $0.topic + String(repeating: " ", count: width - $0.topic.count) + $0.summary }.joined(separator: "\n")
        }
        return [
            "rnn-kernel: a small language for recurrent neural networks. 'help TOPIC' for more.",
            block("Statements:", statements),
            block("Cells and concepts:", concepts),
            block("Functions (on numbers, lists and matrices; also A @ B and M.T):", functionEntries),
            block("Datasets:", datasetEntries),
            block("Text features:", featureEntries),
            "Options: every option has its own topic too, e.g. 'help lr', 'help optimizer', 'help hidden'.",
        ].joined(separator: "\n\n")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return String(s)
    }
}

extension Help {
    /// A summary as the sentence under its heading in docs/reference.md: a capital only on a prose
    /// word ("Train a model…"); a formula or a name keeps its case (σ(x) = …, tanh(x) = …, crf=true: …).
    static func referenceSentence(_ summary: String) -> String {
        Wording.capitalizingProse(summary, keeping: Set(MathFunctions.names + FeatureHelp.names + CellKindSpec.all.map(\.name)))
    }

    /// docs/reference.md: every help entry, as the pager shows it, under headings.
    public static func referenceMarkdown() -> String {
        func section(_ title: String, _ entries: [Entry]) -> String {
            "## \(title)\n\n" + entries.map { e in
                "### \(e.topic)\n\n\(referenceSentence(e.summary)).\n\n```\n\(e.body)\n```\n"
            }.joined(separator: "\n")
        }
        let optionEntries = all.filter { e in !statements.contains { $0.topic == e.topic } && !concepts.contains { $0.topic == e.topic }
            && !datasetEntries.contains { $0.topic == e.topic } && !featureEntries.contains { $0.topic == e.topic }
            && !functionEntries.contains { $0.topic == e.topic } }
        return """
            # The RNN language: reference

            Generated from the kernel's own help (`Sources/RNNLang/Help.swift`): `help TOPIC` in a notebook
            shows the same text, and `help` alone lists the topics. This page documents every statement, cell,
            dataset and option as the kernel implements them; the README introduces the language with the
            lessons in `notebooks/`, and `docs/architecture.md` describes how the kernel is built.

            \(section("Statements", statements))
            \(section("Cells and concepts", concepts))
            \(section("Functions", functionEntries))
            \(section("Datasets", datasetEntries))
            \(section("Text features", featureEntries))
            \(section("Options", optionEntries))
            """
    }
}
