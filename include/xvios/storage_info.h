/* SPDX-License-Identifier: MIT */
/*
 * xvios/storage_info.h - one VIOS's storage report (XVIOS_MT_STORAGE_INFO,
 * `xvios storage`, docs/pool.md "The storage view"): the backings it sees
 * with their size and identity, the pools it reaches, the LUs and vhosts it
 * serves, and the cluster's LU usage as it reads it from the VTD table.
 *
 * On the wire it is "key=value\n" text (xvios/kv.h), at most
 * XVIOS_MAX_PAYLOAD bytes, in this order, one line per item:
 *
 *   node=<n>
 *   vios=<domain name>
 *   backing=<state> <size> <id-source> <id> <path>
 *   pool=<pool id> <lus> <reachable>
 *   lu=<wwn> <size> <name> <path>
 *   vhost=<client domid> <devid> <h:c:t:l> <r|w> <lun state> <wwn> <client name>
 *   use=<client domid> <h:c:t:l> <node> <r|w> <pool lu> <path>
 *   truncated=1                          (only when lines did not fit)
 *
 * <state>: ok | absent | denied | error (the backing as this VIOS stats it);
 * <size>: bytes (0 unless ok); <id-source>: device (the device's own wwid,
 * from sysfs) | engine (the NAA designator the vSCSI engine serves for the
 * path, xvios/naa.h); <id>: that identity, with any byte that is not
 * printable ASCII or is a space shown as '_'; <wwn>: the 32 hex digits of
 * the NAA designator the engine serves for that LU in VPD 0x83 (the pool's
 * for a pool LU); <name>, <pool lu>, <client name>: "-" when none; a path is
 * the rest of the line (canonical, absolute, printable). Every field is
 * checked when read; a report is untrusted (a peer wrote it).
 */
#ifndef XVIOS_STORAGE_INFO_H
#define XVIOS_STORAGE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db_lu.h"

#define XVIOS_SI_MAX_BACKINGS 64u
#define XVIOS_SI_MAX_POOLS    16u
#define XVIOS_SI_MAX_LUS      256u
#define XVIOS_SI_MAX_VHOSTS   512u
#define XVIOS_SI_MAX_USES     1024u
#define XVIOS_SI_WORD_MAX     63u    /* a name, the VIOS's name, a client's name */
#define XVIOS_SI_ID_MAX       95u    /* a device's own identity */
#define XVIOS_SI_MIN_CAP      128u   /* room for node=, vios= (at most 85 bytes) and truncated=1 */

enum xvios_si_state { XVIOS_SI_OK, XVIOS_SI_ABSENT, XVIOS_SI_DENIED, XVIOS_SI_ERROR };
enum xvios_si_id_source { XVIOS_SI_ID_ENGINE, XVIOS_SI_ID_DEVICE };

struct xvios_si_backing {
    enum xvios_si_state state;
    uint64_t size;
    enum xvios_si_id_source id_source;
    char id[XVIOS_SI_ID_MAX + 1];
    char path[XVIOS_LU_BACKING_MAX + 1];
};
struct xvios_si_pool {
    char id[10];                                 /* 9 lowercase hex digits */
    uint32_t lus, reachable;
};
struct xvios_si_lu {
    char wwn[XVIOS_LU_WWN_HEX + 1];
    uint64_t size;
    char name[XVIOS_SI_WORD_MAX + 1];            /* "-": attached by path */
    char path[XVIOS_LU_BACKING_MAX + 1];
};
struct xvios_si_vhost {
    uint32_t client, devid, h, c, t, l, lun_state;
    bool read_only;
    char wwn[XVIOS_LU_WWN_HEX + 1];              /* "-": the LUN names no LU the engine could identify */
    char client_name[XVIOS_SI_WORD_MAX + 1];     /* "-": unknown */
};
struct xvios_si_use {
    uint32_t client, h, c, t, l, node;
    bool read_only;
    char pool_lu[XVIOS_SI_WORD_MAX + 1];         /* "-": attached by path */
    char path[XVIOS_LU_BACKING_MAX + 1];
};

struct xvios_storage_info {
    uint32_t node;
    char vios[XVIOS_SI_WORD_MAX + 1];
    bool truncated;
    unsigned n_backings, n_pools, n_lus, n_vhosts, n_uses;
    struct xvios_si_backing backings[XVIOS_SI_MAX_BACKINGS];
    struct xvios_si_pool pools[XVIOS_SI_MAX_POOLS];
    struct xvios_si_lu lus[XVIOS_SI_MAX_LUS];
    struct xvios_si_vhost vhosts[XVIOS_SI_MAX_VHOSTS];
    struct xvios_si_use uses[XVIOS_SI_MAX_USES];
};

const char *xvios_si_state_name(enum xvios_si_state s);
const char *xvios_si_id_source_name(enum xvios_si_id_source s);

/*
 * Encode si into out (cap bytes, cap >= XVIOS_SI_MIN_CAP). Lines go in the order above;
 * when the next one would not fit with room for "truncated=1\n", encoding
 * stops there and ends with that line. Words are written with spaces and
 * bytes outside printable ASCII as '_' ("-" for an empty one). 0 and *len,
 * or -EINVAL (node 0, cap too small, a path that is not canonical).
 */
int xvios_storage_info_encode(const struct xvios_storage_info *si, char *out, size_t cap, size_t *len);

/*
 * Decode an untrusted report (at most XVIOS_MAX_PAYLOAD bytes) into *si:
 * node first, each key at most as many times as its table holds, every
 * field in range; unknown keys are skipped (a newer VIOS may add some).
 * 0; -EINVAL: malformed (a line, a field, node missing or not first);
 * -E2BIG: more items than a table holds or more bytes than a payload.
 */
int xvios_storage_info_decode(const void *untrusted, size_t len, struct xvios_storage_info *si);

#endif /* XVIOS_STORAGE_INFO_H */
