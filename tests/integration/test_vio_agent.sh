#!/usr/bin/env bash
# dom0's agent (docs/api.md, "The dom0 agent") on a 3-node loopback cluster with the vSCSI engine. Without
# an agent, what only dom0 may write asked of a VIOS (a new vhost, an LU create, a pool create) is refused
# DOM0_ONLY naming `xvios agent`, and nothing changes. A registration on a node's caller socket is refused
# (only the management link may carry dom0's agent). With `xvios agent` running in dom0 (registered on
# every member's management link): a mapping create for a NEW vhost asked of node 2 is made by dom0 (the
# backend and frontend dirs with libxl's permissions, the VTD record; the loopback frontend reads the
# LUN; a subscriber on node 2 sees dom0's Lifecycle event announced through node 2); an LU create asked
# of node 2 lands in the pool; a pool create (not in --allow) is refused DOM0_ONLY; node 3's daemon
# restarted, the agent registers on it again, and the delete of the vhost's last LUN asked of node 3
# removes the vhost. The agent stopped: the caller gets UNAVAILABLE at
# the node's deadline; the agent killed while a request waits: UNAVAILABLE at once; nothing half-written
# either way. An agent serving node 1 only, allowed pools: a pool create asked of node 1 lands, asked of
# node 2 it is DOM0_ONLY.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
VT="$XVIOS_TESTS/vio_tool"
XS="$XVIOS_TESTS/vscsi_xs_tool"
VIOS2=102

R() { printf '<vioRequest version="1">%s</vioRequest>' "$1"; }
xv() { timeout 90 "$XVIOS" --root "$ROOT" "$@"; }
# ask NODE XML WANT_RC [OUT]: the request to that node's daemon (root on the VIOS), answer in $ROOT/${OUT:-resp}
ask() {
    local rc out=$ROOT/${4:-resp}
    printf '%s' "$2" | timeout 60 "$VT" "$ROOT" "$1" send >"$out" 2>&1; rc=$?
    [ $rc -eq "$3" ] || { cat "$out"; fail "asked of node $1: exit $rc, wanted $3: $2"; }
}
has() { grep -q -- "$1" "$ROOT/${2:-resp}" || { cat "$ROOT/${2:-resp}"; fail "the answer lacks $1"; }; }
exc() { has 'status="exception"' "${2:-resp}"; has "<VIOException code=\"$1\">[^<]" "${2:-resp}"; }
# every VIOS's backend nodes, the clients' frontend nodes, the VTD table and the pool, with their values
snapshot() {
    find "$ROOT" \( -path '*backend/vscsi*' -o -path '*device/vscsi*' -o -path '*xvios/vtds*' -o -path '*xvios/lus*' \
        -o -path '*xvios/pools*' \) -type f | sort | while read -r f; do printf '%s=%s\n' "$f" "$(cat "$f")"; done \
        >"$ROOT/snap.$1"
}
same() { cmp -s "$ROOT/snap.$1" "$ROOT/snap.$2" || { diff "$ROOT/snap.$1" "$ROOT/snap.$2"; fail "$3 changed something"; }; }
agent_start() {   # agent_start NAME [OPTIONS]: `xvios agent` in the background, its log in $ROOT/agent.NAME
    local name=$1; shift
    XVIOS_LOG=info "$XVIOS" --root "$ROOT" agent "$@" >"$ROOT/agent.$name" 2>&1 &
    apid=$!
}
registered() {   # registered NODE COUNT: node's daemon logged COUNT agent registrations
    [ "$(grep -c "dom0's agent registered on the management link" "$ROOT/nodes/$1/xviosd.log")" -ge "$2" ]
}

up 3
client 7 client-a
lu=$(lu_file a 16)
lu3=$(lu_file c 8)
xv --node 3 lu create db1 --size 16M --backing "$lu" >/dev/null 2>&1 || fail "lu create db1"

"$XVIOS" --root "$ROOT" --node 2 --json events --category lifecycle >"$ROOT/ev2.json" 2>/dev/null &
wait_for 20 sh -c "timeout 10 '$XVIOS' --root '$ROOT' --node 2 --json nodes | grep -q '\"node\": 2, .*\"callers\": 2'" \
    || fail "the event stream on node 2 did not attach"

# --- no agent: DOM0_ONLY naming it; nothing changes; a registration on the caller socket refused
snapshot before
ask 2 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:0" lu="db1" node="2"/>')" 6
exc DOM0_ONLY; has 'a new adapter needs dom0'; has 'no dom0 agent is connected (xvios agent)'
ask 2 "$(R "<lu action=\"create\" name=\"db3\" backing=\"$lu3\" size=\"8388608\"/>")" 6
exc DOM0_ONLY; has 'no dom0 agent is connected (xvios agent)'
ask 2 "$(R '<pool action="create" name="gold" access="client-a"/>')" 6
exc DOM0_ONLY; has 'no dom0 agent is connected (xvios agent)'
snapshot after
same before after "a refused request"
"$VT" "$ROOT" 2 agent >"$ROOT/impostor" 2>&1; rc=$?
[ $rc -eq 6 ] || { cat "$ROOT/impostor"; fail "a registration on node 2's caller socket: exit $rc, wanted 6 (refused)"; }
grep -q "tried to register as dom0's agent on the caller socket: refused" "$ROOT/nodes/2/xviosd.log" \
    || fail "node 2 did not log the refused registration"
