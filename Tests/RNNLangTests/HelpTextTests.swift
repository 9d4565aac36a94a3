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
        XCTAssertEqual(try e.run("bow([\"a b\", \"b\"])", output: sink).result?["text/plain"], "[[1, 1], [0, 1]]")
        XCTAssertEqual(try e.run("cell m = rnn(input=1, hidden=2)\nm", output: sink).result?["text/plain"], "m = rnn(input=1, hidden=2) · 10 parameters")
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

/// Messages that put a did-you-mean before a list read as two sentences; counts agree with their
/// nouns; "a" and "an" follow the sound of the word after them.
final class MessageWordingTests: XCTestCase {
    func message(_ source: String, setup: String = "") -> String? {
        let e = Evaluator()
        do {
            if !setup.isEmpty { _ = try e.run(setup, output: RecordingSink()) }
            _ = try e.run(source, output: RecordingSink())
        } catch let d as Diagnostic { return d.message } catch { return "\(error)" }
        return nil
    }

    func testTheSuggestionEndsItsSentenceAndTheListStartsTheNext() throws {
        let options = OptionTable.cell.map(\.name).joined(separator: ", ")
        XCTAssertEqual(message("cell x = lstm(input=2, hiden=3)"), "unknown option 'hiden' for lstm(...); did you mean 'hidden'? Expected one of \(options)")
        XCTAssertEqual(message("cell x = lstm(input=2, zzz=3)"), "unknown option 'zzz' for lstm(...); expected one of \(options)")
        XCTAssertEqual(message("train m on sine(count=2, length=3, seed=1) epoch=1", setup: "cell m = rnn(input=1, hidden=2, output=1)")?.hasPrefix("unknown option 'epoch' for train; did you mean 'epochs'? Expected one of epochs, "), true)
        XCTAssertEqual(message("let d = sine(count=2, lenght=3)")?.hasPrefix("unknown option 'lenght' for sine(...); did you mean 'length'? Expected one of "), true)
        XCTAssertEqual(message("show bow([\"a\"], binar=true)"), "unknown option 'binar' for bow(...); did you mean 'binary'? Expected one of binary, vocab, lower")
        XCTAssertEqual(message("cell t = seq2seq(hiden=4)")?.hasPrefix("unknown option 'hiden' for seq2seq(...); did you mean 'hidden'? Expected one of embed, "), true)
        XCTAssertEqual(message("cell x = lsmt(hidden=2)"), "unknown cell kind 'lsmt'; did you mean 'lstm'? Expected rnn, lstm, gru, seq2seq or bow")
        XCTAssertEqual(message("cell x = zzz(hidden=2)"), "unknown cell kind 'zzz': expected rnn, lstm, gru, seq2seq or bow")
        XCTAssertEqual(message("cell x = rnn(input=1, hidden=2, activation=tanhh)"), "unknown activation 'tanhh'; did you mean 'tanh'? Expected one of tanh, relu, linear")
        XCTAssertEqual(message("show tfidf([\"a b\"], style=keras)"), "unknown style 'keras': expected one of course, sklearn")
        XCTAssertEqual(message("print tahn(1)")?.hasPrefix("unknown function 'tahn'; did you mean 'tanh'? The functions are tanh, "), true)
        XCTAssertEqual(message("set m.W_hhh = [[1]]", setup: "cell m = rnn(input=1, hidden=1)"), "model 'm' has no parameter 'W_hhh'; did you mean 'W_hh'? It has W_xh, W_hh, b_xh, b_hh")
        XCTAssertEqual(message("print m.W_hhh", setup: "cell m = rnn(input=1, hidden=1)"), "model 'm' has no parameter 'W_hhh'; did you mean 'W_hh'? It has W_xh, W_hh, b_xh, b_hh")
        XCTAssertEqual(message("help trian"), "no help for 'trian'; did you mean 'train'? 'help' lists the topics")
        XCTAssertEqual(message("help zzzzzz"), "no help for 'zzzzzz'; 'help' lists the topics")
        // No message anywhere joins the hint and its list with "?;".
        for m in [message("cell x = rnn(input=2, hiden=3)"), message("help trian"), message("print tahn(1)")] {
            XCTAssertFalse(m?.contains("?;") ?? true, m ?? "")
        }
    }

