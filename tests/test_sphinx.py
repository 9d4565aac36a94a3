"""Sphinx highlights `.. code-block:: rnn` with the rnn lexer (found by its entry point, as
nbconvert finds it)."""
import re
import subprocess
import sys


def test_sphinx_code_block(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('project = "rnn"\nextensions = []\nhighlight_language = "rnn"\n')
    (src / "index.rst").write_text("Lesson\n======\n\n.. code-block:: rnn\n\n"
                                   "   # the worked example\n"
                                   "   cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)\n"
                                   '   train demo on sine(count=8, length=5) epochs=2 lr=0.1\n'
                                   '   save demo to "demo.json"\n')
    out = tmp_path / "html"
    r = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(src), str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    html = (out / "index.html").read_text()
    for cls, word in [("c1", "# the worked example"), ("k", "cell"), ("kt", "rnn"), ("na", "hidden"), ("no", "linear"),
                      ("nb", "sine"), ("mi", "8"), ("mf", "0.1"), ("k", "save"), ("s2", "demo.json")]:
        assert re.search(rf'<span class="{cls}">[^<]*{re.escape(word)}', html), (cls, word)
