# lib.sh - shared helpers of the loopback integration tests (sourced).
# Env: XVIOS_BIN (programs), XVIOS_TESTS (built helpers from tests/integration/*.c).
set -u
: "${XVIOS_BIN:?XVIOS_BIN must name the directory of the built programs}"
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the built test helpers}"
VKE_TOOL=$XVIOS_TESTS/vke_tool
T_ROOT=$(mktemp -d /tmp/xvios-it.XXXXXX)
T_PIDS=()
T_FAILS=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

t_cleanup() {
    local p
    for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    # a sanitizer report from any backend or helper fails the test
    if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_ROOT"/nodes/*/backend.err "$T_ROOT"/*.err 2>/dev/null; then
        echo "FAIL - sanitizer report in the files above"
        cat "$T_ROOT"/nodes/*/backend.err "$T_ROOT"/*.err 2>/dev/null | head -n 60
        T_FAILS=$((T_FAILS+1))
    fi
    if [ "$T_FAILS" -ne 0 ] || [ -n "${KEEP_ROOT:-}" ]; then
        echo "--- logs under $T_ROOT"
        for f in "$T_ROOT"/nodes/*/backend.log; do [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }; done
    fi
    [ -n "${KEEP_ROOT:-}" ] || rm -rf "$T_ROOT"
    T_PIDS=()
}
trap t_cleanup EXIT

t_ok()   { echo "ok   - $*"; }
t_fail() { echo "FAIL - $*"; T_FAILS=$((T_FAILS+1)); }
t_check() { # t_check DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then t_ok "$d"; else t_fail "$d"; fi
}
t_done() {
    t_cleanup
    trap - EXIT
    echo "$T_FAILS failure(s)"
    [ "$T_FAILS" -eq 0 ]
}

# wait_until SECONDS COMMAND... : poll every 0.1 s until COMMAND succeeds or the deadline passes
wait_until() {
    local limit=$1; shift
    local end=$(( $(date +%s%N) + limit * 1000000000 ))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# start_backend NODE DOMID: a real xvios-backend for that loopback domain
start_backend() {
    mkdir -p "$T_ROOT/nodes/$1"
    "$XVIOS_BIN/xvios-backend" --platform loopback --root "$T_ROOT" --domid "$2" \
        --log "$T_ROOT/nodes/$1/backend.log" 2>"$T_ROOT/nodes/$1/backend.err" &
    T_PIDS+=($!)
    eval "BACKEND_PID_$1=$!"
    wait_until 20 test -S "$T_ROOT/nodes/$1/vke.sock"
}

# start_sink NODE: attach a recording daemon stand-in; packets go to $T_ROOT/sink-NODE.log
start_sink() {
    : > "$T_ROOT/sink-$1.log"
    "$VKE_TOOL" sink "$T_ROOT" "$1" "$T_ROOT/sink-$1.log" 600 2>"$T_ROOT/sink-$1.err" &
    T_PIDS+=($!)
}

stat_of() { # stat_of NODE KEY
    "$VKE_TOOL" stats "$T_ROOT" "$1" | sed -n "s/^$2=//p"
}
links_up_is() { [ "$(stat_of "$1" links_up)" = "$2" ]; }
