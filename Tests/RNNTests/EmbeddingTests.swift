import XCTest
@testable import RNN

/// Tokens as one-hot rows over V = 6, sequences of different lengths (padding is masked).
fileprivate func tokenData(sequences: Int, V: Int = 6, manyToMany: Bool = true) -> (Dataset, [[Int]]) {
    var rng = SplitMix64(seed: 41)
    let codes: [[Int]] = (0..<sequences).map { e in (0..<(4 + e % 3)).map { _ in rng.below(V - 1) } }  // token V-1 never used
    let inputs = codes.map { seq in seq.map { k in (0..<V).map { $0 == k ? 1.0 : 0.0 } } }
    let targets: Dataset.Targets = manyToMany ? .classSequences(codes.map { $0.map { ($0 + 1) % 3 } }) : .classes(codes.map { $0.count % 3 })
    return (Dataset(name: "t", summary: "t", inputs: inputs, targets: targets), codes)
}

/// `embed=E`: the gather and scatter-add of the engine against the step-by-step reference
/// (`Model.forward`, what `unroll` shows), and its gradients against finite differences of it.
final class EmbeddingTests: XCTestCase {
    /// The mean cross-entropy computed from the reference forward pass, example by example.
    func referenceLoss(_ model: Model, _ data: Dataset) throws -> Double {
        var total = 0.0, n = 0
        for (e, seq) in data.inputs.enumerated() {
            let logits = try model.forward(seq).logits
            func term(_ z: [Double], _ k: Int) -> Double { let m = z.max()!; return m + log(z.map { exp($0 - m) }.reduce(0, +)) - z[k] }
            switch data.targets {
            case let .classSequences(c): for (t, k) in c[e].enumerated() { total += term(logits[t], k); n += 1 }
            case let .classes(c): total += term(logits.last!, c[e]); n += 1
            default: XCTFail("class targets expected")
            }
        }
        return total / Double(n)
    }

