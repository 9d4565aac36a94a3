@_exported import VectorKernelsInterface
import CPUFeatures
import VectorKernelsBaseline
#if arch(x86_64)
import VectorKernelsAVX2
import VectorKernelsAVX512
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The instruction sets the training kernels are compiled for. One binary holds every build its
/// architecture has (x86-64: baseline, avx2, avx512; arm64: neon) and runs the widest the processor
/// offers, or the one `RNNKERNEL_ISA` names. Every build gives the same bits (KernelSet).
public enum ISA: String, CaseIterable, Sendable, CustomStringConvertible {
    /// x86-64 as AMD64 defined it (SSE2; fused multiply-adds computed in software, exactly).
    case baseline
    /// AVX2 and FMA (Intel since 2013, AMD since 2015): four doubles a vector.
    case avx2
    /// AVX-512 F, DQ and VL: eight doubles a vector.
    case avx512
    /// arm64's Advanced SIMD, which every arm64 processor has (two doubles a register).
    case neon

    public var description: String { rawValue }

    /// The builds this processor can run, narrowest first.
    public static let available: [ISA] = {
        #if arch(x86_64)
        let features = rnnkernel_cpu_features()
        var isas: [ISA] = [.baseline]
        if features & RNNKERNEL_CPU_AVX2_FMA != 0 { isas.append(.avx2) }
        if features & RNNKERNEL_CPU_AVX512 != 0 { isas.append(.avx512) }
        return isas
        #elseif arch(arm64)
        return [.neon]
        #else
        return [.baseline]
        #endif
    }()

    /// The build `RNNKERNEL_ISA` asks for (unset or empty: the widest available), or why it cannot be had.
    public static func requested(_ value: String?) -> Result<ISA, ISAError> {
        guard let value, !value.isEmpty else { return .success(available.last!) }
        guard let isa = ISA(rawValue: value.lowercased()) else { return .failure(.unknown(value)) }
        guard available.contains(isa) else { return .failure(.unavailable(isa)) }
        return .success(isa)
    }

    /// What this process's RNNKERNEL_ISA asks for (`requested` of its value).
    public static var requestedByEnvironment: Result<ISA, ISAError> {
        requested(getenv("RNNKERNEL_ISA").map { String(cString: $0) })
    }

    /// The build in use: RNNKERNEL_ISA's at start-up, else the widest (also when the value is bad:
    /// the command line checks `requestedByEnvironment` first, and refuses it or says so).
    public private(set) static var current: ISA = (try? requestedByEnvironment.get()) ?? available.last!

    /// Switches every later kernel call to `isa`, which must be available. Not while kernels run:
    /// a command line calls it at start-up, tests between their runs.
    public static func use(_ isa: ISA) {
        precondition(available.contains(isa), "\(isa) is not available on this processor")
        current = isa
        table = kernels(isa)
    }

    /// The chosen build's functions: its KernelSet conformance is the table.
    static var table: any KernelSet.Type = kernels(current)

    static func kernels(_ isa: ISA) -> any KernelSet.Type {
        switch isa {
        #if arch(x86_64)
        case .avx2: return VectorKernelsAVX2.Kernels.self
        case .avx512: return VectorKernelsAVX512.Kernels.self
        #endif
        default: return VectorKernelsBaseline.Kernels.self
        }
    }

    /// Doubles in one vector of the build in use.
    public static var lanes: Int { table.lanes }

    /// "avx512 (8 doubles a vector; available: baseline, avx2, avx512)", for --version and benchmarks.
    public static var summary: String {
        "\(current) (\(lanes) doubles a vector; available: \(available.map(\.rawValue).joined(separator: ", ")))"
    }
}

/// Why `RNNKERNEL_ISA` cannot be honoured.
public enum ISAError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case unavailable(ISA)

    public var description: String {
        let choices = ISA.available.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .unknown(let value):
            return "RNNKERNEL_ISA=\(value) names no kernel build: expected one of \(ISA.allCases.map(\.rawValue).joined(separator: ", ")) (this processor runs \(choices))"
        case .unavailable(let isa):
            return "RNNKERNEL_ISA=\(isa): this processor lacks \(isa.needs); it runs \(choices)"
        }
    }
}

extension ISA {
    /// What the processor must offer, in /proc/cpuinfo's words.
    var needs: String {
        switch self {
        case .baseline: return "x86-64"
        case .avx2: return "avx2 and fma"
        case .avx512: return "avx512f, avx512dq and avx512vl"
        case .neon: return "arm64's Advanced SIMD"
        }
    }
}
