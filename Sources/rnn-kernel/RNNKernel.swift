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

    static func main() {
        // RNNKERNEL_ISA is checked before any kernel runs, so a bad value is an error message, not a crash.
        switch ISA.requested(getenv("RNNKERNEL_ISA").map { String(cString: $0) }) {
        case .success(let isa): ISA.use(isa)
        case .failure(let error):
            fputs("rnn-kernel: \(error)\n", stderr)
            Glibc.exit(2)
        }
        // The other variables are never fatal (a notebook would only see "kernel died"): each bad
        // value is said here, on the log, and the default is used (KernelCommand also shows it in the notebook).
        for problem in Settings.problems() { fputs("rnn-kernel: \(problem)\n", stderr) }
        History.configuredCapacity = Settings.historySize.value
        main(nil)
    }
}
