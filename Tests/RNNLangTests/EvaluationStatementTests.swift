import XCTest
import Foundation
import Jupyter
import Plot
import RNN
import Store
@testable import RNNLang

/// Held-out evaluation: train … validation=DATA, plot loss with both curves, predict … rows=N|all
/// with the confusion table and the mistakes first, and perplexity for language models.
final class EvaluationStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> RecordingSink {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink
    }

    func diagnostic(_ e: Evaluator, _ source: String) -> Diagnostic? {
        do { _ = try run(e, source) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    static let sentences = """
        let train_set = sentences([["I am happy","pos"],["I am sad","neg"],["I am not happy","neg"],["I am not sad","pos"]])
        let val = sentences([["I am not sad","pos"],["I am not happy","neg"],["I am happy","pos"],["I am sad","neg"]])
        """

    func testValidationIsScoredAfterEveryEpochAndNeverTrainedOn() throws {
        let source = "seed 4\n" + Self.sentences + "\ncell clf = rnn(hidden=6, output=2, seed=1)\n"
        let plain = Evaluator(), checked = Evaluator()
        _ = try run(plain, source + "train clf on train_set epochs=3 lr=0.05 seed=2")
        let sink = try run(checked, source + "train clf on train_set epochs=3 lr=0.05 seed=2 validation=val")
        // The held-out set changes nothing about training: the same weights and losses as without it.
        XCTAssertEqual(checked.model(named: "clf")!.model, plain.model(named: "clf")!.model)
        XCTAssertEqual(checked.state.runs[0].losses, plain.state.runs[0].losses)

        let run = checked.state.runs[0]
        let v = try XCTUnwrap(run.validation)
        XCTAssertEqual(v.epochs.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(v.epochs.map(\.step), [4, 8, 12])
        XCTAssertEqual(v.dataFingerprint, fingerprint(of: checked.state.values["val"]!.datasetValue!))
        // The last epoch's numbers are the final model's own on the validation set.
        let final = try checked.model(named: "clf")!.model.evaluate(checked.state.values["val"]!.datasetValue!, loss: .xent)
        XCTAssertEqual(v.epochs.last!.evaluation, final)
        XCTAssertNotNil(final.accuracy)
        XCTAssertNil(final.perplexity)
        XCTAssertEqual(checked.model(named: "clf")!.validationHistory, v.epochs)
        XCTAssertTrue(run.options.contains("validation=val"), run.options)

        // The live line shows the latest epoch's validation; the summary the last, with accuracy.
        XCTAssertTrue(sink.events.contains { $0.hasPrefix("update: epoch 3/3 · step 12/12 · loss ") && $0.contains("validation loss") && $0.contains("(epoch 3)") },
                      sink.text)
        XCTAssertFalse(sink.events.first!.contains("validation"), "nothing is measured before the first epoch ends")
        let summary = sink.events.last!
        XCTAssertTrue(summary.contains("· validation xent loss \(NumberFormat.short(final.loss, decimals: 6)) · validation accuracy "), summary)

        // The experiment log keeps it, and reads back.
        let entry = try XCTUnwrap(checked.state.log.last)
        XCTAssertEqual(entry.validationSHA256, v.dataFingerprint)
        XCTAssertEqual(entry.validationLosses, v.epochs.map(\.evaluation.loss))
        XCTAssertEqual(entry.validationAccuracy?.count, 3)
        let back = try ExperimentLog.parse(ExperimentLog.jsonLines(checked.state.log)).last!
        XCTAssertEqual(back.validation, entry.validation)
        XCTAssertEqual(back.validationSHA256, entry.validationSHA256)
        XCTAssertEqual(back.validationLosses, entry.validationLosses)
        XCTAssertEqual(back.validationAccuracy, entry.validationAccuracy)

        // runs gains a validation column only when a run has one.
        XCTAssertTrue(try self.run(checked, "runs").text.contains("validation"))
        XCTAssertFalse(try self.run(plain, "runs").text.contains("validation"))
    }

    func testAValidationSetThatDoesNotFitIsRefusedBeforeTraining() throws {
        let e = Evaluator()
        _ = try run(e, "seed 1\n" + Self.sentences + "\ncell clf = rnn(hidden=4, output=2, seed=1)\ntrain clf on train_set epochs=1")
        let before = e.state
        var d = diagnostic(e, "train clf on train_set validation=sine(count=4, length=5)")
        XCTAssertEqual(d?.kind, .shape)
        XCTAssertEqual(d?.message, "expected validation data like the training data, one class per sequence (many-to-one), found a target at every step (many-to-many)")
        XCTAssertEqual(d?.range?.start.column, 35)
        d = diagnostic(e, "train clf on train_set validation=sentences([[\"I am glad\",\"joy\"]])")
        XCTAssertEqual(d?.kind, .value)
        XCTAssertEqual(d?.message.contains("joy"), true, d?.message ?? "")
        d = diagnostic(e, "train clf on train_set validation=pairs([[[1, 2], 1]])")
        XCTAssertEqual(d?.kind, .shape)
        XCTAssertEqual(d?.message, "expected validation data whose x_t have width 5, as the training data's do, found width 1")
        XCTAssertEqual(diagnostic(e, "train clf on train_set validation=3")?.message.hasPrefix("expected a dataset after validation="), true)
        XCTAssertEqual(diagnostic(e, "train clf on train_set validation=val validation=val")?.message, "option 'validation' is given twice")
        XCTAssertEqual(e.state, before)
    }

    /// Held-out sentences are read with the model's vocabulary and labels (language.md): their own
    /// numbering does not matter, and an unseen word is <unk> with a warning.
    func testValidationIsReadWithTheModelsVocabulary() throws {
        let e = Evaluator()
        _ = try run(e, "seed 1\n" + Self.sentences + "\ncell clf = rnn(hidden=4, output=2, seed=1)\ntrain clf on train_set epochs=1")
        let sink = try run(e, "train clf on train_set validation=sentences([[\"you are happy\",\"pos\"],[\"you are sad\",\"neg\"]])")
        XCTAssertTrue(sink.text.contains("warning: 4 of 6 words are not in clf's vocabulary of 5 words and are read as <unk>"), sink.text)
        XCTAssertTrue(sink.text.contains("validation accuracy"), sink.text)
        // Labels numbered the other way round (neg first) score as the model's own labels.
        let reordered = try run(e, "train clf on train_set validation=sentences([[\"I am sad\",\"neg\"],[\"I am happy\",\"pos\"],[\"I am not sad\",\"pos\"]])")
        XCTAssertTrue(reordered.text.contains("validation accuracy"), reordered.text)
        XCTAssertEqual(e.state.store["clf"]?.labels, ["pos", "neg"])
    }

    func testPlotLossDrawsTrainingAndValidationWithALegend() throws {
        let e = Evaluator()
        _ = try run(e, "seed 1\n" + Self.sentences + "\ncell clf = rnn(hidden=4, output=2, seed=1)\ntrain clf on train_set epochs=2 validation=val")
        final class Bundles: OutputSink {
            var all: [MimeBundle] = []
            func stream(_ name: StreamName, _ text: String) {}
            func display(_ bundle: MimeBundle, displayID: String?) { all.append(bundle) }
            func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
            func clearOutput(wait: Bool) {}
        }
        let sink = Bundles()
        _ = try e.run("plot loss clf", output: sink)
        let bundle = try XCTUnwrap(sink.all.first)
        let text = bundle["text/plain"]!.stringValue!
        XCTAssertTrue(text.contains("training and validation loss of clf"), text)
        XCTAssertTrue(text.contains("clf training") && text.contains("clf validation"), text)
        let svg = bundle["image/svg+xml"]!.stringValue!
        XCTAssertTrue(svg.contains("clf validation") && svg.contains("clf training"), svg)
        // A second run's epochs continue along the same step axis.
        _ = try run(e, "train clf on train_set epochs=1 validation=val")
        XCTAssertEqual(e.model(named: "clf")!.validationHistory.map(\.step), [4, 8, 12])
    }

    /// A model that predicts class 0 for everything: 9 examples of class 0 and the 10th of class 1.
    static let constant = """
        cell c = rnn(input=1, hidden=1, output=2, activation=linear, init=ones, bias=false)
        let d = pairs([[[1], 0], [[1], 0], [[1], 0], [[1], 0], [[1], 0], [[1], 0], [[1], 0], [[1], 0], [[1], 0], [[1], 1]])
        """

    func testPredictListsTheMistakesFirstAndAConfusionTable() throws {
        let e = Evaluator()
        _ = try run(e, Self.constant)
        var sink = try run(e, "predict c on d")
        XCTAssertEqual(sink.events.count, 2, sink.text)
        let table = sink.events[0]
        XCTAssertTrue(table.hasPrefix("predict c on pairs(10 examples) · accuracy 90% (9 of 10) · 8 of 10 examples · the 1 with mistakes first (rows=all shows every one)"), table)
        let rows = table.split(separator: "\n").filter { $0.hasPrefix("|") && !$0.contains("prediction") }
        XCTAssertEqual(rows.count, 8)
        XCTAssertEqual(rows.first, "| 10 | 0          | 1      |      no |")
        XCTAssertEqual(sink.events[1], """
            confusion of c on pairs(10 examples): true label (row) × predicted (column), one count per example
            +------------------+---+---+---------+
            | true \\ predicted | 0 | 1 | correct |
            +------------------+---+---+---------+
            | 0                | 9 | 0 |  9 of 9 |
            | 1                | 1 | 0 |  0 of 1 |
            +------------------+---+---+---------+
            """)
        sink = try run(e, "predict c on d rows=all")
        XCTAssertEqual(sink.events[0].split(separator: "\n").filter { $0.hasPrefix("|") && !$0.contains("prediction") }.count, 10)
        XCTAssertFalse(sink.events[0].contains("of 10 examples"), sink.events[0])
        sink = try run(e, "predict c on d rows=1")
        XCTAssertTrue(sink.events[0].contains("· 1 of 10 examples"), sink.events[0])

        XCTAssertEqual(diagnostic(e, "predict c on d rows=0")?.message, "expected rows (a whole number or all) to be at least 1, found 0")
        XCTAssertEqual(diagnostic(e, "predict c on d rows=many")?.message, "expected rows to be a whole number or all, found 'many'")
        XCTAssertEqual(diagnostic(e, "predict c on d row=2")?.message.contains("did you mean 'rows'?"), true)
        XCTAssertTrue(try run(e, "predict c on [[1], [2]] rows=2").text.contains("warning: rows= lists the examples of a dataset"))
    }

    func testNumbersKeepTheirOrderWithoutAConfusionTable() throws {
        let e = Evaluator()
        _ = try run(e, "cell r = rnn(input=1, hidden=2, output=1, seed=1)")
        let sink = try run(e, "predict r on sine(count=10, length=4, seed=1)")
        XCTAssertEqual(sink.events.count, 1)
        XCTAssertTrue(sink.events[0].contains("· MSE ") && sink.events[0].contains("· first 8 of 10"), sink.events[0])
        XCTAssertFalse(sink.events[0].contains("correct"))
    }

    func testLanguageModelsReportPerplexity() throws {
        let e = Evaluator()
        _ = try run(e, "let t = text(\"abcabcabcabd\", seq=4)\ncell lm = rnn(hidden=4, output=4, seed=3)")
        let sink = try run(e, "train lm on t epochs=2 validation=t")
        let summary = sink.events.last!
        let run = e.state.runs[0]
        let first = perplexity(ofCrossEntropy: run.losses.first!), last = perplexity(ofCrossEntropy: run.losses.last!)
        XCTAssertTrue(summary.contains("· perplexity \(NumberFormat.short(first, decimals: 4)) → \(NumberFormat.short(last, decimals: 4))"), summary)
        let v = run.validation!.epochs.last!.evaluation
        XCTAssertEqual(v.perplexity!, exp(v.loss), accuracy: 1e-12)
        XCTAssertTrue(summary.contains("validation perplexity \(NumberFormat.short(v.perplexity!, decimals: 4))"), summary)
        let shown = try self.run(e, "predict lm on t").events[0]
        XCTAssertTrue(shown.contains("· cross-entropy \(NumberFormat.short(v.loss, decimals: 6)) · perplexity \(NumberFormat.short(v.perplexity!, decimals: 4))"), shown)
        XCTAssertFalse(shown.contains("correct"), "no confusion table over characters")
    }
}

extension Value {
    var datasetValue: Dataset? { if case let .dataset(d) = self { return d } else { return nil } }
}
