/* SPDX-License-Identifier: MIT */
/*
 * xvios/vke.h - the VKE (the patent's "vscsi kernel extension" messaging
 * role), hosted by xvios-backend. It owns the cluster links, the local
 * daemon socket (RUNDIR/vke.sock, see docs/protocol.md "The daemon -> VKE
 * local socket"), outstanding sends with their RC arrays and deadlines, and
 * receipt generation on the receive side.
 *
 * Single-threaded, and a guest of its host's event loop (xvios/evloop.h),
 * the way a Corosync CPG application lives in its host's loop: the VKE
 * registers its fds (the local socket, its connections, one per link) and
 * one service timer (send deadlines, link re-opens, queue expiry) with the
 * loop and keeps them up to date as connections and links come and go; its
 * membership watches go through the host's store-watch multiplexer
 * (xvios/watchmux.h), so other subsystems can share the platform's watch fd.
 * A host without a loop of its own passes none: the VKE then owns a private
 * loop and multiplexer, turned by xvios_vke_run_once().
 *
 * Subsystems of the same process exchange cluster messages through the VKE
 * without the daemon: xvios_vke_receiver_add() claims a range of message
 * types (within XVIOS_MT_BACKEND_BASE..XVIOS_MT_BACKEND_LAST), and
 * xvios_vke_send() sends with the daemon socket's semantics (validation,
 * RC array, receipts, deadlines, one SEND_RESULT per send).
 */
#ifndef XVIOS_VKE_H
#define XVIOS_VKE_H

#include <stdint.h>
#include "xvios/evloop.h"
#include "xvios/platform.h"
#include "xvios/watchmux.h"
#include "xvios/wire.h"

struct xvios_vke;

/* Inbound packets wait for a (re)attaching daemon at most this many cluster timeouts (config/timeout-ms). */
#define XVIOS_VKE_HOLD_FACTOR 10u
/* Messages written to an acknowledging daemon and not yet acknowledged (VKE_ACK), at most. */
#define XVIOS_VKE_UNACKED_MAX 1024u

struct xvios_vke_config {
    xvios_plat *plat;
    const char *rundir;         /* where vke.sock goes (created if missing) */
    struct xvios_evloop *loop;      /* the host's loop, or NULL (with watches NULL): a private one */
    struct xvios_watchmux *watches; /* the host's multiplexer on plat, on loop; NULL iff loop is NULL */
    unsigned max_outstanding;   /* sends waiting for receipts at once; 0 = 256 */
    unsigned up_queue_cap;      /* inbound packets held for the daemon; 0 = 128. Each is held at most
                                 * XVIOS_VKE_HOLD_FACTOR x the cluster timeout, then dropped and counted */
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
    uint64_t local_malformed;   /* bad packets on the local socket (or refused by the codec in xvios_vke_send) */
    uint64_t up_expired;        /* inbound packets held for the daemon past the hold bound: dropped (logged) */
    uint64_t up_lost;           /* messages written to a daemon that went away before acknowledging them (logged) */
    /* in-process counters (not served as VKE_STATS lines: that protocol is unchanged) */
    uint64_t sends_inproc;      /* requests accepted from in-process senders (also counted in sends) */
    uint64_t delivered_inproc;  /* packets handed to in-process receivers */
    /* limits (docs/protocol.md, "Limits"); served as VKE_STATS lines */
    uint64_t local_dropped;     /* local connections dropped: queue full, malformed packets, idle */
    uint64_t share_refused;     /* sends refused TRY_AGAIN: the requester holds its share of the table */
    uint64_t timeout_clamped;   /* sends whose timeout was cut to the cluster's maximum */
    uint64_t up_lost_restart;   /* messages a previous incarnation receipted and held, open in its journal
                                 * when it died (RUNDIR/vke-held.journal): logged at start; served */
    /* broadcasts as group sends (xvios_link_group_send: one multicast for the peers whose links take
     * it, the multi-host mesh's); served as VKE_STATS lines */
    uint64_t group_sends;       /* group datagrams sent (not counted in packets_out) */
    uint64_t group_copies;      /* peer copies they stood for */
    uint64_t group_fallback;    /* group sends refused: the copies went one per link instead */
};

