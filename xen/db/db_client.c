/* SPDX-License-Identifier: MIT */
/*
 * db_client.c - the client and adapter tables (layout: xvios/db_client.h,
 * docs/pool.md "Clients and adapters"): ClientIDs by domain uuid and
 * AdapterIDs by (client, VIOS node, vhost), looked up or allocated in one
 * store transaction with the EAGAIN retry. Each table is an ID-keyed record
 * plus an index by its natural key; a record and its index entry are one
 * VIOS's, written once and never changed, and every record or index entry
 * read back is checked (another VIOS wrote it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_client.h"
#include "xvios/kv.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

#define CLIENTS   XVIOS_DB_ROOT "/clients"
#define UUIDS     XVIOS_DB_ROOT "/client-uuids"
#define ADAPTERS  XVIOS_DB_ROOT "/adapters"
#define KEYS      XVIOS_DB_ROOT "/adapter-keys"
#define NEXT_CID  XVIOS_DB_ROOT "/next-client-id"
#define NEXT_AID  XVIOS_DB_ROOT "/next-adapter-id"
#define RECORD_MAX 160u   /* the longest record: "uuid=" 36 "\nname=" 63 "\nnode=" 2 "\n" */

_Static_assert(sizeof(KEYS "/") + 3 * 10 + 2 + 1 <= DB_PATH_MAX, "an adapter key path fits DB_PATH_MAX");
_Static_assert(sizeof(UUIDS "/") + 36 <= DB_PATH_MAX, "a uuid index path fits DB_PATH_MAX");

/* ---------------------------------------------------------------- values */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > XVIOS_CLIENT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* The canonical (lowercase) form of a uuid, or -EINVAL. */
static int uuid_canon(const char *untrusted_s, char out[37])
{
    if (!untrusted_s || !xvios_uuid_valid(untrusted_s))
        return -EINVAL;
    for (unsigned i = 0; i < 36; i++) {
        char c = untrusted_s[i];
        out[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    out[36] = '\0';
    return 0;
}

static int kv_u32(const char *text, size_t len, const char *key, uint32_t max, uint32_t *out)
{
    char untrusted_num[16];

    if (xvios_kv_get(text, len, key, untrusted_num, sizeof(untrusted_num)) < 0 ||
        xvios_parse_u32_canon(untrusted_num, max, out) < 0)
        return -EIO;
    return 0;
}


/* ---------------------------------------------------------------- reading records */
/*
 * Read the record TABLE/<id> into untrusted_rec (RECORD_MAX + 1 bytes), its
 * path into path: 0; -EIO for a record too long or not a string (logged by
 * the caller as malformed, path filled); -EINVAL for an ID out of range; or
 * the store's error.
 */
static int record_fetch(xvios_plat *p, xvios_tx tx, const char *table, uint32_t id, char *path, char *untrusted_rec)
{
    int rc;

    if (id == 0 || id > XVIOS_ID_MAX)
        return -EINVAL;
    if ((rc = db_path(path, DB_PATH_MAX, "%s/%u", table, id)) < 0)
        return rc;
    rc = db_read_str(p, tx, path, untrusted_rec, RECORD_MAX);
    return rc == -E2BIG ? -EIO : rc;
}

static int client_read(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_client *out)
{
    static const char *const keys[] = { "uuid", "name", "node" };
    char path[DB_PATH_MAX], untrusted_rec[RECORD_MAX + 1], untrusted_uuid[40];
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = record_fetch(p, tx, CLIENTS, id, path, untrusted_rec);
    if (rc == -EIO)
        goto bad;
    if (rc < 0)
        return rc;
    len = strlen(untrusted_rec);
    if (db_kv_exactly(untrusted_rec, len, keys, 3) < 0 ||
        xvios_kv_get(untrusted_rec, len, "uuid", untrusted_uuid, sizeof(untrusted_uuid)) < 0 ||
        uuid_canon(untrusted_uuid, out->uuid) < 0 || strcmp(untrusted_uuid, out->uuid) ||
        xvios_kv_get(untrusted_rec, len, "name", out->name, sizeof(out->name)) < 0 || !name_ok(out->name) ||
        kv_u32(untrusted_rec, len, "node", XVIOS_NODE_ID_MAX, &out->node) < 0 || out->node == 0)
        goto bad;
    out->id = id;
    return 0;
bad:
    XLOG_WARN("cluster DB: %s: malformed client record", path);
    memset(out, 0, sizeof(*out));
    return -EIO;
}

static int adapter_read(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_adapter *out)
{
    static const char *const keys[] = { "client", "node", "vhost" };
    char path[DB_PATH_MAX], untrusted_rec[RECORD_MAX + 1];
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = record_fetch(p, tx, ADAPTERS, id, path, untrusted_rec);
    if (rc == -EIO)
        goto bad;
    if (rc < 0)
        return rc;
    len = strlen(untrusted_rec);
    if (db_kv_exactly(untrusted_rec, len, keys, 3) < 0 ||
        kv_u32(untrusted_rec, len, "client", XVIOS_ID_MAX, &out->client_id) < 0 || out->client_id == 0 ||
        kv_u32(untrusted_rec, len, "node", XVIOS_NODE_ID_MAX, &out->node) < 0 || out->node == 0 ||
        kv_u32(untrusted_rec, len, "vhost", XVIOS_VHOST_MAX, &out->vhost) < 0)
        goto bad;
    out->id = id;
    return 0;
bad:
    XLOG_WARN("cluster DB: %s: malformed adapter record", path);
    memset(out, 0, sizeof(*out));
    return -EIO;
}

/* An index entry: the ID it names (checked against its record by the caller). */
static int index_read(xvios_plat *p, xvios_tx tx, const char *path, uint32_t *id)
{
    char untrusted_num[16];
    int rc = db_read_str(p, tx, path, untrusted_num, 10);

    if (rc == 0 && (xvios_parse_u32_canon(untrusted_num, XVIOS_ID_MAX, id) < 0 || *id == 0))
        rc = -EIO;
    if (rc == -EIO || rc == -E2BIG) {
        XLOG_WARN("cluster DB: %s: malformed index entry", path);
        return -EIO;
    }
    return rc;
}

static int by_uuid(xvios_plat *p, xvios_tx tx, const char *uuid, struct xvios_db_client *out)
{
    char path[DB_PATH_MAX];
    uint32_t id;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = db_path(path, sizeof(path), UUIDS "/%s", uuid)) < 0 || (rc = index_read(p, tx, path, &id)) < 0)
        return rc;
    rc = client_read(p, tx, id, out);
    if (rc == -ENOENT || (rc == 0 && strcmp(out->uuid, uuid))) {
        XLOG_WARN("cluster DB: %s names ClientID %u, whose record is %s", path, id,
                  rc == -ENOENT ? "missing" : "another client's");
        memset(out, 0, sizeof(*out));
        return -EIO;
    }
    return rc;
}

