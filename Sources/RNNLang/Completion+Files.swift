#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jupyter

/// Completion inside a string: file names where a path is meant (`load NAME from "`, `save NAME to "`,
/// `export log to "`, `csv("`, `text(file="`), nothing elsewhere (a dataset name inside a string is never meant).
/// nil when the cursor is not inside a string.
func stringCompletion(_ s: [Unicode.Scalar], cursor: Int) -> Completion? {
    guard let quote = openQuote(s, before: cursor) else { return nil }
    let typed = String(String.UnicodeScalarView(s[(quote + 1)..<cursor]))
    guard takesPath(s, quote: quote), !typed.contains("\\") else {
        return Completion(matches: [], cursorStart: cursor, cursorEnd: cursor, types: [])
    }
    let slash = typed.lastIndex(of: "/")
    let folder = slash.map { String(typed[...$0]) } ?? ""
    let prefix = slash.map { String(typed[typed.index(after: $0)...]) } ?? typed
    let names = directoryEntries(folder.isEmpty ? "." : folder)
        .filter { $0.name.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.name.hasPrefix(".")) }
        .map { $0.isDirectory ? $0.name + "/" : $0.name }
        .sorted()
    let start = cursor - prefix.unicodeScalars.count
    return Completion(matches: names, cursorStart: start, cursorEnd: cursor, types: names.map { (text: $0, type: "path") })
}

/// The offset of the `"` that opens the string the cursor is in, if it is in one.
private func openQuote(_ s: [Unicode.Scalar], before cursor: Int) -> Int? {
    var i = 0, open: Int?
    while i < cursor {
        let c = s[i]
        if open != nil {
            if c == "\\" { i += 2; continue }
            if c == "\"" { open = nil }
        } else if c == "\"" {
            open = i
        } else if c == "#" {
            while i < cursor, s[i] != "\n" { i += 1 }
            continue
        }
        i += 1
    }
    return open
}

/// Whether the string opening at `quote` is where a file's path goes.
private func takesPath(_ s: [Unicode.Scalar], quote: Int) -> Bool {
    // The words on the line before the quote, ignoring spaces.
    var lineStart = quote
    while lineStart > 0, s[lineStart - 1] != "\n" { lineStart -= 1 }
    let before = String(String.UnicodeScalarView(s[lineStart..<quote]))
    let compact = before.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    let words = compact.split(separator: " ").map(String.init)
    if words.count == 3, words[0] == "load", words[2] == "from" { return true }
    if words.count == 3, words[0] == "save", words[2] == "to" { return true }
    if words == ["export", "log", "to"] { return true }
    let tight = before.filter { $0 != " " }
    return tight.hasSuffix("csv(") || tight.hasSuffix("text(file=")
}

/// Names in a folder (relative to the kernel's working directory), without `.` and `..`.
private func directoryEntries(_ path: String) -> [(name: String, isDirectory: Bool)] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var out: [(String, Bool)] = []
    while let entry = readdir(dir), out.count < 1000 {
        let name = withUnsafePointer(to: entry.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        var info = stat()
        let full = path.hasSuffix("/") ? path + name : path + "/" + name
        let isDirectory = stat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        out.append((name, isDirectory))
    }
    return out
}
