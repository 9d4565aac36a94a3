import ArgumentParser
import Jupyter
import RNN
import RNNLang
import Store

#if canImport(Glibc)
import Glibc
#endif

/// `rnn-kernel run FILE.rnn`: runs a script outside Jupyter.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an .rnn script: outputs to stdout, errors to stderr as FILE:LINE:COL, exit status 1 on the first error.")

    @Argument(help: "The script to run ('-' reads standard input).")
    var file: String

    func run() throws { try RunCommand.run(file) }

    /// Runs the script at `file` (`-`: standard input); RNNKernel.main calls it without the parser too.
    static func run(_ file: String) throws {
        let source: String
        do { source = file == "-" ? try readStandardInput() : try readTextFile(file) } catch {
            writeStderr("rnn-kernel: cannot read \(file): \(error)\n")
            throw ExitCode(2)
        }
        let interpreter = RNNInterpreter()
        let sink = TerminalSink()
        installInterruptHandler(interpreter)
        let outcome = interpreter.evaluator.runScript(source, output: sink)
        sink.finish()
        if let error = outcome {
            writeStderr(error.compilerStyle(file: file, source: source) + "\n")
            throw ExitCode(1)
        }
    }
}

/// Writes the text forms of outputs to the terminal. Live outputs (a display id that gets updated,
/// such as training progress) are redrawn in place on stderr when it is a terminal; the last
/// version of each is printed to stdout when it is final.
final class TerminalSink: OutputSink {
    let liveTerminal = isatty(2) != 0
    private var live: [String: MimeBundle] = [:]
    private var liveOrder: [String] = []

    /// Live outputs other than progress (e.g. a loss chart redrawn as training runs): only their
    /// final version is printed, before the next output or at the end.
    private var pending: [String] = []
    private var drewProgress = false

    func stream(_ name: StreamName, _ text: String) {
        flushLive()
        if name == .stderr { writeStderr(text) } else { writeStdout(text) }
    }

    func display(_ bundle: MimeBundle, displayID: String?) {
        if let displayID {
            if live[displayID] == nil { liveOrder.append(displayID) }
            live[displayID] = bundle
            if isProgress(bundle) { drawProgress(bundle) } else if !pending.contains(displayID) { pending.append(displayID) }
            return
        }
        flushLive()
        printBundle(bundle)
    }

    func updateDisplay(_ bundle: MimeBundle, displayID: String) {
        live[displayID] = bundle
        if isProgress(bundle) { drawProgress(bundle) }
    }

    func clearOutput(wait: Bool) {}

    private func flushLive() {
        if drewProgress {
            writeStderr("\n")
            drewProgress = false
        }
        for id in pending { if let b = live[id] { printBundle(b) } }
        pending.removeAll()
    }

    /// Called at the end of the script.
    func finish() { flushLive() }

    private func isProgress(_ b: MimeBundle) -> Bool { b.metadata["rnn-kernel"]?["progress"]?.boolValue == true }

    private func drawProgress(_ b: MimeBundle) {
        guard liveTerminal, let text = b["text/plain"]?.stringValue else { return }
        writeStderr("\r\u{1B}[2K" + text)
        drewProgress = true
    }

    private func printBundle(_ b: MimeBundle) {
        guard let text = b["text/plain"]?.stringValue else { return }
        writeStdout(text.hasSuffix("\n") ? text : text + "\n")
    }
}

func writeStdout(_ s: String) { _ = s.withCString { fputs($0, stdout) }; fflush(stdout) }
func writeStderr(_ s: String) { _ = s.withCString { fputs($0, stderr) } }

func readStandardInput() throws -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    let limit = Budget.current.maxFileBytes
    while true {
        let n = fread(&buffer, 1, buffer.count, stdin)
        if n <= 0 { break }
        // A script is bounded like any file (`rnn-kernel run - < /dev/zero` must not fill memory).
        guard bytes.count + n <= limit else { throw FileReadError.tooLarge(limit: limit) }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Ctrl-C stops a running statement at its next step; a second Ctrl-C exits at once.
func installInterruptHandler(_ interpreter: RNNInterpreter) {
    interruptTarget = interpreter
    signal(SIGINT) { _ in
        if interruptCount > 0 { _exit(130) }
        interruptCount += 1
        interruptTarget?.interrupt()
    }
}
nonisolated(unsafe) var interruptTarget: RNNInterpreter?
nonisolated(unsafe) var interruptCount = 0
