/* SPDX-License-Identifier: MIT */
/*
 * vio_mapping.c - the mapping object (a virtual target device: a client's
 * vhost:channel:target:lun -> an LU, docs/api.md): list and get read the
 * cluster DB's VTD table (xvios/db_vtd.h) on any node; create (attach) and
 * delete (detach) write the VIOSes' backend nodes and the client's frontend
 * nodes, which dom0 keeps (docs/vscsi.md): the environment's hooks
 * (env->attach, env->detach) reach them; where there are none (a node's
 * daemon) they are DOM0_ONLY. modify (the mode) plugs the LUN out and in
 * again through the same hooks. A create, modify or delete reports its change for
 * the Lifecycle event, keyed "<client domid>:<vhost>:<channel>:<target>:<lun>".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"
#include "xvios/db_vtd.h"
#include "xvios/parse.h"

/* sharers: the other mappings of the same LU ("<domid>:<vdev>,..."), or NULL / "" for none. */
void vio_mapping_element(struct xvios_xmlout *o, const struct xvios_vio_mapping *m, const char *sharers)
{
    char vdev[48];

    snprintf(vdev, sizeof(vdev), "%u:%u:%u:%u", m->vdev.host, m->vdev.chn, m->vdev.tgt, m->vdev.lun);
    xvios_xmlout_raw(o, "  <mapping");
    xvios_xmlout_attr_u64(o, "client", m->client);
    if (m->client_name[0])
        xvios_xmlout_attr(o, "clientName", m->client_name);
    xvios_xmlout_attr(o, "vdev", vdev);
    xvios_xmlout_attr_u64(o, "node", m->node);
    xvios_xmlout_attr(o, "lu", m->lu);
    if (m->pool_lu[0])
        xvios_xmlout_attr(o, "poolLu", m->pool_lu);
    xvios_xmlout_attr(o, "readOnly", m->read_only ? "true" : "false");
    if (sharers && sharers[0])
        xvios_xmlout_attr(o, "sharedWith", sharers);
    if (m->state[0])   /* known where the nodes were read: a create's or delete's answer in dom0 */
        xvios_xmlout_attr(o, "state", m->state);
    xvios_xmlout_raw(o, "/>\n");
}

static bool same_vdev(const struct xvios_vio_vdev *a, const struct xvios_vio_vdev *b)
{
    return a->host == b->host && a->chn == b->chn && a->tgt == b->tgt && a->lun == b->lun;
}

/* rq->client (a domid, or the name the client had when mapped; "" every client) names the record's client. */
bool vio_client_matches(const char *want, const struct xvios_db_vtd *v)
{
    uint32_t domid;

    if (!want[0])
        return true;
    if (xvios_parse_u32_canon(want, UINT32_MAX, &domid) == 0)
        return domid == v->client;
    return v->client_name[0] && !strcmp(want, v->client_name);
}

void vio_mapping_from_vtd(struct xvios_vio_mapping *m, const struct xvios_db_vtd *v)
{
    memset(m, 0, sizeof(*m));
    m->client = v->client;
    snprintf(m->client_name, sizeof(m->client_name), "%s", v->client_name);
    m->node = v->node;
    m->vdev = (struct xvios_vio_vdev){ v->vhost, v->chn, v->tgt, v->lun };
    snprintf(m->lu, sizeof(m->lu), "%s", v->lu);
    snprintf(m->pool_lu, sizeof(m->pool_lu), "%s", v->pool_lu);
    m->read_only = v->read_only;
}

#define SHARED_LIST_MAX 16u   /* mappings named in sharedWith; more are counted ("+N") */

/* Two records of one LU: the same pool LU, or the same path when neither is a pool LU. */
static bool same_lu(const struct xvios_db_vtd *a, const struct xvios_db_vtd *b)
{
    if (a->pool_lu[0] || b->pool_lu[0])
        return !strcmp(a->pool_lu, b->pool_lu);
    return !strcmp(a->lu, b->lu);
}

