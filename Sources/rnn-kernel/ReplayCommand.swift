import ArgumentParser
import Jupyter
import RNN
import RNNLang
import Store

/// `rnn-kernel replay LOG.jsonl`: runs an exported experiment log again and checks every hash.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run an experiment log (from `export log`) again and check, statement by statement, that every hash matches.",
        discussion: "Exits 0 when every data fingerprint, file hash and weights hash matches; 1 at the first mismatch, showing both hashes; 2 when the log cannot be read.")

    @Argument(help: "The JSON Lines file `export log to \"FILE\"` wrote.")
    var log: String

    @Flag(help: "Also print each statement's outputs.")
    var verbose = false

    func run() throws {
        let entries: [LogEntry]
        do { entries = try ExperimentLog.parse(try readTextFile(log)) } catch {
            writeStderr("rnn-kernel replay: cannot read \(log): \(error)\n")
            throw ExitCode(2)
        }
        let interpreter = RNNInterpreter()
        let evaluator = interpreter.evaluator
        let sink: OutputSink = verbose ? TerminalSink() : QuietSink()
        // Every entry is checked before any runs: a log that was edited to write files stops here.
        for e in entries {
            if let why = Evaluator.replayProblem(e.statement) {
                writeStderr("rnn-kernel replay: entry \(e.index) of \(log) cannot come from export log: \(why)\n")
                throw ExitCode(2)
            }
        }
        for e in entries {
            evaluator.restoreRandomState(seed: e.sessionSeed, rngState: e.rngState)
            let runsBefore = evaluator.state.runs.count
            if let error = evaluator.runScript(e.statement, output: sink) {
                writeStdout("✗ \(e.index): \(e.statement)\n")
                writeStderr("  the statement failed on replay: \(error.description)\n")
                throw ExitCode(1)
            }
            var problems: [String] = []
            if let expected = e.dataSHA256, evaluator.state.runs.count > runsBefore, let run = evaluator.state.runs.last, run.dataFingerprint != expected {
                problems.append("data fingerprint differs:\n    logged   \(expected)\n    replayed \(run.dataFingerprint)")
            }
            if let expected = e.validationSHA256, evaluator.state.runs.count > runsBefore, let run = evaluator.state.runs.last,
               run.validation?.dataFingerprint != expected {
                problems.append("validation data fingerprint differs:\n    logged   \(expected)\n    replayed \(run.validation?.dataFingerprint ?? "(none)")")
            }
            if let expected = e.fileSHA256, let loaded = evaluator.state.log.last?.fileSHA256, loaded != expected {
                problems.append("the loaded file differs:\n    logged   \(expected)\n    replayed \(loaded)")
            }
            if let expected = e.weightsSHA256, let name = e.model {
                let got = evaluator.weightsHash(ofModelNamed: name) ?? "(no model named \(name))"
                if got != expected { problems.append("weights of \(name) differ:\n    logged   \(expected)\n    replayed \(got)") }
            }
            if problems.isEmpty {
                writeStdout("✓ \(e.index): \(e.statement)\(e.weightsSHA256.map { "  weights \($0.prefix(12))…" } ?? "")\n")
            } else {
                writeStdout("✗ \(e.index): \(e.statement)\n")
                writeStderr(problems.map { "  " + $0 }.joined(separator: "\n") + "\n")
                writeStderr("replay stopped at statement \(e.index) of \(entries.count): a mismatch\n")
                throw ExitCode(1)
            }
        }
        writeStdout("all \(entries.count) statements replayed; every hash matches\n")
    }
}

/// Drops outputs.
final class QuietSink: OutputSink {
    func stream(_ name: StreamName, _ text: String) {}
    func display(_ bundle: MimeBundle, displayID: String?) {}
    func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
    func clearOutput(wait: Bool) {}
}
