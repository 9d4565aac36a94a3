#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import RNN
import Store

/// Any bytes as a .safetensors file: an error or a model, never a trap, within the budget.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    Budget.current.maxParameters = 100_000
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let entry = try? ModelFiles.fromSafetensors(bytes, file: "fuzz.safetensors", existing: nil) else { return 0 }
    // What loads saves and loads back to the same numbers.
    let again = ModelFiles.safetensors(entry)
    guard let back = try? ModelFiles.fromSafetensors(again, file: "again.safetensors", existing: nil) else { fatalError("a saved model does not load") }
    precondition(back.model.config == entry.model.config, "the config changed in a round trip")
    return 0
}

@main
enum Main {
    static func main() {
        exit(rnn_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, { fuzz($0, $1) }))
    }
}
