"""Kernel costs side by side through the same jupyter_client: start-up to the first kernel_info reply,
a trivial execute round trip, and idle resident memory, for `rnn` and ipykernel's `python3`."""
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

ROUNDS = int(__import__("os").environ.get("BENCH_ROUNDS", "5"))
TRIPS = 50
CODE = {"rnn": "1 + 1", "python3": "1 + 1"}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def measure_round(name, starts, trips, rss):
    """One start, TRIPS round trips and the idle memory of one kernel, appended to the lists."""
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    # Start-up is measured to the first kernel_info reply itself. wait_for_ready() would add
    # jupyter_client's own fixed pauses (it drains IOPub for 0.2 s after the reply) to both kernels.
    # The request is queued by ZeroMQ until the kernel has bound its shell socket.
    msg_id = kc.kernel_info()
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    starts.append(time.perf_counter() - t0)
    kc.wait_for_ready(timeout=60)
    kc.execute_interactive(CODE[name], timeout=30, output_hook=lambda m: None)  # warm
    for _ in range(TRIPS):
        t = time.perf_counter()
        kc.execute_interactive(CODE[name], timeout=30, output_hook=lambda m: None)
        trips.append(time.perf_counter() - t)
    time.sleep(0.5)
    rss.append(rss_kib(km.provisioner.process.pid))
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def measure_both():
    """Medians for ours and ipykernel, their rounds interleaved (ours, theirs, ours, ...) so that
    both sides see the same moments of a shared machine."""
    lists = {name: ([], [], []) for name in ("rnn", "python3")}
    for _ in range(ROUNDS):
        for name, (starts, trips, rss) in lists.items():
            measure_round(name, starts, trips, rss)
    return [tuple(statistics.median(v) for v in lists[name]) for name in ("rnn", "python3")]


def main():
    ours, theirs = measure_both()
    print(f"{'':24}{'rnn':>12}{'ipykernel':>12}{'ratio':>10}{'goal':>8}")
    rows = [("start to kernel_info (s)", 0, 0.1), ("execute round trip (ms)", 1, 1 / 3), ("idle RSS (MiB)", 2, 1 / 3)]
    ok = True
    for label, i, goal in rows:
        a, b = ours[i], theirs[i]
        if i == 1:
            a, b = a * 1000, b * 1000
        if i == 2:
            a, b = a / 1024, b / 1024
        ratio = a / b
        ok &= ratio <= goal
        print(f"{label:24}{a:12.3f}{b:12.3f}{ratio:10.3f}{'<= %.2f' % goal:>8}{'' if ratio <= goal else '  MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