/* The other mappings of record i's LU, as "<domid>:<h>:<c>:<t>:<l>,..." (usage known from the VTD table). */
static void shared_with(const struct xvios_db_vtd *v, unsigned n, unsigned i, char *buf, size_t cap)
{
    unsigned listed = 0, more = 0;
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned k = 0; k < n; k++) {
        int w;
        if (k == i || !same_lu(&v[i], &v[k]))
            continue;
        if (listed == SHARED_LIST_MAX) {
            more++;
            continue;
        }
        w = snprintf(buf + len, cap - len, "%s%u:%u:%u:%u:%u", listed ? "," : "", v[k].client, v[k].vhost, v[k].chn,
                     v[k].tgt, v[k].lun);
        if (w < 0 || (size_t)w >= cap - len) {
            buf[len] = '\0';
            more++;
            continue;
        }
        len += (size_t)w;
        listed++;
    }
    if (more && len + 16 < cap)
        snprintf(buf + len, cap - len, "%s+%u", listed ? "," : "", more);
}

/* Does record v come after the mapping list's after= mark (client domid, then vdev)? */
static bool after_mark(const struct xvios_vio_req *rq, const struct xvios_db_vtd *v)
{
    const uint32_t a[5] = { rq->id, rq->vdev.host, rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun };
    const uint32_t b[5] = { v->client, v->vhost, v->chn, v->tgt, v->lun };

    if (!rq->after_mapping)
        return true;
    for (unsigned i = 0; i < 5; i++)
        if (a[i] != b[i])
            return b[i] > a[i];
    return false;
}

/* list (all, or rq->client's; after= the last one received) and get (rq->client's rq->vdev), from the VTD table on any node. */
static int mapping_read(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                        bool *more, struct xvios_vio_err *err)
{
    struct xvios_db_vtd *v = NULL;
    char shared[SHARED_LIST_MAX * 32];
    unsigned n = 0;
    bool found = false;
    int rc = xvios_db_vtd_list(env->p, XVIOS_TX_NONE, &v, &n);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the VTD table: %s", strerror(-rc));
    for (unsigned i = 0; i < n; i++) {
        struct xvios_vio_mapping m;
        size_t before = o->len;

        if (!vio_client_matches(rq->client, &v[i]) || (rq->action == XVIOS_VIO_LIST && !after_mark(rq, &v[i])))
            continue;
        vio_mapping_from_vtd(&m, &v[i]);
        if (rq->action == XVIOS_VIO_GET && !same_vdev(&m.vdev, &rq->vdev))
            continue;
        found = true;
        shared_with(v, n, i, shared, sizeof(shared));
        vio_mapping_element(o, &m, shared);
        if (vio_page_full(o, before, more))
            break;
    }
    free(v);
    if (rq->action == XVIOS_VIO_GET && !found)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "client %s has no LUN at %u:%u:%u:%u", rq->client, rq->vdev.host,
                        rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun);
    return 0;
}

/* rq->client's record at rq->vdev: 0, or -EINVAL with *err (NOT_FOUND, NO_CLUSTER, INTERNAL). */
static int mapping_find(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_db_vtd *out,
                        struct xvios_vio_err *err)
{
    struct xvios_db_vtd *v = NULL;
    unsigned n = 0;
    int rc = xvios_db_vtd_list(env->p, XVIOS_TX_NONE, &v, &n);

    if (rc == -ENOENT)
        return vio_fail(err, XVIOS_VIO_NO_CLUSTER, "there is no cluster in the DB");
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_INTERNAL, "reading the VTD table: %s", strerror(-rc));
    rc = -ENOENT;
    for (unsigned i = 0; i < n && rc; i++)
        if (vio_client_matches(rq->client, &v[i]) && v[i].vhost == rq->vdev.host && v[i].chn == rq->vdev.chn &&
            v[i].tgt == rq->vdev.tgt && v[i].lun == rq->vdev.lun) {
            *out = v[i];
            rc = 0;
        }
    free(v);
    if (rc)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "client %s has no LUN at %u:%u:%u:%u", rq->client, rq->vdev.host,
                        rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun);
    return 0;
}

