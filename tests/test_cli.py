"""`rnn-kernel run` as a shell script or a Makefile calls it: outputs, errors and exit statuses. A
plain `run FILE` is taken without the argument parser (it starts faster); everything else goes
through it, and the two must agree."""
import os
import subprocess
import tempfile

from kernelproc import kernel_binary


def run(args, stdin=None):
    return subprocess.run([kernel_binary()] + args, input=stdin, capture_output=True, text=True, timeout=60)


def run_script(source):
    """`rnn-kernel run PATH` on a file holding `source`; the result and the path it had."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "script.rnn")
        with open(path, "w") as f:
            f.write(source)
        return run(["run", path]), path


def test_a_script_prints_and_exits_zero():
    p, _ = run_script("let x = 6\nprint x * 7\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, "42\n", "")


def test_the_first_error_is_file_line_col_and_exit_one():
    p, path = run_script("print 2\nprint nope\nprint 3\n")
    assert p.returncode == 1
    assert p.stdout == "2\n"
    assert p.stderr.startswith(f"{path}:2:7: NameError: name 'nope' is not defined"), p.stderr
    assert "print nope\n      ^^^^" in p.stderr


def test_standard_input_and_a_missing_file():
    p = run(["run", "-"], stdin="print 5\n")
    assert (p.returncode, p.stdout) == (0, "5\n")
    p = run(["run", "/nonexistent/x.rnn"])
    assert p.returncode == 2 and p.stderr.startswith("rnn-kernel: cannot read /nonexistent/x.rnn: "), p.stderr


def test_what_the_parser_still_answers():
    p = run(["run", "--help"])
    assert p.returncode == 0 and "USAGE: rnn-kernel run <file>" in p.stdout, p.stdout
    p = run(["run"])
    assert p.returncode == 64 and "Missing expected argument '<file>'" in p.stderr, p.stderr
    p = run(["run", "a.rnn", "b.rnn"])
    assert p.returncode == 64 and "Unexpected argument 'b.rnn'" in p.stderr, p.stderr
