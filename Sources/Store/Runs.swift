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

/// Appends doubles as float64 little-endian bytes.
func appendLE(_ v: Double, to bytes: inout [UInt8]) {
    let bits = v.bitPattern.littleEndian
    withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
}

func hexDigest<D: Digest>(_ d: D) -> String {
    d.map { b in
        let s = String(b, radix: 16)
        return b < 16 ? "0" + s : s
    }.joined()
}

/// SHA-256 of a model's weights: every parameter in canonical order as float64 little-endian.
public func weightsHash(of model: Model) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(model.parameterCount * 8)
    for t in model.parameters { for v in t.values { appendLE(v, to: &bytes) } }
    return hexDigest(SHA256.hash(data: bytes))
}

/// SHA-256 of a dataset: every input value, then every target (class indices as float64), in order,
/// as float64 little-endian, with each example's length first so shapes count too.
public func fingerprint(of data: Dataset) -> String {
    var h = SHA256()
    var bytes: [UInt8] = []
    func flush() { h.update(data: bytes); bytes.removeAll(keepingCapacity: true) }
    for seq in data.inputs {
        appendLE(Double(seq.count), to: &bytes)
        for x in seq { for v in x { appendLE(v, to: &bytes) } }
        if bytes.count > 1 << 16 { flush() }
    }
    switch data.targets {
    case let .vectors(v): for y in v { for x in y { appendLE(x, to: &bytes) } }
    case let .classes(c): for k in c { appendLE(Double(k), to: &bytes) }
    case let .vectorSequences(v): for s in v { appendLE(Double(s.count), to: &bytes); for y in s { for x in y { appendLE(x, to: &bytes) } } }
    case let .classSequences(c): for s in c { appendLE(Double(s.count), to: &bytes); for k in s { appendLE(Double(k), to: &bytes) } }
    }
    flush()
    return hexDigest(h.finalize())
}

/// SHA-256 of some bytes, as lowercase hex.
public func sha256Hex(_ bytes: [UInt8]) -> String { hexDigest(SHA256.hash(data: bytes)) }
