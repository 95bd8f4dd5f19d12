/* SPDX-License-Identifier: MIT */
/*
 * vio_apply.c - a mapping create or delete made by the VIOS serving the vhost
 * when another node was asked (xvios/vio_apply.h): the MAPPING_APPLY payload
 * (encode, strict decode), the asked node's checks against the cluster DB,
 * and the vioResponse of the outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"
#include "xvios/kv.h"
#include "xvios/parse.h"
#include "xvios/vio_apply.h"

static const char *const keys[] = { "op", "client", "uuid", "name", "node", "vhost", "channel", "target", "lun",
                                    "lu", "pool-lu", "ro" };
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 32, "the seen-keys mask holds every key");
_Static_assert(XVIOS_VIO_APPLY_MAX >= 160u + 36u + XVIOS_VTD_NAME_MAX + XVIOS_LU_BACKING_MAX + XVIOS_LU_NAME_MAX,
               "the longest payload fits XVIOS_VIO_APPLY_MAX");
_Static_assert(XVIOS_VIO_APPLY_MAX <= XVIOS_MAX_PAYLOAD, "a payload fits one message");

/* ---------------------------------------------------------------- the payload */
int xvios_vio_apply_encode(const struct xvios_vio_apply *a, char *out, size_t cap, size_t *len)
{
    const struct xvios_db_vtd *v = &a->vtd;
    int n;

    if ((a->op != XVIOS_VIO_APPLY_ADD && a->op != XVIOS_VIO_APPLY_REMOVE) || xvios_db_vtd_check(v) < 0)
        return -EINVAL;
    n = snprintf(out, cap,
                 "op=%s\nclient=%u\nuuid=%s\nname=%s\nnode=%u\nvhost=%u\nchannel=%u\ntarget=%u\nlun=%u\nlu=%s\n"
                 "pool-lu=%s\nro=%u\n",
                 a->op == XVIOS_VIO_APPLY_ADD ? "add" : "remove", v->client, v->client_uuid, v->client_name, v->node,
                 v->vhost, v->chn, v->tgt, v->lun, v->lu, v->pool_lu, v->read_only ? 1u : 0u);
    if (n < 0 || (size_t)n >= cap || (size_t)n > XVIOS_VIO_APPLY_MAX)
        return -ENOSPC;
    *len = (size_t)n;
    return 0;
}

/* One value into out (NUL-terminated, no NUL inside): 0 or -EINVAL. */
static int take(const struct xvios_kv *kv, char *out, size_t cap)
{
    if (kv->val_len >= cap || memchr(kv->val, '\0', kv->val_len))
        return -EINVAL;
    memcpy(out, kv->val, kv->val_len);
    out[kv->val_len] = '\0';
    return 0;
}

static int take_u32(const struct xvios_kv *kv, uint32_t max, uint32_t *out)
{
    char num[12];

    return take(kv, num, sizeof(num)) < 0 || xvios_parse_u32_canon(num, max, out) < 0 ? -EINVAL : 0;
}

/* The value of key k (an index into keys[]) into a. */
static int take_key(unsigned k, const struct xvios_kv *kv, struct xvios_vio_apply *a)
{
    struct xvios_db_vtd *v = &a->vtd;
    char word[8];
    uint32_t ro;

    switch (k) {
    case 0:
        if (take(kv, word, sizeof(word)) < 0)
            return -EINVAL;
        a->op = !strcmp(word, "add") ? XVIOS_VIO_APPLY_ADD : !strcmp(word, "remove") ? XVIOS_VIO_APPLY_REMOVE : 0;
        return a->op ? 0 : -EINVAL;
    case 1: return take_u32(kv, XVIOS_VTD_DOMID_MAX, &v->client);
    case 2: return take(kv, v->client_uuid, sizeof(v->client_uuid));
    case 3: return take(kv, v->client_name, sizeof(v->client_name));
    case 4: return take_u32(kv, XVIOS_NODE_ID_MAX, &v->node);   /* multi-host ids too */
    case 5: return take_u32(kv, XVIOS_VTD_VHOST_MAX, &v->vhost);
    case 6: return take_u32(kv, 0, &v->chn);
    case 7: return take_u32(kv, XVIOS_VTD_TARGET_MAX, &v->tgt);
    case 8: return take_u32(kv, XVIOS_VTD_LUN_MAX, &v->lun);
    case 9: return take(kv, v->lu, sizeof(v->lu));
    case 10: return take(kv, v->pool_lu, sizeof(v->pool_lu));
    case 11:
        if (take_u32(kv, 1, &ro) < 0)
            return -EINVAL;
        v->read_only = ro == 1;
        return 0;
    }
    return -EINVAL;
}