/* ---------------------------------------------------------------- public reads */
struct get_ctx {
    uint32_t id;
    const char *uuid;
    void *out;
};

static int client_get_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct get_ctx *g = ctx;
    return g->uuid ? by_uuid(p, tx, g->uuid, g->out) : client_read(p, tx, g->id, g->out);
}

int xvios_db_client_get(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_client *out)
{
    struct get_ctx g = { .id = id, .out = out };

    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, client_get_body, &g) : client_read(p, tx, id, out);
}

int xvios_db_client_by_uuid(xvios_plat *p, xvios_tx tx, const char *uuid, struct xvios_db_client *out)
{
    char canon[37];
    struct get_ctx g = { .uuid = canon, .out = out };

    if (uuid_canon(uuid, canon) < 0) {
        memset(out, 0, sizeof(*out));
        return -EINVAL;
    }
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, client_get_body, &g) : by_uuid(p, tx, canon, out);
}

static int adapter_get_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct get_ctx *g = ctx;
    return adapter_read(p, tx, g->id, g->out);
}

int xvios_db_adapter_get(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_adapter *out)
{
    struct get_ctx g = { .id = id, .out = out };

    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, adapter_get_body, &g) : adapter_read(p, tx, id, out);
}

/* ---------------------------------------------------------------- allocation */
struct login_ctx {
    const struct xvios_db_login *in;
    char uuid[37];
    uint32_t self_domid;
    struct xvios_db_login_ids ids;
    struct db_member *m;        /* the members, read by the first write (a lookup needs none) */
    unsigned n;
    bool have_members;
};

