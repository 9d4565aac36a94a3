import JSON
import Jupyter
import Plot
import RNN
import Store

/// A `slider NAME` and the widget that shows it (none where there is no front end).
struct SliderBinding {
    var low: Double
    var high: Double
    var step: Double
    var integer: Bool
    var model: WidgetModel?
}

/// A `watch NAME: STATEMENT`: the statement and the output area its re-runs go to.
struct Watch {
    var node: StatementNode
    var source: String
    var output: WidgetModel
}

/// The session's live views: widget models, the sliders bound to values, and the watches on them.
/// Not part of SessionState: a failing statement restores the state, never the widgets on screen.
final class InteractiveSession {
    let widgets = WidgetManager()
    var sliders: [String: SliderBinding] = [:]
    var watches: [String: [Watch]] = [:]
    /// The evaluator whose state a slider move rebinds (set on each run; the evaluator owns this object).
    weak var evaluator: Evaluator?
    /// The slider whose move is the experiment log's last entry, so that a drag logs one `let`, not hundreds.
    var lastMove: (name: String, logCount: Int)?
    /// The widgets each notebook cell's last run made, by the cell's id.
    var cellWidgets: [String: [String]] = [:]
}

/// Collects outputs as nbformat writes them: the Output widget's `outputs` before any front end has it.
final class CollectingSink: OutputSink {
    private(set) var outputs: [JSON] = []
    private var texts: [String] = []

    func stream(_ name: StreamName, _ text: String) {
        guard !text.isEmpty else { return }
        if case let .object(last)? = outputs.last, last.first(where: { $0.key == "name" })?.value.stringValue == name.rawValue,
           let before = outputs.last?["text"]?.stringValue {
            outputs[outputs.count - 1]["text"] = .string(before + text)
            texts[texts.count - 1] += text
            return
        }
        outputs.append(["output_type": "stream", "name": .string(name.rawValue), "text": .string(text)])
        texts.append(text)
    }

    func display(_ bundle: MimeBundle, displayID: String?) {
        outputs.append(["output_type": "display_data", "data": bundle.dataJSON, "metadata": bundle.metadata])
        texts.append(bundle["text/plain"]?.stringValue ?? "")
    }

    func updateDisplay(_ bundle: MimeBundle, displayID: String) { display(bundle, displayID: nil) }

    func clearOutput(wait: Bool) {
        outputs = []
        texts = []
    }

    /// What a console shows in place of the widget.
    var text: String { texts.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }.joined(separator: "\n") }
}

// MARK: - Comms, as the interpreter receives them

extension Evaluator {
    func commOpened(_ message: CommMessage, output: OutputSink) -> Bool { interactive.widgets.opened(message) }

    func commReceived(_ message: CommMessage, output: OutputSink) {
        guard let comms = output.comms else { return }
        // An interrupt sent while nothing ran must not stop this re-run at its first step.
        interrupt.clear()
        interactive.evaluator = self
        interactive.widgets.received(message, WidgetContext(output: output, comms: comms))
    }

    func commClosed(_ message: CommMessage, output: OutputSink) { interactive.widgets.closed(message) }

    /// Before a cell runs: a front end that names its cells clears a re-run cell's outputs and a
    /// deleted cell's, so the widgets they showed can never be seen again; they are closed, as
    /// ipywidgets leaves to the user (each interactive unroll kept about 2 MB for good).
    /// Without a cell id (nbclient, a console) nothing is closed.
    func cellStarts(_ cellID: String?, deleted: [String], output: OutputSink) {
        _ = interactive.widgets.takeCreated()  // made outside any cell (a slider's re-run): no cell's
        guard let comms = output.comms else { return }
        var gone: [String] = []
        for id in deleted + (cellID.map { [$0] } ?? []) {
            gone += interactive.cellWidgets.removeValue(forKey: id) ?? []
        }
        guard interactive.widgets.close(gone, comms: comms) > 0 else { return }
        // A slider whose widget was closed keeps its name and range, as one made without widgets does.
        for (name, b) in interactive.sliders where b.model.map({ interactive.widgets.models[$0.id] == nil }) ?? false {
            interactive.sliders[name]?.model = nil
        }
    }

    /// After a cell ran (or failed): the widgets it made are that cell's.
    func cellEnded(_ cellID: String?) {
        let made = interactive.widgets.takeCreated()
        guard let cellID, !made.isEmpty else { return }
        interactive.cellWidgets[cellID, default: []] += made
    }

