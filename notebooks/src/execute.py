#!/usr/bin/env python3
"""Runs each lesson with the installed `rnn` kernel and writes it back with its outputs.

Usage: python notebooks/src/execute.py [NN-name.ipynb zh/NN-name.ipynb ...]   (needs `rnn-kernel install` first)
Without arguments it runs the English lessons in notebooks/ and the Chinese ones in notebooks/zh/.
Files the lessons write (logs, saved models) land beside each notebook, as in tests/test_notebooks.py.
"""
import pathlib, sys, time
import nbformat
from nbclient import NotebookClient

NB = pathlib.Path(__file__).resolve().parent.parent
paths = [NB / n for n in sys.argv[1:]] or sorted(NB.glob("[0-9][0-9]-*.ipynb")) + sorted(NB.glob("zh/[0-9][0-9]-*.ipynb"))
for path in paths:
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    NotebookClient(nb, kernel_name="rnn", timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o.get("ename", "") + ": " + o.get("evalue", "")
              for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    nbformat.write(nb, path)
    print(f"{path.relative_to(NB)}: {time.monotonic() - start:.1f} s, {len(errors)} errors")
    for e in errors:
        print("   ", e.splitlines()[0] if e else e)
