import XCTest
import JSON
@testable import Jupyter

/// history_request as IPython answers it: tail, range, search with a glob, unique, n, output pairs.
final class HistoryTests: XCTestCase {
    func history() -> History {
        var h = History()
        for (i, s) in ["let a = 1", "1 + 1", "let a = 1", "show a", "1 + 2"].enumerated() {
            h.append(line: i + 1, input: s, output: i == 3 ? nil : "out\(i)")
        }
        return h
    }

    func inputs(_ j: JSON) -> [String] { j.arrayValue!.map { $0.arrayValue![2].stringValue ?? "?" } }
    func lines(_ j: JSON) -> [Int] { j.arrayValue!.map { $0.arrayValue![1].intValue! } }

    func testTail() throws {
        let h = history()
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "tail", "n": 2])), ["show a", "1 + 2"])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "tail", "n": 10])), [1, 2, 3, 4, 5])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "tail", "n": 0])), [])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "tail"])), [1, 2, 3, 4, 5])
        // unique keeps the latest of repeated inputs, before n is applied.
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "tail", "unique": true])), [2, 3, 4, 5])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "tail", "unique": true, "n": 3])), [3, 4, 5])
        XCTAssertEqual(try History().answer(["hist_access_type": "tail", "n": 3]), [])
    }

    func testRangeCountsLinesOfTheCurrentSession() throws {
        let h = history()
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "range", "session": 0, "start": 2, "stop": 4])), ["1 + 1", "let a = 1"])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "range", "session": 1, "start": 4])), [4, 5])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "range", "start": 0, "stop": 2])), [1])
        // Earlier sessions (negative: counted back; other positive numbers) do not exist.
        XCTAssertEqual(try h.answer(["hist_access_type": "range", "session": -1, "start": 1]), [])
        XCTAssertEqual(try h.answer(["hist_access_type": "range", "session": 2, "start": 1]), [])
    }

    func testSearch() throws {
        let h = history()
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "search", "pattern": "1 + ?"])), ["1 + 1", "1 + 2"])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "search", "pattern": "let*"])), [1, 3])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "search", "pattern": "let*", "unique": true])), [3])
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "search", "pattern": "*", "n": 1])), ["1 + 2"])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "search"])), [1, 2, 3, 4, 5])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "search", "pattern": "1 + [2-9]"])), [5])
        XCTAssertEqual(lines(try h.answer(["hist_access_type": "search", "pattern": "nothing*"])), [])
    }

    func testOutputPairsInputsWithTheirTextOutput() throws {
        let h = history()
        XCTAssertEqual(try h.answer(["hist_access_type": "tail", "n": 1, "output": true]), [[1, 5, ["1 + 2", "out4"]]])
        XCTAssertEqual(try h.answer(["hist_access_type": "range", "start": 4, "stop": 5, "output": true]), [[1, 4, ["show a", .null]]])
        XCTAssertEqual(try h.answer(["hist_access_type": "tail", "n": 1, "output": false]), [[1, 5, "1 + 2"]])
    }

    func testUnknownAccessTypeIsAnError() {
        XCTAssertThrowsError(try history().answer(["hist_access_type": "sideways"])) { XCTAssertTrue("\($0)".contains("sideways")) }
    }

    func testGlob() {
        XCTAssertTrue(globMatch("a*c", "abbbc"))
        XCTAssertTrue(globMatch("*", ""))
        XCTAssertTrue(globMatch("**", "abc"))
        XCTAssertTrue(globMatch("?b", "ab"))
        XCTAssertFalse(globMatch("?", ""))
        XCTAssertFalse(globMatch("a?c", "ac"))
        XCTAssertFalse(globMatch("abc", "abcd"))
        XCTAssertFalse(globMatch("abc", "ab"))
        XCTAssertTrue(globMatch("*x*y", "..x..y"))
        XCTAssertFalse(globMatch("*x*y", "..x..y."))
        XCTAssertTrue(globMatch("a*b*c", "aXbYbZc"))
        // Case matters, as in SQLite's GLOB.
        XCTAssertFalse(globMatch("Let*", "let a"))
        // One character, counted as a code point.
        XCTAssertTrue(globMatch("h?llo", "héllo"))
        XCTAssertTrue(globMatch("?", "😀"))
        // Character classes.
        XCTAssertTrue(globMatch("[abc]x", "bx"))
        XCTAssertFalse(globMatch("[abc]x", "dx"))
        XCTAssertTrue(globMatch("[a-c][0-9]", "c7"))
        XCTAssertFalse(globMatch("[a-c][0-9]", "c"))
        XCTAssertTrue(globMatch("[^a-c]", "d"))
        XCTAssertFalse(globMatch("[^a-c]", "b"))
        XCTAssertTrue(globMatch("[]]", "]"))
        XCTAssertTrue(globMatch("[*]", "*"))
        XCTAssertFalse(globMatch("[*]", "x"))
        XCTAssertTrue(globMatch("*[0-9]", "let x = 12"))
        // An unclosed `[` is an ordinary character.
        XCTAssertTrue(globMatch("a[b", "a[b"))
        XCTAssertFalse(globMatch("a[b", "ab"))
    }
}

/// History is bounded (issue 15): the oldest entries go, a tail without n returns the last 10.
final class HistoryLimitTests: XCTestCase {
    func testCapacityKeepsTheLatestEntries() throws {
        var h = History(capacity: 100)
        for i in 1...1000 { h.append(line: i, input: "cell \(i)", output: String(repeating: "x", count: 10_100)) }
        XCTAssertLessThanOrEqual(h.entries.count, 100 + 100 / 8)
        let all = try h.answer(["hist_access_type": "tail", "n": 10_000]).arrayValue!
        XCTAssertEqual(all.count, 100)
        XCTAssertEqual(all.first?.arrayValue?[1].intValue, 901)
        XCTAssertEqual(try h.answer(["hist_access_type": "range", "start": 1]).arrayValue!.count, 100)
        XCTAssertEqual(try h.answer(["hist_access_type": "tail"]).arrayValue!.count, History.defaultTail)
        XCTAssertLessThan(h.entries.last!.output!.count, 10_100, "long outputs are cut")
    }
}
