"""What every fixture script in tools/torch shares: the float64 setup, the seeds, the unmodified
PyTorch layers the twins are built from, the state dict and gradients as the fixtures' JSON holds
them, the optimizers and the stepping loop (unclipped, or clipped by norm or by value), and where
and how the JSON files are written.

The scripts import it as `import twin` (Python puts a script's own folder first on sys.path), so
each is still run as `python tools/torch/make_....py` from the repository root.
Nothing here freezes or masks a parameter: a twin is the unmodified PyTorch modules. The
bias=single twins (OneBiasNet, OneBiasGRUNet) are other compositions of unmodified modules, and
give their numbers in Net's keys and shapes through their `standard` method (see `layout`).
"""
import functools
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

def recurrent(kind, input, hidden, layers=1, bidirectional=False, activation="tanh", bias=True, device=None):
    """nn.RNN (tanh or relu), nn.LSTM or nn.GRU with batch_first=True, as language.md's cells."""
    args = dict(input_size=input, hidden_size=hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True,
                bias=bias, device=device)
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


def suffixes(layers, bidirectional):
    """PyTorch's per-layer, per-direction parameter suffixes in its order: l0, l0_reverse, l1, ..."""
    return [f"l{l}{d}" for l in range(layers) for d in ([""] + (["_reverse"] if bidirectional else []))]


def with_one(x):
    """`x` (batch, steps, features) with a constant 1 appended as one more feature."""
    return torch.cat([x, torch.ones(*x.shape[:-1], 1)], dim=-1)


class OneBiasNet(nn.Module):
    """The twin of a bias=single rnn or lstm: one bias per gate, no b_h·. Each layer is an unmodified
    single-layer nn.RNN/nn.LSTM(bias=False) fed its input with a constant 1 appended, so the last
    column of its weight_ih is the gate's bias, trained as an ordinary weight (every optimizer and
    both clippings are elementwise or over the total norm, so it trains as a separate bias would).
    Layers are stacked as nn.RNN stacks them (layer 2 reads both directions' outputs, concatenated),
    then nn.Linear. Keys: rnn.<layer>.weight_ih_l0[_reverse], rnn.<layer>.weight_hh_l0[_reverse], fc.*."""

    def __init__(self, kind, input, hidden, output, layers=1, bidirectional=False, activation="tanh"):
        super().__init__()
        if kind == "gru":
            raise ValueError("gru's b_hn is not an input weight: its bias=single twin is OneBiasGRUNet")
        width = hidden * (2 if bidirectional else 1)
        self.bidirectional = bidirectional
        self.rnn = nn.ModuleList(recurrent(kind, (input if l == 0 else width) + 1, hidden, 1, bidirectional,
                                           activation, bias=False) for l in range(layers))
        self.fc = nn.Linear(width, output)

    def forward(self, x):
        for layer in self.rnn:
            x, _ = layer(with_one(x))
        return self.fc(x)

    def suffix_pairs(self):
        """(this module's key prefix, its suffix, Net's suffix) per layer and direction, such as
        ("rnn.1.", "l0_reverse", "l1_reverse"): each stacked single-layer module names its own l0."""
        return [(f"rnn.{l}.", d, d.replace("l0", f"l{l}", 1))
                for l in range(len(self.rnn)) for d in suffixes(1, self.bidirectional)]

    def standard(self, tensors):
        """`tensors` (values or gradients, keyed as this module's state dict) in Net's keys and shapes:
        weight_ih without the last column, that column as bias_ih, and zeros as bias_hh."""
        out = {}
        for own, d, t in self.suffix_pairs():
            W = tensors[f"{own}weight_ih_{d}"]
            out[f"rnn.weight_ih_{t}"] = W[:, :-1]
            out[f"rnn.weight_hh_{t}"] = tensors[f"{own}weight_hh_{d}"]
            out[f"rnn.bias_ih_{t}"] = W[:, -1]
            out[f"rnn.bias_hh_{t}"] = torch.zeros(W.shape[0])
        out["fc.weight"], out["fc.bias"] = tensors["fc.weight"], tensors["fc.bias"]
        return out

    def load_standard(self, state):
        """Takes Net's state dict, each gate's bias_ih + bias_hh as its one bias (as rnn-kernel loads
        a PyTorch file into a bias=single cell)."""
        mine = {}
        for own, d, t in self.suffix_pairs():
            b = state[f"rnn.bias_ih_{t}"] + state[f"rnn.bias_hh_{t}"]
            mine[f"{own}weight_ih_{d}"] = torch.cat([state[f"rnn.weight_ih_{t}"], b[:, None]], dim=1)
            mine[f"{own}weight_hh_{d}"] = state[f"rnn.weight_hh_{t}"]
        mine["fc.weight"], mine["fc.bias"] = state["fc.weight"], state["fc.bias"]
        self.load_state_dict(mine, strict=True)
        return self


