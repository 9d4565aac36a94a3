#!/usr/bin/env bash
# make swift-test: `swift test` with a watchdog and a short log. A hang fails within SWIFT_TEST_TIMEOUT seconds
# (default 1200) naming the test that was running, instead of running into CI's limit; passing tests are not
# echoed (CI keeps only part of a long output), failures and the summaries are. The whole log is in .build/swift-test.log.
set -uo pipefail
cd "$(dirname "$0")/.."
limit=${SWIFT_TEST_TIMEOUT:-1200}
log=.build/swift-test.log
mkdir -p .build
timeout -k 30 "$limit" swift test "$@" > "$log" 2>&1
status=$?
grep -vE "^Test (Case|Suite) '.*' (started|passed)|^[[:space:]]+Executed [0-9]+ tests?, with 0 failures|^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting|Linking|Building|Running|Applying)" "$log" | tail -n 200
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo "swift test did not finish within $limit s; the last test started:"
    grep -E "^Test Case '.*' started" "$log" | tail -n 1
    grep -E "^Test Case '.*' started" "$log" | tail -n 1 | grep -q . || tail -n 20 "$log"
fi
[ "$status" = 0 ] || echo "swift test failed (exit $status); whole log: $log"
exit "$status"
