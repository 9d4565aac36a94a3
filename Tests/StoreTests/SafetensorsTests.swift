import XCTest
import Foundation
import JSON
import RNN
@testable import Store

/// Files written by PyTorch (tools/torch/make_safetensors.py) load and compute PyTorch's outputs;
/// our files round-trip; broken files are refused with the tensor named.
final class SafetensorsTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: Self.fixtures.appendingPathComponent(name))) }

    func testFilesWrittenByPyTorchLoadAndMatchItsOutputs() throws {
        let expected = try JSON.parse(String(contentsOf: Self.fixtures.appendingPathComponent("torch_safetensors_expected.json"), encoding: .utf8))
        let x = expected["x"]!.arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } }
        let files = expected["files"]!.objectValue!
        XCTAssertEqual(files.count, 9)
        for (name, info) in files {
            let entry = try ModelFiles.fromSafetensors(try bytes(name), file: name, existing: nil)
            let c = entry.model.config
            XCTAssertEqual(c.kind.rawValue, info["kind"]!.stringValue!, name)
            XCTAssertEqual(c.layers, info["layers"]!.intValue!, name)
            XCTAssertEqual(c.bidirectional, info["bidirectional"]!.boolValue!, name)
            XCTAssertEqual([c.input, c.hidden, c.output ?? 0], [3, 4, 2], name)
            let want = info["outputs"]!.arrayValue!.flatMap { $0.arrayValue!.map { $0.doubleValue! } }
            let got = try entry.model.forward(x).logits.flatMap { $0 }
            XCTAssertLessThan(zip(got, want).map { abs($0 - $1) }.max()!, 1e-9, name)
        }
    }

    func testOurFilesRoundTripExactly() throws {
        var rng = SplitMix64(seed: 3)
        for config in [CellConfig(kind: .gru, input: 2, hidden: 3, output: 2, layers: 2, bidirectional: true),
                       CellConfig(kind: .lstm, input: 1, hidden: 2, bias: false),
                       CellConfig(kind: .rnn, input: 2, hidden: 2, output: 1, activation: .relu),
                       CellConfig(kind: .gru, input: 2, hidden: 2, output: 2, bidirectional: true, singleBias: true),
                       CellConfig(kind: .lstm, input: 2, hidden: 2, layers: 2, singleBias: true)] {
            let entry = ModelEntry(model: Model(config: config, rng: &rng), trainedSteps: 7, vocab: Vocabulary(tokens: ["<unk>"] + (0..<config.input).map { "w\($0)" }, level: .word))
            let back = try ModelFiles.fromSafetensors(ModelFiles.safetensors(entry), file: "t", existing: nil)
            XCTAssertEqual(back, entry)
            let json = try ModelFiles.fromJSON(Array(ModelFiles.json(entry).serialized(pretty: true).utf8), file: "t")
            XCTAssertEqual(json, entry)
        }
    }

    /// A .json file from before the two biases (version 1, `"bias": true`, one bias a gate) loads as
    /// the bias=single cell it was; a bias=single cell saves as PyTorch's two keys with zeros in bias_hh.
    func testVersionOneJSONLoadsAsSingleBias() throws {
        let text = """
            {"format": "rnn-kernel model", "version": 1, "trained_steps": 3,
             "config": {"kind": "rnn", "input": 1, "hidden": 2, "output": null, "layers": 1, "bidirectional": false,
                        "activation": "tanh", "output_activation": "identity", "init": "uniform", "bias": true, "seed": null},
             "parameters": {"W_xh": [[0.5], [-0.5]], "W_hh": [[0.1, 0.2], [0.3, 0.4]], "b_h": [1, 2]}}
            """
        let entry = try ModelFiles.fromJSON(Array(text.utf8), file: "old.json")
        XCTAssertTrue(entry.model.config.singleBias)
        XCTAssertEqual(entry.model.parameter("b_h")?.values, [1, 2])
        let dict = ModelFiles.stateDict(entry.model)
        XCTAssertEqual(dict.first { $0.name == "rnn.bias_ih_l0" }?.values, [1, 2])
        XCTAssertEqual(dict.first { $0.name == "rnn.bias_hh_l0" }?.values, [0, 0])
        // Written again, it is version 2 and says bias=single.
        let json = ModelFiles.json(entry)
        XCTAssertEqual(json["version"]?.intValue, 2)
        XCTAssertEqual(json["config"]?["bias"]?.stringValue, "single")
    }

    func testBrokenFilesAreRefusedNamingWhatIsWrong() throws {
        let good = try bytes("torch_lstm_f32.safetensors")
        func message(_ b: [UInt8], existing: ModelEntry? = nil) -> String {
            do { _ = try ModelFiles.fromSafetensors(b, file: "f", existing: existing); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(message([1, 2, 3]).contains("too short"))
        XCTAssertTrue(message(Array(good.prefix(40))).contains("truncated"))
        XCTAssertTrue(message(Array(good.dropLast(8))).contains("fall outside"))
        var hugeHeader = good
        hugeHeader[7] = 0x7F
        XCTAssertTrue(message(hugeHeader).contains("100 MB"))
        var badJSON = good
        badJSON[8] = UInt8(ascii: "[")
        XCTAssertTrue(message(badJSON).contains("header"))

        // A header we write ourselves: overlapping tensors, a missing one, a wrong shape.
        func file(_ header: String, dataBytes: Int) -> [UInt8] {
            var h = Array(header.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            var out: [UInt8] = []
            withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
            return out + h + [UInt8](repeating: 0, count: dataBytes)
        }
        let overlapping = file(#"{"rnn.weight_ih_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"rnn.weight_hh_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}"#, dataBytes: 8)
        XCTAssertTrue(message(overlapping).contains("overlap"))
        // bias_ih is there, so the model has biases, but bias_hh is not.
        let missing = file(#"{"rnn.weight_ih_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"rnn.weight_hh_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]},"rnn.bias_ih_l0":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}}"#, dataBytes: 24)
        XCTAssertTrue(message(missing).contains("missing tensor rnn.bias_hh_l0 (1)"), message(missing))
        let wrongShape = file(#"{"rnn.weight_ih_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"rnn.weight_hh_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]},"rnn.bias_ih_l0":{"dtype":"F64","shape":[2],"data_offsets":[16,32]},"rnn.bias_hh_l0":{"dtype":"F64","shape":[1],"data_offsets":[32,40]}}"#, dataBytes: 40)
        XCTAssertTrue(message(wrongShape).contains("tensor rnn.bias_ih_l0 should be 1, found 2"), message(wrongShape))
        let int8 = file(#"{"rnn.weight_ih_l0":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1)
        XCTAssertTrue(message(int8).contains("I8"))

        // A PyTorch file without our metadata must match the model it replaces.
        var rng = SplitMix64(seed: 1)
        let other = ModelEntry(model: Model(config: CellConfig(kind: .lstm, input: 3, hidden: 5, output: 2), rng: &rng))
        XCTAssertTrue(message(good, existing: other).contains("does not match the existing model's shape"))
    }

    func testHalfPrecisionDecoding() {
        XCTAssertEqual(ModelFiles.halfToDouble(0x3C00), 1)
        XCTAssertEqual(ModelFiles.halfToDouble(0xC000), -2)
        XCTAssertEqual(ModelFiles.halfToDouble(0x0001), pow(2, -24))
        XCTAssertEqual(ModelFiles.halfToDouble(0x7C00), .infinity)
        XCTAssertTrue(ModelFiles.halfToDouble(0x7E00).isNaN)
    }
}
