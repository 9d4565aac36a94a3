/// Draws charts as plain text for terminals and `text/plain` outputs.
public enum TextRenderer {
    /// Markers of the series in order; the legend shows the same characters.
    static let markers: [Character] = ["*", "o", "+", "x", "#", "@", "%", "&"]
    static let asciiRamp: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
    /// Strong negative ... near zero (blank) ... strong positive.
    static let asciiDiverging: [Character] = ["#", "=", "-", ".", " ", "'", "+", "*", "@"]
    static let unicodeRamp: [Character] = [" ", "░", "▒", "▓", "█"]
    static let unicodeDiverging: [Character] = ["█", "▓", "▒", "░", " ", "·", "∘", "○", "●"]

    /// A chart in at most `width` columns per line; `height` is the number of rows of the plot area
    /// (a heatmap with more rows than that averages neighbouring rows).
    public static func render(_ chart: Chart, width: Int = 80, height: Int = 16, style: ChartStyle = .ascii) -> String {
        let width = max(1, width), height = max(2, height)
        let chart = style == .ascii ? chart.mappingText(asciiSafe) : chart.mappingText { $0 }
        let lines: [String]
        switch chart.kind {
        case let .lines(series): lines = lineChart(chart, series, width: width, height: height, style: style)
        case let .heatmap(map): lines = heatmap(chart, map, width: width, height: height, style: style)
        }
        return lines.map { clip(trimRight($0), width) }.joined(separator: "\n")
    }

