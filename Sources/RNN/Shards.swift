import Dispatch
#if canImport(Glibc)
import Glibc
#endif

extension Batch {
    /// Whether the loss reads row r of the logits (B rows, or T × B with padded steps skipped).
    func isScored(row r: Int, manyToMany: Bool) -> Bool {
        if manyToMany && r / size >= lengths[r % size] { return false }
        switch target {
        case let .classes(k), let .classSequences(k): return k[r] >= 0
        case .vectors, .vectorSequences: return true
        }
    }

    /// Sequence b's last step among the time-major T × B rows: the state a many-to-one loss reads.
    func lastStepRow(_ b: Int) -> Int { (lengths[b] - 1) * size + b }

    var isManyToMany: Bool {
        switch target {
        case .vectors, .classes: return false
        case .vectorSequences, .classSequences: return true
        }
    }

    /// How many terms the loss averages over: every scored target element (mse) or class (xent).
    func lossTerms(outputWidth O: Int) -> Int {
        let many = isManyToMany
        let rows = many ? steps * size : size
        var n = 0
        for r in 0..<rows where isScored(row: r, manyToMany: many) { n += 1 }
        switch target {
        case .vectors, .vectorSequences: return n * O
        case .classes, .classSequences: return n
        }
    }

    /// The same batch with token ids in place of its one-hot rows (an embedding model's input);
    /// a row that is not one-hot becomes −1, a zero x_t (Model.check refuses such data first).
    func tokenized() -> Batch {
        guard tokens == nil else { return self }
        var b = self
        let I = width
        b.tokens = x.withUnsafeBufferPointer { xBuf in
            // Typed step by step: Swift 6.0's solver gave up on this as one expression.
            (0..<(steps * size)).map { (r: Int) -> Int in
                guard r / size < lengths[r % size] else { return -1 }
                let row: UnsafeBufferPointer<Double> = UnsafeBufferPointer(rebasing: xBuf[(r * I)..<((r + 1) * I)])
                return Embedding.tokenID(row) ?? -1
            }
        }
        b.x = []
        return b
    }

    /// Sequences lo..<hi of this batch, with the same number of steps.
    func slice(_ lo: Int, _ hi: Int) -> Batch {
        var b = self
        let n = hi - lo, I = width
        b.size = n
        b.lengths = Array(lengths[lo..<hi])
        if let tokens {
            var ids = [Int](repeating: -1, count: steps * n)
            for t in 0..<steps { for i in 0..<n { ids[t * n + i] = tokens[t * size + lo + i] } }
            b.tokens = ids
        } else {
            b.x = [Double](repeating: 0, count: steps * n * I)
            for t in 0..<steps {
                for i in 0..<(n * I) { b.x[t * n * I + i] = x[(t * size + lo) * I + i] }
            }
        }
        switch target {
        case let .vectors(v):
            let O = v.count / size
            b.target = .vectors(Array(v[(lo * O)..<(hi * O)]))
        case let .classes(c):
            b.target = .classes(Array(c[lo..<hi]))
        case let .vectorSequences(v):
            let O = v.count / (steps * size)
            var out = [Double](repeating: 0, count: steps * n * O)
            for t in 0..<steps { for i in 0..<(n * O) { out[t * n * O + i] = v[(t * size + lo) * O + i] } }
            b.target = .vectorSequences(out)
        case let .classSequences(c):
            var out = [Int](repeating: -1, count: steps * n)
            for t in 0..<steps { for i in 0..<n { out[t * n + i] = c[t * size + lo + i] } }
            b.target = .classSequences(out)
        }
        return b
    }
}

/// Forward and backward passes over batches. Gradients are exact for the loss as defined;
/// `bptt` detaches the hidden state every N steps.
///
/// A batch is cut into shards of `shardSize` sequences that run on separate cores, and their
/// gradients are added in shard order. The cut depends on the batch only, never on how many
/// cores there are, so the numbers are the same bits on every machine (RNNKERNEL_THREADS=1
/// runs the shards one after another).
public final class Engine {
    public let config: CellConfig
    /// Sequences per shard: enough rows for the matrix products to run at speed.
    public static let shardSize = 16

    /// Gate columns (G·H) up to which a blocked shard's W_h gradient is summed straight into the
    /// gradient, reading dA's rows as they are; wider, dA's rows lie so far apart (over 4 KB) that
    /// packing them into panels and transposing the sum once pays (lstm-large against lstm-adding).
    /// Either way gives the same bits.
    static let panelGradientColumns = 512
    private var shards: [ShardEngine] = []
    /// Each shard's own ∂L/∂θ, added in shard order once all have run.
    private var shardGradients: [Buffer<Double>] = []
    private let parameterTotal: Int

    /// Cores to use: RNNKERNEL_THREADS if set, else every active processor.
    static let threads = Settings.threads.value

