import XCTest
import Jupyter
@testable import RNNLang

/// A model error's caret lands under the argument the error names (ModelError.argument), whatever
/// words its message uses.
final class ErrorPlaceTests: XCTestCase {
    let setup = """
        cell net = rnn(input=1, hidden=2, output=1, seed=1)
        cell two = rnn(input=2, hidden=2, output=2, seed=1)
        cell gen = rnn(input=2, hidden=2, output=1, seed=1)
        cell bi = gru(input=1, hidden=2, output=1, bidirectional=true, seed=1)
        let data = sine(count=4, length=5, seed=1)
        let wide = adding(count=4, length=5, seed=1)
        """

    /// The source text under the caret of the error the last line raises.
    func caretText(_ line: String, file: StaticString = #filePath, lineNumber: UInt = #line) -> String? {
        let source = setup + "\n" + line
        do {
            _ = try Evaluator().run(source, output: RecordingSink())
            XCTFail("expected an error from \(line)", file: file, line: lineNumber)
        } catch let d as Diagnostic {
            guard let r = d.range else { XCTFail("no range: \(d)", file: file, line: lineNumber); return nil }
            let scalars = Array(source.unicodeScalars)
            return String(String.UnicodeScalarView(scalars[r.start.offset..<r.end.offset]))
        } catch {
            XCTFail("\(error)", file: file, line: lineNumber)
        }
        return nil
    }

    func testOptionErrorsPointAtTheOption() {
        XCTAssertEqual(caretText("train net on data lr=-1 epochs=1"), "-1")
        XCTAssertEqual(caretText("unroll two on [[1, 1]] h0=[1, 2, 3]"), "[1, 2, 3]")
        XCTAssertEqual(caretText("jacobian net on [0.5, 0.1] layer=3"), "3")
        XCTAssertEqual(caretText("train net on data loss=xent"), "xent")
        XCTAssertEqual(caretText("train net on data validation=wide"), "wide")
    }

    func testTargetErrorsPointAtTheTarget() {
        XCTAssertEqual(caretText("backward two on [[1, 1], [1, 1]] target=[1, 2, 3]"), "[1, 2, 3]")
        // train has no target=: its targets are in the data.
        XCTAssertEqual(caretText("train two on data"), "data")
    }

    func testModelErrorsPointAtTheModel() {
        XCTAssertEqual(caretText("generate bi from [0.1, 0.2] steps=3"), "bi")
        XCTAssertEqual(caretText("generate gen from [[0.1, 0.2]] steps=3"), "gen")
    }

    func testDataErrorsPointAtTheData() {
        XCTAssertEqual(caretText("unroll two on [[1, 1, 1]]"), "[[1, 1, 1]]")
    }

    func testAnErrorAboutADefaultPointsAtTheStatement() {
        // A stacked bidirectional cell needs layer=; none was written, so the whole statement.
        let line = "jacobian deep on [0.5, 0.1] direction=forward"
        let source = "cell deep = rnn(input=1, hidden=2, layers=2, bidirectional=true, seed=1)\n" + line
        do {
            _ = try Evaluator().run(source, output: RecordingSink())
            XCTFail("expected an error")
        } catch let d as Diagnostic {
            XCTAssertTrue(d.message.contains("layer=K"), d.message)
            XCTAssertEqual(d.range?.start.line, 2)
            XCTAssertEqual(d.range?.start.column, 1)
            XCTAssertEqual(d.range?.end.column, line.unicodeScalars.count + 1)
        } catch {
            XCTFail("\(error)")
        }
    }
}
