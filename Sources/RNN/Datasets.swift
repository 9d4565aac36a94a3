#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The dataset generators of language.md. Each is deterministic for its seed.
public enum Datasets {
    static func oneHot(_ k: Int, _ n: Int) -> [Double] {
        var v = [Double](repeating: 0, count: n)
        v[k] = 1
        return v
    }

    static func requirePositive(_ name: String, _ v: Int, max: Int = 1_000_000) throws {
        guard v >= 1 else { throw ModelError(.value, "expected \(name) to be at least 1, found \(v)") }
        guard v <= max else { throw ModelError(.value, "expected \(name) to be at most \(max), found \(v)") }
    }

    /// `length` samples of sin(phase + step·t) (+ noise), phase uniform in [0, 2π); the target at
    /// each step is the next sample.
    public static func sine(count: Int, length: Int, step: Double = 0.1, noise: Double = 0, seed: UInt64) throws -> Dataset {
        try requirePositive("count", count)
        try requirePositive("length", length, max: 100_000)
        guard step.isFinite else { throw ModelError(.value, "expected step to be a finite number, found \(formatValue(step))", about: .option("step")) }
        guard noise.isFinite, noise >= 0 else { throw ModelError(.value, "expected noise to be a finite number ≥ 0, found \(formatValue(noise))", about: .option("noise")) }
        try Budget.checkDataset(count, length, 2)
        var rng = SplitMix64(seed: seed)
        var inputs: [[[Double]]] = [], targets: [[[Double]]] = []
        for _ in 0..<count {
            try Interruption.check()
            let phase = rng.uniform(0, 2 * Double.pi)
            let wave = (0...length).map { sin(phase + step * Double($0)) + (noise > 0 ? noise * rng.normal() : 0) }
            // step=1e308 takes the phase past the largest double (sin(inf) is NaN); a huge noise likewise.
            guard wave.allSatisfy(\.isFinite) else {
                throw ModelError(.value, "sine(step=\(formatValue(step)), noise=\(formatValue(noise))) gives values that are not finite numbers; expected a step and noise that keep the wave finite")
            }
            inputs.append(wave.prefix(length).map { [$0] })
            targets.append(wave.dropFirst().map { [$0] })
        }
        return Dataset(name: "sine", summary: "sine(count=\(count), length=\(length), step=\(formatValue(step)), noise=\(formatValue(noise)), seed=\(seed))",
                       inputs: inputs, targets: .vectorSequences(targets))
    }

    /// The adding problem: steps [value, marker], value in U[0,1); one marked step in each half;
    /// the target is the sum of the two marked values.
    public static func adding(count: Int, length: Int, seed: UInt64) throws -> Dataset {
        try requirePositive("count", count)
        guard length >= 2 else { throw ModelError(.value, "expected length to be at least 2 (two numbers are marked), found \(length)") }
        try requirePositive("length", length, max: 100_000)
        try Budget.checkDataset(count, length + 1, 2)
        var rng = SplitMix64(seed: seed)
        var inputs: [[[Double]]] = [], targets: [[Double]] = []
        for _ in 0..<count {
            try Interruption.check()
            var seq = (0..<length).map { _ in [rng.uniform(), 0.0] }
            let half = length / 2
            let a = rng.below(half), b = half + rng.below(length - half)
            seq[a][1] = 1
            seq[b][1] = 1
            inputs.append(seq)
            targets.append([seq[a][0] + seq[b][0]])
        }
        return Dataset(name: "adding", summary: "adding(count=\(count), length=\(length), seed=\(seed))", inputs: inputs, targets: .vectors(targets))
    }

