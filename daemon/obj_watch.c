/* SPDX-License-Identifier: MIT */
/*
 * obj_watch.c - Lifecycle events of the pool, its LUs, the named pools (their
 * access lists) and the mappings (the VTD table) from this node's own watch
 * on the DB, whoever wrote them: each
 * rescan is diffed against what this daemon saw last (by key; an LU whose
 * WWN changed was deleted and made again, one whose size, read-only flag or
 * region changed was modified; a mapping whose VIOS, LU or mode changed was
 * modified; a named pool whose creation time changed was deleted and made
 * again, one whose access list changed was modified; the default pool is
 * always there, so its record appearing or changing is a modification).
 * Every daemon tells only its own subscribers, so a subscriber
 * gets each change once, from the node it is attached to. An announcement
 * of the same change (OBJ_EVENT, handlers.c) is deduplicated against the
 * watch's copy (lc_dedupe.h): the announcement wins when it comes within the
 * grace, the other copy is dropped. Only dom0 writes these tables, so a
 * watched change says by=0, via=this node.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/lc_dedupe.h"
#include "xviosd.h"
#include "xvios/clock.h"
#include "xvios/db_lu.h"
#include "xvios/db_pool.h"
#include "xvios/db_vtd.h"
#include "xvios/log.h"

#define TOKEN_POOL "xviosd-pool"
#define TOKEN_VTDS "xviosd-vtds"
#define TOKEN_POOLS "xviosd-pools"

struct ow_rec {
    char key[XVIOS_LU_NAME_MAX + 1];
    char ident[40];            /* differs: the object was deleted and made again */
    char attrs[160];           /* differs: the object was modified */
};

struct ow_table {
    const char *type;          /* the event's object type */
    struct ow_rec *v;          /* sorted by key */
    unsigned n;
    bool valid;                /* v is a reading of the table (else nothing is diffed against it) */
    bool dirty;
};

enum { T_POOL = 0, T_LU, T_MAPPING, T_POOLS, T_N };

struct viod_objwatch {
    struct ow_table t[T_N];
    struct lc_dedupe dd;
};

static uint64_t fnv1a_on(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
    return h;
}

static uint64_t fnv1a(const char *s)
{
    return fnv1a_on(UINT64_C(0xcbf29ce484222325), s);
}

static int rec_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ow_rec *)a)->key, ((const struct ow_rec *)b)->key);
}

/* The table's records as the DB has them now: 0 (*v malloc'd, sorted) or < 0 (not read: no event). */
static int read_pool(struct xviosd *d, struct ow_rec **v, unsigned *n)
{
    struct xvios_db_pool pool;
    int rc = xvios_db_pool_get(d->plat, &pool);

    *v = NULL;
    *n = 0;
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (!(*v = calloc(1, sizeof(**v))))
        return -ENOMEM;
    snprintf((*v)[0].key, sizeof((*v)[0].key), "%09" PRIx64, pool.id);
    *n = 1;
    return 0;
}

static int read_lus(struct xviosd *d, struct ow_rec **v, unsigned *n)
{
    struct xvios_db_lu *lus = NULL;
    unsigned k = 0;
    int rc = xvios_db_lu_list(d->plat, XVIOS_TX_NONE, &lus, &k);

    *v = NULL;
    *n = 0;
    if (rc == -ENOENT) {
        free(lus);
        return 0;
    }
    if (rc < 0)
        return rc;
    if (k && !(*v = calloc(k, sizeof(**v)))) {
        free(lus);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < k; i++) {
        struct ow_rec *r = &(*v)[i];
        snprintf(r->key, sizeof(r->key), "%s", lus[i].name);
        xvios_lu_wwn_format(lus[i].wwn, r->ident);
        snprintf(r->attrs, sizeof(r->attrs), "size=%" PRIu64 " ro=%d offset=%" PRIu64 " backing=%016" PRIx64,
                 lus[i].size, lus[i].read_only, lus[i].offset, fnv1a(lus[i].backing));
    }
    *n = k;
    free(lus);
    if (*n)
        qsort(*v, *n, sizeof(**v), rec_cmp);
    return 0;
}

/* The named pools, and the default pool once it has a record (its record appearing or going is a modification:
 * the pool itself is always there, saw() says so). */
