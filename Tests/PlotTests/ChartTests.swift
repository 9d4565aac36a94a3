import XCTest
import Foundation
@testable import Plot

/// Charts used by the golden snapshots and the SVG checks.
enum Samples {
    static let loss = Chart(title: "training loss", xLabel: "epoch", yLabel: "loss", kind: .lines([
        Series("train", y: (0..<30).map { 2.0 * exp(-Double($0) / 8) + 0.1 }),
        Series("valid", y: (0..<30).map { 2.2 * exp(-Double($0) / 10) + 0.3 }),
    ]))
    static let gradients = Chart(title: "gradient norm", xLabel: "t", yLabel: "|dL/dh_t|", logY: true, kind: .lines([
        Series("norm", x: (1...20).map(Double.init), y: (1...20).map { pow(0.5, Double($0)) }),
    ]))
    static let gaps = Chart(title: "with NaN & inf", kind: .lines([
        Series("s", y: [1, 2, .nan, 4, 5, .infinity, 3, 2, -.infinity, 1]),
    ]))
    static let constant = Chart(title: "constant", kind: .lines([Series("c", y: [3, 3, 3, 3])]))
    static let single = Chart(title: "one point", kind: .lines([Series("p", y: [0.5])]))
    static let long = Chart(title: "10,000 points", kind: .lines([
        Series("sin", y: (0..<10_000).map { sin(Double($0) / 500) + 0.2 * sin(Double($0)) }),
    ]))
    static let hidden = Chart(title: "hidden state", xLabel: "t", yLabel: "unit", kind: .heatmap(Heatmap(
        (0..<6).map { u in (0..<12).map { t in tanh(sin(Double(t + u)) * 2) } },
        rowLabels: (0..<6).map { "unit \($0 + 1)" }, scaleLabel: "h_t")))
    static let positive = Chart(title: "positive", kind: .heatmap(Heatmap(
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], colLabels: ["a", "b", "c", "d"], scaleLabel: "count")))

    static let all: [(String, Chart)] = [("loss", loss), ("gradients", gradients), ("gaps", gaps), ("constant", constant),
                                         ("single", single), ("long", long), ("hidden", hidden), ("positive", positive)]
}

extension XCTestCase {
    /// Compares with `Fixtures/<name>.txt`; RECORD_GOLDENS=1 rewrites the file instead.
    func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = ChartTests.fixtures.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1" {
            try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text + "\n", expected, "golden \(name) differs", file: file, line: line)
    }
}

