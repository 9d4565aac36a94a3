#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be written; the description is the reason alone.
public struct FileWriteError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Replaces the file at `path` with `bytes`, or leaves it as it was. The bytes go to a new file in
/// the same folder under a name nobody can predict, created exclusively and without following a
/// link (so nothing planted there redirects the write), then fsynced and renamed over `path`; the
/// temporary file is removed on any failure. Refuses a path holding NUL and a destination that is
/// not a regular file (a link, a FIFO, a device, a folder).
public func writeFileSafely(_ bytes: [UInt8], to path: String) throws {
    if path.utf8.contains(0) { throw FileWriteError("the file name contains a NUL character") }
    guard !path.isEmpty else { throw FileWriteError("the file name is empty") }
    var existing = stat()
    if lstat(path, &existing) == 0 {
        let kind = existing.st_mode & S_IFMT
        if kind == S_IFLNK { throw FileWriteError("it is a symbolic link; refusing to replace it (save to the file it points to)") }
        if kind == S_IFDIR { throw FileWriteError("it is a directory") }
        if kind != S_IFREG { throw FileWriteError("it is not a regular file (a FIFO, socket or device); refusing to replace it") }
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !base.isEmpty else { throw FileWriteError("the file name ends in '/'") }
    var rng = SystemRandomNumberGenerator()
    var tmp = ""
    var fd: Int32 = -1
    #if os(Linux)
    // Linux first writes to a file with no name at all (O_TMPFILE), named only once it is complete:
    // a save killed part way leaves nothing behind.
    let unnamed = open(folder, 0o20200000 | O_WRONLY | O_CLOEXEC, 0o666)
    if unnamed >= 0 {
        if writeAll(unnamed, bytes) == nil, fsync(unnamed) == 0 {
            for _ in 0..<16 {
                tmp = folder + "/." + String(base.prefix(100)) + ".tmp-" + randomToken(&rng)
                if linkat(AT_FDCWD, "/proc/self/fd/\(unnamed)", AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0 {
                    close(unnamed)
                    return try finish(tmp, path, folder)
                }
                if errno != EEXIST { break }
            }
        }
        close(unnamed)
    }
    #endif
    for _ in 0..<16 {
        tmp = folder + "/." + String(base.prefix(100)) + ".tmp-" + randomToken(&rng)
        // 0o666 less the umask, as for any file the user makes.
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw FileWriteError(String(cString: strerror(errno))) }
    func fail(_ reason: String) -> FileWriteError {
        close(fd)
        unlink(tmp)
        return FileWriteError(reason)
    }
    if let reason = writeAll(fd, bytes) { throw fail(reason) }
    guard fsync(fd) == 0 else { throw fail(String(cString: strerror(errno))) }
    guard close(fd) == 0 else {
        unlink(tmp)
        throw FileWriteError(String(cString: strerror(errno)))
    }
    try finish(tmp, path, folder)
}

/// 128 random bits in base 36.
private func randomToken(_ rng: inout SystemRandomNumberGenerator) -> String {
    (0..<2).map { _ in String(rng.next() as UInt64, radix: 36) }.joined()
}

/// Writes every byte; the C library's reason when it cannot.
private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> String? {
    var written = 0
    let count = bytes.count
    while written < count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, min(count - written, 1 << 20)) }
        if n < 0 {
            if errno == EINTR { continue }
            return String(cString: strerror(errno))
        }
        written += n
    }
    return nil
}

/// Renames the complete temporary file over the destination and syncs the folder.
private func finish(_ tmp: String, _ path: String, _ folder: String) throws {
    guard rename(tmp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(tmp)
        throw FileWriteError(reason)
    }
    // The rename itself reaches the disk only when the folder is synced.
    let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir >= 0 {
        fsync(dir)
        close(dir)
    }
}
