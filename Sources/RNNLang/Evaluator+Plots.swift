import JSON
import Jupyter
import Plot
import RNN
import Store

/// Row labels of a hidden-state heatmap, counted from 1 and spelt so they cannot be read as
/// h_0 or h_t (time steps): "unit 1"…, or "fwd 1"…/"rev 1"… for the two directions.
func unitLabels(_ c: CellConfig) -> [String] {
    (0..<c.stateWidth).map { u in c.bidirectional ? (u < c.hidden ? "fwd \(u + 1)" : "rev \(u - c.hidden + 1)") : "unit \(u + 1)" }
}

/// How a plot statement asked to be drawn.
struct PlotOptions {
    var width = 80
    var height = 16
    var title: String?
    var log: Bool?
    var style = ChartStyle.ascii
    /// `interactive=true`: a slider for the scale of W_hh (plot gradients only).
    var interactive = false
}

extension StatementContext {
    mutating func plotOptions(_ options: [OptionArg]) throws -> PlotOptions {
        try checkOptions(options, OptionTable.plot, statement: "plot")
        var o = PlotOptions()
        for opt in options {
            let r = opt.value.range
            switch opt.key {
            case "width":
                o.width = try eval(opt.value).integer("width", at: r, min: 30)
                if o.width > 400 { throw Diagnostic(.value, "expected width of at most 400 columns, found \(o.width)", at: r) }
            case "height":
                o.height = try eval(opt.value).integer("height", at: r, min: 5)
                if o.height > 200 { throw Diagnostic(.value, "expected height of at most 200 rows, found \(o.height)", at: r) }
            case "title": o.title = try eval(opt.value).text("title", at: r)
            case "log": o.log = try evalOption(opt.value).boolean("log", at: r)
            case "style": o.style = ChartStyle(rawValue: try evalOption(opt.value).choice("style", ["ascii", "unicode"], at: r))!
            case "interactive": o.interactive = try eval(opt.value).boolean("interactive", at: r)
            default: break
            }
        }
        return o
    }

    /// One display bundle: the text chart for terminals and the SVG for rich front ends.
    func chartBundle(_ chart: Chart, _ o: PlotOptions) -> MimeBundle {
        MimeBundle([(mime: "text/plain", value: .string(TextRenderer.render(chart, width: o.width, height: o.height, style: o.style))),
                    (mime: "image/svg+xml", value: .string(SVGRenderer.render(chart, width: 640, height: 360)))])
    }

    /// The loss curves of several models, one series a model; a model trained with validation= adds
    /// its validation loss after every epoch (at the step the epoch ended), both named in the legend.
    func lossChart(_ curves: [(name: String, losses: [Double])], _ o: PlotOptions, title: String? = nil,
                   validation: [String: [EpochValidation]] = [:]) -> Chart {
        var series: [Series] = []
        for c in curves {
            let points = validation[c.name] ?? []
            series.append(Series(points.isEmpty ? c.name : "\(c.name) training", x: c.losses.indices.map { Double($0 + 1) }, y: c.losses))
            if !points.isEmpty {
                series.append(Series("\(c.name) validation", x: points.map { Double($0.step) }, y: points.map(\.evaluation.loss)))
            }
        }
        return Chart(title: o.title ?? title ?? "training loss", xLabel: "step", yLabel: "loss", logY: o.log ?? false, kind: .lines(series))
    }

