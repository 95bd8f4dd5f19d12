/* SPDX-License-Identifier: MIT */
/*
 * db_lu.c - the LU pool in the cluster DB (layout: xvios/db_lu.h,
 * docs/pool.md): create, get, list, remove. Every change is one store
 * transaction with the EAGAIN retry; every node written gets its
 * permissions explicitly (db_perms_for: dom0's, READ for the members, none
 * for anyone else); every value read back is checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "db_internal.h"
#include "xvios/db_lu.h"
#include "xvios/db_pool.h"
#include "xvios/db_pr.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define POOL_DIR XVIOS_DB_ROOT "/pool"
#define LUS_DIR  POOL_DIR "/lus"
#define POOL_ID_MAX ((UINT64_C(1) << 36) - 1)

_Static_assert(sizeof(LUS_DIR "/") + XVIOS_LU_NAME_MAX + sizeof("/backing") <= DB_PATH_MAX,
               "every LU path fits DB_PATH_MAX");

int xvios_db_lu_path(const char *name, char *buf, size_t n)
{
    if (!xvios_lu_name_ok(name))
        return -EINVAL;
    return db_path(buf, n, LUS_DIR "/%s", name);
}

/* ---------------------------------------------------------------- values */
/* A decimal as the pool writes it: canonical, <= max. */
static int read_u64(xvios_plat *p, xvios_tx tx, const char *path, uint64_t max, uint64_t *out)
{
    char untrusted_num[24];
    int rc = db_read_str(p, tx, path, untrusted_num, 20);

    if (rc < 0)
        return rc;
    if ((untrusted_num[0] == '0' && untrusted_num[1]) || xvios_parse_u64(untrusted_num, 0, max, out) < 0) {
        XLOG_WARN("cluster DB: %s: not a number <= %" PRIu64, path, max);
        return -EIO;
    }
    return 0;
}

static int read_pool_id(xvios_plat *p, xvios_tx tx, uint64_t *id)
{
    char untrusted_id[16];
    uint64_t v = 0;
    int rc = db_read_str(p, tx, POOL_DIR "/id", untrusted_id, 9);

    if (rc < 0)
        return rc;
    if (strlen(untrusted_id) != 9)
        goto bad;
    for (unsigned i = 0; i < 9; i++) {
        char c = untrusted_id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            goto bad;
        v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (v == 0)
        goto bad;
    *id = v;
    return 0;
bad:
    XLOG_WARN("cluster DB: %s/id: not the pool's 9 hex digits", POOL_DIR);
    return -EIO;
}

/* The LU number (the WWN's last 64 bits) and the pool id (the 36 bits before them). */
static uint64_t wwn_number(const uint8_t w[16])
{
    uint64_t v = 0;

    for (unsigned i = 8; i < 16; i++)
        v = v << 8 | w[i];
    return v;
}

static uint64_t wwn_pool(const uint8_t w[16])
{
    return (uint64_t)(w[3] & 0x0f) << 32 | (uint64_t)w[4] << 24 | (uint64_t)w[5] << 16 | (uint64_t)w[6] << 8 | w[7];
}

static void make_ids(uint64_t pool, uint64_t number, uint8_t w[16], char serial[XVIOS_LU_SERIAL_LEN + 1])
{
    const uint32_t cid = XVIOS_LU_COMPANY_ID;

    w[0] = (uint8_t)(0x60 | cid >> 20);
    w[1] = (uint8_t)(cid >> 12);
    w[2] = (uint8_t)(cid >> 4);
    w[3] = (uint8_t)((cid & 0x0f) << 4 | (pool >> 32 & 0x0f));
    for (unsigned i = 0; i < 4; i++)
        w[4 + i] = (uint8_t)(pool >> (24 - 8 * i));
    for (unsigned i = 0; i < 8; i++)
        w[8 + i] = (uint8_t)(number >> (56 - 8 * i));
    snprintf(serial, XVIOS_LU_SERIAL_LEN + 1, "XVP%09" PRIx64 "%016" PRIx64, pool, number);
}

/* ---------------------------------------------------------------- reading an entry */
static int lu_read(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_lu *out)
{
    char dir[DB_PATH_MAX], path[DB_PATH_MAX], untrusted_ro[4], untrusted_wwn[XVIOS_LU_WWN_HEX + 1];
    uint8_t check_wwn[16];
    char check_serial[XVIOS_LU_SERIAL_LEN + 1];
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = xvios_db_lu_path(name, dir, sizeof(dir))) < 0)
        return rc;
    snprintf(out->name, sizeof(out->name), "%s", name);
