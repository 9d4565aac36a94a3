import XCTest
import Foundation
import Jupyter
import RNN
@testable import RNNLang

/// Issue 15: no cell, file or path kills the session, exhausts memory or writes where it should not.
/// Each case here crashed, trapped, hung or misbehaved before the resource budget and safe writes.
final class RobustnessTests: XCTestCase {
    var folder: String!

    override func setUp() {
        folder = NSTemporaryDirectory() + "rnn-robust-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// Runs a cell; returns the error it stopped with (nil when it succeeded).
    @discardableResult
    func run(_ e: Evaluator, _ source: String, _ sink: RecordingSink = RecordingSink()) -> Diagnostic? {
        do { _ = try e.run(source, output: sink); return nil } catch let d as Diagnostic { return d } catch {
            XCTFail("not a Diagnostic: \(error)")
            return nil
        }
    }

    func testDeeplyNestedListIsASyntaxErrorNotACrash() {
        let e = Evaluator()
        let d = run(e, "let x = " + String(repeating: "[", count: 4000) + String(repeating: "]", count: 4000))
        XCTAssertEqual(d?.kind, .syntax)
        XCTAssertTrue(d?.message.contains("RNNKERNEL_MAX_NESTING") ?? false, d?.message ?? "")
        // user_expressions and inspection parse the same way.
        XCTAssertThrowsError(try e.evaluate(expression: String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)))
        XCTAssertThrowsError(try e.evaluate(expression: String(repeating: "-", count: 100_000) + "x"))
        XCTAssertThrowsError(try e.evaluate(expression: "[" + String(repeating: "sine(count=", count: 5000)))
        // Within the limit nesting still works.
        XCTAssertNil(run(e, "let y = " + String(repeating: "[", count: 150) + "1" + String(repeating: "]", count: 150)))
    }

    func testLongSumIsRefusedNotACrash() {
        let e = Evaluator()
        let d = run(e, "let x = " + Array(repeating: "1", count: 7000).joined(separator: "+"))
        XCTAssertEqual(d?.kind, .syntax)
        XCTAssertThrowsError(try e.evaluate(expression: Array(repeating: "1", count: 7000).joined(separator: "+")))
        XCTAssertNil(run(e, "let y = " + Array(repeating: "1", count: 150).joined(separator: "+")))
        XCTAssertEqual(try e.evaluate(expression: "y")["text/plain"]?.stringValue, "150")
    }

    func testEvaluatorGuardsTreesTheParserDidNotBuild() {
        var expr = Expr.number(1, SourceRange(.init(line: 1, column: 1, offset: 0), .init(line: 1, column: 2, offset: 1)))
        for _ in 0..<10_000 { expr = .negate(expr, expr.range) }
        var ctx = StatementContext(state: SessionState(), output: NullSink(), interrupt: InterruptFlag(), source: "", node: nil)
        XCTAssertThrowsError(try ctx.eval(expr)) { XCTAssertEqual(($0 as? Diagnostic)?.kind, .syntax) }
    }

