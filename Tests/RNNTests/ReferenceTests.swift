import XCTest
@testable import RNN

/// The fast engine against the readable reference (`Model.forward`, `Model.referenceGradients`):
/// the loss, every gradient, ‖∂L/∂h_t‖ and the logits, over the matrix of kinds, shapes, biases,
/// activations, masks (sequences of different lengths, padded in a batch), one-hot inputs, embeddings, a CRF, truncated
/// BPTT, shards, and the engine's gradient blocks. The two sum in different orders (the engine
/// over a batch and over fused gates, the reference example by example and gate by gate), so
/// they agree to 1e-12 relative rather than bit for bit.
final class ReferenceTests: XCTestCase {
    func assertClose(_ a: Double, _ b: Double, _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
        let scale = max(1, abs(a), abs(b))
        if abs(a - b) > 1e-12 * scale { XCTFail("\(what()): engine \(a), reference \(b)", file: file, line: line) }
    }

    /// Runs both on `data` and compares everything the engine returns.
    func check(_ config: CellConfig, _ data: Dataset, _ loss: Loss, bptt: Int? = nil, seed: UInt64 = 5,
               file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SplitMix64(seed: seed)
        let model = Model(config: config, rng: &rng)
        let what = "\(config.kind) L=\(config.layers) bi=\(config.bidirectional) bias=\(config.biasOption) embed=\(config.embed.map(String.init) ?? "-") crf=\(config.crf) \(loss) B=\(data.count) bptt=\(bptt.map(String.init) ?? "-")"
        let reference = try model.referenceGradients(data, loss: loss, bptt: bptt)
        let read = data.reading(loss: loss, outputWidth: config.outputWidth)
        let engine = Engine(config: config)
        var g = [Double](repeating: 0, count: engine.parameterCount)
        let batch = Batch(inputs: read.inputs, target: read.targets, indices: Array(0..<read.count), tokens: config.embed != nil)
        let r = g.withUnsafeMutableBufferPointer {
            engine.run(model.flatValues, batch: batch, loss: loss, gradient: $0.baseAddress!, bptt: bptt, recordHiddenGradients: true)
        }
        assertClose(r.loss, reference.loss, "\(what) loss", file: file, line: line)
        let flat = reference.gradients.flatMap(\.values)
        XCTAssertEqual(g.count, flat.count, what, file: file, line: line)
        XCTAssertTrue(flat.contains { $0 != 0 }, "\(what): a gradient of zeros tests nothing", file: file, line: line)
        for (i, (a, b)) in zip(g, flat).enumerated() {
            assertClose(a, b, "\(what) ∂L/∂θ[\(i)]", file: file, line: line)
        }
        XCTAssertEqual(r.hiddenGradientNorms.count, reference.hiddenGradientNorms.count, what, file: file, line: line)
        for (t, (a, b)) in zip(r.hiddenGradientNorms, reference.hiddenGradientNorms).enumerated() {
            assertClose(a, b, "\(what) ‖∂L/∂h_\(t + 1)‖", file: file, line: line)
        }
        // The logits the loss saw, against the forward trace's (time-major T × B × O, or B × O).
        let O = config.outputWidth, B = data.count
        for (b, seq) in read.inputs.enumerated() {
            let z = try model.forward(seq).logits
            if batch.isManyToMany {
                for t in seq.indices { for o in 0..<O { assertClose(r.logits[(t * B + b) * O + o], z[t][o], "\(what) z[\(t)][\(b)]", file: file, line: line) } }
            } else {
                for o in 0..<O { assertClose(r.logits[b * O + o], z[seq.count - 1][o], "\(what) z_T[\(b)]", file: file, line: line) }
            }
        }
    }

    /// Sequences of lengths 1 + e % spread (padding and masking in every batch of more than one).
    func data(_ n: Int, width: Int, spread: Int = 4, minimum: Int = 1, seed: UInt64 = 17) -> (inputs: [[[Double]]], lengths: [Int]) {
        var rng = SplitMix64(seed: seed)
        let lengths = (0..<n).map { minimum + $0 % spread }
        return (lengths.map { T in (0..<T).map { _ in (0..<width).map { _ in rng.uniform(-1, 1) } } }, lengths)
    }

