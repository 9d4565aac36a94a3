import Jupyter
import Plot
import RNN
import Store

/// `cell base = bow(output=C, features=count|tfidf, ngram=N)`: the linear classifier on the classic
/// text features. It is a `Model` in the store like a cell, so train, predict, copy, save and the
/// experiment log treat it as one; this file holds what differs: its definition, its terms, and
/// what show and plot draw for it. The statements that need time steps refuse it from the table
/// (StatementSpec.models, ModelKinds.swift).
extension StatementContext {
    /// A bow model's entry under a name; nil for any other name.
    func bowEntry(_ name: String) -> ModelEntry? { state.store[name].flatMap { $0.model.config.bow != nil ? $0 : nil } }

    /// `show NAME` (its parameters under nn.Linear's names) and `show NAME.W`, `show NAME.b` (labels
    /// and terms named) of a bow model; false for anything else.
    func showBagOfWords(_ target: Expr) throws -> Bool {
        switch target {
        case let .name(n, _) where state.values[n] == nil:
            guard let e = bowEntry(n) else { return false }
            output.display(bagSummaryTable(n, e), displayID: nil)
        case let .member(m, p, r) where state.values[m] == nil && (p == "W" || p == "b"):
            guard let e = bowEntry(m) else { return false }
            try requireTerms(Ident(m, r), e, for: "show its weights")
            output.display(bagParameterTable(m, p, e), displayID: nil)
        default:
            return false
        }
        return true
    }

    /// `plot NAME.W` and `plot NAME.b` of a bow model, labels and terms named; false for anything else.
    func plotBagOfWords(_ m: String, _ p: String, _ r: SourceRange, _ o: PlotOptions) throws -> Bool {
        guard p == "W" || p == "b", let e = bowEntry(m) else { return false }
        try requireTerms(Ident(m, r), e, for: "plot its weights")
        let t = e.model.parameter(p)!
        let labels = (0..<e.model.config.outputWidth).map { className($0, e) }
        let map = p == "W"
            ? Heatmap(rows: t.rows, cols: t.cols, values: t.values, rowLabels: labels, colLabels: bagTermNames(e), scaleLabel: "\(m).W")
            : Heatmap(rows: 1, cols: t.count, values: t.values, rowLabels: ["b"], colLabels: labels, scaleLabel: "\(m).b")
        let chart = Chart(title: o.title ?? (p == "W" ? "\(m).W (\(t.shapeText)): each label's weight on each term" : "\(m).b (\(t.shapeText))"),
                          xLabel: p == "W" ? "term" : "label", yLabel: p == "W" ? "label" : "", kind: .heatmap(map))
        output.display(chartBundle(chart, o), displayID: nil)
        return true
    }

    func requireTerms(_ name: Ident, _ entry: ModelEntry, for what: String) throws {
        guard entry.pendingInputSeed != nil else { return }
        throw Diagnostic(.value, "'\(name.name)' has no terms yet: the first data it is trained on fixes its vocabulary, labels and terms (and for tfidf the IDF); \(what) after training it, or define it with vocab=DATA", at: name.range)
    }

