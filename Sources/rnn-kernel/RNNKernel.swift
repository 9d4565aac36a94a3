import ArgumentParser

/// The rnn-kernel command line: a Jupyter kernel and a script runner for the RNN language.
@main
struct RNNKernel: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rnn-kernel",
        abstract: "A Jupyter kernel for a small language of recurrent neural networks.",
        version: version,
        subcommands: [KernelCommand.self, InstallCommand.self, RunCommand.self, ReplayCommand.self]
    )
}
