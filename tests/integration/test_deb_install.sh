#!/usr/bin/env bash
# The Debian packages as an administrator gets them: built by `make deb` if
# build/deb/ has none, installed with dpkg into a fresh root directory
# (dpkg --root: its own package database, the maintainer scripts run
# chrooted there), checked (files where the units and the man pages say,
# conffiles, the units' ExecStart naming the installed programs, the shared
# library needing libc only), `xvios --version` run from it, then purged:
# every path `dpkg -L` listed is gone and the root holds exactly what it held
# before. The fresh root holds only a /bin/sh (dash and the C library) for
# the maintainer scripts, so the packages' dependencies are forced: the
# programs run with the host's libraries.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
debdir=$top/build/deb
dir=$(mktemp -d "${TMPDIR:-/tmp}/xvios-deb.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog")
[ -n "$version" ] || fail "no version in debian/changelog"
pkgs="xvios xvios-vios libxvios-client1 libxvios-client-dev"
have_debs() { for p in $pkgs; do ls "$debdir/${p}_${version}_"*.deb >/dev/null 2>&1 || return 1; done; }

# ---- the packages (built once; `make deb` rebuilds them)
if ! have_debs; then
    if ! command -v dpkg-buildpackage >/dev/null && [ "$(id -u)" != 0 ]; then
        echo "SKIP: no packages in build/deb and dpkg-buildpackage cannot be installed (not root)"
        exit 0
    fi
    (unset MAKEFLAGS MFLAGS MAKELEVEL; timeout 900 make -s -C "$top" deb) >"$dir/make-deb.log" 2>&1 \
        || { tail -n 40 "$dir/make-deb.log"; fail "make deb"; }
    have_debs || fail "make deb made no packages for $version"
fi
debs=$(for p in $pkgs; do ls "$debdir/${p}_${version}_"*.deb; done)
ok "packages $version: $(for d in $debs; do basename "$d"; done | tr '\n' ' ')"

# ---- a fresh root: dpkg's database and a shell for the maintainer scripts
root=$dir/root
mkdir -p "$root"/var/lib/dpkg/{info,updates,triggers} "$root"/bin "$root"/dev "$root"/tmp
: >"$root/var/lib/dpkg/status"; : >"$root/var/lib/dpkg/available"
cp /bin/dash "$root/bin/sh"
for l in $(ldd /bin/dash | grep -o '/[^ ]*'); do mkdir -p "$root$(dirname "$l")"; cp "$l" "$root$l"; done
mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || : >"$root/dev/null"
before=$(cd "$root" && find . ! -path './var/lib/dpkg/*' | sort)

dpkg --root="$root" --force-not-root --force-depends -i $debs >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; fail "dpkg -i"; }
for p in $pkgs; do
    dpkg --root="$root" -s "$p" 2>/dev/null | grep -q '^Status: install ok installed$' || fail "$p not installed"
done
ok "installed into a fresh root with dpkg --root"

# ---- the files where they belong
for f in usr/bin/xvios usr/sbin/xvios-backend usr/sbin/xviosd usr/share/man/man1/xvios.1.gz \
         usr/share/man/man8/xvios-backend.8.gz usr/share/man/man8/xviosd.8.gz \
         lib/systemd/system/xvios-backend.service lib/systemd/system/xviosd.service \
         lib/systemd/system/xvios-guard.service etc/xvios/xvios-backend.conf etc/xvios/xviosd.conf usr/include/xvios/client.h; do
    [ -e "$root/$f" ] || fail "/$f not installed"
done
for u in xvios-backend xviosd; do
    exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$root/lib/systemd/system/$u.service")
    [ "$exe" = "/usr/sbin/$u" ] && [ -x "$root$exe" ] || fail "$u.service starts '$exe', not the installed /usr/sbin/$u"
done
exe=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/xvios-guard.service")
[ "$exe" = "/usr/bin/xvios scsi guard" ] || fail "xvios-guard.service starts '$exe', not /usr/bin/xvios scsi guard"
dpkg --root="$root" -s xvios-vios | grep -q '^Conffiles:' || fail "xvios-vios has no conffiles"
[ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Conffiles}' xvios-vios | grep -c '/etc/xvios/')" -eq 2 ] \
    || fail "/etc/xvios/*.conf are not both conffiles"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
