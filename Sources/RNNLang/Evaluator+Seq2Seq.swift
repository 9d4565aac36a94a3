import JSON
import Jupyter
import Plot
import RNN
import Store

/// The seq2seq model kind (language.md "Translation: seq2seq"): its definition, its data, and what
/// the statements that take it do with it; their handlers call here. Which statements take it is
/// the table's (StatementSpec.models, ModelKinds.swift).
extension StatementContext {
    /// The error for a cell-only statement given a seq2seq model.
    /// (The table refuses such statements first; this is for a model read in an expression, tr.W.)
    func seq2seqMisuse(_ name: Ident, _ e: Seq2SeqEntry) -> Diagnostic {
        Diagnostic(.value, Refusal.cellsOnly.message("", name: name.name, model: "a seq2seq model (\(e.definition))"), at: name.range)
    }

    /// The seq2seq model under a name, or an error saying what the name is instead.
    func seq2seqEntry(_ name: Ident, for what: String) throws -> Seq2SeqEntry {
        if let e = state.store[seq2seq: name.name] { return e }
        if state.store[name.name] != nil {
            throw Diagnostic(.value, Refusal.seq2seqOnly.message(what, name: name.name, model: modelDescription(name.name)), at: name.range)
        }
        if state.values[name.name] != nil {
            throw Diagnostic(.value, "expected a seq2seq model, found '\(name.name)', which is \(state.values[name.name]!.kindDescription)", at: name.range)
        }
        throw Diagnostic(.name, "no model named '\(name.name)'\(didYouMean(name.name, state.store.names + state.store.seq2seqNames))", at: name.range)
    }

    /// A seq2seq model with weights: one that has seen data.
    func trainedSeq2Seq(_ name: Ident, for what: String) throws -> (entry: Seq2SeqEntry, model: Seq2Seq, vocab: Seq2SeqVocabulary) {
        let e = try seq2seqEntry(name, for: what)
        guard let m = e.model, let v = e.vocabulary else {
            throw Diagnostic(.value, "'\(name.name)' has no vocabularies or weights yet: the first data it is trained on fixes them; train it first", at: name.range)
        }
        return (e, m, v)
    }

    func isSeq2Seq(_ n: String) -> Bool { state.store[seq2seq: n] != nil }

    // MARK: - What the shared statements do with a seq2seq model (their handlers ask here)

    /// `show NAME` and `show NAME.PARAM` of a seq2seq model; false for anything else.
    mutating func showSeq2Seq(_ target: Expr) throws -> Bool {
        switch target {
        case let .name(n, _) where isSeq2Seq(n):
            output.display(seq2seqSummaryTable(n, state.store[seq2seq: n]!), displayID: nil)
        case let .member(n, p, r) where isSeq2Seq(n):
            try showSeq2SeqMember(Ident(n, r), p)
        default:
            return false
        }
        return true
    }

    mutating func copySeq2Seq(_ from: Ident, as to: Ident) throws {
        try checkAssignable(to)
        if state.store[to.name] != nil || isSeq2Seq(to.name) { warn("'\(to.name)' already exists; replacing it with a copy of '\(from.name)'") }
        state.store[seq2seq: to.name] = state.store[seq2seq: from.name]
        state.values[to.name] = nil
        say("copied \(from.name) to \(to.name)")
    }

    mutating func dropSeq2Seq(_ name: Ident) {
        state.store[seq2seq: name.name] = nil
        say("dropped model \(name.name)")
    }

    mutating func saveSeq2Seq(_ name: Ident, _ pathExpr: Expr) throws {
        let path = try eval(pathExpr).text("the file name", at: pathExpr.range)
        do { try Seq2SeqFiles.save(state.store[seq2seq: name.name]!, to: path) } catch let e as ModelFileError {
            throw Diagnostic(.io, e.description, at: pathExpr.range)
        }
        say("saved \(name.name) to \(path)")
    }

