#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import JSON

/// Any bytes: parsing throws or succeeds, never traps; what parses serializes and parses again.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSON.parse(bytes: bytes) else { return 0 }
    let text = value.serialized()
    guard let again = try? JSON.parse(text) else { fatalError("serialized JSON does not parse again: \(text.prefix(200))") }
    // Non-finite numbers become null, so compare the second round trip.
    precondition(again.serialized() == text, "serializing is not stable")
    _ = value.serialized(pretty: true)
    return 0
}

@main
enum Main {
    static func main() {
        exit(rnn_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, { fuzz($0, $1) }))
    }
}
