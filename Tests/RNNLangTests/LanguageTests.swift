import XCTest
import Jupyter
@testable import RNNLang

/// Records what a cell publishes.
final class RecordingSink: OutputSink {
    var events: [String] = []
    var text: String { events.joined(separator: "\n") }
    func stream(_ name: StreamName, _ text: String) { events.append("\(name.rawValue): \(text)") }
    func display(_ bundle: MimeBundle, displayID: String?) { events.append(bundle["text/plain"]?.stringValue ?? "") }
    func updateDisplay(_ bundle: MimeBundle, displayID: String) { events.append("update: " + (bundle["text/plain"]?.stringValue ?? "")) }
    func clearOutput(wait: Bool) { events.append("clear") }
}

final class ParserTests: XCTestCase {
    func testEveryStatementFormParses() throws {
        let source = """
            cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            let xs = [[1,1],[1,1],[2,2]]  # a comment
            set demo.W_hh = [[1, 0],
                             [0, 1]]
            show demo
            show demo.W_hh
            unroll demo on xs h0=[0, 0]
            backward demo on xs target=[1, 0] loss=mse
            train demo on sine(count=8, length=5, seed=1) epochs=2, lr=0.1 \\
                optimizer=adam
            predict demo on xs
            sample demo from "ab" length=10 temperature=0.5 seed=3
            plot loss demo other
            plot hidden demo on xs
            plot gradients demo on xs
            plot demo.W_hh width=60
            plot [1, 2, 3]
            models
            copy demo as backup
            drop backup
            save demo to "d.json"
            load demo from "d.json"
            runs
            runs demo
            export log to "log.jsonl"
            seed 42
            help train
            print "x" xs stream=stderr
            clear
            -2.5 + 1e-3 * (3 - 1) / 2
            """
        let statements = try Parser.parse(source)
        XCTAssertEqual(statements.count, 28)
        guard case let .cell(name, kind, options) = statements[0].statement else { return XCTFail() }
        XCTAssertEqual(name.name, "demo")
        XCTAssertEqual(kind.name, "rnn")
        XCTAssertEqual(options.map(\.key), ["input", "hidden", "output", "activation", "init", "bias"])
        XCTAssertEqual(statements[2].range.start.line, 3)
        XCTAssertEqual(statements[2].range.end.line, 4)
        guard case let .train(_, _, trainOptions) = statements[7].statement else { return XCTFail() }
        XCTAssertEqual(trainOptions.map(\.key), ["epochs", "lr", "optimizer"])
        guard case let .plot(.loss(models), _) = statements[10].statement else { return XCTFail() }
        XCTAssertEqual(models.map(\.name), ["demo", "other"])
        guard case let .expression(.binary(.add, .number(-2.5, _), _, _)) = statements[27].statement else { return XCTFail("\(statements[27])") }
    }

    func testSyntaxErrorsPointAtThePlace() {
        let cases: [(String, String, Int)] = [
            ("let x = [1, 2", "never closed", 9),
            ("let x = 1)", "unmatched ')'", 10),
            ("let s = \"abc", "unterminated string", 9),
            ("cell = rnn(input=1)", "expected a model name", 6),
            ("unroll demo [[1]]", "expected 'on'", 13),
            ("let x = 3 4", "end of the statement", 11),
            ("let x = $", "unexpected character", 9),
            ("let let = 1", "keyword", 5),
        ]
        for (source, fragment, column) in cases {
            XCTAssertThrowsError(try Parser.parse(source), source) { error in
                let d = error as! Diagnostic
                XCTAssertEqual(d.kind, .syntax)
                XCTAssertTrue(d.message.contains(fragment), "\(source): \(d.message)")
                XCTAssertEqual(d.range?.start.column, column, "\(source): \(d.message)")
            }
        }
    }

