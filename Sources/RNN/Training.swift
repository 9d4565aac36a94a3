import VectorKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The update rules, with PyTorch's default constants.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// p −= lr·g
    case sgd
    /// SGD(momentum=0.9): buf = 0.9·buf + g (buf = g at the first step); p −= lr·buf
    case momentum
    /// Adagrad(eps=1e-10): s += g²; p −= lr·g/(√s + eps)
    case adagrad
    /// RMSprop(alpha=0.99, eps=1e-8): v = α·v + (1−α)·g²; p −= lr·g/(√v + eps)
    case rmsprop
    /// Adam(betas=(0.9, 0.999), eps=1e-8), bias-corrected as torch.optim.Adam computes it
    case adam
}

/// How gradients are clipped before each update.
public enum Clipping: Equatable, Sendable {
    case none
    /// Scale all gradients by max/(‖g‖ + 1e-6) when the global norm exceeds max (clip_grad_norm_).
    case norm(Double)
    /// Clamp every gradient to [−c, c] (clip_grad_value_).
    case value(Double)
}

/// An optimizer's state over a flat parameter vector.
public struct Optimizer: Sendable {
    public let kind: OptimizerKind
    public let lr: Double
    var first: [Double]
    var second: [Double]
    public private(set) var steps = 0

    public init(_ kind: OptimizerKind, lr: Double, count: Int) {
        self.kind = kind
        self.lr = lr
        first = [Double](repeating: 0, count: count)
        second = [Double](repeating: 0, count: count)
    }

    /// One update of θ by the gradient g.
    public mutating func step(_ theta: inout [Double], _ g: [Double]) {
        var g = g
        theta.withUnsafeMutableBufferPointer { th in
            g.withUnsafeMutableBufferPointer { _ = step(from: UnsafePointer(th.baseAddress!), into: th.baseAddress!, gradient: $0.baseAddress!) }
        }
    }

    /// One update: θ read from `source`, the new θ written into `theta` (the same buffer or another),
    /// the gradient read (clipped, zeroed) as `read` says, all in one pass.
    public mutating func step(from source: UnsafePointer<Double>, into th: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>,
                              read: GradientRead = GradientRead()) -> Update.Outcome {
        steps += 1
        let n = first.count
        let lr = self.lr
        let bc1 = 1 - pow(0.9, Double(steps)), bc2 = 1 - pow(0.999, Double(steps))
        let kind = self.kind, steps = self.steps
        return first.withUnsafeMutableBufferPointer { mBuf in
        second.withUnsafeMutableBufferPointer { vBuf in
            let m = mBuf.baseAddress!, v = vBuf.baseAddress!
            switch kind {
            case .sgd:
                return Update.sgd(theta: th, source: source, g: g, read: read, count: n, lr: lr)
            case .momentum:
                return Update.momentum(theta: th, source: source, buffer: m, g: g, read: read, count: n, lr: lr, first: steps == 1)
            case .adagrad:
                return Update.adagrad(theta: th, source: source, v: v, g: g, read: read, count: n, lr: lr, eps: 1e-10)
            case .rmsprop:
                return Update.rmsprop(theta: th, source: source, v: v, g: g, read: read, count: n, lr: lr, alpha: 0.99, eps: 1e-8)
            case .adam:
                return Update.adam(theta: th, source: source, m: m, v: v, g: g, read: read, count: n, stepSize: lr / bc1, beta1: 0.9,
                                   beta2: 0.999, bc2Root: bc2.squareRoot(), eps: 1e-8)
            }
        }
        }
    }
}

/// Applies clipping in place; returns the gradient's global norm before clipping.
@discardableResult
public func clip(_ g: inout [Double], _ c: Clipping) -> Double {
    g.withUnsafeMutableBufferPointer { g in
        let n = g.count, p = g.baseAddress!
        let norm = Update.gradientSquares(p, count: n).squareRoot()
        switch c {
        case .none: break
        case let .value(limit):
            for i in 0..<n { p[i] = min(max(p[i], -limit), limit) }
        case let .norm(maxNorm):
            let coef = maxNorm / (norm + 1e-6)
            if coef < 1 { for i in 0..<n { p[i] *= coef } }
        }
        return norm
    }
}

