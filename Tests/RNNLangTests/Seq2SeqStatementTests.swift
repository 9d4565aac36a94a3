import Foundation
import XCTest
import Jupyter
import RNN
@testable import Store
@testable import RNNLang

/// The seq2seq model kind as statements: definition, data, training, translation, files, and the
/// errors between it and the cells.
final class Seq2SeqStatementTests: XCTestCase {
    let pairs = #"let pairs = translation([["i am happy", "je suis heureux"], ["i am sad", "je suis triste"], ["you are happy", "tu es heureux"]])"#

    func run(_ source: String, _ e: Evaluator = Evaluator()) throws -> String {
        let sink = RecordingSink()
        let r = try e.run(source, output: sink)
        return sink.text + (r.result?["text/plain"]?.stringValue.map { "\n" + $0 } ?? "")
    }

    func error(_ source: String, _ e: Evaluator = Evaluator()) -> Diagnostic? {
        do { _ = try run(source, e) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    func testDefinitionWaitsForDataThenVocabulariesAreFixed() throws {
        let e = Evaluator()
        XCTAssertTrue(try run("cell tr = seq2seq(embed=4, hidden=6, seed=1)", e).contains("the vocabularies and the weights come from the first data"))
        let text = try run(pairs + "\ntrain tr on pairs epochs=1 batch=3 seed=1", e)
        XCTAssertTrue(text.contains("7 source words, 9 target words"), text)
        let entry = e.state.store[seq2seq: "tr"]!
        XCTAssertEqual(entry.vocabulary!.source, ["<unk>", "am", "are", "happy", "i", "sad", "you"])
        XCTAssertEqual(Array(entry.vocabulary!.target.prefix(3)), ["<unk>", "<bos>", "<eos>"])
        XCTAssertEqual(entry.model!.config.specs.map(\.name).first, "encoder.embedding.weight")
        XCTAssertEqual(entry.trainedSteps, 1)
        // Later data is read with the model's vocabularies: unknown words warn and become <unk>.
        let warned = try run(#"train tr on translation([["i am tall", "je suis grand"]]) epochs=1"#, e)
        XCTAssertTrue(warned.contains("2 words are not in tr's vocabularies"), warned)
        XCTAssertEqual(e.state.store[seq2seq: "tr"]!.vocabulary, entry.vocabulary)
    }

    func testTrainingLearnsTheToyPairsAndPredictReportsExactMatch() throws {
        let e = Evaluator()
        _ = try run("cell tr = seq2seq(embed=8, hidden=16, seed=3)\n" + pairs + "\ntrain tr on pairs epochs=40 batch=3 lr=0.05 seed=1", e)
        XCTAssertLessThan(e.state.store[seq2seq: "tr"]!.lossHistory.last!, 0.05)
        XCTAssertTrue(try run(#"translate tr "you are happy""#, e).hasPrefix("stdout: tu es heureux\n"))
        XCTAssertTrue(try run(#"translate tr "you are happy" beam=3"#, e).hasPrefix("stdout: tu es heureux\n"))
        let p = try run("predict tr on pairs", e)
        XCTAssertTrue(p.contains("exact match 100% (3/3)"), p)
        XCTAssertTrue(p.contains("BLEU = 0.00 100.0/100.0/100.0/0.0"), "three-word sentences have no 4-grams: sacrebleu's BLEU is 0\n" + p)
        // The heatmap has a row per output word, <eos> included, and the source words across.
        XCTAssertTrue(try run(#"plot attention tr "i am sad""#, e).contains("triste |"))
        let u = try run(#"unroll tr on "i am sad""#, e)
        XCTAssertTrue(u.contains("weights over i am sad") && u.contains("<eos>"), u)
        XCTAssertTrue(try run("plot loss tr", e).contains("training loss of tr"))
        XCTAssertTrue(try run("show tr.decoder.fc.weight", e).contains("tr.decoder.fc.weight (9×16)"))
        XCTAssertTrue(try run("show tr.source_vocab", e).contains("|  4 | i "))
    }

    /// The course's direction, English to Chinese: the default ASCII chart shows the Chinese output words and
    /// every source word whole, and a long output gets a row per word rather than averaged rows.
    func testAttentionChartShowsChineseAndLongWordsInFull() throws {
        let e = Evaluator()
        let zh = #"let zh = translation([["my mother is a teacher", "我 妈妈 是 老师"], ["my father is a doctor", "我 爸爸 是 医生"]])"#
        _ = try run("cell tr = seq2seq(embed=8, hidden=16, seed=3)\n" + zh + "\ntrain tr on zh epochs=40 batch=2 lr=0.05 seed=1", e)
        for style in ["", " style=unicode"] {
            let text = try run(#"plot attention tr "my mother is a teacher""# + style, e)
            XCTAssertFalse(text.contains("?"), text)
            XCTAssertTrue(text.contains("妈妈 ") && text.contains("老师 "), text)
            XCTAssertTrue(text.contains("my mother is  a teacher"), "every source word under its column\n" + text)
        }
        // Barely trained, the decoder runs to max_length (20 words): the chart keeps a row for each, more than
        // the default height of 16; height= still sets the number of rows.
        let raw = Evaluator()
        _ = try run("cell tr = seq2seq(embed=8, hidden=16, seed=3)\n" + zh + "\ntrain tr on zh epochs=1 batch=2 lr=0.0001 seed=1", raw)
        let plot = try run(#"plot attention tr "my mother is a teacher""#, raw)
        let rows = plot.split(separator: "\n").filter { $0.hasSuffix("|") }
        XCTAssertEqual(rows.count, 20, "max_length=20 words, no <eos>: one row each, none averaged\n" + plot)
        XCTAssertEqual(try run(#"plot attention tr "my mother is a teacher" height=5"#, raw).split(separator: "\n").filter { $0.hasSuffix("|") }.count, 5)
    }

    func testFilesRoundTripWithTheTwinsKeysAndVocabularies() throws {
        let e = Evaluator()
        let dir = NSTemporaryDirectory() + "s2s-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run("cell tr = seq2seq(embed=3, hidden=4, layers=2, attention=none, seed=2)\n" + pairs + "\ntrain tr on pairs epochs=2", e)
        _ = try run("save tr to \"\(dir)/tr.safetensors\"\nsave tr to \"\(dir)/tr.json\"\nload a from \"\(dir)/tr.safetensors\"\nload b from \"\(dir)/tr.json\"", e)
        let original = e.state.store[seq2seq: "tr"]!
        for n in ["a", "b"] {
            let l = e.state.store[seq2seq: n]!
            XCTAssertEqual(l.model, original.model, n)
            XCTAssertEqual(l.vocabulary, original.vocabulary, n)
            XCTAssertEqual(l.trainedSteps, original.trainedSteps, n)
        }
        let (tensors, metadata) = try ModelFiles.readSafetensors(ModelFiles.readBytes("\(dir)/tr.safetensors"), file: "tr")
        XCTAssertEqual(Set(tensors.keys), Set(original.model!.config.specs.map(\.name)))
        XCTAssertNotNil(tensors["encoder.rnn.weight_hh_l1"])
        XCTAssertNil(tensors["decoder.attention.W_q.weight"], "attention=none has no attention weights")
        XCTAssertEqual(metadata["source_vocab"], JSONValueText(original.vocabulary!.source))
        XCTAssertEqual(metadata["target_vocab"], JSONValueText(original.vocabulary!.target))
        _ = try run("copy tr as c", e)
        XCTAssertEqual(e.state.store[seq2seq: "c"], original)
        _ = try run("drop c", e)
        XCTAssertNil(e.state.store[seq2seq: "c"])
    }

    /// cell=lstm end to end: learning, translate (greedy and beam), plot attention, unroll, show, and
    /// files with the twin's nn.LSTM state-dict keys (4H gate rows), read back strictly.
    func testLSTMCellLearnsTranslatesAndRoundTrips() throws {
        let e = Evaluator()
        let defined = try run("cell tr = seq2seq(embed=8, hidden=16, layers=2, cell=lstm, seed=3)", e)
        XCTAssertTrue(defined.contains("cell=lstm"), defined)
        _ = try run(pairs + "\ntrain tr on pairs epochs=40 batch=3 lr=0.05 seed=1", e)
        let entry = e.state.store[seq2seq: "tr"]!
        XCTAssertEqual(entry.model!.config.cell, .lstm)
        XCTAssertLessThan(entry.lossHistory.last!, 0.05)
        XCTAssertTrue(try run(#"translate tr "you are happy""#, e).hasPrefix("stdout: tu es heureux\n"))
        XCTAssertTrue(try run(#"translate tr "you are happy" beam=3"#, e).hasPrefix("stdout: tu es heureux\n"))
        XCTAssertTrue(try run(#"plot attention tr "i am sad""#, e).contains("triste |"))
        let u = try run(#"unroll tr on "i am sad""#, e)
        XCTAssertTrue(u.contains("LSTM([c_t ; embed(y_{t-1})]") && u.contains("<eos>"), u)
        XCTAssertTrue(u.contains("cell c_t") && u.contains("| cell "), "unroll shows the LSTM's cell states\n" + u)
        let shown = try run("show tr", e)
        for spec in entry.model!.config.specs { XCTAssertTrue(shown.contains(spec.name), "show lists \(spec.name)\n" + shown) }
        XCTAssertTrue(try run("show tr.decoder.rnn.weight_hh_l1", e).contains("(64×16)"))
        let dir = NSTemporaryDirectory() + "s2s-lstm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run("save tr to \"\(dir)/tr.safetensors\"\nsave tr to \"\(dir)/tr.json\"\nload a from \"\(dir)/tr.safetensors\"\nload b from \"\(dir)/tr.json\"", e)
        for n in ["a", "b"] {
            XCTAssertEqual(e.state.store[seq2seq: n]!.model, entry.model, n)
            XCTAssertEqual(e.state.store[seq2seq: n]!.cell, .lstm, n)
        }
        let (tensors, _) = try ModelFiles.readSafetensors(ModelFiles.readBytes("\(dir)/tr.safetensors"), file: "tr")
        XCTAssertEqual(Set(tensors.keys), Set(entry.model!.config.specs.map(\.name)))
        XCTAssertEqual(tensors["encoder.rnn.weight_ih_l0"]?.shape, [64, 8])
        XCTAssertTrue(error("cell x = seq2seq(cell=rnn)", e)?.message.contains("lstm") ?? false)
    }

    /// A file written before cell= existed (no "cell" key) holds GRUs and still loads; a bad cell is a clear error.
    func testFilesWithoutACellAreGRUs() throws {
        let e = Evaluator()
        let dir = NSTemporaryDirectory() + "s2s-old-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run("cell tr = seq2seq(embed=3, hidden=4, seed=2)\n" + pairs + "\ntrain tr on pairs epochs=1\nsave tr to \"\(dir)/tr.json\"", e)
        let text = try String(contentsOfFile: "\(dir)/tr.json", encoding: .utf8)
        XCTAssertTrue(text.contains("\"cell\": \"gru\""), text)
        try text.replacingOccurrences(of: "\"cell\": \"gru\",", with: "").write(toFile: "\(dir)/old.json", atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "\"cell\": \"gru\"", with: "\"cell\": \"rnn\"").write(toFile: "\(dir)/bad.json", atomically: true, encoding: .utf8)
        _ = try run("load old from \"\(dir)/old.json\"", e)
        XCTAssertEqual(e.state.store[seq2seq: "old"]!.model, e.state.store[seq2seq: "tr"]!.model)
        XCTAssertEqual(e.state.store[seq2seq: "old"]!.cell, .gru)
        let before = e.state
        // Wrong contents are a ValueError that says the name is unchanged, as for a cell's file; a
        // file that cannot be read is an IOError; a load is logged with the hash of the bytes read.
        let bad = error("load bad from \"\(dir)/bad.json\"", e)
        XCTAssertEqual(bad?.kind, .value)
        XCTAssertTrue(bad?.message.contains("expected cell to be gru or lstm") ?? false, bad?.message ?? "")
        XCTAssertTrue(bad?.message.contains("'bad' is unchanged") ?? false, bad?.message ?? "")
        XCTAssertEqual(e.state, before)
        XCTAssertEqual(error("load gone from \"\(dir)/missing.json\"", e)?.kind, .io)
        let loaded = e.state.log.last { $0.statement.hasPrefix("load old") }
        XCTAssertEqual(loaded?.fileSHA256?.count, 64)
    }

    func JSONValueText(_ words: [String]) -> String {
        "[" + words.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    func testCellStatementsOnASeq2SeqModelAndTheReverseAreClearErrors() throws {
        let e = Evaluator()
        _ = try run("cell tr = seq2seq(hidden=4, embed=2)\ncell net = rnn(input=2, hidden=3)\n" + pairs, e)
        let before = e.state
        for s in ["backward tr on [[1]] target=[1]", "set tr.W_hh = [[1]]", "jacobian tr on [[1]]", "sample tr", "generate tr from [[1]] steps=2"] {
            let d = error(s, e)
            XCTAssertEqual(d?.kind, .value, s)
            XCTAssertTrue(d?.message.contains("'tr' is a seq2seq model") ?? false, s + ": \(d?.message ?? "no error")")
        }
        for s in [#"translate net "i am""#, #"plot attention net "i am""#] {
            XCTAssertTrue(error(s, e)?.message.contains("'net' is an rnn cell") ?? false, s)
        }
        XCTAssertTrue(error("train net on pairs", e)?.message.contains("train and test seq2seq models") ?? false)
        XCTAssertTrue(error(#"translate tr "i am""#, e)?.message.contains("train it first") ?? false)
        XCTAssertTrue(error("train tr on sine(count=4, length=3)", e)?.message.contains("expected sentence pairs") ?? false)
        XCTAssertTrue(error("train tr on pairs teacher_forcing=2", e)?.message.contains("between 0 and 1") ?? false)
        XCTAssertTrue(error("cell x = seq2seq(hiden=4)", e)?.message.contains("did you mean 'hidden'") ?? false)
        XCTAssertTrue(error("cell x = seq2seq(attention=dot)", e)?.message.contains("additive") ?? false)
        XCTAssertEqual(e.state, before, "failed statements change nothing")
        // Redefining a name as the other kind replaces it.
        _ = try run("cell tr = rnn(input=1, hidden=2)\ncell net = seq2seq()", e)
        XCTAssertNotNil(e.state.store["tr"])
        XCTAssertNil(e.state.store[seq2seq: "tr"])
        XCTAssertNotNil(e.state.store[seq2seq: "net"])
        XCTAssertNil(e.state.store["net"])
    }

    func testDatasets() throws {
        let e = Evaluator()
        _ = try run("let r = reverse(count=3, length=4, symbols=5, seed=1)", e)
        guard case let .translation(d)? = e.state.values["r"] else { return XCTFail("reverse is sentence pairs") }
        XCTAssertEqual(d.count, 3)
        for p in d.pairs { XCTAssertEqual(p.target, p.source.reversed()); XCTAssertEqual(p.source.count, 4) }
        XCTAssertEqual(try run("reverse(count=3, length=4, symbols=5, seed=1)"), try run("reverse(count=3, length=4, symbols=5, seed=1)"))
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/translation/en-zh.tsv").standardized.path
        _ = try run("let zh = translation(file=\"\(path)\")", e)
        guard case let .translation(z)? = e.state.values["zh"] else { return XCTFail("translation(file=) is sentence pairs") }
        XCTAssertGreaterThan(z.count, 300)
        XCTAssertEqual(z.pairs[0].source, ["my", "mother", "is", "a", "teacher"])
        XCTAssertEqual(z.pairs[0].target, ["我", "妈妈", "是", "老师"])
        XCTAssertTrue(error(#"translation([["a", ""]])"#)?.message.contains("empty target") ?? false)
        XCTAssertTrue(error("reverse(count=3, length=4, symbols=1)")?.message.contains("symbols") ?? false)
    }
}
