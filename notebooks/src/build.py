#!/usr/bin/env python3
"""Builds notebooks/NN-*.ipynb from notebooks/src/NN-*.txt, and the Chinese lessons
notebooks/zh/NN-*.ipynb from notebooks/src/zh/NN-*.txt.

A source is Markdown and code separated by marker lines: `%% md` starts a Markdown
cell, `%% code` a code cell. Outputs are left empty; execute with nbclient to fill them.
"""
import json, pathlib, sys

SRC = pathlib.Path(__file__).resolve().parent
OUT = SRC.parent
# Each folder of sources and the folder its notebooks go to.
SETS = [(SRC, OUT), (SRC / "zh", OUT / "zh")]

def cells(text):
    kind, lines, out = None, [], []
    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        src = [l + "\n" for l in body.split("\n")]
        src[-1] = src[-1].rstrip("\n")
        if kind == "md":
            out.append({"cell_type": "markdown", "metadata": {}, "source": src})
        else:
            out.append({"cell_type": "code", "execution_count": None, "metadata": {},
                        "outputs": [], "source": src})
    for line in text.split("\n"):
        if line.strip() in ("%% md", "%% code"):
            flush()
            kind, lines = line.strip()[3:], []
        else:
            lines.append(line)
    flush()
    return out

def build(path, out_dir):
    nb = {"cells": cells(path.read_text()),
          "metadata": {"kernelspec": {"name": "rnn", "display_name": "RNN", "language": "rnn"},
                       "language_info": {"name": "rnn"}},
          "nbformat": 4, "nbformat_minor": 5}
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"{path.stem[:2]}-{i:02d}"
    out_dir.mkdir(exist_ok=True)
    target = out_dir / (path.stem + ".ipynb")
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return target

if __name__ == "__main__":
    # Arguments are source paths relative to notebooks/src (zh/01-rnn-by-hand.txt); none builds all.
    wanted = set(sys.argv[1:])
    for src_dir, out_dir in SETS:
        for path in sorted(src_dir.glob("[0-9][0-9]-*.txt")):
            if not wanted or str(path.relative_to(SRC)) in wanted:
                print(build(path, out_dir))
