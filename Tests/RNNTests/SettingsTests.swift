import XCTest
@testable import RNN

/// The RNNKERNEL_* whole-number variables: one parser, suffixes for sizes, a message for each refused value.
final class SettingsTests: XCTestCase {
    func testEveryVariableIsListedOnceWithItsKind() {
        let names = Settings.all.map(\.name)
        XCTAssertEqual(names, ["RNNKERNEL_MAX_PARAMETERS", "RNNKERNEL_MAX_LAYERS", "RNNKERNEL_MAX_DATASET_VALUES", "RNNKERNEL_MAX_FILE_BYTES",
                               "RNNKERNEL_MAX_TABLE_ROWS", "RNNKERNEL_MAX_NESTING", "RNNKERNEL_MAX_SUGGESTION_LENGTH",
                               "RNNKERNEL_THREADS", "RNNKERNEL_HISTORY_SIZE"])
        for s in Settings.all { XCTAssertEqual(s.kind, s.name == "RNNKERNEL_THREADS" ? .count : .size, s.name) }
        XCTAssertGreaterThanOrEqual(Settings.threads.defaultValue, 1)
        XCTAssertEqual(Settings.historySize.defaultValue, 10_000)
    }

    func testGoodValuesOfEveryVariable() {
        for s in Settings.all {
            XCTAssertEqual(s.read(nil).value, s.defaultValue, s.name)
            XCTAssertEqual(s.read("").value, s.defaultValue, "empty is unset: \(s.name)")
            XCTAssertEqual(s.read(" 7 ").value, 7, s.name)
            XCTAssertNil(s.read("7").problem)
            XCTAssertNil(s.read(nil).problem)
            guard s.kind == .size else { continue }
            for (text, n) in [("2K", 2_000), ("3M", 3_000_000), ("1G", 1_000_000_000), ("4Ki", 4096), ("2Mi", 2 << 20), ("1Gi", 1 << 30)] {
                XCTAssertEqual(s.read(text).value, n, "\(s.name)=\(text)")
                XCTAssertNil(s.read(text).problem)
            }
        }
        XCTAssertEqual(Settings.threads.read("1024").value, 1024)
    }

    func testBadValuesKeepTheDefaultAndSaySo() {
        for s in Settings.all {
            for bad in ["abc", "0", "-3", "1.5", "1.5K", "+5", "0x10", "1k", "K", "99999999999999999999", "99999999999G", "1KB"] {
                let (value, problem) = s.read(bad)
                XCTAssertEqual(value, s.defaultValue, "\(s.name)=\(bad)")
                guard let problem else { XCTFail("\(s.name)=\(bad) was accepted"); continue }
                XCTAssertTrue(problem.hasPrefix("\(s.name)=\(bad) "), problem)
                XCTAssertTrue(problem.contains("expected "), problem)
                XCTAssertTrue(problem.hasSuffix("using the default, \(s.defaultValue)" + (s.defaultNote.map { " (\($0))" } ?? "")), problem)
            }
        }
        XCTAssertEqual(Settings.historySize.read("1KB").problem,
                       "RNNKERNEL_HISTORY_SIZE=1KB is not a size: expected a positive whole number, optionally with a suffix K, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024), such as 10M; using the default, 10000")
        XCTAssertEqual(Budget.settings[0].read("0").problem,
                       "RNNKERNEL_MAX_PARAMETERS=0 is out of range: expected a positive whole number, optionally with a suffix K, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024), such as 10M; using the default, 10000000")
        let d = Settings.threads.defaultValue
        XCTAssertEqual(Settings.threads.read("abc").problem,
                       "RNNKERNEL_THREADS=abc is not a whole number: expected a whole number from 1 to 1024; using the default, \(d) (every active processor)")
        XCTAssertEqual(Settings.threads.read("0").problem?.contains("is out of range: expected a whole number from 1 to 1024"), true)
        XCTAssertEqual(Settings.threads.read("2000").problem?.contains("is out of range"), true)
        XCTAssertEqual(Settings.threads.read("4K").problem?.contains("is not a whole number"), true, "a count takes no suffix")
    }

    func testProblemsListEachBadVariableInOrder() {
        let env = ["RNNKERNEL_THREADS": "abc", "RNNKERNEL_MAX_PARAMETERS": "2M", "RNNKERNEL_HISTORY_SIZE": "1KB", "RNNKERNEL_MAX_LAYERS": "lots"]
        let problems = Settings.problems { env[$0] }
        XCTAssertEqual(problems.map { String($0.prefix { $0 != "=" }) }, ["RNNKERNEL_MAX_LAYERS", "RNNKERNEL_THREADS", "RNNKERNEL_HISTORY_SIZE"])
        XCTAssertEqual(Settings.problems { _ in nil }, [])
        XCTAssertEqual(Budget.fromEnvironment { env[$0] }.maxParameters, 2_000_000)
        XCTAssertEqual(Settings.historySize.read("1K").value, 1_000, "the review's RNNKERNEL_HISTORY_SIZE=1K")
    }
}
