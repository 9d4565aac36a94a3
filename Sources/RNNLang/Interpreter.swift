import JSON
import Jupyter
import Plot
import RNN

/// The RNN language as a Jupyter interpreter: one session per kernel.
public final class RNNInterpreter: Interpreter {
    public let evaluator = Evaluator()
    /// Messages about the environment (a bad RNNKERNEL_* value) the user sees once, as warnings
    /// on stderr with the first cell that is not silent: a notebook shows no start-up log.
    public var startupWarnings: [String] = []

    public init() {}

    public static let version = "0.1.0"

    public var info: LanguageInfo {
        LanguageInfo(
            implementation: "rnn-kernel",
            implementationVersion: RNNInterpreter.version,
            banner: "rnn-kernel \(RNNInterpreter.version): a language for recurrent neural networks. Type 'help' for the statements.",
            languageInfo: [
                "name": "rnn",
                "version": .string(RNNInterpreter.version),
                "mimetype": "text/x-rnn",
                "file_extension": ".rnn",
                // CodeMirror's Python mode suits the language in JupyterLab: '#' comments, strings, numbers.
                "codemirror_mode": ["name": "python"],
                // Our own Pygments lexer (python/rnn_kernel, `pip install ./python`) for nbconvert and Sphinx.
                "pygments_lexer": "rnn",
            ],
            helpLinks: [(text: "RNN language reference", url: "https://github.com/rnn-kernel/rnn-kernel/blob/main/docs/reference.md")])
    }

    public func execute(_ request: ExecuteRequest, output: OutputSink) -> ExecuteOutcome {
        evaluator.interrupt.clear()
        if !request.silent, !startupWarnings.isEmpty {
            for w in startupWarnings { output.stream(.stderr, "warning: " + w + "\n") }
            startupWarnings = []
        }
        evaluator.cellStarts(request.cellID, deleted: request.deletedCells, output: output)
        defer { evaluator.cellEnded(request.cellID) }
        do {
            let r = try evaluator.run(request.code, output: output)
            return .ok(result: r.result, payloads: r.payloads)
        } catch let d as Diagnostic {
            return .error(ErrorReport(ename: d.kind.rawValue, evalue: d.message, traceback: d.traceback(in: request.code)), payloads: [])
        } catch {
            return .error(ErrorReport(ename: "InternalError", evalue: "\(error)", traceback: ["InternalError: \(error)"]), payloads: [])
        }
    }

    public func evaluate(expression: String) -> Result<MimeBundle, ErrorReport> {
        do { return .success(try evaluator.evaluate(expression: expression)) } catch let d as Diagnostic {
            return .failure(ErrorReport(ename: d.kind.rawValue, evalue: d.message, traceback: d.traceback(in: expression)))
        } catch {
            return .failure(ErrorReport(ename: "InternalError", evalue: "\(error)", traceback: []))
        }
    }

    public func complete(code: String, cursorPos: Int) -> Completion {
        RNNLang.complete(code: code, cursor: cursorPos, context: evaluator.state)
    }

    public func inspect(code: String, cursorPos: Int, detailLevel: Int) -> MimeBundle? {
        inspection(code: code, cursor: cursorPos, state: evaluator.state)
    }

    public func isComplete(code: String) -> CompletenessStatus { completeness(of: code) }

    public func interrupt() { evaluator.interrupt.raise() }

    // Comms: the Jupyter widget targets (jupyter.widget, jupyter.widget.control); others are refused.
    public func commOpened(_ message: CommMessage, output: OutputSink) -> Bool { evaluator.commOpened(message, output: output) }
    public func commReceived(_ message: CommMessage, output: OutputSink) { evaluator.commReceived(message, output: output) }
    public func commClosed(_ message: CommMessage, output: OutputSink) { evaluator.commClosed(message, output: output) }
}

extension SessionState: CompletionContext {
    public var modelNames: [String] { store.names + store.seq2seqNames }
    public var valueNames: [String] { values.keys.sorted() }
    /// The parameters, then `vocab` and `labels` when the model has them (`show NAME.vocab`).
    public func parameterNames(of model: String) -> [String]? {
        guard let e = store[model] else { return nil }
        return e.model.readableNames + (e.vocab == nil ? [] : ["vocab"]) + (e.labels == nil ? [] : ["labels"])
    }
}

/// Help for the word at the cursor: a model's summary, a statement, option or dataset.
public func inspection(code: String, cursor: Int, state: SessionState) -> MimeBundle? {
    let s = Array(code.unicodeScalars)
    let c = max(0, min(cursor, s.count))
    var a = c, b = c
    while a > 0, isNameStart(s[a - 1]) || isDigit(s[a - 1]) { a -= 1 }
    while b < s.count, isNameStart(s[b]) || isDigit(s[b]) { b += 1 }
    // A cursor just after a word (as front ends send it) inspects that word.
    guard a < b else { return nil }
    let word = String(String.UnicodeScalarView(s[a..<b]))
    if let entry = state.store[word] {
        let ctx = StatementContext(state: state, output: NullSink(), interrupt: InterruptFlag(), source: code, node: nil)
        return ctx.summaryTable(word, entry.model)
    }
    if let v = state.values[word] { return .text("\(word) = \(v.literal)") }
    // `copy(` is the dataset, `copy NAME as NEW` the statement: the next character decides.
    var next = b
    while next < s.count, s[next] == " " { next += 1 }
    if next < s.count, s[next] == "(", let d = Help.datasetEntries.first(where: { $0.topic == word }) { return .text(d.body) }
    if let e = Help.entry(word) { return .text(e.body) }
    return nil
}

extension Evaluator {
    /// Runs a whole script; returns the first error (nil when every statement succeeded). The
    /// result of a final bare expression is displayed like any other output.
    public func runScript(_ source: String, output: OutputSink) -> Diagnostic? {
        do {
            let r = try run(source, output: output)
            if let result = r.result { output.display(result, displayID: nil) }
            for p in r.payloads where p["source"]?.stringValue == "page" {
                if let text = p["data"]?["text/plain"]?.stringValue { output.stream(.stdout, text.hasSuffix("\n") ? text : text + "\n") }
            }
            return nil
        } catch let d as Diagnostic {
            return d
        } catch {
            return Diagnostic(.value, "\(error)")
        }
    }
}