    /// A slider moved: NAME is rebound, logged as `let NAME = V`, and every watch on it re-runs.
    func sliderMoved(_ name: String, _ model: WidgetModel, _ ctx: WidgetContext) {
        // A slider defined again under the same name replaces this one; the old one's moves bind nothing.
        guard let binding = interactive.sliders[name], binding.model === model, let x = model["value"]?.doubleValue else { return }
        // A name that has since become a model, or was dropped, is no longer the slider's: its
        // moves must not bring the number back over it.
        guard case .number? = state.values[name] else {
            logLine("slider \(name) moved, but '\(name)' no longer holds its number: nothing rebound")
            return
        }
        let value = Value.number(x)
        var s = state
        s.values[name] = value
        let text = "let \(name) = \(value.literal)"
        let entry = LogEntry(index: s.log.count + 1, statement: text, sessionSeed: s.seed, rngState: s.rng.state, model: nil, seconds: 0)
        if let last = interactive.lastMove, last.name == name, last.logCount == s.log.count, !s.log.isEmpty {
            s.log[s.log.count - 1] = LogEntry(index: s.log.count, statement: text, sessionSeed: s.seed, rngState: s.rng.state, model: nil, seconds: 0)
        } else {
            s.log.append(entry)
        }
        interactive.lastMove = (name, s.log.count)
        state = s
        for w in liveWatches(name) { rerun(w, ctx) }
    }

    /// A cell that rebound a slider's name (`let s = 3`) moves its slider there and re-runs its watches,
    /// when it is a number in the slider's range; otherwise the slider stays until it is moved again.
    func syncSliders(_ output: OutputSink) {
        guard let comms = output.comms else { return }
        for (name, b) in interactive.sliders {
            guard let m = b.model, case let .number(x)? = state.values[name], x >= b.low, x <= b.high,
                  m["value"]?.doubleValue != x else { continue }
            interactive.widgets.set(m, [(key: "value", value: .number(x))], comms: comms)
            for w in liveWatches(name) { rerun(w, WidgetContext(output: output, comms: comms)) }
        }
    }

    /// The watches on a slider whose output area is still open; a front end that closed one's
    /// Output widget has dropped it (its re-runs would go into whatever cell ran last).
    func liveWatches(_ name: String) -> [Watch] {
        let live = (interactive.watches[name] ?? []).filter { interactive.widgets.models[$0.output.id] != nil }
        interactive.watches[name] = live.isEmpty ? nil : live
        return live
    }

    /// Re-runs a watched statement into its output area, on a copy of the state that is then
    /// dropped: the store, the values and the experiment log are as they were.
    func rerun(_ w: Watch, _ ctx: WidgetContext) {
        interactive.widgets.capture(into: w.output, ctx) {
            ctx.output.clearOutput(wait: true)
            var scratch = StatementContext(state: state, output: ctx.output, interrupt: interrupt, source: w.source, node: w.node)
            func report(_ d: Diagnostic) { ctx.output.stream(.stderr, d.traceback(in: w.source).joined(separator: "\n") + "\n") }
            // As a cell runs: interruptible, and a budget or an interrupt reported as in a cell.
            do {
                let value = try Interruption.watching({ [interrupt] in interrupt.isRaised }) { try scratch.execute() }
                if let value { ctx.output.display(value, displayID: nil) }
            } catch let d as Diagnostic {
                report(d)
            } catch let stop as StopKeepingState {
                report(stop.diagnostic)
            } catch let e as BudgetError {
                report(Diagnostic(.memory, e.message, at: w.node.range))
            } catch is Interrupted {
                report(Diagnostic(.interrupt, "interrupted; this re-run changed nothing", at: w.node.range))
            } catch {
                ctx.output.stream(.stderr, "InternalError: \(error)\n")
            }
        }
    }
}

// MARK: - The statements

