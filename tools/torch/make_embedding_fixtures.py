"""Computes, with PyTorch in float64, what rnn-kernel's embedding models (`embed=E`) must reproduce
to 1e-9: the logits, the loss, every gradient (embedding.weight included: the scatter-add of the
first layer's input gradient into the rows of the tokens used), and the weights after 1 and 3 steps
of each optimizer (sgd, momentum, adagrad, rmsprop, adam), without clipping and clipped by norm
and by value, for rnn, lstm and gru, stacked and bidirectional, many-to-one and many-to-many.

The twin is course article 004's RNNClassifier (language.md, "Embeddings"), UNMODIFIED modules:
nn.Embedding(V, E) -> nn.RNN|LSTM|GRU(E, H, layers, bidirectional, batch_first=True) -> nn.Linear.
Many-to-one reads fc(hidden[-1]) as the class does (for an lstm, h_n[-1]: its hidden is (h_n, c_n)).
A bidirectional many-to-one reads fc(output[:, -1]), both directions at the last step, as every
rnn-kernel model's many-to-one reads y_T (hidden[-1] would be the reverse direction alone), so fc
is nn.Linear(H * directions, C) as language.md's "Files that PyTorch reads" says.

It also checks the files both ways:
- torch_embedding_<kind>.safetensors: saved from the class's state_dict(); the test loads it and
  compares its logits on the same sentence with the class's.
- ours_embedding_<kind>.safetensors: written by `rnn-kernel run` (`cell m = KIND(embed=...)`,
  `save m to ...`); the class loads it with load_state_dict(strict=True) and its logits on the
  sentence are recorded for the test to compare with its own.

Run from the repository root after `swift build` (or with RNN_KERNEL=path/to/rnn-kernel):
    /work/venv-torch/bin/python tools/torch/make_embedding_fixtures.py
writes Tests/StoreTests/Fixtures/embedding_fixtures.json and the .safetensors files above.
"""
import os

import torch
from torch import nn

import twin
from roundtrip import kernel_save, read_safetensors, write_safetensors

twin.use_float64()
FIXTURES = twin.STORE_FIXTURES
OUT = os.path.join(FIXTURES, "embedding_fixtures.json")


class RNNClassifier(nn.Module):
    """Course article 004's classifier; keys embedding.weight, rnn.*, fc.*."""

    def __init__(self, V, E, H, C, kind="rnn", layers=1, bidirectional=False, many_to_many=False):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = twin.recurrent(kind, E, H, layers, bidirectional)
        self.fc = nn.Linear(H * (2 if bidirectional else 1), C)
        self.kind, self.bidirectional, self.many_to_many = kind, bidirectional, many_to_many

    def forward(self, x):
        output, hidden = self.rnn(self.embedding(x))
        if self.many_to_many:
            return self.fc(output)                      # B × T × C: a tag per token
        if self.bidirectional:
            return self.fc(output[:, -1])               # [forward h_T ; reverse h at T]
        h_n = hidden[0] if self.kind == "lstm" else hidden
        return self.fc(h_n[-1])                         # the top layer's last state


def loss_of(model, x, target):
    logits = model(x)
    C = logits.shape[-1]
    return logits, nn.CrossEntropyLoss()(logits.reshape(-1, C), target.reshape(-1))


def case(name, kind, layers=1, bidirectional=False, many_to_many=False, seed=0, V=7, E=3, H=4, C=3, steps=5, batch=3):
    rng = twin.seed(seed)
    args = (V, E, H, C, kind, layers, bidirectional, many_to_many)
    net = RNNClassifier(*args)
    # Tokens repeat within and across sequences, so rows of embedding.weight gather several gradients;
    # token V-1 is never used, so its gradient must stay zero.
    x = torch.tensor(rng.integers(0, V - 1, size=(batch, steps)))
    target = torch.tensor(rng.integers(0, C, size=(batch, steps) if many_to_many else (batch,)))

    initial = twin.state(net)
    logits, l = loss_of(net, x, target)
    net.zero_grad()
    l.backward()
    grads = twin.gradients(net)
    clip_norm, clip_value = twin.clip_thresholds(net)
    runs = twin.optimizer_runs(lambda: twin.copy_of(net, lambda: RNNClassifier(*args)),
                               lambda model: loss_of(model, x, target)[1], 0.05, clip_norm, clip_value)
    return {
        "name": name,
        "config": {"kind": kind, "vocab": V, "embed": E, "hidden": H, "output": C, "layers": layers, "bidirectional": bidirectional},
        "many_to_many": many_to_many,
        "tokens": x.tolist(),
        "target": target.tolist(),
        "state_dict": initial,
        "logits": logits.detach().tolist(),
        "loss_value": l.item(),
        "gradients": grads,
        "optimizers": runs,
    }


# (kind, V, E, H, C, layers, bidirectional)
FILES = [
    ("rnn", 6, 3, 4, 2, 1, False),
    ("lstm", 5, 4, 3, 2, 2, True),
    ("gru", 7, 2, 3, 3, 1, True),
]
SENTENCE = [3, 1, 4, 1, 0]


def files():
    out = []
    for k, (kind, V, E, H, C, layers, bi) in enumerate(FILES):
        x = torch.tensor([[t % V for t in SENTENCE]])
        entry = {"kind": kind, "vocab": V, "embed": E, "hidden": H, "output": C, "layers": layers, "bidirectional": bi,
                 "tokens": x[0].tolist()}
        # The class -> here: PyTorch's own initialisation, saved from state_dict().
        torch.manual_seed(40 + k)
        net = RNNClassifier(V, E, H, C, kind, layers, bi)
        name = f"torch_embedding_{kind}.safetensors"
        write_safetensors(os.path.join(FIXTURES, name), net.state_dict())
        entry["torch_file"] = name
        entry["torch_logits"] = net(x)[0].tolist()

        # Here -> the class: a model rnn-kernel made and saved, loaded with strict=True.
        ours = f"ours_embedding_{kind}.safetensors"
        seed = 60 + k
        kernel_save(f"{kind}(input={V}, embed={E}, hidden={H}, output={C}, layers={layers}, "
                    f"bidirectional={'true' if bi else 'false'}, seed={seed})", os.path.join(FIXTURES, ours))
        tensors, _ = read_safetensors(os.path.join(FIXTURES, ours))
        net = RNNClassifier(V, E, H, C, kind, layers, bi)
        net.load_state_dict(tensors, strict=True)
        entry["ours_file"] = ours
        entry["ours_seed"] = seed
        entry["ours_logits"] = net(x)[0].tolist()
        out.append(entry)
    return out


CASES = [
    case("rnn-m2o", "rnn", seed=1),
    case("lstm-2layer-m2o", "lstm", layers=2, seed=2),
    case("gru-bi-m2o", "gru", bidirectional=True, seed=3),
    case("rnn-2layer-bi-m2m", "rnn", layers=2, bidirectional=True, many_to_many=True, seed=4),
    case("lstm-bi-m2m", "lstm", bidirectional=True, many_to_many=True, seed=5),
    case("gru-2layer-m2m", "gru", layers=2, many_to_many=True, seed=6),
    case("lstm-2layer-bi-m2o", "lstm", layers=2, bidirectional=True, seed=7),
]

if __name__ == "__main__":
    twin.write_json(OUT, {"torch_version": torch.__version__, "cases": CASES, "files": files()})
    print("wrote", OUT, "with", len(CASES), "cases and", len(FILES), "files each way, torch", torch.__version__)
