import JSON
import Jupyter

/// The Jupyter widget protocol, version 2 (ipywidgets' packages/schema/messages.md), and the model
/// modules of ipywidgets 8's front end (jupyterlab_widgets 3).
enum WidgetProtocol {
    static let version = "2.1.0"
    static let target = "jupyter.widget"
    static let controlTarget = "jupyter.widget.control"
    static let viewMime = "application/vnd.jupyter.widget-view+json"
    static let base = (module: "@jupyter-widgets/base", version: "2.0.0")
    static let controls = (module: "@jupyter-widgets/controls", version: "2.0.0")
    static let output = (module: "@jupyter-widgets/output", version: "1.0.0")
}

/// One widget model the kernel holds: its comm id, its state, and what a front end's change does.
final class WidgetModel {
    let id: String
    private(set) var state: JSON
    /// Checks a value a front end sent for a key: the value to keep (clamped, rounded), or nil to refuse it.
    var validators: [String: (JSON) -> JSON?] = [:]
    /// Runs after a front end changed keys of this model (their names), with the request's context.
    var onChange: ((WidgetModel, [String], WidgetContext) -> Void)?

    init(id: String, state: JSON) {
        self.id = id
        self.state = state
    }

    subscript(key: String) -> JSON? { state[key] }

    func assign(_ key: String, _ value: JSON) { state[key] = value }

    /// How other models' state refers to this one.
    var reference: JSON { .string("IPY_MODEL_" + id) }

    var modelName: String { state["_model_name"]?.stringValue ?? "" }

    /// `update_states`' entry for this model.
    var controlEntry: JSON {
        ["model_name": state["_model_name"] ?? "", "model_module": state["_model_module"] ?? "",
         "model_module_version": state["_model_module_version"] ?? "", "state": state]
    }
}

/// What a widget callback may use: where the request's outputs and comm messages go.
struct WidgetContext {
    let output: OutputSink
    let comms: CommChannel
}

/// Every widget model of a session, and the protocol's messages for them. Lives beside the
/// session state, not in it: widgets are views, and a failed statement must not take them back.
final class WidgetManager {
    private(set) var models: [String: WidgetModel] = [:]
    private var order = InsertionOrder()

    var count: Int { models.count }
    /// Ids of the models the kernel created since `takeCreated()` last ran.
    private var created: [String] = []

    /// The ids created since the last call: what one execution made.
    func takeCreated() -> [String] {
        defer { created = [] }
        return created
    }

    /// Closes models from the kernel's side (`comm_close`, which a front end answers by dropping
    /// them), and forgets them here; ids already closed are skipped. Returns how many were open.
    @discardableResult
    func close(_ ids: [String], comms: CommChannel) -> Int {
        var n = 0
        for id in ids where models.removeValue(forKey: id) != nil {
            order.remove(id) { models[$0] != nil }
            comms.close(commID: id, data: [:])
            n += 1
        }
        return n
    }

    // MARK: - Kernel to front end

    /// Creates a model: `comm_open` on jupyter.widget with its whole state.
    @discardableResult
    func create(_ name: String, _ module: (module: String, version: String), view: String?,
                _ viewModule: (module: String, version: String)? = nil, state extra: [(key: String, value: JSON)],
                comms: CommChannel) -> WidgetModel {
        let v = viewModule ?? module
        var state: [(key: String, value: JSON)] = [
            (key: "_model_module", value: .string(module.module)), (key: "_model_module_version", value: .string(module.version)),
            (key: "_model_name", value: .string(name)), (key: "_view_module", value: .string(v.module)),
            (key: "_view_module_version", value: .string(v.version)), (key: "_view_name", value: view.map { .string($0) } ?? .null),
        ]
        state += extra
        let m = WidgetModel(id: String(makeUUID().filter { $0 != "-" }), state: .object(state))
        models[m.id] = m
        order.add(m.id)
        created.append(m.id)
        comms.open(commID: m.id, target: WidgetProtocol.target, data: ["state": m.state, "buffer_paths": []],
                   metadata: ["version": .string(WidgetProtocol.version)])
        return m
    }

