/// One option a statement accepts: its name, its allowed words (if it takes one of a set), its
/// default as written, and a line of help. The tables below drive validation, completion and help.
public struct OptionSpec: Sendable {
    public let name: String
    public let choices: [String]?
    public let defaultText: String
    public let help: String

    init(_ name: String, _ choices: [String]? = nil, default d: String, _ help: String) {
        self.name = name
        self.choices = choices
        self.defaultText = d
        self.help = help
    }
}

/// The option lists, by statement (and for cells by the `rnn(`/`lstm(`/`gru(` call); each is given to
/// its statement's entry in the table of statements (StatementSpec, CellKindSpec) and read from there.
public enum OptionTable {
    public static let cell: [OptionSpec] = [
        OptionSpec("input", default: "from the first data the model sees", "width of x_t (with embed=: the vocabulary's size V)"),
        OptionSpec("embed", default: "none", "x_t is row token_t of W_emb (V×E, drawn N(0,1) as nn.Embedding); words and characters only"),
        OptionSpec("hidden", default: "required", "width of h_t (H)"),
        OptionSpec("output", default: "none", "width of y_t; without it there is no output layer and y_t = h_t"),
        OptionSpec("layers", default: "1", "stacked recurrent layers; layer k > 0 reads layer k-1's h_t"),
        OptionSpec("bidirectional", ["true", "false"], default: "false", "also run the sequence backwards; h_t = [forward h_t ; reverse h_t]"),
        OptionSpec("activation", ["tanh", "relu", "linear"], default: "tanh", "the hidden activation of an rnn cell (rnn only)"),
        OptionSpec("output_activation", ["identity", "softmax", "sigmoid"], default: "identity", "applied to W_hy h_t + b_y to give y_t"),
        OptionSpec("init", ["uniform", "xavier", "he", "orthogonal", "normal", "zeros", "ones", "identity"], default: "uniform",
                   "how parameters are drawn; uniform is PyTorch's U(-1/sqrt(H), 1/sqrt(H)); identity (IRNN) sets every W_h· to I and the cell biases to 0, drawing W_x·, W_hy and b_y as uniform"),
        OptionSpec("bias", ["true", "single", "false"], default: "true",
                   "two biases per gate as PyTorch keeps them (b_h = b_xh + b_hh), one per gate (single), or none; see help biases"),
        OptionSpec("seed", default: "session", "seed for this model's initial weights"),
        OptionSpec("crf", ["true", "false"], default: "false",
                   "a linear-chain CRF over y_t (the emissions) for tagging: transitions, start_transitions, end_transitions; the loss is its negative log-likelihood and predict decodes with Viterbi (see help crf)"),
        OptionSpec("vocab", default: "the first data it is trained on", "a dataset of words or characters whose vocabulary and labels the model keeps (input= is then its size)"),
    ]

    public static let train: [OptionSpec] = [
        OptionSpec("epochs", default: "1", "passes over the data"),
        OptionSpec("lr", default: "0.01", "learning rate"),
        OptionSpec("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam"], default: "adam", "the update rule (PyTorch's constants)"),
        OptionSpec("batch", default: "1", "sequences per step"),
        OptionSpec("clip", default: "none", "gradient clipping threshold (none or a number)"),
        OptionSpec("clip_mode", ["norm", "value"], default: "norm", "clip the global norm, or each value"),
        OptionSpec("loss", ["mse", "xent"], default: "from the data", "mean squared error, or cross-entropy on logits"),
        OptionSpec("bptt", default: "full", "truncated BPTT: backpropagate at most N steps"),
        OptionSpec("seed", default: "session", "seed for shuffling"),
        OptionSpec("plot", ["true", "false"], default: "false", "redraw the loss chart as training runs"),
        OptionSpec("validation", default: "none",
                   "held-out data (a dataset like the training data): its loss, and accuracy or perplexity, after every epoch, never trained on"),
    ]

    public static let unroll: [OptionSpec] = [
        OptionSpec("h0", default: "zeros", "the initial hidden state"),
        OptionSpec("interactive", ["true", "false"], default: "false", "a slider over t (Jupyter widgets): the step's numbers and the heatmap up to t"),
    ]

    public static let backward: [OptionSpec] = [
        OptionSpec("target", default: "required", "the target: a vector for y_T, a sequence for every y_t, or a class index"),
        OptionSpec("loss", ["mse", "xent"], default: "mse", "the loss"),
        OptionSpec("bptt", default: "full", "truncated BPTT: backpropagate at most N steps"),
    ]

    public static let jacobian: [OptionSpec] = [
        OptionSpec("layer", default: "all layers", "one layer's own recurrence (0 is the first), its input held fixed"),
        OptionSpec("direction", ["forward", "reverse"], default: "forward (required when bidirectional)", "which recurrence of a bidirectional cell"),
        OptionSpec("matrices", ["true", "false"], default: "false", "also show every J_t as a matrix table"),
    ]

    public static let generate: [OptionSpec] = [
        OptionSpec("steps", default: "20", "how many values to generate, each fed back as the next x_t (at most 2000)"),
    ]

    public static let predict: [OptionSpec] = [
        OptionSpec("rows", default: "8", "examples of a dataset to list (a number, or all); for classes and tags the wrong ones come first"),
    ]

    public static let sample: [OptionSpec] = [
        OptionSpec("length", default: "200", "characters or words to generate"),
        OptionSpec("temperature", default: "1.0", "divide logits by this before softmax; lower is more conservative; 0 is greedy (the argmax, no draw)"),
        OptionSpec("seed", default: "session", "seed for the draws"),
    ]

    public static let plot: [OptionSpec] = [
        OptionSpec("width", default: "80", "columns of the text chart"),
        OptionSpec("height", default: "16", "rows of the text chart"),
        OptionSpec("title", default: "automatic", "the chart's title"),
        OptionSpec("log", ["true", "false"], default: "depends", "logarithmic y axis"),
        OptionSpec("style", ["ascii", "unicode"], default: "ascii", "7-bit ASCII glyphs, or braille and block characters (words as written in both)"),
        OptionSpec("interactive", ["true", "false"], default: "false", "plot gradients only: a slider for the scale of W_hh (Jupyter widgets)"),
    ]

    public static let slider: [OptionSpec] = [
        OptionSpec("value", default: "the low end", "where the slider starts"),
    ]

    public static let show: [OptionSpec] = []

    public static let print: [OptionSpec] = [
        OptionSpec("stream", ["stdout", "stderr"], default: "stdout", "where to write"),
    ]
}
