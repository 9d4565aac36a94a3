import XCTest
@testable import RNN

/// generate against the forward pass run step by step, and greedy sampling.
final class GenerateTests: XCTestCase {
    func model(_ kind: CellKind, layers: Int = 1, width: Int = 2, seed: UInt64 = 3) -> Model {
        var rng = SplitMix64(seed: seed)
        return Model(config: CellConfig(kind: kind, input: width, hidden: 4, output: width, layers: layers), rng: &rng)
    }

    /// For rnn and gru the state is every layer's h, so one step at a time from h0 is the forward pass.
    func testGenerateEqualsSteppingTheForwardPass() throws {
        let given: [[Double]] = [[0.1, 0.2], [0.3, -0.1], [0.5, 0.0]]
        for m in [model(.rnn), model(.gru), model(.rnn, layers: 2), model(.gru, layers: 3)] {
            let g = try m.generate(from: given, steps: 6)
            XCTAssertEqual(g.generated.count, 6)
            XCTAssertEqual(g.given, given)
            let full = try m.forward(given)
            XCTAssertEqual(g.givenOutputs, full.outputs)
            var h0 = full.layers.flatMap { $0.steps.last!.h }
            var y = full.outputs.last!
            var stepped = [y]
            for _ in 1..<6 {
                let one = try m.forward([y], h0: h0)
                h0 = one.layers.flatMap { $0.steps.last!.h }
                y = one.outputs[0]
                stepped.append(y)
            }
            for (a, b) in zip(g.generated, stepped) { for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-13) } }
        }
    }

    /// An lstm (whose c_t cannot be passed in): the generated values are what the forward pass gives
    /// on the given steps followed by the generated ones.
    func testLSTMGenerateIsConsistentWithForward() throws {
        let m = model(.lstm, layers: 2)
        let given: [[Double]] = [[0.1, 0.2], [0.3, -0.1]]
        let g = try m.generate(from: given, steps: 5)
        let out = try m.forward(given + g.generated.dropLast()).outputs
        XCTAssertEqual(Array(out.suffix(5)), g.generated)
        XCTAssertEqual(out[1], g.generated[0])
    }

    /// The stepper does forward's arithmetic in forward's order: the same bits, step after step, for
    /// every cell kind, stacked layers, one bias or none, and an embedding's first layer.
    func testStepperGivesForwardsBits() throws {
        var rng = SplitMix64(seed: 21)
        let configs = [
            CellConfig(kind: .rnn, input: 3, hidden: 5, output: 3, layers: 2),
            CellConfig(kind: .lstm, input: 3, hidden: 4, output: 3, layers: 3, outputActivation: .softmax),
            CellConfig(kind: .gru, input: 3, hidden: 4, layers: 2, singleBias: true),
            CellConfig(kind: .lstm, input: 3, hidden: 2, output: 3, bias: false),
            CellConfig(kind: .gru, input: 3, hidden: 4, output: 3, embed: 2),
        ]
        let xs: [[Double]] = (0..<40).map { t in (0..<3).map { $0 == t % 3 ? 1 : 0 } }
        for c in configs {
            let m = Model(config: c, rng: &rng)
            let full = try m.forward(xs)
            var stepper = try ModelStepper(m)
            for (t, x) in xs.enumerated() {
                let s = try stepper.step(x)
                XCTAssertEqual(s.logits, full.logits[t], "\(c.kind) t=\(t + 1)")
                XCTAssertEqual(s.output, full.outputs[t], "\(c.kind) t=\(t + 1)")
            }
            XCTAssertThrowsError(try stepper.step([1, 2])) { XCTAssertTrue("\($0)".contains("found 2 at t=41"), "\($0)") }
        }
    }

    /// sample costs one step a symbol now; it draws what re-reading the whole prefix each symbol drew.
    func testSampleEqualsReReadingThePrefix() throws {
        let vocab = ["a", "b", "c", "d", "e"]
        var rng = SplitMix64(seed: 5)
        let m = Model(config: CellConfig(kind: .lstm, input: 5, hidden: 7, output: 5, layers: 2), rng: &rng)
        let prime = [1, -1, 3]
        let drawn = try m.sample(vocabulary: vocab, prime: prime, length: 60, temperature: 0.8, seed: 77)
        func oneHot(_ k: Int) -> [Double] { (0..<5).map { $0 == k ? 1 : 0 } }
        var draw = SplitMix64(seed: 77)
        var sequence = prime.map(oneHot), expected: [Int] = []
        for _ in 0..<60 {
            let p = softmax(try m.forward(sequence).logits.last!.map { $0 / 0.8 })
            var u = draw.uniform(), k = 0
            while k < p.count - 1, u >= p[k] { u -= p[k]; k += 1 }
            expected.append(k)
            sequence.append(oneHot(k))
        }
        XCTAssertEqual(drawn, expected)
    }

    func testGenerateRefusals() {
        var rng = SplitMix64(seed: 1)
        let narrow = Model(config: CellConfig(kind: .rnn, input: 2, hidden: 3, output: 1), rng: &rng)
        XCTAssertThrowsError(try narrow.generate(from: [[1, 2]], steps: 3)) { XCTAssertTrue("\($0)".contains("input=2 and y_t of width 1"), "\($0)") }
        let bi = Model(config: CellConfig(kind: .rnn, input: 2, hidden: 3, output: 2, bidirectional: true), rng: &rng)
        XCTAssertThrowsError(try bi.generate(from: [[1, 2]], steps: 3)) { XCTAssertTrue("\($0)".contains("bidirectional")) }
        XCTAssertThrowsError(try model(.rnn).generate(from: [[1, 2]], steps: 0))
    }

    /// temperature=0 takes the argmax of the logits at every step, whatever the seed.
    func testGreedySamplingIsArgmaxWhateverTheSeed() throws {
        let vocab = ["a", "b", "c", "d"]
        var rng = SplitMix64(seed: 9)
        let m = Model(config: CellConfig(kind: .lstm, input: 4, hidden: 6, output: 4), rng: &rng)
        let first = try m.sample(vocabulary: vocab, prime: [0, 2], length: 30, temperature: 0, seed: 1)
        for seed in [2, 3, 99, 123_456] as [UInt64] {
            XCTAssertEqual(try m.sample(vocabulary: vocab, prime: [0, 2], length: 30, temperature: 0, seed: seed), first)
        }
        var seq: [[Double]] = [0, 2].map { k in (0..<4).map { $0 == k ? 1 : 0 } }
        for k in first {
            let logits = try m.forward(seq).logits.last!
            XCTAssertEqual(k, logits.indices.max { logits[$0] < logits[$1] }!)
            seq.append((0..<4).map { $0 == k ? 1 : 0 })
        }
        // A positive temperature still depends on the seed.
        let a = try m.sample(vocabulary: vocab, prime: [0], length: 40, temperature: 5, seed: 1)
        let b = try m.sample(vocabulary: vocab, prime: [0], length: 40, temperature: 5, seed: 2)
        XCTAssertNotEqual(a, b)
    }

    /// init=identity: W_h· = I, cell biases 0, the rest drawn as uniform.
    func testIdentityInit() {
        var rng = SplitMix64(seed: 4)
        let m = Model(config: CellConfig(kind: .rnn, input: 3, hidden: 4, output: 2, initializer: .identity), rng: &rng)
        XCTAssertEqual(m.parameter("W_hh")!.values, Matrix.identity(4).values)
        let a = 1 / 2.0
        XCTAssertTrue(m.parameter("W_xh")!.values.allSatisfy { abs($0) <= a && $0 != 0 })
        XCTAssertTrue(m.parameter("W_hy")!.values.allSatisfy { abs($0) <= a && $0 != 0 })
        for spec in m.specs where spec.name.hasPrefix("b_") && spec.name != "b_y" {
            XCTAssertTrue(m.parameter(spec.name)!.values.allSatisfy { $0 == 0 }, spec.name)
        }
        XCTAssertTrue(m.parameter("b_y")!.values.allSatisfy { $0 != 0 })
        var rng2 = SplitMix64(seed: 4)
        let g = Model(config: CellConfig(kind: .gru, input: 3, hidden: 4, layers: 2, initializer: .identity), rng: &rng2)
        for name in ["W_hr", "W_hz", "W_hn", "W_hr_l1", "W_hn_l1"] { XCTAssertEqual(g.parameter(name)!.values, Matrix.identity(4).values, name) }
    }
}