    /// Cores this engine may use (tests vary it to show it does not change a bit).
    var threadLimit = Engine.threads

    /// Whether one-hot input rows pick their row of W_xᵀ instead of a product (tests turn it off
    /// to show it does not change a bit).
    var oneHotLookups = true

    public init(config: CellConfig) {
        self.config = config
        parameterTotal = ParameterLayout(config).total
    }

    public var parameterCount: Int { parameterTotal }

    /// What one forward-backward pass found.
    public struct Result {
        public var loss: Double
        /// Mean over the batch of ‖∂L/∂h_t‖ for the top layer, per time step (empty unless asked).
        public var hiddenGradientNorms: [Double]
        /// The logits the loss saw: B × O (many-to-one) or T × B × O (many-to-many).
        public var logits: [Double]
    }

    /// The loss of `batch` under parameters θ, and (when `gradient` is given) ∂L/∂θ added into it.
    public func run(_ theta: [Double], batch: Batch, loss: Loss, gradient: UnsafeMutablePointer<Double>?, bptt: Int? = nil,
                    recordHiddenGradients: Bool = false) -> Result {
        // An embedding model reads token ids: one-hot rows a caller gave become their ids.
        let batch = config.embed != nil ? batch.tokenized() : batch
        let O = config.outputWidth, B = batch.size, T = batch.steps
        let count = (B + Engine.shardSize - 1) / Engine.shardSize
        while shards.count < count { shards.append(ShardEngine(config: config)) }
        for shard in shards { shard.oneHotLookups = oneHotLookups }
        // A CRF's loss is a mean over sentences; the others' over scored steps or elements.
        let terms = config.crf && batch.isManyToMany ? B : batch.lossTerms(outputWidth: O)
        var losses = [Double](repeating: 0, count: count)
        if count == 1 {
            losses[0] = shards[0].run(theta, batch: batch, loss: loss, lossTerms: terms, gradient: gradient, bptt: bptt,
                                      recordHiddenGradients: recordHiddenGradients)
        } else {
            let parts = (0..<count).map { s in batch.slice(s * Engine.shardSize, min(B, (s + 1) * Engine.shardSize)) }
            if gradient != nil {
                while shardGradients.count < count { shardGradients.append(Buffer(parameterTotal)) }
            }
            let shards = self.shards
            losses.withUnsafeMutableBufferPointer { lossBuf in
                let lossP = lossBuf.baseAddress!
                let work = { (s: Int) in
                    let g = gradient == nil ? nil : self.shardGradients[s].base
                    g?.update(repeating: 0, count: self.parameterTotal)
                    lossP[s] = shards[s].run(theta, batch: parts[s], loss: loss, lossTerms: terms, gradient: g, bptt: bptt,
                                             recordHiddenGradients: recordHiddenGradients)
                }
                let threads = min(threadLimit, count)
                if threads == 1 {
                    for s in 0..<count { work(s) }
                } else {
                    DispatchQueue.concurrentPerform(iterations: threads) { w in
                        for s in stride(from: w, to: count, by: threads) { work(s) }
                    }
                }
            }
            if let gradient {
                for s in 0..<count {
                    let gs = shardGradients[s].base
                    for i in 0..<parameterTotal { gradient[i] += gs[i] }
                }
            }
        }
        var total = 0.0
        for l in losses { total += l }
        // The shards' logits and ‖∂L/∂h_t‖² back in the batch's row order.
        let many = batch.isManyToMany
        var logits = count == 1 ? shards[0].logits : [Double](repeating: 0, count: (many ? T * B : B) * O)
        var squares = count == 1 ? shards[0].hiddenGradSquares : [Double](repeating: 0, count: T * B)
        if count > 1 {
            for s in 0..<count {
                let lo = s * Engine.shardSize, n = min(B, lo + Engine.shardSize) - lo
                let part = shards[s].logits
                if many {
                    for t in 0..<T { for i in 0..<(n * O) { logits[(t * B + lo) * O + i] = part[(t * n) * O + i] } }
                } else {
                    for i in 0..<(n * O) { logits[lo * O + i] = part[i] }
                }
                if recordHiddenGradients {
                    let sq = shards[s].hiddenGradSquares
                    for t in 0..<T { for b in 0..<n { squares[t * B + lo + b] = sq[t * n + b] } }
                }
            }
        }
        var norms: [Double] = []
        if recordHiddenGradients && gradient != nil {
            norms = (0..<T).map { t in
                var s = 0.0, n = 0
                for b in 0..<B where t < batch.lengths[b] { s += squares[t * B + b].squareRoot(); n += 1 }
                return n > 0 ? s / Double(n) : 0
            }
        }
        return Result(loss: total, hiddenGradientNorms: norms, logits: logits)
    }
}
