import XCTest
@testable import RNN

/// Characters as one-hot rows (and a row of zeros past the shorter sequence's end): batches of
/// one, two and five sequences, every kind, both directions, stacked.
fileprivate func oneHotData(sequences: Int) -> Dataset {
    var rng = SplitMix64(seed: 29)
    let V = 5
    let codes: [[Int]] = (0..<sequences).map { e in (0..<(7 + e % 3)).map { _ in rng.below(V) } }
    let inputs = codes.map { seq in seq.map { k in (0..<V).map { $0 == k ? 1.0 : 0.0 } } }
    let targets = codes.map { seq in seq.map { ($0 + 1) % V } }
    return Dataset(name: "t", summary: "t", inputs: inputs, targets: .classSequences(targets))
}

/// Every gradient the engine computes, checked against central finite differences.
final class GradientTests: XCTestCase {
    func loss(_ model: Model, _ data: Dataset, _ loss: Loss, bptt: Int? = nil) -> Double {
        Engine(config: model.config).run(model.flatValues, batch: Batch(inputs: data.inputs, target: data.targets, indices: Array(0..<data.count)),
                                         loss: loss, gradient: nil, bptt: bptt).loss
    }

    func check(_ config: CellConfig, _ data: Dataset, _ lossKind: Loss, seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line) {
        var rng = SplitMix64(seed: seed)
        let model = Model(config: config, rng: &rng)
        let engine = Engine(config: config)
        var g = [Double](repeating: 0, count: engine.parameterCount)
        _ = g.withUnsafeMutableBufferPointer { engine.run(model.flatValues, batch: Batch(inputs: data.inputs, target: data.targets, indices: Array(0..<data.count)), loss: lossKind, gradient: $0.baseAddress!) }
        let theta = model.flatValues
        let eps = 1e-6
        var worst = 0.0
        for i in theta.indices {
            var plus = theta, minus = theta
            plus[i] += eps
            minus[i] -= eps
            let numeric = (loss(model.with(flat: plus), data, lossKind) - loss(model.with(flat: minus), data, lossKind)) / (2 * eps)
            let err = abs(numeric - g[i]) / max(1e-6, abs(numeric) + abs(g[i]))
            worst = max(worst, abs(numeric - g[i]) < 1e-9 ? 0 : err)
        }
        XCTAssertLessThan(worst, 1e-5, "\(config.kind) layers=\(config.layers) bidirectional=\(config.bidirectional) \(lossKind)", file: file, line: line)
    }

    let seqs: [[[Double]]] = [[[0.5, -1], [0.25, 2], [-1, 0.3]], [[1, 0.2], [-0.7, 0.1]]]  // different lengths: masking

