#!/usr/bin/env bash
# A client that vanishes with 16 writes in flight: the engine answers them
# into a ring nobody reads, frees the vhost once the toolstack removes its
# nodes, and keeps serving another client. At shutdown the sanitizers (the
# backend runs under ASan in `make check`) report no leak and no error.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

up 1
client 7 client-a
client 8 client-b
vscsi_attach $VIOS1 7 0 0 "$(lu_file a 32)" 0:0:0:0
vscsi_attach $VIOS1 8 0 0 "$(lu_file b 32)" 0:0:0:0
front 8 $VIOS1 0 busy:0:6 close &
bpid=$!
front 7 $VIOS1 0 vanish:0
grep -q '^ok: 16 writes in flight, vanishing' "$ROOT/front-7-0.out" || { front_out 7 0; fail "client A did not vanish as planned"; }
ok "client A killed itself with 16 writes in flight"
vscsi_remove $VIOS1 7 0
wait_for 10 grep -q 'vhost 7/0: gone' "$ROOT/nodes/1/backend.log" || fail "vhost 7/0 not freed"
wait_for 10 grep -q 'LU .*lu-a.img closed' "$ROOT/nodes/1/backend.log" || fail "client A's LU not closed"
ok "the vanished client's vhost and LU were freed"
wait $bpid
rc=$?
front_out 8 0
[ $rc -eq 0 ] || fail "client B was disturbed"
ok "client B was served throughout"
# stop the backend now: its exit runs the leak check; cleanup() greps the logs for sanitizer reports
timeout 30 "$XVIOS" --root "$ROOT" local down >/dev/null 2>&1 || fail "local down"
if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ROOT"/nodes/1/backend.log; then
    fail "sanitizer report"
fi
grep -q 'main(): stopping' "$ROOT/nodes/1/backend.log" || fail "backend did not stop cleanly"
ok "backend stopped cleanly, no sanitizer report"
