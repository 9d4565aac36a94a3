#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Seq2Seq {
    /// Weights drawn as PyTorch's modules draw them: embeddings N(0, 1) (`nn.Embedding`), every
    /// other weight and bias U(−1/√H, 1/√H) (`nn.GRU`, and `nn.Linear` whose inputs are all H wide).
    public static func initialized(_ config: Config, seed: UInt64) -> Seq2Seq {
        var rng = SplitMix64(seed: seed)
        let k = 1 / Double(config.hidden).squareRoot()
        var theta: [Double] = []
        for s in config.specs {
            if s.name.hasSuffix("embedding.weight") {
                for _ in 0..<s.count { theta.append(rng.normal()) }
            } else {
                for _ in 0..<s.count { theta.append(rng.uniform(-k, k)) }
            }
        }
        return Seq2Seq(config: config, theta: theta)
    }

    /// How a seq2seq run is told to train.
    public struct TrainSettings: Sendable {
        public var epochs = 1
        public var batch = 32
        public var lr = 0.01
        public var optimizer = OptimizerKind.adam
        /// The chance that a decoder step is fed the true previous token; below 1 the model's own choice otherwise.
        public var teacherForcing = 1.0
        /// Gradient norm clipping; nil for none.
        public var clip: Double?
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Mini-batch training, examples shuffled every epoch from `seed`; each step's loss is the
    /// mean cross-entropy over the batch's real target tokens. Stops on `shouldStop` (keeping the
    /// completed steps) or at a non-finite loss or weight (keeping the weights before that step).
    /// `clock`: seconds from any fixed start, for the elapsed times (0 without one).
    public func train(_ pairs: [(source: [Int], target: [Int])], _ s: TrainSettings, clock: () -> Double = { 0 },
                      progress: (Progress) -> Void, shouldStop: () -> Bool) -> (model: Seq2Seq, losses: [Double], outcome: TrainOutcome, elapsed: Double) {
        var model = self
        var rng = SplitMix64(seed: s.seed)
        var opt = Optimizer(s.optimizer, lr: s.lr, count: theta.count)
        let perEpoch = (pairs.count + s.batch - 1) / s.batch
        let total = perEpoch * s.epochs
        var losses: [Double] = []
        let started = clock()
        // The batched engine (Seq2SeqEngine); the reference lossAndGradient is its test oracle.
        let engine = Seq2SeqEngine(config)
        var g = [Double](repeating: 0, count: theta.count)
        for epoch in 1...s.epochs {
            let order = rng.permutation(pairs.count)
            for b in 0..<perEpoch {
                if shouldStop() { return (model, losses, .interrupted(completedSteps: losses.count), clock() - started) }
                let batch = order[(b * s.batch)..<min(pairs.count, (b + 1) * s.batch)].map { pairs[$0] }
                // One draw per decoder step, in example then step order, so a seed repeats the run.
                var feed: [[Bool]] = []
                if s.teacherForcing < 1 { feed = batch.map { p in p.target.map { _ in rng.uniform() < s.teacherForcing } } }
                let loss = engine.lossAndGradient(model, batch, bos: Seq2SeqVocabulary.bos, teacher: { e, t in feed.isEmpty || feed[e][t] },
                                                  into: &g)
                if let c = s.clip {
                    let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if norm > c { for i in g.indices { g[i] *= c / norm } }
                }
                var next = model.theta
                opt.step(&next, g)
                guard loss.isFinite, next.allSatisfy(\.isFinite) else {
                    return (model, losses, .diverged(step: losses.count + 1), clock() - started)
                }
                model.theta = next
                losses.append(loss)
                progress(Progress(epoch: epoch, epochs: s.epochs, step: losses.count, totalSteps: total, loss: loss, elapsed: clock() - started))
            }
        }
        return (model, losses, .completed, clock() - started)
    }

    /// A translation with, for each output word, the attention weights over the source.
    public struct Translation: Equatable, Sendable {
        /// Target ids, `<eos>` not included.
        public var tokens: [Int]
        /// weights[t][s]: output step t's attention on source word s (empty without attention).
        public var weights: [[Double]]
        /// Length-normalised log-probability (log p / tokens with `<eos>`).
        public var score: Double
        /// Whether `<eos>` ended it.
        public var finished: Bool
    }

    /// Greedy decoding for `beam` 1, beam search otherwise (BeamSearch), from the encoder's final state.
    public func translate(_ source: [Int], beam: Int, maxLength: Int) -> Translation {
        var base = Trace()
        let state = encode(source, into: &base)
        let r = BeamSearch.search(initial: state, bos: Seq2SeqVocabulary.bos, eos: Seq2SeqVocabulary.eos,
                                  beam: beam, maxLength: maxLength) { h, previous in
            var trace = base, next = h
            let logits = decodeStep(previous, state: &next, &trace)
            let m = logits.max()!
            let lse = m + log(logits.reduce(0) { $0 + exp($1 - m) })
            return (logits.map { $0 - lse }, next)
        }
        // The weights of the chosen path: re-run it, so each output word has its own row.
        var trace = base, st = state, previous = Seq2SeqVocabulary.bos
        for t in r.tokens {
            _ = decodeStep(previous, state: &st, &trace)
            previous = t
        }
        return Translation(tokens: r.tokens, weights: trace.weights, score: r.score, finished: r.finished)
    }

    /// The teacher-forced trace for `unroll`: encoder steps, and every decoder step's query, weights, context and state.
    public func trace(source: [Int], target: [Int]) -> Trace { forward(source: source, target: target, bos: Seq2SeqVocabulary.bos) }

    /// The encoder's top-layer output h_t at every source step, and each layer's state at every decoder step.
    public func decoderStates(_ trace: Trace) -> [[Double]] { trace.decoder.map { $0[$0.count - 1].out } }

    /// An LSTM's top-layer cell state c_t at every encoder and every decoder step (empty for a GRU).
    public func cellStates(_ trace: Trace) -> (encoder: [[Double]], decoder: [[Double]]) {
        guard config.cell == .lstm else { return ([], []) }
        return (trace.encoder.map { $0[$0.count - 1].c }, trace.decoder.map { $0[$0.count - 1].c })
    }
}
