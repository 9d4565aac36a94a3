#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `share/jupyter/kernels/<name>/` (kernel.json and logos) under a prefix, as
/// `python -m ipykernel install` does.
public enum Kernelspec {
    /// A kernel name Jupyter accepts: letters, digits, `.`, `_`, `-`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && (isalnum(Int32($0.value)) != 0 || "._-".unicodeScalars.contains($0)) }
    }

    /// kernel.json's text for a binary at `binary`.
    public static func kernelJSON(binary: String, displayName: String) -> String {
        let template = String(decoding: KernelspecFiles.template, as: UTF8.self)
        func quoted(_ s: String) -> String {
            var out = ""
            for c in s.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default: out.unicodeScalars.append(c)
                }
            }
            return out
        }
        return template.replacingAll("@BINARY@", with: quoted(binary)).replacingAll("@DISPLAY_NAME@", with: quoted(displayName))
    }

    /// Installs into `<prefix>/share/jupyter/kernels/<name>` and returns that folder.
    public static func install(prefix: String, name: String, displayName: String, binary: String) throws -> String {
        try installInto(dataDir: prefix + "/share/jupyter", name: name, displayName: displayName, binary: binary)
    }

    /// Installs into `<dataDir>/kernels/<name>` (a Jupyter data directory) and returns that folder.
    public static func installInto(dataDir: String, name: String, displayName: String, binary: String) throws -> String {
        guard isValidName(name) else { throw KernelspecError("kernel name '\(name)' may hold only letters, digits, '.', '_' and '-'") }
        let dir = dataDir + "/kernels/" + name
        try makeDirectories(dir)
        try write(Array(kernelJSON(binary: binary, displayName: displayName).utf8), to: dir + "/kernel.json")
        try write(KernelspecFiles.logo32, to: dir + "/logo-32x32.png")
        try write(KernelspecFiles.logo64, to: dir + "/logo-64x64.png")
        try write(KernelspecFiles.logoSVG, to: dir + "/logo-svg.svg")
        return dir
    }

    static func makeDirectories(_ path: String) throws {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw KernelspecError("cannot create \(built): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let f = fopen(path, "wb") else { throw KernelspecError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        guard n == bytes.count else { throw KernelspecError("short write to \(path)") }
    }
}

/// A kernelspec that could not be installed.
public struct KernelspecError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

extension String {
    /// Every occurrence of `target` replaced, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        let t = Array(target.utf8)
        let u = self.utf8
        var i = u.startIndex
        while i != u.endIndex {
            var j = i, k = 0
            while k < t.count, j != u.endIndex, u[j] == t[k] { j = u.index(after: j); k += 1 }
            if k == t.count { return i..<j }
            i = u.index(after: i)
        }
        return nil
    }
}
