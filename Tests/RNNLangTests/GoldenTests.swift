import XCTest
import Foundation
import Jupyter
@testable import RNNLang

/// The text forms of show, unroll (rnn, gru, lstm) and models, against committed files reviewed by
/// eye (the lstm and gru rows were checked by hand from the gate equations). RNNKERNEL_RECORD=1 rewrites them.
final class GoldenTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// What `rnn-kernel run` prints to stdout for a script: streams and the text of every display.
    final class TextSink: OutputSink {
        var text = ""
        func stream(_ name: StreamName, _ t: String) { if name == .stdout { text += t } }
        func display(_ bundle: MimeBundle, displayID: String?) { text += (bundle["text/plain"]?.stringValue ?? "") + "\n" }
        func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
        func clearOutput(wait: Bool) {}
    }

    func testTablesMatchTheirGoldenFiles() throws {
        let script = try String(contentsOf: Self.fixtures.appendingPathComponent("golden-tables.rnn"), encoding: .utf8)
        let sink = TextSink()
        XCTAssertNil(Evaluator().runScript(script, output: sink))
        let golden = Self.fixtures.appendingPathComponent("golden-tables.txt")
        if ProcessInfo.processInfo.environment["RNNKERNEL_RECORD"] == "1" { try sink.text.write(to: golden, atomically: true, encoding: .utf8) }
        XCTAssertEqual(sink.text, try String(contentsOf: golden, encoding: .utf8))
    }
}