    func testDatasetSummariesCountInTheSingular() throws {
        let e = Evaluator()
        _ = try e.run("""
            let one = sentences([["hello", "pos"]])
            let two = sentences([["hello you", "pos"], ["bye", "neg"]])
            let tg = tagged([["hello", "X"]])
            let tr = translation([["hello", "你好"]])
            """, output: RecordingSink())
        func summary(_ name: String) -> String? {
            switch e.state.values[name] {
            case let .dataset(d)?: return d.summary
            case let .translation(d)?: return d.summary
            default: return nil
            }
        }
        XCTAssertEqual(summary("one"), "sentences(1 sentence, 1 word, label pos)")
        XCTAssertEqual(summary("two"), "sentences(2 sentences, 3 words, labels pos/neg)")
        XCTAssertEqual(summary("tg"), "tagged(1 sentence, 1 word, 1 tag)")
        XCTAssertEqual(summary("tr"), "translation(1 pair, 2 words)")
        let sink = RecordingSink()
        _ = try e.run("show bow([\"a\"])\nshow ngrams([\"a b\"], n=2)\nshow tfidf([\"a\", \"a b\"])", output: sink)
        XCTAssertTrue(sink.text.contains("bow(1 document, 1 word)"), sink.text)
        XCTAssertTrue(sink.text.contains("ngrams(1 document, 1 2-gram)"), sink.text)
        XCTAssertTrue(sink.text.contains("tfidf(2 documents, 2 words, style=course)"), sink.text)
    }

    func testModelSummariesCountInTheSingular() throws {
        let e = Evaluator()
        let sink = RecordingSink()
        _ = try e.run("""
            cell c = rnn(hidden=2, output=1, vocab=sentences([["hello", "pos"]]))
            cell n = bow(output=2, ngram=2)
            train n on sentences([["a b", "x"], ["a b", "y"]]) epochs=1
            show n
            """, output: sink)
        XCTAssertTrue(sink.text.contains("· vocabulary of 1 word and <unk>, 1 label"), sink.text)
        XCTAssertTrue(sink.text.contains("n: 1 2-gram from the data"), sink.text)
        XCTAssertTrue(sink.text.contains("· 1 2-gram as terms, 2 labels ·"), sink.text)
    }

    func testArticlesFollowTheSound() throws {
        let e = Evaluator()
        let sink = RecordingSink()
        _ = try e.run("cell a = lstm(input=1, hidden=2, activation=relu)\ncell b = gru(input=1, hidden=2, activation=relu)", output: sink)
        XCTAssertTrue(sink.events.contains("stderr: warning: activation= has no effect on an lstm cell (its gates fix their activations)\n"), sink.text)
        XCTAssertTrue(sink.events.contains("stderr: warning: activation= has no effect on a gru cell (its gates fix their activations)\n"), sink.text)
        XCTAssertEqual(message("set m.W_hh = [[1, 2]]", setup: "cell m = rnn(input=1, hidden=8)"), "m.W_hh is 8×8; expected an 8×8 value, found 1×2")
        XCTAssertEqual(message("set m.W_hh = 1", setup: "cell m = rnn(input=1, hidden=11)"), "m.W_hh is 11×11; expected an 11×11 matrix, found a number")
        XCTAssertEqual(message("set m.W_hh = 1", setup: "cell m = rnn(input=1, hidden=2)"), "m.W_hh is 2×2; expected a 2×2 matrix, found a number")
        for (phrase, expected) in [("rnn cell", "an rnn cell"), ("lstm cell", "an lstm cell"), ("gru cell", "a gru cell"), ("bow model", "a bow model"),
                                   ("seq2seq model", "a seq2seq model"), ("ngrams table", "an ngrams table"), ("tfidf table", "a tfidf table"),
                                   ("8×3 matrix", "an 8×3 matrix"), ("18 value", "an 18 value"), ("110×2 matrix", "a 110×2 matrix"),
                                   ("11000", "an 11000"), ("1×8 matrix", "a 1×8 matrix"), ("example", "an example")] {
            XCTAssertEqual(Wording.withArticle(phrase), expected)
        }
        XCTAssertEqual(Wording.counted(1, "pair"), "1 pair")
        XCTAssertEqual(Wording.counted(0, "pair"), "0 pairs")
        XCTAssertEqual(Wording.counted(2, "2-gram"), "2 2-grams")
    }
}