extension StatementContext {
    /// `slider NAME from A to B [step S] [value=V]`: binds NAME (as `let` would) and shows a slider for it.
    mutating func defineSlider(_ name: Ident, _ lowExpr: Expr, _ highExpr: Expr, _ stepExpr: Expr?, _ options: [OptionArg]) throws {
        try checkAssignable(name)
        try checkOptions(options, OptionTable.slider, statement: "slider")
        if state.store[name.name] != nil {
            throw Diagnostic(.value, "'\(name.name)' is a model; a slider needs a name of its own", at: name.range)
        }
        let low = try eval(lowExpr).number("the slider's low end", at: lowExpr.range)
        let high = try eval(highExpr).number("the slider's high end", at: highExpr.range)
        guard low.isFinite, high.isFinite, low < high else {
            throw Diagnostic(.value, "expected 'from A to B' with A < B, found from \(formatNumber(low)) to \(formatNumber(high))", at: highExpr.range)
        }
        guard (high - low).isFinite else {
            throw Diagnostic(.value, "expected a span (B - A) below 1.8e308, found from \(formatNumber(low)) to \(formatNumber(high))", at: highExpr.range)
        }
        let integral = low.rounded() == low && high.rounded() == high
        var step = integral ? 1 : (high - low) / 100
        // A whole-number range wider than 100000 steps of 1 gets a whole step that keeps it within
        // them (from -1e308 to 1e308, steps of 1 would snap every move to 0).
        if integral, (high - low) / step > 100_000 { step = ((high - low) / 100_000).rounded(.up) }
        if let e = stepExpr {
            step = try eval(e).number("the step", at: e.range)
            guard step > 0, step.isFinite, step <= high - low else {
                throw Diagnostic(.value, "expected a step above 0 and at most \(formatNumber(high - low)) (the slider's span), found \(formatNumber(step))", at: e.range)
            }
            guard (high - low) / step <= 100_000 else {
                throw Diagnostic(.value, "expected at most 100000 steps between \(formatNumber(low)) and \(formatNumber(high)), found a step of \(formatNumber(step))", at: e.range)
            }
        }
        let integer = integral && step.rounded() == step
        var value = low
        if let o = options.first(where: { $0.key == "value" }) {
            value = try eval(o.value).number("value", at: o.value.range)
            guard value >= low, value <= high else {
                throw Diagnostic(.value, "expected value= between \(formatNumber(low)) and \(formatNumber(high)), found \(formatNumber(value))", at: o.value.range)
            }
        }
        state.values[name.name] = .number(value)
        var binding = SliderBinding(low: low, high: high, step: step, integer: integer, model: nil)
        let fallback = "\(name.name) = \(formatNumber(value)) · a slider from \(formatNumber(low)) to \(formatNumber(high)) step \(formatNumber(step)) (drag it in a front end with Jupyter widgets)"
        guard let session = interactive, let comms = output.comms else {
            interactive?.sliders[name.name] = binding
            return say(fallback)
        }
        let w = session.widgets
        let slider = w.slider(name.name, min: low, max: high, step: step, value: value, integer: integer,
                              continuous: false, readoutFormat: integer ? "d" : readoutFormat(step), comms)
        let bound = name.name
        slider.onChange = { [weak session] model, keys, ctx in
            guard keys.contains("value") else { return }
            session?.evaluator?.sliderMoved(bound, model, ctx)
        }
        binding.model = slider
        session.sliders[name.name] = binding
        // Watches of an earlier slider of this name would never fire again.
        session.watches[name.name] = nil
        output.display(w.view(slider, text: fallback), displayID: nil)
    }

    /// Enough decimals to show every step of the grid.
    func readoutFormat(_ step: Double) -> String {
        // Below 1e-4 fixed decimals would show every value as 0.0000: significant digits instead.
        if step < 1e-4 { return ".3g" }
        var d = 0, s = step
        while d < 6, (s - s.rounded()).magnitude > 1e-9 * Swift.max(1, s.magnitude) { s *= 10; d += 1 }
        return ".\(max(d, 1))f"
    }

    /// `watch NAME: STATEMENT`: runs STATEMENT now into an output area, and again whenever slider NAME moves.
    mutating func watch(_ name: Ident, _ inner: StatementNode) throws {
        if let keyword = inner.keyword, StatementSpec.named(keyword)?.watchable != true {
            let word = inner.text.split(separator: " ").first.map(String.init) ?? inner.text
            let shown = StatementSpec.all.filter(\.watchable).map(\.keyword).joined(separator: ", ")
            throw Diagnostic(.value, "watch re-runs only a statement that shows something (\(shown) or an expression); '\(word)' changes the session", at: inner.range)
        }
        let innerOptions: [OptionArg]
        switch inner.statement {
        case let .unroll(_, _, o), let .plot(_, o): innerOptions = o
        default: innerOptions = []
        }
        if let o = innerOptions.first(where: { $0.key == "interactive" }) {
            throw Diagnostic(.value, "a watched statement cannot make widgets of its own: drop interactive=", at: o.keyRange)
        }
        guard let session = interactive, session.sliders[name.name] != nil else {
            if state.values[name.name] != nil {
                throw Diagnostic(.value, "'\(name.name)' is not a slider: define it with 'slider \(name.name) from A to B step S' first", at: name.range)
            }
            throw Diagnostic(.name, "no slider named '\(name.name)'\(didYouMean(name.name, Array((interactive?.sliders.keys).map(Array.init) ?? [])))", at: name.range)
        }
        // The first run is checked like any statement: an error here stops the cell and watches nothing.
        let collected = CollectingSink()
        var first = StatementContext(state: state, output: collected, interrupt: interrupt, source: source, node: inner)
        if let value = try first.execute() { collected.display(value, displayID: nil) }
        guard let comms = output.comms, session.sliders[name.name]?.model != nil else {
            // No front end to move the slider: the statement's output is all there is.
            for o in collected.outputs { replay(o) }
            return
        }
        let out = session.widgets.outputArea(comms)
        session.widgets.set(out, [(key: "outputs", value: .array(collected.outputs))], comms: comms)
        // The same watch run again (its cell re-run) replaces the old one, which would re-run too.
        session.watches[name.name, default: []].removeAll { $0.node.text == inner.text }
        session.watches[name.name, default: []].append(Watch(node: inner, source: source, output: out))
        output.display(session.widgets.view(out, text: collected.text.isEmpty ? "watch \(name.name): \(inner.text)" : collected.text), displayID: nil)
    }

