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
    /// The words or characters it reads, fixed by the first text data it was trained on (or `vocab=`).
    public var vocab: Vocabulary?
    /// Its class names (sentence labels or tags) in id order, fixed with the vocabulary; nil for a
    /// character model, whose classes are its vocabulary.
    public var labels: [String]?
    /// Set while the model was defined without input=: the seed its weights will be drawn from once
    /// the first data it sees fixes the width of x_t.
    public var pendingInputSeed: UInt64?

    public init(model: Model, trainedSteps: Int = 0, lossHistory: [Double] = [], vocab: Vocabulary? = nil, labels: [String]? = nil) {
        self.model = model
        self.trainedSteps = trainedSteps
        self.lossHistory = lossHistory
        self.vocab = vocab
        self.labels = labels
    }

    /// The vocabulary's tokens in id order (what `sample` draws from).
    public var vocabulary: [String]? { vocab?.tokens }

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
                self[seq2seq: name] = nil
                if entries[name] == nil { names.append(name) }
                entries[name] = newValue
            } else if entries.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    public var isEmpty: Bool { names.isEmpty && seq2seqNames.isEmpty }
    public var count: Int { names.count + seq2seqNames.count }

    /// Seq2seq models (Seq2SeqEntry.swift) live beside the cells under their own names: a name is one or the other.
    public private(set) var seq2seqNames: [String] = []
    private var seq2seqEntries: [String: Seq2SeqEntry] = [:]

    public subscript(seq2seq name: String) -> Seq2SeqEntry? {
        get { seq2seqEntries[name] }
        set {
            if let newValue {
                self[name] = nil
                if seq2seqEntries[name] == nil { seq2seqNames.append(name) }
                seq2seqEntries[name] = newValue
            } else if seq2seqEntries.removeValue(forKey: name) != nil {
                seq2seqNames.removeAll { $0 == name }
            }
        }
    }

    /// Every entry, in definition order.
    public var all: [(name: String, entry: ModelEntry)] { names.map { ($0, entries[$0]!) } }
}
