import Jupyter
import RNN

// The statements that run a model: one step at a time, backward, training, prediction, plots.
extension StatementSpec {
    static let unroll = StatementSpec(
        "unroll", syntax: [.model, .word("on"), .value, .options], summary: "run a model over a sequence and show every step", options: OptionTable.unroll, watchable: true,
        models: [ModelKinds(form: "unroll", accepted: [.cell, .seq2seq], refused: [.bow: .noTimeSteps])],
        help: """
            unroll NAME on SEQ [h0=VECTOR] [interactive=true]

            The step table t · x_t · h_{t-1} · h_t · y_t. An lstm adds its gates i, f, g, o and c_t; a gru adds
            r, z, n. A stacked or bidirectional model gets a table per layer and direction, then the outputs.
            SEQ is a list of time steps, each a vector ([[1,1],[1,1],[2,2]]) or a number ([0.1, 0.2, 0.3]).
            A crf=true tagger also gets the CRF's tables; on a one-sentence tagged dataset
            (unroll tg on tagged([["Anna Smith visited Paris", "B-PER I-PER O B-LOC"]])) it shows them alone,
            with the words (read in the model's vocabulary) and tags named: see help crf.

            PyTorch's two results, output, h_n = nn.RNN(...)(x) (lstm: output, (h_n, c_n)), are labelled
            as PyTorch returns them (batch_first=True, a batch of one):
              output[0, t-1]  the top layer's h_t at every t, both directions side by side
                              ([forward ; reverse]); for one layer and direction, the h_t column
              h_n[k, 0]       the last step of every layer and direction, k = layer·directions +
                              direction (layer 0 forward, layer 0 reverse, layer 1 forward, …)
            A reverse direction's last step reads t = 1, so its h_n is not the reverse half of the last
            output row. A classifier reads h_n[-1] (course article 004: fc(hidden[-1])); a tagger reads
            output at every t.

            For a model with a vocabulary (help vocabulary), SEQ may be a string, read with that vocabulary:
            each row shows the word (or character) beside its x_t, an unseen one as <unk>.

            With interactive=true, a front end with Jupyter widgets (JupyterLab, Notebook 7, VS Code) shows a
            play button and a slider over t; as it moves, the step's row (x_t, h_{t-1}, the gates, h_t) and the
            heatmap of h_1 … h_t redraw (a dropdown shows rows 1 … t instead of the one step). A console
            shows the whole table instead.

            Options:
            {options}

            Example:
              unroll demo on [[1,1],[1,1],[2,2]]
              unroll demo on [[1,1],[1,1],[2,2]] interactive=true
              unroll senti on "I am not happy"
            """,
        parse: { p in
            let model = try p.ident("a model name after 'unroll'")
            _ = try p.keyword("on")
            let data = try p.expression()
            return .unroll(model, sequence: data, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .unroll(model, sequence, options) = s else { return }
            try ctx.unroll(model, sequence, options)
        })

    static let backward = StatementSpec(
        "backward", syntax: [.model, .word("on"), .value, .options], summary: "BPTT written out: the loss, every gradient, and ‖∂L/∂h_t‖ per step", options: OptionTable.backward, watchable: true,
        models: [.cells("backward")],
        help: """
            backward NAME on SEQ target=TARGET [loss=mse|xent] [bptt=N]

            Runs the model forward, then backpropagates through time. Shows the loss, ∂L/∂ every parameter
            and the norm of ∂L/∂h_t at each step, which is where vanishing and exploding gradients show.
            Beside it, the factor ‖∂L/∂h_{t-1}‖ / ‖∂L/∂h_t‖: how much carrying the gradient back across
            step t shrank (< 1) or grew (> 1) it (t = 1 has none: h_0 is no parameter). With a target at
            every step the factor also counts what y_{t-1}'s own loss adds. For the Jacobians themselves
            see: help jacobian.
            TARGET is a vector (compared with y_T), a sequence as long as SEQ (every y_t), or a class index
            (with loss=xent); with loss=xent a list as long as SEQ is one class a step. The classes are
            y_t's logits, 0 to output-1; cross-entropy over output=1 is refused, as it is 0 whatever the weights.

            Options:
            {options}

            Example:
              backward demo on [[1,1],[1,1],[2,2]] target=[1, 0]
            """,
        parse: { p in
            let model = try p.ident("a model name after 'backward'")
            _ = try p.keyword("on")
            let data = try p.expression()
            return .backward(model, sequence: data, options: try p.trailingOptions())
        },
        run: { ctx, s in
            try ctx.backward(s)
        })

    static let jacobian = StatementSpec(
        "jacobian", syntax: [.model, .word("on"), .value, .options], summary: "∂h_t/∂h_{t-1} at every step, its largest singular value, and their running product", options: OptionTable.jacobian,
        models: [.cells("jacobian")],
        help: """
            jacobian NAME on SEQ [layer=K] [direction=forward|reverse] [matrices=true]

            Runs the model over SEQ and shows, at every step t, the Jacobian J_t = ∂s_t/∂s_{t-1} of the
            state, its spectral norm ‖J_t‖₂ (the largest singular value, σ_max) and the spectral norm of
            the running product J_t ⋯ J_1 = ∂s_t/∂s_0. BPTT multiplies ∂L/∂h_t by J_tᵀ at every step
            back, so a product that shrinks like 0.5^t is a vanishing gradient and one that grows an
            exploding one. The matrices are in the table when the state has at most 4 values;
            matrices=true shows each as its own table.

            The state s_t is what the next step reads from the past:
              rnn   s_t = h_t,  J_t = diag(act'(a_t)) W_hh   (tanh: act' = 1 − h_t², at most 1)
              gru   s_t = h_t,  J_t = diag(z) + diag(1−z) ∂n/∂h_{t-1} + diag(h_{t-1} − n) ∂z/∂h_{t-1}
              lstm  s_t = (h_t, c_t), 2H values, h first: the c_t path ∂c_t/∂c_{t-1} = diag(f) is the
                    "constant error carousel"; h alone would not chain into ∂s_T/∂s_0.
            Stacked layers (layers=L): s_t holds every layer's state, layer 0 first; a layer reads the
            layer below at the same t, so J_t is block lower triangular. layer=K takes layer K's own
            recurrence instead, with its input held fixed.
            Bidirectional cells have two recurrences running opposite ways, so direction= is required;
            direction=reverse gives J_t = ∂s_t/∂s_{t+1} and the product J_t ⋯ J_T. A stacked bidirectional
            cell also needs layer=K (its upper layers read both the past and the future).
            For a one-layer rnn the line above the table gives ρ(W_hh) and σ_max(W_hh).
            The numbers are checked against finite differences of the forward pass.

            Options:
            {options}

            Example:
              cell net = rnn(input=1, hidden=4, init=orthogonal, seed=1)
              jacobian net on [0.5, 0.1, -0.3, 0.8]
              plot jacobian net on [0.5, 0.1, -0.3, 0.8]
            """,
        parse: { p in
            let model = try p.ident("a model name after 'jacobian'")
            _ = try p.keyword("on")
            let data = try p.expression()
            return .jacobian(model, sequence: data, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .jacobian(name, sequence, options) = s else { return }
            try ctx.jacobian(name, sequence, options)
        })

    static let generate = StatementSpec(
        "generate", syntax: [.model, .word("from"), .value, .options], summary: "one-to-many: continue a sequence, feeding each y_t back as x_{t+1}", options: OptionTable.generate,
        models: [.cells("generate")],
        help: """
            generate NAME from SEQ [steps=N]

            Runs the model over the given steps x_1…x_T, then generates N values: x_{T+1} = y_T, and each
            y_t computed with the fed-back input becomes x_{t+1}. y_t is taken after output_activation, as
            unroll shows it. The table marks each row given or generated; 'plot generate NAME from SEQ
            steps=N' draws the two parts as separate series with different marks. y_t must be as wide as
            x_t (output= equal to input=); a bidirectional model is refused (it reads the future). For
            text, sample draws symbols instead.

            Options:
            {options}

            Example:
              cell wave = gru(input=1, hidden=16, output=1, seed=1)
              train wave on sine(count=128, length=40, seed=1) epochs=40 lr=0.01 batch=8
              generate wave from [0, 0.0998, 0.1987, 0.2955, 0.3894] steps=40
              plot generate wave from [0, 0.0998, 0.1987, 0.2955, 0.3894] steps=40
            """,
        parse: { p in
            let model = try p.ident("a model name after 'generate'")
            _ = try p.keyword("from")
            let seq = try p.expression()
            return .generate(model, from: seq, options: try p.trailingOptions())
        },
        run: { ctx, s in
            guard case let .generate(name, from, options) = s else { return }
            try ctx.generate(name, from, options)
        })

    static let train = StatementSpec(
        "train", syntax: [.model, .word("on"), .value, .options], summary: "train a model with BPTT on a dataset", options: OptionTable.train,
        log: .run { s in if case let .train(name, _, _) = s { return name } else { return nil } },
        models: [.any("train")],
        help: """
            train NAME on DATA [options]

            Shows a live progress line (epoch, step, loss, steps/s, time left) and a summary at the end.
            Interrupting keeps the weights of the last completed step. A loss that becomes NaN or infinite
            stops with DivergedError and keeps the last finite weights. Every run is recorded (see runs).

            Options:
            {options}

            Targets: one per sequence is many-to-one on y_T; a sequence as long as the input is many-to-many.
            With loss=xent, a list of whole numbers as long as the input is one class per step (also without
            loss= when the list cannot be a target of y_t's width and every number is a class the model has).
            The number of classes is the model's output width: data holding fewer labels is fine, a label at or
            above it is a ValueError.

            Held-out data: validation=DATA scores the model on DATA after every epoch, with the weights that
            epoch ended with, and never trains on it (the weights are those of the same run without it). The
            progress line and the summary show its loss, with the accuracy for classes and tags and the
            perplexity for text language models; the summary also names the epoch with the lowest validation
            loss when it is not the last (where overfitting starts). The run records it (runs, export log:
            validation, validation_sha256, validation_losses, validation_accuracy), and plot loss draws it
            beside the training loss. DATA must be like the training data: the same width of x_t, the same
            kind of targets, and its words, characters and labels numbered the same way; anything else is an
            error before the first step, and the model is unchanged.

            Language models (next character or word, e.g. text(...) data): the summary also gives the
            perplexity, e^(mean cross-entropy), at the first and last step: about the number of symbols the
            model is choosing between (the vocabulary's size for a model that knows nothing, 1 for certainty).

            Example:
              train net on sine(count=64, length=20, seed=1) epochs=20 lr=0.01 batch=8
              train clf on train_set epochs=30 validation=held_out
            """,
        parse: { p in
            let model = try p.ident("a model name after 'train'")
            _ = try p.keyword("on")
            let data = try p.expression()
            return .train(model, data: data, options: try p.trailingOptions())
        },
        run: { ctx, s in
            try ctx.train(s)
        })

    static let predict = StatementSpec(
        "predict", syntax: [.model, .word("on"), .value, .options], summary: "a model's outputs on a sequence or dataset, with MSE or accuracy", options: OptionTable.predict, watchable: true,
        models: [.any("predict")],
        help: """
            predict NAME on SEQ|DATA [rows=N|all]

            On a sequence: y_t for each step. On a dataset with targets: the outputs and the mean squared
            error (numbers) or accuracy (classes), one row an example, rows=8 of them unless told otherwise.
            For classes (one a sentence) and tags (one a word), the examples with a mistake are listed
            first, with a column of how many targets each got right, and a confusion table follows: one row
            per true label, one column per predicted label, each cell a count (of sentences, or of words for
            tags), and how many of each label were right. For a language model (text(...) data), the title
            gives the cross-entropy and the perplexity e^(mean cross-entropy) instead.
            A crf=true tagger's tags are Viterbi's best paths, with its
            mean CRF negative log-likelihood. On tagged data with BIO tags (B-X, I-X, O), any tagger also gets
            entity-level precision, recall and F1 (an entity counts when its whole span and type match), the
            per-word accuracy, and how many predicted sequences break BIO (an I-X not after B-X or I-X).

            A model with a vocabulary (help vocabulary) reads every
            dataset with its own words and labels, never the dataset's, so accuracy on new sentences is
            honest; it also takes a string: each word, y_t and the label (or next character) it points to.

            Options:
            {options}

            Example:
              predict net on [0.1, 0.2, 0.3]
              predict clf on held_out rows=all
              predict senti on "I am not happy"
            """,
        parse: { p in
            let model = try p.ident("a model name after 'predict'")
            _ = try p.keyword("on")
            let data = try p.expression()
            return .predict(model, data: data, options: try p.trailingOptions())
        },
        run: { ctx, s in
            try ctx.predict(s)
        })

    static let sample = StatementSpec(
        "sample", syntax: [.model, .optionalWord("from"), .value, .options], summary: "generate text from a model trained on text", options: OptionTable.sample, watchable: true,
        models: [.cells("sample")],
        help: """
            sample NAME [from "prime"] [length=200 temperature=1.0 seed=N]

            Feeds the prime, then draws each next character (or word) from softmax(y_t / temperature).
            Lower temperatures are more conservative, higher ones more surprising. temperature=0 is greedy
            decoding: the most likely symbol (the argmax of y_t, the first on a tie) every time, with no draw,
            so the text is the same whatever the seed. A model of numbers continues with generate instead.
            The prime is read with the model's vocabulary: a symbol it has never seen becomes <unk> (x_t = 0),
            with a warning; <unk> is never drawn. Each symbol costs one step: h_t (and c_t) carry over, the
            prefix is not read again, so length=100000 takes about as long as one pass over 100000 steps.

            Options:
            {options}

            Example:
              sample charnet from "the " length=80 temperature=0.5 seed=1
            """,
        parse: { p in
            let model = try p.ident("a model name after 'sample'")
            var prime: Expr?
            if p.peek == .name("from") {
                _ = p.take()
                prime = try p.expression()
            }
            return .sample(model, prime: prime, options: try p.trailingOptions())
        },
        run: { ctx, s in
            try ctx.sample(s)
        })

    /// The words after `plot` that name a chart of their own (anything else is plotted as a value).
    static let plotForms = ["loss", "hidden", "gradients", "jacobian", "generate", "attention"]

    static let plot = StatementSpec(
        "plot", syntax: [.custom, .options], summary: "charts: loss curves, hidden states, gradient norms, weights, sequences", options: OptionTable.plot, watchable: true,
        models: [
            .any("plot loss"), .cells("plot hidden"), .cells("plot gradients"), .cells("plot jacobian"), .cells("plot generate"),
            .seq2seq("plot attention"), ModelKinds(form: "plot NAME.PARAM", accepted: [.cell, .bow], refused: [.seq2seq: .cellsOnly]),
        ],
        help: """
            plot loss NAME [NAME ...]       training loss curves, one series a model; a model trained with
                                            validation= adds its validation loss after every epoch (legend:
                                            NAME training, NAME validation)
            plot hidden NAME on SEQ         heatmap of h_t: units × time (SEQ may be a string for a model
                                            with a vocabulary: the columns are its words)
            plot gradients NAME on DATA     ‖∂L/∂h_t‖ against t on a log scale; interactive=true adds a
                                            slider for the scale of W_hh (0 to 3) and a log-scale toggle:
                                            watch the gradient vanish below 1 and explode above it (the
                                            model itself is unchanged)
            plot jacobian NAME on SEQ       ‖J_t ⋯ J_1‖₂ and ‖J_t‖₂ against t on a log scale (see help jacobian;
                                            layer= and direction= as there)
            plot generate NAME from SEQ     the given and the generated values as two series (steps=N, see
                                            help generate)
            plot NAME.PARAM                 heatmap of a weight matrix (a crf=true tagger's transitions: tag
                                            names on both axes)
            plot attention NAME "sentence"  a seq2seq model's attention weights: a row per output word (every
                                            one unless height= is given), a column per source word (help seq2seq)
            plot SEQ                        line chart of a sequence (a list of sequences: several series)

            Text charts are 7-bit ASCII by default; rich front ends also get SVG. Words (columns of plot
            hidden, plot attention's source and output words) are shown whole and as written, Chinese
            included, in either style; words too wide to fit across are numbered and listed beneath.

            Options:
            {options}

            Example:
              plot loss net
            """,
        parse: { p in
            try p.plot()
        },
        run: { ctx, s in
            guard case let .plot(target, options) = s else { return }
            try ctx.plot(target, options)
        })
}
