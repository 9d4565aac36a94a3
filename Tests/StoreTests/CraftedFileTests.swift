import XCTest
import Foundation
import JSON
import RNN
@testable import Store

/// Crafted model files (issue 15): sizes that overflow or exceed the budget are refused, never trapped on.
final class CraftedFileTests: XCTestCase {
    /// A safetensors file: 8-byte header length, the header JSON, then `data` bytes.
    func file(_ header: String, data: Int = 0) -> [UInt8] {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h + [UInt8](repeating: 0, count: data)
    }

    func refusal(_ bytes: [UInt8]) -> String? {
        do { _ = try ModelFiles.fromSafetensors(bytes, file: "x.safetensors", existing: nil); return nil } catch let e as ModelFileError {
            return e.description
        } catch { return "\(error)" }
    }

    func testShapesWhoseSizeOverflowsAreRefused() {
        for shape in ["[4294967296, 536870912]", "[4294967296, 4294967296]", "[9223372036854775807, 2]", "[3037000500, 3037000500, 3037000500]"] {
            let bytes = file(#"{"rnn.weight_ih_l0":{"dtype":"F64","shape":\#(shape),"data_offsets":[0,8]}}"#, data: 8)
            let m = refusal(bytes)
            XCTAssertNotNil(m, shape)
            XCTAssertTrue(m?.contains("rnn.weight_ih_l0") ?? false, m ?? "")
        }
    }

    func testInferredConfigsAreCheckedAgainstTheBudget() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/torch_rnn_f32.safetensors")
        let bytes = Array(try Data(contentsOf: url))
        XCTAssertNil(refusal(bytes))
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxParameters = 10
        let m = refusal(bytes)
        XCTAssertTrue(m?.contains("RNNKERNEL_MAX_PARAMETERS") ?? false, m ?? "")
        // The same for a .json whose config asks for more than the budget.
        let json = #"{"format":"rnn-kernel model","config":{"kind":"rnn","input":1000000,"hidden":1000000},"parameters":{}}"#
        XCTAssertThrowsError(try ModelFiles.fromJSON(Array(json.utf8), file: "big.json")) { e in
            XCTAssertTrue("\(e)".contains("RNNKERNEL_MAX_PARAMETERS"), "\(e)")
        }
    }
}
