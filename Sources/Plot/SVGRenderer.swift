#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws charts as self-contained SVG. Text and axes use `currentColor` so they follow a light or
/// dark theme; series use mid-luminance colours that read on both.
public enum SVGRenderer {
    static let palette = ["#3b82f6", "#f97316", "#22a35a", "#e0457b", "#8b5cf6", "#0fa5a5", "#c29a0c", "#8a8a8a"]
    /// Sequential ramp (dark violet to yellow) and diverging ramp (blue, pale grey at 0, red).
    static let sequential: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    static let diverging: [(Double, Double, Double)] = [(33, 102, 172), (146, 197, 222), (240, 240, 240), (244, 165, 130), (178, 24, 43)]
    static let charWidth = 7.0

    /// One chart as an `<svg>` document `width` × `height` user units.
    public static func render(_ chart: Chart, width: Int = 640, height: Int = 400) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(max(60, width))\" height=\"\(max(60, height))\""
            + body(chart, width: Double(max(60, width)), height: Double(max(60, height)), id: "ramp") + "</svg>"
    }

    /// Small multiples: charts in a grid `columns` wide, each `width` × `height`.
    public static func render(_ charts: [Chart], columns: Int, width: Int = 400, height: Int = 260) -> String {
        let columns = max(1, min(columns, charts.count)), gridRows = (charts.count + columns - 1) / columns
        let w = Double(max(60, width)), h = Double(max(60, height))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(w * Double(columns))) \(n(h * Double(gridRows)))\" width=\"\(n(w * Double(columns)))\" height=\"\(n(h * Double(gridRows)))\">"
        for (i, chart) in charts.enumerated() {
            out += "<svg x=\"\(n(w * Double(i % columns)))\" y=\"\(n(h * Double(i / columns)))\" width=\"\(n(w))\" height=\"\(n(h))\""
            out += body(chart, width: w, height: h, id: "ramp\(i)") + "</svg>"
        }
        return out + "</svg>"
    }

    /// Attributes of the opening tag (after the name) through the last child, without the closing tag.
    /// `id` names the colour ramp gradient, unique within one document.
    static func body(_ chart: Chart, width w: Double, height h: Double, id: String) -> String {
        let chart = chart.mappingText { $0 }
        var out = " viewBox=\"0 0 \(n(w)) \(n(h))\" font-family=\"sans-serif\" font-size=\"12\">"
        if let title = chart.title { out += "<title>\(escapeHTML(title))</title>" }
        switch chart.kind {
        case let .lines(series): out += lines(chart, series, w, h)
        case let .heatmap(map): out += heatmap(chart, map, w, h, id: id)
        }
        return out
    }

    // MARK: Line charts

    static func lines(_ chart: Chart, _ series: [Series], _ w: Double, _ h: Double) -> String {
        var layout = LineLayout(chart, series: series, xTicks: 2, yTicks: max(2, Int(h / 50)))
        let yLabels = layout.y.ticks.map { layout.y.label($0) }
        let left = 10 + (chart.yLabel == nil ? 0 : 18) + Double(yLabels.map(\.count).max() ?? 1) * charWidth + 8
        let right = 16.0
        // Legend entries flow in rows under the x axis.
        var legend: [(x: Double, row: Int, k: Int, name: String)] = []
        if series.count > 1 {
            var x = left, row = 0
            for (k, s) in series.enumerated() {
                let name = s.name.isEmpty ? "series \(k + 1)" : s.name
                let itemWidth = 26 + Double(name.count) * charWidth + 14
                if x + itemWidth > w - right, x > left { x = left; row += 1 }
                legend.append((x, row, k, name))
                x += itemWidth
            }
        }
        let legendRows = legend.map(\.row).max().map { $0 + 1 } ?? 0
        let top = 10 + (chart.title == nil ? 0 : 24.0)
        let bottom = 10 + 18 + (chart.xLabel == nil ? 0 : 18) + Double(legendRows) * 18
        let pw = max(10, w - left - right), ph = max(10, h - top - bottom)
        layout.x = LineLayout(chart, series: series, xTicks: max(2, Int(pw / 70)), yTicks: 2).x

        var out = header(chart, w: w, left: left, top: top, pw: pw, ph: ph)
        func px(_ f: Double) -> Double { left + f * pw }
        func py(_ f: Double) -> Double { top + (1 - f) * ph }
        // Grid lines and tick labels.
        out += "<g class=\"grid\" stroke=\"currentColor\" stroke-opacity=\"0.15\">"
        for t in layout.y.ticks { let y = py(layout.y.position(t)); out += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + pw))\" y2=\"\(n(y))\"/>" }
        for t in layout.x.ticks { let x = px(layout.x.position(t)); out += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + ph))\"/>" }
        out += "</g><g class=\"ticks\" fill=\"currentColor\">"
        for (t, label) in zip(layout.y.ticks, yLabels) {
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(py(layout.y.position(t)) + 4))\" text-anchor=\"end\">\(escapeHTML(label))</text>"
        }
        for t in layout.x.ticks {
            out += "<text x=\"\(n(px(layout.x.position(t))))\" y=\"\(n(top + ph + 16))\" text-anchor=\"middle\">\(escapeHTML(layout.x.label(t)))</text>"
        }
        out += "</g>"
        if let note = layout.note {
            out += "<text class=\"note\" x=\"\(n(left + pw / 2))\" y=\"\(n(top + ph / 2))\" text-anchor=\"middle\" fill=\"currentColor\">\(escapeHTML(note))</text>"
        }
        // One path a series; a gap in the data starts a new subpath.
        let pixels = max(1, Int(pw))
        for (k, s) in series.enumerated() {
            let colour = palette[k % palette.count]
            var d = "", dots = ""
            for run in layout.runs(s, pixelsX: pixels, pixelsY: 1000) {
                for (i, p) in run.enumerated() {
                    d += (i == 0 ? "M" : "L") + n(left + p.x / Double(max(1, pixels - 1)) * pw) + " " + n(top + p.y / 999 * ph)
                }
                if run.count == 1 {
                    dots += "<circle cx=\"\(n(left + run[0].x / Double(max(1, pixels - 1)) * pw))\" cy=\"\(n(top + run[0].y / 999 * ph))\" r=\"2.5\" fill=\"\(colour)\"/>"
                }
            }
            out += "<path class=\"series\" data-name=\"\(escapeHTML(s.name))\" d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.75\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>" + dots
        }
        if !legend.isEmpty {
            out += "<g class=\"legend\" fill=\"currentColor\">"
            let y0 = top + ph + 18 + (chart.xLabel == nil ? 0 : 18) + 14
            for item in legend {
                let y = y0 + Double(item.row) * 18
                out += "<line x1=\"\(n(item.x))\" y1=\"\(n(y - 4))\" x2=\"\(n(item.x + 20))\" y2=\"\(n(y - 4))\" stroke=\"\(palette[item.k % palette.count])\" stroke-width=\"3\"/>"
                out += "<text x=\"\(n(item.x + 26))\" y=\"\(n(y))\">\(escapeHTML(item.name))</text>"
            }
            out += "</g>"
        }
        return out
    }

    /// Title, axis names and the frame of the plot area.
    static func header(_ chart: Chart, w: Double, left: Double, top: Double, pw: Double, ph: Double) -> String {
        var out = ""
        if let title = chart.title {
            out += "<text class=\"title\" x=\"\(n(w / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\"currentColor\">\(escapeHTML(title))</text>"
        }
        if let x = chart.xLabel {
            out += "<text class=\"xlabel\" x=\"\(n(left + pw / 2))\" y=\"\(n(top + ph + 34))\" text-anchor=\"middle\" fill=\"currentColor\">\(escapeHTML(x))</text>"
        }
        if let y = chart.yLabel {
            out += "<text class=\"ylabel\" transform=\"translate(16 \(n(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"currentColor\">\(escapeHTML(y))</text>"
        }
        out += "<rect class=\"axes\" x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(pw))\" height=\"\(n(ph))\" fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.6\"/>"
        return out
    }

    // MARK: Heatmaps

    static func heatmap(_ chart: Chart, _ map: Heatmap, _ w: Double, _ h: Double, id: String) -> String {
        let scale = ValueScale(map.values)
        let ramp = scale.diverging ? diverging : sequential
        // Label room in display columns (a CJK character takes two), as in the text form.
        let rowLabelChars = (0..<map.rows).map { displayWidth(map.rowLabel($0)) }.max() ?? 1
        let minLabel = NumberFormat.short(scale.lo), maxLabel = NumberFormat.short(scale.hi)
        let left = 10 + (chart.yLabel == nil ? 0 : 18) + Double(min(rowLabelChars, 16)) * charWidth + 6
        let right = 16 + 14 + 6 + Double(max(minLabel.count, maxLabel.count, 1)) * charWidth + 8.0
        let top = 10 + (chart.title == nil ? 0 : 24.0) + (map.scaleLabel == nil ? 0 : 4)
        let bottom = 28.0 + (chart.xLabel == nil ? 0 : 18)
        let pw = max(10, w - left - right), ph = max(10, h - top - bottom)
        var out = header(chart, w: w, left: left, top: top, pw: pw, ph: ph)
        guard map.rows > 0, map.cols > 0 else {
            return out + "<text class=\"note\" x=\"\(n(left + pw / 2))\" y=\"\(n(top + ph / 2))\" text-anchor=\"middle\" fill=\"currentColor\">(empty matrix)</text>"
        }
        // A matrix larger than the drawing averages blocks of cells so that no cell is under 2 units.
        let shownRows = min(map.rows, max(1, Int(ph / 2))), shownCols = min(map.cols, max(1, Int(pw / 2)))
        let cw = pw / Double(shownCols), ch = ph / Double(shownRows)
        let tooltips = shownRows * shownCols <= 2500
        out += "<g class=\"cells\" shape-rendering=\"crispEdges\">"
        for r in 0..<shownRows {
            let rows = Heatmap.slice(r, of: shownRows, count: map.rows)
            for c in 0..<shownCols {
                let cols = Heatmap.slice(c, of: shownCols, count: map.cols)
                let v = map.blockMean(rows: rows, cols: cols)
                guard !v.isNaN else { continue }  // no value: no cell, the background shows through
                out += "<rect x=\"\(n(left + Double(c) * cw))\" y=\"\(n(top + Double(r) * ch))\" width=\"\(n(cw + 0.05))\" height=\"\(n(ch + 0.05))\" fill=\"\(colour(ramp, scale.fraction(v)))\""
                out += tooltips ? "><title>\(escapeHTML(map.rowLabel(rows.lowerBound))), \(escapeHTML(map.colLabel(cols.lowerBound))): \(NumberFormat.short(v))</title></rect>" : "/>"
            }
        }
        out += "</g><g class=\"ticks\" fill=\"currentColor\">"
        // Labels every k-th row/column so that they do not overlap.
        let rowEvery = max(1, Int((14 / ch).rounded(.up)))
        for r in stride(from: 0, to: shownRows, by: rowEvery) {
            let label = map.rowLabel(Heatmap.slice(r, of: shownRows, count: map.rows).lowerBound)
            // A label cut to the margin keeps its whole word in a tooltip.
            let shown = displayWidth(label) > 16 ? TextRenderer.clip(label, 15) + "…" : label
            let tip = shown == label ? "" : "<title>\(escapeHTML(label))</title>"
            out += "<text x=\"\(n(left - 5))\" y=\"\(n(top + (Double(r) + 0.5) * ch + 4))\" text-anchor=\"end\">\(tip)\(escapeHTML(shown))</text>"
        }
        let widest = Double((0..<map.cols).map { displayWidth(map.colLabel($0)) }.max() ?? 1) * charWidth + 6
        let colEvery = max(1, Int((widest / cw).rounded(.up)))
        for c in stride(from: 0, to: shownCols, by: colEvery) {
            let label = map.colLabel(Heatmap.slice(c, of: shownCols, count: map.cols).lowerBound)
            out += "<text x=\"\(n(left + (Double(c) + 0.5) * cw))\" y=\"\(n(top + ph + 16))\" text-anchor=\"middle\">\(escapeHTML(label))</text>"
        }
        out += "</g>"
        // Colour bar: a vertical gradient from the top (max) to the bottom (min).
        let bx = left + pw + 16
        out += "<defs><linearGradient id=\"\(id)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for i in 0..<ramp.count {
            let f = Double(i) / Double(ramp.count - 1)
            out += "<stop offset=\"\(n(f))\" stop-color=\"\(colour(ramp, f))\"/>"
        }
        out += "</linearGradient></defs><g class=\"colorbar\" fill=\"currentColor\">"
        out += "<rect x=\"\(n(bx))\" y=\"\(n(top))\" width=\"14\" height=\"\(n(ph))\" fill=\"url(#\(id))\" stroke=\"currentColor\" stroke-opacity=\"0.4\"/>"
        out += "<text x=\"\(n(bx + 20))\" y=\"\(n(top + 10))\">\(escapeHTML(maxLabel))</text>"
        out += "<text x=\"\(n(bx + 20))\" y=\"\(n(top + ph))\">\(escapeHTML(minLabel))</text>"
        if scale.diverging { out += "<text x=\"\(n(bx + 20))\" y=\"\(n(top + ph / 2 + 4))\">0</text>" }
        if let label = map.scaleLabel {
            out += "<text x=\"\(n(bx + 7))\" y=\"\(n(top - 6))\" text-anchor=\"middle\">\(escapeHTML(label))</text>"
        }
        return out + "</g>"
    }

    /// `#rrggbb` at position 0...1 along a ramp of colour stops.
    static func colour(_ ramp: [(Double, Double, Double)], _ f: Double) -> String {
        let x = (f.isNaN ? 0.5 : min(1, max(0, f))) * Double(ramp.count - 1)
        let i = min(ramp.count - 2, Int(x)), t = x - Double(i)
        let a = ramp[i], b = ramp[i + 1]
        func hex(_ v: Double) -> String {
            let b = Int((v).rounded())
            let digits = Array("0123456789abcdef")
            return String([digits[b / 16], digits[b % 16]])
        }
        return "#" + hex(a.0 + (b.0 - a.0) * t) + hex(a.1 + (b.1 - a.1) * t) + hex(a.2 + (b.2 - a.2) * t)
    }

    /// A coordinate with at most two decimals.
    @inline(__always) static func n(_ v: Double) -> String { NumberFormat.short(v, decimals: 2) }
}
