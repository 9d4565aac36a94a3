import JSON
import RNN

/// A model file that cannot be read or written; the message names the file, the tensor, and what
/// was expected and found.
public struct ModelFileError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

extension ModelFiles {
    /// The most steps a file may say a model was trained for: far beyond any real run, and far
    /// from where adding a run's steps to it could overflow.
    static let maxTrainedSteps = 1_000_000_000_000

    /// `trained_steps` as a file holds it (a JSON number, or a safetensors metadata string);
    /// absent is 0; anything but a whole number from 0 to `maxTrainedSteps` is refused.
    public static func trainedSteps(_ json: JSON?, text: String? = nil, file: String) throws -> Int {
        if json == nil && text == nil { return 0 }
        if let json, json.isNull { return 0 }
        let n: Int? = text.map { Int($0) } ?? json?.intValue
        guard let n, n >= 0, n <= maxTrainedSteps else {
            throw ModelFileError("\(file): trained_steps must be a whole number from 0 to \(maxTrainedSteps), found \(text ?? json?.serialized() ?? "")")
        }
        return n
    }

    /// The most memory a model `.json` (or an experiment log's line) may take once parsed: four times
    /// RNNKERNEL_MAX_FILE_BYTES. A real file takes far less than its size (a number written in 20
    /// characters is 8 bytes); a crafted one of `[0],[0],…` would take 16 times its size.
    public static var maxParsedJSONBytes: Int {
        let f = Budget.current.maxFileBytes
        return f > Int.max / 4 ? Int.max : 4 * f
    }

    /// JSON text from a file (a safetensors header's metadata, a log line), bounded as a model
    /// `.json` is by `maxParsedJSONBytes`; the caller says what was wrong.
    static func parseFileJSON(_ text: String) throws -> JSON {
        try JSON.parse(text, maxBytes: maxParsedJSONBytes)
    }

    /// A model `.json`'s bytes parsed, refused as soon as they would take more memory than
    /// `maxParsedJSONBytes` (so a crafted file cannot fill memory while it is read).
    public static func parseModelJSON<C: Collection>(_ bytes: C, file: String) throws -> JSON where C.Element == UInt8 {
        do { return try JSON.parse(bytes: bytes, maxBytes: maxParsedJSONBytes) } catch let e as JSONLimitError {
            throw ModelFileError("\(file) \(e): four times RNNKERNEL_MAX_FILE_BYTES=\(Budget.current.maxFileBytes), where a model's file takes less than its size")
        } catch {
            throw ModelFileError("\(file) is not valid JSON: \(error)")
        }
    }
}

/// Saving and loading models: `.json` (readable, full precision) and `.safetensors` (the state dict
/// of the equivalent PyTorch model, language.md "Files that PyTorch reads").
/// The model `.json` is ModelFiles+JSON.swift, the safetensors codec ModelFiles+Safetensors.swift,
/// PyTorch's state-dict names ModelFiles+StateDict.swift, the vocabulary ModelFiles+Vocabulary.swift.
public enum ModelFiles {
    // MARK: - Files

    public static func readBytes(_ path: String) throws -> [UInt8] {
        do { return try readWholeFile(path) } catch let e as FileReadError {
            switch e {
            case .cannotOpen: throw ModelFileError("cannot open \(path): \(e)")
            case .tooLarge: throw ModelFileError("\(path) is \(e)")
            case .readFailed: throw ModelFileError("cannot read \(path)")
            }
        }
    }

    /// Replaces `path` safely (writeFileSafely): a failed save leaves no half file and no temporary one.
    public static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        do { try writeFileSafely(bytes, to: path) } catch let e as FileWriteError {
            throw ModelFileError("cannot write \(path): \(e)")
        }
    }

    /// Saves by extension: `.json` or `.safetensors`.
    public static func save(_ entry: ModelEntry, to path: String) throws {
        if path.hasSuffix(".json") {
            try writeBytes(Array(json(entry).serialized(pretty: true).utf8) + [10], to: path)
        } else if path.hasSuffix(".safetensors") {
            try writeBytes(safetensors(entry), to: path)
        } else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
    }

    /// Loads by extension. `existing` is the model already under the name, whose shape a file
    /// without our metadata must match.
    public static func load(from path: String, existing: ModelEntry?) throws -> ModelEntry {
        guard path.hasSuffix(".json") || path.hasSuffix(".safetensors") else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
        return try load(readBytes(path), file: path, existing: existing)
    }

    /// The same, of a file's bytes already read (`parsed`: a `.json` file's bytes already parsed).
    public static func load(_ bytes: [UInt8], file path: String, existing: ModelEntry?, parsed: JSON? = nil) throws -> ModelEntry {
        guard path.hasSuffix(".json") || path.hasSuffix(".safetensors") else {
            throw ModelFileError("expected a file name ending in .json or .safetensors, found \(path)")
        }
        return path.hasSuffix(".json") ? try fromJSON(bytes, file: path, parsed: parsed) : try fromSafetensors(bytes, file: path, existing: existing)
    }
}

extension Array where Element == String {
    /// The list when it names exactly `count` things (a file's words or tags must fit the model), else nil.
    func nonEmpty(count: Int) -> [String]? { self.count == count && count > 0 ? self : nil }
}