final class ChartTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testGoldenASCII() throws {
        for (name, chart) in Samples.all {
            try assertGolden(TextRenderer.render(chart, width: 60, height: 10), "ascii-" + name)
        }
    }

    func testGoldenUnicode() throws {
        for (name, chart) in Samples.all {
            try assertGolden(TextRenderer.render(chart, width: 60, height: 8, style: .unicode), "unicode-" + name)
        }
    }

    func testGoldenSmallMultiples() throws {
        try assertGolden(TextRenderer.render([Samples.loss, Samples.gradients, Samples.positive], columns: 2, width: 80, height: 6), "ascii-grid")
    }

    func testASCIIStyleIsSevenBit() {
        for (name, chart) in Samples.all {
            let text = TextRenderer.render(chart)
            XCTAssertTrue(text.unicodeScalars.allSatisfy { $0.value < 128 }, name)
        }
    }

    func testEveryLineFitsTheWidth() {
        for (name, chart) in Samples.all {
            for style in [ChartStyle.ascii, .unicode] {
                for width in [1, 5, 10, 17, 24, 33, 40, 59, 80, 81, 120, 200] {
                    let text = TextRenderer.render(chart, width: width, height: 6, style: style)
                    for line in text.split(separator: "\n") {
                        XCTAssertLessThanOrEqual(displayWidth(String(line)), width, "\(name) \(style) width \(width): \(line)")
                    }
                }
            }
        }
        let grid = TextRenderer.render(Samples.all.map(\.1), columns: 3, width: 100, height: 5)
        XCTAssertTrue(grid.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 100 })
    }

    func testHeightIsTheNumberOfPlotRows() {
        let text = TextRenderer.render(Samples.constant, width: 40, height: 7)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasSuffix("|") && !$0.hasSuffix("+") }.count, 7)
    }

    func testLegendHasDistinctMarkersOnlyForSeveralSeries() {
        let text = TextRenderer.render(Samples.loss)
        XCTAssertTrue(text.contains("* train"))
        XCTAssertTrue(text.contains("o valid"))
        XCTAssertTrue(text.contains("o"), "second series drawn with its own marker")
        XCTAssertFalse(TextRenderer.render(Samples.constant).contains("* c"))
    }

    func testSeriesWithoutFiniteValuesSaysSo() {
        let nan = Chart(kind: .lines([Series("n", y: [.nan, .infinity])]))
        XCTAssertTrue(TextRenderer.render(nan).contains("(no finite values)"))
        let negativeOnLog = Chart(logY: true, kind: .lines([Series("n", y: [-1, 0])]))
        XCTAssertTrue(TextRenderer.render(negativeOnLog).contains("no positive finite values"))
        XCTAssertTrue(TextRenderer.render(Chart(kind: .lines([]))).contains("(no data)"))
        XCTAssertTrue(SVGRenderer.render(nan).contains("(no finite values)"))
    }

    func testLogScaleTicksArePowersOfTen() {
        let text = TextRenderer.render(Samples.gradients, width: 60, height: 10)
        XCTAssertTrue(text.contains("   1 |"))
        XCTAssertTrue(text.contains("0.01 |") && text.contains("1e-6 |"))
    }

    func testHeatmapScaleIsDivergingForMixedSigns() {
        let text = TextRenderer.render(Samples.hidden, width: 60, height: 10)
        XCTAssertTrue(text.contains("-0.964 [#=-. '+*@] 0.964  h_t"))
        XCTAssertTrue(TextRenderer.render(Samples.positive).contains("0 [ .:-=+*#%@] 11  count"))
    }

    func testLargeHeatmapIsAveragedToFit() {
        let map = Heatmap(rows: 100, cols: 300, values: (0..<30_000).map { Double($0 % 300) })
        let text = TextRenderer.render(Chart(kind: .heatmap(map)), width: 50, height: 10)
        let rows = text.split(separator: "\n").filter { $0.hasSuffix("|") }
        XCTAssertEqual(rows.count, 10)
        XCTAssertTrue(rows.allSatisfy { $0.count <= 50 })
        XCTAssertTrue(rows[0].contains(" ") && rows[0].contains("@"), "low values on the left, high on the right")
    }

    func testRaggedAndEmptyMatricesDoNotCrash() {
        let ragged = Heatmap([[1, 2, 3], [4]])
        XCTAssertEqual(ragged.cols, 3)
        XCTAssertTrue(ragged[1, 2].isNaN)
        XCTAssertTrue(TextRenderer.render(Chart(kind: .heatmap(ragged))).contains("? = no value"))
        XCTAssertTrue(TextRenderer.render(Chart(kind: .heatmap(Heatmap([])))).contains("(empty matrix)"))
        XCTAssertEqual(Heatmap(rows: 2, cols: 2, values: [1]).values.filter(\.isNaN).count, 3)
    }

    func testDownsamplingKeepsExtremesOfEachColumn() {
        let points = (0..<1000).map { (x: Double($0) / 100, y: Double($0 % 7)) }
        let kept = LineLayout.downsample(points)
        XCTAssertLessThanOrEqual(kept.count, 11 * 4)
        for column in 0...10 {
            let ys = kept.filter { $0.x.rounded() == Double(column) }.map(\.y)
            XCTAssertEqual(ys.min(), 0, "column \(column)")
            XCTAssertEqual(ys.max(), 6, "column \(column)")
        }
    }

    func testNiceScales() {
        let s = Scale.linear(0.13, 2.91, maxTicks: 4)
        XCTAssertEqual(s.ticks, [0, 1, 2, 3])
        XCTAssertEqual(Scale.linear(0, 1, maxTicks: 5).ticks.map { Scale.linear(0, 1, maxTicks: 5).label($0) }, ["0", "0.25", "0.5", "0.75", "1"])
        XCTAssertEqual(Scale.linear(0, 3, maxTicks: 10, integral: true).ticks, [0, 1, 2, 3])
        XCTAssertEqual(Scale.logarithmic(0.002, 30, maxTicks: 10).ticks, [-3, -2, -1, 0, 1, 2])
        XCTAssertEqual(Scale.logarithmic(1e-7, 1, maxTicks: 3).ticks, [-6, -3, 0])
        XCTAssertEqual(Scale.linear(5, 5, maxTicks: 3).ticks, [4.5, 5, 5.5])
    }
}

