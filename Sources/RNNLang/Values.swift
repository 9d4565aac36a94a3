import Plot
import RNN

/// A value of the language.
public indirect enum Value: Equatable, Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    /// Lists, sequences and matrices are all lists (of numbers, or of lists).
    case list([Value])
    case dataset(Dataset)
    /// Sentence pairs for a seq2seq model: translation(...), reverse(...).
    case translation(TranslationData)
    /// A model, by its name in the store.
    case model(String)
    /// A bare word used as an option value: `tanh`, `adam`, `stderr`.
    case symbol(String)
    /// A documents × terms table of text features: `bow(...)`, `tfidf(...)`, …
    case features(TextFeatures)
    /// A complex number re + im·i: what eig gives for a rotation. Only abs and printing take it.
    case complex(Double, Double)

    /// What the value is, for messages: "a number", "a list of 3 items", …
    public var kindDescription: String {
        switch self {
        case let .number(v): return "the number \(formatNumber(v))"
        case .string: return "a string"
        case .bool: return "a boolean"
        case let .list(items): return items.isEmpty ? "an empty list" : "a list of \(items.count) item\(items.count == 1 ? "" : "s")"
        case .dataset: return "a dataset"
        case let .translation(d): return "a translation dataset of \(d.count) pairs"
        case let .model(n): return "the model '\(n)'"
        case let .symbol(s): return "the word '\(s)'"
        case let .features(f): return Wording.withArticle(f.kind.rawValue) + " table of \(f.values.count)×\(f.terms.count) features"
        case let .complex(re, im): return "the complex number \(formatComplex(re, im))"
        }
    }

    /// The value as it is written in the language: `[1, 2.5]`, `"abc"`, `true`.
    public var literal: String {
        switch self {
        case let .number(v): return formatNumber(v)
        case let .string(s): return quote(s)
        case let .bool(b): return b ? "true" : "false"
        case let .list(items): return "[" + items.map(\.literal).joined(separator: ", ") + "]"
        case let .dataset(d): return d.summary
        case let .translation(d): return d.summary
        case let .model(n): return n
        case let .symbol(s): return s
        case let .features(f): return Value.from(f.values).literal
        case let .complex(re, im): return formatComplex(re, im)
        }
    }

    /// What `print` writes: strings without quotes, everything else as its literal.
    public var printed: String {
        if case let .string(s) = self { return s }
        return literal
    }
}

/// `a+bi` or `a-bi`, each part as numbers print.
public func formatComplex(_ re: Double, _ im: Double) -> String {
    formatNumber(re) + (im < 0 || (im == 0 && im.sign == .minus) ? "-" : "+") + formatNumber(abs(im)) + "i"
}

/// A string as a literal, with `\"`, `\\` and `\n` escaped.
public func quote(_ s: String) -> String {
    var out = "\""
    for c in s {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default: out.append(c)
        }
    }
    return out + "\""
}

// MARK: - Conversions with errors that name what was expected

extension Value {
    func number(_ what: String, at range: SourceRange?) throws -> Double {
        guard case let .number(v) = self else { throw Diagnostic(.value, "expected \(what) to be a number, found \(kindDescription)", at: range) }
        return v
    }

    func integer(_ what: String, at range: SourceRange?, min lower: Int? = nil) throws -> Int {
        let v = try number(what, at: range)
        guard v.isFinite, v == v.rounded() else {
            throw Diagnostic(.value, "expected \(what) to be a whole number, found \(formatNumber(v))", at: range)
        }
        // Beyond 10¹⁵ a double no longer holds every whole number, so 999999999999999999 would be read as 1e18.
        guard abs(v) < 1e15 else {
            throw Diagnostic(.value, "expected \(what) to be a whole number smaller than 10^15, found \(formatNumber(v))", at: range)
        }
        guard let n = Sizes.wholeNumber(v) else {
            throw Diagnostic(.value, "expected \(what) to be a whole number, found \(formatNumber(v))", at: range)
        }
        if let lower, n < lower {
            throw Diagnostic(.value, "expected \(what) to be at least \(lower), found \(formatNumber(v))", at: range)
        }
        return n
    }