    /// The copy task: 10 symbols, `length` blanks, a go marker and 9 blanks in; blanks then the 10
    /// symbols out. Classes: "_" (blank), the symbols "1"…, and ">" (go).
    public static func copy(count: Int, length: Int, symbols: Int = 8, seed: UInt64) throws -> Dataset {
        try requirePositive("count", count)
        try requirePositive("length", length, max: 100_000)
        guard (1...64).contains(symbols) else { throw ModelError(.value, "expected symbols between 1 and 64, found \(symbols)") }
        var rng = SplitMix64(seed: seed)
        let width = symbols + 2, go = symbols + 1
        try Budget.checkDataset(count, length + 20, width + 1)
        var inputs: [[[Double]]] = [], targets: [[Int]] = []
        for _ in 0..<count {
            try Interruption.check()
            let s = (0..<10).map { _ in 1 + rng.below(symbols) }
            let x = s + [Int](repeating: 0, count: length) + [go] + [Int](repeating: 0, count: 9)
            inputs.append(x.map { oneHot($0, width) })
            targets.append([Int](repeating: 0, count: length + 10) + s)
        }
        let names = ["_"] + (1...symbols).map(String.init) + [">"]
        return Dataset(name: "copy", summary: "copy(count=\(count), length=\(length), symbols=\(symbols), seed=\(seed))",
                       inputs: inputs, targets: .classSequences(targets), inputVocabulary: names, classNames: names)
    }

    /// Random bits, one a step; the class is their XOR.
    public static func parity(count: Int, length: Int, seed: UInt64) throws -> Dataset {
        try requirePositive("count", count)
        try requirePositive("length", length, max: 100_000)
        try Budget.checkDataset(count, length + 1, 1)
        var rng = SplitMix64(seed: seed)
        var inputs: [[[Double]]] = [], labels: [Int] = []
        for _ in 0..<count {
            try Interruption.check()
            let bits = (0..<length).map { _ in rng.below(2) }
            inputs.append(bits.map { [Double($0)] })
            labels.append(bits.reduce(0, ^))
        }
        return Dataset(name: "parity", summary: "parity(count=\(count), length=\(length), seed=\(seed))", inputs: inputs,
                       targets: .classes(labels), classNames: ["0", "1"])
    }

    /// Windows of `seq` characters (one after another); the target at each step is the next character.
    /// Windows of `seq` characters, one starting every `stride` characters (default `seq`: the
    /// windows tile the text; a smaller stride overlaps them, as char-rnn's training windows do).
    public static func text(_ text: String, seq: Int = 25, stride: Int? = nil, origin: String? = nil) throws -> Dataset {
        try requirePositive("seq", seq, max: 100_000)
        if let stride, stride < 1 || stride > seq {
            throw ModelError(.value, "expected stride from 1 to seq (\(seq)), found \(stride)", about: .option("stride"))
        }
        // Each step keeps a reference to a shared one-hot x_t and a class: two numbers' worth; overlapping
        // windows read each character about seq/stride times.
        try Budget.checkDataset(text.count, 2, stride.map { (seq + $0 - 1) / $0 } ?? 1)
        let chars = Array(text)
        guard chars.count >= 2 else { throw ModelError(.value, "expected a text of at least 2 characters, found \(chars.count)") }
        let vocab = Array(Set(chars)).sorted()
        // The shared one-hots are a vocabulary × vocabulary table: 20000 distinct characters would be 3 GB.
        try Budget.checkDataset(vocab.count, vocab.count)
        let index = Dictionary(uniqueKeysWithValues: vocab.enumerated().map { ($1, $0) })
        let names = vocab.map(String.init)
        // Id 0 is <unk>, what a model trained here reads for a character it has never seen (Vocabulary.swift).
        let vocabulary = Vocabulary(tokens: [Vocabulary.unknown] + names, level: .character)
        let codes = chars.map { index[$0]! }
        // One x_t per symbol, shared by every step that reads it (arrays are copied on write).
        let hot = vocab.indices.map { oneHot($0, vocab.count) }
        var inputs: [[[Double]]] = [], targets: [[Int]] = []
        inputs.reserveCapacity(chars.count / seq + 1)
        targets.reserveCapacity(chars.count / seq + 1)
        var start = 0
        while start + 1 < chars.count {
            let end = min(start + seq, chars.count - 1)
            inputs.append(codes[start..<end].map { hot[$0] })
            targets.append(Array(codes[(start + 1)...end]))
            if end == chars.count - 1 { break }
            start = stride.map { start + $0 } ?? end
        }
        let shown = origin ?? "text(\(quoted(String(text.prefix(24))))\(text.count > 24 ? "…" : ""), seq=\(seq)\(stride.map { ", stride=\($0)" } ?? ""))"
        var d = Dataset(name: "text", summary: shown, inputs: inputs, targets: .classSequences(targets), inputVocabulary: names, classNames: names)
        d.vocabulary = vocabulary
        return d
    }