    func testParserNeverTrapsOnGarbage() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("cell rnn(=)[],.\"\\\n#let x 1 2.5e-3 on train+-*/ ab_".unicodeScalars)
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<40, using: &rng)
            var s = ""
            for _ in 0..<n { s.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
            _ = try? Parser.parse(s)
            _ = completeness(of: s)
        }
    }

    func testIsComplete() {
        XCTAssertEqual(completeness(of: "let x = [1,"), .incomplete(indent: ""))
        XCTAssertEqual(completeness(of: "let x = 1 + \\"), .incomplete(indent: ""))
        XCTAssertEqual(completeness(of: "let x = [1, 2)"), .invalid)
        XCTAssertEqual(completeness(of: "let s = \"abc"), .invalid)
        XCTAssertEqual(completeness(of: "let x = 1 # \\"), .complete)
        XCTAssertEqual(completeness(of: "models"), .complete)
        // Code that lexes but cannot parse can never become valid by waiting: invalid, as IPython says
        // of `x =` (a probing helper found these answered "complete").
        XCTAssertEqual(completeness(of: "let x ="), .invalid)
        XCTAssertEqual(completeness(of: "let x = 1\ntrain m on"), .invalid)
        XCTAssertEqual(completeness(of: "let x = 1\nlet y = x + 2\n"), .complete)
        XCTAssertEqual(completeness(of: ""), .complete)
    }

    func testDidYouMean() {
        XCTAssertEqual(nearest("hiden", in: ["input", "hidden", "output"]), "hidden")
        XCTAssertEqual(nearest("lrr", in: ["lr", "loss"]), "lr")
        XCTAssertNil(nearest("zzzzzz", in: ["hidden"]))
        XCTAssertEqual(editDistance("ab", "ba"), 1)
    }
}

final class EvaluatorTests: XCTestCase {
    func run(_ e: Evaluator, _ source: String) throws -> (RecordingSink, RunResult) {
        let sink = RecordingSink()
        let r = try e.run(source, output: sink)
        return (sink, r)
    }

    func testWorkedExampleUnrollTable() throws {
        let e = Evaluator()
        let (sink, _) = try run(e, """
            cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            unroll demo on [[1,1],[1,1],[2,2]]
            """)
        XCTAssertEqual(sink.text, """
            stdout: demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false) · 12 parameters

            unroll demo: rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            +---+--------+---------+----------+----------+
            | t | x_t    | h_{t-1} | h_t      | y_t      |
            +---+--------+---------+----------+----------+
            | 1 | [1, 1] | [0, 0]  | [2, 2]   | [4, 4]   |
            | 2 | [1, 1] | [2, 2]  | [6, 6]   | [12, 12] |
            | 3 | [2, 2] | [6, 6]  | [16, 16] | [32, 32] |
            +---+--------+---------+----------+----------+
            unroll demo: h_n, PyTorch's second result (1×1×2) of output, h_n = rnn(x): the last step of every layer and direction; output (1×3×2) is the h_t column above, h_n = h_3
            +---+-------+-----------+-----------+-----------+
            | k | layer | direction | last step | h_n[k, 0] |
            +---+-------+-----------+-----------+-----------+
            | 0 |     0 | forward   | t=3       | [16, 16]  |
            +---+-------+-----------+-----------+-----------+
            """)
    }

    func testValuesPrintAsWritten() throws {
        let e = Evaluator()
        XCTAssertEqual(try run(e, "[1, 2.5]").1.result?["text/plain"], "[1, 2.5]")
        XCTAssertEqual(try run(e, "4.0").1.result?["text/plain"], "4")
        XCTAssertEqual(try run(e, "\"a\\\"b\"").1.result?["text/plain"], "\"a\\\"b\"")
        XCTAssertEqual(try run(e, "[1, 2] * 2 + 1").1.result?["text/plain"], "[3, 5]")
        let (sink, _) = try run(e, "print \"x\" [1, 2] true")
        XCTAssertEqual(sink.events, ["stdout: x [1, 2] true\n"])
    }

