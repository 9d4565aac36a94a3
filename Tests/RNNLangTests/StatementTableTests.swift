import Foundation
import XCTest
import Jupyter
@testable import RNNLang

/// The table of statements drives help, completion and the log, and every option it (or a dataset
/// or text feature) advertises is read by its handler or refused: none is silently ignored.
final class StatementTableTests: XCTestCase {
    static let setup = """
        cell m = rnn(input=1, hidden=2, output=1, seed=1)
        let xs = [0.1, 0.2, 0.3]
        let data = sine(count=4, length=5, seed=1)
        let txt = text("abcabcabcabc", seq=4)
        cell ch = rnn(hidden=4, output=3, vocab=txt, seed=1)
        cell tr = seq2seq(embed=4, hidden=4, seed=1)
        train tr on reverse(count=4, length=3, symbols=3, seed=1) epochs=1 batch=2
        """

    /// One example of every statement: lines to run first, then the statement itself.
    static let examples: [String: (before: String, statement: String)] = [
        "cell": ("", "cell z = rnn(input=1, hidden=2)"),
        "let": ("", "let q = 1"),
        "set": ("", "set m.W_hh = [[0.5, 0], [0, 0.5]]"),
        "show": ("", "show m"),
        "unroll": ("", "unroll m on xs"),
        "backward": ("", "backward m on xs target=[1]"),
        "jacobian": ("", "jacobian m on xs"),
        "generate": ("", "generate m from xs steps=2"),
        "train": ("", "train m on data epochs=1"),
        "predict": ("", "predict m on data"),
        "sample": ("", "sample ch length=3 seed=1"),
        "plot": ("", "plot xs"),
        "models": ("", "models"),
        "copy": ("", "copy m as m2"),
        "drop": ("", "drop m"),
        "save": ("", "save m to \"PATH.json\""),
        "load": ("save m to \"PATH.json\"", "load m3 from \"PATH.json\""),
        "runs": ("", "runs"),
        "export": ("", "export log to \"PATH.jsonl\""),
        "seed": ("", "seed 3"),
        "help": ("", "help train"),
        "print": ("", "print 1"),
        "exit": ("", "exit"),
        "clear": ("", "clear"),
        "slider": ("", "slider t from 0 to 2"),
        "watch": ("slider s from 0 to 1", "watch s: print s"),
        "translate": ("", "translate tr \"0 1 2\""),
    ]

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The state after `setup`, made once: each trial starts from a copy of it.
    static let prepared: Result<SessionState, Error> = Result {
        let ev = Evaluator()
        _ = try ev.run(setup, output: RecordingSink())
        return ev.state
    }

    func session() throws -> Evaluator {
        let ev = Evaluator()
        ev.state = try Self.prepared.get()
        return ev
    }

    func testEveryEntryHasHelpAndAnExample() throws {
        XCTAssertEqual(Set(Self.examples.keys), Set(StatementSpec.all.map(\.keyword)), "give every statement an example here")
        XCTAssertEqual(Set(statementKeywords), Set(StatementSpec.all.flatMap(\.words)))
        let reference = Help.referenceMarkdown()
        for spec in StatementSpec.all {
            XCTAssertFalse(spec.summary.isEmpty, spec.keyword)
            for token in ["{options}", "{watchable}", "{logged}"] { XCTAssertFalse(spec.help.contains(token), spec.keyword) }
            XCTAssertEqual(Help.entry(spec.keyword)?.body, spec.help, spec.keyword)
            XCTAssertTrue(reference.contains("### \(spec.keyword)\n"), spec.keyword)
            for o in spec.options {
                XCTAssertTrue(spec.help.contains(o.name), "help \(spec.keyword) does not mention \(o.name)=")
                XCTAssertNotNil(Help.entry(o.name), "no help topic for the option \(o.name)")
            }
            XCTAssertEqual(spec.options.count, Set(spec.options.map(\.name)).count, spec.keyword)
        }
        for alias in StatementSpec.all.flatMap(\.aliases) { XCTAssertNotNil(Help.entry(alias), alias) }
    }

    func testEveryExampleParsesToItsEntryAndLogsAsTheTableSays() throws {
        for spec in StatementSpec.all {
            let (before, statement) = Self.examples[spec.keyword]!
            let path = directory.appendingPathComponent(spec.keyword).path
            let nodes = try Parser.parse(statement.replacingOccurrences(of: "PATH", with: path))
            XCTAssertEqual(nodes.map(\.keyword), [spec.keyword], statement)
            let ev = try session()
            if !before.isEmpty { _ = try ev.run(before.replacingOccurrences(of: "PATH", with: path), output: RecordingSink()) }
            let logged = ev.state.log.count
            _ = try ev.run(statement.replacingOccurrences(of: "PATH", with: path), output: RecordingSink())
            XCTAssertEqual(ev.state.log.count - logged, spec.log.isLogged ? 1 : 0, "\(statement): the log and the table disagree")
            if case .model = spec.log { XCTAssertNotNil(ev.state.log.last?.model, statement) }
            if case .run = spec.log { XCTAssertNotNil(ev.state.log.last?.losses, statement) }
        }
    }