final class ScaleTests: XCTestCase {
    /// An axis widened to round ticks past the largest span (-1e308…1e308) still spreads its points:
    /// a probing helper found plot [1e308, -1e308] drawn as a flat line.
    func testAnAxisWhoseSpanOverflowsStillPlacesPoints() {
        let s = Scale.linear(-1e308, 1e308, maxTicks: 5)
        XCTAssertFalse((s.hi - s.lo).isFinite, "the case this test is for")
        XCTAssertEqual(s.position(s.lo), 0)
        XCTAssertEqual(s.position(s.hi), 1)
        XCTAssertEqual(s.position(0), 0.5, accuracy: 1e-12)
        XCTAssertGreaterThan(s.position(1e308), s.position(-1e308))
    }


    func testTightScaleKeepsTheDataRange() {
        let s = Scale.linear(0, 29, maxTicks: 4, integral: true, tight: true)
        XCTAssertEqual(s.lo, 0)
        XCTAssertEqual(s.hi, 29)
        XCTAssertEqual(s.ticks, [0, 10, 20, 29])
    }
}

final class LabelTests: XCTestCase {
    func testASCIIStyleSpellsOutMathSymbols() {
        let chart = Chart(title: "‖∂L/∂h_t‖ × 2", xLabel: "t", yLabel: "η", kind: .lines([Series("α", y: [1, 2]), Series("日本", y: [2, 1])]))
        let text = TextRenderer.render(chart)
        XCTAssertTrue(text.unicodeScalars.allSatisfy { $0.value < 128 || "日本".unicodeScalars.contains($0) })
        XCTAssertTrue(text.contains("||dL/dh_t|| x 2"))
        XCTAssertTrue(text.contains("* alpha") && text.contains("o 日本"), "a name in Chinese is kept, not turned into ?")
        XCTAssertTrue(TextRenderer.render(chart, style: .unicode).contains("‖∂L/∂h_t‖"), "unicode style keeps the symbols")
    }

    func testEmptyTitleIsDropped() {
        let chart = Chart(title: "", kind: .lines([Series(y: [1, 2])]))
        XCTAssertTrue(TextRenderer.render(chart).hasPrefix(" "), "starts with the frame, not a blank title line")
        XCTAssertFalse(SVGRenderer.render(chart).contains("class=\"title\""))
    }

    func testWholeNumberXValuesKeepWholeTicks() {
        let chart = Chart(kind: .lines([Series(x: [1, 2], y: [3, 1])]))
        let ticks = TextRenderer.render(chart, width: 60, height: 5).split(separator: "\n").last!
        XCTAssertEqual(ticks.split(separator: " "), ["1", "2"])
    }
}

final class ExtremeValueTests: XCTestCase {
    func testHugeTinyAndNegativeZeroValuesDrawWithoutCrashing() {
        let cases: [[Double]] = [[1.7e308, -1.7e308], [.greatestFiniteMagnitude, .greatestFiniteMagnitude], [1e-300, 2e-300],
                                 [-0.0, 0.0], [5e-324, 1], [.nan], [], [-.infinity, .infinity], [1e15, 1e15 + 1]]
        for ys in cases {
            for logY in [false, true] {
                let chart = Chart(logY: logY, kind: .lines([Series("s", y: ys), Series("t", x: ys, y: ys)]))
                for style in [ChartStyle.ascii, .unicode] {
                    let text = TextRenderer.render(chart, width: 50, height: 6, style: style)
                    XCTAssertTrue(text.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 50 }, "\(ys)")
                }
                _ = SVGCollector.parse(SVGRenderer.render(chart))
            }
            let map = Chart(kind: .heatmap(Heatmap([ys, ys.reversed()])))
            XCTAssertFalse(TextRenderer.render(map, width: 40).isEmpty)
            _ = SVGCollector.parse(SVGRenderer.render(map))
        }
    }
}

/// Heatmaps whose labels are words, as `plot attention` draws them: every word shown whole, in either style,
/// with the columns aligned by display width (a CJK character takes two columns).
final class WordLabelTests: XCTestCase {
    static let weights: [[Double]] = [[0.9, 0.05, 0.02, 0.02, 0.01], [0.1, 0.6, 0.2, 0.05, 0.05], [0.05, 0.1, 0.7, 0.1, 0.05],
                                      [0.02, 0.03, 0.05, 0.1, 0.8], [0.2, 0.2, 0.2, 0.2, 0.2]]
    /// English source words across, Chinese output words down (en -> zh).
    static let enZh = Chart(title: "attention of tr", xLabel: "source", yLabel: "output", kind: .heatmap(Heatmap(
        weights, rowLabels: ["我", "妈妈", "是", "老师", "<eos>"], colLabels: ["my", "mother", "is", "a", "teacher"], scaleLabel: "attention")))
    /// Chinese source words across (zh -> en), one of them long.
    static let zhEn = Chart(title: "attention", xLabel: "source", yLabel: "output", kind: .heatmap(Heatmap(
        weights, rowLabels: ["my", "mother", "is", "a", "teacher"], colLabels: ["我", "的", "妈妈", "是", "中学数学老师"], scaleLabel: "attention")))

