#!/usr/bin/env bash
# libxvios-client as a third-party program sees it: `make install-client`
# into a staging root (PREFIX=/usr), a small program that includes
# <xvios/client.h> and is built with `pkg-config --cflags --libs xvios-client`
# alone; the library has its soname, links no Xen library and exports only
# the xvios_* API; the program broadcasts through a loopback node's daemon
# and gets every peer's echo back, and fails cleanly when no daemon is there.
. "$(dirname "$0")/daemon_lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
stage=$ROOT/stage
libdir=$stage/usr/lib
lib=$libdir/libxvios-client.so.1

# ---- install
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -s -C "$top" install-client DESTDIR="$stage" PREFIX=/usr) \
    >"$ROOT/install.log" 2>&1 || { cat "$ROOT/install.log"; fail "make install-client"; }
[ -f "$lib" ] && [ -L "$lib" ] && [ -L "$libdir/libxvios-client.so" ] || fail "library and its links not installed"
[ -f "$libdir/pkgconfig/xvios-client.pc" ] || fail "xvios-client.pc not installed"
[ ! -e "$libdir/libxvios.a" ] || fail "the internal archive libxvios.a is installed"
ok "installed: $(cd "$libdir" && echo libxvios-client.so*) pkgconfig/xvios-client.pc"

# ---- the shared object
readelf -d "$lib" | grep -q 'SONAME.*\[libxvios-client\.so\.1\]' || fail "no soname libxvios-client.so.1"
if readelf -d "$lib" | grep NEEDED | grep -i xen; then fail "the library needs a Xen library"; fi
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwiDdBbRrVv]$/ { sub(/@.*/, "", $3); print $3 }')
[ -n "$exported" ] || fail "nothing exported"
bad=$(echo "$exported" | grep -v '^xvios_' || true)
[ -z "$bad" ] || fail "exported beyond the xvios_* API: $bad"
for s in xvios_client_open xvios_client_send_wait xvios_api_parse xvios_msg_decode; do
    nm -D --defined-only "$lib" | grep -q " T $s@@XVIOS_CLIENT_1\$" || fail "$s not exported at version XVIOS_CLIENT_1"
done
for s in xvios_log xvios_pktq_push xvios_plat_open xvios_link_open xvios_db_node_get xvios_opcode_channels; do
    if echo "$exported" | grep -qx "$s"; then fail "internal $s is exported"; fi
done
ok "soname, no libxen*, $(echo "$exported" | wc -l) symbols exported, all xvios_* at XVIOS_CLIENT_1"

# ---- a program built with pkg-config only (nothing from the source tree)
export PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_LIBDIR=$libdir/pkgconfig
flags=$(pkg-config --cflags --libs xvios-client) || fail "pkg-config xvios-client"
for h in client.h wire.h; do
    echo "#include <xvios/$h>" | cc -std=gnu11 -Wall -Wextra -Werror -fsyntax-only -x c - $flags \
        || fail "the installed <xvios/$h> does not compile on its own"
done
cat >"$ROOT/echo_all.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <xvios/client.h>
int main(int argc, char **argv)
{
    struct xvios_client_config cfg = { .socket_path = argc > 1 ? argv[1] : "", .origin = XVIOS_ORIGIN_API, .name = "echo_all" };
    struct xvios_api_send s = { .flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, .msg_type = XVIOS_MT_ECHO, .payload = "ping", .len = 4 };
    struct xvios_client_outcome o;
    struct timespec dl;
    xvios_client *c;
    int rc = xvios_client_open(&cfg, &c);
    if (rc < 0)
        return fprintf(stderr, "echo_all: %s\n", strerror(-rc)), 5;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += 30;
    if ((rc = xvios_client_send_wait(c, &s, &dl, &o)) < 0)
        return fprintf(stderr, "echo_all: %s\n", strerror(-rc)), 1;
    for (unsigned i = 0; i < o.n_resp; i++)
        printf("node %u: %s\n", o.resp[i].node, (const char *)o.resp[i].payload);
    printf("status %s\n", xvios_status_name(o.status));
    xvios_client_outcome_dispose(&o);
    xvios_client_close(c);
    return 0;
}
EOF
cc -std=gnu11 -Wall -Wextra -Werror -o "$ROOT/echo_all" "$ROOT/echo_all.c" $flags || fail "building against the installed library"
if LD_LIBRARY_PATH=$libdir ldd "$ROOT/echo_all" | grep -i xen; then fail "the program links a Xen library"; fi
LD_LIBRARY_PATH=$libdir ldd "$ROOT/echo_all" | grep -q "libxvios-client.so.1 => $libdir/" \
    || fail "the program does not load the installed library"
ok "a program built with pkg-config xvios-client alone, no libxen*"

# ---- no daemon: a clean error
LD_LIBRARY_PATH=$libdir "$ROOT/echo_all" "$ROOT/none/api.sock" >"$ROOT/none.out" 2>&1; rc=$?
cat "$ROOT/none.out"
[ $rc -eq 5 ] && grep -q '^echo_all: No such file or directory$' "$ROOT/none.out" || fail "no daemon: exit $rc"
ok "no daemon: exit 5 and the reason"

# ---- a loopback cluster
up 3
LD_LIBRARY_PATH=$libdir timeout 60 "$ROOT/echo_all" "$ROOT/nodes/1/api.sock" >"$ROOT/echo.out" 2>&1; rc=$?
cat "$ROOT/echo.out"
[ $rc -eq 0 ] || fail "echo_all exit $rc"
[ "$(grep -c '^node [23]: ping$' "$ROOT/echo.out")" -eq 2 ] && grep -q '^status OK$' "$ROOT/echo.out" \
    || fail "not every peer echoed"
ok "broadcast through node 1's daemon with the shared library: nodes 2 and 3 echoed"
