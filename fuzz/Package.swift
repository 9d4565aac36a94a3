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

// The same modules and dependencies as ../Package.swift (keep the two in step), each instruction set's
// kernels built with its flags as there.
let avx2: [SwiftSetting] = [.define("RNNKERNEL_ISA_AVX2"), .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
let avx512: [SwiftSetting] = [.define("RNNKERNEL_ISA_AVX512"),
                               .unsafeFlags(["-Xcc", "-mavx512f", "-Xcc", "-mavx512dq", "-Xcc", "-mavx512vl", "-Xcc", "-mavx2", "-Xcc", "-mfma"])]
let kernels: [Target] = [
    .target(name: "CPUFeatures"),
    .target(name: "VectorKernelsInterface", swiftSettings: coverage),
    .target(name: "VectorKernelsBaseline", dependencies: ["VectorKernelsInterface"], swiftSettings: coverage),
    .target(name: "VectorKernelsAVX2", dependencies: ["VectorKernelsInterface"], swiftSettings: coverage + avx2),
    .target(name: "VectorKernelsAVX512", dependencies: ["VectorKernelsInterface"], swiftSettings: coverage + avx512),
]
let library: [(String, [Target.Dependency])] = [
    ("JSON", []), ("ZeroMQ", ["CZeroMQ"]), ("Jupyter", ["ZeroMQ", "JSON", crypto]),
    ("VectorKernels", ["VectorKernelsInterface", "VectorKernelsBaseline", "CPUFeatures", "VectorKernelsAVX2", "VectorKernelsAVX512"]),
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
    targets: [.systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq"), .target(name: "FuzzDriver")] + kernels
        + library.map { .target(name: $0.0, dependencies: $0.1, swiftSettings: coverage) }
        + fuzzTargets.map { .executableTarget(name: $0.0, dependencies: $0.1 + ["FuzzDriver"], path: "Targets/\($0.0)", swiftSettings: fuzzer, linkerSettings: fuzzLink) }
)
