"""Computes, with PyTorch in float64, what rnn-kernel's numeric core must reproduce to 1e-9:
forward outputs, the loss, every gradient, and the weights after 1 and 3 steps of each optimizer
(sgd, momentum, adagrad, rmsprop, adam), each without clipping, clipped by norm and clipped by
value, for rnn (tanh, relu), lstm and gru, one and two layers, one and two directions, mse and
cross-entropy, many-to-one and many-to-many.

The PyTorch model is the one language.md describes: nn.RNN/LSTM/GRU(batch_first=True) then
nn.Linear, UNMODIFIED: bias_ih and bias_hh are both trained, as our `bias=true` cells train
b_x· and b_h·. Three extra cases ("bias": "single": rnn, lstm and gru) are the twins of
`bias=single` cells, one bias per gate, also built from unmodified modules with nothing frozen,
masked or hooked (twin.py):
- rnn and lstm (twin.OneBiasNet): one single-layer nn.RNN/nn.LSTM(bias=False) a layer, stacked,
  each fed its input with a constant 1 appended as one more feature (layer 2: both directions'
  outputs, then the 1), so the extra column of weight_ih is the gate's bias, trained as an
  ordinary weight; every optimizer and both clippings act elementwise or on the total norm, so
  it trains exactly as a separate bias would.
- gru (twin.OneBiasGRUNet): b_hn sits inside r * (W_hn h + b_hn), which no constant input
  reaches, so an unmodified nn.GRU(bias=True) is called through torch.func.functional_call with
  its bias_hh replaced by cat(zeros(2H), b_hn): the zeros a constant, b_hn a leaf parameter of
  its own; weight_ih, weight_hh and bias_ih (b_r, b_z, b_xn) are the twin's parameters, passed in
  the same call. The nn.GRU is built on the meta device and holds no numbers, so no parameter is
  left unused (its own bias_hh would otherwise be one, never trained).
Their weights, gradients and optimizer results are written in nn.RNN/LSTM/GRU's keys and shapes,
as rnn-kernel saves a bias=single cell: bias_ih the one bias, bias_hh zeros (gru: b_hn in its
n-part), gradients likewise. They start from the same draws as a bias=true case, the draws for
bias_hh (except gru's n-part) dropped.

It also writes the save -> load round trips (language.md "Files that PyTorch reads"), both ways:
- torch_roundtrip_<kind>.safetensors: a model PyTorch initialised and saved; the test loads it
  here, takes one SGD step, and compares with `after` (PyTorch's step from the same weights).
- ours_roundtrip_<kind>.safetensors: written by `rnn-kernel run` (`save m to ...`); PyTorch loads it
  with load_state_dict(strict=True), takes one SGD step, and the test compares its own step with it.
Both land in roundtrip.json with the data, the learning rate and the weights after the step.

Run from the repository root after `swift build` (or with RNN_KERNEL=path/to/rnn-kernel):
    /work/venv-torch/bin/python tools/torch/make_fixtures.py
writes Tests/StoreTests/Fixtures/pytorch_fixtures.json, roundtrip.json and the round-trip files.
"""
import os

import numpy as np
import torch
from torch import nn

import twin
from roundtrip import kernel_save, read_safetensors, write_safetensors
from twin import Net

twin.use_float64()
FIXTURES = twin.STORE_FIXTURES
OUT = os.path.join(FIXTURES, "pytorch_fixtures.json")


def single_bias_start(net, kind, hidden):
    """`net`'s state dict as a bias=single cell starts: bias_hh zero, except gru's n-part (b_hn)."""
    def start(k, v):
        if not k.startswith("rnn.bias_hh"):
            return v
        return torch.cat([torch.zeros(2 * hidden), v[2 * hidden:]]) if kind == "gru" else torch.zeros_like(v)
    return {k: start(k, v) for k, v in net.state_dict().items()}


def make_loss(loss, many_to_many, output, target):
    lossfn = nn.MSELoss() if loss == "mse" else nn.CrossEntropyLoss()

    def compute(model, x):
        y = model(x)
        if not many_to_many:
            y_used = y[:, -1, :]
        else:
            y_used = y if loss == "mse" else y.reshape(-1, output)
        t = target if loss == "mse" or not many_to_many else target.reshape(-1)
        return y, lossfn(y_used, t)

    return compute


def case(name, kind, activation="tanh", layers=1, bidirectional=False, loss="mse", many_to_many=False, seed=0,
         input=3, hidden=4, output=2, steps=5, batch=2, bias="true"):
    rng = twin.seed(seed)

    def make():
        if bias == "single":
            return twin.one_bias_net(kind, input, hidden, output, layers, bidirectional, activation)
        return Net(kind, input, hidden, output, layers, bidirectional, activation)

    net = Net(kind, input, hidden, output, layers, bidirectional, activation)
    twin.fill_uniform(net, rng, 0.6)
    if bias == "single":
        net = make().load_standard(single_bias_start(net, kind, hidden))

    x = torch.tensor(rng.uniform(-1, 1, size=(batch, steps, input)))
    if loss == "mse":
        target = torch.tensor(rng.uniform(-1, 1, size=(batch, steps, output) if many_to_many else (batch, output)))
    else:
        target = torch.tensor(rng.integers(0, output, size=(batch, steps) if many_to_many else (batch,)))
    compute = make_loss(loss, many_to_many, output, target)

    initial = twin.state(net)
    y, l = compute(net, x)
    net.zero_grad()
    l.backward()
    grads = twin.gradients(net)
    clip_norm, clip_value = twin.clip_thresholds(net)

    steps_out = twin.optimizer_runs(lambda: twin.copy_of(net, make), lambda model: compute(model, x)[1], 0.05,
                                    clip_norm, clip_value)

    return {
        "name": name,
        "config": {"kind": kind, "input": input, "hidden": hidden, "output": output, "layers": layers,
                   "bidirectional": bidirectional, "activation": activation, "bias": bias},
        "loss": loss,
        "many_to_many": many_to_many,
        "x": x.tolist(),
        "target": target.tolist(),
        "state_dict": initial,
        "outputs": y.detach().tolist(),
        "loss_value": l.item(),
        "gradients": grads,
        "optimizers": steps_out,
    }