/* An appendix to the VKE_STATS text: fmt writes more "key=value\n" lines (at most cap - 1 bytes,
 * NUL-terminated) and returns their length; the counters of what the VKE's links run on (the
 * multi-host mesh: xvios_mesh_links_format_stats). NULL fmt: none. */
void xvios_vke_stats_extra(struct xvios_vke *v, size_t (*fmt)(void *ctx, char *buf, size_t cap), void *ctx);

/* Registers with cfg->loop at once; -EINVAL for a loop without a multiplexer on it (or the reverse). */
int  xvios_vke_create(const struct xvios_vke_config *cfg, struct xvios_vke **out);
/* Leaves the loop (destroy the VKE before its host's loop); NULL is fine. */
void xvios_vke_destroy(struct xvios_vke *v);
/*
 * Only for a VKE with a private loop: one turn of it, waiting at most
 * max_wait_ms (less when a deadline is due). -EINVAL when hosted.
 */
int  xvios_vke_run_once(struct xvios_vke *v, int max_wait_ms);

/*
 * In-process receivers. An inbound CLUSTER_SEND or CLUSTER_RESPONSE whose
 * sub.msg_type lies in [first_type, last_type] goes to cb instead of the
 * daemon, after the VKE has queued its receipt (OK, or QUEUE_FULL when the
 * in-process queue, sized like the daemon's, is full). cb runs from the loop,
 * never from inside another VKE call; m (and m->payload) live until it
 * returns; it may call xvios_vke_send() (not xvios_vke_destroy()). Ranges lie within
 * XVIOS_MT_BACKEND_BASE..XVIOS_MT_BACKEND_LAST and do not overlap.
 * Returns 0, -EINVAL, -EEXIST (overlap), -ENOSPC (8 receivers already).
 */
typedef void (*xvios_vke_receive_cb)(void *arg, const struct xvios_msg *m);
int  xvios_vke_receiver_add(struct xvios_vke *v, uint32_t first_type, uint32_t last_type,
                            xvios_vke_receive_cb cb, void *arg);
/* Remove the receiver whose range starts at first_type; -ENOENT. Queued packets of its range go to the daemon. */
int  xvios_vke_receiver_remove(struct xvios_vke *v, uint32_t first_type);

/*
 * In-process send: m is what the daemon would write to vke.sock (a
 * CLUSTER_SEND or CLUSTER_RESPONSE: header, sub-header, targets, payload,
 * flags, timeout, RC capacity), checked by the same rules (the codec's, then
 * the send path's). A CLUSTER_SEND with txid 0 gets a fresh txid of this
 * node (returned in *txid when txid is not NULL). The outcome is exactly one
 * call of cb, from the loop (never from inside this call), with the SEND_RESULT
 * the daemon would get: result is its header and sub-header (the request's
 * copied back with status and rc_needed), and rc/n_rc the RC array it carries
 * (n_rc 0 when there is none, e.g. when rc_capacity is too small).
 * Returns 0, or -EINVAL (NULL v, m or cb: cb is never called). A result
 * that cannot be allocated is logged and lost, as one the daemon socket
 * cannot take.
 */
typedef void (*xvios_vke_result_cb)(void *arg, const struct xvios_msg *result,
                                    const struct xvios_rc_entry *rc, unsigned n_rc);
int  xvios_vke_send(struct xvios_vke *v, const struct xvios_msg *m, xvios_vke_result_cb cb, void *arg,
                    uint64_t *txid);

uint32_t xvios_vke_node(const struct xvios_vke *v);        /* 0 while not a member */
void xvios_vke_get_stats(const struct xvios_vke *v, struct xvios_vke_stats *out);
/* Format the counters as "key=value\n" lines; returns bytes written (truncates at cap). */
size_t xvios_vke_format_stats(const struct xvios_vke *v, char *buf, size_t cap);

#endif /* XVIOS_VKE_H */
