#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import RNN

/// Any bytes as a CSV file: the first line names the column wanted; an error or a series, never a trap.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    Budget.current.maxDatasetValues = 200_000
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = bytes.firstIndex(of: 10) ?? bytes.count
    let column = String(decoding: bytes[..<split], as: UTF8.self)
    let rest = Array(bytes[min(bytes.count, split + 1)...])
    guard let values = try? Datasets.csvColumn(bytes: rest, path: "fuzz.csv", column: column) else { return 0 }
    _ = try? Datasets.series(values, window: 1 + values.count % 7, summary: "fuzz")
    return 0
}

@main
enum Main {
    static func main() {
        exit(rnn_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, { fuzz($0, $1) }))
    }
}
