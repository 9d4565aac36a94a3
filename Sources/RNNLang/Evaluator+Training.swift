import JSON
import Jupyter
import Plot
import RNN
import Store

extension StatementContext {
    func option(_ options: [OptionArg], _ key: String) -> OptionArg? { options.first { $0.key == key } }

    // MARK: - backward

    mutating func backward(_ statement: Statement) throws {
        guard case let .backward(name, seqExpr, options) = statement else { return }
        try checkOptions(options, OptionTable.backward, statement: "backward")
        let seq = try eval(seqExpr).sequence("the sequence", at: seqExpr.range)
        let entry = try modelEntry(name, inputWidth: seq.first?.count ?? 0)
        guard let t = option(options, "target") else {
            throw Diagnostic(.value, "backward needs target=...: a vector for y_T, a sequence for every y_t, or a class index", at: statementRange)
        }
        // A CRF tagger's loss is its NLL over class targets: read the target as classes.
        var loss = entry.model.config.crf ? Loss.xent : Loss.mse
        if let o = option(options, "loss") { loss = Loss(rawValue: try evalOption(o.value).choice("loss", ["mse", "xent"], at: o.value.range))! }
        var bptt: Int?
        if let o = option(options, "bptt") { bptt = try eval(o.value).integer("bptt", at: o.value.range, min: 1) }
        let target = try targets(eval(t.value), steps: seq.count, loss: loss, model: entry.model, at: t.value.range)
        let r: (loss: Double, gradients: [Tensor], hiddenGradientNorms: [Double])
        do { r = try entry.model.backward(seq, target: target, loss: loss, bptt: bptt) } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(model: name.range, data: seqExpr.range, target: t.value.range, options: options))
        }
        say("\(name.name): loss (\(entry.model.config.crf ? "CRF NLL" : loss.rawValue)) = \(NumberFormat.short(r.loss, decimals: 6))")
        let rows = zip(entry.model.specs, r.gradients).map { spec, g -> [String] in
            var sq = 0.0
            for v in g.values { sq += v * v }
            let shown = g.values.count <= 6 ? vec(g.values) : vec(Array(g.values.prefix(5))).dropLast() + ", …]"
            return [spec.name, Tensor.shapeText(spec.shape), NumberFormat.short(sq.squareRoot(), decimals: 6), String(shown)]
        }
        output.display(tableBundle(Table(title: "∂L/∂θ for every parameter of \(name.name)", headers: ["parameter", "shape", "‖∂L/∂θ‖", "∂L/∂θ (row-major)"],
                                         rows: rows, alignments: [.left, .left, .right, .left])), displayID: nil)
        // The factor step t carries the gradient back by: ‖∂L/∂h_{t-1}‖ / ‖∂L/∂h_t‖ (h_0 is no parameter, so t = 1 has none).
        let norms = r.hiddenGradientNorms
        let hRows = norms.enumerated().map { t, n -> [String] in
            let factor = t == 0 ? "-" : n == 0 ? (norms[t - 1] == 0 ? "-" : "inf") : NumberFormat.short(norms[t - 1] / n, decimals: 6)
            return [String(t + 1), NumberFormat.short(n, decimals: 6), factor]
        }
        output.display(tableBundle(Table(title: "‖∂L/∂h_t‖ at each step (BPTT carries it backwards through W_hh)\(bptt.map { ", truncated every \($0) steps" } ?? "")",
                                         headers: ["t", "‖∂L/∂h_t‖", "‖∂L/∂h_{t-1}‖ / ‖∂L/∂h_t‖"], rows: hRows, alignments: [.right, .right, .right])), displayID: nil)
    }

    /// Reads a target for one sequence: a class index (xent), a vector compared with y_T, or one
    /// value (or class) per step.
    func targets(_ v: Value, steps: Int, loss: Loss, model: Model, at range: SourceRange) throws -> Dataset.Targets {
        let O = model.config.outputWidth
        switch (loss, v) {
        case let (.xent, .number(n)):
            guard let k = Sizes.wholeNumber(n), k >= 0, k < O else {
                throw Diagnostic(.value, "expected the target class to be a whole number from 0 to \(O - 1) (y_t has \(O) logits), found \(formatNumber(n))", at: range)
            }
            return .classes([k])
        case let (.xent, .list(items)):
            let ks = try items.map { item -> Int in
                guard case let .number(n) = item, let k = Sizes.wholeNumber(n), k >= 0, k < O else {
                    throw Diagnostic(.value, "expected one class index (0 to \(O - 1): y_t has width \(O)) per step, found \(item.literal)", at: range)
                }
                return k
            }
            guard ks.count == steps else { throw Diagnostic(.shape, "expected \(steps) target classes (one per step), found \(ks.count)", at: range) }
            return .classSequences([ks])
        case let (.mse, .number(n)):
            return .vectors([[n]])
        case let (.mse, .list(items)):
            if items.contains(where: { if case .list = $0 { return true } else { return false } }) {
                let s = try v.sequence("the target", at: range)
                guard s.count == steps else { throw Diagnostic(.shape, "expected \(steps) target steps (one per input step), found \(s.count)", at: range) }
                return .vectorSequences([s])
            }
            let t = try v.vector("the target", at: range)
            if t.count == O { return .vectors([t]) }
            if O == 1 && t.count == steps { return .vectorSequences([t.map { [$0] }]) }
            throw Diagnostic(.shape, "expected a target of width \(O) (the width of y_t)\(O == 1 ? " or \(steps) values, one per step" : ""), found \(t.count) values", at: range)
        default:
            throw Diagnostic(.value, "expected the target to be a number or a list, found \(v.kindDescription)", at: range)
        }
    }

    // MARK: - train

    mutating func train(_ statement: Statement) throws {
        guard case let .train(name, dataExpr, options) = statement else { return }
        if isSeq2Seq(name.name) { return try trainSeq2Seq(name, dataExpr, options) }
        try refuseSentencePairs(name, dataExpr)
        if bowEntry(name.name) != nil, options.contains(where: { $0.key == "bptt" }) {
            warn("bptt= has no effect on a bow model: it has no time steps to backpropagate through")
        }
        try checkOptions(options, OptionTable.train, statement: "train")
        _ = try modelEntry(name)
        let dataValue = try eval(dataExpr)
        guard case let .dataset(given) = dataValue else {
            throw Diagnostic(.value, "expected a dataset after 'on' (e.g. sine(count=64, length=20)), found \(dataValue.kindDescription)", at: dataExpr.range)
        }
        var entry = try modelEntry(name, inputWidth: given.inputWidth)
        // The first text data fixes the model's vocabulary and labels; later data is read with them.
        let data = try readWithVocabulary(given, &entry, name: name.name, fix: true, at: dataExpr.range)
        if entry.model.config.bow != nil {
            if entry.pendingInputSeed == nil { warnUnseenTerms(data, entry, name: name.name) }
            try fixBagOfWords(name, &entry, data, at: dataExpr.range)
        }
        var o = TrainOptions()
        var shown: [String] = []
        var showPlot = false
        var validation: Dataset?
        for opt in options {
            let r = opt.value.range
            switch opt.key {
            case "validation":
                let v = try eval(opt.value)
                guard case let .dataset(d) = v else {
                    throw Diagnostic(.value, "expected a dataset after validation= (held-out examples of the same kind as the training data, e.g. let val = sentences([...])), found \(v.kindDescription)", at: r)
                }
                // Held-out data is read with the model's vocabulary and labels, as predict reads it.
                validation = try readWithVocabulary(d, &entry, name: name.name, fix: false, at: r)
                if let validation { warnUnseenTerms(validation, entry, name: name.name) }
                if case let .name(n, _) = opt.value { shown.append("validation=\(n)") } else { shown.append("validation=\(d.summary)") }
                continue
            case "epochs": o.epochs = try eval(opt.value).integer("epochs", at: r, min: 1)
            case "lr":
                o.lr = try eval(opt.value).number("lr", at: r)
                guard o.lr > 0, o.lr.isFinite else { throw Diagnostic(.value, "expected lr to be a positive number, found \(formatNumber(o.lr))", at: r) }
            case "optimizer": o.optimizer = OptimizerKind(rawValue: try evalOption(opt.value).choice("optimizer", OptimizerKind.allCases.map(\.rawValue), at: r))!
            case "batch": o.batch = try eval(opt.value).integer("batch", at: r, min: 1)
            case "clip":
                let v = try evalOption(opt.value)
                if case .symbol("none") = v { o.clipping = .none } else {
                    let c = try v.number("clip (none or a positive number)", at: r)
                    guard c > 0 else { throw Diagnostic(.value, "expected clip to be none or a positive number, found \(formatNumber(c))", at: r) }
                    o.clipping = .norm(c)
                }
            case "clip_mode": break  // applied below, once clip is known
            case "loss": o.loss = Loss(rawValue: try evalOption(opt.value).choice("loss", ["mse", "xent"], at: r))!
            case "bptt": o.bptt = try eval(opt.value).integer("bptt", at: r, min: 1)
            case "seed": o.seed = UInt64(try eval(opt.value).integer("seed", at: r, min: 0))
            case "plot":
                showPlot = try evalOption(opt.value).boolean("plot", at: r)
            default: break
            }
            shown.append("\(opt.key)=\(try evalOption(opt.value).literal)")
        }
        if let m = option(options, "clip_mode") {
            let mode = try evalOption(m.value).choice("clip_mode", ["norm", "value"], at: m.value.range)
            switch (o.clipping, mode) {
            case let (.norm(c), "value"): o.clipping = .value(c)
            case (.none, _): warn("clip_mode= has no effect without clip=")
            default: break
            }
        }
        if option(options, "seed") == nil { o.seed = state.rng.next() % 1_000_000 }
        if data.count % o.batch != 0 && o.batch > data.count {
            warn("batch=\(o.batch) is larger than the data (\(data.count) examples): each step uses all of them")
        }
        let displayID = "train-" + makeUUID()
        var lastDraw = -1.0
        var curve = entry.lossHistory
        var lastChart = -1.0
        let chartID = "train-plot-" + makeUUID()
        // The last step the progress line (and the live chart) has not shown yet: drawn when training
        // stops early, so the line agrees with the summary.
        var undrawn: Progress? = nil
        var chartBehind = false
        var liveValidation = entry.validationHistory
        // Validation points sit on the x of the loss curve, which counts the steps of this session.
        let stepsBefore = entry.lossHistory.count
        func liveChart() -> MimeBundle {
            context.chartBundle(context.lossChart([(modelName, curve)], chartOptions, title: "training loss of \(modelName)",
                                                  validation: liveValidation.isEmpty ? [:] : [modelName: liveValidation]), chartOptions)
        }
        let chartOptions = PlotOptions()
        let modelName = name.name
        let context = self
        let out = output
        let interruptFlag = interrupt
        let result: TrainResult
        do {
            result = try entry.model.train(on: data, options: o, validation: validation, clock: now, progress: { p in
                curve.append(p.loss)
                if var v = p.validation, v.step == p.step {
                    v.step += stepsBefore
                    liveValidation.append(v)
                }
                let done = p.step == p.totalSteps
                if p.elapsed - lastDraw >= 0.1 || done || lastDraw < 0 {
                    let bundle = progressBundle(p)
                    if lastDraw < 0 { out.display(bundle, displayID: displayID) } else { out.updateDisplay(bundle, displayID: displayID) }
                    lastDraw = p.elapsed
                    undrawn = nil
                } else {
                    undrawn = p
                }
                // The loss chart is redrawn in place about twice a second, and once at the end.
                if showPlot, p.elapsed - lastChart >= 0.5 || done || lastChart < 0 {
                    let chart = liveChart()
                    if lastChart < 0 { out.display(chart, displayID: chartID) } else { out.updateDisplay(chart, displayID: chartID) }
                    lastChart = p.elapsed
                    chartBehind = false
                } else if showPlot {
                    chartBehind = true
                }
            }, shouldStop: { interruptFlag.isRaised })
            if let p = undrawn { out.updateDisplay(progressBundle(p), displayID: displayID) }
            if chartBehind { out.updateDisplay(liveChart(), displayID: chartID) }
        } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(model: name.range, data: dataExpr.range, options: options))
        }
        entry.validationHistory += result.validation.map { v in
            var v = v
            v.step += stepsBefore
            return v
        }
        entry.model = result.model
        entry.trainedSteps += result.losses.count
        entry.lossHistory += result.losses
        state.store[name.name] = entry
        let outcomeText: String
        switch result.outcome {
        case .completed: outcomeText = "completed"
        case let .interrupted(n): outcomeText = "interrupted after step \(n)"
        case let .diverged(n): outcomeText = "diverged at step \(n)"
        }
        var record = RunRecord(id: state.runs.count + 1, model: name.name, data: data.summary, dataFingerprint: fingerprint(of: data),
                               options: shown.joined(separator: " "), seed: o.seed, losses: result.losses, seconds: result.elapsed,
                               outcome: outcomeText, weightsHash: weightsHash(of: result.model))
        if let validation {
            record.validation = RunValidation(data: validation.summary, dataFingerprint: fingerprint(of: validation), epochs: result.validation)
        }
        state.runs.append(record)
        let first = result.losses.first.map { NumberFormat.short($0, decimals: 6) } ?? "-"
        let last = result.losses.last.map { NumberFormat.short($0, decimals: 6) } ?? "-"
        let rate = result.elapsed > 0 ? Double(result.losses.count) / result.elapsed : 0
        var summary = "\(name.name): \(result.losses.count) step\(result.losses.count == 1 ? "" : "s") in \(NumberFormat.fixed(result.elapsed, decimals: 2)) s "
            + "(\(Int(rate.rounded())) steps/s) · \(entry.model.config.crf ? "CRF NLL" : result.loss.rawValue) loss \(first) → \(last)"
        // A language model's loss reads better as a perplexity: the number of symbols it is as unsure as.
        if data.isLanguageModel, result.loss == .xent, let f = result.losses.first, let l = result.losses.last {
            summary += " · perplexity \(NumberFormat.short(perplexity(ofCrossEntropy: f), decimals: 4)) → \(NumberFormat.short(perplexity(ofCrossEntropy: l), decimals: 4))"
        }
        if let v = result.validation.last {
            summary += " · validation \(validationText(v.evaluation, result.loss))"
            if let best = result.validation.min(by: { $0.evaluation.loss < $1.evaluation.loss }), best.epoch != v.epoch {
                summary += " (lowest \(NumberFormat.short(best.evaluation.loss, decimals: 6)) after epoch \(best.epoch))"
            }
        }
        summary += " · \(o.optimizer.rawValue) lr=\(formatNumber(o.lr)) batch=\(o.batch) · run \(record.id)"
        switch result.outcome {
        case .completed:
            say(summary)
        case let .interrupted(n):
            say(summary)
            throw StopKeepingState(state: state, diagnostic: Diagnostic(.interrupt, "training \(name.name) stopped after step \(n) of \(data.count.dividedRoundingUp(by: o.batch) * o.epochs); the weights of step \(n) are kept", at: statementRange))
        case let .diverged(n):
            say(summary)
            throw StopKeepingState(state: state, diagnostic: Diagnostic(.diverged, "the loss or the weights became NaN or infinite at step \(n); the last finite weights (after step \(n - 1)) are kept. Try a smaller lr= or clip=", at: statementRange))
        }
    }

    /// The summary's "xent loss 0.41 · validation accuracy 75%" (perplexity for a language model).
    func validationText(_ e: Evaluation, _ loss: Loss) -> String {
        var text = "\(loss.rawValue) loss \(NumberFormat.short(e.loss, decimals: 6))"
        if let a = e.accuracy { text += " · validation accuracy \(NumberFormat.short(a * 100, decimals: 2))%" }
        if let p = e.perplexity { text += " · validation perplexity \(NumberFormat.short(p, decimals: 4))" }
        return text
    }

    func progressBundle(_ p: Progress) -> MimeBundle {
        var text = "epoch \(p.epoch)/\(p.epochs) · step \(p.step)/\(p.totalSteps) · loss \(NumberFormat.short(p.loss, decimals: 6)) · "
        if let v = p.validation {
            text += "validation loss \(NumberFormat.short(v.evaluation.loss, decimals: 6))"
            if let a = v.evaluation.accuracy { text += " · accuracy \(NumberFormat.short(a * 100, decimals: 2))%" }
            if let ppl = v.evaluation.perplexity { text += " · perplexity \(NumberFormat.short(ppl, decimals: 4))" }
            text += " (epoch \(v.epoch)) · "
        }
        text += "\(Int(p.stepsPerSecond.rounded())) steps/s · \(NumberFormat.fixed(p.secondsLeft, decimals: 1)) s left"
        return MimeBundle([(mime: "text/plain", value: .string(text))], metadata: ["rnn-kernel": ["progress": true]])
    }

    // MARK: - predict

    mutating func predict(_ statement: Statement) throws {
        guard case let .predict(name, dataExpr, options) = statement else { return }
        if isSeq2Seq(name.name) { return try predictSeq2Seq(name, dataExpr, options) }
        try refuseSentencePairs(name, dataExpr)
        if let e = bowEntry(name.name) { try requireTerms(name, e, for: "predict with it") }
        try checkOptions(options, OptionTable.predict, statement: "predict")
        _ = try modelEntry(name)
        let v = try eval(dataExpr)
        var width = 0
        if case let .dataset(d) = v { width = d.inputWidth } else if let seq = try? v.sequence("the sequence", at: dataExpr.range) { width = seq.first?.count ?? 0 }
        var entry = try modelEntry(name, inputWidth: width)
        var rowLimit = 8
        if let o = option(options, "rows") {
            switch try evalOption(o.value) {
            case .symbol("all"): rowLimit = Int.max
            case let .symbol(word): throw Diagnostic(.value, "expected rows to be a whole number or all, found '\(word)'", at: o.value.range)
            case let n: rowLimit = try n.integer("rows (a whole number or all)", at: o.value.range, min: 1)
            }
        }
        if case let .dataset(given) = v {
            // Read as the model reads it: with its vocabulary and labels, and a list of classes per
            // step is many-to-many classification.
            let data = try readWithVocabulary(given, &entry, name: name.name, fix: false, at: dataExpr.range)
                .reading(loss: nil, outputWidth: entry.model.config.outputWidth)
            warnUnseenTerms(data, entry, name: name.name)
            let r: (outputs: [[[Double]]], loss: Double?, accuracy: Double?, paths: [[Int]]?)
            do { r = try entry.model.predict(data) } catch let e as ModelError { throw modelError(e, at: dataExpr.range) }
            // A tagger's tags: Viterbi's paths with a CRF, each y_t's argmax without.
            let paths = entry.model.config.crf || data.classNames.map(Entities.isBIO) == true ? r.paths : nil
            let report = PredictionReport(data, outputs: r.outputs, paths: entry.model.config.crf ? paths : nil)
            let (budget, _) = tableCut(data.count)
            let shownCount = min(rowLimit, budget, data.count)
            var rows: [[String]] = []
            for i in report.order.prefix(shownCount) {
                let y = r.outputs[i]
                let shown: String
                if let paths {
                    shown = paths[i].map(report.label).joined(separator: " ")
                } else if data.isClassification {
                    func label(_ v: [Double]) -> String { report.label(argmax(v)) }
                    shown = data.isManyToMany ? y.map(label).joined(separator: data.name == "text" ? "" : " ") : label(y.last!)
                } else {
                    shown = data.isManyToMany ? shorten(y.map { $0.count == 1 ? NumberFormat.short($0[0], decimals: 3) : vec($0) }.joined(separator: ", ")) : vec(y.last!)
                }
                var row = [String(i + 1), shown, shorten(targetText(data, i))]
                if let (right, of) = report.scores[i] { row.append(data.isManyToMany ? "\(right)/\(of)" : (right == of ? "yes" : "no")) }
                rows.append(row)
            }
            var title = "predict \(name.name) on \(data.summary)"
            if let a = r.accuracy { title += " · accuracy \(NumberFormat.short(a * 100, decimals: 2))%" } else if let l = r.loss { title += " · MSE \(NumberFormat.short(l, decimals: 6))" }
            if entry.model.config.crf, let l = r.loss { title += " · CRF NLL \(NumberFormat.short(l, decimals: 6))" }
            if let c = report.confusion { title += " (\(c.correct) of \(c.total)\(data.isManyToMany ? " tags" : ""))" }
            if data.isLanguageModel, let l = r.loss {
                title += " · cross-entropy \(NumberFormat.short(l, decimals: 6)) · perplexity \(NumberFormat.short(perplexity(ofCrossEntropy: l), decimals: 4))"
            }
            if shownCount < data.count {
                title += report.confusion == nil ? " · first \(shownCount) of \(data.count)" : " · \(shownCount) of \(data.count) examples"
            }
            if report.wrongExamples > 0, report.wrongExamples < data.count {
                title += " · the \(report.wrongExamples) with mistakes first"
            }
            if shownCount < data.count { title += rowLimit == Int.max ? " (set RNNKERNEL_MAX_TABLE_ROWS to show more)" : " (rows=all shows every one)" }
            var headers = ["#", "prediction", "target"]
            if report.confusion != nil { headers.append("correct") }
            output.display(tableBundle(Table(title: title, headers: headers, rows: rows, alignments: [.right, .left, .left, .right])), displayID: nil)
            if let c = report.confusion {
                let labels = (0..<c.classes).map(report.label)
                let cRows = (0..<c.classes).map { t -> [String] in
                    let n = c.counts[t].reduce(0, +)
                    return [labels[t]] + c.counts[t].map(String.init) + [n == 0 ? "-" : "\(c.counts[t][t]) of \(n)"]
                }
                let unit = data.isManyToMany ? "tag" : "example"
                let table = Table(title: "confusion of \(name.name) on \(data.summary): true \(data.isManyToMany ? "tag" : "label") (row) × predicted (column), one count per \(unit)",
                                  headers: ["true \\ predicted"] + labels + ["correct"], rows: cRows,
                                  alignments: [.left] + labels.map { _ in .right } + [.right])
                output.display(tableBundle(table), displayID: nil)
            }
            if let paths, let names = data.classNames, Entities.isBIO(names), case let .classSequences(gold) = data.targets {
                let s = Entities.score(predicted: paths.map { $0.map { names[$0] } }, gold: gold.map { $0.map { names[$0] } })
                func pct(_ v: Double) -> String { NumberFormat.short(v * 100, decimals: 2) + "%" }
                let rows = [["precision", pct(s.precision), "\(s.correct) of \(s.predicted) predicted entities are right"],
                            ["recall", pct(s.recall), "\(s.correct) of \(s.gold) gold entities are found"],
                            ["F1", pct(s.f1), "2·P·R / (P + R)"],
                            ["per-word accuracy", r.accuracy.map(pct) ?? "-", "tags right, word by word"],
                            ["invalid sequences", "\(s.invalidSequences) of \(s.sequences)", "an I-X not after B-X or I-X"]]
                output.display(tableBundle(Table(title: "entities of \(name.name) (an entity counts when its whole span and type match)",
                                                 headers: ["measure", "value", "meaning"], rows: rows, alignments: [.left, .right, .left])), displayID: nil)
            }
        } else if let (seq, tokens) = try stringSequence(v, entry, name: name.name, at: dataExpr.range) {
            if entry.model.config.bow != nil {
                if option(options, "rows") != nil { warn("rows= lists the examples of a dataset; a sentence is one example") }
                return output.display(try bagPredictString(name.name, v, entry, seq: seq, tokens: tokens, at: dataExpr.range), displayID: nil)
            }
            // A string, read with the model's vocabulary: each token, y_t and the class it points to.
            let trace: ForwardTrace
            do { trace = try entry.model.forward(seq) } catch let e as ModelError { throw modelError(e, at: dataExpr.range) }
            let named = entry.labels != nil || entry.vocab?.level == .character
            let (maxRows, cut) = tableCut(trace.outputs.count, valuesPerRow: trace.outputs.first?.count ?? 1)
            // A CRF tagger's tags are the Viterbi path, as for a dataset; not each word's argmax.
            let path: [Int]? = entry.model.crf.map { $0.viterbi(emissions: trace.logits).path }
            let rows = trace.outputs.prefix(maxRows).enumerated().map { t, y -> [String] in
                [String(t + 1), shownToken(tokens[t]), vec(y)] + (named ? [className(path?[t] ?? argmax(y), entry)] : [])
            }
            var title = "predict \(name.name) on \(v.literal)"
            if let path {
                title += " · tags (Viterbi): " + path.map { className($0, entry) }.joined(separator: " ")
            } else if let l = entry.labels, let y = trace.outputs.last {
                title += " · class at the last \(entry.vocab?.level == .word ? "word" : "step"): \(l.count > argmax(y) ? l[argmax(y)] : String(argmax(y)))"
            }
            let headers = ["t", entry.vocab?.level == .character ? "character" : "word", "y_t"] + (named ? [entry.labels != nil ? "label" : "next"] : [])
            output.display(tableBundle(Table(title: title + cut, headers: headers, rows: rows, alignments: headers.indices.map { $0 == 0 ? .right : .left })), displayID: nil)
        } else {
            let seq = try v.sequence("the sequence", at: dataExpr.range)
            if option(options, "rows") != nil { warn("rows= lists the examples of a dataset; a single sequence shows all its steps") }
            let trace: ForwardTrace
            do { trace = try entry.model.forward(seq) } catch let e as ModelError { throw modelError(e, at: dataExpr.range) }
            let (maxRows, cut) = tableCut(trace.outputs.count, valuesPerRow: (seq.first?.count ?? 0) + (trace.outputs.first?.count ?? 0))
            let rows = trace.outputs.prefix(maxRows).enumerated().map { [String($0.offset + 1), vec(seq[$0.offset]), vec($0.element)] }
            output.display(tableBundle(Table(title: "predict \(name.name)" + cut, headers: ["t", "x_t", "y_t"], rows: rows, alignments: [.right, .left, .left])), displayID: nil)
        }
    }

    // MARK: - sample

    mutating func sample(_ statement: Statement) throws {
        guard case let .sample(name, primeExpr, options) = statement else { return }
        try checkOptions(options, OptionTable.sample, statement: "sample")
        let entry = try modelEntry(name)
        guard let vocab = entry.vocabulary, !vocab.isEmpty else {
            throw Diagnostic(.value, "'\(name.name)' has not been trained on text (text(...) data), so it has no characters to sample; a model of numbers continues a sequence with 'generate \(name.name) from SEQ steps=N'", at: name.range)
        }
        if let labels = entry.labels {
            throw Diagnostic(.value, "'\(name.name)' predicts labels (\(labels.prefix(5).joined(separator: ", "))\(labels.count > 5 ? ", …" : "")), not its next \(entry.vocab?.level == .character ? "character" : "word"): sample needs a model trained on text(...)", at: name.range)
        }
        var length = 200, temperature = 1.0
        if let o = option(options, "length") { length = try eval(o.value).integer("length", at: o.value.range, min: 1) }
        if length > 100_000 { throw Diagnostic(.value, "expected length of at most 100000, found \(length)", at: option(options, "length")?.value.range) }
        if let o = option(options, "temperature") {
            temperature = try eval(o.value).number("temperature", at: o.value.range)
            guard temperature >= 0, temperature.isFinite else { throw Diagnostic(.value, "expected temperature ≥ 0 (0 is greedy: the most likely symbol every time), found \(formatNumber(temperature))", at: o.value.range) }
        }
        let seed: UInt64
        if let o = option(options, "seed") { seed = UInt64(try eval(o.value).integer("seed", at: o.value.range, min: 0)) } else { seed = state.rng.next() }
        let wordLevel = entry.vocab?.level == .word
        let model = entry.vocab!
        let symbolsOut = model.words
        var primeText = symbolsOut.first ?? ""
        if let primeExpr { primeText = try eval(primeExpr).text("the prime", at: primeExpr.range) }
        let symbols: [String] = model.split(primeText)
        guard !symbols.isEmpty else { throw Diagnostic(.value, "expected a non-empty prime", at: primeExpr?.range) }
        // The prime is read with the model's vocabulary: an unseen symbol becomes <unk>, with a warning.
        let encoded: (ids: [Int], unknown: Int)
        do { encoded = try model.encode(symbols) } catch let e as ModelError { throw modelError(e, at: primeExpr?.range) }
        warnUnknown(encoded.unknown, of: symbols.count, model, name: name.name)
        // <unk> has no one-hot column (its x_t is zero, column -1) and is never drawn.
        let prime = encoded.ids.map { model.column($0) ?? -1 }
        let drawn: [Int]
        do { drawn = try entry.model.sample(vocabulary: symbolsOut, prime: prime, length: length, temperature: temperature, seed: seed) } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(model: name.range, data: primeExpr?.range, options: options))
        }
        let text = wordLevel ? (symbols + drawn.map { symbolsOut[$0] }).joined(separator: " ") : primeText + drawn.map { symbolsOut[$0] }.joined()
        output.display(.text(text), displayID: nil)
    }
}

extension Int {
    func dividedRoundingUp(by d: Int) -> Int { (self + d - 1) / d }
}
