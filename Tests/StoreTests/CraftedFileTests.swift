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

    func testHeadersAndMetadataAreParsedWithinTheMemoryBound() {
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxFileBytes = 1000  // four times that, 4000 bytes, once parsed
        // 300 empty arrays in 900 bytes of header take 300 × 56 bytes once read.
        let empties = Array(repeating: "[]", count: 300).joined(separator: ",")
        let m = refusal(file(#"{"t":{"dtype":"F64","shape":[\#(empties)],"data_offsets":[0,8]}}"#, data: 8))
        XCTAssertTrue(m?.contains("the header would take more than 4000 bytes of memory once read") ?? false, m ?? "")
        // The same inside a metadata string, which is JSON text of its own.
        let escaped = Array(repeating: "[]", count: 300).joined(separator: ",")
        let meta = #"{"__metadata__":{"rnn-kernel":"[\#(escaped)]"},"rnn.weight_ih_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}"#
        Budget.current.maxFileBytes = 2000  // the header itself (about 1 KB) fits 8000 bytes
        let m2 = refusal(file(meta, data: 8))
        XCTAssertTrue(m2?.contains("the rnn-kernel metadata is not valid JSON") ?? false, m2 ?? "")
        XCTAssertThrowsError(try ModelFiles.parseFileJSON("[" + escaped + "]")) { e in XCTAssertTrue(e is JSONLimitError, "\(e)") }
        Budget.current.maxFileBytes = 5000  // 20000 bytes: the 300 arrays' 16,856 fit
        XCTAssertEqual(try ModelFiles.parseFileJSON("[" + escaped + "]").arrayCount, 300)
        Budget.current.maxFileBytes = 100
        XCTAssertThrowsError(try ModelFiles.parseFileJSON("[" + escaped + "]")) { e in XCTAssertTrue(e is JSONLimitError, "\(e)") }
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

    /// One 8 MB span named by 3,000 tensors is refused before any is decoded: decoding first and
    /// checking overlaps after took 8 MB a name, 24 GB in all, and the kernel was killed.
    func testSharedSpansAreRefusedBeforeAnyValueIsDecoded() {
        let bytesOfData = 8 << 20
        let entries = (0..<3000).map { #""t\#($0)":{"dtype":"F64","shape":[\#(bytesOfData / 8)],"data_offsets":[0,\#(bytesOfData)]}"# }
        let m = refusal(file("{" + entries.joined(separator: ",") + "}", data: bytesOfData))
        XCTAssertTrue(m?.contains("overlap") ?? false, m ?? "")
    }

    /// Offsets that are there but not whole numbers in range are named as such, not as missing.
    func testOffsetsBeyondAnIntegerAreNamed() {
        let m = refusal(file(#"{"rnn.weight_ih_l0":{"dtype":"F64","shape":[1],"data_offsets":[0,9223372036854775808]}}"#, data: 8))
        XCTAssertTrue(m?.contains("data_offsets must be two whole numbers") ?? false, m ?? "")
    }

    /// Every dtype decodes little-endian values to the same doubles as before (1.5 and -2 in each).
    func testEveryDtypeDecodes() throws {
        let cases: [(String, [UInt8])] = [
            ("F64", [0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0]),
            ("F32", [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0]),
            ("F16", [0, 0x3E, 0, 0xC0]),
            ("BF16", [0xC0, 0x3F, 0, 0xC0]),
        ]
        for (dtype, data) in cases {
            var bytes = file(#"{"t":{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,\#(data.count)]}}"#)
            bytes += data
            let t = try ModelFiles.readSafetensors(bytes, file: "x.safetensors").tensors["t"]
            XCTAssertEqual(t?.values, [1.5, -2], dtype)
        }
    }

    /// JSON lets a key repeat; a tensor named twice is refused by name (it was reported as "overlap").
    func testATensorNamedTwiceIsRefusedByName() {
        let t = #""rnn.weight_ih_l0":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}"#
        let m = refusal(file("{\(t),\(t)}", data: 8))
        XCTAssertTrue(m?.contains("names rnn.weight_ih_l0 twice") ?? false, m ?? "")
    }

    /// A model .json of a version this build does not know is refused, not read as if it were version 2.
    func testAnUnknownVersionIsRefused() throws {
        var rng = SplitMix64(seed: 1)
        let entry = ModelEntry(model: Model(config: CellConfig(kind: .rnn, input: 1, hidden: 2, output: 1), rng: &rng))
        var j = ModelFiles.json(entry)
        XCTAssertNoThrow(try ModelFiles.fromJSON(Array(j.serialized().utf8), file: "m.json"))
        for bad: JSON in [99, 0, 2.5, "2"] {
            j["version"] = bad
            XCTAssertThrowsError(try ModelFiles.fromJSON(Array(j.serialized().utf8), file: "m.json")) { e in
                XCTAssertTrue("\(e)".contains("this build reads versions 1 and 2"), "\(e)")
            }
        }
    }
}
