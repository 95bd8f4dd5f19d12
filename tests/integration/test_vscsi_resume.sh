#!/usr/bin/env bash
# A backend that takes over a live ring (docs/vscsi.md, "Reviving a VIOS"): client-a's LU is attached
# through node 1 with `xvios scsi attach` and its frontend connects; then the frontend publishes 4
# WRITEs and an ABORT on the ring without an event, so node 1's engine never takes them: requests a
# dead backend owed. Node 1's processes are stopped and its backend dirs wiped (what a VIOS's death
# leaves: the frontend dir still Connected, its ring and event channel untouched), node 1 is
# started again, and `xvios scsi rebuild --vios 1 --resume` writes the backend dir alone. The new
# engine maps the ring at its response producer and answers every outstanding rqid exactly once
# (WRITEs GOOD, the ABORT 0x2002), and the written blocks read back; the frontend dir was never
# replaced (a WRITE that meets the new engine's power-on unit attention is retried, as scsi-ml does).
# Also: a second resume finds nothing to do.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
XS="$XVIOS_TESTS/vscsi_xs_tool"
xv() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }

up 1
client 7 client-a
lu=$(lu_file a 16)

xv scsi attach client-a "$lu" 0:0:0:0 --vios 1 >"$ROOT/attach.out" 2>&1 &
apid=$!
fe_wait 7 0 backend-id $VIOS1 20 || fail "attach wrote no frontend node"
front 7 $VIOS1 0 inquiry:0 await:attached stall:0:4:stalled close &
fpid=$!
wait $apid || { cat "$ROOT/attach.out"; fail "attach"; }
touch "$ROOT/attached"
wait_for 30 test -e "$ROOT/stalled" || { front_out 7 0; fail "the frontend did not publish its requests"; }
grep -q '^ok: 4 writes and an ABORT published without an event' "$ROOT/front-7-0.out" || { front_out 7 0; fail "stall step"; }
ok "client-a connected through node 1, then published 4 WRITEs and an ABORT the engine did not take"

# --- node 1 goes away (its processes stopped, its backend dirs wiped), the frontend dir stays Connected
for prog in xviosd backend; do
    pid=$(node_pid 1 $prog); [ -n "$pid" ] || fail "no $prog pid for node 1"
    kill -TERM "$pid"
    wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 1's $prog did not stop on SIGTERM"
done
"$XS" "$ROOT" rm /local/domain/$VIOS1/backend/vscsi || fail "wiping node 1's backend dirs"
[ "$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/state)" = 4 ] || fail "the frontend is no longer Connected"
ring_ref=$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/ring-ref)
# a plain rebuild refuses a frontend still engaged with the vanished vhost
timeout 60 "$XVIOS" --root "$ROOT" local start --node 1 >"$ROOT/start.out" 2>&1 || { cat "$ROOT/start.out"; fail "local start --node 1"; }
grep -q "^node 1: up$" "$ROOT/start.out" || { cat "$ROOT/start.out"; fail "node 1 did not come up"; }
xv scsi rebuild --vios 1 >"$ROOT/rebuild-plain.out" 2>&1 && { cat "$ROOT/rebuild-plain.out"; fail "a plain rebuild went ahead"; }
grep -q 'is still connected' "$ROOT/rebuild-plain.out" || { cat "$ROOT/rebuild-plain.out"; fail "the plain rebuild's refusal"; }
ok "node 1 restarted with its backend dirs wiped; a plain rebuild refuses the Connected frontend"

# --- the resume
xv scsi rebuild --vios 1 --resume --timeout 30000 >"$ROOT/rebuild.out" 2>&1 || { cat "$ROOT/rebuild.out"; fail "rebuild --resume"; }
grep -q 'resuming vhost 0 of domain 7 on node 1 (1 LUN), its frontend kept' "$ROOT/rebuild.out" &&
    grep -q '^node 1: 1 mapping recorded, 0 in place, 1 rebuilt, 0 failed$' "$ROOT/rebuild.out" ||
    { cat "$ROOT/rebuild.out"; fail "rebuild --resume output"; }
wait $fpid || { front_out 7 0; backend_log 1 | tail -n 20; fail "the outstanding requests were not answered once each"; }
front_out 7 0 | grep -q '^ok: all 5 outstanding rqids answered exactly once after the takeover' ||
    { front_out 7 0; fail "stall result"; }
front_out 7 0 | grep -q '^ok: the 4 blocks written through the new backend read back' || { front_out 7 0; fail "read-back"; }
grep -q 'vhost 7/0: ring resumed at response [0-9]*, 5 requests outstanding to answer' "$ROOT/nodes/1/backend.log" ||
    { backend_log 1 | tail -n 20; fail "the engine did not log the takeover"; }
[ "$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/ring-ref 2>/dev/null)" = "$ring_ref" ] ||
    fail "the frontend dir was replaced"
ok "the new engine took over the live ring: $(front_out 7 0 | sed -n 's/^ok: all 5 outstanding rqids answered exactly once after the takeover (\(.*\))$/\1,/p') the ABORT 0x2002, each rqid answered once; the data reads back"

xv scsi rebuild --vios 1 --resume >"$ROOT/rebuild2.out" 2>&1 || { cat "$ROOT/rebuild2.out"; fail "second rebuild --resume"; }
grep -q '^node 1: 1 mapping recorded, 1 in place, 0 rebuilt, 0 failed$' "$ROOT/rebuild2.out" ||
    { cat "$ROOT/rebuild2.out"; fail "a second resume did something"; }
ok "a second rebuild --resume finds the mapping in place"

# --- `xvios vios revive` is dom0's on Xen; on loopback it refuses cleanly (a loopback VIOS is processes)
printf 'name = "vios9"\ntype = "pv"\nmemory = 128\n' >"$ROOT/vios9.cfg"
xv vios revive "$ROOT/vios9.cfg" --domid 9 >"$ROOT/revive.out" 2>&1
rc=$?
[ $rc -eq 6 ] && grep -q 'the loopback platform cannot re-create domains' "$ROOT/revive.out" ||
    { cat "$ROOT/revive.out"; fail "vios revive on loopback: exit $rc"; }
xv vios revive "$ROOT/vios9.cfg" --domid $VIOS1 >"$ROOT/revive2.out" 2>&1
rc=$?
[ $rc -eq 6 ] && grep -q "domid $VIOS1 is in use" "$ROOT/revive2.out" ||
    { cat "$ROOT/revive2.out"; fail "vios revive of a domid in use: exit $rc"; }
xv vios revive "$ROOT/vios9.cfg" >/dev/null 2>&1 && fail "vios revive without --domid"
ok "vios revive: refused on loopback (exit 6), for a domid in use (exit 6), usage without --domid"
