import XCTest
import RNN
@testable import Store

final class ModelStoreTests: XCTestCase {
    func testKeepsDefinitionOrderAndReplacesInPlace() {
        var s = ModelStore()
        let m = Model(zerosFor: CellConfig(kind: .rnn, input: 1, hidden: 1))
        s["b"] = ModelEntry(model: m)
        s["a"] = ModelEntry(model: m)
        s["b"] = ModelEntry(model: m, trainedSteps: 3, lossHistory: [1, 0.5])
        XCTAssertEqual(s.names, ["b", "a"])
        XCTAssertEqual(s["b"]?.lastLoss, 0.5)
        s["b"] = nil
        XCTAssertEqual(s.names, ["a"])
        XCTAssertNil(s["b"])
        let copy = s
        s["a"] = nil
        XCTAssertEqual(copy.names, ["a"])  // a value type: earlier copies are untouched
    }
}
