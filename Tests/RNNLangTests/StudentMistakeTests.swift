import Foundation
import XCTest
import Jupyter
@testable import RNNLang

/// The mistakes a student makes at the start of a line, answered with what to write instead.
final class StudentMistakeTests: XCTestCase {
    func error(_ source: String) -> Diagnostic? {
        do { _ = try Evaluator().run(source, output: RecordingSink()) } catch let d as Diagnostic { return d } catch { return nil }
        return nil
    }

    func testMisspelledStatements() {
        XCTAssertEqual(error("unrol m on [1]")?.message, "unknown statement 'unrol'; did you mean 'unroll'?")
        XCTAssertEqual(error("trian net on data")?.message, "unknown statement 'trian'; did you mean 'train'?")
        let d = error("unrol m on [1]")
        XCTAssertEqual(d?.kind, .syntax)
        XCTAssertEqual(d?.range?.start.column, 1)
        XCTAssertEqual(d?.range?.end.column, 6)
        XCTAssertTrue(error("foo bar")?.message.hasPrefix("unknown statement 'foo': a line starts with a statement") ?? false)
    }

    /// Found by a probing helper: these messages named the wrong thing.
    func testMessagesNameWhatWasMeant() {
        // drop takes a name: a statement keyword is no suggestion.
        XCTAssertEqual(error("drop modle")?.message, "nothing named 'modle' to drop: expected a model or a value bound with let")
        XCTAssertEqual(error("let model = 1\ndrop modle")?.message, "nothing named 'modle' to drop: expected a model or a value bound with let; did you mean 'model'?")
        // v.T of a let value is its transpose, shown like any value (it was "expected a model").
        let sink = RecordingSink()
        XCTAssertNoThrow(try Evaluator().run("let v = [[1, 2, 3], [4, 5, 6]]\nshow v.T", output: sink))
        XCTAssertTrue(sink.text.hasPrefix("3×2 matrix"), sink.text)
        XCTAssertTrue(error("let x = " + Array(repeating: "1", count: 202).joined(separator: " + "))?.message
                        .contains("each operator of a chain such as a + b + c count") ?? false)
    }

    func testPythonHabits() {
        XCTAssertEqual(error("x = [1, 2]")?.message, "a value is bound with let: use let x = …")
        XCTAssertEqual(error("net = rnn(input=2, hidden=4)")?.message, "a model is defined with cell: use cell net = rnn(…)")
        XCTAssertEqual(error("model = nn.LSTM(2, 16)")?.message, "this is PyTorch; here a model is defined with cell: use cell model = lstm(input=2, hidden=16)")
        XCTAssertEqual(error("m = nn.GRU(input_size=3, hidden_size=8, num_layers=2, batch_first=True, bidirectional=True)")?.message,
                       "this is PyTorch; here a model is defined with cell: use cell m = gru(input=3, hidden=8, layers=2, bidirectional=true)")
        XCTAssertEqual(error("m = nn.Linear(2, 3)")?.message, "this language has no nn.Linear; its cells are rnn, lstm and gru: cell m = lstm(input=I, hidden=H)")
        XCTAssertEqual(error("cell m = rnn(input=2, hidden=2, bidirectional=yes)")?.message, "expected bidirectional to be true or false, found the word 'yes'")
        XCTAssertEqual(error("cell m = rnn(input=2, hidden=2, bidirectional=True)")?.message, "expected bidirectional to be true or false, found 'True': write it in lowercase, true")
        // Nothing of this gets in the way of what is right.
        XCTAssertNil(error("let x = [1, 2]\nx\ncell net = rnn(input=2, hidden=4)"))
    }

    func testCopyTheDatasetWhereADatasetIsMeant() throws {
        let help = try Help.text(for: "copy")
        XCTAssertTrue(help.hasPrefix("copy NAME as NEW"))
        XCTAssertTrue(help.contains("copy(count=, length=, symbols=8, seed=)"))
        let state = Evaluator().state
        let call = inspection(code: "train m on copy(count=10, length=5)", cursor: 15, state: state)?["text/plain"]?.stringValue ?? ""
        XCTAssertTrue(call.hasPrefix("copy(count=, length=, symbols=8, seed=)"), call)
        let statement = inspection(code: "copy m as n", cursor: 4, state: state)?["text/plain"]?.stringValue ?? ""
        XCTAssertTrue(statement.hasPrefix("copy NAME as NEW"), statement)
    }

    func testCompletionInsideStringsOffersFilesWhereAPathGoes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-complete-\(getpid())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("runs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["sine.json", "sine.safetensors", "series.csv", ".hidden"] {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(f).path, contents: Data())
        }
        let state = Evaluator().state
        func matches(_ code: String) -> [String] { complete(code: code, cursor: code.unicodeScalars.count, context: state).matches }
        let p = dir.path
        XCTAssertEqual(matches("load m from \"\(p)/si"), ["sine.json", "sine.safetensors"])
        XCTAssertEqual(matches("load m from \"\(p)/"), ["runs/", "series.csv", "sine.json", "sine.safetensors"])
        XCTAssertEqual(matches("let d = csv(\"\(p)/se"), ["series.csv"])
        XCTAssertEqual(matches("let d = text(file=\"\(p)/r"), ["runs/"])
        XCTAssertEqual(matches("save m to \"\(p)/."), [".hidden"])
        let c = complete(code: "load m from \"\(p)/si", cursor: "load m from \"\(p)/si".unicodeScalars.count, context: state)
        XCTAssertEqual(c.cursorEnd - c.cursorStart, 2)
        // Inside any other string, nothing: never dataset names.
        XCTAssertEqual(matches("let s = sentences([[\"si"), [])
        XCTAssertEqual(matches("print \"co"), [])
        // Outside strings, as before.
        XCTAssertTrue(matches("let d = si").contains("sine"))
    }
}
