/// The vector this build of the kernels computes with: eight doubles where the module is compiled
/// for AVX-512 (RNNKERNEL_ISA_AVX512), four elsewhere (one AVX register, or two SSE2 or NEON ones).
/// The same sources are compiled once per instruction set (VectorKernelsAVX2 and VectorKernelsAVX512
/// are links to this directory), so this alias and the compiler flags are all that differ.
#if RNNKERNEL_ISA_AVX512
typealias V = SIMD8<Double>
typealias VBits = SIMD8<UInt64>
#else
typealias V = SIMD4<Double>
typealias VBits = SIMD4<UInt64>
#endif

/// Doubles in one V (a constant wherever it is inlined).
@inline(__always)
var lanes: Int { V.scalarCount }

/// A V from p, which need not be aligned.
@inline(__always)
func loadV(_ p: UnsafePointer<Double>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

/// A V to p, which need not be aligned.
@inline(__always)
func storeV(_ v: V, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Four doubles from p, which need not be aligned.
@inline(__always)
func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

/// Four doubles to p, which need not be aligned.
@inline(__always)
func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// Any vector of doubles from p, which need not be aligned (the generic kernels' loads).
@inline(__always)
func loadW<W: SIMD>(_ p: UnsafePointer<Double>, _: W.Type) -> W where W.Scalar == Double {
    UnsafeRawPointer(p).loadUnaligned(as: W.self)
}

/// Any vector of doubles to p, which need not be aligned.
@inline(__always)
func storeW<W: SIMD>(_ v: W, _ p: UnsafeMutablePointer<Double>) where W.Scalar == Double {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: W.self)
}