    func testHugeTargetIsAValueErrorNotATrap() {
        let e = Evaluator()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=2, output=2)"))
        for t in ["1e308", "-1e308", "[1e308]", "9.3e18", "inf"] {
            let d = run(e, "backward m on [[1]] target=\(t) loss=xent")
            XCTAssertNotNil(d, t)
            XCTAssertNotEqual(d?.kind, .syntax, t)
        }
        XCTAssertEqual(run(e, "cell n = rnn(hidden=1e300)")?.kind, .value)
    }

    func testEmptyVocabularyAfterLoadIsAnErrorNotATrap() throws {
        let e = Evaluator()
        let path = folder + "/m.json"
        XCTAssertNil(run(e, "cell m = rnn(input=2, hidden=2, output=2)\nsave m to \"\(path)\""))
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"format\"", with: "\"vocabulary\": [], \"format\"")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        // Refused at load (issue 16), not at sample, and the model under the name is kept.
        let refused = run(e, "load m from \"\(path)\"")
        XCTAssertEqual(refused?.kind, .value)
        XCTAssertTrue(refused?.message.contains("the vocabulary is empty") ?? false, refused?.message ?? "")
        XCTAssertNotNil(e.model(named: "m"))
        XCTAssertEqual(run(e, "sample m")?.kind, .value)
    }

    func testModelSizesAreCheckedBeforeAllocating() {
        let e = Evaluator()
        let layers = run(e, "cell x = rnn(layers=100000000, hidden=2, bidirectional=true, output=2)")
        XCTAssertEqual(layers?.kind, .memory)
        XCTAssertTrue(layers?.message.contains("RNNKERNEL_MAX_LAYERS") ?? false)
        let overflow = run(e, "cell x = rnn(input=4294967296, hidden=4294967296, bias=false)")
        XCTAssertEqual(overflow?.kind, .memory)
        XCTAssertTrue(overflow?.message.contains("RNNKERNEL_MAX_PARAMETERS") ?? false)
        XCTAssertEqual(run(e, "cell x = rnn(input=1000, hidden=4000)")?.kind, .memory)
        XCTAssertTrue(e.state.store.isEmpty)
        // Without input=, the first data fixes W_x's width: checked then too.
        XCTAssertNil(run(e, "cell p = rnn(hidden=100)"))
        let wide = "[[" + Array(repeating: "0", count: 200_000).joined(separator: ",") + "]]"
        XCTAssertEqual(run(e, "unroll p on \(wide)")?.kind, .memory)
        XCTAssertEqual(e.state.store["p"]?.pendingInputSeed != nil, true, "p still waits for its input width")
    }

    func testCheckedParameterCountMatchesTheList() {
        for kind in CellKind.allCases {
            for (layers, bi, bias, single, out) in [(1, false, true, false, nil), (3, true, false, false, 2), (2, false, true, false, 5),
                                                   (1, true, true, false, 1), (2, true, true, true, 3), (1, false, true, true, nil)]
                    as [(Int, Bool, Bool, Bool, Int?)] {
                let c = CellConfig(kind: kind, input: 3, hidden: 4, output: out, layers: layers, bidirectional: bi, bias: bias, singleBias: single)
                XCTAssertEqual(c.checkedParameterCount, c.parameterCount, "\(c)")
                // Every name is found where the list has it, and nothing else is found.
                for (i, spec) in c.parameterSpecs.enumerated() { XCTAssertEqual(c.index(of: spec.name), i, spec.name) }
                for bad in ["W_hh_l0", "W_xh_l\(layers)", "W_hy_reverse", "b_y_l1", "W_xh_l01", "", "_l1", "W_xh_l99999999999999999999"] {
                    if !c.parameterSpecs.contains(where: { $0.name == bad }) { XCTAssertNil(c.index(of: bad), bad) }
                }
            }
        }
        XCTAssertNil(CellConfig(kind: .lstm, input: 1 << 32, hidden: 1 << 32).checkedParameterCount)
    }

    func testTrainingStepsAreCheckedBeforeTheLossListIsMade() {
        // Found by fuzz-lang: the loss list was reserved for epochs × steps (480 TB here), and the product could overflow.
        let e = Evaluator()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1)\nlet d = sine(count=2, length=2)"))
        for epochs in ["60000000000000", "999999999999999"] {
            let d = run(e, "train m on d epochs=\(epochs) batch=1")
            XCTAssertEqual(d?.kind, .memory, epochs)
            XCTAssertTrue(d?.message.contains("RNNKERNEL_MAX_DATASET_VALUES") ?? false, d?.message ?? "")
        }
        XCTAssertEqual(e.state.runs.count, 0)
    }

    func testHugeMatricesAreValueErrorsNotTraps() {
        // Found by a probing helper: eye(1000000) and this product were Swift fatal errors (10¹² entries).
        let e = Evaluator()
        for cell in ["eye(1000000)", "ones(1000000, 1) @ ones(1, 1000000)", "zeros(1000000, 1000000)", "eye(1001)"] {
            let d = run(e, "let big = " + cell)
            XCTAssertEqual(d?.kind, .value, cell)
            XCTAssertTrue(d?.message.contains("at most 1000000 entries") ?? false, d?.message ?? cell)
        }
        XCTAssertNil(e.state.values["big"])
        XCTAssertNil(run(e, "let fine = eye(1000)\nlet p = ones(1000, 1) @ ones(1, 1000)"))
    }

    func testTextFeatureTablesAreCheckedBeforeTheyAreMade() {
        // documents × distinct terms numbers: 2 × 6 here, over a limit of 10.
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxDatasetValues = 10
        let e = Evaluator()
        for cell in [#"bow(["a b c", "d e f"])"#, #"tfidf(["a b c", "d e f"])"#, #"ngrams(["a b c d", "e f g h"], n=1)"#,
                     #"bm25(["a b c", "d e f"], "a b c d e f")"#] {
            let d = run(e, "let t = " + cell)
            XCTAssertEqual(d?.kind, .memory, cell)
            XCTAssertTrue(d?.message.contains("RNNKERNEL_MAX_DATASET_VALUES") ?? false, d?.message ?? cell)
        }
        XCTAssertNil(e.state.values["t"])
        XCTAssertNil(run(e, #"let t = bow(["a b", "a c"])"#))
    }

    func testSeq2SeqTrainingStepsAreCheckedBeforeTheLossListIsMade() {
        let e = Evaluator()
        XCTAssertNil(run(e, #"cell tr = seq2seq(embed=2, hidden=2, seed=1)"# + "\n" + #"let p = translation([["a b", "x y"]])"#))
        for epochs in ["100000000", "999999999999999"] {
            let d = run(e, "train tr on p epochs=\(epochs) batch=1")
            XCTAssertEqual(d?.kind, .memory, epochs)
            XCTAssertTrue(d?.message.contains("RNNKERNEL_MAX_DATASET_VALUES") ?? false, d?.message ?? "")
        }
        XCTAssertTrue(run(e, "train tr on p epochs=999999999999999999")?.message.contains("smaller than 10^15") ?? false)
        XCTAssertEqual(e.state.runs.count, 0)
        XCTAssertNil(run(e, "train tr on p epochs=1 batch=1"))
        XCTAssertEqual(e.state.runs.count, 1)
    }

    func testEmptyLabelsAreRefusedInDataAndInFiles() throws {
        let e = Evaluator()
        for pairs in [#"[["good film", ""], ["bad film", "neg"]]"#, #"[["good film", "pos"], ["bad film", "  "]]"#] {
            let d = run(e, "let d = sentences(\(pairs))")
            XCTAssertEqual(d?.kind, .value, pairs)
            XCTAssertTrue(d?.message.contains("has an empty label") ?? false, d?.message ?? pairs)
        }
        let path = folder + "/m.json"
        XCTAssertNil(run(e, #"let d = sentences([["good film", "pos"], ["bad film", "neg"]])"# + "\n"
                         + "cell m = rnn(input=3, hidden=2, output=2, output_activation=softmax)\ntrain m on d epochs=1\nsave m to \"\(path)\""))
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        for (crafted, expected) in [(saved.replacingOccurrences(of: #""neg""#, with: #""""#), "label 1 is empty"),
                                    (saved.replacingOccurrences(of: #""hidden": 2,"#, with: #""hidden": 2000000,"#), "config.hidden must be from 1 to 1000000, found 2000000")] {
            XCTAssertNotEqual(crafted, saved, "the file did not have the text to change")
            try crafted.write(toFile: path, atomically: true, encoding: .utf8)
            let d = run(e, "load m2 from \"\(path)\"")
            XCTAssertTrue(d?.message.contains(expected) ?? false, d?.message ?? "loaded")
            XCTAssertNil(e.model(named: "m2"))
        }
    }

    func testNumbersPastTheLargestDoubleAndControlCharactersAreNamed() {
        let e = Evaluator()
        let huge = run(e, "let n = 1" + String(repeating: "0", count: 400))
        XCTAssertEqual(huge?.kind, .syntax)
        XCTAssertTrue(huge?.message.contains("is too large") ?? false, huge?.message ?? "read as inf")
        XCTAssertNil(e.state.values["n"])
        let source = "print 1\u{0}\u{1B}[2J"
        let nul = run(e, source)
        XCTAssertEqual(nul?.message, "unexpected character U+0000")
        // The echoed line has no raw control characters, and the caret still points at the NUL.
        let lines = nul!.caretLines(in: source)
        XCTAssertEqual(lines, ["print 1\u{FFFD}\u{FFFD}[2J", "       ^"])
        XCTAssertEqual(Diagnostic(.syntax, "x", at: SourceRange(SourcePosition(line: 1, column: 3, offset: 2), SourcePosition(line: 1, column: 4, offset: 3))).caretLines(in: "a b\r\n"), ["a b", "  ^"])
    }

    func testSineWithAStepPastTheLargestDoubleIsRefusedAtOnce() {
        let e = Evaluator()
        for cell in ["sine(count=2, length=3, step=1e308)", "sine(count=2, length=3, noise=1e308)"] {
            let d = run(e, "let d = " + cell)
            XCTAssertEqual(d?.kind, .value, cell)
            XCTAssertTrue(d?.message.contains("not finite numbers") ?? false, d?.message ?? cell)
        }
        XCTAssertNil(e.state.values["d"])
        XCTAssertEqual(run(e, "let d = sine(count=2, length=3, noise=-1)")?.message, "expected noise to be a finite number ≥ 0, found -1")
    }

    func testOneHotTablesAreCountedAgainstTheBudget() throws {
        // Found by a probing helper: 20000 distinct characters made a 3 GB one-hot table, and 25000
        // one-word sentences aborted the kernel; both are words (or characters) × vocabulary numbers.
        let saved = Budget.current
        defer { Budget.current = saved }
        Budget.current.maxDatasetValues = 10_000
        let e = Evaluator()
        let many = (0..<200).map { String(UnicodeScalar(0x4E00 + $0)!) }.joined()
        let path = folder + "/chars.txt"
        try (many + many).write(toFile: path, atomically: true, encoding: .utf8)
        let pairs = (0..<150).map { "[\"w\($0)\", \"x\"]" }.joined(separator: ", ")
        let tagged = (0..<150).map { "[\"w\($0)\", \"N\"]" }.joined(separator: ", ")
        for cell in ["let d = text(file=\"\(path)\", seq=5)", "let d = sentences([\(pairs)])", "let d = tagged([\(tagged)])"] {
            let d = run(e, cell)
            XCTAssertEqual(d?.kind, .memory, String(cell.prefix(40)))
            XCTAssertTrue(d?.message.contains("RNNKERNEL_MAX_DATASET_VALUES") ?? false, d?.message ?? "")
        }
        XCTAssertNil(e.state.values["d"])
    }

    func testWindowsLineEndsAndAByteOrderMarkAreRead() throws {
        let e = Evaluator()
        let bom = "\u{FEFF}"
        try (bom + "paris is nice\tB-LOC O O\r\nrome is old\tB-LOC O O\r\n").write(toFile: folder + "/g.tsv", atomically: true, encoding: .utf8)
        try (bom + "i am happy\tje suis heureux\r\nyou are sad\ttu es triste\r\n").write(toFile: folder + "/t.tsv", atomically: true, encoding: .utf8)
        try (bom + "a,b\r\n1,2\r\n3,4\r\n5,6\r\n").write(toFile: folder + "/c.csv", atomically: true, encoding: .utf8)
        XCTAssertNil(run(e, "let g = tagged(file=\"\(folder!)/g.tsv\")\nlet t = translation(file=\"\(folder!)/t.tsv\")\n"
                         + "let c = csv(\"\(folder!)/c.csv\", column=\"a\", window=1)"))
        guard case let .dataset(g)? = e.state.values["g"] else { return XCTFail("no tagged data") }
        XCTAssertEqual(g.count, 2)
        XCTAssertEqual(g.classNames, ["B-LOC", "O"])
        XCTAssertEqual(g.inputVocabulary?.contains("paris"), true, "the BOM stuck to the first word")
        guard case let .translation(t)? = e.state.values["t"] else { return XCTFail("no pairs") }
        XCTAssertEqual(t.pairs.count, 2)
    }

    func testTrainedStepsInAFileAreAWholeNumberInRange() throws {
        // Found by a probing helper: Int.max here crashed the next train (an overflow trap).
        let e = Evaluator()
        let path = folder + "/m.json"
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1, output=1)\nsave m to \"\(path)\""))
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        for bad in ["9223372036854775807", "-5", "1e300", "\"many\""] {
            try saved.replacingOccurrences(of: #""trained_steps": 0"#, with: #""trained_steps": "# + bad).write(toFile: path, atomically: true, encoding: .utf8)
            let d = run(e, "load m2 from \"\(path)\"")
            XCTAssertTrue(d?.message.contains("trained_steps must be a whole number from 0 to") ?? false, d?.message ?? "loaded \(bad)")
        }
        XCTAssertNil(e.model(named: "m2"))
    }

    func testAnInterruptStopsALongJacobian() {
        let e = Evaluator()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=200, seed=1)"))
        let done = DispatchSemaphore(value: 0)
        let stopper = Thread { while done.wait(timeout: .now() + 0.3) == .timedOut { e.interrupt.raise() } }
        stopper.start()
        let d = run(e, "jacobian m on [" + Array(repeating: "0.1", count: 5000).joined(separator: ", ") + "]")
        done.signal()
        XCTAssertEqual(d?.kind, .interrupt)
    }

    func testATemperatureSoSmallThatItOverflowsIsGreedy() {
        // Found by a probing helper: y/T overflowed to inf, softmax to NaN, and the least likely symbol was drawn.
        let e = Evaluator()
        XCTAssertNil(run(e, "cell c = rnn(hidden=4, output=3, seed=1)\ntrain c on text(\"abcabcabc\", seq=3) epochs=1\n"
                         + "set c.W_hy = [[0,0,0,0],[0,0,0,0],[0,0,0,0]]\nset c.b_y = [1, 2, 3]"))
        var shown: [String] = []
        for t in ["0", "1e-320", "1e-310"] {
            let sink = RecordingSink()
            XCTAssertNil(run(e, "sample c length=5 temperature=\(t)", sink))
            shown.append(sink.text)
        }
        XCTAssertTrue(shown[0].contains("ccccc"), shown[0])
        XCTAssertEqual(Set(shown.map { $0.contains("ccccc") }), [true], "\(shown)")
    }

    func testPairsWithARaggedStepAreRefusedAtOnce() {
        let e = Evaluator()
        let d = run(e, "let d = pairs([[[[1,2],[3]], 0], [[[1,2],[3,4]], 1]])")
        XCTAssertEqual(d?.kind, .shape)
        XCTAssertTrue(d?.message.contains("found 2 at t=1 and 1 at t=2") ?? false, d?.message ?? "accepted")
        XCTAssertNil(e.state.values["d"])
    }

    func testAnErrorInAVeryLongLineEchoesAWindowAroundIt() {
        let e = Evaluator()
        let source = "let x = [" + Array(repeating: "1", count: 100_000).joined(separator: ", ") + ", \"a\" @ 2]"
        let d = run(e, source)
        XCTAssertNotNil(d)
        let lines = d!.caretLines(in: source)
        XCTAssertEqual(lines.count, 2)
        XCTAssertLessThanOrEqual(lines[0].unicodeScalars.count, 162, "the whole megabyte was echoed")
        XCTAssertTrue(lines[0].hasPrefix("…"), lines[0])
        // The caret still points at what the error names.
        let caret = lines[1].firstIndex(of: "^").map { lines[1].distance(from: lines[1].startIndex, to: $0) } ?? -1
        let at = Array(lines[0])[caret...]
        XCTAssertTrue(String(at).hasPrefix("\"a\""), String(at.prefix(10)))
    }

    func testDatasetSizeIsTheProductNotEachFactor() {
        let e = Evaluator()
        let d = run(e, "let d = sine(count=1000000, length=100000)")
        XCTAssertEqual(d?.kind, .memory)
        XCTAssertTrue(d?.message.contains("RNNKERNEL_MAX_DATASET_VALUES") ?? false)
        XCTAssertEqual(run(e, "let d = copy(count=1000000, length=100000, symbols=64)")?.kind, .memory)
        XCTAssertNil(run(e, "let d = sine(count=10, length=20)"))
    }

    func testDevicesAndHugeFilesAreNotRead() throws {
        let e = Evaluator()
        let zero = run(e, "let d = text(file=\"/dev/zero\")")
        XCTAssertEqual(zero?.kind, .io)
        let link = folder + "/zero.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
        XCTAssertEqual(run(e, "load m from \"\(link)\"")?.kind, .io)
        XCTAssertNotNil(run(e, "let c = csv(\"/dev/zero\", column=\"a\")"))
        // A regular file past the limit is refused from its size, before it is read.
        let big = folder + "/big.txt"
        FileManager.default.createFile(atPath: big, contents: nil)
        let h = FileHandle(forWritingAtPath: big)!
        h.truncateFile(atOffset: UInt64(Budget.current.maxFileBytes + 1))
        h.closeFile()
        let tooBig = run(e, "let d = text(file=\"\(big)\")")
        XCTAssertTrue(tooBig?.message.contains("RNNKERNEL_MAX_FILE_BYTES") ?? false, tooBig?.message ?? "")
        // A FIFO nobody writes to would block the open and the read.
        let fifo = folder + "/fifo.txt"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(run(e, "let d = text(file=\"\(fifo)\")")?.kind, .io)
    }

    func testSuggestionsSkipLongNames() {
        let a = String(repeating: "a", count: 10_000), b = String(repeating: "a", count: 9_999) + "b"
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let before = usage.ru_maxrss
        XCTAssertNil(nearest(a, in: [b]))
        XCTAssertEqual(nearest("hiden", in: ["hidden", String(repeating: "x", count: 100_000)]), "hidden")
        let e = Evaluator()
        XCTAssertNil(run(e, "let \(b) = 1"))
        XCTAssertEqual(run(e, "print \(a)")?.kind, .name)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        XCTAssertLessThan(usage.ru_maxrss - before, 100_000, "kilobytes of peak memory for a did-you-mean")
    }

    func testNULInAPathIsRefused() {
        let e = Evaluator()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1)"))
        let path = folder + "/m.json"
        // The language has no \0 escape, but a NUL typed (or pasted) inside the quotes reaches the string.
        XCTAssertEqual(run(e, "save m to \"\(path)\u{0}.txt\"")?.kind, .value)
        XCTAssertEqual(run(e, "load m from \"\(path)\u{0}x\"")?.kind, .value)
        XCTAssertEqual(run(e, "let d = text(file=\"\(path)\u{0}\")")?.kind, .io)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testExportLogOnlyToJSONLAndOnlyOverRegularFiles() throws {
        let e = Evaluator()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1)"))
        let txt = folder + "/notes.txt"
        try "keep me".write(toFile: txt, atomically: false, encoding: .utf8)
        XCTAssertEqual(run(e, "export log to \"\(txt)\"")?.kind, .value)
        XCTAssertEqual(try String(contentsOfFile: txt, encoding: .utf8), "keep me")
        let fifo = folder + "/log.jsonl"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(run(e, "export log to \"\(fifo)\"")?.kind, .io)
        var st = stat()
        XCTAssertEqual(lstat(fifo, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the FIFO is still there")
        XCTAssertNil(run(e, "export log to \"\(folder!)/ok.jsonl\""))
        XCTAssertEqual(run(e, "save m to \"\(folder!)\"")?.kind, .io, "a folder is not a model file name")
        XCTAssertEqual(run(e, "save m to \"\(folder!)/sub.json\"\nsave m to \"\(folder!)/sub.json/x.json\"")?.kind, .io)
    }

    func testSaveIgnoresALinkPlantedAtThePredictableTemporaryName() throws {
        let e = Evaluator()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1)"))
        let victim = folder + "/victim.txt"
        try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
        let path = folder + "/m.json"
        try FileManager.default.createSymbolicLink(atPath: path + ".tmp-\(getpid())", withDestinationPath: victim)
        XCTAssertNil(run(e, "save m to \"\(path)\""))
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious")
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).contains("rnn-kernel model"))
        // Saving over a link or a FIFO is refused and leaves them be.
        let link = folder + "/link.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        XCTAssertEqual(run(e, "save m to \"\(link)\"")?.kind, .io)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious")
        let fifo = folder + "/fifo.json"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(run(e, "save m to \"\(fifo)\"")?.kind, .io)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, ["fifo.json", "link.json", "m.json", "m.json.tmp-\(getpid())", "victim.txt"])
    }

    func testAFailedSaveLeavesNoTemporaryFileAndTheOldFileWhole() throws {
        let e = Evaluator()
        let path = folder + "/m.json"
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1)\nsave m to \"\(path)\""))
        let before = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertNil(run(e, "cell m = rnn(input=50, hidden=50)"))
        // Writes past 1 KB fail with EFBIG (SIGXFSZ ignored) for as long as the limit is set.
        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        let previous = signal(SIGXFSZ, SIG_IGN)
        var small = rlimit(rlim_cur: 1024, rlim_max: old.rlim_max)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &small)
        let d = run(e, "save m to \"\(path)\"")
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        signal(SIGXFSZ, previous)
        XCTAssertEqual(d?.kind, .io)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["m.json"])
    }

    func testManyLayersPredictIsQuickAndInterruptible() {
        let e = Evaluator()
        XCTAssertNil(run(e, "cell deep = rnn(input=1, hidden=1, layers=10000, output=1)"))
        // Linear in the layers: this took over 20 s when each weight lookup rebuilt the list.
        XCTAssertNil(run(e, "predict deep on [[1], [2]]"))
        XCTAssertNil(run(e, "let xs = sine(count=2, length=50)"))
        // The interrupt reaches the forward pass's loops; the statement changes nothing.
        let flag = e.interrupt
        let t = Thread { usleep(50_000); flag.raise() }
        t.start()
        let d = run(e, "predict deep on xs\npredict deep on xs\npredict deep on xs\npredict deep on xs")
        XCTAssertEqual(d?.kind, .interrupt)
    }

    func testLongTablesAreCutAtTheBudget() {
        let e = Evaluator()
        let sink = RecordingSink()
        XCTAssertNil(run(e, "cell m = rnn(input=1, hidden=1)\nlet xs = sine(count=1, length=16000)", sink))
        guard case let .dataset(d)? = e.state.values["xs"] else { return XCTFail("no dataset") }
        let seq = "[" + d.inputs[0].map { "[\($0[0])]" }.joined(separator: ",") + "]"
        XCTAssertNil(run(e, "unroll m on \(seq)\npredict m on \(seq)", sink))
        XCTAssertTrue(sink.text.contains("first 10000 of 16000 steps"), String(sink.text.prefix(300)))
    }

    /// Wide rows are cut by their numbers too: an lstm of hidden 300 over 400 steps printed every row
    /// (a probing helper saw 66 MB from hidden 1000 over 1000 steps).
    func testWideTablesAreCutByTheirNumbers() {
        let e = Evaluator()
        let sink = RecordingSink()
        let seq = "[" + Array(repeating: "[0.5]", count: 400).joined(separator: ",") + "]"
        XCTAssertNil(run(e, "cell m = lstm(input=1, hidden=300)\nunroll m on \(seq)", sink))
        // A row: x_t 1, then h_{t-1}, i, f, g, o, c_t, h_t and y_t of 300 each.
        XCTAssertTrue(sink.text.contains("first 41 of 400 steps (rows of 2401 numbers, at most 100000 a table; set RNNKERNEL_MAX_TABLE_ROWS to show more)"),
                      String(sink.text.prefix(300)))
        XCTAssertLessThan(sink.text.utf8.count, 3_000_000)
    }

    /// A statement that fixed a model's input width and then failed says the width was not kept.
    func testAFailedStatementSaysTheInferredWidthWasNotKept() {
        let e = Evaluator()
        let d = run(e, "cell m = rnn(hidden=3, output=2)\nlet d = sine(count=4, length=5)\ntrain m on d epochs=1")
        XCTAssertTrue(d?.message.hasSuffix("use output=1 (so m keeps no input width: the statement changed nothing)") ?? false, d?.message ?? "")
        XCTAssertEqual(e.state.store["m"]?.pendingInputSeed != nil, true)
    }
}