    func testFailingStatementChangesNothing() throws {
        let e = Evaluator()
        _ = try run(e, "cell demo = rnn(input=2, hidden=2, output=2, init=ones)")
        let before = e.state
        for bad in ["set demo.W_hh = [[1, 2, 3]]", "set demo.W_hx = [[1]]", "cell demo = rnn(input=2, hiden=3)",
                    "cell demo = rnn(input=0, hidden=3)", "let demo2 = nothing", "unroll demo on [[1, 2, 3]]",
                    "cell demo = rnn(input=2, hidden=2, activation=tanhh)"] {
            XCTAssertThrowsError(try run(e, bad), bad)
            XCTAssertEqual(e.state, before, bad)
        }
    }

    func testErrorsNameExpectedAndFoundWithSuggestions() throws {
        let e = Evaluator()
        _ = try run(e, "cell demo = rnn(input=2, hidden=2)")
        func message(_ s: String) -> Diagnostic {
            do { _ = try run(e, s); XCTFail(s) } catch let d as Diagnostic { return d } catch { XCTFail("\(error)") }
            return Diagnostic(.value, "")
        }
        XCTAssertEqual(message("cell x = rnn(input=2, hiden=3)").message.contains("did you mean 'hidden'?"), true)
        XCTAssertEqual(message("unroll dmeo on [[1,2]]").message, "no model named 'dmeo'; did you mean 'demo'?")
        let shape = message("set demo.W_hh = [[1, 2, 3]]")
        XCTAssertEqual(shape.kind, .shape)
        XCTAssertEqual(shape.message, "demo.W_hh is 2×2; expected a 2×2 value, found 1×3")
        XCTAssertEqual(shape.traceback(in: "set demo.W_hh = [[1, 2, 3]]").suffix(3), [
            "    set demo.W_hh = [[1, 2, 3]]",
            "                    ^^^^^^^^^^^",
            "ShapeError: demo.W_hh is 2×2; expected a 2×2 value, found 1×3",
        ])
        XCTAssertEqual(message("unroll demo on [[1, 2], [3]]").kind, .shape)
        XCTAssertEqual(message("let q = 1 / 0").message, "division by zero")
    }

    func testHelpIsAPagePayloadAndUnknownTopicsSuggest() throws {
        let e = Evaluator()
        let (_, r) = try run(e, "help cell")
        XCTAssertEqual(r.payloads.first?["source"], "page")
        XCTAssertTrue(r.payloads.first?["data"]?["text/plain"]?.stringValue?.contains("cell NAME = rnn") ?? false)
        XCTAssertThrowsError(try run(e, "help trian")) { XCTAssertTrue("\($0)".contains("did you mean 'train'?")) }
        for entry in Help.all { XCTAssertFalse(entry.body.isEmpty, entry.topic) }
    }

    func testCompletion() throws {
        let e = Evaluator()
        _ = try run(e, "cell demo = lstm(input=2, hidden=2)")
        func matches(_ code: String) -> [String] { complete(code: code, cursor: code.unicodeScalars.count, context: e.state).matches }
        XCTAssertEqual(matches("mod"), ["models"])
        XCTAssertEqual(matches("cell x = rnn(input=2, hid"), ["hidden="])
        XCTAssertEqual(matches("show demo.W_h"), ["W_hf", "W_hg", "W_hi", "W_ho"])
        XCTAssertEqual(matches("cell x = gru(init=x"), ["xavier"])
        XCTAssertEqual(matches("unroll de"), ["demo"])
        XCTAssertEqual(matches("help opt"), ["optimizer", "options"])
        let c = complete(code: "let é = mo", cursor: 10, context: e.state)
        XCTAssertEqual(c.cursorStart, 8)
        XCTAssertEqual(c.cursorEnd, 10)
    }

    func testInspection() throws {
        let e = Evaluator()
        _ = try run(e, "cell demo = rnn(input=1, hidden=1)")
        XCTAssertTrue(inspection(code: "show demo", cursor: 7, state: e.state)?["text/plain"]?.stringValue?.contains("W_hh") ?? false)
        XCTAssertTrue(inspection(code: "train", cursor: 2, state: e.state)?["text/plain"]?.stringValue?.contains("train NAME on DATA") ?? false)
        XCTAssertNil(inspection(code: "   ", cursor: 1, state: e.state))
    }
}
