import XCTest
import RNN
import Jupyter
@testable import RNNLang

/// The help's wording as docs/reference.md prints it, and the English of the messages built around
/// names and counts.
final class HelpTextTests: XCTestCase {
    /// The sentence under the heading `### topic` in docs/reference.md.
    func referenceSentence(_ topic: String, in reference: String = Help.referenceMarkdown()) -> String? {
        guard let heading = reference.range(of: "### \(topic)\n\n") else { return nil }
        return String(reference[heading.upperBound...].prefix { $0 != "\n" })
    }

    func testFormulasAndNamesKeepTheirCaseInTheReference() {
        let reference = Help.referenceMarkdown()
        XCTAssertEqual(referenceSentence("sigmoid", in: reference), "σ(x) = 1 / (1 + e^−x), element by element.")
        XCTAssertEqual(referenceSentence("spectral_radius", in: reference), "ρ(M) = max |λ| over the eigenvalues of a square matrix.")
        XCTAssertEqual(referenceSentence("exp", in: reference), "e^x, element by element.")
        XCTAssertEqual(referenceSentence("tanh", in: reference), "tanh(x) = (e^x − e^−x) / (e^x + e^−x), element by element.")
        XCTAssertEqual(referenceSentence("relu", in: reference), "relu(x) = max(0, x), element by element.")
        XCTAssertEqual(referenceSentence("softmax", in: reference)?.hasPrefix("softmax(v)_i = "), true)
        XCTAssertEqual(referenceSentence("crf", in: reference)?.hasPrefix("crf=true: "), true)
        // Prose still starts with a capital.
        XCTAssertEqual(referenceSentence("train", in: reference), "Train a model with BPTT on a dataset.")
        XCTAssertEqual(referenceSentence("generate", in: reference)?.hasPrefix("One-to-many: "), true)
        XCTAssertEqual(referenceSentence("lr", in: reference), "Option of train: learning rate.")
        // Every summary appears as written, or with only its first letter raised on a prose word.
        for e in Help.all {
            let sentence = Help.referenceSentence(e.summary)
            XCTAssertEqual(sentence.dropFirst(), e.summary.dropFirst(), e.topic)
            if sentence != e.summary {
                let word = e.summary.prefix { $0.isLetter }
                XCTAssertTrue(word.allSatisfy { $0.isASCII && $0.isLowercase }, e.topic)
                XCTAssertFalse(MathFunctions.names.contains(String(word)), e.topic)
            }
        }
    }

    func testCapitalizingProseLeavesFormulasAndCodeAlone() {
        for kept in ["σ(x) = 1", "ρ(M)", "e^x", "tanh(x)", "crf=true: a CRF", "x_t is", "W_hh", "'help' lists", "bow(...) takes", "√x", "‖v‖", "sine(count=2)", "h0 …"] {
            XCTAssertEqual(Wording.capitalizingProse(kept), kept)
        }
        XCTAssertEqual(Wording.capitalizingProse("expected one of a, b"), "Expected one of a, b")
        XCTAssertEqual(Wording.capitalizingProse("it has W_hh"), "It has W_hh")
        XCTAssertEqual(Wording.capitalizingProse("one-to-many: x"), "One-to-many: x")
        XCTAssertEqual(Wording.capitalizingProse("a model's outputs"), "A model's outputs")
        XCTAssertEqual(Wording.capitalizingProse("lstm cell", keeping: ["lstm"]), "lstm cell")
    }

    func testTheBareExpressionHasATopicAmongTheStatements() throws {
        let body = try Help.text(for: "expression")
        XCTAssertEqual(try Help.text(for: "EXPR"), body)
        for word in ["EXPR", "execute_result", "Out[n]", "display_data", "let NAME = EXPR"] { XCTAssertTrue(body.contains(word), word) }
        // Listed with the statements, right after let, in the index and in docs/reference.md.
        let index = try Help.text(for: "")
        let statements = try XCTUnwrap(index.range(of: "Statements:")), concepts = try XCTUnwrap(index.range(of: "Cells and concepts:"))
        let block = index[statements.upperBound..<concepts.lowerBound]
        XCTAssertTrue(block.contains("\n  expression "), block.description)
        XCTAssertEqual(Help.statements.map(\.topic).firstIndex(of: "expression"), Help.statements.map(\.topic).firstIndex(of: "let").map { $0 + 1 })
        let reference = Help.referenceMarkdown()
        let section = try XCTUnwrap(reference.range(of: "## Statements")), next = try XCTUnwrap(reference.range(of: "## Cells and concepts"))
        XCTAssertTrue(reference[section.upperBound..<next.lowerBound].contains("### expression\n\nA line that is just an expression shows its value: EXPR.\n"))
        XCTAssertTrue(complete(code: "help expr", cursor: 9, context: SessionState()).matches.contains("expression"))
    }

