import XCTest
@testable import RNN

/// Model.evaluate, the validation check, validation during training, and the confusion matrix.
final class EvaluationTests: XCTestCase {
    func classes() throws -> (Model, Dataset, Dataset) {
        var rng = SplitMix64(seed: 5)
        let model = Model(config: CellConfig(kind: .gru, input: 1, hidden: 3, output: 2), rng: &rng)
        let inputs: [[[Double]]] = [[[1], [0]], [[0], [1]], [[1], [1]], [[0], [0]]]
        let train = Dataset(name: "pairs", summary: "train", inputs: inputs, targets: .classes([1, 0, 1, 0]))
        let val = Dataset(name: "pairs", summary: "val", inputs: Array(inputs.reversed()), targets: .classes([0, 1, 0, 1]))
        return (model, train, val)
    }

    func testEvaluateIsPredictsLossAndAccuracy() throws {
        let (model, _, val) = try classes()
        let e = try model.evaluate(val, loss: .xent)
        let p = try model.predict(val)
        XCTAssertEqual(e.loss, p.loss!, accuracy: 1e-12)
        XCTAssertEqual(e.accuracy, p.accuracy)
        XCTAssertNil(e.perplexity)
    }

    func testValidationDoesNotChangeTrainingAndIsScoredEachEpoch() throws {
        let (model, train, val) = try classes()
        var o = TrainOptions()
        o.epochs = 3
        o.batch = 2
        o.seed = 7
        let plain = try model.train(on: train, options: o)
        let checked = try model.train(on: train, options: o, validation: val)
        XCTAssertEqual(plain.model, checked.model)
        XCTAssertEqual(plain.losses, checked.losses)
        XCTAssertEqual(checked.validation.map(\.step), [2, 4, 6])
        XCTAssertEqual(checked.validation.last!.evaluation, try checked.model.evaluate(val, loss: .xent))
    }

    func testAMismatchedValidationSetNamesWhatWasExpected() throws {
        let (model, train, _) = try classes()
        let wide = Dataset(name: "pairs", summary: "", inputs: [[[1, 2]]], targets: .classes([0]))
        XCTAssertThrowsError(try model.checkValidation(wide, like: train, loss: .xent)) {
            XCTAssertEqual(($0 as? ModelError)?.message, "expected validation data whose x_t have width 1, as the training data's do, found width 2")
        }
        let numbers = Dataset(name: "pairs", summary: "", inputs: [[[1]]], targets: .vectors([[0.5, 0.5]]))
        XCTAssertThrowsError(try model.checkValidation(numbers, like: train, loss: .xent)) {
            XCTAssertEqual(($0 as? ModelError)?.kind, .shape)
        }
        let empty = Dataset(name: "pairs", summary: "", inputs: [], targets: .classes([]))
        XCTAssertThrowsError(try model.checkValidation(empty, like: train, loss: .xent))
        var o = TrainOptions()
        o.epochs = 1
        XCTAssertThrowsError(try model.train(on: train, options: o, validation: wide))
    }

    func testAnInterruptWhileScoringKeepsTheCompletedSteps() throws {
        let (model, train, val) = try classes()
        var o = TrainOptions()
        o.epochs = 3
        o.batch = 2
        // The interrupt is seen by the validation's forward passes, after epoch 1's two steps.
        let r = try Interruption.watching({ true }) { try model.train(on: train, options: o, validation: val) }
        XCTAssertEqual(r.outcome, .interrupted(completedSteps: 2))
        XCTAssertEqual(r.losses.count, 2)
        XCTAssertTrue(r.validation.isEmpty)
    }

    func testConfusionMatrixAndPerplexity() {
        var m = ConfusionMatrix(classes: 3)
        for (t, p) in [(0, 0), (0, 1), (1, 1), (2, 0), (2, 2), (2, 2)] { m.add(truth: t, predicted: p) }
        m.add(truth: 3, predicted: 0)  // out of range: ignored
        XCTAssertEqual(m.counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        XCTAssertEqual(m.total, 6)
        XCTAssertEqual(m.correct, 4)
        XCTAssertEqual(argmax([0.1, 0.7, 0.7]), 1)
        XCTAssertEqual(perplexity(ofCrossEntropy: log(4)), 4, accuracy: 1e-12)
        let text = Dataset(name: "text", summary: "", inputs: [[[1, 0], [0, 1]]], targets: .classSequences([[1, 0]]), inputVocabulary: ["a", "b"], classNames: ["a", "b"])
        XCTAssertTrue(text.isLanguageModel)
        var tags = text
        tags.classNames = ["X", "Y"]
        XCTAssertFalse(tags.isLanguageModel)
    }
}