    mutating func defineBagOfWords(_ name: Ident, _ kindIdent: Ident, _ options: [OptionArg]) throws {
        try checkAssignable(name)
        try checkOptions(options, BagOfWordsHelp.cellOptions, statement: "bow(...)")
        func option(_ key: String) -> OptionArg? { options.first { $0.key == key } }
        func choice(_ key: String) throws -> String? {
            guard let o = option(key) else { return nil }
            return try evalOption(o.value).choice(key, BagOfWordsHelp.cellOptions.first { $0.name == key }!.choices!, at: o.value.range)
        }
        guard let o = option("output") else {
            throw Diagnostic(.value, "bow(...) needs output=C, the number of labels (classes) it chooses between", at: kindIdent.range)
        }
        let classes = try eval(o.value).integer("output", at: o.value.range, min: 2)
        let features = BagOfWords.Features(rawValue: try choice("features") ?? "count")!
        let style = TFIDFStyle(rawValue: try choice("style") ?? "course")!
        if features != .tfidf, let s = option("style") {
            throw Diagnostic(.value, "style= weighs TF-IDF features; it needs features=tfidf", at: s.keyRange)
        }
        var ngram = 1
        if let n = option("ngram") {
            ngram = try eval(n.value).integer("ngram", at: n.value.range, min: 1)
            guard ngram <= 10 else { throw Diagnostic(.value, "expected ngram to be at most 10, found \(ngram)", at: n.value.range) }
        }
        var config = CellConfig(kind: .rnn, input: 0, hidden: 0, output: classes)
        config.bow = BagOfWords(features: features, style: style, ngram: ngram)
        if let s = option("seed") { config.seed = UInt64(try eval(s.value).integer("seed", at: s.value.range, min: 0)) }
        let seed = config.seed ?? state.rng.next()
        var entry = ModelEntry(model: Model(zerosFor: config))
        entry.pendingInputSeed = seed
        if let v = option("vocab") {
            let value = try eval(v.value)
            guard case let .dataset(d) = value, d.name == "sentences", let vocab = d.vocabulary, vocab.level == .word else {
                throw Diagnostic(.value, "expected vocab= to be a dataset of sentences (sentences(...)), whose words, labels and terms the model keeps, found \(value.kindDescription)", at: v.value.range)
            }
            entry.vocab = vocab
            entry.labels = d.classNames
            try fixBagOfWords(name, &entry, d, at: v.value.range, announce: false)
        }
        if state.values[name.name] != nil { state.values[name.name] = nil }
        state.store[name.name] = entry
        say(entry.pendingInputSeed != nil ? "\(name.name) = \(describe(config)) · its vocabulary, labels and terms come from the first data it is trained on"
            : summaryLine(name.name, entry.model) + " · vocabulary of \(Wording.counted(entry.vocab!.width, "word")) and <unk>, \(Wording.counted(entry.labels?.count ?? 0, "label"))")
    }

    /// Fixes a bow model's terms (and IDF) from `data`, read with its vocabulary, and draws its
    /// weights from the seed kept at definition; a model whose terms are fixed is left as it is.
    mutating func fixBagOfWords(_ name: Ident, _ entry: inout ModelEntry, _ data: Dataset, at range: SourceRange, announce: Bool = true) throws {
        guard let seed = entry.pendingInputSeed, let bow = entry.model.config.bow else { return }
        guard data.name == "sentences", let vocab = entry.vocab, vocab.level == .word, case .classes = data.targets else {
            throw Diagnostic(.value, "a bow model reads a sentence and gives it one label: expected sentences(...) data (words and a label each), found \(data.summary)", at: range)
        }
        if let labels = entry.labels, labels.count > entry.model.config.outputWidth {
            throw Diagnostic(.shape, "\(name.name) has output=\(entry.model.config.outputWidth), but the data has \(labels.count) labels; use output=\(labels.count)", at: range)
        }
        let fitted = bow.fitted(on: data.inputs.map(BagOfWords.words))
        guard fitted.termCount > 0 else {
            throw Diagnostic(.value, "no sentence of \(data.summary) has \(bow.ngram) words, so there are no \(bow.ngram)-grams to count; use a smaller ngram=", at: range)
        }
        var config = entry.model.config
        config.input = vocab.width
        config.bow = fitted
        do { try Budget.check(config) } catch let e as BudgetError { throw Diagnostic(.memory, e.message + ", or use fewer sentences or a smaller ngram=", at: range) }
        var rng = SplitMix64(seed: seed)
        entry.model = Model(config: config, rng: &rng)
        entry.pendingInputSeed = nil
        state.store[name.name] = entry
        if announce { say("\(name.name): \(terms(fitted.termCount, fitted)) from the data\(fitted.features == .tfidf ? " (IDF fitted on it)" : "") · \(entry.model.parameterCount) parameters") }
    }

    /// "12 words", "1 2-gram": a count of the model's terms.
    func terms(_ n: Int, _ bow: BagOfWords) -> String { Wording.counted(n, bow.ngram == 1 ? "word" : "\(bow.ngram)-gram") }

    /// The terms as words: W's column heads.
    func bagTermNames(_ entry: ModelEntry) -> [String] {
        guard let bow = entry.model.config.bow, let words = entry.vocab?.words else { return [] }
        return bow.terms.map { $0.map { $0 < words.count ? words[$0] : "?" }.joined(separator: " ") }
    }

    /// Warns how many n-grams of `data` (read with the model's vocabulary) are not among its terms:
    /// they count for nothing, as scikit-learn's vectorizers drop them. Words are warned about as <unk> already.
    func warnUnseenTerms(_ data: Dataset, _ entry: ModelEntry, name: String) {
        guard let bow = entry.model.config.bow, bow.ngram > 1 else { return }
        var unseen = 0, total = 0
        for seq in data.inputs {
            let words = BagOfWords.words(seq)
            unseen += bow.features(of: words).unseen
            total += max(words.count - bow.ngram + 1, 0)
        }
        guard unseen > 0 else { return }
        warn("\(unseen) of \(total) \(bow.ngram)-grams \(unseen == 1 ? "is" : "are") not among \(name)'s \(bow.termCount) terms and count\(unseen == 1 ? "s" : "") for nothing")
    }

