import XCTest
import Foundation
import Jupyter
import Plot
import RNN
import Store
@testable import RNNLang

/// `crf=true` taggers as statements: tagged(file=), training with every optimizer, predict's
/// entity scores, unroll's CRF tables, labelled transitions, files, and refusals that change nothing.
final class CRFStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> RecordingSink {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink
    }

    func diagnostic(_ e: Evaluator, _ source: String) -> Diagnostic? {
        do { _ = try run(e, source) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/ner/en.tsv").standardized.path

    func tagger() throws -> Evaluator {
        let e = Evaluator()
        _ = try run(e, """
            let ner = tagged(file="\(Self.corpus)")
            cell tg = lstm(hidden=6, output=7, bidirectional=true, crf=true, seed=3)
            train tg on ner epochs=2 batch=16 lr=0.05
            """)
        return e
    }

    func testTrainsAndPredictsWithViterbiAndEntityScores() throws {
        let e = try tagger()
        let entry = e.model(named: "tg")!
        XCTAssertEqual(entry.labels, ["B-PER", "I-PER", "O", "B-LOC", "B-ORG", "I-ORG", "I-LOC"])
        XCTAssertEqual(entry.vocab?.words.count, 566)
        XCTAssertTrue(entry.vocab!.words.contains("Paris"), "a file's words keep their case")
        let sink = try run(e, "predict tg on ner")
        XCTAssertTrue(sink.text.contains("CRF NLL"), sink.text)
        // The entity table agrees with Entities.score on Viterbi's paths.
        guard case let .dataset(d)? = e.state.values["ner"], case let .classSequences(gold) = d.targets else { return XCTFail("no dataset") }
        let names = d.classNames!
        let paths = try entry.model.decode(d)
        let s = Entities.score(predicted: paths.map { $0.map { names[$0] } }, gold: gold.map { $0.map { names[$0] } })
        XCTAssertEqual(s.gold, 310)
        XCTAssertTrue(sink.text.contains("\(s.correct) of \(s.predicted) predicted entities are right"), sink.text)
        XCTAssertTrue(sink.text.contains("\(s.invalidSequences) of 193"), sink.text)
    }

    func testPredictOnAStringTakesTheViterbiPath() throws {
        // Found by a probing helper: on a string, each word's argmax was shown and the CRF ignored.
        let e = Evaluator()
        _ = try run(e, """
            let tg = tagged([["barack obama visited paris", "B-PER I-PER O B-LOC"], ["paris is nice", "B-LOC O O"]])
            cell ner = lstm(embed=2, hidden=2, output=4, bidirectional=true, crf=true, seed=1)
            train ner on tg epochs=1 seed=1
            set ner.transitions = [[0,0,0,-50],[0,0,0,-50],[0,0,0,-50],[0,0,0,-50]]
            """)
        let entry = try XCTUnwrap(e.model(named: "ner"))
        let words = ["paris", "is", "nice"].map { [Double](entry.vocab!.oneHot(entry.vocab!.id(of: $0) ?? 0)) }
        let path = try entry.model.viterbi(words).path.map { entry.labels![$0] }
        XCTAssertFalse(path.dropFirst().contains("B-LOC"), "the transitions forbid moving to B-LOC: \(path)")
        let text = try run(e, #"predict ner on "paris is nice""#).text
        XCTAssertTrue(text.contains("tags (Viterbi): " + path.joined(separator: " ")), text)
        XCTAssertFalse(text.contains("class at the last word"), text)
    }

    func testEveryOptimizerTrainsTheTransitions() throws {
        for opt in OptimizerKind.allCases {
            let e = Evaluator()
            _ = try run(e, """
                let d = tagged([["anna lives in rome", "B-PER O O B-LOC"], ["tom visited paris", "B-PER O B-LOC"]])
                cell t = gru(hidden=3, output=3, crf=true, seed=1)
                """)
            _ = try run(e, "train t on d epochs=1 batch=2 lr=0.1 optimizer=\(opt.rawValue)")
            let before = e.model(named: "t")!.model.parameter("transitions")!
            _ = try run(e, "train t on d epochs=3 batch=2 lr=0.1 optimizer=\(opt.rawValue)")
            XCTAssertNotEqual(e.model(named: "t")!.model.parameter("transitions"), before, opt.rawValue)
            XCTAssertLessThan(e.model(named: "t")!.lossHistory.last!, e.model(named: "t")!.lossHistory.first!, opt.rawValue)
        }
    }

    func testUnrollShowsTheForwardAlgorithmAndViterbi() throws {
        let e = try tagger()
        let sink = try run(e, #"unroll tg on tagged([["Anna Smith visited Paris", "B-PER I-PER O B-LOC"]])"#)
        let entry = e.model(named: "tg")!
        let idx = ["Anna", "Smith", "visited", "Paris"].map { entry.vocab!.words.firstIndex(of: $0)! }
        let x = idx.map { k in (0..<566).map { $0 == k ? 1.0 : 0 } }
        let em = try entry.model.emissions(x)
        let crf = entry.model.crf!
        let logZ = crf.forward(emissions: em).logZ
        XCTAssertTrue(sink.text.contains("log Z = logsumexp_j(α_T[j] + end[j]) = \(NumberFormat.short(logZ, decimals: 4))"), sink.text)
        let best = crf.viterbi(emissions: em)
        let tags = entry.labels!
        XCTAssertTrue(sink.text.contains("| best (Viterbi) | \(best.path.map { tags[$0] }.joined(separator: " "))"), sink.text)
        XCTAssertTrue(sink.text.contains("| gold           | B-PER I-PER O B-LOC"), sink.text)
        XCTAssertTrue(sink.text.contains("δ_t[B-PER]"), sink.text)
        XCTAssertTrue(sink.text.contains("← "), sink.text)
        // log p(gold) = s(gold) − log Z.
        let gold = [0, 1, 2, 3].map { tags.firstIndex(of: ["B-PER", "I-PER", "O", "B-LOC"][$0])! }
        XCTAssertTrue(sink.text.contains(NumberFormat.short(crf.score(emissions: em, path: gold) - logZ, decimals: 4)), sink.text)
    }

    /// The issue's form: a string, read with the tagger's vocabulary (an unseen word as <unk>), and the
    /// same tables, their log Z the forward algorithm's on those x_t; an embed= tagger too.
    func testUnrollOnAStringShowsTheSameTables() throws {
        let e = try tagger()
        let sink = try run(e, #"unroll tg on "Anna Smith visited Zorblax""#)
        let entry = e.model(named: "tg")!
        var x = ["Anna", "Smith", "visited"].map { w in (0..<566).map { $0 == entry.vocab!.words.firstIndex(of: w)! ? 1.0 : 0 } }
        x.append([Double](repeating: 0, count: 566))  // Zorblax: <unk>
        let logZ = entry.model.crf!.forward(emissions: try entry.model.emissions(x)).logZ
        XCTAssertTrue(sink.text.contains("log Z = logsumexp_j(α_T[j] + end[j]) = \(NumberFormat.short(logZ, decimals: 4))"), sink.text)
        XCTAssertTrue(sink.text.contains("<unk>") && sink.text.contains("best (Viterbi)"), sink.text)
        _ = try run(e, "let ner = tagged(file=\"\(Self.corpus)\")\ncell et = lstm(embed=4, hidden=4, output=7, bidirectional=true, crf=true, seed=1)\ntrain et on ner epochs=1 batch=32")
        let embedded = try run(e, #"unroll et on "Barack Obama visited Paris""#)
        XCTAssertTrue(embedded.text.contains("best (Viterbi)") && embedded.text.contains("δ_t[B-PER]"), embedded.text)
    }

    func testTransitionsAreLabelledByTag() throws {
        let e = try tagger()
        let shown = try run(e, "show tg.transitions").text
        XCTAssertTrue(shown.contains("| from \\ to |   B-PER |"), shown)
        XCTAssertTrue(shown.contains("| I-LOC     |"), shown)
        let plotted = try run(e, "plot tg.transitions").text
        XCTAssertTrue(plotted.contains("from (i)") && plotted.contains("to (j)") && plotted.contains("B-PER |"), plotted)
    }

    func testFilesAndCopyKeepTheCRFAndItsTags() throws {
        let e = try tagger()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crf-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try run(e, "copy tg as c")
        XCTAssertEqual(e.model(named: "c"), e.model(named: "tg"))
        for ext in ["json", "safetensors"] {
            let path = dir.appendingPathComponent("tg.\(ext)").path
            _ = try run(e, "save tg to \"\(path)\"\nload back from \"\(path)\"")
            let back = e.model(named: "back")!
            XCTAssertEqual(back.model, e.model(named: "tg")!.model, ext)
            XCTAssertEqual(back.labels, e.model(named: "tg")!.labels, ext)
            XCTAssertEqual(back.vocab?.words, e.model(named: "tg")!.vocab?.words, ext)
        }
    }

    func testRefusalsChangeNothing() throws {
        let e = Evaluator()
        _ = try run(e, "cell t = rnn(input=1, hidden=2, output=2, crf=true)")
        let before = e.state
        XCTAssertEqual(diagnostic(e, "train t on sine(count=2, length=3)")?.message.contains("needs tagged data"), true)
        XCTAssertEqual(diagnostic(e, "cell u = rnn(input=1, hidden=2, output=2, output_activation=softmax, crf=true)")?.message.contains("emission scores"), true)
        XCTAssertEqual(diagnostic(e, "cell u = rnn(input=1, hidden=2, output=1, crf=true)")?.message.contains("at least 2 tags"), true)
        XCTAssertEqual(diagnostic(e, #"unroll t on tagged([["a b", "X Y"], ["c", "X"]])"#)?.message.contains("one sentence"), true)
        XCTAssertEqual(diagnostic(e, #"let z = tagged(file="/nonexistent/ner.tsv")"#)?.kind, .io)
        XCTAssertEqual(e.state, before)
    }

    func testBackwardReadsClassTargetsAndShowsTheCRFGradients() throws {
        let e = Evaluator()
        let text = try run(e, "cell t = gru(input=3, hidden=2, output=3, crf=true, seed=1)\nbackward t on [[1,0,0],[0,1,0]] target=[2, 0]").text
        XCTAssertTrue(text.contains("t: loss (CRF NLL) = "), text)
        XCTAssertTrue(text.contains("| start_transitions |"), text)
    }

    func testTaggedFileFormat() throws {
        XCTAssertThrowsError(try Datasets.tagged(tsv: "Anna lives\tB-PER\n", path: "x.tsv")) {
            XCTAssertEqual("\($0)", "x.tsv, line 1 has 2 words but 1 tag: expected one tag a word")
        }
        XCTAssertThrowsError(try Datasets.tagged(tsv: "ok\tO\nno tab here\n", path: "x.tsv")) {
            XCTAssertTrue("\($0)".contains("x.tsv, line 2: expected `sentence<TAB>tags`"), "\($0)")
        }
        let d = try Datasets.tagged(tsv: "Anna lives\tB-PER O\n\nBo\tB-PER\n", path: "x.tsv")
        XCTAssertEqual(d.count, 2)
        XCTAssertEqual(d.inputVocabulary, ["Anna", "Bo", "lives"])
        XCTAssertEqual(d.summary, "tagged(file=\"x.tsv\") · 2 sentences, 3 words, 2 tags")
    }

    /// The dataset's size (words × distinct words, a one-hot row a word) is counted as the lines are
    /// read, so a large file stops at the line that passes the limit, not after every sentence.
    func testTaggedFileStopsAtTheDatasetLimitWhileRead() throws {
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxDatasetValues = 10
        let text = String(repeating: "a b\tO O\n", count: 1000)
        XCTAssertThrowsError(try Datasets.tagged(tsv: text, path: "x.tsv")) {
            XCTAssertTrue("\($0)".contains("the dataset's numbers, by line 3 of x.tsv, would be 12, more than the limit of 10"), "\($0)")
        }
        // The count is exact: five one-word lines of two words fill the limit, a sixth passes it.
        let lines = (0..<6).map { $0 % 2 == 0 ? "a\tO\n" : "b\tO\n" }
        XCTAssertEqual(try Datasets.tagged(tsv: lines.prefix(5).joined(), path: "x.tsv").count, 5)
        XCTAssertThrowsError(try Datasets.tagged(tsv: lines.joined(), path: "x.tsv")) {
            XCTAssertTrue("\($0)".contains("by line 6 of x.tsv, would be 12"), "\($0)")
        }
        XCTAssertEqual(try Datasets.tagged(tsv: "<unk> a\tO O\na b\tO O\n", path: "x.tsv").inputVocabulary, ["a", "b"])
    }
}
