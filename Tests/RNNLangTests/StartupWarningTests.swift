import XCTest
import Jupyter
import RNN
@testable import RNNLang

/// A bad RNNKERNEL_* value reaches the notebook: once, as a warning on stderr, with the first cell that is not silent.
final class StartupWarningTests: XCTestCase {
    func testWarningsComeOnceWithTheFirstCellThatIsNotSilent() {
        let interpreter = RNNInterpreter()
        interpreter.startupWarnings = Settings.problems { $0 == "RNNKERNEL_THREADS" ? "abc" : nil }
        XCTAssertEqual(interpreter.startupWarnings.count, 1)
        let silent = RecordingSink()
        _ = interpreter.execute(ExecuteRequest(code: "print 1", silent: true), output: silent)
        XCTAssertFalse(silent.text.contains("warning"), silent.text)
        let first = RecordingSink()
        guard case .ok = interpreter.execute(ExecuteRequest(code: "print 2"), output: first) else { return XCTFail("the cell failed") }
        XCTAssertTrue(first.text.hasPrefix("stderr: warning: RNNKERNEL_THREADS=abc is not a whole number: expected a whole number from 1 to 1024; using the default"), first.text)
        XCTAssertTrue(first.text.hasSuffix("stdout: 2\n"), "the cell still runs: \(first.text)")
        let second = RecordingSink()
        _ = interpreter.execute(ExecuteRequest(code: "print 3"), output: second)
        XCTAssertEqual(second.text, "stdout: 3\n")
    }

    func testHistorySizeDefaultIsJupytersHistoryDefault() {
        XCTAssertEqual(Settings.historySize.defaultValue, History.defaultCapacity)
        XCTAssertEqual(History.configuredCapacity, History.defaultCapacity)
    }
}