/* Write a new entry of this VIOS: owned by it, READ for the other members. */
static int put(xvios_plat *p, xvios_tx tx, struct login_ctx *c, const char *path, const char *val)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned np = 0;
    int rc = 0;

    if (!c->have_members && (rc = db_members(p, tx, &c->m, &c->n)) == 0)
        c->have_members = true;
    if (rc == 0)
        rc = db_perms_for(path, c->self_domid, c->m, c->n, perms, &np);
    if (rc < 0)
        return rc;
    rc = db_write(p, tx, path, val, perms, np);
    /*
     * The entry was absent when this transaction looked; a member that may read the table but is refused
     * the write found it created meanwhile by another VIOS (its entry: READ only for us). The store checks
     * permissions when an operation is issued, so that race shows as -EACCES before the commit could
     * report the conflict: it is one, and the transaction runs again (and finds the entry).
     */
    return rc == -EACCES ? -EAGAIN : rc;
}

/*
 * The next free ID of a table: the counter, then past every ID still in use
 * (so a counter set back, by damage or by a peer, never hands out an ID that
 * is taken); the counter is written one past it.
 */
static int alloc_id(xvios_plat *p, xvios_tx tx, const char *counter, const char *table, uint32_t *id)
{
    char path[DB_PATH_MAX], buf[16];
    uint32_t cand;
    int rc = db_read_u32(p, tx, counter, XVIOS_ID_MAX + 1u, &cand);

    if (rc == -EIO)
        XLOG_ERR("cluster DB: %s is damaged: no ID is allocated until dom0 repairs it", counter);
    if (rc < 0)
        return rc;
    if (cand == 0)
        cand = 1;
    for (unsigned probes = 0;; probes++) {
        char **kids = NULL;
        unsigned nk = 0;

        if (cand > XVIOS_ID_MAX || probes == XVIOS_ID_PROBE_MAX) {
            XLOG_ERR("cluster DB: %s: no free ID (at %u after %u IDs in use)", table, cand, probes);
            return -ENOSPC;
        }
        if ((rc = db_path(path, sizeof(path), "%s/%u", table, cand)) < 0)
            return rc;
        rc = xvios_store_list(p, tx, path, &kids, &nk);
        xvios_strv_free(kids, nk);
        if (rc == -ENOENT)
            break;
        if (rc < 0)
            return rc;
        cand++;
    }
    /* the counter is dom0's node (members may write its value, not its permissions) */
    snprintf(buf, sizeof(buf), "%u", cand + 1);
    if ((rc = xvios_store_write(p, tx, counter, buf, strlen(buf))) < 0)
        return rc;
    *id = cand;
    return 0;
}

static int login_client(xvios_plat *p, xvios_tx tx, struct login_ctx *c)
{
    struct xvios_db_client cl;
    char path[DB_PATH_MAX], rec[RECORD_MAX + 1], buf[16];
    uint32_t id;
    int rc = by_uuid(p, tx, c->uuid, &cl);

    if (rc == 0) {
        c->ids.client_id = cl.id;
        return 0;
    }
    if (rc != -ENOENT)
        return rc;
    if ((rc = alloc_id(p, tx, NEXT_CID, CLIENTS, &id)) < 0)
        return rc;
    snprintf(rec, sizeof(rec), "uuid=%s\nname=%s\nnode=%u\n", c->uuid, c->in->name, c->in->node);
    snprintf(buf, sizeof(buf), "%u", id);
    if ((rc = db_path(path, sizeof(path), CLIENTS "/%u", id)) < 0 || (rc = put(p, tx, c, path, rec)) < 0 ||
        (rc = db_path(path, sizeof(path), UUIDS "/%s", c->uuid)) < 0 || (rc = put(p, tx, c, path, buf)) < 0)
        return rc;
    c->ids.client_id = id;
    c->ids.new_client = true;
    return 0;
}

static int login_adapter(xvios_plat *p, xvios_tx tx, struct login_ctx *c)
{
    struct xvios_db_adapter a;
    char key[DB_PATH_MAX], path[DB_PATH_MAX], rec[RECORD_MAX + 1], buf[16];
    uint32_t id;
    int rc;

    if ((rc = db_path(key, sizeof(key), KEYS "/%u-%u-%u", c->ids.client_id, c->in->node, c->in->vhost)) < 0)
        return rc;
    rc = index_read(p, tx, key, &id);
    if (rc == 0) {
        rc = adapter_read(p, tx, id, &a);
        if (rc == 0 && (a.client_id != c->ids.client_id || a.node != c->in->node || a.vhost != c->in->vhost))
            rc = -EIO;
        if (rc == -ENOENT || rc == -EIO) {
            XLOG_WARN("cluster DB: %s names AdapterID %u, whose record is %s", key, id,
                      rc == -ENOENT ? "missing" : "another adapter's or damaged");
            return -EIO;
        }
        if (rc == 0)
            c->ids.adapter_id = id;
        return rc;
    }
    if (rc != -ENOENT)
        return rc;
    if ((rc = alloc_id(p, tx, NEXT_AID, ADAPTERS, &id)) < 0)
        return rc;
    snprintf(rec, sizeof(rec), "client=%u\nnode=%u\nvhost=%u\n", c->ids.client_id, c->in->node, c->in->vhost);
    snprintf(buf, sizeof(buf), "%u", id);
    if ((rc = db_path(path, sizeof(path), ADAPTERS "/%u", id)) < 0 || (rc = put(p, tx, c, path, rec)) < 0 ||
        (rc = put(p, tx, c, key, buf)) < 0)
        return rc;
    c->ids.adapter_id = id;
    c->ids.new_adapter = true;
    return 0;
}

