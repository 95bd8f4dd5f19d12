/* SPDX-License-Identifier: MIT */
/*
 * rdb_msg.h - the replicated DB's messages (xen/plat/rdb/), each one AGREED
 * multicast in the DB's CPG group. Little-endian; a 12-byte header (magic
 * "XVDB", format version, kind, payload length) then the kind's payload:
 *
 *   SYNC_START  u64 epoch                          the lowest member opens a sync round
 *   STATE       u64 epoch, version, hash, u32 flags, u32 0, 16 bytes incarnation
 *                                                  a member's copy in that round; flags RDB_STATE_SERVING:
 *                                                  the member served the DB (synced in a quorate ring)
 *                                                  up to this round; the copy's incarnation (rdb_inc.h,
 *                                                  all zero: none). An older member's STATE is read as
 *                                                  it was meant: 24 bytes (no flags) as flags 0, 24 or
 *                                                  32 bytes (no incarnation) with has_inc false; a round
 *                                                  holding such a STATE decides as before incarnations.
 *   CHUNK       u64 epoch, version, hash, u32 total, u32 offset, bytes
 *                                                  a piece of the chosen member's copy
 *   TX          u64 txid, u64 base version, u32 domid, u32 flags, u32 op count, ops,
 *               u32 read count, reads
 *               op: u8 kind, u16 path length, path, then
 *                   WRITE: u32 value length, value; SETPERMS: u16 count, count x (u32 domid, u8 access)
 *               read: u8 flags (RDB_READ_*), u16 path length, path, u64 mver, u64 cver
 *                     (an absent node: flags, mver and cver 0)
 *
 * rdb_msg_decode checks every length against the buffer and the bounds
 * below, every path and permission, and refuses trailing bytes (-EPROTO).
 */
#ifndef XVIOS_RDB_MSG_H
#define XVIOS_RDB_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb_inc.h"
#include "rdb_tree.h"

#define RDB_MSG_MAGIC     0x42445658u   /* "XVDB" */
#define RDB_MSG_VERSION   1u
#define RDB_MSG_HDR       12u
#define RDB_MSG_MAX       (1000u * 1000u)   /* under CPG's atomic message (1,047,552 bytes) */
#define RDB_CHUNK_HDR     32u
#define RDB_CHUNK_MAX     (60u * 1024u)     /* bytes of a copy per CHUNK */
#define RDB_TX_MAX_OPS    1024u
#define RDB_TX_MAX_READS  4096u
#define RDB_TX_CHECK      1u                /* flags: fail with EAGAIN unless every read still holds */
#define RDB_STATE_SERVING 1u                /* STATE flags: this member's copy is the serving DB's */
#define RDB_STATE_LEN     48u               /* STATE's payload today (24: before flags, 32: before incarnations) */

enum rdb_msg_kind {
    RDB_MSG_SYNC_START = 1,
    RDB_MSG_STATE      = 2,
    RDB_MSG_CHUNK      = 3,
    RDB_MSG_TX         = 4,
};

struct rdb_msg {
    enum rdb_msg_kind kind;
    uint64_t epoch, version, hash;          /* SYNC_START (epoch), STATE, CHUNK */
    uint32_t state_flags;                   /* STATE: RDB_STATE_* */
    bool has_inc;                           /* STATE: it carried an incarnation (48 bytes) */
    struct rdb_inc inc;                     /* ... which (all zero: none) */
    uint32_t total, off;                    /* CHUNK */
    const uint8_t *data;                    /* CHUNK: points into the decoded buffer */
    size_t data_len;
    uint64_t txid, base;                    /* TX */
    uint32_t domid, flags;
    struct rdb_op *ops;                     /* TX: allocated by decode, freed by rdb_msg_release */
    unsigned nops;
    struct rdb_read *reads;                 /* TX: its read set (the same) */
    unsigned nreads;
};

/* Encoders: *out malloc'd. -EINVAL bad arguments, -EMSGSIZE over RDB_MSG_MAX. */
int rdb_msg_sync_start(uint64_t epoch, uint8_t **out, size_t *len);
int rdb_msg_state(uint64_t epoch, uint64_t version, uint64_t hash, uint32_t flags, const struct rdb_inc *inc,
                  uint8_t **out, size_t *len);
int rdb_msg_chunk(uint64_t epoch, uint64_t version, uint64_t hash, uint32_t total, uint32_t off,
                  const uint8_t *data, size_t n, uint8_t **out, size_t *len);
int rdb_msg_tx(uint64_t txid, uint64_t base, uint32_t domid, uint32_t flags,
               const struct rdb_op *ops, unsigned nops, const struct rdb_read *reads, unsigned nreads,
               uint8_t **out, size_t *len);

int  rdb_msg_decode(const uint8_t *buf, size_t len, struct rdb_msg *m);
void rdb_msg_release(struct rdb_msg *m);

#endif /* XVIOS_RDB_MSG_H */
