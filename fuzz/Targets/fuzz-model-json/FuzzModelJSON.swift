#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import RNN
import Store

/// Any bytes as a model .json: an error or a model, never a trap, within the budget.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    Budget.current.maxParameters = 100_000
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let entry = try? ModelFiles.fromJSON(bytes, file: "fuzz.json") else { return 0 }
    let again = Array(ModelFiles.json(entry).serialized().utf8)
    guard let back = try? ModelFiles.fromJSON(again, file: "again.json") else { fatalError("a saved model does not load") }
    precondition(back.model == entry.model, "the model changed in a round trip")
    return 0
}

@main
enum Main {
    static func main() {
        exit(rnn_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, { fuzz($0, $1) }))
    }
}
