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
        Entry(topic: "cell", summary: "define (or redefine) a model: cell NAME = rnn|lstm|gru|bow(...)", body: """
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
            \(optionLines(BagOfWordsHelp.cellOptions))

            Example:
              cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)
            """),
        Entry(topic: "let", summary: "bind a value to a name: let NAME = EXPR", body: """
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
            """),
        Entry(topic: "set", summary: "set one parameter: set NAME.PARAM = MATRIX", body: """
            set NAME.PARAM = MATRIX

            Replaces one parameter of a model. The value must have the parameter's shape exactly: a matrix
            (a list of rows) for W_ parameters, a flat list for b_ parameters. A wrong shape is a ShapeError
            naming both shapes, and the model is left as it was. With PyTorch's two biases (bias=true), a
            textbook bias such as b_h sets the x-side (b_xh) to the value and the h-side (b_hh) to 0.

            Example:
              set demo.W_hh = [[0.5, 0], [0, 0.5]]
            """),
        Entry(topic: "show", summary: "a model's summary table, a parameter's matrix, or a dataset's preview", body: """
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
            """),
        Entry(topic: "unroll", summary: "run a model over a sequence and show every step", body: """
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
            \(optionLines(OptionTable.unroll))

            Example:
              unroll demo on [[1,1],[1,1],[2,2]]
              unroll demo on [[1,1],[1,1],[2,2]] interactive=true
              unroll senti on "I am not happy"
            """),
        Entry(topic: "backward", summary: "BPTT written out: the loss, every gradient, and ‖∂L/∂h_t‖ per step", body: """
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

            Example:
              backward demo on [[1,1],[1,1],[2,2]] target=[1, 0]
            """),
        Entry(topic: "jacobian", summary: "∂h_t/∂h_{t-1} at every step, its largest singular value, and their running product", body: """
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
            \(optionLines(OptionTable.jacobian))

            Example:
              cell net = rnn(input=1, hidden=4, init=orthogonal, seed=1)
              jacobian net on [0.5, 0.1, -0.3, 0.8]
              plot jacobian net on [0.5, 0.1, -0.3, 0.8]
            """),
        Entry(topic: "generate", summary: "one-to-many: continue a sequence, feeding each y_t back as x_{t+1}", body: """
            generate NAME from SEQ [steps=N]

            Runs the model over the given steps x_1…x_T, then generates N values: x_{T+1} = y_T, and each
            y_t computed with the fed-back input becomes x_{t+1}. y_t is taken after output_activation, as
            unroll shows it. The table marks each row given or generated; 'plot generate NAME from SEQ
            steps=N' draws the two parts as separate series with different marks. y_t must be as wide as
            x_t (output= equal to input=); a bidirectional model is refused (it reads the future). For
            text, sample draws symbols instead.

            Options:
            \(optionLines(OptionTable.generate))

            Example:
              cell wave = gru(input=1, hidden=16, output=1, seed=1)
              train wave on sine(count=128, length=40, seed=1) epochs=40 lr=0.01 batch=8
              generate wave from [0, 0.0998, 0.1987, 0.2955, 0.3894] steps=40
              plot generate wave from [0, 0.0998, 0.1987, 0.2955, 0.3894] steps=40
            """),
        Entry(topic: "train", summary: "train a model with BPTT on a dataset", body: """
            train NAME on DATA [options]

            Shows a live progress line (epoch, step, loss, steps/s, time left) and a summary at the end.
            Interrupting keeps the weights of the last completed step. A loss that becomes NaN or infinite
            stops with DivergedError and keeps the last finite weights. Every run is recorded (see runs).

            Options:
            \(optionLines(OptionTable.train))

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
            """),
        Entry(topic: "predict", summary: "a model's outputs on a sequence or dataset, with MSE or accuracy", body: """
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
            \(optionLines(OptionTable.predict))

            Example:
              predict net on [0.1, 0.2, 0.3]
              predict clf on held_out rows=all
              predict senti on "I am not happy"
            """),
        Entry(topic: "sample", summary: "generate text from a model trained on text", body: """
            sample NAME [from "prime"] [length=200 temperature=1.0 seed=N]

            Feeds the prime, then draws each next character (or word) from softmax(y_t / temperature).
            Lower temperatures are more conservative, higher ones more surprising. temperature=0 is greedy
            decoding: the most likely symbol (the argmax of y_t, the first on a tie) every time, with no draw,
            so the text is the same whatever the seed. A model of numbers continues with generate instead.
            The prime is read with the model's vocabulary: a symbol it has never seen becomes <unk> (x_t = 0),
            with a warning; <unk> is never drawn.

            Options:
            \(optionLines(OptionTable.sample))

            Example:
              sample charnet from "the " length=80 temperature=0.5 seed=1
            """),
        Entry(topic: "plot", summary: "charts: loss curves, hidden states, gradient norms, weights, sequences", body: """
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

            Copies the model, its weights, its vocabulary and labels, and its training history. Example:
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

            The PyTorch model: self.rnn = nn.RNN|LSTM|GRU(input, hidden, layers, bidirectional=...,
            batch_first=True) and self.fc = nn.Linear(hidden * directions, output), keys rnn.*, fc.*; a
            model with embed=E adds self.embedding = nn.Embedding(V, E) before it (key embedding.weight),
            course article 004's RNNClassifier, and loads into it with load_state_dict(strict=True).
            A model with a vocabulary keeps it in the file: in .json as "vocab" and "labels", in
            .safetensors in __metadata__ as vocab and labels, JSON arrays in id order (with vocab_level
            and lower), which Python reads with json.loads(safe_open(...).metadata()["vocab"]).

            Example:
              save demo to "demo.safetensors"
            """),
        Entry(topic: "load", summary: "load a model from .json or .safetensors: load NAME from \"FILE\"", body: """
            load NAME from "FILE"

            All or nothing: a file with a missing tensor or a wrong shape leaves the model as it was and the
            error names the tensor. Reads float64, float32 and float16 safetensors files written by PyTorch.
            A vocabulary that is empty, holds a token twice, has <unk> anywhere but id 0, or does not match
            the width of x_t is refused here, naming what is wrong. Files saved without one load as before.

            Example:
              load demo from "demo.safetensors"
            """),
        Entry(topic: "runs", summary: "table of training runs", body: """
            runs [NAME]

            One row per training run: id, model, data, options, seed, final loss, time. When a run was
            given validation=, a validation column shows its last epoch's loss (and accuracy).
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
        Entry(topic: "slider", summary: "a value with a slider: slider NAME from A to B [step S]", body: """
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
            \(optionLines(OptionTable.slider))

            Example:
              slider scale from 0 to 2 step 0.1 value=1
            """),
        Entry(topic: "watch", summary: "re-run a statement when a slider moves: watch NAME: STATEMENT", body: """
            watch NAME: STATEMENT

            Runs STATEMENT now, into an output area, and again each time slider NAME moves. STATEMENT
            must be one that shows something: show, unroll, backward, predict, sample, plot, print, models,
            runs or an expression. Each re-run works on a copy of the session that is then dropped, so the
            store, the values and the experiment log are as they were (a sample with the session's seed
            draws the same numbers each time); re-runs are not logged. An error in a re-run is shown in
            the output area. Defining slider NAME again ends the watches on the old one.

            Example:
              slider s from 0 to 2 step 0.25 value=1
              watch s: unroll demo on [[1,1],[1,1],[2,2]] h0=[s, s]
            """),
    ] + Seq2SeqHelp.statements

    public static let concepts: [Entry] = [
        Entry(topic: "rnn", summary: "the vanilla recurrent cell", body: "rnn(input=I, hidden=H, ...)\n\nh_t = act(W_xh x_t + W_hh h_{t-1} + b_h), act = tanh, relu or linear.\nParameters: W_xh (H×I), W_hh (H×H), b_xh and b_hh (H each; b_h reads as their sum; bias=single: b_h alone).\nSee: help cell, help biases"),
        Entry(topic: "lstm", summary: "the long short-term memory cell", body: "lstm(input=I, hidden=H, ...)\n\ni,f,o = σ(W_x· x_t + W_h· h_{t-1} + b_·), g = tanh(W_xg x_t + W_hg h_{t-1} + b_g)\nc_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).\nThe cell state c_t carries information across many steps; the forget gate f decides what stays.\nSee: help cell"),
        Entry(topic: "gru", summary: "the gated recurrent unit", body: "gru(input=I, hidden=H, ...)\n\nr,z = σ(W_x· x_t + W_h· h_{t-1} + b_·)\nn = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.\nSee: help cell"),
        Entry(topic: "vocabulary", summary: "a model owns its words and labels: <unk>, vocab=DATA, show NAME.vocab", body: """
            The first text data a model is trained on (sentences, tagged or text) fixes its vocabulary and its
            labels; cell NAME = rnn(..., vocab=DATA) fixes them when it is defined (input= is then the number
            of words). They are part of the model: copy keeps them, save writes them, load reads them back.

            Every later dataset, and every string given to predict, unroll or sample, is read with the
            model's vocabulary, never its own: the same word has the same x_t, the same label the same class.
              - Id 0 is <unk>. A word (or character) the model has never seen becomes <unk>, whose one-hot
                x_t is the zero vector (as scikit-learn's vectorizers read an unseen word), and the statement
                warns on stderr how many did. A text step that must predict an unseen character is left out.
              - A label or tag the model does not know is a ValueError naming it.
              - Words are split on whitespace, with punctuation at their edges dropped, so a Chinese
                sentence is written with spaces between its words; lower=true (the default) lowercases
                them, lower=false keeps case ("Apple" and "apple" are then two words).
            show NAME.vocab and show NAME.labels list them with their ids.

            Example:
              let reviews = sentences([["I am happy", "pos"], ["I am not happy", "neg"]])
              cell senti = rnn(hidden=8, output=2, vocab=reviews)
              train senti on reviews epochs=60 lr=0.05
              predict senti on sentences([["I am very happy", "pos"]])   # "very" is <unk>
              predict senti on "I am not happy"
              show senti.vocab
            """),
        Entry(topic: "biases", summary: "PyTorch's two biases per gate (bias=true), bias=single, bias=false", body: """
            bias=true (default)  two biases per gate, as nn.RNN, nn.LSTM, nn.GRU keep them: an x-side b_x· (bias_ih)
                                 and an h-side b_h· (bias_hh), each trained with its own full gradient
              rnn   b_xh, b_hh                 h_t = act(W_xh x_t + b_xh + W_hh h_{t-1} + b_hh)
              lstm  b_xi b_hi, b_xf b_hf, b_xg b_hg, b_xo b_ho
              gru   b_xr b_hr, b_xz b_hz, b_xn b_hn   (n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn)))
            The textbook's single bias is their sum: show NAME.b_h shows b_xh + b_hh, and set NAME.b_h = V sets
            b_xh to V and b_hh to 0 (the same for b_i, b_f, b_g, b_o, b_r, b_z; gru's n gate has no sum, since
            b_hn is multiplied by r). Saved as PyTorch's bias_ih_l0 and bias_hh_l0.
            bias=single          one bias per gate, the textbook's table (Keras's convention): rnn b_h; lstm b_i,
                                 b_f, b_g, b_o; gru b_r, b_z, b_xn, b_hn. Saved in bias_ih with zeros in bias_hh
                                 (gru's b_hn in bias_hh's n-part); loading a PyTorch file adds the two.
            bias=false           no biases, in the cell or the output layer.
            Example:
              cell net = lstm(input=2, hidden=16, output=1)               · 1297 parameters, as PyTorch counts
              cell net = lstm(input=2, hidden=16, output=1, bias=single)  · 1233 parameters
            """),
        Entry(topic: "crf", summary: "crf=true: a linear-chain CRF over a tagger's y_t (named entities, BIO tags)", body: """
            cell NAME = lstm(hidden=H, output=K, bidirectional=true, crf=true)    (rnn, gru, layers= as well)

            y_t = W_hy h_t + b_y are the emission scores e_t of K tags; the CRF adds transitions A (K×K, row i:
            from tag i, column j: to tag j), start_transitions and end_transitions (K each), drawn U(−0.1, 0.1).
            A tag path y scores
              s(y) = start[y_1] + Σ_t e_t[y_t] + Σ_{t>1} A[y_{t-1}, y_t] + end[y_T]
            and p(y | x) = exp s(y) / Z. The forward algorithm gives log Z:
              α_1 = start + e_1,  α_t[j] = logsumexp_i(α_{t-1}[i] + A[i,j]) + e_t[j],  log Z = logsumexp_j(α_T[j] + end[j])
            The loss is the negative log-likelihood −(s(gold) − log Z) averaged over the sentences of a batch,
            as torchcrf.CRF(K, batch_first=True) computes -crf(y, tags, mask, reduction='mean'); every
            optimizer trains the CRF with the rest. predict decodes with Viterbi:
              δ_1 = start + e_1,  δ_t[j] = max_i(δ_{t-1}[i] + A[i,j]) + e_t[j],  ψ_t[j] = argmax_i
            the best path ends at argmax_j(δ_T[j] + end[j]) and follows ψ back.

            It trains on tagged data (tagged(...) or tagged(file="data/ner/en.tsv")). With BIO tags, predict
            also reports entity-level precision, recall and F1 (an entity counts when its whole span and type
            match) and the predicted sequences that break BIO (an I-X not after B-X or I-X).
            unroll NAME on tagged([["Anna Smith visited Paris", "B-PER I-PER O B-LOC"]]) shows the emissions
            per word and tag, α_t to log Z, the gold and the best path's scores, and Viterbi's δ_t with its
            back-pointers (← the best previous tag) and the path. show NAME.transitions and plot
            NAME.transitions name the tags on both axes. Files keep crf.transitions, crf.start_transitions
            and crf.end_transitions beside rnn.* and fc.*, the keys of the twin (nn.LSTM + nn.Linear + CRF).
            Example:
              let ner = tagged(file="data/ner/en.tsv")
              cell tg = lstm(hidden=32, output=7, bidirectional=true, crf=true)
              train tg on ner epochs=10 batch=16 lr=0.01
              predict tg on ner
            """),
        Entry(topic: "transitions", summary: "a crf=true tagger's transitions, start_transitions, end_transitions", body: """
            NAME.transitions        K×K: the score of tag i (row) followed by tag j (column)
            NAME.start_transitions  K: the score of a sentence starting with each tag
            NAME.end_transitions    K: the score of a sentence ending with each tag
            show, plot, set and print read them like any parameter; show and plot label them with the tag
            names of the tagged data the model was trained on. See: help crf
            """),
        Entry(topic: "options", summary: "how options are written", body: "Options are key=value after a statement's positional parts, separated by spaces or commas:\n  train net on data epochs=5, lr=0.01\nInside rnn(...), lstm(...), gru(...) they are separated the same way."),
        Entry(topic: "syntax", summary: "lexical rules", body: "One statement per line. A statement continues while ( or [ is open, or when a line ends with \\.\n# starts a comment. Names: [A-Za-z_][A-Za-z0-9_]*. Numbers: 1, -2.5, 1e-3.\nStrings: \"...\" with \\\", \\\\, \\n. Booleans: true, false. Lists: [1, 2].\nA sequence is a list of time steps, each a vector or a number."),
        Entry(topic: "errors", summary: "the kinds of error", body: "SyntaxError, NameError, ShapeError, ValueError, DivergedError, KeyboardInterrupt, IOError,\nMemoryError (a size past the kernel's budget: the message names the RNNKERNEL_* variable\nthat raises it; see the README, Limits).\nA failing statement changes nothing; the error shows the line with a caret under the place\nand suggests the nearest name when one is close."),
    ] + Seq2SeqHelp.concepts

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
        var out = statements + concepts + functionEntries
        var seenOptions = Set<String>()
        for (statement, specs) in [("cell", OptionTable.cell), ("train", OptionTable.train), ("sample", OptionTable.sample),
                                   ("plot", OptionTable.plot), ("backward", OptionTable.backward), ("unroll", OptionTable.unroll),
                                   ("print", OptionTable.print), ("jacobian", OptionTable.jacobian), ("generate", OptionTable.generate),
                                   ("slider", OptionTable.slider), ("seq2seq", Seq2SeqHelp.cellOptions), ("bow", BagOfWordsHelp.cellOptions),
                                   ("train", Seq2SeqHelp.trainOptions), ("translate", Seq2SeqHelp.decodeOptions)] {
            for s in specs where seenOptions.insert(s.name).inserted && !out.contains(where: { $0.topic == s.name }) {
                let values = s.choices.map { "\nValues: " + $0.joined(separator: ", ") } ?? ""
                out.append(Entry(topic: s.name, summary: "option of \(statement): \(s.help)",
                                 body: "\(s.name)=...   an option of \(statement)\n\n\(s.help).\(values)\nDefault: \(s.defaultText)\nSee: help \(statement)"))
            }
        }
        return out + datasetEntries + featureEntries
    }

    /// Help for the functions on numbers, lists and matrices, each with its formula.
    public static var functionEntries: [Entry] { MathFunctions.helpEntries }

    /// Help for the datasets (the constructors callable in expressions).
    public static var datasetEntries: [Entry] { DatasetHelp.entries + Seq2SeqHelp.datasetEntries }

    /// Help for the text features (bow, ngrams, tfidf, bm25), values callable in expressions.
    public static var featureEntries: [Entry] { FeatureHelp.entries }

    /// Topic names, for completion.
    public static var topics: [String] { all.map(\.topic) }

    /// The help text for a topic ("" lists topics). An unknown topic is a NameError with a suggestion.
    public static func text(for topic: String, at range: SourceRange? = nil) throws -> String {
        let t = topic.trimmingSpaces()
        if t.isEmpty { return index() }
        if let e = entry(t) {
            // A word that is both a statement and a dataset (copy) shows both.
            let isStatement = statements.contains { $0.topic == e.topic }
            guard isStatement, let d = datasetEntries.first(where: { $0.topic == e.topic }) else { return e.body }
            return e.body + "\n\n" + "The dataset \(d.topic)(...), \(d.summary):\n" + d.body
        }
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
            block("Functions (on numbers, lists and matrices; also A @ B and M.T):", functionEntries),
            block("Datasets:", datasetEntries),
            block("Text features:", featureEntries),
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
            && !datasetEntries.contains { $0.topic == e.topic } && !featureEntries.contains { $0.topic == e.topic }
            && !functionEntries.contains { $0.topic == e.topic } }
        return """
            # The RNN language: reference

            Generated from the kernel's own help (`Sources/RNNLang/Help.swift`); `help TOPIC` in a notebook
            shows the same text. The design of the language is in language.md; this page documents every
            statement, cell, dataset and option as the kernel implements them.

            \(section("Statements", statements))
            \(section("Cells and concepts", concepts))
            \(section("Functions", functionEntries))
            \(section("Datasets", datasetEntries))
            \(section("Text features", featureEntries))
            \(section("Options", optionEntries))
            """
    }
}
