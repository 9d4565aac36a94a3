import XCTest
import Foundation
import Jupyter
import Plot
@testable import RNN
@testable import RNNLang
import Store

/// `cell base = bow(output=C, features=count|tfidf, ngram=N)` in statements: defined, trained,
/// predicted, shown, plotted, copied, saved and loaded like any model; the statements that need
/// time steps refused by name; and the word-order lesson against an RNN.
final class BagOfWordsStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> String {
        let sink = RecordingSink()
        let r = try e.run(source, output: sink)
        return sink.text + (r.result?["text/plain"]?.stringValue.map { "\n" + $0 } ?? "")
    }

    func diagnostic(_ e: Evaluator, _ source: String) -> Diagnostic? {
        do { _ = try run(e, source) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    static let data = """
        let d = sentences([["我 打 你", "打人"], ["你 打 我", "被打"], ["他 打 我", "被打"], ["我 打 他", "打人"], ["i am happy", "开心"], ["i am not happy", "被打"]])
        let held = sentences([["他 打 你", "打人"], ["you are happy", "开心"]])
        """

    func testTrainPredictShowAndPlotLikeAnyModel() throws {
        let e = Evaluator()
        let defined = try run(e, "seed 1\n" + Self.data + "\ncell base = bow(output=3, seed=2)")
        XCTAssertTrue(defined.contains("base = bow(output=3, features=count, ngram=1, seed=2) · its vocabulary, labels and terms come from the first data it is trained on"), defined)
        let trained = try run(e, "train base on d epochs=30 lr=0.1 batch=2 validation=held")
        XCTAssertTrue(trained.contains("base: 8 words from the data · 27 parameters"), trained)
        XCTAssertTrue(trained.contains("epoch 30/30 · step 90/90"), trained)
        XCTAssertTrue(trained.contains("base: 90 steps in"), trained)
        XCTAssertTrue(trained.contains("validation xent loss"), trained)
        // held-out words the model has not seen are <unk>, and counted.
        XCTAssertTrue(trained.contains("warning: 2 of 6 words are not in base's vocabulary of 8 words and are read as <unk>"), trained)
        XCTAssertEqual(e.state.runs.count, 1)
        XCTAssertEqual(e.state.log.last?.model, "base")
        XCTAssertEqual(e.state.log.last?.losses?.count, 90)
        XCTAssertEqual(e.state.log.last?.validationLosses?.count, 30)

        let predicted = try run(e, "predict base on d rows=all")
        XCTAssertTrue(predicted.contains("predict base on sentences(6 sentences, 8 words, labels 打人/被打/开心) · accuracy"), predicted)
        XCTAssertTrue(predicted.contains("confusion of base on sentences"), predicted)
        XCTAssertTrue(predicted.contains("| true \\ predicted | 打人 | 被打 | 开心 | correct |"), predicted)

        let sentence = try run(e, "predict base on \"i am happy today\"")
        XCTAssertTrue(sentence.contains("warning: 1 of 4 words is not in base's vocabulary of 8 words and is read as <unk>"), sentence)
        XCTAssertTrue(sentence.contains("predict base on \"i am happy today\" · 开心 · words i am happy <unk> · φ: i=1, am=1, happy=1"), sentence)
        XCTAssertTrue(sentence.contains("| label | logit (W φ + b) |  softmax |"), sentence)

        let shown = try run(e, "show base")
        XCTAssertTrue(shown.contains("| W         | fc.weight           | 3×8   |    24 |"), shown)
        XCTAssertTrue(shown.contains("| b         | fc.bias             | 3     |     3 |"), shown)
        XCTAssertTrue(shown.contains("8 words as terms, 3 labels · logits = W φ + b"), shown)
        let w = try run(e, "show base.W")
        XCTAssertTrue(w.contains("base.W = fc.weight (3×8): labels × terms"), w)
        XCTAssertTrue(w.contains("| label \\ term |        我 |        打 |"), w)
        XCTAssertTrue(try run(e, "show base.b").contains("base.b = fc.bias (3)"))
        XCTAssertTrue(try run(e, "plot base.W").contains("base.W (3x8): each label's weight on each term"))
        XCTAssertTrue(try run(e, "plot loss base").contains("base training"))
        XCTAssertTrue(try run(e, "models").contains("| base | bow  | 8→3   |"))

        // copy keeps the terms with the weights; set and NAME.PARAM work on W and b.
        _ = try run(e, "copy base as other\nset other.b = [0, 0, 0]")
        XCTAssertEqual(e.state.store["other"]?.model.config.bow, e.state.store["base"]?.model.config.bow)
        XCTAssertEqual(e.state.store["other"]?.model.parameter("b")?.values, [0, 0, 0])
        XCTAssertTrue(try run(e, "print other.b").contains("[0, 0, 0]"))
    }

    /// Issue 16's two points on text that is not English: tables give a Chinese character two
    /// terminal columns, and the help says words are split on whitespace (so Chinese is written with spaces).
    func testWideCharactersAlignAndTheHelpSaysWordsAreSplitOnWhitespace() throws {
        let e = Evaluator()
        _ = try run(e, Self.data + "\ncell base = bow(output=3, seed=1)\ntrain base on d epochs=3")
        for source in ["predict base on d rows=all", "show base.W", "show base.labels", "show tfidf(d)"] {
            let tables = try run(e, source).components(separatedBy: "\n").split(whereSeparator: { !$0.hasPrefix("|") && !$0.hasPrefix("+") })
            XCTAssertFalse(tables.isEmpty, source)
            XCTAssertTrue(tables.joined().contains { $0.contains("打") || $0.contains("开心") }, source)
            for table in tables {
                XCTAssertEqual(Set(table.map { displayWidth($0) }).count, 1, "\(source): \(table.joined(separator: "\n"))")
            }
        }
        for topic in ["sentences", "bow", "vocabulary"] {
            let text = try Help.text(for: topic)
            XCTAssertTrue(text.contains("whitespace") && text.contains("Chinese"), "help \(topic)")
        }
        XCTAssertTrue(try Help.text(for: "cell").contains("cell base = bow(output=C, features=count|tfidf, ngram=1, style=course|sklearn)"))
        XCTAssertTrue(try Help.text(for: "features").contains("an option of bow"))
    }

    func testCompletionOffersTheBowCellAndItsOptions() {
        let state = Evaluator().state
        func matches(_ code: String) -> [String] { complete(code: code, cursor: code.unicodeScalars.count, context: state).matches }
        XCTAssertTrue(matches("cell base = b").contains("bow"))
        XCTAssertEqual(matches("cell base = bow(output=2, feat"), ["features="])
        XCTAssertEqual(matches("cell base = bow(output=2, features="), ["count", "tfidf"])
        XCTAssertEqual(matches("cell base = bow(output=2, ng"), ["ngram="])
        // bow(DATA) the value keeps its own options.
        XCTAssertEqual(matches("show bow(s, bin"), ["binary="])
    }

    /// The lesson's point: a bag of words has no word order, so "我 打 你" and "你 打 我" get the same
    /// features and the same prediction, one of them necessarily wrong; an RNN reads them in order.
    func testWordOrderIsLostByBowAndKeptByAnRNN() throws {
        let e = Evaluator()
        _ = try run(e, """
            let order = sentences([["我 打 你", "打人"], ["你 打 我", "被打"]])
            cell base = bow(output=2, seed=1)
            train base on order epochs=50 lr=0.1
            cell r = rnn(hidden=8, output=2, seed=1)
            train r on order epochs=60 lr=0.05
            """)
        let base = e.state.store["base"]!, r = e.state.store["r"]!
        func read(_ s: String, _ entry: ModelEntryLike) throws -> [Double] {
            let v = entry.vocab
            return try entry.model.forward(v.encode(v.split(s)).ids.map(v.oneHot)).logits.last!
        }
        let a = try read("我 打 你", ModelEntryLike(base)), b = try read("你 打 我", ModelEntryLike(base))
        XCTAssertEqual(a, b)
        XCTAssertTrue(try run(e, "predict base on order").contains("accuracy 50% (1 of 2)"))
        XCTAssertTrue(try run(e, "predict r on order").contains("accuracy 100% (2 of 2)"))
        XCTAssertNotEqual(try read("我 打 你", ModelEntryLike(r)), try read("你 打 我", ModelEntryLike(r)))
        // Bigrams keep some order: they tell the two apart.
        _ = try run(e, "cell bi = bow(output=2, ngram=2, seed=1)\ntrain bi on order epochs=50 lr=0.1")
        XCTAssertTrue(try run(e, "predict bi on order").contains("accuracy 100% (2 of 2)"))
    }

    struct ModelEntryLike {
        var model: Model
        var vocab: Vocabulary
        init(_ e: ModelEntry) { model = e.model; vocab = e.vocab! }
    }

    func testTfidfNgramsAndUnseenTerms() throws {
        let e = Evaluator()
        let out = try run(e, Self.data + "\ncell t = bow(output=3, features=tfidf, ngram=2, style=sklearn, seed=1)\ntrain t on d epochs=2")
        XCTAssertTrue(out.contains("t: 10 2-grams from the data (IDF fitted on it) · 33 parameters"), out)
        XCTAssertEqual(e.state.store["t"]?.model.config.bow?.idf.count, 10)
        let p = try run(e, "predict t on \"我 打 猫\"")
        XCTAssertTrue(p.contains("warning: 1 of 3 words is not in t's vocabulary of 8 words and is read as <unk>"), p)
        XCTAssertTrue(p.contains("warning: 1 of 2 2-grams is not among t's 10 terms and counts for nothing"), p)
        XCTAssertTrue(p.contains("φ: 我 打=1"), p)
        // The IDF was fitted on the training data, and later data is weighed with it, not refitted.
        let before = e.state.store["t"]!.model.config.bow
        _ = try run(e, "train t on held")
        XCTAssertEqual(e.state.store["t"]!.model.config.bow, before)
        // The model's φ of a training sentence is tfidf(DATA)'s row for it.
        let features = try run(e, "print tfidf(d, n=2, style=sklearn)")
        let model = e.state.store["t"]!.model
        let row = model.bagFeatures(try Datasets.sentences([(text: "我 打 你", label: "打人")]).encoded(with: e.state.store["t"]!.vocab!, labels: nil).data).dense
        XCTAssertTrue(features.contains("[" + row.map(formatValue).joined(separator: ", ") + "]"), features + "\n\(row)")
    }

    func testVocabFixesTermsAtDefinitionAndFilesRoundTrip() throws {
        let e = Evaluator()
        let out = try run(e, Self.data + "\ncell v = bow(output=3, features=tfidf, vocab=d, seed=4)")
        XCTAssertTrue(out.contains("v = bow(output=3, features=tfidf, ngram=1, seed=4) · 27 parameters · vocabulary of 8 words and <unk>, 3 labels"), out)
        _ = try run(e, "train v on held epochs=2")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for ext in ["json", "safetensors"] {
            let path = dir.appendingPathComponent("v.\(ext)").path
            let loaded = try run(e, "save v to \"\(path)\"\nload back_\(ext) from \"\(path)\"")
            XCTAssertTrue(loaded.contains("loaded back_\(ext) = bow(output=3, features=tfidf, ngram=1, seed=4) · 27 parameters"), loaded)
            let a = e.state.store["v"]!, b = e.state.store["back_\(ext)"]!
            XCTAssertEqual(a.model, b.model)
            XCTAssertEqual(a.vocab, b.vocab)
            XCTAssertEqual(a.labels, b.labels)
            XCTAssertEqual(try run(e, "predict back_\(ext) on \"我 打 你\""), try run(e, "predict v on \"我 打 你\"").replacingOccurrences(of: "predict v", with: "predict back_\(ext)"))
        }
        // A file whose terms do not fit its vocabulary is refused at load, and the store keeps what it had.
        let path = dir.appendingPathComponent("bad.json").path
        let text = try String(contentsOfFile: dir.appendingPathComponent("v.json").path, encoding: .utf8).replacingOccurrences(of: "\"terms\": [\"我\"", with: "\"terms\": [\"猫\"")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let before = e.state
        let d = diagnostic(e, "load v from \"\(path)\"")
        XCTAssertEqual(d?.message, "\(path): term '猫' has the word '猫', which is not in the vocabulary; 'v' is unchanged")
        XCTAssertEqual(e.state, before)
    }

    func testWhatMakesNoSenseIsRefusedByName() throws {
        let e = Evaluator()
        _ = try run(e, Self.data + "\ncell base = bow(output=3, seed=1)")
        XCTAssertEqual(diagnostic(e, "predict base on d")?.message, "'base' has no terms yet: the first data it is trained on fixes its vocabulary, labels and terms (and for tfidf the IDF); predict with it after training it, or define it with vocab=DATA")
        XCTAssertTrue(diagnostic(e, "save base to \"/tmp/never.json\"")?.message.hasPrefix("'base' has no terms yet") ?? false)
        XCTAssertTrue(diagnostic(e, "set base.b = [0, 0, 0]")?.message.hasPrefix("'base' has no terms yet") ?? false)
        XCTAssertTrue(diagnostic(e, "plot base.W")?.message.hasPrefix("'base' has no terms yet") ?? false)
        _ = try run(e, "train base on d")
        let before = e.state
        for (statement, word) in [("unroll base on \"我 打 你\"", "unroll"), ("backward base on [[1]] target=0", "backward"), ("sample base", "sample"),
                                  ("jacobian base on [[1]]", "jacobian"), ("generate base from [[1]] steps=2", "generate"),
                                  ("plot hidden base on \"我 打 你\"", "plot hidden"), ("plot gradients base on d", "plot gradients")] {
            let d = diagnostic(e, statement)
            XCTAssertEqual(d?.kind, .value, statement)
            XCTAssertEqual(d?.message.hasPrefix("'base' is a bow model: it has no time steps, hidden state or gradients through time to \(word); it counts a sentence's terms"), true, "\(statement): \(d?.message ?? "none")")
        }
        XCTAssertEqual(diagnostic(e, "translate base \"我 打 你\"")?.message.hasPrefix("'base' is a bow model; translate works on seq2seq models"), true)
        XCTAssertEqual(diagnostic(e, "train base on sine(count=4, length=3)")?.message.hasPrefix("a bow model reads a sentence and gives it one label: expected sentences(...) data"), true)
        XCTAssertEqual(diagnostic(e, "train base on d loss=mse")?.message, "loss=mse needs numeric targets, but the data's targets are classes; use loss=xent")
        XCTAssertEqual(diagnostic(e, "cell x = bow(features=count)")?.message, "bow(...) needs output=C, the number of labels (classes) it chooses between")
        XCTAssertEqual(diagnostic(e, "cell x = bow(output=2, style=sklearn)")?.message, "style= weighs TF-IDF features; it needs features=tfidf")
        XCTAssertEqual(diagnostic(e, "cell x = bow(output=2, features=bm25)")?.message, "unknown features 'bm25': expected one of count, tfidf")
        XCTAssertEqual(diagnostic(e, "cell x = bow(output=2, hidden=4)")?.message, "unknown option 'hidden' for bow(...); expected one of output, features, ngram, style, vocab, seed")
        XCTAssertEqual(diagnostic(e, "cell x = bow(output=2, ngram=20)")?.message, "expected ngram to be at most 10, found 20")
        XCTAssertEqual(diagnostic(e, "cell x = bow(output=2, vocab=sine(count=2, length=2))")?.message.hasPrefix("expected vocab= to be a dataset of sentences"), true)
        _ = try run(e, "cell five = bow(output=3, ngram=5)")
        XCTAssertEqual(diagnostic(e, "train five on d")?.message, "no sentence of sentences(6 sentences, 8 words, labels 打人/被打/开心) has 5 words, so there are no 5-grams to count; use a smaller ngram=")
        _ = try run(e, "cell small = bow(output=2)")
        XCTAssertEqual(diagnostic(e, "train small on d")?.message, "small has output=2, but the data has 3 labels; use output=3")
        XCTAssertNil(e.state.store["x"])
        XCTAssertEqual(e.state.store["base"], before.store["base"])
        // Divergence is caught by the shared loop: the last finite weights are kept.
        XCTAssertEqual(diagnostic(e, "train base on d lr=1e308 optimizer=sgd epochs=3")?.kind, .diverged)
        XCTAssertTrue(e.state.store["base"]!.model.flatValues.allSatisfy(\.isFinite))
    }
}
