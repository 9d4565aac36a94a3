import JSON
import Jupyter
import Plot
import RNN
import Store

extension StatementContext {
    // MARK: - cell

    mutating func defineCell(_ name: Ident, _ kindIdent: Ident, _ options: [OptionArg]) throws {
        try checkAssignable(name)
        guard let kind = CellKind(rawValue: kindIdent.name) else {
            throw Diagnostic(.value, withSuggestion("unknown cell kind '\(kindIdent.name)'", kindIdent.name, CellKind.allCases.map(\.rawValue), separator: ": ", then: "expected rnn, lstm or gru"), at: kindIdent.range)
        }
        try checkOptions(options, OptionTable.cell, statement: kind.rawValue + "(...)")
        func option(_ key: String) -> OptionArg? { options.first { $0.key == key } }
        func positive(_ key: String) throws -> Int? {
            guard let o = option(key) else { return nil }
            return try eval(o.value).integer(key, at: o.value.range, min: 1)
        }
        func choice(_ key: String) throws -> String? {
            guard let o = option(key) else { return nil }
            return try evalOption(o.value).choice(key, OptionTable.cell.first { $0.name == key }!.choices!, at: o.value.range)
        }
        func flag(_ key: String) throws -> Bool? {
            guard let o = option(key) else { return nil }
            return try evalOption(o.value).boolean(key, at: o.value.range)
        }
        // vocab=DATA fixes the vocabulary and labels now, and with them the width of x_t.
        var owned: (vocab: Vocabulary, labels: [String]?)?
        if let o = option("vocab") {
            let v = try eval(o.value)
            guard case let .dataset(d) = v, let vocab = d.vocabulary else {
                throw Diagnostic(.value, "expected vocab= to be a dataset of words or characters (sentences, tagged or text), found \(v.kindDescription)", at: o.value.range)
            }
            owned = (vocab, d.classNames == d.inputVocabulary ? nil : d.classNames)
        }
        // Without input=, the first data the model sees fixes the width of x_t (language.md).
        var input = try positive("input") ?? 0
        if let owned {
            if input > 0, input != owned.vocab.width {
                throw Diagnostic(.shape, "input=\(input) but the vocabulary has \(owned.vocab.width) \(owned.vocab.unitName): x_t is one-hot over them, so leave input= out or make it \(owned.vocab.width)", at: option("input")!.value.range)
            }
            input = owned.vocab.width
        }
        guard let hidden = try positive("hidden") else {
            throw Diagnostic(.value, "\(kind.rawValue)(...) needs hidden=N, the width of h_t", at: kindIdent.range)
        }
        var config = CellConfig(kind: kind, input: input, hidden: hidden, output: try positive("output"))
        config.embed = try positive("embed")
        config.layers = try positive("layers") ?? 1
        config.bidirectional = try flag("bidirectional") ?? false
        if let a = try choice("activation") {
            if kind != .rnn { warn("activation= has no effect on \(Wording.withArticle(kind.rawValue)) cell (its gates fix their activations)") }
            config.activation = Activation(rawValue: a)!
        }
        if let a = try choice("output_activation") {
            if config.output == nil { warn("output_activation= has no effect without output= (y_t = h_t)") }
            config.outputActivation = OutputActivation(rawValue: a)!
        }
        if let i = try choice("init") { config.initializer = Initializer(rawValue: i)! }
        if let o = option("bias") {
            // true / false as booleans, or the word single.
            switch try evalOption(o.value) {
            case let .bool(b): config.bias = b
            case let v:
                let word = try v.choice("bias", ["true", "single", "false"], at: o.value.range)
                config.bias = word != "false"
                config.singleBias = word == "single"
            }
        }
        if let o = option("seed") { config.seed = UInt64(try eval(o.value).integer("seed", at: o.value.range, min: 0)) }
        config.crf = try flag("crf") ?? false
        if config.crf, config.outputActivation != .identity, let o = option("output_activation") {
            throw Diagnostic(.value, "crf=true reads y_t as emission scores (W_hy h_t + b_y), so output_activation=\(config.outputActivation.rawValue) does not apply; leave it out", at: o.value.range)
        }
        if config.crf, config.outputWidth < 2, let o = option("crf") {
            throw Diagnostic(.value, "crf=true needs at least 2 tags: give output=K, the number of tags", at: o.keyRange)
        }
        do { try Budget.check(config) } catch let e as BudgetError {
            throw Diagnostic(.memory, e.message + ", or use a smaller hidden= or layers=", at: kindIdent.range)
        }
        // Each model without its own seed draws a fresh seed from the session stream.
        let initSeed = config.seed ?? state.rng.next()
        var rng = SplitMix64(seed: initSeed)
        var entry = ModelEntry(model: Model(config: config, rng: &rng), vocab: owned?.vocab, labels: owned?.labels)
        if input == 0 { entry.pendingInputSeed = initSeed }
        if state.values[name.name] != nil { state.values[name.name] = nil }
        state.store[name.name] = entry
        say(input == 0 ? "\(name.name) = \(describe(config)) · input= and the weights come from the first data it sees" : summaryLine(name.name, entry.model)
            + (owned.map { " · vocabulary of \(Wording.counted($0.vocab.width, $0.vocab.level == .word ? "word" : "character")) and <unk>"
                + ($0.labels.map { ", " + Wording.counted($0.count, "label") } ?? "") } ?? ""))
    }

