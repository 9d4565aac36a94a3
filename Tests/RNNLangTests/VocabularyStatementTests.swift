import XCTest
import Foundation
import Jupyter
import RNN
import Store
import JSON
@testable import RNNLang

/// A model owns its vocabulary and labels (issue 16): later data and strings are read with them.
final class VocabularyStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> RecordingSink {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink
    }

    func diagnostic(_ e: Evaluator, _ source: String) -> Diagnostic? {
        do { _ = try run(e, source) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    /// Lesson 2's sentiment model, trained as the lesson trains it.
    func lessonTwo() throws -> Evaluator {
        let e = Evaluator()
        _ = try run(e, """
            seed 7
            let reviews = sentences([["I am happy", "pos"], ["I am not happy", "neg"], ["I am very happy", "pos"], ["I am not very happy", "neg"], ["happy I am", "pos"], ["not happy I am", "neg"], ["I am not sad", "pos"], ["I am sad", "neg"], ["I am very sad", "neg"], ["I am not very sad", "pos"]])
            cell senti = rnn(input=6, hidden=8, output=2, seed=7)
            train senti on reviews epochs=60 lr=0.05 seed=7
            """)
        return e
    }

    func testHeldOutSentencesAreReadWithTheModelsVocabulary() throws {
        let e = try lessonTwo()
        XCTAssertTrue(try run(e, "predict senti on reviews").text.contains("accuracy 100%"))
        // The issue's case: these four sentences number their words and labels differently on their
        // own ("neg" first); read with the model's vocabulary they are the sentences it learnt.
        let held = try run(e, #"predict senti on sentences([["I am not happy","neg"],["I am happy","pos"],["I am very sad","neg"],["I am not very sad","pos"]])"#)
        XCTAssertTrue(held.text.contains("accuracy 100%"), held.text)
        XCTAssertFalse(held.text.contains("warning"), held.text)
        let entry = try XCTUnwrap(e.model(named: "senti"))
        XCTAssertEqual(entry.vocab?.tokens, ["<unk>", "am", "happy", "i", "not", "sad", "very"])
        XCTAssertEqual(entry.labels, ["pos", "neg"])
    }

    func testUnknownWordsAreCountedAndUnknownLabelsRefused() throws {
        let e = try lessonTwo()
        let s = try run(e, #"predict senti on sentences([["I am so happy","pos"],["you are so sad","neg"]])"#)
        XCTAssertTrue(s.text.contains("stderr: warning: 4 of 8 words are not in senti's vocabulary of 6 words and are read as <unk>"), s.text)
        let before = e.state
        let d = diagnostic(e, #"predict senti on sentences([["I am happy","joy"]])"#)
        XCTAssertEqual(d?.kind, .value)
        XCTAssertTrue(d?.message.contains("'joy' is not one of the model's 2 labels (pos, neg)") ?? false, d?.message ?? "")
        XCTAssertEqual(diagnostic(e, #"train senti on sentences([["I am happy","joy"]])"#)?.kind, .value)
        XCTAssertEqual(e.state, before)
    }

    func testReorderedTaggedSentencesKeepTheirAccuracy() throws {
        let e = Evaluator()
        let rows = [#"["I love football", "PRON VERB NOUN"]"#, #"["the fish swims", "DET NOUN VERB"]"#,
                    #"["fish swim", "NOUN VERB"]"#, #"["they love the fish", "PRON VERB DET NOUN"]"#]
        _ = try run(e, """
            let pos = tagged([\(rows.joined(separator: ", "))])
            cell tagger = rnn(hidden=8, output=4, bidirectional=true, seed=13)
            train tagger on pos epochs=60 lr=0.05 seed=13
            """)
        let original = try run(e, "predict tagger on pos").text
        let reordered = try run(e, "predict tagger on tagged([\(rows.reversed().joined(separator: ", "))])").text
        func accuracy(_ s: String) -> String? { s.range(of: #"accuracy [0-9.]+%"#, options: .regularExpression).map { String(s[$0]) } }
        XCTAssertNotNil(accuracy(original), original)
        XCTAssertEqual(accuracy(reordered), accuracy(original), reordered)
        XCTAssertEqual(accuracy(original), "accuracy 100%", original)
    }

    func testACharacterModelReadsANewTextWithItsAlphabet() throws {
        let e = Evaluator()
        _ = try run(e, "cell ch = rnn(hidden=8, output=8, seed=2)\ntrain ch on text(\"hello world\", seq=5) epochs=5 seed=1")
        XCTAssertEqual(e.model(named: "ch")?.vocab?.words, [" ", "d", "e", "h", "l", "o", "r", "w"])
        XCTAssertNil(e.model(named: "ch")?.labels)
        // "t" is new: as an input it is <unk> (x_t = 0); the one step that must predict it is left out.
        let s = try run(e, "predict ch on text(\"hello there\")")
        XCTAssertTrue(s.text.contains("warning: 1 of 10 characters is not in ch's vocabulary of 8 characters and is read as <unk>"), s.text)
        XCTAssertTrue(s.text.contains("warning: 1 step of text(\"hello there\", seq=25) predicts a character ch has never seen and is left out"), s.text)
        XCTAssertTrue(s.text.contains("accuracy"), s.text)
    }

    func testStringsAreSequencesForAModelWithAVocabulary() throws {
        let e = try lessonTwo()
        let p = try run(e, #"predict senti on "I am not happy""#)
        XCTAssertTrue(p.text.contains("class at the last word: neg"), p.text)
        XCTAssertTrue(p.text.contains("| word  |"), p.text)
        XCTAssertTrue(p.text.contains("| not   |"), p.text)
        let u = try run(e, #"unroll senti on "I love you""#)
        XCTAssertTrue(u.text.contains("stderr: warning: 2 of 3 words are not in senti's vocabulary"), u.text)
        XCTAssertTrue(u.text.contains("| t | word  | x_t"), u.text)
        XCTAssertTrue(u.text.contains("| 2 | <unk> | [0, 0, 0, 0, 0, 0]"), u.text)
        XCTAssertTrue(u.text.contains("| 1 | i     | [0, 0, 1, 0, 0, 0]"), u.text)
        let plot = try run(e, #"plot hidden senti on "I am not happy""#)
        XCTAssertTrue(plot.text.contains("hidden state of senti"), plot.text)
        XCTAssertTrue(plot.text.contains("happy"), plot.text)
        // A classifier has nothing to sample.
        XCTAssertTrue(diagnostic(e, "sample senti")?.message.contains("predicts labels (pos, neg)") ?? false)
    }

    func testShowVocabAndLabelsAndLower() throws {
        let e = try lessonTwo()
        let v = try run(e, "show senti.vocab").text
        XCTAssertTrue(v.contains("senti.vocab · 6 words and <unk> (id 0, x_t = 0), lowercased"), v)
        XCTAssertTrue(v.contains("|  0 | <unk> |"), v)
        XCTAssertTrue(v.contains("|  6 | very  |"), v)
        XCTAssertEqual(complete(code: "show senti.v", cursor: 12, context: e.state).matches, ["vocab"])
        XCTAssertEqual(complete(code: "show senti.la", cursor: 13, context: e.state).matches, ["labels"])
        let l = try run(e, "show senti.labels").text
        XCTAssertTrue(l.contains("|  0 | pos   |") && l.contains("|  1 | neg   |"), l)
        _ = try run(e, "cell fresh = rnn(input=2, hidden=2)")
        XCTAssertTrue(diagnostic(e, "show fresh.vocab")?.message.contains("has no vocabulary yet") ?? false)
        _ = try run(e, #"let names = sentences([["Apple is red", "a"], ["apple pie", "b"]], lower=false)"#)
        _ = try run(e, "cell n = rnn(hidden=2, output=2, vocab=names, seed=1)")
        XCTAssertEqual(e.model(named: "n")?.vocab?.tokens, ["<unk>", "Apple", "apple", "is", "pie", "red"])
        XCTAssertEqual(e.model(named: "n")?.model.config.input, 5)
        let s = try run(e, #"predict n on "APPLE Apple""#)
        XCTAssertTrue(s.text.contains("1 of 2 words is not in n's vocabulary"), s.text)
        XCTAssertEqual(diagnostic(e, "cell m = rnn(input=3, hidden=2, vocab=names)")?.kind, .shape)
    }

    func testVocabularyRoundTripsThroughBothFilesAndCopy() throws {
        let e = try lessonTwo()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try XCTUnwrap(e.model(named: "senti"))
        _ = try run(e, "copy senti as twin")
        XCTAssertEqual(e.model(named: "twin")?.vocab, original.vocab)
        XCTAssertEqual(e.model(named: "twin")?.labels, original.labels)
        for ext in ["json", "safetensors"] {
            let path = dir.appendingPathComponent("senti.\(ext)").path
            _ = try run(e, "save senti to \"\(path)\"\nload back_\(ext) from \"\(path)\"")
            let back = try XCTUnwrap(e.model(named: "back_\(ext)"))
            XCTAssertEqual(back.vocab, original.vocab, ext)
            XCTAssertEqual(back.labels, original.labels, ext)
            XCTAssertEqual(back.model, original.model, ext)
        }
        // PyTorch reads the metadata as JSON arrays in id order.
        let bytes = try ModelFiles.readBytes(dir.appendingPathComponent("senti.safetensors").path)
        let header = String(decoding: bytes[8..<(8 + Int(bytes[0]) + Int(bytes[1]) << 8)], as: UTF8.self)
        XCTAssertTrue(header.contains(#""vocab":"[\"<unk>\",\"am\",\"happy\",\"i\",\"not\",\"sad\",\"very\"]""#), header)
        XCTAssertTrue(header.contains(#""labels":"[\"pos\",\"neg\"]""#), header)
    }

    func testLoadRefusesAnEmptyOrInconsistentVocabulary() throws {
        let e = try lessonTwo()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.json").path
        _ = try run(e, "save senti to \"\(good)\"")
        let text = try String(contentsOfFile: good, encoding: .utf8)
        let cases: [(String, String)] = [
            (#""vocab": []"#, "the vocabulary is empty"),
            (#""vocab": ["<unk>", "am", "happy"]"#, "the vocabulary has 2 words besides <unk> but the model's x_t has width 6"),
            (#""vocab": ["<unk>", "am", "am", "i", "not", "sad", "very"]"#, "'am' is in the vocabulary twice"),
            (#""vocab": ["am", "<unk>", "happy", "i", "not", "sad", "very"]"#, "<unk> is token 1 of the vocabulary"),
        ]
        let vocabLine = try XCTUnwrap(text.range(of: #""vocab": \[[^\]]*\]"#, options: .regularExpression))
        let before = e.state
        for (replacement, message) in cases {
            let path = dir.appendingPathComponent("bad.json").path
            try text.replacingCharacters(in: vocabLine, with: replacement).write(toFile: path, atomically: true, encoding: .utf8)
            let d = diagnostic(e, "load senti from \"\(path)\"")
            XCTAssertEqual(d?.kind, .value, replacement)
            XCTAssertTrue(d?.message.contains(message) ?? false, "\(replacement): \(d?.message ?? "no error")")
        }
        XCTAssertEqual(e.state.store, before.store)
        // Files from before: a model of numbers (no vocabulary) loads as it did, and the "vocabulary"
        // of an older text model (no <unk>) loads with it.
        var plain = try XCTUnwrap(e.model(named: "senti"))
        plain.vocab = nil
        plain.labels = nil
        let old = dir.appendingPathComponent("old.json").path
        try ModelFiles.writeBytes(Array(ModelFiles.json(plain).serialized().utf8), to: old)
        _ = try run(e, "load plain from \"\(old)\"")
        XCTAssertNil(e.model(named: "plain")?.vocab)
        var legacy = ModelFiles.json(plain)
        legacy["vocabulary"] = JSON(["am", "happy", "i", "not", "sad", "very"])
        try ModelFiles.writeBytes(Array(legacy.serialized().utf8), to: old)
        _ = try run(e, "load chars from \"\(old)\"")
        XCTAssertEqual(e.model(named: "chars")?.vocab?.level, .word)
        XCTAssertEqual(e.model(named: "chars")?.vocab?.width, 6)
        XCTAssertTrue(diagnostic(e, #"predict chars on "I am glad""#)?.message.contains("'glad' is not in the model's vocabulary") ?? false)
        // Saved again, in either format, it loads again as it was read (found by fuzz-model-json).
        for ext in ["json", "safetensors"] {
            let again = dir.appendingPathComponent("again.\(ext)").path
            _ = try run(e, "save chars to \"\(again)\"\nload back from \"\(again)\"")
            XCTAssertEqual(e.model(named: "back")?.vocab, e.model(named: "chars")?.vocab, ext)
            XCTAssertEqual(e.model(named: "back")?.model, e.model(named: "chars")?.model, ext)
        }
        legacy["vocabulary"] = JSON([String]())
        try ModelFiles.writeBytes(Array(legacy.serialized().utf8), to: old)
        XCTAssertTrue(diagnostic(e, "load chars from \"\(old)\"")?.message.contains("the vocabulary is empty") ?? false)
    }
}