ok "no agent: a new vhost, an LU create and a pool create asked of node 2 refused DOM0_ONLY naming 'xvios agent', nothing changed; a registration on the caller socket refused"

# --- the agent in dom0, registered on every member's management link
agent_start one
for n in 1 2 3; do wait_for 20 registered $n 1 || { cat "$ROOT/agent.one"; fail "the agent did not register on node $n"; }; done
"$VT" "$ROOT" 3 agent >"$ROOT/impostor" 2>&1; rc=$?
[ $rc -eq 6 ] || fail "with the agent running, a registration on node 3's caller socket: exit $rc, wanted 6"
ok "xvios agent registered on the management links of nodes 1, 2 and 3; the caller socket still refuses a registration"

# a NEW vhost asked of node 2: dom0 writes both dirs; the frontend connects and reads the LUN
t0=$(date +%s%N)
ask 2 "$(R '<mapping action="create" client="client-a" vdev="0:0:0:0" lu="db1" node="2"/>')" 0 create &
askpid=$!
fe_wait 7 0 backend-id $VIOS2 20 || { cat "$ROOT/agent.one"; fail "the agent wrote no frontend dir"; }
front 7 $VIOS2 0 inquiry:0 readcap:0:16777216 await:created close &
fpid=$!
wait $askpid || fail "the mapping create asked of node 2"
t1=$(date +%s%N)
touch "$ROOT/created"
wait $fpid || { front_out 7 0; fail "the client did not read the LUN"; }
grep -q '^ok: READ CAPACITY(16) LUN 0: 16777216 bytes' "$ROOT/front-7-0.out" || { front_out 7 0; fail "no READ CAPACITY of LUN 0"; }
has 'status="ok" node="0" object="mapping" action="create"' create
has "<mapping client=\"7\" clientName=\"client-a\" vdev=\"0:0:0:0\" node=\"2\" lu=\"$lu\" poolLu=\"db1\"" create
[ "$("$XS" "$ROOT" perms /local/domain/$VIOS2/backend/vscsi/7/0)" = "$VIOS2:n 7:r" ] \
    || fail "the backend dir's permissions are not libxl's (the VIOS owner, the client READ)"
[ "$("$XS" "$ROOT" perms /local/domain/7/device/vscsi/0)" = "7:n $VIOS2:r" ] \
    || fail "the frontend dir's permissions are not libxl's (the client owner, the VIOS READ)"
[ "$(be_read $VIOS2 7 0 vscsi-devs/dev-0/v-dev)" = "0:0:0:0" ] || fail "node 2's backend dir has no dev-0"
[ "$("$XS" "$ROOT" read /local/domain/7/device/vscsi/0/backend-id)" = "$VIOS2" ] || fail "the frontend dir does not name node 2"
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0 | grep -q '^node=2$' || fail "no VTD record of 7:0:0:0:0 on node 2"
grep -q "node 2 forwards caller [0-9]*'s request" "$ROOT/agent.one" || { cat "$ROOT/agent.one"; fail "the agent did not log the asking node and caller"; }
grep -q "request handed to dom0's agent" "$ROOT/nodes/2/xviosd.log" || fail "node 2 did not log the hand-over"
wait_for 20 grep -q '"action": "created", "type": "mapping", "key": "7:0:0:0:0", "by": "0", "via": "2"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "node 2's subscriber did not see dom0's event through node 2"; }
ok "a new vhost asked of node 2: made by dom0's agent in $(( (t1 - t0) / 1000000 )) ms (backend dir $VIOS2:n 7:r, frontend dir 7:n $VIOS2:r, VTD record); the frontend read the LUN; the event by 0 via 2 seen on node 2"

# an LU create asked of node 2 lands in the pool
ask 2 "$(R "<lu action=\"create\" name=\"db3\" backing=\"$lu3\" size=\"8388608\"/>")" 0 lu
has 'status="ok" node="0" object="lu" action="create"' lu
ask 1 "$(R '<lu action="get" name="db3"/>')" 0 luget
has "backing=\"$lu3\"" luget
wait_for 20 grep -q '"action": "created", "type": "LU", "key": "db3", "by": "0", "via": "2"' "$ROOT/ev2.json" \
    || { cat "$ROOT/ev2.json"; fail "no lifecycle event of db3"; }
# a kind not in --allow
snapshot before
ask 2 "$(R '<pool action="create" name="gold" access="client-a"/>')" 6
exc DOM0_ONLY; has 'not delegated to the agent'
snapshot after
same before after "a pool create the agent may not make"
ok "an LU create asked of node 2 landed in the pool (read back through node 1); a pool create (not in --allow) refused DOM0_ONLY, nothing changed"

