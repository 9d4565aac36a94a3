"""Every notebook in notebooks/ (English) and notebooks/zh/ (Chinese) runs top to bottom with the `rnn` kernel and produces the outputs that
are committed in it, once timings, dates and ids are masked."""
import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(ROOT.glob("*.ipynb")) + sorted(ROOT.glob("zh/*.ipynb"))

# What legitimately differs between runs: speeds, durations, clock times, ids.
MASKS = [
    (re.compile(r"\d+(\.\d+)?\s*steps/s"), "<N> steps/s"),
    (re.compile(r"\d+(\.\d+)?\s*(ms|s|min)\b"), "<T>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?"), "<DATE>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<UUID>"),
    (re.compile(r"\bid=\"[^\"]*\""), 'id="<ID>"'),
    (re.compile(r"\btime left[^\n|]*"), "time left <T>"),
]


def mask(text):
    for pattern, repl in MASKS:
        text = pattern.sub(repl, text)
    return text


def comparable(cell):
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            out.append(("stream", o["name"], mask(o["text"])))
        elif o["output_type"] in ("execute_result", "display_data"):
            out.append((o["output_type"], mask(str(o["data"].get("text/plain", ""))),
                        tuple(sorted(o["data"]))))
        elif o["output_type"] == "error":
            out.append(("error", o["ename"], mask(o["evalue"])))
    return out


# An empty folder fails rather than skipping: the lessons are part of what CI checks.
@pytest.mark.parametrize("path", NOTEBOOKS or [None], ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS] or ["no-notebooks"])
def test_notebook_reproduces(path):
    assert path is not None, "notebooks/ holds no .ipynb"
    committed = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    NotebookClient(fresh, kernel_name="rnn", timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for i, (want, got) in enumerate(zip(committed.cells, fresh.cells)):
        if want.cell_type != "code":
            continue
        assert comparable(got) == comparable(want), f"{path.relative_to(ROOT)}: cell {i} differs:\n{want.source}"


def statements(path):
    """Each code cell's statements by keyword and name (print's text and the data may be translated)."""
    nb = nbformat.read(path, as_version=4)
    return [[tuple(line.split()[:1 if line.startswith("print") else 2]) for line in c.source.splitlines() if line.strip()]
            for c in nb.cells if c.cell_type == "code"]


# The Chinese lessons run the same code as the English ones; only prose and word data are translated.
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.parent == ROOT], ids=lambda p: p.name)
def test_chinese_twin_has_the_same_code(path):
    twin = ROOT / "zh" / path.name
    assert twin.exists(), f"notebooks/zh/{path.name} is missing"
    assert statements(twin) == statements(path)