    /// Changes keys from the kernel's side: an `update` with just those keys.
    func set(_ m: WidgetModel, _ changes: [(key: String, value: JSON)], comms: CommChannel) {
        for (k, v) in changes { m.assign(k, v) }
        comms.send(commID: m.id, data: ["method": "update", "state": .object(changes), "buffer_paths": []], metadata: [:])
    }

    /// What a front end with widgets shows for a model, and a console's text in its place.
    func view(_ m: WidgetModel, text: String) -> MimeBundle {
        MimeBundle([(mime: "text/plain", value: .string(text)),
                    (mime: WidgetProtocol.viewMime, value: ["version_major": 2, "version_minor": 0, "model_id": .string(m.id)])])
    }

    /// Runs `body` with the Output widget `out` capturing what it publishes, as ipywidgets' Output
    /// does: its msg_id is the request's own, so the front end routes the outputs parented to that
    /// request into the widget (and syncs them back as its `outputs`), then msg_id is cleared.
    func capture(into out: WidgetModel, _ ctx: WidgetContext, _ body: () -> Void) {
        set(out, [(key: "msg_id", value: .string(ctx.comms.parentMsgID))], comms: ctx.comms)
        body()
        set(out, [(key: "msg_id", value: "")], comms: ctx.comms)
    }

    // MARK: - Front end to kernel

    /// A front end opened a comm: the control target, or a model it created itself (kept as sent).
    func opened(_ message: CommMessage) -> Bool {
        switch message.targetName {
        case WidgetProtocol.controlTarget:
            return true
        case WidgetProtocol.target:
            guard case .object = message.data["state"] ?? .null else {
                logLine("jupyter.widget comm_open \(message.commID) without a 'state' object: refused")
                return false
            }
            let m = WidgetModel(id: message.commID, state: message.data["state"]!)
            models[m.id] = m
            order.add(m.id)
            return true
        default:
            return false
        }
    }

    func closed(_ message: CommMessage) {
        guard models.removeValue(forKey: message.commID) != nil else { return }
        order.remove(message.commID) { models[$0] != nil }
    }

    /// One `comm_msg` on a widget comm or the control comm.
    func received(_ message: CommMessage, _ ctx: WidgetContext) {
        let method = message.data["method"]?.stringValue ?? ""
        if message.targetName == WidgetProtocol.controlTarget {
            guard method == "request_states" else {
                return logLine("jupyter.widget.control: unknown method '\(method)', expected request_states")
            }
            let states = order.all.compactMap { id in models[id].map { (key: id, value: $0.controlEntry) } }
            ctx.comms.send(commID: message.commID, data: ["method": "update_states", "states": .object(states), "buffer_paths": []],
                           metadata: [:])
            // One line per front end that (re)connects: how a reload got its widgets back.
            logLine("jupyter.widget.control: sent the state of \(states.count) widget models")
            return
        }
        guard let m = models[message.commID] else { return logLine("comm_msg for widget \(logQuote(message.commID)), which the kernel does not hold") }
        switch method {
        case "update":
            guard case let .object(sent)? = message.data["state"] else {
                return logLine("widget update for \(m.id) without a 'state' object: ignored")
            }
            if let paths = message.data["buffer_paths"]?.arrayValue, !paths.isEmpty {
                logLine("widget update for \(m.id) carries binary buffers, which no model here has: ignored them")
            }
            var echoed: [(key: String, value: JSON)] = []
            var corrected: [(key: String, value: JSON)] = []
            var changed: [String] = []
            for (key, value) in sent {
                // The model's identity is fixed at creation.
                if key.hasPrefix("_model_") || key.hasPrefix("_view_") { continue }
                // As ipywidgets: a key the model does not have is ignored, not kept (and sent to
                // every front end), and a value of another JSON kind than the model's is refused.
                guard let current = m[key] else {
                    logLine("widget \(m.modelName) \(m.id): ignored \(logQuote(key)), which it does not have")
                    continue
                }
                if m.validators[key] == nil, !current.isNull, !sameKind(current, value) {
                    logLine("widget \(m.modelName) \(m.id): refused \(key) = \(logQuote(value.serialized())), expected the kind of \(logQuote(current.serialized()))")
                    corrected.append((key: key, value: current))
                    continue
                }
                var kept = value
                if let check = m.validators[key] {
                    guard let v = check(value) else {
                        logLine("widget \(m.modelName) \(m.id): refused \(key) = \(logQuote(value.serialized()))")
                        corrected.append((key: key, value: m[key] ?? .null))
                        continue
                    }
                    kept = v
                    if v != value { corrected.append((key: key, value: v)) }
                }
                echoed.append((key: key, value: value))
                if m[key] != kept { changed.append(key) }
                m.assign(key, kept)
            }
            // echo_update (2.1.0): every front end learns what this one set, in the kernel's order.
            if !echoed.isEmpty {
                ctx.comms.send(commID: m.id, data: ["method": "echo_update", "state": .object(echoed), "buffer_paths": []], metadata: [:])
            }
            if !corrected.isEmpty {
                ctx.comms.send(commID: m.id, data: ["method": "update", "state": .object(corrected), "buffer_paths": []], metadata: [:])
            }
            if !changed.isEmpty { m.onChange?(m, changed, ctx) }
        case "request_state":
            ctx.comms.send(commID: m.id, data: ["method": "update", "state": m.state, "buffer_paths": []], metadata: [:])
        case "custom":
            // No model here defines custom messages (ipywidgets' Button click is one); saying so is all there is to do.
            logLine("widget \(m.modelName) \(m.id): custom message \(logQuote(message.data["content"]?.serialized() ?? "{}")) has no handler")
        default:
            logLine("widget \(m.id): unknown method '\(logQuote(method))', expected update, request_state or custom")
        }
    }
}

