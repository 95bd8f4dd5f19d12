#!/usr/bin/env bash
# The LU I/O error alert (docs/api.md, "Events") on a 2-VIOS loopback cluster. Every VIOS's path
# monitor publishes, per LU, the count of I/O errors its engine met (io-errors in its path entry;
# counted without the probes: test_dsa); every daemon watches the entries and raises lu-io-errors when
# a count grows. Here the count of VIOS 1's entry grows as its monitor would write it (the loopback
# fault switch fails a path before an engine's I/O meets the error: the probe wins the race), and
# node 2's alert subscriber gets one event per growth, none for a rewrite of the same count; a
# lifecycle subscriber gets none; the path object shows the count.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

x() { timeout 60 "$XVIOS" --root "$ROOT" "$@"; }
up 2
"$XVIOS" --root "$ROOT" --node 2 --json events --category alert >"$ROOT/alert2.json" 2>/dev/null &
"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle --type LU >"$ROOT/life2.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 3'" \
    || fail "the event streams did not attach"
backing=$(lu_file lu 16)
x lu create lu1 --size 8M --backing "$backing" >/dev/null || fail "lu create"
entry=/xvios/nodes/1/paths/lu1
wait_for 20 sh -c "[ \"\$('$XS_TOOL' '$ROOT' read $entry/state 2>/dev/null)\" = good ]" \
    || fail "VIOS 1 never published its path to lu1"
[ "$("$XS_TOOL" "$ROOT" read $entry/io-errors)" = 0 ] || fail "io-errors is not 0 on a sound path"
sleep 1
! grep -q lu-io-errors "$ROOT/alert2.json" || { cat "$ROOT/alert2.json"; fail "an I/O error alert before any error"; }
ok "VIOS 1 publishes io-errors 0 for lu1; no alert"

count() { grep -c '"event": "lu-io-errors"' "$ROOT/alert2.json"; }
"$XS_TOOL" "$ROOT" write $entry/io-errors 3 || fail "write io-errors"
wait_for 20 grep -q '"event": "lu-io-errors", "node": 1, "lu": "lu1", "errors": "3", "new": "3"' "$ROOT/alert2.json" \
    || { cat "$ROOT/alert2.json"; fail "node 2 saw no lu-io-errors for node 1's lu1"; }
"$XS_TOOL" "$ROOT" write $entry/io-errors 3 || fail "rewrite io-errors"
"$XS_TOOL" "$ROOT" write $entry/io-errors 5 || fail "write io-errors"
wait_for 20 grep -q '"errors": "5", "new": "2"' "$ROOT/alert2.json" || { cat "$ROOT/alert2.json"; fail "no event for 3 -> 5"; }
[ "$(count)" -eq 2 ] || { cat "$ROOT/alert2.json"; fail "$(count) lu-io-errors events, wanted 2 (a rewrite is no news)"; }
"$XS_TOOL" "$ROOT" write $entry/io-errors x7 || fail "write io-errors"
sleep 0.5
[ "$(count)" -eq 2 ] || fail "a malformed count raised an event"
"$XS_TOOL" "$ROOT" write $entry/io-errors 5 || fail "write io-errors"
printf '<vioRequest version="1"><path action="get" node="1" key="lu1"/></vioRequest>' | x --node 2 api >"$ROOT/resp" \
    || { cat "$ROOT/resp"; fail "path get"; }
grep -q 'ioErrors="5"' "$ROOT/resp" || { cat "$ROOT/resp"; fail "path get: no ioErrors=5"; }
ok "io-errors 0 -> 3 -> 3 -> 5: node 2's alert stream got two lu-io-errors (new 3, new 2); malformed ignored; path get shows 5"
! grep -q lu-io-errors "$ROOT/life2.json" || fail "a lifecycle-only subscriber got an alert"
ok "alerts stay in their category"
