/// The vector this build of the kernels computes with: eight doubles where the module is compiled
/// for AVX-512 (RNNKERNEL_ISA_AVX512), four elsewhere (one AVX register, or two SSE2 or NEON ones).
/// The same sources are compiled once per instruction set (VectorKernelsAVX2 and VectorKernelsAVX512
/// are links to this directory), so this alias and the compiler flags are all that differ.
///
/// V2, two V registers, is the vector of the activations and the forward cell steps. An activation
/// is one chain of some twenty dependent operations ending in a division, and LLVM emits each
/// chain whole however the source interleaves them; one register wide, Zen 4's scheduler filled
/// with waiting operations and ran under two instructions a cycle. A V2's operations are split
/// into pairs side by side, two chains at every step (the lstm step 12–16% faster with AVX2 and
/// 0–5% with AVX-512, the gru step 22% and 5%, tanh over a row 33% and 39%). Lane by lane the
/// operations are the same, so the bits are. The backward steps (no chains, no divisions) stay
/// one register wide, which keeps their tails short.
#if RNNKERNEL_ISA_AVX512
typealias V = SIMD8<Double>
typealias VBits = SIMD8<UInt64>
typealias V2 = SIMD16<Double>
typealias V2Bits = SIMD16<UInt64>
#else
typealias V = SIMD4<Double>
typealias VBits = SIMD4<UInt64>
typealias V2 = SIMD8<Double>
typealias V2Bits = SIMD8<UInt64>
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