    /// What the expression topic says is what the kernel does: a value on an earlier line is displayed,
    /// the last line's is the cell's result, and nothing is bound or logged.
    func testTheBareExpressionBehavesAsItsHelpSays() throws {
        let e = Evaluator()
        let sink = RecordingSink()
        let r = try e.run("let xs = [1, 2, 3]\nxs * 2\ntanh(0.5)", output: sink)
        XCTAssertEqual(sink.events, ["[2, 4, 6]"])
        XCTAssertEqual(r.result?["text/plain"], "0.46211715726000974")
        XCTAssertEqual(e.state.log.count, 1)  // the let only
        XCTAssertEqual(Set(e.state.values.keys), ["xs"])
        XCTAssertEqual(try e.run("\"hello\"", output: sink).result?["text/plain"], "\"hello\"")
        XCTAssertEqual(try e.run("[[0.5, 0], [0, 0.5]]", output: sink).result?["text/plain"], "[[0.5, 0], [0, 0.5]]")
        XCTAssertThrowsError(try e.run("copy(count=1, length=2, seed=1)", output: sink))
        XCTAssertNotNil(try e.run("let d = copy(count=1, length=2, seed=1)\nd", output: sink).result?["text/html"])
    }
}

/// help rnn, help lstm and help gru name every parameter a cell of that kind has, with its shape.
final class CellHelpTests: XCTestCase {
    func parameterNames(_ definition: String) throws -> [String] {
        let e = Evaluator()
        _ = try e.run("cell m = " + definition, output: RecordingSink())
        return try XCTUnwrap(e.model(named: "m")).model.parameterNames
    }

    func testEachKindListsItsParametersByTheirRealNames() throws {
        for kind in ["rnn", "lstm", "gru"] {
            let body = try Help.text(for: kind)
            for bias in ["true", "single"] {
                for name in try parameterNames("\(kind)(input=3, hidden=2, bias=\(bias))") {
                    XCTAssertTrue(body.range(of: "\\b\(name)\\b", options: .regularExpression) != nil, "help \(kind) does not name \(name) (bias=\(bias))")
                }
            }
            for name in try parameterNames("\(kind)(input=3, hidden=2, output=1, embed=4, layers=2, bidirectional=true)") {
                let base = name.replacingOccurrences(of: "_l1", with: "").replacingOccurrences(of: "_reverse", with: "")
                XCTAssertTrue(body.contains(base), "help \(kind): \(name)")
            }
            for shape in ["H×I", "H×H", "H each", "O×H", "V×E", "_l1", "_reverse"] { XCTAssertTrue(body.contains(shape), "help \(kind): \(shape)") }
        }
        let lstm = try Help.text(for: "lstm")
        XCTAssertTrue(lstm.contains("W_xi W_hi b_xi b_hi   W_xf W_hf b_xf b_hf   W_xg W_hg b_xg b_hg   W_xo W_ho b_xo b_ho"))
        XCTAssertEqual(try parameterNames("lstm(input=3, hidden=2)"),
                       "W_xi W_hi b_xi b_hi W_xf W_hf b_xf b_hf W_xg W_hg b_xg b_hg W_xo W_ho b_xo b_ho".split(separator: " ").map(String.init))
        let gru = try Help.text(for: "gru")
        XCTAssertTrue(gru.contains("W_xr W_hr b_xr b_hr   W_xz W_hz b_xz b_hz   W_xn W_hn b_xn b_hn"))
        XCTAssertTrue(gru.contains("bias=single: b_r, b_z, b_xn, b_hn"))
        XCTAssertEqual(try parameterNames("gru(input=3, hidden=2, bias=single)"), ["W_xr", "W_hr", "b_r", "W_xz", "W_hz", "b_z", "W_xn", "W_hn", "b_xn", "b_hn"])
        // The textbook biases the help says read as sums are names show and set accept.
        let e = Evaluator()
        _ = try e.run("cell m = lstm(input=3, hidden=2)\ncell g = gru(input=3, hidden=2)", output: RecordingSink())
        for p in ["b_i", "b_f", "b_g", "b_o"] { XCTAssertNotNil(e.model(named: "m")?.model.readable(p), p) }
        for p in ["b_r", "b_z"] { XCTAssertNotNil(e.model(named: "g")?.model.readable(p), p) }
        XCTAssertNil(e.model(named: "g")?.model.readable("b_n"))
    }
}

/// The help points at what a reader has, and help cell names every kind the cell statement takes.
final class HelpPointerTests: XCTestCase {
    func testNoHelpTextPointsAtAMissingDesignDocument() {
        XCTAssertFalse(Help.referenceMarkdown().contains("language.md"))
        for e in Help.all { XCTAssertFalse(e.body.contains("language.md") || e.summary.contains("language.md"), e.topic) }
    }

    func testHelpCellListsEveryCellKind() throws {
        let summary = try XCTUnwrap(Help.entry("cell")).summary
        XCTAssertEqual(summary, "define (or redefine) a model: cell NAME = rnn|lstm|gru|seq2seq|bow(...)")
        let body = try Help.text(for: "cell")
        for kind in CellKindSpec.all.map(\.name) {
            XCTAssertTrue(summary.contains(kind), kind)
            XCTAssertTrue(body.contains("cell NAME = \(kind)("), kind)
            // Each kind the summary lists is one the statement accepts.
            XCTAssertNoThrow(try Parser.parse("cell m = \(kind)(hidden=2)"), kind)
        }
    }
}
