/// Training examples: input sequences (example × time × feature) and their targets.
/// Many-to-one or many-to-many follows from the targets' case.
public struct Dataset: Equatable, Sendable {
    /// What each example is to be mapped to.
    public enum Targets: Equatable, Sendable {
        /// Many-to-one regression: one vector per sequence, compared with y_T.
        case vectors([[Double]])
        /// Many-to-one classification: one class index per sequence, y_T read as logits.
        case classes([Int])
        /// Many-to-many regression: one vector per time step.
        case vectorSequences([[[Double]]])
        /// Many-to-many classification: one class index per time step.
        case classSequences([[Int]])
    }

    /// The generator's name: "sine", "adding", "text", "pairs", …
    public var name: String
    /// How it was made, as the user would write it: `sine(count=100, length=50, seed=1)`.
    public var summary: String
    public var inputs: [[[Double]]]
    public var targets: Targets
    /// Names of the one-hot input symbols (characters or words), when inputs are one-hot.
    public var inputVocabulary: [String]?
    /// Names of the classes (labels, tags, characters), when targets are classes.
    public var classNames: [String]?
    /// The data's own vocabulary (words or characters, `<unk>` first) when it is text; a model
    /// trained on it keeps it (Vocabulary.swift).
    public var vocabulary: Vocabulary? = nil

    public init(name: String, summary: String, inputs: [[[Double]]], targets: Targets,
                inputVocabulary: [String]? = nil, classNames: [String]? = nil) {
        self.name = name
        self.summary = summary
        self.inputs = inputs
        self.targets = targets
        self.inputVocabulary = inputVocabulary
        self.classNames = classNames
    }

    public var count: Int { inputs.count }
    /// Width of x_t (0 for an empty dataset).
    public var inputWidth: Int { inputs.first?.first?.count ?? 0 }

    /// Width y_t must have: the target vector's width, or the number of classes.
    public var targetWidth: Int {
        switch targets {
        case let .vectors(v): return v.first?.count ?? 0
        case let .vectorSequences(v): return v.first?.first?.count ?? 0
        case let .classes(c): return classNames?.count ?? ((c.max() ?? -1) + 1)
        case let .classSequences(c): return classNames?.count ?? ((c.flatMap { $0 }.max() ?? -1) + 1)
        }
    }

    /// True when targets are class indices, so the natural loss is cross-entropy.
    public var isClassification: Bool {
        switch targets {
        case .classes, .classSequences: return true
        case .vectors, .vectorSequences: return false
        }
    }

    /// True when there is a target for every time step.
    public var isManyToMany: Bool {
        switch targets {
        case .vectorSequences, .classSequences: return true
        case .vectors, .classes: return false
        }
    }

    /// The first target step whose width differs from the first one's (many-to-many regression):
    /// the example and step (0-based), its width and the width expected; nil when all agree.
    public var raggedTargetStep: (example: Int, step: Int, width: Int, expected: Int)? {
        guard case let .vectorSequences(v) = targets, let expected = v.first?.first?.count else { return nil }
        for (e, seq) in v.enumerated() {
            for (t, y) in seq.enumerated() where y.count != expected { return (e, t, y.count, expected) }
        }
        return nil
    }

    /// The targets as `loss` reads them for a model whose y_t has `outputWidth` values. A list of
    /// whole numbers ≥ 0 as long as its sequence is one class per step (many-to-many) under
    /// loss=xent; with no loss given, too, when it cannot be a regression target for this model
    /// (its width is not y_t's) and every number is a class the model has (below `outputWidth`).
    public func reading(loss: Loss?, outputWidth: Int) -> Dataset {
        guard loss != .mse else { return self }
        func whole(_ v: Double) -> Bool { v >= 0 && v == v.rounded() && v < 1e9 }
        var d = self
        switch targets {
        case let .vectors(v):
            guard v.indices.allSatisfy({ v[$0].count == inputs[$0].count }), v.allSatisfy({ $0.allSatisfy(whole) }) else { return self }
            if loss == nil {
                guard v.contains(where: { $0.count != outputWidth }), v.allSatisfy({ $0.allSatisfy { $0 < Double(outputWidth) } }) else { return self }
            }
            d.targets = .classSequences(v.map { $0.map { Int($0) } })
        case let .vectorSequences(v) where loss == .xent:
            // One value a step, [[2], [0], [1]]: the same classes written as a sequence.
            guard v.allSatisfy({ $0.allSatisfy { $0.count == 1 && whole($0[0]) } }) else { return self }
            d.targets = .classSequences(v.map { $0.map { Int($0[0]) } })
        default:
            return self
        }
        return d
    }
}
