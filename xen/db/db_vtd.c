/* SPDX-License-Identifier: MIT */
/*
 * db_vtd.c - the VTD table (layout: xvios/db_vtd.h, docs/pool.md "The VTD
 * table"): one record per mapping, written by dom0 with explicit
 * permissions in the caller's transaction (the one that writes the
 * mapping's nodes) or its own, and checked field by field when read back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_vtd.h"
#include "xvios/kv.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

/* the longest record: eleven keys with their '=' and '\n', the numbers (a node id has 10 digits), the state line, a
 * uuid, a name, a backing path and an LU name: 72 + 27 + 16 bytes and the texts */
#define RECORD_MAX (128u + 36u + XVIOS_VTD_NAME_MAX + XVIOS_LU_BACKING_MAX + XVIOS_LU_NAME_MAX)

_Static_assert(sizeof(XVIOS_DB_VTDS "/") + 5 + 1 + 5 + 1 + 1 + 1 + 2 + 1 + 3 + 1 <= DB_PATH_MAX,
               "a VTD record's path fits DB_PATH_MAX");
_Static_assert(RECORD_MAX < 4096, "a VTD record fits one XenStore value");

static const char *const keys[] = { "client", "uuid", "name", "node", "vhost", "channel", "target", "lun", "lu", "pool-lu",
                                    "ro" };
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
/* the same with the state line of a multi-host attach or detach in progress (xvios/db_vtd.h) */
static const char *const keys_state[] = { "client", "uuid", "name", "node", "vhost", "channel", "target", "lun", "lu",
                                          "pool-lu", "ro", "state" };
#define NKEYS_STATE (sizeof(keys_state) / sizeof(keys_state[0]))
_Static_assert(NKEYS_STATE == NKEYS + 1 && NKEYS_STATE <= 32, "the seen-keys mask holds every key");

static const char *const state_names[] = { "served", "attaching", "detaching" };

