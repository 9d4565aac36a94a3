/// The bow model kind's options and help (language.md "The classic text features"), kept beside
/// the cells' tables so that Help.swift and Options.swift only append them.
public enum BagOfWordsHelp {
    public static let cellOptions: [OptionSpec] = [
        OptionSpec("output", default: "required", "the number of labels C: W is C × terms, b has C values"),
        OptionSpec("features", ["count", "tfidf"], default: "count", "φ: how often each term occurs, or its TF-IDF (IDF fitted on the data that fixes the terms)"),
        OptionSpec("ngram", default: "1", "the terms are runs of N consecutive words (1: words, 2: bigrams)"),
        OptionSpec("style", ["course", "sklearn"], default: "course", "with features=tfidf: the course's formula, or scikit-learn's TfidfVectorizer defaults (see help tfidf)"),
        OptionSpec("vocab", default: "the first data it is trained on", "a dataset of sentences that fixes the vocabulary, labels and terms now"),
        OptionSpec("seed", default: "session", "seed for this model's initial weights"),
    ]

    /// The file key (the PyTorch twin's state-dict name) of a bow model's parameter.
    public static func fileKey(_ name: String) -> String { name == "W" ? "fc.weight" : name == "b" ? "fc.bias" : name }

    /// The paragraph the help of `cell` and of `bow` give the classifier.
    static let body = """
        cell base = bow(output=C, features=count|tfidf, ngram=1, style=course|sklearn)
          A linear classifier on the classic text features (logistic / softmax regression): for a sentence,
          φ holds one number a term (its count, or its TF-IDF), and logits = W φ + b, W being C × terms and b C
          (the twin: nn.Linear(terms, C) and nn.CrossEntropyLoss, keys fc.weight and fc.bias). The first
          sentences(...) data it is trained on (or vocab=DATA) fixes its vocabulary, labels and terms (words,
          or n-grams with ngram=N, in the order they first appear), and for tfidf the IDF, all kept with the
          model (copy, save, load); later data and strings are read with them: an unseen word is <unk> and an
          unseen n-gram counts for nothing, with a warning. Train it like any model (every optimizer, batch=,
          validation=, plot loss), predict it on data or on "a sentence", show it, plot NAME.W (labels × terms).
          It has no time steps: unroll, backward, sample and generate are refused. Word order is lost:
          "我 打 你" and "你 打 我" have the same φ and so the same prediction, which an RNN can tell apart.
        """
}
