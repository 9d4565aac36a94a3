import Jupyter
import Plot
import RNN
import Store

/// A model's vocabulary in statements: fixing it from the first data, reading later data and
/// strings with it (never with their own), and `show NAME.vocab` / `show NAME.labels`.
extension StatementContext {
    /// `data` as the model under `name` reads it. A model without a vocabulary takes the data's when
    /// `fix` is set (train, `vocab=`); one with a vocabulary re-encodes the data with it, warning how
    /// many tokens were unseen (they become `<unk>`); an unknown label is a ValueError naming it.
    func readWithVocabulary(_ data: Dataset, _ entry: inout ModelEntry, name: String, fix: Bool, at range: SourceRange) throws -> Dataset {
        guard let own = data.vocabulary else {
            // Symbols that are their own next-step classes (copy(...)): kept so `sample` can draw them.
            if fix, entry.vocab == nil, let names = data.inputVocabulary, names == data.classNames, !names.isEmpty {
                entry.vocab = Vocabulary(tokens: names, level: names.allSatisfy { $0.count == 1 } ? .character : .word)
            }
            return data
        }
        guard let vocab = entry.vocab else {
            if fix {
                entry.vocab = own
                entry.labels = data.classNames == data.inputVocabulary ? nil : data.classNames
            }
            return data
        }
        let e: Encoded
        do { e = try data.encoded(with: vocab, labels: entry.labels) } catch let err as ModelError { throw modelError(err, at: range) }
        warnUnknown(e.unknown, of: e.total, vocab, name: name)
        if e.leftOut > 0 {
            warn("\(e.leftOut) step\(e.leftOut == 1 ? "" : "s") of \(data.summary) predict\(e.leftOut == 1 ? "s" : "") a character \(name) has never seen and \(e.leftOut == 1 ? "is" : "are") left out")
        }
        return e.data
    }

    func warnUnknown(_ unknown: Int, of total: Int, _ vocab: Vocabulary, name: String) {
        guard unknown > 0 else { return }
        let unit = vocab.level == .word ? (total == 1 ? "word" : "words") : (total == 1 ? "character" : "characters")
        warn("\(unknown) of \(total) \(unit) \(unknown == 1 ? "is" : "are") not in \(name)'s vocabulary of \(vocab.width) \(vocab.unitName) and \(unknown == 1 ? "is" : "are") read as <unk>")
    }

    /// A string as the sequence of one-hot x_t the model reads, with its tokens (nil for anything
    /// that is not a string given to a model with a vocabulary).
    func stringSequence(_ v: Value, _ entry: ModelEntry, name: String, at range: SourceRange) throws -> (seq: [[Double]], tokens: [String])? {
        guard case let .string(s) = v, let vocab = entry.vocab else { return nil }
        let tokens = vocab.split(s)
        guard !tokens.isEmpty else { throw Diagnostic(.value, "expected a string with at least one \(vocab.level == .word ? "word" : "character"), found \(v.literal)", at: range) }
        let encoded: (ids: [Int], unknown: Int)
        do { encoded = try vocab.encode(tokens) } catch let e as ModelError { throw modelError(e, at: range) }
        warnUnknown(encoded.unknown, of: tokens.count, vocab, name: name)
        // The table shows each token as the model read it: an unseen one as <unk>.
        return (encoded.ids.map(vocab.oneHot), encoded.ids.map { vocab.tokens[$0] })
    }

    /// A token as a table shows it: a space or a line break made visible.
    func shownToken(_ t: String) -> String {
        switch t {
        case " ": return "' '"
        case "\n": return "\\n"
        case "\t": return "\\t"
        default: return t
        }
    }

    /// `show NAME.vocab` and `show NAME.labels`: id and token; false when `member` is neither.
    func showVocabulary(_ model: String, _ member: String, _ entry: ModelEntry, at range: SourceRange) throws -> Bool {
        guard member == "vocab" || member == "labels", entry.model.parameter(member) == nil else { return false }
        guard let vocab = entry.vocab else {
            throw Diagnostic(.value, "'\(model)' has no vocabulary yet: the first text data it is trained on (sentences, tagged, text) fixes it, or define it with vocab=DATA", at: range)
        }
        let title: String, head: String, items: [String]
        if member == "vocab" {
            items = vocab.tokens
            head = vocab.level == .word ? "word" : "character"
            title = "\(model).vocab · \(vocab.width) \(vocab.unitName)\(vocab.hasUnknown ? " and <unk> (id 0, x_t = 0)" : "")\(vocab.level == .word ? (vocab.lower ? ", lowercased" : ", lower=false") : "")"
        } else {
            guard let labels = entry.labels else {
                throw Diagnostic(.value, "'\(model)' predicts the next character: its classes are its vocabulary (show \(model).vocab)", at: range)
            }
            items = labels
            head = "label"
            title = "\(model).labels · \(labels.count) label\(labels.count == 1 ? "" : "s")"
        }
        let rows = items.enumerated().map { [String($0.offset), shownToken($0.element)] }
        output.display(tableBundle(Table(title: title, headers: ["id", head], rows: rows, alignments: [.right, .left])), displayID: nil)
        return true
    }

    /// The name of class `k` as the model knows it: its label, its character, or the number.
    func className(_ k: Int, _ entry: ModelEntry) -> String {
        if let l = entry.labels { return k < l.count ? l[k] : String(k) }
        if let v = entry.vocab, v.level == .character, k < v.width { return shownToken(v.words[k]) }
        return String(k)
    }
}
