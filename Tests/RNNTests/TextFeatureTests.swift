import Foundation
import XCTest
@testable import RNN

/// Bag of words, n-grams, TF-IDF and BM25 against the course's examples, hand-computed values and scikit-learn.
final class TextFeatureTests: XCTestCase {
    let article = [["猫", "喜欢", "鱼"], ["狗", "不", "喜欢", "鱼"]]

    func testBagOfWordsReproducesTheArticlesVectors() {
        // Course article 003: vocabulary [猫, 狗, 喜欢, 不, 鱼] gives [1,0,1,0,1] and [0,1,1,1,1].
        let v = TextFeatureMath.bow(article, terms: ["猫", "狗", "喜欢", "不", "鱼"], binary: false)
        XCTAssertEqual(v, [[1, 0, 1, 0, 1], [0, 1, 1, 1, 1]])
        XCTAssertEqual(TextFeatureMath.vocabulary(article), ["猫", "喜欢", "鱼", "狗", "不"])
        XCTAssertEqual(TextFeatureMath.bow([["a", "a", "b"]], terms: ["a", "b", "c"], binary: false), [[2, 1, 0]])
        XCTAssertEqual(TextFeatureMath.bow([["a", "a", "b"]], terms: ["a", "b", "c"], binary: true), [[1, 1, 0]])
        // Word order is lost: 我 打 你 and 你 打 我 are the same bag.
        let order = [["我", "打", "你"], ["你", "打", "我"]]
        let bag = TextFeatureMath.bow(order, terms: TextFeatureMath.vocabulary(order), binary: false)
        XCTAssertEqual(bag[0], bag[1])
    }

    func testNgramsKeepSomeOrder() {
        XCTAssertEqual(TextFeatureMath.ngrams(["猫", "喜欢", "吃", "鱼"], n: 2), ["猫 喜欢", "喜欢 吃", "吃 鱼"])
        XCTAssertEqual(TextFeatureMath.ngrams(["a", "b"], n: 3), [])
        XCTAssertEqual(TextFeatureMath.ngrams(["a", "b"], n: 1), ["a", "b"])
        let order = [["我", "打", "你"], ["你", "打", "我"]].map { TextFeatureMath.ngrams($0, n: 2) }
        let v = TextFeatureMath.bow(order, terms: TextFeatureMath.vocabulary(order), binary: false)
        XCTAssertEqual(TextFeatureMath.vocabulary(order), ["我 打", "打 你", "你 打", "打 我"])
        XCTAssertEqual(v, [[1, 1, 0, 0], [0, 0, 1, 1]])
    }

    func testCourseTFIDFByHand() {
        // N = 3. TF = count / words in the document, IDF = ln(N / (1 + DF)).
        let docs = [["a", "b", "b"], ["a", "c"], ["d"]]
        let terms = ["a", "b", "c", "d"]
        let v = TextFeatureMath.tfidf(docs, terms: terms, style: .course)
        let idfA = log(3.0 / 3.0), idfOnce = log(3.0 / 2.0)
        let expected: [[Double]] = [
            [1.0 / 3 * idfA, 2.0 / 3 * idfOnce, 0, 0],
            [1.0 / 2 * idfA, 0, 1.0 / 2 * idfOnce, 0],
            [0, 0, 0, 1 * idfOnce],
        ]
        for (row, want) in zip(v, expected) { for (x, y) in zip(row, want) { XCTAssertEqual(x, y, accuracy: 1e-15) } }
        // The article's two sentences: 喜欢 and 鱼 are in both (IDF ln(2/3) < 0), 猫 in one (IDF ln(2/2) = 0).
        let a = TextFeatureMath.tfidf(article, terms: ["猫", "喜欢"], style: .course)
        XCTAssertEqual(a[0][0], 0, accuracy: 1e-15)
        XCTAssertEqual(a[0][1], 1.0 / 3 * log(2.0 / 3.0), accuracy: 1e-15)
        XCTAssertEqual(a[1][1], 1.0 / 4 * log(2.0 / 3.0), accuracy: 1e-15)
    }

