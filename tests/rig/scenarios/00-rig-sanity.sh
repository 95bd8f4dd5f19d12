#!/bin/sh
# 00-rig-sanity - the rig itself works: the five standard domUs run, each
# agent answers (exact bytes, clipping, timeouts, background processes), the
# packaged programs find their libraries, dom0 can hand a VIOS a XenStore
# value under its own data path, and XenStore keeps the client out of
# another domain's data.
# rig-timeout: 180
. /rig/lib.sh

# 1. all standard domUs are running
for n in vios1 vios2 vios3 client1 client2; do
    if rig_domu_running "$n"; then
        rig_pass "running-$n"
    else
        rig_fail "running-$n" "xl list: $(xl list "$n" 2>&1 | tail -n 1)"
    fi
done

# 2. the agent in each answers: a command runs there, with its stdout,
# stderr and exit status coming back intact
for n in vios1 vios2 vios3 client1 client2; do
    out=$(rig_domu_run "$n" 20 'echo "$(xenstore-read name) $(xenstore-read data/rig/role)"; echo oops >&2; exit 7' 2>/tmp/err)
    rc=$?
    err=$(cat /tmp/err)
    case $n in vios*) role=vios ;; *) role=client ;; esac
    if [ $rc = 7 ] && [ "$out" = "$n $role" ] && [ "$err" = oops ]; then
        rig_pass "agent-$n"
    else
        rig_fail "agent-$n" "rc=$rc out='$out' err='$err'"
    fi
done

# output survives byte for byte: a leading dash, backslashes, quotes,
# trailing newlines
cmd=$(cat <<'CMD'
printf '%s\n\n' '-a\b "q" '\''s'\'''
CMD
)
want='-a\b "q" '\''s'\'''
nl='
'
got=$(rig_domu_run vios1 10 "$cmd"; echo x)
if [ "${got%x}" = "$want$nl$nl" ]; then
    rig_pass agent-bytes-exact
else
    rig_fail agent-bytes-exact "got '$(printf '%s' "${got%x}" | od -c | head -n 3 | tr -s ' ')'"
fi

# long output is clipped to its end, with a notice
out=$(rig_domu_run vios3 10 'i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i + 1)); done')
rc=$?
if [ $rc = 0 ] && echo "$out" | head -n 1 | grep -q '^\[rig-agent: first [0-9]* bytes dropped\]$' &&
    [ "$(echo "$out" | tail -n 1)" = "line 499" ]; then
    rig_pass agent-output-clipped
else
    rig_fail agent-output-clipped "rc=$rc first '$(echo "$out" | head -n 1)' last '$(echo "$out" | tail -n 1)'"
fi

# the project's programs and test helpers (whatever was packaged) find all
# their libraries, in dom0 and in a domU
progs=$(ls /usr/bin/xvios* /usr/sbin/xvios* /usr/libexec/xvios-tests/* 2>/dev/null | tr '\n' ' ')
missing=$(for p in $progs; do /lib64/ld-linux-x86-64.so.2 --list "$p" 2>&1 | grep 'not found'; done)
missing_u=$(rig_domu_run vios1 10 \
    'for p in /usr/bin/xvios* /usr/sbin/xvios* /usr/libexec/xvios-tests/*; do [ -e "$p" ] || continue; /lib64/ld-linux-x86-64.so.2 --list "$p" 2>&1 | grep "not found"; done')
if [ -z "$missing$missing_u" ]; then
    names=$(for p in $progs; do basename "$p"; done | tr '\n' ' ')
    names=${names% }
    rig_pass "programs-linked (${names:-none packaged})"
else
    rig_fail programs-linked "missing libraries: $missing $missing_u"
fi

# a command that overruns its timeout is killed in the domU (137), long before the sleep would
# end (the 10 s leave room for dom0's polling on a loaded machine: 7.1 s were seen)
t0=$(rig_now)
rig_domu_run client1 2 'sleep 30' >/dev/null 2>&1
rc=$?
if [ $rc = 137 ] && [ "$(rig_secs_since "$t0" | cut -d. -f1)" -lt 10 ]; then
    rig_pass agent-timeout
else
    rig_fail agent-timeout "rc=$rc after $(rig_secs_since "$t0")s"
fi

# a background process keeps running and its log can be read back later
rig_domu_spawn vios2 ticker 'i=0; while :; do echo tick $i; i=$((i + 1)); sleep 1; done'
if rig_wait_for 20 sh -c '. /rig/lib.sh; rig_domu_log vios2 ticker | grep -q "tick 1"' &&
    rig_domu_alive vios2 ticker && rig_domu_stop vios2 ticker && ! rig_domu_alive vios2 ticker; then
    rig_pass agent-background
else
    rig_fail agent-background "log: $(rig_domu_log vios2 ticker 2>&1 | tail -n 2)"
fi

# 3. a value dom0 writes under a VIOS's own data path is readable there
v1=$(rig_domid vios1)
token=rig-$(rig_now)-$$
if xenstore-write "/local/domain/$v1/data/rig-sanity" "$token"; then
    got=$(rig_domu_run vios1 10 xenstore-read data/rig-sanity)
    got_abs=$(rig_domu_run vios1 10 xenstore-read "/local/domain/$v1/data/rig-sanity")
    if [ "$got" = "$token" ] && [ "$got_abs" = "$token" ]; then
        rig_pass xenstore-dom0-to-vios
    else
        rig_fail xenstore-dom0-to-vios "read back '$got' / '$got_abs', want '$token'"
    fi
else
    rig_fail xenstore-dom0-to-vios "dom0 could not write /local/domain/$v1/data/rig-sanity"
fi

# 4. the client cannot read another domain's data area: the node exists
# (dom0 reads it), client1 reads its own area, and is refused on vios1's.
# xenstore-read does not say why it failed; xenstore-ls names the errno.
own=$(rig_domu_run client1 10 'xenstore-read data/rig/role')
rig_domu_run client1 10 "xenstore-read /local/domain/$v1/data/rig-sanity" >/dev/null 2>&1
rc_read=$?
err=$(rig_domu_run client1 10 "xenstore-ls /local/domain/$v1/data/rig-sanity" 2>&1 >/dev/null)
rc_ls=$?
if [ "$own" = client ] && [ $rc_read != 0 ] && [ $rc_ls != 0 ] && echo "$err" | grep -q 'Permission denied' &&
    [ "$(xenstore-read "/local/domain/$v1/data/rig-sanity")" = "$token" ]; then
    rig_pass client-denied-other-data
else
    rig_fail client-denied-other-data "own='$own' read rc=$rc_read ls rc=$rc_ls err='$err'"
fi
err=$(rig_domu_run client1 10 "xenstore-ls /local/domain/$v1/data" 2>&1 >/dev/null)
rc=$?
if [ $rc != 0 ] && echo "$err" | grep -q 'Permission denied'; then
    rig_pass client-denied-other-list
else
    rig_fail client-denied-other-list "rc=$rc err='$err'"
fi
xenstore-rm "/local/domain/$v1/data/rig-sanity"