    func targets(_ kind: String, lengths: [Int], width: Int) -> Dataset.Targets {
        var rng = SplitMix64(seed: 19)
        switch kind {
        case "vectors": return .vectors(lengths.map { _ in (0..<width).map { _ in rng.uniform(-1, 1) } })
        case "classes": return .classes(lengths.indices.map { $0 % width })
        case "vectorSequences": return .vectorSequences(lengths.map { T in (0..<T).map { _ in (0..<width).map { _ in rng.uniform(-1, 1) } } })
        default: return .classSequences(lengths.enumerated().map { e, T in (0..<T).map { t in (e + 2 * t) % width } })
        }
    }

    func set(_ n: Int, _ kind: String, width: Int = 2, out: Int, spread: Int = 4, minimum: Int = 1) -> Dataset {
        let (inputs, lengths) = data(n, width: width, spread: spread, minimum: minimum)
        return Dataset(name: "t", summary: "t", inputs: inputs, targets: targets(kind, lengths: lengths, width: out))
    }

    func testEveryKindAndTargetShape() throws {
        for kind in CellKind.allCases {
            for n in [1, 3] {
                try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 2), set(n, "vectors", out: 2), .mse)
                try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3), set(n, "classes", out: 3), .xent)
                try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 2), set(n, "vectorSequences", out: 2), .mse)
                try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3), set(n, "classSequences", out: 3), .xent)
            }
            // No output layer: y_t = h_t.
            try check(CellConfig(kind: kind, input: 2, hidden: 2), set(2, "vectorSequences", out: 2), .mse)
        }
    }

    func testStackedBidirectionalBiasesAndActivations() throws {
        for kind in CellKind.allCases {
            for bias in ["true", "single", "false"] {
                let config = CellConfig(kind: kind, input: 2, hidden: 3, output: 3, layers: 2, bidirectional: true,
                                        bias: bias != "false", singleBias: bias == "single")
                try check(config, set(3, "classSequences", out: 3), .xent)
                try check(config, set(2, "classes", out: 3), .xent)
            }
            try check(CellConfig(kind: kind, input: 2, hidden: 2, output: 2, layers: 3), set(3, "vectors", out: 2), .mse)
        }
        for act in Activation.allCases {
            try check(CellConfig(kind: .rnn, input: 2, hidden: 3, output: 2, bidirectional: true, activation: act), set(3, "vectorSequences", out: 2), .mse)
        }
    }

    func testTruncatedBPTT() throws {
        for kind in CellKind.allCases {
            for k in [1, 2, 3] {
                try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3, bidirectional: kind == .gru), set(3, "classSequences", out: 3, spread: 3, minimum: 5), .xent, bptt: k)
                try check(CellConfig(kind: kind, input: 2, hidden: 2, output: 1, layers: 2), set(2, "vectors", out: 1, minimum: 4), .mse, bptt: k)
            }
        }
    }

    /// One-hot rows (characters, words) take the engine's row lookup instead of a product; a
    /// zero row stands past a shorter sequence's end.
    func testOneHotInputs() throws {
        var rng = SplitMix64(seed: 29)
        let V = 5
        for n in [1, 2, 6] {
            let codes: [[Int]] = (0..<n).map { e in (0..<(4 + e % 3)).map { _ in rng.below(V) } }
            let data = Dataset(name: "t", summary: "t", inputs: codes.map { $0.map { k in (0..<V).map { $0 == k ? 1.0 : 0.0 } } },
                               targets: .classSequences(codes.map { $0.map { ($0 + 1) % V } }))
            for kind in CellKind.allCases {
                try check(CellConfig(kind: kind, input: V, hidden: 3, output: V, bidirectional: n == 2), data, .xent)
                try check(CellConfig(kind: kind, input: V, hidden: 3, output: V, embed: 2), data, .xent)
            }
            try check(CellConfig(kind: .lstm, input: V, hidden: 2, output: V, layers: 2, bidirectional: true, embed: 3), data, .xent)
        }
    }

    /// Single rows (fewer than four) on states wider than one panel: the products take their panels
    /// in alternating order step by step, and the backward ones read W_h unpacked, in column runs.
    func testSingleRowsAcrossSeveralPanels() throws {
        for kind in CellKind.allCases {
            for n in [1, 3] {
                try check(CellConfig(kind: kind, input: 2, hidden: 60, output: 3), set(n, "classSequences", out: 3, spread: 3, minimum: 4), .xent)
                try check(CellConfig(kind: kind, input: 2, hidden: 61, output: 2, layers: 2, bidirectional: true), set(n, "vectors", out: 2, minimum: 3), .mse)
            }
        }
    }

    /// An embedding model with an unseen word (the zero row, `Embedding.unknown`), many-to-one.
    func testEmbeddingWithAnUnknownWord() throws {
        let V = 4
        func row(_ k: Int?) -> [Double] { (0..<V).map { k == $0 ? 1 : 0 } }
        let data = Dataset(name: "t", summary: "t", inputs: [[row(0), row(nil), row(3)], [row(2), row(1)], [row(nil)]], targets: .classes([1, 0, 1]))
        for kind in CellKind.allCases {
            try check(CellConfig(kind: kind, input: V, hidden: 3, output: 2, bidirectional: true, embed: 2), data, .xent)
        }
    }

    func testCRFTagger() throws {
        for kind in CellKind.allCases {
            let config = CellConfig(kind: kind, input: 2, hidden: 3, output: 3, bidirectional: true, crf: true)
            let (inputs, lengths) = data(5, width: 2, spread: 4)
            let tags = Dataset.Targets.classSequences(lengths.enumerated().map { e, T in (0..<T).map { (e + $0) % 3 } })
            try check(config, Dataset(name: "t", summary: "t", inputs: inputs, targets: tags), .xent)
        }
    }

    /// 37 sequences: three shards (16, 16, 5) of blocked and single-row code; 20 sequences of
    /// 9–20 steps: the backward sweep's gradient blocks; 130 steps at batch 1: single rows over
    /// several blocks.
    func testShardsAndGradientBlocks() throws {
        for kind in CellKind.allCases {
            try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3), set(37, "classSequences", out: 3, spread: 6), .xent)
            try check(CellConfig(kind: kind, input: 2, hidden: 5, output: 1, bidirectional: true), set(20, "vectors", out: 1, spread: 12, minimum: 9), .mse)
            try check(CellConfig(kind: kind, input: 2, hidden: 3, output: 3), set(1, "classSequences", out: 3, minimum: 130), .xent)
        }
        try check(CellConfig(kind: .lstm, input: 2, hidden: 2, output: 2, layers: 2, bidirectional: true), set(18, "vectorSequences", out: 2, spread: 5), .mse)
        // Gates wider than Engine.panelGradientColumns: the W_h gradient from dA's panels, transposed.
        for kind in CellKind.allCases {
            let gates = CellConfig(kind: kind, input: 2, hidden: 1).gates.count
            try check(CellConfig(kind: kind, input: 2, hidden: Engine.panelGradientColumns / gates + 3, output: 2),
                      set(5, "vectors", out: 2, spread: 3, minimum: 2), .mse)
        }
    }

    /// The `backward` statement's numbers are the reference's, and checked against the engine on one example.
    func testTheBackwardStatementIsTheReference() throws {
        var rng = SplitMix64(seed: 9)
        let model = Model(config: CellConfig(kind: .gru, input: 2, hidden: 3, output: 2, layers: 2), rng: &rng)
        let seq: [[Double]] = [[0.5, -1], [0.25, 2], [-1, 0.3]]
        let shown = try model.backward(seq, target: .vectors([[0.3, -0.2]]), loss: .mse, bptt: 2)
        let reference = try model.referenceGradients(Dataset(name: "t", summary: "t", inputs: [seq], targets: .vectors([[0.3, -0.2]])), loss: .mse, bptt: 2)
        XCTAssertEqual(shown.loss.bitPattern, reference.loss.bitPattern)
        XCTAssertEqual(shown.gradients, reference.gradients)
        XCTAssertEqual(shown.hiddenGradientNorms, reference.hiddenGradientNorms)
        try check(model.config, Dataset(name: "t", summary: "t", inputs: [seq], targets: .vectors([[0.3, -0.2]])), .mse, bptt: 2, seed: 9)
    }
}
