#!/bin/sh
# run-scenarios.sh - the rig's scenario runner, run by dom0's /init.
#
# Creates the standard domUs (vios1..vios3 as driver domains, client1), then
# runs every /rig/scenarios/NN-name.sh in name order (only those whose NN is
# listed in rig.scenarios=NN,NN on the kernel command line, if given), each
# in a session of its own with a time limit (300 s, or "# rig-timeout: N" in
# the script's header) after which the whole session is killed.
# Before each scenario the standard domUs are brought back if a previous one
# destroyed them, and extra domUs it created are destroyed.
# A scenario reports "RIG PASS ..." / "RIG FAIL ...: ..." lines (lib.sh); one
# that reports nothing, exits non-zero without a FAIL line, or times out
# gets a FAIL line from the runner. At the end: crash lines (RIG-CRASH) from
# dom0's and the domUs' kernel logs, the domU console logs (RIG-CONSOLE) and
# "RIG-SUMMARY: N passed, N failed" counting PASS/FAIL lines.
. /rig/lib.sh

LOGS=$RIG_STATE/logs
ALL=$LOGS/all.log
mkdir -p "$LOGS"
: >"$ALL"
stage() { echo "RIG-STAGE $* (dom0 uptime $(cut -d' ' -f1 /proc/uptime)s)"; }
# result lines from the runner itself go to the console and into the tally
runner_fail() { RIG_SCENARIO=rig rig_fail "$1" "$2" | tee -a "$ALL"; }
runner_pass() { RIG_SCENARIO=rig rig_pass "$1" | tee -a "$ALL"; }

select=
bench=0
for a in $(cat /proc/cmdline); do
    case $a in
        rig.scenarios=*) select=$(echo "${a#rig.scenarios=}" | tr ',' ' ') ;;
        rig.bench=1) bench=1 ;;
    esac
done
# the benchmarks (9N-bench-*) run when selected by number (make rig-bench) or, with every other
# scenario, in a bench boot (RIG_BENCH=1 make rig: what CI runs); a plain make rig leaves them out
wanted() {
    local nn=${1%%-*} s
    case $1 in 9[0-8]-bench-*) [ -n "$select" ] || [ "$bench" = 1 ] || return 1 ;; esac
    [ -z "$select" ] && return 0
    for s in $select; do [ "$s" = "$nn" ] && return 0; done
    return 1
}

# ---------------------------------------------------------------- domUs
stage "creating domUs: $RIG_STANDARD_DOMUS"
t0=$(rig_now)
if rig_standard_domus_up 120; then
    runner_pass "domus-up ($(rig_secs_since "$t0")s)"
else
    runner_fail domus-up "not all standard domUs are ready after $(rig_secs_since "$t0")s"
fi
xl list

# ---------------------------------------------------------------- scenarios
nsel=0
for s in /rig/scenarios/[0-9]*.sh; do
    [ -f "$s" ] || continue
    name=$(basename "$s" .sh)
    wanted "$name" || continue
    nsel=$((nsel + 1))
    limit=$(sed -n 's/^# rig-timeout: *\([0-9][0-9]*\).*/\1/p' "$s" | head -n 1)
    limit=${limit:-300}
    for x in $(rig_extra_domus); do rig_destroy_domu "$x"; done
    rig_standard_domus_up 120 || runner_fail "$name/setup" "the standard domUs could not be restored"
    stage "scenario $name (limit ${limit}s)"
    log=$LOGS/$name.log
    t0=$(rig_now)
    rm -f "$log.rc" "$log.pgid"
    # the scenario runs in a session of its own, so that at its time limit
    # (and after it ends) everything it started in dom0 can be killed
    { RIG_SCENARIO=$name setsid sh -c 'echo $$ >"$1.pgid"; exec sh "$2"' scenario "$log" "$s" </dev/null 2>&1
      echo $? >"$log.rc"; } | tee "$log" &
    dl=$(rig_deadline "$limit")
    timed_out=0
    until [ -f "$log.rc" ]; do
        if rig_expired "$dl"; then
            timed_out=1
            kill -KILL -"$(cat "$log.pgid")" 2>/dev/null
            rig_wait_for 10 test -f "$log.rc"
            break
        fi
        usleep 200000
    done
    kill -KILL -"$(cat "$log.pgid" 2>/dev/null)" 2>/dev/null
    wait
    rc=$(cat "$log.rc" 2>/dev/null)
    secs=$(rig_secs_since "$t0")
    # a result line may follow output that did not end with a newline
    grep -oE 'RIG (PASS|FAIL) .*' "$log" >"$log.results"
    np=$(grep -c '^RIG PASS ' "$log.results")
    nf=$(grep -c '^RIG FAIL ' "$log.results")
    cat "$log.results" >>"$ALL"
    if [ $timed_out = 1 ]; then
        runner_fail "$name" "timed out after ${limit}s"
    elif [ "$rc" != 0 ] && [ "$nf" = 0 ]; then
        runner_fail "$name" "exited with status $rc without a FAIL line"
    elif [ "$np" = 0 ] && [ "$nf" = 0 ]; then
        runner_fail "$name" "reported no result"
    fi
    nf=$(grep -cE "^RIG FAIL (rig/)?$name[/:]" "$ALL")
    [ "$nf" = 0 ] && v=PASS || v=FAIL
    echo "RIG-SCENARIO $name $v ${secs}s ($np passed, $nf failed)"
    # a user-space crash in dom0 during this scenario
    dmesg | grep -E 'traps:|segfault at|general protection' | sed 's/^/RIG-CRASH dom0: /' >"$LOGS/crash.dom0"
    if [ -s "$LOGS/crash.dom0" ] && ! cmp -s "$LOGS/crash.dom0" "$LOGS/crash.dom0.seen"; then
        cat "$LOGS/crash.dom0"
        cp "$LOGS/crash.dom0" "$LOGS/crash.dom0.seen"
    fi
done
[ "$nsel" -gt 0 ] || runner_fail scenarios "no scenario matched '${select:-*}'"

# ---------------------------------------------------------------- crashes, consoles
stage "collecting kernel logs and consoles"
for n in $(xl list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
    rig_domu_ready "$n" || continue
    rig_domu_run "$n" 10 "dmesg | grep -E 'traps:|segfault at|general protection'" \
        >"$LOGS/crash.$n" 2>/dev/null &
done
wait
for f in "$LOGS"/crash.*; do
    case $f in *.dom0 | *.seen) continue ;; esac
    sed "s/^/RIG-CRASH ${f##*/crash.}: /" "$f"
done
for f in /var/log/xen/console/*.log; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .log)
    sed "s/^/RIG-CONSOLE ${n#guest-}| /" "$f"
done
np=$(grep -c '^RIG PASS ' "$ALL")
nf=$(grep -c '^RIG FAIL ' "$ALL")
echo "RIG-SUMMARY: $np passed, $nf failed"
