#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to stderr: the kernel's log. Never given the key.
public func logLine(_ text: String) {
    let line = "[rnn-kernel] " + text + "\n"
    _ = line.withCString { fputs($0, stderr) }
}
