import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The connection file a front end writes: where to bind and how to sign.
public struct ConnectionInfo: Equatable, Sendable {
    public var transport: String
    public var ip: String
    public var shellPort: Int
    public var iopubPort: Int
    public var stdinPort: Int
    public var controlPort: Int
    public var hbPort: Int
    public var key: [UInt8]
    public var signatureScheme: String
    /// The CurveZMQ server keypair (Z85 text, 40 characters each) when the front end asks for an
    /// encrypted transport (jupyter_client's `transport_encryption`); nil for plain sockets.
    public var curve: CurveKeys?

    public init(transport: String = "tcp", ip: String = "127.0.0.1", shellPort: Int = 0, iopubPort: Int = 0, stdinPort: Int = 0,
                controlPort: Int = 0, hbPort: Int = 0, key: [UInt8] = [], signatureScheme: String = "hmac-sha256") {
        self.transport = transport
        self.ip = ip
        self.shellPort = shellPort
        self.iopubPort = iopubPort
        self.stdinPort = stdinPort
        self.controlPort = controlPort
        self.hbPort = hbPort
        self.key = key
        self.signatureScheme = signatureScheme
    }

    /// Reads a connection file's JSON, naming the first field that is missing or of the wrong type.
    public init(json: JSON) throws {
        func string(_ k: String, default d: String? = nil) throws -> String {
            if let v = json[k] {
                guard let s = v.stringValue else { throw ConnectionError("'\(k)' must be a string") }
                return s
            }
            if let d { return d }
            throw ConnectionError("missing '\(k)'")
        }
        func port(_ k: String) throws -> Int {
            guard let v = json[k] else { throw ConnectionError("missing '\(k)'") }
            guard let p = v.intValue, (0...65535).contains(p) else { throw ConnectionError("'\(k)' must be a port number 0-65535") }
            return p
        }
        guard case .object = json else { throw ConnectionError("the connection file must hold a JSON object") }
        transport = try string("transport", default: "tcp")
        guard transport == "tcp" || transport == "ipc" else { throw ConnectionError("transport must be tcp or ipc, found '\(transport)'") }
        ip = try string("ip", default: "127.0.0.1")
        shellPort = try port("shell_port")
        iopubPort = try port("iopub_port")
        stdinPort = try port("stdin_port")
        controlPort = try port("control_port")
        hbPort = try port("hb_port")
        key = Array(try string("key", default: "").utf8)
        signatureScheme = try string("signature_scheme", default: "hmac-sha256")
        guard signatureScheme == "hmac-sha256" else {
            throw ConnectionError("signature_scheme must be hmac-sha256, found '\(signatureScheme)'")
        }
        switch (json["curve_publickey"], json["curve_secretkey"]) {
        case (nil, nil), (.null?, .null?):
            curve = nil
        case (nil, _), (.null?, _), (_, nil), (_, .null?):
            throw ConnectionError("'curve_publickey' and 'curve_secretkey' come together: give both or neither")
        default:
            curve = CurveKeys(publicKey: try CurveKeys.z85(string("curve_publickey"), "curve_publickey"),
                              secretKey: try CurveKeys.z85(string("curve_secretkey"), "curve_secretkey"))
        }
    }

    /// The same connection with every ipc port of 0 replaced by a distinct number whose socket file
    /// does not exist yet (tcp binds port 0 itself, but five ipc sockets named `ip-0` would collide).
    public func assigningIPCPorts() -> ConnectionInfo {
        guard transport == "ipc" else { return self }
        var c = self
        var taken = Set([shellPort, iopubPort, stdinPort, controlPort, hbPort].filter { $0 != 0 })
        var next = 1
        func fresh() -> Int {
            while taken.contains(next) || access("\(ip)-\(next)", F_OK) == 0 { next += 1 }
            taken.insert(next)
            return next
        }
        if c.shellPort == 0 { c.shellPort = fresh() }
        if c.iopubPort == 0 { c.iopubPort = fresh() }
        if c.stdinPort == 0 { c.stdinPort = fresh() }
        if c.controlPort == 0 { c.controlPort = fresh() }
        if c.hbPort == 0 { c.hbPort = fresh() }
        return c
    }

    /// The ZeroMQ endpoint for a port: tcp://ip:port (port 0 binds any free port), or ipc://ip-port.
    public func endpoint(_ port: Int) -> String {
        if transport == "ipc" { return "ipc://\(ip)-\(port)" }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return "tcp://\(host):\(port == 0 ? "*" : String(port))"
    }
}

/// A CurveZMQ keypair as the connection file holds it: Z85 text, which libzmq takes as it is.
public struct CurveKeys: Equatable, Sendable {
    public var publicKey: String
    public var secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Z85 (ZeroMQ RFC 32) encodes a 32-byte key as 40 characters of this alphabet.
    static let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".unicodeScalars)

    static func z85(_ text: String, _ field: String) throws -> String {
        guard text.unicodeScalars.count == 40, text.unicodeScalars.allSatisfy({ alphabet.contains($0) }) else {
            throw ConnectionError("'\(field)' must be a Z85-encoded CurveZMQ key (40 characters), found \(text.unicodeScalars.count) characters")
        }
        return text
    }
}

/// A connection file that cannot be used.
public struct ConnectionError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = "connection file: \(d)" }
}

/// A socket that could not be bound to the address the connection file names.
public struct BindError: Error, CustomStringConvertible {
    public let endpoint: String
    public let channel: String
    public let reason: String
    public var description: String { "cannot bind the \(channel) socket to \(endpoint): \(reason)" }
}