    func testSklearnStyleMatchesScikitLearn() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tfidf_sklearn.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let corpus = (json["corpus"] as! [String]).map { Datasets.words($0) }
        for (key, n) in [("unigrams", 1), ("bigrams", 2)] {
            let table = json[key] as! [String: Any]
            let terms = table["terms"] as! [String]
            let want = table["values"] as! [[Double]]
            let docs = n == 1 ? corpus : corpus.map { TextFeatureMath.ngrams($0, n: n) }
            // Our columns are in order of first appearance; scikit-learn's are sorted: compare term by term.
            XCTAssertEqual(Set(TextFeatureMath.vocabulary(docs)), Set(terms), key)
            let got = TextFeatureMath.tfidf(docs, terms: terms, style: .sklearn)
            for (r, (row, wantRow)) in zip(got, want).enumerated() {
                for (c, (x, y)) in zip(row, wantRow).enumerated() { XCTAssertEqual(x, y, accuracy: 1e-12, "\(key) document \(r + 1), \(terms[c])") }
            }
        }
    }

    func testBM25ByHand() {
        let docs = [["猫", "喜欢", "鱼"], ["狗", "不", "喜欢", "鱼"], ["猫", "猫", "睡觉"], ["狗", "跑"], ["鸟", "飞"]]
        let k1 = 1.5, b = 0.75, avgdl = 14.0 / 5
        let v = TextFeatureMath.bm25(docs, query: ["猫", "鱼"], k1: k1, b: b)
        // 猫 and 鱼 are each in 2 of 5 documents: IDF = ln((5 − 2 + 0.5) / (2 + 0.5)) = ln(1.4).
        let idf = log(1.4)
        func term(_ tf: Double, _ length: Double) -> Double { idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)) }
        let expected: [[Double]] = [[term(1, 3), term(1, 3)], [0, term(1, 4)], [term(2, 3), 0], [0, 0], [0, 0]]
        for (row, want) in zip(v, expected) { for (x, y) in zip(row, want) { XCTAssertEqual(x, y, accuracy: 1e-15) } }
        // Saturation: a second occurrence adds less than the first.
        XCTAssertLessThan(term(2, 3), 2 * term(1, 3))
        // The course's IDF is negative for a word in more than half the documents.
        XCTAssertLessThan(TextFeatureMath.bm25IDF(documentFrequency: 4, documents: 5), 0)
        XCTAssertEqual(TextFeatureMath.bm25IDF(documentFrequency: 1, documents: 5), log(4.5 / 1.5), accuracy: 1e-15)
    }

    func testBM25WithFixedColumns() {
        let docs = [["猫", "喜欢", "鱼"], ["狗", "不", "喜欢", "鱼"], ["猫", "猫", "睡觉"], ["狗", "跑"], ["鸟", "飞"]]
        let plain = TextFeatureMath.bm25(docs, query: ["猫", "鱼"], k1: 1.5, b: 0.75)
        // Columns in vocab order; 狗 is not in the query (zeros), 猫 and 鱼 as without vocab, bit for bit:
        // DF, |d| and avgdl count every word, also those outside the columns.
        let v = TextFeatureMath.bm25(docs, query: ["猫", "鱼"], terms: ["鱼", "狗", "猫"], k1: 1.5, b: 0.75)
        for (row, p) in zip(v, plain) { XCTAssertEqual(row, [p[1], 0, p[0]]) }
        // By hand, document 1's 鱼: ln(1.4) · 1·2.5 / (1 + 1.5·(0.25 + 0.75·3/2.8)) = 0.841187 / 2.580357.
        XCTAssertEqual(v[0][0], 0.3259940, accuracy: 1e-6)
        // A query word outside the columns is not counted: the row sums are the score of 猫 alone.
        let cat = TextFeatureMath.bm25(docs, query: ["猫", "鱼"], terms: ["猫"], k1: 1.5, b: 0.75)
        XCTAssertEqual(cat.map { $0.reduce(0, +) }, plain.map { $0[0] })
        XCTAssertEqual(TextFeatureMath.bm25(docs, query: ["猫"], terms: ["狗"], k1: 1.5, b: 0.75), [[0], [0], [0], [0], [0]])
    }
}

/// csv(...)'s reader: RFC 4180 quoting, line numbers that count every line, an ambiguous column refused.
final class CSVColumnTests: XCTestCase {
    func column(_ text: String, _ name: String = "y") throws -> [Double] {
        try Datasets.csvColumn(bytes: Array(text.utf8), path: "d.csv", column: name)
    }

