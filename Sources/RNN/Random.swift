/// The project's one random generator: SplitMix64 (Steele, Lea and Flood, 2014), so a seed gives the
/// same numbers on every machine and every run. Uniform doubles take the top 53 bits; normal values
/// use the Box–Muller transform (both values of each pair are used, cos first, then sin).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    private var spareNormal: Double?

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits over 2^53.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Standard normal by Box–Muller: u1 in (0, 1], u2 in [0, 1); r = sqrt(-2 ln u1); cos, then sin.
    public mutating func normal() -> Double {
        if let s = spareNormal {
            spareNormal = nil
            return s
        }
        let u1 = 1.0 - uniform()
        let u2 = uniform()
        let r = (-2.0 * log(u1)).squareRoot()
        spareNormal = r * sin(2.0 * Double.pi * u2)
        return r * cos(2.0 * Double.pi * u2)
    }

    /// A uniform integer in 0..<n, without modulo bias (Lemire's method).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, below(i + 1)) } }
        return p
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
