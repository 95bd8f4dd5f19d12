#!/bin/sh
# 08-vios-packages - the rig runs what the Debian packages install (make deb;
# tests/rig/host/packages.sh): dom0's `xvios` is the xvios package's, and every
# VIOS runs xvios-backend and xviosd from the xvios-vios package, started by
# rig-unit from the ExecStart lines of the installed units (no systemd in the
# domUs). Asserted: each daemon's /proc/PID/exe is the program its unit names
# (/usr/sbin/xvios-backend, /usr/sbin/xviosd) and its command line is the
# ExecStart line; every file the units name (programs of ExecStart and
# ExecStartPre, DeviceAllow= devices, ReadWritePaths=) and the package's
# /etc/xvios/<unit>.conf exist in the VIOS; the programs say the packages'
# version. Needs the packages in the images (RIG_PACKAGES=0 leaves them out:
# then do not select this scenario).
# rig-timeout: 200
. /rig/lib.sh

ver=$(sed -n 's/^xvios //p' /etc/rig/packages 2>/dev/null)
if [ -z "$ver" ]; then
    rig_fail packages-in-image "dom0 has no /etc/rig/packages: the images were built without the packages"
    exit 1
fi
rig_pass "packages-in-image-$ver"
out=$(xvios --version 2>&1)
[ "$(command -v xvios)" = /usr/bin/xvios ] && [ "$out" = "xvios $ver" ] && rig_pass dom0-xvios-from-package ||
    rig_fail dom0-xvios-from-package "$(command -v xvios): $out"
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' /lib/systemd/system/xvios-guard.service 2>/dev/null)
[ "$exe" = /usr/bin/xvios ] && [ -x "$exe" ] && rig_pass dom0-guard-unit-program ||
    rig_fail dom0-guard-unit-program "xvios-guard.service starts '$exe'"

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }

# In a VIOS: one line per finding, "ok ..." or "bad ...".
check='
ver=$(sed -n "s/^xvios-vios //p" /etc/rig/packages)
for ut in xvios-backend:backend xviosd:daemon; do
    u=${ut%%:*}; tag=${ut#*:}; unit=/lib/systemd/system/$u.service
    [ -f "$unit" ] || { echo "bad $u: no $unit"; continue; }
    start=$(sed -n "s/^ExecStart=[-+!@:]*//p" "$unit")
    pid=$(cat /run/rig/$tag.pid 2>/dev/null)
    exe=$(readlink /proc/$pid/exe 2>/dev/null)
    cmd=$(tr "\0" " " </proc/$pid/cmdline 2>/dev/null)
    [ "$exe" = "/usr/sbin/$u" ] && [ "$exe" = "${start%% *}" ] && echo "ok $u exe $exe" ||
        echo "bad $u: pid ${pid:-none} runs ${exe:-nothing}, the unit starts ${start%% *}"
    [ "${cmd% }" = "$start" ] && echo "ok $u cmdline" || echo "bad $u: command line \"${cmd% }\", ExecStart \"$start\""
    v=$("/usr/sbin/$u" --version 2>&1)
    [ "$v" = "$u $ver" ] && echo "ok $u version" || echo "bad $u: --version says \"$v\", the package is $ver"
    for f in $(sed -n "s/^ExecStart\(Pre\)*=[-+!@:]*\([^ ]*\).*/\2/p; s/^DeviceAllow=\(\/[^ ]*\).*/\1/p;
                       s/^ReadWritePaths=//p" "$unit") /etc/xvios/$u.conf; do
        [ -e "$f" ] && echo "ok $u names $f" || echo "bad $u: $f (named by the unit) is missing"
    done
done'
for d in $RIG_VIOS; do
    out=$(rig_domu_run "$d" 30 "$check" 2>&1)
    bad=$(echo "$out" | grep '^bad' | head -n 3 | tr '\n' ' ')
    n=$(echo "$out" | grep -c '^ok')
    if [ -z "$bad" ] && [ "$n" -ge 10 ]; then
        rig_pass "$d-daemons-from-package"
    else
        rig_fail "$d-daemons-from-package" "${bad:-only $n checks ran: $(echo "$out" | tail -n 2)}"
    fi
done
echo "== vios1: what the units name"
rig_domu_run vios1 30 "$check" | sed 's/^/  /'
rig_domu_run vios1 10 'head -n 1 /var/log/rig/backend.log; head -n 1 /var/log/rig/daemon.log'
