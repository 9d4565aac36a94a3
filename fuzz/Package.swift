// swift-tools-version:5.9
// libFuzzer targets over the kernel's own sources (linked from ../Sources), built apart from the
// main package so its flags and targets stay as they are: make fuzz / make fuzz-check (Makefile).
import PackageDescription

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
// SwiftPM links an executable's main under its module's name: each target's main hands libFuzzer
// its callback (FuzzDriver), so libFuzzer's own main is not linked.
let fuzzer: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]
let fuzzLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]
let coverage: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]

let library: [(String, [Target.Dependency])] = [
    ("JSON", []), ("ZeroMQ", ["CZeroMQ"]), ("Jupyter", ["ZeroMQ", "JSON", crypto]), ("VectorKernels", []),
    ("RNN", ["VectorKernels"]), ("Plot", []), ("Store", ["RNN", "JSON", crypto]),
    ("RNNLang", ["RNN", "Plot", "Store", "Jupyter", "JSON"]),
]
let fuzzTargets: [(String, [Target.Dependency])] = [
    ("fuzz-wire", ["Jupyter", "JSON"]), ("fuzz-json", ["JSON"]), ("fuzz-lang", ["RNNLang", "RNN", "Jupyter"]),
    ("fuzz-safetensors", ["Store", "RNN"]), ("fuzz-model-json", ["Store", "RNN"]), ("fuzz-csv", ["RNN"]),
]

let package = Package(
    name: "rnn-kernel-fuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [.systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq"), .target(name: "FuzzDriver")]
        + library.map { .target(name: $0.0, dependencies: $0.1, swiftSettings: coverage) }
        + fuzzTargets.map { .executableTarget(name: $0.0, dependencies: $0.1 + ["FuzzDriver"], path: "Targets/\($0.0)", swiftSettings: fuzzer, linkerSettings: fuzzLink) }
)
