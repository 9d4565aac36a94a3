import Jupyter

/// What completion needs to know of the session.
public protocol CompletionContext {
    var modelNames: [String] { get }
    var valueNames: [String] { get }
    func parameterNames(of model: String) -> [String]?
}

/// Dataset constructors callable in expressions.
public let datasetNames = ["sine", "adding", "copy", "parity", "text", "sentences", "tagged", "csv", "pairs"]

/// Completions for the word at `cursor` (a code point offset into `code`).
public func complete(code: String, cursor: Int, context: CompletionContext) -> Completion {
    let scalars = Array(code.unicodeScalars)
    let cur = max(0, min(cursor, scalars.count))
    var start = cur
    while start > 0, isNameStart(scalars[start - 1]) || isDigit(scalars[start - 1]) { start -= 1 }
    var end = cur
    while end < scalars.count, isNameStart(scalars[end]) || isDigit(scalars[end]) { end += 1 }
    if let inString = stringCompletion(scalars, cursor: cur) { return inString }
    let word = String(String.UnicodeScalarView(scalars[start..<cur]))
    let statement = currentStatement(scalars, upTo: start)
    let words = statement.words

    var candidates: [(String, String)] = []  // (text, type)
    func add(_ items: [String], _ type: String) { candidates += items.map { ($0, type) } }

    let before = start > 0 ? scalars[start - 1] : " "
    if before == ".", start >= 2 {
        // NAME.| : the model's parameters
        var s = start - 1
        while s > 0, isNameStart(scalars[s - 1]) || isDigit(scalars[s - 1]) { s -= 1 }
        let model = String(String.UnicodeScalarView(scalars[s..<(start - 1)]))
        add(context.parameterNames(of: model) ?? [], "parameter")
        // Any matrix (a value or a parameter) has its transpose.
        if context.valueNames.contains(model) || s >= 1 && ["]", ")"].contains(scalars[s - 1]) { add(["T"], "transpose") }
    } else if before == "=", let key = statement.optionKeyBeforeEquals, let spec = optionSpec(key, statement: statement) {
        // key=| : the option's values
        add(spec.choices ?? [], "value")
        if spec.choices == nil { add(context.valueNames, "variable") }
    } else if words.isEmpty && !statement.insideCall {
        add(statementKeywords, "keyword")
        add(context.valueNames, "variable")
        add(context.modelNames, "model")
    } else if words.first == "help" {
        add(Help.topics, "topic")
    } else if let call = statement.openCall, ["rnn", "lstm", "gru"].contains(call) {
        add(OptionTable.cell.map { $0.name + "=" }, "option")
    } else if statement.openCall == "seq2seq" {
        add(Seq2SeqHelp.cellOptions.map { $0.name + "=" }, "option")
    } else if statement.openCall == "bow", words.first == "cell" {
        add(BagOfWordsHelp.cellOptions.map { $0.name + "=" }, "option")
    } else if words.first == "cell", statement.sawEquals, !statement.insideCall {
        add(["rnn", "lstm", "gru", "seq2seq", "bow"], "cell")
    } else if let call = statement.openCall, Seq2SeqHelp.datasetNames.contains(call) {
        add(Seq2SeqHelp.options(of: call).map { $0 + "=" }, "option")
        add(context.valueNames, "variable")
    } else if let call = statement.openCall, datasetNames.contains(call) {
        add(DatasetHelp.options(of: call).map { $0 + "=" }, "option")
        add(context.valueNames, "variable")
    } else if let call = statement.openCall, FeatureHelp.names.contains(call) {
        add(FeatureHelp.options(of: call).map { $0 + "=" }, "option")
        add(context.valueNames, "variable")
        add(datasetNames, "dataset")
    } else {
        let first = words.first ?? ""
        let modelFirst = ["unroll", "backward", "jacobian", "generate", "train", "predict", "sample", "set", "copy", "drop", "save", "runs"]
        if modelFirst.contains(first) && words.count == 1 {
            add(context.modelNames, "model")
        } else if first == "load" && words.count == 1 {
            add(context.modelNames, "model")
        } else if first == "plot" && words.count == 1 {
            add(["loss", "hidden", "gradients", "jacobian", "generate"], "keyword")
            add(context.modelNames, "model")
            add(context.valueNames, "variable")
        } else if first == "plot" && words.count >= 2 && words[1] == "loss" {
            add(context.modelNames, "model")
            add(OptionTable.plot.map { $0.name + "=" }, "option")
        } else {
            let plotsFrom = first == "plot" && words.count >= 2 && words[1] == "generate"
            if (["unroll", "backward", "jacobian", "train", "predict", "plot"].contains(first) && words.count >= 2 && !words.contains("on") && !plotsFrom) {
                add(["on"], "keyword")
            }
            if (first == "generate" && words.count >= 2 || plotsFrom && words.count >= 3) && !words.contains("from") { add(["from"], "keyword") }
            if first == "plot" && words.count >= 2 && words.contains("on") || plotsFrom && words.contains("from") {
                if words[1] == "jacobian" { add(OptionTable.jacobian.filter { $0.name != "matrices" }.map { $0.name + "=" }, "option") }
                if words[1] == "generate" { add(OptionTable.generate.map { $0.name + "=" }, "option") }
            }
            if first == "sample" && words.count >= 2 && !words.contains("from") { add(["from"], "keyword") }
            if first == "copy" && words.count == 2 { add(["as"], "keyword") }
            if first == "save" && words.count == 2 { add(["to"], "keyword") }
            if first == "load" && words.count == 2 { add(["from"], "keyword") }
            if first == "export" && words.count == 1 { add(["log"], "keyword") }
            if let specs = OptionTable.forStatement(first), words.contains("on") || ["sample", "print", "plot"].contains(first)
                || (first == "generate" && words.contains("from")) {
                add(specs.map { $0.name + "=" }, "option")
            }
            add(context.valueNames, "variable")
            add(context.modelNames, "model")
            add(datasetNames + Seq2SeqHelp.datasetNames, "dataset")
            add(FeatureHelp.names, "function")
            add(MathFunctions.names, "function")
            add(["true", "false"], "literal")
        }
    }

    var seen = Set<String>()
    let matches = candidates.filter { $0.0.hasPrefix(word) && !$0.0.isEmpty && seen.insert($0.0).inserted }
        .sorted { $0.0.lowercased() < $1.0.lowercased() }
    return Completion(matches: matches.map(\.0), cursorStart: start, cursorEnd: end, types: matches.map { (text: $0.0, type: $0.1) })
}