static int read_pools(struct xviosd *d, struct ow_rec **v, unsigned *n)
{
    struct xvios_db_pool_info *pl = NULL;
    unsigned k = 0;
    int rc = xvios_db_pool_list(d->plat, XVIOS_TX_NONE, &pl, &k);

    *v = NULL;
    *n = 0;
    if (rc < 0)
        return rc == -ENOENT ? 0 : rc;
    if (k && !(*v = calloc(k, sizeof(**v)))) {
        xvios_db_pool_infos_free(pl, k);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < k; i++) {
        struct ow_rec *r = &(*v)[*n];
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        if (xvios_pool_is_default(pl[i].name) && !pl[i].recorded)
            continue;
        for (unsigned a = 0; a < pl[i].n_access; a++) {   /* sorted by uuid: the list read in one order */
            h = fnv1a_on(fnv1a_on(h, pl[i].access[a].uuid), "=");
            h = fnv1a_on(fnv1a_on(h, pl[i].access[a].name), ",");
        }
        snprintf(r->key, sizeof(r->key), "%s", pl[i].name);
        if (!xvios_pool_is_default(pl[i].name))
            snprintf(r->ident, sizeof(r->ident), "%" PRIu64, pl[i].created);
        snprintf(r->attrs, sizeof(r->attrs), "any=%d n=%u access=%016" PRIx64, pl[i].any, pl[i].n_access, h);
        (*n)++;
    }
    xvios_db_pool_infos_free(pl, k);
    if (*n)
        qsort(*v, *n, sizeof(**v), rec_cmp);
    return 0;
}

static int read_vtds(struct xviosd *d, struct ow_rec **v, unsigned *n)
{
    struct xvios_db_vtd *vt = NULL;
    unsigned k = 0;
    int rc = xvios_db_vtd_list(d->plat, XVIOS_TX_NONE, &vt, &k);

    *v = NULL;
    *n = 0;
    if (rc < 0) {
        free(vt);
        return rc == -ENOENT ? 0 : rc;
    }
    if (k && !(*v = calloc(k, sizeof(**v)))) {
        free(vt);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < k; i++) {
        struct ow_rec *r = &(*v)[i];
        snprintf(r->key, sizeof(r->key), "%u:%u:%u:%u:%u", vt[i].client, vt[i].vhost, vt[i].chn, vt[i].tgt,
                 vt[i].lun);
        snprintf(r->attrs, sizeof(r->attrs), "node=%u ro=%d pool-lu=%s lu=%016" PRIx64, vt[i].node,
                 vt[i].read_only, vt[i].pool_lu, fnv1a(vt[i].lu));
    }
    *n = k;
    free(vt);
    if (*n)
        qsort(*v, *n, sizeof(**v), rec_cmp);
    return 0;
}

/* A change the watch saw: held for its announcement's grace (lc_dedupe.h), or sent at once when no slot is free.
 * replug: a mapping created again while its deletion is held is one change (modified). */
static void saw_(struct xviosd *d, const char *type, const char *key, const char *action, bool replug)
{
    struct xvios_vio_event ev = { .by = 0, .via = d->self_node };
    struct timespec now = xvios_now();

    snprintf(ev.type, sizeof(ev.type), "%s", type);
    snprintf(ev.action, sizeof(ev.action), "%s", action);
    snprintf(ev.key, sizeof(ev.key), "%s", key);
    if (lc_watch_saw(&d->ow->dd, &ev, &now, replug) == LC_EMIT)
        viod_events_lifecycle(d, &ev);
}

static void saw(struct xviosd *d, const char *type, const char *key, const char *action)
{
    if (!strcmp(type, "pool") && xvios_pool_is_default(key))
        action = "modified";   /* the default pool always exists: its record came, changed or went */
    saw_(d, type, key, action, !strcmp(type, "mapping"));
}

