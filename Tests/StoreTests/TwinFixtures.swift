import XCTest
import JSON
@testable import Store

/// What every twin-fixture test reads: the state dicts the scripts in tools/torch write.
extension XCTestCase {
    /// A fixture's state dict, `{name: {shape, values}}`, as the tensors a safetensors file holds.
    func stateDict(_ j: JSON) -> [String: ModelFiles.RawTensor] {
        var out: [String: ModelFiles.RawTensor] = [:]
        for (k, v) in j.objectValue! {
            out[k] = ModelFiles.RawTensor(shape: v["shape"]!.arrayValue!.map { $0.intValue! }, values: v["values"]!.arrayValue!.map { $0.doubleValue! })
        }
        return out
    }

    /// Our state dict against the twin's: the same names and shapes, every value within 1e-9.
    func assertClose(_ ours: [(name: String, shape: [Int], values: [Double])], _ theirs: [String: ModelFiles.RawTensor], _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(ours.map(\.name)), Set(theirs.keys), what, file: file, line: line)
        for t in ours {
            guard let p = theirs[t.name] else { continue }
            XCTAssertEqual(t.shape, p.shape, "\(what) \(t.name)", file: file, line: line)
            let worst = zip(t.values, p.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-9, "\(what) \(t.name)", file: file, line: line)
        }
    }
}
