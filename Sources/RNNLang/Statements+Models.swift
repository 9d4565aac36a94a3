import Jupyter
import RNN

// The statements that define, change, show, copy, store and drop models and values.
extension StatementSpec {
    static let cell = StatementSpec(
        "cell", syntax: [.name, .custom], summary: "define (or redefine) a model: cell NAME = " + CellKindSpec.all.map(\.name).joined(separator: "|") + "(...)", options: OptionTable.cell,
        log: .model { s in if case let .cell(name, _, _) = s { return name } else { return nil } },
        models: [],
        help: """
            cell NAME = rnn(input=I, hidden=H, output=O, ...)
            cell NAME = lstm(...)        cell NAME = gru(...)
            cell NAME = seq2seq(...)     an encoder–decoder for translation: see help seq2seq
            cell NAME = bow(...)         a bag-of-words classifier: below

            Defines a model in the store and prints its one-line summary and parameter count.
            Without output=, there is no output layer and y_t = h_t.

            Options:
            {options}

            Equations (x_t a column vector, ⊙ the element-wise product):
              rnn   h_t = act(W_xh x_t + W_hh h_{t-1} + b_h)
              lstm  i,f,o = σ(W_x· x_t + W_h· h_{t-1} + b_·), g = tanh(...)
                    c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
              gru   r,z = σ(...), n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn))
                    h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
              y_t = output_activation(W_hy h_t + b_y)
            Layer k > 0 adds _l1, _l2… to parameter names; the reverse direction adds _reverse.
            help rnn, help lstm and help gru list each kind's parameters by name, with their shapes.

            Embeddings: with embed=E, x_t is row token_t of W_emb (V×E; V is the vocabulary's size, which
            is then input=, so input= may be left to the data), drawn N(0, 1) as nn.Embedding draws it,
            and trained with the rest. It reads words or characters (sentences, tagged, text), one token
            a step. A word its vocabulary has not seen (<unk>) reads as the zero vector, as it does for a
            one-hot model, and adds no gradient (nn.Embedding's padding_idx row). Its .safetensors file is the state dict of nn.Embedding + nn.RNN/LSTM/GRU + nn.Linear
            (keys embedding.weight, rnn.*, fc.*), course article 004's RNNClassifier:
              cell clf = lstm(embed=8, hidden=16, output=2)

            Biases (see help biases): with bias=true, the default, each gate has PyTorch's two biases, an
            x-side and an h-side one (rnn b_xh, b_hh; lstm b_xi b_hi … b_xo b_ho; gru b_xr b_hr, b_xz b_hz,
            b_xn b_hn), trained separately as nn.RNN/LSTM/GRU train bias_ih and bias_hh, so the parameter
            counts are PyTorch's. The textbook's b_h, b_i, b_r… read as the sum of the two. bias=single keeps
            one bias per gate (Keras's convention; gru keeps b_xn and b_hn); bias=false has none.

            Bag of words, a classifier with no recurrence to set beside them:
            \(BagOfWordsHelp.body)
            bow options:
            \(Help.optionLines(BagOfWordsHelp.cellOptions))

            Example:
              cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            """,
        parse: { p in
            let name = try p.ident("a model name after 'cell'")
            _ = try p.expect("=", "'=' after the model name")
            let kind = try p.ident("a cell kind (\(CellKindSpec.namesText))")
            _ = try p.expect("(", "'(' after '\(kind.name)'")
            let options = try p.optionList(until: ")")
            _ = try p.expect(")")
            return .cell(name, kind: kind, options: options)
        },
        run: { ctx, s in
            guard case let .cell(name, kind, options) = s else { return }
            guard let k = CellKindSpec.named(kind.name) else {
                throw Diagnostic(.value, withSuggestion("unknown cell kind '\(kind.name)'", kind.name, CellKindSpec.all.map(\.name), separator: ": ", then: "expected \(CellKindSpec.namesText)"), at: kind.range)
            }
            try k.define(&ctx, name, kind, options)
        })