    /// `load NAME from FILE` when the file (its bytes read, a `.json` one's parsed, by `load`) holds a
    /// seq2seq model; false when it does not.
    mutating func loadSeq2Seq(_ name: Ident, _ pathExpr: Expr, path: String, bytes: [UInt8], parsed: JSON?) throws -> Bool {
        guard Seq2SeqFiles.holdsSeq2Seq(bytes, file: path, parsed: parsed) else { return false }
        let entry: Seq2SeqEntry
        do { entry = try Seq2SeqFiles.load(bytes, file: path, parsed: parsed) } catch let e as ModelFileError {
            throw Diagnostic(.value, e.description + "; '\(name.name)' is unchanged", at: pathExpr.range)
        }
        state.values[name.name] = nil
        state.store[seq2seq: name.name] = entry
        loadedFileSHA256 = sha256Hex(bytes)
        say("loaded \(name.name) from \(path): \(seq2seqSummaryLine(name.name, entry))")
        return true
    }

    /// `plot loss` when one of the models is a seq2seq model.
    func plotSeq2SeqLoss(_ names: [Ident], _ o: PlotOptions) throws {
        var curves: [(name: String, losses: [Double])] = []
        for n in names {
            let losses = isSeq2Seq(n.name) ? state.store[seq2seq: n.name]!.lossHistory : try modelEntry(n).lossHistory
            guard !losses.isEmpty else { throw Diagnostic(.value, "'\(n.name)' has not been trained yet, so it has no loss curve; train it first", at: n.range) }
            curves.append((n.name, losses))
        }
        output.display(chartBundle(lossChart(curves, o, title: "training loss of " + names.map(\.name).joined(separator: ", ")), o), displayID: nil)
    }

    /// Sentence pairs given to a cell's train or predict: say which kind of model they are for.
    func refuseSentencePairs(_ name: Ident, _ dataExpr: Expr) throws {
        if state.store[name.name] != nil, case let .name(d, r) = dataExpr, case .translation? = state.values[d] {
            throw Diagnostic(.value, "'\(d)' holds sentence pairs, which train and test seq2seq models (cell NAME = seq2seq(...)); '\(name.name)' is a cell", at: r)
        }
    }

    // MARK: - cell NAME = seq2seq(...)

    mutating func defineSeq2Seq(_ name: Ident, _ options: [OptionArg]) throws {
        try checkAssignable(name)
        try checkOptions(options, Seq2SeqHelp.cellOptions, statement: "seq2seq(...)")
        func int(_ key: String, _ d: Int, max: Int) throws -> Int {
            guard let o = option(options, key) else { return d }
            let n = try eval(o.value).integer(key, at: o.value.range, min: 1)
            guard n <= max else { throw Diagnostic(.value, "expected \(key) of at most \(max), found \(n)", at: o.value.range) }
            return n
        }
        let embed = try int("embed", 32, max: 4096), hidden = try int("hidden", 64, max: 4096)
        let layers = try int("layers", 1, max: Budget.current.maxLayers)
        var attention = true
        if let o = option(options, "attention") { attention = try evalOption(o.value).choice("attention", ["additive", "none"], at: o.value.range) == "additive" }
        var cell = Seq2SeqCell.gru
        if let o = option(options, "cell") {
            cell = Seq2SeqCell(rawValue: try evalOption(o.value).choice("cell", Seq2SeqCell.allCases.map(\.rawValue), at: o.value.range))!
        }
        let seed: UInt64
        if let o = option(options, "seed") { seed = UInt64(try eval(o.value).integer("seed", at: o.value.range, min: 0)) } else { seed = state.rng.next() }
        var entry = Seq2SeqEntry(embed: embed, hidden: hidden, layers: layers, attention: attention, cell: cell, seed: seed)
        if let o = option(options, "vocab") {
            guard case let .translation(d) = try eval(o.value) else {
                throw Diagnostic(.value, "expected vocab= to be sentence pairs (translation(...) or reverse(...))", at: o.value.range)
            }
            let v = Seq2SeqVocabulary(of: d)
            try checkSeq2SeqBudget(entry.config(v), at: o.value.range)
            entry.fix(v)
        }
        if state.values[name.name] != nil { state.values[name.name] = nil }
        state.store[seq2seq: name.name] = entry
        say(seq2seqSummaryLine(name.name, entry))
    }