# (kind, input, hidden, output, layers, bidirectional, loss, many_to_many)
ROUNDTRIPS = [
    ("lstm", 2, 3, 2, 1, False, "mse", False),
    ("gru", 2, 3, 3, 2, True, "xent", True),
    ("rnn", 3, 4, 2, 1, True, "mse", True),
]


def sgd_step(net, x, target, loss, many_to_many, output, lr):
    compute = make_loss(loss, many_to_many, output, target)
    opt = twin.optimizer("sgd", net.parameters(), lr)
    opt.zero_grad()
    _, l = compute(net, x)
    l.backward()
    opt.step()
    return l.item()


def roundtrips():
    out = []
    for k, (kind, input, hidden, output, layers, bi, loss, m2m) in enumerate(ROUNDTRIPS):
        rng = np.random.default_rng(100 + k)
        x = torch.tensor(rng.uniform(-1, 1, size=(2, 4, input)))
        target = (torch.tensor(rng.uniform(-1, 1, size=(2, 4, output) if m2m else (2, output))) if loss == "mse"
                  else torch.tensor(rng.integers(0, output, size=(2, 4) if m2m else (2,))))
        lr = 0.1
        entry = {"kind": kind, "input": input, "hidden": hidden, "output": output, "layers": layers, "bidirectional": bi,
                 "loss": loss, "many_to_many": m2m, "x": x.tolist(), "target": target.tolist(), "lr": lr}

        # PyTorch -> here: PyTorch's own initialisation, saved as a PyTorch user would.
        torch.manual_seed(7 + k)
        net = Net(kind, input, hidden, output, layers, bi)
        name = f"torch_roundtrip_{kind}.safetensors"
        write_safetensors(os.path.join(FIXTURES, name), net.state_dict())
        entry["torch_file"] = name
        entry["torch_loss"] = sgd_step(net, x, target, loss, m2m, output, lr)
        entry["torch_after"] = twin.state(net)

        # Here -> PyTorch: a model rnn-kernel made and saved, stepped by PyTorch.
        ours = f"ours_roundtrip_{kind}.safetensors"
        seed = 21 + k
        kernel_save(f"{kind}(input={input}, hidden={hidden}, output={output}, layers={layers}, "
                    f"bidirectional={'true' if bi else 'false'}, seed={seed})", os.path.join(FIXTURES, ours))
        tensors, _ = read_safetensors(os.path.join(FIXTURES, ours))
        net = Net(kind, input, hidden, output, layers, bi)
        net.load_state_dict(tensors, strict=True)
        entry["ours_file"] = ours
        entry["ours_seed"] = seed
        entry["ours_loss"] = sgd_step(net, x, target, loss, m2m, output, lr)
        entry["ours_after"] = twin.state(net)
        out.append(entry)
    twin.write_json(os.path.join(FIXTURES, "roundtrip.json"), {"torch_version": torch.__version__, "cases": out})


CASES = [
    case("rnn-tanh-m2o-mse", "rnn", seed=1),
    case("rnn-relu-m2m-mse", "rnn", activation="relu", many_to_many=True, seed=2),
    case("lstm-m2o-xent", "lstm", loss="xent", output=3, seed=3),
    case("gru-m2m-xent", "gru", loss="xent", many_to_many=True, output=3, seed=4),
    case("lstm-2layer-bi-m2m-mse", "lstm", layers=2, bidirectional=True, many_to_many=True, seed=5),
    case("gru-2layer-bi-m2o-mse", "gru", layers=2, bidirectional=True, seed=6),
    case("rnn-2layer-bi-m2o-xent", "rnn", layers=2, bidirectional=True, loss="xent", output=3, seed=7),
    case("lstm-m2m-xent", "lstm", loss="xent", many_to_many=True, output=3, seed=8),
    case("gru-m2o-mse", "gru", seed=9),
    case("lstm-single-2layer-m2o-mse", "lstm", layers=2, seed=10, bias="single"),
    case("gru-single-bi-m2m-xent", "gru", bidirectional=True, loss="xent", many_to_many=True, output=3, seed=11, bias="single"),
    case("rnn-single-bi-m2m-mse", "rnn", bidirectional=True, many_to_many=True, seed=12, bias="single"),
]

if __name__ == "__main__":
    twin.write_json(OUT, {"torch_version": torch.__version__, "cases": CASES})
    print("wrote", OUT, "with", len(CASES), "cases, torch", torch.__version__)
    roundtrips()
    print("wrote the round trips of", ", ".join(r[0] for r in ROUNDTRIPS))
