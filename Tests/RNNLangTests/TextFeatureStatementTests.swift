import XCTest
import Jupyter
import Plot
@testable import RNNLang

/// bow, ngrams, tfidf and bm25 as values of the language: tables, printing, errors.
final class TextFeatureStatementTests: XCTestCase {
    func run(_ source: String) throws -> String {
        let sink = RecordingSink()
        let e = Evaluator()
        let r = try e.run(source, output: sink)
        return sink.text + (r.result?["text/plain"]?.stringValue.map { "\n" + $0 } ?? "")
    }

    func error(_ source: String) -> Diagnostic? {
        do { _ = try run(source) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    func testShowBowIsTheArticlesTableWithWideCharactersAligned() throws {
        let text = try run("show bow([\"猫 喜欢 鱼\", \"狗 不 喜欢 鱼\"], vocab=[\"猫\", \"狗\", \"喜欢\", \"不\", \"鱼\"])")
        XCTAssertEqual(text, """
            bow(2 documents, 5 words)
            +---+---------------+----+----+------+----+----+
            | d | document      | 猫 | 狗 | 喜欢 | 不 | 鱼 |
            +---+---------------+----+----+------+----+----+
            | 1 | 猫 喜欢 鱼    |  1 |  0 |    1 |  0 |  1 |
            | 2 | 狗 不 喜欢 鱼 |  0 |  1 |    1 |  1 |  1 |
            +---+---------------+----+----+------+----+----+
            """)
        // Every line takes the same number of terminal columns (a Chinese character takes two).
        let widths = Set(text.split(separator: "\n").dropFirst().map { displayWidth(String($0)) })
        XCTAssertEqual(widths.count, 1)
    }

    func testPrintWritesTheNumbers() throws {
        XCTAssertEqual(try run("print bow([\"猫 喜欢 鱼\", \"狗 不 喜欢 鱼\"])"), "stdout: [[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]]\n")
        XCTAssertEqual(try run("print ngrams([\"我 打 你\", \"你 打 我\"])"), "stdout: [[1, 1, 0, 0], [0, 0, 1, 1]]\n")
    }

    func testFeaturesOfASentencesDatasetAndStyles() throws {
        let text = try run("""
            let s = sentences([["I am not happy", "neg"], ["I am happy", "pos"]])
            show tfidf(s, style=sklearn)
            """)
        XCTAssertTrue(text.hasPrefix("tfidf(2 documents, 4 words, style=sklearn)"), text)
        XCTAssertTrue(text.contains("| 1 | i am not happy | 0.4483 | 0.4483 | 0.6301 | 0.4483 |"), text)
        XCTAssertTrue(text.contains("| 2 | i am happy     | 0.5774 | 0.5774 |      0 | 0.5774 |"), text)
        let bm = try run("show bm25([\"猫 喜欢 鱼\", \"狗 不 喜欢 鱼\", \"猫 猫 睡觉\", \"狗 跑\", \"鸟 飞\"], \"猫 鱼\")")
        XCTAssertTrue(bm.contains("| 1 | 猫 喜欢 鱼    |  0.326 |  0.326 |  0.652 |"), bm)
        let cased = try run("show bow([\"Apple pie\", \"apple\"], lower=false)")
        XCTAssertTrue(cased.contains("| Apple | pie | apple |"), cased)
    }

    func testBM25VocabFixesTheColumns() throws {
        let bm = try run("show bm25([\"猫 喜欢 鱼\", \"狗 不 喜欢 鱼\", \"猫 猫 睡觉\", \"狗 跑\", \"鸟 飞\"], \"猫 鱼\", vocab=[\"鱼\", \"狗\", \"猫\"])")
        XCTAssertTrue(bm.hasPrefix("bm25(5 documents, \"猫 鱼\", k1=1.5, b=0.75, 3 vocab words)"), bm)
        XCTAssertTrue(bm.contains("| d | document      |     鱼 | 狗 |     猫 |  score |"), bm)
        XCTAssertTrue(bm.contains("| 1 | 猫 喜欢 鱼    |  0.326 |  0 |  0.326 |  0.652 |"), bm)
        // The review's example: the query's one word is outside vocab, so it is not counted, with a warning.
        let outside = try run("show bm25([\"a b\", \"b c\"], \"b\", vocab=[\"a\"])")
        XCTAssertTrue(outside.hasPrefix("stderr: warning: none of the query's words (b) is in vocab: every score is 0\n"), outside)
        XCTAssertTrue(outside.contains("| 1 | a b      | 0 |     0 |"), outside)
        XCTAssertEqual(error("show bm25([\"a\"], \"a\", vocab=\"a\")")?.message, "expected vocab to be a list of strings, found a string")
        XCTAssertEqual(error("show bm25([\"a\"], \"a\", vocab=[])")?.message, "expected vocab to be a list of strings, found an empty list")
        XCTAssertEqual(error("show bm25([\"a\"], \"a\", vocab=[\"a\", 1])")?.message, "expected vocab to be a list of non-empty strings, found the number 1 at position 2")
        XCTAssertEqual(error("show bm25([\"a\"], \"a\", vocab=[\"a\", \"a\"])")?.message, "vocab lists 'a' twice")
        XCTAssertTrue(try Help.text(for: "bm25").contains("bm25(DATA, \"query\", k1=1.5, b=0.75, vocab=, lower=true)"))
    }

    func testMistakesGetClearErrors() {
        XCTAssertEqual(error("show bow(42)")?.message, "expected a dataset of sentences or a list of strings (one a document), found the number 42")
        XCTAssertEqual(error("show bm25([\"a\"])")?.message, "bm25(...) needs a dataset or list of strings, then the query string: bm25(DATA, \"query\")")
        XCTAssertEqual(error("show bow(text(\"abc\"))")?.message, "expected a dataset of sentences (sentences(...) or tagged(...)) or a list of strings, found text(\"abc\", seq=25)")
        XCTAssertEqual(error("show bow([\"a\"], n=2)")?.message, "unknown option 'n' for bow(...); expected one of binary, vocab, lower")
        XCTAssertEqual(error("show tfidf([\"a b\"], style=keras)")?.message, "unknown style 'keras': expected one of course, sklearn")
        XCTAssertEqual(error("show bow([\"a\"], vocab=[\"a\", \"a\"])")?.message, "vocab lists 'a' twice")
        XCTAssertEqual(error("show bm25([\"a\"], \"a\", b=2)")?.message, "expected b to be between 0 and 1, found 2")
        XCTAssertEqual(error("show bm25([\"a\"], \"...\")")?.message, "the query has no words")
        XCTAssertTrue(error("show tfdif([\"a\"])")?.message.contains("did you mean 'tfidf'?") ?? false)
    }

    func testHelpAndCompletionKnowTheFunctions() throws {
        for name in ["bow", "ngrams", "tfidf", "bm25"] {
            XCTAssertNotNil(Help.entry(name), name)
        }
        XCTAssertTrue(try Help.text(for: "tfidf").contains("IDF(t)   = ln(N / (1 + DF(t)))"))
        XCTAssertTrue(try Help.text(for: "").contains("Text features:"))
        let state = Evaluator().state
        func matches(_ code: String) -> [String] { complete(code: code, cursor: code.unicodeScalars.count, context: state).matches }
        XCTAssertEqual(matches("show tf"), ["tfidf"])
        XCTAssertEqual(matches("let b = bm25(x, \"q\", k"), ["k1="])
        XCTAssertTrue(matches("show tfidf(s, st").contains("style="))
    }
}
