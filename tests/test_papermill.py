"""papermill runs a lesson with and without parameters: `-p NAME VALUE` becomes `let NAME = VALUE`
after the cell tagged `parameters` (numbers, strings, booleans, lists), with no extra flags; a value
the language cannot hold is refused with a clear error."""
import json
import pathlib
import subprocess
import sys

import nbformat

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
PAPERMILL = [sys.executable, "-m", "papermill", "--no-progress-bar", "--kernel", "rnn"]


def lesson_with_parameters(tmp_path):
    """A short lesson whose first code cell is tagged `parameters`, and whose cells use them."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rnn", "display_name": "RNN", "language": "rnn"}
    params = nbformat.v4.new_code_cell('let length = 5\nlet lr = 0.1\nlet label = "default"\nlet verbose = false\n'
                                       "let xs = [1, 2]")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A parameterised run"),
        params,
        nbformat.v4.new_code_cell("seed 1\ncell net = rnn(input=1, hidden=3, output=1)\n"
                                  "train net on sine(count=8, length=length) epochs=1 lr=lr"),
        nbformat.v4.new_code_cell("print label length lr verbose xs"),
    ]
    path = tmp_path / "params.ipynb"
    nbformat.write(nb, path)
    return path


def run(args, cwd):
    return subprocess.run(PAPERMILL + [str(a) for a in args], capture_output=True, text=True, timeout=300, cwd=cwd)


def stdout_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_lesson_without_parameters(tmp_path):
    out = tmp_path / "out.ipynb"
    r = run([NOTEBOOKS / "01-rnn-by-hand.ipynb", out], cwd=NOTEBOOKS)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill.parameters == {}
    assert all(o.output_type != "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "[32, 32]" in json.dumps([c.outputs for c in nb.cells if c.cell_type == "code"])


def test_defaults_when_no_parameter_is_given(tmp_path):
    src = lesson_with_parameters(tmp_path)
    r = run([src, tmp_path / "out.ipynb"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert stdout_of(nb.cells[3]) == "default 5 0.1 false [1, 2]\n"


def test_numbers_strings_booleans_lists(tmp_path):
    src = lesson_with_parameters(tmp_path)
    out = tmp_path / "out.ipynb"
    r = run([src, out, "-p", "length", "7", "-p", "lr", "0.05", "-p", "label", 'say "hi"\tnow',
             "-p", "verbose", "True", "-y", "xs: [3, [4.5, 6]]"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(out, as_version=4)
    injected = nb.cells[2]
    assert injected.metadata.tags == ["injected-parameters"]
    lines = injected.source.splitlines()
    assert lines[0] == "# Parameters"
    assert sorted(lines[1:]) == ['let label = "say \\"hi\\"\\tnow"', "let length = 7", "let lr = 0.05",
                                 "let verbose = true", "let xs = [3, [4.5, 6]]"]
    assert all(o.output_type != "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert stdout_of(nb.cells[4]) == 'say "hi"\tnow 7 0.05 true [3, [4.5, 6]]\n'


def test_the_issue_example_on_a_lesson(tmp_path):
    # `-p length 40` on a lesson without a parameters cell: papermill injects at the top, and the lesson runs.
    out = tmp_path / "out.ipynb"
    r = run([NOTEBOOKS / "01-rnn-by-hand.ipynb", out, "-p", "length", "40"], cwd=NOTEBOOKS)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(out, as_version=4)
    assert nb.cells[0].source == "# Parameters\nlet length = 40\n"
    assert nb.cells[0].outputs == [] or all(o.output_type != "error" for o in nb.cells[0].outputs)


def test_bad_values_get_a_clear_error(tmp_path):
    src = lesson_with_parameters(tmp_path)
    for args, words in [(["-y", "opts: {a: 1}"], "dict"), (["-p", "label", "None"], "None"),
                        (["-p", "train", "1"], "keyword"), (["-y", "x: .inf"], "not finite")]:
        r = run([src, tmp_path / "bad.ipynb"] + args, cwd=tmp_path)
        assert r.returncode != 0
        assert "rnn parameter" in r.stderr and words in r.stderr, r.stderr[-2000:]
