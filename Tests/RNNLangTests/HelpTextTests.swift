import XCTest
import RNN
@testable import RNNLang

/// The help's wording as docs/reference.md prints it, and the English of the messages built around
/// names and counts.
final class HelpTextTests: XCTestCase {
    /// The sentence under the heading `### topic` in docs/reference.md.
    func referenceSentence(_ topic: String, in reference: String = Help.referenceMarkdown()) -> String? {
        guard let heading = reference.range(of: "### \(topic)\n\n") else { return nil }
        return String(reference[heading.upperBound...].prefix { $0 != "\n" })
    }

    func testFormulasAndNamesKeepTheirCaseInTheReference() {
        let reference = Help.referenceMarkdown()
        XCTAssertEqual(referenceSentence("sigmoid", in: reference), "σ(x) = 1 / (1 + e^−x), element by element.")
        XCTAssertEqual(referenceSentence("spectral_radius", in: reference), "ρ(M) = max |λ| over the eigenvalues of a square matrix.")
        XCTAssertEqual(referenceSentence("exp", in: reference), "e^x, element by element.")
        XCTAssertEqual(referenceSentence("tanh", in: reference), "tanh(x) = (e^x − e^−x) / (e^x + e^−x), element by element.")
        XCTAssertEqual(referenceSentence("relu", in: reference), "relu(x) = max(0, x), element by element.")
        XCTAssertEqual(referenceSentence("softmax", in: reference)?.hasPrefix("softmax(v)_i = "), true)
        XCTAssertEqual(referenceSentence("crf", in: reference)?.hasPrefix("crf=true: "), true)
        // Prose still starts with a capital.
        XCTAssertEqual(referenceSentence("train", in: reference), "Train a model with BPTT on a dataset.")
        XCTAssertEqual(referenceSentence("generate", in: reference)?.hasPrefix("One-to-many: "), true)
        XCTAssertEqual(referenceSentence("lr", in: reference), "Option of train: learning rate.")
        // Every summary appears as written, or with only its first letter raised on a prose word.
        for e in Help.all {
            let sentence = Help.referenceSentence(e.summary)
            XCTAssertEqual(sentence.dropFirst(), e.summary.dropFirst(), e.topic)
            if sentence != e.summary {
                let word = e.summary.prefix { $0.isLetter }
                XCTAssertTrue(word.allSatisfy { $0.isASCII && $0.isLowercase }, e.topic)
                XCTAssertFalse(MathFunctions.names.contains(String(word)), e.topic)
            }
        }
    }

    func testCapitalizingProseLeavesFormulasAndCodeAlone() {
        for kept in ["σ(x) = 1", "ρ(M)", "e^x", "tanh(x)", "crf=true: a CRF", "x_t is", "W_hh", "'help' lists", "bow(...) takes", "√x", "‖v‖", "sine(count=2)", "h0 …"] {
            XCTAssertEqual(Wording.capitalizingProse(kept), kept)
        }
        XCTAssertEqual(Wording.capitalizingProse("expected one of a, b"), "Expected one of a, b")
        XCTAssertEqual(Wording.capitalizingProse("it has W_hh"), "It has W_hh")
        XCTAssertEqual(Wording.capitalizingProse("one-to-many: x"), "One-to-many: x")
        XCTAssertEqual(Wording.capitalizingProse("a model's outputs"), "A model's outputs")
        XCTAssertEqual(Wording.capitalizingProse("lstm cell", keeping: ["lstm"]), "lstm cell")
    }
}
