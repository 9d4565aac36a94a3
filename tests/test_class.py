"""A class on one server: a Jupyter Server (as a JupyterHub single-user server runs) opens 30 RNN
kernels through its REST and WebSocket API, runs a lesson's cells in all of them at once, and
reports the resident memory per kernel and the slowest cell, beside ipykernels measured the same
way; then the server's own cull_idle_timeout shuts the idle kernels down. And a lesson run through
Jupyter Kernel Gateway, behind a Jupyter Server started with --gateway-url (as JupyterLab is)."""
import asyncio
import pathlib
import statistics
import time

import nbformat
import pytest

from serverproc import ServerProcess, processes_of, rss_mib
from test_notebooks import mask

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
LESSON = NOTEBOOKS / "01-rnn-by-hand.ipynb"
STUDENTS = 30
IPYKERNELS = 8  # enough for a steady median; each costs ~0.5 s of CPU to start
CULL_IDLE = 4  # seconds


def lesson_cells():
    nb = nbformat.read(LESSON, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


def comparable(outputs):
    """What must match the committed lesson: the text of every output, masked as test_notebooks masks it."""
    out = []
    for o in outputs:
        if o["output_type"] == "stream":
            # One stream output for consecutive writes to the same stream, however the client split them.
            if out and out[-1][0] == "stream" and out[-1][1] == o["name"]:
                out[-1] = ("stream", o["name"], out[-1][2] + mask(o["text"]))
            else:
                out.append(("stream", o["name"], mask(o["text"])))
        elif o["output_type"] in ("display_data", "execute_result"):
            text = o["data"].get("text/plain", "")
            out.append((o["output_type"], mask("".join(text) if isinstance(text, list) else text), tuple(sorted(o["data"]))))
        elif o["output_type"] == "error":
            out.append(("error", o["ename"], mask(o["evalue"])))
    return out


async def open_kernels(server, name, count):
    """POSTs one kernel at a time and connects its WebSocket at once (a connected kernel is never culled)."""
    opened = []
    for _ in range(count):
        kid = await asyncio.get_running_loop().run_in_executor(None, server.start_kernel, name)
        opened.append((kid, await server.connect(kid)))
    return opened


async def run_lesson(sock, codes):
    results = []
    for code in codes:
        outputs, reply, seconds = await sock.execute(code)
        results.append((outputs, reply, seconds))
    return results


def resident(kernel_ids):
    sizes = []
    for kid in kernel_ids:
        pids = processes_of(kid)
        assert len(pids) == 1, (kid, pids)
        sizes.append(rss_mib(pids[0]))
    return sizes


@pytest.fixture()
def server():
    s = ServerProcess([f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE}", "--MappingKernelManager.cull_interval=1",
                       "--MappingKernelManager.cull_connected=False"])
    yield s
    s.stop()
    assert s.proc.returncode is not None


