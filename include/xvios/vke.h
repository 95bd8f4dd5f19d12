/* SPDX-License-Identifier: MIT */
/*
 * xvios/vke.h - the VKE (the patent's "vscsi kernel extension" messaging
 * role), hosted by xvios-backend. It owns the cluster links, the local
 * daemon socket (RUNDIR/vke.sock, see docs/protocol.md "The daemon -> VKE
 * local socket"), outstanding sends with their RC arrays and deadlines, and
 * receipt generation on the receive side.
 *
 * Single-threaded: the host calls xvios_vke_run_once() in a loop.
 */
#ifndef XVIOS_VKE_H
#define XVIOS_VKE_H

#include <stdint.h>
#include "xvios/platform.h"

struct xvios_vke;

struct xvios_vke_config {
    xvios_plat *plat;
    const char *rundir;         /* where vke.sock goes (created if missing) */
    unsigned max_outstanding;   /* sends waiting for receipts at once; 0 = 256 */
    unsigned up_queue_cap;      /* inbound packets held for the daemon; 0 = 128 */
    unsigned link_queue_cap;    /* packets queued per peer link; 0 = 256 */
};

/* Counters (also served as VKE_STATS "key=value" lines). */
struct xvios_vke_stats {
    uint64_t sends;             /* requests accepted from the daemon */
    uint64_t sends_rejected;    /* requests answered with an error status */
    uint64_t packets_out;       /* datagrams handed to links */
    uint64_t packets_in;        /* well-formed datagrams from links */
    uint64_t malformed_in;      /* dropped: failed to decode or to validate */
    uint64_t receipts_sent;
    uint64_t receipts_in;       /* matched and recorded */
    uint64_t receipts_late;     /* for a send already completed (or unknown) */
    uint64_t receipts_dup;      /* for a node already final */
    uint64_t receipts_stray;    /* from a node that was not a target */
    uint64_t delivered_up;      /* packets handed to the daemon */
    uint64_t up_queue_full;     /* inbound packets refused: daemon queue full */
    uint64_t link_expired;      /* queued packets whose deadline passed before the link took them */
    uint64_t link_dropped;      /* refused because a link queue was full */
    uint64_t link_up;           /* link came up */
    uint64_t link_lost;         /* link died */
    uint64_t local_malformed;   /* bad packets on the local socket */
};

int  xvios_vke_create(const struct xvios_vke_config *cfg, struct xvios_vke **out);
void xvios_vke_destroy(struct xvios_vke *v);              /* NULL is fine */
/* Wait for I/O at most max_wait_ms (or less when a deadline is due), handle it. */
int  xvios_vke_run_once(struct xvios_vke *v, int max_wait_ms);
uint32_t xvios_vke_node(const struct xvios_vke *v);        /* 0 while not a member */
void xvios_vke_get_stats(const struct xvios_vke *v, struct xvios_vke_stats *out);
/* Format the counters as "key=value\n" lines; returns bytes written (truncates at cap). */
size_t xvios_vke_format_stats(const struct xvios_vke *v, char *buf, size_t cap);

#endif /* XVIOS_VKE_H */
