import XCTest
import JSON
@testable import Jupyter

final class WireTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func vectors() throws -> [(key: String, frames: [[UInt8]])] {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("signature_vectors.json"), encoding: .utf8)
        return try JSON.parse(text).arrayValue!.map { v in
            (v["key"]!.stringValue!, v["frames"]!.arrayValue!.map { Array($0.stringValue!.utf8) })
        }
    }

    func testSignaturesMatchJupyterClientSession() throws {
        for v in try vectors() {
            let signer = Signer(key: Array(v.key.utf8))
            let d = v.frames.firstIndex(of: delimiter)!
            let parts = Array(v.frames[(d + 2)..<(d + 6)])
            XCTAssertEqual(signer.sign(parts), String(decoding: v.frames[d + 1], as: UTF8.self))
            let m = try WireCodec(signer: signer).decode(v.frames)
            XCTAssertEqual(m.identities, [Array("client-id".utf8)])
            XCTAssertFalse(m.msgType.isEmpty)
        }
    }

    func testReplayedSignatureIsRejected() throws {
        let v = try vectors()[0]
        let codec = WireCodec(signer: Signer(key: Array(v.key.utf8)))
        _ = try codec.decode(v.frames)
        XCTAssertThrowsError(try codec.decode(v.frames)) { XCTAssertEqual($0 as? WireError, .replayedSignature) }
    }

    func testForgedMissingAndMalformedMessagesAreRejected() throws {
        let v = try vectors()[0]
        let codec = WireCodec(signer: Signer(key: Array(v.key.utf8)))
        let d = v.frames.firstIndex(of: delimiter)!
        var forged = v.frames
        forged[d + 5] = Array(#"{"code": "drop everything"}"#.utf8)
        XCTAssertThrowsError(try codec.decode(forged)) { XCTAssertEqual($0 as? WireError, .badSignature) }
        var unsigned = v.frames
        unsigned[d + 1] = []
        XCTAssertThrowsError(try codec.decode(unsigned)) { XCTAssertEqual($0 as? WireError, .missingSignature) }
        var wrongLength = v.frames
        wrongLength[d + 1] = Array(wrongLength[d + 1].dropLast())
        XCTAssertThrowsError(try codec.decode(wrongLength)) { XCTAssertEqual($0 as? WireError, .badSignature) }
        XCTAssertThrowsError(try codec.decode([Array("x".utf8)])) { XCTAssertEqual($0 as? WireError, .noDelimiter) }
        XCTAssertThrowsError(try codec.decode([delimiter, [], []])) { XCTAssertEqual($0 as? WireError, .tooFewFrames(2)) }
        XCTAssertThrowsError(try codec.decode([])) { XCTAssertEqual($0 as? WireError, .noDelimiter) }
    }

    func testUnsignedCodecChecksJSONAndFieldTypes() throws {
        let codec = WireCodec(signer: Signer(key: []))
        func frames(_ parts: [String]) -> [[UInt8]] { [delimiter, []] + parts.map { Array($0.utf8) } }
        XCTAssertThrowsError(try codec.decode(frames(["{not json", "{}", "{}", "{}"])))
        XCTAssertThrowsError(try codec.decode(frames(["[1]", "{}", "{}", "{}"])))
        XCTAssertThrowsError(try codec.decode(frames([#"{"msg_id":"a"}"#, "{}", "{}", "{}"])))
        XCTAssertThrowsError(try codec.decode(frames([#"{"msg_id":"a","msg_type":7}"#, "{}", "{}", "{}"])))
        XCTAssertThrowsError(try codec.decode(frames([#"{"msg_id":"a","msg_type":"x"}"#, "{}", "{}", "3"])))
        var invalidUTF8 = frames([#"{"msg_id":"a","msg_type":"x"}"#, "{}", "{}", #"{"a": "?"}"#])
        invalidUTF8[5] = invalidUTF8[5].map { $0 == UInt8(ascii: "?") ? 0xFF : $0 }
        XCTAssertThrowsError(try codec.decode(invalidUTF8))
        let ok = try codec.decode(frames([#"{"msg_id":"a","msg_type":"x"}"#, "{}", "{}", #"{"k":1}"#]) + [[9, 9]])
        XCTAssertEqual(ok.content["k"]?.intValue, 1)
        XCTAssertEqual(ok.buffers, [[9, 9]])
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
        XCTAssertEqual(decoded.header["version"]?.stringValue, protocolVersion)
        let date = decoded.header["date"]!.stringValue!
        XCTAssertTrue(date.hasSuffix("Z") && date.count == 27, date)
    }

    func testUUIDsAreVersion4AndDistinct() {
        let a = makeUUID(), b = makeUUID()
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.count, 36)
        XCTAssertEqual(Array(a)[14], "4")
    }
}

final class HistoryTests: XCTestCase {
    func history() -> History {
        var h = History()
        for (i, s) in ["let a = 1", "1 + 1", "let a = 1", "show a", "1 + 2"].enumerated() { h.append(line: i + 1, input: s, output: "out\(i)") }
        return h
    }

    func inputs(_ j: JSON) -> [String] { j.arrayValue!.map { $0.arrayValue![2].stringValue ?? "" } }

    func testTailRangeSearchUniqueAndOutput() throws {
        let h = history()
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "tail", "n": 2])), ["show a", "1 + 2"])
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "range", "session": 0, "start": 2, "stop": 4])), ["1 + 1", "let a = 1"])
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "search", "pattern": "1 + ?"])), ["1 + 1", "1 + 2"])
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "search", "pattern": "let*", "unique": true])), ["let a = 1"])
        XCTAssertEqual(inputs(try h.answer(["hist_access_type": "search", "pattern": "*", "n": 1])), ["1 + 2"])
        let withOutput = try h.answer(["hist_access_type": "tail", "n": 1, "output": true])
        XCTAssertEqual(withOutput, [[1, 5, ["1 + 2", "out4"]]])
        XCTAssertThrowsError(try h.answer(["hist_access_type": "sideways"]))
    }

    func testGlob() {
        XCTAssertTrue(globMatch("a*c", "abbbc"))
        XCTAssertTrue(globMatch("*", ""))
        XCTAssertTrue(globMatch("?b", "ab"))
        XCTAssertFalse(globMatch("a?c", "ac"))
        XCTAssertFalse(globMatch("abc", "abcd"))
        XCTAssertTrue(globMatch("*x*y", "..x..y"))
    }
}