    /// Splits a sentence into words (lowercased unless `lower` is false), dropping punctuation at their edges.
    public static func words(_ s: String, lower: Bool = true) -> [String] {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { w in
            var word = lower ? Substring(w.lowercased()) : w
            while let f = word.first, ".,!?;:\"'()".contains(f) { word.removeFirst() }
            while let l = word.last, ".,!?;:\"'()".contains(l) { word.removeLast() }
            return String(word)
        }.filter { !$0.isEmpty }
    }

    /// Sentences as one-hot words over their sorted vocabulary (lowercased unless `lower` is false); one label each.
    public static func sentences(_ examples: [(text: String, label: String)], lower: Bool = true) throws -> Dataset {
        guard !examples.isEmpty else { throw ModelError(.value, "expected at least one [sentence, label] pair") }
        let tokenised = examples.map { words($0.text, lower: lower) }
        if let e = tokenised.firstIndex(where: { $0.isEmpty }) { throw ModelError(.value, "sentence \(e + 1) has no words") }
        // A blank label would be a class with no name in every table, plot and file after it.
        if let e = examples.firstIndex(where: { $0.label.allSatisfy(\.isWhitespace) }) {
            throw ModelError(.value, "sentence \(e + 1) has an empty label; expected a class name such as \"pos\"")
        }
        let vocabulary = Vocabulary(building: tokenised, level: .word, lower: lower)
        // Every word is a one-hot x_t of the vocabulary's width: words × width numbers.
        try Budget.checkDataset(tokenised.reduce(0) { $0 + $1.count }, vocabulary.width)
        var labels: [String] = []
        for e in examples where !labels.contains(e.label) { labels.append(e.label) }
        let inputs = tokenised.map { $0.map { vocabulary.oneHot(vocabulary.id(of: $0) ?? 0) } }
        let classes = examples.map { e in labels.firstIndex(of: e.label)! }
        var d = Dataset(name: "sentences", summary: "sentences(\(Wording.counted(examples.count, "sentence")), \(Wording.counted(vocabulary.width, "word")), "
                            + "\(labels.count == 1 ? "label" : "labels") \(labels.joined(separator: "/"))\(lower ? "" : ", lower=false"))",
                        inputs: inputs, targets: .classes(classes), inputVocabulary: vocabulary.words, classNames: labels)
        d.vocabulary = vocabulary
        return d
    }

