#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model's score on data, the weights unchanged: the mean loss, the accuracy for class targets,
/// and the perplexity for language models.
public struct Evaluation: Equatable, Sendable {
    public var loss: Double
    /// The fraction of class targets (one a sequence, or one a step) whose argmax is right; nil for numbers.
    public var accuracy: Double?
    /// exp(mean cross-entropy), for next-symbol data (see `Dataset.isLanguageModel`).
    public var perplexity: Double?

    public init(loss: Double, accuracy: Double? = nil, perplexity: Double? = nil) {
        self.loss = loss
        self.accuracy = accuracy
        self.perplexity = perplexity
    }
}

/// The validation measured after one epoch of training.
public struct EpochValidation: Equatable, Sendable {
    public var epoch: Int
    /// Steps taken when it was measured (the x of the validation curve beside the per-step loss).
    public var step: Int
    public var evaluation: Evaluation

    public init(epoch: Int, step: Int, evaluation: Evaluation) {
        self.epoch = epoch
        self.step = step
        self.evaluation = evaluation
    }
}

extension Dataset {
    /// Next-symbol data (a character or word language model): the input symbols are the classes,
    /// with a target at every step.
    public var isLanguageModel: Bool {
        isManyToMany && isClassification && inputVocabulary != nil && inputVocabulary == classNames
    }
}

/// The perplexity of a mean cross-entropy (natural log): e^loss.
public func perplexity(ofCrossEntropy loss: Double) -> Double { exp(loss) }

/// Counts of true class (row) against predicted class (column).
public struct ConfusionMatrix: Equatable, Sendable {
    /// counts[true][predicted]
    public private(set) var counts: [[Int]]

    public init(classes: Int) {
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    }

    public var classes: Int { counts.count }

    public mutating func add(truth: Int, predicted: Int) {
        guard truth >= 0, predicted >= 0, truth < classes, predicted < classes else { return }
        counts[truth][predicted] += 1
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0..<classes).reduce(0) { $0 + counts[$1][$1] } }
}

/// The index of the largest value (the first on a tie): the predicted class of a row of logits.
public func argmax(_ v: [Double]) -> Int {
    var k = 0
    for j in v.indices where v[j] > v[k] { k = j }
    return k
}

extension Model {
    /// Checks that `validation` can be scored beside `training` (already read for `loss`): the same
    /// x_t width, the same kind of targets, the same symbols and labels under the same ids. Returns
    /// the validation data read as the training data is. Errors name what was expected.
    public func checkValidation(_ validation: Dataset, like training: Dataset, loss: Loss) throws -> Dataset {
        let v = validation.reading(loss: loss, outputWidth: config.outputWidth)
        func fail(_ kind: ModelError.Kind, _ message: String) -> ModelError { ModelError(kind, message, about: .option("validation")) }
        guard v.count > 0 else { throw fail(.value, "expected a validation set with at least one example, found none") }
        func kind(_ d: Dataset) -> String {
            switch d.targets {
            case .classes: return "one class per sequence (many-to-one)"
            case .classSequences: return "one class per step (many-to-many)"
            case .vectors: return "one target vector per sequence (many-to-one)"
            case .vectorSequences: return "a target at every step (many-to-many)"
            }
        }
        if v.isClassification != training.isClassification || v.isManyToMany != training.isManyToMany {
            throw fail(.shape, "expected validation data like the training data, \(kind(training)), found \(kind(v))")
        }
        // Ids must mean the same symbols: a dataset numbers its own words, characters and labels.
        func sameIds(_ ours: [String]?, _ theirs: [String]?, _ what: String) throws {
            guard let ours, let theirs else { return }
            for (i, s) in theirs.enumerated() where ours.firstIndex(of: s) != i {
                let there = ours.firstIndex(of: s).map { "id \($0) in the training data" } ?? "not in the training data"
                throw fail(.value, "expected the validation data to number its \(what) as the training data does (\(ours.count) \(what): \(preview(ours))), "
                    + "found '\(s)' as id \(i) (\(there))")
            }
        }
        if let tv = training.inputVocabulary, let vv = v.inputVocabulary, tv != vv {
            try sameIds(tv, vv, "symbols")
            if vv.count != tv.count {
                throw fail(.shape, "expected the validation data to have the training data's \(tv.count) symbols, found \(vv.count)")
            }
        }
        try sameIds(training.classNames, v.classNames, "labels")
        let I = training.inputWidth
        if let w = v.inputs.first(where: { $0.contains { $0.count != I } })?.first(where: { $0.count != I })?.count {
            throw fail(.shape, "expected validation data whose x_t have width \(I), as the training data's do, found width \(w)")
        }
        if !training.isClassification, v.targetWidth != training.targetWidth {
            throw fail(.shape, "expected validation targets of width \(training.targetWidth), as the training data's are, found \(v.targetWidth)")
        }
        do { try check(v, loss: loss) } catch let e as ModelError { throw fail(e.kind, "in the validation data: " + e.message) }
        return v
    }

    /// The mean loss over every example of `data`, already read and checked for `loss`: a bow
    /// model's is its linear classifier's cross-entropy, a cell's the engine's loss. Nothing is trained.
    public func meanLoss(_ data: Dataset, loss: Loss) -> Double {
        let all = Array(0..<data.count)
        if config.bow != nil { return bagLoss(flatValues, phi: bagFeatures(data), data: data, indices: all, gradient: nil) }
        return Engine(config: config).run(flatValues, batch: batch(data, all), loss: loss, gradient: nil).loss
    }

    /// The mean loss on `data` (read for `loss`), its accuracy for class targets and perplexity for
    /// language models; the weights are not changed and nothing is trained.
    public func evaluate(_ data: Dataset, loss: Loss) throws -> Evaluation {
        let data = data.reading(loss: loss, outputWidth: config.outputWidth)
        try check(data, loss: loss)
        let l = meanLoss(data, loss: loss)
        var accuracy: Double?
        if data.isClassification {
            var right = 0, n = 0
            for (e, seq) in data.inputs.enumerated() {
                let logits = try forward(seq).logits
                switch data.targets {
                case let .classes(c): n += 1; if argmax(logits.last!) == c[e] { right += 1 }
                case let .classSequences(c): for (t, k) in c[e].enumerated() { n += 1; if argmax(logits[t]) == k { right += 1 } }
                default: break
                }
            }
            accuracy = n > 0 ? Double(right) / Double(n) : nil
        }
        let ppl = data.isLanguageModel && loss == .xent ? perplexity(ofCrossEntropy: l) : nil
        return Evaluation(loss: l, accuracy: accuracy, perplexity: ppl)
    }
}

/// The first few names of a list, for messages.
func preview(_ names: [String], _ limit: Int = 6) -> String {
    let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > limit ? shown + ", …" : shown
}