    /// `demo = rnn(input=2, hidden=2, output=2, activation=linear) · 12 parameters`
    func summaryLine(_ name: String, _ model: Model) -> String {
        "\(name) = \(describe(model.config)) · \(model.parameterCount) parameter\(model.parameterCount == 1 ? "" : "s")"
    }

    /// The cell as it could be written, with the options that differ from their defaults.
    func describe(_ c: CellConfig) -> String {
        if let bow = c.bow {
            var parts = ["output=\(c.outputWidth)", "features=\(bow.features.rawValue)", "ngram=\(bow.ngram)"]
            if bow.features == .tfidf, bow.style != .course { parts.append("style=\(bow.style.rawValue)") }
            if let s = c.seed { parts.append("seed=\(s)") }
            return "bow(\(parts.joined(separator: ", ")))"
        }
        var parts = (c.input > 0 ? ["input=\(c.input)"] : []) + (c.embed.map { ["embed=\($0)"] } ?? []) + ["hidden=\(c.hidden)"]
        if let o = c.output { parts.append("output=\(o)") }
        if c.layers != 1 { parts.append("layers=\(c.layers)") }
        if c.bidirectional { parts.append("bidirectional=true") }
        if c.kind == .rnn, c.activation != .tanh { parts.append("activation=\(c.activation.rawValue)") }
        if c.outputActivation != .identity { parts.append("output_activation=\(c.outputActivation.rawValue)") }
        if c.initializer != .uniform { parts.append("init=\(c.initializer.rawValue)") }
        if c.biasOption != "true" { parts.append("bias=\(c.biasOption)") }
        if let s = c.seed { parts.append("seed=\(s)") }
        if c.crf { parts.append("crf=true") }
        return "\(c.kind.rawValue)(\(parts.joined(separator: ", ")))"
    }

    /// The model under `name`, with its input width fixed by `width` if it was defined without
    /// input=: the weights are drawn then, from the seed kept at definition.
    mutating func modelEntry(_ name: Ident, inputWidth width: Int) throws -> ModelEntry {
        var entry = try modelEntry(name)
        // A bow model's width and terms are fixed with its vocabulary (fixBagOfWords), not by the data's width.
        guard let seed = entry.pendingInputSeed, entry.model.config.bow == nil else { return entry }
        guard width > 0 else { throw Diagnostic(.shape, "expected data with at least one value per step to fix \(name.name)'s input width", at: name.range) }
        var config = entry.model.config
        config.input = width
        // The budget was checked without W_x; the data's width can make it much larger.
        try Budget.check(config)
        var rng = SplitMix64(seed: seed)
        entry.model = Model(config: config, rng: &rng)
        entry.pendingInputSeed = nil
        state.store[name.name] = entry
        say("\(name.name): input=\(width) from the data · \(entry.model.parameterCount) parameters")
        fixedInputs.append(name.name)
        return entry
    }

