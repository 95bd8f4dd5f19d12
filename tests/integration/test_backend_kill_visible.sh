#!/usr/bin/env bash
# Issue 10, the last gap: a receipt is never followed by a silent loss, even
# when the receiving backend (its VKE) is killed with SIGKILL. The VKE
# journals every message it receipts and holds for its daemon
# (RUNDIR/vke-held.journal); the restarted backend logs each one still open
# as lost (sender, txid, epoch) and counts it (vke_up_lost_restart).
#  1. node 2's daemon stopped: 20 sends DELIVERED (written to the stopped
#     daemon's socket, unacknowledged); backend and daemon killed, node 2
#     restarted: exactly those 20 logged and counted, none seen.
#  2. node 2's daemon detached: 10 sends DELIVERED and held by the VKE;
#     backend killed: those 10 logged "holding it" and counted.
#  3. a clean stop (SIGTERM) leaves nothing to report at the next start.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
MT=$XVIOS_TESTS/msg_tool

up 2 --timeout 1000 --retries 1
seen=$ROOT/seen.txt
"$MT" "$ROOT" 2 listen "$seen" 2>"$ROOT/listen.err" &
lpid=$!
trap 'rc=$?; kill -TERM $lpid 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for 20 grep -q subscribed "$seen" || fail "the listener did not subscribe"
BLOG=$ROOT/nodes/2/backend.log

node_key() {   # node_key NODE KEY
    timeout 10 "$XVIOS" --root "$ROOT" --node "$1" --json nodes >"$ROOT/nk.json" || return 1
    python3 -c 'import json,sys; print([o for o in json.load(open(sys.argv[1])) if o["node"] == int(sys.argv[2])][0].get(sys.argv[3], "absent"))' \
        "$ROOT/nk.json" "$1" "$2"
}
key_is() { [ "$(node_key "$1" "$2" 2>/dev/null)" = "$3" ]; }   # key_is NODE KEY VALUE
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
kill_wait() {   # kill_wait SIGNAL PID
    kill -"$1" "$2"
    wait_for 20 gone "$2" || fail "pid $2 did not die on SIG$1"
}
start2() { timeout 60 "$XVIOS" --root "$ROOT" local start --node 2 >/dev/null || fail "restarting node 2"; }
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
# the (sender, txid, epoch) of every restart loss logged on node 2 for sends tagged like $1, distinct
lost_ids() {
    grep -o "message from node [0-9]* (txid 0x[0-9a-f]*, epoch [0-9]*, type [0-9]*) lost: the previous xvios-backend died $1" \
        "$BLOG" | sort -u | wc -l
}

# ---- 1: daemon stopped, backend killed
dpid=$(node_pid 2 xviosd); bpid=$(node_pid 2 backend)
kill -STOP "$dpid"
timeout 60 "$MT" "$ROOT" 1 send 20 stopped --to 2 --receipt >"$ROOT/stopped.out" || fail "sending 20"
[ "$(count '2:DELIVERED' "$ROOT/stopped.out")" -eq 20 ] || fail "the 20 sends to a stopped daemon were not DELIVERED"
sleep 0.3
kill_wait KILL "$bpid"
kill_wait KILL "$dpid"          # what was written to its socket dies with it
[ -s "$ROOT/nodes/2/vke-held.journal" ] || fail "the killed backend left no journal"
start2
wait_for 20 key_is 2 vke_up_lost_restart 20
n=$(node_key 2 vke_up_lost_restart)
[ "$n" = 20 ] || fail "vke_up_lost_restart = $n, want 20"
n=$(lost_ids "before its daemon acknowledged it")
[ "$n" -eq 20 ] || fail "$n distinct messages logged as lost with the killed backend, want 20"
grep "lost: the previous xvios-backend died" "$BLOG" | grep -vq "message from node 1 " && fail "a loss names another sender"
sleep 1
[ "$(count 'data=stopped-' "$seen")" -eq 0 ] || fail "a message lost with the backend was seen"
ok "daemon stopped, backend SIGKILLed: the 20 DELIVERED messages logged and counted (vke_up_lost_restart=20)"

# ---- 2: daemon detached, messages held by the VKE, backend killed
dpid=$(node_pid 2 xviosd); bpid=$(node_pid 2 backend)
kill_wait TERM "$dpid"
timeout 60 "$MT" "$ROOT" 1 send 10 held --to 2 --receipt >"$ROOT/held.out" || fail "sending 10"
[ "$(count '2:DELIVERED' "$ROOT/held.out")" -eq 10 ] || fail "the 10 sends to a detached daemon were not DELIVERED"
kill_wait KILL "$bpid"
start2
wait_for 20 key_is 2 vke_up_lost_restart 10
n=$(node_key 2 vke_up_lost_restart)
[ "$n" = 10 ] || fail "vke_up_lost_restart = $n after the second kill, want 10 (this incarnation's)"
n=$(lost_ids "holding it for its daemon")
[ "$n" -eq 10 ] || fail "$n distinct held messages logged as lost, want 10"
sleep 1
[ "$(count 'data=held-' "$seen")" -eq 0 ] || fail "a held message lost with the backend was seen"
timeout 10 "$XVIOS" --root "$ROOT" --node 2 nodes >"$ROOT/nodes.txt" || fail "xvios nodes"
grep -qE '^ +lost: .*vke_up_lost_restart=10' "$ROOT/nodes.txt" || { cat "$ROOT/nodes.txt"; fail "xvios nodes does not show it"; }
ok "daemon detached, backend SIGKILLed: the 10 held messages logged and counted, shown by xvios nodes"

# ---- 3: a clean stop reports nothing at the next start; traffic goes on
timeout 60 "$MT" "$ROOT" 1 send 5 after --to 2 --receipt >"$ROOT/after.out" || fail "sending 5"
wait_for 20 sh -c "[ \$(grep -c 'data=after-' '$seen') -ge 5 ]" || fail "the subscriber did not see the 5 later messages"
# nothing held: every slot of the journal says done (state 3 at bytes 6..7 of each 64-byte record)
python3 - "$ROOT/nodes/2/vke-held.journal" <<'PY' || fail "the journal holds an open record with nothing held"
import struct, sys
b = open(sys.argv[1], "rb").read()
sys.exit(0 if len(b) % 64 == 0 and all(struct.unpack_from("<H", b, o + 6)[0] == 3 for o in range(0, len(b), 64)) else 1)
PY
before=$(count "lost: the previous xvios-backend died" "$BLOG")
kill_wait TERM "$(node_pid 2 backend)"
start2
wait_for 20 key_is 2 vke_up_lost_restart 0
[ "$(node_key 2 vke_up_lost_restart)" = 0 ] || fail "a clean stop left losses to report"
[ "$(count "lost: the previous xvios-backend died" "$BLOG")" -eq "$before" ] || fail "a clean stop was followed by losses"
ok "a clean stop: nothing to report at the next start"
