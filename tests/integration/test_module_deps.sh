#!/usr/bin/env bash
# The module rule of docs/design.md ("Checking the rule"), checked on the objects `make check` just built:
# no import cycle between the files of one module, and every edge across modules points down the layers.
# First the checker itself is shown to catch each kind of offence on a small made-up tree.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
check=$top/tests/tools/module_deps.py
: "${XVIOS_TESTS:?XVIOS_TESTS must name the directory of the built test helpers}"
objdir=$(dirname "$XVIOS_TESTS")/obj
fails=0
tmp=$(mktemp -d /tmp/xvios-deps.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok()   { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails+1)); }

# mkobj TREE PATH.c SOURCE: compile one made-up object at TREE/PATH.o
mkobj() {
    mkdir -p "$(dirname "$1/$2")"
    printf '%s\n' "$3" | gcc -x c -c -o "$1/${2%.c}.o" - || fail "cannot compile $2"
}
# expect TREE RC PATTERN DESCRIPTION: the checker exits RC on TREE and prints PATTERN
expect() {
    local out rc
    out=$(python3 "$check" "$1" 2>&1); rc=$?
    if [ "$rc" -eq "$2" ] && grep -qE "$3" <<<"$out"; then ok "$4"; else fail "$4 (exit $rc)"; echo "$out"; fi
}

t=$tmp/clean
mkobj "$t" xen/util/u.c 'int u(void) { return 1; }'
mkobj "$t" xen/wire/w.c 'int u(void); int w(void) { return u(); }'
mkobj "$t" xen/plat/plat.c 'extern const int xvios_plat_loopback_ops; int p(void) { return xvios_plat_loopback_ops; }'
mkobj "$t" xen/plat/loop/l.c 'const int xvios_plat_loopback_ops = 1; int p(void); int l(void) { return p(); }'
expect "$t" 0 '0 offence' "a tree that follows the rule passes (down edges, the seam's ops table and helpers)"

t=$tmp/cycle
mkobj "$t" xen/vke/a.c 'int b(int); int a(int x) { return x ? b(x - 1) : 0; }'
mkobj "$t" xen/vke/b.c 'int a(int); int b(int x) { return x ? a(x - 1) : 0; }'
expect "$t" 1 '^CYCLE +xen/vke: 2 files' "two files of one module calling each other are a cycle"

t=$tmp/upward
mkobj "$t" xen/util/u.c 'int w(void); int u(void) { return w(); }'
mkobj "$t" xen/wire/w.c 'int w(void) { return 2; }'
expect "$t" 1 '^UPWARD +xen/util/u.c -> xen/wire/w.c' "util calling wire points up"

t=$tmp/seam
mkobj "$t" xen/plat/plat.c 'int loop_thing(void); int p(void) { return loop_thing(); }'
mkobj "$t" xen/plat/loop/l.c 'int loop_thing(void) { return 3; }'
expect "$t" 1 '^SEAM ' "the dispatcher calling into an implementation past its ops table"

t=$tmp/sideways
mkobj "$t" daemon/d.c 'int t(void); int d(void) { return t(); }'
mkobj "$t" toolstack/t.c 'int t(void) { return 4; }'
expect "$t" 1 '^SIDEWAYS +daemon/d.c -> toolstack/t.c' "the daemon using the toolstack (one layer)"

t=$tmp/unknown
mkobj "$t" xen/newmod/n.c 'int n(void) { return 5; }'
expect "$t" 1 '^UNKNOWN +xen/newmod/n.c' "a folder missing from the layer table"

# The tree as built.
out=$(python3 "$check" "$objdir" 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 0 ] && ok "the built tree follows the module rule" || fail "the built tree breaks the module rule (exit $rc)"
for m in daemon xen/vke; do
    grep -qE "^(CYCLE|KNOWN) +$m:" <<<"$out" && fail "$m has an import cycle" || ok "$m has no import cycle"
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
