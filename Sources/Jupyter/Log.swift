#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// At most 200 characters of a text a peer sent, for the log: a 5 MB value is not written out.
public func logQuote(_ text: some StringProtocol) -> String {
    text.count <= 200 ? String(text) : String(text.prefix(200)) + "…(\(text.count) characters)"
}

/// Writes one line to stderr: the kernel's log. Never given the key.
public func logLine(_ text: String) {
    let line = "[rnn-kernel] " + text + "\n"
    _ = line.withCString { fputs($0, stderr) }
}
