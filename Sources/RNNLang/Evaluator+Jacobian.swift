import Jupyter
import Plot
import RNN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `jacobian` and `plot jacobian` were asked for.
struct JacobianRequest {
    var layer: Int?
    var direction = 0
    var matrices = false
}

extension StatementContext {
    // MARK: - jacobian

    /// Reads layer=, direction=, matrices= (the rest is left to the caller).
    mutating func jacobianRequest(_ options: [OptionArg], model: Model, at name: Ident) throws -> JacobianRequest {
        var req = JacobianRequest()
        let c = model.config
        if let o = option(options, "layer") { req.layer = try eval(o.value).integer("layer", at: o.value.range, min: 0) }
        if let o = option(options, "direction") {
            req.direction = try evalOption(o.value).choice("direction", ["forward", "reverse"], at: o.value.range) == "reverse" ? 1 : 0
            if !c.bidirectional { throw Diagnostic(.value, "direction= needs a bidirectional model; '\(name.name)' runs forward only", at: o.keyRange) }
        } else if c.bidirectional {
            throw Diagnostic(.value, "'\(name.name)' is bidirectional: its two recurrences run opposite ways in time, so say which one with direction=forward or direction=reverse", at: name.range)
        }
        if let o = option(options, "matrices") { req.matrices = try eval(o.value).boolean("matrices", at: o.value.range) }
        return req
    }