/// Everything `train` can be told.
public struct TrainOptions: Equatable, Sendable {
    public var epochs = 1
    public var lr = 0.01
    public var optimizer = OptimizerKind.adam
    public var batch = 1
    public var clipping = Clipping.none
    /// nil: from the data (xent for classes, mse for numbers).
    public var loss: Loss?
    public var bptt: Int?
    public var seed: UInt64 = 0

    public init() {}
}

/// Where training is, for the progress line.
public struct Progress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var step: Int
    public var totalSteps: Int
    public var loss: Double
    public var elapsed: Double
    /// The latest validation (after the last completed epoch), when train was given a validation set.
    public var validation: EpochValidation? = nil
    public var stepsPerSecond: Double { elapsed > 0 ? Double(step) / elapsed : 0 }
    public var secondsLeft: Double { step > 0 ? elapsed / Double(step) * Double(totalSteps - step) : 0 }
}

/// How a run ended.
public enum TrainOutcome: Equatable, Sendable {
    case completed
    /// Stopped by an interrupt after `completedSteps`.
    case interrupted(completedSteps: Int)
    /// The loss or a weight became NaN or infinite at step `step`; the weights are those before it.
    case diverged(step: Int)
}

/// What a run produced: the model after the last good step, the loss per step, and how it ended.
public struct TrainResult: Sendable {
    public var model: Model
    public var losses: [Double]
    public var outcome: TrainOutcome
    public var elapsed: Double
    public var loss: Loss
    /// The validation after every completed epoch, when train was given a validation set.
    public var validation: [EpochValidation] = []
}

extension Model {
    /// Checks that a dataset fits this model, naming what was expected and found.
    public func check(_ data: Dataset, loss: Loss) throws {
        guard data.count > 0 else { throw ModelError(.value, "expected a dataset with at least one example, found none") }
        if config.bow != nil {
            guard case .classes = data.targets, data.inputVocabulary != nil else {
                throw ModelError(.value, "a bow model reads a sentence and gives it one label: expected sentences(...) data (words and a label each), found \(data.summary)")
            }
        }
        try checkCRF(data, loss: loss)
        for (e, seq) in data.inputs.enumerated() {
            guard !seq.isEmpty else { throw ModelError(.shape, "expected every example to have at least one step, found an empty one (example \(e + 1))") }
            for x in seq {
                guard x.count == config.input else {
                    throw ModelError(.shape, "the model reads x_t of width \(config.input) (input=\(config.input)), but the data's x_t have width \(x.count); define the cell with input=\(x.count)")
                }
                if config.embed != nil, Embedding.tokenOrUnknown(x) == nil {
                    throw ModelError(.value, "an embedding model (embed=\(config.embed!)) reads one token a step, but example \(e + 1) has an x_t that is not one-hot over its \(config.input)-token vocabulary; give it words or characters (sentences, tagged, text)")
                }
                if x.contains(where: { !$0.isFinite }) { throw ModelError(.value, "expected finite numbers in the data, found NaN or infinity in example \(e + 1)") }
            }
        }
        if let r = data.raggedTargetStep {
            throw ModelError(.shape, "expected every step of the target sequences to have \(r.expected) value\(r.expected == 1 ? "" : "s") (as example 1's first step has), found \(r.width) in example \(r.example + 1) at t=\(r.step + 1)", about: .target)
        }
        let O = config.outputWidth
        let noOutputLayer = config.output == nil ? " (no output layer: y_t = h_t)" : ""
        if data.isClassification {
            // The classes are y_t's logits: a dataset that happens to hold fewer labels is fine.
            if let names = data.classNames, names.count > O {
                throw ModelError(.shape, "the model's y_t has width \(O)\(noOutputLayer), but the data has \(names.count) classes; use output=\(names.count)", about: .target)
            }
            let labels: [Int]
            switch data.targets {
            case let .classes(c): labels = c
            case let .classSequences(c): labels = c.flatMap { $0 }
            default: labels = []
            }
            if let bad = labels.first(where: { $0 < 0 || $0 >= O }) {
                throw ModelError(.value, "class \(bad) is out of range: the model's y_t has width \(O)\(noOutputLayer), so the classes are 0 to \(O - 1); use output=\(max(bad + 1, O))", about: .target)
            }
        } else {
            let need = data.targetWidth
            guard O == need else {
                throw ModelError(.shape, "the model's y_t has width \(O)\(noOutputLayer), but the data has targets of width \(need); use output=\(need)", about: .target)
            }
            if case let .vectors(v) = data.targets, let e = v.firstIndex(where: { $0.count != need }) {
                throw ModelError(.shape, "expected every target vector to have \(need) values, found \(v[e].count) in example \(e + 1)", about: .target)
            }
        }
        if loss == .xent && !data.isClassification {
            throw ModelError(.value, "loss=xent needs class targets, but the data's targets are numbers; use loss=mse", about: .option("loss"))
        }
        if loss == .mse && data.isClassification {
            throw ModelError(.value, "loss=mse needs numeric targets, but the data's targets are classes; use loss=xent", about: .option("loss"))
        }
        switch data.targets {
        case let .vectorSequences(v):
            for (e, seq) in v.enumerated() where seq.count != data.inputs[e].count {
                throw ModelError(.shape, "example \(e + 1) has \(data.inputs[e].count) steps but \(seq.count) targets", about: .target)
            }
            if v.contains(where: { $0.contains(where: { $0.contains(where: { !$0.isFinite }) }) }) {
                throw ModelError(.value, "expected finite numbers in the targets, found NaN or infinity", about: .target)
            }
        case let .classSequences(c):
            for (e, seq) in c.enumerated() where seq.count != data.inputs[e].count {
                throw ModelError(.shape, "example \(e + 1) has \(data.inputs[e].count) steps but \(seq.count) targets", about: .target)
            }
        case let .vectors(v):
            if v.contains(where: { $0.contains(where: { !$0.isFinite }) }) {
                throw ModelError(.value, "expected finite numbers in the targets, found NaN or infinity", about: .target)
            }
        case .classes: break
        }
    }

