# daemon_lib.sh - sourced by the daemon/CLI integration tests: a fresh
# loopback root per test, `local down` on every exit, bounded waits.
# Needs XVIOS_BIN (the programs) and XVIOS_TESTS (the helper programs).
set -u
: "${XVIOS_BIN:?XVIOS_BIN must name the directory of xvios, xviosd and xvios-backend}"
XVIOS="$XVIOS_BIN/xvios"
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/xvios-it.XXXXXX")
export XVIOS_BIN

cleanup() {
    local rc=$?
    "$XVIOS" --root "$ROOT" local down >/dev/null 2>&1 || true
    # a sanitizer report in any node's log fails the test
    if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ROOT"/nodes/*/*.log 2>/dev/null; then
        echo "FAIL: sanitizer report in the logs above" >&2
        [ $rc -ne 0 ] || rc=1
    fi
    if [ $rc -ne 0 ]; then
        for f in "$ROOT"/nodes/*/xviosd.log "$ROOT"/nodes/*/backend.log; do
            [ -f "$f" ] || continue
            echo "---- $f (last 30 lines)"; tail -n 30 "$f"
        done
    fi
    rm -rf "$ROOT"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# up N [extra local-up options]
up() {
    local n=$1; shift
    timeout 120 "$XVIOS" --root "$ROOT" local up -n "$n" "$@" || fail "local up -n $n"
}

# wait_for SECONDS COMMAND...: retry until the command succeeds or the time is up
wait_for() {
    local secs=$1; shift
    local end=$((SECONDS + secs))
    while [ $SECONDS -lt $end ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

node_pid() { cat "$ROOT/nodes/$1/$2.pid" 2>/dev/null; }

# json_check FILE PYTHON-EXPR: evaluates the expression with j = the parsed JSON
json_check() {
    python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print("json check failed:", sys.argv[2], "on", json.dumps(j), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
