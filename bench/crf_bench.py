"""The NER lesson's tagger (bench/scripts/ner-crf.rnn: a bidirectional lstm with a CRF on
data/ner/en.tsv), our whole `rnn-kernel run` process against the twin's training loop alone
(bench/torch_crf_bench.py, float64), one core each (RNNKERNEL_THREADS=1, torch.set_num_threads(1)).
Runs interleave (ours, theirs, ours, ...) and each side keeps its best: shared machines are noisy.
Goal: ours at least 2x the twin."""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def ours_once(binary):
    env = dict(os.environ, RNNKERNEL_THREADS="1")
    t = time.perf_counter()
    subprocess.run([binary, "run", os.path.join(HERE, "scripts", "ner-crf.rnn")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def torch_once(python):
    out = subprocess.run([python, os.path.join(HERE, "torch_crf_bench.py"), "--threads", "1"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])["seconds"]


def main():
    binary = os.environ.get("BENCH_BINARY") or os.path.join(ROOT, ".build", "release", "rnn-kernel")
    torch_py = os.environ.get("BENCH_TORCH_PYTHON")
    if not torch_py or not os.path.exists(torch_py):
        print("ner-crf: torch not measured (make bench TORCH=1, with torch and pytorch-crf in .venv-bench)")
        return 0
    ours, theirs = float("inf"), float("inf")
    for _ in range(REPEATS):
        ours = min(ours, ours_once(binary))
        theirs = min(theirs, torch_once(torch_py))
    ratio = theirs / ours
    print(f"\nner-crf (bilstm hidden 32 + CRF, 7 tags, 130 steps of batch 16), one core each, best of {REPEATS} interleaved runs")
    print(f"{'config':10}{'ours s':>9}{'twin float64 s':>16}{'x':>7}")
    print(f"{'ner-crf':10}{ours:9.2f}{theirs:16.2f}{ratio:7.2f}")
    print("goal: ner-crf >= 2x the twin in float64 — " + ("met" if ratio >= 2 else "MISSED"))
    return 0 if ratio >= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