#define LEAF(leaf) (db_path(path, sizeof(path), "%s/" leaf, dir) < 0 ? -ENAMETOOLONG : 0)
    if ((rc = LEAF("backing")) < 0 || (rc = db_read_str(p, tx, path, out->backing, XVIOS_LU_BACKING_MAX)) < 0 ||
        (rc = LEAF("offset")) < 0 || (rc = read_u64(p, tx, path, XVIOS_LU_SIZE_MAX, &out->offset)) < 0 ||
        (rc = LEAF("size")) < 0 || (rc = read_u64(p, tx, path, XVIOS_LU_SIZE_MAX, &out->size)) < 0 ||
        (rc = LEAF("ro")) < 0 || (rc = db_read_str(p, tx, path, untrusted_ro, 1)) < 0 ||
        (rc = LEAF("wwn")) < 0 || (rc = db_read_str(p, tx, path, untrusted_wwn, XVIOS_LU_WWN_HEX)) < 0 ||
        (rc = LEAF("serial")) < 0 || (rc = db_read_str(p, tx, path, out->serial, XVIOS_LU_SERIAL_LEN)) < 0 ||
        (rc = LEAF("created")) < 0 || (rc = read_u64(p, tx, path, UINT64_MAX, &out->created)) < 0)
        goto out;
    rc = -EIO;
    if (xvios_lu_backing_check(out->backing) < 0 || xvios_lu_region_check(out->offset, out->size) < 0 ||
        (strcmp(untrusted_ro, "0") && strcmp(untrusted_ro, "1")) || xvios_lu_wwn_parse(untrusted_wwn, out->wwn) < 0 ||
        !xvios_lu_serial_ok(out->serial))
        goto out;
    /* the serial is the WWN's vendor-specific part: they never disagree */
    make_ids(wwn_pool(out->wwn), wwn_number(out->wwn), check_wwn, check_serial);
    if (strcmp(check_serial, out->serial))
        goto out;
    out->read_only = untrusted_ro[0] == '1';
    /* its pool: no leaf is the default pool (entries written before pools had names) */
    if ((rc = LEAF("pool")) < 0)
        goto out;
    rc = db_read_str(p, tx, path, out->pool, XVIOS_LU_NAME_MAX);
    if (rc == -ENOENT) {
        snprintf(out->pool, sizeof(out->pool), "%s", XVIOS_POOL_DEFAULT);
        rc = 0;
    } else if (rc == 0 && !xvios_pool_name_ok(out->pool)) {
        rc = -EIO;
    }
out:
    /* a missing or malformed leaf of an entry that exists is damage, not "no such LU" */
    if (rc == -ENOENT || rc == -E2BIG || rc == -EINVAL || rc == -EIO) {
        char **kids = NULL;
        unsigned nk = 0;
        int exists = xvios_store_list(p, tx, dir, &kids, &nk);

        xvios_strv_free(kids, nk);
        if (exists == 0) {
            XLOG_WARN("cluster DB: LU %s: malformed entry", name);
            rc = -EIO;
        } else if (exists != -ENOENT) {
            rc = exists;
        } else {
            rc = -ENOENT;
        }
    }
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
#undef LEAF
}

