"""Issue 15, at the process level: a failed bind exits at once, and a long session's memory stays bounded."""
import json
import os
import socket
import subprocess
import tempfile
import time

import pytest

from kernelproc import RawKernel, free_ports, kernel_binary


def start_with(conn):
    d = tempfile.mkdtemp(prefix="rnn-bind-")
    path = os.path.join(d, "kernel.json")
    with open(path, "w") as f:
        json.dump(conn, f)
    return subprocess.Popen([kernel_binary(), "kernel", "--connection-file", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def connection(ip, ports):
    shell, iopub, stdin, control, hb = ports
    return dict(shell_port=shell, iopub_port=iopub, stdin_port=stdin, control_port=control, hb_port=hb, ip=ip,
                transport="tcp", signature_scheme="hmac-sha256", key="k", kernel_name="rnn")


@pytest.mark.parametrize("case", ["port in use", "localhost", "empty ip"])
def test_failed_bind_exits_at_once_naming_the_address(case):
    ports = free_ports(5)
    held = None
    ip = {"port in use": "127.0.0.1", "localhost": "localhost", "empty ip": ""}[case]
    if case == "port in use":
        held = socket.socket()
        held.bind(("127.0.0.1", ports[3]))  # the control port: shell binds first and succeeds
        held.listen(1)
    try:
        proc = start_with(connection(ip, ports))
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the kernel hung after a failed bind")
        assert proc.returncode == 1, err
        assert "cannot bind" in err and f":{ports[0] if case != 'port in use' else ports[3]}" in err, err
        if case == "port in use":
            assert "in use" in err, err
    finally:
        if held:
            held.close()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_soak_ten_thousand_executes_keep_memory_bounded():
    k = RawKernel()
    try:
        cells = ["let x = [1, 2, 3] * 2", "print x", "x + 1", "let y = nope", "cell m = rnn(input=1, hidden=2)",
                 "unroll m on [[1], [2]]", "help let"]
        start = time.time()
        for i in range(10_000):
            mid = k.send(k.shell, "execute_request", {"code": cells[i % len(cells)], "silent": False, "store_history": True,
                                                       "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
            reply = k.reply_to(k.shell, mid, timeout=30)
            assert reply["content"]["status"] in ("ok", "error")
            if i % 200 == 0:
                k.drain_iopub(timeout=0)
            if i == 1000:
                warm = rss_kb(k.proc.pid)
        end = rss_kb(k.proc.pid)
        growth = end - warm
        print(f"\nsoak: 10000 executes in {time.time() - start:.1f} s; resident {warm} kB after 1000, {end} kB after 10000 "
              f"(+{growth} kB)")
        assert growth < 40_000, f"resident memory grew {growth} kB over 9000 executes"
        assert k.heartbeat()
    finally:
        k.close()


MODEL_HEAD = '{"format":"rnn-kernel model","version":2,"config":{"kind":"rnn","input":1,"hidden":1},"parameters":{"W_ih":['


@pytest.mark.parametrize("item", ["0,", "[0],", "[],", "null,"])
def test_a_crafted_model_json_at_the_file_limit_is_refused_within_the_memory_budget(item, tmp_path):
    """A 100 MB model .json of the smallest values there are: refused with a message, at a peak far
    below the 1.2 GB the defaults fit (it was 1.8 GB before lists of numbers were held as Doubles
    and the parser counted what the values take)."""
    limit = 100_000_000
    path = tmp_path / "crafted.json"
    with open(path, "w") as f:
        f.write(MODEL_HEAD)
        n = (limit - len(MODEL_HEAD) - 3) // len(item)
        f.write(item * (n - 1) + item.rstrip(",") + "]}}")
    assert os.path.getsize(path) <= limit
    script = tmp_path / "load.rnn"
    script.write_text(f'cell m = rnn(input=1, hidden=1)\nload m from "{path}"\n')
    errors = tmp_path / "stderr.txt"
    with open(errors, "w") as err_file:
        proc = subprocess.Popen([kernel_binary(), "run", str(script)], stdout=subprocess.DEVNULL, stderr=err_file)
        # Reaped here rather than by Popen, for this one process's peak (ru_maxrss, in kB).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    err = errors.read_text()
    print(f"\n{item!r}: peak {usage.ru_maxrss} kB")
    assert proc.returncode == 1, err
    assert "'m' is unchanged" in err, err
    assert "would take more than 400000000 bytes of memory once read" in err, err
    assert usage.ru_maxrss < 900_000, f"peak {usage.ru_maxrss} kB while refusing a crafted {item!r} file"
