/* SPDX-License-Identifier: MIT */
/*
 * api_exec.c - a write only dom0 may make, run in dom0 (api_exec.h): the
 * request processor (xen/vio) with dom0's environment: the DB as dom0 sees
 * it, whether an LU is attached anywhere (lu_who.c), the size of a backing
 * dom0 can see, and the mapping hooks (api_mapping.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "toolstack/api_exec.h"
#include "toolstack/api_mapping.h"
#include "toolstack/lu_cmd.h"

static int in_use(void *arg, xvios_tx tx, const char *name, char *where, size_t cap)
{
    struct lu_use *uses = NULL;
    unsigned n = 0;
    int rc = lu_uses(arg, tx, name, &uses, &n);

    if (rc < 0)
        return rc;
    if (n)
        snprintf(where, cap, "domain %u through node %u, vhost %u%s", uses[0].client, uses[0].vios_node,
                 uses[0].vhost, n > 1 ? ", and elsewhere" : "");
    free(uses);
    return n > 0;
}

static int backing(void *arg, const char *path, uint64_t *size, char *why, size_t cap)
{
    return lu_backing_size(arg, path, size, why, cap);
}

int xvios_api_exec_dom0(struct vscsi_ctx *ctx, const struct xvios_vio_req *rq, char *out, size_t cap, size_t *len,
                        struct xvios_vio_change *chg)
{
    struct xvios_vio_env env = { .p = ctx->p, .self_node = 0, .dom0 = true, .lu_in_use = in_use,
                                 .backing_size = backing, .arg = ctx };

    api_mapping_hooks(&env, ctx);
    return xvios_vio_run(&env, rq, out, cap, len, chg);
}

void xvios_api_change_event(const struct xvios_vio_change *chg, struct xvios_vio_event *ev)
{
    *ev = (struct xvios_vio_event){ .by = 0 };
    snprintf(ev->action, sizeof(ev->action), "%s", chg->action ? chg->action : "");
    snprintf(ev->type, sizeof(ev->type), "%s",
             chg->object == XVIOS_VIO_LU ? "LU" : xvios_vio_object_name(chg->object));
    snprintf(ev->key, sizeof(ev->key), "%s", chg->key);
}