int xvios_vio_apply_decode(const void *untrusted, size_t len, struct xvios_vio_apply *out)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    uint32_t seen = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > XVIOS_VIO_APPLY_MAX)
        return -E2BIG;
    xvios_kv_iter_init(&it, untrusted, len);
    for (unsigned next = 0; (rc = xvios_kv_next(&it, &kv)) == 1; next++) {
        unsigned k;

        for (k = 0; k < NKEYS && !xvios_kv_is(&kv, keys[k]); k++)
            ;
        /* the keys in the one order encode writes: a payload has one spelling */
        if (k == NKEYS || k != next || (seen & (1u << k)) || !kv.terminated || take_key(k, &kv, out) < 0)
            goto bad;
        seen |= 1u << k;
    }
    /* every key once, nothing after them (no blank line, no body) */
    if (rc < 0 || seen != (1u << NKEYS) - 1 || it.blank || it.kv_end != len || xvios_db_vtd_check(&out->vtd) < 0)
        goto bad;
    return 0;
bad:
    memset(out, 0, sizeof(*out));
    return -EINVAL;
}

/* ---------------------------------------------------------------- the asked node's checks */
/* Do a and b name the same LU? Two pool LUs only by name; a path is the same as every pool LU of its backing. */
static bool same_lu(const struct xvios_db_vtd *a, const struct xvios_db_vtd *b)
{
    if (a->pool_lu[0] && b->pool_lu[0])
        return !strcmp(a->pool_lu, b->pool_lu);
    return !strcmp(a->lu, b->lu);
}

/* The LU rq names into v (lu, pool_lu, read_only). */
static int resolve_lu(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_db_vtd *v,
                      struct xvios_vio_err *err)
{
    struct xvios_db_lu lu;
    int rc;

    v->read_only = rq->read_only;
    if (rq->backing[0] == '/') {
        if (xvios_lu_backing_check(rq->backing) < 0)
            return vio_fail(err, XVIOS_VIO_BAD_VALUE, "%s is no canonical absolute path", rq->backing);
        snprintf(v->lu, sizeof(v->lu), "%s", rq->backing);
        return 0;
    }
    rc = xvios_db_lu_get(env->p, XVIOS_TX_NONE, rq->backing, &lu);
    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "there is no LU '%s' in the pool", rq->backing);
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading LU '%s': %s", rq->backing, strerror(-rc));
    snprintf(v->lu, sizeof(v->lu), "%s", lu.backing);
    snprintf(v->pool_lu, sizeof(v->pool_lu), "%s", lu.name);
    v->read_only = rq->read_only || lu.read_only;
    return 0;
}