    /// Sentences with one tag a word; `lower` lowercases the words (and drops punctuation at their edges).
    /// A corpus file (`origin`) keeps its tokens exactly as written: one tag each, punctuation included.
    public static func tagged(_ examples: [(text: String, tags: String)], lower: Bool = true, origin: String? = nil) throws -> Dataset {
        guard !examples.isEmpty else { throw ModelError(.value, "expected at least one [sentence, tags] pair") }
        let tokenised = examples.map { origin != nil ? $0.text.split(separator: " ").map(String.init) : words($0.text, lower: lower) }
        let tagLists = examples.map { $0.tags.split(separator: " ").map(String.init) }
        for (e, (w, t)) in zip(tokenised, tagLists).enumerated() where w.count != t.count || w.isEmpty {
            throw ModelError(.shape, "example \(e + 1) has \(w.count) word\(w.count == 1 ? "" : "s") but \(t.count) tag\(t.count == 1 ? "" : "s"): expected one tag a word")
        }
        let vocabulary = Vocabulary(building: tokenised, level: .word, lower: lower)
        try Budget.checkDataset(tokenised.reduce(0) { $0 + $1.count }, vocabulary.width)
        var tags: [String] = []
        for t in tagLists.flatMap({ $0 }) where !tags.contains(t) { tags.append(t) }
        let counts = "\(Wording.counted(examples.count, "sentence")), \(Wording.counted(vocabulary.width, "word")), \(Wording.counted(tags.count, "tag"))"
        var d = Dataset(name: "tagged", summary: origin.map { "\($0) · \(counts)" } ?? "tagged(\(counts)\(lower ? "" : ", lower=false"))",
                        inputs: tokenised.map { $0.map { vocabulary.oneHot(vocabulary.id(of: $0) ?? 0) } },
                        targets: .classSequences(tagLists.map { $0.map { tags.firstIndex(of: $0)! } }),
                        inputVocabulary: vocabulary.words, classNames: tags)
        d.vocabulary = vocabulary
        return d
    }