    /// The Jacobians, with errors placed where the user can see them.
    func jacobianTrace(_ model: Model, _ seq: [[Double]], _ req: JacobianRequest, name: Ident, seqRange: SourceRange, options: [OptionArg]) throws -> JacobianTrace {
        let S = (model.config.kind == .lstm ? 2 : 1) * model.config.hidden * (req.layer == nil && !model.config.bidirectional ? model.config.layers : 1)
        guard S <= 256 else {
            throw Diagnostic(.value, "expected a state of at most 256 values for jacobian, found \(S): use a smaller model or layer=K", at: name.range)
        }
        guard seq.count <= 10_000 else { throw Diagnostic(.value, "expected a sequence of at most 10000 steps for jacobian, found \(seq.count)", at: seqRange) }
        do { return try model.jacobians(seq, layer: req.layer, direction: req.direction) } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(model: name.range, data: seqRange, options: options))
        } catch let e as LinalgError {
            throw linalgDiagnostic(e, "the Jacobian's norm", Matrix(zeros: S, S), seqRange)
        }
    }

    /// `s_t` as the tables name it, and what J_t differentiates.
    func jacobianWords(_ c: CellConfig, _ req: JacobianRequest) -> (state: String, J: String, P: String) {
        let prev = req.direction == 1 ? "t+1" : "t-1"
        let state = c.kind == .lstm ? "s_t = (h_t, c_t)" : "s_t = h_t"
        let J = c.kind == .lstm ? "J_t = ∂s_t/∂s_{\(prev)}" : "J_t = ∂h_t/∂h_{\(prev)}"
        let P = req.direction == 1 ? "J_t ⋯ J_T" : "J_t ⋯ J_1"
        return (state, J, P)
    }

    mutating func jacobian(_ name: Ident, _ seqExpr: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, OptionTable.jacobian, statement: "jacobian")
        let seq = try eval(seqExpr).sequence("the sequence", at: seqExpr.range)
        let entry = try modelEntry(name, inputWidth: seq.first?.count ?? 0)
        let req = try jacobianRequest(options, model: entry.model, at: name)
        let jt = try jacobianTrace(entry.model, seq, req, name: name, seqRange: seqExpr.range, options: options)
        let c = entry.model.config
        let words = jacobianWords(c, req)
        let S = jt.stateNames.count
        var scope = ""
        if let l = req.layer { scope = " of layer \(l)\(c.layers > 1 ? " (its input held fixed)" : "")" } else if c.layers > 1 { scope = " of all \(c.layers) layers stacked (layer 0 first)" }
        if c.bidirectional { scope += ", \(req.direction == 1 ? "reverse" : "forward") direction" }
        say("\(name.name): \(words.J), \(S)×\(S), with \(words.state)\(scope); the running product \(words.P) = ∂s_t/∂s_\(req.direction == 1 ? "{T+1}" : "0")")
        let wName = "W_hh" + CellConfig.suffix(layer: req.layer ?? 0, direction: req.direction)
        if c.kind == .rnn, c.layers == 1 || req.layer != nil, let W = entry.model.parameter(wName) {
            // The bound the course draws: ‖J_t‖₂ ≤ max|act'| · σ_max(W_hh), and ρ(W_hh) for the linear case.
            let m = Matrix(rows: W.rows, cols: W.cols, values: W.values)
            let rho = (try? Linalg.spectralRadius(m)) ?? .nan, sigma = (try? Linalg.spectralNorm(m)) ?? .nan
            let slope = c.activation == .linear ? "J_t = \(wName)" : "J_t = diag(\(c.activation == .tanh ? "1 − h_t²" : "relu'(a_t)")) \(wName), so ‖J_t‖₂ ≤ σ_max(\(wName))"
            say("\(slope); ρ(\(wName)) = \(NumberFormat.short(rho, decimals: 6)), σ_max(\(wName)) = \(NumberFormat.short(sigma, decimals: 6))")
        }
        let showMatrix = S <= 4
        var headers = ["t", "x_t", "‖J_t‖₂ (σ_max)", "‖\(words.P)‖₂"]
        if showMatrix { headers.append(words.J.components(separatedBy: " = ")[0]) }
        let rows: [[String]] = jt.steps.map { s in
            var row = [String(s.t + 1), vec(seq[s.t]), NumberFormat.short(s.norm, decimals: 6), productText(s)]
            if showMatrix { row.append("[" + s.matrix.asRows.map { vec($0) }.joined(separator: ", ") + "]") }
            return row
        }
        output.display(tableBundle(Table(title: "jacobian \(name.name) on the sequence: \(words.J) at every step", headers: headers, rows: rows,
                                         alignments: [.right, .left, .right, .right] + (showMatrix ? [.left] : []))), displayID: nil)
        if req.matrices {
            for s in jt.steps {
                let t = Tensor(shape: [S, S], values: s.matrix.values)
                output.display(matrixBundle(title: "J_\(s.t + 1): rows s_t, columns s_{\(req.direction == 1 ? "t+1" : "t-1")}, both in the order \(jt.stateNames.joined(separator: ", "))", t), displayID: nil)
            }
        } else if !showMatrix {
            say("(the \(S)×\(S) matrices are not shown in the table: add matrices=true to see each J_t)")
        }
    }

    /// ‖P_t‖ even where the number itself under- or overflows: 1e-400 is written from its logarithm.
    func productText(_ s: JacobianStep) -> String {
        if s.productNorm.isFinite && (s.productNorm == 0 ? s.productLog10 == -.infinity : true) { return NumberFormat.short(s.productNorm, decimals: 6) }
        guard s.productLog10.isFinite else { return NumberFormat.short(s.productNorm, decimals: 6) }
        let e = s.productLog10.rounded(.down)
        return NumberFormat.short(pow(10, s.productLog10 - e), decimals: 3) + "e" + String(Int(e))
    }

    mutating func plotJacobian(_ name: Ident, _ seqExpr: Expr, _ options: [OptionArg]) throws {
        let own = ["layer", "direction"]
        try checkOptions(options, OptionTable.plot + OptionTable.jacobian.filter { own.contains($0.name) }, statement: "plot jacobian")
        let o = try plotOptions(options.filter { !own.contains($0.key) })
        let seq = try eval(seqExpr).sequence("the sequence", at: seqExpr.range)
        let entry = try modelEntry(name, inputWidth: seq.first?.count ?? 0)
        let req = try jacobianRequest(options.filter { own.contains($0.key) }, model: entry.model, at: name)
        let jt = try jacobianTrace(entry.model, seq, req, name: name, seqRange: seqExpr.range, options: options)
        let words = jacobianWords(entry.model.config, req)
        let xs = jt.steps.map { Double($0.t + 1) }
        let series = [Series("‖\(words.P)‖₂", x: xs, y: jt.steps.map(\.productNorm)), Series("‖J_t‖₂", x: xs, y: jt.steps.map(\.norm))]
        let chart = Chart(title: o.title ?? "\(name.name): ‖\(words.P)‖₂ over time, the product BPTT multiplies by", xLabel: "t",
                          yLabel: "spectral norm", logY: o.log ?? true, kind: .lines(series))
        output.display(chartBundle(chart, o), displayID: nil)
    }

    // MARK: - generate

    /// steps= (default 20), checked.
    mutating func generation(_ name: Ident, _ seqExpr: Expr, _ options: [OptionArg]) throws -> Generation {
        let seq = try eval(seqExpr).sequence("the given sequence", at: seqExpr.range)
        let entry = try modelEntry(name, inputWidth: seq.first?.count ?? 0)
        var steps = 20
        if let o = option(options, "steps") {
            steps = try eval(o.value).integer("steps", at: o.value.range, min: 1)
            guard steps <= 2000 else { throw Diagnostic(.value, "expected steps of at most 2000, found \(steps)", at: o.value.range) }
        }
        do { return try entry.model.generate(from: seq, steps: steps) } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(model: name.range, data: seqExpr.range, options: options))
        }
    }

    mutating func generate(_ name: Ident, _ seqExpr: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, OptionTable.generate, statement: "generate")
        let g = try generation(name, seqExpr, options)
        let T = g.given.count
        func text(_ v: [Double]) -> String { v.count == 1 ? NumberFormat.short(v[0], decimals: 6) : vec(v) }
        var rows = g.given.enumerated().map { [String($0.offset + 1), "given", text($0.element)] }
        rows += g.generated.enumerated().map { [String(T + $0.offset + 1), "generated", text($0.element)] }
        let title = "generate \(name.name): x_1…x_\(T) given, then x_{t+1} = y_t for \(g.generated.count) step\(g.generated.count == 1 ? "" : "s") (t = \(T + 1)…\(T + g.generated.count))"
        output.display(tableBundle(Table(title: title, headers: ["t", "part", "x_t"], rows: rows, alignments: [.right, .left, .left])), displayID: nil)
    }

    mutating func plotGenerate(_ name: Ident, _ seqExpr: Expr, _ options: [OptionArg]) throws {
        try checkOptions(options, OptionTable.plot + OptionTable.generate, statement: "plot generate")
        let o = try plotOptions(options.filter { $0.key != "steps" })
        let g = try generation(name, seqExpr, options)
        let T = g.given.count, width = g.given[0].count
        let shown = min(width, 4)
        if width > shown { warn("x_t has \(width) values; the chart draws the first \(shown)") }
        var series: [Series] = []
        for k in 0..<shown {
            let suffix = width > 1 ? " x[\(k + 1)]" : ""
            series.append(Series("given" + suffix, x: (1...T).map(Double.init), y: g.given.map { $0[k] }))
            // The generated line starts at the last given point, so the two parts join.
            series.append(Series("generated" + suffix, x: (T...(T + g.generated.count)).map(Double.init), y: [g.given[T - 1][k]] + g.generated.map { $0[k] }))
        }
        let chart = Chart(title: o.title ?? "\(name.name): \(T) given steps, then \(g.generated.count) generated (y_t fed back as x_{t+1})",
                          xLabel: "t", yLabel: "x_t", logY: o.log ?? false, kind: .lines(series))
        output.display(chartBundle(chart, o), displayID: nil)
    }
}