const char *xvios_vtd_state_name(enum xvios_vtd_state s)
{
    return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

/* ---------------------------------------------------------------- values */
static bool text_ok(const char *s, size_t max, bool may_be_empty)
{
    size_t n = strnlen(s, max + 1);

    if (n > max || (n == 0 && !may_be_empty))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

static bool vdev_ok(uint32_t client, uint32_t vhost, uint32_t chn, uint32_t tgt, uint32_t lun)
{
    return client >= 1 && client <= XVIOS_VTD_DOMID_MAX && vhost <= XVIOS_VTD_VHOST_MAX && chn == 0 &&
           tgt <= XVIOS_VTD_TARGET_MAX && lun <= XVIOS_VTD_LUN_MAX;
}

/* "" or a canonical lowercase uuid. */
static bool uuid_ok(const char *s)
{
    if (!s[0])
        return true;
    if (strnlen(s, 37) != 36 || !xvios_uuid_valid(s))
        return false;
    for (unsigned i = 0; i < 36; i++)
        if (s[i] >= 'A' && s[i] <= 'F')
            return false;
    return true;
}

int xvios_db_vtd_check(const struct xvios_db_vtd *v)
{
    if (!v || !vdev_ok(v->client, v->vhost, v->chn, v->tgt, v->lun) || v->node == 0 || v->node > XVIOS_NODE_ID_MAX)
        return -EINVAL;
    if (!uuid_ok(v->client_uuid))
        return -EINVAL;
    if (!text_ok(v->client_name, XVIOS_VTD_NAME_MAX, true) || xvios_lu_backing_check(v->lu) < 0)
        return -EINVAL;
    if (v->pool_lu[0] && !xvios_lu_name_ok(v->pool_lu))
        return -EINVAL;
    if (v->state != XVIOS_VTD_SERVED && v->state != XVIOS_VTD_ATTACHING && v->state != XVIOS_VTD_DETACHING)
        return -EINVAL;
    return 0;
}

static int record_path(char *buf, size_t n, uint32_t client, uint32_t vhost, uint32_t chn, uint32_t tgt,
                       uint32_t lun)
{
    return db_path(buf, n, XVIOS_DB_VTDS "/%u-%u-%u-%u-%u", client, vhost, chn, tgt, lun);
}

/* ---------------------------------------------------------------- reading */
static int kv_u32(const char *text, size_t len, const char *key, uint32_t max, uint32_t *out)
{
    char untrusted_num[16];

    if (xvios_kv_get(text, len, key, untrusted_num, sizeof(untrusted_num)) < 0 ||
        xvios_parse_u32_canon(untrusted_num, max, out) < 0)
        return -EIO;
    return 0;
}

/* Parse an untrusted record into *out: 0 or -EIO. */
static int record_parse(const char *untrusted_rec, struct xvios_db_vtd *out)
{
    size_t len = strlen(untrusted_rec);
    char state[12];
    uint32_t ro;

    memset(out, 0, sizeof(*out));
    if (xvios_kv_get(untrusted_rec, len, "state", state, sizeof(state)) == 0) {
        /* only the words of a step in progress: "served" is written as no line at all */
        if (!strcmp(state, "attaching"))
            out->state = XVIOS_VTD_ATTACHING;
        else if (!strcmp(state, "detaching"))
            out->state = XVIOS_VTD_DETACHING;
        else
            goto bad;
        if (db_kv_exactly(untrusted_rec, len, keys_state, NKEYS_STATE) < 0)
            goto bad;
    } else if (db_kv_exactly(untrusted_rec, len, keys, NKEYS) < 0) {
        goto bad;
    }
    if (kv_u32(untrusted_rec, len, "client", XVIOS_VTD_DOMID_MAX, &out->client) < 0 ||
        xvios_kv_get(untrusted_rec, len, "uuid", out->client_uuid, sizeof(out->client_uuid)) < 0 ||
        xvios_kv_get(untrusted_rec, len, "name", out->client_name, sizeof(out->client_name)) < 0 ||
        kv_u32(untrusted_rec, len, "node", XVIOS_NODE_ID_MAX, &out->node) < 0 ||
        kv_u32(untrusted_rec, len, "vhost", XVIOS_VTD_VHOST_MAX, &out->vhost) < 0 ||
        kv_u32(untrusted_rec, len, "channel", 0, &out->chn) < 0 ||
        kv_u32(untrusted_rec, len, "target", XVIOS_VTD_TARGET_MAX, &out->tgt) < 0 ||
        kv_u32(untrusted_rec, len, "lun", XVIOS_VTD_LUN_MAX, &out->lun) < 0 ||
        xvios_kv_get(untrusted_rec, len, "lu", out->lu, sizeof(out->lu)) < 0 ||
        xvios_kv_get(untrusted_rec, len, "pool-lu", out->pool_lu, sizeof(out->pool_lu)) < 0 ||
        kv_u32(untrusted_rec, len, "ro", 1, &ro) < 0)
        goto bad;
    out->read_only = ro == 1;
    if (xvios_db_vtd_check(out) < 0)
        goto bad;
    return 0;
bad:
    memset(out, 0, sizeof(*out));
    return -EIO;
}

/* The domid of member node, 0 when it is none. */
static uint32_t member_domid(const struct db_member *m, unsigned nm, uint32_t node)
{
    for (unsigned i = 0; i < nm; i++)
        if (m[i].node == node)
            return m[i].domid;
    return 0;
}

/*
 * Is the record at path owned by dom0 or by the VIOS it names (node)? Members may create records (a VIOS
 * records the mappings it makes when asked by another node), so a record another VIOS wrote is not believed.
 * 0 yes, -EIO no (logged by the caller), or a store error.
 */
static int owner_ok(xvios_plat *p, xvios_tx tx, const char *path, uint32_t node, const struct db_member *m,
                    unsigned nm)
{
    struct xvios_perm *perms = NULL;
    unsigned np = 0;
    int rc = xvios_store_get_perms(p, tx, path, &perms, &np);

    if (rc < 0)
        return rc;
    rc = np >= 1 && (perms[0].domid == 0 || perms[0].domid == member_domid(m, nm, node)) ? 0 : -EIO;
    free(perms);
    return rc;
}

/* The record at path, which must be the one its name says (client and vdev), owned by dom0 or its VIOS. */
static int record_read(xvios_plat *p, xvios_tx tx, const char *path, uint32_t client, uint32_t vhost, uint32_t chn,
                       uint32_t tgt, uint32_t lun, const struct db_member *m, unsigned nm, struct xvios_db_vtd *out)
{
    char *untrusted_rec = malloc(RECORD_MAX + 1);
    int rc;

    if (!untrusted_rec)
        return -ENOMEM;
    rc = db_read_str(p, tx, path, untrusted_rec, RECORD_MAX);
    if (rc == -E2BIG)
        rc = -EIO;
    if (rc == 0 && (record_parse(untrusted_rec, out) < 0 || out->client != client || out->vhost != vhost ||
                    out->chn != chn || out->tgt != tgt || out->lun != lun))
        rc = -EIO;
    free(untrusted_rec);
    if (rc == -EIO) {
        XLOG_WARN("cluster DB: %s: malformed VTD record", path);
        memset(out, 0, sizeof(*out));
        return rc;
    }
    if (rc == 0 && (rc = owner_ok(p, tx, path, out->node, m, nm)) == -EIO) {
        XLOG_WARN("cluster DB: %s: VTD record not written by dom0 or by node %u, which it names: ignored", path,
                  out->node);
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

struct one_ctx {
    uint32_t client, vhost, chn, tgt, lun;
    const struct xvios_db_vtd *in;
    struct xvios_db_vtd *out;
};

static int get_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    struct one_ctx *c = arg;
    struct db_member *m = NULL;
    char path[DB_PATH_MAX];
    unsigned nm = 0;
    int rc = record_path(path, sizeof(path), c->client, c->vhost, c->chn, c->tgt, c->lun);

    if (rc < 0 || (rc = db_members(p, tx, &m, &nm)) < 0)
        return rc;
    rc = record_read(p, tx, path, c->client, c->vhost, c->chn, c->tgt, c->lun, m, nm, c->out);
    free(m);
    return rc;
}

int xvios_db_vtd_get(xvios_plat *p, xvios_tx tx, uint32_t client, uint32_t vhost, uint32_t chn, uint32_t tgt,
                     uint32_t lun, struct xvios_db_vtd *out)
{
    struct one_ctx c = { client, vhost, chn, tgt, lun, NULL, out };

    memset(out, 0, sizeof(*out));
    if (!vdev_ok(client, vhost, chn, tgt, lun))
        return -EINVAL;
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, get_body, &c) : get_body(p, tx, &c);
}

/* "<client>-<h>-<c>-<t>-<l>", each canonical: 0 or -EINVAL. */
static int name_parse(const char *untrusted_name, uint32_t v[5])
{
    static const uint32_t max[5] = { XVIOS_VTD_DOMID_MAX, XVIOS_VTD_VHOST_MAX, 0, XVIOS_VTD_TARGET_MAX,
                                     XVIOS_VTD_LUN_MAX };
    const char *s = untrusted_name;

    for (unsigned i = 0; i < 5; i++) {
        char num[12];
        size_t n = strcspn(s, "-");

        if (n == 0 || n >= sizeof(num) || (i < 4 ? s[n] != '-' : s[n] != '\0'))
            return -EINVAL;
        memcpy(num, s, n);
        num[n] = '\0';
        if (xvios_parse_u32_canon(num, max[i], &v[i]) < 0)
            return -EINVAL;
        s += n + (i < 4);
    }
    return vdev_ok(v[0], v[1], v[2], v[3], v[4]) ? 0 : -EINVAL;
}

static int vtd_cmp(const void *a, const void *b)
{
    const struct xvios_db_vtd *x = a, *y = b;
    const uint32_t kx[5] = { x->client, x->vhost, x->chn, x->tgt, x->lun };
    const uint32_t ky[5] = { y->client, y->vhost, y->chn, y->tgt, y->lun };

    for (unsigned i = 0; i < 5; i++)
        if (kx[i] != ky[i])
            return kx[i] < ky[i] ? -1 : 1;
    return 0;
}

struct list_ctx {
    struct xvios_db_vtd *v;
    unsigned n;
};

static int list_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    struct list_ctx *l = arg;
    struct db_member *m = NULL;
    char **names = NULL;
    unsigned nn = 0, nm = 0;
    int rc;

    free(l->v);
    l->v = NULL;
    l->n = 0;
    rc = xvios_store_list(p, tx, XVIOS_DB_VTDS, &names, &nn);
    if (rc == -ENOENT) {
        char **top = NULL;
        unsigned nt = 0;

        /* no table yet: no mapping was ever recorded, if there is a cluster */
        rc = xvios_store_list(p, tx, XVIOS_DB_ROOT "/config", &top, &nt);
        xvios_strv_free(top, nt);
        if (rc < 0)
            return rc;
        nn = 0;
    } else if (rc < 0) {
        return rc;
    }
    if (nn && (rc = db_members(p, tx, &m, &nm)) < 0)
        goto out;
    l->v = calloc(nn ? nn : 1, sizeof(*l->v));
    if (!l->v) {
        rc = -ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < nn; i++) {
        char path[DB_PATH_MAX];
        uint32_t k[5];

        if (name_parse(names[i], k) < 0) {
            XLOG_WARN("cluster DB: ignoring malformed VTD entry under %s", XVIOS_DB_VTDS);
            continue;
        }
        if ((rc = record_path(path, sizeof(path), k[0], k[1], k[2], k[3], k[4])) < 0)
            goto out;
        rc = record_read(p, tx, path, k[0], k[1], k[2], k[3], k[4], m, nm, &l->v[l->n]);
        if (rc == -EIO || rc == -ENOENT)
            continue;   /* malformed (logged), or gone meanwhile */
        if (rc < 0)
            goto out;
        l->n++;
    }
    qsort(l->v, l->n, sizeof(*l->v), vtd_cmp);
    rc = 0;
out:
    free(m);
    xvios_strv_free(names, nn);
    return rc;
}

int xvios_db_vtd_list(xvios_plat *p, xvios_tx tx, struct xvios_db_vtd **out, unsigned *n)
{
    struct list_ctx l = { NULL, 0 };
    int rc = tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, list_body, &l) : list_body(p, tx, &l);

    if (rc < 0) {
        free(l.v);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

/* ---------------------------------------------------------------- writing (dom0, or the serving VIOS) */
/* owner: the domid the node should belong to (db_perms.c decides what it gets). */
static int put_perms(xvios_plat *p, xvios_tx tx, const struct db_member *m, unsigned nm, const char *path,
                     uint32_t owner, const char *val)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned np = 0;
    int rc = db_perms_for(path, owner, m, nm, perms, &np);

    return rc < 0 ? rc : db_write(p, tx, path, val, perms, np);
}

static int put_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    const struct xvios_db_vtd *v = ((struct one_ctx *)arg)->in;
    struct db_member *m = NULL;
    char path[DB_PATH_MAX], *rec = NULL, **names = NULL;
    unsigned nm = 0, nn = 0;
    int rc, len;

    if ((rc = db_members(p, tx, &m, &nm)) < 0)
        return rc;   /* -ENOENT: no cluster */
    rc = xvios_store_list(p, tx, XVIOS_DB_VTDS, &names, &nn);
    xvios_strv_free(names, nn);
    if (rc == -ENOENT)
        rc = put_perms(p, tx, m, nm, XVIOS_DB_VTDS, 0, "");
    if (rc < 0)
        goto out;
    rec = malloc(RECORD_MAX + 1);
    if (!rec) {
        rc = -ENOMEM;
        goto out;
    }
    len = snprintf(rec, RECORD_MAX + 1,
                   "client=%u\nuuid=%s\nname=%s\nnode=%u\nvhost=%u\nchannel=%u\ntarget=%u\nlun=%u\nlu=%s\n"
                   "pool-lu=%s\nro=%u\n%s%s%s",
                   v->client, v->client_uuid, v->client_name, v->node, v->vhost, v->chn, v->tgt, v->lun, v->lu, v->pool_lu,
                   v->read_only ? 1u : 0u, v->state != XVIOS_VTD_SERVED ? "state=" : "",
                   v->state != XVIOS_VTD_SERVED ? xvios_vtd_state_name(v->state) : "",
                   v->state != XVIOS_VTD_SERVED ? "\n" : "");
    if (len < 0 || (size_t)len > RECORD_MAX) {
        rc = -EINVAL;
        goto out;
    }
    if ((rc = record_path(path, sizeof(path), v->client, v->vhost, v->chn, v->tgt, v->lun)) < 0)
        goto out;
    /* the record is its writer's: dom0's when dom0 writes it (xvios scsi attach), the serving VIOS's when that
     * VIOS makes the mapping itself (MAPPING_APPLY). Not the VIOS's whoever writes: xenstored deletes the nodes
     * a domain owns when the domain is destroyed, and the records of a destroyed VIOS are what rebuilds it. */
    uint32_t self = 0;
    if (xvios_plat_self_domid(p, &self) < 0)
        self = 0;
    rc = put_perms(p, tx, m, nm, path, self, rec);
out:
    free(rec);
    free(m);
    return rc;
}

int xvios_db_vtd_put(xvios_plat *p, xvios_tx tx, const struct xvios_db_vtd *v)
{
    struct one_ctx c = { .in = v };

    if (xvios_db_vtd_check(v) < 0)
        return -EINVAL;
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, put_body, &c) : put_body(p, tx, &c);
}

static int remove_body(xvios_plat *p, xvios_tx tx, void *arg)
{
    struct one_ctx *c = arg;
    char path[DB_PATH_MAX];
    int rc = record_path(path, sizeof(path), c->client, c->vhost, c->chn, c->tgt, c->lun);

    return rc < 0 ? rc : xvios_store_rm(p, tx, path);
}

int xvios_db_vtd_remove(xvios_plat *p, xvios_tx tx, uint32_t client, uint32_t vhost, uint32_t chn, uint32_t tgt,
                        uint32_t lun)
{
    struct one_ctx c = { client, vhost, chn, tgt, lun, NULL, NULL };

    if (!vdev_ok(client, vhost, chn, tgt, lun))
        return -EINVAL;
    return tx == XVIOS_TX_NONE ? xvios_db_tx_run(p, remove_body, &c) : remove_body(p, tx, &c);
}