    /// Sends one collected output on to the real sink.
    func replay(_ o: JSON) {
        if o["output_type"]?.stringValue == "stream" {
            output.stream(o["name"]?.stringValue == "stderr" ? .stderr : .stdout, o["text"]?.stringValue ?? "")
        } else if case let .object(data)? = o["data"] {
            output.display(MimeBundle(data.map { (mime: $0.key, value: $0.value) }, metadata: o["metadata"] ?? .object([])), displayID: nil)
        }
    }

    // MARK: - unroll NAME on SEQ interactive=true

    /// The step view at t (1-based): the step's row of every table (or rows 1…t), then the hidden heatmap up to t.
    func unrollStep(_ name: String, _ model: Model, _ trace: ForwardTrace, _ t: Int, upTo: Bool = false) throws -> [MimeBundle] {
        var bundles = try unrollTables(name, model, trace, step: t, upTo: upTo)
        let c = model.config
        var rows: [[Double]] = []
        for u in 0..<c.stateWidth { rows.append(trace.states.prefix(t).map { $0[u] }) }
        let labels = unitLabels(c)
        let map = Heatmap(rows, rowLabels: labels, colLabels: (1...t).map(String.init), scaleLabel: "h_t")
        let chart = Chart(title: "hidden state of \(name) up to t = \(t) of \(trace.states.count): units × time", xLabel: "t", yLabel: "unit",
                          kind: .heatmap(map))
        let o = PlotOptions()
        bundles.append(MimeBundle([(mime: "text/plain", value: .string(TextRenderer.render(chart, width: o.width, height: o.height, style: o.style))),
                                   (mime: "image/svg+xml", value: .string(SVGRenderer.render(chart, width: 480, height: 240)))]))
        return bundles
    }

    /// Play ⇄ slider over t (linked in the front end), a dropdown for one row or rows 1…t, and an
    /// output area the kernel redraws.
    func unrollWidget(_ name: String, _ model: Model, _ trace: ForwardTrace, _ session: InteractiveSession, _ comms: CommChannel) throws {
        let steps = trace.states.count
        guard steps > 0 else {
            for bundle in try unrollTables(name, model, trace) { output.display(bundle, displayID: nil) }
            return
        }
        let w = session.widgets
        let first = CollectingSink()
        for b in try unrollStep(name, model, trace, 1) { first.display(b, displayID: nil) }
        let play = w.play(min: 1, max: steps, value: 1, interval: 800, comms)
        let slider = w.slider("t", min: 1, max: Double(steps), step: 1, value: 1, integer: true, continuous: true, comms)
        w.link(play, "value", slider, "value", comms)
        let rows = w.dropdown("table", labels: ["step t", "steps 1 to t"], index: 0, comms)
        let out = w.outputArea(comms)
        w.set(out, [(key: "outputs", value: .array(first.outputs))], comms: comms)
        // The redraw needs no session state: only the model and the trace as they were when unrolled.
        let drawer = StatementContext(state: SessionState(), output: NullSink(), interrupt: InterruptFlag(), source: "", node: nil)
        // The session's flag, so that interrupt_request stops a redraw as it stops a cell.
        let flag = session.evaluator?.interrupt ?? InterruptFlag()
        let redraw: (WidgetModel, [String], WidgetContext) -> Void = { [weak session, weak slider, weak rows] _, keys, ctx in
            // Only t (the slider's value) and the rows (the dropdown's index) redraw: a description
            // or tooltip set by a front end changes nothing shown.
            guard keys.contains("value") || keys.contains("index") else { return }
            guard let session, let t = slider?["value"]?.intValue, let index = rows?["index"]?.intValue else { return }
            session.widgets.capture(into: out, ctx) {
                ctx.output.clearOutput(wait: true)
                // A step's view is a few rows; only an interrupt could stop it, and then there is nothing to draw.
                for b in (try? drawer.unrollStep(name, model, trace, t, upTo: index == 1)) ?? [] { ctx.output.display(b, displayID: nil) }
            }
        }
        slider.onChange = redraw
        rows.onChange = redraw
        let box = w.box(true, [w.box(false, [play, slider, rows], comms), out], comms)
        let text = try unrollTables(name, model, trace).compactMap { $0["text/plain"]?.stringValue }.joined(separator: "\n")
        output.display(w.view(box, text: text), displayID: nil)
    }

