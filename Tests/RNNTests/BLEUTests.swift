import Foundation
import XCTest
@testable import RNN

/// Corpus BLEU-4 against sacrebleu (tokenize="none"), through a committed fixture.
final class BLEUTests: XCTestCase {
    func testMatchesSacrebleu() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bleu_sacrebleu.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let cases = root["cases"] as! [String: [String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 9)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            func words(_ key: String) -> [[String]] { (c[key] as! [String]).map { $0.split(separator: " ").map(String.init) } }
            let s = BLEU.corpus(hypotheses: words("hypotheses"), references: words("references"))
            XCTAssertEqual(s.bleu, c["bleu"] as! Double, accuracy: 1e-9, name)
            XCTAssertEqual(s.brevityPenalty, c["bp"] as! Double, accuracy: 1e-12, name)
            XCTAssertEqual(s.hypothesisLength, c["sys_len"] as! Int, name)
            XCTAssertEqual(s.referenceLength, c["ref_len"] as! Int, name)
            for (x, y) in zip(s.precisions, c["precisions"] as! [Double]) { XCTAssertEqual(x, y, accuracy: 1e-9, name) }
        }
    }

    func testByHand() {
        // One hypothesis "a b c" against "a b d": p1 = 2/3, p2 = 1/2, p3 = 0 (first zero: 100/(2·1)), no 4-grams.
        let s = BLEU.corpus(hypotheses: [["a", "b", "c"]], references: [["a", "b", "d"]])
        XCTAssertEqual(s.precisions[0], 200.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.precisions[1], 50, accuracy: 1e-12)
        XCTAssertEqual(s.precisions[2], 50, accuracy: 1e-12)
        XCTAssertEqual(s.precisions[3], 0)
        XCTAssertEqual(s.bleu, 0)
        XCTAssertEqual(BLEU.corpus(hypotheses: [["a", "b", "c", "d"]], references: [["a", "b", "c", "d"]]).bleu, 100, accuracy: 1e-12)
    }
}
