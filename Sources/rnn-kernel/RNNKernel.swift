import ArgumentParser
import Jupyter
import RNN
import VectorKernels
#if canImport(Glibc)
import Glibc
#endif

/// The rnn-kernel command line: a Jupyter kernel and a script runner for the RNN language.
@main
struct RNNKernel: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rnn-kernel",
        abstract: "A Jupyter kernel for a small language of recurrent neural networks.",
        version: "\(version), training kernels \(ISA.summary)",
        subcommands: [KernelCommand.self, InstallCommand.self, RunCommand.self, ReplayCommand.self]
    )

    /// What start-up found wrong in the environment, each already said on stderr; `kernel` also
    /// shows them in the notebook with the first cell's output.
    nonisolated(unsafe) static var startupProblems: [String] = []

    static func main() {
        // RNNKERNEL_ISA is checked before any kernel runs, so a bad value is a message, not a crash.
        switch ISA.requestedByEnvironment {
        case .success(let isa): ISA.use(isa)
        case .failure(let error):
            guard CommandLine.arguments.dropFirst().first == KernelCommand.configuration.commandName else {
                // A command line (run, replay, --version, a benchmark) asked for that build: refuse.
                fputs("rnn-kernel: \(error)\n", stderr)
                Glibc.exit(2)
            }
            // A Jupyter kernel that exits is only "kernel died" in the notebook: ISA.current is
            // then the widest build; say so.
            startupProblems.append("\(error); using the widest it runs, \(ISA.current)")
        }
        // The other variables are never fatal: each bad value is said, and the default is used.
        startupProblems += Settings.problems()
        for problem in startupProblems { fputs("rnn-kernel: \(problem)\n", stderr) }
        History.configuredCapacity = Settings.historySize.value
        // `run FILE` is what scripts, tests and benchmarks start again and again: taken here, it skips
        // the argument parser's start-up (it reflects over every command: 1.7 ms of a 5.2 ms start).
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.count == 2, arguments.first == RunCommand.configuration.commandName,
           let file = arguments.last, file == "-" || !file.hasPrefix("-") {
            do { try RunCommand.run(file) } catch { RunCommand.exit(withError: error) }
            Glibc.exit(0)
        }
        main(nil)
    }
}
