/// The text-feature functions of course article 003 (bow, ngrams, tfidf, bm25): signatures,
/// options and help, as DatasetHelp keeps them for the datasets.
public enum FeatureHelp {
    typealias Spec = DatasetHelp.Spec

    static let commonBody = """
        DATA is a dataset of sentences (sentences(...) or tagged(...)) or a list of strings, one a document.
        Words are split on whitespace, with punctuation at their edges dropped: write a Chinese sentence with
        spaces between its words ("猫 喜欢 鱼"). For a list of strings, lower=true (the default) lowercases them and
        lower=false keeps case ("Apple" the company); a dataset's words are as the dataset read them.
        vocab=["猫", "狗", ...] fixes the columns and their order (other words are not counted); without it the
        columns are the terms in the order they first appear.
        The value is a documents × terms table: `show` draws it with the terms as column heads, `print` writes
        the numbers as a matrix (one row a document).
        """

    static let specs: [Spec] = [
        Spec(name: "bow", signature: "bow(DATA, binary=false, vocab=, lower=true)", summary: "bag of words: how often each word occurs in each document",
             options: ["binary", "vocab", "lower"],
             body: "count(t, d): how many times word t occurs in document d; binary=true gives 1 for present, 0 for absent.\nWord order is lost: \"我 打 你\" and \"你 打 我\" have the same vector.\n\n" + commonBody
                + "\n\nExample (course article 003):\n  show bow([\"猫 喜欢 鱼\", \"狗 不 喜欢 鱼\"], vocab=[\"猫\", \"狗\", \"喜欢\", \"不\", \"鱼\"])\n  gives [1, 0, 1, 0, 1] and [0, 1, 1, 1, 1].\n\nThe trainable classifier on these features is a model:\n" + BagOfWordsHelp.body),
        Spec(name: "ngrams", signature: "ngrams(DATA, n=2, binary=false, vocab=, lower=true)", summary: "counts of n consecutive words (n-grams), which keep some word order",
             options: ["n", "binary", "vocab", "lower"],
             body: "The terms are runs of n consecutive words joined by a space (\"猫 喜欢\", \"喜欢 吃\", \"吃 鱼\" for n=2);\neach cell counts how often the n-gram occurs in the document. n=1 is bow.\n\n" + commonBody),
        Spec(name: "tfidf", signature: "tfidf(DATA, style=course|sklearn, n=1, vocab=, lower=true)", summary: "TF-IDF: word counts weighed down for words that are in many documents",
             options: ["style", "n", "vocab", "lower"],
             body: """
                style=course (the default), the course's formula, natural logarithms:
                  TF(t, d) = count(t, d) / words in d
                  IDF(t)   = ln(N / (1 + DF(t)))       N documents, DF(t) of them contain t
                  TF-IDF   = TF · IDF                  (a word in every document gets a negative weight)
                style=sklearn, scikit-learn's TfidfVectorizer() defaults (smooth IDF, l2-normalised rows):
                  TF = count(t, d),  IDF(t) = ln((1 + N) / (1 + DF(t))) + 1,  each row divided by its l2 norm
                  (the words are split on whitespace here, where scikit-learn's default token pattern would also
                  drop one-letter words).
                n=2 weighs bigrams instead of words.

                """ + commonBody),
        Spec(name: "bm25", signature: "bm25(DATA, \"query\", k1=1.5, b=0.75, vocab=, lower=true)", summary: "BM25: how well each document matches a query",
             options: ["k1", "b", "vocab", "lower"],
             body: """
                For each document d and each distinct word t of the query, the course's formula:
                  IDF(t) · TF(t,d)·(k1 + 1) / (TF(t,d) + k1·(1 − b + b·|d| / avgdl))
                  IDF(t) = ln((N − DF(t) + 0.5) / (DF(t) + 0.5))
                TF is the raw count, |d| the document's length in words, avgdl the mean length. k1 limits how much
                repeating a word helps; b how much long documents are penalised. The table has one column a query
                word and a last column, score, their sum: the document's BM25 score.
                With vocab=[...] the columns are those words instead: a query word outside vocab is not counted,
                and a vocab word the query lacks has a column of zeros. DF, |d| and avgdl still count every word
                of the documents, so each column's numbers are the same as without vocab.

                """ + commonBody),
    ]

    /// Names of the feature functions.
    public static var names: [String] { specs.map(\.name) }

    /// Help entries, one a function.
    public static var entries: [Help.Entry] {
        specs.map { Help.Entry(topic: $0.name, summary: $0.summary, body: $0.signature + "\n\n" + $0.body) }
    }

    /// Option names a function takes.
    public static func options(of name: String) -> [String] { specs.first { $0.name == name }?.options ?? [] }
}
