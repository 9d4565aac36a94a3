"""The benchmark configs in PyTorch (run from .venv-bench): times the training loop alone, data made
beforehand, in float64 and float32, with PyTorch's default threads (--threads N to set them).
Prints JSON lines."""
import json
import math
import sys
import time

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, kind, input, hidden, output):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](input, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, output)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.fc(h)


def adding(count, length, g):
    x = torch.zeros(count, length, 2)
    x[:, :, 0] = torch.rand(count, length, generator=g)
    for i in range(count):
        a, b = torch.randperm(length, generator=g)[:2]
        x[i, a, 1] = x[i, b, 1] = 1
    return x, (x[:, :, 0] * x[:, :, 1]).sum(1, keepdim=True)


def sine(count, length, g):
    phase = torch.rand(count, 1, generator=g) * 2 * math.pi
    t = phase + 0.1 * torch.arange(length + 1)
    s = torch.sin(t)
    return s[:, :-1, None], s[:, 1:, None]


def run(name, dtype):
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(1)
    if name in ("lstm-adding", "gru-adding"):
        x, y = adding(32 * 300, 50, g)
        net, batch, clip, many = Net(name.split("-")[0], 2, 64, 1), 32, 5.0, False
    elif name == "lstm-large":
        x, y = adding(64 * 20, 100, g)
        net, batch, clip, many = Net("lstm", 2, 256, 1), 64, 5.0, False
    else:
        x, y = sine(16 * 300, 50, g)
        net, batch, clip, many = Net("rnn", 1, 32, 1), 16, None, True
    net = net.to(dtype); x, y = x.to(dtype), y.to(dtype)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        out = net(x[i:i + batch])
        out = out if many else out[:, -1]
        loss = loss_fn(out, y[i:i + batch])
        opt.zero_grad()
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
    return time.perf_counter() - start, loss.item()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--threads"]:
        torch.set_num_threads(int(args[1]))
        args = args[2:]
    for name in args:
        for dtype in (torch.float64, torch.float32):
            seconds, loss = run(name, dtype)
            print(json.dumps({"config": name, "dtype": str(dtype).split(".")[-1], "seconds": seconds,
                              "final_loss": loss, "threads": torch.get_num_threads()}), flush=True)