static int login_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct login_ctx *c = ctx;
    char path[DB_PATH_MAX];
    uint32_t domid;
    int rc;

    memset(&c->ids, 0, sizeof(c->ids));
    free(c->m);
    c->m = NULL;
    c->n = 0;
    c->have_members = false;
    /* the serving node is a member (a client domain reads nothing here: -EACCES) */
    if ((rc = db_path(path, sizeof(path), XVIOS_DB_ROOT "/nodes/%u/domid", c->in->node)) < 0)
        return rc;
    rc = db_read_u32(p, tx, path, 0xffffu, &domid);
    if (rc == -ENOENT) {
        /* no such node, or no cluster at all */
        char **kids = NULL;
        unsigned nk = 0;
        int top = xvios_store_list(p, tx, XVIOS_DB_ROOT "/nodes", &kids, &nk);

        xvios_strv_free(kids, nk);
        if (top < 0)
            return top;
        XLOG_WARN("cluster DB: login through node %u, which is no member", c->in->node);
        return -EINVAL;
    }
    if (rc < 0)
        return rc;
    if ((rc = login_client(p, tx, c)) == 0)
        rc = login_adapter(p, tx, c);
    return rc;
}

int xvios_db_client_login(xvios_plat *p, const struct xvios_db_login *in, struct xvios_db_login_ids *out)
{
    struct login_ctx c = { .in = in };
    int rc;

    memset(out, 0, sizeof(*out));
    if (!in || !in->name || !name_ok(in->name) || uuid_canon(in->uuid, c.uuid) < 0 || in->node == 0 ||
        in->node > XVIOS_NODE_ID_MAX || in->vhost > XVIOS_VHOST_MAX)
        return -EINVAL;
    if ((rc = xvios_plat_self_domid(p, &c.self_domid)) < 0)
        return rc;
    rc = xvios_db_tx_run(p, login_body, &c);
    free(c.m);
    if (rc == 0)
        *out = c.ids;
    return rc;
}

/* ---------------------------------------------------------------- listing */
static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The IDs of TABLE, sorted; a name that is no canonical ID is skipped (logged). */
static int table_ids(xvios_plat *p, xvios_tx tx, const char *table, uint32_t **ids, unsigned *n)
{
    char **names = NULL;
    unsigned nn = 0, k = 0;
    uint32_t *v;
    int rc;

    if (!p || !ids || !n)
        return -EINVAL;
    *ids = NULL;
    *n = 0;
    rc = xvios_store_list(p, tx, table, &names, &nn);
    if (rc < 0)
        return rc;
    v = calloc(nn ? nn : 1, sizeof(*v));
    if (!v) {
        xvios_strv_free(names, nn);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < nn; i++) {
        uint32_t id;

        if (xvios_parse_u32_canon(names[i], XVIOS_ID_MAX, &id) < 0 || id == 0) {
            XLOG_WARN("cluster DB: %s: an entry that is no ID, skipped", table);
            continue;
        }
        v[k++] = id;
    }
    xvios_strv_free(names, nn);
    qsort(v, k, sizeof(*v), cmp_u32);
    *ids = v;
    *n = k;
    return 0;
}

int xvios_db_client_ids(xvios_plat *p, xvios_tx tx, uint32_t **ids, unsigned *n)
{
    return table_ids(p, tx, CLIENTS, ids, n);
}

int xvios_db_adapter_ids(xvios_plat *p, xvios_tx tx, uint32_t **ids, unsigned *n)
{
    return table_ids(p, tx, ADAPTERS, ids, n);
}