    /// Column (display width) at which `word` starts in `line`, nil when absent.
    func column(of word: String, in line: String) -> Int? {
        guard let r = line.range(of: word) else { return nil }
        return displayWidth(String(line[..<r.lowerBound]))
    }

    /// The plot rows (between the frame's verticals) and the line of labels under the frame.
    func parts(_ text: String, style: ChartStyle) -> (rows: [String], ticks: String, frameStart: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let corner = style == .unicode ? "└" : "+"
        let bottom = lines.lastIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(corner) }!
        let bar = style == .unicode ? "│" : "|"
        let rows = lines.filter { $0.hasSuffix(bar) }
        return (rows, lines[bottom + 1], column(of: corner, in: lines[bottom])! + 1)
    }

    func testChineseWordsAreKeptInBothStyles() {
        for style in [ChartStyle.ascii, .unicode] {
            let text = TextRenderer.render(Self.enZh, width: 80, height: 16, style: style)
            XCTAssertFalse(text.contains("?"), "\(style): no word replaced by ?\n\(text)")
            for word in ["我", "妈妈", "是", "老师", "<eos>", "my", "mother", "is", "a", "teacher"] {
                XCTAssertTrue(text.contains(word), "\(style): \(word) missing\n\(text)")
            }
        }
        let ascii = TextRenderer.render(Self.enZh)
        let words = Set("我妈是老师".unicodeScalars)
        XCTAssertTrue(ascii.unicodeScalars.allSatisfy { $0.value < 128 || words.contains($0) }, "ASCII glyphs apart from the words")
    }

    func testRowsAlignByDisplayWidth() {
        for style in [ChartStyle.ascii, .unicode] {
            let (rows, _, frameStart) = parts(TextRenderer.render(Self.enZh, style: style), style: style)
            XCTAssertEqual(rows.count, 5)
            let bar = style == .unicode ? "│" : "|"
            for row in rows {
                XCTAssertEqual(column(of: bar, in: row), frameStart - 1, "\(style): frame at the same column\n\(row)")
                XCTAssertEqual(displayWidth(row), displayWidth(rows[0]), "\(style): \(row)")
            }
        }
    }

    func testEverySourceWordSitsUnderItsColumn() {
        // One row of alternating 0 and 1 shows where each column's cell starts and ends.
        for words in [["my", "mother", "is", "a", "teacher"], ["我", "的", "妈妈", "是", "中学数学老师"], ["3", "1", "4", "1", "5"]] {
            let chart = Chart(xLabel: "source", kind: .heatmap(Heatmap([[0, 1, 0, 1, 0]], rowLabels: ["老师"], colLabels: words)))
            for style in [ChartStyle.ascii, .unicode] {
                for width in [40, 60, 80, 100] {
                    let text = TextRenderer.render(chart, width: width, style: style)
                    let (rows, ticks, frameStart) = parts(text, style: style)
                    // Cells: runs of the same character in the plot row.
                    let row = Array(rows[0]), bar: Character = style == .unicode ? "│" : "|"
                    let plot = Array(row[(row.firstIndex(of: bar)! + 1)..<row.lastIndex(of: bar)!])
                    var cells: [Range<Int>] = []
                    for (i, ch) in plot.enumerated() {
                        if i > 0, plot[i - 1] == ch { cells[cells.count - 1] = cells[cells.count - 1].lowerBound..<(i + 1) } else { cells.append(i..<(i + 1)) }
                    }
                    XCTAssertEqual(cells.count, words.count, "\(style) width \(width)\n\(text)")
                    guard cells.count == words.count else { continue }
                    var from = ticks.startIndex
                    for (c, word) in words.enumerated() {
                        guard let r = ticks.range(of: word, range: from..<ticks.endIndex) else {
                            XCTFail("\(style) width \(width): \(word) missing under the chart\n\(text)"); break
                        }
                        let start = displayWidth(String(ticks[..<r.lowerBound])) - frameStart
                        let end = start + displayWidth(word)
                        XCTAssertTrue(cells[c].contains(start) && end <= cells[c].upperBound,
                                      "\(style) width \(width): \(word) at \(start)..<\(end), cell \(cells[c])\n\(text)")
                        from = r.upperBound
                    }
                    XCTAssertTrue(text.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= width }, "\(style) width \(width)")
                }
            }
        }
    }

    func testGoldenAttentionChart() throws {
        try assertGolden(TextRenderer.render(Self.enZh), "ascii-attention-zh")
        try assertGolden(TextRenderer.render(Self.enZh, style: .unicode), "unicode-attention-zh")
        try assertGolden(TextRenderer.render(Self.zhEn, width: 40), "ascii-attention-zh-narrow")
        let numbered = Chart(title: "attention", xLabel: "source", yLabel: "output", kind: .heatmap(Heatmap(
            Self.weights, rowLabels: ["跨学科合作是非常有意义的事情", "有", "意义", "的", "<eos>"],
            colLabels: ["interdisciplinary", "collaboration", "一个很长很长的中文词语", "is", "rewarding"], scaleLabel: "attention")))
        try assertGolden(TextRenderer.render(numbered, width: 50), "ascii-attention-numbered")
    }

    func testWordsTooManyToFitAcrossAreNumberedWithALegend() {
        let words = ["interdisciplinary", "collaboration", "一个很长很长的中文词语", "is", "extraordinarily", "rewarding"]
        let rowWords = ["跨学科合作是非常有意义的事情真的", "有", "<eos>"]
        let chart = Chart(title: "t", xLabel: "source", yLabel: "output", kind: .heatmap(Heatmap(
            (0..<3).map { r in (0..<6).map { Double(r + $0) } }, rowLabels: rowWords, colLabels: words)))
        for style in [ChartStyle.ascii, .unicode] {
            let text = TextRenderer.render(chart, width: 60, style: style)
            XCTAssertTrue(text.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 60 }, text)
            XCTAssertFalse(text.contains("?"), text)
            let ticks = parts(text, style: style).ticks
            XCTAssertEqual(ticks.split(separator: " "), ["1", "2", "3", "4", "5", "6"], text)
            XCTAssertTrue(text.contains("source: 1 interdisciplinary   2 collaboration"), text)
            for (i, w) in words.enumerated() { XCTAssertTrue(text.contains("\(i + 1) \(w)"), "\(w)\n\(text)") }
            XCTAssertTrue(text.contains("output: 1 跨学科合作是非常有意义的事情真的   2 有") && text.contains("3 <eos>"), text)
            let rows = parts(text, style: style).rows
            XCTAssertEqual(rows.map { $0.split(separator: " ").first.map(String.init) }, ["1", "2", "3"])
        }
        // A word wider than the whole chart continues on the next line, nothing cut off.
        let huge = String(repeating: "长", count: 40)
        let one = Chart(xLabel: "source", kind: .heatmap(Heatmap([[1, 2, 3]], colLabels: [huge, "b", "c"])))
        let text = TextRenderer.render(one, width: 30)
        XCTAssertTrue(text.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= 30 }, text)
        XCTAssertEqual(text.filter { $0 == "长" }.count, 40, text)
    }

    func testWordChartsFitEveryWidth() {
        let long = Chart(xLabel: "source", yLabel: "output", kind: .heatmap(Heatmap(
            Self.weights, rowLabels: ["跨学科合作是非常有意义的事情", "有", "é", "a", "<eos>"], colLabels: ["我", "的", "一个很长很长的中文词语", "是", "teacher"])))
        for chart in [Self.enZh, Self.zhEn, long] {
            for style in [ChartStyle.ascii, .unicode] {
                for width in [1, 5, 10, 17, 24, 33, 40, 59, 80, 120] {
                    let text = TextRenderer.render(chart, width: width, height: 6, style: style)
                    for line in text.split(separator: "\n") {
                        XCTAssertLessThanOrEqual(displayWidth(String(line)), width, "\(style) width \(width): \(line)")
                    }
                }
            }
        }
    }

    func testNumericAxesKeepTheirTicks() {
        // Unlabelled columns are indices: crowded ones are still dropped, as on a number axis.
        let text = TextRenderer.render(Chart(kind: .heatmap(Heatmap([(0..<40).map(Double.init)]))), width: 50)
        XCTAssertFalse(text.contains("columns:"))
    }
}
