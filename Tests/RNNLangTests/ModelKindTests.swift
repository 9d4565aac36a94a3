import Foundation
import XCTest
import Jupyter
@testable import RNNLang

/// A statement given a model of a kind it does not take is refused by the table of statements
/// (StatementSpec.models), before its handler runs, with the error it has always given: which kind
/// the model is and what to use instead, under the model's name.
final class ModelKindTests: XCTestCase {
    static let setup = """
        cell net = rnn(input=1, hidden=2, output=1, seed=1)
        let d = sentences([["我 打 你", "打人"], ["你 打 我", "被打"], ["i am happy", "开心"]])
        cell base = bow(output=3, seed=1)
        train base on d epochs=1
        cell tr = seq2seq(embed=2, hidden=4, seed=1)
        """

    /// Every refusal of a bow model, a seq2seq model and a cell: the statement, the text under the
    /// caret, the message (as the bow and seq2seq intercepts in front of the table gave them).
    static let refusals: [(statement: String, caret: String, message: String)] = [
        ("unroll base on \"我 打 你\"", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to unroll; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for unroll"),
        ("backward base on [[1]] target=0", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to backward; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for backward"),
        ("sample base", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to sample; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for sample"),
        ("jacobian base on [[1]]", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to jacobian; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for jacobian"),
        ("generate base from [[1]] steps=2", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to generate; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for generate"),
        ("plot hidden base on \"我 打 你\"", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to plot hidden; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for plot hidden"),
        ("plot jacobian base on [[1]]", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to plot jacobian; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for plot jacobian"),
        ("plot generate base from [[1]] steps=2", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to plot generate; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for plot generate"),
        ("plot gradients base on d", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to plot gradients; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for plot gradients"),
        ("plot gradients net base on d", "base",
         "'base' is a bow model: it has no time steps, hidden state or gradients through time to plot gradients; it counts a sentence's terms and classifies them (logits = W φ + b). Train, predict, show and plot it (plot loss, plot base.W), or use an rnn, lstm or gru cell for plot gradients"),
        ("translate base \"我 打 你\"", "base",
         "'base' is a bow model; translate works on seq2seq models (cell NAME = seq2seq(embed=32, hidden=64))"),
        ("plot attention base \"我 打 你\"", "base",
         "'base' is a bow model; plot attention works on seq2seq models (cell NAME = seq2seq(embed=32, hidden=64))"),
        ("set tr.W_hh = [[1]]", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("backward tr on [[1]] target=[1]", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("jacobian tr on [[1]]", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("sample tr", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("generate tr from [[1]] steps=2", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("plot hidden tr on [[1]]", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("plot gradients tr on d", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("plot jacobian tr on [[1]]", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("plot generate tr from [[1]] steps=2", "tr",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("plot tr.W_hh", "tr.W_hh",
         "'tr' is a seq2seq model (seq2seq(embed=2, hidden=4, layers=1, attention=additive, cell=gru)) and this statement works on rnn, lstm and gru cells; a seq2seq model takes train, translate, predict, unroll, plot attention, plot loss, show, copy, drop, save and load"),
        ("translate net \"i am\"", "net",
         "'net' is an rnn cell; translate works on seq2seq models (cell NAME = seq2seq(embed=32, hidden=64))"),
        ("plot attention net \"i am\"", "net",
         "'net' is an rnn cell; plot attention works on seq2seq models (cell NAME = seq2seq(embed=32, hidden=64))"),
    ]

    func testABowASeq2SeqAndACellGetTheRefusalsTheyAlwaysGot() throws {
        let ev = Evaluator()
        _ = try ev.run(Self.setup, output: RecordingSink())
        let before = ev.state
        for (statement, caret, message) in Self.refusals {
            do {
                _ = try ev.run(statement, output: RecordingSink())
                XCTFail("\(statement) was not refused")
            } catch let d as Diagnostic {
                XCTAssertEqual(d.kind, .value, statement)
                XCTAssertEqual(d.message, message, statement)
                let scalars = Array(statement.unicodeScalars)
                let under = d.range.map { String(String.UnicodeScalarView(scalars[$0.start.offset..<$0.end.offset])) }
                XCTAssertEqual(under, caret, statement)
            }
        }
        XCTAssertEqual(ev.state, before, "a refused statement changes nothing")
    }

    /// One statement of every form that names a model, for the table's declarations.
    static let forms = [
        "set m.W_hh = [[1]]", "show m", "show m.W_hh", "unroll m on xs", "backward m on xs target=[1]", "jacobian m on xs",
        "generate m from xs steps=2", "train m on data", "predict m on data", "sample m", "translate m \"a\"",
        "plot loss m", "plot hidden m on xs", "plot gradients m on data", "plot jacobian m on xs", "plot generate m from xs steps=2",
        "plot attention m \"a\"", "plot m.W_hh", "copy m as n", "drop m", "save m to \"f.json\"", "load m from \"f.json\"", "runs m",
    ]

    func testEveryStatementDeclaresTheKindsItTakesAndEveryRefusalNamesAnAlternative() throws {
        var declared: [String: ModelKinds] = [:]
        for spec in StatementSpec.all {
            for kinds in spec.models {
                XCTAssertNil(declared[kinds.form], "\(kinds.form) is declared twice")
                declared[kinds.form] = kinds
                XCTAssertFalse(kinds.accepted.isEmpty, kinds.form)
                XCTAssertEqual(Set(kinds.accepted).union(kinds.refused.keys), Set(ModelKind.allCases), "\(kinds.form): every kind is taken or refused")
                XCTAssertTrue(Set(kinds.accepted).isDisjoint(with: kinds.refused.keys), kinds.form)
            }
            // A statement whose syntax names a model declares what it takes; one that names none declares nothing.
            let namesModel = spec.syntax.contains(.model) || ["show", "plot"].contains(spec.keyword)
            XCTAssertEqual(spec.models.isEmpty, !namesModel, spec.keyword)
        }
        // Every form a statement is parsed into is declared in its own entry, and every declared form is one.
        var reached = Set<String>()
        for source in Self.forms + StatementTableTests.examples.values.map(\.statement) {
            let node = try XCTUnwrap(Parser.parse(source).first, source)
            let spec = try XCTUnwrap(node.keyword.flatMap(StatementSpec.named), source)
            guard let (form, names) = node.statement.modelTargets else {
                XCTAssertTrue(spec.models.isEmpty || spec.keyword == "plot" || spec.keyword == "show", "\(source) names no model, but its entry declares kinds")
                continue
            }
            XCTAssertFalse(names.isEmpty && form != "runs", source)
            XCTAssertTrue(spec.models.contains { $0.form == form }, "\(source): its form '\(form)' is not declared in the entry for \(spec.keyword)")
            reached.insert(form)
        }
        XCTAssertEqual(reached, Set(declared.keys), "give every declared form an example in ModelKindTests.forms")
        // Each refusal offers something instead: a kind the statement takes, or statements that take the refused model.
        let words: [ModelKind: String] = [.cell: "rnn, lstm", .seq2seq: "seq2seq model", .bow: "bow"]
        var refusals = 0
        for kinds in declared.values {
            for (kind, refusal) in kinds.refused {
                let (useKinds, useStatements) = refusal.instead
                XCTAssertFalse(useKinds.isEmpty && useStatements.isEmpty, "\(kinds.form) refuses \(kind) and offers nothing instead")
                let message = refusal.message(kinds.form, name: "m", model: "a model").lowercased()
                for k in useKinds {
                    XCTAssertTrue(kinds.accepted.contains(k), "\(kinds.form) offers \(k), which it does not take")
                    XCTAssertTrue(message.contains(words[k]!), "\(kinds.form), \(kind): \(message)")
                }
                for s in useStatements {
                    let other = try XCTUnwrap(declared[s], "\(kinds.form) offers \(s), which the table does not declare")
                    XCTAssertTrue(other.accepted.contains(kind), "\(kinds.form) offers \(s) for a \(kind) model, which \(s) refuses")
                    XCTAssertTrue(message.contains(s.replacingOccurrences(of: "NAME.PARAM", with: "m.")), "\(kinds.form), \(kind): \(s) not in \(message)")
                }
                refusals += 1
            }
        }
        XCTAssertGreaterThan(refusals, 15)
    }

    /// runs takes every kind: a seq2seq model not yet trained has no runs, and is not unknown.
    func testRunsTakesASeq2SeqModelBeforeItIsTrained() throws {
        let ev = Evaluator()
        _ = try ev.run(Self.setup, output: RecordingSink())
        let sink = RecordingSink()
        _ = try ev.run("runs tr", output: sink)
        XCTAssertTrue(sink.text.contains("no training runs yet for tr"), sink.text)
        XCTAssertThrowsError(try ev.run("runs nosuch", output: RecordingSink())) { error in
            XCTAssertTrue("\(error)".contains("no model named 'nosuch'"), "\(error)")
        }
    }
}
