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
}
