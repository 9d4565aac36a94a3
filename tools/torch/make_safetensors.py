"""Writes .safetensors files with PyTorch and the safetensors package, as a PyTorch user would save
the model language.md describes (nn.LSTM / nn.GRU batch_first + nn.Linear), in float64, float32 and
float16, with the model's outputs on a fixed input, so the Store tests can check that rnn-kernel
loads files PyTorch wrote and computes the same outputs.

Run with a Python that has torch and the safetensors package (writes Tests/StoreTests/Fixtures/torch_*.safetensors):
    .venv-torch/bin/python tools/torch/make_safetensors.py
"""
import os

import numpy as np
import torch
from safetensors.torch import save_file

import twin
from twin import Net

# No twin.use_float64(): the model is made in float32 and then converted (.double()), as a
# PyTorch user would make it, so PyTorch's initialisation draws the float32 values it always has.
OUT = twin.STORE_FIXTURES


expected = {}
rng = np.random.default_rng(11)
x = rng.uniform(-1, 1, size=(1, 4, 3))
for kind, layers, bidirectional in [("lstm", 1, False), ("gru", 2, True), ("rnn", 1, False)]:
    twin.seed(5)
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

twin.write_json(os.path.join(OUT, "torch_safetensors_expected.json"),
                {"x": x[0].tolist(), "files": expected, "torch_version": torch.__version__}, indent=1)
print("wrote", len(expected), "files")
