import XCTest
import JSON
@testable import Jupyter

/// Connection files, and the kernelspec `install` writes.
final class ConnectionTests: XCTestCase {
    let good: JSON = ["transport": "tcp", "ip": "127.0.0.1", "shell_port": 1, "iopub_port": 2, "stdin_port": 3,
                      "control_port": 4, "hb_port": 5, "key": "abc", "signature_scheme": "hmac-sha256", "kernel_name": "rnn"]

    func testReadsAConnectionFile() throws {
        let c = try ConnectionInfo(json: good)
        XCTAssertEqual(c, ConnectionInfo(transport: "tcp", ip: "127.0.0.1", shellPort: 1, iopubPort: 2, stdinPort: 3,
                                         controlPort: 4, hbPort: 5, key: Array("abc".utf8)))
        XCTAssertEqual(c.endpoint(c.shellPort), "tcp://127.0.0.1:1")
        // Optional fields take jupyter_client's defaults.
        var minimal = good
        for k in ["transport", "ip", "key", "signature_scheme"] { minimal[k] = nil }
        let m = try ConnectionInfo(json: minimal)
        XCTAssertEqual(m.transport, "tcp")
        XCTAssertEqual(m.ip, "127.0.0.1")
        XCTAssertEqual(m.key, [])
    }

    func testEndpoints() {
        XCTAssertEqual(ConnectionInfo(transport: "ipc", ip: "/tmp/k").endpoint(7), "ipc:///tmp/k-7")
        XCTAssertEqual(ConnectionInfo().endpoint(0), "tcp://127.0.0.1:*")
        XCTAssertEqual(ConnectionInfo(ip: "0.0.0.0").endpoint(9000), "tcp://0.0.0.0:9000")
        XCTAssertEqual(ConnectionInfo(ip: "::1").endpoint(9000), "tcp://[::1]:9000")
    }

    func testIPCPortsOfZeroBecomeDistinctUnusedNumbers() throws {
        let dir = NSTemporaryDirectory() + "rnn-ipc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ip = dir + "/kernel"
        // Port 1 is in use (its socket file exists) and 3 is taken by the file itself.
        FileManager.default.createFile(atPath: ip + "-1", contents: Data())
        let c = ConnectionInfo(transport: "ipc", ip: ip, shellPort: 0, iopubPort: 3, stdinPort: 0, controlPort: 0, hbPort: 0)
            .assigningIPCPorts()
        let ports = [c.shellPort, c.iopubPort, c.stdinPort, c.controlPort, c.hbPort]
        XCTAssertEqual(ports, [2, 3, 4, 5, 6])
        // tcp keeps 0: libzmq picks the port.
        XCTAssertEqual(ConnectionInfo().assigningIPCPorts().shellPort, 0)
    }

    func testNamesTheFieldThatIsWrong() throws {
        func rejects(_ edit: (inout JSON) -> Void, mentioning word: String, line: UInt = #line) {
            var bad = good
            edit(&bad)
            XCTAssertThrowsError(try ConnectionInfo(json: bad), line: line) {
                XCTAssertTrue("\($0)".contains(word), "\($0)", line: line)
                XCTAssertFalse("\($0)".contains("abc\""), "the key leaked: \($0)", line: line)
            }
        }
        rejects({ $0["shell_port"] = "x" }, mentioning: "shell_port")
        rejects({ $0["iopub_port"] = -1 }, mentioning: "iopub_port")
        rejects({ $0["stdin_port"] = 65536 }, mentioning: "stdin_port")
        rejects({ $0["control_port"] = 1.5 }, mentioning: "control_port")
        rejects({ $0["hb_port"] = nil }, mentioning: "hb_port")
        rejects({ $0["key"] = 5 }, mentioning: "key")
        rejects({ $0["ip"] = .null }, mentioning: "ip")
        rejects({ $0["transport"] = "udp" }, mentioning: "udp")
        rejects({ $0["signature_scheme"] = "hmac-md5" }, mentioning: "hmac-sha256")
        rejects({ $0 = [1, 2] }, mentioning: "object")
        rejects({ $0["curve_publickey"] = .string(Self.curvePublic) }, mentioning: "both or neither")
        rejects({ $0["curve_secretkey"] = .string(Self.curveSecret) }, mentioning: "both or neither")
        rejects({ $0["curve_publickey"] = .string(Self.curvePublic); $0["curve_secretkey"] = "short" }, mentioning: "40 characters")
        rejects({ $0["curve_publickey"] = .string(String(Self.curvePublic.dropLast()) + "~"); $0["curve_secretkey"] = .string(Self.curveSecret) },
                mentioning: "Z85")
        rejects({ $0["curve_publickey"] = 5; $0["curve_secretkey"] = .string(Self.curveSecret) }, mentioning: "curve_publickey")
    }