def test_a_class_of_thirty_then_culled(server):
    cells = lesson_cells()
    codes = [c.source for c in cells]

    async def scenario():
        t0 = time.monotonic()
        students = await open_kernels(server, "rnn", STUDENTS)
        opened = time.monotonic() - t0
        t1 = time.monotonic()
        runs = await asyncio.gather(*(run_lesson(sock, codes) for _, sock in students))
        wall = time.monotonic() - t1
        rnn_rss = resident([kid for kid, _ in students])
        # ipykernel through the same server, each after a cell, measured the same way.
        pythons = await open_kernels(server, "python3", IPYKERNELS)
        await asyncio.gather(*(sock.execute("h = [0.0, 0.0]\nfor x in [1, 1, 2]:\n    h = [x + 2 * v for v in h]\nh")
                               for _, sock in pythons))
        ipy_rss = resident([kid for kid, _ in pythons])
        # Listed while their WebSockets are open: once they close, the culler may take any kernel idle
        # for CULL_IDLE seconds at its next round, a second or less later.
        listed = {k["id"] for k in server.get("/api/kernels")}
        # The class ends: every WebSocket closes, and the kernels are left idle for the server to cull.
        for _, sock in students + pythons:
            sock.close()
        return [kid for kid, _ in students], [kid for kid, _ in pythons], runs, opened, wall, rnn_rss, ipy_rss, listed

    students, pythons, runs, opened, wall, rnn_rss, ipy_rss, listed = asyncio.run(scenario())

    # Every student saw the committed lesson's outputs.
    for outputs_per_cell in runs:
        for cell, (outputs, reply, _) in zip(cells, outputs_per_cell):
            assert reply["status"] == "ok", reply
            assert comparable(outputs) == comparable(cell.outputs), cell.source
    assert set(students) <= listed

    slowest = max(((s, i) for r in runs for i, (_, _, s) in enumerate(r)), key=lambda x: x[0])
    rnn_median, ipy_median = statistics.median(rnn_rss), statistics.median(ipy_rss)
    print(f"\n{STUDENTS} rnn kernels through one Jupyter Server: opened in {opened:.1f} s, lesson "
          f"{LESSON.name} ({len(cells)} cells) in all at once in {wall:.2f} s")
    print(f"slowest cell: {slowest[0]:.3f} s (cell {slowest[1] + 1}); median cell "
          f"{statistics.median(s for r in runs for _, _, s in r):.3f} s")
    print(f"resident memory per kernel (MiB): rnn median {rnn_median:.1f} (min {min(rnn_rss):.1f}, max {max(rnn_rss):.1f}, "
          f"total {sum(rnn_rss):.0f}); ipykernel median {ipy_median:.1f} over {IPYKERNELS} "
          f"(max {max(ipy_rss):.1f}); ratio {rnn_median / ipy_median:.3f} (goal <= 0.333)")
    print(f"the Jupyter Server itself: {rss_mib(server.proc.pid):.1f} MiB resident with all {STUDENTS + IPYKERNELS} kernels")
    assert rnn_median <= ipy_median / 3

    # Culling: with every WebSocket closed, the server's own cull_idle_timeout shuts the kernels down.
    everyone = students + pythons
    deadline = time.monotonic() + CULL_IDLE + 30
    while time.monotonic() < deadline and set(everyone) & {k["id"] for k in server.get("/api/kernels")}:
        time.sleep(0.5)
    left = set(everyone) & {k["id"] for k in server.get("/api/kernels")}
    assert not left, f"{len(left)} kernels were not culled:\n{server.output()}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(processes_of(kid) for kid in everyone):
        time.sleep(0.3)
    assert not any(processes_of(kid) for kid in everyone), "a culled kernel's process is still running"
    assert "Culling kernel" in server.output() or "culling" in server.output().lower()
    print(f"all {len(everyone)} kernels culled after {CULL_IDLE} s idle with no connection")


def test_a_kernel_in_use_is_not_culled(server):
    async def scenario():
        [(kid, sock)] = await open_kernels(server, "rnn", 1)
        await sock.execute("let x = 1")
        await asyncio.sleep(CULL_IDLE + 3)  # idle, but a front end is connected
        assert kid in {k["id"] for k in server.get("/api/kernels")}
        outputs, reply, _ = await sock.execute("x + 1")
        assert reply["status"] == "ok" and outputs[0]["data"]["text/plain"] == "2"
        sock.close()
        return kid

    kid = asyncio.run(scenario())
    server.request("DELETE", f"/api/kernels/{kid}")


def test_a_lesson_through_kernel_gateway():
    gateway = ServerProcess([], gateway=True)
    try:
        front = ServerProcess([f"--gateway-url={gateway.base}", f"--GatewayClient.auth_token={gateway.token}",
                               "--GatewayClient.request_timeout=60"])
        try:
            specs = front.get("/api/kernelspecs")["kernelspecs"]
            assert "rnn" in specs, sorted(specs)
            cells = lesson_cells()

            async def scenario():
                [(kid, sock)] = await open_kernels(front, "rnn", 1)
                results = await run_lesson(sock, [c.source for c in cells])
                sock.close()
                return kid, results

            kid, results = asyncio.run(scenario())
            # The kernel lives on the gateway, not beside the front server.
            assert kid in {k["id"] for k in gateway.get("/api/kernels")}
            for cell, (outputs, reply, _) in zip(cells, results):
                assert reply["status"] == "ok"
                assert comparable(outputs) == comparable(cell.outputs), cell.source
            front.request("DELETE", f"/api/kernels/{kid}")
            assert kid not in {k["id"] for k in gateway.get("/api/kernels")}
        finally:
            front.stop()
    finally:
        gateway.stop()
