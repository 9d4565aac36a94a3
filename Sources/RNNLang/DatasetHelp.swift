/// The dataset constructors' signatures, options and help (language.md "Datasets").
public enum DatasetHelp {
    struct Spec {
        let name: String
        let signature: String
        let summary: String
        let options: [String]
        let body: String
    }

    static let specs: [Spec] = [
        Spec(name: "sine", signature: "sine(count=, length=, step=0.1, noise=0, seed=)", summary: "predict the next value of a sine wave",
             options: ["count", "length", "step", "noise", "seed"],
             body: "Each example is `length` samples of sin(phase + step·t) with a random phase, plus N(0, noise²) noise;\nthe target at every step is the next sample (many-to-many regression, loss mse)."),
        Spec(name: "adding", signature: "adding(count=, length=, seed=)", summary: "the adding problem: sum the two marked numbers",
             options: ["count", "length", "seed"],
             body: "Each step is [value, marker] with value in U[0,1); exactly two steps are marked 1, one in each half.\nThe target is the sum of the two marked values (many-to-one regression). Predicting 1 always gives MSE 1/6,\nso a loss well below 0.167 means the model learnt to remember."),
        Spec(name: "copy", signature: "copy(count=, length=, symbols=8, seed=)", summary: "recall 10 symbols after a delay",
             options: ["count", "length", "symbols", "seed"],
             body: "Ten random symbols (one-hot over `symbols` plus a blank and a go marker), `length` blanks, a go marker,\nthen the model must output the ten symbols (many-to-many classification, loss xent)."),
        Spec(name: "parity", signature: "parity(count=, length=, seed=)", summary: "XOR of a bit string",
             options: ["count", "length", "seed"],
             body: "Random bits, one per step; the target is their XOR, 0 or 1 (many-to-one classification, loss xent)."),
        Spec(name: "text", signature: "text(\"...\") or text(file=\"PATH\", seq=25, stride=seq)", summary: "next character of a text",
             options: ["file", "seq", "stride"],
             body: "Windows of `seq` characters, one starting every `stride` characters (by default seq, so they tile the text;\na smaller stride overlaps them, as char-rnn does); the target at each step is the next character. Characters enter as\none-hot vectors over the text's sorted distinct characters (many-to-many classification, loss xent).\nA model trained on it keeps that alphabet (id 0 is <unk>): a later text is read with it, a character it\nhas never seen becomes <unk> (x_t = 0) with a warning that counts them, and a step that must predict\none is left out. See help vocabulary."),
        Spec(name: "sentences", signature: "sentences([[\"I am not happy\", \"neg\"], ...], lower=true)", summary: "word-level sentence classification",
             options: ["lower"],
             body: "Each sentence is split into words on whitespace (so Chinese is written with spaces between words),\nlowercased unless lower=false, and read as one-hot vectors over the sorted words of all sentences; its\nlabel is the class (many-to-one classification, loss xent). The first data a model is trained on fixes\nits vocabulary and labels (show NAME.vocab, show NAME.labels): later data is read with them, an unseen\nword becomes <unk> (id 0, x_t = 0) with a warning, and an unknown label is an error (help vocabulary)."),
        Spec(name: "tagged", signature: "tagged([[\"I love football\", \"PRON VERB NOUN\"], ...], lower=true) or tagged(file=\"PATH\")", summary: "one tag a word",
             options: ["lower", "file"],
             body: "Each sentence's words get one tag each (many-to-many classification, loss xent; a crf=true tagger\nscores whole tag sequences instead). The number of tags must equal the number of words. Words are read\nas in sentences(...): lower=false keeps case, and a model keeps the vocabulary and the tags of the first\ndata it is trained on (help vocabulary). file=\"PATH\" reads one `sentence<TAB>tags` a line (words and\ntags split by spaces, as data/ner/en.tsv and zh.tsv are written) and keeps the words as written. With\nBIO tags (B-X, I-X, O), predict also reports entity-level precision, recall and F1."),
        Spec(name: "csv", signature: "csv(\"PATH\", column=\"NAME\", window=20)", summary: "windows of a time series from a CSV file",
             options: ["column", "window"],
             body: "Reads one numeric column (by header name) and cuts it into windows of `window` values; the target at\nevery step is the next value (many-to-many regression, loss mse). The file is read as RFC 4180 CSV:\na field in double quotes may hold commas, line ends and \"\" for a quote; blank lines are skipped. A\ncolumn name that appears twice, or a value that is not a finite decimal number (hexadecimal such as\n0x10 is refused), is an error naming the line."),
        Spec(name: "pairs", signature: "pairs([[SEQ, TARGET], ...])", summary: "literal examples",
             options: [],
             body: "TARGET is a vector (regression on y_T), an integer class index (classification on y_T), or a sequence\nas long as SEQ (a target every step)."),
    ]

    /// Help entries, one a dataset.
    public static var entries: [Help.Entry] {
        specs.map { Help.Entry(topic: $0.name, summary: $0.summary, body: $0.signature + "\n\n" + $0.body) }
    }

    /// Option names a constructor takes.
    public static func options(of name: String) -> [String] { specs.first { $0.name == name }?.options ?? [] }
}
