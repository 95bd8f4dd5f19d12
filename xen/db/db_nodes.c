/* SPDX-License-Identifier: MIT */
/*
 * db_nodes.c - cluster membership in the DB: add/remove a node (dom0),
 * list/get/find nodes (members), online flag (the VIOS itself). Every value
 * read back is sanitized; a malformed node entry is logged and skipped in
 * listings, -EIO when asked for by id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

#define NODE_DIR XVIOS_DB_ROOT "/nodes"

static int node_read(xvios_plat *p, xvios_tx tx, uint32_t id, struct xvios_db_node *out)
{
    char path[DB_PATH_MAX], untrusted_state[16], untrusted_online[4];
    int rc;

    memset(out, 0, sizeof(*out));
    out->node = id;
    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/domid", id)) < 0 ||
        (rc = db_read_u32(p, tx, path, 0xffffu, &out->domid)) < 0)
        return rc;
    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/name", id)) < 0 ||
        (rc = db_read_str(p, tx, path, out->name, sizeof(out->name) - 1)) < 0)
        return rc;
    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/uuid", id)) < 0 ||
        (rc = db_read_str(p, tx, path, out->uuid, sizeof(out->uuid) - 1)) < 0)
        return rc;
    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/state", id)) < 0 ||
        (rc = db_read_str(p, tx, path, untrusted_state, sizeof(untrusted_state) - 1)) < 0)
        return rc;
    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/online", id)) < 0 ||
        (rc = db_read_str(p, tx, path, untrusted_online, sizeof(untrusted_online) - 1)) < 0)
        return rc;
    if (!strcmp(untrusted_state, "active"))
        out->state = XVIOS_NODE_ACTIVE;
    else if (!strcmp(untrusted_state, "leaving"))
        out->state = XVIOS_NODE_LEAVING;
    if (out->domid == 0 || !out->state || (strcmp(untrusted_online, "0") && strcmp(untrusted_online, "1"))) {
        XLOG_WARN("cluster DB: node %u: malformed entry", id);
        return -EIO;
    }
    out->online = untrusted_online[0] == '1';
    return 0;
}

/* ---------------------------------------------------------------- add */
struct add_ctx {
    const struct xvios_dominfo *dom;
    uint32_t want;   /* the id asked for, 0: allocate one */
    uint32_t node;
};

static int write_node_value(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n, uint32_t id,
                            const char *leaf, const char *val)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    char path[DB_PATH_MAX];
    unsigned np = 0;
    int rc = leaf ? db_path(path, sizeof(path), NODE_DIR "/%u/%s", id, leaf)
                  : db_path(path, sizeof(path), NODE_DIR "/%u", id);

    if (rc < 0 || (rc = db_perms_for(path, 0, m, n, perms, &np)) < 0)
        return rc;
    return db_write(p, tx, path, val, perms, np);
}

static int add_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct add_ctx *a = ctx;
    struct db_member *m = NULL, *grown;
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned n = 0, np = 0;
    uint32_t max_nodes, next, id = 0;
    char domid_s[16];
    int rc;

    if ((rc = db_read_u32(p, tx, XVIOS_DB_ROOT "/config/max-nodes", XVIOS_MAX_NODES, &max_nodes)) < 0 ||
        (rc = db_members(p, tx, &m, &n)) < 0)
        goto out;
    for (unsigned i = 0; i < n; i++)
        if (m[i].domid == a->dom->domid) {
            rc = -EEXIST;
            goto out;
        }
    if (n >= max_nodes || n + 1 >= XVIOS_STORE_MAX_PERMS) {
        XLOG_WARN("cluster DB: cannot add domain %u: %u nodes, limit %u", a->dom->domid, n,
                  max_nodes < XVIOS_STORE_MAX_PERMS - 1 ? max_nodes : XVIOS_STORE_MAX_PERMS - 1);
        rc = -ENOSPC;
        goto out;
    }
    if (a->want) {
        char path[DB_PATH_MAX];
        char **kids = NULL;
        unsigned nk = 0;
        bool used = false;
        for (unsigned i = 0; i < n && !used; i++)
            used = m[i].node == a->want;
        if (!used && (rc = db_path(path, sizeof(path), NODE_DIR "/%u", a->want)) == 0 &&
            xvios_store_list(p, tx, path, &kids, &nk) != -ENOENT)
            used = true;           /* a leftover entry blocks its id, as below */
        xvios_strv_free(kids, nk);
        if (rc < 0)
            goto out;
        if (used) {
            rc = -EEXIST;
            goto out;
        }
        id = a->want;
        goto add;
    }
    rc = db_read_u32(p, tx, XVIOS_DB_ROOT "/next-node-id", XVIOS_MAX_NODES, &next);
    if (rc == -EIO || (rc == 0 && next == 0))
        next = 1;   /* damaged counter: any free id will do */
    else if (rc < 0)
        goto out;
    /* the first free id from the counter on, wrapping: ids are not reused right away */
    for (uint32_t k = 0; k < XVIOS_MAX_NODES && !id; k++) {
        uint32_t cand = (next - 1 + k) % XVIOS_MAX_NODES + 1;
        bool used = false;
        char path[DB_PATH_MAX];
        char **kids = NULL;
        unsigned nk = 0;
        for (unsigned i = 0; i < n && !used; i++)
            used = m[i].node == cand;
        /* an unreadable leftover entry also blocks its id */
        if (!used && db_path(path, sizeof(path), NODE_DIR "/%u", cand) == 0 &&
            xvios_store_list(p, tx, path, &kids, &nk) != -ENOENT)
            used = true;
        xvios_strv_free(kids, nk);
        if (!used)
            id = cand;
    }
    if (!id) {
        rc = -ENOSPC;
        goto out;
    }
