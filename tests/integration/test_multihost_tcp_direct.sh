#!/usr/bin/env bash
# test_multihost_tcp_direct.sh - directed traffic between two hosts' nodes goes point to point
# (xen/plat/tcp/: TCP + TLS 1.3 with the cluster key) and never reaches a third host: with three
# corosync hosts up, node 513 (host 2) sends 200 x 16 KiB to node 257 (host 1) and gets its
# response; a packet capture on host 3's interface sees none of the link's packets while the
# same capture on host 1 sees them (the capture works); a node with another key is refused.
# Run by `make check-multihost`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corosync_lib.sh"
TCP_TOOL=$XVIOS_TESTS/tcp_tool

cs_setup 3 || { t_fail "namespaces"; exit 1; }
cs_start_all || { t_fail "corosync hosts did not form"; exit 1; }
head -c 256 /dev/urandom > "$T_ROOT/authkey"; chmod 600 "$T_ROOT/authkey"
head -c 256 /dev/urandom > "$T_ROOT/otherkey"; chmod 600 "$T_ROOT/otherkey"
PORT=7405

# capture CAPNAME HOST: count the TCP packets to or from $PORT on host HOST's eth0 until
# $T_ROOT/CAPNAME.stop appears; the count goes to $T_ROOT/CAPNAME.count
capture() {
    ip netns exec "$(cs_ns "$2")" python3 - "$PORT" "$T_ROOT/$1.stop" >"$T_ROOT/$1.count" 2>"$T_ROOT/$1.err" <<'PY' &
import os, socket, struct, sys
port, stop = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
s.bind(("eth0", 0))
s.settimeout(0.1)
print("ready", file=sys.stderr, flush=True)
n = 0
while not os.path.exists(stop):
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
        continue
    ihl = (f[14] & 15) * 4
    if len(f) < 14 + ihl + 4:
        continue
    sp, dp = struct.unpack("!HH", f[14 + ihl:18 + ihl])
    if port in (sp, dp):
        n += 1
print(n)
PY
    T_PIDS+=($!)
}
capture cap3 3
capture cap1 1
wait_until 10 grep -q ready "$T_ROOT/cap3.err" && wait_until 10 grep -q ready "$T_ROOT/cap1.err" || t_fail "captures did not start"

# node 257 on host 1 serves, node 513 on host 2 sends to it
ip netns exec "$(cs_ns 1)" "$TCP_TOOL" serve "$(cs_addr 1)" "$PORT" "$T_ROOT/authkey" 257 >"$T_ROOT/srv.out" 2>"$T_ROOT/srv.err" &
srv=$!; T_PIDS+=($srv)
wait_until 10 grep -q '^listening' "$T_ROOT/srv.out" || t_fail "server did not listen"
ip netns exec "$(cs_ns 2)" "$TCP_TOOL" send "$(cs_addr 1)" "$PORT" "$T_ROOT/authkey" 513 257 200 16384 \
    >"$T_ROOT/cli.out" 2>"$T_ROOT/cli.err"
t_check "sender: link up to node 257" grep -q '^up peer=257$' "$T_ROOT/cli.out"
t_check "sender: response from 257 counts 200 datagrams, 3276800 bytes" grep -q '^response=pong 200 3276800$' "$T_ROOT/cli.out"
wait "$srv"; rc=$?
t_check "server exited 0" test "$rc" -eq 0
t_check "server: link from node 513" grep -q '^up peer=513$' "$T_ROOT/srv.out"
t_check "server: got 200 datagrams" grep -q '^got count=200 bytes=3276800$' "$T_ROOT/srv.out"

# a node holding another key never gets a link
ip netns exec "$(cs_ns 1)" "$TCP_TOOL" serve "$(cs_addr 1)" "$PORT" "$T_ROOT/authkey" 257 >"$T_ROOT/srv2.out" 2>"$T_ROOT/srv2.err" &
srv2=$!; T_PIDS+=($srv2)
wait_until 10 grep -q '^listening' "$T_ROOT/srv2.out"
ip netns exec "$(cs_ns 2)" "$TCP_TOOL" send "$(cs_addr 1)" "$PORT" "$T_ROOT/otherkey" 513 257 1 16 >"$T_ROOT/bad.out" 2>"$T_ROOT/bad.err"
t_check "other key: the sender fails" test $? -ne 0
t_check "other key: no link came up" bash -c "! grep -q '^up' '$T_ROOT/bad.out' '$T_ROOT/srv2.out'"
kill "$srv2" 2>/dev/null; wait "$srv2" 2>/dev/null

touch "$T_ROOT/cap1.stop" "$T_ROOT/cap3.stop"
wait_until 5 test -s "$T_ROOT/cap3.count"; wait_until 5 test -s "$T_ROOT/cap1.count"
n1=$(cat "$T_ROOT/cap1.count"); n3=$(cat "$T_ROOT/cap3.count")
echo "   packets of the link seen on host 1: $n1, on host 3: $n3"
t_check "host 1's capture saw the link's packets" test "${n1:-0}" -gt 100
t_check "host 3's capture saw none of them" test "${n3:-x}" = 0
t_done
