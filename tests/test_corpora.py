"""The corpora in data/ keep their format (tools/data/check_corpora.py: tabs, single spaces, one
BIO tag a word, no duplicates)."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_corpora_pass_their_checker():
    r = subprocess.run([sys.executable, str(ROOT / "tools/data/check_corpora.py")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all checks passed" in r.stdout
