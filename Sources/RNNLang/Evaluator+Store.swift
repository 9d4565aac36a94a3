import JSON
import Jupyter
import Plot
import RNN
import Store

extension StatementContext {
    func path(_ e: Expr) throws -> String {
        var copy = self
        let p = try copy.eval(e).text("the file name", at: e.range)
        guard !p.isEmpty else { throw Diagnostic(.value, "expected a file name, found an empty string", at: e.range) }
        guard !p.utf8.contains(0) else { throw Diagnostic(.value, "expected a file name, found a string with a NUL character (\\0) in it", at: e.range) }
        return p
    }

    mutating func save(_ name: Ident, _ pathExpr: Expr) throws {
        if isSeq2Seq(name.name) { return try saveSeq2Seq(name, pathExpr) }
        let entry = try modelEntry(name)
        try requireInput(name, entry, for: "save it")
        let p = try path(pathExpr)
        do { try ModelFiles.save(entry, to: p) } catch let e as ModelFileError { throw Diagnostic(.io, e.description, at: pathExpr.range) }
        say("saved \(name.name) to \(p)")
    }

    mutating func load(_ name: Ident, _ pathExpr: Expr) throws {
        try checkAssignable(name)
        let p = try path(pathExpr)
        // The file is read once and a `.json` parsed once: what is loaded is what the log's hash
        // names, and a large file is not read again to learn which kind of model it holds. A file
        // that cannot be read is an IOError, one whose contents are wrong a ValueError.
        let bytes: [UInt8]
        do { bytes = try ModelFiles.readBytes(p) } catch let e as ModelFileError { throw Diagnostic(.io, e.description, at: pathExpr.range) }
        var parsed: JSON? = nil
        if p.hasSuffix(".json") {
            do { parsed = try ModelFiles.parseModelJSON(bytes, file: p) } catch let e as ModelFileError {
                throw Diagnostic(.value, e.description + "; '\(name.name)' is unchanged", at: pathExpr.range)
            }
        }
        if try loadSeq2Seq(name, pathExpr, path: p, bytes: bytes, parsed: parsed) { return }
        let entry: ModelEntry
        do { entry = try ModelFiles.load(bytes, file: p, existing: state.store[name.name], parsed: parsed) } catch let e as ModelFileError {
            throw Diagnostic(.value, e.description + "; '\(name.name)' is unchanged", at: pathExpr.range)
        }
        state.values[name.name] = nil
        state.store[name.name] = entry
        loadedFileSHA256 = sha256Hex(bytes)
        say("loaded \(summaryLine(name.name, entry.model)) from \(p)")
    }

    func runsTable(_ model: Ident?) throws -> MimeBundle {
        if let model, state.store[model.name] == nil, !isSeq2Seq(model.name), !state.runs.contains(where: { $0.model == model.name }) {
            throw Diagnostic(.name, "no model named '\(model.name)'\(didYouMean(model.name, state.store.names + state.store.seq2seqNames))", at: model.range)
        }
        let runs = state.runs.filter { model == nil || $0.model == model!.name }
        // A validation column only when some run was given validation=: its last epoch's loss (and accuracy).
        let validated = runs.contains { $0.validation != nil }
        let rows = runs.map { r -> [String] in
            var row = [String(r.id), r.model, shorten(r.data, 40), r.options.isEmpty ? "-" : r.options, String(r.seed),
                       r.finalLoss.map { NumberFormat.short($0, decimals: 6) } ?? "-"]
            if validated {
                let last = r.validation?.epochs.last?.evaluation
                row.append(last.map { e in NumberFormat.short(e.loss, decimals: 6) + (e.accuracy.map { " (" + NumberFormat.short($0 * 100, decimals: 2) + "%)" } ?? "") } ?? "-")
            }
            return row + [String(r.losses.count), NumberFormat.fixed(r.seconds, decimals: 2) + " s", r.outcome]
        }
        let title = runs.isEmpty ? "no training runs yet\(model.map { " for \($0.name)" } ?? "")" : nil
        let headers = ["run", "model", "data", "options", "seed", "final loss"] + (validated ? ["validation"] : []) + ["steps", "time", "outcome"]
        return tableBundle(Table(title: title, headers: headers, rows: rows,
                                 alignments: [.right, .left, .left, .left, .right, .right] + (validated ? [.right] : []) + [.right, .right, .left]))
    }

    mutating func exportLog(_ pathExpr: Expr) throws {
        let p = try path(pathExpr)
        guard p.hasSuffix(".jsonl"), p.count > 6, !p.hasSuffix("/.jsonl") else {
            throw Diagnostic(.value, "expected a file name ending in .jsonl (the log is JSON lines), found \(quote(p))", at: pathExpr.range)
        }
        do { try ModelFiles.writeBytes(Array(ExperimentLog.jsonLines(state.log).utf8), to: p) } catch let e as ModelFileError {
            throw Diagnostic(.io, e.description, at: pathExpr.range)
        }
        say("wrote \(state.log.count) log entr\(state.log.count == 1 ? "y" : "ies") to \(p); replay with: rnn-kernel replay \(p)")
    }
}
