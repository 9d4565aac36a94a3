"""What every fixture script in tools/torch shares: the float64 setup, the seeds, the unmodified
PyTorch layers the twins are built from, the state dict and gradients as the fixtures' JSON holds
them, the optimizers and the stepping loop (unclipped, or clipped by norm or by value), and where
and how the JSON files are written.

The scripts import it as `import twin` (Python puts a script's own folder first on sys.path), so
each is still run as `python tools/torch/make_....py` from the repository root.
Nothing here freezes or masks a parameter: a twin is the unmodified PyTorch modules.
"""
import json
import os

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STORE_FIXTURES = os.path.join(ROOT, "Tests", "StoreTests", "Fixtures")
RNN_FIXTURES = os.path.join(ROOT, "Tests", "RNNTests", "Fixtures")

OPTIMIZERS = ["sgd", "momentum", "adagrad", "rmsprop", "adam"]


# ---- setup

def use_float64():
    """Makes float64 the default dtype, so every module and tensor made afterwards is float64."""
    torch.set_default_dtype(torch.float64)


def seed(value):
    """Seeds torch's global generator (PyTorch's own initialisation) and returns numpy's, same seed."""
    torch.manual_seed(value)
    return np.random.default_rng(value)


def fill_uniform(module, rng, bound):
    """Overwrites every parameter with U(-bound, bound) draws from `rng`, in parameters() order."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(rng.uniform(-bound, bound, size=tuple(p.shape))))


# ---- the layers a twin is made of

def recurrent(kind, input, hidden, layers=1, bidirectional=False, activation="tanh"):
    """nn.RNN (tanh or relu), nn.LSTM or nn.GRU with batch_first=True, as language.md's cells."""
    args = dict(input_size=input, hidden_size=hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True)
    if kind == "rnn":
        return nn.RNN(nonlinearity=activation, **args)
    return {"lstm": nn.LSTM, "gru": nn.GRU}[kind](**args)


class Net(nn.Module):
    """language.md's model: a recurrent layer then nn.Linear on every step (keys rnn.*, fc.*)."""

    def __init__(self, kind, input, hidden, output, layers=1, bidirectional=False, activation="tanh"):
        super().__init__()
        self.rnn = recurrent(kind, input, hidden, layers, bidirectional, activation)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), output)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


def copy_of(net, make):
    """A new model from `make()` holding `net`'s weights (load_state_dict, strict)."""
    model = make()
    model.load_state_dict(net.state_dict(), strict=True)
    return model


# ---- numbers as the fixtures hold them

def tensor_json(t):
    """A tensor as {"shape": [...], "values": [row-major floats]}."""
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


def state(model, prefix=""):
    """The state dict, key by key (with `prefix` before each key), as tensor_json."""
    return {prefix + k: tensor_json(v) for k, v in model.state_dict().items()}


def gradients(model):
    """Every parameter's .grad, keyed as the state dict, as tensor_json."""
    return {k: tensor_json(p.grad) for k, p in model.named_parameters()}


def flat_state(model):
    """The state dict as {key: row-major floats}, without shapes (the seq2seq fixtures' form)."""
    return {k: v.flatten().tolist() for k, v in model.state_dict().items()}


def flat_gradients(model):
    """Every parameter's .grad as {key: row-major floats}, without shapes."""
    return {k: p.grad.flatten().tolist() for k, p in model.named_parameters()}


def clip_thresholds(model):
    """Clipping thresholds that bite at the first step: half the gradients' global l2 norm and half
    their largest magnitude, rounded to 4 decimals (so the fixtures can state them exactly)."""
    flat = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    return round(0.5 * flat.norm().item(), 4), round(0.5 * flat.abs().max().item(), 4)


# ---- optimizers and steps

def optimizer(name, params, lr):
    """torch.optim's optimizer for one of OPTIMIZERS, with its defaults (momentum is SGD's 0.9)."""
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    others = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}
    if name not in others:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}")
    return others[name](params, lr=lr)


def clip_gradients(params, clip, threshold):
    """Clips the gradients in place: clip "norm" (global l2 norm), "value" (each entry) or "none"."""
    if clip == "norm":
        torch.nn.utils.clip_grad_norm_(params, threshold)
    elif clip == "value":
        torch.nn.utils.clip_grad_value_(params, threshold)
    elif clip != "none":
        raise ValueError(f"clip must be none, norm or value, not {clip!r}")


def train_steps(model, loss, opt, steps=3, record=(1, 3), clip="none", threshold=0.0, snapshot=state):
    """Takes `steps` full-batch steps of `opt` on `loss(model)` (clipped as clip_gradients says) and
    returns snapshot(model) after each step numbered (from 1) in `record`."""
    params = list(model.parameters())
    out = []
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss(model).backward()
        clip_gradients(params, clip, threshold)
        opt.step()
        if step in record:
            out.append(snapshot(model))
    return out


def optimizer_runs(make, loss, lr, clip_norm, clip_value):
    """Every optimizer, each unclipped, clipped by norm and by value, run 3 steps on a fresh model
    from `make()`: {"<optimizer>/<clip>": {optimizer, lr, clip, clip_value, after_1, after_3}}."""
    runs = {}
    for name in OPTIMIZERS:
        for clip, threshold in [("none", 0.0), ("norm", clip_norm), ("value", clip_value)]:
            model = make()
            after_1, after_3 = train_steps(model, loss, optimizer(name, model.parameters(), lr),
                                           clip=clip, threshold=threshold)
            runs[f"{name}/{clip}"] = {"optimizer": name, "lr": lr, "clip": clip, "clip_value": threshold,
                                      "after_1": after_1, "after_3": after_3}
    return runs


# ---- files

def write_json(path, data, newline=False, ensure_ascii=True, indent=None):
    """Writes `data` as UTF-8 JSON (compact unless `indent`), with a final newline if `newline`."""
    text = json.dumps(data, ensure_ascii=ensure_ascii, indent=indent) + ("\n" if newline else "")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
