// swift-tools-version:5.9
import PackageDescription
import Foundation

// Developers working on one module can build and test just that slice while the others are
// mid-edit: RNNKERNEL_TARGETS=RNN,Plot swift test --scratch-path .build-rnn
// (the targets listed, their test targets and whatever they depend on). Unset means everything.
let onlyTargets: Set<String>? = ProcessInfo.processInfo.environment["RNNKERNEL_TARGETS"]
    .map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

// The training kernels use AVX2 and FMA when the building machine has them (x86-64 since 2013-15);
// rnn-kernel then checks the running machine at start-up and says so rather than crash.
// RNNKERNEL_PORTABLE=1 builds them for any x86-64: the same numbers, bit for bit (FMA in software), slower.
let cpuFlags: Set<Substring> = {
    guard ProcessInfo.processInfo.environment["RNNKERNEL_PORTABLE"] == nil,
          let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    return Set(line.split(separator: " "))
}()
#if arch(x86_64)
let avx2 = cpuFlags.contains("avx2") && cpuFlags.contains("fma")
#else
let avx2 = false
#endif
// -O even in debug builds: SIMD code unoptimised is slower than scalar, and the tests train models.
let avx2Flags = avx2 ? ["-Xcc", "-mavx2", "-Xcc", "-mfma"] : []
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"] + avx2Flags, .when(configuration: .release))]
let vector: [SwiftSetting] = fast + [.unsafeFlags(["-O"] + avx2Flags, .when(configuration: .debug))]
    + (avx2 ? [.define("RNNKERNEL_AVX2")] : [])
let avx2Define: [SwiftSetting] = avx2 ? [.define("RNNKERNEL_AVX2")] : []

let library: [(name: String, deps: [Target.Dependency], local: [String], settings: [SwiftSetting])] = [
    ("JSON", [], [], []),
    ("ZeroMQ", ["CZeroMQ"], ["CZeroMQ"], []),
    ("Jupyter", ["ZeroMQ", "JSON", crypto], ["ZeroMQ", "JSON"], []),
    ("VectorKernels", [], [], vector),
    ("RNN", ["VectorKernels"], ["VectorKernels"], fast),
    ("Plot", [], [], []),
    ("Store", ["RNN", "JSON", crypto], ["RNN", "JSON"], []),
    ("RNNLang", ["RNN", "Plot", "Store", "Jupyter", "JSON"], ["RNN", "Plot", "Store", "Jupyter", "JSON"], []),
]

/// Every local target a target needs, itself included.
func closure(_ name: String) -> Set<String> {
    var seen: Set<String> = [name]
    var queue = [name]
    while let next = queue.popLast() {
        if next == "rnn-kernel" { for lib in library where seen.insert(lib.name).inserted { queue.append(lib.name) } }
        for lib in library where lib.name == next {
            for dep in lib.local where seen.insert(dep).inserted { queue.append(dep) }
        }
    }
    return seen
}

let wanted: Set<String> = onlyTargets.map { Set($0.flatMap { closure($0) }) }
    ?? Set(library.map(\.name) + ["rnn-kernel", "CZeroMQ"])
let tested: Set<String> = onlyTargets ?? wanted

var targets: [Target] = []
if wanted.contains("CZeroMQ") {
    targets.append(.systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]))
}
for lib in library where wanted.contains(lib.name) {
    targets.append(.target(name: lib.name, dependencies: lib.deps, swiftSettings: lib.settings))
    if tested.contains(lib.name) && lib.name != "ZeroMQ" {
        targets.append(.testTarget(name: "\(lib.name)Tests", dependencies: [.byName(name: lib.name)] + lib.local.map { .byName(name: $0) },
                                   resources: ["JSON", "VectorKernels"].contains(lib.name) ? [] : [.copy("Fixtures")]))
    }
}
if wanted.contains("rnn-kernel") {
    targets.append(.executableTarget(name: "rnn-kernel",
                                     dependencies: ["Jupyter", "RNNLang", "Store", "RNN", "Plot", "JSON", argumentParser, crypto],
                                     swiftSettings: avx2Define))
}

let package = Package(
    name: "rnn-kernel",
    platforms: [.macOS(.v13)],
    products: wanted.contains("rnn-kernel") ? [.executable(name: "rnn-kernel", targets: ["rnn-kernel"])] : [],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // 4.x needs only FoundationEssentials, which keeps the idle kernel small.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: targets
)
