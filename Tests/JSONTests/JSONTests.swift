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

    func testListsOfNumbersAreHeldAsDoublesAndEqualTheirArrays() throws {
        let v = try JSON.parse("[1, -2.5, 3e2]")
        guard case let .numbers(d) = v else { return XCTFail("expected .numbers, found \(v)") }
        XCTAssertEqual(d, [1, -2.5, 300])
        XCTAssertEqual(v, JSON.array([1, -2.5, 300]))
        XCTAssertEqual(JSON.array([1, -2.5, 300]), v)
        XCTAssertNotEqual(v, JSON.array([1, -2.5]))
        XCTAssertEqual(v.arrayValue, [.number(1), .number(-2.5), .number(300)])
        XCTAssertEqual(v.arrayCount, 3)
        XCTAssertEqual(v.serialized(), "[1,-2.5,300]")
        XCTAssertEqual(v.serialized(pretty: true), "[1, -2.5, 300]")
        // A list that turns out to hold something else becomes an array of values, in order.
        let mixed = try JSON.parse(#"[1, 2, "x", 3]"#)
        guard case let .array(items) = mixed else { return XCTFail("expected .array, found \(mixed)") }
        XCTAssertEqual(items, [1, 2, "x", 3])
        XCTAssertNil(mixed.doublesValue)
        XCTAssertEqual(JSON.array([1, 2]).doublesValue, [1, 2])
        guard case .array([]) = try JSON.parse("[]") else { return XCTFail("[] should stay an empty array") }
        XCTAssertEqual(try JSON.parse("[[1,2],[3]]")["x"], nil)
        XCTAssertEqual(try JSON.parse("[[1,2],[3]]").arrayValue?.map(\.doublesValue), [[1, 2], [3]])
        // Malformed numbers inside a list fail as they did outside one.
        XCTAssertThrowsError(try JSON.parse("[1, 01]"))
        XCTAssertThrowsError(try JSON.parse("[1, -]"))
        XCTAssertThrowsError(try JSON.parse("[1, 2"))
        XCTAssertThrowsError(try JSON.parse("[1 2]"))
    }

    func testMaxBytesCountsWhatTheValuesTake() throws {
        // Outer array 24 + 32, three rows of 24 + 32 + 3 × 8: 296 bytes; the last number passes 295.
        let rows = "[[1,2,3],[4,5,6],[7,8,9]]"
        XCTAssertNoThrow(try JSON.parse(rows, maxBytes: 296))
        XCTAssertThrowsError(try JSON.parse(rows, maxBytes: 295)) { e in
            XCTAssertEqual(e as? JSONLimitError, JSONLimitError(limit: 295, offset: 22))
        }
        // Each empty array takes a slot and its storage: 56 bytes, against 3 bytes of text.
        XCTAssertThrowsError(try JSON.parse("[" + Array(repeating: "[]", count: 100).joined(separator: ",") + "]", maxBytes: 5000)) { e in
            XCTAssertTrue(e is JSONLimitError)
        }
        // Members: a slot, a key; a string longer than 15 bytes its own storage.
        XCTAssertNoThrow(try JSON.parse(#"{"a":null}"#, maxBytes: 56 + 16 + 24))
        XCTAssertThrowsError(try JSON.parse(#"{"a":null}"#, maxBytes: 56 + 16 + 23))
        XCTAssertNoThrow(try JSON.parse(#""0123456789abcdef""#, maxBytes: 24 + 32 + 16))
        XCTAssertThrowsError(try JSON.parse(#""0123456789abcdef""#, maxBytes: 24 + 32 + 15))
        // Numbers take a slot each once a list stops being one of numbers.
        XCTAssertNoThrow(try JSON.parse("[1,2,3]", maxBytes: 56 + 24))
        XCTAssertThrowsError(try JSON.parse(#"[1,2,3,"x"]"#, maxBytes: 56 + 24 * 3)) { e in XCTAssertTrue(e is JSONLimitError) }
        XCTAssertNoThrow(try JSON.parse(#"[1,2,3,"x"]"#, maxBytes: 56 + 24 * 4))
    }
}