    /// Refuses to differentiate a loss that no weight can move: cross-entropy over one logit.
    func checkLossCanChange(_ loss: Loss) throws {
        if loss == .xent && config.outputWidth == 1 {
            throw ModelError(.value, "cross-entropy over y_t of width 1 is 0 whatever the weights (the softmax of one logit is always 1), so there is nothing to learn: give the model one output per class (output=2 for two classes), or use loss=mse", about: .option("loss"))
        }
    }

    /// Splits a flat vector in canonical order into tensors shaped like the parameters.
    public func unflatten(_ flat: [Double]) -> [Tensor] {
        var out: [Tensor] = []
        var o = 0
        for s in specs {
            out.append(Tensor(shape: s.shape, values: Array(flat[o..<(o + s.count)])))
            o += s.count
        }
        return out
    }

    /// The same model with parameters from a flat vector.
    public func with(flat: [Double]) -> Model {
        var m = self
        m.parameters = unflatten(flat)
        return m
    }

    /// Trains on `data`. `progress` is called after every step; `shouldStop` is polled between steps.
    /// With `validation`, the loss (and accuracy or perplexity) on it is measured after every epoch,
    /// without training on it; a validation set that does not fit is refused before the first step.
    /// `clock`: seconds from any fixed start, for the elapsed times (the numeric core reads no clock
    /// of its own; without one they are 0).
    public func train(on data: Dataset, options: TrainOptions, validation: Dataset? = nil, clock: () -> Double = { 0 },
                      progress: (Progress) -> Void = { _ in },
                      shouldStop: () -> Bool = { false }) throws -> TrainResult {
        let data = data.reading(loss: options.loss, outputWidth: config.outputWidth)
        let loss = options.loss ?? (data.isClassification ? .xent : .mse)
        try check(data, loss: loss)
        try checkLossCanChange(loss)
        let heldOut = try validation.map { try checkValidation($0, like: data, loss: loss) }
        var validations: [EpochValidation] = []
        guard options.epochs >= 1, options.batch >= 1 else { throw ModelError(.value, "expected epochs and batch of at least 1", about: .statement) }
        guard options.lr.isFinite, options.lr > 0 else { throw ModelError(.value, "expected lr to be a positive number, found \(formatValue(options.lr))", about: .option("lr")) }
        // A bow model's φ rows are computed once; its step is BagOfWords.loss, the rest of the loop is shared.
        let engine = config.bow == nil ? Engine(config: config) : nil
        let phi = bagFeatures(data)
        var theta = flatValues
        var g = [Double](repeating: 0, count: theta.count)
        // θ before the step in progress, kept so a step that diverges can be undone.
        var before = theta
        var optimizer = Optimizer(options.optimizer, lr: options.lr, count: theta.count)
        var rng = SplitMix64(seed: options.seed)
        let stepsPerEpoch = (data.count + options.batch - 1) / options.batch
        // One loss is kept per step: the count is checked (and cannot overflow) before the list is made.
        try Budget.check(Sizes.product(stepsPerEpoch, options.epochs), \.maxDatasetValues, "the losses of \(options.epochs) epochs of \(stepsPerEpoch) steps")
        let total = stepsPerEpoch * options.epochs
        var losses: [Double] = []
        losses.reserveCapacity(total)
        let start = clock()
        var step = 0
        for epoch in 0..<options.epochs {
            let order = rng.permutation(data.count)
            for s in 0..<stepsPerEpoch {
                if shouldStop() {
                    return TrainResult(model: with(flat: theta), losses: losses, outcome: .interrupted(completedSteps: step), elapsed: clock() - start, loss: loss, validation: validations)
                }
                let indices = Array(order[(s * options.batch)..<min(data.count, (s + 1) * options.batch)])
                // g holds zeros here: the update below reads the gradient and leaves zeros behind.
                let stepLoss = g.withUnsafeMutableBufferPointer { gp in
                    guard let engine else { return bagLoss(theta, phi: phi, data: data, indices: indices, gradient: gp.baseAddress!) }
                    let batch = batch(data, indices)
                    return engine.run(theta, batch: batch, loss: loss, gradient: gp.baseAddress!, bptt: options.bptt).loss
                }
                guard stepLoss.isFinite else {
                    return TrainResult(model: with(flat: theta), losses: losses, outcome: .diverged(step: step + 1), elapsed: clock() - start, loss: loss, validation: validations)
                }
                // Clipping by value (and none) happens as the update reads g; clipping by norm needs
                // the norm first, and then scales as the update reads.
                var read = GradientRead(zeroing: true)
                var normFirst: Double?
                switch options.clipping {
                case .none: break
                case let .value(limit): read.limit = limit
                case let .norm(maxNorm):
                    let norm = g.withUnsafeBufferPointer { Update.gradientSquares($0.baseAddress!, count: $0.count) }.squareRoot()
                    guard norm.isFinite else {
                        return TrainResult(model: with(flat: theta), losses: losses, outcome: .diverged(step: step + 1), elapsed: clock() - start, loss: loss, validation: validations)
                    }
                    normFirst = norm
                    let coef = maxNorm / (norm + 1e-6)
                    if coef < 1 { read.scale = coef }
                }
                // θ before the step moves to `before` (a swap, not a copy); the update writes the new θ over the older buffer.
                swap(&theta, &before)
                let outcome = before.withUnsafeBufferPointer { b in
                    theta.withUnsafeMutableBufferPointer { th in
                        g.withUnsafeMutableBufferPointer { optimizer.step(from: b.baseAddress!, into: th.baseAddress!, gradient: $0.baseAddress!, read: read) }
                    }
                }
                let gradNorm = normFirst ?? outcome.gradientSquares.squareRoot()
                if !gradNorm.isFinite || !outcome.finite {
                    return TrainResult(model: with(flat: before), losses: losses, outcome: .diverged(step: step + 1), elapsed: clock() - start, loss: loss, validation: validations)
                }
                step += 1
                losses.append(stepLoss)
                if let heldOut, s == stepsPerEpoch - 1 {
                    // Scored with the epoch's final weights; an interrupt here keeps every completed step.
                    do {
                        validations.append(EpochValidation(epoch: epoch + 1, step: step, evaluation: try with(flat: theta).evaluate(heldOut, loss: loss)))
                    } catch is Interrupted {
                        return TrainResult(model: with(flat: theta), losses: losses, outcome: .interrupted(completedSteps: step), elapsed: clock() - start, loss: loss, validation: validations)
                    }
                }
                progress(Progress(epoch: epoch + 1, epochs: options.epochs, step: step, totalSteps: total, loss: stepLoss, elapsed: clock() - start,
                                  validation: validations.last))
            }
        }
        return TrainResult(model: with(flat: theta), losses: losses, outcome: .completed, elapsed: clock() - start, loss: loss, validation: validations)
    }

