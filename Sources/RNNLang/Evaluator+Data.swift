import RNN
import Store

extension StatementContext {
    /// Functions callable in expressions: the math functions (Evaluator+Functions.swift), then the dataset constructors of language.md.
    mutating func callFunction(_ name: String, _ args: [Expr], _ options: [OptionArg], _ range: SourceRange) throws -> Value {
        if FeatureHelp.names.contains(name) { return try callTextFeature(name, args, options, range) }
        if Seq2SeqHelp.datasetNames.contains(name) { return try callTranslationData(name, args, options, range) }
        if let v = try callMath(name, args, options, range) { return v }
        guard datasetNames.contains(name) else {
            let functions = MathFunctions.names + FeatureHelp.names
            throw Diagnostic(.name, withSuggestion("unknown function '\(name)'", name, datasetNames + functions, then: "the functions are \(functions.joined(separator: ", ")) and the datasets \(datasetNames.joined(separator: ", "))"), at: range)
        }
        let allowed = DatasetHelp.options(of: name)
        var seen = Set<String>()
        for o in options {
            guard allowed.contains(o.key) else {
                let list = allowed.isEmpty ? "\(name)(...) takes no options" : "expected one of \(allowed.joined(separator: ", "))"
                throw Diagnostic(.value, withSuggestion("unknown option '\(o.key)' for \(name)(...)", o.key, allowed, then: list), at: o.keyRange)
            }
            guard seen.insert(o.key).inserted else { throw Diagnostic(.value, "option '\(o.key)' is given twice", at: o.keyRange) }
        }
        func option(_ key: String) -> OptionArg? { options.first { $0.key == key } }
        func int(_ key: String, default d: Int? = nil, min: Int = 1) throws -> Int {
            guard let o = option(key) else {
                if let d { return d }
                throw Diagnostic(.value, "\(name)(...) needs \(key)=N", at: range)
            }
            return try eval(o.value).integer(key, at: o.value.range, min: min)
        }
        func double(_ key: String, default d: Double) throws -> Double {
            guard let o = option(key) else { return d }
            return try eval(o.value).number(key, at: o.value.range)
        }
        // A dataset with no seed of its own draws one from the session stream; the summary shows it.
        var drawn: UInt64 = 0
        if ["sine", "adding", "copy", "parity"].contains(name) {
            if let o = option("seed") { drawn = UInt64(try eval(o.value).integer("seed", at: o.value.range, min: 0)) } else { drawn = state.rng.next() % 1_000_000 }
        }
        func seed() -> UInt64 { drawn }
        func noPositional() throws {
            if let a = args.first { throw Diagnostic(.value, "\(name)(...) takes options only (key=value), found a positional value", at: a.range) }
        }
        do {
            let d: Dataset
            switch name {
            case "sine":
                try noPositional()
                d = try Datasets.sine(count: int("count"), length: int("length"), step: double("step", default: 0.1),
                                      noise: double("noise", default: 0), seed: seed())
            case "adding":
                try noPositional()
                d = try Datasets.adding(count: int("count"), length: int("length", min: 2), seed: seed())
            case "copy":
                try noPositional()
                d = try Datasets.copy(count: int("count"), length: int("length"), symbols: int("symbols", default: 8), seed: seed())
            case "parity":
                try noPositional()
                d = try Datasets.parity(count: int("count"), length: int("length"), seed: seed())
            case "text":
                let seq = try int("seq", default: 25)
                let stride = try option("stride").map { try eval($0.value).integer("stride", at: $0.value.range, min: 1) }
                if let f = option("file") {
                    guard args.isEmpty else { throw Diagnostic(.value, "text(...) takes either a string or file=, not both", at: range) }
                    let path = try eval(f.value).text("file", at: f.value.range)
                    let content: String
                    do { content = try readTextFile(path) } catch let error as FileReadError {
                        throw Diagnostic(.io, "cannot read \(path): \(error)", at: f.value.range)
                    }
                    d = try Datasets.text(content, seq: seq, stride: stride, origin: "text(file=\(quote(path)), seq=\(seq)\(stride.map { ", stride=\($0)" } ?? ""))")
                } else {
                    guard args.count == 1 else { throw Diagnostic(.value, "text(...) needs one string, or file=\"PATH\"", at: range) }
                    d = try Datasets.text(try eval(args[0]).text("the text", at: args[0].range), seq: seq, stride: stride)
                }
            case "tagged" where option("file") != nil:
                guard args.isEmpty else { throw Diagnostic(.value, "tagged(...) takes either a list of [sentence, tags] pairs or file=, not both", at: range) }
                let f = option("file")!
                if let l = option("lower") {
                    throw Diagnostic(.value, "tagged(file=...) keeps the words as the file writes them; lower= applies to a list of [sentence, tags] pairs", at: l.keyRange)
                }
                let path = try eval(f.value).text("file", at: f.value.range)
                let content: String
                do { content = try readTextFile(path) } catch let error as FileReadError {
                    throw Diagnostic(.io, "cannot read \(path): \(error)", at: f.value.range)
                }
                d = try Datasets.tagged(tsv: content, path: path)
            case "sentences", "tagged":
                guard args.count == 1 else { throw Diagnostic(.value, "\(name)(...) needs one list of [sentence, \(name == "tagged" ? "tags" : "label")] pairs", at: range) }
                let pairs = try stringPairs(eval(args[0]), what: name == "tagged" ? "[sentence, tags]" : "[sentence, label]", at: args[0].range)
                let lower = try option("lower").map { try evalOption($0.value).boolean("lower", at: $0.value.range) } ?? true
                d = name == "tagged" ? try Datasets.tagged(pairs.map { (text: $0.0, tags: $0.1) }, lower: lower)
                    : try Datasets.sentences(pairs.map { (text: $0.0, label: $0.1) }, lower: lower)
            case "csv":
                guard args.count == 1 else { throw Diagnostic(.value, "csv(...) needs the file's path first: csv(\"PATH\", column=\"NAME\")", at: range) }
                let path = try eval(args[0]).text("the path", at: args[0].range)
                guard let c = option("column") else { throw Diagnostic(.value, "csv(...) needs column=\"NAME\"", at: range) }
                let column = try eval(c.value).text("column", at: c.value.range)
                let window = try int("window", default: 20)
                d = try Datasets.series(try Datasets.csvColumn(path: path, column: column), window: window,
                                        summary: "csv(\(quote(path)), column=\(quote(column)), window=\(window))")
            default:  // pairs
                guard args.count == 1 else { throw Diagnostic(.value, "pairs(...) needs one list of [SEQ, TARGET] pairs", at: range) }
                d = try pairs(eval(args[0]), at: args[0].range)
            }
            return .dataset(d)
        } catch let e as ModelError {
            throw modelError(e, ArgumentPlaces(data: range, options: options, statement: range))
        }
    }

