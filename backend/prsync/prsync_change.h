/* SPDX-License-Identifier: MIT */
/*
 * prsync_change.h - one cluster-wide PR change computed from the DB's state
 * (pure: no store, no messages). prsync_change_run() is the change function
 * of xvios_db_pr_update(): it loads the record's blob into a scratch PR
 * object, runs the command there, collects the unit attentions and aborts
 * the PR module asks for, and saves the next state. prsync_diff() derives
 * the events a VIOS owes its own nexuses when it jumps from one state to a
 * later one without the messages in between (a resynchronization).
 */
#ifndef XVIOS_BACKEND_PRSYNC_CHANGE_H
#define XVIOS_BACKEND_PRSYNC_CHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/prsync/prsync_msg.h"
#include "backend/scsi/scsi_pr.h"
#include "xvios/db_pr.h"

enum prsync_kind {
    PRSYNC_PR_OUT = 1,          /* PERSISTENT RESERVE OUT: cdb, param, param_len */
    PRSYNC_RESERVE = 2,         /* RESERVE(6/10) */
    PRSYNC_RELEASE = 3,         /* RELEASE(6/10) */
    PRSYNC_NEXUS_RESET = 4,     /* the nexus was lost (its SPC-2 reservation goes) */
};

struct prsync_change {
    /* in */
    enum prsync_kind kind;
    struct scsi_nexus nexus;
    const uint8_t *cdb;
    const uint8_t *param;
    uint32_t param_len;
    /* out, reset on every run (the transaction may run it several times) */
    bool refused;               /* the command ends with err; nothing written */
    bool changed;               /* the state changed: written with the next generation */
    struct scsi_err err;
    unsigned n_events;
    bool events_lost;           /* more than PRSYNC_EVENTS_MAX: the rest were logged and dropped */
    struct prsync_event events[PRSYNC_EVENTS_MAX];
};

/* An xvios_db_pr_change_fn (ctx: struct prsync_change). -EIO: the record's blob does not load. */
int prsync_change_run(void *ctx, struct xvios_db_pr *rec);

/* The state of a fresh LU as a blob (what generation 0 means): its length, or < 0. */
int prsync_empty_state(uint8_t *buf, size_t cap, size_t *len);

/*
 * Events for the nexuses of target port `port` when old is replaced by new
 * without the PR_APPLY messages between them: REGISTRATIONS PREEMPTED for a
 * nexus registered in old but not in new; RESERVATIONS RELEASED
 * for a registered nexus that held (or shared) old's reservation and does
 * not in new. No aborts: whether a PREEMPT AND ABORT was among the missed
 * changes cannot be told from the states. Returns how many were written to ev
 * (at most max).
 */
unsigned prsync_diff(const struct scsi_pr *old, const struct scsi_pr *new_state, uint16_t port,
                     struct prsync_event *ev, unsigned max);

#endif /* XVIOS_BACKEND_PRSYNC_CHANGE_H */