    /// y_t (after output_activation) for each example, the mean loss against its targets, the
    /// accuracy for classes, and a tagger's paths: Viterbi's with a CRF, each step's argmax of the
    /// logits without (many-to-many classes only; nil otherwise).
    public func predict(_ data: Dataset) throws -> (outputs: [[[Double]]], loss: Double?, accuracy: Double?, paths: [[Int]]?) {
        let data = data.reading(loss: nil, outputWidth: config.outputWidth)
        let tags = data.isManyToMany && data.isClassification
        let crf = self.crf
        var outputs: [[[Double]]] = [], paths: [[Int]] = []
        for (e, seq) in data.inputs.enumerated() {
            if e & 63 == 63 { try Interruption.check() }
            let trace = try forward(seq)
            outputs.append(trace.outputs)
            if let crf { paths.append(crf.viterbi(emissions: trace.logits).path) } else if tags { paths.append(trace.logits.map(argmax)) }
        }
        try Interruption.check()
        let loss: Loss = data.isClassification ? .xent : .mse
        try check(data, loss: loss)
        let meanLoss = self.meanLoss(data, loss: loss)
        var accuracy: Double?
        if crf != nil, case let .classSequences(c) = data.targets {
            // Viterbi's paths, not each step's argmax: the CRF scores whole sequences.
            var right = 0, n = 0
            for (p, gold) in zip(paths, c) { for (a, b) in zip(p, gold) { n += 1; if a == b { right += 1 } } }
            accuracy = n > 0 ? Double(right) / Double(n) : nil
        } else if data.isClassification {
            var right = 0, n = 0
            for (e, out) in outputs.enumerated() {
                switch data.targets {
                case let .classes(c): n += 1; if argmax(out.last!) == c[e] { right += 1 }
                case let .classSequences(c): for (t, k) in c[e].enumerated() { n += 1; if argmax(out[t]) == k { right += 1 } }
                default: break
                }
            }
            accuracy = n > 0 ? Double(right) / Double(n) : nil
        }
        return (outputs, meanLoss, accuracy, crf != nil || tags ? paths : nil)
    }