    func stringPairs(_ v: Value, what: String, at range: SourceRange) throws -> [(String, String)] {
        guard case let .list(items) = v, !items.isEmpty else { throw Diagnostic(.value, "expected a list of \(what) pairs, found \(v.kindDescription)", at: range) }
        return try items.enumerated().map { i, item in
            guard case let .list(p) = item, p.count == 2, case let .string(a) = p[0], case let .string(b) = p[1] else {
                throw Diagnostic(.value, "expected item \(i + 1) to be \(what) (two strings), found \(item.literal)", at: range)
            }
            return (a, b)
        }
    }

    /// `pairs([[SEQ, TARGET], ...])`: TARGET a vector, a class index, or a sequence as long as SEQ.
    func pairs(_ v: Value, at range: SourceRange) throws -> Dataset {
        guard case let .list(items) = v, !items.isEmpty else { throw Diagnostic(.value, "expected a list of [SEQ, TARGET] pairs, found \(v.kindDescription)", at: range) }
        var inputs: [[[Double]]] = []
        var vectors: [[Double]] = [], classes: [Int] = [], sequences: [[[Double]]] = []
        var kind: String?
        for (i, item) in items.enumerated() {
            guard case let .list(p) = item, p.count == 2 else { throw Diagnostic(.value, "expected item \(i + 1) to be [SEQ, TARGET]", at: range) }
            let seq = try p[0].sequence("the sequence of item \(i + 1)", at: range)
            inputs.append(seq)
            let k: String
            switch p[1] {
            case let .number(n):
                guard n == n.rounded(), n >= 0, n < 100_000 else { throw Diagnostic(.value, "expected item \(i + 1)'s class to be a whole number ≥ 0, found \(formatNumber(n))", at: range) }
                classes.append(Int(n))
                k = "class"
            case let .list(t) where !t.isEmpty && t.allSatisfy({ if case .list = $0 { return true } else { return false } }):
                let s = try p[1].sequence("the target sequence of item \(i + 1)", at: range)
                guard s.count == seq.count else { throw Diagnostic(.shape, "item \(i + 1) has \(seq.count) steps but \(s.count) targets", at: range) }
                sequences.append(s)
                k = "sequence"
            case .list:
                vectors.append(try p[1].vector("the target of item \(i + 1)", at: range))
                k = "vector"
            default:
                throw Diagnostic(.value, "expected item \(i + 1)'s target to be a vector, a class index or a sequence, found \(p[1].kindDescription)", at: range)
            }
            if let kind, kind != k { throw Diagnostic(.value, "item \(i + 1)'s target is a \(k), but earlier targets are \(kind)s: all targets must be of one kind", at: range) }
            kind = k
        }
        // Every step, not only each sequence's first: a ragged step would fail only later, at predict.
        for (i, seq) in inputs.enumerated() {
            if let t = seq.firstIndex(where: { $0.count != seq[0].count }) {
                throw Diagnostic(.shape, "expected the steps of item \(i + 1)'s sequence to have one width, found \(seq[0].count) at t=1 and \(seq[t].count) at t=\(t + 1)", at: range)
            }
        }
        let widths = Set(inputs.map { $0.first?.count ?? 0 })
        guard widths.count == 1 else { throw Diagnostic(.shape, "expected every sequence to have steps of one width, found widths \(widths.sorted().map(String.init).joined(separator: ", "))", at: range) }
        let targets: Dataset.Targets
        switch kind {
        case "class": targets = .classes(classes)
        case "sequence":
            targets = .vectorSequences(sequences)
            if let r = Dataset(name: "pairs", summary: "", inputs: inputs, targets: targets).raggedTargetStep {
                throw Diagnostic(.shape, "expected every step of the target sequences to have \(r.expected) value\(r.expected == 1 ? "" : "s") (as item 1's first step has), found \(r.width) in item \(r.example + 1) at t=\(r.step + 1)", at: range)
            }
        default:
            guard Set(vectors.map(\.count)).count == 1 else { throw Diagnostic(.shape, "expected every target vector to have the same width", at: range) }
            targets = .vectors(vectors)
        }
        return Dataset(name: "pairs", summary: "pairs(\(items.count) example\(items.count == 1 ? "" : "s"))", inputs: inputs, targets: targets)
    }
}
