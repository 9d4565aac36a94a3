import XCTest
@testable import RNN

final class RNNSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