    /// Small multiples: charts in a grid `columns` wide, each `width / columns` wide, rows of the grid
    /// separated by a blank line.
    public static func render(_ charts: [Chart], columns: Int, width: Int = 80, height: Int = 10, style: ChartStyle = .ascii) -> String {
        let columns = max(1, min(columns, charts.count)), gap = 2
        let cellWidth = max(1, (width - gap * (columns - 1)) / columns)
        var blocks: [String] = []
        var start = 0
        while start < charts.count {
            let group = charts[start..<min(charts.count, start + columns)].map {
                render($0, width: cellWidth, height: height, style: style).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            let rows = group.map(\.count).max() ?? 0
            var lines: [String] = []
            for r in 0..<rows {
                let parts = group.map { r < $0.count ? pad($0[r], cellWidth) : String(repeating: " ", count: cellWidth) }
                lines.append(clip(trimRight(parts.joined(separator: String(repeating: " ", count: gap))), width))
            }
            blocks.append(lines.joined(separator: "\n"))
            start += columns
        }
        return blocks.joined(separator: "\n\n")
    }

    // MARK: Line charts

    static func lineChart(_ chart: Chart, _ series: [Series], width: Int, height: Int, style: ChartStyle) -> [String] {
        let box = Box(style)
        let yTicks = max(2, height / 3 + 1)
        var layout = LineLayout(chart, series: series, xTicks: 2, yTicks: yTicks)
        // Tick labels on the left take room from the plot; measure them before laying out x.
        let yLabels = layout.y.ticks.map { layout.y.label($0) }
        let labelWidth = yLabels.map(displayWidth).max() ?? 1
        let inner = max(4, width - labelWidth - 3)
        let xLayout = LineLayout(chart, series: series, xTicks: max(2, inner / 10), yTicks: yTicks)
        layout.x = xLayout.x

        let braille = style == .unicode
        var canvas = Canvas(cols: inner, rows: height, braille: braille)
        var labelPoints: [(col: Int, row: Int, marker: Character)] = []
        for (k, s) in series.enumerated() {
            let runs = layout.runs(s, pixelsX: canvas.pixelsX, pixelsY: canvas.pixelsY)
            for run in runs {
                var previous: (Int, Int)?
                for p in run {
                    let point = (Int(p.x.rounded()), Int(p.y.rounded()))
                    if let previous { canvas.line(previous, point, owner: k) } else { canvas.set(point.0, point.1, owner: k) }
                    previous = point
                }
            }
            // Braille dots carry no marker: with several series, mark each one at its middle and end.
            if braille, series.count > 1, let last = runs.last?.last {
                let all = runs.flatMap { $0 }
                let mid = all[all.count / 2]
                let marker = markers[k % markers.count]
                for p in [mid, last] { labelPoints.append((Int(p.x.rounded()) / 2, Int(p.y.rounded()) / 4, marker)) }
            }
        }
        var grid = canvas.characters(markers: markers)
        for p in labelPoints where p.row < height && p.col < inner { grid[p.row * inner + p.col] = p.marker }
        if let note = layout.note {
            let text = Array(clip(note, inner))
            let start = (inner - text.count) / 2
            for (i, ch) in text.enumerated() { grid[(height / 2) * inner + start + i] = ch }
        }

        var lines: [String] = []
        if let title = chart.title { lines.append(center(title, width)) }
        if let yLabel = chart.yLabel { lines.append(yLabel) }
        var rowLabel = [String?](repeating: nil, count: height)
        for (t, label) in zip(layout.y.ticks, yLabels) {
            let row = Int(((1 - layout.y.position(t)) * Double(height - 1)).rounded())
            if rowLabel.indices.contains(row) { rowLabel[row] = label }
        }
        let margin = String(repeating: " ", count: labelWidth + 1)
        lines.append(margin + box.topLeft + String(repeating: box.horizontal, count: inner) + box.topRight)
        for r in 0..<height {
            let label = rowLabel[r].map { String(repeating: " ", count: labelWidth - displayWidth($0)) + $0 + " " } ?? margin
            lines.append(label + box.vertical + String(grid[(r * inner)..<((r + 1) * inner)]) + box.vertical)
        }
        lines.append(margin + box.bottomLeft + String(repeating: box.horizontal, count: inner) + box.bottomRight)
        let left = labelWidth + 2
        lines.append(tickLine(layout.x.ticks.map { t in
            (left + Int((layout.x.position(t) * Double(inner - 1)).rounded()), layout.x.label(t))
        }, width: left + inner + 1))
        if let xLabel = chart.xLabel { lines.append(String(repeating: " ", count: left) + center(xLabel, inner)) }
        if series.count > 1 {
            let items = series.enumerated().map { k, s in "\(markers[k % markers.count]) \(s.name.isEmpty ? "series \(k + 1)" : s.name)" }
            lines += wrap(items, width: width, indent: left)
        }
        return lines
    }

    // MARK: Heatmaps

    static func heatmap(_ chart: Chart, _ map: Heatmap, width: Int, height: Int, style: ChartStyle) -> [String] {
        let box = Box(style)
        let scale = ValueScale(map.values)
        let ramp = style == .unicode ? (scale.diverging ? unicodeDiverging : unicodeRamp) : (scale.diverging ? asciiDiverging : asciiRamp)
        var lines: [String] = []
        if let title = chart.title { lines.append(center(title, width)) }
        if let yLabel = chart.yLabel { lines.append(yLabel) }
        guard map.rows > 0, map.cols > 0 else {
            lines.append("(empty matrix)")
            return lines
        }
        // Several matrix rows (or columns) share a text row (column) when there are more than fit.
        let shownRows = min(map.rows, height)
        let rowWords = (0..<shownRows).map { map.rowLabel($0 * map.rows / shownRows) }
        let labelCap = max(1, width / 3)
        // Given labels are words (data): each is shown whole. A word too long for the margin numbers
        // the rows instead, with the words listed beneath the chart.
        let numberRows = shownRows == map.rows && !map.rowLabels.isEmpty && (rowWords.map(displayWidth).max() ?? 0) > labelCap
        let rowLabels = numberRows ? (1...shownRows).map(String.init) : rowWords
        let labelWidth = min(labelCap, rowLabels.map(displayWidth).max() ?? 1)
        let inner = max(1, width - labelWidth - 3)
        let shownCols = min(map.cols, inner)
        let cellWidth = shownCols == map.cols ? max(1, min(3, inner / map.cols)) : 1
        let colWords = (0..<shownCols).map { map.colLabel($0 * map.cols / shownCols) }
        var colLabels = colWords
        var cellWidths = [Int](repeating: cellWidth, count: shownCols)
        var numberCols = false, widened = false
        if shownCols == map.cols, !map.colLabels.isEmpty, !ticksFit(colLabels, cellWidth: cellWidth) {
            // A column as wide as its word and a space, so that every word fits across; when even that does
            // not fit, the columns are numbered.
            let wide = colLabels.map { max(cellWidth, displayWidth($0) + 1) }
            if wide.reduce(0, +) <= inner {
                cellWidths = wide
                widened = true
            } else {
                numberCols = true
                colLabels = (1...shownCols).map(String.init)
                let numbered = String(shownCols).count + 1
                if !ticksFit(colLabels, cellWidth: cellWidth), numbered * shownCols <= inner {
                    cellWidths = [Int](repeating: numbered, count: shownCols)
                }
            }
        }
        let plotWidth = cellWidths.reduce(0, +)

        lines.append(String(repeating: " ", count: labelWidth + 1) + box.topLeft + String(repeating: box.horizontal, count: plotWidth) + box.topRight)
        for r in 0..<shownRows {
            let rowRange = Heatmap.slice(r, of: shownRows, count: map.rows)
            var row = ""
            for c in 0..<shownCols {
                let v = map.blockMean(rows: rowRange, cols: Heatmap.slice(c, of: shownCols, count: map.cols))
                let ch: Character = v.isNaN ? "?" : ramp[min(ramp.count - 1, Int(scale.fraction(v) * Double(ramp.count)))]
                row += String(repeating: ch, count: cellWidths[c])
            }
            let label = clip(rowLabels[r], labelWidth)
            lines.append(String(repeating: " ", count: labelWidth - displayWidth(label)) + label + " " + box.vertical + row + box.vertical)
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + box.bottomLeft + String(repeating: box.horizontal, count: plotWidth) + box.bottomRight)
        let left = labelWidth + 2
        var cellStart = left
        lines.append(tickLine(colLabels.enumerated().map { c, label in
            let w = cellWidths[c], l = displayWidth(label)
            // Equal cells centre their labels; a cell sized to its word leaves the space after it.
            let col = !widened ? cellStart + (w - 1) / 2 : cellStart + (w - l) / 2 + (l - 1) / 2
            cellStart += w
            return (col, label)
        }, width: left + plotWidth + 1))
        if let xLabel = chart.xLabel { lines.append(String(repeating: " ", count: left) + center(xLabel, plotWidth)) }
        if numberCols { lines += wordList(chart.xLabel ?? "columns", colWords, width: width, indent: 2) }
        if numberRows { lines += wordList(chart.yLabel ?? "rows", rowWords, width: width, indent: 2) }
        var legend = [NumberFormat.short(scale.lo) + " [" + String(ramp) + "] " + NumberFormat.short(scale.hi)]
        if let label = map.scaleLabel { legend.append(label) }
        if scale.diverging { legend.append("(blank = 0)") }
        if map.values.contains(where: { !$0.isFinite }) { legend.append("? = no value") }
        // The scale on one line when it fits; its notes continue on the next ones otherwise.
        var line = String(repeating: " ", count: left) + legend[0]
        for part in legend.dropFirst() {
            if displayWidth(line) + 2 + displayWidth(part) > width {
                lines.append(line)
                line = String(repeating: " ", count: left) + part
            } else {
                line += "  " + part
            }
        }
        lines.append(line)
        return lines
    }

    // MARK: Pieces

    /// Spellings of common math symbols in 7-bit ASCII.
    static let asciiSpellings: [Character: String] = [
        "‖": "||", "∂": "d", "×": "x", "·": ".", "—": "-", "–": "-", "−": "-", "…": "...", "→": "->", "←": "<-",
        "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "±": "+-", "∑": "sum", "√": "sqrt", "∞": "inf", "’": "'", "‘": "'",
        "“": "\"", "”": "\"", "α": "alpha", "β": "beta", "η": "eta", "λ": "lambda", "σ": "sigma", "θ": "theta", "μ": "mu", "ε": "eps",
        "⋯": "...", "ρ": "rho", "⊙": "*", "₀": "0", "₁": "1", "₂": "2",
    ]

    /// `s` with the math symbols of titles and legends spelled in ASCII. The ASCII style limits the glyphs
    /// the chart draws; anything else (a word in Chinese, a name with accents) is the user's text and is kept.
    static func asciiSafe(_ s: String) -> String {
        guard !s.unicodeScalars.allSatisfy({ $0.value < 128 }) else { return s }
        var out = ""
        for ch in s {
            if let spelled = asciiSpellings[ch] { out += spelled } else { out.append(ch) }
        }
        return out
    }

    /// Where each label starts when centred on its column, counted in display columns (a CJK character takes
    /// two); nil for a label dropped because it would touch the one before or does not fit.
    static func tickStarts(_ ticks: [(col: Int, label: String)], width: Int) -> [Int?] {
        var free = 0
        return ticks.map { col, label in
            let w = displayWidth(label)
            let start = min(max(0, col - (w - 1) / 2), width - w)
            guard start >= free, start >= 0 else { return nil }
            free = start + w + 1
            return start
        }
    }

    /// Labels centred on their columns, left to right, each dropped if it would touch the one before.
    static func tickLine(_ ticks: [(col: Int, label: String)], width: Int) -> String {
        var line = "", used = 0
        for ((_, label), start) in zip(ticks, tickStarts(ticks, width: width)) {
            guard let start else { continue }
            line += String(repeating: " ", count: start - used) + label
            used = start + displayWidth(label)
        }
        return line + String(repeating: " ", count: max(0, width - used))
    }

    /// Whether every label of a row of cells `cellWidth` wide fits under its cell, none dropped.
    static func ticksFit(_ labels: [String], cellWidth: Int) -> Bool {
        let ticks = labels.enumerated().map { ($0.offset * cellWidth + (cellWidth - 1) / 2, $0.element) }
        return !tickStarts(ticks, width: labels.count * cellWidth + 2).contains(nil)
    }

    /// `name: 1 word   2 word …` wrapped to `width`: the words of numbered rows or columns, each in full
    /// (a word wider than a line continues on the next).
    static func wordList(_ name: String, _ words: [String], width: Int, indent: Int) -> [String] {
        let room = max(1, width - indent)
        var numbered = words.enumerated().map { "\($0.offset + 1) \($0.element)" }
        if !numbered.isEmpty { numbered[0] = name + ": " + numbered[0] }
        var items: [String] = []
        for item in numbered {
            var rest = item
            while displayWidth(rest) > room {
                let head = clip(rest, room)
                guard !head.isEmpty else { break }
                items.append(head)
                rest = String(rest.dropFirst(head.count))
            }
            items.append(rest)
        }
        return wrap(items, width: width, indent: indent)
    }

    static func wrap(_ items: [String], width: Int, indent: Int) -> [String] {
        var lines: [String] = []
        var current = String(repeating: " ", count: indent)
        var empty = true
        for item in items {
            if !empty, displayWidth(current) + 3 + displayWidth(item) > width {
                lines.append(current)
                current = String(repeating: " ", count: indent)
                empty = true
            }
            current += (empty ? "" : "   ") + item
            empty = false
        }
        if !empty { lines.append(current) }
        return lines
    }

    static func center(_ s: String, _ width: Int) -> String {
        let text = clip(s, width)
        return String(repeating: " ", count: max(0, (width - displayWidth(text)) / 2)) + text
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - displayWidth(s)))
    }

    /// The longest prefix of `s` that fits in `width` columns.
    static func clip(_ s: String, _ width: Int) -> String {
        guard displayWidth(s) > width else { return s }
        var out = "", used = 0
        for ch in s {
            let w = displayWidth(String(ch))
            if used + w > width { break }
            out.append(ch)
            used += w
        }
        return out
    }

    static func trimRight(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}

