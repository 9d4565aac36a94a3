#!/usr/bin/env python3
"""Writes each lesson's code cells as one .rnn script (to try with `rnn-kernel run`)."""
import pathlib, sys
SRC = pathlib.Path(__file__).resolve().parent
out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp")
for p in sorted(SRC.glob("[0-9][0-9]-*.txt")) + sorted(SRC.glob("zh/[0-9][0-9]-*.txt")):
    code, on = [], False
    for line in p.read_text().split("\n"):
        if line.strip() in ("%% md", "%% code"):
            on = line.strip() == "%% code"
        elif on:
            code.append(line)
    name = ("zh-" if p.parent.name == "zh" else "") + p.stem + ".rnn"
    (out / name).write_text("\n".join(code) + "\n")
    print(out / name)
