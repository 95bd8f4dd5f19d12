/* SPDX-License-Identifier: MIT */
/* vke_internal.h - the VKE's state, shared by its xen/vke_*.c files. */
#ifndef XVIOS_VKE_INTERNAL_H
#define XVIOS_VKE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "vke_rc.h"
#include "vke_route.h"
#include "xvios/pktq.h"
#include "xvios/platform.h"
#include "xvios/vke.h"
#include "xvios/wire.h"

#define VKE_MAX_CONNS        16    /* local socket connections */
#define VKE_RECONNECT_MS     200   /* between link re-opens of one peer */
#define VKE_TICK_MS          50    /* poll cap while connecting links or queues wait */


struct vke_peer {
    uint32_t node, domid;
    xvios_link *link;          /* NULL between re-opens */
    bool was_up;               /* reported NODE_JOINED for the current link */
    struct timespec reopen_at;
    struct xvios_pktq outq;    /* datagrams for the link, each with its send's deadline */
};

/* A local socket connection (the daemon or local root). */
struct vke_conn {
    int fd;                    /* -1 = free slot */
    bool is_daemon;
    uint32_t id;               /* unique per connection, never reused */
};

/* A send waiting for receipts. */
struct vke_send {
    bool used;
    uint32_t conn_id;          /* who gets the SEND_RESULT */
    struct timespec deadline;
    struct xvios_msg req;      /* headers as received (payload pointer not kept) */
    struct vke_rc rc;
};

struct xvios_vke {
    xvios_plat *plat;
    uint32_t self_domid;
    struct vke_members members;
    uint32_t default_timeout_ms;
    char sock_path[108];
    int listen_fd;
    int watch_fd;
    struct vke_conn conns[VKE_MAX_CONNS];
    uint32_t next_conn_id;
    uint32_t daemon_conn_id;   /* 0 = no daemon attached */
    struct xvios_pktq upq;     /* inbound for the daemon */
    struct vke_peer *peers;    /* one per active member but self */
    unsigned n_peers;
    struct vke_send *sends;
    unsigned max_sends;
    unsigned link_queue_cap;
    struct xvios_vke_stats st;
    uint8_t *iobuf;            /* XVIOS_LINK_MAX_DGRAM scratch */
    uint8_t *encbuf;           /* XVIOS_MAX_MSG scratch for encoding */
};

/* vke_members.c */
int  vke_members_refresh(struct xvios_vke *v, bool force);
int  vke_members_watch(struct xvios_vke *v);
void vke_members_handle_watch(struct xvios_vke *v);

/* vke_peer.c */
struct vke_peer *vke_peer_find(struct xvios_vke *v, uint32_t node);
void vke_peers_sync(struct xvios_vke *v);               /* peers follow v->members */
void vke_peers_service(struct xvios_vke *v);            /* progress, re-open, flush, expire */
void vke_peer_receive(struct xvios_vke *v, struct vke_peer *p);
/* Queue a datagram for a peer; false when it cannot be queued (counted). */
bool vke_peer_enqueue(struct xvios_vke *v, struct vke_peer *p, const void *buf, size_t len,
                      uint64_t txid, struct timespec deadline);
void vke_peers_dispose(struct xvios_vke *v);

/* vke_local.c */
int  vke_local_listen(struct xvios_vke *v, const char *rundir);
void vke_local_accept(struct xvios_vke *v);
void vke_local_read(struct xvios_vke *v, struct vke_conn *c);
/* Send a packet to a connection; false if it is gone or would block. */
bool vke_local_send(struct xvios_vke *v, uint32_t conn_id, const void *buf, size_t len);
/* Hand an inbound packet up to the daemon (queued when none or busy); false when the queue is full. */
bool vke_local_deliver_up(struct xvios_vke *v, const void *buf, size_t len);
void vke_local_flush_up(struct xvios_vke *v);
void vke_local_event(struct xvios_vke *v, enum xvios_event ev, uint32_t node);
void vke_local_dispose(struct xvios_vke *v);

/* vke_send.c */
void vke_send_request(struct xvios_vke *v, struct vke_conn *c, const struct xvios_msg *req);
void vke_send_receipt_in(struct xvios_vke *v, struct vke_peer *p, const struct xvios_msg *rcpt);
void vke_send_expire(struct xvios_vke *v);
/* A pending entry of node (in send txid, or in every send when txid is 0) becomes st. */
void vke_send_node_failed(struct xvios_vke *v, uint32_t node, uint64_t txid, enum xvios_rc_status st);
bool vke_send_next_deadline(const struct xvios_vke *v, struct timespec *out);

/* vke_recv.c */
void vke_recv_packet(struct xvios_vke *v, struct vke_peer *p, const uint8_t *untrusted_buf, size_t untrusted_len);

#endif /* XVIOS_VKE_INTERNAL_H */
