import XCTest
@testable import RNN

/// The resource budget's environment variables and its overflow-free arithmetic.
final class BudgetTests: XCTestCase {
    func testEnvironmentOverridesEachLimit() {
        let env = ["RNNKERNEL_MAX_PARAMETERS": "2M", "RNNKERNEL_MAX_FILE_BYTES": "1Gi", "RNNKERNEL_MAX_NESTING": "50",
                   "RNNKERNEL_MAX_TABLE_ROWS": "-3", "RNNKERNEL_MAX_LAYERS": "lots"]
        let b = Budget.fromEnvironment { env[$0] }
        XCTAssertEqual(b.maxParameters, 2_000_000)
        XCTAssertEqual(b.maxFileBytes, 1 << 30)
        XCTAssertEqual(b.maxNesting, 50)
        XCTAssertEqual(b.maxTableRows, Budget.defaults.maxTableRows, "a bad value keeps the default")
        XCTAssertEqual(b.maxLayers, Budget.defaults.maxLayers)
        XCTAssertEqual(Budget.fromEnvironment { _ in nil }, Budget.defaults)
        XCTAssertNil(Budget.parseSize("99999999999G"))
    }

    func testRefusalNamesTheLimitAndItsVariable() {
        XCTAssertThrowsError(try Budget.check(nil, \.maxParameters, "the model's parameters")) { e in
            let m = (e as! BudgetError).message
            XCTAssertTrue(m.contains("RNNKERNEL_MAX_PARAMETERS") && m.contains("\(Budget.current.maxParameters)"), m)
        }
        XCTAssertNoThrow(try Budget.check(10, \.maxParameters, "x"))
    }

    func testSizesNeverOverflow() {
        XCTAssertNil(Sizes.product(1 << 32, 1 << 32))
        XCTAssertNil(Sizes.product(1 << 32, 1 << 29, 8))
        XCTAssertEqual(Sizes.product(3, 4, 5), 60)
        XCTAssertNil(Sizes.sum([Int.max, 1]))
        XCTAssertNil(Sizes.wholeNumber(1e308))
        XCTAssertNil(Sizes.wholeNumber(.nan))
        XCTAssertEqual(Sizes.wholeNumber(-7), -7)
    }

    /// Sentence pairs count the ids training holds for them against the dataset limit as they are
    /// read: a file of short pairs (24M lines of "a<TAB>b", 100 MB) took 5.3 GB and was accepted.
    func testSentencePairsCountTheirIdsAsTheyAreRead() throws {
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxDatasetValues = 20
        let fits = "a b\tc\n\n# a comment\nd\te f g\n"  // 2 + 2·(1 + 1) and 1 + 2·(3 + 1) ids: 6 + 9
        XCTAssertEqual(try TranslationData.parseTSV(fits, file: "f.tsv").pairs.map(\.source), [["a", "b"], ["d"]])
        XCTAssertThrowsError(try TranslationData.parseTSV(fits + "h\ti j\n", file: "f.tsv")) { e in  // + 1 + 2·(2 + 1)
            let m = (e as? BudgetError)?.message ?? "\(e)"
            XCTAssertTrue(m.contains("up to f.tsv line 5") && m.contains("would be 22") && m.contains("RNNKERNEL_MAX_DATASET_VALUES"), m)
        }
        XCTAssertThrowsError(try TranslationData.from(Array(repeating: (source: "a b c", target: "d e f"), count: 2))) { e in
            XCTAssertTrue("\(e)".contains("up to pair 2"), "\(e)")
        }
        // Lines and their numbers as before: CRLF ends, a last line without an end, an empty target named by line.
        XCTAssertEqual(try TranslationData.parseTSV("a\tb\r\nc\td", file: "f.tsv").pairs.map(\.target), [["b"], ["d"]])
        XCTAssertThrowsError(try TranslationData.parseTSV("a\tb\n\nc\t \n", file: "f.tsv")) { e in
            XCTAssertTrue("\(e)".contains("f.tsv line 3 has an empty target sentence"), "\(e)")
        }
    }
}
