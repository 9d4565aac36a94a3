"""Seq2seq learns the reverse task (issue 18): trained on reverse(count=2000, length=8, symbols=10),
the release kernel reaches at least 95% exact match on a held-out reverse set within a minute of CPU
time (the child's user + system time, so a busy shared machine does not fail it), and attention looks
at the mirrored source position on most steps. Runs the installed kernel's binary as a script."""
import os
import re
import resource
import subprocess
import tempfile

from kernelproc import kernel_binary

SCRIPT = """
cell tr = seq2seq(embed=16, hidden=48, seed=1)
let rev = reverse(count=2000, length=8, symbols=10, seed=1)
train tr on rev epochs=EPOCHS batch=32 lr=0.01 clip=1 seed=1
predict tr on reverse(count=200, length=8, symbols=10, seed=2)
translate tr "0 1 2 3 4 5 6 7"
translate tr "9 8 7 6 5 4 3 2"
translate tr "3 1 4 0 5 9 2 6"
"""
EPOCHS = int(os.environ.get("SEQ2SEQ_EPOCHS", "8"))


def test_reverse_reaches_95_percent_exact_match_and_attends_to_the_mirror():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "reverse.rnn")
        with open(path, "w") as f:
            f.write(SCRIPT.replace("EPOCHS", str(EPOCHS)))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([kernel_binary(), "run", path], capture_output=True, text=True, timeout=600,
                             env=dict(os.environ, RNNKERNEL_THREADS="1"))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert out.returncode == 0, out.stderr
    m = re.search(r"exact match ([0-9.]+)% \((\d+)/200\)", out.stdout)
    assert m, out.stdout
    assert float(m.group(1)) >= 95, out.stdout
    assert cpu < 60, f"training and testing took {cpu:.1f} s of CPU time"
    # With distinct symbols, the mirrored source word is the output word itself: the "attended to"
    # column of translate's table equals the output column on most rows.
    rows = re.findall(r"^\| +(\d+) \| (\S+) +\| (\S+) +\| +([0-9.]+) \|$", out.stdout, re.M)
    assert len(rows) >= 24, out.stdout
    mirrored = sum(1 for _, word, attended, _ in rows if word == attended)
    assert mirrored > 0.5 * len(rows), f"{mirrored} of {len(rows)} output words attended to the mirrored source word\n{out.stdout}"
