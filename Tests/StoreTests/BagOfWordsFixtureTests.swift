import XCTest
import JSON
@testable import RNN
@testable import Store

/// The bow classifier against its PyTorch twin (tools/torch/make_bow_fixtures.py): features in
/// float64, then nn.Linear(terms, C) + nn.CrossEntropyLoss. Terms, IDF, features, logits, loss,
/// gradients and the weights after 1 and 3 steps of every optimizer (unclipped and clipped) to
/// 1e-9, for count and tfidf (course and sklearn styles), ngram 1 and 2; held-out sentences whose
/// unseen words and n-grams count for nothing; the files both ways.
final class BagOfWordsFixtureTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let root: JSON = try! JSON.parse(String(contentsOf: dir.appendingPathComponent("bow_fixtures.json"), encoding: .utf8))

    func numbers(_ j: JSON) -> [Double] { j.arrayValue!.flatMap { $0.arrayValue?.map { $0.doubleValue! } ?? [$0.doubleValue!] } }

    func sentences(_ j: JSON) throws -> Dataset {
        try Datasets.sentences(j.arrayValue!.map { (text: $0.arrayValue![0].stringValue!, label: $0.arrayValue![1].stringValue!) })
    }

    func assertClose(_ a: [Double], _ b: [Double], _ what: String, _ tolerance: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max() ?? 0, tolerance, what, file: file, line: line)
    }

    func assertState(_ model: Model, _ j: JSON, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let want = stateDict(j)
        let ours = ModelFiles.stateDict(model)
        XCTAssertEqual(Set(ours.map(\.name)), Set(want.keys), what, file: file, line: line)
        for t in ours {
            XCTAssertEqual(t.shape, want[t.name]?.shape, "\(what) \(t.name)", file: file, line: line)
            assertClose(t.values, want[t.name]?.values ?? [], "\(what) \(t.name)", file: file, line: line)
        }
    }

    /// The model a case describes, fitted on its training sentences, with the twin's initial weights.
    func model(_ c: JSON, _ data: Dataset) throws -> Model {
        let features = BagOfWords.Features(rawValue: c["features"]!.stringValue!)!
        let bow = BagOfWords(features: features, style: TFIDFStyle(rawValue: c["style"]!.stringValue!)!, ngram: c["ngram"]!.intValue!)
            .fitted(on: data.inputs.map(BagOfWords.words))
        var config = CellConfig(kind: .rnn, input: data.vocabulary!.width, hidden: 0, output: data.classNames!.count)
        config.bow = bow
        let sd = stateDict(c["state_dict"]!)
        return try ModelFiles.bagModel(config, file: "fixture") { sd[$0].map { ($0.shape, $0.values) } }
    }

    func testEveryCaseMatchesTheTwin() throws {
        let cases = Self.root["cases"]!.arrayValue!
        XCTAssertEqual(cases.count, 6)
        for c in cases {
            let name = c["name"]!.stringValue!
            let data = try sentences(c["sentences"]!)
            XCTAssertEqual(data.classNames, c["labels"]!.arrayValue!.map { $0.stringValue! }, name)
            let model = try model(c, data)
            let bow = model.config.bow!
            let words = data.vocabulary!.words
            XCTAssertEqual(bow.terms.map { $0.map { words[$0] }.joined(separator: " ") }, c["terms"]!.arrayValue!.map { $0.stringValue! }, name)
            assertClose(bow.idf, numbers(c["idf"]!), "\(name) idf", 1e-12)
            assertClose(model.bagFeatures(data).dense, numbers(c["phi"]!), "\(name) phi", 1e-12)
            // The same numbers as the bow/ngrams/tfidf values of the language give for these sentences.
            let docs = data.inputs.map { BagOfWords.words($0).map { words[$0!] } }.map { bow.ngram == 1 ? $0 : TextFeatureMath.ngrams($0, n: bow.ngram) }
            let terms = TextFeatureMath.vocabulary(docs)
            let value = bow.features == .count ? TextFeatureMath.bow(docs, terms: terms, binary: false) : TextFeatureMath.tfidf(docs, terms: terms, style: bow.style)
            assertClose(value.flatMap { $0 }, model.bagFeatures(data).dense, "\(name) as the \(bow.features == .count ? "bow" : "tfidf") value", 1e-15)

            // Forward, sentence by sentence, as predict reads them.
            let logits = try data.inputs.flatMap { try model.forward($0).logits[0] }
            assertClose(logits, numbers(c["logits"]!), "\(name) logits")

            // Loss and gradients of the whole batch.
            let phi = model.bagFeatures(data), all = Array(0..<data.count)
            var g = [Double](repeating: 0, count: model.parameterCount)
            let loss = g.withUnsafeMutableBufferPointer { model.bagLoss(model.flatValues, phi: phi, data: data, indices: all, gradient: $0.baseAddress!) }
            XCTAssertEqual(loss, c["loss_value"]!.doubleValue!, accuracy: 1e-12, name)
            assertState(model.with(flat: g), c["gradients"]!, "\(name) gradients")
            XCTAssertEqual(try model.predict(data).loss!, loss, accuracy: 1e-12, name)
            XCTAssertEqual(try model.evaluate(data, loss: .xent).loss, loss, accuracy: 1e-12, name)

            // Held-out sentences, read with the model's vocabulary: unseen words and n-grams count for nothing.
            let held = try sentences(c["held_out"]!).encoded(with: data.vocabulary!, labels: data.classNames).data
            assertClose(model.bagFeatures(held).dense, numbers(c["held_out_phi"]!), "\(name) held-out phi", 1e-12)
            assertClose(try held.inputs.flatMap { try model.forward($0).logits[0] }, numbers(c["held_out_logits"]!), "\(name) held-out logits")

            let runs = c["optimizers"]!.objectValue!
            XCTAssertEqual(runs.count, 15, name)
            for (optName, spec) in runs {
                let run = TwinOptimizerRun(spec)
                run.threeSteps(from: model.flatValues, gradient: { grad, theta in
                    _ = grad.withUnsafeMutableBufferPointer { model.bagLoss(theta, phi: phi, data: data, indices: all, gradient: $0.baseAddress!) }
                }, after: { step, theta in
                    assertState(model.with(flat: theta), spec["after_\(step)"]!, "\(name) \(optName) after \(step)")
                })
                // The same three steps through `train`, the loop every model shares: one batch of all sentences an epoch.
                var o = TrainOptions()
                o.optimizer = run.kind
                o.lr = run.lr
                o.batch = data.count
                o.epochs = 3
                o.clipping = run.clipping
                let trained = try model.train(on: data, options: o)
                XCTAssertEqual(trained.outcome, .completed)
                assertState(trained.model, spec["after_3"]!, "\(name) \(optName) train, after 3")
            }
        }
    }

    /// An interrupt between steps keeps the completed steps, as for every model: the loop is shared.
    func testAnInterruptKeepsTheCompletedSteps() throws {
        let c = Self.root["cases"]!.arrayValue![0]
        let data = try sentences(c["sentences"]!)
        let model = try model(c, data)
        var o = TrainOptions()
        o.epochs = 5
        o.batch = 2
        var polls = 0
        var seen: [Int] = []
        let r = try model.train(on: data, options: o, progress: { seen.append($0.step) }, shouldStop: { polls += 1; return polls > 3 })
        XCTAssertEqual(r.outcome, .interrupted(completedSteps: 3))
        XCTAssertEqual(r.losses.count, 3)
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertNotEqual(r.model.flatValues, model.flatValues)
    }

    /// ∂L/∂W and ∂L/∂b against central differences of the loss, on a mini-batch.
    func testGradientsMatchFiniteDifferences() throws {
        for c in Self.root["cases"]!.arrayValue! {
            let data = try sentences(c["sentences"]!)
            let model = try model(c, data)
            let phi = model.bagFeatures(data), batch = [0, 3, 5]
            var g = [Double](repeating: 0, count: model.parameterCount)
            _ = g.withUnsafeMutableBufferPointer { model.bagLoss(model.flatValues, phi: phi, data: data, indices: batch, gradient: $0.baseAddress!) }
            let h = 1e-6
            var worst = 0.0
            for i in g.indices {
                var plus = model.flatValues, minus = model.flatValues
                plus[i] += h
                minus[i] -= h
                let numeric = (model.bagLoss(plus, phi: phi, data: data, indices: batch, gradient: nil)
                    - model.bagLoss(minus, phi: phi, data: data, indices: batch, gradient: nil)) / (2 * h)
                worst = max(worst, abs(numeric - g[i]))
            }
            XCTAssertLessThan(worst, 1e-8, c["name"]!.stringValue!)
        }
    }

    /// Our files keep W, b, the vocabulary, labels, terms and IDF exactly; a file whose parts do not
    /// fit together is refused at load.
    func testFilesRoundTripAndInconsistentOnesAreRefused() throws {
        let c = Self.root["cases"]!.arrayValue!.first { $0["name"]!.stringValue! == "tfidf-2" }!
        let data = try sentences(c["sentences"]!)
        let entry = ModelEntry(model: try model(c, data), trainedSteps: 7, vocab: data.vocabulary, labels: data.classNames)
        let st = ModelFiles.safetensors(entry)
        let (tensors, metadata) = try ModelFiles.readSafetensors(st, file: "m.safetensors")
        XCTAssertEqual(Set(tensors.keys), ["fc.weight", "fc.bias"])
        XCTAssertEqual(tensors["fc.weight"]?.shape, [data.classNames!.count, c["terms"]!.arrayValue!.count])
        XCTAssertNotNil(metadata["terms"])
        XCTAssertNotNil(metadata["idf"])
        for back in [try ModelFiles.fromSafetensors(st, file: "m.safetensors", existing: nil),
                     try ModelFiles.fromJSON(Array(ModelFiles.json(entry).serialized().utf8), file: "m.json")] {
            XCTAssertEqual(back.model, entry.model)
            XCTAssertEqual(back.vocab, entry.vocab)
            XCTAssertEqual(back.labels, entry.labels)
            XCTAssertEqual(back.trainedSteps, 7)
        }

        func refused(_ change: (inout JSON) -> Void) -> String? {
            var j = ModelFiles.json(entry)
            change(&j)
            do { _ = try ModelFiles.fromJSON(Array(j.serialized().utf8), file: "m.json") } catch let e as ModelFileError { return e.description } catch { return "\(error)" }
            return nil
        }
        XCTAssertEqual(refused { $0["terms"] = ["我 打", "打 猫"] }, "m.json: term '打 猫' has the word '猫', which is not in the vocabulary")
        XCTAssertEqual(refused { $0["terms"] = ["我"] }, "m.json: term '我' has 1 words, but the model counts 2-grams")
        XCTAssertEqual(refused { $0["terms"] = ["我 打", "我 打"] }, "m.json: the term '我 打' is there twice")
        XCTAssertEqual(refused { $0["terms"] = nil }, "m.json: a bow model needs terms, a non-empty JSON array of strings")
        XCTAssertEqual(refused { $0["idf"] = [1, 2] }, "m.json: a tfidf model needs idf, \(c["terms"]!.arrayValue!.count) finite numbers (one a term)")
        XCTAssertEqual(refused { $0["labels"] = nil }, "m.json: a bow model needs its labels")
        XCTAssertEqual(refused { $0["vocab"] = nil; $0["labels"] = nil }, "m.json: a bow model needs its word vocabulary (vocab, with <unk> as token 0)")
        XCTAssertEqual(refused { $0["parameters"]?["b"] = [1, 2] }, "m.json: fc.bias should be 3 (labels × terms), found 2")
        XCTAssertEqual(refused { $0["parameters"]?["W_hh"] = [1] }, "m.json: unexpected parameter W_hh for a bow model (it has W and b)")
        XCTAssertEqual(refused { $0["config"]?["features"] = "bm25" }, "m.json: config.features must be count or tfidf")
    }

    /// nn.Linear's state_dict() as PyTorch saved it loads into a bow model with the same terms, and gives the twin's logits.
    func testAFilePyTorchSavedLoadsIntoABowModel() throws {
        let f = Self.root["torch_file"]!
        let c = Self.root["cases"]!.arrayValue!.first { $0["name"]!.stringValue! == "count-1" }!
        let data = try sentences(c["sentences"]!)
        let existing = ModelEntry(model: try model(c, data), vocab: data.vocabulary, labels: data.classNames)
        XCTAssertEqual(existing.model.config.bow!.terms.map { $0.map { data.vocabulary!.words[$0] }.joined(separator: " ") },
                       f["terms"]!.arrayValue!.map { $0.stringValue! })
        let path = Self.dir.appendingPathComponent(f["file"]!.stringValue!).path
        let entry = try ModelFiles.load(from: path, existing: existing)
        XCTAssertEqual(entry.vocab, existing.vocab)
        let vocab = data.vocabulary!
        let x = try vocab.encode(vocab.split(f["sentence"]!.stringValue!)).ids.map(vocab.oneHot)
        assertClose(try entry.model.forward(x).logits[0], numbers(f["logits"]!), "torch_bow logits")
        // Without a bow model under the name, such a file says too little (no words, no terms).
        XCTAssertThrowsError(try ModelFiles.load(from: path, existing: nil))
    }
}