lib=$root/usr/lib/$ma/libxvios-client.so.1
[ -f "$(readlink -f "$lib")" ] && [ -L "$root/usr/lib/$ma/libxvios-client.so" ] || fail "the library or its links"
needed=$(readelf -d "$lib" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[ "$needed" = "libc.so.6 " ] || fail "libxvios-client needs more than libc: $needed"
readelf -d "$root/usr/sbin/xviosd" | grep -q 'NEEDED.*libsystemd' || fail "xviosd does not link libsystemd"
grep -q "^Libs: -L\${libdir} -lxvios-client" "$root/usr/lib/$ma/pkgconfig/xvios-client.pc" || fail "xvios-client.pc"
ok "programs, man pages, units (ExecStart = the installed programs), conffiles, library (libc only), pkg-config"

# ---- the installed units pass systemd-analyze verify (the programs' path under the fresh root)
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$dir/units"
    for u in xvios-backend xviosd; do
        sed "s|^ExecStart=/usr/sbin/|ExecStart=$root/usr/sbin/|" "$root/lib/systemd/system/$u.service" >"$dir/units/$u.service"
    done
    sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$root/lib/systemd/system/xvios-guard.service" \
        >"$dir/units/xvios-guard.service"
    (cd "$dir/units" && systemd-analyze verify --man=no ./xvios-backend.service ./xviosd.service ./xvios-guard.service) >"$dir/verify.log" 2>&1 \
        || { cat "$dir/verify.log"; fail "systemd-analyze verify on the installed units"; }
    ok "systemd-analyze verify: the three installed units"
fi

# ---- the installed programs run
for p in usr/bin/xvios usr/sbin/xvios-backend usr/sbin/xviosd; do
    out=$(LD_LIBRARY_PATH="$root/usr/lib/$ma" "$root/$p" --version) || fail "/$p --version"
    [ "$out" = "$(basename "$p") $version" ] || fail "/$p --version says '$out', want '$(basename "$p") $version'"
done
ok "xvios --version (and the daemons'): $version"
# the installed daemon refuses a bad configuration with its file and line
printf 'log-level = info\nrundir =\n' >"$dir/bad.conf"
LD_LIBRARY_PATH="$root/usr/lib/$ma" "$root/usr/sbin/xviosd" --config "$dir/bad.conf" 2>"$dir/bad.err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.conf:2: rundir: no value" "$dir/bad.err" || { cat "$dir/bad.err"; fail "bad config: exit $rc"; }
ok "a bad configuration: exit 2, FILE:2 named"

# ---- reinstalling (what an upgrade runs: postinst configure with the old version) works
dpkg --root="$root" --force-not-root --force-depends -i $debs >"$dir/reinstall.log" 2>&1 \
    || { cat "$dir/reinstall.log"; fail "dpkg -i over the installed packages"; }
ok "reinstalled over itself"

# ---- purge: nothing left behind
listed=$(for p in $pkgs; do dpkg --root="$root" -L "$p"; done | sort -u)
[ "$(echo "$listed" | wc -l)" -gt 20 ] || fail "dpkg -L lists almost nothing"
dpkg --root="$root" --force-not-root --force-depends -P $pkgs >"$dir/purge.log" 2>&1 \
    || { cat "$dir/purge.log"; fail "dpkg -P"; }
for p in $pkgs; do
    if dpkg --root="$root" -s "$p" >/dev/null 2>&1; then fail "$p still known to dpkg after the purge"; fi
done
left=$(while read -r f; do [ -e "$root$f" ] || [ -L "$root$f" ] && echo "$f"; done <<<"$listed" \
       | grep -vxF -e /. -e /usr -e /lib -e /etc -e /usr/lib -e /usr/share -e /usr/bin -e /usr/sbin || true)
# the directories that were there before (the shell's) may stay
left=$(for f in $left; do grep -qxF ".$f" <<<"$before" || echo "$f"; done)
[ -z "$left" ] || fail "left behind after the purge: $left"
after=$(cd "$root" && find . ! -path './var/lib/dpkg/*' | sort)
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); fail "the root differs from before the install"; }
ok "purged: none of the $(echo "$listed" | wc -l) listed paths is left, the root is as before"