    // A keypair from zmq_curve_keypair (pyzmq's zmq.curve_keypair()), as jupyter_client writes it.
    static let curvePublic = "lRHFWJA6LmQL}>>GGoQm.f/K(WgqQHO*}lf&8tX+"
    static let curveSecret = "uSp}mE0&}NJZ/g1OughUDtW>xCqLIq+r>K5BwzHI"

    func testReadsCurveKeys() throws {
        XCTAssertNil(try ConnectionInfo(json: good).curve)
        var encrypted = good
        encrypted["curve_publickey"] = .string(Self.curvePublic)
        encrypted["curve_secretkey"] = .string(Self.curveSecret)
        XCTAssertEqual(try ConnectionInfo(json: encrypted).curve, CurveKeys(publicKey: Self.curvePublic, secretKey: Self.curveSecret))
        var nulls = good
        nulls["curve_publickey"] = .null
        nulls["curve_secretkey"] = .null
        XCTAssertNil(try ConnectionInfo(json: nulls).curve)
    }

    func testKernelspecAdvertisesCurveAndProtocol55() throws {
        let j = try JSON.parse(Kernelspec.kernelJSON(binary: "/x/rnn-kernel", displayName: "RNN"))
        XCTAssertEqual(j["kernel_protocol_version"], "5.5")
        XCTAssertEqual(j["metadata"]?["supported_encryption"], ["curve"])
    }

    func testKernelJSONIsValidAndNamesTheBinary() throws {
        let text = Kernelspec.kernelJSON(binary: "/opt/x \"y\"\\z/rnn-kernel", displayName: "RNN \"β\"")
        let j = try JSON.parse(text)
        XCTAssertEqual(j["argv"], ["/opt/x \"y\"\\z/rnn-kernel", "kernel", "--connection-file", "{connection_file}"])
        XCTAssertEqual(j["display_name"], "RNN \"β\"")
        XCTAssertEqual(j["language"], "rnn")
        XCTAssertEqual(j["interrupt_mode"], "message")
        XCTAssertEqual(j["kernel_protocol_version"]?.stringValue, protocolVersion)
    }

    func testKernelNames() {
        XCTAssertFalse(Kernelspec.isValidName("a b"))
        XCTAssertFalse(Kernelspec.isValidName(""))
        XCTAssertFalse(Kernelspec.isValidName("a/b"))
        XCTAssertFalse(Kernelspec.isValidName("rnné"))
        XCTAssertTrue(Kernelspec.isValidName("rnn-1.0_x"))
    }

    func testInstallWritesKernelJSONAndLogos() throws {
        let prefix = NSTemporaryDirectory() + "rnn-install-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let dir = try Kernelspec.install(prefix: prefix, name: "rnn-test", displayName: "RNN test", binary: "/usr/bin/rnn-kernel")
        XCTAssertEqual(dir, prefix + "/share/jupyter/kernels/rnn-test")
        let j = try JSON.parse(try String(contentsOfFile: dir + "/kernel.json", encoding: .utf8))
        XCTAssertEqual(j["argv"]?.arrayValue?.first, "/usr/bin/rnn-kernel")
        XCTAssertEqual(j["display_name"], "RNN test")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/logo-64x64.png"))), KernelspecFiles.logo64)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/logo-32x32.png"))), KernelspecFiles.logo32)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/logo-svg.svg"))), KernelspecFiles.logoSVG)
        // Installing again overwrites in place.
        _ = try Kernelspec.install(prefix: prefix, name: "rnn-test", displayName: "Again", binary: "/b")
        XCTAssertEqual(try JSON.parse(try String(contentsOfFile: dir + "/kernel.json", encoding: .utf8))["display_name"], "Again")
        XCTAssertThrowsError(try Kernelspec.install(prefix: prefix, name: "bad name", displayName: "x", binary: "/b"))
        // A prefix that cannot be created is an error, not a crash.
        XCTAssertThrowsError(try Kernelspec.install(prefix: dir + "/kernel.json/sub", name: "rnn", displayName: "x", binary: "/b"))
    }

    func testEmbeddedKernelspecFilesMatchTheSourceTree() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../kernelspec").standardized
        for (name, bytes) in [("kernel.json.in", KernelspecFiles.template), ("logo-32x32.png", KernelspecFiles.logo32),
                              ("logo-64x64.png", KernelspecFiles.logo64), ("logo-svg.svg", KernelspecFiles.logoSVG)] {
            let onDisk = try Data(contentsOf: dir.appendingPathComponent(name))
            XCTAssertEqual(Array(onDisk), bytes, "\(name) changed: run python3 kernelspec/make_logos.py")
        }
        // PNG and SVG signatures, so a mix-up of the files shows.
        XCTAssertEqual(Array(KernelspecFiles.logo32.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(Array(KernelspecFiles.logo64.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertTrue(String(decoding: KernelspecFiles.logoSVG, as: UTF8.self).contains("<svg"))
    }
}
