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
