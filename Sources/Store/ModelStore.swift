import RNN

/// A model in the store with what training has done to it.
public struct ModelEntry: Equatable, Sendable {
    public var model: Model
    /// Optimizer steps taken over the model's life.
    public var trainedSteps: Int
    /// The loss after each step, over all runs.
    public var lossHistory: [Double]
    /// The validation after each epoch of runs given `validation=`, `step` counted over the model's life.
    public var validationHistory: [EpochValidation] = []
    /// The symbols of the one-hot data it was trained on (characters or words), for `sample`.
    public var vocabulary: [String]?
    /// A tagger trained on tagged(...) data: the words of its one-hot x_t and the names of its tags,
    /// so its CRF's views name them and a sentence can be re-read in its vocabulary.
    public var inputWords: [String]?
    public var tagNames: [String]?
    /// Set while the model was defined without input=: the seed its weights will be drawn from once
    /// the first data it sees fixes the width of x_t.
    public var pendingInputSeed: UInt64?

    public init(model: Model, trainedSteps: Int = 0, lossHistory: [Double] = [], vocabulary: [String]? = nil) {
        self.model = model
        self.trainedSteps = trainedSteps
        self.lossHistory = lossHistory
        self.vocabulary = vocabulary
    }

    public var lastLoss: Double? { lossHistory.last }
}

/// The session's named models, in the order they were first defined. A value type: a statement
/// changes a copy and the session keeps it only if the statement succeeds.
public struct ModelStore: Equatable, Sendable {
    public private(set) var names: [String] = []
    private var entries: [String: ModelEntry] = [:]

    public init() {}

    public subscript(name: String) -> ModelEntry? {
        get { entries[name] }
        set {
            if let newValue {
                if entries[name] == nil { names.append(name) }
                entries[name] = newValue
            } else if entries.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    public var isEmpty: Bool { names.isEmpty }
    public var count: Int { names.count }

    /// Every entry, in definition order.
    public var all: [(name: String, entry: ModelEntry)] { names.map { ($0, entries[$0]!) } }
}