    // MARK: - plot gradients NAME on DATA interactive=true

    /// The models with every recurrent matrix (W_hh, or an lstm's and gru's W_h·) times `scale`.
    static func scaledRecurrent(_ model: Model, _ scale: Double) -> Model {
        var m = model
        for (i, spec) in m.specs.enumerated() where spec.name.hasPrefix("W_h") && !spec.name.hasPrefix("W_hy") {
            m.parameters[i] = Tensor(shape: spec.shape, values: m.parameters[i].values.map { $0 * scale })
        }
        return m
    }

    func gradientsChart(_ models: [(name: String, model: Model)], _ data: Dataset, _ o: PlotOptions, scale: Double) throws -> MimeBundle {
        var series: [Series] = []
        for (name, model) in models {
            let norms: [Double]
            do { norms = try meanHiddenGradientNorms(StatementContext.scaledRecurrent(model, scale), data) } catch is Interrupted { throw Interrupted() } catch { norms = [] }
            // A log axis cannot show 0 or an overflow; such points are left out rather than drawn wrong.
            let points = norms.enumerated().filter { $0.element.isFinite && $0.element > 0 }
            series.append(Series(name, x: points.map { Double($0.offset + 1) }, y: points.map(\.element)))
        }
        let chart = Chart(title: o.title ?? "‖∂L/∂h_t‖ over time with W_hh × \(formatNumber(scale))", xLabel: "t", yLabel: "‖∂L/∂h_t‖",
                          logY: o.log ?? true, kind: .lines(series))
        return chartBundle(chart, o)
    }

    /// A slider for the scale of W_hh (0 to 3, at 1: the model as it is) and the chart it redraws.
    func gradientsWidget(_ models: [(name: String, model: Model)], _ data: Dataset, _ o: PlotOptions, first: MimeBundle,
                         _ session: InteractiveSession, _ comms: CommChannel) {
        let w = session.widgets
        let recurrent = models.allSatisfy { $0.model.config.kind == .rnn } ? "W_hh" : "W_h·"
        let slider = w.slider("\(recurrent) ×", min: 0, max: 3, step: 0.05, value: 1, integer: false, continuous: false, comms)
        let logScale = w.toggle("log scale", value: o.log ?? true, comms)
        let out = w.outputArea(comms)
        w.set(out, [(key: "outputs", value: .array([["output_type": "display_data", "data": first.dataJSON, "metadata": first.metadata]]))], comms: comms)
        // The redraw needs no session state: only the models and the data as they were when plotted.
        let drawer = StatementContext(state: SessionState(), output: NullSink(), interrupt: InterruptFlag(), source: "", node: nil)
        // The session's flag, so that interrupt_request stops a redraw as it stops a cell.
        let flag = session.evaluator?.interrupt ?? InterruptFlag()
        let redraw: (WidgetModel, [String], WidgetContext) -> Void = { [weak session, weak slider, weak logScale] _, keys, ctx in
            // Only the value redraws: a description or tooltip set by a front end changes no number.
            guard keys.contains("value") else { return }
            guard let session, let s = slider?["value"]?.doubleValue, let log = logScale?["value"]?.boolValue else { return }
            var drawn = o
            drawn.log = log
            session.widgets.capture(into: out, ctx) {
                ctx.output.clearOutput(wait: true)
                do {
                    ctx.output.display(try Interruption.watching({ flag.isRaised }) { try drawer.gradientsChart(models, data, drawn, scale: s) }, displayID: nil)
                } catch {
                    ctx.output.stream(.stderr, "KeyboardInterrupt: interrupted; move the slider again to redraw\n")
                }
            }
        }
        slider.onChange = redraw
        logScale.onChange = redraw
        output.display(w.view(w.box(true, [w.box(false, [slider, logScale], comms), out], comms), text: first["text/plain"]?.stringValue ?? ""),
                       displayID: nil)
    }
}
