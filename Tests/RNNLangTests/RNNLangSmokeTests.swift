import XCTest
@testable import RNNLang

final class RNNLangSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
