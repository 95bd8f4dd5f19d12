#!/usr/bin/env bash
# A hostile client cannot disturb the VIOS: while client A keeps writing and
# verifying its LU, client B sends every malformed-request class (bad act,
# direction, cmd_len, segment count, offset+length over a page, indirect
# descriptor lies, a grant it never made, rqid reuse, an unknown LUN, ABORT
# and RESET), each answered with the right error and followed by a good
# INQUIRY; then B overflows its producer index: no answer, the backend
# records a sticky ring error for B's vhost only. A's I/O never fails.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/vscsi_lib.sh"

up 1
client 7 client-a
client 8 client-b
vscsi_attach $VIOS1 7 0 0 "$(lu_file a 32)" 0:0:0:0
vscsi_attach $VIOS1 8 0 0 "$(lu_file b 32)" 0:0:0:0
front 7 $VIOS1 0 busy:0:10 close &
apid=$!
front 8 $VIOS1 0 bad:act bad:dir bad:cmdlen bad:nsegs bad:segoff bad:indirect-len bad:indirect-lie \
    bad:indirect-total bad:grant bad:rqid bad:noconnect bad:abort bad:abort-inflight bad:reset overflow
rc=$?
front_out 8 0
[ $rc -eq 0 ] || fail "client B's checks"
[ "$(grep -c '^ok: .* answered 0x70000$' "$ROOT/front-8-0.out")" -eq 9 ] || fail "not every malformed class got DID_ERROR"
grep -q '^ok: INQUIRY to unknown LUN 0:0:9 answered 0x10000$' "$ROOT/front-8-0.out" || fail "DID_NO_CONNECT"
grep -q '^ok: rqid reused while in flight answered DID_ERROR' "$ROOT/front-8-0.out" || fail "rqid reuse"
grep -q '^ok: ABORT of a READ in flight: the READ answered GOOD, then the ABORT 0x2002' "$ROOT/front-8-0.out" || fail "ABORT in flight"
grep -q '^ok: producer index overflow: no answer' "$ROOT/front-8-0.out" || fail "overflow"
ok "every malformed class answered as specified; B's ring is in the sticky error state"
grep -q 'overflows the ring .*sticky ring error' "$ROOT/nodes/1/backend.log" || fail "ring error not logged"
[ -z "$(be_read $VIOS1 7 0 xvios-error 2>/dev/null)" ] || fail "client A's vhost got an error"
wait $apid
rc=$?
front_out 7 0
[ $rc -eq 0 ] || fail "client A was disturbed"
grep -q '^ok: busy LUN 0: ' "$ROOT/front-7-0.out" || fail "client A summary"
ok "client A was served throughout"
# B's vhost goes away; the engine frees it even with its ring in error
vscsi_remove $VIOS1 8 0
wait_for 10 grep -q 'vhost 8/0: gone' "$ROOT/nodes/1/backend.log" || fail "vhost 8/0 not freed"
ok "the broken vhost is freed when the toolstack removes it"
