"""Writes .safetensors files with PyTorch and the safetensors package, as a PyTorch user would save
the model language.md describes (nn.LSTM / nn.GRU batch_first + nn.Linear), in float64, float32 and
float16, with the model's outputs on a fixed input, so the Store tests can check that rnn-kernel
loads files PyTorch wrote and computes the same outputs.

Run: .venv-torch/bin/python tools/torch/make_safetensors.py   (writes Tests/StoreTests/Fixtures/torch_*.safetensors)
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "StoreTests", "Fixtures")


class Net(nn.Module):
    def __init__(self, kind, input, hidden, output, layers, bidirectional):
        super().__init__()
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        self.rnn = cls(input, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), output)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


expected = {}
rng = np.random.default_rng(11)
x = rng.uniform(-1, 1, size=(1, 4, 3))
for kind, layers, bidirectional in [("lstm", 1, False), ("gru", 2, True), ("rnn", 1, False)]:
    torch.manual_seed(5)
    net = Net(kind, 3, 4, 2, layers, bidirectional).double()
    # PyTorch's own default init, with non-zero bias_hh: loading must add the biases.
    for dtype, tag in [(torch.float64, "f64"), (torch.float32, "f32"), (torch.float16, "f16")]:
        # The reference output is what the saved (possibly rounded) weights compute, in float64.
        state = {k: v.to(dtype).contiguous() for k, v in net.state_dict().items()}
        name = f"torch_{kind}_{tag}.safetensors"
        save_file(state, os.path.join(OUT, name))
        ref = Net(kind, 3, 4, 2, layers, bidirectional).double()
        ref.load_state_dict({k: v.double() for k, v in state.items()})
        with torch.no_grad():
            y = ref(torch.tensor(x)).numpy()[0]
        expected[name] = {"kind": kind, "layers": layers, "bidirectional": bidirectional, "outputs": y.tolist()}

with open(os.path.join(OUT, "torch_safetensors_expected.json"), "w") as f:
    json.dump({"x": x[0].tolist(), "files": expected, "torch_version": torch.__version__}, f, indent=1)
print("wrote", len(expected), "files")
