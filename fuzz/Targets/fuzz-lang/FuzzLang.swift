import FuzzDriver
import Jupyter
import RNN
import RNNLang
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Drops every output (rendering is still done: the bundles are built before they reach a sink).
final class Sink: OutputSink {
    func stream(_ name: StreamName, _ text: String) {}
    func display(_ bundle: MimeBundle, displayID: String?) {}
    func updateDisplay(_ bundle: MimeBundle, displayID: String) {}
    func clearOutput(wait: Bool) {}
}

/// A small budget, so each input runs in milliseconds; the limits themselves are what is tested.
let setUp: Void = {
    Budget.current = Budget(maxParameters: 20_000, maxLayers: 50, maxDatasetValues: 50_000, maxFileBytes: 1 << 20,
                            maxTableRows: 200, maxNesting: 200, maxSuggestionLength: 64)
    // Files the input names are written here, never beside the sources.
    let dir = "/tmp/rnn-kernel-fuzz-\(getpid())"
    mkdir(dir, 0o700)
    chdir(dir)
}()

/// Watches the statement running: past 200 ms it raises the interrupt, which every long loop must
/// heed (libFuzzer's -timeout catches one that does not).
final class Watchdog: @unchecked Sendable {
    /// The evaluator being watched and when it must stop.
    let state = Mutex<(evaluator: Evaluator?, deadline: Double)>((nil, .infinity))
    init() {
        var t = pthread_t()
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&t, nil, { raw in
            let w = Unmanaged<Watchdog>.fromOpaque(raw!).takeUnretainedValue()
            while true {
                usleep(20_000)
                w.state.withLock { if now() > $0.deadline { $0.evaluator?.interrupt.raise() } }
            }
        }, box)
    }
    func watch(_ e: Evaluator?) { state.withLock { $0 = (e, e == nil ? .infinity : now() + 0.2) } }
}
let watchdog = Watchdog()

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Source text: a SyntaxError, ValueError… or a result; never a trap, a hang, or memory past the budget.
/// Statements that write files may only name plain file names (the fuzzer's own folder).
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    _ = setUp
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if (source.contains("save") || source.contains("export")) && (source.contains("/") || source.contains("..")) { return 0 }
    let evaluator = Evaluator()
    watchdog.watch(evaluator)
    defer { watchdog.watch(nil) }
    _ = evaluator.runScript(source, output: Sink())
    // The same text as one expression (user_expressions) and as completion/inspection requests.
    _ = try? evaluator.evaluate(expression: source)
    let interpreter = RNNInterpreter()
    _ = interpreter.complete(code: source, cursorPos: source.unicodeScalars.count / 2)
    _ = interpreter.inspect(code: source, cursorPos: source.unicodeScalars.count / 2, detailLevel: 0)
    _ = interpreter.isComplete(code: source)
    return 0
}

@main
enum Main {
    static func main() {
        exit(rnn_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, { fuzz($0, $1) }))
    }
}
