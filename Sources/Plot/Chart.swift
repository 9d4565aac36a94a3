#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a line chart: y values against x values (indices 0, 1, ... when x is nil).
/// NaN and infinite values (and values <= 0 on a log scale) leave a gap in the line.
public struct Series: Equatable, Sendable {
    public var name: String
    public var x: [Double]?
    public var y: [Double]

    public init(_ name: String = "", x: [Double]? = nil, y: [Double]) {
        self.name = name
        self.x = x
        self.y = y
    }

    /// The x of point `i`: the given x when there is one for that index, else the index.
    @inline(__always) func xValue(_ i: Int) -> Double {
        if let x, i < x.count { return x[i] }
        return Double(i)
    }
}

/// A matrix drawn as coloured (SVG) or shaded (text) cells: `rows` × `cols`, row-major in `values`.
public struct Heatmap: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// Row-major, `rows * cols` entries; NaN marks a cell with no value.
    public private(set) var values: [Double]
    public var rowLabels: [String]
    public var colLabels: [String]
    /// What the colour stands for, shown next to the scale (e.g. "h_t" or "W_hh").
    public var scaleLabel: String?

    /// Rows of values; a row shorter than the longest is padded with NaN (drawn as "no value").
    public init(_ matrix: [[Double]], rowLabels: [String] = [], colLabels: [String] = [], scaleLabel: String? = nil) {
        let cols = matrix.map(\.count).max() ?? 0
        var values = [Double](repeating: .nan, count: matrix.count * cols)
        for (r, row) in matrix.enumerated() { for (c, v) in row.enumerated() { values[r * cols + c] = v } }
        self.init(rows: matrix.count, cols: cols, values: values, rowLabels: rowLabels, colLabels: colLabels, scaleLabel: scaleLabel)
    }

    /// Row-major values; missing entries become NaN and extra entries are ignored.
    public init(rows: Int, cols: Int, values: [Double], rowLabels: [String] = [], colLabels: [String] = [], scaleLabel: String? = nil) {
        self.rows = max(0, rows)
        self.cols = max(0, cols)
        let n = self.rows * self.cols
        self.values = values.count == n ? values : Array(values.prefix(n)) + [Double](repeating: .nan, count: max(0, n - values.count))
        self.rowLabels = rowLabels
        self.colLabels = colLabels
        self.scaleLabel = scaleLabel
    }

    @inline(__always) public subscript(r: Int, c: Int) -> Double { values[r * cols + c] }

    /// Mean of the finite values in rows r0..<r1 and columns c0..<c1, NaN when there are none.
    func blockMean(rows r: Range<Int>, cols c: Range<Int>) -> Double {
        var sum = 0.0, n = 0
        for i in r { for j in c { let v = values[i * cols + j]; if v.isFinite { sum += v; n += 1 } } }
        return n == 0 ? .nan : sum / Double(n)
    }

    /// The i-th of `parts` nearly equal slices of 0..<count.
    static func slice(_ i: Int, of parts: Int, count: Int) -> Range<Int> {
        let a = i * count / parts
        return a..<max(a + 1, (i + 1) * count / parts)
    }

    func rowLabel(_ r: Int) -> String { r < rowLabels.count ? rowLabels[r] : String(r) }
    func colLabel(_ c: Int) -> String { c < colLabels.count ? colLabels[c] : String(c) }
}

/// What a chart draws.
public enum ChartKind: Equatable, Sendable {
    case lines([Series])
    case heatmap(Heatmap)
}

/// A chart description that both `TextRenderer` and `SVGRenderer` draw.
public struct Chart: Equatable, Sendable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    /// Line charts only: y on a base-10 log scale.
    public var logY: Bool
    public var kind: ChartKind

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, logY: Bool = false, kind: ChartKind) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.kind = kind
    }
}

/// Character set of the text renderer.
public enum ChartStyle: String, Equatable, Sendable {
    /// 7-bit ASCII glyphs (frames, shades, markers, math symbols spelled out): safe in any terminal and file.
    /// The user's words (labels, names) are drawn as written, Chinese included.
    case ascii
    /// Braille dots (2×4 per cell) for lines, block shades for heatmaps, box-drawing frames.
    case unicode
}

// MARK: - Scales

/// A numeric axis: the drawn range and tick positions, in log10 units when `log` is set.
struct Scale {
    var lo: Double
    var hi: Double
    var ticks: [Double]
    var log: Bool
    var decimals: Int

