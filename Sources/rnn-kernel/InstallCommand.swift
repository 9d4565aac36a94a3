import ArgumentParser
import Jupyter

#if canImport(Glibc)
import Glibc
#endif

/// `rnn-kernel install`: writes the kernelspec, like `python -m ipykernel install`.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the kernelspec so Jupyter front ends offer the RNN kernel.",
        discussion: """
            Without a location option, installs for the current user (--user). --sys-prefix installs into the \
            Python environment Jupyter runs in ($VIRTUAL_ENV, else python3's sys.prefix).
            """)

    @Flag(help: "Install for the current user (~/.local/share/jupyter/kernels). The default.")
    var user = false
    @Flag(help: "Install into the active Python environment's prefix.")
    var sysPrefix = false
    @Option(help: "Install under this prefix (PREFIX/share/jupyter/kernels).")
    var prefix: String?
    @Option(help: "The kernelspec's name.")
    var name = "rnn"
    @Option(help: "The name front ends show.")
    var displayName = "RNN"

    func validate() throws {
        if [user, sysPrefix, prefix != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --user, --sys-prefix, --prefix")
        }
        if !Kernelspec.isValidName(name) { throw ValidationError("--name may hold only letters, digits, '.', '_' and '-'") }
    }

    func run() throws {
        let dataDir: String
        if let prefix {
            dataDir = absolutePath(prefix) + "/share/jupyter"
        } else if sysPrefix {
            dataDir = try pythonPrefix() + "/share/jupyter"
        } else {
            // Jupyter's per-user data folder: $XDG_DATA_HOME/jupyter, by default ~/.local/share/jupyter.
            guard let home = getenv("HOME").map({ String(cString: $0) }) else { throw ValidationError("HOME is not set; use --prefix") }
            let xdg = getenv("XDG_DATA_HOME").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            dataDir = (xdg ?? home + "/.local/share") + "/jupyter"
        }
        let dir = try Kernelspec.installInto(dataDir: dataDir, name: name, displayName: displayName, binary: executablePath())
        print("Installed kernelspec \(name) in \(dir)")
    }
}

/// The running binary's absolute path, which kernel.json's argv must name.
func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    return absolutePath(CommandLine.arguments[0])
}

func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    return String(cString: buffer) + "/" + path
}

/// The prefix of the Python environment Jupyter runs in.
func pythonPrefix() throws -> String {
    if let venv = getenv("VIRTUAL_ENV").map({ String(cString: $0) }), !venv.isEmpty { return venv }
    guard let pipe = popen("python3 -c 'import sys; print(sys.prefix)' 2>/dev/null", "r") else {
        throw ValidationError("cannot run python3 to find sys.prefix; use --prefix")
    }
    var out = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, Int32(buffer.count), pipe) != nil { out += String(cString: buffer) }
    let status = pclose(pipe)
    let trimmed = out.split(separator: "\n").first.map(String.init) ?? ""
    guard status == 0, trimmed.hasPrefix("/") else { throw ValidationError("python3 did not report sys.prefix; use --prefix") }
    return trimmed
}
