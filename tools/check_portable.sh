#!/usr/bin/env bash
# Trains the committed experiment log's script once on every kernel build this processor runs
# (RNNKERNEL_ISA=baseline, avx2, avx512 on x86-64), with the one release binary, and checks that
# each gives the committed log (tests/fixtures/experiment.jsonl) bit for bit: the same losses,
# weight hashes and data hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${RNNKERNEL_BIN:-$PWD/.build/release/rnn-kernel}"
[ -x "$bin" ] || { echo "no release build: run make build first" >&2; exit 1; }
"$bin" --version
isas=$("$bin" --version | sed -n 's/.*available: \([a-z0-9, ]*\)).*/\1/p' | tr -d ,)
[ -n "$isas" ] || { echo "rnn-kernel --version names no kernel builds" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for isa in $isas; do
    mkdir -p "$work/$isa/tests/fixtures"
    cp tests/fixtures/make_experiment_log.rnn "$work/$isa/tests/fixtures/"
    (cd "$work/$isa" && RNNKERNEL_ISA=$isa "$bin" run tests/fixtures/make_experiment_log.rnn >/dev/null)
    python3 - "$isa" "$work/$isa/tests/fixtures/experiment.jsonl" tests/fixtures/experiment.jsonl <<'PY'
import json, sys
isa, new, old = sys.argv[1], *([json.loads(l) for l in open(p)] for p in sys.argv[2:])
keys = ("losses", "weights_sha256", "data_sha256")
diff = [(i, k) for i, (a, b) in enumerate(zip(new, old)) for k in keys if a.get(k) != b.get(k)]
if diff or len(new) != len(old):
    sys.exit(f"RNNKERNEL_ISA={isa} differs from the committed log at {diff or 'the entry count'}")
print(f"RNNKERNEL_ISA={isa}: {len(new)} log entries, losses and weight hashes identical to the committed log")
PY
done
