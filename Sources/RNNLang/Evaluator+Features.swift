import Jupyter
import Plot
import RNN

extension StatementContext {
    /// `bow(DATA)`, `ngrams(DATA, n=2)`, `tfidf(DATA)`, `bm25(DATA, "query")`: text features as values.
    mutating func callTextFeature(_ name: String, _ args: [Expr], _ options: [OptionArg], _ range: SourceRange) throws -> Value {
        let allowed = FeatureHelp.options(of: name)
        var seen = Set<String>()
        for o in options {
            guard allowed.contains(o.key) else {
                throw Diagnostic(.value, withSuggestion("unknown option '\(o.key)' for \(name)(...)", o.key, allowed, then: "expected one of \(allowed.joined(separator: ", "))"), at: o.keyRange)
            }
            guard seen.insert(o.key).inserted else { throw Diagnostic(.value, "option '\(o.key)' is given twice", at: o.keyRange) }
        }
        func option(_ key: String) -> OptionArg? { options.first { $0.key == key } }
        let positional = name == "bm25" ? 2 : 1
        guard args.count == positional else {
            let shape = name == "bm25" ? "bm25(DATA, \"query\")" : "\(name)(DATA)"
            throw Diagnostic(.value, "\(name)(...) needs \(positional == 2 ? "a dataset or list of strings, then the query string" : "one dataset or list of strings"): \(shape)", at: range)
        }
        let lower = try option("lower").map { try evalOption($0.value).boolean("lower", at: $0.value.range) } ?? true
        let words = try documents(eval(args[0]), lower: lower, at: args[0].range)
        let n = try option("n").map { try eval($0.value).integer("n", at: $0.value.range, min: 1) } ?? (name == "ngrams" ? 2 : 1)
        guard n <= 10 else { throw Diagnostic(.value, "expected n to be at most 10, found \(n)", at: option("n")?.value.range ?? range) }
        let terms = n == 1 ? words : words.map { TextFeatureMath.ngrams($0, n: n) }
        var vocabulary = TextFeatureMath.vocabulary(terms)
        if let v = option("vocab") {
            vocabulary = try vocabList(eval(v.value), at: v.value.range)
        }
        let binary = try option("binary").map { try evalOption($0.value).boolean("binary", at: $0.value.range) } ?? false
        let count = Wording.counted(words.count, "document")
        // The table is documents × terms numbers, made before anything shows: refused up front.
        func checkTable(_ columns: Int) throws {
            try Budget.check(Sizes.product(words.count, columns), \.maxDatasetValues, "\(name)'s table (documents × terms)")
        }
        switch name {
        case "bow", "ngrams":
            try checkTable(vocabulary.count)
            let values = TextFeatureMath.bow(terms, terms: vocabulary, binary: binary)
            let kind: TextFeatures.Kind = name == "bow" ? .bow : .ngrams
            let summary = "\(name)(\(count), \(Wording.counted(vocabulary.count, name == "bow" ? "word" : "\(n)-gram"))\(binary ? ", binary" : ""))"
            return .features(TextFeatures(kind: kind, summary: summary, documents: words, terms: vocabulary, values: values))
        case "tfidf":
            let style = try option("style").map { TFIDFStyle(rawValue: try evalOption($0.value).choice("style", TFIDFStyle.allCases.map(\.rawValue), at: $0.value.range))! } ?? .course
            try checkTable(vocabulary.count)
            let values = TextFeatureMath.tfidf(terms, terms: vocabulary, style: style)
            let summary = "tfidf(\(count), \(Wording.counted(vocabulary.count, n == 1 ? "word" : "\(n)-gram")), style=\(style.rawValue))"
            return .features(TextFeatures(kind: .tfidf, summary: summary, documents: words, terms: vocabulary, values: values))
        default:  // bm25
            let query = try eval(args[1]).text("the query", at: args[1].range)
            let queryTerms = TextFeatureMath.vocabulary([Datasets.words(query, lower: lower)])
            guard !queryTerms.isEmpty else { throw Diagnostic(.value, "the query has no words", at: args[1].range) }
            func positive(_ key: String, default d: Double) throws -> Double {
                guard let o = option(key) else { return d }
                let v = try eval(o.value).number(key, at: o.value.range)
                guard v.isFinite, v >= 0 else { throw Diagnostic(.value, "expected \(key) to be a number ≥ 0, found \(formatNumber(v))", at: o.value.range) }
                return v
            }
            let k1 = try positive("k1", default: 1.5), b = try positive("b", default: 0.75)
            guard b <= 1 else { throw Diagnostic(.value, "expected b to be between 0 and 1, found \(formatNumber(b))", at: option("b")?.value.range ?? range) }
            // vocab= fixes the columns as for tfidf; query words outside it are not counted.
            let columns = option("vocab") == nil ? queryTerms : vocabulary
            if option("vocab") != nil, !queryTerms.contains(where: columns.contains) {
                warn("none of the query's words (\(queryTerms.joined(separator: ", "))) is in vocab: every score is 0")
            }
            try checkTable(columns.count)
            let values = TextFeatureMath.bm25(words, query: queryTerms, terms: columns, k1: k1, b: b)
            let summary = "bm25(\(count), \(quote(query)), k1=\(formatNumber(k1)), b=\(formatNumber(b))\(option("vocab") == nil ? "" : ", \(columns.count) vocab words"))"
            return .features(TextFeatures(kind: .bm25, summary: summary, documents: words, terms: columns, values: values))
        }
    }

