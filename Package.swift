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
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let library: [(name: String, deps: [Target.Dependency], local: [String], settings: [SwiftSetting])] = [
    ("JSON", [], [], []),
    ("ZeroMQ", ["CZeroMQ"], ["CZeroMQ"], []),
    ("Jupyter", ["ZeroMQ", "JSON", crypto], ["ZeroMQ", "JSON"], []),
    ("RNN", [], [], fast),
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
                                   resources: lib.name == "JSON" ? [] : [.copy("Fixtures")]))
    }
}
if wanted.contains("rnn-kernel") {
    targets.append(.executableTarget(name: "rnn-kernel",
                                     dependencies: ["Jupyter", "RNNLang", "Store", "RNN", "Plot", "JSON", argumentParser, crypto]))
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
