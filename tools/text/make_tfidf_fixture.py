"""Writes Tests/RNNTests/Fixtures/tfidf_sklearn.json: scikit-learn's TfidfVectorizer() numbers
(smooth IDF, l2 rows) for a small corpus, which `tfidf(DATA, style=sklearn)` must reproduce.

Words are split on whitespace, as the RNN language splits them (scikit-learn's default token
pattern would also drop one-letter words such as "i" and every one-character Chinese word).
Run with an environment that has scikit-learn: python tools/text/make_tfidf_fixture.py
"""
import json
import pathlib

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

CORPUS = [
    "I love this movie",
    "I hate this movie",
    "this movie is not good not good at all",
    "what a good good day",
    "猫 喜欢 鱼",
    "狗 不 喜欢 鱼",
]


def table(ngram):
    v = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=True, ngram_range=(ngram, ngram))
    m = v.fit_transform(CORPUS).toarray()
    return {"terms": list(v.get_feature_names_out()), "values": m.tolist(), "idf": v.idf_.tolist()}


out = {
    "made_by": f"tools/text/make_tfidf_fixture.py with scikit-learn {sklearn.__version__}",
    "corpus": CORPUS,
    "unigrams": table(1),
    "bigrams": table(2),
}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests/RNNTests/Fixtures/tfidf_sklearn.json"
path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
print("wrote", path)