    struct Names: CompletionContext {
        var modelNames = ["net"]
        var valueNames = ["xs"]
        func parameterNames(of model: String) -> [String]? { nil }
    }

    func completions(_ code: String) -> Set<String> {
        Set(complete(code: code, cursor: code.unicodeScalars.count, context: Names()).matches)
    }

    func testCompletionFollowsEachEntrysSyntax() {
        for spec in StatementSpec.all where spec.keyword != "plot" {
            let first = completions(spec.keyword + " ")
            switch spec.syntax.first {
            case .model?: XCTAssertEqual(first, ["net"], spec.keyword)
            case let .word(w)?: XCTAssertTrue(first.contains(w), spec.keyword)
            default: break
            }
            // After the model, the statement's next word (on, from, as, to); after it, its options.
            guard spec.syntax.first == .model, spec.syntax.count > 1 else { continue }
            switch spec.syntax[1] {
            case let .word(w), let .optionalWord(w):
                XCTAssertTrue(completions("\(spec.keyword) net ").contains(w), "\(spec.keyword) net: \(w)")
                let after = completions("\(spec.keyword) net \(w) xs ")
                for o in spec.options { XCTAssertTrue(after.contains(o.name + "="), "\(spec.keyword) net \(w) xs: \(o.name)=") }
            default:
                let after = completions("\(spec.keyword) net xs ")
                for o in spec.options { XCTAssertTrue(after.contains(o.name + "="), "\(spec.keyword) net xs: \(o.name)=") }
            }
        }
        XCTAssertEqual(completions("cell a = ").intersection(CellKindSpec.all.map(\.name)), Set(CellKindSpec.all.map(\.name)))
        for kind in CellKindSpec.all {
            XCTAssertEqual(completions("cell a = \(kind.name)(").intersection(kind.options.map { $0.name + "=" }), Set(kind.options.map { $0.name + "=" }), kind.name)
        }
    }

    // MARK: - Every advertised option is read or refused

    /// A value no option accepts: reading it is an error, so an option that is read fails here.
    static let bad = "[[[\"x\"]]]"

    /// Where each option is tried: `{o}` is replaced by `NAME=BAD`; `without` lists the base's own
    /// options, left out when they are the one tried.
    struct Trial {
        var source: String
        var without: [String: String] = [:]
    }

    /// A trial from a template whose own options are written `NAME=#`: the one tried is left out.
    func base(_ template: String, _ own: [String]) -> (String) -> String {
        { option in
            var s = template
            for o in own where o == option { s = s.replacingOccurrences(of: "\(o)=#, ", with: "").replacingOccurrences(of: "\(o)=# ", with: "") }
            for o in own { s = s.replacingOccurrences(of: "\(o)=#", with: "\(o)=\(self.ownValue(o))") }
            return s.replacingOccurrences(of: "{o}", with: "\(option)=\(Self.bad)")
        }
    }

    func statementTrials() -> [(owner: String, options: [String], trial: (String) -> String)] {
        var out: [(String, [String], (String) -> String)] = []
        let bases: [String: (String, [String])] = [
            "show": ("show m {o}", []),
            "unroll": ("unroll m on xs {o}", []),
            "backward": ("backward m on xs target=# {o}", ["target"]),
            "jacobian": ("jacobian m on xs {o}", []),
            "generate": ("generate m from xs {o}", []),
            "train": ("train m on data epochs=# {o}", ["epochs"]),
            "predict": ("predict m on data {o}", []),
            "sample": ("sample ch length=# {o}", ["length"]),
            "plot": ("plot xs {o}", []),
            "print": ("print 1 {o}", []),
            "slider": ("slider t from 0 to 1 {o}", []),
            "translate": ("translate tr \"0 1\" {o}", []),
        ]
        // cell's options are its kinds', tried below.
        for spec in StatementSpec.all where !spec.options.isEmpty && spec.keyword != "cell" {
            guard let (template, own) = bases[spec.keyword] else {
                XCTFail("give \(spec.keyword) a base statement here")
                continue
            }
            out.append((spec.keyword, spec.options.map(\.name), base(template, own)))
        }
        for kind in CellKindSpec.all {
            let (template, own): (String, [String]) = switch kind.name {
            case "seq2seq": ("cell z = seq2seq({o})", [])
            case "bow": ("cell z = bow(output=#, {o})", ["output"])
            default: ("cell z = \(kind.name)(input=#, hidden=#, {o})", ["input", "hidden"])
            }
            out.append((kind.name, kind.options.map(\.name), base(template, own)))
        }
        out.append(("train (seq2seq)", Seq2SeqHelp.trainOptions.map(\.name),
                    base("train tr on reverse(count=4, length=3, symbols=3, seed=1) epochs=# {o}", ["epochs"])))
        return out
    }

