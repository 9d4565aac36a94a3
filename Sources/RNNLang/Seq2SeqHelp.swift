/// The seq2seq model kind's options and help (language.md "Translation: seq2seq"), kept beside the
/// cells' tables so that Help.swift and Options.swift only append them.
public enum Seq2SeqHelp {
    public static let cellOptions: [OptionSpec] = [
        OptionSpec("embed", default: "32", "width of the source and target word embeddings (E)"),
        OptionSpec("hidden", default: "64", "width of the encoder's and decoder's states (H)"),
        OptionSpec("layers", default: "1", "stacked recurrent layers in the encoder and in the decoder"),
        OptionSpec("attention", ["additive", "none"], default: "additive", "Bahdanau's additive attention, or none: the context is the encoder's last output"),
        OptionSpec("cell", ["gru", "lstm"], default: "gru", "the encoder's and decoder's cell: nn.GRU, or nn.LSTM (state (h, c); the query is h)"),
        OptionSpec("vocab", default: "the first training data", "sentence pairs that fix the vocabularies now (and so the weights)"),
        OptionSpec("seed", default: "session", "seed for this model's initial weights"),
    ]

    public static let trainOptions: [OptionSpec] = [
        OptionSpec("epochs", default: "1", "passes over the data"),
        OptionSpec("batch", default: "32", "sentence pairs per step"),
        OptionSpec("lr", default: "0.01", "learning rate"),
        OptionSpec("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam"], default: "adam", "the update rule (PyTorch's constants)"),
        OptionSpec("teacher_forcing", default: "1.0", "the chance each decoder step is fed the true previous word; otherwise the model's own most likely word"),
        OptionSpec("clip", default: "none", "gradient clipping threshold on the global norm (none or a number)"),
        OptionSpec("seed", default: "session", "seed for the shuffling and the teacher-forcing draws"),
    ]

    public static let decodeOptions: [OptionSpec] = [
        OptionSpec("beam", default: "1", "1 is greedy (the most likely word every step); K > 1 keeps the K best outputs, ranked by log p per word"),
        OptionSpec("max_length", default: "20", "at most this many output words when <eos> does not come first"),
    ]

    /// The sentence-pair datasets.
    public static let datasetNames = ["translation", "reverse"]

    static let datasetSpecs: [DatasetHelp.Spec] = [
        DatasetHelp.Spec(name: "translation", signature: "translation([[\"source\", \"target\"], ...]) or translation(file=\"PATH\", lower=true)",
                         summary: "sentence pairs for a seq2seq model", options: ["file", "lower"],
                         body: """
                            Each pair is a source sentence and its translation, of any lengths. Words are split on whitespace
                            (write Chinese with spaces between its words), punctuation at their edges dropped, and lowercased
                            unless lower=false. file= reads one "source<TAB>target" a line (blank lines and # comments skipped).
                            The first data a seq2seq model is trained on fixes its vocabularies: source words with <unk> (id 0),
                            target words with <unk>, <bos>, <eos> (ids 0, 1, 2); later data is read with them.
                            Example:
                              let pairs = translation(file="data/translation/en-zh.tsv")
                            """),
        DatasetHelp.Spec(name: "reverse", signature: "reverse(count=, length=8, symbols=10, seed=)",
                         summary: "sequences of symbols to output reversed: the classic seq2seq test", options: ["count", "length", "symbols", "seed"],
                         body: """
                            count sources of length random symbols (the words 0 … symbols−1), each with its reverse as target.
                            Attention learns to look at the mirrored source position: plot attention shows the anti-diagonal.
                            Example:
                              let rev = reverse(count=2000, length=8, symbols=10, seed=1)
                            """),
    ]

    public static var datasetEntries: [Help.Entry] {
        datasetSpecs.map { Help.Entry(topic: $0.name, summary: $0.summary, body: $0.signature + "\n\n" + $0.body) }
    }

    static func options(of name: String) -> [String] { datasetSpecs.first { $0.name == name }?.options ?? [] }

    /// The translate statement's help (its entry in the table of statements is StatementSpec.translate).
    static let translate = Help.Entry(topic: "translate", summary: "translate a sentence with a seq2seq model: translate NAME \"sentence\"", body: """
            translate NAME "sentence" [beam=1] [max_length=20]

            Encodes the sentence with the model's source vocabulary (unknown words as <unk>, with a warning), then
            decodes from <bos> until <eos> or max_length words. beam=1 is greedy: the most likely word every step.
            beam=K keeps the K best partial outputs every step; a finished output leaves the beam, and the best is
            chosen by its length-normalised score, log p divided by its words (with <eos>), so long outputs are not
            penalised for their length. Shows the output and, with attention, the source word each output word
            attended to most.

            Options:
            \(Help.optionLines(decodeOptions))

            Example:
              translate tr "i am happy" beam=4
            """)

    static let concepts: [Help.Entry] = [
        Help.Entry(topic: "seq2seq", summary: "an encoder–decoder with attention, for translation", body: """
            cell NAME = seq2seq(embed=32, hidden=64, layers=1, attention=additive|none, cell=gru|lstm)

            A GRU (or, with cell=lstm, LSTM) encoder reads the source words' embeddings; a decoder of the same cell
            starts from its final state (an LSTM's h and c) and at every step reads [c_t ; embedding(y_{t-1})] and
            predicts the next target word through a linear layer (s_{t-1} is the top layer's h):
              e_j = w_v · tanh(W_q s_{t-1} + W_k h_j),  a = softmax(e) over the source,  c_t = Σ_j a_j h_j
              s_t = GRU([c_t ; embed(y_{t-1})], s_{t-1}) (or LSTM),  p(y_t) = softmax(fc(s_t))
            With attention=none, c_t is the encoder's last output at every step.
            Parameters, named as the PyTorch twin's state dict (class Seq2Seq in tools/torch/make_seq2seq_fixtures.py;
            show NAME lists them with their shapes once it is trained): encoder.embedding.weight,
            encoder.rnn.weight_ih_l0 …, decoder.embedding.weight, decoder.attention.W_q.weight, .W_k.weight,
            .w_v.weight, decoder.rnn.*, decoder.fc.weight, decoder.fc.bias (an LSTM's weight_ih_l0 has 4H rows
            [i | f | g | o], a GRU's 3H [r | z | n]). The first data it is trained on (or
            vocab=DATA) fixes the vocabularies and draws the weights (embeddings N(0,1), the rest U(-1/sqrt(H), 1/sqrt(H))).

            Options:
            \(Help.optionLines(cellOptions))

            Statements: train NAME on PAIRS (teacher forcing; the loss is the mean cross-entropy over the batch's
            real target words, <eos> included; options below), translate, predict NAME on PAIRS (corpus BLEU-4 as
            sacrebleu with tokenize="none", and exact match), unroll NAME on "sentence", plot attention NAME
            "sentence", plot loss, show NAME, show NAME.source_vocab / .target_vocab / .decoder.fc.weight, copy, drop,
            save and load (.json, or .safetensors with source_vocab and target_vocab in the metadata).
            train options:
            \(Help.optionLines(trainOptions))

            Example:
              cell tr = seq2seq(embed=32, hidden=64)
              let rev = reverse(count=2000, length=8, symbols=10, seed=1)
              train tr on rev epochs=10 batch=32 lr=0.01
              predict tr on reverse(count=200, length=8, symbols=10, seed=2)
              plot attention tr "1 2 3 4 5 6 7 8"
            """),
    ]
}
