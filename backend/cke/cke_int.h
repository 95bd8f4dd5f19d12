/* SPDX-License-Identifier: MIT */
/*
 * cke_int.h - the CKE's internals, shared by its files:
 *   cke_msg.c    bodies, fragments, reassembly of one body (pure)
 *   cke_asm.c    the table of bodies being reassembled, per source node, bounded and expiring
 *   cke_send.c   a body as fragments through the VKE
 *   cke_fwd.c    the originator: routes, attempts, failover, drain, the retryable sense
 *   cke_peer.c   the peer: a forwarded command run on its own LU
 *   cke.c        the whole: create/destroy, the VKE receiver, counters
 */
#ifndef XVIOS_BACKEND_CKE_INT_H
#define XVIOS_BACKEND_CKE_INT_H

#include "backend/cke/cke.h"
#include "backend/scsi/scsi_region.h"
#include "xvios/clock.h"

#define CKE_ASM_MAX      256u     /* bodies being reassembled at once, per direction */
#define CKE_MAX_ATTEMPTS 4u       /* peers one command may be tried on */
#define CKE_PEER_DOWN_MS 10000u   /* a peer that failed is chosen again within so long only if no other is left */
#define CKE_PATHS_TTL_MS 1000u    /* how long the DB's path table of an LU is taken as current */

/* One body being reassembled. */
struct cke_asm {
    struct cke_asm *next;
    uint32_t src;
    struct cke_reasm r;
    struct timespec expires;
};
struct cke_asm_table {
    struct cke_asm *head;
    unsigned n;
};

/* One forwarding attempt: a command sent to one peer. */
struct cke_att {
    struct cke_att *next;
    struct cke *c;
    struct cke_req *r;                  /* NULL once the attempt is over (the sends may still report) */
    struct cke_key *k;
    uint64_t fwd_id;
    uint32_t peer;
    unsigned frags, results, delivered, maybe, refused;
    struct xvios_ev_timer *deadline;
};

/* Per LU key: forwarded commands in flight, and the drain after the path came back. */
struct cke_key {
    struct cke_key *next;
    char key[XVIOS_PATH_KEY_MAX + 1];
    unsigned inflight;
    uint32_t last_peer;                 /* the peer of the last attempt */
    uint32_t used[XVIOS_MAX_NODES];     /* peers used since the path was lost (each logged once) */
    unsigned nused;
    bool draining;
    struct cke_req *held, *held_tail;
    struct xvios_db_path *paths;        /* the DB's view, fetched at paths_at */
    unsigned npaths;
    struct timespec paths_at;
    bool paths_valid;
};

/* Peer side: an LU opened for forwarded commands. */
struct cke_plu {
    struct cke_plu *next;
    struct cke *c;
    struct cke_lu_id id;
    struct lu_store *store;
    struct scsi_region region;
    struct scsi_lu *lu;
    struct scsi_dev *dev;
    struct xvios_ev_fd *src;
    struct dsa_path *path;
    unsigned running;
};

/* Peer side: one forwarded command being run. */
struct cke_exec {
    struct cke_exec *next;
    struct cke *c;
    struct cke_plu *plu;
    uint32_t src;
    uint64_t fwd_id;
    struct scsi_nexus nexus;
    struct scsi_cmd cmd;
    uint8_t *out, *in;
};

/* A peer VIOS as forwarding sees it, by node id: any id but 0 (a multi-host cluster's ids are
 * (corosync nodeid << 8) | local, docs/multihost.md), in an open-addressed table twice the cluster's size. */
#define CKE_PEER_SLOTS (2u * XVIOS_MAX_NODES)
struct cke_peer {
    uint32_t node;                      /* 0: a free slot */
    unsigned inflight;
    struct timespec down_until;
};

struct cke {
    struct cke_config cfg;
    struct cke_asm_table cmd_asm, rsp_asm;
    struct cke_att *atts;
    struct cke_key *keys;
    struct cke_req *parked;             /* redrives waiting for their path's verdict */
    struct cke_req *fin, *fin_tail;     /* ended, done not yet called */
    struct cke_exec *execs;
    struct cke_plu *plus;
    struct cke_peer peers[CKE_PEER_SLOTS];
    uint64_t next_id;
    struct xvios_ev_timer *kick, *sweep;
    bool receiver, destroying;
    struct cke_stats st;
};

/* cke_fwd.c: node's entry, made on first use; NULL for node 0 or a full table (never with the cluster's members). */
struct cke_peer *cke__peer(struct cke *c, uint32_t node);

/* cke_asm.c: 1 = body complete in *done (take it: cke__asm_free), 0 = more to come, < 0 = dropped. */
int  cke__asm_add(struct cke_asm_table *t, uint32_t src, const uint8_t *untrusted_payload, size_t len,
                  unsigned timeout_ms, struct cke_asm **done);
void cke__asm_free(struct cke_asm *a);
void cke__asm_expire(struct cke_asm_table *t, struct timespec now);
void cke__asm_clear(struct cke_asm_table *t);

/* cke_send.c: send body to peer as fragments; receipts: cb runs once per fragment (frags sent in *n). */
int  cke__send_body(struct cke *c, uint32_t peer, uint32_t msg_type, uint64_t fwd_id, const uint8_t *body,
                    uint32_t len, bool receipts, xvios_vke_result_cb cb, void *arg, unsigned *n);

/* cke_fwd.c */
void cke__fwd_on_rsp(struct cke *c, uint32_t src, uint64_t fwd_id, const uint8_t *body, uint32_t len);
void cke__fwd_on_verdict(void *arg, struct dsa_path *p, enum dsa_state st);
void cke__fwd_kick(struct xvios_ev_timer *t, void *arg);
void cke__fwd_shutdown(struct cke *c);
void cke__fwd_free(struct cke *c);      /* after the VKE went: the attempts left */

/* cke_peer.c */
void cke__peer_on_cmd(struct cke *c, uint32_t src, uint64_t fwd_id, const uint8_t *body, uint32_t len);
void cke__peer_shutdown(struct cke *c);

#endif /* XVIOS_BACKEND_CKE_INT_H */
