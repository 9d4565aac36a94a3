#!/usr/bin/env python3
"""Builds notebooks/NN-*.ipynb from notebooks/src/NN-*.txt.

A source is Markdown and code separated by marker lines: `%% md` starts a Markdown
cell, `%% code` a code cell. Outputs are left empty; execute with nbclient to fill them.
"""
import json, pathlib, sys

SRC = pathlib.Path(__file__).resolve().parent
OUT = SRC.parent

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

def build(path):
    nb = {"cells": cells(path.read_text()),
          "metadata": {"kernelspec": {"name": "rnn", "display_name": "RNN", "language": "rnn"},
                       "language_info": {"name": "rnn"}},
          "nbformat": 4, "nbformat_minor": 5}
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"{path.stem[:2]}-{i:02d}"
    target = OUT / (path.stem + ".ipynb")
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return target

if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.name for p in SRC.glob("[0-9][0-9]-*.txt"))
    for n in names:
        print(build(SRC / n))
