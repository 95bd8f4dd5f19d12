/* SPDX-License-Identifier: MIT */
/* vke_rc.c - RC array bookkeeping for one send (see vke_rc.h). */
#include <errno.h>
#include <string.h>

#include "vke_rc.h"

void vke_rc_init(struct vke_rc *rc)
{
    rc->n = 0;
    rc->pending = 0;
}

static struct xvios_rc_entry *find(struct vke_rc *rc, uint32_t node)
{
    for (unsigned i = 0; i < rc->n; i++)
        if (rc->e[i].node == node)
            return &rc->e[i];
    return NULL;
}

const struct xvios_rc_entry *vke_rc_find(const struct vke_rc *rc, uint32_t node)
{
    return find((struct vke_rc *)rc, node);
}

int vke_rc_add(struct vke_rc *rc, uint32_t node, enum xvios_rc_status st)
{
    if (find(rc, node))
        return -EEXIST;
    if (rc->n >= XVIOS_MAX_NODES)
        return -ENOSPC;
    rc->e[rc->n].node = node;
    rc->e[rc->n].status = (uint16_t)st;
    rc->e[rc->n].reserved = 0;
    rc->n++;
    if (st == XVIOS_RC_PENDING)
        rc->pending++;
    return 0;
}

enum vke_rc_mark vke_rc_mark(struct vke_rc *rc, uint32_t node, enum xvios_rc_status st)
{
    struct xvios_rc_entry *e = find(rc, node);

    if (!e)
        return VKE_RC_NOT_TARGET;
    if (e->status != XVIOS_RC_PENDING)
        return VKE_RC_DUPLICATE;
    e->status = (uint16_t)st;
    rc->pending--;
    return VKE_RC_MARKED;
}

unsigned vke_rc_fail_pending(struct vke_rc *rc, enum xvios_rc_status st)
{
    unsigned k = 0;

    for (unsigned i = 0; i < rc->n; i++) {
        if (rc->e[i].status == XVIOS_RC_PENDING) {
            rc->e[i].status = (uint16_t)st;
            k++;
        }
    }
    rc->pending = 0;
    return k;
}

enum xvios_status vke_rc_overall(const struct vke_rc *rc)
{
    if (rc->n == 0)
        return XVIOS_ST_NO_TARGETS;
    for (unsigned i = 0; i < rc->n; i++)
        if (rc->e[i].status != XVIOS_RC_DELIVERED && rc->e[i].status != XVIOS_RC_SENT)
            return XVIOS_ST_PARTIAL;
    return XVIOS_ST_OK;
}
