import Jupyter
import RNN

// The statements about the session: runs and the log, the seed, help, output, widgets.
extension StatementSpec {
    static let runs = StatementSpec(
        "runs", syntax: [.model], summary: "table of training runs", watchable: true,
        models: [.any("runs")],
        help: """
            runs [NAME]

            One row per training run: id, model, data, options, seed, final loss, time. When a run was
            given validation=, a validation column shows its last epoch's loss (and accuracy).
            """,
        parse: { p in
            if p.atStatementEnd { return .runs(nil) }
            return .runs(try p.ident("a model name or the end of the line after 'runs'"))
        },
        run: { ctx, s in
            guard case let .runs(name) = s else { return }
            ctx.output.display(try ctx.runsTable(name), displayID: nil)
        })

    static let export = StatementSpec(
        "export", syntax: [.word("log"), .word("to"), .value], summary: "write the session's experiment log: export log to \"FILE\"",
        models: [],
        help: """
            export log to "FILE.jsonl"

            Writes every statement that changed the store or trained, with the seed, options, data
            fingerprint, loss curve, time and a SHA-256 of the weights, as JSON Lines. Replay it with
            `rnn-kernel replay FILE.jsonl`.
            The statements it records: {logged}.
            """,
        parse: { p in
            _ = try p.keyword("log")
            _ = try p.keyword("to")
            return .exportLog(path: try p.expression())
        },
        run: { ctx, s in
            guard case let .exportLog(path) = s else { return }
            try ctx.exportLog(path)
        })

    static let seed = StatementSpec(
        "seed", syntax: [.value], summary: "set the session seed: seed N",
        log: .session,
        models: [],
        help: """
            seed N

            Everything random that names no seed of its own (initial weights, datasets, shuffling) draws from
            a stream started by this seed, so a notebook run again gives the same numbers. The session starts
            with seed 0.
            """,
        parse: { p in
            .seed(try p.expression())
        },
        run: { ctx, s in
            guard case let .seed(e) = s else { return }
            let n = try ctx.eval(e).integer("the seed", at: e.range, min: 0)
            ctx.state.seed = UInt64(n)
            ctx.state.rng = SplitMix64(seed: UInt64(n))
        })

    static let help = StatementSpec(
        "help", syntax: [.custom], summary: "help for a statement, option or dataset",
        models: [],
        help: """
            help [TOPIC]

            Without a topic, lists the topics. Example:
              help train
            """,
        parse: { p in
            var words: [Ident] = []
            while !p.atStatementEnd {
                guard case let .name(n) = p.peek else { throw p.unexpected("a help topic") }
                words.append(Ident(n, p.take().range))
            }
            return .help(words)
        },
        run: { ctx, s in
            guard case let .help(words) = s else { return }
            let topic = words.map(\.name).joined(separator: " ")
            let text = try Help.text(for: topic, at: words.first.map { $0.range.joined(words.last!.range) })
            ctx.payloads.append(["source": "page", "data": ["text/plain": .string(text)], "start": 0])
        })

