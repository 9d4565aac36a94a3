"""Seq2seq training speed on the reverse task (language.md "Translation: seq2seq"): our whole
`rnn-kernel run` process against the PyTorch twin's training loop alone, float64 and float32, one
core each (RNNKERNEL_THREADS=1 and taskset; torch.set_num_threads(1)). Same model, data sizes,
batch and number of steps; ratios are twin time / our time (above 1: we are faster).

Run: python bench/seq2seq_bench.py [--torch PYTHON] [--cell gru|lstm]   (default: .venv-bench/bin/python, gru)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# count, length, symbols, embed, hidden, batch, epochs
CONFIG = dict(count=2000, length=8, symbols=10, embed=32, hidden=64, batch=32, epochs=2, cell="gru")
REPEATS = int(os.environ.get("BENCH_REPEATS", "2"))

TWIN = r'''
import sys, time, random
import torch
from torch import nn
torch.set_num_threads(1)
dtype = {"float64": torch.float64, "float32": torch.float32}[sys.argv[1]]
torch.set_default_dtype(dtype)
count, length, symbols, E, H, batch, epochs = (int(a) for a in sys.argv[2:9])
RNN = {"gru": nn.GRU, "lstm": nn.LSTM}[sys.argv[9]]
random.seed(1); torch.manual_seed(1)
V_src, V_tgt, BOS, EOS = symbols + 1, symbols + 3, 1, 2
src = torch.tensor([[random.randrange(symbols) + 1 for _ in range(length)] for _ in range(count)])
tgt = torch.cat([src.flip(1) + 2, torch.full((count, 1), EOS)], 1)

class Encoder(nn.Module):
    def __init__(s): super().__init__(); s.embedding = nn.Embedding(V_src, E); s.rnn = RNN(E, H, 1, batch_first=True)
    def forward(s, x): return s.rnn(s.embedding(x))
class Additive(nn.Module):
    def __init__(s): super().__init__(); s.W_q = nn.Linear(H, H, bias=False); s.W_k = nn.Linear(H, H, bias=False); s.w_v = nn.Linear(H, 1, bias=False)
    def forward(s, q, k): return torch.softmax(s.w_v(torch.tanh(s.W_q(q)[:, None] + s.W_k(k))).squeeze(-1), -1)
class Decoder(nn.Module):
    def __init__(s): super().__init__(); s.embedding = nn.Embedding(V_tgt, E); s.attention = Additive(); s.rnn = RNN(H + E, H, 1, batch_first=True); s.fc = nn.Linear(H, V_tgt)
    def step(s, y, state, enc):
        a = s.attention((state[0] if isinstance(state, tuple) else state)[-1], enc); c = (a[:, :, None] * enc).sum(1)
        out, state = s.rnn(torch.cat([c, s.embedding(y)], -1)[:, None], state)
        return s.fc(out[:, 0]), state
enc, dec = Encoder(), Decoder()
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.01)
start = time.perf_counter()
steps = 0
for epoch in range(epochs):
    order = torch.randperm(count)
    for b in range(0, count, batch):
        i = order[b:b + batch]
        x, y = src[i], tgt[i]
        out, state = enc(x)
        prev = torch.full((len(i),), BOS)
        loss = 0.0
        for t in range(y.shape[1]):
            logits, state = dec.step(prev, state, out)
            loss = loss + nn.functional.cross_entropy(logits, y[:, t], reduction="sum")
            prev = y[:, t]
        loss = loss / y.numel()
        opt.zero_grad(); loss.backward(); opt.step()
        steps += 1
print(f"{time.perf_counter() - start:.4f} {steps} {loss.item():.6f}")
'''


def ours(binary):
    c = CONFIG
    script = (f"cell tr = seq2seq(embed={c['embed']}, hidden={c['hidden']}, cell={c['cell']}, seed=1)\n"
              f"let rev = reverse(count={c['count']}, length={c['length']}, symbols={c['symbols']}, seed=1)\n"
              f"train tr on rev epochs={c['epochs']} batch={c['batch']} lr=0.01 seed=1\n")
    with tempfile.NamedTemporaryFile("w", suffix=".rnn", delete=False) as f:
        f.write(script)
    env = dict(os.environ, RNNKERNEL_THREADS="1")
    cmd = ([shutil.which("taskset"), "-c", "0"] if shutil.which("taskset") else []) + [binary, "run", f.name]
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    elapsed = time.perf_counter() - start
    os.unlink(f.name)
    if out.returncode != 0:
        sys.exit(f"rnn-kernel failed: {out.stderr}")
    m = re.search(r"xent loss \S+ → (\S+)", out.stdout)
    return elapsed, m.group(1) if m else "?"


def twin(python, dtype):
    c = CONFIG
    args = [str(c[k]) for k in ("count", "length", "symbols", "embed", "hidden", "batch", "epochs", "cell")]
    cmd = ([shutil.which("taskset"), "-c", "0"] if shutil.which("taskset") else []) + [python, "-c", TWIN, dtype] + args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if out.returncode != 0:
        sys.exit(f"the twin failed: {out.stderr}")
    t, steps, loss = out.stdout.split()
    return float(t), loss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--torch", default=os.path.join(ROOT, ".venv-bench", "bin", "python"))
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "rnn-kernel"))
    p.add_argument("--cell", choices=["gru", "lstm"], default="gru")
    a = p.parse_args()
    c = CONFIG
    c["cell"] = a.cell
    steps = (c["count"] + c["batch"] - 1) // c["batch"] * c["epochs"]
    print(f"seq2seq ({c['cell']}) reverse: count={c['count']} length={c['length']} symbols={c['symbols']} embed={c['embed']} hidden={c['hidden']} "
          f"batch={c['batch']} epochs={c['epochs']} ({steps} adam steps), one core, best of {REPEATS}")
    best = {}
    for _ in range(REPEATS):
        for name, run in [("ours (whole process)", lambda: ours(a.binary)),
                          ("twin float64 (loop only)", lambda: twin(a.torch, "float64")),
                          ("twin float32 (loop only)", lambda: twin(a.torch, "float32"))]:
            if name.startswith("twin") and not os.path.exists(a.torch):
                continue
            t, loss = run()
            if name not in best or t < best[name][0]:
                best[name] = (t, loss)
    mine = best["ours (whole process)"][0]
    for name, (t, loss) in best.items():
        ratio = "" if name.startswith("ours") else f"   twin/ours = {t / mine:.2f}x (goal: ≥2 for float64, ≥1 for float32)"
        print(f"  {name:26s} {t:8.2f} s   final loss {loss}{ratio}")


if __name__ == "__main__":
    main()