    func boolean(_ what: String, at range: SourceRange?) throws -> Bool {
        if case let .symbol(s) = self, ["True", "False"].contains(s) {
            throw Diagnostic(.value, "expected \(what) to be true or false, found '\(s)': write it in lowercase, \(s.lowercased())", at: range)
        }
        guard case let .bool(b) = self else { throw Diagnostic(.value, "expected \(what) to be true or false, found \(kindDescription)", at: range) }
        return b
    }

    func text(_ what: String, at range: SourceRange?) throws -> String {
        guard case let .string(s) = self else { throw Diagnostic(.value, "expected \(what) to be a string in quotes, found \(kindDescription)", at: range) }
        return s
    }

    /// A word from a fixed set (`tanh`, `"tanh"`), with a did-you-mean for near misses.
    func choice(_ what: String, _ allowed: [String], at range: SourceRange?) throws -> String {
        let word: String
        switch self {
        case let .symbol(s), let .string(s): word = s
        default: throw Diagnostic(.value, "expected \(what) to be one of \(allowed.joined(separator: ", ")), found \(kindDescription)", at: range)
        }
        guard allowed.contains(word) else {
            throw Diagnostic(.value, withSuggestion("unknown \(what) '\(word)'", word, allowed, separator: ": ", then: "expected one of \(allowed.joined(separator: ", "))"), at: range)
        }
        return word
    }

    /// A flat list of finite numbers.
    func vector(_ what: String, at range: SourceRange?) throws -> [Double] {
        switch self {
        case let .number(v):
            guard v.isFinite else { throw Diagnostic(.value, "expected \(what) to hold finite numbers, found \(formatNumber(v))", at: range) }
            return [v]
        case let .list(items):
            return try items.enumerated().map { i, item in
                guard case let .number(v) = item else {
                    throw Diagnostic(.shape, "expected \(what) to be a list of numbers, found \(item.kindDescription) at position \(i + 1)", at: range)
                }
                guard v.isFinite else { throw Diagnostic(.value, "expected \(what) to hold finite numbers, found \(formatNumber(v)) at position \(i + 1)", at: range) }
                return v
            }
        default:
            throw Diagnostic(.value, "expected \(what) to be a list of numbers, found \(kindDescription)", at: range)
        }
    }

    /// A rectangular matrix of finite numbers, as rows.
    func matrix(_ what: String, at range: SourceRange?) throws -> [[Double]] {
        guard case let .list(rows) = self else { throw Diagnostic(.value, "expected \(what) to be a matrix (a list of rows), found \(kindDescription)", at: range) }
        let parsed = try rows.enumerated().map { i, row in try row.vector("row \(i + 1) of \(what)", at: range) }
        if let first = parsed.first, let bad = parsed.firstIndex(where: { $0.count != first.count }) {
            throw Diagnostic(.shape, "expected every row of \(what) to have \(first.count) values, found \(parsed[bad].count) in row \(bad + 1)", at: range)
        }
        return parsed
    }

    /// A sequence of time steps: a list of vectors, or a list of scalars (each a step of width 1).
    func sequence(_ what: String, at range: SourceRange?) throws -> [[Double]] {
        guard case let .list(items) = self, !items.isEmpty else {
            throw Diagnostic(.value, "expected \(what) to be a sequence (a list of time steps), found \(kindDescription)", at: range)
        }
        if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
            return try vector(what, at: range).map { [$0] }
        }
        return try items.enumerated().map { i, step in
            guard case .list = step else {
                throw Diagnostic(.shape, "expected every step of \(what) to be a vector, found \(step.kindDescription) at t=\(i + 1)", at: range)
            }
            return try step.vector("x_\(i + 1)", at: range)
        }
    }
}

extension Value {
    /// A value from numbers: a vector, or a matrix from a tensor with two dimensions.
    static func from(_ t: Tensor) -> Value {
        if t.shape.count == 2 {
            return .list((0..<t.rows).map { r in .list((0..<t.cols).map { .number(t[r, $0]) }) })
        }
        return .list(t.values.map { .number($0) })
    }

    static func from(_ rows: [[Double]]) -> Value { .list(rows.map { .list($0.map { .number($0) }) }) }
}

/// A vector for tables: at most four decimals.
func vec(_ v: [Double]) -> String { NumberFormat.vector(v, decimals: 4) }
