"""The `rnn` Pygments lexer (python/rnn_kernel): registered under its name, named by the kernel's
language_info, covering every word the kernel itself offers (so the lists cannot drift), and used by
nbconvert's HTML and LaTeX exports of a lesson."""
import json
import pathlib
import re
import subprocess
import sys

import pytest
from jupyter_client.manager import start_new_kernel
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, Number, String

from rnn_kernel import lexer as L

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="rnn")
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def complete(kc, code):
    reply = kc.complete(code, len(code), reply=True, timeout=10)["content"]
    types = reply["metadata"].get("_jupyter_types_experimental", [])
    return {(t["text"], t["type"]) for t in types}


def tokens(text):
    return [(t, v) for t, v in get_lexer_by_name("rnn").get_tokens(text) if v.strip()]


def test_registered_and_named_by_the_kernel(kernel):
    assert get_lexer_by_name("rnn").__class__ is L.RNNLexer
    info = kernel.kernel_info(reply=True, timeout=10)["content"]
    assert info["language_info"]["pygments_lexer"] == "rnn"


# Where the kernel's completion lists each kind of word, and the token the lexer must give it there.
CONTEXTS = ["", "cell a = ", "cell a = rnn(", "cell a = gru(input=1, ", "train a on adding() ", "backward a on x ",
            "unroll a on x ", "sample a ", "plot ", "plot loss a ", "print 1 ", "copy a ", "save a ", "load a ",
            "export ", "unroll a "] + [f"{d}(" for d in L.DATASETS]


def test_covers_every_word_the_kernel_completes(kernel):
    seen = set()
    for ctx in CONTEXTS:
        seen |= complete(kernel, ctx)
    # Values: after `key=` for every option that takes a word from a set.
    for ctx in ["cell a = rnn(", "train a on x ", "backward a on x ", "plot loss a ", "print 1 "]:
        for text, kind in list(seen):
            if kind == "option":
                seen |= {(t, k) for t, k in complete(kernel, ctx + text) if k == "value"}
    kinds = {"keyword": L.STATEMENTS + L.CLAUSES, "cell": L.CELLS, "dataset": L.DATASETS, "function": L.FUNCTIONS,
             "option": L.OPTIONS, "value": L.VALUES + L.LITERALS, "literal": L.LITERALS}
    missing = sorted((text, kind) for text, kind in seen
                     if kind in kinds and text.rstrip("=") not in kinds[kind])
    assert not missing, f"words the kernel completes that python/rnn_kernel/lexer.py does not list: {missing}"
    assert {k for _, k in seen} >= {"keyword", "cell", "dataset", "option", "value"}


def test_covers_every_help_topic(kernel):
    topics = {t for t, k in complete(kernel, "help ") if k == "topic"}
    assert len(topics) > 40
    known = set(L.STATEMENTS + L.CLAUSES + L.CELLS + L.DATASETS + L.FUNCTIONS + L.OPTIONS + L.PROSE_TOPICS)
    assert not sorted(topics - known), f"help topics python/rnn_kernel/lexer.py does not know: {sorted(topics - known)}"


def test_tokens_of_each_kind():
    for word in L.STATEMENTS:
        assert tokens(word)[0] == (Keyword, word)
    for word in L.OPTIONS:
        assert tokens(f"{word}=1")[0] == (Name.Attribute, word)
    for word in L.VALUES:
        assert tokens(f"x={word}")[-1] == (Name.Constant, word)
    for word in L.DATASETS:
        assert tokens(f"{word}(count=1)")[0] == (Name.Builtin, word)
    for word in L.CELLS:
        assert tokens(f"cell c = {word}(hidden=2)")[3] == (Keyword.Type, word)
    t = tokens('let s = "a \\"q\\"" # why\nlet x = [1, 2.5, 1e-3]')
    assert (Comment.Single, "# why") in t
    assert (String.Escape, '\\"') in t
    assert (Number.Integer, "1") in t and (Number.Float, "2.5") in t and (Number.Float, "1e-3") in t
    # `copy` the statement and `copy(...)` the dataset
    assert tokens("copy a as b")[0] == (Keyword, "copy")
    assert tokens("train a on copy(count=4)")[3] == (Name.Builtin, "copy")


@pytest.fixture(scope="module")
def executed_lesson(tmp_path_factory):
    """The lesson re-run (`jupyter nbconvert --to notebook --execute`): its language_info is then the kernel's own,
    which names our lexer. (nbconvert picks the lexer from the metadata it is given, before any --execute.)"""
    out = tmp_path_factory.mktemp("lesson")
    r = subprocess.run([sys.executable, "-m", "nbconvert", "--execute", "--to", "notebook", "--output-dir", str(out),
                        "--output", "lesson", str(NOTEBOOKS / "01-rnn-by-hand.ipynb")],
                       capture_output=True, text=True, timeout=300, cwd=NOTEBOOKS)
    assert r.returncode == 0, r.stderr
    path = out / "lesson.ipynb"
    assert json.loads(path.read_text())["metadata"]["language_info"]["pygments_lexer"] == "rnn"
    return path


def export(path, fmt, *flags):
    r = subprocess.run([sys.executable, "-m", "nbconvert", "--to", fmt, *flags, "--output", f"lesson-{fmt}", str(path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "No lexer found" not in r.stderr
    return next(path.parent.glob(f"lesson-{fmt}.*")).read_text()


def test_nbconvert_html_has_the_token_classes(executed_lesson):
    html = export(executed_lesson, "html")
    # Pygments' short classes: k keyword, kt cell, na option, no value, kc literal, mi number.
    for cls, word in [("k", "cell"), ("k", "unroll"), ("kt", "rnn"), ("na", "hidden"), ("no", "linear"),
                      ("kc", "false"), ("mi", "1")]:
        assert re.search(rf'<span class="{cls}">{word}</span>', html), (cls, word)


def test_nbconvert_latex_has_the_token_classes(executed_lesson):
    # The code cells only: the SVG charts would need Inkscape, the prose pandoc, neither of which this test is about.
    tex = export(executed_lesson, "latex", "--TemplateExporter.exclude_output=True",
                 "--TemplateExporter.exclude_markdown=True", "--SVG2PDFPreprocessor.enabled=False")
    for macro in [r"\PY{k}{cell}", r"\PY{k}{unroll}", r"\PY{k+kt}{rnn}", r"\PY{n+na}{hidden}"]:
        assert macro in tex, macro
