/* SPDX-License-Identifier: MIT */
/*
 * vke_route.h - routing decisions of the send path, free of I/O so they can
 * be tested alone: is a request from the daemon acceptable, who are its
 * targets, does the caller's RC array have room (patent: "checks via a query
 * ... that there is enough space in the RC array").
 */
#ifndef XVIOS_VKE_ROUTE_H
#define XVIOS_VKE_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include "xvios/wire.h"

/* The cluster as this VKE last read it from the store. */
struct vke_members {
    uint32_t self;                      /* this node's id; 0 = not a member */
    unsigned n;                         /* active members, including self */
    uint32_t node[XVIOS_MAX_NODES];     /* sorted ascending */
    uint32_t domid[XVIOS_MAX_NODES];
};

struct vke_plan {
    unsigned n;
    uint32_t node[XVIOS_MAX_NODES];
    enum xvios_rc_status initial[XVIOS_MAX_NODES]; /* PENDING: to be sent; else final already */
};

bool vke_members_has(const struct vke_members *m, uint32_t node);

/*
 * Check a packet the daemon handed in. Returns XVIOS_ST_OK or the status for
 * the SEND_RESULT (BAD_PACKET with *why set to a reason for the log).
 */
enum xvios_status vke_route_check_request(const struct xvios_msg *req, uint32_t self, const char **why);

/* Receipts wanted: the RECEIPT flag and an RC array (capacity > 0), patent: rc_ptr/rc_len. */
bool vke_route_wants_receipts(const struct xvios_msg *req);

/*
 * Targets of req: broadcast = every active member but self, ascending;
 * directed = the listed nodes in order, duplicates once; a listed node that
 * is not an active member (or is self) gets XVIOS_RC_NOT_MEMBER.
 * Returns XVIOS_ST_OK, XVIOS_ST_NOT_MEMBER (self not a member), or
 * XVIOS_ST_NO_TARGETS.
 */
enum xvios_status vke_route_plan(const struct vke_members *m, const struct xvios_msg *req, struct vke_plan *plan);

/* With receipts wanted: OK, or RC_TOO_SMALL with *needed = plan->n. */
enum xvios_status vke_route_rc_check(const struct xvios_msg *req, const struct vke_plan *plan, uint16_t *needed);

#endif /* XVIOS_VKE_ROUTE_H */
