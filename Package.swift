// swift-tools-version:5.9
import PackageDescription

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

// The training kernels are compiled once per instruction set from one set of sources
// (Sources/VectorKernelsAVX2 and Sources/VectorKernelsAVX512 are links to Sources/VectorKernelsBaseline),
// and VectorKernels chooses one at run time (docs/kernels.md).
// -O even in debug builds: SIMD code unoptimised is slower than scalar, and the tests train models.
let kernelDebug: SwiftSetting = .unsafeFlags(["-O"], .when(configuration: .debug))
// The modules around the numeric core (protocol, language, store, plots) are built for size in
// release: they are not where time goes, and a kernel maps less of its binary (idle memory).
let smallCode: SwiftSetting = .unsafeFlags(["-Osize"], .when(configuration: .release))
// The executable is position-independent, so the loader fixes up every pointer in its data at
// start-up. As RELA entries that is 1.1 MB of relocations read into each kernel; packed as RELR
// (lld; gold has no such form) it is 9 KB, and a kernel holds about 1 MB less resident.
let relativeRelocations: LinkerSetting = .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])
// The manifest runs on the building machine, so this is its architecture: arm64 builds hold
// one build of the kernels (NEON, which every arm64 processor has), x86-64 builds three.
#if arch(x86_64)
let wideKernels: [Target] = [
    .target(name: "VectorKernelsAVX2", dependencies: ["VectorKernelsInterface"],
            swiftSettings: [.define("RNNKERNEL_ISA_AVX2"), .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"]), kernelDebug]),
    .target(name: "VectorKernelsAVX512", dependencies: ["VectorKernelsInterface"],
            swiftSettings: [.define("RNNKERNEL_ISA_AVX512"),
                            .unsafeFlags(["-Xcc", "-mavx512f", "-Xcc", "-mavx512dq", "-Xcc", "-mavx512vl", "-Xcc", "-mavx2", "-Xcc", "-mfma"]),
                            kernelDebug]),
]
#else
let wideKernels: [Target] = []
#endif

let package = Package(
    name: "rnn-kernel",
    // Built and tested on Linux (which needs no line here). The sources keep Darwin paths beside
    // Glibc's, untested; macOS 15 is the oldest with the standard library's Synchronization
    // (Mutex, Atomic) and String(validating:as:). Written as a string: tools 5.9 has no .v15.
    platforms: [.macOS("15.0")],
    products: [.executable(name: "rnn-kernel", targets: ["rnn-kernel"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // 4.x needs only FoundationEssentials, which keeps the idle kernel small.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "JSON", swiftSettings: [smallCode]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "Jupyter", dependencies: ["ZeroMQ", "JSON", crypto], swiftSettings: [smallCode]),
        .target(name: "CPUFeatures"),
        .target(name: "VectorKernelsInterface"),
        .target(name: "VectorKernelsBaseline", dependencies: ["VectorKernelsInterface"], swiftSettings: [kernelDebug]),
        .target(name: "VectorKernels",
                dependencies: ["VectorKernelsInterface", "VectorKernelsBaseline", "CPUFeatures"] + wideKernels.map { .byName(name: $0.name) }),
        .target(name: "RNN", dependencies: ["VectorKernels"]),
        .target(name: "Plot", swiftSettings: [smallCode]),
        .target(name: "Store", dependencies: ["RNN", "JSON", crypto], swiftSettings: [smallCode]),
        .target(name: "RNNLang", dependencies: ["RNN", "Plot", "Store", "Jupyter", "JSON"], swiftSettings: [smallCode]),
        .executableTarget(name: "rnn-kernel",
                          dependencies: ["Jupyter", "RNNLang", "Store", "RNN", "Plot", "JSON", "VectorKernels", argumentParser, crypto],
                          linkerSettings: [relativeRelocations]),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "JupyterTests", dependencies: ["Jupyter", "ZeroMQ", "JSON"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VectorKernelsTests", dependencies: ["VectorKernels"]),
        .testTarget(name: "RNNTests", dependencies: ["RNN", "VectorKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "RNN", "JSON"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RNNLangTests", dependencies: ["RNNLang", "RNN", "Plot", "Store", "Jupyter", "JSON"],
                    resources: [.copy("Fixtures")]),
    ] + wideKernels
)