    func checkSeq2SeqBudget(_ c: Seq2Seq.Config, at range: SourceRange?) throws {
        let n = c.specs.reduce(0) { $0 + $1.count }
        guard n <= Budget.current.maxParameters else {
            throw Diagnostic(.memory, "this seq2seq model would have \(n) parameters, more than the kernel's budget of \(Budget.current.maxParameters); set RNNKERNEL_MAX_PARAMETERS to raise it", at: range)
        }
    }

    /// `tr = seq2seq(embed=32, hidden=64, layers=1, attention=additive) · 1234 parameters`
    func seq2seqSummaryLine(_ name: String, _ e: Seq2SeqEntry) -> String {
        guard let m = e.model, let v = e.vocabulary else {
            return "\(name) = \(e.definition) · the vocabularies and the weights come from the first data it is trained on"
        }
        return "\(name) = \(e.definition) · \(v.source.count) source words, \(v.target.count) target words · \(m.theta.count) parameters"
    }

    func seq2seqSummaryTable(_ name: String, _ e: Seq2SeqEntry) -> MimeBundle {
        let v = e.vocabulary ?? Seq2SeqVocabulary(source: ["<unk>"], target: ["<unk>", "<bos>", "<eos>"])
        let specs = e.config(v).specs
        let known = e.model != nil
        func shape(_ s: ParameterSpec) -> String {
            guard !known, s.name.contains("embedding") || s.name.hasPrefix("decoder.fc") else { return Tensor.shapeText(s.shape) }
            let V = s.name.hasPrefix("encoder") ? "V_src" : "V_tgt"
            return s.shape.count == 2 ? "\(V)×\(s.shape[1])" : V
        }
        let rows = specs.map { [$0.name, shape($0), known ? String($0.count) : "?"] }
        let total = known ? String(e.model!.theta.count) : "?"
        let t = Table(title: seq2seqSummaryLine(name, e), headers: ["parameter", "shape", "count"], rows: rows,
                      footer: ["total", "", total], alignments: [.left, .left, .right])
        return tableBundle(t)
    }

    mutating func showSeq2SeqMember(_ name: Ident, _ p: String) throws {
        let (_, model, v) = try trainedSeq2Seq(name, for: "show")
        if p == "source_vocab" || p == "target_vocab" || p == "vocab" {
            let words = p == "target_vocab" ? v.target : v.source
            let rows = words.enumerated().prefix(Budget.current.maxTableRows).map { [String($0.offset), $0.element] }
            output.display(tableBundle(Table(title: "\(name.name).\(p == "vocab" ? "source_vocab" : p): \(words.count) words", headers: ["id", "word"], rows: rows, alignments: [.right, .left])), displayID: nil)
            return
        }
        // Parameters by the twin's state-dict names, which have dots: show tr.decoder.fc.weight reads as member "decoder".
        let names = model.config.specs.map(\.name)
        guard let spec = model.config.specs.first(where: { $0.name == p || $0.name.hasPrefix(p + ".") && names.filter { $0.hasPrefix(p + ".") }.count == 1 }) else {
            throw Diagnostic(.name, "seq2seq model '\(name.name)' has no parameter '\(p)'; show \(name.name) lists them (\(names.joined(separator: ", "))); show \(name.name).source_vocab and .target_vocab list the words", at: name.range)
        }
        output.display(matrixBundle(title: "\(name.name).\(spec.name) (\(Tensor.shapeText(spec.shape)))", Tensor(shape: spec.shape, values: Array(model.parameter(spec.name)))), displayID: nil)
    }