/* ---------------------------------------------------------------- listing */
struct list_ctx {
    struct xvios_db_lu *lus;
    unsigned n;
    char **raw;          /* every child name of LUS_DIR, well formed or not */
    unsigned nraw;
};

static void list_reset(struct list_ctx *l)
{
    free(l->lus);
    xvios_strv_free(l->raw, l->nraw);
    l->lus = NULL;
    l->raw = NULL;
    l->n = l->nraw = 0;
}

static int lu_cmp(const void *a, const void *b)
{
    return strcmp(((const struct xvios_db_lu *)a)->name, ((const struct xvios_db_lu *)b)->name);
}

static int list_in_tx(xvios_plat *p, xvios_tx tx, struct list_ctx *l)
{
    char **kids = NULL;
    unsigned nk = 0;
    int rc;

    list_reset(l);
    rc = xvios_store_list(p, tx, LUS_DIR, &l->raw, &l->nraw);
    if (rc == -ENOENT) {
        /* no pool yet: no LUs, if there is a cluster at all */
        rc = xvios_store_list(p, tx, XVIOS_DB_ROOT, &kids, &nk);
        xvios_strv_free(kids, nk);
        return rc;
    }
    if (rc < 0)
        return rc;
    l->lus = calloc(l->nraw ? l->nraw : 1, sizeof(*l->lus));
    if (!l->lus)
        return -ENOMEM;
    for (unsigned i = 0; i < l->nraw; i++) {
        if (!xvios_lu_name_ok(l->raw[i])) {
            XLOG_WARN("cluster DB: ignoring malformed LU entry under %s", LUS_DIR);
            continue;
        }
        rc = lu_read(p, tx, l->raw[i], &l->lus[l->n]);
        if (rc == 0)
            l->n++;
        else if (rc != -EIO && rc != -ENOENT)
            return rc;
    }
    qsort(l->lus, l->n, sizeof(*l->lus), lu_cmp);
    return 0;
}

static int list_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    return list_in_tx(p, tx, ctx);
}

int xvios_db_lu_list(xvios_plat *p, xvios_tx tx, struct xvios_db_lu **lus, unsigned *n)
{
    struct list_ctx l = {0};
    int rc = tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, list_body, &l) : list_in_tx(p, tx, &l);

    *lus = NULL;
    *n = 0;
    if (rc == 0) {
        *lus = l.lus;
        *n = l.n;
        l.lus = NULL;
    }
    list_reset(&l);
    return rc;
}

/* ---------------------------------------------------------------- get / remove */
static int pool_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct xvios_db_pool *out = ctx;
    int rc = read_pool_id(p, tx, &out->id);

    if (rc == 0)
        rc = read_u64(p, tx, POOL_DIR "/next-lu", UINT64_MAX, &out->next_lu);
    return rc;
}

int xvios_db_pool_get(xvios_plat *p, struct xvios_db_pool *out)
{
    memset(out, 0, sizeof(*out));
    return xvios_db_tx_run(p, pool_body, out);
}

struct one_ctx {
    const char *name;
    struct xvios_db_lu *out;
};

static int get_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct one_ctx *o = ctx;
    return lu_read(p, tx, o->name, o->out);
}

int xvios_db_lu_get(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_lu *out)
{
    struct one_ctx o = { name, out };

    if (!xvios_lu_name_ok(name)) {
        memset(out, 0, sizeof(*out));
        return -EINVAL;
    }
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, get_body, &o) : lu_read(p, tx, name, out);
}

/* The LU's reservation record (xvios/db_pr.h) goes with it: a later LU of that name starts clean. */
static int pr_record_drop(xvios_plat *p, xvios_tx tx, const char *name)
{
    int rc = xvios_db_pr_remove(p, tx, name);

    return rc == -ENOENT ? 0 : rc;
}

static int remove_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    char path[DB_PATH_MAX];
    int rc = xvios_db_lu_path(ctx, path, sizeof(path));

    if (rc < 0 || (rc = xvios_store_rm(p, tx, path)) < 0)
        return rc;
    return pr_record_drop(p, tx, ctx);
}

