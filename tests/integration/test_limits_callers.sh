#!/usr/bin/env bash
# Issue 10 items 9 and 10 on api.sock: 64 connections that never say HELLO
# do not lock callers out (a new caller takes the slot of the oldest silent
# one; each is closed at its 2 s HELLO deadline), and 63 callers that never
# read their answers cannot take xviosd's memory past the total output
# budget (32 MiB): the caller holding the most is dropped.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
ABUSE="$XVIOS_TESTS/conn_abuse"
# freed memory is handed back at once, so that the daemon's peak RSS is its real use
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:thread_local_quarantine_size_kb=64"

up 2
API1="$ROOT/nodes/1/api.sock"

# item 9: 64 silent connections
timeout 60 "$ABUSE" idle "$API1" 64 6 >"$ROOT/idle.out" &
idle=$!
sleep 1
start=$(date +%s%N)
timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 >"$ROOT/ping.out" 2>&1 || { cat "$ROOT/ping.out"; fail "a caller was locked out by 64 silent connections"; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait $idle
cat "$ROOT/idle.out"
closed=$(sed -n 's/.*closed_by_peer=\([0-9]*\).*/\1/p' "$ROOT/idle.out")
[ "${closed:-0}" -eq 64 ] || fail "only ${closed:-0} of 64 silent connections were closed"
grep -q "said no HELLO within" "$ROOT/nodes/1/xviosd.log" || fail "the HELLO deadline was not logged"
ok "64 silent connections: a caller got in ($ms ms), all 64 closed"

# item 10: 63 callers, each with up to 60 unread 60 KiB answers (3.5 MiB each, under its own share)
pid=$(node_pid 1 xviosd)
rss0=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
timeout 120 "$ABUSE" hog "$API1" 63 20 60 >"$ROOT/hog.out" &
hog=$!
wait_for 60 grep -q "hog: ready" "$ROOT/hog.out" || fail "the hog did not get ready"
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
timeout 30 "$XVIOS" --root "$ROOT" --node 1 --json nodes >"$ROOT/n1.json" || fail "nodes while hogged"
wait $hog
cat "$ROOT/hog.out"
echo "xviosd RSS: before ${rss0} kB, peak ${hwm} kB, while hogged ${rss} kB"
json_check "$ROOT/n1.json" '[o for o in j if o["node"] == 1][0]["caller_out_peak"] <= 32 * 1048576' \
    || fail "callers' queued answers exceeded the 32 MiB budget"
json_check "$ROOT/n1.json" '[o for o in j if o["node"] == 1][0]["callers_dropped"] >= 40' \
    || fail "callers over their share were not dropped"
grep -q "dropping caller .* which holds the most" "$ROOT/nodes/1/xviosd.log" || fail "the budget drop was not logged"
# 63 x 3.5 MiB would be 220 MiB; the budget is 32 MiB (plus the sanitizer's own overhead)
[ $((hwm - rss0)) -lt $((120 * 1024)) ] || fail "xviosd grew by $(( (hwm - rss0) / 1024 )) MiB"
timeout 30 "$XVIOS" --root "$ROOT" --node 1 ping 2 | grep -q alive || fail "node 1 after the hog"
ok "63 callers that do not read: xviosd grew by $(( (hwm - rss0) / 1024 )) MiB at most"