    /// Statements that need the model's shapes refuse one whose input width is not known yet.
    func requireInput(_ name: Ident, _ entry: ModelEntry, for what: String) throws {
        // A bow model waits for its terms, not its input width.
        if entry.model.config.bow != nil { return try requireTerms(name, entry, for: what) }
        if entry.pendingInputSeed != nil {
            throw Diagnostic(.value, "'\(name.name)' has no input width yet (it was defined without input=): \(what) after it has seen data, or define it with input=N", at: name.range)
        }
    }

    // MARK: - set

    mutating func setParameter(_ modelName: Ident, _ parameter: Ident, _ valueExpr: Expr) throws {
        var entry = try modelEntry(modelName)
        try requireInput(modelName, entry, for: "set its parameters")
        guard let shape = entry.model.readableShape(parameter.name) else {
            throw Diagnostic(.name, withSuggestion("model '\(modelName.name)' has no parameter '\(parameter.name)'", parameter.name, entry.model.readableNames, then: "it has \(entry.model.parameterNames.joined(separator: ", "))"), at: parameter.range)
        }
        let spec = ParameterSpec(name: parameter.name, shape: shape)
        let value = try eval(valueExpr)
        let values: [Double]
        var found: [Int]
        if spec.shape.count == 2 {
            if case .number = value {
                throw Diagnostic(.shape, "\(modelName.name).\(parameter.name) is \(Tensor.shapeText(spec.shape)); expected \(Wording.withArticle(Tensor.shapeText(spec.shape))) matrix, found a number", at: valueExpr.range)
            }
            let m = try value.matrix("\(modelName.name).\(parameter.name)", at: valueExpr.range)
            found = [m.count, m.first?.count ?? 0]
            values = m.flatMap { $0 }
        } else {
            let v = try value.vector("\(modelName.name).\(parameter.name)", at: valueExpr.range)
            if case .list(let items) = value, items.contains(where: { if case .list = $0 { return true } else { return false } }) {
                throw Diagnostic(.shape, "\(modelName.name).\(parameter.name) is a vector of \(spec.shape[0]); expected a flat list, found a matrix", at: valueExpr.range)
            }
            found = [v.count]
            values = v
        }
        guard found == spec.shape else {
            throw Diagnostic(.shape, "\(modelName.name).\(parameter.name) is \(Tensor.shapeText(spec.shape)); expected \(Wording.withArticle(Tensor.shapeText(spec.shape))) value, found \(Tensor.shapeText(found))", at: valueExpr.range)
        }
        entry.model.setReadable(parameter.name, Tensor(shape: spec.shape, values: values))
        state.store[modelName.name] = entry
        if let (x, h) = entry.model.biasSum(parameter.name) {
            // The textbook bias is the sum of PyTorch's two: the x-side takes the value, the h-side 0.
            say("set \(modelName.name).\(parameter.name) (\(Tensor.shapeText(spec.shape))): \(entry.model.specs[x].name) = the value, \(entry.model.specs[h].name) = 0")
        } else {
            say("set \(modelName.name).\(parameter.name) (\(Tensor.shapeText(spec.shape)))")
        }
    }

    // MARK: - show