# node 3's daemon restarted: the agent opens its link again and registers (the delete below goes through it)
pid=$(node_pid 3 xviosd); [ -n "$pid" ] || fail "no xviosd pid for node 3"
kill -TERM "$pid"; wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "node 3's daemon did not stop"
wait_for 20 grep -q "node 3: the management link dropped" "$ROOT/agent.one" || { cat "$ROOT/agent.one"; fail "the agent did not see node 3's link drop"; }
timeout 60 "$XVIOS" --root "$ROOT" local start --node 3 >/dev/null || fail "restarting node 3's daemon"
wait_for 20 sh -c "[ \$(grep -c 'node 3: registered as dom0' '$ROOT/agent.one') -ge 2 ]" \
    || { cat "$ROOT/agent.one"; fail "the agent did not register again on node 3"; }
ok "node 3's daemon restarted: the agent saw its link drop and registered again"

# the last LUN of the vhost, asked of node 3: dom0 closes the vhost
ask 3 "$(R '<mapping action="delete" client="client-a" vdev="0:0:0:0"/>')" 0 delete
has 'status="ok" node="0" object="mapping" action="delete"' delete
"$XS" "$ROOT" read /local/domain/$VIOS2/backend/vscsi/7/0/state >/dev/null 2>&1 && fail "the backend dir is left"
"$XS" "$ROOT" read /local/domain/7/device/vscsi/0/state >/dev/null 2>&1 && fail "the frontend dir is left"
"$XS" "$ROOT" read /xvios/vtds/7-0-0-0-0 >/dev/null 2>&1 && fail "the VTD record is left"
grep -q "node 3 forwards caller" "$ROOT/agent.one" || fail "the agent did not log node 3's request"
ok "the last LUN's delete asked of node 3: the agent removed the vhost (both dirs and the record)"

# --- the agent stopped: UNAVAILABLE at the node's deadline, nothing written
kill -STOP $apid
snapshot before
t0=$(date +%s%N)
ask 3 "$(R "<lu action=\"create\" name=\"db4\" backing=\"$lu3\" size=\"4194304\"/>")" 6 late
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
exc UNAVAILABLE late; has 'did not answer within 30000 ms' late
[ $ms -ge 29000 ] && [ $ms -le 35000 ] || fail "the caller waited $ms ms (the deadline is 30000 ms)"
# killed while a request waits: UNAVAILABLE at once
handed=$(grep -c "request handed to dom0's agent" "$ROOT/nodes/2/xviosd.log")
ask 2 "$(R "<lu action=\"create\" name=\"db5\" backing=\"$lu3\" size=\"4194304\"/>")" 6 killed &
askpid=$!
wait_for 10 sh -c "grep -c \"request handed to dom0's agent\" '$ROOT/nodes/2/xviosd.log' | grep -qx $((handed + 1))" \
    || fail "node 2 did not hand the request over"
t2=$(date +%s%N)
kill -KILL $apid; wait $apid 2>/dev/null
wait $askpid || fail "the request waiting when the agent was killed"
t3=$(date +%s%N)
exc UNAVAILABLE killed; has 'left before answering' killed
[ $(( (t3 - t2) / 1000000 )) -le 5000 ] || fail "the caller waited $(( (t3 - t2) / 1000000 )) ms after the agent died"
snapshot after
same before after "a request the agent never answered"
ask 2 "$(R "<lu action=\"create\" name=\"db5\" backing=\"$lu3\" size=\"4194304\"/>")" 6
exc DOM0_ONLY; has 'no dom0 agent is connected'
ok "agent stopped: UNAVAILABLE after $ms ms; agent killed with a request waiting: UNAVAILABLE $(( (t3 - t2) / 1000000 )) ms later; nothing written; then DOM0_ONLY again"

# --- an agent for node 1 only, allowed pools
agent_start two --nodes 1 --allow pool
wait_for 20 registered 1 2 || { cat "$ROOT/agent.two"; fail "the second agent did not register on node 1"; }
ask 1 "$(R '<pool action="create" name="gold" access="client-a"/>')" 0 pool
has 'status="ok" node="0" object="pool" action="create"' pool
ask 3 "$(R '<pool action="get" name="gold"/>')" 0 poolget
has 'client-a' poolget
ask 2 "$(R '<pool action="delete" name="gold"/>')" 6
exc DOM0_ONLY; has 'no dom0 agent is connected'
ask 1 "$(R "<lu action=\"create\" name=\"db6\" backing=\"$lu3\" size=\"4194304\"/>")" 6
exc DOM0_ONLY; has 'not delegated to the agent'
registered 2 2 && fail "the agent for node 1 registered on node 2"
kill -TERM $apid; wait $apid || fail "the agent did not stop cleanly on SIGTERM"
grep -q "dom0's agent stopped" "$ROOT/agent.two" || fail "the agent did not log its stop"
ok "an agent for node 1 allowed pools: a pool create asked of node 1 landed (read back through node 3); node 2 has no agent (DOM0_ONLY); an LU create not delegated; SIGTERM stops it"
if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ROOT"/agent.*; then fail "a sanitizer report in the agent's output"; fi