func optionSpec(_ key: String, statement: StatementPrefix) -> OptionSpec? {
    if let call = statement.openCall, ["rnn", "lstm", "gru"].contains(call) { return OptionTable.cell.first { $0.name == key } }
    if statement.openCall == "bow", statement.words.first == "cell" { return BagOfWordsHelp.cellOptions.first { $0.name == key } }
    if let specs = OptionTable.forStatement(statement.words.first ?? "") { return specs.first { $0.name == key } }
    return nil
}

/// What precedes the cursor in the current statement.
struct StatementPrefix {
    /// Bare words at bracket depth 0, in order (keywords, names).
    var words: [String] = []
    /// The name before the innermost open `(`, if any.
    var openCall: String?
    var insideCall: Bool { openCall != nil || depth > 0 }
    var depth = 0
    var sawEquals = false
    /// The key of a `key=` ending right before the cursor's word.
    var optionKeyBeforeEquals: String?
}

/// Scans back to where the current statement began (a newline at depth 0 not after `\`), then forward.
func currentStatement(_ s: [Unicode.Scalar], upTo end: Int) -> StatementPrefix {
    var begin = 0
    var depth = 0
    var i = 0
    var inString = false
    var lastNonSpace: Unicode.Scalar = "\n"
    while i < end {
        let c = s[i]
        if inString {
            if c == "\\" { i += 2; continue }
            if c == "\"" { inString = false }
        } else if c == "\"" {
            inString = true
        } else if c == "#" {
            while i < end, s[i] != "\n" { i += 1 }
            continue
        } else if c == "(" || c == "[" {
            depth += 1
        } else if c == ")" || c == "]" {
            depth = max(0, depth - 1)
        } else if c == "\n", depth == 0, lastNonSpace != "\\" {
            begin = i + 1
        }
        if c != " " && c != "\t" && c != "\n" { lastNonSpace = c }
        i += 1
    }
    var p = StatementPrefix()
    var stack: [String?] = []
    var lastName: String?
    i = begin
    while i < end {
        let c = s[i]
        if c == "\"" {
            i += 1
            while i < end, s[i] != "\"" { if s[i] == "\\" { i += 1 }; i += 1 }
            i += 1
            lastName = nil
            continue
        }
        if isNameStart(c) {
            var j = i
            while j < end, isNameStart(s[j]) || isDigit(s[j]) { j += 1 }
            let name = String(String.UnicodeScalarView(s[i..<j]))
            if stack.isEmpty {
                // Skip option values and keys: a name right after '=' or before '=' is not a statement word.
                var k = j
                while k < end, s[k] == " " { k += 1 }
                let isKey = k < end && s[k] == "="
                var b = i - 1
                while b >= begin, s[b] == " " { b -= 1 }
                let isValue = b >= begin && s[b] == "=" && p.words.first != "let" && p.words.first != "cell"
                if !isKey && !isValue { p.words.append(name) }
            }
            lastName = name
            i = j
            continue
        }
        if c == "(" { stack.append(lastName) } else if c == "[" { stack.append(nil) } else if c == ")" || c == "]" { _ = stack.popLast() }
        if c == "=" && stack.isEmpty { p.sawEquals = true }
        if c != " " { lastName = c == "(" ? nil : (c == "=" ? lastName : nil) }
        i += 1
    }
    p.depth = stack.count
    p.openCall = stack.last ?? nil
    // key=| : find the name before the '=' that ends the prefix
    var b = end - 1
    if b >= begin, s[b] == "=" {
        b -= 1
        while b >= begin, s[b] == " " { b -= 1 }
        var a = b
        while a >= begin, isNameStart(s[a]) || isDigit(s[a]) { a -= 1 }
        if a < b { p.optionKeyBeforeEquals = String(String.UnicodeScalarView(s[(a + 1)...b])) }
    }
    return p
}