    func check(_ config: CellConfig, sequences: Int, manyToMany: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let (data, _) = tokenData(sequences: sequences, V: config.input, manyToMany: manyToMany)
        var rng = SplitMix64(seed: 5)
        let model = Model(config: config, rng: &rng)
        let engine = Engine(config: config)
        var g = [Double](repeating: 0, count: engine.parameterCount)
        let batch = Batch(inputs: data.inputs, target: data.targets, indices: Array(0..<data.count), tokens: true)
        XCTAssertTrue(batch.x.isEmpty, "no one-hot rows are laid out", file: file, line: line)
        let r = g.withUnsafeMutableBufferPointer { engine.run(model.flatValues, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
        let what = "\(config.kind) layers=\(config.layers) bidirectional=\(config.bidirectional) batch=\(sequences)"
        XCTAssertEqual(r.loss, try referenceLoss(model, data), accuracy: 1e-12, what, file: file, line: line)
        // The engine's logits are the reference's.
        for (e, seq) in data.inputs.enumerated() where !manyToMany {
            let want = try model.forward(seq).logits.last!
            let O = config.outputWidth
            XCTAssertLessThan(zip(Array(r.logits[(e * O)..<((e + 1) * O)]), want).map { abs($0 - $1) }.max()!, 1e-12, what, file: file, line: line)
        }
        // Every entry of W_emb and every fifth other parameter (GradientTests checks the cell's
        // own gradients) against central differences of the reference loss.
        let theta = model.flatValues
        let eps = 1e-6
        var worst = 0.0
        let embedCount = config.input * config.embed!
        for i in theta.indices where i < embedCount || i % 5 == 0 {
            var plus = theta, minus = theta
            plus[i] += eps
            minus[i] -= eps
            let numeric = (try referenceLoss(model.with(flat: plus), data) - referenceLoss(model.with(flat: minus), data)) / (2 * eps)
            let err = abs(numeric - g[i]) / max(1e-6, abs(numeric) + abs(g[i]))
            worst = max(worst, abs(numeric - g[i]) < 1e-9 ? 0 : err)
        }
        XCTAssertLessThan(worst, 1e-5, what, file: file, line: line)
        // The unused token's row gets no gradient; the used ones do.
        let E = config.embed!, V = config.input
        XCTAssertEqual(Array(g[((V - 1) * E)..<(V * E)]), [Double](repeating: 0, count: E), what, file: file, line: line)
        XCTAssertTrue(g[0..<((V - 1) * E)].contains { $0 != 0 }, what, file: file, line: line)
    }

    func testEveryKindSingleRowsAndBlockedShards() throws {
        for kind in CellKind.allCases {
            for n in [1, 2, 5] {
                try check(CellConfig(kind: kind, input: 6, hidden: 3, output: 3, embed: 4), sequences: n)
            }
            try check(CellConfig(kind: kind, input: 6, hidden: 3, output: 3, embed: 2), sequences: 3, manyToMany: false)
        }
    }

    func testStackedAndBidirectional() throws {
        for kind in CellKind.allCases {
            try check(CellConfig(kind: kind, input: 6, hidden: 2, output: 3, layers: 2, bidirectional: true, embed: 3), sequences: 2)
            try check(CellConfig(kind: kind, input: 6, hidden: 2, output: 3, bidirectional: true, embed: 3), sequences: 5, manyToMany: false)
        }
        try check(CellConfig(kind: .gru, input: 6, hidden: 2, output: 3, layers: 2, embed: 2), sequences: 4, manyToMany: false)
    }

    /// More sequences than a shard holds: each shard scatters its own rows, added in shard order.
    func testSeveralShardsGiveTheOneShardGradient() throws {
        let (data, codes) = tokenData(sequences: 37)
        let config = CellConfig(kind: .lstm, input: 6, hidden: 3, output: 3, bidirectional: true, embed: 4)
        var rng = SplitMix64(seed: 9)
        let model = Model(config: config, rng: &rng)
        let engine = Engine(config: config)
        var g = [Double](repeating: 0, count: engine.parameterCount)
        let all = Array(0..<data.count)
        let r = g.withUnsafeMutableBufferPointer {
            engine.run(model.flatValues, batch: Batch(tokens: codes, vocabulary: 6, target: data.targets, indices: all), loss: .xent, gradient: $0.baseAddress!)
        }
        XCTAssertEqual(r.loss, try referenceLoss(model, data), accuracy: 1e-12)
        // One-hot rows handed to the engine directly are read as their token ids.
        var g2 = [Double](repeating: 0, count: engine.parameterCount)
        let r2 = g2.withUnsafeMutableBufferPointer {
            Engine(config: config).run(model.flatValues, batch: Batch(inputs: data.inputs, target: data.targets, indices: all), loss: .xent, gradient: $0.baseAddress!)
        }
        XCTAssertEqual(r.loss.bitPattern, r2.loss.bitPattern)
        XCTAssertEqual(g, g2)
        // The sum of 37 sequences' gradients, shard by shard, against each sequence's own.
        var sum = [Double](repeating: 0, count: engine.parameterCount)
        for e in all {
            let one = Engine(config: config)
            var ge = [Double](repeating: 0, count: one.parameterCount)
            var d = data
            d.inputs = [data.inputs[e]]
            if case let .classSequences(c) = data.targets { d.targets = .classSequences([c[e]]) }
            _ = ge.withUnsafeMutableBufferPointer {
                one.run(model.flatValues, batch: Batch(inputs: d.inputs, target: d.targets, indices: [0], tokens: true), loss: .xent, gradient: $0.baseAddress!)
            }
            // Each sequence's loss is a mean over its own steps; the batch's over all of them.
            let steps = Double(codes[e].count), total = Double(codes.reduce(0) { $0 + $1.count })
            for i in sum.indices { sum[i] += ge[i] * steps / total }
        }
        XCTAssertLessThan(zip(sum, g).map { abs($0 - $1) }.max()!, 1e-12)
    }

    func testParameterCountAndNames() {
        let c = CellConfig(kind: .gru, input: 10, hidden: 4, output: 2, layers: 2, bidirectional: true, embed: 3)
        XCTAssertEqual(c.parameterSpecs.first, ParameterSpec(name: "W_emb", shape: [10, 3]))
        XCTAssertEqual(c.parameterCount, c.checkedParameterCount)
        XCTAssertEqual(c.index(of: "W_emb"), 0)
        for (i, s) in c.parameterSpecs.enumerated() { XCTAssertEqual(c.index(of: s.name), i, s.name) }
        XCTAssertEqual(c.parameterSpecs[1], ParameterSpec(name: "W_xr", shape: [4, 3]))
        XCTAssertNil(CellConfig(kind: .gru, input: 10, hidden: 4).index(of: "W_emb"))
        // nn.Embedding's N(0, 1).
        var rng = SplitMix64(seed: 3)
        let big = Model(config: CellConfig(kind: .rnn, input: 400, hidden: 2, embed: 50), rng: &rng)
        let w = big.parameter("W_emb")!.values
        let mean = w.reduce(0, +) / Double(w.count), variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, 1, accuracy: 0.03)
    }

    func testInputThatIsNotOneTokenIsRefused() {
        var rng = SplitMix64(seed: 3)
        let model = Model(config: CellConfig(kind: .rnn, input: 3, hidden: 2, output: 2, embed: 2), rng: &rng)
        XCTAssertThrowsError(try model.forward([[1, 0, 0], [0.5, 0.5, 0]])) { e in
            XCTAssertTrue("\(e)".contains("one-hot") && "\(e)".contains("t=2"), "\(e)")
        }
        let data = Dataset(name: "p", summary: "p", inputs: [[[1, 1, 0]]], targets: .classes([0]))
        XCTAssertThrowsError(try model.train(on: data, options: TrainOptions())) { e in
            XCTAssertTrue("\(e)".contains("not one-hot"), "\(e)")
        }
    }

    /// An unseen word (`<unk>`, the all-zero x_t) reads as the zero embedding in the reference and in
    /// the engine alike, and its step adds nothing to ∂W_emb (nn.Embedding's padding_idx row).
    func testAnUnseenWordIsTheZeroEmbeddingInBothPaths() throws {
        let config = CellConfig(kind: .gru, input: 3, hidden: 2, output: 2, embed: 2)
        var rng = SplitMix64(seed: 5)
        let model = Model(config: config, rng: &rng)
        XCTAssertEqual(model.embedding(of: Embedding.unknown), [0, 0])
        let data = Dataset(name: "p", summary: "p", inputs: [[[0, 1, 0], [0, 0, 0], [1, 0, 0]], [[0, 0, 0], [0, 1, 0]]], targets: .classes([1, 0]))
        XCTAssertNoThrow(try model.check(data, loss: .xent))
        let engine = Engine(config: config)
        var g = [Double](repeating: 0, count: engine.parameterCount)
        let batch = Batch(inputs: data.inputs, target: data.targets, indices: [0, 1], tokens: true)
        XCTAssertEqual(batch.tokens, [1, -1, -1, 1, 0, -1])
        let r = g.withUnsafeMutableBufferPointer { engine.run(model.flatValues, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
        XCTAssertEqual(r.loss, try referenceLoss(model, data), accuracy: 1e-12)
        // Token 2 never occurs: no gradient; tokens 0 and 1 match central differences of the reference.
        XCTAssertEqual(Array(g[4..<6]), [0, 0])
        let theta = model.flatValues
        for i in 0..<4 {
            var plus = theta, minus = theta
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let numeric = (try referenceLoss(model.with(flat: plus), data) - referenceLoss(model.with(flat: minus), data)) / 2e-6
            XCTAssertEqual(g[i], numeric, accuracy: 1e-7 * max(1, abs(numeric)))
            XCTAssertNotEqual(g[i], 0)
        }
        // A row that is neither one token nor all zeros is still refused.
        XCTAssertThrowsError(try model.forward([[0.5, 0.5, 0]]))
    }
}
