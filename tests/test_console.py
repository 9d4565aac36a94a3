"""`jupyter console --kernel rnn` driven through a pseudo-terminal, as a student would use it."""
import os
import sys

import pexpect

PROMPT = r"In \[\d+\]: "


def spawn_console():
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = pexpect.spawn(jupyter, ["console", "--kernel", "rnn", "--simple-prompt",
                                       "--ZMQTerminalInteractiveShell.confirm_exit=False"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(50, 200))
    child.expect(PROMPT)
    return child


def close(child):
    child.sendeof()
    if child.expect([pexpect.EOF, r"exit \(\[y\]/n\)\? "], timeout=30) == 1:
        child.sendline("y")
        child.expect(pexpect.EOF, timeout=30)


def run(child, line):
    child.sendline(line)
    child.expect(PROMPT)
    return child.before


def test_define_and_unroll_shows_table():
    child = spawn_console()
    try:
        out = run(child, "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)")
        assert "12 parameters" in out
        out = run(child, "unroll demo on [[1,1],[1,1],[2,2]]")
        assert "+---" in out and "h_t" in out
        assert "[16, 16]" in out and "[32, 32]" in out
    finally:
        close(child)


def test_error_shows_caret():
    child = spawn_console()
    try:
        out = run(child, "cell c = rnn(input=2, hiden=3)")
        assert "SyntaxError" in out or "ValueError" in out or "NameError" in out
        assert "did you mean 'hidden'" in out
        assert "^" in out
        # the kernel is still there
        out = run(child, "1 + 1")
        assert "2" in out
    finally:
        close(child)


def test_widgets_fall_back_to_text():
    """jupyter console has no widgets: the kernel's comm messages are ignored and the text stands in."""
    child = spawn_console()
    try:
        run(child, "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)")
        out = run(child, "unroll demo on [[1,1],[1,1],[2,2]] interactive=true")
        assert "[16, 16]" in out and "[32, 32]" in out and "widget-view" not in out
        out = run(child, "slider s from 0 to 4 value=2")
        assert "s = 2 · a slider from 0 to 4" in out
        out = run(child, "watch s: print s * 3")
        assert "6" in out
        assert "4" in run(child, "print s + 2")
    finally:
        close(child)
