#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RNN

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
        case let .tooLarge(limit):
            return "larger than the limit of \(limit) bytes" + (limit == Budget.current.maxFileBytes ? "; set RNNKERNEL_MAX_FILE_BYTES to raise it" : "")
        case .readFailed: return "read error"
        }
    }
}

/// Refuses a path C would read differently from the string: a NUL ends it early.
public func checkPath(_ path: String) throws {
    if path.utf8.contains(0) { throw FileReadError.cannotOpen("the file name contains a NUL character") }
    if path.isEmpty { throw FileReadError.cannotOpen("the file name is empty") }
}

/// Reads a whole file without Foundation (which keeps the kernel's start-up lean), refusing one
/// larger than `limit` before reading it when its size is known, and stopping at `limit` bytes
/// when it is not (a pipe, /dev/zero). Polls for an interrupt between chunks.
public func readWholeFile(_ path: String, limit: Int = Budget.current.maxFileBytes) throws -> [UInt8] {
    try checkPath(path)
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could refuse it.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw FileReadError.cannotOpen(String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw FileReadError.readFailed }
    let kind = info.st_mode & S_IFMT
    if kind == S_IFDIR { throw FileReadError.cannotOpen("it is a directory") }
    // A device or pipe can block or never end (/dev/zero, a FIFO nobody writes to).
    if kind != S_IFREG { throw FileReadError.cannotOpen("it is not a regular file (a device, pipe or socket)") }
    if kind == S_IFREG, Int(info.st_size) > limit { throw FileReadError.tooLarge(limit: limit) }
    var bytes: [UInt8] = []
    if kind == S_IFREG { bytes.reserveCapacity(Int(info.st_size)) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileReadError.readFailed
        }
        if n == 0 { break }
        guard bytes.count + n <= limit else { throw FileReadError.tooLarge(limit: limit) }
        bytes.append(contentsOf: buffer[0..<n])
        try Interruption.check()
    }
    return bytes
}

/// A whole file as UTF-8 text.
public func readTextFile(_ path: String) throws -> String {
    Datasets.textWithoutBOM(try readWholeFile(path))
}

extension Datasets {
    /// Reads one numeric column of a CSV file (a header row names the columns).
    public static func csvColumn(path: String, column: String) throws -> [Double] {
        let bytes: [UInt8]
        do { bytes = try readWholeFile(path) } catch let e as FileReadError {
            switch e {
            case .cannotOpen: throw ModelError(.value, "cannot open \(path): \(e)")
            case .tooLarge: throw ModelError(.value, "\(path) is \(e)")
            case .readFailed: throw ModelError(.value, "cannot read \(path)")
            }
        }
        return try csvColumn(bytes: bytes, path: path, column: column)
    }
}