    mutating func plot(_ target: PlotTarget, _ options: [OptionArg]) throws {
        if case let .attention(name, sentence) = target { return try plotAttention(name, sentence, options) }
        if case let .jacobian(name, seq) = target { return try plotJacobian(name, seq, options) }
        if case let .generate(name, seq) = target { return try plotGenerate(name, seq, options) }
        let o = try plotOptions(options)
        if o.interactive, case .gradients = target {} else if o.interactive {
            let r = options.first { $0.key == "interactive" }!.keyRange
            throw Diagnostic(.value, "interactive=true is for 'plot gradients NAME on DATA' (a slider for the scale of W_hh); use 'unroll NAME on SEQ interactive=true' for a slider over t", at: r)
        }
        switch target {
        case .jacobian, .generate, .attention:
            return  // drawn above, with their own options
        case let .loss(names):
            if names.contains(where: { isSeq2Seq($0.name) }) { return try plotSeq2SeqLoss(names, o) }
            var curves: [(name: String, losses: [Double])] = []
            var validation: [String: [EpochValidation]] = [:]
            for n in names {
                let e = try modelEntry(n)
                guard !e.lossHistory.isEmpty else {
                    throw Diagnostic(.value, "'\(n.name)' has not been trained yet, so it has no loss curve; train it first", at: n.range)
                }
                curves.append((n.name, e.lossHistory))
                if !e.validationHistory.isEmpty { validation[n.name] = e.validationHistory }
            }
            let what = validation.isEmpty ? "training loss" : "training and validation loss"
            output.display(chartBundle(lossChart(curves, o, title: "\(what) of " + names.map(\.name).joined(separator: ", "), validation: validation), o), displayID: nil)
        case let .hidden(name, seqExpr):
            let value = try eval(seqExpr)
            // A string given to a model with a vocabulary is read with it; the columns are its words.
            var tokens: [String]?
            let seq: [[Double]]
            if let known = state.store[name.name], let (s, t) = try stringSequence(value, known, name: name.name, at: seqExpr.range) {
                (seq, tokens) = (s, t.map(shownToken))
            } else {
                seq = try value.sequence("the sequence", at: seqExpr.range)
            }
            let e = try modelEntry(name, inputWidth: seq.first?.count ?? 0)
            let trace: ForwardTrace
            do { trace = try e.model.forward(seq) } catch let err as ModelError { throw modelError(err, at: seqExpr.range) }
            let c = e.model.config
            let units = c.stateWidth
            var rows: [[Double]] = []
            for u in 0..<units { rows.append(trace.states.map { $0[u] }) }
            let labels = unitLabels(c)
            let map = Heatmap(rows, rowLabels: labels, colLabels: tokens ?? seq.indices.map { String($0 + 1) }, scaleLabel: "h_t")
            let chart = Chart(title: o.title ?? "hidden state of \(name.name): units × time", xLabel: "t", yLabel: "unit", kind: .heatmap(map))
            output.display(chartBundle(chart, o), displayID: nil)
        case let .gradients(names, dataExpr):
            let v = try eval(dataExpr)
            guard case let .dataset(data) = v else {
                throw Diagnostic(.value, "expected a dataset after 'on' (a sequence with its target can be written as pairs([[SEQ, TARGET]])), found \(v.kindDescription)", at: dataExpr.range)
            }
            var series: [Series] = []
            for n in names {
                let e = try modelEntry(n, inputWidth: data.inputWidth)
                let norms: [Double]
                do { norms = try meanHiddenGradientNorms(e.model, data) } catch let err as ModelError { throw modelError(err, at: dataExpr.range) }
                series.append(Series(n.name, x: norms.indices.map { Double($0 + 1) }, y: norms))
            }
            let chart = Chart(title: o.title ?? "‖∂L/∂h_t‖ over time: vanishing or exploding gradients", xLabel: "t", yLabel: "‖∂L/∂h_t‖",
                              logY: o.log ?? true, kind: .lines(series))
            if o.interactive, let session = interactive, let comms = output.comms {
                let models = try names.map { (name: $0.name, model: try modelEntry($0, inputWidth: data.inputWidth).model) }
                return gradientsWidget(models, data, o, first: chartBundle(chart, o), session, comms)
            }
            output.display(chartBundle(chart, o), displayID: nil)
        case let .value(expr):
            if case let .member(m, p, r) = expr {
                if try plotBagOfWords(m, p, r, o) { return }
                let e = try modelEntry(Ident(m, r))
                try requireInput(Ident(m, r), e, for: "plot its weights")
                guard let t = e.model.readable(p) else {
                    throw Diagnostic(.name, "model '\(m)' has no parameter '\(p)'\(didYouMean(p, e.model.readableNames))", at: r)
                }
                let rows = t.shape.count == 2 ? t.rows : 1, cols = t.shape.count == 2 ? t.cols : t.count
                if e.model.config.crf, CellConfig.crfNames.contains(p) {
                    // Tag names on both axes: from (rows) and to (columns).
                    let tags = tagLabels(e)
                    let map = Heatmap(rows: rows, cols: cols, values: t.values, rowLabels: rows == 1 ? [p == "start_transitions" ? "start" : "end"] : tags,
                                      colLabels: tags, scaleLabel: "\(m).\(p)")
                    let chart = Chart(title: o.title ?? "\(m).\(p) (\(t.shapeText))\(rows > 1 ? ": tag i followed by tag j" : "")",
                                      xLabel: rows > 1 ? "to (j)" : "tag", yLabel: rows > 1 ? "from (i)" : "", kind: .heatmap(map))
                    output.display(chartBundle(chart, o), displayID: nil)
                    return
                }
                let map = Heatmap(rows: rows, cols: cols, values: t.values, scaleLabel: "\(m).\(p)")
                let chart = Chart(title: o.title ?? "\(m).\(p) (\(t.shapeText))", xLabel: "column", yLabel: "row", kind: .heatmap(map))
                output.display(chartBundle(chart, o), displayID: nil)
                return
            }
            let value = try eval(expr)
            if case let .model(n) = value {
                throw Diagnostic(.value, "'\(n)' is a model: use 'plot loss \(n)', 'plot hidden \(n) on SEQ' or 'plot \(n).PARAM'", at: expr.range)
            }
            guard case let .list(items) = value, !items.isEmpty else {
                throw Diagnostic(.value, "expected a sequence (a list of numbers) or a list of sequences to plot, found \(value.kindDescription)", at: expr.range)
            }
            var series: [Series] = []
            if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
                series = [Series("", y: try value.vector("the sequence", at: expr.range))]
            } else {
                for (i, item) in items.enumerated() {
                    let ys = try item.vector("series \(i + 1)", at: expr.range)
                    series.append(Series("series \(i + 1)", x: ys.indices.map { Double($0 + 1) }, y: ys))
                }
            }
            if series.count == 1 { series[0].x = series[0].y.indices.map { Double($0 + 1) } }
            let chart = Chart(title: o.title ?? "", xLabel: "t", yLabel: "value", logY: o.log ?? false, kind: .lines(series))
            output.display(chartBundle(chart, o), displayID: nil)
        }
    }

    /// ‖∂L/∂h_t‖ per step, each example's own loss, averaged over (at most 64) examples.
    func meanHiddenGradientNorms(_ model: Model, _ data: Dataset) throws -> [Double] {
        let loss: Loss = data.isClassification ? .xent : .mse
        try model.check(data, loss: loss)
        let engine = Engine(config: model.config)
        var g = [Double](repeating: 0, count: engine.parameterCount)
        var sums: [Double] = [], counts: [Int] = []
        for e in 0..<min(data.count, 64) {
            try Interruption.check()
            let r = g.withUnsafeMutableBufferPointer { gp in
                engine.run(model.flatValues, batch: model.batch(data, [e]), loss: loss,
                           gradient: gp.baseAddress!, recordHiddenGradients: true)
            }
            for (t, v) in r.hiddenGradientNorms.enumerated() {
                if t >= sums.count { sums.append(0); counts.append(0) }
                sums[t] += v
                counts[t] += 1
            }
        }
        return zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : 0 }
    }
}
