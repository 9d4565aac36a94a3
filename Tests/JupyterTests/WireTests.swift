import XCTest
import JSON
@testable import Jupyter

/// The codec against jupyter_client's Session, and every way incoming frames can be wrong.
final class WireTests: XCTestCase {
    struct Vector {
        var key: [UInt8]
        var signature: String
        var frames: [[UInt8]]
        var buffers: [[UInt8]]
    }

    static func vectors() throws -> [Vector] {
        let url = Bundle.module.url(forResource: "signature_vectors", withExtension: "json", subdirectory: "Fixtures")!
        let text = try String(contentsOf: url, encoding: .utf8)
        return try JSON.parse(text).arrayValue!.map { v in
            Vector(key: Array(v["key"]!.stringValue!.utf8), signature: v["signature"]!.stringValue!,
                   frames: v["frames"]!.arrayValue!.map { Array($0.stringValue!.utf8) },
                   buffers: v["buffers_hex"]!.arrayValue!.map { unhex($0.stringValue!) })
        }
    }

    static func unhex(_ s: String) -> [UInt8] {
        let digits = Array(s.utf8).map { UInt8(Int(String(UnicodeScalar($0)), radix: 16)!) }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    func testSignaturesMatchJupyterClientSession() throws {
        let vectors = try Self.vectors()
        XCTAssertEqual(vectors.count, 5)
        for v in vectors {
            let signer = Signer(key: v.key)
            XCTAssertEqual(signer.sign(Array(v.frames[3..<7])), v.signature)
            let m = try WireCodec(signer: signer).decode(v.frames + v.buffers)
            XCTAssertEqual(m.identities, [Array("client-id".utf8)])
            XCTAssertEqual(m.buffers, v.buffers)
            XCTAssertEqual(m.header["session"]?.stringValue, "test-session")
            XCTAssertFalse(m.msgType.isEmpty)
        }
        // The unsigned vector really is unsigned, and the keyed ones differ from each other.
        XCTAssertEqual(vectors.last?.signature, "")
        XCTAssertEqual(Set(vectors.map(\.signature)).count, vectors.count)
    }

    func testOurEncodingIsWhatJupyterClientWouldAccept() throws {
        // Re-signing a vector's frames with the codec gives Session's signature: same parts, same bytes.
        for v in try Self.vectors() where !v.key.isEmpty {
            let codec = WireCodec(signer: Signer(key: v.key))
            let m = try codec.decode(v.frames)
            let parts = [m.header, m.parentHeader, m.metadata, m.content].map { Array($0.serialized().utf8) }
            XCTAssertEqual(try JSON.parse(bytes: parts[3]), try JSON.parse(bytes: v.frames[6]))
            XCTAssertEqual(codec.encode(m)[2], Array(codec.signer.sign(parts).utf8))
        }
    }

    func testReplayedSignatureIsRejectedButOtherMessagesPass() throws {
        let v = try Self.vectors()[0]
        let codec = WireCodec(signer: Signer(key: v.key))
        _ = try codec.decode(v.frames)
        XCTAssertThrowsError(try codec.decode(v.frames)) { XCTAssertEqual($0 as? WireError, .replayedSignature) }
        // The same content under a new header is a new message with a new signature.
        let fresh = codec.encode(Message(identities: [[7]], header: codec.header("execute_request"), content: ["code": "1"]))
        XCTAssertNoThrow(try codec.decode(fresh))
        XCTAssertThrowsError(try codec.decode(fresh)) { XCTAssertEqual($0 as? WireError, .replayedSignature) }
    }

    func testAFailedCheckDoesNotSpendTheSignature() throws {
        // A forged message that reuses a good signature must not stop the genuine one later.
        let v = try Self.vectors()[0]
        let codec = WireCodec(signer: Signer(key: v.key))
        var forged = v.frames
        forged[6] = Array(#"{"code": "drop everything"}"#.utf8)
        XCTAssertThrowsError(try codec.decode(forged)) { XCTAssertEqual($0 as? WireError, .badSignature) }
        XCTAssertNoThrow(try codec.decode(v.frames))
    }

    func testReplayHistoryForgetsTheOldestHalfWhenFull() throws {
        let signer = Signer(key: Array("k".utf8), historyLimit: 8)
        func parts(_ n: Int) -> [[UInt8]] { [Array("{}".utf8), Array("{\"n\":\(n)}".utf8)] }
        func verify(_ n: Int) throws { try signer.verify(signature: Array(signer.sign(parts(n)).utf8), parts: parts(n)) }
        for n in 0..<8 { try verify(n) }
        for n in 0..<8 { XCTAssertThrowsError(try verify(n)) { XCTAssertEqual($0 as? WireError, .replayedSignature) } }
        // The ninth digest overflows the history: the oldest four are forgotten, the rest still refused.
        try verify(8)
        for n in 4...8 { XCTAssertThrowsError(try verify(n)) }
        for n in 0..<3 { XCTAssertNoThrow(try verify(n)) }
        for n in 0..<3 { XCTAssertThrowsError(try verify(n)) }
    }

    func testBadMissingAndMisshapenSignaturesAreRejected() throws {
        let v = try Self.vectors()[1]
        let codec = WireCodec(signer: Signer(key: v.key))
        func rejects(_ frames: [[UInt8]], _ expected: WireError, line: UInt = #line) {
            XCTAssertThrowsError(try codec.decode(frames), line: line) { XCTAssertEqual($0 as? WireError, expected, line: line) }
        }
        var f = v.frames
        f[2] = []
        rejects(f, .missingSignature)
        f = v.frames
        f[2] = Array(f[2].dropLast())
        rejects(f, .badSignature)
        f = v.frames
        f[2] = f[2] + [UInt8(ascii: "0")]
        rejects(f, .badSignature)
        f = v.frames
        f[2] = Array(String(decoding: f[2], as: UTF8.self).uppercased().utf8)
        rejects(f, .badSignature)
        f = v.frames
        f[2] = Array(repeating: 0xFF, count: 64)
        rejects(f, .badSignature)
        // Signed with another key.
        f = v.frames
        f[2] = Array(Signer(key: Array("other".utf8)).sign(Array(f[3..<7])).utf8)
        rejects(f, .badSignature)
        // Each of the four signed parts is covered.
        for i in 3..<7 {
            f = v.frames
            f[i] = Array("{\"x\": 1}".utf8)
            rejects(f, .badSignature)
        }
    }

    func testFramingErrors() throws {
        let v = try Self.vectors()[1]
        let codec = WireCodec(signer: Signer(key: v.key))
        func rejects(_ frames: [[UInt8]], _ expected: WireError, line: UInt = #line) {
            XCTAssertThrowsError(try codec.decode(frames), line: line) { XCTAssertEqual($0 as? WireError, expected, line: line) }
        }
        rejects([], .noDelimiter)
        rejects([Array("x".utf8)], .noDelimiter)
        rejects(Array(v.frames.prefix(1) + v.frames.dropFirst(2)), .noDelimiter)
        rejects([Array("<IDS|MSG".utf8)] + Array(v.frames.dropFirst(2)), .noDelimiter)
        rejects([delimiter], .tooFewFrames(0))
        rejects([delimiter, [], []], .tooFewFrames(2))
        rejects(Array(v.frames.dropLast()), .tooFewFrames(4))
        // No identities at all is fine (a DEALER-less peer); several are kept in order.
        let codecNoKey = WireCodec(signer: Signer(key: []))
        let plain: [[UInt8]] = [delimiter, []] + [#"{"msg_id":"a","msg_type":"x"}"#, "{}", "{}", "{}"].map { Array($0.utf8) }
        XCTAssertEqual(try codecNoKey.decode(plain).identities, [])
        XCTAssertEqual(try codecNoKey.decode([[1], [2]] + plain).identities, [[1], [2]])
    }

    func testJSONAndFieldTypeErrors() throws {
        let codec = WireCodec(signer: Signer(key: []))
        func frames(_ parts: [String]) -> [[UInt8]] { [delimiter, []] + parts.map { Array($0.utf8) } }
        let header = #"{"msg_id":"a","msg_type":"x"}"#
        func rejects(_ parts: [String], _ check: (WireError) -> Bool, line: UInt = #line) {
            XCTAssertThrowsError(try codec.decode(frames(parts)), line: line) {
                XCTAssertTrue(($0 as? WireError).map(check) ?? false, "\($0)", line: line)
            }
        }
        func badJSON(_ part: String) -> (WireError) -> Bool { { if case .badJSON(part, _) = $0 { return true }; return false } }
        func badField(_ e: WireError) -> Bool { if case .badField = e { return true }; return false }
        // Without a sound header the message is dropped: there is no one to answer.
        rejects(["{not json", "{}", "{}", "{}"], badJSON("header"))
        rejects(["[1]", "{}", "{}", "{}"], badField)
        rejects([#"{"msg_id":"a"}"#, "{}", "{}", "{}"], badField)
        rejects([#"{"msg_id":"a","msg_type":""}"#, "{}", "{}", "{}"], badField)
        rejects([#"{"msg_id":"a","msg_type":7}"#, "{}", "{}", "{}"], badField)
        rejects([#"{"msg_type":"x"}"#, "{}", "{}", "{}"], badField)
        rejects([#"{"msg_id":5,"msg_type":"x"}"#, "{}", "{}", "{}"], badField)
        // With one, a bad other part is kept as {} and named, so the core can answer with an error.
        func malformed(_ parts: [String], _ expected: String, line: UInt = #line) {
            do {
                let m = try codec.decode(frames(parts))
                XCTAssertEqual(m.msgID, "a", line: line)
                XCTAssertTrue(m.malformed?.contains(expected) ?? false, m.malformed ?? "not marked malformed", line: line)
            } catch { XCTFail("\(error)", line: line) }
        }
        malformed([header, "", "{}", "{}"], "parent_header is not valid JSON")
        malformed([header, "{}", "{\"a\":}", "{}"], "metadata is not valid JSON")
        malformed([header, "{}", "{}", "{\"a\": 1} trailing"], "content is not valid JSON")
        malformed([header, "null", "{}", "{}"], "parent_header must be a JSON object")
        malformed([header, "{}", "\"s\"", "{}"], "metadata must be a JSON object")
        malformed([header, "{}", "{}", "3"], "content must be a JSON object")
        malformed([header, "{}", "{}", "[]"], "content must be a JSON object")
        var invalidUTF8 = frames([header, "{}", "{}", #"{"a": "?"}"#])
        invalidUTF8[5] = invalidUTF8[5].map { $0 == UInt8(ascii: "?") ? 0xFF : $0 }
        let bad = try codec.decode(invalidUTF8)
        XCTAssertTrue(bad.malformed?.contains("content is not valid JSON") ?? false, bad.malformed ?? "")
        XCTAssertEqual(bad.content, [:])
        XCTAssertNil(try codec.decode(frames([header, "{}", "{}", "{}"])).malformed)
        let ok = try codec.decode(frames([header, "{}", "{}", #"{"k":1}"#]) + [[9, 9]])
        XCTAssertEqual(ok.content["k"]?.intValue, 1)
        XCTAssertEqual(ok.buffers, [[9, 9]])
    }

    func testErrorTextsNeverContainTheKey() throws {
        let key = "super-secret-key-123"
        let codec = WireCodec(signer: Signer(key: Array(key.utf8)))
        let samples: [[[UInt8]]] = [
            [], [delimiter], [delimiter, Array("bad".utf8), [], [], [], []],
            codec.encode(Message(header: codec.header("x"), content: [:])).enumerated().map { $0.offset == 3 ? Array("{".utf8) : $0.element },
        ]
        for frames in samples {
            XCTAssertThrowsError(try codec.decode(frames)) { XCTAssertFalse("\($0)".contains(key)) }
        }
    }

    func testEncodedMessagesRoundTripAndCarryCompleteHeaders() throws {
        let codec = WireCodec(signer: Signer(key: Array("k".utf8)))
        let parent = Message(header: codec.header("execute_request"), content: [:])
        let m = codec.message("execute_reply", content: ["status": "ok"], parent: parent, identities: [[1, 2]])
        let decoded = try WireCodec(signer: Signer(key: Array("k".utf8)), session: "other").decode(codec.encode(m))
        XCTAssertEqual(decoded.identities, [[1, 2]])
        XCTAssertEqual(decoded.parentHeader["msg_id"], parent.header["msg_id"])
        for field in ["msg_id", "session", "username", "date", "msg_type", "version"] {
            XCTAssertFalse(decoded.header[field]?.stringValue?.isEmpty ?? true, field)
        }
        XCTAssertEqual(decoded.header["version"]?.stringValue, "5.5")
        XCTAssertEqual(decoded.header["session"]?.stringValue, codec.session)
        XCTAssertNotEqual(decoded.header["msg_id"], parent.header["msg_id"])
        // ISO 8601 with microseconds and a zone: 2026-11-23T06:00:00.123456Z
        let date = Array(decoded.header["date"]!.stringValue!)
        XCTAssertEqual(date.count, 27)
        XCTAssertEqual([date[4], date[7], date[10], date[13], date[16], date[19], date[26]], ["-", "-", "T", ":", ":", ".", "Z"])
        XCTAssertTrue(date.enumerated().allSatisfy { [4, 7, 10, 13, 16, 19, 26].contains($0.offset) || $0.element.isNumber })
        // Without a key the signature frame is empty and decoding needs none.
        let plain = WireCodec(signer: Signer(key: []))
        let frames = plain.encode(m)
        XCTAssertEqual(frames[2], [])
        XCTAssertNoThrow(try plain.decode(frames))
    }

    func testUUIDsAreVersion4AndDistinct() {
        let ids = (0..<100).map { _ in makeUUID() }
        XCTAssertEqual(Set(ids).count, 100)
        for id in ids {
            let c = Array(id)
            XCTAssertEqual(c.count, 36)
            XCTAssertEqual([c[8], c[13], c[18], c[23]], ["-", "-", "-", "-"])
            XCTAssertEqual(c[14], "4")
            XCTAssertTrue("89ab".contains(c[19]))
        }
    }
}
