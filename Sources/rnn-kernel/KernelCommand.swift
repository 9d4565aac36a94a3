import ArgumentParser
import JSON
import Jupyter
import RNN
import RNNLang
import Store

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
        let kernel: Kernel
        let interpreter = RNNInterpreter()
        interpreter.startupWarnings = RNNKernel.startupProblems
        do { kernel = try Kernel(connection: info, interpreter: interpreter) } catch let e as BindError {
            // The front end waits for a kernel that will never answer: say why and stop at once.
            logLine("\(e); is another kernel using that port, or is the ip not an address of this machine?")
            throw ExitCode(1)
        }
        try kernel.run()
    }
}
