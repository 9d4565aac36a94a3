import XCTest
@testable import RNN

/// J_t = ∂s_t/∂s_{t-1} and their running products against central finite differences of the
/// forward pass itself (Model.forward with a perturbed h0), for every cell kind and layout.
final class JacobianTests: XCTestCase {
    let sequence: [[Double]] = [[0.5, -0.3], [0.1, 0.8], [-0.7, 0.2], [0.4, 0.4], [0.9, -0.6]]

    func model(_ kind: CellKind, layers: Int = 1, bidirectional: Bool = false, activation: Activation = .tanh, seed: UInt64 = 5) -> Model {
        var config = CellConfig(kind: kind, input: 2, hidden: 3, output: 2, layers: layers, bidirectional: bidirectional, activation: activation)
        config.initializer = .normal
        var rng = SplitMix64(seed: seed)
        var m = Model(config: config, rng: &rng)
        // Larger weights than init=normal's 0.1 so that the nonlinearities are far from linear.
        for i in m.parameters.indices { m.parameters[i].values = m.parameters[i].values.map { $0 * 6 + 0.05 } }
        return m
    }

    /// The state the Jacobian differentiates, at visit k, in JacobianTrace's order.
    func state(_ trace: ForwardTrace, _ m: Model, layers: [Int], direction: Int, visit k: Int) -> [Double] {
        var s: [Double] = []
        for l in layers {
            let step = trace.layers.first { $0.layer == l && $0.direction == direction }!.steps[k]
            s += step.h
            if m.config.kind == .lstm { s += step.c! }
        }
        return s
    }

