#!/usr/bin/env bash
# Issue 10, done-when: the accounting soak. Two senders (nodes 1 and 2) send
# directed (to 3 and 4) and broadcast USER messages with receipts and
# responses while the receivers' daemons and backends are stopped
# (SIGSTOP), continued, killed (SIGKILL, daemons and backends alike) and
# restarted, and the senders' daemons are restarted. Every (send, target)
# is accounted for exactly:
#   seen      by the target's subscriber (exactly once: 0 duplicates)
#   failed    reported in the send's RC array, or the send had no outcome
#             because its sender's daemon was restarted under it
#   lost      DELIVERED, not seen, and logged with (sender, epoch, txid) on
#             the target node (VKE: expired / lost with the daemon / lost
#             with the VKE; a restarted backend: open in the killed one's
#             receipt journal; daemon: dropped) - never more such sends than
#             such log lines: 0 silent loss
# and with responses asked for, every send with an outcome has a response
# (or a reported failure) from every node of its RC array. Bounded: 60 s.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"
MT=$XVIOS_TESTS/msg_tool
SOAK_START=$SECONDS

up 4 --timeout 1000 --retries 2
lpids=()
for n in 1 2 3 4; do
    "$MT" "$ROOT" "$n" listen "$ROOT/seen-$n.txt" 2>"$ROOT/listen-$n.err" &
    lpids+=($!)
done
for n in 1 2 3 4; do
    wait_for 20 grep -q subscribed "$ROOT/seen-$n.txt" || fail "the listener on node $n did not subscribe"
done

spids=()   # paced so that the sends span the chaos (about 8 s)
for s in 1 2; do
    timeout 50 "$MT" "$ROOT" "$s" send 600 "d$s" --to 3,4 --receipt --response --window 8 --pace 14 >"$ROOT/send-d$s.out" \
        2>"$ROOT/send-d$s.err" &
    spids+=($!)
    timeout 50 "$MT" "$ROOT" "$s" send 300 "b$s" --broadcast --receipt --response --window 4 --pace 28 >"$ROOT/send-b$s.out" \
        2>"$ROOT/send-b$s.err" &
    spids+=($!)
done

restart() {   # restart NODE: start what is not running
    timeout 30 "$XVIOS" --root "$ROOT" local start --node "$1" >>"$ROOT/chaos.log" 2>&1 || echo "restart $1 failed" >>"$ROOT/chaos.log"
}
chaos() {
    local p
    sleep 0.5
    p=$(node_pid 3 backend); kill -STOP "$p"; sleep 1.2; kill -CONT "$p"          # receiver backend stopped
    p=$(node_pid 4 xviosd); kill -STOP "$p"; sleep 1.2; kill -CONT "$p"           # receiver daemon stopped
    p=$(node_pid 4 xviosd); kill -STOP "$p"; sleep 0.5
    kill -KILL "$(node_pid 4 backend)" "$p"; sleep 0.3; restart 4                  # receiver stopped, both killed
    p=$(node_pid 3 xviosd); kill -STOP "$p"; sleep 0.5
    kill -KILL "$(node_pid 3 backend)"; sleep 0.3; kill -CONT "$p"; restart 3       # backend killed, its daemon lives on
    p=$(node_pid 3 xviosd); kill -STOP "$p"; sleep 0.5; kill -KILL "$p"; sleep 0.5; restart 3   # stopped, then killed
    p=$(node_pid 4 backend); kill -KILL "$p"; sleep 0.8; restart 4                # receiver backend killed
    p=$(node_pid 1 xviosd); kill -TERM "$p"; sleep 0.3; restart 1                 # a sender's daemon restarted
    p=$(node_pid 4 xviosd); kill -KILL "$p"; sleep 0.5; restart 4                 # receiver daemon killed
    p=$(node_pid 3 backend); q=$(node_pid 3 xviosd)
    kill -STOP "$p" "$q"; sleep 1; kill -CONT "$p" "$q"                          # a whole receiver stopped
    p=$(node_pid 2 xviosd); kill -KILL "$p"; sleep 0.3; restart 2                 # the other sender's daemon killed
    echo "chaos done at $SECONDS s" >>"$ROOT/chaos.log"
}
chaos &
cpid=$!

for p in "${spids[@]}"; do wait "$p" || fail "a sender did not finish (exit $?)"; done
wait "$cpid"
# let what is held or in flight arrive (hold bound: 10 x 1000 ms), then stop the listeners
for n in 1 2 3 4; do restart "$n"; done
sleep 3
for p in "${lpids[@]}"; do kill -TERM "$p"; done
for p in "${lpids[@]}"; do wait "$p"; done
cat "$ROOT/chaos.log"

