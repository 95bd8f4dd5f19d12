/* SPDX-License-Identifier: MIT */
/*
 * prsync_int.h - what the files of backend/prsync share:
 *   prsync.c        hosting: create/destroy, the LUs' bindings and their SCSI hooks, the receiver
 *   prsync_op.c     one local PR command: the DB transaction, installing it, PR_APPLY out, completion
 *   prsync_sync.c   keeping the local copy current: PR_APPLY in, the /xvios/pr watch, resync from the DB
 *   prsync_change.c the change itself on a scratch PR object (pure)
 *   prsync_msg.c    the PR_APPLY payloads (pure)
 */
#ifndef XVIOS_BACKEND_PRSYNC_INT_H
#define XVIOS_BACKEND_PRSYNC_INT_H

#include "backend/prsync/prsync.h"
#include "backend/prsync/prsync_change.h"
#include "backend/prsync/prsync_msg.h"
#include "xvios/clock.h"

/* One PR command (or a local nexus reset) going through the DB and the cluster. */
struct prsync_op {
    struct prsync_op *next;
    struct prsync_lu *lu;
    struct scsi_cmd *cmd;               /* NULL for a nexus reset */
    struct prsync_change ch;
    bool started;                       /* committed (or refused): only completion is left */
    bool sent, result_in;               /* PR_APPLY handed to the VKE; its SEND_RESULT came */
    uint64_t txid, gen;
    struct timespec deadline;           /* for the peers' responses */
    /* the peers heard of, by node id (any but 0: a multi-host cluster's ids are over 256): receipted
     * (a response is due) and answered, in whichever order the two come */
    struct prsync_peer {
        uint32_t node;
        bool expect, answered;
    } peers[XVIOS_MAX_NODES];
    unsigned n_peers;
};

struct prsync_lu {
    struct prsync_lu *next;
    struct prsync *ps;
    char name[XVIOS_LU_NAME_MAX + 1];
    struct scsi_lu *lu;                 /* NULL until bound */
    uint64_t gen;                       /* generation installed */
    uint64_t db_gen;                    /* newest generation seen in the DB */
    bool stale;                         /* the DB has a newer state no PR_APPLY brought yet: not served */
    bool broken;                        /* the record is malformed: not served until a good one is read */
    bool spc2_held;                     /* the SPC-2 reservation as last installed (local nexus resets) */
    struct scsi_nexus spc2_holder;
    struct prsync_op *ops;              /* FIFO; the head is the one running */
    struct xvios_ev_timer *resync;      /* re-read the DB at its deadline */
};

struct prsync {
    xvios_plat *plat;
    struct xvios_evloop *loop;
    struct xvios_watchmux *mux;
    struct xvios_vke *vke;
    uint16_t port;
    uint32_t timeout_ms;                /* the cluster's receipt/response deadline */
    char token[32];
    bool watching, receiving;
    struct prsync_lu *lus;
    struct xvios_ev_timer *kick;        /* runs queued commands and deadlines at the end of a turn */
    struct timespec kick_at;            /* its deadline while armed */
    struct xvios_db_pr *rec;            /* scratch record (32 KB) */
    uint8_t *msg;                       /* scratch payload (PRSYNC_MSG_MAX) */
    struct prsync_apply *apply;         /* scratch decoded message */
    struct prsync_stats st;
};

/* Run the service at `when`, or earlier if it is due earlier already. */
static inline void prsync_kick(struct prsync *ps, struct timespec when)
{
    if (!xvios_evloop_timer_armed(ps->kick) || xvios_ts_cmp(when, ps->kick_at) < 0) {
        ps->kick_at = when;
        xvios_evloop_timer_arm(ps->kick, when);
    }
}

/* prsync_alert.c - the reservation-preempted alert of a committed change (xvios/db_preempt.h) */
struct xvios_db_preempt;
bool prsync_preempt_record(const struct prsync_op *op, struct xvios_db_preempt *r);   /* pure */
void prsync_alert_preempt(struct prsync *ps, const struct prsync_op *op);

/* prsync_op.c */
int  prsync_op_submit(struct prsync_lu *l, struct scsi_cmd *cmd, enum prsync_kind kind, const struct scsi_nexus *n,
                      uint32_t param_len);
void prsync_op_service(struct prsync *ps);                 /* start heads, expire deadlines */
void prsync_op_on_response(struct prsync *ps, const struct xvios_msg *m);
void prsync_op_abandon_all(struct prsync_lu *l);           /* the LU goes: every command completes now */

/* prsync_sync.c */
/* Install (gen, state) into l's LU: 0, or -EINVAL (it does not load; nothing changed). */
int  prsync_install(struct prsync_lu *l, uint64_t gen, const uint8_t *state, size_t len);
/* Deliver events for this VIOS's nexuses (target port) to l's LU. */
void prsync_deliver(struct prsync_lu *l, const struct prsync_event *ev, unsigned n);
/* Re-read the record and install it; with_events: the diff's unit attentions too. 0, -EIO, or the store's error. */
int  prsync_resync(struct prsync_lu *l, bool with_events);
void prsync_on_apply(struct prsync *ps, const struct xvios_msg *m);
void prsync_on_watch(void *arg, const struct xvios_watch_event *ev, unsigned n);
void prsync_on_resync_timer(struct xvios_ev_timer *t, void *arg);

#endif /* XVIOS_BACKEND_PRSYNC_INT_H */