    mutating func show(_ target: Expr) throws {
        if try showSeq2Seq(target) || showBagOfWords(target) { return }
        if case let .name(n, r) = target, state.values[n] == nil, let entry = state.store[n] {
            _ = r
            output.display(summaryTable(n, entry.model), displayID: nil)
            return
        }
        // `v.T` of a let value is an expression (its transpose), shown as any value is below.
        if case let .member(m, p, r) = target, !(p == "T" && state.values[m] != nil) {
            let entry = try modelEntry(Ident(m, r))
            if try showVocabulary(m, p, entry, at: r) { return }
            guard let t = entry.model.readable(p) else {
                throw Diagnostic(.name, "model '\(m)' has no parameter '\(p)'\(didYouMean(p, entry.model.readableNames))", at: r)
            }
            if entry.model.config.crf, CellConfig.crfNames.contains(p) {
                output.display(crfParameterBundle(m, p, entry, t), displayID: nil)
                return
            }
            let sum = entry.model.biasSum(p).map { " = \(entry.model.specs[$0.x].name) + \(entry.model.specs[$0.h].name)" } ?? ""
            output.display(matrixBundle(title: "\(m).\(p)\(sum) (\(t.shapeText))", t), displayID: nil)
            return
        }
        let v = try eval(target)
        switch v {
        case let .dataset(d): output.display(datasetPreview(d), displayID: nil)
        case let .features(f): output.display(featureTable(f), displayID: nil)
        case let .model(n): output.display(summaryTable(n, state.store[n]!.model), displayID: nil)
        case let .list(rows) where !rows.isEmpty && rows.allSatisfy({ if case .list = $0 { return true } else { return false } }):
            let m = try v.matrix("the value", at: target.range)
            output.display(matrixBundle(title: "\(m.count)×\(m.first?.count ?? 0) matrix", Tensor(shape: [m.count, m.first?.count ?? 0], values: m.flatMap { $0 })), displayID: nil)
        default:
            output.display(.text(v.literal), displayID: nil)
        }
    }

    /// Keras-style: parameter, shape, count; total.
    func summaryTable(_ name: String, _ model: Model) -> MimeBundle {
        let rows = model.specs.map { [$0.name, Tensor.shapeText($0.shape), String($0.count)] }
        let title = model.config.input > 0 ? summaryLine(name, model) : "\(name) = \(describe(model.config)) · input width not known yet: the W_x shapes grow when it first sees data"
        let t = Table(title: title, headers: ["parameter", "shape", "count"], rows: rows,
                      footer: ["total", "", String(model.parameterCount)], alignments: [.left, .left, .right])
        return tableBundle(t)
    }

    func matrixBundle(title: String, _ t: Tensor) -> MimeBundle {
        let cols = t.shape.count == 2 ? t.cols : t.count
        let rows = t.shape.count == 2 ? t.rows : 1
        // At most the budget's rows, and as many columns as fit in as many cells.
        let shownRows = min(rows, Budget.current.maxTableRows)
        let shownCols = min(cols, max(1, Budget.current.maxTableRows * 10 / max(1, shownRows)), 1000)
        var body: [[String]] = []
        for r in 0..<shownRows {
            body.append(["\(r)"] + (0..<shownCols).map { NumberFormat.short(t.values[r * cols + $0], decimals: 6) })
        }
        let cut = shownRows < rows || shownCols < cols
        let table = Table(title: title + (cut ? " · first \(shownRows) rows and \(shownCols) columns (RNNKERNEL_MAX_TABLE_ROWS)" : ""),
                          headers: [""] + (0..<shownCols).map(String.init), rows: body,
                          alignments: [.right] + (0..<cols).map { _ in .right })
        return tableBundle(table)
    }

    func datasetPreview(_ d: Dataset) -> MimeBundle {
        let n = min(d.count, 5)
        var rows: [[String]] = []
        for i in 0..<n {
            let x = d.inputs[i]
            let xText: String
            if let vocab = d.inputVocabulary {
                xText = x.map { step in step.firstIndex(of: 1).map { vocab[$0] } ?? "?" }.joined(separator: d.name == "text" ? "" : " ")
            } else {
                xText = shorten(x.map { $0.count == 1 ? NumberFormat.short($0[0], decimals: 3) : vec($0) }.joined(separator: ", "))
            }
            rows.append([String(i + 1), String(x.count), xText, shorten(targetText(d, i))])
        }
        let title = "\(d.summary) · \(d.count) example\(d.count == 1 ? "" : "s"), x_t width \(d.inputWidth), "
            + (d.isClassification ? Wording.counted(d.targetWidth, "class", plural: "classes") : "target width \(d.targetWidth)")
            + (d.isManyToMany ? ", a target every step" : ", one target per sequence")
        let t = Table(title: title, headers: ["#", "length", "x", "target"], rows: rows, alignments: [.right, .right, .left, .left])
        return tableBundle(t)
    }