    /// Where a raw value falls, 0 at `lo` and 1 at `hi`; nil when it cannot be drawn.
    @inline(__always) func fraction(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        let t: Double
        if log {
            guard v > 0 else { return nil }
            t = log10(v)
        } else {
            t = v
        }
        return position(t)
    }

    /// 0...1 place of a value already in axis units (a tick); written so that no difference overflows.
    @inline(__always) func position(_ t: Double) -> Double {
        let span = hi - lo
        if span.isFinite { return t / span - lo / span }
        // Round ticks past ±8e307 (an axis from -1e308 to 1e308) make the span itself overflow: halves
        // are exact and cannot, and t / inf would put every point at 0 (a flat line).
        let half = hi / 2 - lo / 2
        return (t / 2) / half - (lo / 2) / half
    }

    func label(_ t: Double) -> String {
        guard log else { return NumberFormat.short(t, decimals: decimals) }
        let e = Int(t.rounded())
        return (-3...4).contains(e) ? NumberFormat.short(NumberFormat.pow10(e), decimals: max(0, -e)) : "1e\(e)"
    }

    /// A linear scale over [min, max] widened to round tick values; `integral` keeps ticks on whole numbers;
    /// `tight` keeps the data range (an x axis should not run past the last point) with ticks inside it.
    static func linear(_ minValue: Double, _ maxValue: Double, maxTicks: Int, integral: Bool = false, tight: Bool = false) -> Scale {
        var lo = minValue, hi = maxValue
        if !(lo.isFinite && hi.isFinite) || lo > hi { lo = 0; hi = 1 }
        // Near the ends of Double the span would overflow; such data still draws, clipped to the frame.
        lo = max(lo, -8e307)
        hi = min(hi, 8e307)
        if lo == hi {
            let d = integral || lo == 0 ? 1 : abs(lo) * 0.1
            lo -= d
            hi += d
        }
        if !(hi - lo).isFinite { return Scale(lo: lo, hi: hi, ticks: [lo, hi], log: false, decimals: 0) }
        var step = niceStep((hi - lo) / Double(max(1, maxTicks - 1)))
        if integral { step = max(1, step.rounded(.up)) }
        guard step.isFinite, step > 0 else { return Scale(lo: lo, hi: hi, ticks: [lo, hi], log: false, decimals: 4) }
        let first = (lo / step).rounded(tight ? .up : .down), last = (hi / step).rounded(tight ? .down : .up)
        if !tight {
            lo = first * step
            hi = last * step
        }
        // Subnormal steps can make the tick count overflow: such an axis gets its two ends only.
        let count = (last - first).isFinite && abs(last - first) < 1e6 ? Int(last - first) : -1
        var ticks: [Double] = []
        if count < 0 {
            ticks = [lo, hi]
        } else if count <= 100 {
            for i in 0...count {
                let t = (first + Double(i)) * step
                ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            }
        } else {
            ticks = [lo, hi]
        }
        // A tight axis also labels its ends when they are not crowded by a round tick.
        if tight, let a = ticks.first, let b = ticks.last {
            if a - lo > step / 2 { ticks.insert(lo, at: 0) }
            if hi - b > step / 2 { ticks.append(hi) }
        }
        let decimals = max(0, -Int(log10(step).rounded(.down)) + (isHalfStep(step) ? 1 : 0))
        return Scale(lo: lo, hi: hi, ticks: ticks, log: false, decimals: min(decimals, 12))
    }

    /// A log10 scale over the positive range [min, max], ticks at powers of ten.
    static func logarithmic(_ minValue: Double, _ maxValue: Double, maxTicks: Int) -> Scale {
        var lo = log10(minValue).rounded(.down), hi = log10(maxValue).rounded(.up)
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if lo == hi { hi += 1 }
        let count = Int(hi - lo) + 1
        let every = max(1, (count + maxTicks - 1) / max(1, maxTicks))
        // Counted down from the top so that the largest power is always labelled.
        var ticks: [Double] = []
        var e = hi
        while e >= lo { ticks.insert(e, at: 0); e -= Double(every) }
        return Scale(lo: lo, hi: hi, ticks: ticks, log: true, decimals: 0)
    }

