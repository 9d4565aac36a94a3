import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Plot

/// Collects the elements of an SVG document with their attributes and text.
final class SVGCollector: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String]; var text = "" }
    var elements: [Element] = []
    private var open: [Int] = []
    var error: Error?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        open.append(elements.count - 1)
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if let i = open.last { elements[i].text += string } }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

    static func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> SVGCollector {
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        return collector
    }

    func named(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
    }
    var texts: [String] { named("text").map(\.text) }
}

final class SVGTests: XCTestCase {
    func testEveryChartIsWellFormedAndSelfContained() {
        for (name, chart) in Samples.all {
            let svg = SVGRenderer.render(chart)
            let doc = SVGCollector.parse(svg)
            XCTAssertEqual(doc.elements.first?.name, "svg", name)
            XCTAssertEqual(doc.elements.first?.attributes["viewBox"], "0 0 640 400", name)
            XCTAssertFalse(svg.contains("href"), "\(name) refers to nothing outside")
            let values = doc.elements.flatMap { $0.attributes.values }
            XCTAssertFalse(values.contains { $0.contains("nan") || $0.contains("inf") }, "\(name) has no non-finite numbers")
        }
    }

    func testLineChartHasTitleAxesTicksLegendAndOnePathPerSeries() {
        let doc = SVGCollector.parse(SVGRenderer.render(Samples.loss))
        XCTAssertEqual(doc.named("text", class: "title").map(\.text), ["training loss"])
        XCTAssertEqual(doc.named("text", class: "xlabel").map(\.text), ["epoch"])
        XCTAssertEqual(doc.named("text", class: "ylabel").map(\.text), ["loss"])
        XCTAssertEqual(doc.named("rect", class: "axes").count, 1)
        let paths = doc.named("path", class: "series")
        XCTAssertEqual(paths.count, 2)
        XCTAssertNotEqual(paths[0].attributes["stroke"], paths[1].attributes["stroke"])
        XCTAssertTrue(doc.texts.contains("train") && doc.texts.contains("valid"), "legend entries")
        XCTAssertTrue(doc.texts.contains("0") && doc.texts.contains("29"), "x tick labels, the last point included")
        XCTAssertTrue(doc.texts.contains("2"), "y tick labels")
    }

    func testGapsStartNewSubpathsAndSinglePointsGetADot() {
        let gaps = SVGCollector.parse(SVGRenderer.render(Samples.gaps)).named("path", class: "series")[0]
        XCTAssertEqual(gaps.attributes["d"]?.filter { $0 == "M" }.count, 4)
        let single = SVGCollector.parse(SVGRenderer.render(Samples.single))
        XCTAssertEqual(single.named("circle").count, 1)
    }

    func testLongSeriesIsDownsampledToTheWidth() {
        let svg = SVGRenderer.render(Samples.long)
        let d = SVGCollector.parse(svg).named("path", class: "series")[0].attributes["d"] ?? ""
        let points = d.filter { $0 == "L" || $0 == "M" }.count
        XCTAssertGreaterThan(points, 500)
        XCTAssertLessThan(points, 4 * 640)
        XCTAssertLessThan(svg.utf8.count, 60_000)
    }

    func testHeatmapHasOneRectPerCellAndAColourBar() {
        let doc = SVGCollector.parse(SVGRenderer.render(Samples.hidden))
        let cells = doc.elements.filter { $0.name == "rect" && $0.attributes["fill"]?.hasPrefix("#") == true }
        XCTAssertEqual(cells.count, 6 * 12)
        XCTAssertEqual(doc.named("linearGradient").count, 1)
        XCTAssertTrue(doc.texts.contains("-0.964") && doc.texts.contains("0.964") && doc.texts.contains("h_t"))
        XCTAssertTrue(doc.texts.contains("unit 1") && doc.texts.contains("unit 6"), "row labels")
        // Diverging: the middle of the ramp is pale, the ends are blue and red.
        XCTAssertEqual(SVGRenderer.colour(SVGRenderer.diverging, 0.5), "#f0f0f0")
        XCTAssertEqual(SVGRenderer.colour(SVGRenderer.diverging, 0), "#2166ac")
    }