    // MARK: - Data

    mutating func callTranslationData(_ name: String, _ args: [Expr], _ options: [OptionArg], _ range: SourceRange) throws -> Value {
        let allowed = Seq2SeqHelp.options(of: name)
        var seen = Set<String>()
        for o in options {
            guard allowed.contains(o.key) else {
                throw Diagnostic(.value, withSuggestion("unknown option '\(o.key)' for \(name)(...)", o.key, allowed, then: "expected one of \(allowed.joined(separator: ", "))"), at: o.keyRange)
            }
            guard seen.insert(o.key).inserted else { throw Diagnostic(.value, "option '\(o.key)' is given twice", at: o.keyRange) }
        }
        func int(_ key: String, _ d: Int?, min: Int = 1, max: Int = 1_000_000) throws -> Int {
            guard let o = option(options, key) else {
                if let d { return d }
                throw Diagnostic(.value, "\(name)(...) needs \(key)=N", at: range)
            }
            let n = try eval(o.value).integer(key, at: o.value.range, min: min)
            guard n <= max else { throw Diagnostic(.value, "expected \(key) of at most \(max), found \(n)", at: o.value.range) }
            return n
        }
        var lower = true
        if let o = option(options, "lower") { lower = try evalOption(o.value).boolean("lower", at: o.value.range) }
        do {
            switch name {
            case "reverse":
                if let a = args.first { throw Diagnostic(.value, "reverse(...) takes options only (key=value), found a positional value", at: a.range) }
                let count = try int("count", nil), length = try int("length", nil, max: 10_000)
                try Budget.checkDataset(count, length)
                let seed: UInt64
                if let o = option(options, "seed") { seed = UInt64(try eval(o.value).integer("seed", at: o.value.range, min: 0)) } else { seed = state.rng.next() % 1_000_000 }
                return .translation(try TranslationData.reverse(count: count, length: length, symbols: int("symbols", 10, min: 2, max: 1000), seed: seed))
            default:
                if let f = option(options, "file") {
                    guard args.isEmpty else { throw Diagnostic(.value, "translation(...) takes either a list of pairs or file=, not both", at: range) }
                    let path = try eval(f.value).text("file", at: f.value.range)
                    let content: String
                    do { content = try readTextFile(path) } catch let error as FileReadError {
                        throw Diagnostic(.io, "cannot read \(path): \(error)", at: f.value.range)
                    }
                    return .translation(try TranslationData.parseTSV(content, file: path, lower: lower))
                }
                guard args.count == 1 else { throw Diagnostic(.value, "translation(...) needs one list of [source, target] pairs, or file=\"PATH\"", at: range) }
                let pairs = try stringPairs(eval(args[0]), what: "[source, target]", at: args[0].range)
                return .translation(try TranslationData.from(pairs.map { (source: $0.0, target: $0.1) }, lower: lower))
            }
        } catch let e as ModelError {
            throw modelError(e, at: range)
        }
    }

    /// The sentence pairs a statement's data names.
    mutating func translationData(_ e: Expr) throws -> TranslationData {
        let v = try eval(e)
        guard case let .translation(d) = v else {
            throw Diagnostic(.value, "expected sentence pairs (translation([[\"source\", \"target\"], ...]), translation(file=\"PATH\") or reverse(...)), found \(v.kindDescription)", at: e.range)
        }
        return d
    }

    /// A sentence's source ids under the model's vocabulary, warning of unknown words.
    mutating func sourceIDs(_ e: Expr, _ v: Seq2SeqVocabulary) throws -> (words: [String], ids: [Int]) {
        let text = try eval(e).text("the sentence", at: e.range)
        let words = Datasets.words(text)
        guard !words.isEmpty else { throw Diagnostic(.value, "expected a sentence with at least one word", at: e.range) }
        let (ids, unknown) = v.encodeSource(words)
        if unknown > 0 { warn("\(unknown) word\(unknown == 1 ? " is" : "s are") not in the model's source vocabulary and read as <unk>") }
        return (words.enumerated().map { ids[$0.offset] == Seq2SeqVocabulary.unk ? "<unk>" : $0.element }, ids)
    }

