/* SPDX-License-Identifier: MIT */
/*
 * db_paths.c - the VIOSes' paths to storage in the cluster DB
 * (xvios/db_path.h): /xvios/nodes/<node>/paths/<key>/{state,backing,since},
 * written by that VIOS with explicit permissions, read by anyone in the
 * cluster and dom0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/kv.h"
#include "xvios/db_path.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

#define PATHS_FMT XVIOS_DB_ROOT "/nodes/%u/paths"

const char *xvios_path_state_name(enum xvios_path_state s)
{
    switch (s) {
    case XVIOS_PATH_GOOD: return "good";
    case XVIOS_PATH_LOST: return "lost";
    case XVIOS_PATH_UNKNOWN: break;
    }
    return "unknown";
}

static int state_parse(const char *untrusted_s, enum xvios_path_state *out)
{
    if (!strcmp(untrusted_s, "good"))
        *out = XVIOS_PATH_GOOD;
    else if (!strcmp(untrusted_s, "lost"))
        *out = XVIOS_PATH_LOST;
    else
        return -EIO;
    return 0;
}

int xvios_path_key_for_backing(const char *backing, char *out, size_t cap)
{
    uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */
    int r;

    for (const char *s = backing; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    r = snprintf(out, cap, "path-%016" PRIx64, h);
    return r < 0 || (size_t)r >= cap ? -ENAMETOOLONG : 0;
}

bool xvios_path_key_valid(const char *key)
{
    return key && xvios_lu_name_ok(key);     /* the same characters and length as an LU name */
}

struct publish_ctx {
    uint32_t node;
    const struct xvios_db_path *e;
};

static int write_one(xvios_plat *p, xvios_tx tx, const char *path, const char *val, const struct db_member *m,
                     unsigned n)
{
    struct xvios_perm perms[XVIOS_MAX_NODES + 1];
    unsigned np = 0;
    int rc = db_perms_for(path, 0, m, n, perms, &np);

    return rc < 0 ? rc : db_write(p, tx, path, val, perms, np);
}