int xvios_db_lu_remove(xvios_plat *p, xvios_tx tx, const char *name)
{
    if (!xvios_lu_name_ok(name))
        return -EINVAL;
    /* the entry goes; next-lu stays, so its number is never handed out again */
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, remove_body, (void *)name) : remove_body(p, tx, (void *)name);
}

/* ---------------------------------------------------------------- create */
struct create_ctx {
    const struct xvios_db_lu_spec *spec;
    uint64_t fresh_pool_id;       /* used when this create makes the pool */
    uint64_t now;
    struct xvios_db_lu lu;        /* what was written */
};

static int put(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n, const char *path, const char *val)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned np = 0;
    int rc = db_perms_for(path, 0, m, n, perms, &np);

    return rc < 0 ? rc : db_write(p, tx, path, val, perms, np);
}

static int putu(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n, const char *path, uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    return put(p, tx, m, n, path, buf);
}

/* The pool's id, making the pool when there is none. */
static int pool_get_or_make(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned n, uint64_t fresh,
                            uint64_t *id)
{
    char buf[16];
    int rc = read_pool_id(p, tx, id);

    if (rc != -ENOENT)
        return rc;
    snprintf(buf, sizeof(buf), "%09" PRIx64, fresh);
    if ((rc = put(p, tx, m, n, POOL_DIR, "")) < 0 || (rc = put(p, tx, m, n, POOL_DIR "/id", buf)) < 0 ||
        (rc = putu(p, tx, m, n, POOL_DIR "/next-lu", 1)) < 0 || (rc = put(p, tx, m, n, LUS_DIR, "")) < 0)
        return rc;
    *id = fresh;
    return 0;
}

static int create_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct create_ctx *c = ctx;
    const struct xvios_db_lu_spec *s = c->spec;
    struct list_ctx l = {0};
    struct db_member *m = NULL;
    char dir[DB_PATH_MAX], path[DB_PATH_MAX], wwn[XVIOS_LU_WWN_HEX + 1];
    uint64_t pool, next, number;
    unsigned n = 0;
    int rc;

    memset(&c->lu, 0, sizeof(c->lu));
    if ((rc = db_members(p, tx, &m, &n)) < 0)        /* -ENOENT: no cluster */
        goto out;
    /* the pool named: read in this transaction, so a pool delete cannot slip in between */
    if (!xvios_pool_is_default(s->pool) && (rc = db_pool_exists(p, tx, s->pool)) < 0) {
        rc = rc == -ENOENT ? -ENXIO : rc;
        goto out;
    }
    if ((rc = pool_get_or_make(p, tx, m, n, c->fresh_pool_id, &pool)) < 0 ||
        (rc = read_u64(p, tx, POOL_DIR "/next-lu", UINT64_MAX, &next)) < 0 || (rc = list_in_tx(p, tx, &l)) < 0)
        goto out;
    snprintf(c->lu.name, sizeof(c->lu.name), "%s", s->name);
    snprintf(c->lu.backing, sizeof(c->lu.backing), "%s", s->backing);
    c->lu.offset = s->offset;
    c->lu.size = s->size;
    c->lu.read_only = s->read_only;
    c->lu.created = c->now;
    snprintf(c->lu.pool, sizeof(c->lu.pool), "%s", xvios_pool_is_default(s->pool) ? XVIOS_POOL_DEFAULT : s->pool);
    for (unsigned i = 0; i < l.nraw; i++)
        if (!strcmp(l.raw[i], s->name)) {
            rc = -EEXIST;   /* a damaged entry still holds its name */
            goto out;
        }
    /* never a number an LU of this pool had: past the counter and past every LU still there */
    number = next ? next : 1;
    for (unsigned i = 0; i < l.n; i++) {
        if (xvios_lu_overlap(&l.lus[i], &c->lu)) {
            XLOG_INFO("cluster DB: LU %s would overlap LU %s on %s", s->name, l.lus[i].name, s->backing);
            rc = -EADDRINUSE;
            goto out;
        }
        if (wwn_pool(l.lus[i].wwn) == pool && wwn_number(l.lus[i].wwn) >= number)
            number = wwn_number(l.lus[i].wwn) + 1;
    }
    if (number == 0 || number == UINT64_MAX) {
        rc = -ENOSPC;
        goto out;
    }
    make_ids(pool, number, c->lu.wwn, c->lu.serial);
    xvios_lu_wwn_format(c->lu.wwn, wwn);
    /* a record left by an LU of this name removed before records went with their LU */
    if ((rc = pr_record_drop(p, tx, s->name)) < 0)
        goto out;
    if ((rc = xvios_db_lu_path(s->name, dir, sizeof(dir))) < 0 || (rc = put(p, tx, m, n, dir, "")) < 0)
        goto out;
