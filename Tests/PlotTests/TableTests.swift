import XCTest
@testable import Plot

final class TableTests: XCTestCase {
    func testTextTableAlignsAndCountsWideCharacters() {
        let t = Table(title: "demo", headers: ["name", "n"], rows: [["α", "1"], ["你好", "22"]], footer: ["total", "23"], alignments: [.left, .right])
        XCTAssertEqual(t.renderText(), """
            demo
            +-------+----+
            | name  |  n |
            +-------+----+
            | α     |  1 |
            | 你好  | 22 |
            +-------+----+
            | total | 23 |
            +-------+----+
            """)
    }

    func testHTMLEscapesCells() {
        let html = Table(headers: ["<a>"], rows: [["x & \"y\""]]).renderHTML()
        XCTAssertTrue(html.contains("<th style=\"text-align:left\">&lt;a&gt;</th>"))
        XCTAssertTrue(html.contains("x &amp; &quot;y&quot;"))
        XCTAssertFalse(html.contains("<a>"))
    }

    func testNumberFormats() {
        XCTAssertEqual(NumberFormat.short(4), "4")
        XCTAssertEqual(NumberFormat.short(-0.00001), "-1e-05")
        XCTAssertEqual(NumberFormat.short(0.12345678), "0.1235")
        XCTAssertEqual(NumberFormat.short(-0.0), "0")
        XCTAssertEqual(NumberFormat.short(2.5e12), "2.5e+12")
        XCTAssertEqual(NumberFormat.short(.nan), "nan")
        XCTAssertEqual(NumberFormat.vector([1, 2.5, -1.0 / 3]), "[1, 2.5, -0.3333]")
        XCTAssertEqual(NumberFormat.fixed(-1.005, decimals: 1), "-1.0")
        XCTAssertEqual(NumberFormat.exponent(123456, digits: 2), "1.23e+05")
    }
}

final class TableEdgeTests: XCTestCase {
    func testCellsWithNewlinesStayOnOneLine() {
        let text = Table(headers: ["a"], rows: [["x\ny\tz"]]).renderText()
        XCTAssertTrue(text.contains("| x\\ny\\tz |"))
        XCTAssertEqual(text.split(separator: "\n").count, 5)
    }

    func testRowsLongerOrShorterThanHeadersKeepEveryCell() {
        let t = Table(headers: ["a"], rows: [["1", "extra"], []], alignments: [.right])
        XCTAssertEqual(t.renderText(), """
            +---+-------+
            | a |       |
            +---+-------+
            | 1 | extra |
            |   |       |
            +---+-------+
            """)
        XCTAssertTrue(t.renderHTML().contains("<td style=\"text-align:left\">extra</td>"))
        XCTAssertTrue(t.renderHTML().contains("<td style=\"text-align:right\">1</td>"))
    }

    func testEmptyTableDoesNotCrash() {
        XCTAssertEqual(Table(title: "t", headers: [], rows: []).renderText(), "t\n(empty table)")
        XCTAssertTrue(Table(headers: [], rows: []).renderHTML().hasPrefix("<table"))
    }

    func testHTMLHasHeadBodyFootAndCaption() {
        let html = Table(title: "runs & <models>", headers: ["n"], rows: [["1"], ["2"]], footer: ["3"], alignments: [.right]).renderHTML()
        XCTAssertTrue(html.contains("<caption>runs &amp; &lt;models&gt;</caption>"))
        XCTAssertTrue(html.contains("<thead><tr><th style=\"text-align:right\">n</th></tr></thead>"))
        XCTAssertTrue(html.contains("<tbody><tr><td style=\"text-align:right\">1</td></tr><tr><td style=\"text-align:right\">2</td></tr></tbody>"))
        XCTAssertTrue(html.contains("<tfoot><tr><th style=\"text-align:right\">3</th></tr></tfoot>"))
    }

    func testDisplayWidth() {
        XCTAssertEqual(displayWidth("abc"), 3)
        XCTAssertEqual(displayWidth("你好"), 4)
        XCTAssertEqual(displayWidth("e\u{301}"), 1, "combining accent takes no column")
        XCTAssertEqual(displayWidth("⠿─"), 2)
    }

    func testSignificantDigits() {
        XCTAssertEqual(NumberFormat.significant(0.000123456, digits: 3), "0.000123")
        XCTAssertEqual(NumberFormat.significant(123456, digits: 3), "123000")
        XCTAssertEqual(NumberFormat.significant(1.23456, digits: 3), "1.23")
        XCTAssertEqual(NumberFormat.significant(-2, digits: 3), "-2")
        XCTAssertEqual(NumberFormat.significant(0.5, digits: 1), "0.5")
        XCTAssertEqual(NumberFormat.significant(1.5e-9, digits: 2), "1.5e-09")
        XCTAssertEqual(NumberFormat.significant(0), "0")
        XCTAssertEqual(NumberFormat.significant(.infinity), "inf")
    }
}
