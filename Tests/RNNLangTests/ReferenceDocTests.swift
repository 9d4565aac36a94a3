import XCTest
import Foundation
@testable import RNNLang

/// docs/reference.md is the help text, word for word. RNNKERNEL_RECORD=1 rewrites it.
final class ReferenceDocTests: XCTestCase {
    func testReferenceMatchesHelp() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/reference.md").standardized
        let expected = Help.referenceMarkdown()
        if ProcessInfo.processInfo.environment["RNNKERNEL_RECORD"] == "1" {
            try expected.write(to: path, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOf: path, encoding: .utf8)
        XCTAssertEqual(onDisk, expected, "docs/reference.md is out of date: run RNNKERNEL_RECORD=1 swift test --filter ReferenceDocTests")
        for statement in statementKeywords where statement != "quit" {  // quit is exit's other name
            XCTAssertTrue(onDisk.contains("### \(statement)\n"), statement)
        }
        for dataset in datasetNames { XCTAssertTrue(onDisk.contains("### \(dataset)\n"), dataset) }
    }
}