add:
    grown = realloc(m, (size_t)(n + 1) * sizeof(*m));
    if (!grown) {
        rc = -ENOMEM;
        goto out;
    }
    m = grown;
    m[n++] = (struct db_member){ id, a->dom->domid };
    snprintf(domid_s, sizeof(domid_s), "%u", a->dom->domid);
    if ((rc = write_node_value(p, tx, m, n, id, NULL, "")) < 0 ||
        (rc = write_node_value(p, tx, m, n, id, "domid", domid_s)) < 0 ||
        (rc = write_node_value(p, tx, m, n, id, "name", a->dom->name)) < 0 ||
        (rc = write_node_value(p, tx, m, n, id, "uuid", a->dom->uuid)) < 0 ||
        (rc = write_node_value(p, tx, m, n, id, "state", "active")) < 0 ||
        (rc = write_node_value(p, tx, m, n, id, "online", "0")) < 0)
        goto out;
    if (!a->want && ((rc = db_perms_for(XVIOS_DB_ROOT "/next-node-id", 0, m, n, perms, &np)) < 0 ||
                     (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/next-node-id", id % XVIOS_MAX_NODES + 1, perms,
                                        np)) < 0))
        goto out;
    rc = db_regrant_layout(p, tx, m, n);
    a->node = id;
out:
    free(m);
    return rc;
}

static int node_add(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t want, uint32_t *node_out)
{
    struct add_ctx a = { .dom = dom, .want = want, .node = 0 };
    size_t nlen, ulen;
    int rc;

    if (!dom || dom->domid == 0 || dom->domid > 0xffffu)
        return -EINVAL;
    nlen = strnlen(dom->name, sizeof(dom->name));
    ulen = strnlen(dom->uuid, sizeof(dom->uuid));
    if (nlen == 0 || nlen == sizeof(dom->name) || ulen == sizeof(dom->uuid))
        return -EINVAL;
    rc = xvios_db_tx_run(p, add_body, &a);
    if (rc < 0)
        return rc;
    if (node_out)
        *node_out = a.node;
    /* the member is in; its grants on the tables follow in bounded batches */
    return db_regrant_tables(p);
}

int xvios_db_node_add(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t *node_out)
{
    return node_add(p, dom, 0, node_out);
}

int xvios_db_node_add_id(xvios_plat *p, const struct xvios_dominfo *dom, uint32_t node)
{
    if (node == 0)
        return -EINVAL;
    return node_add(p, dom, node, NULL);
}

/* ---------------------------------------------------------------- remove */
static int remove_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    uint32_t id = *(uint32_t *)ctx;
    struct db_member *m = NULL;
    unsigned n = 0;
    char path[DB_PATH_MAX];
    int rc;

    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u", id)) < 0 || (rc = xvios_store_rm(p, tx, path)) < 0)
        return rc;
    if ((rc = db_members(p, tx, &m, &n)) < 0)
        return rc;
    rc = db_regrant_layout(p, tx, m, n);
    free(m);
    return rc;
}