    /// The engine's batch of examples `indices` of `data`: token ids for an embedding model, x_t rows otherwise.
    public func batch(_ data: Dataset, _ indices: [Int]) -> Batch {
        Batch(inputs: data.inputs, target: data.targets, indices: indices, tokens: config.embed != nil)
    }

    /// Generates `length` symbols: feeds `prime`, then draws each next symbol from softmax(logits/temperature).
    /// temperature=0 is greedy decoding: the argmax of the logits (the first on a tie), no draw at all.
    public func sample(vocabulary: [String], prime: [Int], length: Int, temperature: Double, seed: UInt64) throws -> [Int] {
        try requireRecurrent("sample")
        guard !config.bidirectional else {
            throw ModelError(.value, "sampling needs a one-directional model: a bidirectional one reads the future", about: .model)
        }
        guard vocabulary.count == config.input, config.outputWidth == vocabulary.count else {
            throw ModelError(.shape, "expected a model with input=\(vocabulary.count) and output=\(vocabulary.count) (the vocabulary's size), found input=\(config.input), y_t width \(config.outputWidth)", about: .model)
        }
        guard temperature >= 0, temperature.isFinite else { throw ModelError(.value, "expected temperature >= 0, found \(formatValue(temperature))") }
        guard !prime.isEmpty else { throw ModelError(.value, "expected a prime of at least one symbol") }
        var rng = SplitMix64(seed: seed)
        // <unk> (column -1) is the zero row.
        func oneHot(_ k: Int) -> [Double] { (0..<vocabulary.count).map { $0 == k ? 1 : 0 } }
        // One step a symbol: the stepper keeps the state, so the prefix is never read again.
        var stepper = try ModelStepper(self)
        var logits: [Double] = []
        for k in prime { logits = try stepper.step(oneHot(k)).logits }
        var out: [Int] = []
        for n in 0..<length {
            if n & 0x3F == 0 { try Interruption.check() }
            let scaled = logits.map { $0 / temperature }
            var k = 0
            // A temperature so small that y/T overflows is T → 0: the greedy choice (softmax would be NaN).
            if temperature == 0 || !scaled.allSatisfy(\.isFinite) {
                for j in logits.indices where logits[j] > logits[k] { k = j }
            } else {
                let p = softmax(scaled)
                var u = rng.uniform()
                while k < p.count - 1, u >= p[k] { u -= p[k]; k += 1 }
            }
            out.append(k)
            if n + 1 < length { logits = try stepper.step(oneHot(k)).logits }
        }
        return out
    }
}
