#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read whole; the description is the reason alone, for callers to put
/// after the path.
public enum FileReadError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened: the C library's reason.
    case cannotOpen(String)
    /// The file holds more than the limit the caller set.
    case tooLarge(limit: Int)
    /// Reading failed part way.
    case readFailed

    public var description: String {
        switch self {
        case let .cannotOpen(reason): return reason
        case let .tooLarge(limit): return "larger than \(limit / 1_000_000) MB"
        case .readFailed: return "read error"
        }
    }
}

/// Reads a whole file without Foundation (which keeps the kernel's start-up lean).
public func readWholeFile(_ path: String, limit: Int = .max) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw FileReadError.cannotOpen(String(cString: strerror(errno))) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
        if bytes.count > limit { throw FileReadError.tooLarge(limit: limit) }
    }
    if ferror(f) != 0 { throw FileReadError.readFailed }
    return bytes
}

/// A whole file as UTF-8 text.
public func readTextFile(_ path: String) throws -> String {
    String(decoding: try readWholeFile(path), as: UTF8.self)
}