static int prepare_add(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, const struct xvios_db_vtd *t,
                       unsigned n, struct xvios_vio_apply *out, struct xvios_vio_err *err)
{
    const struct xvios_db_vtd *vh = NULL;
    struct xvios_db_vtd *v = &out->vtd;
    int rc;

    for (unsigned i = 0; i < n; i++) {
        if (!vio_client_matches(rq->client, &t[i]))
            continue;
        if (t[i].vhost == rq->vdev.host && !vh)
            vh = &t[i];
        if (t[i].vhost == rq->vdev.host && t[i].tgt == rq->vdev.tgt && t[i].lun == rq->vdev.lun &&
            t[i].chn == rq->vdev.chn)
            return vio_fail(err, XVIOS_VIO_EXISTS, "client %s has a LUN at %u:%u:%u:%u already", rq->client,
                            rq->vdev.host, rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun);
    }
    if (!vh)
        return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "a new adapter needs dom0: no VIOS serves vhost %u of client %s "
                        "(the VTD table has no mapping of it), and a new vhost writes the client's frontend dir, "
                        "which only dom0 may write: run the request in dom0 ('xvios api' there)",
                        rq->vdev.host, rq->client);
    if (rq->node_id && rq->node_id != vh->node)
        return vio_fail(err, XVIOS_VIO_CONFLICT, "vhost %u of client %s is served by node %u, not node %u; choose "
                        "another host number for node %u", rq->vdev.host, rq->client, vh->node, rq->node_id,
                        rq->node_id);
    memset(out, 0, sizeof(*out));
    out->op = XVIOS_VIO_APPLY_ADD;
    v->client = vh->client;
    snprintf(v->client_uuid, sizeof(v->client_uuid), "%s", vh->client_uuid);
    snprintf(v->client_name, sizeof(v->client_name), "%s", vh->client_name);
    v->node = vh->node;
    v->vhost = rq->vdev.host;
    v->chn = rq->vdev.chn;
    v->tgt = rq->vdev.tgt;
    v->lun = rq->vdev.lun;
    if ((rc = resolve_lu(env, rq, v, err)) < 0)
        return rc;
    for (unsigned i = 0; i < n && !rq->shared; i++)
        if (same_lu(&t[i], v) && (!t[i].read_only || !v->read_only))
            return vio_fail(err, XVIOS_VIO_IN_USE, "LU %s is attached %s to domain %u as %u:%u:%u:%u (node %u); "
                            "attach it with shared=\"true\" to share it", rq->backing,
                            t[i].read_only ? "read-only" : "read-write", t[i].client, t[i].vhost, t[i].chn,
                            t[i].tgt, t[i].lun, t[i].node);
    if (xvios_db_vtd_check(v) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "the mapping is out of bounds");
    return 0;
}

int xvios_vio_apply_prepare(const struct xvios_vio_env *env, const struct xvios_vio_req *rq,
                            struct xvios_vio_apply *out, struct xvios_vio_err *err)
{
    struct xvios_db_vtd *t = NULL;
    unsigned n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (rq->object != XVIOS_VIO_MAPPING || (rq->action != XVIOS_VIO_CREATE && rq->action != XVIOS_VIO_DELETE))
        return vio_fail(err, XVIOS_VIO_INVALID, "only a mapping create or delete is handed to a VIOS");
    rc = xvios_db_vtd_list(env->p, XVIOS_TX_NONE, &t, &n);
    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the VTD table: %s", strerror(-rc));
    if (rq->action == XVIOS_VIO_CREATE) {
        rc = prepare_add(env, rq, t, n, out, err);
    } else {
        rc = vio_fail(err, XVIOS_VIO_NOT_FOUND, "client %s has no LUN at %u:%u:%u:%u", rq->client, rq->vdev.host,
                      rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun);
        for (unsigned i = 0; i < n; i++)
            if (vio_client_matches(rq->client, &t[i]) && t[i].vhost == rq->vdev.host && t[i].chn == rq->vdev.chn &&
                t[i].tgt == rq->vdev.tgt && t[i].lun == rq->vdev.lun) {
                out->op = XVIOS_VIO_APPLY_REMOVE;
                out->vtd = t[i];
                rc = 0;
                break;
            }
    }
    free(t);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---------------------------------------------------------------- the answer */
int xvios_vio_apply_answer(uint32_t node, const struct xvios_vio_apply *a, const char *state, char *out, size_t cap,
                           size_t *len)
{
    struct xvios_vio_req rq = { .object = XVIOS_VIO_MAPPING,
                                .action = a->op == XVIOS_VIO_APPLY_ADD ? XVIOS_VIO_CREATE : XVIOS_VIO_DELETE };
    struct xvios_vio_mapping m;
    struct xvios_xmlout o;

    vio_mapping_from_vtd(&m, &a->vtd);
    snprintf(m.state, sizeof(m.state), "%s", state);
    xvios_xmlout_init(&o, out, cap);
    vio_response_open(&o, node, &rq, false);
    vio_mapping_element(&o, &m, NULL);
    vio_response_close(&o);
    return xvios_xmlout_end(&o, len) < 0 ? -ENOSPC : 0;
}
