"""min-char-rnn in numpy, the same recipe as scripts/min-char-rnn.rnn: vanilla tanh RNN, hidden 100,
25-character windows, softmax cross-entropy (mean over the window), adagrad lr 0.1, value clip 5,
batch 1, one pass over the corpus. Prints the training-loop time in seconds as JSON."""
import json
import sys
import time

import numpy as np


def main(path, hidden=100, seq=25, lr=0.1, clip=5.0, epochs=1):
    text = open(path).read()
    chars = sorted(set(text))
    ix = {c: i for i, c in enumerate(chars)}
    V, H = len(chars), hidden
    rng = np.random.default_rng(1)
    k = 1 / np.sqrt(H)
    W_xh, W_hh, W_hy = (rng.uniform(-k, k, s) for s in ((H, V), (H, H), (V, H)))
    b_h, b_y = rng.uniform(-k, k, (H, 1)), rng.uniform(-k, k, (V, 1))
    params = [W_xh, W_hh, W_hy, b_h, b_y]
    mem = [np.zeros_like(p) for p in params]
    data = [ix[c] for c in text]
    steps, loss = 0, 0.0
    start = time.perf_counter()
    for _ in range(epochs):
        for p in range(0, len(data) - seq - 1, seq):
            inputs, targets = data[p:p + seq], data[p + 1:p + seq + 1]
            xs, hs, ps = {}, {-1: np.zeros((H, 1))}, {}
            loss = 0.0
            for t in range(seq):
                xs[t] = np.zeros((V, 1)); xs[t][inputs[t]] = 1
                hs[t] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t - 1] + b_h)
                y = W_hy @ hs[t] + b_y
                e = np.exp(y - y.max()); ps[t] = e / e.sum()
                loss -= np.log(ps[t][targets[t], 0]) / seq
            grads = [np.zeros_like(q) for q in params]
            dW_xh, dW_hh, dW_hy, db_h, db_y = grads
            dh_next = np.zeros((H, 1))
            for t in reversed(range(seq)):
                dy = ps[t].copy(); dy[targets[t]] -= 1; dy /= seq
                dW_hy += dy @ hs[t].T; db_y += dy
                dh = W_hy.T @ dy + dh_next
                draw = (1 - hs[t] ** 2) * dh
                db_h += draw; dW_xh += draw @ xs[t].T; dW_hh += draw @ hs[t - 1].T
                dh_next = W_hh.T @ draw
            for q, g, m in zip(params, grads, mem):
                np.clip(g, -clip, clip, out=g)
                m += g * g
                q -= lr * g / np.sqrt(m + 1e-10)
            steps += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "steps": steps, "final_loss": float(loss)}))


if __name__ == "__main__":
    main(sys.argv[1])
