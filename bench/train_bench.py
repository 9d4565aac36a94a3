"""Training speed: our train statement in scripts/*.rnn against PyTorch's training loop (float64 and
float32, when .venv-bench has torch) and a numpy min-char-rnn's training loop; ratios and GFLOP/s
against the machine's measured float64 peak (bench/peak.c: multiply-adds on its widest vectors).

Loop against loop: each side's timed region is its training alone. Ours is the train statement's
time as the experiment log records it (`export log to` appended to the script: from the statement's
start to its end, the log's data fingerprint and weights hash included); PyTorch's and numpy's are
their scripts' perf_counter around the loop, after the data is made and the model built. Our whole
`rnn-kernel run` process (start-up, reading the corpus, building the model, the export) is timed too
and shown beside it ("process s"), with its ratio to numpy for min-char-rnn, so that what start-up
costs stays in view.

Each side runs several times in this one run, interleaved with the other (ours, theirs, ours, ...),
and keeps its best time: shared machines are noisy, and interleaving lets both sides see the same moments.
The short configs (well under a second of ours) take more pairs than the long ones: a 70 ms run is
the easiest to catch in a slow moment.
Two comparisons: every core on both sides (PyTorch's default threads, our shards on every core),
and one core on both sides (torch.set_num_threads(1), RNNKERNEL_THREADS=1).

BENCH_ISA=avx2 stands in for an AVX2 machine on a wider one: our kernels with RNNKERNEL_ISA=avx2,
PyTorch with ATEN_CPU_CAPABILITY=avx2 and MKL and oneDNN limited to AVX2, numpy with its AVX-512
dispatch targets disabled (NPY_DISABLE_CPU_FEATURES) and OpenBLAS's Haswell kernels, and the peak
measured on 4-lane vectors. Without BENCH_ISA, none of those overrides is passed on from the
environment, so every side runs its widest vectors. What each side says it uses is printed before
the tables, in both modes."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIGS = {  # kind, input, hidden, output, length, batch, steps
    "lstm-adding": ("lstm", 2, 64, 1, 50, 32, 300),
    "gru-adding": ("gru", 2, 64, 1, 50, 32, 300),
    "rnn-sine": ("rnn", 1, 32, 1, 50, 16, 300),
    "min-char-rnn": ("rnn", 27, 100, 27, 25, 1, 401),
    # Where the products dominate: 20 steps of hidden 256, batch 64, length 100.
    "lstm-large": ("lstm", 2, 256, 1, 100, 64, 20),
}
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
# rnn-sine and min-char-rnn: ours well under a second, so more pairs cost little.
SHORT = {"rnn-sine", "min-char-rnn"}
REPEATS_SHORT = int(os.environ.get("BENCH_REPEATS_SHORT", "9"))
ISA = os.environ.get("BENCH_ISA", "")


def flops(name):
    """Matrix-multiply flops of forward + backward (backward = 2x forward), the usual estimate."""
    kind, i, h, o, t, b, steps = CONFIGS[name]
    per_step = 2 * GATES[kind] * h * (i + h) + 2 * h * o
    return 3 * per_step * t * b * steps


def estimated_peak_per_core():
    """GHz x float64 flops a cycle: two FMA units of 8 lanes (AVX-512: 32), of 4 (AVX2+FMA: 16), else 4."""
    info = open("/proc/cpuinfo").read()
    flags = re.search(r"^flags\s*:(.*)$", info, re.M).group(1).split()
    mhz = max(float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M))
    per_cycle = 32 if "avx512f" in flags and ISA != "avx2" else 16 if ("avx2" in flags and "fma" in flags) else 4
    return mhz / 1000 * per_cycle


def peak_gflops_per_core():
    """(GFLOP/s, how it was found): bench/peak.c's independent multiply-adds on the widest vectors,
    one core, best of seven; the estimate from /proc/cpuinfo when no C compiler is at hand."""
    exe = os.path.join(ROOT, ".build", "bench-peak")
    for cc in ("cc", "clang", "gcc"):
        try:
            subprocess.run([cc, "-O2", "-o", exe, os.path.join(HERE, "peak.c")], check=True, capture_output=True)
            out = json.loads(subprocess.run([exe] + ([ISA] if ISA else []), check=True, capture_output=True, text=True).stdout)
            return out["gflops"], f"measured, {out['lanes']} doubles a vector"
        except (OSError, subprocess.CalledProcessError, ValueError):
            continue
    return estimated_peak_per_core(), "estimate from /proc/cpuinfo"


# What keeps each side to narrower vectors. BENCH_ISA=avx2 sets them all; without it none is passed
# on, since one left in the environment (a machine may set OPENBLAS_CORETYPE=Haswell for every
# process) would put one side on narrower vectors than the other and the ratios would not be fair.
ISA_OVERRIDES = ("RNNKERNEL_ISA", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA",
                 "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")
NUMPY_DISPATCH = ("import json\ntry:\n from numpy._core import _multiarray_umath as m\n"
                  "except ImportError:\n from numpy.core import _multiarray_umath as m\n")


def emulate_avx2(numpy_python):
    """BENCH_ISA=avx2: sets, for every process this run starts, what keeps each side to AVX2."""
    # numpy's names for its AVX-512 dispatch targets differ between versions: ask it for them.
    ask = NUMPY_DISPATCH + "print(json.dumps([f for f in m.__cpu_dispatch__ if f.startswith(('AVX512', 'X86_V4'))]))"
    wide = json.loads(subprocess.run([numpy_python, "-c", ask], check=True, capture_output=True, text=True).stdout)
    os.environ.update({"RNNKERNEL_ISA": "avx2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                       "ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": " ".join(wide)})


def drop_inherited_overrides():
    """Without BENCH_ISA: removes the overrides this process inherited; returns their names and values."""
    dropped = [f"{k}={os.environ[k]}" for k in ISA_OVERRIDES if k in os.environ]
    for k in ISA_OVERRIDES:
        os.environ.pop(k, None)
    return dropped


def sides_report(numpy_python, torch_python):
    """What numpy (its dispatch targets and its BLAS's kernels) and PyTorch (its CPU capability) say
    they use, asked of fresh processes under this run's environment, so the table says what ran."""
    check = (NUMPY_DISPATCH + "found = [f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)]\n"
             "try:\n from threadpoolctl import threadpool_info\n"
             " blas = [f\"{i.get('internal_api')} {i.get('architecture')}\" for i in threadpool_info() if i.get('user_api') == 'blas']\n"
             "except ImportError:\n blas = ['(threadpoolctl absent)']\nprint(json.dumps([found, blas]))")
    found, blas = json.loads(subprocess.run([numpy_python, "-c", "import numpy\n" + check], check=True,
                                            capture_output=True, text=True).stdout)
    # numpy lists every target it was built for that this machine has: the last is the widest.
    said = f"numpy dispatches up to {found[-1] if found else 'baseline only'}, BLAS {', '.join(blas) or 'none found'}"
    if torch_python:
        cap = subprocess.run([torch_python, "-c", "import torch; print(torch.backends.cpu.get_cpu_capability())"],
                             check=True, capture_output=True, text=True).stdout.strip()
        said += f"; PyTorch capability {cap}"
        if ISA:
            said += ", MKL and oneDNN limited to AVX2"
    return said


def kernel_build(binary):
    """The training kernels rnn-kernel chose (RNNKERNEL_ISA is passed through), from --version."""
    out = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    return out.split("training kernels ", 1)[-1]


def ours_once(binary, name, threads=None):
    """(train statement seconds, whole process seconds) of one `rnn-kernel run` of the config's script:
    the first from the experiment log the script exports at its end, the second timed around the process."""
    env = dict(os.environ)
    if threads:
        env["RNNKERNEL_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "log.jsonl")
        with open(os.path.join(HERE, "scripts", name + ".rnn")) as f:
            script = f.read().rstrip("\n") + f'\nexport log to "{log}"\n'
        t = time.perf_counter()
        subprocess.run([binary, "run", "-"], cwd=ROOT, check=True, input=script, text=True,
                       stdout=subprocess.DEVNULL, env=env)
        process = time.perf_counter() - t
        with open(log) as f:
            entries = [json.loads(line) for line in f]
    trains = [e["seconds"] for e in entries if e["statement"].startswith("train ")]
    if len(trains) != 1:
        sys.exit(f"bench/scripts/{name}.rnn: expected one train statement in its experiment log, found {len(trains)}")
    return trains[0], process


def torch_once(python, name, threads=None):
    """{dtype: seconds} from one torch_bench.py run of one config."""
    args = [python, os.path.join(HERE, "torch_bench.py")] + (["--threads", str(threads)] if threads else []) + [name]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return {r["dtype"]: r["seconds"] for r in map(json.loads, out.splitlines())}


def numpy_once():
    out = subprocess.run([sys.executable, os.path.join(HERE, "numpy_char_rnn.py"), os.path.join(HERE, "data", "corpus.txt")],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["seconds"]


def side_by_side(binary, name, threads, torch_py):
    """Best times of ours, torch float64/float32 and numpy for one config, their runs interleaved
    (ours, theirs, ours, theirs, ...) so that both sides see the same moments of a shared machine."""
    best = {}
    def keep(key, s):
        best[key] = min(best.get(key, s), s)
    for _ in range(REPEATS_SHORT if name in SHORT else REPEATS):
        train, process = ours_once(binary, name, threads)
        keep("ours", train)
        keep("process", process)
        if name == "min-char-rnn":
            keep("numpy", numpy_once())
        elif torch_py:
            for dtype, s in torch_once(torch_py, name, threads).items():
                keep(dtype, s)
    return best


def main():
    binary = os.environ.get("BENCH_BINARY") or os.path.join(ROOT, ".build", "release", "rnn-kernel")
    torch_py = os.environ.get("BENCH_TORCH_PYTHON")
    have_torch = bool(torch_py and os.path.exists(torch_py))
    cores = os.cpu_count()
    if ISA not in ("", "avx2"):
        sys.exit(f"BENCH_ISA={ISA}: only avx2 is emulated (leave it unset for the machine's widest vectors)")
    if ISA:
        emulate_avx2(sys.executable)
        print("emulating an AVX2 machine (BENCH_ISA=avx2)")
    else:
        dropped = drop_inherited_overrides()
        if dropped:
            print("not passed on from the environment (BENCH_ISA=avx2 sets these): " + " ".join(dropped))
    print("the other sides: " + sides_report(sys.executable, torch_py if have_torch else None))
    peak, how = peak_gflops_per_core()
    print(f"rnn-kernel training kernels: {kernel_build(binary)}")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start")
    print(f"machine: {cores} cores, float64 peak {peak:.1f} GFLOP/s a core ({how}; estimate {estimated_peak_per_core():.1f});"
          f" best of {REPEATS} interleaved runs each ({REPEATS_SHORT} for {' and '.join(sorted(SHORT))})")
    print("ours s: our train statement; process s: our whole `rnn-kernel run` (x process: numpy's loop against it);"
          " torch and numpy: their training loops")
    header = (f"{'config':14}{'cores':>6}{'ours s':>9}{'GFLOP/s':>9}{'%peak':>7}{'torch64 s':>11}{'x':>7}{'torch32 s':>11}{'x':>7}"
              f"{'numpy s':>9}{'x':>7}{'process s':>11}{'x process':>11}")
    ok = True
    one_core_ok = True
    # BENCH_SECTIONS=one (or all) runs one of the two comparisons, for a machine too busy for both.
    if set(os.environ.get("BENCH_CONFIGS", "lstm-adding").split(",")) - set(CONFIGS):
        sys.exit(f"BENCH_CONFIGS names configs outside {', '.join(CONFIGS)}")
    wanted = os.environ.get("BENCH_SECTIONS", "all,one").split(",")
    for label, threads in (("all", None), ("one", 1)):
        if label not in wanted:
            continue
        names = list(CONFIGS) if threads is None else ["lstm-adding", "min-char-rnn", "lstm-large"]
        # BENCH_CONFIGS=lstm-adding,min-char-rnn: only those (more pairs of the goals' configs in a busy moment).
        names = [n for n in names if n in os.environ.get("BENCH_CONFIGS", n).split(",")]
        print(f"\n{'every core on both sides' if threads is None else 'one core on both sides'}")
        print(header)
        used = cores if threads is None else 1
        for name in names:
            best = side_by_side(binary, name, threads, torch_py if have_torch else None)
            s = best["ours"]
            g = flops(name) / s / 1e9
            row = f"{name:14}{used:6}{s:9.3f}{g:9.2f}{100 * g / (peak * used):7.1f}"
            t64, t32 = best.get("float64"), best.get("float32")
            row += f"{t64:11.2f}{t64 / s:7.2f}" if t64 else f"{'-':>11}{'-':>7}"
            row += f"{t32:11.2f}{t32 / s:7.2f}" if t32 else f"{'-':>11}{'-':>7}"
            if name == "min-char-rnn":
                # numpy's loop is single-threaded, and batch 1 is one shard: one core either way.
                numpy_s = best["numpy"]
                row += f"{numpy_s:9.3f}{numpy_s / s:7.2f}{best['process']:11.3f}{numpy_s / best['process']:11.2f}"
                ok &= numpy_s / s >= 10
            else:
                row += f"{'-':>9}{'-':>7}{best['process']:11.3f}{'-':>11}"
            if name == "lstm-adding" and t64:
                met = t64 / s >= 3 and t32 / s >= 1
                if threads is None:
                    ok &= met
                else:
                    one_core_ok &= met
            print(row, flush=True)
    print(f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    print("goals: lstm-adding >= 3x torch float64 and >= 1x torch float32; min-char-rnn >= 10x numpy"
          + ("" if have_torch else "  (torch not measured: make bench TORCH=1)"))
    where = "every core on both sides; min-char-rnn on both" if "all" in wanted else "min-char-rnn"
    print(f"goals met ({where})" if ok else f"goals MISSED ({where})")
    if have_torch and "one" in wanted:
        print("lstm-adding on one core: " + ("goal met too" if one_core_ok else "goal missed (see the table)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
