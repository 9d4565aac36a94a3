#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A documents × terms table of the classic text features of course article 003: bag of words,
/// n-grams, TF-IDF and BM25. Rows are documents, columns are terms (words or n-grams).
public struct TextFeatures: Equatable, Sendable {
    /// Which feature the numbers are.
    public enum Kind: String, Sendable {
        case bow, ngrams, tfidf, bm25
    }

    public var kind: Kind
    /// How it was made, as the user would write it: `tfidf(2 documents, style=course)`.
    public var summary: String
    /// Each document's words, after splitting and lowercasing.
    public var documents: [[String]]
    /// Column heads: the vocabulary (words or n-grams) in column order.
    public var terms: [String]
    /// documents.count rows of terms.count numbers.
    public var values: [[Double]]

    public init(kind: Kind, summary: String, documents: [[String]], terms: [String], values: [[Double]]) {
        self.kind = kind
        self.summary = summary
        self.documents = documents
        self.terms = terms
        self.values = values
    }

    /// For BM25, a document's score for the whole query: the sum of its terms' contributions.
    public var rowSums: [Double] { values.map { $0.reduce(0, +) } }
}

/// How `tfidf` weighs terms.
public enum TFIDFStyle: String, CaseIterable, Sendable {
    /// The course's formula: TF = count / words in the document, IDF = ln(N / (1 + DF)).
    case course
    /// scikit-learn's `TfidfVectorizer()` defaults: TF = count, IDF = ln((1 + N) / (1 + DF)) + 1, rows scaled to unit l2 norm.
    case sklearn
}

/// The formulas behind `bow`, `ngrams`, `tfidf` and `bm25`; documents are lists of words.
public enum TextFeatureMath {
    /// The n-grams of a document: each run of n consecutive words, joined by a space.
    public static func ngrams(_ words: [String], n: Int) -> [String] {
        guard n >= 1, words.count >= n else { return [] }
        return (0...(words.count - n)).map { words[$0..<($0 + n)].joined(separator: " ") }
    }

    /// Terms in the order they first appear, document by document.
    public static func vocabulary(_ documents: [[String]]) -> [String] {
        var seen = Set<String>(), order: [String] = []
        for d in documents { for t in d where seen.insert(t).inserted { order.append(t) } }
        return order
    }

    /// count(t, d) for every document and term; terms outside `terms` are not counted.
    public static func counts(_ documents: [[String]], terms: [String]) -> [[Double]] {
        let column = Dictionary(terms.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return documents.map { d in
            var row = [Double](repeating: 0, count: terms.count)
            for t in d { if let c = column[t] { row[c] += 1 } }
            return row
        }
    }

    /// DF(t): how many documents contain t at least once.
    public static func documentFrequencies(_ counts: [[Double]], termCount: Int) -> [Double] {
        var df = [Double](repeating: 0, count: termCount)
        for row in counts { for (c, v) in row.enumerated() where v > 0 { df[c] += 1 } }
        return df
    }

    /// Bag of words: counts, or 0/1 presence when `binary`.
    public static func bow(_ documents: [[String]], terms: [String], binary: Bool) -> [[Double]] {
        let c = counts(documents, terms: terms)
        return binary ? c.map { $0.map { $0 > 0 ? 1 : 0 } } : c
    }

    /// TF-IDF in the course's form or scikit-learn's; `documents` are the words each document has
    /// (TF's denominator counts them all, also those outside `terms`).
    public static func tfidf(_ documents: [[String]], terms: [String], style: TFIDFStyle) -> [[Double]] {
        let c = counts(documents, terms: terms)
        let df = documentFrequencies(c, termCount: terms.count)
        let n = Double(documents.count)
        switch style {
        case .course:
            let idf = df.map { log(n / (1 + $0)) }
            return zip(c, documents).map { row, d in
                let length = Double(max(d.count, 1))
                return row.enumerated().map { j, count in count / length * idf[j] }
            }
        case .sklearn:
            let idf = df.map { log((1 + n) / (1 + $0)) + 1 }
            return c.map { row in
                let weighted = row.enumerated().map { j, count in count * idf[j] }
                let norm = weighted.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return norm > 0 ? weighted.map { $0 / norm } : weighted
            }
        }
    }

    /// BM25's IDF as the course writes it: ln((N − DF + 0.5) / (DF + 0.5)), negative for a term in more than half the documents.
    public static func bm25IDF(documentFrequency df: Double, documents n: Double) -> Double {
        log((n - df + 0.5) / (df + 0.5))
    }

    /// Each query term's BM25 contribution to each document:
    /// IDF(t) · TF(t,d)·(k1 + 1) / (TF(t,d) + k1·(1 − b + b·|d| / avgdl)), TF a raw count.
    /// A document's score is its row's sum. `query` holds distinct terms.
    public static func bm25(_ documents: [[String]], query: [String], k1: Double, b: Double) -> [[Double]] {
        bm25(documents, query: query, terms: query, k1: k1, b: b)
    }

    /// BM25 with fixed columns `terms` (a vocabulary): a column's number is its term's contribution when
    /// the query has the term, else 0, so a row's sum is the score of the query's words that are in
    /// `terms`. DF, |d| and avgdl count every word of the documents, as `tfidf`'s TF does, so a column's
    /// numbers do not depend on which other terms are columns.
    public static func bm25(_ documents: [[String]], query: [String], terms: [String], k1: Double, b: Double) -> [[Double]] {
        let c = counts(documents, terms: terms)
        let df = documentFrequencies(c, termCount: terms.count)
        let asked = Set(query)
        let inQuery = terms.map { asked.contains($0) }
        let n = Double(documents.count)
        let avgdl = Double(documents.reduce(0) { $0 + $1.count }) / max(n, 1)
        return zip(c, documents).map { row, d in
            let lengthNorm = avgdl > 0 ? 1 - b + b * Double(d.count) / avgdl : 1
            return row.enumerated().map { j, tf in
                tf == 0 || !inQuery[j] ? 0 : bm25IDF(documentFrequency: df[j], documents: n) * tf * (k1 + 1) / (tf + k1 * lengthNorm)
            }
        }
    }
}