/// Whether two JSON values are of the same kind (number, string, bool, array, object, null).
func sameKind(_ a: JSON, _ b: JSON) -> Bool {
    switch (a, b) {
    case (.number, .number), (.string, .string), (.bool, .bool), (.array, .array), (.object, .object), (.null, .null): return true
    default: return false
    }
}

// MARK: - The models a lesson uses, as ipywidgets 8 writes their state

extension WidgetManager {
    func layout(_ comms: CommChannel, _ css: [(key: String, value: JSON)] = []) -> WidgetModel {
        create("LayoutModel", WidgetProtocol.base, view: "LayoutView", state: css, comms: comms)
    }

    func style(_ name: String, _ comms: CommChannel, _ extra: [(key: String, value: JSON)] = []) -> WidgetModel {
        create(name, WidgetProtocol.controls, view: "StyleView", WidgetProtocol.base,
               state: [(key: "description_width", value: "")] + extra, comms: comms)
    }

    /// The keys every described control has (description, layout, style, tooltip).
    private func described(_ description: String, style: WidgetModel, _ comms: CommChannel) -> [(key: String, value: JSON)] {
        [(key: "description", value: .string(description)), (key: "description_allow_html", value: false),
         (key: "disabled", value: false), (key: "layout", value: layout(comms).reference),
         (key: "style", value: style.reference), (key: "tabbable", value: .null), (key: "tooltip", value: .null)]
    }

    /// IntSlider (integer: true) or FloatSlider; `value` is kept inside [min, max] on the step grid.
    func slider(_ description: String, min: Double, max: Double, step: Double, value: Double, integer: Bool,
                continuous: Bool, readoutFormat: String? = nil, _ comms: CommChannel) -> WidgetModel {
        let style = style("SliderStyleModel", comms, [(key: "handle_color", value: .null)])
        let num: (Double) -> JSON = { .number($0) }
        let m = create(integer ? "IntSliderModel" : "FloatSliderModel", WidgetProtocol.controls,
                       view: integer ? "IntSliderView" : "FloatSliderView",
                       state: described(description, style: style, comms) + [
                           (key: "behavior", value: "drag-tap"), (key: "continuous_update", value: .bool(continuous)),
                           (key: "max", value: num(max)), (key: "min", value: num(min)), (key: "orientation", value: "horizontal"),
                           (key: "readout", value: true), (key: "readout_format", value: .string(readoutFormat ?? (integer ? "d" : ".2f"))),
                           (key: "step", value: num(step)), (key: "value", value: num(value)),
                       ], comms: comms)
        m.validators["value"] = { v in
            guard let x = v.doubleValue, x.isFinite else { return nil }
            let snapped = min + ((x - min) / step).rounded() * step
            let kept = Swift.min(max, Swift.max(min, integer ? snapped.rounded() : snapped))
            if integer { return .number(kept) }
            // Sent back as the slider shows it (no 0.30000000000000004): rounded to the step's decimals
            // and three more, unless that would overflow or lose digits (a range to 1e300, a step of 1e-12).
            var scale = 1000.0, s = step
            while s < 1, scale < 1e300 { s *= 10; scale *= 10 }
            let tidy = (kept * scale).rounded() / scale
            guard (kept * scale).magnitude < 9e15, tidy.isFinite else { return .number(kept) }
            return .number(Swift.min(max, Swift.max(min, tidy)))
        }
        return m
    }