    /// A tagged corpus file: one `sentence<TAB>tags` a line, words and tags split by single spaces
    /// (data/ner/*.tsv); words are kept as written. Blank lines are skipped.
    public static func tagged(tsv content: String, path: String) throws -> Dataset {
        var examples: [(text: String, tags: String)] = []
        var wordCount = 0, distinct = Set<Substring>()
        try forEachLine(content) { n, raw in
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw ModelError(.value, "\(path), line \(n): expected `sentence<TAB>tags` (two fields split by one tab), found \(fields.count) field\(fields.count == 1 ? "" : "s")")
            }
            let sentence = fields[0].split(separator: " ")
            let words = sentence.count, tags = fields[1].split(separator: " ").count
            guard words == tags, words > 0 else {
                throw ModelError(.shape, "\(path), line \(n) has \(words) word\(words == 1 ? "" : "s") but \(tags) tag\(tags == 1 ? "" : "s"): expected one tag a word")
            }
            examples.append((String(fields[0]), String(fields[1])))
            // The dataset holds a one-hot row a word, as wide as the distinct words: both only grow,
            // so the line where their product passes the limit is where the whole file would, and
            // reading stops there rather than after splitting every sentence.
            wordCount += words
            for w in sentence where w != Vocabulary.unknown { distinct.insert(w) }
            try Budget.check(Sizes.product(wordCount, distinct.count), \.maxDatasetValues, "the dataset's numbers, by line \(n) of \(path),")
        }
        guard !examples.isEmpty else { throw ModelError(.value, "\(path) holds no sentences: expected one `sentence<TAB>tags` a line") }
        try Budget.checkDataset(examples.count, 2)
        return try tagged(examples, lower: false, origin: "tagged(file=\(quoted(path)))")
    }

    /// Windows of `window` values of a series; the target at each step is the next value.
    public static func series(_ values: [Double], window: Int, summary: String) throws -> Dataset {
        try requirePositive("window", window, max: 100_000)
        guard values.count >= 2 else { throw ModelError(.value, "expected at least 2 values in the series, found \(values.count)") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(.value, "expected finite numbers, found \(formatValue(values[bad])) at row \(bad + 1)")
        }
        try Budget.checkDataset(values.count, 2)
        var inputs: [[[Double]]] = [], targets: [[[Double]]] = []
        var start = 0
        while start + 1 < values.count {
            let end = min(start + window, values.count - 1)
            inputs.append((start..<end).map { [values[$0]] })
            targets.append(((start + 1)...end).map { [values[$0]] })
            start = end
        }
        return Dataset(name: "csv", summary: summary, inputs: inputs, targets: .vectorSequences(targets))
    }

    /// UTF-8 text without the byte-order mark an editor on Windows may put first (U+FEFF, invisible,
    /// which would otherwise be part of the first word, column name or character).
    public static func textWithoutBOM(_ bytes: [UInt8]) -> String {
        String(decoding: withoutBOM(bytes), as: UTF8.self)
    }

    /// The bytes after a UTF-8 byte-order mark, or all of them when there is none.
    static func withoutBOM(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
    }

    /// Hands each line of a text file to `body` with its number (from 1), one at a time, without an
    /// array of every line first. Lines end at "\n" or "\r\n" ("\r\n" is one Character: splitting
    /// on "\n" alone would leave a Windows file one line); empty lines are kept so that numbers count
    /// every line, and an interrupt is heard every 65,536 lines.
    public static func forEachLine(_ text: String, _ body: (Int, Substring) throws -> Void) throws {
        var start = text.startIndex, more = true, n = 0
        while more {
            let end = text[start...].firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) ?? text.endIndex
            let line = text[start..<end]
            more = end < text.endIndex
            if more { start = text.index(after: end) }
            n += 1
            if n & 0xFFFF == 0 { try Interruption.check() }
            try body(n, line)
        }
    }

    /// One numeric column of CSV text already read (the path only names it in messages). Rows are
    /// RFC 4180 records (a quoted field may hold commas); messages give the file's line numbers.
    public static func csvColumn(bytes: [UInt8], path: String, column: String) throws -> [Double] {
        var c: Int?
        var out: [Double] = []
        try CSV.forEachRecord(withoutBOM(bytes), path: path) { row in
            guard let c else {
                c = try columnIndex(row.fields, path: path, column: column)
                return
            }
            let field = c < row.fields.count ? row.fields[c] : nil
            guard let field, let v = Double(field) else {
                throw ModelError(.value, "\(path), line \(row.line): expected a number in column '\(column)', found \(field.map { "'\($0)'" } ?? "only \(row.fields.count) field\(row.fields.count == 1 ? "" : "s")")")
            }
            guard v.isFinite else {
                throw ModelError(.value, "\(path), line \(row.line): expected a finite number in column '\(column)', found '\(field)'")
            }
            // Swift's Double(_:) also reads hexadecimal ("0x10" is 16); a CSV number is decimal, as
            // pandas and numpy read it, so a hex field is refused rather than silently converted.
            guard CSV.isDecimalNumber(field) else {
                throw ModelError(.value, "\(path), line \(row.line): expected a decimal number in column '\(column)' (such as 16, -0.5 or 1e-3), found '\(field)'")
            }
            out.append(v)
            // The series keeps each value as an input and as a target: stop where that passes the
            // limit, rather than after reading a file of millions of rows.
            if 2 * out.count > Budget.current.maxDatasetValues {
                try Budget.check(2 * out.count, \.maxDatasetValues, "the dataset's numbers, by line \(row.line) of \(path),")
            }
        }
        guard c != nil else { throw ModelError(.value, "\(path) is empty: expected a header row") }
        return out
    }

    /// Where `column` is in the header row: named once, or an error naming the columns there are.
    static func columnIndex(_ header: [String], path: String, column: String) throws -> Int {
        let matching = header.indices.filter { header[$0] == column }
        guard let c = matching.first else {
            let shown = header.prefix(20).joined(separator: ", ") + (header.count > 20 ? " and \(header.count - 20) more" : "")
            throw ModelError(.value, "\(path) has no column '\(column)'; its columns are \(shown)")
        }
        guard matching.count == 1 else {
            let places = matching.prefix(5).map { String($0 + 1) }.joined(separator: ", ")
            throw ModelError(.value, "\(path) has \(matching.count) columns named '\(column)' (columns \(places)): expected one, so that the column read is not a guess; rename the others")
        }
        return c
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingCharacters { $0 == "\"" ? "\\\"" : ($0 == "\n" ? "\\n" : ($0 == "\\" ? "\\\\" : String($0))) } + "\""
    }
}

extension String {
    func replacingCharacters(_ f: (Character) -> String) -> String { map(f).joined() }
}