    func message(_ text: String, _ name: String = "y") -> String {
        do { _ = try column(text, name); return "no error" } catch { return "\(error)" }
    }

    func testQuotedFieldsHoldCommasQuotesAndLineEnds() throws {
        // A quoted comma no longer shifts the columns after it.
        XCTAssertEqual(try column("name,y\n\"Paris, France\",1.5\n\"say \"\"hi\"\"\", 2\n\"two\nlines\",3\r\n"), [1.5, 2, 3])
        XCTAssertEqual(try column("\u{FEFF}y,z\r\n1,\r\n\r\n2,x\n"), [1, 2])
        XCTAssertEqual(try column(" \"y\" ,z\n 4 ,5"), [4])
        XCTAssertEqual(try column("x,y\n1,2,"), [2])
    }

    /// The column counts against the dataset limit as it is read (a value is an input and a target):
    /// 49M rows of "1" were read whole first and took 4.3 GB before the limit refused them.
    func testTheColumnStopsAtTheDatasetLimitWhileRead() throws {
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxDatasetValues = 10
        XCTAssertEqual(try column("y\n1\n2\n3\n4\n5\n"), [1, 2, 3, 4, 5])
        let m = message("y\n1\n2\n3\n\n4\n5\n6\n7\n")
        XCTAssertTrue(m.contains("by line 8 of d.csv, would be 12") && m.contains("RNNKERNEL_MAX_DATASET_VALUES"), m)
        XCTAssertTrue(message("").contains("d.csv is empty: expected a header row"), message(""))
        XCTAssertTrue(message("\n\n").contains("d.csv is empty"), message("\n\n"))
    }

    func testMessagesNameTheFilesLine() {
        // Line 4: a blank line and a quoted line end are counted, as an editor numbers them.
        XCTAssertTrue(message("y\n1\n\nabc\n").contains("d.csv, line 4: expected a number in column 'y', found 'abc'"), message("y\n1\n\nabc\n"))
        XCTAssertTrue(message("n,y\n\"a\nb\",1\nc\n").contains("line 4: expected a number in column 'y', found only 1 field"), message("n,y\n\"a\nb\",1\nc\n"))
        XCTAssertTrue(message("y\n1\nnan\n").contains("line 3: expected a finite number in column 'y', found 'nan'"), message("y\n1\nnan\n"))
        XCTAssertTrue(message("y\n\"1\n").contains("line 2: a quoted field is never closed"), message("y\n\"1\n"))
        XCTAssertTrue(message("y\n\"1\"2\n").contains("line 2: expected a comma or the line's end"), message("y\n\"1\"2\n"))
    }

    /// Double(_:) alone read "0x10" as 16 and "0x1p-2" as 0.25; a CSV column is decimal.
    func testHexadecimalIsNotANumberInACSV() throws {
        XCTAssertEqual(try column("y\n16\n-0.5\n+.5\n1.\n1e-3\n2E+2\n007\n"), [16, -0.5, 0.5, 1, 0.001, 200, 7])
        for bad in ["0x10", "0x1p-2", "-0X1A"] {
            let m = message("y\n1\n\(bad)\n")
            XCTAssertTrue(m.contains("line 3: expected a decimal number in column 'y' (such as 16, -0.5 or 1e-3), found '\(bad)'"), m)
        }
        for word in ["inf", "-infinity", "NaN"] {
            XCTAssertTrue(message("y\n\(word)\n").contains("expected a finite number"), word)
        }
        for notNumber in [".", "e5", "1e", "1e+", "+", "1.2.3", "1 2"] {
            XCTAssertFalse(CSV.isDecimalNumber(notNumber), notNumber)
        }
    }

    func testARepeatedColumnNameIsRefused() {
        XCTAssertTrue(message("y,x,y\n1,2,3\n").contains("2 columns named 'y' (columns 1, 3)"), message("y,x,y\n1,2,3\n"))
        XCTAssertEqual(try column("y,x,x\n1,2,3\n"), [1])
        XCTAssertTrue(message("a,b\n1,2\n").contains("no column 'y'; its columns are a, b"))
        XCTAssertTrue(message("").contains("is empty"))
    }
}
