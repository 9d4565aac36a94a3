"""Bad RNNKERNEL_* values at the process level: the kernel starts anyway with the defaults, logs each
value it refuses on stderr, and shows the same message once in the notebook; `rnn-kernel run` says it too."""
import os
import subprocess
import tempfile

from kernelproc import RawKernel, kernel_binary

BAD = {"RNNKERNEL_MAX_PARAMETERS": "abc", "RNNKERNEL_THREADS": "abc", "RNNKERNEL_HISTORY_SIZE": "1KB"}
MESSAGES = [
    "RNNKERNEL_MAX_PARAMETERS=abc is not a size: expected a positive whole number, optionally with a suffix K, M, G "
    "(powers of 1000) or Ki, Mi, Gi (powers of 1024), such as 10M; using the default, 10000000",
    "RNNKERNEL_THREADS=abc is not a whole number: expected a whole number from 1 to 1024; using the default, ",
    "RNNKERNEL_HISTORY_SIZE=1KB is not a size: expected a positive whole number, optionally with a suffix K, M, G "
    "(powers of 1000) or Ki, Mi, Gi (powers of 1024), such as 10M; using the default, 10000",
]


def test_kernel_with_bad_values_runs_and_tells_the_notebook_once():
    k = RawKernel(env=BAD)
    try:
        reply, pub = k.execute("print 1 + 1", timeout=30)
        assert reply["content"]["status"] == "ok"
        streams = [(m["content"]["name"], m["content"]["text"]) for m in pub if m["msg_type"] == "stream"]
        warnings = "".join(text for name, text in streams if name == "stderr")
        for message in MESSAGES:
            assert "warning: " + message in warnings, warnings
        assert ("stdout", "2\n") in streams, streams
        # Once: the next cell has no warning, and the defaults are in force (a model of 1M parameters fits).
        reply, pub = k.execute("cell m = rnn(input=1, hidden=990)\nprint 3", timeout=30)
        assert reply["content"]["status"] == "ok", reply["content"]
        assert [m["content"] for m in pub if m["msg_type"] == "stream"] == [
            {"name": "stdout", "text": "m = rnn(input=1, hidden=990) · 983070 parameters\n"},
            {"name": "stdout", "text": "3\n"}]
        assert k.heartbeat()
    finally:
        k.close()
    log = k.log_text()
    for message in MESSAGES:
        assert "rnn-kernel: " + message in log, log


def test_run_says_so_on_stderr_and_runs():
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "f.rnn")
        with open(script, "w") as f:
            f.write("print 6 * 7\n")
        p = subprocess.run([kernel_binary(), "run", script], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, RNNKERNEL_MAX_PARAMETERS="abc", RNNKERNEL_THREADS="0"))
    assert p.returncode == 0, p.stderr
    assert p.stdout == "42\n"
    assert "rnn-kernel: " + MESSAGES[0] + "\n" in p.stderr, p.stderr
    assert "rnn-kernel: RNNKERNEL_THREADS=0 is out of range: expected a whole number from 1 to 1024" in p.stderr, p.stderr


def test_kernel_with_a_bad_isa_runs_the_widest_build_and_says_so():
    """A Jupyter kernel that exited would be only "kernel died" in the notebook: a bad RNNKERNEL_ISA
    makes the kernel use the widest build the processor runs, and the notebook is told once."""
    k = RawKernel(env={"RNNKERNEL_ISA": "avx9000"})
    try:
        reply, pub = k.execute("print 1 + 1", timeout=30)
        assert reply["content"]["status"] == "ok"
        warnings = "".join(m["content"]["text"] for m in pub if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
        assert "warning: RNNKERNEL_ISA=avx9000 names no kernel build: expected one of baseline, avx2, avx512" in warnings, warnings
        assert "; using the widest it runs, " in warnings, warnings
        reply, pub = k.execute("print 3", timeout=30)
        assert [m["content"] for m in pub if m["msg_type"] == "stream"] == [{"name": "stdout", "text": "3\n"}]
    finally:
        k.close()
    log = k.log_text()
    assert log.count("rnn-kernel: RNNKERNEL_ISA=avx9000 names no kernel build") == 1, log


def test_a_command_line_refuses_a_bad_isa():
    """`run`, `--version` and the benchmarks ask for a build on purpose: a bad one stops them, naming the choices."""
    for args in (["--version"], ["run", "/nonexistent.rnn"]):
        p = subprocess.run([kernel_binary()] + args, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, RNNKERNEL_ISA="avx9000"))
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stderr.startswith("rnn-kernel: RNNKERNEL_ISA=avx9000 names no kernel build: expected one of "), p.stderr
        assert "(this processor runs baseline" in p.stderr, p.stderr
