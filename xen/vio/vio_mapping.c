/* SPDX-License-Identifier: MIT */
/*
 * vio_mapping.c - the mapping object (a virtual target device: a client's
 * vhost:channel:target:lun -> an LU, docs/api.md): list, get, create
 * (attach) and delete (detach). Mappings are the VIOSes' backend nodes,
 * which dom0 writes and keeps (docs/vscsi.md): the environment's hooks
 * (env->mappings, attach, detach) reach them; where there are none (a
 * node's daemon) every mapping request is DOM0_ONLY. A create or delete
 * reports its change for the Lifecycle event, keyed
 * "<client domid>:<vhost>:<channel>:<target>:<lun>".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vio_int.h"

static void mapping_element(struct xvios_xmlout *o, const struct xvios_vio_mapping *m)
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
    xvios_xmlout_attr(o, "state", m->state[0] ? m->state : "unknown");
    xvios_xmlout_raw(o, "/>\n");
}

static bool same_vdev(const struct xvios_vio_vdev *a, const struct xvios_vio_vdev *b)
{
    return a->host == b->host && a->chn == b->chn && a->tgt == b->tgt && a->lun == b->lun;
}

/* list (all, or rq->client's) and get (rq->client's rq->vdev). */
static int mapping_read(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o,
                        bool *more, struct xvios_vio_err *err)
{
    struct xvios_vio_mapping *v = NULL;
    unsigned n = 0;
    bool found = false;

    if (env->mappings(env->arg, rq, &v, &n, err) < 0)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        size_t before = o->len;

        if (rq->action == XVIOS_VIO_GET && !same_vdev(&v[i].vdev, &rq->vdev))
            continue;
        found = true;
        mapping_element(o, &v[i]);
        if (vio_page_full(o, before, more))
            break;
    }
    free(v);
    if (rq->action == XVIOS_VIO_GET && !found)
        return vio_fail(err, XVIOS_VIO_NOT_FOUND, "client %s has no LUN at %u:%u:%u:%u", rq->client, rq->vdev.host,
                        rq->vdev.chn, rq->vdev.tgt, rq->vdev.lun);
    return 0;
}

int vio_mapping(const struct xvios_vio_env *env, const struct xvios_vio_req *rq, struct xvios_xmlout *o, bool *more,
                struct xvios_vio_change *chg, struct xvios_vio_err *err)
{
    struct xvios_vio_mapping m;
    int rc;

    if (!env->dom0 || !env->mappings || !env->attach || !env->detach)
        return vio_fail(err, XVIOS_VIO_DOM0_ONLY, "mapping %s reads or writes the VIOSes' backend nodes, which "
                        "dom0 keeps: run the request in dom0 ('xvios api' there)", xvios_vio_action_name(rq->action));
    switch (rq->action) {
    case XVIOS_VIO_LIST:
    case XVIOS_VIO_GET:
        return mapping_read(env, rq, o, more, err);
    case XVIOS_VIO_CREATE:
    case XVIOS_VIO_DELETE:
        memset(&m, 0, sizeof(m));
        rc = rq->action == XVIOS_VIO_CREATE ? env->attach(env->arg, rq, &m, err) : env->detach(env->arg, rq, &m, err);
        if (rc < 0)
            return -EINVAL;
        mapping_element(o, &m);
        if (chg) {
            chg->changed = true;
            chg->object = XVIOS_VIO_MAPPING;
            chg->action = rq->action == XVIOS_VIO_CREATE ? "created" : "deleted";
            snprintf(chg->key, sizeof(chg->key), "%u:%u:%u:%u:%u", m.client, m.vdev.host, m.vdev.chn, m.vdev.tgt,
                     m.vdev.lun);
        }
        return 0;
    }
    return vio_fail(err, XVIOS_VIO_INVALID, "mapping has no such action");
}
