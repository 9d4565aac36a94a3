/// Number formatting for tables and axis ticks.
public enum NumberFormat {
    /// At most `decimals` digits after the point, trailing zeros dropped; integral values without
    /// a point; very large or small magnitudes in exponent form. `-0` prints as `0`.
    public static func short(_ v: Double, decimals: Int = 4) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        let a = abs(v)
        if a != 0, a >= 1e9 || a < pow10(-decimals) / 2 { return exponent(v, digits: max(1, decimals - 1)) }
        let scale = pow10(decimals)
        var r = (v * scale).rounded() / scale
        if r == 0 { r = 0 }  // no "-0"
        if r == r.rounded() { return String(Int64(r)) }
        var text = fixed(r, decimals: decimals)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `digits` significant digits, trailing zeros dropped: 0.000123456 -> "0.000123", 123456 -> "123456".
    public static func significant(_ v: Double, digits: Int = 4) -> String {
        guard v.isFinite, v != 0 else { return short(v) }
        let digits = max(1, digits)
        let magnitude = Int(log10(abs(v)).rounded(.down))
        if magnitude >= 15 || magnitude < -6 { return exponent(v, digits: digits - 1) }
        if magnitude >= digits - 1 {
            // Round away the digits past the significant ones; the integer part prints whole.
            let scale = pow10(magnitude - digits + 1)
            return short((v / scale).rounded() * scale, decimals: 0)
        }
        return short(v, decimals: digits - 1 - magnitude)
    }

    /// `[1, 2.5, -0.3333]`: a vector with each entry in `short` form.
    public static func vector(_ v: [Double], decimals: Int = 4) -> String {
        "[" + v.map { short($0, decimals: decimals) }.joined(separator: ", ") + "]"
    }

    /// Fixed-point text with exactly `decimals` digits after the point.
    public static func fixed(_ v: Double, decimals: Int) -> String {
        if !v.isFinite { return short(v) }
        let negative = v < 0
        let scale = pow10(decimals)
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e18 else { return exponent(v, digits: decimals) }
        let whole = UInt64(scaled) / UInt64(scale)
        let frac = UInt64(scaled) % UInt64(scale)
        var text = String(whole)
        if decimals > 0 {
            let f = String(frac)
            text += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return (negative && scaled != 0 ? "-" : "") + text
    }

    /// `1.5e-07`-style text with `digits` digits after the point of the mantissa.
    public static func exponent(_ v: Double, digits: Int) -> String {
        guard v != 0, v.isFinite else { return short(v) }
        var e = Int((log10(abs(v))).rounded(.down))
        var m = v / pow10(e)
        if abs((m * pow10(digits)).rounded()) >= 10 * pow10(digits) { m /= 10; e += 1 }
        var mantissa = fixed(m, decimals: digits)
        while mantissa.contains("."), mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
        return mantissa + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    }

    static func pow10(_ n: Int) -> Double {
        var r = 1.0
        if n >= 0 { for _ in 0..<n { r *= 10 } } else { for _ in 0..<(-n) { r /= 10 } }
        return r
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
