#!/usr/bin/env bash
# vSCSI through the ring on a loopback VIOS: attach a 64 MiB LU to a client,
# the backend state machine up to Connected (feature-sg-grant 128), INQUIRY
# and READ CAPACITY(16) through the ring, a 64 MiB pattern written and read
# back with 16 requests in flight on indirect segments, the same with direct
# and indirect requests mixed, a read-only LU refusing writes, then Closing
# and Closed. The LU file holds what the client wrote.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

up 1
client 7 client-a
lu=$(lu_file a 64)
vscsi_attach $VIOS1 7 0 0 "$lu" 0:0:0:0
be_wait $VIOS1 7 0 state 2 10 || fail "backend never reached InitWait"
[ "$(be_read $VIOS1 7 0 feature-sg-grant)" = 128 ] || fail "feature-sg-grant not 128"
ok "probe: InitWait with feature-sg-grant 128"

front 7 $VIOS1 0 inquiry:0 readcap:0:67108864 pattern:0:64:16:512 pattern:0:8:16:64 close
rc=$?
front_out 7 0
[ $rc -eq 0 ] || fail "frontend failed"
grep -q "^ok: INQUIRY LUN 0: 'XVIOS" "$ROOT/front-7-0.out" || fail "INQUIRY"
grep -q '^ok: READ CAPACITY(16) LUN 0: 67108864 bytes' "$ROOT/front-7-0.out" || fail "READ CAPACITY(16)"
grep -q '^ok: pattern LUN 0: 64 MiB .* 16 in flight, 512 KiB requests (indirect)' "$ROOT/front-7-0.out" || fail "64 MiB pattern"
grep -q '^ok: pattern LUN 0: 8 MiB .* 64 KiB requests (direct and indirect)' "$ROOT/front-7-0.out" || fail "direct pattern"
ok "INQUIRY, READ CAPACITY(16), 64 MiB indirect and 8 MiB direct/indirect pattern round trips"
[ "$(be_read $VIOS1 7 0 state)" = 6 ] || fail "backend not Closed after the frontend closed"
[ "$(be_read $VIOS1 7 0 vscsi-devs/dev-0/state)" = 4 ] || fail "dev-0 not 4"
ok "Closing waited for the ring, then Closed"

# the bytes on the LU are the client's pattern (the 8 MiB pass rewrote the start with its own seed)
python3 - "$lu" <<'PY' || fail "LU file does not hold the pattern"
import struct, sys
f = open(sys.argv[1], 'rb'); f.seek(32 << 20); d = f.read(8 * 4)
w = [struct.unpack('<Q', d[i:i+8])[0] for i in range(0, 32, 8)]
# pattern_word(off) = (off/8)*K ^ seed: consecutive words differ by K modulo the shared seed
K = 0x9e3779b97f4a7c15; base = (32 << 20) // 8
seed = w[0] ^ ((base * K) & (2**64 - 1))
sys.exit(0 if all(w[i] == (((base + i) * K) & (2**64 - 1)) ^ seed for i in range(4)) and seed < 2**32 else 1)
PY
ok "the LU file holds the pattern at 32 MiB"

# a read-only LU: reads served, writes refused (DATA PROTECT), through a second vhost of another client
client 8 client-b
vscsi_attach $VIOS1 8 1 0 "$lu" 1:0:0:0 r
front 8 $VIOS1 1 inquiry:0 readcap:0:67108864 bad:rowrite close
rc=$?
front_out 8 1
[ $rc -eq 0 ] || fail "read-only vhost"
ok "mode r: a write is refused with DATA PROTECT"
grep -q 'ERROR: \|runtime error' "$ROOT/nodes/1/backend.log" && fail "sanitizer output in the backend log"
exit 0
