"""Computes, with PyTorch in float64, what rnn-kernel's numeric core must reproduce to 1e-9:
forward outputs, the loss, every gradient, and the weights after 1 and 3 steps of each optimizer
(with gradient clipping), for rnn (tanh, relu), lstm and gru, one and two layers, one and two
directions, mse and cross-entropy, many-to-one and many-to-many.

The PyTorch model is the one language.md describes: nn.RNN/LSTM/GRU(batch_first=True) then
nn.Linear. Our cells have one bias per gate, so bias_hh is held at zero (its gradient masked),
except gru's n-part, which is our b_hn.

Run: .venv-torch/bin/python tools/torch/make_fixtures.py  (writes Tests/StoreTests/Fixtures/pytorch_fixtures.json)
"""
import json
import os

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "StoreTests", "Fixtures", "pytorch_fixtures.json")

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class Net(nn.Module):
    def __init__(self, kind, input, hidden, output, layers, bidirectional, activation):
        super().__init__()
        args = dict(input_size=input, hidden_size=hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        if kind == "rnn":
            self.rnn = nn.RNN(nonlinearity=activation, **args)
        elif kind == "lstm":
            self.rnn = nn.LSTM(**args)
        else:
            self.rnn = nn.GRU(**args)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), output)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


def case(name, kind, activation="tanh", layers=1, bidirectional=False, loss="mse", many_to_many=False, seed=0,
         input=3, hidden=4, output=2, steps=5, batch=2):
    rng = np.random.default_rng(seed)
    net = Net(kind, input, hidden, output, layers, bidirectional, activation)
    hook_masks = []
    with torch.no_grad():
        for pname, p in net.named_parameters():
            p.copy_(torch.tensor(rng.uniform(-0.6, 0.6, size=tuple(p.shape))))
            if pname.startswith("rnn.bias_hh"):
                mask = torch.zeros_like(p)
                if kind == "gru":
                    mask[2 * hidden:] = 1  # the n-part is our b_hn
                p.mul_(mask)
                hook_masks.append((p, mask))
    for p, mask in hook_masks:
        p.register_hook(lambda g, m=mask: g * m)

    x = torch.tensor(rng.uniform(-1, 1, size=(batch, steps, input)))
    if loss == "mse":
        target = torch.tensor(rng.uniform(-1, 1, size=(batch, steps, output) if many_to_many else (batch, output)))
        lossfn = nn.MSELoss()
    else:
        target = torch.tensor(rng.integers(0, output, size=(batch, steps) if many_to_many else (batch,)))
        lossfn = nn.CrossEntropyLoss()

    def compute(model):
        y = model(x)
        if not many_to_many:
            y_used = y[:, -1, :]
        else:
            y_used = y if loss == "mse" else y.reshape(-1, output)
        t = target if loss == "mse" or not many_to_many else target.reshape(-1)
        return y, lossfn(y_used, t)

    def state(model):
        return {k: {"shape": list(v.shape), "values": v.detach().reshape(-1).tolist()} for k, v in model.state_dict().items()}

    initial = state(net)
    y, l = compute(net)
    net.zero_grad()
    l.backward()
    grads = {k: {"shape": list(p.grad.shape), "values": p.grad.reshape(-1).tolist()} for k, p in net.named_parameters()}

    steps_out = {}
    for opt_name, clip in [("sgd", ("norm", 0.5)), ("momentum", ("value", 0.05)), ("adagrad", ("none", 0)),
                           ("rmsprop", ("norm", 1.0)), ("adam", ("norm", 0.3))]:
        model = Net(kind, input, hidden, output, layers, bidirectional, activation)
        model.load_state_dict(net.state_dict())
        masks = []
        for pname, p in model.named_parameters():
            if pname.startswith("rnn.bias_hh"):
                m = torch.zeros_like(p)
                if kind == "gru":
                    m[2 * hidden:] = 1
                p.register_hook(lambda g, m=m: g * m)
        lr = 0.05
        params = list(model.parameters())
        opt = {
            "sgd": lambda: torch.optim.SGD(params, lr=lr),
            "momentum": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
            "adagrad": lambda: torch.optim.Adagrad(params, lr=lr),
            "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr),
            "adam": lambda: torch.optim.Adam(params, lr=lr),
        }[opt_name]()
        after = []
        for step in range(3):
            opt.zero_grad()
            _, ls = compute(model)
            ls.backward()
            if clip[0] == "norm":
                torch.nn.utils.clip_grad_norm_(params, clip[1])
            elif clip[0] == "value":
                torch.nn.utils.clip_grad_value_(params, clip[1])
            opt.step()
            if step in (0, 2):
                after.append(state(model))
        steps_out[opt_name] = {"lr": lr, "clip": clip[0], "clip_value": clip[1], "after_1": after[0], "after_3": after[1]}

    return {
        "name": name,
        "config": {"kind": kind, "input": input, "hidden": hidden, "output": output, "layers": layers,
                   "bidirectional": bidirectional, "activation": activation},
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


CASES = [
    case("rnn-tanh-m2o-mse", "rnn", seed=1),
    case("rnn-relu-m2m-mse", "rnn", activation="relu", many_to_many=True, seed=2),
    case("lstm-m2o-xent", "lstm", loss="xent", output=3, seed=3),
    case("gru-m2m-xent", "gru", loss="xent", many_to_many=True, output=3, seed=4),
    case("lstm-2layer-bi-m2m-mse", "lstm", layers=2, bidirectional=True, many_to_many=True, seed=5),
    case("gru-2layer-bi-m2o-mse", "gru", layers=2, bidirectional=True, seed=6),
    case("rnn-2layer-bi-m2o-xent", "rnn", layers=2, bidirectional=True, loss="xent", output=3, seed=7),
]

if __name__ == "__main__":
    with open(OUT, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": CASES}, f)
    print("wrote", OUT, "with", len(CASES), "cases, torch", torch.__version__)
