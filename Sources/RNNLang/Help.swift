/// Help text for every statement, option and dataset, shown by `help TOPIC` in the front end's
/// pager and by inspection (Shift-Tab). docs/reference.md is generated from these entries.
public enum Help {
    /// One help entry: a topic, its one-line summary, and its body.
    public struct Entry: Sendable {
        public let topic: String
        public let summary: String
        public let body: String
    }

    public static let statements: [Entry] = [
        Entry(topic: "cell", summary: "define (or redefine) a model: cell NAME = rnn|lstm|gru(...)", body: """
            cell NAME = rnn(input=I, hidden=H, output=O, ...)
            cell NAME = lstm(...)        cell NAME = gru(...)

            Defines a model in the store and prints its one-line summary and parameter count.
            Without output=, there is no output layer and y_t = h_t.

            Options:
            \(optionLines(OptionTable.cell))

            Equations (x_t a column vector, ⊙ the element-wise product):
              rnn   h_t = act(W_xh x_t + W_hh h_{t-1} + b_h)
              lstm  i,f,o = σ(W_x· x_t + W_h· h_{t-1} + b_·), g = tanh(...)
                    c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
              gru   r,z = σ(...), n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn))
                    h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
              y_t = output_activation(W_hy h_t + b_y)
            Layer k > 0 adds _l1, _l2… to parameter names; the reverse direction adds _reverse.

            Example:
              cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            """),
        Entry(topic: "let", summary: "bind a value to a name: let NAME = EXPR", body: """
            let NAME = EXPR

            Binds a number, string, boolean, list (a sequence or matrix) or dataset to NAME.
            Lists add, subtract, multiply and divide element by element; a number applies to every element.

            Example:
              let xs = [[1,1],[1,1],[2,2]]
              let data = sine(count=64, length=20, seed=1)
            """),
        Entry(topic: "set", summary: "set one parameter: set NAME.PARAM = MATRIX", body: """
            set NAME.PARAM = MATRIX

            Replaces one parameter of a model. The value must have the parameter's shape exactly: a matrix
            (a list of rows) for W_ parameters, a flat list for b_ parameters. A wrong shape is a ShapeError
            naming both shapes, and the model is left as it was.

            Example:
              set demo.W_hh = [[0.5, 0], [0, 0.5]]
            """),
        Entry(topic: "show", summary: "a model's summary table, a parameter's matrix, or a dataset's preview", body: """
            show NAME          parameter · shape · count, and the total
            show NAME.PARAM    the matrix, with row and column indices
            show DATA          the first examples of a dataset, with its widths and kind

            Example:
              show demo
              show demo.W_hh
            """),
        Entry(topic: "unroll", summary: "run a model over a sequence and show every step", body: """
            unroll NAME on SEQ [h0=VECTOR]

            The step table t · x_t · h_{t-1} · h_t · y_t. An lstm adds its gates i, f, g, o and c_t; a gru adds
            r, z, n. A stacked or bidirectional model gets a table per layer and direction, then the outputs.
            SEQ is a list of time steps, each a vector ([[1,1],[1,1],[2,2]]) or a number ([0.1, 0.2, 0.3]).

            Example:
              unroll demo on [[1,1],[1,1],[2,2]]
            """),
        Entry(topic: "backward", summary: "BPTT written out: the loss, every gradient, and ‖∂L/∂h_t‖ per step", body: """
            backward NAME on SEQ target=TARGET [loss=mse|xent] [bptt=N]

            Runs the model forward, then backpropagates through time. Shows the loss, ∂L/∂ every parameter
            and the norm of ∂L/∂h_t at each step, which is where vanishing and exploding gradients show.
            TARGET is a vector (compared with y_T), a sequence as long as SEQ (every y_t), or a class index
            (with loss=xent).

            Example:
              backward demo on [[1,1],[1,1],[2,2]] target=[1, 0]
            """),
        Entry(topic: "train", summary: "train a model with BPTT on a dataset", body: """
            train NAME on DATA [options]

            Shows a live progress line (epoch, step, loss, steps/s, time left) and a summary at the end.
            Interrupting keeps the weights of the last completed step. A loss that becomes NaN or infinite
            stops with DivergedError and keeps the last finite weights. Every run is recorded (see runs).

            Options:
            \(optionLines(OptionTable.train))

            Example:
              train net on sine(count=64, length=20, seed=1) epochs=20 lr=0.01 batch=8
            """),
        Entry(topic: "predict", summary: "a model's outputs on a sequence or dataset, with MSE or accuracy", body: """
            predict NAME on SEQ|DATA

            On a sequence: y_t for each step. On a dataset with targets: the outputs and the mean squared
            error (numbers) or accuracy (classes).

            Example:
              predict net on [0.1, 0.2, 0.3]
            """),
        Entry(topic: "sample", summary: "generate text from a model trained on text", body: """
            sample NAME [from "prime"] [length=200 temperature=1.0 seed=N]

            Feeds the prime, then draws each next character (or word) from softmax(y_t / temperature).
            Lower temperatures are more conservative, higher ones more surprising.

            Options:
            \(optionLines(OptionTable.sample))

            Example:
              sample charnet from "the " length=80 temperature=0.5 seed=1
            """),
        Entry(topic: "plot", summary: "charts: loss curves, hidden states, gradient norms, weights, sequences", body: """
            plot loss NAME [NAME ...]       training loss curves, one series a model
            plot hidden NAME on SEQ         heatmap of h_t: units × time
            plot gradients NAME on DATA     ‖∂L/∂h_t‖ against t on a log scale
            plot NAME.PARAM                 heatmap of a weight matrix
            plot SEQ                        line chart of a sequence (a list of sequences: several series)

            Text charts are 7-bit ASCII by default; rich front ends also get SVG.

            Options:
            \(optionLines(OptionTable.plot))

            Example:
              plot loss net
            """),
        Entry(topic: "models", summary: "table of the store: name, kind, shape, parameters, trained steps, last loss", body: """
            models

            Lists every model in the session.
            """),
        Entry(topic: "copy", summary: "copy a model under a new name: copy NAME as NEW", body: """
            copy NAME as NEW

            Copies the model, its weights and its training history. Example:
              copy demo as backup
            """),
        Entry(topic: "drop", summary: "remove a model or value: drop NAME", body: """
            drop NAME

            Removes a model from the store (or a value bound with let). Example:
              drop backup
            """),
        Entry(topic: "save", summary: "save a model to .json or .safetensors: save NAME to \"FILE\"", body: """
            save NAME to "FILE.json"          readable, full precision
            save NAME to "FILE.safetensors"   the state dict of the equivalent PyTorch model, float64

            Example:
              save demo to "demo.safetensors"
            """),
        Entry(topic: "load", summary: "load a model from .json or .safetensors: load NAME from \"FILE\"", body: """
            load NAME from "FILE"

            All or nothing: a file with a missing tensor or a wrong shape leaves the model as it was and the
            error names the tensor. Reads float64, float32 and float16 safetensors files written by PyTorch.

            Example:
              load demo from "demo.safetensors"
            """),
        Entry(topic: "runs", summary: "table of training runs", body: """
            runs [NAME]

            One row per training run: id, model, data, options, seed, final loss, time.
            """),
        Entry(topic: "export", summary: "write the session's experiment log: export log to \"FILE\"", body: """
            export log to "FILE.jsonl"

            Writes every statement that changed the store or trained, with the seed, options, data
            fingerprint, loss curve, time and a SHA-256 of the weights, as JSON Lines. Replay it with
            `rnn-kernel replay FILE.jsonl`.
            """),
        Entry(topic: "seed", summary: "set the session seed: seed N", body: """
            seed N

            Everything random that names no seed of its own (initial weights, datasets, shuffling) draws from
            a stream started by this seed, so a notebook run again gives the same numbers. The session starts
            with seed 0.
            """),
        Entry(topic: "help", summary: "help for a statement, option or dataset", body: """
            help [TOPIC]

            Without a topic, lists the topics. Example:
              help train
            """),
        Entry(topic: "print", summary: "write values to stdout or stderr", body: """
            print EXPR [EXPR ...] [stream=stderr]

            Strings print without quotes; other values as they are written. Example:
              print "h =" demo.W_hh
            """),
        Entry(topic: "exit", summary: "leave: closes jupyter console, ends a script", body: """
            exit        (or quit)

            In jupyter console, leaves and shuts the kernel down. In a script run by `rnn-kernel run`, stops
            the script there with status 0. Nothing after it in the same cell runs.
            """),
        Entry(topic: "clear", summary: "clear the cell's output", body: """
            clear

            Clears what the cell has shown so far (useful for animations).
            """),
    ]

