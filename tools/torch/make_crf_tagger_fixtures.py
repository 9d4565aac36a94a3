"""Writes Tests/StoreTests/Fixtures/crf_tagger_fixtures.json: the twin of a `crf=true` tagger
(language.md "Named entities"), nn.RNN/LSTM/GRU(batch_first=True) + nn.Linear + torchcrf.CRF(K,
batch_first=True), in float64, on a batch of one-hot sentences of different lengths (packed, so a
reverse direction starts at each sentence's own last word, as rnn-kernel's padded steps do; the CRF
gets the mask). Written: the state dict (keys rnn.*, fc.*, crf.*), the emissions, log Z of each
sentence, the loss -crf(y, tags, mask, reduction='mean'), every gradient, Viterbi's paths
(crf.decode) and the weights after 1 and 3 full-batch steps of sgd and adam. One case is language.md's
NER model, nn.Embedding + bidirectional nn.LSTM + nn.Linear + CRF (keys embedding.weight, rnn.*, fc.*, crf.*).

Run with the environment that has torch and pytorch-crf:
    /work/venv-torch/bin/python tools/torch/make_crf_tagger_fixtures.py
"""
import os

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchcrf import CRF

import twin

twin.use_float64()
OUT = os.path.join(twin.STORE_FIXTURES, "crf_tagger_fixtures.json")


class Tagger(nn.Module):
    """With E: course article 004's tagger, nn.Embedding(V, E) first (key embedding.weight), reading token ids."""
    def __init__(self, kind, V, H, K, layers, bidirectional, E=None):
        super().__init__()
        self.embedding = nn.Embedding(V, E) if E else None
        self.rnn = twin.recurrent(kind, E or V, H, layers, bidirectional)
        self.fc = nn.Linear(H * (2 if bidirectional else 1), K)
        self.crf = CRF(K, batch_first=True)

    def emissions(self, x, lengths):
        if self.embedding is not None:
            x = self.embedding(x.argmax(-1))  # the one-hot rows' token ids (padding rows read id 0, then are packed away)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.fc(out)

    def loss(self, x, lengths, tags, mask):
        return -self.crf(self.emissions(x, lengths), tags, mask=mask, reduction="mean")


def case(name, kind, layers, bidirectional, lengths, V=6, H=4, K=5, seed=0, E=None):
    rng = twin.seed(seed)
    net = Tagger(kind, V, H, K, layers, bidirectional, E)
    twin.fill_uniform(net, rng, 0.6)  # larger than the defaults, so every part of the model matters
    B, T = len(lengths), max(lengths)
    words = [rng.integers(0, V, size=n).tolist() for n in lengths]
    gold = [rng.integers(0, K, size=n).tolist() for n in lengths]
    x = torch.zeros(B, T, V)
    tags = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.bool)
    for b, n in enumerate(lengths):
        for t in range(n):
            x[b, t, words[b][t]] = 1
            tags[b, t] = gold[b][t]
            mask[b, t] = True
    lens = torch.tensor(lengths)
    initial = twin.state(net)
    e = net.emissions(x, lens)
    loss = net.loss(x, lens, tags, mask)
    net.zero_grad()
    loss.backward()
    grads = twin.gradients(net)
    with torch.no_grad():
        log_z = [net.crf._compute_normalizer(e[b:b + 1, :n].transpose(0, 1), mask[b:b + 1, :n].transpose(0, 1)).item()
                 for b, n in enumerate(lengths)]
        paths = net.crf.decode(e, mask=mask)
    steps = {}
    for opt_name, lr in [("sgd", 0.1), ("adam", 0.05)]:
        model = twin.copy_of(net, lambda: Tagger(kind, V, H, K, layers, bidirectional, E))
        after_1, after_3 = twin.train_steps(model, lambda m: m.loss(x, lens, tags, mask),
                                            twin.optimizer(opt_name, model.parameters(), lr))
        steps[opt_name] = {"lr": lr, "after_1": after_1, "after_3": after_3}
    return {
        "name": name,
        "config": {"kind": kind, "input": V, "hidden": H, "output": K, "layers": layers, "bidirectional": bidirectional,
                   **({"embed": E} if E else {})},
        "words": words, "gold": gold,
        "state_dict": initial,
        "emissions": [e[b, :n].tolist() for b, n in enumerate(lengths)],
        "log_z": log_z, "loss": loss.item(), "gradients": grads, "viterbi": paths, "optimizers": steps,
    }


cases = [
    case("bilstm", "lstm", 1, True, [4, 2, 5], seed=1),
    case("gru2", "gru", 2, False, [3, 6, 1], seed=2),
    case("birnn2", "rnn", 2, True, [5, 3], seed=3),
    case("lstm2bi", "lstm", 2, True, [2, 4, 3, 1], seed=4),
    # language.md's NER model: embed=, bidirectional lstm, crf=true.
    case("embed-bilstm", "lstm", 1, True, [4, 2, 5, 3], seed=5, E=3),
]
twin.write_json(OUT, {"made_by": f"tools/torch/make_crf_tagger_fixtures.py, torch {torch.__version__}, pytorch-crf", "cases": cases},
                newline=True)
print("wrote", OUT)
