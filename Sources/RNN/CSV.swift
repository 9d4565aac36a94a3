/// CSV text as RFC 4180 reads it: fields split by commas; a field in double quotes may hold commas,
/// line ends and `""` for one quote. Spaces around a field are dropped; blank lines are skipped.
enum CSV {
    /// One row: the file's line it starts on (1-based, every line counted) and its fields.
    struct Record {
        var line: Int
        var fields: [String]
    }

    static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// Hands each record of `bytes` (UTF-8, BOM already removed) to `body` as it is read, so a caller
    /// keeping one field of each holds one record at a time, not the whole file's fields (98 MB of
    /// short rows took 4.3 GB); `path` only names the file in messages.
    static func forEachRecord(_ bytes: ArraySlice<UInt8>, path: String, _ body: (Record) throws -> Void) throws {
        var fields: [String] = []
        var i = bytes.startIndex, line = 1, recordLine = 1, count = 0
        func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }
        func endRecord() throws {
            // A blank line is one empty field: no row at all.
            if !(fields.count == 1 && fields[0].isEmpty) { count += 1; try body(Record(line: recordLine, fields: fields)) }
            fields = []
        }
        while i < bytes.endIndex {
            if count & 0xFFF == 0xFFF { try Interruption.check() }
            if fields.isEmpty { recordLine = line }
            while i < bytes.endIndex, isBlank(bytes[i]) { i += 1 }
            if i < bytes.endIndex, bytes[i] == quote {
                let opened = line
                var field: [UInt8] = []
                i += 1
                while true {
                    guard i < bytes.endIndex else {
                        throw ModelError(.value, "\(path), line \(opened): a quoted field is never closed; expected a closing \" (a quote inside a field is written \"\")")
                    }
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 < bytes.endIndex, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                        i += 1
                        break
                    }
                    if b == newline { line += 1 }
                    field.append(b)
                    i += 1
                }
                while i < bytes.endIndex, isBlank(bytes[i]) || bytes[i] == cr { i += 1 }
                if i < bytes.endIndex, bytes[i] != comma, bytes[i] != newline {
                    throw ModelError(.value, "\(path), line \(line): expected a comma or the line's end after a quoted field's closing \", found '\(String(decoding: [bytes[i]], as: UTF8.self))'")
                }
                fields.append(String(decoding: field, as: UTF8.self))
            } else {
                let start = i
                while i < bytes.endIndex, bytes[i] != comma, bytes[i] != newline { i += 1 }
                var end = i
                while end > start, isBlank(bytes[end - 1]) || bytes[end - 1] == cr { end -= 1 }
                fields.append(String(decoding: bytes[start..<end], as: UTF8.self))
            }
            if i < bytes.endIndex, bytes[i] == comma {
                i += 1
                // A comma last in the file leaves one more, empty field (last on a line, the loop reads it).
                if i == bytes.endIndex { fields.append("") }
                continue
            }
            if i < bytes.endIndex { i += 1; line += 1 }  // the newline
            try endRecord()
        }
        if !fields.isEmpty { try endRecord() }
    }

    /// Whether `field` is a decimal number: an optional sign, digits with at most one point (at least
    /// one digit), and an optional exponent `e` or `E` with an optional sign and digits.
    static func isDecimalNumber(_ field: String) -> Bool {
        var u = Substring(field).utf8[...]
        func digits() -> Int {
            let n = u.prefix(while: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }).count
            u = u.dropFirst(n)
            return n
        }
        if let s = u.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { u = u.dropFirst() }
        var mantissa = digits()
        if u.first == UInt8(ascii: ".") { u = u.dropFirst(); mantissa += digits() }
        guard mantissa > 0 else { return false }
        if let e = u.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            u = u.dropFirst()
            if let s = u.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { u = u.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return u.isEmpty
    }
}
