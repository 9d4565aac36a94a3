import XCTest
@testable import Store

/// Reading whole files: a limit, and no device, pipe or folder read as if it were one.
final class FileReadingTests: XCTestCase {
    func testReadingStopsAtTheLimitAndRefusesDevices() {
        XCTAssertThrowsError(try readWholeFile("/dev/zero", limit: 1000))
        XCTAssertThrowsError(try readWholeFile("/dev/null\0/etc/passwd"))
        XCTAssertThrowsError(try readWholeFile("/"))
    }
}