    /// Play: steps `value` from min to max every `interval` ms while playing.
    func play(min: Int, max: Int, value: Int, interval: Int, _ comms: CommChannel) -> WidgetModel {
        let style = style("DescriptionStyleModel", comms)
        return create("PlayModel", WidgetProtocol.controls, view: "PlayView",
                      state: described("", style: style, comms) + [
                          (key: "interval", value: JSON(interval)), (key: "max", value: JSON(max)), (key: "min", value: JSON(min)),
                          (key: "playing", value: false), (key: "repeat", value: false), (key: "show_repeat", value: true),
                          (key: "step", value: 1), (key: "value", value: JSON(value)),
                      ], comms: comms)
    }

    /// Dropdown over labels; `index` is the chosen one.
    func dropdown(_ description: String, labels: [String], index: Int, _ comms: CommChannel) -> WidgetModel {
        let style = style("DescriptionStyleModel", comms)
        let m = create("DropdownModel", WidgetProtocol.controls, view: "DropdownView",
                       state: described(description, style: style, comms) + [
                           (key: "_options_labels", value: JSON(labels)), (key: "index", value: JSON(index)),
                       ], comms: comms)
        m.validators["index"] = { v -> JSON? in
            // (Not `? JSON(i) : nil`: JSON takes nil as its null, and null would be kept.)
            guard let i = v.intValue, (0..<labels.count).contains(i) else { return Optional<JSON>.none }
            return JSON(i)
        }
        return m
    }

    func toggle(_ description: String, value: Bool, _ comms: CommChannel) -> WidgetModel {
        let style = style("ToggleButtonStyleModel", comms, ["font_family", "font_size", "font_style", "font_variant", "font_weight",
                                                             "text_color", "text_decoration"].map { (key: $0, value: JSON.null) })
        let m = create("ToggleButtonModel", WidgetProtocol.controls, view: "ToggleButtonView",
                       state: described(description, style: style, comms) + [
                           (key: "button_style", value: ""), (key: "icon", value: ""), (key: "value", value: .bool(value)),
                       ], comms: comms)
        m.validators["value"] = { v in v.boolValue.map { .bool($0) } }
        return m
    }

    /// An output area: what the kernel publishes while it captures (see `capture`) lands in it.
    func outputArea(_ comms: CommChannel) -> WidgetModel {
        create("OutputModel", WidgetProtocol.output, view: "OutputView",
               state: [(key: "_dom_classes", value: []), (key: "layout", value: layout(comms).reference), (key: "msg_id", value: ""),
                       (key: "outputs", value: []), (key: "tabbable", value: .null), (key: "tooltip", value: .null)], comms: comms)
    }

    func box(_ vertical: Bool, _ children: [WidgetModel], _ comms: CommChannel) -> WidgetModel {
        create(vertical ? "VBoxModel" : "HBoxModel", WidgetProtocol.controls, view: vertical ? "VBoxView" : "HBoxView",
               state: [(key: "_dom_classes", value: []), (key: "box_style", value: ""), (key: "children", value: .array(children.map(\.reference))),
                       (key: "layout", value: layout(comms).reference), (key: "tabbable", value: .null), (key: "tooltip", value: .null)],
               comms: comms)
    }

    /// jslink: the front end keeps two models' keys equal, with no round trip through the kernel.
    func link(_ a: WidgetModel, _ aKey: String, _ b: WidgetModel, _ bKey: String, _ comms: CommChannel) {
        create("LinkModel", WidgetProtocol.controls, view: nil,
               state: [(key: "source", value: [a.reference, .string(aKey)]), (key: "target", value: [b.reference, .string(bKey)])], comms: comms)
    }
}