    func testEveryCellKindManyToOneMSE() {
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 3, output: 2),
                  Dataset(name: "t", summary: "t", inputs: seqs, targets: .vectors([[0.3, -0.2], [1, 0.5]])), .mse)
        }
    }

    func testEveryCellKindManyToManyXent() {
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3),
                  Dataset(name: "t", summary: "t", inputs: seqs, targets: .classSequences([[0, 2, 1], [1, 1]])), .xent)
        }
    }

    func testStackedAndBidirectional() {
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 2, output: 2, layers: 2, bidirectional: true),
                  Dataset(name: "t", summary: "t", inputs: seqs, targets: .classes([1, 0])), .xent)
            check(CellConfig(kind: kind, input: 2, hidden: 2, layers: 2),
                  Dataset(name: "t", summary: "t", inputs: seqs, targets: .vectorSequences([[[1, 0], [0, 1], [1, 1]], [[0.5, 0.5], [0, 0]]])), .mse)
        }
    }

    func testActivationsAndNoBias() {
        for act in Activation.allCases {
            check(CellConfig(kind: .rnn, input: 2, hidden: 3, output: 1, activation: act, bias: false),
                  Dataset(name: "t", summary: "t", inputs: seqs, targets: .vectors([[0.3], [1]])), .mse, seed: 4)
        }
        check(CellConfig(kind: .gru, input: 2, hidden: 3, output: 2, bias: false),
              Dataset(name: "t", summary: "t", inputs: seqs, targets: .classes([0, 1])), .xent)
    }

    /// The default cells have PyTorch's two biases (every check above runs on them); the
    /// single-bias cells of `bias=single` are checked here, stacked and bidirectional.
    func testSingleBiasCells() {
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 2, output: 2, layers: 2, bidirectional: true, singleBias: true),
                  Dataset(name: "t", summary: "t", inputs: seqs, targets: .vectors([[0.3, -0.2], [1, 0.5]])), .mse, seed: 3)
        }
    }

    /// Each of the two biases gets the whole ∂L/∂b (autograd's bias_ih.grad == bias_hh.grad),
    /// except gru's b_hn, which sits inside r ⊙ (W_hn h + b_hn).
    func testBothBiasesGetTheWholeGradient() {
        for kind in CellKind.allCases {
            let config = CellConfig(kind: kind, input: 2, hidden: 3, output: 2, bidirectional: true)
            var rng = SplitMix64(seed: 8)
            let model = Model(config: config, rng: &rng)
            let engine = Engine(config: config)
            var g = [Double](repeating: 0, count: engine.parameterCount)
            _ = g.withUnsafeMutableBufferPointer {
                engine.run(model.flatValues, batch: Batch(inputs: seqs, target: .classSequences([[0, 1, 1], [1, 0]]), indices: [0, 1]), loss: .xent, gradient: $0.baseAddress!)
            }
            let grads = model.unflatten(g)
            for s in ["", "_reverse"] {
                for gate in config.summedGates {
                    let x = grads[model.index(of: "b_x\(gate)\(s)")!].values, h = grads[model.index(of: "b_h\(gate)\(s)")!].values
                    XCTAssertEqual(x, h, "\(kind) \(gate)\(s)")
                    XCTAssertTrue(x.contains { $0 != 0 }, "\(kind) \(gate)\(s) \(x)")
                }
            }
            if kind == .gru {
                XCTAssertNotEqual(grads[model.index(of: "b_xn")!].values, grads[model.index(of: "b_hn")!].values)
            }
        }
    }

    /// 37 sequences of lengths 1...6: three shards (16, 16, 5), padding in every one.
    func shardedData(width: Int, classes: Int?) -> Dataset {
        var rng = SplitMix64(seed: 11)
        var inputs: [[[Double]]] = [], labels: [[Int]] = [], values: [[Double]] = []
        for e in 0..<37 {
            let T = 1 + e % 6
            inputs.append((0..<T).map { _ in (0..<width).map { _ in rng.uniform(-1, 1) } })
            labels.append((0..<T).map { t in (e + t) % (classes ?? 1) })
            values.append([rng.uniform(-1, 1), rng.uniform(-1, 1)])
        }
        return Dataset(name: "t", summary: "t", inputs: inputs, targets: classes == nil ? .vectors(values) : .classSequences(labels))
    }

    func testBatchesLargerThanAShardHaveExactGradients() {
        XCTAssertEqual(Engine.shardSize, 16)
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3), shardedData(width: 2, classes: 3), .xent)
            check(CellConfig(kind: kind, input: 2, hidden: 3, output: 2), shardedData(width: 2, classes: nil), .mse)
        }
        check(CellConfig(kind: .lstm, input: 2, hidden: 2, output: 2, layers: 2, bidirectional: true),
              shardedData(width: 2, classes: nil), .mse)
    }

    /// 17 and 18 sequences: a blocked shard of 16 beside a single-row shard of one or two, whose
    /// weight gradients go straight into their own layout before the shards' gradients are added.
    func testABlockedShardBesideASingleRowShardHasExactGradients() {
        let all = shardedData(width: 2, classes: 3)
        for n in [17, 18] {
            let data = Dataset(name: "t", summary: "t", inputs: Array(all.inputs.prefix(n)), targets: {
                guard case let .classSequences(c) = all.targets else { fatalError() }
                return .classSequences(Array(c.prefix(n)))
            }())
            for kind in CellKind.allCases {
                check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3, bidirectional: n == 18), data, .xent)
            }
        }
    }

    /// 20 sequences of 9–20 steps: a 16-row shard whose backward sweep hands its rows to the weight
    /// products in three blocks of 8 steps, reading dA from panels, and a 4-row shard; hidden 5
    /// leaves every panel a tail and every cell step a one-lane end.
    func testLongSequencesSpanningSeveralGradientBlocksHaveExactGradients() {
        var rng = SplitMix64(seed: 21)
        var inputs: [[[Double]]] = [], labels: [[Int]] = [], values: [[Double]] = []
        for e in 0..<20 {
            let T = 9 + e % 12
            inputs.append((0..<T).map { _ in (0..<2).map { _ in rng.uniform(-1, 1) } })
            labels.append((0..<T).map { t in (e * 3 + t) % 3 })
            values.append([rng.uniform(-1, 1)])
        }
        let tagged = Dataset(name: "t", summary: "t", inputs: inputs, targets: .classSequences(labels))
        let scored = Dataset(name: "t", summary: "t", inputs: inputs, targets: .vectors(values))
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 5, output: 3), tagged, .xent)
            check(CellConfig(kind: kind, input: 2, hidden: 5, output: 1), scored, .mse)
        }
        check(CellConfig(kind: .gru, input: 2, hidden: 3, output: 3, layers: 2, bidirectional: true), tagged, .xent)
    }

    /// Single rows (shards of one to three sequences) write the weight gradients straight into
    /// the gradient's own layout, block by block: 130 steps at batch 1 are two blocks of 128 steps
    /// and a third of 2; at batch 2, three of 64 and one of 2.
    func testSingleRowsAcrossSeveralGradientBlocksHaveExactGradients() {
        var rng = SplitMix64(seed: 23)
        let inputs: [[[Double]]] = (0..<2).map { e in (0..<(130 - e)).map { _ in (0..<2).map { _ in rng.uniform(-1, 1) } } }
        let labels: [[Int]] = inputs.enumerated().map { e, seq in seq.indices.map { t in (e + t) % 3 } }
        let tagged = Dataset(name: "t", summary: "t", inputs: inputs, targets: .classSequences(labels))
        let one = Dataset(name: "t", summary: "t", inputs: [inputs[0]], targets: .classSequences([labels[0]]))
        for kind in CellKind.allCases {
            check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3), one, .xent)
            check(CellConfig(kind: kind, input: 2, hidden: 2, output: 3, bidirectional: true), tagged, .xent)
        }
        check(CellConfig(kind: .lstm, input: 2, hidden: 2, output: 3, layers: 2), tagged, .xent)
    }

    func testOneHotInputsHaveExactGradients() {
        for n in [1, 2, 5] {
            for kind in CellKind.allCases {
                check(CellConfig(kind: kind, input: 5, hidden: 3, output: 5), oneHotData(sequences: n), .xent)
            }
        }
        check(CellConfig(kind: .gru, input: 5, hidden: 2, output: 5, layers: 2, bidirectional: true), oneHotData(sequences: 2), .xent)
        check(CellConfig(kind: .lstm, input: 5, hidden: 2, output: 5, bidirectional: true), oneHotData(sequences: 5), .xent)
    }

    /// Picking a one-hot row's row of W_xᵀ rounds as the product does: the same loss, logits and
    /// gradient bits with the lookups on and off.
    func testOneHotLookupsGiveTheProductsBits() {
        for n in [1, 2, 5] {
            let data = oneHotData(sequences: n)
            for config in CellKind.allCases.map({ CellConfig(kind: $0, input: 5, hidden: 6, output: 5, bidirectional: n == 2) })
                + [CellConfig(kind: .lstm, input: 5, hidden: 3, output: 5, layers: 2)] {
                var rng = SplitMix64(seed: 31)
                let model = Model(config: config, rng: &rng)
                func run(lookups: Bool) -> (Engine.Result, [Double]) {
                    let engine = Engine(config: config)
                    engine.oneHotLookups = lookups
                    var g = [Double](repeating: 0, count: engine.parameterCount)
                    let r = g.withUnsafeMutableBufferPointer {
                        engine.run(model.flatValues, batch: Batch(inputs: data.inputs, target: data.targets, indices: Array(0..<n)),
                                   loss: .xent, gradient: $0.baseAddress!)
                    }
                    return (r, g)
                }
                let (on, gOn) = run(lookups: true), (off, gOff) = run(lookups: false)
                XCTAssertEqual(on.loss.bitPattern, off.loss.bitPattern, "\(config.kind) batch \(n)")
                XCTAssertEqual(on.logits, off.logits, "\(config.kind) batch \(n)")
                XCTAssertEqual(gOn, gOff, "\(config.kind) batch \(n)")
            }
        }
    }

    func testShardsGiveTheSameBitsOnOneCoreOrMany() throws {
        let data = shardedData(width: 2, classes: 3)
        var rng = SplitMix64(seed: 3)
        let model = Model(config: CellConfig(kind: .gru, input: 2, hidden: 5, output: 3, layers: 2), rng: &rng)
        let batch = Batch(inputs: data.inputs, target: data.targets, indices: Array(0..<data.count))
        func run(threads: Int) -> (Engine.Result, [Double]) {
            let engine = Engine(config: model.config)
            engine.threadLimit = threads
            var g = [Double](repeating: 0, count: engine.parameterCount)
            let r = g.withUnsafeMutableBufferPointer {
                engine.run(model.flatValues, batch: batch, loss: .xent, gradient: $0.baseAddress!, recordHiddenGradients: true)
            }
            return (r, g)
        }
        let (one, g1) = run(threads: 1), (three, g3) = run(threads: 3)
        XCTAssertEqual(one.loss.bitPattern, three.loss.bitPattern)
        XCTAssertEqual(g1, g3)
        XCTAssertEqual(one.logits, three.logits)
        XCTAssertEqual(one.hiddenGradientNorms, three.hiddenGradientNorms)
        // The logits come back in the batch's row order: T × B × O, as the step-by-step trace gives them.
        let O = 3, B = data.count
        for (b, seq) in data.inputs.enumerated() {
            let trace = try model.forward(seq).logits
            for t in seq.indices { for o in 0..<O { XCTAssertEqual(one.logits[(t * B + b) * O + o], trace[t][o], accuracy: 1e-12) } }
        }
        // ‖∂L/∂h_t‖ averaged over the sequences still running at t, across shard boundaries.
        let engine = Engine(config: model.config)
        var sums = [Double](repeating: 0, count: 6), counts = [Double](repeating: 0, count: 6)
        let terms = Double(batch.lossTerms(outputWidth: O))
        for (e, seq) in data.inputs.enumerated() {
            var g = [Double](repeating: 0, count: engine.parameterCount)
            let single = Batch(inputs: data.inputs, target: data.targets, indices: [e])
            let r = g.withUnsafeMutableBufferPointer {
                engine.run(model.flatValues, batch: single, loss: .xent, gradient: $0.baseAddress!, recordHiddenGradients: true)
            }
            // Alone, a sequence's loss is a mean over its own steps; in the batch, over all of them.
            let scale = Double(seq.count) / terms
            for t in seq.indices { sums[t] += r.hiddenGradientNorms[t] * scale; counts[t] += 1 }
        }
        for t in 0..<6 { XCTAssertEqual(one.hiddenGradientNorms[t], sums[t] / counts[t], accuracy: 1e-12) }
    }

    func testTruncatedBPTTCutsGradientsAtChunkBoundaries() throws {
        var rng = SplitMix64(seed: 2)
        let model = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, output: 1), rng: &rng)
        let seq: [[Double]] = [[1], [0], [0], [0]]
        let full = try model.backward(seq, target: .vectors([[1]]), loss: .mse)
        let cut = try model.backward(seq, target: .vectors([[1]]), loss: .mse, bptt: 2)
        XCTAssertEqual(full.loss, cut.loss)
        // Only steps 3 and 4 receive gradient when the state entering step 3 is detached.
        XCTAssertGreaterThan(full.hiddenGradientNorms[0], 0)
        XCTAssertEqual(cut.hiddenGradientNorms[0], 0)
        XCTAssertEqual(cut.hiddenGradientNorms[1], 0)
        XCTAssertEqual(cut.hiddenGradientNorms[3], full.hiddenGradientNorms[3], accuracy: 1e-15)
        // Input weights then only see x_3 and x_4, which are 0: their gradient vanishes.
        XCTAssertEqual(cut.gradients[0].values, [0, 0])
        XCTAssertNotEqual(full.gradients[0].values, [0, 0])
    }

    func testWorkedExampleGradientByHand() throws {
        // y_3 = W_hy (W_hh (W_hh W_xh x1 + W_xh x2) + W_xh x3) with everything 1: y = [32, 32].
        // L = mean((y − 0)²) = 1024; ∂L/∂y = y = [32, 32]; ∂L/∂h_3 = W_hyᵀ [32, 32] = [64, 64].
        var rng = SplitMix64(seed: 0)
        let m = Model(config: CellConfig(kind: .rnn, input: 2, hidden: 2, output: 2, activation: .linear, initializer: .ones, bias: false), rng: &rng)
        let r = try m.backward([[1, 1], [1, 1], [2, 2]], target: .vectors([[0, 0]]), loss: .mse)
        XCTAssertEqual(r.loss, 1024)
        XCTAssertEqual(r.hiddenGradientNorms[2], (64.0 * 64 * 2).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(r.hiddenGradientNorms[1], (128.0 * 128 * 2).squareRoot(), accuracy: 1e-12)  // W_hhᵀ doubles it
    }
}