    public static let concepts: [Entry] = [
        Entry(topic: "rnn", summary: "the vanilla recurrent cell", body: "rnn(input=I, hidden=H, ...)\n\nh_t = act(W_xh x_t + W_hh h_{t-1} + b_h), act = tanh, relu or linear.\nParameters: W_xh (H×I), W_hh (H×H), b_h (H). See: help cell"),
        Entry(topic: "lstm", summary: "the long short-term memory cell", body: "lstm(input=I, hidden=H, ...)\n\ni,f,o = σ(W_x· x_t + W_h· h_{t-1} + b_·), g = tanh(W_xg x_t + W_hg h_{t-1} + b_g)\nc_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).\nThe cell state c_t carries information across many steps; the forget gate f decides what stays.\nSee: help cell"),
        Entry(topic: "gru", summary: "the gated recurrent unit", body: "gru(input=I, hidden=H, ...)\n\nr,z = σ(W_x· x_t + W_h· h_{t-1} + b_·)\nn = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.\nSee: help cell"),
        Entry(topic: "options", summary: "how options are written", body: "Options are key=value after a statement's positional parts, separated by spaces or commas:\n  train net on data epochs=5, lr=0.01\nInside rnn(...), lstm(...), gru(...) they are separated the same way."),
        Entry(topic: "syntax", summary: "lexical rules", body: "One statement per line. A statement continues while ( or [ is open, or when a line ends with \\.\n# starts a comment. Names: [A-Za-z_][A-Za-z0-9_]*. Numbers: 1, -2.5, 1e-3.\nStrings: \"...\" with \\\", \\\\, \\n. Booleans: true, false. Lists: [1, 2].\nA sequence is a list of time steps, each a vector or a number."),
        Entry(topic: "errors", summary: "the kinds of error", body: "SyntaxError, NameError, ShapeError, ValueError, DivergedError, KeyboardInterrupt, IOError,\nMemoryError (a size past the kernel's budget: the message names the RNNKERNEL_* variable\nthat raises it; see the README, Limits).\nA failing statement changes nothing; the error shows the line with a caret under the place\nand suggests the nearest name when one is close."),
    ]

