/* SPDX-License-Identifier: MIT */
/* vke_internal.h - the VKE's state, shared by its xen/vke_*.c files. */
#ifndef XVIOS_VKE_INTERNAL_H
#define XVIOS_VKE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "vke_journal.h"
#include "vke_rc.h"
#include "vke_route.h"
#include "xvios/clock.h"
#include "xvios/evloop.h"
#include "xvios/pktq.h"
#include "xvios/platform.h"
#include "xvios/vke.h"
#include "xvios/watchmux.h"
#include "xvios/wire.h"

#define VKE_MAX_CONNS        16    /* local socket connections */
#define VKE_RECONNECT_MS     200   /* between link re-opens of one peer */
#define VKE_TICK_MS          50    /* service period while connecting links or queues wait */
#define VKE_IDLE_MS          1000  /* service period otherwise, while there are peers: links are
                                          * progressed (a peer domain's death is noticed there) */
#define VKE_MAX_RECEIVERS    8     /* in-process receivers */
#define VKE_CONN_OUTQ_PKTS   1024  /* packets queued for one local connection that is not reading */
#define VKE_CONN_OUTQ_BYTES  (4u << 20)
#define VKE_CONN_MAX_BAD     16    /* malformed packets a local connection may send before it is dropped */
#define VKE_CONN_IDLE_MS     2000  /* a connection that is not the daemon, silent this long with nothing
                                    * outstanding, is closed (its slot is free for the daemon) */
#define VKE_SHARE_DIV        4     /* one requester holds at most 1/4 of the send table */


struct vke_peer {
    uint32_t node, domid;
    xvios_link *link;          /* NULL between re-opens */
    bool was_up;               /* reported NODE_JOINED for the current link */
    struct timespec reopen_at;
    struct xvios_pktq outq;    /* datagrams for the link, each with its send's deadline */
    struct xvios_ev_fd *src;   /* the link's fd in the loop (vke_loop.c keeps it in step) */
    bool ready;                /* its fd woke the loop (or its link was just opened): serviced this turn */
};

/* A local socket connection (the daemon or local root). */
struct vke_conn {
    int fd;                    /* -1 = free slot */
    bool is_daemon;
    uint32_t id;               /* unique per connection, never reused */
    struct xvios_ev_fd *src;   /* its fd in the loop (vke_loop.c keeps it in step) */
    struct xvios_pktq outq;    /* what it has not taken yet (bounded: full = dropped) */
    unsigned bad_packets;      /* malformed packets so far (VKE_CONN_MAX_BAD) */
    struct timespec idle_deadline; /* not the daemon: closed at this when idle (VKE_CONN_IDLE_MS) */
};

/* Who gets a send's SEND_RESULT: a local connection, or an in-process sender's callback. */
struct vke_requester {
    uint32_t conn_id;          /* 0 when cb is set */
    xvios_vke_result_cb cb;
    void *arg;
};

/* An in-process receiver: message types [first, last]. */
struct vke_receiver {
    uint32_t first, last;
    xvios_vke_receive_cb cb;
    void *arg;
};

/* A SEND_RESULT waiting to be handed to an in-process sender. */
struct vke_result {
    struct vke_result *next;
    xvios_vke_result_cb cb;
    void *arg;
    size_t len;
    uint8_t pkt[];             /* the encoded SEND_RESULT, as the daemon would read it */
};

/* A message written to the daemon, not yet acknowledged by its VKE_ACK. */
struct vke_unacked {
    uint64_t seq;              /* its number among the packets written up on this daemon connection */
    uint64_t txid;
    uint32_t node, epoch, msg_type;
    uint32_t jslot;            /* its receipt journal slot, VKE_JOURNAL_NONE if none */
};

/* A send waiting for receipts. */
struct vke_send {
    bool used;
    struct vke_requester who;  /* who gets the SEND_RESULT */
    struct timespec deadline;
    struct xvios_msg req;      /* headers as received (payload pointer not kept) */
    struct vke_rc rc;
};

struct xvios_vke {
    xvios_plat *plat;
    uint32_t self_domid;
    struct vke_members members;
    uint64_t members_gen;       /* the store generation members was last confirmed at */
    bool members_gen_valid;     /* false: unknown, or the platform has no generation */
    uint32_t default_timeout_ms;
    uint32_t max_timeout_ms;       /* the cluster's maximum send timeout (longer ones are cut to it) */
    char sock_path[108];
    int listen_fd;
    struct xvios_evloop *loop;     /* the host's, or own_loop */
    struct xvios_watchmux *mux;    /* the host's, or own_mux */
    struct xvios_evloop *own_loop; /* private (xvios_vke_run_once), NULL when hosted */
    struct xvios_watchmux *own_mux;
    struct xvios_ev_fd *listen_src;
    struct xvios_ev_timer *service;    /* deadlines, ticks, end-of-turn work */
    struct timespec full_service_at;   /* the next service of every peer (ticks); between them a turn services
                                        * only the peers that woke it or have something queued */
    bool full_service_due;             /* full_service_at is set */
    bool watching;
    struct vke_conn conns[VKE_MAX_CONNS];
    uint32_t next_conn_id;
    uint32_t daemon_conn_id;   /* 0 = no daemon attached */
    struct xvios_pktq upq;     /* inbound for the daemon; a packet's txid field holds its receipt journal
                                * slot + 1 (0 = not journaled), the packet itself names its txid */
    struct vke_journal journal;    /* receipts of messages held for the daemon (vke_journal.h) */
    bool daemon_acks;          /* the attached daemon said ack=1 in its VKE_HELLO */
    uint64_t up_seq;           /* packets written up on the daemon connection */
    uint64_t up_acked;         /* the daemon's last VKE_ACK */
    struct vke_unacked *unacked;   /* ring of XVIOS_VKE_UNACKED_MAX CLUSTER_SENDs written, not acknowledged */
    unsigned unacked_head, unacked_n;
    struct vke_peer *peers;    /* one per active member but self */
    unsigned n_peers;
    struct vke_send *sends;
    unsigned max_sends;
    unsigned link_queue_cap;
    struct xvios_vke_stats st;
    size_t (*stats_extra)(void *ctx, char *buf, size_t cap);   /* xvios_vke_stats_extra */
    void *stats_extra_ctx;
    uint8_t *iobuf;            /* XVIOS_LINK_MAX_DGRAM scratch */
    uint8_t *encbuf;           /* XVIOS_MAX_MSG scratch for encoding */
    struct vke_receiver receivers[VKE_MAX_RECEIVERS];
    unsigned n_receivers;
    struct xvios_pktq inq;     /* inbound for in-process receivers (bounded like upq) */
    struct vke_result *results, *results_tail;
    uint32_t inproc_seq;       /* txids of in-process sends: this node, upper half of the counter */
    uint32_t inproc_epoch;     /* their epoch: this VKE's incarnation (vke.epoch in the run directory) */
};

/*
 * Run the service (vke_loop.c) at the end of this turn. Inline, because every
 * part of the VKE wakes the service and the service calls every part: the
 * files stay one-way (tests/tools/module_deps.py).
 */
static inline void vke_loop_kick(struct xvios_vke *v)
{
    if (v->service)
        xvios_evloop_timer_arm(v->service, xvios_now());
}

/* vke_members.c */
int  vke_members_refresh(struct xvios_vke *v, bool force);
int  vke_members_watch(struct xvios_vke *v);        /* through v->mux */
void vke_members_unwatch(struct xvios_vke *v);

/* vke_peer.c */
struct vke_peer *vke_peer_find(struct xvios_vke *v, uint32_t node);
void vke_peers_sync(struct xvios_vke *v);               /* peers follow v->members */
int  vke_peer_open(struct xvios_vke *v, struct vke_peer *p);  /* on failure: link NULL, re-open timed */
/* Queue a datagram for a peer; false when it cannot be queued (counted). */
/* vke_group.c: a broadcast's copies for peers whose links take a group send, as one datagram (v->encbuf,
 * len bytes, encoded with dst_node 0); taken[i] (plan->n entries) marks the plan entries it covered;
 * returns how many (0: none, every copy goes on its own link). */
unsigned vke_group_send(struct xvios_vke *v, const struct vke_plan *plan, size_t len, struct timespec deadline,
                        bool *taken);
bool vke_peer_enqueue(struct xvios_vke *v, struct vke_peer *p, const void *buf, size_t len,
                      uint64_t txid, struct timespec deadline);
void vke_peers_dispose(struct xvios_vke *v);

/* vke_link.c - the links' traffic */
void vke_peers_service(struct xvios_vke *v);            /* progress, re-open, receive, flush, expire */
void vke_peers_service_woken(struct xvios_vke *v);     /* the same for the peers that woke the loop or have a queue */
void vke_peer_receive(struct xvios_vke *v, struct vke_peer *p);

/* vke_local.c - the way in: the local socket and what its connections send */
int  vke_local_listen(struct xvios_vke *v, const char *rundir);
void vke_local_accept(struct xvios_vke *v);
void vke_local_read(struct xvios_vke *v, struct vke_conn *c);
void vke_local_dispose(struct xvios_vke *v);
/* With close_idle, close the idle connections that are not the daemon; the earliest idle deadline
 * left: true and *out. */
bool vke_local_expire(struct xvios_vke *v, bool close_idle, struct timespec *out);

/* vke_local_out.c - the way out to local connections and the daemon */
struct vke_conn *vke_local_conn(struct xvios_vke *v, uint32_t id);   /* NULL if gone */
void vke_local_close(struct xvios_vke *v, struct vke_conn *c);
/* Send a packet to a connection, or queue it while the connection is not reading (never waits);
 * false if it is gone, or was dropped because its queue is full. */
bool vke_local_send(struct xvios_vke *v, uint32_t conn_id, const void *buf, size_t len);
void vke_local_flush(struct xvios_vke *v, struct vke_conn *c);   /* write what c has queued */
/* Does the connection have an outstanding send in the table? */
bool vke_local_has_sends(const struct xvios_vke *v, uint32_t conn_id);
/* Hand an inbound packet up to the daemon (queued when none or busy); false when the queue is full.
 * jslot: its receipt journal slot (closed once the message is accounted for), or VKE_JOURNAL_NONE. */
bool vke_local_deliver_up(struct xvios_vke *v, const void *buf, size_t len, uint32_t jslot);
void vke_local_flush_up(struct xvios_vke *v);
/* Drop (log, count) held inbound packets past the hold bound. */
void vke_local_expire_up(struct xvios_vke *v);
/* Drop every held inbound packet, each logged with why and counted (up_lost). */
void vke_local_drop_held(struct xvios_vke *v, const char *why);
/* The daemon's VKE_ACK: it consumed the first n packets written up on its connection; false when n is impossible. */
bool vke_local_ack(struct xvios_vke *v, uint64_t n);
void vke_local_event(struct xvios_vke *v, enum xvios_event ev, uint32_t node);

/* vke_send.c - the send path */
void vke_send_request(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req);

/* vke_outstanding.c - outstanding sends, receipts, deadlines, SEND_RESULTs */
/* Answer who with req's headers copied back, st, rc_needed, and the RC array when it fits. */
void vke_send_result(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req,
                     enum xvios_status st, const struct vke_rc *rc, uint16_t needed);
/* A send is known by its txid and the epoch of the incarnation that issued it. NULL if not outstanding. */
struct vke_send *vke_send_find(struct xvios_vke *v, uint64_t txid, uint32_t epoch);
/* A SEND_RESULT (st) for a request refused before the send path saw it. */
void vke_send_refuse(struct xvios_vke *v, const struct vke_requester *who, const struct xvios_msg *req,
                     enum xvios_status st);
bool vke_send_outstanding(const struct xvios_vke *v, uint64_t txid, uint32_t epoch);
void vke_send_receipt_in(struct xvios_vke *v, struct vke_peer *p, const struct xvios_msg *rcpt);
void vke_send_expire(struct xvios_vke *v);
/* A pending entry of node (in send txid, or in every send when txid is 0) becomes st. */
void vke_send_node_failed(struct xvios_vke *v, uint32_t node, uint64_t txid, enum xvios_rc_status st);
bool vke_send_next_deadline(const struct xvios_vke *v, struct timespec *out);

/* vke_recv.c */
void vke_recv_packet(struct xvios_vke *v, struct vke_peer *p, const uint8_t *untrusted_buf, size_t untrusted_len);

/* vke_loop.c - the VKE as a guest of an event loop */
int  vke_loop_attach(struct xvios_vke *v);
void vke_loop_detach(struct xvios_vke *v);
void vke_loop_sync(struct xvios_vke *v);     /* fd sources follow connections and links */

/* vke_inproc.c - in-process receivers and senders */
bool vke_inproc_claims(const struct xvios_vke *v, uint32_t msg_type);
bool vke_inproc_full(const struct xvios_vke *v);
/* Queue an inbound packet for its receiver; false when the queue is full. */
bool vke_inproc_deliver(struct xvios_vke *v, const void *buf, size_t len);
/* Queue an encoded SEND_RESULT for an in-process sender. */
void vke_inproc_result(struct xvios_vke *v, const struct vke_requester *who, const void *pkt, size_t len);
bool vke_inproc_pending(const struct xvios_vke *v);
void vke_inproc_flush(struct xvios_vke *v);  /* hand queued packets and results over (bounded) */
void vke_inproc_dispose(struct xvios_vke *v);

#endif /* XVIOS_VKE_INTERNAL_H */
