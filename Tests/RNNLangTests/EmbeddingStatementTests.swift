import XCTest
import Foundation
import Jupyter
import RNN
import Store
@testable import RNNLang

/// `embed=E` as a user writes it: defined without input=, sized by its first sentences, shown,
/// trained, unrolled (x_t is the token's row of W_emb) and saved and loaded in both formats.
final class EmbeddingStatementTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> RecordingSink {
        let sink = RecordingSink()
        _ = try e.run(source, output: sink)
        return sink
    }

    let data = "let d = sentences([[\"I am not happy\", \"neg\"], [\"I am happy\", \"pos\"], [\"I am very sad\", \"neg\"], [\"I am not sad\", \"pos\"]])"

    func testAnEmbeddingClassifierIsDefinedTrainedShownAndSaved() throws {
        let e = Evaluator()
        let defined = try run(e, "seed 4\ncell clf = gru(embed=3, hidden=4, output=2, bidirectional=true)\n" + data)
        XCTAssertTrue(defined.text.contains("embed=3"), defined.text)
        let trained = try run(e, "train clf on d epochs=30 batch=4 lr=0.05")
        XCTAssertTrue(trained.text.contains("clf: input=6 from the data"), trained.text)
        let model = e.model(named: "clf")!.model
        XCTAssertEqual(model.parameter("W_emb")?.shape, [6, 3])
        XCTAssertEqual(model.parameterCount, 6 * 3 + 2 * 3 * (4 * 3 + 4 * 4 + 2 * 4) + 2 * 8 + 2)
        let shown = try run(e, "show clf")
        XCTAssertTrue(shown.text.contains("W_emb") && shown.text.contains("6×3"), shown.text)
        let predicted = try run(e, "predict clf on d")
        XCTAssertTrue(predicted.text.contains("accuracy 100%"), predicted.text)
        // unroll: x_t is row token_t of W_emb.
        let seq = (0..<6).map { $0 == 1 ? "1" : "0" }.joined(separator: ", ")
        let unrolled = try run(e, "unroll clf on [[\(seq)]]")
        // (The table rounds to 4 decimals.)
        let row = model.parameter("W_emb")!.values[3..<6].map { formatValue(($0 * 1e4).rounded() / 1e4) }
        XCTAssertTrue(unrolled.text.contains("[" + row.joined(separator: ", ") + "]"), unrolled.text)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embed-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for ext in ["json", "safetensors"] {
            let path = dir.appendingPathComponent("clf.\(ext)").path
            _ = try run(e, "save clf to \"\(path)\"\nload back from \"\(path)\"")
            XCTAssertEqual(e.model(named: "back")?.model.flatValues, model.flatValues, ext)
            XCTAssertEqual(e.model(named: "back")?.model.config.embed, 3, ext)
        }
    }

    func testNumbersThatAreNotTokensAreRefusedAndChangeNothing() throws {
        let e = Evaluator()
        _ = try run(e, "cell clf = rnn(input=3, embed=2, hidden=2, output=2, seed=1)")
        let before = e.model(named: "clf")!.model
        XCTAssertThrowsError(try run(e, "train clf on pairs([[[[0.5, 0.5, 0]], 1]])")) { err in
            XCTAssertTrue("\(err)".contains("one token a step"), "\(err)")
        }
        XCTAssertEqual(e.model(named: "clf")!.model, before)
    }

    /// A held-out sentence with a word the model has never seen: <unk>, read as the zero embedding.
    func testAnUnseenWordIsReadAsUnknownNotRefused() throws {
        let e = Evaluator()
        _ = try run(e, "cell clf = rnn(embed=3, hidden=4, output=2, seed=2)\n" + data + "\ntrain clf on d epochs=5 batch=2")
        let one = try run(e, "predict clf on \"I am very happy\"")
        XCTAssertTrue(one.text.contains("predict clf on"), one.text)
        let held = try run(e, "predict clf on sentences([[\"we are happy\", \"pos\"], [\"I am sad\", \"neg\"]])")
        XCTAssertTrue(held.text.contains("accuracy"), held.text)
    }
}