    func ownValue(_ option: String) -> String {
        ["target": "[1]", "output": "2", "epochs": "1", "length": "3", "input": "1", "hidden": "2", "count": "2", "column": "\"c\""][option]!
    }

    func callTrials() -> [(owner: String, options: [String], trial: (String) -> String)] {
        let calls: [String: String] = [
            "sine": "sine(count=#, length=#, {o})", "adding": "adding(count=#, length=#, {o})",
            "copy": "copy(count=#, length=#, {o})", "parity": "parity(count=#, length=#, {o})",
            "text": "text(\"abcabc\", {o})", "sentences": "sentences([[\"a b\", \"x\"]], {o})",
            "tagged": "tagged([[\"a b\", \"O O\"]], {o})", "csv": "csv(\"p.csv\", column=#, {o})", "pairs": "pairs([[[1], [1]]], {o})",
            "translation": "translation([[\"a\", \"b\"]], {o})", "reverse": "reverse(count=#, length=#, {o})",
            "bow": "bow([\"a b\"], {o})", "ngrams": "ngrams([\"a b\"], {o})", "tfidf": "tfidf([\"a b\"], {o})",
            "bm25": "bm25([\"a b\"], \"a\", {o})",
        ]
        // Options that replace the positional value are tried without it.
        let alone: [String: String] = ["text file": "text({o})", "tagged file": "tagged({o})", "translation file": "translation({o})"]
        let owners = DatasetHelp.specs.map { ($0.name, $0.options) } + Seq2SeqHelp.datasetSpecs.map { ($0.name, $0.options) }
            + FeatureHelp.specs.map { ($0.name, $0.options) }
        return owners.map { name, options in
            guard let template = calls[name] else {
                XCTFail("give \(name)(...) a base call here")
                return (name, [], { _ in "" })
            }
            let own = ["count", "length", "column"]
            return (name + "(...)", options, { option in "let v = " + self.base(alone["\(name) \(option)"] ?? template, own)(option) })
        }
    }

    func testEveryAdvertisedOptionIsReadOrRefused() throws {
        var tried = 0
        for (owner, options, trial) in statementTrials() + callTrials() {
            for option in options {
                let line = trial(option)
                let ev = try session()
                let source = Self.setup + "\n" + line
                do {
                    _ = try ev.run(line, output: RecordingSink())
                    XCTFail("\(owner): \(option)= was accepted with a value no option takes, so nothing read it: \(line)")
                } catch let d as Diagnostic {
                    // The caret is on the option: it was read (and refused), not something else in the line.
                    let written = "\(option)=\(Self.bad)"
                    let start = line.distance(from: line.startIndex, to: line.range(of: written)!.lowerBound)
                    let end = start + written.count
                    guard let r = d.range else { XCTFail("\(owner) \(option)=: no place in \(d)"); continue }
                    XCTAssertEqual(r.start.line, 1, "\(line): \(d) \(source.count)")
                    XCTAssertTrue(r.start.column - 1 >= start && r.end.column - 1 <= end, "\(line): \(d) at columns \(r.start.column)–\(r.end.column)")
                }
                tried += 1
            }
        }
        XCTAssertGreaterThan(tried, 100)
    }

    /// The two options that used to be advertised and ignored: text(stride=) now overlaps the windows,
    /// tagged(file=, lower=) is refused (a file's words are kept as written).
    func testTextStrideAndTaggedFileLower() throws {
        func examples(_ call: String) throws -> [[[Double]]] {
            let ev = Evaluator()
            _ = try ev.run("let d = " + call, output: RecordingSink())
            guard case let .dataset(d)? = ev.state.values["d"] else { XCTFail(call); return [] }
            return d.inputs
        }
        let tiled = try examples("text(\"abcdefghij\", seq=4)")
        let overlapping = try examples("text(\"abcdefghij\", seq=4, stride=2)")
        XCTAssertEqual(tiled.map(\.count), [4, 4, 1])
        XCTAssertEqual(overlapping.map(\.count), [4, 4, 4, 3])
        XCTAssertEqual(Array(overlapping[1].prefix(2)), Array(tiled[0].suffix(2)), "window 2 starts 2 characters after window 1")
        XCTAssertEqual(try examples("text(\"abcdefghij\", seq=4, stride=4)"), tiled)
        for bad in ["0", "5"] {
            XCTAssertThrowsError(try examples("text(\"abcdefghij\", seq=4, stride=\(bad))")) { error in
                XCTAssertTrue("\(error)".contains("stride"), "\(error)")
            }
        }
        let file = directory.appendingPathComponent("t.tsv")
        try "Anna visited Paris\tB-PER O B-LOC\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try examples("tagged(file=\"\(file.path)\")").count, 1)
        XCTAssertThrowsError(try examples("tagged(file=\"\(file.path)\", lower=false)")) { error in
            XCTAssertTrue("\(error)".contains("lower= applies to a list"), "\(error)")
        }
    }
}