    /// beam= and max_length= of translate, predict, unroll and plot attention.
    mutating func decodeOptions(_ options: [OptionArg]) throws -> (beam: Int, maxLength: Int) {
        var beam = 1, maxLength = 20
        if let o = option(options, "beam") {
            beam = try eval(o.value).integer("beam", at: o.value.range, min: 1)
            guard beam <= 100 else { throw Diagnostic(.value, "expected beam of at most 100, found \(beam)", at: o.value.range) }
        }
        if let o = option(options, "max_length") {
            maxLength = try eval(o.value).integer("max_length", at: o.value.range, min: 1)
            guard maxLength <= 1000 else { throw Diagnostic(.value, "expected max_length of at most 1000, found \(maxLength)", at: o.value.range) }
        }
        return (beam, maxLength)
    }

    // MARK: - train

    mutating func trainSeq2Seq(_ name: Ident, _ dataExpr: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, Seq2SeqHelp.trainOptions, statement: "train of a seq2seq model")
        let data = try translationData(dataExpr)
        var entry = state.store[seq2seq: name.name]!
        if entry.vocabulary == nil {
            let v = Seq2SeqVocabulary(of: data)
            try checkSeq2SeqBudget(entry.config(v), at: dataExpr.range)
            entry.fix(v)
            say("\(name.name): vocabularies from \(data.summary): \(v.source.count) source words, \(v.target.count) target words (with <unk>, <bos>, <eos>)")
        }
        let (pairs, unknown) = entry.vocabulary!.encode(data)
        if unknown > 0 { warn("\(unknown) word\(unknown == 1 ? " is" : "s are") not in \(name.name)'s vocabularies and read as <unk>") }
        var s = Seq2Seq.TrainSettings()
        var shown: [String] = []
        for opt in options {
            let r = opt.value.range
            switch opt.key {
            case "epochs": s.epochs = try eval(opt.value).integer("epochs", at: r, min: 1)
            case "batch": s.batch = try eval(opt.value).integer("batch", at: r, min: 1)
            case "lr":
                s.lr = try eval(opt.value).number("lr", at: r)
                guard s.lr > 0, s.lr.isFinite else { throw Diagnostic(.value, "expected lr to be a positive number, found \(formatNumber(s.lr))", at: r) }
            case "optimizer": s.optimizer = OptimizerKind(rawValue: try evalOption(opt.value).choice("optimizer", OptimizerKind.allCases.map(\.rawValue), at: r))!
            case "teacher_forcing":
                s.teacherForcing = try eval(opt.value).number("teacher_forcing", at: r)
                guard s.teacherForcing >= 0, s.teacherForcing <= 1 else {
                    throw Diagnostic(.value, "expected teacher_forcing between 0 and 1 (the chance a step is fed the true previous word), found \(formatNumber(s.teacherForcing))", at: r)
                }
            case "clip":
                let v = try evalOption(opt.value)
                if case .symbol("none") = v { s.clip = nil } else {
                    let c = try v.number("clip (none or a positive number)", at: r)
                    guard c > 0 else { throw Diagnostic(.value, "expected clip to be none or a positive number, found \(formatNumber(c))", at: r) }
                    s.clip = c
                }
            case "seed": s.seed = UInt64(try eval(opt.value).integer("seed", at: r, min: 0))
            default: break
            }
            shown.append("\(opt.key)=\(try evalOption(opt.value).literal)")
        }
        // One loss is kept per step, as for a cell: the count is checked (and cannot overflow) first.
        let stepsPerEpoch = (pairs.count + s.batch - 1) / s.batch
        try Budget.check(Sizes.product(stepsPerEpoch, s.epochs), \.maxDatasetValues, "the losses of \(s.epochs) epochs of \(stepsPerEpoch) steps")
        if option(options, "seed") == nil { s.seed = state.rng.next() % 1_000_000 }
        let displayID = "train-" + makeUUID()
        var lastDraw = -1.0
        var undrawn: Progress?
        let out = output, flag = interrupt, context = self
        let r = entry.model!.train(pairs, s, clock: now, progress: { p in
            if p.elapsed - lastDraw >= 0.1 || p.step == p.totalSteps || lastDraw < 0 {
                let b = context.progressBundle(p)
                if lastDraw < 0 { out.display(b, displayID: displayID) } else { out.updateDisplay(b, displayID: displayID) }
                lastDraw = p.elapsed
                undrawn = nil
            } else {
                undrawn = p
            }
        }, shouldStop: { flag.isRaised })
        if let p = undrawn { out.updateDisplay(progressBundle(p), displayID: displayID) }
        entry.model = r.model
        entry.trainedSteps += r.losses.count
        entry.lossHistory += r.losses
        state.store[seq2seq: name.name] = entry
        let outcome: String
        switch r.outcome {
        case .completed: outcome = "completed"
        case let .interrupted(n): outcome = "interrupted after step \(n)"
        case let .diverged(n): outcome = "diverged at step \(n)"
        }
        let record = RunRecord(id: state.runs.count + 1, model: name.name, data: data.summary, dataFingerprint: fingerprint(of: data),
                               options: shown.joined(separator: " "), seed: s.seed, losses: r.losses, seconds: r.elapsed,
                               outcome: outcome, weightsHash: weightsHash(of: r.model))
        state.runs.append(record)
        let first = r.losses.first.map { NumberFormat.short($0, decimals: 6) } ?? "-"
        let last = r.losses.last.map { NumberFormat.short($0, decimals: 6) } ?? "-"
        let rate = r.elapsed > 0 ? Double(r.losses.count) / r.elapsed : 0
        say("\(name.name): \(r.losses.count) step\(r.losses.count == 1 ? "" : "s") in \(NumberFormat.fixed(r.elapsed, decimals: 2)) s (\(Int(rate.rounded())) steps/s) · "
            + "xent loss \(first) → \(last) · \(s.optimizer.rawValue) lr=\(formatNumber(s.lr)) batch=\(s.batch) teacher_forcing=\(formatNumber(s.teacherForcing)) · run \(record.id)")
        let total = stepsPerEpoch * s.epochs
        switch r.outcome {
        case .completed: break
        case let .interrupted(n):
            throw StopKeepingState(state: state, diagnostic: Diagnostic(.interrupt, "training \(name.name) stopped after step \(n) of \(total); the weights of step \(n) are kept", at: statementRange))
        case let .diverged(n):
            throw StopKeepingState(state: state, diagnostic: Diagnostic(.diverged, "the loss or the weights became NaN or infinite at step \(n); the last finite weights (after step \(n - 1)) are kept. Try a smaller lr= or clip=", at: statementRange))
        }
    }

    // MARK: - translate, predict

    mutating func translateStatement(_ name: Ident, _ sentence: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, Seq2SeqHelp.decodeOptions, statement: "translate")
        let (_, model, v) = try trainedSeq2Seq(name, for: "translate")
        let (words, ids) = try sourceIDs(sentence, v)
        let (beam, maxLength) = try decodeOptions(options)
        let t = model.translate(ids, beam: beam, maxLength: maxLength)
        let outWords = t.tokens.map { v.target[$0] }
        var text = outWords.isEmpty ? "(empty: <eos> first)" : outWords.joined(separator: " ")
        if !t.finished { text += "   (stopped at max_length=\(maxLength) before <eos>)" }
        say(text)
        guard model.config.attention, !outWords.isEmpty else { return }
        let rows = outWords.enumerated().map { i, w -> [String] in
            let a = t.weights[i]
            let s = a.indices.max { a[$0] < a[$1] }!
            return [String(i + 1), w, words[s], NumberFormat.fixed(a[s], decimals: 3)]
        }
        output.display(tableBundle(Table(title: "\(beam == 1 ? "greedy" : "beam \(beam)") · score (log p per word) \(NumberFormat.short(t.score, decimals: 4)) · the source word each output word attended to most",
                                         headers: ["#", "output", "attended to", "weight"], rows: rows, alignments: [.right, .left, .left, .right])), displayID: nil)
    }

    mutating func predictSeq2Seq(_ name: Ident, _ dataExpr: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, Seq2SeqHelp.decodeOptions, statement: "predict of a seq2seq model")
        let (_, model, v) = try trainedSeq2Seq(name, for: "predict")
        if case .string = try eval(dataExpr) { return try translateStatement(name, dataExpr, options) }
        let data = try translationData(dataExpr)
        let (beam, maxLength) = try decodeOptions(options)
        let (pairs, unknown) = v.encode(data)
        if unknown > 0 { warn("\(unknown) word\(unknown == 1 ? " is" : "s are") not in \(name.name)'s vocabularies and read as <unk>") }
        var hypotheses: [[String]] = [], exact = 0
        for (i, p) in pairs.enumerated() {
            if i % 16 == 0, interrupt.isRaised { throw Interrupted() }
            let out = model.translate(p.source, beam: beam, maxLength: maxLength).tokens.map { v.target[$0] }
            hypotheses.append(out)
            if out == data.pairs[i].target { exact += 1 }
        }
        let bleu = BLEU.corpus(hypotheses: hypotheses, references: data.pairs.map(\.target))
        let shown = min(data.count, 8)
        let rows = (0..<shown).map { i in
            [String(i + 1), shorten(data.pairs[i].source.joined(separator: " ")), shorten(data.pairs[i].target.joined(separator: " ")),
             shorten(hypotheses[i].joined(separator: " ")), hypotheses[i] == data.pairs[i].target ? "yes" : ""]
        }
        let title = "predict \(name.name) on \(data.summary) · BLEU-4 \(NumberFormat.fixed(bleu.bleu, decimals: 2)) · exact match \(NumberFormat.short(100 * Double(exact) / Double(data.count), decimals: 2))% (\(exact)/\(data.count))"
            + " · \(beam == 1 ? "greedy" : "beam \(beam)")" + (data.count > shown ? " · first \(shown) of \(data.count)" : "")
        output.display(tableBundle(Table(title: title, headers: ["#", "source", "reference", "output", "exact"], rows: rows,
                                         alignments: [.right, .left, .left, .left, .left])), displayID: nil)
        let p = bleu.precisions.map { NumberFormat.fixed($0, decimals: 1) }.joined(separator: "/")
        say("BLEU = \(NumberFormat.fixed(bleu.bleu, decimals: 2)) \(p) (BP = \(NumberFormat.fixed(bleu.brevityPenalty, decimals: 3)) hyp_len = \(bleu.hypothesisLength) ref_len = \(bleu.referenceLength)), as sacrebleu with tokenize=\"none\"")
    }

    // MARK: - plot attention, unroll

    mutating func plotAttention(_ name: Ident, _ sentence: Expr, _ options: [OptionArg]) throws {
        let (_, model, v) = try trainedSeq2Seq(name, for: "plot attention")
        guard model.config.attention else {
            throw Diagnostic(.value, "'\(name.name)' has attention=none: every step reads the encoder's last output, so there are no weights to plot", at: name.range)
        }
        let plotOnly = options.filter { !["beam", "max_length"].contains($0.key) }
        let decodeOnly = options.filter { ["beam", "max_length"].contains($0.key) }
        var o = try plotOptions(plotOnly)
        let (words, ids) = try sourceIDs(sentence, v)
        let (beam, maxLength) = try decodeOptions(decodeOnly)
        let t = model.translate(ids, beam: beam, maxLength: maxLength)
        // Every decoder step, <eos> included when reached: its row shows what the model read to stop.
        let trace = model.trace(source: ids, target: t.tokens + (t.finished ? [Seq2SeqVocabulary.eos] : []))
        let rows = trace.weights
        let labels = (t.tokens + (t.finished ? [Seq2SeqVocabulary.eos] : [])).map { v.target[$0] }
        // One text row per output word, so that none is averaged away, unless height= says otherwise.
        if !plotOnly.contains(where: { $0.key == "height" }) { o.height = max(o.height, min(200, rows.count)) }
        let map = Heatmap(rows, rowLabels: labels, colLabels: words, scaleLabel: "attention")
        let chart = Chart(title: o.title ?? "attention of \(name.name): output words (down) × source words (across)", xLabel: "source", yLabel: "output", kind: .heatmap(map))
        output.display(chartBundle(chart, o), displayID: nil)
    }

    mutating func unrollSeq2Seq(_ name: Ident, _ sentence: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, Seq2SeqHelp.decodeOptions, statement: "unroll of a seq2seq model")
        let (_, model, v) = try trainedSeq2Seq(name, for: "unroll")
        let (words, ids) = try sourceIDs(sentence, v)
        let (beam, maxLength) = try decodeOptions(options)
        let t = model.translate(ids, beam: beam, maxLength: maxLength)
        let target = t.tokens + (t.finished ? [Seq2SeqVocabulary.eos] : [])
        let trace = model.trace(source: ids, target: target)
        let cells = model.cellStates(trace), lstm = model.config.cell == .lstm
        let encRows = words.enumerated().map { [String($0.offset + 1), $0.element, vec(trace.outputs[$0.offset])] + (lstm ? [vec(cells.encoder[$0.offset])] : []) }
        output.display(tableBundle(Table(title: "encoder of \(name.name): h_t of the top layer at each source word (the keys and values of attention)\(lstm ? " and its cell c_t" : ""); its final state starts the decoder",
                                         headers: ["t", "x_t", "h_t"] + (lstm ? ["cell c_t"] : []), rows: encRows,
                                         alignments: [.right, .left, .left] + (lstm ? [.left] : []))), displayID: nil)
        let states = model.decoderStates(trace)
        let decRows = target.enumerated().map { i, y -> [String] in
            var row = [String(i + 1), v.target[trace.inputs[i]]]
            if model.config.attention {
                row += [vec(trace.queries[i]), trace.weights[i].map { NumberFormat.fixed($0, decimals: 3) }.joined(separator: " ")]
            }
            row += [vec(trace.contexts[i]), vec(states[i])] + (lstm ? [vec(cells.decoder[i])] : [])
            row += [v.target[y], NumberFormat.fixed(trace.probabilities[i][y], decimals: 3)]
            return row
        }
        let headers = ["t", "y_{t-1}"] + (model.config.attention ? ["query s_{t-1}", "weights over " + words.joined(separator: " ")] : []) + ["context c_t", "s_t"] + (lstm ? ["cell"] : []) + ["chosen", "p"]
        output.display(tableBundle(Table(title: "decoder of \(name.name) (\(beam == 1 ? "greedy" : "beam \(beam)")): \(model.config.attention ? "a = softmax(w_v·tanh(W_q s_{t-1} + W_k h_j)), c_t = Σ a_j h_j" : "c_t = the encoder's last h_t"), s_t = \(model.config.cell == .lstm ? "LSTM" : "GRU")([c_t ; embed(y_{t-1})], s_{t-1})",
                                         headers: headers, rows: decRows, alignments: headers.map { _ in .left })), displayID: nil)
    }
}