python3 - "$ROOT" <<'PY' || fail "accounting"
import re, sys, collections
root = sys.argv[1]
sends = []   # (sender, tag, status, {node: rc}, {node: resp})
for s in (1, 2):
    for kind in ("d", "b"):
        for line in open(f"{root}/send-{kind}{s}.out"):
            m = re.match(r"(\S+) status=(\S+) rc=(\S*) resp=(\S*)$", line.strip())
            if not m:
                print("bad sender line:", line.strip()); sys.exit(1)
            rc = dict((int(a), b) for a, b in (x.split(":") for x in m.group(3).split(",") if x))
            resp = dict((int(a), b) for a, b in (x.split(":") for x in m.group(4).split(",") if x))
            sends.append((s, m.group(1), m.group(2), rc, resp))
want = {("d", 1): 600, ("d", 2): 600, ("b", 1): 300, ("b", 2): 300}
for (k, s), n in want.items():
    got = sum(1 for x in sends if x[0] == s and x[1].startswith(f"{k}{s}-"))
    if got != n:
        print(f"sender {s} {k}: {got} lines for {n} sends"); sys.exit(1)

seen = {}        # target -> Counter(tag)
seen_ids = {}    # target -> set((sender, epoch, txid))
for t in (1, 2, 3, 4):
    seen[t] = collections.Counter()
    seen_ids[t] = set()
    for line in open(f"{root}/seen-{t}.txt"):
        m = re.match(r"from=(\d+) epoch=(\d+) txid=([0-9a-f]+) data=(\S+)$", line.strip())
        if m:
            seen[t][m.group(4)] += 1
            seen_ids[t].add((int(m.group(1)), int(m.group(2)), int(m.group(3), 16)))

# every loss the receiving node logged, by (sender, epoch, txid)
pat = [re.compile(r"message from node (\d+) \(txid (0x)?([0-9a-f]+), epoch (\d+), type \d+\) lost"),
       re.compile(r"CLUSTER_SEND from node (\d+) \(txid (0x)?([0-9a-f]+), epoch (\d+), type \d+\) expired"),
       re.compile(r"message type \d+ from node (\d+) \(txid (0x)?([0-9a-f]+), epoch (\d+)\) dropped"),
       re.compile(r"message from node (\d+) \(txid (0x)?([0-9a-f]+), epoch (\d+)\) lost for caller")]
logged = {}
restart_logged = 0   # of those, from a killed backend's receipt journal
for t in (1, 2, 3, 4):
    logged[t] = set()
    for f in ("backend.log", "xviosd.log"):
        try:
            for line in open(f"{root}/nodes/{t}/{f}", errors="replace"):
                for p in pat:
                    m = p.search(line)
                    if m:
                        logged[t].add((int(m.group(1)), int(m.group(4)), int(m.group(3), 16)))
                        restart_logged += "the previous xvios-backend died" in line
        except FileNotFoundError:
            pass

c = collections.Counter()
unseen_delivered = collections.Counter()   # (target, sender)
dups = []
no_resp = []
for (s, tag, status, rc, resp) in sends:
    c["sends"] += 1
    if status == "NO_OUTCOME":
        c["no_outcome"] += 1
        for t in (1, 2, 3, 4):
            if seen[t][tag] > 1:
                dups.append((tag, t))
            c["no_outcome_seen"] += seen[t][tag] > 0
        continue
    for t, st in rc.items():
        c["pairs"] += 1
        n = seen[t][tag]
        if n > 1:
            dups.append((tag, t))
        if n:
            c["seen"] += 1
        elif st == "DELIVERED":
            unseen_delivered[(t, s)] += 1
            c["delivered_unseen"] += 1
        else:
            c["failed_reported"] += 1
        if t not in resp:
            no_resp.append((tag, t))
        elif resp[t] == "OK":
            c["responses_ok"] += 1
        else:
            c["responses_failed"] += 1
silent = 0
for (t, s), n in sorted(unseen_delivered.items()):
    lost = sum(1 for (snd, e, x) in logged[t] if snd == s and (snd, e, x) not in seen_ids[t])
    c["logged_lost"] += lost
    if n > lost:
        silent += n - lost
        print(f"node {t}: {n} messages from node {s} DELIVERED and never seen, only {lost} logged as lost")
print("soak: " + ", ".join(f"{k}={v}" for k, v in sorted(c.items())) +
      f", lost_restart_lines={restart_logged}, duplicates={len(dups)}, silent_loss={silent}, "
      f"missing_responses={len(no_resp)}")
if dups:
    print("duplicates:", dups[:10])
if no_resp:
    print("sends without a response or a reported failure:", no_resp[:10])
sys.exit(1 if silent or dups or no_resp or c["seen"] == 0 else 0)
PY
ok "soak: every send accounted for (took $((SECONDS - SOAK_START)) s)"
[ $((SECONDS - SOAK_START)) -le 60 ] || fail "the soak took longer than 60 s"