#define LEAF(leaf) (db_path(path, sizeof(path), "%s/" leaf, dir) < 0 ? -ENAMETOOLONG : 0)
    if ((rc = LEAF("backing")) < 0 || (rc = put(p, tx, m, n, path, s->backing)) < 0 ||
        (rc = LEAF("offset")) < 0 || (rc = putu(p, tx, m, n, path, s->offset)) < 0 ||
        (rc = LEAF("size")) < 0 || (rc = putu(p, tx, m, n, path, s->size)) < 0 ||
        (rc = LEAF("ro")) < 0 || (rc = put(p, tx, m, n, path, s->read_only ? "1" : "0")) < 0 ||
        (rc = LEAF("wwn")) < 0 || (rc = put(p, tx, m, n, path, wwn)) < 0 ||
        (rc = LEAF("serial")) < 0 || (rc = put(p, tx, m, n, path, c->lu.serial)) < 0 ||
        (rc = LEAF("created")) < 0 || (rc = putu(p, tx, m, n, path, c->now)) < 0)
        goto out;
    /* the default pool's LUs carry no pool leaf: their entries stay as they were before pools had names */
    if (!xvios_pool_is_default(s->pool) &&
        ((rc = LEAF("pool")) < 0 || (rc = put(p, tx, m, n, path, s->pool)) < 0))
        goto out;
#undef LEAF
    rc = putu(p, tx, m, n, POOL_DIR "/next-lu", number + 1);
out:
    list_reset(&l);
    free(m);
    return rc;
}

static int random_pool_id(uint64_t *id)
{
    uint64_t v = 0;

    do {
        ssize_t r = getrandom(&v, sizeof(v), 0);
        if (r != (ssize_t)sizeof(v))
            return r < 0 ? -errno : -EIO;
        v &= POOL_ID_MAX;
    } while (v == 0);
    *id = v;
    return 0;
}

int xvios_db_lu_create(xvios_plat *p, const struct xvios_db_lu_spec *spec, struct xvios_db_lu *out)
{
    struct create_ctx c = { .spec = spec };
    struct timespec ts;
    int rc;

    if (!spec || !spec->name || !spec->backing || !xvios_lu_name_ok(spec->name) ||
        xvios_lu_backing_check(spec->backing) < 0 || (!xvios_pool_is_default(spec->pool) && !xvios_pool_name_ok(spec->pool)))
        return -EINVAL;
    if (xvios_lu_region_check(spec->offset, spec->size) < 0)
        return -EDOM;
    if (spec->backing_size && (spec->offset > spec->backing_size || spec->size > spec->backing_size - spec->offset))
        return -EFBIG;
    if ((rc = random_pool_id(&c.fresh_pool_id)) < 0)
        return rc;
    clock_gettime(CLOCK_REALTIME, &ts);
    c.now = ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0;
    rc = xvios_db_tx_run(p, create_body, &c);
    if (rc == 0 && out)
        *out = c.lu;
    return rc;
}
