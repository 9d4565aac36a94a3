import XCTest
@testable import JSON

final class JSONTests: XCTestCase {
    func testRoundTripKeepsKeyOrderAndValues() throws {
        let text = #"{"b":1,"a":[true,false,null],"c":{"x":"y\n\"z\""},"d":-2.5,"e":1e-3}"#
        let v = try JSON.parse(text)
        XCTAssertEqual(v.objectValue?.map(\.key), ["b", "a", "c", "d", "e"])
        XCTAssertEqual(v["d"]?.doubleValue, -2.5)
        XCTAssertEqual(v["e"]?.doubleValue, 0.001)
        XCTAssertEqual(v["c"]?["x"]?.stringValue, "y\n\"z\"")
        XCTAssertEqual(try JSON.parse(v.serialized()), v)
        XCTAssertEqual(v.serialized(), #"{"b":1,"a":[true,false,null],"c":{"x":"y\n\"z\""},"d":-2.5,"e":0.001}"#)
    }

    func testNumbersPrintShortestAndIntegralWithoutFraction() {
        XCTAssertEqual(JSON.format(4), "4")
        XCTAssertEqual(JSON.format(-0.0), "-0")
        XCTAssertEqual(JSON.format(0.1), "0.1")
        XCTAssertEqual(JSON.format(1.0 / 3.0), "0.3333333333333333")
        XCTAssertEqual(Double(JSON.format(0.1 + 0.2)), 0.1 + 0.2)
        XCTAssertEqual(JSON.format(.nan), "null")
        XCTAssertEqual(JSON.format(1e20), "1e+20")
    }

    func testUnicodeEscapesAndSurrogates() throws {
        XCTAssertEqual(try JSON.parse(#""\u00e9\ud83d\ude00""#).stringValue, "é😀")
        XCTAssertThrowsError(try JSON.parse(#""\ud83d""#))
        XCTAssertThrowsError(try JSON.parse(#""\ude00x""#))
        XCTAssertEqual(JSON.string("\u{01}").serialized(), #""\u0001""#)
    }

    func testStringsSerializeWithEveryEscapeBesideMultiByteCharacters() throws {
        XCTAssertEqual(JSON.string("é\"😀\\\nπ\u{1F}x\t").serialized(), #""é\"😀\\\nπ\u001fx\t""#)
        XCTAssertEqual(JSON.string("").serialized(), #""""#)
        XCTAssertEqual(JSON.string("plain ascii, no escapes").serialized(), #""plain ascii, no escapes""#)
        // Every control character, escaped, reads back as itself.
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init))) + "\"\\/\u{7F}ü"
        let text = JSON.string(controls).serialized()
        XCTAssertFalse(text.utf8.dropFirst().dropLast().contains { $0 < 0x20 })
        XCTAssertEqual(try JSON.parse(text).stringValue, controls)
    }

    func testMalformedInputIsRejectedWithOffset() {
        let bad = ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "[1] 2", "{\"a\":1,}", "\"\t\"", "nul", "1e"]
        for text in bad {
            XCTAssertThrowsError(try JSON.parse(text), "accepted \(text)") { error in
                XCTAssertTrue(error is JSONParseError)
            }
        }
        XCTAssertThrowsError(try JSON.parse(bytes: [0x22, 0xFF, 0x22]))  // invalid UTF-8
    }

    func testDeepNestingIsRefusedNotCrashed() {
        let deep = String(repeating: "[", count: 100_000)
        XCTAssertThrowsError(try JSON.parse(deep))
    }

    func testIntValueAndSubscriptSetter() {
        var v: JSON = ["n": 3, "f": 2.5]
        XCTAssertEqual(v["n"]?.intValue, 3)
        XCTAssertNil(v["f"]?.intValue)
        v["n"] = "x"
        v["new"] = true
        v["f"] = nil
        XCTAssertEqual(v.serialized(), #"{"n":"x","new":true}"#)
    }

    func testObjectEqualityIgnoresOrder() throws {
        XCTAssertEqual(try JSON.parse(#"{"a":1,"b":2}"#), try JSON.parse(#"{"b":2,"a":1}"#))
        XCTAssertNotEqual(try JSON.parse(#"{"a":1}"#), try JSON.parse(#"{"a":2}"#))
    }

    func testPrettyKeepsScalarArraysOnOneLine() throws {
        let v: JSON = ["W": [[1, 2], [3, 4]]]
        XCTAssertEqual(v.serialized(pretty: true), "{\n  \"W\": [\n    [1, 2],\n    [3, 4]\n  ]\n}")
        XCTAssertEqual(try JSON.parse(v.serialized(pretty: true)), v)
    }
}
