/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_vtd.h - the VTD table of the cluster DB: the configuration of
 * every mapping (virtual target device: a client's vhost:channel:target:lun
 * served by one VIOS from one LU), recorded in the transaction that writes
 * the mapping's nodes and removed in the one that removes them, by dom0
 * (attach, detach) or by the serving VIOS (a LUN added to or removed from a
 * vhost that exists when another node was asked, docs/api.md) (docs/pool.md,
 * "The VTD table", is the long version).
 *
 *   /xvios/vtds                          owner dom0; BOTH for every member (they create records)
 *   /xvios/vtds/<client>-<h>-<c>-<t>-<l> one record, its serving VIOS's (whoever writes it), READ for the
 *                                        other members:
 *       "client=<domid>\nuuid=<its uuid or empty>\nname=<domain name or empty>\nnode=<VIOS node>\n"
 *       "vhost=<h>\nchannel=<c>\n"
 *       "target=<t>\nlun=<l>\nlu=<backing path>\npool-lu=<pool LU name or empty>\nro=0|1\n"
 *       ["state=attaching|detaching\n"]  only while a multi-host attach or detach runs (below)
 *
 * Dom0 writes any record; a VIOS only its own (another's: -EACCES; one in
 * another VIOS's name: -EPERM, it cannot give a node away); every member
 * reads, so any node's daemon answers mapping list/get and a VIOS's
 * mappings can be rebuilt from here alone. A client domain gets nothing.
 * Every record read back is checked (its keys exactly, each value bounded,
 * the record matching its node's name, its owner dom0 or the VIOS it names):
 * a malformed one is -EIO when named, skipped (logged) when listed.
 *
 * The state line. On a multi-host cluster the record lives in the replicated
 * DB and the vhost's nodes in each host's own XenStore, which no transaction
 * spans, so `xvios --multihost C scsi attach` runs in steps (docs/multihost.md,
 * "scsi attach and detach across hosts"): the record with state=attaching
 * first, then the nodes, then the record rewritten without the line; a detach
 * marks it detaching, removes the nodes, then the record. A record with a
 * state line is not served yet (or any more): rebuilds skip it, and a
 * single-host record never has one (its bytes are what they always were).
 */
#ifndef XVIOS_DB_VTD_H
#define XVIOS_DB_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include "xvios/db.h"
#include "xvios/db_lu.h"

#define XVIOS_DB_VTDS        XVIOS_DB_ROOT "/vtds"
#define XVIOS_VTD_NAME_MAX   63u      /* a client domain's name */
#define XVIOS_VTD_VHOST_MAX  65535u
#define XVIOS_VTD_TARGET_MAX 63u
#define XVIOS_VTD_LUN_MAX    255u
#define XVIOS_VTD_DOMID_MAX  32751u   /* below DOMID_FIRST_RESERVED (0x7ff0) */

enum xvios_vtd_state {
    XVIOS_VTD_SERVED = 0,      /* complete: no state line */
    XVIOS_VTD_ATTACHING,       /* a multi-host attach wrote it and has not finished (or did not live to) */
    XVIOS_VTD_DETACHING,       /* a multi-host detach is taking it away */
};

struct xvios_db_vtd {
    uint32_t client;                             /* the client's domid */
    char client_uuid[37];                        /* its uuid when recorded (lowercase), "" unknown */
    char client_name[XVIOS_VTD_NAME_MAX + 1];    /* its name when recorded, "" unknown */
    uint32_t node;                               /* the VIOS node serving it, 1..XVIOS_NODE_ID_MAX */
    uint32_t vhost, chn, tgt, lun;               /* chn is 0 */
    char lu[XVIOS_LU_BACKING_MAX + 1];           /* the backing path the VIOS opens (p-dev) */
    char pool_lu[XVIOS_LU_NAME_MAX + 1];         /* the pool LU's name, "" for an LU attached by path */
    bool read_only;
    enum xvios_vtd_state state;                  /* XVIOS_VTD_SERVED but during a multi-host attach/detach */
};

/* "served", "attaching", "detaching" ("?" for anything else). */
const char *xvios_vtd_state_name(enum xvios_vtd_state s);

/* Every field in bounds (the uuid empty or canonical lowercase, the name printable, the paths as the pool
 * checks them): 0 or -EINVAL. */
int xvios_db_vtd_check(const struct xvios_db_vtd *v);

/* Record v (replacing the record of the same client and vdev), inside the caller's transaction or its own
 * (XVIOS_TX_NONE); permissions set explicitly (owner v->node's VIOS). -EINVAL, -ENOENT (no cluster), -EACCES
 * (another VIOS's record), -EPERM (a VIOS recording a mapping of another VIOS). */
int xvios_db_vtd_put(xvios_plat *p, xvios_tx tx, const struct xvios_db_vtd *v);
/* Remove the record of client at h:c:t:l: 0, -ENOENT (none), -EACCES. */
int xvios_db_vtd_remove(xvios_plat *p, xvios_tx tx, uint32_t client, uint32_t vhost, uint32_t chn, uint32_t tgt,
                        uint32_t lun);
/* The record of client at h:c:t:l: 0, -ENOENT, -EIO (malformed, logged), -EINVAL. */
int xvios_db_vtd_get(xvios_plat *p, xvios_tx tx, uint32_t client, uint32_t vhost, uint32_t chn, uint32_t tgt,
                     uint32_t lun, struct xvios_db_vtd *out);
/*
 * Every well-formed record, sorted by client, vhost, channel, target, LUN (*out malloc'd, also when
 * *n is 0). No table yet: 0 records. -ENOENT: no cluster.
 */
int xvios_db_vtd_list(xvios_plat *p, xvios_tx tx, struct xvios_db_vtd **out, unsigned *n);

#endif /* XVIOS_DB_VTD_H */
