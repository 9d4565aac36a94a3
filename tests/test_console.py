"""`jupyter console --kernel rnn` driven through a pseudo-terminal, as a student would use it."""
import os
import sys

import pexpect
import pytest

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
    """Ends the console as a student would (EOF, then yes); one that does not end in time is killed,
    so a failed test never leaves a console and its kernel running behind it."""
    try:
        child.sendeof()
        if child.expect([pexpect.EOF, r"exit \(\[y\]/n\)\? "], timeout=30) == 1:
            child.sendline("y")
            child.expect(pexpect.EOF, timeout=30)
    except (pexpect.TIMEOUT, OSError):
        pass
    finally:
        if child.isalive():
            child.terminate(force=True)


@pytest.fixture
def child():
    """A console on a new rnn kernel, closed (or killed) after the test whatever its outcome."""
    child = spawn_console()
    yield child
    close(child)


def run(child, line):
    child.sendline(line)
    child.expect(PROMPT)
    return child.before


def test_define_and_unroll_shows_table(child):
    out = run(child, "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)")
    assert "12 parameters" in out
    out = run(child, "unroll demo on [[1,1],[1,1],[2,2]]")
    assert "+---" in out and "h_t" in out
    assert "[16, 16]" in out and "[32, 32]" in out


def test_error_shows_caret(child):
    out = run(child, "cell c = rnn(input=2, hiden=3)")
    assert "SyntaxError" in out or "ValueError" in out or "NameError" in out
    assert "did you mean 'hidden'" in out
    assert "^" in out
    # the kernel is still there
    out = run(child, "1 + 1")
    assert "2" in out


def test_widgets_fall_back_to_text(child):
    """jupyter console has no widgets: the kernel's comm messages are ignored and the text stands in."""
    run(child, "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)")
    out = run(child, "unroll demo on [[1,1],[1,1],[2,2]] interactive=true")
    assert "[16, 16]" in out and "[32, 32]" in out and "widget-view" not in out
    out = run(child, "slider s from 0 to 4 value=2")
    assert "s = 2 · a slider from 0 to 4" in out
    out = run(child, "watch s: print s * 3")
    assert "6" in out
    assert "4" in run(child, "print s + 2")