    func targetText(_ d: Dataset, _ i: Int) -> String {
        func cls(_ k: Int) -> String { d.classNames.map { k < $0.count ? $0[k] : String(k) } ?? String(k) }
        switch d.targets {
        case let .vectors(v): return vec(v[i])
        case let .classes(c): return cls(c[i])
        case let .vectorSequences(v): return v[i].map { $0.count == 1 ? NumberFormat.short($0[0], decimals: 3) : vec($0) }.joined(separator: ", ")
        case let .classSequences(c): return c[i].map(cls).joined(separator: d.name == "text" ? "" : " ")
        }
    }

    func shorten(_ s: String, _ limit: Int = 48) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }

    // MARK: - unroll

    mutating func unroll(_ name: Ident, _ seqExpr: Expr, _ options: [OptionArg]) throws {
        if isSeq2Seq(name.name) { return try unrollSeq2Seq(name, seqExpr, options) }
        try checkOptions(options, OptionTable.unroll, statement: "unroll")
        let value = try eval(seqExpr)
        if case let .dataset(d) = value {
            // A tagger's sentence: the CRF's tables, with the words and tags named.
            let entry = try modelEntry(name, inputWidth: d.inputWidth)
            guard entry.model.config.crf else {
                throw Diagnostic(.value, "unroll on a dataset shows a crf=true tagger's sentence; '\(name.name)' has no CRF: unroll it on a sequence (a list of x_t)", at: seqExpr.range)
            }
            if let o = options.first { throw Diagnostic(.value, "\(o.key)= does not apply to unroll on a sentence", at: o.keyRange) }
            let (x, words, gold) = try crfSentence(d, entry, at: seqExpr.range)
            let e: [[Double]]
            do { e = try entry.model.emissions(x) } catch let err as ModelError { throw modelError(err, at: seqExpr.range) }
            for bundle in try crfTables(name.name, entry, emissions: e, words: words, gold: gold) { output.display(bundle, displayID: nil) }
            return
        }
        // A string given to a model with a vocabulary is read with it; the table shows each token.
        var tokens: [String]?
        let seq: [[Double]]
        if let known = state.store[name.name], let (s, t) = try stringSequence(value, known, name: name.name, at: seqExpr.range) {
            (seq, tokens) = (s, t)
        } else {
            seq = try value.sequence("the sequence", at: seqExpr.range)
        }
        let entry = try modelEntry(name, inputWidth: seq.first?.count ?? 0)
        var h0: [Double]?
        if let o = options.first(where: { $0.key == "h0" }) { h0 = try eval(o.value).vector("h0", at: o.value.range) }
        let trace: ForwardTrace
        do { trace = try entry.model.forward(seq, h0: h0) } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(model: name.range, data: seqExpr.range, options: options))
        }
        let wantsWidget = try options.first { $0.key == "interactive" }.map { try evalOption($0.value).boolean("interactive", at: $0.value.range) } ?? false
        if wantsWidget, let session = interactive, let comms = output.comms {
            return try unrollWidget(name.name, entry.model, trace, session, comms)
        }
        for bundle in try unrollTables(name.name, entry.model, trace, tokens: tokens.map { $0.map(shownToken) },
                                        tokenHeader: entry.vocab?.level == .character ? "character" : "word") { output.display(bundle, displayID: nil) }
        if entry.model.config.crf {
            for bundle in try crfTables(name.name, entry, emissions: trace.logits, words: tokens ?? [], gold: nil) { output.display(bundle, displayID: nil) }
        }
    }

    /// The step table: t · x_t · h_{t-1} · h_t · y_t, with c_t and the gates for lstm and gru.
    /// A stacked or bidirectional model gets one table per layer and direction, then the outputs.
    /// With `step`, only that time step's row (1-based) of each table, or with `upTo` the rows 1…step:
    /// what the slider of `interactive=true` shows. Without it, at most the table-row budget.
    /// With `tokens` (a string read with the model's vocabulary), each row shows its token beside x_t.
    func unrollTables(_ name: String, _ model: Model, _ trace: ForwardTrace, step: Int? = nil, upTo: Bool = false, tokens: [String]? = nil, tokenHeader: String = "word") throws -> [MimeBundle] {
        func shown(_ t: Int) -> Bool { step.map { upTo ? t + 1 <= $0 : t + 1 == $0 } ?? true }
        let c = model.config
        let simple = c.layers == 1 && !c.bidirectional
        var bundles: [MimeBundle] = []
        // Numbers in the widest row of the tables below: a layer's (with y_t when simple), or the outputs'.
        let y = trace.outputs.first?.count ?? 0
        var layerRow = 0
        for s in trace.layers.compactMap(\.steps.first) {
            let gates: Int = s.gates.reduce(0) { $0 + $1.values.count }
            let cells: Int = s.c?.count ?? 0
            layerRow = max(layerRow, s.x.count + s.hPrev.count + gates + cells + s.h.count)
        }
        let rowNumbers = simple ? layerRow + y : max(layerRow, (trace.states.first?.count ?? 0) + y)
        let (maxRows, cut) = step == nil ? tableCut(trace.states.count, valuesPerRow: rowNumbers) : (trace.states.count, "")
        for lt in trace.layers {
            try Interruption.check()
            var headers = ["t"] + (tokens == nil ? [] : [tokenHeader]) + ["x_t", "h_{t-1}"]
            if c.kind == .lstm { headers += ["i", "f", "g", "o", "c_t"] }
            if c.kind == .gru { headers += ["r", "z", "n"] }
            headers.append("h_t")
            if simple { headers.append("y_t") }
            let rows: [[String]] = lt.steps.filter { shown($0.t) }.prefix(maxRows).map { s in
                var row = [String(s.t + 1)] + (tokens.map { [$0[s.t]] } ?? []) + [vec(s.x), vec(s.hPrev)]
                row += s.gates.map { vec($0.values) }
                if let cNew = s.c { row.append(vec(cNew)) }
                row.append(vec(s.h))
                if simple { row.append(vec(trace.outputs[s.t])) }
                return row
            }
            let title = (simple
                ? (step.map { "unroll \(name): \(upTo ? "steps 1 to \($0)" : "step \($0)") of \(trace.states.count)" } ?? "unroll \(name): \(describe(c))")
                : "unroll \(name): layer \(lt.layer)\(c.bidirectional ? (lt.direction == 0 ? ", forward" : ", reverse") : "")"
                    + (step.map { upTo ? " · steps 1 to \($0) of \(trace.states.count)" : " · step \($0) of \(trace.states.count)" } ?? "")) + cut
            bundles.append(tableBundle(Table(title: title, headers: headers, rows: rows, alignments: [.right] + headers.dropFirst().map { _ in .left })))
        }
        let T = trace.states.count, D = c.directions
        let outputShape = "1×\(T)×\(c.stateWidth)"
        if !simple {
            let rows = trace.states.indices.filter(shown).prefix(maxRows).map { t in [String(t + 1)] + (tokens.map { [$0[t]] } ?? []) + [vec(trace.output[t]), vec(trace.outputs[t])] }
            let title = "unroll \(name): output, PyTorch's first result (\(outputShape)): the top layer's h_t at every t"
                + (c.bidirectional ? ", [forward ; reverse]" : "")
            let headers = ["t"] + (tokens == nil ? [] : [tokenHeader]) + ["output[0, t-1]", "y_t"]
            bundles.append(tableBundle(Table(title: title + cut, headers: headers, rows: rows,
                                             alignments: [.right] + headers.dropFirst().map { _ in .left })))
        }
        // h_n is the end of the pass: the slider's single steps do not have it.
        if step == nil { bundles.append(hNTable(name, c, trace, outputShape: outputShape, T: T, D: D, simple: simple)) }
        return bundles
    }

    /// PyTorch's second result, h_n (and lstm's c_n): one row per layer and direction in PyTorch's
    /// order, each the state after the last step that direction computed (t = T forward, t = 1 reverse).
    func hNTable(_ name: String, _ c: CellConfig, _ trace: ForwardTrace, outputShape: String, T: Int, D: Int, simple: Bool) -> MimeBundle {
        let cN = trace.cN
        var headers = ["k", "layer", "direction", "last step", "h_n[k, 0]"]
        if cN != nil { headers.append("c_n[k, 0]") }
        let rows = trace.hN.indices.map { k -> [String] in
            let direction = k % D
            var row = [String(k), String(k / D), direction == 0 ? "forward" : "reverse", "t=\(trace.hNSteps[k] + 1)", vec(trace.hN[k])]
            if let cN { row.append(vec(cN[k])) }
            return row
        }
        let call = c.kind == .lstm ? "output, (h_n, c_n) = lstm(x)" : "output, h_n = \(c.kind.rawValue)(x)"
        let where_ = simple ? "output (\(outputShape)) is the h_t column above, h_n = h_\(T)" : "output (\(outputShape)) is the table above"
        let title = "unroll \(name): h_n, PyTorch's second result (\(c.layers * D)×1×\(c.hidden)) of \(call): "
            + "the last step of every layer and direction; \(where_)"
        return tableBundle(Table(title: title, headers: headers, rows: rows, alignments: [.right, .right, .left, .left, .left] + (cN == nil ? [] : [.left])))
    }

    /// How many of `count` steps a table shows, and the note its title gets when that is not all.
    /// A table holds at most the row budget, and at most ten times as many numbers (as `show` of a
    /// matrix does): rows of `valuesPerRow` numbers each, so wide states do not make a 66 MB table.
    func tableCut(_ count: Int, valuesPerRow: Int = 1) -> (rows: Int, note: String) {
        let rowBudget = Budget.current.maxTableRows
        let numberBudget = Sizes.product(rowBudget, 10) ?? Int.max
        let limit = max(1, min(rowBudget, numberBudget / max(1, valuesPerRow)))
        guard count > limit else { return (count, "") }
        let why = limit < rowBudget ? "rows of \(valuesPerRow) numbers, at most \(numberBudget) a table; " : ""
        return (limit, " · first \(limit) of \(count) steps (\(why)set RNNKERNEL_MAX_TABLE_ROWS to show more)")
    }

    // MARK: - models

    func modelsTable() -> MimeBundle {
        let rows = state.store.all.map { name, e -> [String] in
            let c = e.model.config
            if let bow = c.bow {
                // terms → labels: what W maps.
                let kind = "bow" + (bow.features == .tfidf ? "+tfidf" : "") + (bow.ngram > 1 ? " \(bow.ngram)-gram" : "")
                return [name, kind, "\(e.pendingInputSeed == nil ? String(bow.termCount) : "?")→\(c.outputWidth)", String(e.model.parameterCount),
                        String(e.trainedSteps), e.lastLoss.map { NumberFormat.short($0, decimals: 6) } ?? "-"]
            }
            var shape = "\(c.input > 0 ? String(c.input) : "?")→\(c.hidden)"
            if c.layers > 1 { shape += "×\(c.layers)" }
            if c.bidirectional { shape += "×2" }
            shape += "→\(c.outputWidth)"
            return [name, c.kind.rawValue, shape, String(e.model.parameterCount), String(e.trainedSteps),
                    e.lastLoss.map { NumberFormat.short($0, decimals: 6) } ?? "-"]
        }
        let s2s = state.store.seq2seqNames.map { name -> [String] in
            let e = state.store[seq2seq: name]!
            let shape = e.vocabulary.map { "\($0.source.count)→\(e.hidden)\(e.layers > 1 ? "×\(e.layers)" : "")→\($0.target.count)" } ?? "?→\(e.hidden)→?"
            return [name, "seq2seq" + (e.attention ? "+attention" : ""), shape, e.model.map { String($0.theta.count) } ?? "?", String(e.trainedSteps),
                    e.lossHistory.last.map { NumberFormat.short($0, decimals: 6) } ?? "-"]
        }
        let t = Table(title: state.store.isEmpty ? "no models yet: define one with 'cell NAME = rnn(input=..., hidden=...)'" : nil,
                      headers: ["name", "kind", "shape", "parameters", "trained steps", "last loss"], rows: rows + s2s,
                      alignments: [.left, .left, .left, .right, .right, .right])
        return tableBundle(t)
    }
}
