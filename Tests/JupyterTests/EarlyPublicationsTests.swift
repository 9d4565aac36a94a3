@testable import Jupyter
import XCTest

final class EarlyPublicationsTests: XCTestCase {
    func testKeepsOrderAndEmptiesOnTake() {
        var early = EarlyPublications()
        early.hold([[1], [2, 3]])
        early.hold([[4]])
        XCTAssertEqual(early.bytes, 4)
        XCTAssertEqual(early.take(), [[[1], [2, 3]], [[4]]])
        XCTAssertEqual(early.held.count, 0)
        XCTAssertEqual(early.bytes, 0)
        XCTAssertEqual(early.dropped, 0)
    }

    func testDropsTheOldestPastTheMessageBound() {
        var early = EarlyPublications()
        for i in 0..<(EarlyPublications.maxMessages + 5) { early.hold([[UInt8(i % 256)]]) }
        XCTAssertEqual(early.held.count, EarlyPublications.maxMessages)
        XCTAssertEqual(early.dropped, 5)
        XCTAssertEqual(early.held.first, [[5]])
        XCTAssertEqual(early.bytes, EarlyPublications.maxMessages)
    }

    func testDropsTheOldestPastTheByteBound() {
        var early = EarlyPublications()
        let big = [UInt8](repeating: 7, count: EarlyPublications.maxBytes / 2)
        early.hold([big])
        early.hold([big])
        early.hold([[9]])
        XCTAssertEqual(early.dropped, 1)
        XCTAssertEqual(early.held.count, 2)
        XCTAssertEqual(early.held.last, [[9]])
        XCTAssertLessThanOrEqual(early.bytes, EarlyPublications.maxBytes)
        // A single message larger than the bound is not kept at all.
        early.hold([[UInt8](repeating: 1, count: EarlyPublications.maxBytes + 1)])
        XCTAssertEqual(early.held.count, 0)
        XCTAssertEqual(early.bytes, 0)
    }
}