extension Chart {
    /// The chart with every label passed through `f`, and empty titles and axis names dropped.
    func mappingText(_ f: (String) -> String) -> Chart {
        func label(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : f($0) } }
        var copy = self
        copy.title = label(title)
        copy.xLabel = label(xLabel)
        copy.yLabel = label(yLabel)
        switch kind {
        case let .lines(series):
            copy.kind = .lines(series.map { var s = $0; s.name = f(s.name); return s })
        case var .heatmap(map):
            // Row and column labels are data (words, tokens): drawn as given, one line each.
            map.rowLabels = map.rowLabels.map(oneLine)
            map.colLabels = map.colLabels.map(oneLine)
            map.scaleLabel = label(map.scaleLabel)
            copy.kind = .heatmap(map)
        }
        return copy
    }
}

/// A label on one line: a newline or tab in it would break the rows of a text chart.
private func oneLine(_ s: String) -> String { s.replacingNewlines() }

/// Frame characters of a style.
struct Box {
    let topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical: String
    init(_ style: ChartStyle) {
        if style == .unicode {
            (topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical) = ("┌", "┐", "└", "┘", "─", "│")
        } else {
            (topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical) = ("+", "+", "+", "+", "-", "|")
        }
    }
}

/// The plot area of a text chart: one pixel a cell (ASCII) or 2×4 braille dots a cell.
struct Canvas {
    let cols: Int
    let rows: Int
    let braille: Bool
    /// Braille dot bits of each cell.
    var dots: [UInt8]
    /// Series that last drew in each cell, -1 for none.
    var owner: [Int]

