#!/usr/bin/env bash
# A third-party caller (the client library) gets exactly its own responses
# while the CLI sends on the same node at the same time.
. "$(dirname "$0")/daemon_lib.sh"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the test helpers}"

up 3
timeout 120 "$XVIOS_TESTS/third_party_caller" "$ROOT" 1 20 2 >"$ROOT/tp.out" 2>&1 &
tp=$!
cli_fail=0
for i in $(seq 1 15); do
    o=$(timeout 60 "$XVIOS" --root "$ROOT" --node 1 --json send --broadcast --receipt --response "cli message $i") \
        || { echo "cli send $i failed: $o"; cli_fail=1; continue; }
    echo "$o" > "$ROOT/cli.json"
    json_check "$ROOT/cli.json" "all(x['response'] == 'cli message $i' for x in j) and len(j) == 2" || cli_fail=1
done
wait $tp; tprc=$?
cat "$ROOT/tp.out"
[ $tprc -eq 0 ] || fail "the third-party caller saw foreign or missing responses"
[ $cli_fail -eq 0 ] || fail "the CLI saw foreign or missing responses"
ok "third-party caller and CLI each got exactly their own responses"