final class TrainingTests: XCTestCase {
    func testSineNextValueLossFalls() throws {
        var rng = SplitMix64(seed: 3)
        var inputs: [[[Double]]] = [], targets: [[[Double]]] = []
        for _ in 0..<32 {
            let phase = rng.uniform(0, 6.28)
            let wave = (0..<13).map { sin(phase + 0.3 * Double($0)) }
            inputs.append(wave.prefix(12).map { [$0] })
            targets.append(wave.dropFirst().map { [$0] })
        }
        let data = Dataset(name: "sine", summary: "sine", inputs: inputs, targets: .vectorSequences(targets))
        let model = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 8, output: 1), rng: &rng)
        var o = TrainOptions()
        o.epochs = 30
        o.batch = 8
        o.lr = 0.02
        let r = try model.train(on: data, options: o)
        XCTAssertEqual(r.outcome, .completed)
        XCTAssertEqual(r.losses.count, 120)
        XCTAssertLessThan(r.losses.suffix(4).reduce(0, +) / 4, r.losses.prefix(4).reduce(0, +) / 4 * 0.2)
    }

    func testParityShortLengthIsLearnt() throws {
        var rng = SplitMix64(seed: 5)
        var inputs: [[[Double]]] = [], labels: [Int] = []
        for bits in 0..<8 {
            let b = (0..<3).map { Double((bits >> $0) & 1) }
            inputs.append(b.map { [$0] })
            labels.append(Int(b.reduce(0, +)) % 2)
        }
        let data = Dataset(name: "parity", summary: "parity", inputs: inputs, targets: .classes(labels))
        let model = Model(config: CellConfig(kind: .gru, input: 1, hidden: 8, output: 2), rng: &rng)
        var o = TrainOptions()
        o.epochs = 150
        o.batch = 8
        o.lr = 0.05
        let r = try model.train(on: data, options: o)
        let p = try r.model.predict(data)
        XCTAssertEqual(p.accuracy, 1.0)
    }

    func testInterruptKeepsLastCompletedStepAndDivergenceKeepsFiniteWeights() throws {
        var rng = SplitMix64(seed: 1)
        let data = Dataset(name: "t", summary: "t", inputs: [[[1], [2]], [[0.5], [1]]], targets: .vectors([[1], [2]]))
        let model = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, output: 1), rng: &rng)
        var o = TrainOptions()
        o.epochs = 10
        var calls = 0
        let r = try model.train(on: data, options: o, shouldStop: { calls += 1; return calls > 3 })
        XCTAssertEqual(r.outcome, .interrupted(completedSteps: 3))
        XCTAssertEqual(r.losses.count, 3)
        // The elapsed time is the caller's clock's (RNN reads none): here one tick a reading.
        var ticks = 0.0
        let timed = try model.train(on: data, options: o, clock: { ticks += 1; return ticks }, shouldStop: { ticks > 4 })
        XCTAssertEqual(timed.elapsed, ticks - 1)
        XCTAssertEqual(try model.train(on: data, options: o, shouldStop: { true }).elapsed, 0)
        var big = TrainOptions()
        big.optimizer = .sgd
        big.lr = 1e6
        big.epochs = 50
        let lin = Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, output: 1, activation: .linear), rng: &rng)
        let d = try lin.train(on: data, options: big)
        guard case .diverged = d.outcome else { return XCTFail("expected divergence, got \(d.outcome)") }
        XCTAssertTrue(d.model.flatValues.allSatisfy(\.isFinite))
    }

    /// train() clips as the update reads the gradient and leaves it zeroed for the next step; a
    /// plain loop (run, clip, step) gives the same weights bit for bit, for every optimizer and clipping.
    func testTrainingEqualsRunClipStepBitForBit() throws {
        let data = oneHotData(sequences: 5)
        var rng = SplitMix64(seed: 41)
        let model = Model(config: CellConfig(kind: .gru, input: 5, hidden: 4, output: 5), rng: &rng)
        for kind in OptimizerKind.allCases {
            for clipping in [Clipping.none, .value(0.05), .norm(0.1), .norm(100)] {
                var options = TrainOptions()
                options.optimizer = kind
                options.lr = 0.05
                options.batch = 2
                options.epochs = 2
                options.clipping = clipping
                let trained = try model.train(on: data, options: options)
                var theta = model.flatValues
                var optimizer = Optimizer(kind, lr: 0.05, count: theta.count)
                var order = SplitMix64(seed: options.seed)
                let engine = Engine(config: model.config)
                var losses: [Double] = []
                for _ in 0..<2 {
                    let permutation = order.permutation(data.count)
                    for s in stride(from: 0, to: data.count, by: 2) {
                        let batch = Batch(inputs: data.inputs, target: data.targets, indices: Array(permutation[s..<min(data.count, s + 2)]))
                        var g = [Double](repeating: 0, count: theta.count)
                        let r = g.withUnsafeMutableBufferPointer { engine.run(theta, batch: batch, loss: .xent, gradient: $0.baseAddress!) }
                        losses.append(r.loss)
                        clip(&g, clipping)
                        optimizer.step(&theta, g)
                    }
                }
                XCTAssertEqual(trained.losses, losses, "\(kind) \(clipping)")
                XCTAssertEqual(trained.model.flatValues, theta, "\(kind) \(clipping)")
            }
        }
    }

    func testOptimizersFollowTheirRules() {
        var theta = [1.0, -2.0]
        let g = [0.5, -0.25]
        var adam = Optimizer(.adam, lr: 0.1, count: 2)
        adam.step(&theta, g)
        // The first Adam step moves each weight by lr·sign(g) (up to eps).
        XCTAssertEqual(theta[0], 0.9, accuracy: 1e-7)
        XCTAssertEqual(theta[1], -1.9, accuracy: 1e-7)
        var t2 = [1.0]
        var mom = Optimizer(.momentum, lr: 0.1, count: 1)
        mom.step(&t2, [1])
        mom.step(&t2, [1])
        XCTAssertEqual(t2[0], 1 - 0.1 - 0.1 * 1.9, accuracy: 1e-15)
        var gn = [3.0, 4.0]
        XCTAssertEqual(clip(&gn, .norm(1)), 5)
        XCTAssertEqual(gn[0], 3 / (5 + 1e-6), accuracy: 1e-15)
        var gv = [3.0, -4.0, 0.5]
        clip(&gv, .value(1))
        XCTAssertEqual(gv, [1, -1, 0.5])
    }
}
