/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_client.h - the client and adapter tables of the cluster DB: the
 * cluster-unique ClientID of a client domain (one per domain uuid, for
 * ever) and AdapterID of each (client, VIOS node, vhost) it reaches a VIOS
 * through (docs/pool.md, "Clients and adapters", is the long version).
 *
 *   /xvios/clients/<cid>            "uuid=U\nname=N\nnode=V\n"  the creating VIOS's
 *   /xvios/client-uuids/<uuid>      "<cid>"                      the creating VIOS's
 *   /xvios/adapters/<aid>           "client=C\nnode=V\nvhost=H\n" the creating VIOS's
 *   /xvios/adapter-keys/<C>-<V>-<H> "<aid>"                      the creating VIOS's
 *   /xvios/next-client-id, /xvios/next-adapter-id                 counters (members write)
 *
 * An entry is owned by the member that created it and READ for the other
 * members (none for anyone else): a VIOS writes only its own entries, and
 * every entry another VIOS wrote is checked when read (-EIO, logged, for a
 * malformed one). IDs are 1..XVIOS_ID_MAX, canonical decimals.
 */
#ifndef XVIOS_DB_CLIENT_H
#define XVIOS_DB_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "xvios/db.h"

#define XVIOS_ID_MAX          0xfffffffeu   /* ClientIDs and AdapterIDs: 1..this */
#define XVIOS_CLIENT_NAME_MAX 63u
#define XVIOS_VHOST_MAX       65535u        /* a vhost's devid */
#define XVIOS_ID_PROBE_MAX    65536u        /* IDs in use skipped past a (damaged) counter, at most */

/* What a VIOS registers when a client's frontend connects: all of it from dom0 and the hypervisor. */
struct xvios_db_login {
    const char *uuid;           /* the client domain's uuid (either case; stored lowercase) */
    const char *name;           /* its domain name: 1..63 printable ASCII */
    uint32_t node;              /* the VIOS node serving the vhost */
    uint32_t vhost;             /* the vhost's devid, 0..65535 */
};

struct xvios_db_login_ids {
    uint32_t client_id, adapter_id;
    bool new_client, new_adapter;   /* allocated by this call */
};

struct xvios_db_client {
    uint32_t id;
    char uuid[37];
    char name[XVIOS_CLIENT_NAME_MAX + 1];   /* the name at its first registration */
    uint32_t node;                          /* the VIOS node that registered it first */
};

struct xvios_db_adapter {
    uint32_t id, client_id, node, vhost;
};

/*
 * Look the client and its adapter up, allocating what is missing, in one
 * transaction with the EAGAIN retry: the same uuid gives the same ClientID
 * and the same (client, node, vhost) the same AdapterID, on every VIOS, for
 * ever. -EINVAL (bad argument), -ENOENT (no cluster, or a cluster made
 * without the index tables), -EIO (a damaged entry or counter: logged),
 * -ENOSPC (IDs exhausted, or XVIOS_ID_PROBE_MAX IDs in use past the counter),
 * -EACCES (not a member), -EAGAIN (still conflicting after the retries).
 */
int xvios_db_client_login(xvios_plat *p, const struct xvios_db_login *in, struct xvios_db_login_ids *out);

/* In the caller's transaction or their own (XVIOS_TX_NONE): -ENOENT, -EIO (malformed), -EINVAL. */
int xvios_db_client_get(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_client *out);
int xvios_db_client_by_uuid(xvios_plat *p, xvios_tx tx, const char *uuid, struct xvios_db_client *out);
int xvios_db_adapter_get(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_adapter *out);

/* Every ClientID / AdapterID in the table, ascending, *ids malloc'd (a name that is no ID is skipped,
 * logged). -ENOENT: no such table (no cluster, or one made without it). */
int xvios_db_client_ids(xvios_plat *p, xvios_tx tx, uint32_t **ids, unsigned *n);
int xvios_db_adapter_ids(xvios_plat *p, xvios_tx tx, uint32_t **ids, unsigned *n);

#endif /* XVIOS_DB_CLIENT_H */