static int publish_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct publish_ctx *c = ctx;
    struct db_member *m = NULL;
    char dir[DB_PATH_MAX], path[DB_PATH_MAX + 16], since[24];
    unsigned n = 0;
    bool member = false;
    int rc;

    if ((rc = db_members(p, tx, &m, &n)) < 0)
        return rc;
    for (unsigned i = 0; i < n; i++)
        member |= m[i].node == c->node;
    if (!member) {
        rc = -ENOENT;                        /* not (any more) a member: no entry to write under */
        goto out;
    }
    snprintf(since, sizeof(since), "%" PRIu64, c->e->since_ms);
    if ((rc = db_path(dir, sizeof(dir), PATHS_FMT, c->node)) < 0 || (rc = write_one(p, tx, dir, "", m, n)) < 0 ||
        (rc = db_path(dir, sizeof(dir), PATHS_FMT "/%s", c->node, c->e->key)) < 0 ||
        (rc = write_one(p, tx, dir, "", m, n)) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/state", dir);
    if ((rc = write_one(p, tx, path, xvios_path_state_name(c->e->state), m, n)) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/since", dir);
    if ((rc = write_one(p, tx, path, since, m, n)) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/io-errors", dir);
    snprintf(since, sizeof(since), "%" PRIu64, c->e->io_errors);
    if ((rc = write_one(p, tx, path, since, m, n)) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/backing", dir);
    rc = write_one(p, tx, path, c->e->backing, m, n);
out:
    free(m);
    return rc;
}

int xvios_db_path_publish(xvios_plat *p, uint32_t node, const struct xvios_db_path *e)
{
    struct publish_ctx c = { node, e };

    if (!p || !e || node == 0 || node > XVIOS_NODE_ID_MAX || !xvios_path_key_valid(e->key) ||
        (e->state != XVIOS_PATH_GOOD && e->state != XVIOS_PATH_LOST) ||
        strnlen(e->backing, sizeof(e->backing)) >= sizeof(e->backing))
        return -EINVAL;
    return xvios_db_tx_run(p, publish_body, &c);
}

int xvios_db_path_remove(xvios_plat *p, uint32_t node, const char *key)
{
    char dir[DB_PATH_MAX];
    int rc;

    if (!p || node == 0 || node > XVIOS_NODE_ID_MAX || !xvios_path_key_valid(key))
        return -EINVAL;
    if ((rc = db_path(dir, sizeof(dir), PATHS_FMT "/%s", node, key)) < 0)
        return rc;
    return xvios_store_rm(p, XVIOS_TX_NONE, dir);
}

static int get_in(xvios_plat *p, xvios_tx tx, uint32_t node, const char *key, struct xvios_db_path *out)
{
    char dir[DB_PATH_MAX], path[DB_PATH_MAX + 16], untrusted_v[32];
    int rc;

    memset(out, 0, sizeof(*out));
    out->node = node;
    snprintf(out->key, sizeof(out->key), "%s", key);
    if ((rc = db_path(dir, sizeof(dir), PATHS_FMT "/%s", node, key)) < 0)
        return rc;
    snprintf(path, sizeof(path), "%s/state", dir);
    if ((rc = db_read_str(p, tx, path, untrusted_v, sizeof(untrusted_v) - 1)) < 0)
        return rc;
    if (state_parse(untrusted_v, &out->state) < 0)
        goto bad;
    snprintf(path, sizeof(path), "%s/since", dir);
    if ((rc = db_read_str(p, tx, path, untrusted_v, sizeof(untrusted_v) - 1)) < 0)
        return rc == -ENOENT ? -EIO : rc;
    if (xvios_parse_u64(untrusted_v, 0, UINT64_MAX, &out->since_ms) < 0)
        goto bad;
    snprintf(path, sizeof(path), "%s/backing", dir);
    if ((rc = db_read_str(p, tx, path, out->backing, XVIOS_LU_BACKING_MAX)) < 0)
        return rc == -ENOENT ? -EIO : rc;
    snprintf(path, sizeof(path), "%s/io-errors", dir);
    rc = db_read_str(p, tx, path, untrusted_v, sizeof(untrusted_v) - 1);
    if (rc == -ENOENT)
        return 0;                            /* written by a VIOS from before the count */
    if (rc < 0)
        return rc;
    if (xvios_parse_u64(untrusted_v, 0, UINT64_MAX, &out->io_errors) < 0)
        goto bad;
    return 0;
bad:
    XLOG_WARN("cluster DB: %s: malformed path entry", dir);
    out->state = XVIOS_PATH_UNKNOWN;
    return -EIO;
}

int xvios_db_path_get(xvios_plat *p, uint32_t node, const char *key, struct xvios_db_path *out)
{
    if (!p || !out || node == 0 || node > XVIOS_NODE_ID_MAX || !xvios_path_key_valid(key))
        return -EINVAL;
    return get_in(p, XVIOS_TX_NONE, node, key, out);
}

int xvios_db_paths_of(xvios_plat *p, const char *key, struct xvios_db_path **out, unsigned *n)
{
    uint32_t ids[XVIOS_MAX_NODES];
    struct xvios_db_path *v;
    unsigned nid = 0;
    int rc;

    if (!p || !out || !n || !xvios_path_key_valid(key))
        return -EINVAL;
    *out = NULL;
    *n = 0;
    if ((rc = xvios_db_node_ids(p, ids, XVIOS_MAX_NODES, &nid)) < 0)
        return rc;
    v = calloc(nid ? nid : 1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    for (unsigned i = 0; i < nid; i++) {
        rc = get_in(p, XVIOS_TX_NONE, ids[i], key, &v[i]);
        if (rc < 0 && rc != -ENOENT && rc != -EIO) {
            free(v);
            return rc;
        }
        if (rc < 0)
            v[i].state = XVIOS_PATH_UNKNOWN;   /* none, or malformed (logged): nobody can rely on it */
    }
    *out = v;
    *n = nid;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int xvios_db_path_keys(xvios_plat *p, uint32_t node, char ***keys, unsigned *n)
{
    char dir[DB_PATH_MAX], **names = NULL;
    unsigned nn = 0, k = 0;
    int rc;

    if (!p || !keys || !n || node == 0 || node > XVIOS_NODE_ID_MAX)
        return -EINVAL;
    *keys = NULL;
    *n = 0;
    if ((rc = db_path(dir, sizeof(dir), PATHS_FMT, node)) < 0)
        return rc;
    rc = xvios_store_list(p, XVIOS_TX_NONE, dir, &names, &nn);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < nn; i++) {
        if (!xvios_path_key_valid(names[i])) {
            XLOG_WARN("cluster DB: %s: an entry that is no path key, skipped", dir);
            free(names[i]);
            continue;
        }
        names[k++] = names[i];
    }
    if (k)   /* an empty listing may have no array at all */
        qsort(names, k, sizeof(*names), cmp_str);
    *keys = names;
    *n = k;
    return 0;
}

/* A record's keys are exactly the expected ones, each once, every line ended. */
int db_kv_exactly(const char *text, size_t len, const char *const *keys, unsigned nkeys)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    unsigned seen = 0, count = 0;
    int r;

    xvios_kv_iter_init(&it, text, len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        unsigned k;

        if (r < 0 || !kv.terminated)
            return -EIO;
        for (k = 0; k < nkeys && !xvios_kv_is(&kv, keys[k]); k++)
            ;
        if (k == nkeys || (seen & (1u << k)))
            return -EIO;
        seen |= 1u << k;
        count++;
    }
    return count == nkeys && it.kv_end == len ? 0 : -EIO;
}