    static let assign = StatementSpec(
        "let", syntax: [.name, .value], summary: "bind a value to a name: let NAME = EXPR",
        log: .session,
        models: [],
        help: """
            let NAME = EXPR

            Binds a number, string, boolean, list (a sequence or matrix) or dataset to NAME.
            Lists add, subtract, multiply and divide element by element; a number applies to every element.
            A @ B is the matrix product, M.T the transpose, NAME.PARAM a model's parameter as a matrix, and
            the functions (tanh, sigmoid, relu, exp, log, sqrt, abs, softmax, norm, eye, zeros, ones, eig,
            svd, spectral_radius) each have their help topic.

            Example:
              let xs = [[1,1],[1,1],[2,2]]
              let data = sine(count=64, length=20, seed=1)
              let W = 0.9 * eye(3)
              print spectral_radius(net.W_hh) net.W_hh.T @ [1, 0, 0]
            """,
        parse: { p in
            let name = try p.ident("a name after 'let'")
            _ = try p.expect("=", "'=' after the name")
            return .assign(name, try p.expression())
        },
        run: { ctx, s in
            guard case let .assign(name, e) = s else { return }
            try ctx.checkAssignable(name)
            let v = try ctx.eval(e)
            if case .model = v {
                throw Diagnostic(.value, "expected a number, string, list or dataset after 'let \(name.name) =', found a model; use 'copy \(v.literal) as \(name.name)' to copy a model", at: e.range)
            }
            ctx.state.values[name.name] = v
        })

    static let set = StatementSpec(
        "set", syntax: [.model, .custom], summary: "set one parameter: set NAME.PARAM = MATRIX",
        log: .model { s in if case let .setParameter(name, _, _) = s { return name } else { return nil } },
        models: [ModelKinds(form: "set", accepted: [.cell, .bow], refused: [.seq2seq: .cellsOnly])],
        help: """
            set NAME.PARAM = MATRIX

            Replaces one parameter of a model. The value must have the parameter's shape exactly: a matrix
            (a list of rows) for W_ parameters, a flat list for b_ parameters. A wrong shape is a ShapeError
            naming both shapes, and the model is left as it was. With PyTorch's two biases (bias=true), a
            textbook bias such as b_h sets the x-side (b_xh) to the value and the h-side (b_hh) to 0.

            Example:
              set demo.W_hh = [[0.5, 0], [0, 0.5]]
            """,
        parse: { p in
            let model = try p.ident("a model name after 'set'")
            _ = try p.expect(".", "'.' and a parameter name (set NAME.PARAM = MATRIX)")
            let param = try p.ident("a parameter name")
            _ = try p.expect("=", "'=' after the parameter")
            return .setParameter(model: model, parameter: param, value: try p.expression())
        },
        run: { ctx, s in
            guard case let .setParameter(model, parameter, value) = s else { return }
            try ctx.setParameter(model, parameter, value)
        })

