import XCTest
@testable import RNN

final class ForwardTests: XCTestCase {
    func testWorkedExampleFromTheSeedDocument() throws {
        var rng = SplitMix64(seed: 0)
        let config = CellConfig(kind: .rnn, input: 2, hidden: 2, output: 2, activation: .linear, initializer: .ones, bias: false)
        let model = Model(config: config, rng: &rng)
        XCTAssertEqual(model.parameterCount, 12)
        let trace = try model.forward([[1, 1], [1, 1], [2, 2]])
        XCTAssertEqual(trace.states, [[2, 2], [6, 6], [16, 16]])
        XCTAssertEqual(trace.outputs, [[4, 4], [12, 12], [32, 32]])
        XCTAssertEqual(trace.layers[0].steps.map(\.hPrev), [[0, 0], [2, 2], [6, 6]])
    }

    func testParameterNamesFollowTheDesign() {
        let c = CellConfig(kind: .gru, input: 3, hidden: 4, output: 2, layers: 2, bidirectional: true)
        let names = c.parameterSpecs.map(\.name)
        // PyTorch's two biases per gate (bias_ih, bias_hh), the n gate's b_hn among them.
        XCTAssertEqual(Array(names.prefix(12)), ["W_xr", "W_hr", "b_xr", "b_hr", "W_xz", "W_hz", "b_xz", "b_hz", "W_xn", "W_hn", "b_xn", "b_hn"])
        XCTAssertTrue(names.contains("b_hn_l1_reverse"))
        var single = c
        single.singleBias = true
        XCTAssertEqual(Array(single.parameterSpecs.map(\.name).prefix(10)), ["W_xr", "W_hr", "b_r", "W_xz", "W_hz", "b_z", "W_xn", "W_hn", "b_xn", "b_hn"])
        XCTAssertEqual(CellConfig(kind: .rnn, input: 2, hidden: 3).parameterSpecs.map(\.name), ["W_xh", "W_hh", "b_xh", "b_hh"])
        XCTAssertEqual(CellConfig(kind: .lstm, input: 2, hidden: 1).parameterSpecs.map(\.name).filter { $0.hasPrefix("b_") },
                       ["b_xi", "b_hi", "b_xf", "b_hf", "b_xg", "b_hg", "b_xo", "b_ho"])
        // PyTorch's counts: nn.LSTM(2, 16) + nn.Linear(16, 1) has 1297 parameters; one bias a gate, 1233.
        XCTAssertEqual(CellConfig(kind: .lstm, input: 2, hidden: 16, output: 1).parameterCount, 1297)
        XCTAssertEqual(CellConfig(kind: .lstm, input: 2, hidden: 16, output: 1, singleBias: true).parameterCount, 1233)
        XCTAssertEqual(c.parameterSpecs.first { $0.name == "W_xr_l1" }?.shape, [4, 8])
        XCTAssertEqual(c.parameterSpecs.first { $0.name == "W_hy" }?.shape, [2, 8])
        XCTAssertEqual(names.last, "b_y")
        let lstm = CellConfig(kind: .lstm, input: 1, hidden: 1, bias: false)
        XCTAssertEqual(lstm.parameterSpecs.map(\.name), ["W_xi", "W_hi", "W_xf", "W_hf", "W_xg", "W_hg", "W_xo", "W_ho"])
    }

    func testTextbookBiasesReadAsTheSumAndSetTheXSide() throws {
        var rng = SplitMix64(seed: 4)
        var m = Model(config: CellConfig(kind: .gru, input: 2, hidden: 2, layers: 2), rng: &rng)
        let sum = zip(m.parameter("b_xr_l1")!.values, m.parameter("b_hr_l1")!.values).map(+)
        XCTAssertEqual(m.readable("b_r_l1")?.values, sum)
        XCTAssertNil(m.readable("b_n"), "gru's b_hn sits inside r ⊙ (W_hn h + b_hn): no sum")
        XCTAssertTrue(m.readableNames.contains("b_z_l1") && !m.readableNames.contains("b_n"))
        let before = try m.forward([[1, 2], [0.5, -1]]).states
        // Moving bias between the x-side and the h-side of r and z leaves the outputs as they were.
        let b = m.readable("b_z")!
        m.setReadable("b_z", b)
        XCTAssertEqual(m.parameter("b_hz")?.values, [0, 0])
        XCTAssertEqual(m.parameter("b_xz")?.values, b.values)
        let after = try m.forward([[1, 2], [0.5, -1]]).states
        XCTAssertLessThan(zip(before.flatMap { $0 }, after.flatMap { $0 }).map { abs($0 - $1) }.max()!, 1e-15)
    }

