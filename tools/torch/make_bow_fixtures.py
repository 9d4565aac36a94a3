"""Computes, with PyTorch in float64, what rnn-kernel's bag-of-words classifier
(`cell base = bow(output=C, features=count|tfidf, ngram=N, style=course|sklearn)`) must reproduce
to 1e-9: the features of every sentence, the logits, the loss, the gradients of fc.weight and
fc.bias, and the weights after 1 and 3 steps of each optimizer (sgd, momentum, adagrad, rmsprop,
adam), unclipped and clipped by norm and by value; and the logits of held-out sentences whose
unseen words and n-grams count for nothing.

The twin (language.md, "The classic text features"): the features computed here in float64,
then nn.Linear(terms, C) (as `self.fc`: keys fc.weight, fc.bias) and nn.CrossEntropyLoss()
(the mean over the batch), UNMODIFIED.
- Words: split on whitespace and lowercased (the sentences below have no edge punctuation).
- Terms: the n-grams of the training sentences (words joined by a space), in the order they first
  appear, sentence by sentence.
- count: how often each term occurs. Checked against scikit-learn's CountVectorizer with the
  same vocabulary.
- tfidf, style=course: TF = count / n-grams in the sentence, IDF = ln(N / (1 + DF)), fitted on
  the training sentences (N of them, DF(t) containing t).
- tfidf, style=sklearn: TfidfVectorizer's defaults: count · (ln((1 + N) / (1 + DF)) + 1), each
  row scaled to unit l2 norm; checked against TfidfVectorizer itself.

It also writes Tests/StoreTests/Fixtures/torch_bow.safetensors, the classifier's state_dict() as
PyTorch saves it (no metadata), with the logits it gives a sentence: a bow model with the same
terms loads it and must give the same logits.

Run from the repository root:
    /work/venv-torch/bin/python tools/torch/make_bow_fixtures.py
writes Tests/StoreTests/Fixtures/bow_fixtures.json and torch_bow.safetensors.
"""
import os

import numpy as np
import torch
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from torch import nn

import twin
from roundtrip import write_safetensors

twin.use_float64()
FIXTURES = twin.STORE_FIXTURES
OUT = os.path.join(FIXTURES, "bow_fixtures.json")

TRAIN = [
    ["我 打 你", "攻击"], ["你 打 我", "被打"], ["我 爱 你", "喜欢"], ["他 打 我 了", "被打"],
    ["我 很 爱 你", "喜欢"], ["我 打 他 和 你", "攻击"], ["i am happy", "喜欢"], ["i am not happy you hit me", "被打"],
]
HELD_OUT = [["你 打 他", "攻击"], ["我 不 爱 你", "喜欢"], ["she hit me", "被打"]]


def words(s):
    return s.lower().split()


def grams(ws, n):
    return [" ".join(ws[i:i + n]) for i in range(len(ws) - n + 1)]


def terms_of(docs, n):
    seen, order = set(), []
    for d in docs:
        for g in grams(d, n):
            if g not in seen:
                seen.add(g)
                order.append(g)
    return order


def features(docs, terms, n, kind, style, idf):
    col = {t: j for j, t in enumerate(terms)}
    out = np.zeros((len(docs), len(terms)))
    for i, d in enumerate(docs):
        gs = grams(d, n)
        for g in gs:
            if g in col:
                out[i, col[g]] += 1
        if kind == "tfidf":
            if style == "course":
                out[i] = out[i] / max(len(gs), 1) * idf
            else:
                out[i] = out[i] * idf
                norm = np.sqrt((out[i] ** 2).sum())
                if norm > 0:
                    out[i] /= norm
    return out


def fit_idf(docs, terms, n, style):
    N = len(docs)
    df = np.array([sum(1 for d in docs if t in set(grams(d, n))) for t in terms], dtype=np.float64)
    if style == "course":
        return np.log(N / (1 + df))
    return np.log((1 + N) / (1 + df)) + 1


