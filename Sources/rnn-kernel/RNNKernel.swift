import ArgumentParser
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
        version: version,
        subcommands: [KernelCommand.self, InstallCommand.self, RunCommand.self, ReplayCommand.self]
    )

    static func main() {
        // This file is compiled for any x86-64, so the check runs before any AVX2 instruction can.
        if let missing = CPUCheck.missingFeatures() {
            let message = "rnn-kernel: this build's training kernels use \(missing.joined(separator: " and ")), which this processor lacks; rebuild on this machine, or for any x86-64 with RNNKERNEL_PORTABLE=1 swift build -c release\n"
            fputs(message, stderr)
            Glibc.exit(1)
        }
        main(nil)
    }
}

/// What the build assumed of the processor, checked against the one we run on.
enum CPUCheck {
    static func missingFeatures() -> [String]? {
        #if RNNKERNEL_AVX2
        guard let f = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, f) > 0 {
            let text = String(cString: line!)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
            let missing = ["avx2", "fma"].filter { !flags.contains(Substring($0)) }
            return missing.isEmpty ? nil : missing
        }
        return nil
        #else
        return nil
        #endif
    }
}