    /// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = NumberFormat.pow10(Int(log10(raw).rounded(.down)))
        let f = raw / magnitude
        let nice: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// 2.5 × 10^k needs one more decimal than its power of ten.
    private static func isHalfStep(_ step: Double) -> Bool {
        let m = step / NumberFormat.pow10(Int(log10(step).rounded(.down)))
        return abs(m - 2.5) < 1e-9
    }
}

/// Scales and drawable runs of a line chart, shared by both renderers.
struct LineLayout {
    var x: Scale
    var y: Scale
    /// Why nothing is drawn, when nothing can be.
    var note: String?

    init(_ chart: Chart, series: [Series], xTicks: Int, yTicks: Int) {
        var xMin = Double.infinity, xMax = -Double.infinity, yMin = Double.infinity, yMax = -Double.infinity
        // Whole-number x values (indices, steps, epochs) keep whole-number ticks.
        var implicitX = true
        for s in series {
            for i in s.y.indices {
                let xv = s.xValue(i), yv = s.y[i]
                guard xv.isFinite, yv.isFinite, !chart.logY || yv > 0 else { continue }
                if xv != xv.rounded() { implicitX = false }
                xMin = min(xMin, xv); xMax = max(xMax, xv)
                yMin = min(yMin, yv); yMax = max(yMax, yv)
            }
        }
        if xMin > xMax {
            note = series.allSatisfy({ $0.y.isEmpty }) ? "(no data)"
                : chart.logY ? "(no positive finite values for a log scale)" : "(no finite values)"
            x = .linear(0, 1, maxTicks: xTicks, integral: implicitX, tight: true)
            y = chart.logY ? .logarithmic(1, 10, maxTicks: yTicks) : .linear(0, 1, maxTicks: yTicks)
            return
        }
        x = .linear(xMin, xMax, maxTicks: xTicks, integral: implicitX, tight: true)
        y = chart.logY ? .logarithmic(yMin, yMax, maxTicks: yTicks) : .linear(yMin, yMax, maxTicks: yTicks)
    }

    /// The unbroken runs of a series in pixel space (x right, y down, 0...pixelsX-1 × 0...pixelsY-1).
    /// A run with many more points than pixel columns keeps only the first, lowest, highest and last
    /// point of each column, which draws the same picture.
    func runs(_ s: Series, pixelsX: Int, pixelsY: Int) -> [[(x: Double, y: Double)]] {
        let sx = Double(max(1, pixelsX - 1)), sy = Double(max(1, pixelsY - 1))
        var out: [[(x: Double, y: Double)]] = []
        var run: [(x: Double, y: Double)] = []
        func flush() {
            if !run.isEmpty { out.append(run.count > 4 * pixelsX ? Self.downsample(run) : run) }
            run.removeAll(keepingCapacity: true)
        }
        for i in s.y.indices {
            guard let fx = x.fraction(s.xValue(i)), let fy = y.fraction(s.y[i]), fx.isFinite, fy.isFinite else { flush(); continue }
            run.append((fx * sx, (1 - fy) * sy))
        }
        flush()
        return out
    }

    /// First, min, max and last point of each pixel column, in their original order.
    static func downsample(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = []
        var start = 0
        while start < points.count {
            let column = points[start].x.rounded()
            var end = start, lo = start, hi = start
            while end + 1 < points.count, points[end + 1].x.rounded() == column {
                end += 1
                if points[end].y < points[lo].y { lo = end }
                if points[end].y > points[hi].y { hi = end }
            }
            var keep = [start, lo, hi, end]
            keep.sort()
            var last = -1
            for k in keep where k != last { out.append(points[k]); last = k }
            start = end + 1
        }
        return out
    }
}

/// Value range of a heatmap: symmetric about 0 (diverging) when values have both signs.
struct ValueScale {
    var lo: Double
    var hi: Double
    var diverging: Bool

    init(_ values: [Double]) {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        if lo > hi { lo = 0; hi = 0 }
        lo = max(lo, -8e307)  // keeps hi - lo finite
        hi = min(hi, 8e307)
        diverging = lo < 0 && hi > 0
        if diverging {
            let m = max(-lo, hi)
            lo = -m
            hi = m
        }
        self.lo = lo
        self.hi = hi
    }

    /// 0...1 position of a value on the scale; 0.5 for a constant matrix.
    @inline(__always) func fraction(_ v: Double) -> Double {
        hi > lo ? (min(max(v, lo), hi) - lo) / (hi - lo) : 0.5
    }
}