    func testTextIsEscaped() {
        let chart = Chart(title: "a < b & \"c\"", xLabel: "x'", kind: .lines([Series("<s1>", y: [1, 2]), Series("s&2", y: [2, 1])]))
        let svg = SVGRenderer.render(chart)
        let doc = SVGCollector.parse(svg)
        XCTAssertEqual(doc.named("text", class: "title").first?.text, "a < b & \"c\"")
        XCTAssertTrue(doc.texts.contains("<s1>") && doc.texts.contains("s&2"))
        let map = Chart(kind: .heatmap(Heatmap([[1]], rowLabels: ["<r>"], colLabels: ["&c"], scaleLabel: "\"v\"")))
        XCTAssertTrue(SVGCollector.parse(SVGRenderer.render(map)).texts.contains("<r>"))
    }

    func testHeatmapLabelsAreMeasuredInDisplayColumns() {
        func axesX(_ rows: [String]) -> Double {
            let chart = Chart(yLabel: "output", kind: .heatmap(Heatmap([[1, 2], [3, 4]], rowLabels: rows, colLabels: ["a", "b"])))
            return Double(SVGCollector.parse(SVGRenderer.render(chart)).named("rect", class: "axes")[0].attributes["x"]!)!
        }
        // "老师" takes four columns, as "abcd" does, not two as "ab".
        XCTAssertEqual(axesX(["老师", "我"]), axesX(["abcd", "e"]))
        XCTAssertGreaterThan(axesX(["老师", "我"]), axesX(["ab", "e"]))
        // A label too long for the margin is cut with an ellipsis and keeps the whole word as a tooltip.
        let long = "跨学科合作是非常有意义的事情"
        let doc = SVGCollector.parse(SVGRenderer.render(Chart(kind: .heatmap(Heatmap([[1], [2]], rowLabels: [long, "有"])))))
        XCTAssertTrue(doc.named("title").map(\.text).contains(long))
        XCTAssertTrue(doc.texts.contains("跨学科合作是非…"), "\(doc.texts)")
    }

    func testNumbersAreShort() {
        let svg = SVGRenderer.render(Samples.loss)
        let long = svg.split(whereSeparator: { !"0123456789.".contains($0) }).filter { $0.split(separator: ".").last.map { $0.count > 3 } ?? false && $0.contains(".") }
        XCTAssertEqual(long, [])
    }

    func testSmallMultiplesNestOneSVGPerChart() {
        let svg = SVGRenderer.render([Samples.loss, Samples.hidden, Samples.gaps], columns: 2, width: 300, height: 200)
        try? svg.write(toFile: "/tmp/grid.svg", atomically: true, encoding: .utf8)
        let doc = SVGCollector.parse(svg)
        XCTAssertEqual(doc.named("svg").count, 4)
        XCTAssertEqual(doc.elements.first?.attributes["viewBox"], "0 0 600 400")
        XCTAssertEqual(doc.named("svg")[3].attributes["y"], "200")
    }
}

final class SVGPreview: XCTestCase {
    /// PLOT_PREVIEW=DIR writes sample SVGs there to be looked at (e.g. with rsvg-convert).
    func testWritePreviewsWhenAsked() throws {
        guard let dir = ProcessInfo.processInfo.environment["PLOT_PREVIEW"] else { return }
        for (name, chart) in Samples.all {
            try SVGRenderer.render(chart).write(toFile: dir + "/" + name + ".svg", atomically: true, encoding: .utf8)
        }
        try SVGRenderer.render([Samples.loss, Samples.hidden, Samples.gradients, Samples.positive], columns: 2).write(toFile: dir + "/grid.svg", atomically: true, encoding: .utf8)
    }
}

final class SVGHeatmapSizeTests: XCTestCase {
    func testLargeMatrixIsAveragedIntoBlocks() {
        let map = Heatmap(rows: 200, cols: 1000, values: (0..<200_000).map { Double($0 % 1000) })
        let svg = SVGRenderer.render(Chart(kind: .heatmap(map)), width: 640, height: 400)
        let doc = SVGCollector.parse(svg)
        let cells = doc.named("rect").filter { $0.attributes["fill"]?.hasPrefix("#") == true }
        XCTAssertLessThan(cells.count, 320 * 200)
        XCTAssertGreaterThan(cells.count, 100 * 100)
        XCTAssertEqual(cells.first?.attributes["fill"], SVGRenderer.colour(SVGRenderer.sequential, 1.5 / 999), "first block averages columns 0...3")
        XCTAssertLessThan(svg.utf8.count, 6_000_000)
    }
}
