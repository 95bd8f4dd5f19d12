/* SPDX-License-Identifier: MIT */
/*
 * prsync_msg.h - the payloads of XVIOS_MT_PR_APPLY (docs/protocol.md,
 * "Backend message types"): what a VIOS that committed a PR change tells its
 * peers, and their answer. Pure: bytes in, bytes out; every length of a
 * received payload is checked before use.
 *
 * Request (CLUSTER_SEND), little-endian:
 *    0  u8  version (1)        1  u8 reserved (0)      2  u16 name length (1..63)
 *    4  u64 generation (>= 1)
 *   12  u32 state length (1..XVIOS_DB_PR_BLOB_MAX)     16 u16 events (<= PRSYNC_EVENTS_MAX)   18 u16 reserved (0)
 *   20  name, then the state (scsi_pr_save's blob), then the events, 16 bytes each:
 *       u8 kind (1 unit attention, 2 abort the nexus's commands), u8 reserved (0), u16 asc/ascq (kind 1; else 0),
 *       u16 relative target port, u16 reserved (0), u64 initiator
 * Response (CLUSTER_RESPONSE, same txid):
 *    0  u8  version (1)        1  u8 result (enum prsync_result)   2 u16 name length   4 u64 generation the
 *       answering VIOS now has for the LU (0: it does not serve it)   12 name
 */
#ifndef XVIOS_BACKEND_PRSYNC_MSG_H
#define XVIOS_BACKEND_PRSYNC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_common.h"
#include "xvios/db_lu.h"
#include "xvios/db_pr.h"
#include "xvios/wire.h"

#define PRSYNC_MSG_VERSION   1u
#define PRSYNC_HDR_LEN       20u
#define PRSYNC_EVENT_LEN     16u
#define PRSYNC_RSP_HDR_LEN   12u
#define PRSYNC_EVENTS_MAX    256u   /* a change of 64 registrations causes at most 2 per registration */
#define PRSYNC_MSG_MAX       (PRSYNC_HDR_LEN + XVIOS_LU_NAME_MAX + XVIOS_DB_PR_BLOB_MAX + \
                              PRSYNC_EVENTS_MAX * PRSYNC_EVENT_LEN)
_Static_assert(PRSYNC_MSG_MAX <= XVIOS_MAX_PAYLOAD, "a PR_APPLY with the largest state fits one packet");

enum prsync_event_kind { PRSYNC_EV_UA = 1, PRSYNC_EV_ABORT = 2 };

struct prsync_event {
    uint8_t kind;               /* enum prsync_event_kind */
    uint16_t asc;               /* PRSYNC_EV_UA: enum scsi_asc */
    uint16_t target_port;
    uint64_t initiator;
};

enum prsync_result {
    PRSYNC_APPLIED = 0,         /* the state (or a newer one) is installed, the events delivered */
    PRSYNC_NOT_SERVED = 1,      /* this VIOS has the LU open nowhere: it reads the record when it opens it */
    PRSYNC_RESYNCING = 2,       /* the state did not install: the VIOS re-reads the DB before serving again */
};

struct prsync_apply {
    char name[XVIOS_LU_NAME_MAX + 1];
    uint64_t gen;
    const uint8_t *state;       /* points into the payload */
    size_t state_len;
    unsigned n_events;
    struct prsync_event events[PRSYNC_EVENTS_MAX];
};

struct prsync_reply {
    char name[XVIOS_LU_NAME_MAX + 1];
    uint8_t result;
    uint64_t gen;
};

/* Encode into buf (cap >= PRSYNC_MSG_MAX is always enough): the length, or -EINVAL / -ENOSPC. */
int prsync_apply_encode(const struct prsync_apply *a, uint8_t *buf, size_t cap);
/* Decode an untrusted payload: 0 (a->state points into it) or -EINVAL. */
int prsync_apply_decode(const uint8_t *untrusted, size_t len, struct prsync_apply *a);
int prsync_reply_encode(const struct prsync_reply *r, uint8_t *buf, size_t cap);
int prsync_reply_decode(const uint8_t *untrusted, size_t len, struct prsync_reply *r);

#endif /* XVIOS_BACKEND_PRSYNC_MSG_H */
