/// A JSON value with ordered object keys, so files we write read in a sensible order.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    /// An array whose items are all numbers, held as Doubles: what the parser makes of a non-empty
    /// list of numbers (a weight row, a loss curve), 8 bytes a number where `.array` takes 24 a value.
    /// It equals the `.array` of the same numbers; `arrayValue` and `doublesValue` read either.
    case numbers([Double])
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.numbers(x), .numbers(y)): return x == y
        case let (.numbers(x), .array(y)), let (.array(y), .numbers(x)):
            return x.count == y.count && zip(x, y).allSatisfy { JSON.number($0) == $1 }
        case let (.object(x), .object(y)):
            // Objects compare as maps: key order carries no meaning.
            guard x.count == y.count else { return false }
            for (k, v) in x { guard let w = b[k], w == v else { return false } }
            return true
        default: return false
        }
    }
}

// MARK: - Building and reading

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSON {
    public init(_ value: Int) { self = .number(Double(value)) }
    public init(_ value: Double) { self = .number(value) }
    public init(_ value: String) { self = .string(value) }
    public init(_ value: Bool) { self = .bool(value) }
    public init(_ values: [Double]) { self = values.isEmpty ? .array([]) : .numbers(values) }
    public init(_ values: [String]) { self = .array(values.map { .string($0) }) }

    /// The member named `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSON? {
        get {
            guard case let .object(members) = self else { return nil }
            return members.last(where: { $0.key == key })?.value
        }
        set {
            guard case var .object(members) = self else { return }
            if let i = members.lastIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
            self = .object(members)
        }
    }

    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var doubleValue: Double? { if case let .number(d) = self { return d } else { return nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    /// The items of an array, either representation (a `.numbers` array's made as `.number`s).
    public var arrayValue: [JSON]? {
        switch self {
        case let .array(a): return a
        case let .numbers(d): return d.map { .number($0) }
        default: return nil
        }
    }
    /// How many items an array holds, either representation; nil for anything else.
    public var arrayCount: Int? {
        switch self {
        case let .array(a): return a.count
        case let .numbers(d): return d.count
        default: return nil
        }
    }
    /// The items of an array whose items are all numbers, as Doubles; nil for anything else.
    public var doublesValue: [Double]? {
        switch self {
        case let .numbers(d): return d
        case let .array(a):
            var out: [Double] = []
            out.reserveCapacity(a.count)
            for item in a { guard case let .number(d) = item else { return nil }; out.append(d) }
            return out
        default: return nil
        }
    }
    public var objectValue: [(key: String, value: JSON)]? { if case let .object(o) = self { return o } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
    /// The value as an integer, if it is a number with no fraction that fits in an Int.
    public var intValue: Int? {
        guard case let .number(d) = self, d.rounded() == d, abs(d) < 9.007199254740992e15 else { return nil }
        return Int(d)
    }
}

// MARK: - Writing

extension JSON {
    /// Compact JSON text. Non-finite numbers, which JSON cannot hold, are written as null.
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    /// Shortest text that reads back as the same Double; integral values without ".0".
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e16 {
            if d == 0 { return d.sign == .minus ? "-0" : "0" }
            return String(Int64(d))
        }
        return "\(d)"
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(d): out += JSON.format(d)
        case let .string(s): JSON.writeString(s, to: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line even when pretty, so matrices read as rows.
            let flat = !pretty || items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat ? (pretty ? ", " : ",") : "," }
                if !flat { out += "\n" + String(repeating: "  ", count: indent + 1) }
                item.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if !flat { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case let .numbers(items):
            out += "["
            for (i, d) in items.enumerated() {
                if i > 0 { out += pretty ? ", " : "," }
                out += JSON.format(d)
            }
            out += "]"
        case let .object(members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSON.writeString(m.key, to: &out)
                out += pretty ? ": " : ":"
                m.value.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        // Runs without a character to escape go in whole. The escaped ones (quote, backslash,
        // controls) are ASCII, so they never fall inside a multi-byte UTF-8 sequence.
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let b = bytes[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if start < i { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self) }
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                default:
                    let hex = String(b, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                start = i + 1
            }
            if start < bytes.count { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self) }
        }
        out += "\""
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { serialized() }
}

// MARK: - Reading

/// A JSON text would take more memory once read than the caller allowed (`parse(bytes:maxBytes:)`).
public struct JSONLimitError: Error, CustomStringConvertible, Equatable {
    /// The bytes allowed.
    public let limit: Int
    /// Where reading stopped.
    public let offset: Int
    public var description: String { "would take more than \(limit) bytes of memory once read (reading stopped at byte \(offset))" }
}

/// Why a text is not JSON, with the byte offset where reading stopped.
public struct JSONParseError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSON {
    /// Parses one JSON value (RFC 8259) from UTF-8 text. Nesting deeper than 512 is refused, so
    /// hostile input cannot exhaust the stack.
    public static func parse(_ text: String, maxBytes: Int? = nil) throws -> JSON {
        try parse(bytes: Array(text.utf8), maxBytes: maxBytes)
    }

    /// `maxBytes`: the most memory the result may take, counted as it is read (24 bytes a value, 8
    /// a number in a list of numbers, 16 more a member's key, 32 an array's or object's storage, a
    /// long string's text) and refused with a `JSONLimitError` as soon as it is passed, so that a
    /// crafted file of `[],[],…` or `[0],[0],…` cannot fill memory before the caller sees its shape.
    public static func parse<C: Collection>(bytes: C, maxBytes: Int? = nil) throws -> JSON where C.Element == UInt8 {
        var p = Parser(bytes: Array(bytes))
        p.maxBytes = maxBytes ?? Int.max
        p.skipSpace()
        let value = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.b.count else { throw p.fail("unexpected text after the value") }
        return value
    }

    private struct Parser {
        let b: [UInt8]
        var i = 0
        /// The memory the values read so far take, as `parse(bytes:maxBytes:)` counts it.
        var bytes = 0
        var maxBytes = Int.max
        init(bytes: [UInt8]) { b = bytes }

        static let slot = MemoryLayout<JSON>.stride, storage = 32, number = MemoryLayout<Double>.stride

        mutating func charge(_ n: Int) throws {
            bytes += n
            guard bytes <= maxBytes else { throw JSONLimitError(limit: maxBytes, offset: i) }
        }

        func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func literal(_ word: String, _ v: JSON) throws -> JSON {
            let w = Array(word.utf8)
            guard i + w.count <= b.count, Array(b[i..<i + w.count]) == w else { throw fail("expected \(word)") }
            i += w.count
            return v
        }

        mutating func value(depth: Int) throws -> JSON {
            guard depth < 512 else { throw fail("nesting deeper than 512") }
            guard i < b.count else { throw fail("unexpected end of input") }
            switch b[i] {
            case UInt8(ascii: "n"): try charge(Parser.slot); return try literal("null", .null)
            case UInt8(ascii: "t"): try charge(Parser.slot); return try literal("true", .bool(true))
            case UInt8(ascii: "f"): try charge(Parser.slot); return try literal("false", .bool(false))
            case UInt8(ascii: "\""):
                try charge(Parser.slot)
                let text = try string()
                // Up to 15 bytes a String holds inline; a longer one has storage of its own.
                if text.utf8.count > 15 { try charge(Parser.storage + text.utf8.count) }
                return .string(text)
            case UInt8(ascii: "["):
                try charge(Parser.slot + Parser.storage)
                i += 1
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
                // Numbers go into a list of Doubles until the first item that is not a number;
                // from there on every item is a JSON value.
                var numbers: [Double] = []
                var items: [JSON]? = nil
                while true {
                    skipSpace()
                    if items == nil, i < b.count, b[i] == UInt8(ascii: "-") || (b[i] >= 0x30 && b[i] <= 0x39) {
                        try charge(Parser.number)
                        numbers.append(try number())
                    } else {
                        if items == nil {
                            try charge(numbers.count * (Parser.slot - Parser.number))
                            items = numbers.map { .number($0) }
                            numbers = []
                        }
                        let item = try value(depth: depth + 1)
                        items?.append(item)
                    }
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated array") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return items.map { .array($0) } ?? .numbers(numbers) }
                    throw fail("expected ',' or ']' in array")
                }
            case UInt8(ascii: "{"):
                try charge(Parser.slot + Parser.storage)
                i += 1
                var members: [(key: String, value: JSON)] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let key = try string()
                    try charge(MemoryLayout<String>.stride + (key.utf8.count > 15 ? Parser.storage + key.utf8.count : 0))
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
                    i += 1
                    skipSpace()
                    members.append((key: key, value: try value(depth: depth + 1)))
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated object") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    throw fail("expected ',' or '}' in object")
                }
            default:
                try charge(Parser.slot)
                return .number(try number())
            }
        }

        mutating func number() throws -> Double {
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            func digits(_ p: inout Parser) -> Int {
                let s = p.i
                while p.i < p.b.count, p.b[p.i] >= 0x30, p.b[p.i] <= 0x39 { p.i += 1 }
                return p.i - s
            }
            let intStart = i
            let n = digits(&self)
            guard n > 0 else { i = start; throw fail("expected a value") }
            if n > 1, b[intStart] == 0x30 { throw fail("leading zero in number") }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                guard digits(&self) > 0 else { throw fail("expected digits after '.'") }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard digits(&self) > 0 else { throw fail("expected digits in exponent") }
            }
            let text = String(decoding: b[start..<i], as: UTF8.self)
            guard let d = Double(text) else { throw fail("bad number \(text)") }
            return d
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            i += 1  // opening quote
            var bytes: [UInt8] = []
            while true {
                guard i < b.count else { throw fail("unterminated string") }
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw fail("control character in string") }
                if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { throw fail("unterminated escape") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by its low half.
                        guard i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw fail("unpaired surrogate")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("bad code point") }
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("bad escape")
                }
            }
            // Invalid UTF-8 is an error rather than silently repaired text.
            guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
            return s
        }
    }
}
