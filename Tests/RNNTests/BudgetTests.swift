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
}