    func testLSTMAndGRUStepsFollowTheirEquations() throws {
        var rng = SplitMix64(seed: 7)
        for kind in [CellKind.lstm, .gru] {
            let m = Model(config: CellConfig(kind: kind, input: 2, hidden: 3), rng: &rng)
            let trace = try m.forward([[0.5, -1], [0.25, 2]])
            for s in trace.layers[0].steps {
                let g = Dictionary(uniqueKeysWithValues: s.gates.map { ($0.name, $0.values) })
                for k in 0..<3 {
                    if kind == .lstm {
                        let c = g["f"]![k] * s.cPrev![k] + g["i"]![k] * g["g"]![k]
                        XCTAssertEqual(s.c![k], c, accuracy: 1e-15)
                        XCTAssertEqual(s.h[k], g["o"]![k] * tanh(c), accuracy: 1e-15)
                    } else {
                        XCTAssertEqual(s.h[k], (1 - g["z"]![k]) * g["n"]![k] + g["z"]![k] * s.hPrev[k], accuracy: 1e-15)
                    }
                }
            }
        }
    }

    func testBidirectionalStatesConcatenateForwardAndReverse() throws {
        var rng = SplitMix64(seed: 3)
        let m = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, bidirectional: true), rng: &rng)
        let trace = try m.forward([[1], [2], [3]])
        let fwd = trace.layers[0].steps, rev = trace.layers[1].steps
        XCTAssertEqual(rev.map(\.t), [2, 1, 0])
        for t in 0..<3 { XCTAssertEqual(trace.states[t], fwd[t].h + rev[2 - t].h) }
        XCTAssertEqual(trace.outputs, trace.states)  // no output layer: y_t = h_t
    }

    func testBadSequencesAndH0AreNamedErrors() throws {
        var rng = SplitMix64(seed: 1)
        let m = Model(config: CellConfig(kind: .rnn, input: 2, hidden: 2), rng: &rng)
        XCTAssertThrowsError(try m.forward([[1, 2], [1]])) { XCTAssertTrue("\($0)".contains("found 1 at t=2"), "\($0)") }
        XCTAssertThrowsError(try m.forward([])) { XCTAssertTrue("\($0)".contains("empty")) }
        XCTAssertThrowsError(try m.forward([[1, .nan]])) { XCTAssertTrue("\($0)".contains("nan")) }
        XCTAssertThrowsError(try m.forward([[1, 2]], h0: [1])) { XCTAssertTrue("\($0)".contains("h0")) }
    }

    func testSplitMix64IsTheReferenceSequence() {
        var r = SplitMix64(seed: 0)
        XCTAssertEqual(r.next(), 0xE220_A839_7B1D_CDAF)  // the published first output for seed 0
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        XCTAssertEqual((0..<5).map { _ in a.normal() }, (0..<5).map { _ in b.normal() })
        var u = SplitMix64(seed: 5)
        for _ in 0..<1000 {
            let x = u.uniform()
            XCTAssertTrue(x >= 0 && x < 1)
        }
        XCTAssertEqual(Set(SplitMix64(seed: 9).permutationCopy(10)), Set(0..<10))
    }

    func testInitializers() {
        var rng = SplitMix64(seed: 11)
        let H = 8
        let u = Model(config: CellConfig(kind: .rnn, input: 3, hidden: H, output: 2), rng: &rng)
        let bound = 1 / Double(H).squareRoot()
        XCTAssertTrue(u.parameter("W_hh")!.values.allSatisfy { abs($0) <= bound })
        let o = Model(config: CellConfig(kind: .rnn, input: 3, hidden: H, initializer: .orthogonal), rng: &rng)
        let W = o.parameter("W_hh")!
        for i in 0..<H {
            for j in 0..<H {
                var dot = 0.0
                for k in 0..<H { dot += W[i, k] * W[j, k] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-12)
            }
        }
        XCTAssertTrue(o.parameter("b_xh")!.values.allSatisfy { $0 == 0 })
        XCTAssertTrue(o.parameter("b_hh")!.values.allSatisfy { $0 == 0 })
        XCTAssertTrue(o.readable("b_h")!.values.allSatisfy { $0 == 0 })
        let z = Model(config: CellConfig(kind: .lstm, input: 3, hidden: 2, initializer: .zeros), rng: &rng)
        XCTAssertTrue(z.flatValues.allSatisfy { $0 == 0 })
    }
}

extension SplitMix64 {
    func permutationCopy(_ n: Int) -> [Int] {
        var c = self
        return c.permutation(n)
    }
}
