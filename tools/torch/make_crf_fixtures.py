"""Writes Tests/RNNTests/Fixtures/crf_fixtures.json from PyPI's pytorch-crf in float64: log Z, the
negative log-likelihood (reduction='mean'), every gradient and Viterbi's paths, for a batch of
sentences of different lengths (a mask, as a padded batch gives it), so RNN's CRF can be checked
against the unmodified torchcrf.CRF(K, batch_first=True).

Run with an environment that has torch and pytorch-crf: python tools/torch/make_crf_fixtures.py
"""
import os

import torch
from torchcrf import CRF

import twin

twin.seed(7)
twin.use_float64()


def case(K, lengths, scale):
    B, T = len(lengths), max(lengths)
    crf = CRF(K, batch_first=True).double()  # parameters drawn U(-0.1, 0.1), as the module does
    with torch.no_grad():  # larger than the initial values, so the transitions matter in the check
        for p in crf.parameters():
            p.uniform_(-scale, scale)
    emissions = torch.randn(B, T, K, requires_grad=True)
    tags = torch.randint(0, K, (B, T))
    mask = torch.zeros(B, T, dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, :n] = True
    loss = -crf(emissions, tags, mask=mask, reduction="mean")
    loss.backward()
    # log Z of each sentence alone, from the module's own forward algorithm.
    log_z = [crf._compute_normalizer(emissions[b:b + 1, :n].transpose(0, 1), mask[b:b + 1, :n].transpose(0, 1)).item()
             for b, n in enumerate(lengths)]
    return {
        "tags": K,
        "lengths": lengths,
        "transitions": crf.transitions.tolist(),
        "start_transitions": crf.start_transitions.tolist(),
        "end_transitions": crf.end_transitions.tolist(),
        "emissions": [emissions[b, :n].tolist() for b, n in enumerate(lengths)],
        "gold": [tags[b, :n].tolist() for b, n in enumerate(lengths)],
        "log_z": log_z,
        "loss": loss.item(),
        "grad_transitions": crf.transitions.grad.tolist(),
        "grad_start": crf.start_transitions.grad.tolist(),
        "grad_end": crf.end_transitions.grad.tolist(),
        "grad_emissions": [emissions.grad[b, :n].tolist() for b, n in enumerate(lengths)],
        "viterbi": crf.decode(emissions.detach(), mask=mask),
    }


out = {
    "made_by": f"tools/torch/make_crf_fixtures.py with torch {torch.__version__} and pytorch-crf",
    "cases": [case(3, [4, 2, 3], 0.1), case(5, [6, 1, 5, 3], 1.0), case(4, [7], 2.0)],
}
path = os.path.join(twin.RNN_FIXTURES, "crf_fixtures.json")
twin.write_json(path, out, newline=True)
print("wrote", path)