/*
 * modify: the mapping's mode (readOnly=), by plugging the LUN out and in again through the hooks (a hot
 * remove and a hot add on the same VIOS, LU and address: a frontend sees the LUN go and come back with
 * the new mode; the engine opens it in that mode). If the new mode cannot be attached (an LU attached
 * read-write elsewhere, without shared="true"), the old mapping is attached again and the refusal told.
 */
static int mapping_modify(const struct xvios_vio_env *env, const struct xvios_vio_req *rq,
                          struct xvios_vio_mapping *done, struct xvios_vio_err *err)
{
    struct xvios_vio_req del = *rq, add = *rq;
    struct xvios_vio_mapping gone;
    struct xvios_vio_err again;
    struct xvios_db_vtd v;
    char why[XVIOS_VIO_SENTENCE_MAX];

    if (mapping_find(env, rq, &v, err) < 0)
        return -EINVAL;
    if (v.read_only == rq->read_only)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "client %s's LUN %u:%u:%u:%u is %s already: nothing to modify",
                        rq->client, rq->vdev.host, rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun,
                        v.read_only ? "read-only" : "read-write");
    del.action = XVIOS_VIO_DELETE;
    add.action = XVIOS_VIO_CREATE;
    snprintf(add.backing, sizeof(add.backing), "%s", v.pool_lu[0] ? v.pool_lu : v.lu);
    add.node_id = v.node;
    memset(&gone, 0, sizeof(gone));
    if (env->detach(env->arg, &del, &gone, err) < 0)
        return -EINVAL;
    memset(done, 0, sizeof(*done));
    if (env->attach(env->arg, &add, done, err) == 0)
        return 0;
    snprintf(why, sizeof(why), "%s", err->sentence);   /* err is written again below: not from itself */
    add.read_only = v.read_only;   /* as it was: shared, since it was attached so before */
    add.shared = true;
    memset(&gone, 0, sizeof(gone));
    if (env->attach(env->arg, &add, &gone, &again) == 0)
        return vio_fail(err, err->code, "the mode was not changed (%s); the mapping is attached as it was", why);
    return vio_fail(err, XVIOS_VIO_INTERNAL, "the mode was not changed (%s), and attaching it again as it was "
                    "failed too (%s): client %s has no LUN at %u:%u:%u:%u now", why, again.sentence,
                    rq->client, rq->vdev.host, rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun);
}

int vio_mapping(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
                struct xvios_vio_change *chg, struct xvios_vio_err *err)
{
    struct xvios_vio_mapping m;
    int rc;

    switch (rq->action) {
    case XVIOS_VIO_LIST:
    case XVIOS_VIO_GET:
        return mapping_read(env, rq, o, more, err);
    case XVIOS_VIO_CREATE:
    case XVIOS_VIO_DELETE:
    case XVIOS_VIO_MODIFY:
        if (!env->dom0 || !env->attach || !env->detach)
            return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "mapping %s writes the VIOS's backend nodes and the client's "
                            "frontend nodes, which dom0 keeps: run the request in dom0 ('xvios api' there)",
                            xvios_vio_action_name(rq->action));
        memset(&m, 0, sizeof(m));
        rc = rq->action == XVIOS_VIO_CREATE ? env->attach(env->arg, rq, &m, err)
           : rq->action == XVIOS_VIO_MODIFY ? mapping_modify(env, rq, &m, err) : env->detach(env->arg, rq, &m, err);
        if (rc < 0)
            return -EINVAL;
        vio_mapping_element(o, &m, NULL);
        if (chg) {
            chg->changed = true;
            chg->object = XVIOS_VIO_MAPPING;
            chg->action = rq->action == XVIOS_VIO_CREATE ? "created" : rq->action == XVIOS_VIO_MODIFY ? "modified"
                        : "deleted";
            snprintf(chg->key, sizeof(chg->key), "%u:%u:%u:%u:%u", m.client, m.vdev.host, m.vdev.chn, m.vdev.tgt,
                     m.vdev.lun);
        }
        return 0;
    }
    return vio_fail(err, XVIOS_VIO_INVALID, "mapping has no such action");
}
