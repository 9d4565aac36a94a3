"""The twin's training loop for bench/scripts/ner-crf.rnn: nn.LSTM(bidirectional) + nn.Linear +
torchcrf.CRF on data/ner/en.tsv with one-hot float64 inputs (as rnn-kernel reads them), packed
batches of 16, 10 epochs of Adam(lr=0.01). Only the loop is timed: the data is laid out before.
Prints one JSON line: {"seconds", "steps", "final_loss", "threads"}.

    .venv-bench/bin/python bench/torch_crf_bench.py [--threads N]
"""
import json
import os
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchcrf import CRF

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDDEN, EPOCHS, BATCH, LR = 32, 10, 16, 0.01


class Tagger(nn.Module):
    def __init__(self, V, H, K):
        super().__init__()
        self.rnn = nn.LSTM(V, H, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * H, K)
        self.crf = CRF(K, batch_first=True)

    def loss(self, x, lengths, tags, mask):
        out, _ = self.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return -self.crf(self.fc(out), tags, mask=mask, reduction="mean")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--threads"]:
        torch.set_num_threads(int(args[1]))
    torch.manual_seed(1)
    dtype = torch.float64
    lines = [l.split("\t") for l in open(os.path.join(ROOT, "data", "ner", "en.tsv"), encoding="utf-8").read().splitlines() if l.strip()]
    sentences = [s.split(" ") for s, _ in lines]
    tag_lists = [t.split(" ") for _, t in lines]
    vocab = sorted({w for s in sentences for w in s})
    index = {w: i for i, w in enumerate(vocab)}
    names = []
    for t in (t for ts in tag_lists for t in ts):
        if t not in names:
            names.append(t)
    N, T, V, K = len(sentences), max(map(len, sentences)), len(vocab), len(names)
    x = torch.zeros(N, T, V, dtype=dtype)
    tags = torch.zeros(N, T, dtype=torch.long)
    mask = torch.zeros(N, T, dtype=torch.bool)
    for n, (s, ts) in enumerate(zip(sentences, tag_lists)):
        for t, (w, g) in enumerate(zip(s, ts)):
            x[n, t, index[w]] = 1
            tags[n, t] = names.index(g)
            mask[n, t] = True
    lengths = mask.sum(1)
    model = Tagger(V, HIDDEN, K).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps, loss = 0, float("nan")
    start = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(N)
        for b in range(0, N, BATCH):
            i = order[b:b + BATCH]
            L = int(lengths[i].max())
            opt.zero_grad()
            l = model.loss(x[i, :L], lengths[i], tags[i, :L], mask[i, :L])
            l.backward()
            opt.step()
            loss = l.item()
            steps += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "steps": steps, "final_loss": loss, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