    static let show = StatementSpec(
        "show", syntax: [.value, .options], summary: "a model's summary table, a parameter's matrix, or a dataset's preview", options: OptionTable.show, watchable: true,
        models: [.any("show")],
        help: """
            show NAME          parameter · shape · count, and the total
            show NAME.PARAM    the matrix, with row and column indices (b_h, b_i, b_r…: the sum of the
                               two biases PyTorch keeps, e.g. b_h = b_xh + b_hh)
            show DATA          the first examples of a dataset, with its widths and kind
            show NAME.vocab    the words or characters a model reads, with their ids (0 is <unk>)
            show NAME.labels   its labels or tags, with their ids (see help vocabulary)

            Example:
              show demo
              show demo.W_hh
              show senti.vocab
            """,
        parse: { p in
            let target = try p.expression()
            return .show(target, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .show(target, options) = s else { return }
            try ctx.checkOptions(options, OptionTable.show, statement: "show")
            try ctx.show(target)
        })

    static let models = StatementSpec(
        "models", syntax: [], summary: "table of the store: name, kind, shape, parameters, trained steps, last loss", watchable: true,
        models: [],
        help: """
            models

            Lists every model in the session.
            """,
        parse: { p in
            .models
        },
        run: { ctx, s in
            ctx.output.display(ctx.modelsTable(), displayID: nil)
        })

    static let copy = StatementSpec(
        "copy", syntax: [.model, .word("as"), .name], summary: "copy a model under a new name: copy NAME as NEW",
        log: .model { s in if case let .copy(_, name) = s { return name } else { return nil } },
        models: [.any("copy")],
        help: """
            copy NAME as NEW

            Copies the model, its weights, its vocabulary and labels, and its training history. Example:
              copy demo as backup
            """,
        parse: { p in
            let from = try p.ident("a model name after 'copy'")
            _ = try p.keyword("as")
            return .copy(from, as: try p.ident("a new name after 'as'"))
        },
        run: { ctx, s in
            guard case let .copy(from, to) = s else { return }
            if ctx.isSeq2Seq(from.name) { return try ctx.copySeq2Seq(from, as: to) }
            try ctx.checkAssignable(to)
            let entry = try ctx.modelEntry(from)
            if ctx.state.store[to.name] != nil { ctx.warn("'\(to.name)' already exists; replacing it with a copy of '\(from.name)'") }
            ctx.state.store[to.name] = entry
            // The name is the model's now: a value bound to it before would hide the copy.
            ctx.state.values[to.name] = nil
            ctx.say("copied \(from.name) to \(to.name)")
        })

    static let drop = StatementSpec(
        "drop", syntax: [.model], summary: "remove a model or value: drop NAME",
        log: .session,
        models: [.any("drop")],
        help: """
            drop NAME

            Removes a model from the store (or a value bound with let). Example:
              drop backup
            """,
        parse: { p in
            .drop(try p.ident("a model name after 'drop'"))
        },
        run: { ctx, s in
            guard case let .drop(name) = s else { return }
            if ctx.isSeq2Seq(name.name) {
                ctx.dropSeq2Seq(name)
            } else if ctx.state.store[name.name] != nil {
                ctx.state.store[name.name] = nil
                ctx.say("dropped model \(name.name)")
            } else if ctx.state.values[name.name] != nil {
                ctx.state.values[name.name] = nil
                ctx.say("dropped \(name.name)")
            } else {
                // Only names can be dropped: suggesting a statement keyword here would mislead.
                throw Diagnostic(.name, "nothing named '\(name.name)' to drop: expected a model or a value bound with let\(didYouMean(name.name, ctx.knownNames))", at: name.range)
            }
        })

    static let save = StatementSpec(
        "save", syntax: [.model, .word("to"), .value], summary: "save a model to .json or .safetensors: save NAME to \"FILE\"",
        models: [.any("save")],
        help: """
            save NAME to "FILE.json"          readable, full precision
            save NAME to "FILE.safetensors"   the state dict of the equivalent PyTorch model, float64

            The PyTorch model: self.rnn = nn.RNN|LSTM|GRU(input, hidden, layers, bidirectional=...,
            batch_first=True) and self.fc = nn.Linear(hidden * directions, output), keys rnn.*, fc.*; a
            model with embed=E adds self.embedding = nn.Embedding(V, E) before it (key embedding.weight),
            course article 004's RNNClassifier, and loads into it with load_state_dict(strict=True).
            A model with a vocabulary keeps it in the file: in .json as "vocab" and "labels", in
            .safetensors in __metadata__ as vocab and labels, JSON arrays in id order (with vocab_level
            and lower), which Python reads with json.loads(safe_open(...).metadata()["vocab"]).

            Example:
              save demo to "demo.safetensors"
            """,
        parse: { p in
            let model = try p.ident("a model name after 'save'")
            _ = try p.keyword("to")
            return .save(model, path: try p.expression())
        },
        run: { ctx, s in
            guard case let .save(name, path) = s else { return }
            try ctx.save(name, path)
        })

    static let load = StatementSpec(
        "load", syntax: [.model, .word("from"), .value], summary: "load a model from .json or .safetensors: load NAME from \"FILE\"",
        log: .model { s in if case let .load(name, _) = s { return name } else { return nil } },
        models: [.any("load")],
        help: """
            load NAME from "FILE"

            All or nothing: a file with a missing tensor or a wrong shape leaves the model as it was and the
            error names the tensor. Reads float64, float32 and float16 safetensors files written by PyTorch.
            A vocabulary that is empty, holds a token twice, has <unk> anywhere but id 0, or does not match
            the width of x_t is refused here, naming what is wrong. Files saved without one load as before.

            Example:
              load demo from "demo.safetensors"
            """,
        parse: { p in
            let model = try p.ident("a model name after 'load'")
            _ = try p.keyword("from")
            return .load(model, path: try p.expression())
        },
        run: { ctx, s in
            guard case let .load(name, path) = s else { return }
            try ctx.load(name, path)
        })
}