int xvios_db_node_remove(xvios_plat *p, uint32_t node)
{
    int rc;

    if (node == 0 || node > XVIOS_NODE_ID_MAX)
        return -ENOENT;
    /* the entry (whatever the member made below it) goes in one operation; then the tables */
    rc = xvios_db_tx_run(p, remove_body, &node);
    return rc < 0 ? rc : db_regrant_tables(p);
}

/* ---------------------------------------------------------------- queries */
struct list_ctx {
    struct xvios_db_node *nodes;
    unsigned n;
};

static int node_cmp(const void *a, const void *b)
{
    const struct xvios_db_node *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int list_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct list_ctx *l = ctx;
    char **names = NULL;
    unsigned nn = 0;
    int rc;

    free(l->nodes);
    l->nodes = NULL;
    l->n = 0;
    if ((rc = xvios_store_list(p, tx, NODE_DIR, &names, &nn)) < 0)
        return rc;
    l->nodes = calloc(nn ? nn : 1, sizeof(*l->nodes));
    if (!l->nodes) {
        rc = -ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < nn; i++) {
        uint32_t id;
        if (xvios_parse_u32_canon(names[i], XVIOS_NODE_ID_MAX, &id) < 0 || id == 0) {
            XLOG_WARN("cluster DB: ignoring malformed node entry under %s", NODE_DIR);
            continue;
        }
        rc = node_read(p, tx, id, &l->nodes[l->n]);
        if (rc == -ENOMEM || rc == -EACCES)
            goto out;
        if (rc == 0)
            l->n++;
    }
    qsort(l->nodes, l->n, sizeof(*l->nodes), node_cmp);
    rc = 0;
out:
    xvios_strv_free(names, nn);
    return rc;
}

int xvios_db_nodes(xvios_plat *p, struct xvios_db_node **nodes, unsigned *n)
{
    struct list_ctx l = { NULL, 0 };
    int rc = xvios_db_tx_run(p, list_body, &l);

    *nodes = NULL;
    *n = 0;
    if (rc < 0) {
        free(l.nodes);
        return rc;
    }
    *nodes = l.nodes;
    *n = l.n;
    return 0;
}

struct get_ctx {
    uint32_t node;
    struct xvios_db_node *out;
};

static int get_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct get_ctx *g = ctx;
    return node_read(p, tx, g->node, g->out);
}

int xvios_db_node_get(xvios_plat *p, uint32_t node, struct xvios_db_node *out)
{
    struct get_ctx g = { node, out };

    if (node == 0 || node > XVIOS_NODE_ID_MAX)
        return -ENOENT;
    return xvios_db_tx_run(p, get_body, &g);
}

int xvios_db_node_by_domid(xvios_plat *p, uint32_t domid, uint32_t *node)
{
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;
    int rc = xvios_db_nodes(p, &nodes, &n);

    if (rc < 0)
        return rc;
    rc = -ENOENT;
    for (unsigned i = 0; i < n; i++)
        if (nodes[i].domid == domid) {
            *node = nodes[i].node;
            rc = 0;
            break;
        }
    free(nodes);
    return rc;
}

struct online_ctx {
    uint32_t node;
    bool online;
};

static int online_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct online_ctx *o = ctx;
    char path[DB_PATH_MAX];
    uint32_t domid;
    int rc;

    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/domid", o->node)) < 0 ||
        (rc = db_read_u32(p, tx, path, 0xffffu, &domid)) < 0)
        return rc;
    if ((rc = db_path(path, sizeof(path), NODE_DIR "/%u/online", o->node)) < 0)
        return rc;
    return xvios_store_write(p, tx, path, o->online ? "1" : "0", 1);
}

int xvios_db_node_set_online(xvios_plat *p, uint32_t node, bool online)
{
    struct online_ctx o = { node, online };

    if (node == 0 || node > XVIOS_NODE_ID_MAX)
        return -ENOENT;
    return xvios_db_tx_run(p, online_body, &o);
}

bool xvios_db_path_is_online_flag(const char *path)
{
    static const char prefix[] = NODE_DIR "/";
    const char *s;
    size_t digits;

    if (!path || strncmp(path, prefix, sizeof(prefix) - 1))
        return false;
    s = path + sizeof(prefix) - 1;
    digits = strspn(s, "0123456789");
    return digits > 0 && digits <= 3 && !strcmp(s + digits, "/online");
}
