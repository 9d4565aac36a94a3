"""A Pygments lexer for the rnn kernel's language (statements, options, datasets, numbers, strings, comments).

The word lists mirror the kernel's own tables (Sources/RNNLang: Syntax.swift's statementKeywords,
Options.swift's OptionTable, DatasetHelp.swift); tests/test_lexer.py asks a running kernel for its
completions and help topics and fails, naming the word, when one is missing here.
"""
from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

__all__ = ["RNNLexer", "STATEMENTS", "CLAUSES", "CELLS", "DATASETS", "FUNCTIONS", "OPTIONS", "VALUES", "LITERALS", "PROSE_TOPICS"]

#: Words that begin a statement (Syntax.swift's statementKeywords).
STATEMENTS = ("cell", "let", "set", "show", "unroll", "backward", "jacobian", "generate", "train", "predict", "sample", "plot",
              "models", "copy", "drop", "save", "load", "runs", "export", "seed", "help", "print", "clear", "exit", "quit",
              "slider", "watch", "translate")
#: Words inside a statement: `unroll M on D`, `sample M from ...`, `copy A as B`, `save M to F`, `export log`,
#: `plot loss|hidden|gradients|attention M`.
CLAUSES = ("on", "from", "as", "to", "step", "log", "loss", "hidden", "gradients", "attention")
#: The cell constructors.
CELLS = ("rnn", "lstm", "gru", "seq2seq", "bow")
#: The dataset constructors (Completion.swift's datasetNames).
DATASETS = ("sine", "adding", "copy", "parity", "text", "sentences", "tagged", "csv", "pairs", "translation", "reverse")
#: Functions callable in expressions: math (Evaluator+Functions.swift) and text features (FeatureHelp.swift).
FUNCTIONS = ("tanh", "sigmoid", "relu", "exp", "log", "sqrt", "abs", "softmax", "norm", "eye", "zeros", "ones", "eig", "svd",
             "spectral_radius", "bow", "ngrams", "tfidf", "bm25")
#: Option keys of every statement, cell and dataset (written `key=value`).
OPTIONS = (
    # cells
    "input", "embed", "hidden", "output", "layers", "bidirectional", "activation", "output_activation", "init", "bias", "seed",
    "crf",
    # train, backward, unroll, sample, plot, print
    "epochs", "lr", "optimizer", "batch", "clip", "clip_mode", "loss", "bptt", "plot", "h0", "target", "length",
    "temperature", "width", "height", "title", "log", "style", "stream", "layer", "direction", "matrices", "steps",
    "interactive", "value", "validation", "rows",
    # datasets
    "count", "step", "noise", "symbols", "file", "seq", "column", "window", "stride",
    # text features
    "binary", "vocab", "lower", "n", "k1", "b",
    # seq2seq, translate
    "embed", "attention", "cell", "teacher_forcing", "beam", "max_length",
    # bow classifier
    "features", "ngram",
)
#: The words an option takes from a fixed set (after `=`).
VALUES = ("tanh", "relu", "linear", "identity", "softmax", "sigmoid", "uniform", "xavier", "he", "orthogonal", "normal",
          "zeros", "ones", "sgd", "momentum", "adagrad", "rmsprop", "adam", "norm", "value", "mse", "xent", "ascii",
          "unicode", "stdout", "stderr", "none", "full", "single", "forward", "reverse", "course", "sklearn", "all", "additive",
          "gru", "lstm", "count", "tfidf")
LITERALS = ("true", "false")
#: Help topics that are prose about the language, not words of it.
PROSE_TOPICS = ("options", "syntax", "errors", "biases", "transitions", "vocabulary", "expression")


class RNNLexer(RegexLexer):
    """The rnn kernel's language: one statement a line, `#` comments, `key=value` options."""

    name = "RNN"
    aliases = ["rnn"]
    filenames = ["*.rnn"]
    mimetypes = ["text/x-rnn"]
    url = "https://github.com/rnn-kernel/rnn-kernel"

    tokens = {
        "root": [
            (r"[ \t\r]+", Whitespace),
            (r"\n", Whitespace),
            (r"#.*?$", Comment.Single),
            (r"\\(?=[ \t]*(#.*)?$)", Punctuation),  # a line continuation
            (r'"', String.Double, "string"),
            # Numbers as the kernel reads them: 1, 2.5, 1e-3 (a leading '-' is the operator).
            (r"\d+\.\d+([eE][+-]?\d+)?\b|\d+[eE][+-]?\d+\b", Number.Float),
            (r"\d+\b", Number.Integer),
            # `cell NAME = KIND(`: the kind is a cell even where the word is also a function (`bow`).
            (r"\b(cell)(\s+)([A-Za-z_]\w*)(\s*)(=)(\s*)(" + "|".join(CELLS) + r")\b",
             bygroups(Keyword, Whitespace, Name.Variable, Whitespace, Operator, Whitespace, Keyword.Type)),
            # The model or value a definition names.
            (r"\b(cell|let)(\s+)([A-Za-z_]\w*)", bygroups(Keyword, Whitespace, Name.Variable)),
            # key= (before the keywords: `seed=1`, `loss=mse`, `plot=true`), then the value when it is a word of a set.
            (words(OPTIONS, prefix=r"\b", suffix=r"(?=\s*=)"), Name.Attribute),
            # Not when called: `cell c = gru(...)` is the cell, `cell=gru` the value.
            (r"(=)(\s*)(" + "|".join(VALUES) + r")\b(?!\s*\()", bygroups(Operator, Whitespace, Name.Constant)),
            # A dataset is called: `copy(count=...)` is the dataset, `copy net as b` the statement.
            (words(DATASETS, prefix=r"\b", suffix=r"(?=\s*\()"), Name.Builtin),
            (words(FUNCTIONS, prefix=r"\b", suffix=r"(?=\s*\()"), Name.Function),
            (words(CELLS, prefix=r"\b", suffix=r"\b"), Keyword.Type),
            (words(STATEMENTS + CLAUSES, prefix=r"\b", suffix=r"\b"), Keyword),
            (words(LITERALS, prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(DATASETS, prefix=r"\b", suffix=r"\b"), Name.Builtin),
            (r"[A-Za-z_]\w*", Name),
            (r"[=+\-*/@]", Operator),
            (r"[()\[\],.]", Punctuation),
            (r".", Text),
        ],
        "string": [
            (r'\\["\\nt]', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\\.", String.Double),  # the kernel reports a bad escape; shown as part of the string
            (r"\n", String.Double, "#pop"),  # an unterminated string ends with its line
        ],
    }