final class ConnectionTests: XCTestCase {
    func testReadsConnectionFilesAndNamesBadFields() throws {
        let good: JSON = ["transport": "tcp", "ip": "127.0.0.1", "shell_port": 1, "iopub_port": 2, "stdin_port": 3,
                          "control_port": 4, "hb_port": 5, "key": "abc", "signature_scheme": "hmac-sha256"]
        let c = try ConnectionInfo(json: good)
        XCTAssertEqual(c.endpoint(c.shellPort), "tcp://127.0.0.1:1")
        XCTAssertEqual(ConnectionInfo(transport: "ipc", ip: "/tmp/k").endpoint(7), "ipc:///tmp/k-7")
        XCTAssertEqual(ConnectionInfo().endpoint(0), "tcp://127.0.0.1:*")
        var bad = good
        bad["shell_port"] = "x"
        XCTAssertThrowsError(try ConnectionInfo(json: bad)) { XCTAssertTrue("\($0)".contains("shell_port")) }
        bad = good
        bad["signature_scheme"] = "hmac-md5"
        XCTAssertThrowsError(try ConnectionInfo(json: bad)) { XCTAssertTrue("\($0)".contains("hmac-sha256")) }
        bad = good
        bad["hb_port"] = nil
        XCTAssertThrowsError(try ConnectionInfo(json: bad)) { XCTAssertTrue("\($0)".contains("hb_port")) }
    }

    func testKernelJSONIsValidAndNamesTheBinary() throws {
        let text = Kernelspec.kernelJSON(binary: "/opt/x \"y\"/rnn-kernel", displayName: "RNN")
        let j = try JSON.parse(text)
        XCTAssertEqual(j["argv"], ["/opt/x \"y\"/rnn-kernel", "kernel", "--connection-file", "{connection_file}"])
        XCTAssertEqual(j["language"], "rnn")
        XCTAssertEqual(j["interrupt_mode"], "message")
        XCTAssertFalse(Kernelspec.isValidName("a b"))
        XCTAssertTrue(Kernelspec.isValidName("rnn-1.0_x"))
    }

    func testEmbeddedKernelspecFilesMatchTheSourceTree() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../kernelspec").standardized
        for (name, bytes) in [("kernel.json.in", KernelspecFiles.template), ("logo-32x32.png", KernelspecFiles.logo32),
                              ("logo-64x64.png", KernelspecFiles.logo64), ("logo-svg.svg", KernelspecFiles.logoSVG)] {
            let onDisk = try Data(contentsOf: dir.appendingPathComponent(name))
            XCTAssertEqual(Array(onDisk), bytes, "\(name) changed: run python3 kernelspec/make_logos.py")
        }
    }
}
