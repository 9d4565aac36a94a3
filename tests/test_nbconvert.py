"""A lesson converts with `jupyter nbconvert` to HTML and Markdown, keeping its prose and outputs."""
import html as htmllib
import pathlib
import re
import subprocess
import sys

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def convert(fmt, tmp_path):
    lesson = NOTEBOOKS / "01-rnn-by-hand.ipynb"
    r = subprocess.run([sys.executable, "-m", "nbconvert", "--to", fmt, "--output-dir", str(tmp_path), str(lesson)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = next(tmp_path.glob("01-rnn-by-hand.*"))
    return out.read_text()


def test_html(tmp_path):
    html = convert("html", tmp_path)
    assert "<html" in html
    # Code cells are syntax-highlighted, so compare the text without its markup.
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", html))
    assert "[32, 32]" in text  # the worked example's last output, from the committed outputs
    assert "unroll demo on [[1,1],[1,1],[2,2]]" in text


def test_markdown(tmp_path):
    md = convert("markdown", tmp_path)
    assert "unroll demo on [[1,1],[1,1],[2,2]]" in md
    assert "[32, 32]" in md