    init(cols: Int, rows: Int, braille: Bool) {
        self.cols = cols
        self.rows = rows
        self.braille = braille
        dots = [UInt8](repeating: 0, count: cols * rows)
        owner = [Int](repeating: -1, count: cols * rows)
    }

    var pixelsX: Int { braille ? cols * 2 : cols }
    var pixelsY: Int { braille ? rows * 4 : rows }

    /// Dot bit of pixel (dx, dy) inside a braille cell, per the Unicode braille pattern layout.
    private static let bit: [UInt8] = [0x01, 0x02, 0x04, 0x40, 0x08, 0x10, 0x20, 0x80]

    @inline(__always) mutating func set(_ x: Int, _ y: Int, owner k: Int) {
        guard x >= 0, y >= 0, x < pixelsX, y < pixelsY else { return }
        let cell = braille ? (y / 4) * cols + x / 2 : y * cols + x
        if braille { dots[cell] |= Self.bit[(x & 1) * 4 + (y & 3)] }
        owner[cell] = k
    }

    /// Bresenham's line between two pixels, ends included.
    mutating func line(_ a: (Int, Int), _ b: (Int, Int), owner k: Int) {
        var (x, y) = a
        let dx = abs(b.0 - x), dy = -abs(b.1 - y)
        let sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
        var err = dx + dy
        while true {
            set(x, y, owner: k)
            if x == b.0 && y == b.1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    func characters(markers: [Character]) -> [Character] {
        (0..<(cols * rows)).map { i in
            if braille { return dots[i] == 0 ? " " : Character(Unicode.Scalar(0x2800 + UInt32(dots[i]))!) }
            return owner[i] < 0 ? " " : markers[owner[i] % markers.count]
        }
    }
}