    static let print = StatementSpec(
        "print", syntax: [.value, .options], summary: "write values to stdout or stderr", options: OptionTable.print, watchable: true,
        models: [],
        help: """
            print EXPR [EXPR ...] [stream=stderr]

            Strings print without quotes; other values as they are written. Example:
              print "h =" demo.W_hh

            Options:
            {options}
            """,
        parse: { p in
            var values: [Expr] = []
            while !p.atStatementEnd, !p.isOptionStart {
                values.append(try p.expression())
                if p.peek == .punct(",") { _ = p.take() }
            }
            return .print(values, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .print(values, options) = s else { return }
            try ctx.checkOptions(options, OptionTable.print, statement: "print")
            var stream = StreamName.stdout
            if let o = options.first(where: { $0.key == "stream" }) {
                stream = try ctx.evalOption(o.value).choice("stream", ["stdout", "stderr"], at: o.value.range) == "stderr" ? .stderr : .stdout
            }
            let text = try values.map { try ctx.eval($0).printed }.joined(separator: " ")
            ctx.output.stream(stream, text + "\n")
        })

    static let exit = StatementSpec(
        "exit", aliases: ["quit"], syntax: [], summary: "leave: closes jupyter console, ends a script",
        models: [],
        help: """
            exit        (or quit)

            In jupyter console, leaves and shuts the kernel down. In a script run by `rnn-kernel run`, stops
            the script there with status 0. Nothing after it in the same cell runs.
            """,
        parse: { p in
            .exit
        },
        run: { ctx, s in
            // What ipykernel's exit sends: jupyter console closes; the kernel is shut down with it.
            ctx.payloads.append(["source": "ask_exit", "keepkernel": false])
            ctx.exitRequested = true
        })

    static let clear = StatementSpec(
        "clear", syntax: [], summary: "clear the cell's output",
        models: [],
        help: """
            clear

            Clears what the cell has shown so far (useful for animations).
            """,
        parse: { p in
            .clear
        },
        run: { ctx, s in
            ctx.output.clearOutput(wait: false)
        })

    static let slider = StatementSpec(
        "slider", syntax: [.name, .word("from"), .value, .word("to"), .value, .optionalWord("step"), .value, .options], summary: "a value with a slider: slider NAME from A to B [step S]", options: OptionTable.slider,
        log: .session,
        models: [],
        help: """
            slider NAME from A to B [step S] [value=V]

            Binds NAME to V (default A), as 'let NAME = V' would, and shows a slider for it in a front end
            with Jupyter widgets. Moving the slider rebinds NAME and re-runs every 'watch NAME: ...'.
            'let NAME = V' with V in the range moves the slider (and re-runs the watches) from the kernel.
            Integer ends and step give an integer slider; the step defaults to 1 for integer ends, else a
            hundredth of the span. A console shows the value as text.

            The experiment log records the slider as a statement, and each move as 'let NAME = V' (the
            moves of one drag, with nothing logged between them, make one entry: the last value), so a
            replay binds NAME as the session had it.

            Options:
            {options}

            Example:
              slider scale from 0 to 2 step 0.1 value=1
            """,
        parse: { p in
            let name = try p.ident("a name after 'slider'")
            _ = try p.keyword("from")
            let low = try p.expression()
            _ = try p.keyword("to")
            let high = try p.expression()
            var step: Expr?
            if p.peek == .name("step") {
                _ = p.take()
                step = try p.expression()
            }
            return .slider(name, from: low, to: high, step: step, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .slider(name, low, high, step, options) = s else { return }
            try ctx.defineSlider(name, low, high, step, options)
        })

    static let watch = StatementSpec(
        "watch", syntax: [.name, .custom], summary: "re-run a statement when a slider moves: watch NAME: STATEMENT",
        // Its statement is checked when it runs.
        models: [],
        help: """
            watch NAME: STATEMENT

            Runs STATEMENT now, into an output area, and again each time slider NAME moves. STATEMENT
            must be one that shows something: {watchable} or an expression.
            Each re-run works on a copy of the session that is then dropped, so the
            store, the values and the experiment log are as they were (a sample with the session's seed
            draws the same numbers each time); re-runs are not logged. An error in a re-run is shown in
            the output area. Defining slider NAME again ends the watches on the old one.

            Example:
              slider s from 0 to 2 step 0.25 value=1
              watch s: unroll demo on [[1,1],[1,1],[2,2]] h0=[s, s]
            """,
        parse: { p in
            try p.watchStatement()
        },
        run: { ctx, s in
            guard case let .watch(name, inner) = s else { return }
            try ctx.watch(name, inner)
        })
}

extension StatementSpec {
    /// `translate NAME "sentence"`: its help lives with the seq2seq model's (Seq2SeqHelp.swift), its
    /// code in Evaluator+Seq2Seq.swift; the table refuses every other kind of model.
    static let translate = StatementSpec(
        "translate", syntax: [.model, .value, .options], summary: Seq2SeqHelp.translate.summary, options: Seq2SeqHelp.decodeOptions,
        models: [.seq2seq("translate")],
        help: Seq2SeqHelp.translate.body,
        parse: { p in
            let model = try p.ident("a model name after 'translate'")
            let sentence = try p.expression()
            return .translate(model, sentence: sentence, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .translate(name, sentence, options) = s else { return }
            try ctx.translateStatement(name, sentence, options)
        })
}
