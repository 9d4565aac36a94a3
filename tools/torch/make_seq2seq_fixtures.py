"""Writes Tests/RNNTests/Fixtures/seq2seq_fixtures.json from the seq2seq twin of language.md
("Translation: seq2seq"), unmodified PyTorch modules in float64: the loss, every gradient, and the
weights after 1 and 3 steps of sgd and adam, and the loss and gradients when some steps are fed the
model's own most likely word (teacher_forcing < 1, a fixed mask), for cell=gru and lstm, attention=additive and none,
1 and 2 layers, on a
ragged batch (sources and targets of different lengths: packed encoder states, attention masked
to real source steps, loss over real target tokens only).

Run with an environment that has torch: python tools/torch/make_seq2seq_fixtures.py
"""
import os

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import twin

twin.use_float64()


class Encoder(nn.Module):
    def __init__(s, V, E, H, L, cell):
        super().__init__()
        s.embedding = nn.Embedding(V, E)
        s.rnn = twin.recurrent(cell, E, H, L)

    def forward(s, x, lengths):  # packed, so each source's final state is at its own last step
        packed = pack_padded_sequence(s.embedding(x), lengths, batch_first=True, enforce_sorted=False)
        out, state = s.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return out, state


class Additive(nn.Module):
    def __init__(s, H):
        super().__init__()
        s.W_q = nn.Linear(H, H, bias=False)
        s.W_k = nn.Linear(H, H, bias=False)
        s.w_v = nn.Linear(H, 1, bias=False)

    def forward(s, q, k, mask):
        e = s.w_v(torch.tanh(s.W_q(q)[:, None] + s.W_k(k))).squeeze(-1)
        return torch.softmax(e.masked_fill(~mask, float("-inf")), -1)


class Decoder(nn.Module):
    def __init__(s, V, E, H, L, attention, cell):
        super().__init__()
        s.embedding = nn.Embedding(V, E)
        if attention:
            s.attention = Additive(H)
        s.rnn = twin.recurrent(cell, H + E, H, L)
        s.fc = nn.Linear(H, V)
        s.use_attention = attention

    def step(s, y_prev, state, enc, mask, lengths):
        if s.use_attention:
            top = state[0][-1] if isinstance(state, tuple) else state[-1]  # an LSTM's state is (h, c): the query is h
            a = s.attention(top, enc, mask)
            c = (a[:, :, None] * enc).sum(1)
        else:  # the encoder's last real output at every step
            c = enc[torch.arange(enc.shape[0]), lengths - 1]
        out, state = s.rnn(torch.cat([c, s.embedding(y_prev)], -1)[:, None], state)
        return s.fc(out[:, 0]), state


class Seq2Seq(nn.Module):
    def __init__(s, Vs, Vt, E, H, L, attention, cell):
        super().__init__()
        s.encoder = Encoder(Vs, E, H, L, cell)
        s.decoder = Decoder(Vt, E, H, L, attention, cell)

    def loss(s, src, src_len, tgt, tgt_len, bos, feed=None):
        enc, state = s.encoder(src, src_len)
        mask = torch.arange(src.shape[1])[None] < src_len[:, None]
        B, T = tgt.shape
        prev = torch.full((B,), bos)
        total, tokens = 0.0, 0
        for t in range(T):  # teacher forcing: <bos> y_1 ... y_{n-1}
            logits, state = s.decoder.step(prev, state, enc, mask, src_len)
            real = t < tgt_len
            ce = nn.functional.cross_entropy(logits, tgt[:, t], reduction="none")
            total = total + (ce * real).sum()
            tokens += int(real.sum())
            # feed[b][t] false: the next step reads the model's own most likely word (teacher_forcing < 1).
            prev = tgt[:, t] if feed is None else torch.where(feed[:, t], tgt[:, t], logits.argmax(-1))
        return total / tokens


PAIRS = [([3, 4, 5, 6], [3, 6, 2]), ([5, 6], [4, 5, 7, 2]), ([4, 3, 4], [2])]
VS, VT, E, H, BOS = 7, 8, 3, 4, 1


def pad(seqs):
    n = max(len(x) for x in seqs)
    return torch.tensor([x + [0] * (n - len(x)) for x in seqs]), torch.tensor([len(x) for x in seqs])


def case(attention, layers, seed, cell="gru"):
    twin.seed(seed)
    model = Seq2Seq(VS, VT, E, H, layers, attention, cell).double()
    init = twin.flat_state(model)
    src, src_len = pad([p[0] for p in PAIRS])
    tgt, tgt_len = pad([p[1] for p in PAIRS])
    loss = model.loss(src, src_len, tgt, tgt_len, BOS)
    loss.backward()
    grads = twin.flat_gradients(model)
    steps = {}
    for name, lr in [("sgd", 0.1), ("adam", 0.01)]:
        m = twin.copy_of(model, lambda: Seq2Seq(VS, VT, E, H, layers, attention, cell).double())
        after_1, after_3 = twin.train_steps(m, lambda m: m.loss(src, src_len, tgt, tgt_len, BOS),
                                            twin.optimizer(name, m.parameters(), lr), snapshot=twin.flat_state)
        steps[f"{name}_1"], steps[f"{name}_3"] = after_1, after_3
    # Scheduled sampling with a fixed mask of which steps are fed the true word.
    m = twin.copy_of(model, lambda: Seq2Seq(VS, VT, E, H, layers, attention, cell).double())
    feed = torch.tensor([[True, False, True, True], [False, False, True, True], [True, True, True, True]])
    free = m.loss(src, src_len, tgt, tgt_len, BOS, feed)
    free.backward()
    free_grads = twin.flat_gradients(m)
    return {"cell": cell, "attention": attention, "layers": layers, "parameters": init, "order": list(init),
            "loss": loss.item(), "gradients": grads, "steps": steps,
            "feed": feed.tolist(), "feed_loss": free.item(), "feed_gradients": free_grads}


out = {
    "made_by": f"tools/torch/make_seq2seq_fixtures.py with torch {torch.__version__}",
    "pairs": PAIRS, "source_vocab": VS, "target_vocab": VT, "embed": E, "hidden": H, "bos": BOS,
    "cases": [case(True, 1, 1), case(False, 1, 2), case(True, 2, 3), case(False, 2, 4),
              case(True, 1, 5, "lstm"), case(False, 1, 6, "lstm"), case(True, 2, 7, "lstm"), case(False, 2, 8, "lstm")],
}
path = os.path.join(twin.RNN_FIXTURES, "seq2seq_fixtures.json")
twin.write_json(path, out, newline=True)
print("wrote", path)
