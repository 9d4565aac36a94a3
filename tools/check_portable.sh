#!/usr/bin/env bash
# Builds rnn-kernel for any x86-64 (no AVX2, FMA in software) and checks that it trains to the same
# bits as the committed experiment log: the same losses and the same weight hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
RNNKERNEL_PORTABLE=1 swift build -c release --static-swift-stdlib --scratch-path .build-portable
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tests/fixtures"
cp tests/fixtures/make_experiment_log.rnn "$work/tests/fixtures/"
(cd "$work" && "$OLDPWD/.build-portable/release/rnn-kernel" run tests/fixtures/make_experiment_log.rnn >/dev/null)
python3 - "$work/tests/fixtures/experiment.jsonl" tests/fixtures/experiment.jsonl <<'PY'
import json, sys
new, old = ([json.loads(l) for l in open(p)] for p in sys.argv[1:])
keys = ("losses", "weights_sha256", "data_sha256")
diff = [(i, k) for i, (a, b) in enumerate(zip(new, old)) for k in keys if a.get(k) != b.get(k)]
if diff or len(new) != len(old):
    sys.exit(f"the portable build differs from the committed log at {diff or 'the entry count'}")
print(f"portable build: {len(new)} log entries, losses and weight hashes identical")
PY
