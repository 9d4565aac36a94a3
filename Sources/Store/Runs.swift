import Crypto
import JSON
import RNN

/// One training run, as `runs` lists it and the experiment log records it.
public struct RunRecord: Equatable, Sendable {
    public var id: Int
    public var model: String
    public var data: String
    /// SHA-256 of the data (see `fingerprint(of:)`).
    public var dataFingerprint: String
    /// The options as written, e.g. "epochs=20 lr=0.01 optimizer=adam".
    public var options: String
    public var seed: UInt64
    public var losses: [Double]
    public var seconds: Double
    /// "completed", "interrupted at step N" or "diverged at step N".
    public var outcome: String
    /// SHA-256 of the weights after the run (see `weightsHash(of:)`).
    public var weightsHash: String
    /// The held-out set of `validation=` and what it scored after every epoch; nil without one.
    public var validation: RunValidation?

    public init(id: Int, model: String, data: String, dataFingerprint: String, options: String, seed: UInt64, losses: [Double],
                seconds: Double, outcome: String, weightsHash: String) {
        self.id = id
        self.model = model
        self.data = data
        self.dataFingerprint = dataFingerprint
        self.options = options
        self.seed = seed
        self.losses = losses
        self.seconds = seconds
        self.outcome = outcome
        self.weightsHash = weightsHash
    }

    public var finalLoss: Double? { losses.last }
}

/// What a run measured on its validation set.
public struct RunValidation: Equatable, Sendable {
    /// The dataset's summary and fingerprint, as for the training data.
    public var data: String
    public var dataFingerprint: String
    /// One entry per completed epoch, `step` counted within the run.
    public var epochs: [EpochValidation]

    public init(data: String, dataFingerprint: String, epochs: [EpochValidation]) {
        self.data = data
        self.dataFingerprint = dataFingerprint
        self.epochs = epochs
    }
}

/// SHA-256 over float64 values as little-endian bytes, fed a whole array at a time: on a
/// little-endian machine an array's storage already is those bytes, so it is copied, not
/// converted value by value.
struct Float64Hasher {
    private var h = SHA256()
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func add(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func add(_ values: [Double]) {
        guard 1.littleEndian == 1 else { for v in values { add(v) }; return }
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        if bytes.count >= 1 << 16 { flush() }
    }

    private mutating func flush() {
        h.update(data: bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func hex() -> String {
        flush()
        return hexDigest(h.finalize())
    }
}

func hexDigest<D: Digest>(_ d: D) -> String {
    d.map { b in
        let s = String(b, radix: 16)
        return b < 16 ? "0" + s : s
    }.joined()
}

/// SHA-256 of a model's weights: every parameter in canonical order as float64 little-endian.
public func weightsHash(of model: Model) -> String {
    var h = Float64Hasher()
    for t in model.parameters { h.add(t.values) }
    return h.hex()
}

/// SHA-256 of a dataset: every input value, then every target (class indices as float64), in order,
/// as float64 little-endian, with each example's length first so shapes count too.
public func fingerprint(of data: Dataset) -> String {
    var h = Float64Hasher()
    for seq in data.inputs {
        h.add(Double(seq.count))
        for x in seq { h.add(x) }
    }
    switch data.targets {
    case let .vectors(v): for y in v { h.add(y) }
    case let .classes(c): for k in c { h.add(Double(k)) }
    case let .vectorSequences(v): for s in v { h.add(Double(s.count)); for y in s { h.add(y) } }
    case let .classSequences(c): for s in c { h.add(Double(s.count)); for k in s { h.add(Double(k)) } }
    }
    return h.hex()
}

/// SHA-256 of some bytes, as lowercase hex.
public func sha256Hex(_ bytes: [UInt8]) -> String { hexDigest(SHA256.hash(data: bytes)) }