    /// Each document's words: from a dataset of sentences (its one-hot words read back), or from a list of strings.
    func documents(_ v: Value, lower: Bool, at range: SourceRange) throws -> [[String]] {
        switch v {
        case let .dataset(d):
            guard ["sentences", "tagged"].contains(d.name), let vocab = d.inputVocabulary else {
                throw Diagnostic(.value, "expected a dataset of sentences (sentences(...) or tagged(...)) or a list of strings, found \(d.summary)", at: range)
            }
            return d.inputs.map { x in x.compactMap { step in step.firstIndex(of: 1).map { vocab[$0] } } }
        case let .list(items) where !items.isEmpty:
            return try items.enumerated().map { i, item in
                guard case let .string(s) = item else {
                    throw Diagnostic(.value, "expected a list of strings (one a document), found \(item.kindDescription) at position \(i + 1)", at: range)
                }
                return Datasets.words(s, lower: lower)
            }
        default:
            throw Diagnostic(.value, "expected a dataset of sentences or a list of strings (one a document), found \(v.kindDescription)", at: range)
        }
    }

    func vocabList(_ v: Value, at range: SourceRange) throws -> [String] {
        guard case let .list(items) = v, !items.isEmpty else { throw Diagnostic(.value, "expected vocab to be a list of strings, found \(v.kindDescription)", at: range) }
        var seen = Set<String>()
        return try items.enumerated().map { i, item in
            guard case let .string(s) = item, !s.isEmpty else { throw Diagnostic(.value, "expected vocab to be a list of non-empty strings, found \(item.kindDescription) at position \(i + 1)", at: range) }
            guard seen.insert(s).inserted else { throw Diagnostic(.value, "vocab lists '\(s)' twice", at: range) }
            return s
        }
    }

    /// `show` of text features: documents down, terms across (BM25 adds each document's score).
    func featureTable(_ f: TextFeatures) -> MimeBundle {
        let integral = f.kind == .bow || f.kind == .ngrams
        func number(_ v: Double) -> String { integral ? NumberFormat.short(v, decimals: 0) : NumberFormat.short(v, decimals: 4) }
        var headers = ["d", "document"] + f.terms
        if f.kind == .bm25 { headers.append("score") }
        let sums = f.rowSums
        let rows = f.values.enumerated().map { i, row in
            [String(i + 1), shorten(f.documents[i].joined(separator: " "))] + row.map(number) + (f.kind == .bm25 ? [number(sums[i])] : [])
        }
        let table = Table(title: f.summary, headers: headers, rows: rows,
                          alignments: [.right, .left] + headers.dropFirst(2).map { _ in .right })
        return tableBundle(table)
    }
}
