#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import JSON
import Jupyter

let codec = WireCodec(signer: Signer(key: []))
let signed = WireCodec(signer: Signer(key: Array("fuzz".utf8)))

/// Frames separated by the byte 0x1E. Decoding throws or succeeds, never traps; what decodes
/// encodes and decodes again, and its content goes through history_request's reader.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let frames = bytes.split(separator: 0x1E, omittingEmptySubsequences: false).map(Array.init)
    _ = try? signed.decode(frames)
    guard let m = try? codec.decode(frames) else { return 0 }
    let again = codec.encode(m)
    guard let back = try? codec.decode(again) else { fatalError("an encoded message does not decode") }
    precondition(back.header.serialized() == m.header.serialized(), "header changed in a round trip")
    var history = History(capacity: 4)
    for i in 0..<6 { history.append(line: i + 1, input: "cell \(i)", output: nil) }
    _ = try? history.answer(m.content)
    _ = try? ConnectionInfo(json: m.content)
    return 0
}

@main
enum Main {
    static func main() {
        exit(rnn_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, { fuzz($0, $1) }))
    }
}
