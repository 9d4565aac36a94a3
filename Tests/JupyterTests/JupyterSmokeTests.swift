import XCTest
@testable import Jupyter

final class JupyterSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