    /// ∂s_t/∂h0 (the h columns of P_t) by central differences, for the h0 entries of `layers`.
    func check(_ m: Model, layer: Int?, direction: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = m.config
        let jt = try m.jacobians(sequence, layer: layer, direction: direction)
        let layers = layer.map { [$0] } ?? Array(0..<(c.bidirectional ? 1 : c.layers))
        let H = c.hidden, S = (c.kind == .lstm ? 2 : 1) * H
        let slots = c.layers * c.directions * H
        XCTAssertEqual(jt.stateNames.count, S * layers.count, file: file, line: line)
        // The running product multiplied out plainly, to check the rescaled one.
        var P = Matrix.identity(S * layers.count)
        var worst = 0.0
        let eps = 1e-6
        for (k, step) in jt.steps.enumerated() {
            P = step.matrix.times(P)
            XCTAssertEqual(step.productNorm, try Linalg.spectralNorm(P), accuracy: 1e-10 * max(1, step.productNorm), file: file, line: line)
            XCTAssertEqual(step.norm, try Linalg.spectralNorm(step.matrix), accuracy: 1e-12, file: file, line: line)
            for (b, l) in layers.enumerated() {
                for j in 0..<H {
                    var plus = [Double](repeating: 0, count: slots), minus = plus
                    let slot = (l * c.directions + direction) * H + j
                    plus[slot] = eps
                    minus[slot] = -eps
                    let sp = state(try m.forward(sequence, h0: plus), m, layers: layers, direction: direction, visit: k)
                    let sm = state(try m.forward(sequence, h0: minus), m, layers: layers, direction: direction, visit: k)
                    for i in sp.indices {
                        let numeric = (sp[i] - sm[i]) / (2 * eps)
                        worst = max(worst, abs(numeric - P[i, b * S + j]))
                    }
                }
            }
        }
        for (a, b) in zip(jt.product.values, P.values) { XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, abs(b)), file: file, line: line) }
        XCTAssertLessThan(worst, 1e-7, "\(c.kind) layers=\(c.layers) layer=\(String(describing: layer)) direction=\(direction)", file: file, line: line)
    }

    func testSingleLayerCells() throws {
        for a in Activation.allCases { try check(model(.rnn, activation: a), layer: nil) }
        try check(model(.gru), layer: nil)
        try check(model(.lstm), layer: nil)
    }

    func testStackedCellsWholeStateAndOneLayer() throws {
        for kind in CellKind.allCases {
            try check(model(kind, layers: 2), layer: nil)
            try check(model(kind, layers: 3), layer: nil)
            try check(model(kind, layers: 2), layer: 1)
            try check(model(kind, layers: 2), layer: 0)
        }
    }

    func testBidirectionalDirections() throws {
        for kind in CellKind.allCases {
            try check(model(kind, bidirectional: true), layer: nil, direction: 0)
            try check(model(kind, bidirectional: true), layer: nil, direction: 1)
            try check(model(kind, layers: 2, bidirectional: true), layer: 1, direction: 1)
        }
    }

    /// Each step's J_t on its own (not only the product), for the cells whose whole state is h:
    /// a one-step forward from h_{t-1}, perturbed.
    func testEveryStepAgainstOneStepForward() throws {
        for m in [model(.rnn), model(.gru), model(.rnn, activation: .relu)] {
            let jt = try m.jacobians(sequence, layer: nil)
            let trace = try m.forward(sequence)
            for (k, step) in jt.steps.enumerated() {
                let hPrev = trace.layers[0].steps[k].hPrev
                for j in 0..<3 {
                    var plus = hPrev, minus = hPrev
                    plus[j] += 1e-6
                    minus[j] -= 1e-6
                    let hp = try m.forward([sequence[k]], h0: plus).states[0], hm = try m.forward([sequence[k]], h0: minus).states[0]
                    for i in 0..<3 { XCTAssertEqual((hp[i] - hm[i]) / 2e-6, step.matrix[i, j], accuracy: 1e-7) }
                }
            }
        }
    }

    /// An lstm's J_t column by column, c_{t-1} included: language.md's step written out here, checked
    /// first to reproduce the forward pass's (h_t, c_t), then perturbed in h_{t-1} and c_{t-1}.
    func testLSTMStepWithItsCellState() throws {
        let m = model(.lstm)
        let H = 3
        func W(_ n: String) -> [Double] { m.parameter(n)!.values }
        func b(_ n: String) -> [Double] { m.parameter(n).map(\.values) ?? [Double](repeating: 0, count: H) }
        func sig(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        // Every bias of gate g that the model keeps (one, or PyTorch's x-side and h-side pair).
        func bias(_ g: String) -> [Double] {
            let names = m.parameterNames.filter { $0 == "b_\(g)" || $0 == "b_x\(g)" || $0 == "b_h\(g)" }
            return names.reduce([Double](repeating: 0, count: H)) { acc, n in zip(acc, b(n)).map { $0 + $1 } }
        }
        func step(_ x: [Double], _ h: [Double], _ c: [Double]) -> [Double] {
            func pre(_ g: String) -> [Double] {
                let wx = W("W_x\(g)"), wh = W("W_h\(g)"), bb = bias(g)
                var out = bb
                for i in 0..<H {
                    for j in 0..<2 { out[i] += wx[i * 2 + j] * x[j] }
                    for j in 0..<H { out[i] += wh[i * H + j] * h[j] }
                }
                return out
            }
            let i = pre("i").map(sig), f = pre("f").map(sig), g = pre("g").map { tanh($0) }, o = pre("o").map(sig)
            let cNew = (0..<H).map { f[$0] * c[$0] + i[$0] * g[$0] }
            return (0..<H).map { o[$0] * tanh(cNew[$0]) } + cNew
        }
        let jt = try m.jacobians(sequence, layer: nil)
        let steps = try m.forward(sequence).layers[0].steps
        for (k, s) in steps.enumerated() {
            let here = step(s.x, s.hPrev, s.cPrev!)
            for (a, b) in zip(here, s.h + s.c!) { XCTAssertEqual(a, b, accuracy: 1e-14) }
            let prev = s.hPrev + s.cPrev!
            for j in 0..<(2 * H) {
                var plus = prev, minus = prev
                plus[j] += 1e-6
                minus[j] -= 1e-6
                let sp = step(s.x, Array(plus[0..<H]), Array(plus[H...])), sm = step(s.x, Array(minus[0..<H]), Array(minus[H...]))
                for i in 0..<(2 * H) { XCTAssertEqual((sp[i] - sm[i]) / 2e-6, jt.steps[k].matrix[i, j], accuracy: 1e-7, "t=\(k + 1) ∂s_\(i)/∂s_\(j)") }
            }
        }
    }

    /// The linear worked example: J_t = W_hh = ones, whose norm is 2 (‖P_t‖ = 2^t: exploding).
    func testLinearWorkedExampleExplodes() throws {
        var rng = SplitMix64(seed: 0)
        let m = Model(config: CellConfig(kind: .rnn, input: 2, hidden: 2, output: 2, activation: .linear, initializer: .ones, bias: false), rng: &rng)
        let jt = try m.jacobians([[1, 1], [1, 1], [2, 2]], layer: nil)
        for s in jt.steps { XCTAssertEqual(s.norm, 2, accuracy: 1e-14) }
        for (k, s) in jt.steps.enumerated() { XCTAssertEqual(s.productNorm, pow(2, Double(k + 1)), accuracy: 1e-12) }
        XCTAssertEqual(jt.steps[0].matrix, Matrix([[1, 1], [1, 1]]))
    }

    /// A long product that underflows a Double stays exact in log10.
    func testLongProductKeepsItsLogarithm() throws {
        var rng = SplitMix64(seed: 0)
        var m = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, activation: .linear, bias: false), rng: &rng)
        m.parameters[m.index(of: "W_hh")!] = Tensor(shape: [2, 2], values: [0.1, 0, 0, 0.05])
        let jt = try m.jacobians([[Double]](repeating: [0.5], count: 400), layer: nil)
        XCTAssertEqual(jt.steps.last!.productLog10, -400, accuracy: 1e-9)
        XCTAssertEqual(jt.steps[9].productNorm, 1e-10, accuracy: 1e-22)
    }

    func testRefusals() {
        XCTAssertThrowsError(try model(.rnn, layers: 2, bidirectional: true).jacobians(sequence, layer: nil)) {
            XCTAssertTrue("\($0)".contains("layer=K"), "\($0)")
        }
        XCTAssertThrowsError(try model(.rnn).jacobians(sequence, layer: nil, direction: 1)) { XCTAssertTrue("\($0)".contains("bidirectional")) }
        XCTAssertThrowsError(try model(.rnn, layers: 2).jacobians(sequence, layer: 2)) { XCTAssertTrue("\($0)".contains("from 0 to 1")) }
    }
}