def check_with_sklearn(texts, terms, n, kind, style, ours):
    """CountVectorizer / TfidfVectorizer on the same words and vocabulary give the same numbers."""
    common = dict(tokenizer=str.split, token_pattern=None, lowercase=True, ngram_range=(n, n))
    if kind == "count":
        theirs = CountVectorizer(vocabulary=terms, **common).fit_transform(texts).toarray()
    elif style == "sklearn":
        theirs = TfidfVectorizer(vocabulary=terms, **common).fit(texts[:len(TRAIN)]).transform(texts).toarray()
    else:
        return
    assert np.abs(theirs - ours).max() < 1e-12, (kind, style, n)


class BowClassifier(nn.Module):
    """The twin: nn.Linear over the features, kept as `self.fc` so its keys are fc.weight and fc.bias."""

    def __init__(self, terms, C):
        super().__init__()
        self.fc = nn.Linear(terms, C)

    def forward(self, phi):
        return self.fc(phi)


def case(name, kind, n, style="course", seed=0, held_out=True):
    twin.seed(seed)
    docs = [words(s) for s, _ in TRAIN]
    labels = []
    for _, l in TRAIN:
        if l not in labels:
            labels.append(l)
    terms = terms_of(docs, n)
    idf = fit_idf(docs, terms, n, style) if kind == "tfidf" else None
    phi = features(docs, terms, n, kind, style, idf)
    check_with_sklearn([s for s, _ in TRAIN], terms, n, kind, style, phi)
    test_docs = [words(s) for s, _ in HELD_OUT]
    test_phi = features(test_docs, terms, n, kind, style, idf)
    check_with_sklearn([s for s, _ in TRAIN] + [s for s, _ in HELD_OUT], terms, n, kind, style,
                       np.vstack([phi, test_phi]))
    x = torch.tensor(phi)
    y = torch.tensor([labels.index(l) for _, l in TRAIN])
    C = len(labels)

    net = BowClassifier(len(terms), C)
    initial = twin.state(net)
    logits = net(x)
    loss = nn.CrossEntropyLoss()(logits, y)
    net.zero_grad()
    loss.backward()
    grads = twin.gradients(net)
    clip_norm, clip_value = twin.clip_thresholds(net)
    runs = twin.optimizer_runs(lambda: twin.copy_of(net, lambda: BowClassifier(len(terms), C)),
                               lambda model: nn.CrossEntropyLoss()(model(x), y), 0.1, clip_norm, clip_value)
    return {
        "name": name,
        "features": kind, "style": style, "ngram": n,
        "sentences": TRAIN, "held_out": HELD_OUT,
        "labels": labels, "terms": terms,
        "idf": idf.tolist() if idf is not None else [],
        "phi": phi.tolist(),
        "held_out_phi": test_phi.tolist(),
        "held_out_logits": net(torch.tensor(test_phi)).detach().tolist(),
        "state_dict": initial,
        "logits": logits.detach().tolist(),
        "loss_value": loss.item(),
        "gradients": grads,
        "optimizers": runs,
    }


def torch_file():
    """nn.Linear over the count features of ngram=1, saved as PyTorch's state_dict()."""
    docs = [words(s) for s, _ in TRAIN]
    terms = terms_of(docs, 1)
    labels = list(dict.fromkeys(l for _, l in TRAIN))
    twin.seed(42)
    net = BowClassifier(len(terms), len(labels))
    write_safetensors(os.path.join(FIXTURES, "torch_bow.safetensors"), net.state_dict())
    sentence = "我 打 你"
    x = torch.tensor(features([words(sentence)], terms, 1, "count", "course", None))
    return {"file": "torch_bow.safetensors", "sentence": sentence, "terms": terms, "logits": net(x)[0].tolist()}


CASES = [
    case("count-1", "count", 1, seed=1),
    case("count-2", "count", 2, seed=2),
    case("tfidf-1", "tfidf", 1, seed=3),
    case("tfidf-2", "tfidf", 2, seed=4),
    case("tfidf-sklearn-1", "tfidf", 1, style="sklearn", seed=5),
    case("tfidf-sklearn-2", "tfidf", 2, style="sklearn", seed=6),
]

if __name__ == "__main__":
    twin.write_json(OUT, {"torch_version": torch.__version__, "cases": CASES, "torch_file": torch_file()}, ensure_ascii=False)
    print("wrote", OUT, "with", len(CASES), "cases, torch", torch.__version__)
