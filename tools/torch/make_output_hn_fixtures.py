"""PyTorch's two results, `output, h_n = rnn(x)` (lstm: `output, (h_n, c_n)`), in float64, for the
step tables of `unroll` (language.md "Embeddings": unroll labels output and h_n as PyTorch returns
them): one and several layers, one and two directions, rnn (tanh, relu), lstm and gru.

output is (batch, T, directions·H) with batch_first=True: the top layer at every t, both
directions concatenated; h_n is (layers·directions, batch, H): the last step of every layer and
direction, in PyTorch's order (layer 0 forward, layer 0 reverse, layer 1 forward, …).

Run from the repository root:
    /work/venv-torch/bin/python tools/torch/make_output_hn_fixtures.py
writes Tests/StoreTests/Fixtures/output_hn.json (the weights as a state dict, x, output, h_n, c_n).
"""
import os

import torch

import twin

twin.use_float64()
OUT = os.path.join(twin.STORE_FIXTURES, "output_hn.json")


def case(name, kind, layers, bidirectional, activation="tanh", input=3, hidden=2, steps=4, batch=2, seed=0):
    rng = twin.seed(seed)
    rnn = twin.recurrent(kind, input, hidden, layers, bidirectional, activation)
    twin.fill_uniform(rnn, rng, 0.8)
    x = torch.tensor(rng.uniform(-1, 1, size=(batch, steps, input)))
    output, hidden_state = rnn(x)
    h_n, c_n = hidden_state if kind == "lstm" else (hidden_state, None)
    # The state dict under the file keys of language.md ("rnn." prefix); no output layer (y_t = h_t).
    sd = twin.state(rnn, prefix="rnn.")
    return {
        "name": name,
        "config": {"kind": kind, "input": input, "hidden": hidden, "layers": layers, "bidirectional": bidirectional,
                   "activation": activation},
        "state_dict": sd,
        "x": x.tolist(),
        "output": output.detach().tolist(),
        "h_n": h_n.detach().tolist(),
        "c_n": None if c_n is None else c_n.detach().tolist(),
    }


CASES = [
    case("rnn", "rnn", 1, False, seed=1),
    case("rnn relu 2 layers", "rnn", 2, False, activation="relu", seed=2),
    case("rnn bidirectional", "rnn", 1, True, seed=3),
    case("lstm 2 layers bidirectional", "lstm", 2, True, seed=4),
    case("gru 3 layers bidirectional", "gru", 3, True, seed=5),
    case("lstm", "lstm", 1, False, seed=6),
]

if __name__ == "__main__":
    twin.write_json(OUT, {"made_by": f"tools/torch/make_output_hn_fixtures.py with torch {torch.__version__}", "cases": CASES})
    print(f"wrote {len(CASES)} cases to {OUT}")
