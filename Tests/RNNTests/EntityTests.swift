import XCTest
@testable import RNN

/// Entity-level precision, recall and F1 and invalid-BIO counts, on cases worked out by hand.
final class EntityTests: XCTestCase {
    func tags(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

    func testSpans() {
        XCTAssertEqual(Entities.spans(tags("B-PER I-PER O O B-LOC")),
                       [.init(type: "PER", start: 0, end: 2), .init(type: "LOC", start: 4, end: 5)])
        // Two entities side by side each start with B-.
        XCTAssertEqual(Entities.spans(tags("B-LOC B-LOC I-LOC")), [.init(type: "LOC", start: 0, end: 1), .init(type: "LOC", start: 1, end: 3)])
        // A stray I-X starts an entity (conlleval), and I-Y after B-X starts another.
        XCTAssertEqual(Entities.spans(tags("O I-PER I-PER")), [.init(type: "PER", start: 1, end: 3)])
        XCTAssertEqual(Entities.spans(tags("B-ORG I-LOC")), [.init(type: "ORG", start: 0, end: 1), .init(type: "LOC", start: 1, end: 2)])
        XCTAssertEqual(Entities.spans(tags("O O")), [])
    }

    func testInvalidSequences() {
        XCTAssertFalse(Entities.isInvalid(tags("B-PER I-PER I-PER O B-LOC")))
        XCTAssertTrue(Entities.isInvalid(tags("O I-PER")))
        XCTAssertTrue(Entities.isInvalid(tags("I-PER")))
        XCTAssertTrue(Entities.isInvalid(tags("B-ORG I-LOC")))
        XCTAssertFalse(Entities.isInvalid(tags("O O O")))
    }

    func testScore() {
        // Gold: Barack Obama (PER), Paris (LOC); Google (ORG).
        let gold = [tags("B-PER I-PER O B-LOC"), tags("O B-ORG")]
        // Predicted: PER right; Paris as ORG (type wrong); Google as a stray I-ORG: read as an
        // entity with the right span and type, so it counts, but the sequence is invalid.
        let predicted = [tags("B-PER I-PER O B-ORG"), tags("O I-ORG")]
        let s = Entities.score(predicted: predicted, gold: gold)
        XCTAssertEqual(s, Entities.Score(predicted: 3, gold: 3, correct: 2, invalidSequences: 1, sequences: 2))
        XCTAssertEqual(s.precision, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(s.recall, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(s.f1, 2.0 / 3, accuracy: 1e-15)

        // A span cut short is wrong as a whole: Mary Ann Jones tagged as Mary Ann.
        let cut = Entities.score(predicted: [tags("B-PER I-PER O O")], gold: [tags("B-PER I-PER I-PER O")])
        XCTAssertEqual(cut.correct, 0)
        XCTAssertEqual(cut.f1, 0)

        // Precision 1/1, recall 1/2: F1 = 2·1·0.5 / 1.5 = 2/3.
        let half = Entities.score(predicted: [tags("B-PER O O")], gold: [tags("B-PER O B-LOC")])
        XCTAssertEqual(half.precision, 1)
        XCTAssertEqual(half.recall, 0.5)
        XCTAssertEqual(half.f1, 2.0 / 3, accuracy: 1e-15)

        // Nothing predicted: precision and F1 are 0, not NaN.
        let none = Entities.score(predicted: [tags("O O")], gold: [tags("B-LOC O")])
        XCTAssertEqual(none.precision, 0)
        XCTAssertEqual(none.f1, 0)
    }

    func testIsBIO() {
        XCTAssertTrue(Entities.isBIO(["B-PER", "I-PER", "O"]))
        XCTAssertFalse(Entities.isBIO(["NOUN", "VERB"]))
        XCTAssertFalse(Entities.isBIO(["O"]))
        XCTAssertFalse(Entities.isBIO(["B-", "O"]))
    }
}
