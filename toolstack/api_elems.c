/* SPDX-License-Identifier: MIT */
/*
 * api_elems.c - the API's object elements (docs/api.md) back into the DB's
 * structures that the typed commands' printers take (api_typed.h): an
 * <lu/>, a <mapping/> as an LU's attachment, a <pool/> with its access list,
 * a pool's <notInAccessList/>. Every attribute is checked as the DB checks
 * its own fields: the response may come from another node's daemon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/api_typed.h"

static int u32_attr(const struct xvios_vio_elem *e, const char *name, uint32_t *v)
{
    uint64_t x;
    int rc = xvios_vio_elem_u64(e, name, UINT32_MAX, &x);

    if (rc == 0)
        *v = (uint32_t)x;
    return rc;
}

/* An optional text attribute: absent is "". */
static int opt_copy(const struct xvios_vio_elem *e, const char *name, char *buf, size_t cap)
{
    int rc = xvios_vio_elem_copy(e, name, buf, cap);

    if (rc == -ENOENT) {
        buf[0] = '\0';
        return 0;
    }
    return rc;
}

int api_elem_lu(const struct xvios_vio_elem *e, struct xvios_db_lu *lu)
{
    const char *wwn = xvios_vio_elem_attr(e, "wwn");

    memset(lu, 0, sizeof(*lu));
    if (strcmp(e->name, "lu") || xvios_vio_elem_copy(e, "name", lu->name, sizeof(lu->name)) < 0 ||
        xvios_vio_elem_copy(e, "backing", lu->backing, sizeof(lu->backing)) < 0 ||
        xvios_vio_elem_u64(e, "offset", UINT64_MAX, &lu->offset) < 0 ||
        xvios_vio_elem_u64(e, "size", UINT64_MAX, &lu->size) < 0 ||
        xvios_vio_elem_bool(e, "readOnly", &lu->read_only) < 0 || !wwn || xvios_lu_wwn_parse(wwn, lu->wwn) < 0 ||
        xvios_vio_elem_copy(e, "serial", lu->serial, sizeof(lu->serial)) < 0 ||
        xvios_vio_elem_u64(e, "created", UINT64_MAX, &lu->created) < 0 ||
        opt_copy(e, "pool", lu->pool, sizeof(lu->pool)) < 0)
        return -EINVAL;
    if (!xvios_lu_name_ok(lu->name) || xvios_lu_backing_check(lu->backing) < 0)
        return -EINVAL;
    return 0;
}

int api_elem_use(const struct xvios_vio_elem *e, struct lu_use *use)
{
    const char *vdev = xvios_vio_elem_attr(e, "vdev");

    memset(use, 0, sizeof(*use));
    if (strcmp(e->name, "mapping") || u32_attr(e, "client", &use->client) < 0 ||
        u32_attr(e, "node", &use->vios_node) < 0 || xvios_vio_elem_bool(e, "readOnly", &use->readonly) < 0 ||
        !vdev || vscsi_vdev_parse(vdev, &use->vdev) < 0)
        return -EINVAL;
    use->vdev_ok = true;
    use->vhost = use->vdev.host;
    switch (xvios_vio_elem_copy(e, "poolLu", use->lu, sizeof(use->lu))) {
    case 0:
        return xvios_lu_name_ok(use->lu) ? 1 : -EINVAL;
    case -ENOENT:
        return 0;   /* attached by path: no pool LU's */
    default:
        return -EINVAL;
    }
}

static int access_entry(const struct xvios_vio_elem *k, struct xvios_db_pool_client *c)
{
    memset(c, 0, sizeof(*c));
    if (xvios_vio_elem_copy(k, "uuid", c->uuid, sizeof(c->uuid)) < 0 || opt_copy(k, "name", c->name,
                                                                                  sizeof(c->name)) < 0)
        return -EINVAL;
    if (u32_attr(k, "clientId", &c->client_id) == -EINVAL)
        return -EINVAL;
    return 0;
}

int api_elem_pool(const struct xvios_vio_elem *e, struct xvios_db_pool_info *pl)
{
    const char *access = xvios_vio_elem_attr(e, "access");
    uint64_t lus;
    int rc;

    memset(pl, 0, sizeof(*pl));
    if (strcmp(e->name, "pool") || xvios_vio_elem_copy(e, "name", pl->name, sizeof(pl->name)) < 0 || !access ||
        (strcmp(access, "any") && strcmp(access, "list")) || xvios_vio_elem_u64(e, "lus", UINT32_MAX, &lus) < 0 ||
        xvios_vio_elem_u64(e, "bytes", UINT64_MAX, &pl->bytes) < 0)
        return -EINVAL;
    rc = xvios_vio_elem_u64(e, "created", UINT64_MAX, &pl->created);
    if (rc == -EINVAL)
        return rc;
    pl->lus = (unsigned)lus;
    pl->any = !strcmp(access, "any");
    pl->recorded = pl->created != 0;
    for (unsigned i = 0; i < e->n_kids; i++)
        pl->n_access += !strcmp(e->kids[i].name, "client");
    if (pl->n_access > XVIOS_POOL_ACCESS_MAX)
        return -EINVAL;
    if (pl->n_access && !(pl->access = calloc(pl->n_access, sizeof(*pl->access))))
        return -ENOMEM;
    for (unsigned i = 0, k = 0; i < e->n_kids; i++) {
        if (strcmp(e->kids[i].name, "client"))
            continue;
        if (access_entry(&e->kids[i], &pl->access[k++]) < 0) {
            xvios_db_pool_info_free(pl);
            return -EINVAL;
        }
    }
    return 0;
}

int api_elem_outside(const struct xvios_vio_elem *e, struct xvios_db_vtd *v)
{
    const char *vdev = xvios_vio_elem_attr(e, "vdev");
    struct vscsi_vdev d;

    memset(v, 0, sizeof(*v));
    if (strcmp(e->name, "notInAccessList") || u32_attr(e, "client", &v->client) < 0 ||
        u32_attr(e, "node", &v->node) < 0 || !vdev || vscsi_vdev_parse(vdev, &d) < 0 ||
        opt_copy(e, "clientName", v->client_name, sizeof(v->client_name)) < 0 ||
        opt_copy(e, "uuid", v->client_uuid, sizeof(v->client_uuid)) < 0 ||
        xvios_vio_elem_copy(e, "lu", v->pool_lu, sizeof(v->pool_lu)) < 0)
        return -EINVAL;
    v->vhost = d.host;
    v->chn = d.chn;
    v->tgt = d.tgt;
    v->lun = d.lun;
    return 0;
}
