#!/bin/sh
# 22-pool-clients - client login on real Xen: a client attached through a VIOS is registered before
# its frontend connects, with a cluster-unique ClientID taken from the hypervisor's identity (its
# uuid); the entries live in the cluster DB with the permissions docs/pool.md gives them (the
# creating VIOS owns its entry, a peer VIOS can neither change nor remove it, a client reads none
# of it); `xvios lu who` from dom0 through vios3 lists both clients and both VIOSes; client1's
# ClientID is the same after a detach and an attach through another VIOS.
# rig-timeout: 360
. /rig/lib.sh

rig_cluster_up 150 || { rig_fail cluster-up "the standard cluster could not be brought up"; exit 1; }
rig_shared_disk_up 64 $RIG_VIOS >/dev/null 2>&1 || { rig_fail shared-disk "$(rig_shared_disk_up 64 $RIG_VIOS 2>&1)"; exit 1; }
LU=pool22
xvios lu rm $LU >/dev/null 2>&1
rig_check lu-created xvios lu create $LU --size 8M --offset 48M --backing $RIG_SHARED_DEV || exit 1

attach() {   # CLIENT VIOS VHOST
    local out
    out=$(rig_scsi_run scsi attach "$1" $LU "$3:0:0:0" --vios "$(rig_node_of "$2")" --shared --timeout $RIG_SCSI_TIMEOUT_MS 2>&1) ||
        { rig_fail "attached-$1-through-$2" "$out; $(rig_domu_log "$2" backend 600)"; return 1; }
    rig_pass "attached-$1-through-$2"
}
id_of() { xenstore-read "$(rig_scsi_be "$1" "$2" "$3")/xvios-$4-id" 2>/dev/null; }   # CLIENT VIOS VHOST client|adapter

attach client1 vios1 0 || exit 1
c1=$(id_of client1 vios1 0 client)
a1=$(id_of client1 vios1 0 adapter)
case "$c1$a1" in
    *[!0-9]* | "") rig_fail logged-in "client id '$c1', adapter id '$a1'"; exit 1 ;;
esac
rig_pass "logged-in-client1-clientid-$c1-adapterid-$a1"
uuid=$(xenstore-read "/local/domain/$(rig_domid client1)/vm" | sed 's|^/vm/||')
rec=$(xenstore-read /xvios/clients/$c1 2>&1)
echo "$rec" | grep -qi "uuid=$uuid" && rig_pass client-record-has-hypervisor-uuid || rig_fail client-record-has-hypervisor-uuid "$rec (uuid $uuid)"

# permissions on real xenstored: vios1 created and owns the entry, the others only read it
d1=$(rig_domid vios1)
perms=$(xenstore-ls -p /xvios/clients 2>&1 | grep "^$c1 ")
echo "$perms" | grep -q "(n$d1," && rig_pass "entry-owned-by-vios1-n$d1" || rig_fail entry-owned-by-vios1 "$perms"
if rig_domu_run vios2 10 "xenstore-write /xvios/clients/$c1 forged" >/dev/null 2>&1; then
    rig_fail peer-cannot-overwrite "vios2 overwrote vios1's entry"
else
    rig_pass peer-cannot-overwrite
fi
if rig_domu_run vios2 10 "xenstore-rm /xvios/clients/$c1" >/dev/null 2>&1; then
    rig_fail peer-cannot-remove "vios2 removed vios1's entry"
else
    xenstore-exists /xvios/clients/$c1 && rig_pass peer-cannot-remove || rig_fail peer-cannot-remove "the entry is gone"
fi
rig_domu_run vios2 10 "xenstore-read /xvios/clients/$c1" >/dev/null 2>&1 && rig_pass peer-reads || rig_fail peer-reads "vios2 cannot read"
rig_domu_run client1 10 "xenstore-read /xvios/clients/$c1" >/dev/null 2>&1 &&
    rig_fail client-reads-nothing "client1 read the client table" || rig_pass client-reads-nothing
[ "$(xenstore-read /xvios/clients/$c1)" = "$rec" ] && rig_pass entry-unchanged || rig_fail entry-unchanged "$(xenstore-read /xvios/clients/$c1)"

attach client2 vios2 0 || exit 1
c2=$(id_of client2 vios2 0 client)
[ -n "$c2" ] && [ "$c2" != "$c1" ] && rig_pass "client2-clientid-$c2" || rig_fail client2-clientid "'$c2' vs client1's '$c1'"

# who uses the LU, asked from dom0 through vios3 (which serves neither)
who=$(xvios lu who $LU --via "$(rig_node_of vios3)" 2>&1)
if echo "$who" | grep -E "vios1 +$c1 +client1 " >/dev/null && echo "$who" | grep -E "vios2 +$c2 +client2 " >/dev/null &&
    echo "$who" | grep -q "3 of 3 node(s) answered"; then
    rig_pass lu-who-via-vios3-both-clients-both-vios
else
    rig_fail lu-who-via-vios3-both-clients-both-vios "$who"
fi

# client1 detached from vios1 and attached through vios2: the same ClientID, another adapter
rig_check detached-client1-from-vios1 rig_scsi_detach client1 0:0:0:0
attach client1 vios2 0 || exit 1
c1b=$(id_of client1 vios2 0 client)
a1b=$(id_of client1 vios2 0 adapter)
[ "$c1b" = "$c1" ] && rig_pass "same-clientid-through-vios2-$c1b" || rig_fail same-clientid-through-vios2 "'$c1b', was '$c1'"
[ -n "$a1b" ] && [ "$a1b" != "$a1" ] && rig_pass "other-adapterid-$a1b" || rig_fail other-adapterid "'$a1b', was '$a1'"

rig_scsi_detach client1 0:0:0:0 >/dev/null 2>&1
rig_scsi_detach client2 0:0:0:0 >/dev/null 2>&1
rig_check lu-removed xvios lu rm $LU