    /// `show NAME` of a bow model: its parameters, with the names the PyTorch twin's nn.Linear gives them.
    func bagSummaryTable(_ name: String, _ entry: ModelEntry) -> MimeBundle {
        let m = entry.model
        let rows = m.specs.map { [$0.name, BagOfWordsHelp.fileKey($0.name), Tensor.shapeText($0.shape), String($0.count)] }
        var title = summaryLine(name, m)
        if entry.pendingInputSeed != nil {
            title = "\(name) = \(describe(m.config)) · no terms yet: the first data it is trained on fixes them (W grows to \(m.config.outputWidth)×terms)"
        } else if let bow = m.config.bow {
            title += " · \(terms(bow.termCount, bow)) as terms, \(Wording.counted(entry.labels?.count ?? m.config.outputWidth, "label")) · logits = W φ + b"
        }
        let t = Table(title: title, headers: ["parameter", "PyTorch (nn.Linear)", "shape", "count"], rows: rows,
                      footer: ["total", "", "", String(m.parameterCount)], alignments: [.left, .left, .left, .right])
        return tableBundle(t)
    }

    /// `show NAME.W`: labels down, terms across (as `show bow(DATA)` puts them); `show NAME.b`: one value a label.
    func bagParameterTable(_ name: String, _ p: String, _ entry: ModelEntry) -> MimeBundle {
        let t = entry.model.parameter(p)!
        let labels = (0..<entry.model.config.outputWidth).map { className($0, entry) }
        func number(_ v: Double) -> String { NumberFormat.short(v, decimals: 6) }
        let table: Table
        if p == "W" {
            let terms = bagTermNames(entry)
            let shown = min(t.cols, 1000)
            let rows = (0..<t.rows).map { r in [labels[r]] + (0..<shown).map { number(t[r, $0]) } }
            table = Table(title: "\(name).W = fc.weight (\(t.shapeText)): labels × terms\(shown < t.cols ? " · first \(shown) terms" : "")",
                          headers: ["label \\ term"] + terms.prefix(shown), rows: rows, alignments: [.left] + (0..<shown).map { _ in .right })
        } else {
            table = Table(title: "\(name).b = fc.bias (\(t.shapeText))", headers: ["label", "b"], rows: zip(labels, t.values).map { [$0, number($1)] },
                          alignments: [.left, .right])
        }
        return tableBundle(table)
    }

    /// `predict NAME on "a sentence"` for a bow model: the sentence, its terms, the logits and the label.
    func bagPredictString(_ name: String, _ v: Value, _ entry: ModelEntry, seq: [[Double]], tokens: [String], at range: SourceRange) throws -> MimeBundle {
        guard let bow = entry.model.config.bow else { return .text("") }
        let trace: ForwardTrace
        do { trace = try entry.model.forward(seq) } catch let e as ModelError { throw modelError(e, at: range) }
        let words = BagOfWords.words(seq)
        let unseen = bow.features(of: words).unseen
        if bow.ngram > 1, unseen > 0 {
            warn("\(unseen) of \(max(words.count - bow.ngram + 1, 0)) \(bow.ngram)-grams \(unseen == 1 ? "is" : "are") not among \(name)'s \(bow.termCount) terms and count\(unseen == 1 ? "s" : "") for nothing")
        }
        let phi = trace.states[0], z = trace.logits[0]
        let names = bagTermNames(entry)
        let present = phi.indices.filter { phi[$0] != 0 }.map { "\(names[$0])=\(NumberFormat.short(phi[$0], decimals: 4))" }
        let p = softmax(z)
        let k = argmax(z)
        let rows = (0..<z.count).map { c in [className(c, entry), NumberFormat.short(z[c], decimals: 6), NumberFormat.short(p[c], decimals: 6), c == k ? "←" : ""] }
        let title = "predict \(name) on \(v.literal) · \(className(k, entry)) · words \(tokens.joined(separator: " ")) · φ: \(present.isEmpty ? "no known term" : shorten(present.joined(separator: ", ")))"
        return tableBundle(Table(title: title, headers: ["label", "logit (W φ + b)", "softmax", ""], rows: rows, alignments: [.left, .right, .right, .left]))
    }
}
