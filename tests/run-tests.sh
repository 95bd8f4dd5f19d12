#!/usr/bin/env bash
# run-tests.sh UNIT_BINARY... -- INTEGRATION_SCRIPT...
# Runs every cmocka unit test binary and every loopback integration script,
# one line each, then the summary line "N passed, N failed". Exit status 0
# only if nothing failed. Output of a failing test is shown in full; of a
# passing one, only the cmocka summary lines. XVIOS_IT_TIMEOUT: seconds an
# integration script may take (default 600).
set -u
pass=0; fail=0; failed=()
logdir=${XVIOS_TEST_LOGS:-build/test-logs}
mkdir -p "$logdir"
run_one() {
    local kind=$1 t=$2 name log rc start end
    name=$(basename "$t"); name=${name%.sh}
    log=$logdir/$name.log
    start=$(date +%s.%N)
    if [ "$kind" = unit ]; then
        timeout 300 "$t" >"$log" 2>&1; rc=$?
    else
        timeout "${XVIOS_IT_TIMEOUT:-600}" bash "$t" >"$log" 2>&1; rc=$?
    fi
    end=$(date +%s.%N)
    local secs; secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
    if [ $rc -eq 0 ]; then
        pass=$((pass+1)); printf 'PASS %-8s %-36s %6ss\n' "$kind" "$name" "$secs"
        grep -E '^\[ *(PASSED|FAILED) *\]|^\[==========\] .* ran' "$log" | sed 's/^/     /'
    else
        fail=$((fail+1)); failed+=("$name")
        printf 'FAIL %-8s %-36s %6ss (exit %d)\n' "$kind" "$name" "$secs" "$rc"
        sed 's/^/     | /' "$log" | tail -n 80
    fi
}
mode=unit
for a in "$@"; do
    if [ "$a" = "--" ]; then mode=integration; continue; fi
    run_one "$mode" "$a"
done
echo
[ $fail -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