    static func optionLines(_ specs: [OptionSpec]) -> String {
        let width = (specs.map(\.name.count).max() ?? 0) + 2
        return specs.map { s in
            let pad = String(repeating: " ", count: width - s.name.count)
            let values = s.choices.map { " (" + $0.joined(separator: "|") + ")" } ?? ""
            return "  " + s.name + pad + s.help + values + "; default " + s.defaultText
        }.joined(separator: "\n")
    }

    /// Every entry: statements, concepts, and one per option and dataset.
    public static var all: [Entry] {
        var out = statements + concepts
        var seenOptions = Set<String>()
        for (statement, specs) in [("cell", OptionTable.cell), ("train", OptionTable.train), ("sample", OptionTable.sample),
                                   ("plot", OptionTable.plot), ("backward", OptionTable.backward), ("unroll", OptionTable.unroll),
                                   ("print", OptionTable.print)] {
            for s in specs where seenOptions.insert(s.name).inserted && !out.contains(where: { $0.topic == s.name }) {
                let values = s.choices.map { "\nValues: " + $0.joined(separator: ", ") } ?? ""
                out.append(Entry(topic: s.name, summary: "option of \(statement): \(s.help)",
                                 body: "\(s.name)=...   an option of \(statement)\n\n\(s.help).\(values)\nDefault: \(s.defaultText)\nSee: help \(statement)"))
            }
        }
        return out + datasetEntries
    }

    /// Help for the datasets (the constructors callable in expressions).
    public static var datasetEntries: [Entry] { DatasetHelp.entries }

    /// Topic names, for completion.
    public static var topics: [String] { all.map(\.topic) }

    /// The help text for a topic ("" lists topics). An unknown topic is a NameError with a suggestion.
    public static func text(for topic: String, at range: SourceRange? = nil) throws -> String {
        let t = topic.trimmingSpaces()
        if t.isEmpty { return index() }
        if let e = entry(t) { return e.body }
        throw Diagnostic(.name, "no help for '\(t)'\(didYouMean(t, topics)); 'help' lists the topics", at: range)
    }

    public static func entry(_ topic: String) -> Entry? {
        let aliases = ["export log": "export", "quit": "exit"]
        let t = aliases[topic] ?? topic
        return all.first { $0.topic == t }
    }

    static func index() -> String {
        func block(_ title: String, _ entries: [Entry]) -> String {
            let width = (entries.map(\.topic.count).max() ?? 0) + 2
            return title + "\n" + entries.map { "  " + $0.topic + String(repeating: " ", count: width - $0.topic.count) + $0.summary }.joined(separator: "\n")
        }
        return [
            "rnn-kernel: a small language for recurrent neural networks. 'help TOPIC' for more.",
            block("Statements:", statements),
            block("Cells and concepts:", concepts),
            block("Datasets:", datasetEntries),
            "Options: every option has its own topic too, e.g. 'help lr', 'help optimizer', 'help hidden'.",
        ].joined(separator: "\n\n")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return String(s)
    }
}

extension Help {
    /// docs/reference.md: every help entry, as the pager shows it, under headings.
    public static func referenceMarkdown() -> String {
        func section(_ title: String, _ entries: [Entry]) -> String {
            "## \(title)\n\n" + entries.map { e in
                "### \(e.topic)\n\n\(e.summary.prefix(1).uppercased() + e.summary.dropFirst()).\n\n```\n\(e.body)\n```\n"
            }.joined(separator: "\n")
        }
        let optionEntries = all.filter { e in !statements.contains { $0.topic == e.topic } && !concepts.contains { $0.topic == e.topic }
            && !datasetEntries.contains { $0.topic == e.topic } }
        return """
            # The RNN language: reference

            Generated from the kernel's own help (`Sources/RNNLang/Help.swift`); `help TOPIC` in a notebook
            shows the same text. The design of the language is in language.md; this page documents every
            statement, cell, dataset and option as the kernel implements them.

            \(section("Statements", statements))
            \(section("Cells and concepts", concepts))
            \(section("Datasets", datasetEntries))
            \(section("Options", optionEntries))
            """
    }
}
