import VectorKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The losses, as PyTorch's MSELoss() and CrossEntropyLoss() define them (means).
public enum Loss: String, CaseIterable, Sendable {
    /// mean over every target element of (y − target)²
    case mse
    /// mean over every target of −log softmax(y)[class]; y read as logits
    case xent
}

/// A batch of examples laid out time-major for the engine: x[(t·B + b)·I + i].
public struct Batch: Sendable {
    public enum Target: Sendable {
        /// B × O: compared with y at each sequence's last step.
        case vectors([Double])
        /// B class indices, for y at each sequence's last step.
        case classes([Int])
        /// T × B × O, every valid step.
        case vectorSequences([Double])
        /// T × B class indices, every valid step.
        case classSequences([Int])
    }

    public var steps: Int
    public var size: Int
    public var width: Int
    public var x: [Double]
    /// For an embedding model: token ids, T × B time-major (−1 on padded steps), in place of x
    /// (then empty), so no one-hot row is laid out; nil otherwise.
    public var tokens: [Int]?
    public var lengths: [Int]
    public var target: Target

    /// Lays out examples (each T_b × I) and their targets; shorter sequences are padded and masked.
    /// `tokens`: keep each one-hot step's token id (Embedding.tokenID) instead of the row itself,
    /// as an embedding model reads them (the caller has checked that every step is one-hot or, for an
    /// unseen word, all zeros: that step's id is −1, like padding, so its x_t is the zero vector).
    public init(inputs: [[[Double]]], target: Dataset.Targets, indices: [Int], tokens: Bool = false) {
        size = indices.count
        steps = indices.map { inputs[$0].count }.max() ?? 0
        width = inputs[indices[0]].first?.count ?? 0
        lengths = indices.map { inputs[$0].count }
        if tokens {
            x = []
            var ids = [Int](repeating: -1, count: steps * size)
            for (b, e) in indices.enumerated() {
                for (t, step) in inputs[e].enumerated() { ids[t * size + b] = Embedding.tokenID(step) ?? -1 }
            }
            self.tokens = ids
        } else {
            x = [Double](repeating: 0, count: steps * size * width)
            for (b, e) in indices.enumerated() {
                for (t, step) in inputs[e].enumerated() {
                    let base = (t * size + b) * width
                    for i in 0..<width { x[base + i] = step[i] }
                }
            }
        }
        self.target = Batch.layOut(target, indices: indices, steps: steps, size: size)
    }

    /// A batch of token ids, an embedding model's input: `sequences[e]` is example e's ids and
    /// `vocabulary` the vocabulary's size (the width one-hot rows would have had).
    public init(tokens sequences: [[Int]], vocabulary: Int, target: Dataset.Targets, indices: [Int]) {
        size = indices.count
        steps = indices.map { sequences[$0].count }.max() ?? 0
        width = vocabulary
        lengths = indices.map { sequences[$0].count }
        x = []
        var ids = [Int](repeating: -1, count: steps * size)
        for (b, e) in indices.enumerated() { for (t, k) in sequences[e].enumerated() { ids[t * size + b] = k } }
        tokens = ids
        self.target = Batch.layOut(target, indices: indices, steps: steps, size: size)
    }

    /// The targets of examples `indices`, time-major.
    static func layOut(_ target: Dataset.Targets, indices: [Int], steps: Int, size: Int) -> Target {
        switch target {
        case let .vectors(v):
            return .vectors(indices.flatMap { v[$0] })
        case let .classes(c):
            return .classes(indices.map { c[$0] })
        case let .vectorSequences(v):
            let O = v[indices[0]].first?.count ?? 0
            var out = [Double](repeating: 0, count: steps * size * O)
            for (b, e) in indices.enumerated() {
                for (t, y) in v[e].enumerated() { for o in 0..<O { out[(t * size + b) * O + o] = y[o] } }
            }
            return .vectorSequences(out)
        case let .classSequences(c):
            var out = [Int](repeating: -1, count: steps * size)
            for (b, e) in indices.enumerated() { for (t, k) in c[e].enumerated() { out[t * size + b] = k } }
            return .classSequences(out)
        }
    }
}

/// Where each parameter lives in the flat parameter vector (the model's canonical order).
struct ParameterLayout {
    var offsets: [String: Int] = [:]
    var total = 0

    init(_ config: CellConfig) {
        for s in config.parameterSpecs {
            offsets[s.name] = total
            total += s.count
        }
    }

    func offset(_ name: String) -> Int? { offsets[name] }
}

/// Where one layer-direction's parameters live in the flat vector, gate by gate.
struct LayerOffsets {
    var W_x: [Int], W_h: [Int]
    /// b_g per gate (two biases: b_xg; gru's n gate: b_xn); nil without bias.
    var b: [Int]?
    /// Two biases: b_hg per gate the forward adds to b_xg (rnn, lstm: all; gru: r, z), which gets
    /// the same gradient; nil otherwise.
    var b_h: [Int]?
    /// gru's b_hn.
    var b_hn: Int?
}
