import XCTest
import JSON
import RNN
@testable import Store

/// PyTorch's two results of `output, h_n = rnn(x)` (and lstm's c_n) against ForwardTrace's
/// output, hN and cN (what `unroll` shows), from tools/torch/make_output_hn_fixtures.py, to 1e-12.
final class OutputHiddenFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/output_hn.json")

    func matrix(_ j: JSON) -> [[Double]] { j.arrayValue!.map { $0.arrayValue!.map { $0.doubleValue! } } }

    func assertClose(_ a: [[Double]], _ b: [[Double]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.count), b.map(\.count), what, file: file, line: line)
        let worst = zip(a.flatMap { $0 }, b.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-12, what, file: file, line: line)
    }

    func testOutputAndHnMatchPyTorch() throws {
        let root = try JSON.parse(String(contentsOf: Self.fixtures, encoding: .utf8))
        let cases = root["cases"]!.arrayValue!
        XCTAssertEqual(cases.count, 6)
        for c in cases {
            let name = c["name"]!.stringValue!
            let cj = c["config"]!
            let config = CellConfig(kind: CellKind(rawValue: cj["kind"]!.stringValue!)!, input: cj["input"]!.intValue!, hidden: cj["hidden"]!.intValue!,
                                    layers: cj["layers"]!.intValue!, bidirectional: cj["bidirectional"]!.boolValue!,
                                    activation: Activation(rawValue: cj["activation"]!.stringValue!)!)
            var sd: [String: ModelFiles.RawTensor] = [:]
            for (k, v) in c["state_dict"]!.objectValue! {
                sd[k] = ModelFiles.RawTensor(shape: v["shape"]!.arrayValue!.map { $0.intValue! }, values: v["values"]!.arrayValue!.map { $0.doubleValue! })
            }
            let model = try ModelFiles.fromStateDict(sd, config: config, file: name)
            let xs = c["x"]!.arrayValue!
            let outputs = c["output"]!.arrayValue!
            let hN = c["h_n"]!.arrayValue!  // (layers·directions, batch, H)
            let cN = c["c_n"]!.arrayValue
            for b in xs.indices {
                let trace = try model.forward(matrix(xs[b]))
                assertClose(trace.output, matrix(outputs[b]), "\(name) output, example \(b)")
                assertClose(trace.hN, hN.map { $0.arrayValue![b].arrayValue!.map { $0.doubleValue! } }, "\(name) h_n, example \(b)")
                if let cN {
                    assertClose(trace.cN ?? [], cN.map { $0.arrayValue![b].arrayValue!.map { $0.doubleValue! } }, "\(name) c_n, example \(b)")
                } else {
                    XCTAssertNil(trace.cN, name)
                }
                // A reverse direction's last step reads t = 1; a forward one t = T.
                let T = trace.output.count
                XCTAssertEqual(trace.hNSteps, (0..<(config.layers * config.directions)).map { $0 % config.directions == 0 ? T - 1 : 0 }, name)
            }
        }
    }
}