/* Both sorted by key: one merge. */
static void diff(struct xviosd *d, const char *type, const struct ow_rec *old, unsigned n_old,
                 const struct ow_rec *now, unsigned n_now)
{
    unsigned i = 0, j = 0;

    while (i < n_old || j < n_now) {
        int c = i == n_old ? 1 : j == n_now ? -1 : strcmp(old[i].key, now[j].key);
        if (c < 0) {
            saw(d, type, old[i++].key, "deleted");
        } else if (c > 0) {
            saw(d, type, now[j++].key, "created");
        } else {
            if (strcmp(old[i].ident, now[j].ident)) {   /* another object under the same key: two changes */
                saw_(d, type, old[i].key, "deleted", false);
                saw_(d, type, now[j].key, "created", false);
            } else if (strcmp(old[i].attrs, now[j].attrs)) {
                saw(d, type, now[j].key, "modified");
            }
            i++;
            j++;
        }
    }
}

static void rescan(struct xviosd *d, unsigned which, bool announce)
{
    static int (*const readers[T_N])(struct xviosd *, struct ow_rec **, unsigned *) = {
        [T_POOL] = read_pool, [T_LU] = read_lus, [T_MAPPING] = read_vtds, [T_POOLS] = read_pools,
    };
    struct ow_table *t = &d->ow->t[which];
    struct ow_rec *v = NULL;
    unsigned n = 0;
    int rc = readers[which](d, &v, &n);

    t->dirty = false;
    if (rc < 0) {   /* the table stays as seen: the next watch event reads it again */
        XLOG_WARN("lifecycle watch: cannot read the %s table: %s", t->type, strerror(-rc));
        return;
    }
    if (announce && t->valid)
        diff(d, t->type, t->v, t->n, v, n);
    free(t->v);
    t->v = v;
    t->n = n;
    t->valid = true;
}

int viod_objwatch_start(struct xviosd *d)
{
    int rc;

    if (!(d->ow = calloc(1, sizeof(*d->ow))))
        return -ENOMEM;
    d->ow->t[T_POOL].type = "pool";
    d->ow->t[T_LU].type = "LU";
    d->ow->t[T_MAPPING].type = "mapping";
    d->ow->t[T_POOLS].type = "pool";
    for (unsigned i = 0; i < T_N; i++)
        rescan(d, i, false);
    rc = xvios_db_watch(d->plat, XVIOS_DB_PART_POOL, TOKEN_POOL);
    if (rc == 0)
        rc = xvios_db_watch(d->plat, XVIOS_DB_PART_VTDS, TOKEN_VTDS);
    if (rc == 0)
        rc = xvios_db_watch(d->plat, XVIOS_DB_PART_POOLS, TOKEN_POOLS);
    return rc;
}

bool viod_objwatch_token(struct xviosd *d, const char *token)
{
    if (!d->ow)
        return false;
    if (!strcmp(token, TOKEN_POOL)) {   /* the pool's id and its LUs live below one node */
        d->ow->t[T_POOL].dirty = d->ow->t[T_LU].dirty = true;
        return true;
    }
    if (!strcmp(token, TOKEN_VTDS)) {
        d->ow->t[T_MAPPING].dirty = true;
        return true;
    }
    if (!strcmp(token, TOKEN_POOLS)) {
        d->ow->t[T_POOLS].dirty = true;
        return true;
    }
    return false;
}

void viod_objwatch_rescan(struct xviosd *d)
{
    for (unsigned i = 0; d->ow && i < T_N; i++)
        if (d->ow->t[i].dirty)
            rescan(d, i, true);
}

void viod_objwatch_announced(struct xviosd *d, const struct xvios_vio_event *ev)
{
    struct timespec now = xvios_now();

    if (d->ow && lc_announced(&d->ow->dd, ev, &now) == LC_DROP) {
        XLOG_DEBUG("lifecycle: %s %s %s announced via node %u: raised already from the DB watch", ev->type, ev->key,
                   ev->action, ev->via);
        return;
    }
    viod_events_lifecycle(d, ev);
}

void viod_objwatch_tick(struct xviosd *d, struct timespec now)
{
    struct xvios_vio_event ev;

    while (d->ow && lc_due(&d->ow->dd, &now, &ev))
        viod_events_lifecycle(d, &ev);
}

bool viod_objwatch_next_deadline(const struct xviosd *d, struct timespec *next)
{
    return d->ow && lc_next_due(&d->ow->dd, next);
}

void viod_objwatch_dispose(struct xviosd *d)
{
    if (!d->ow)
        return;
    for (unsigned i = 0; i < T_N; i++)
        free(d->ow->t[i].v);
    free(d->ow);
    d->ow = NULL;
}
