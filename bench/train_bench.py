"""Training speed: our whole `rnn-kernel run` process on scripts/*.rnn against PyTorch's training loop
alone (float64 and float32, when .venv-bench has torch) and a numpy min-char-rnn; ratios and GFLOP/s
against an estimate of the machine's float64 peak."""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIGS = {  # kind, input, hidden, output, length, batch, steps
    "lstm-adding": ("lstm", 2, 64, 1, 50, 32, 300),
    "gru-adding": ("gru", 2, 64, 1, 50, 32, 300),
    "rnn-sine": ("rnn", 1, 32, 1, 50, 16, 300),
    "min-char-rnn": ("rnn", 27, 100, 27, 25, 1, 401),
}
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def flops(name):
    """Matrix-multiply flops of forward + backward (backward = 2x forward), the usual estimate."""
    kind, i, h, o, t, b, steps = CONFIGS[name]
    per_step = 2 * GATES[kind] * h * (i + h) + 2 * h * o
    return 3 * per_step * t * b * steps


def peak_gflops():
    """Cores x GHz x float64 flops a cycle (FMA: 16 with AVX-512, 8 with AVX2, else 4); an estimate."""
    info = open("/proc/cpuinfo").read()
    flags = re.search(r"^flags\s*:(.*)$", info, re.M).group(1).split()
    mhz = max(float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M))
    per_cycle = 16 if "avx512f" in flags else 8 if ("avx2" in flags and "fma" in flags) else 4
    return os.cpu_count() * mhz / 1000 * per_cycle


def ours(binary, name):
    t = time.perf_counter()
    subprocess.run([binary, "run", os.path.join(HERE, "scripts", name + ".rnn")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    binary = os.path.join(ROOT, ".build", "release", "rnn-kernel")
    torch_py = os.environ.get("BENCH_TORCH_PYTHON")
    torch_times = {}
    if torch_py and os.path.exists(torch_py):
        out = subprocess.run([torch_py, os.path.join(HERE, "torch_bench.py"), "lstm-adding", "gru-adding", "rnn-sine"],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            torch_times[(r["config"], r["dtype"])] = r["seconds"]
    numpy_out = subprocess.run([sys.executable, os.path.join(HERE, "numpy_char_rnn.py"),
                                os.path.join(HERE, "data", "corpus.txt")], check=True, capture_output=True, text=True)
    numpy_s = json.loads(numpy_out.stdout)["seconds"]
    peak = peak_gflops()
    print(f"machine float64 peak (estimate): {peak:.1f} GFLOP/s")
    print(f"{'config':14}{'ours s':>9}{'GFLOP/s':>9}{'%peak':>7}{'torch64 s':>11}{'x':>7}{'torch32 s':>11}{'x':>7}{'numpy s':>9}{'x':>7}")
    ok = True
    for name in CONFIGS:
        s = ours(binary, name)
        g = flops(name) / s / 1e9
        row = f"{name:14}{s:9.2f}{g:9.2f}{100 * g / peak:7.1f}"
        t64, t32 = torch_times.get((name, "float64")), torch_times.get((name, "float32"))
        row += f"{t64:11.2f}{t64 / s:7.2f}" if t64 else f"{'-':>11}{'-':>7}"
        row += f"{t32:11.2f}{t32 / s:7.2f}" if t32 else f"{'-':>11}{'-':>7}"
        if name == "min-char-rnn":
            row += f"{numpy_s:9.2f}{numpy_s / s:7.2f}"
            ok &= numpy_s / s >= 10
        if name == "lstm-adding" and t64:
            ok &= t64 / s >= 3 and t32 / s >= 1
        print(row)
    print("goals: lstm-adding >= 3x torch float64 and >= 1x torch float32; min-char-rnn >= 10x numpy"
          + ("" if torch_times else "  (torch not measured: make bench TORCH=1)"))
    print("goals met" if ok else "goals MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
