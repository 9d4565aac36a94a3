import ArgumentParser
import JSON
import Jupyter
import RNNLang

#if canImport(Glibc)
import Glibc
#endif

/// `rnn-kernel kernel --connection-file F`: what Jupyter starts.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run the kernel on the sockets a Jupyter connection file names (Jupyter starts this for you).")

    @Option(name: .long, help: "The connection file written by the front end.")
    var connectionFile: String

    func run() throws {
        let text: String
        do { text = try readTextFile(connectionFile) } catch {
            throw ValidationError("cannot read connection file \(connectionFile): \(error)")
        }
        let info: ConnectionInfo
        do { info = try ConnectionInfo(json: try JSON.parse(text)) } catch {
            throw ValidationError("\(connectionFile): \(error)")
        }
        let kernel = try Kernel(connection: info, interpreter: RNNInterpreter())
        try kernel.run()
    }
}

/// Reads a whole file as UTF-8 without Foundation (keeps start-up lean).
func readTextFile(_ path: String) throws -> String {
    guard let f = fopen(path, "rb") else { throw KernelspecError(String(cString: strerror(errno))) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}