class OneBiasGRUNet(nn.Module):
    """The twin of a bias=single gru: b_r, b_z, b_xn and b_hn, no b_hr or b_hz. b_hn sits inside
    r * (W_hn h + b_hn), where no constant input can reach it, so this calls an unmodified
    nn.GRU(bias=True) through torch.func.functional_call with every tensor supplied: weight_ih,
    weight_hh and bias_ih are this module's parameters (rnn.*), and bias_hh is
    cat(zeros(2H), b_hn), the zeros a constant and b_hn a leaf parameter of its own (b_hn.*).
    The nn.GRU is built on the meta device and kept out of the parameter tree: it is the function,
    holding no numbers, so no parameter of the twin is left unused. Then nn.Linear."""

    def __init__(self, input, hidden, output, layers=1, bidirectional=False):
        super().__init__()
        gru = recurrent("gru", input, hidden, layers, bidirectional, device="meta")
        self.gru = functools.partial(torch.func.functional_call, gru)
        # (key, value) pairs keep nn.GRU's order, where a dict would be sorted.
        self.rnn = nn.ParameterDict([(k, nn.Parameter(torch.zeros(p.shape))) for k, p in gru.named_parameters()
                                     if not k.startswith("bias_hh")])
        self.b_hn = nn.ParameterDict([(d, nn.Parameter(torch.zeros(hidden))) for d in suffixes(layers, bidirectional)])
        self.hidden = hidden
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), output)

    def forward(self, x):
        tensors = dict(self.rnn)
        zeros = torch.zeros(2 * self.hidden)
        tensors.update({f"bias_hh_{d}": torch.cat([zeros, b]) for d, b in self.b_hn.items()})
        out, _ = self.gru(tensors, (x,))
        return self.fc(out)

    def standard(self, tensors):
        """`tensors` (values or gradients, keyed as this module's state dict) in Net's keys and shapes:
        bias_hh is zeros with b_hn in its n-part."""
        out = {}
        for d in self.b_hn:
            for w in ("weight_ih", "weight_hh", "bias_ih"):
                out[f"rnn.{w}_{d}"] = tensors[f"rnn.{w}_{d}"]
            out[f"rnn.bias_hh_{d}"] = torch.cat([torch.zeros(2 * self.hidden), tensors[f"b_hn.{d}"]])
        out["fc.weight"], out["fc.bias"] = tensors["fc.weight"], tensors["fc.bias"]
        return out

    def load_standard(self, state):
        """Takes Net's state dict: r and z get bias_ih + bias_hh, n keeps bias_ih's part as b_xn and
        bias_hh's as b_hn (as rnn-kernel loads a PyTorch file into a bias=single gru)."""
        H, own = self.hidden, {}
        for d in self.b_hn:
            own[f"rnn.weight_ih_{d}"] = state[f"rnn.weight_ih_{d}"]
            own[f"rnn.weight_hh_{d}"] = state[f"rnn.weight_hh_{d}"]
            bih, bhh = state[f"rnn.bias_ih_{d}"], state[f"rnn.bias_hh_{d}"]
            own[f"rnn.bias_ih_{d}"] = torch.cat([bih[:2 * H] + bhh[:2 * H], bih[2 * H:]])
            own[f"b_hn.{d}"] = bhh[2 * H:]
        own["fc.weight"], own["fc.bias"] = state["fc.weight"], state["fc.bias"]
        self.load_state_dict(own, strict=True)
        return self


def one_bias_net(kind, input, hidden, output, layers=1, bidirectional=False, activation="tanh"):
    """The bias=single twin of Net(...): OneBiasGRUNet for gru, OneBiasNet for rnn and lstm."""
    if kind == "gru":
        return OneBiasGRUNet(input, hidden, output, layers, bidirectional)
    return OneBiasNet(kind, input, hidden, output, layers, bidirectional, activation)


def copy_of(net, make):
    """A new model from `make()` holding `net`'s weights (load_state_dict, strict)."""
    model = make()
    model.load_state_dict(net.state_dict(), strict=True)
    return model


# ---- numbers as the fixtures hold them

def tensor_json(t):
    """A tensor as {"shape": [...], "values": [row-major floats]}."""
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


def layout(model, tensors):
    """`tensors` (keyed as `model`'s state dict) in the keys and shapes the fixtures hold: as they are,
    or, for a twin built otherwise than Net (the bias=single ones), as its `standard` method gives them."""
    return model.standard(tensors) if hasattr(model, "standard") else tensors


def grads(model):
    """Every parameter's .grad, keyed as the state dict."""
    return {k: p.grad for k, p in model.named_parameters()}


def state(model, prefix=""):
    """The state dict, key by key (with `prefix` before each key), as tensor_json."""
    return {prefix + k: tensor_json(v) for k, v in layout(model, model.state_dict()).items()}


def gradients(model):
    """Every parameter's .grad, keyed as the state dict, as tensor_json."""
    return {k: tensor_json(g) for k, g in layout(model, grads(model)).items()}


def flat_state(model):
    """The state dict as {key: row-major floats}, without shapes (the seq2seq fixtures' form)."""
    return {k: v.flatten().tolist() for k, v in layout(model, model.state_dict()).items()}


def flat_gradients(model):
    """Every parameter's .grad as {key: row-major floats}, without shapes."""
    return {k: g.flatten().tolist() for k, g in layout(model, grads(model)).items()}


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
