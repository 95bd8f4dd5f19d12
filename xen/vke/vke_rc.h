/* SPDX-License-Identifier: MIT */
/*
 * vke_rc.h - the RC array of one send: one entry per target node, its
 * delivery status, and how many are still pending (the patent's array of
 * kcluster receipt structures).
 */
#ifndef XVIOS_VKE_RC_H
#define XVIOS_VKE_RC_H

#include <stdint.h>
#include "xvios/wire.h"

struct vke_rc {
    unsigned n;        /* entries in use */
    unsigned pending;  /* entries still XVIOS_RC_PENDING */
    struct xvios_rc_entry e[XVIOS_MAX_NODES];
};

enum vke_rc_mark {
    VKE_RC_MARKED = 0,   /* a pending entry took the new status */
    VKE_RC_NOT_TARGET,   /* the node has no entry: a stray receipt */
    VKE_RC_DUPLICATE,    /* the entry was already final */
};

void vke_rc_init(struct vke_rc *rc);
/* Append an entry; -ENOSPC when full, -EEXIST when the node has one already. */
int vke_rc_add(struct vke_rc *rc, uint32_t node, enum xvios_rc_status st);
/* Final status for a node's entry (st must not be PENDING). */
enum vke_rc_mark vke_rc_mark(struct vke_rc *rc, uint32_t node, enum xvios_rc_status st);
/* Every pending entry becomes st (TIMED_OUT at the deadline); returns how many did. */
unsigned vke_rc_fail_pending(struct vke_rc *rc, enum xvios_rc_status st);
/* OK when every entry is DELIVERED or SENT; NO_TARGETS when empty; PARTIAL otherwise. */
enum xvios_status vke_rc_overall(const struct vke_rc *rc);
const struct xvios_rc_entry *vke_rc_find(const struct vke_rc *rc, uint32_t node);

#endif /* XVIOS_VKE_RC_H */
