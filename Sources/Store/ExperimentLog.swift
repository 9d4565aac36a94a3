import JSON
import RNN

/// One line of the experiment log: a statement that changed the session, with what is needed to
/// run it again and to check that it did the same thing.
///
/// Which statements are logged, and which model an entry names, is each statement's `LogRule` in the
/// language's table of statements (RNNLang/Statements.swift).
///
/// JSON Lines fields (one object a line):
/// - `index`: 1, 2, … in the order the statements ran
/// - `statement`: the statement's text, as written
/// - `session_seed`: the last `seed N` (0 at the start of a session)
/// - `rng_state`: the session generator's state before the statement (a decimal string, 64 bits),
///   so draws made by statements that name no seed repeat exactly
/// - `model`: the model the statement defined, changed or trained (absent for `let`, `seed`, `drop`, `slider`)
/// - `options`: the statement's options as written (`train` only)
/// - `data`, `data_sha256`: the dataset's summary and its fingerprint (`train` only)
/// - `file_sha256`: SHA-256 of the file a `load` read
/// - `losses`: the loss after every step (`train` only)
/// - `validation`, `validation_sha256`: the summary and fingerprint of `validation=DATA` (`train` only)
/// - `validation_losses`, `validation_accuracy`: its loss (and accuracy, for classes) after every epoch
/// - `seconds`: time the statement took
/// - `weights_sha256`: SHA-256 of the model's weights after the statement (float64 little-endian,
///   parameters in canonical order)
public struct LogEntry: Equatable, Sendable {
    public var index: Int
    public var statement: String
    public var sessionSeed: UInt64
    public var rngState: UInt64
    public var model: String?
    public var options: String?
    public var data: String?
    public var dataSHA256: String?
    public var fileSHA256: String?
    public var losses: [Double]?
    public var validation: String?
    public var validationSHA256: String?
    public var validationLosses: [Double]?
    public var validationAccuracy: [Double]?
    public var seconds: Double
    public var weightsSHA256: String?

    public init(index: Int, statement: String, sessionSeed: UInt64, rngState: UInt64, model: String? = nil, options: String? = nil,
                data: String? = nil, dataSHA256: String? = nil, fileSHA256: String? = nil, losses: [Double]? = nil, seconds: Double,
                weightsSHA256: String? = nil) {
        self.index = index
        self.statement = statement
        self.sessionSeed = sessionSeed
        self.rngState = rngState
        self.model = model
        self.options = options
        self.data = data
        self.dataSHA256 = dataSHA256
        self.fileSHA256 = fileSHA256
        self.losses = losses
        self.seconds = seconds
        self.weightsSHA256 = weightsSHA256
    }

    public var json: JSON {
        var j: JSON = ["index": JSON(index), "statement": .string(statement), "session_seed": .string(String(sessionSeed)),
                       "rng_state": .string(String(rngState))]
        if let model { j["model"] = .string(model) }
        if let options { j["options"] = .string(options) }
        if let data { j["data"] = .string(data) }
        if let dataSHA256 { j["data_sha256"] = .string(dataSHA256) }
        if let fileSHA256 { j["file_sha256"] = .string(fileSHA256) }
        if let losses { j["losses"] = JSON(losses) }
        if let validation { j["validation"] = .string(validation) }
        if let validationSHA256 { j["validation_sha256"] = .string(validationSHA256) }
        if let validationLosses { j["validation_losses"] = JSON(validationLosses) }
        if let validationAccuracy { j["validation_accuracy"] = JSON(validationAccuracy) }
        j["seconds"] = .number((seconds * 1e6).rounded() / 1e6)
        if let weightsSHA256 { j["weights_sha256"] = .string(weightsSHA256) }
        return j
    }

    public init(json j: JSON, line: Int) throws {
        // A list of numbers; the nulls a non-finite loss was written as are left out, as before.
        func numbers(_ v: JSON?) -> [Double]? { v.flatMap { $0.doublesValue ?? $0.arrayValue?.compactMap(\.doubleValue) } }
        func fail(_ what: String) -> ModelFileError { ModelFileError("line \(line): \(what)") }
        guard case .object = j else { throw fail("expected a JSON object") }
        guard let index = j["index"]?.intValue else { throw fail("missing 'index'") }
        guard let statement = j["statement"]?.stringValue else { throw fail("missing 'statement'") }
        guard let seed = j["session_seed"]?.stringValue.flatMap({ UInt64($0) }) else { throw fail("missing or bad 'session_seed'") }
        guard let rng = j["rng_state"]?.stringValue.flatMap({ UInt64($0) }) else { throw fail("missing or bad 'rng_state'") }
        self.init(index: index, statement: statement, sessionSeed: seed, rngState: rng, model: j["model"]?.stringValue,
                  options: j["options"]?.stringValue, data: j["data"]?.stringValue, dataSHA256: j["data_sha256"]?.stringValue,
                  fileSHA256: j["file_sha256"]?.stringValue, losses: numbers(j["losses"]),
                  seconds: j["seconds"]?.doubleValue ?? 0, weightsSHA256: j["weights_sha256"]?.stringValue)
        validation = j["validation"]?.stringValue
        validationSHA256 = j["validation_sha256"]?.stringValue
        validationLosses = numbers(j["validation_losses"])
        validationAccuracy = numbers(j["validation_accuracy"])
    }
}

/// Writing and reading the experiment log as JSON Lines.
public enum ExperimentLog {
    public static func jsonLines(_ entries: [LogEntry]) -> String {
        entries.map { $0.json.serialized() + "\n" }.joined()
    }

    public static func parse(_ text: String) throws -> [LogEntry] {
        var out: [LogEntry] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty { continue }
            let j: JSON
            // Bounded as a model file is, so a crafted line of `[],[],…` stops rather than filling memory.
            do { j = try ModelFiles.parseFileJSON(String(trimmed)) } catch {
                throw ModelFileError("line \(i + 1) is not valid JSON: \(error)")
            }
            out.append(try LogEntry(json: j, line: i + 1))
        }
        return out
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
