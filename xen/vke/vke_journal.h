/* SPDX-License-Identifier: MIT */
/*
 * vke_journal.h - the journal of receipts (RUNDIR/vke-held.journal): one
 * fixed-size record per message the VKE sent a DELIVERED receipt for and
 * holds for its daemon, from just before the receipt until the message is
 * acknowledged (VKE_ACK) or accounted another way (expired, lost with the
 * daemon: logged and counted there). A backend killed with SIGKILL leaves
 * its open records behind; the next incarnation reads them, reports each as
 * lost (logged, counted up_lost_restart) and starts a fresh journal.
 *
 * The file is an array of slots: a record is written with one pwrite() at
 * its slot (the lowest free one) as "held", rewritten "handed" once the
 * message is written to the daemon's socket (a daemon that outlives the
 * backend still reads it from there; a kill between that send() and this
 * pwrite() leaves it "held": the wording of one log line, not a count), and a message's end overwrites its slot
 * with a done record (the file keeps its size). Slots are taken lowest first,
 * so it never holds more than `cap` slots (the hold queue + the unacked ring).
 * No fsync: the promise is about the death of the process (the page cache
 * keeps what was written), not of the machine. No I/O beyond the one file.
 */
#ifndef XVIOS_VKE_JOURNAL_H
#define XVIOS_VKE_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#define VKE_JOURNAL_FILE    "vke-held.journal"
#define VKE_JOURNAL_REC     64u                 /* bytes per record (docs/design.md) */
#define VKE_JOURNAL_MAGIC   0x4a485658u         /* "XVHJ" little-endian */
#define VKE_JOURNAL_VERSION 1u
#define VKE_JOURNAL_NONE    UINT32_MAX          /* no slot (not journaled) */
#define VKE_JOURNAL_READ_MAX (1u << 16)         /* records a replay reads at most */

/* A record's state. */
enum vke_jstate {
    VKE_J_HELD = 1,            /* receipted, held by the VKE for the daemon */
    VKE_J_HANDED = 2,          /* written to the daemon's socket, not yet acknowledged */
    VKE_J_DONE = 3,            /* accounted for (acknowledged, or logged and counted as lost) */
};

/* What a record names. */
struct vke_jrec {
    uint32_t node, epoch, msg_type;
    uint64_t txid;
    uint64_t received_ms;      /* CLOCK_REALTIME, ms since 1970 (for the log of a later incarnation) */
};

struct vke_journal {
    int fd;                    /* -1 = not open (every call is then a no-op) */
    unsigned cap;              /* slots */
    unsigned n_open;
    unsigned end;              /* slots the file holds (one past the highest written) */
    bool *used;                /* cap entries */
    struct vke_jrec *recs;     /* cap entries: what each open slot holds (to rewrite it "handed") */
    uint64_t write_failed;     /* records that could not be written (logged) */
};

/* What a replay found. */
struct vke_journal_replay {
    unsigned open;             /* records open when the previous incarnation died (each reported) */
    unsigned handed;           /* of those, the ones written to the daemon's socket */
    unsigned done;             /* closed records */
    unsigned bad;              /* records with a wrong magic, version, state, slot or check: skipped */
    unsigned torn;             /* bytes of a torn last record: ignored */
};

/* An open record of a previous incarnation; handed: it had been written to the daemon's socket. */
typedef void (*vke_journal_lost_cb)(void *arg, const struct vke_jrec *r, bool handed);

/* Encode / decode one record at slot (decode: 0, or -EINVAL for a bad one). r may be NULL for a done record. */
void vke_journal_encode(uint8_t out[VKE_JOURNAL_REC], const struct vke_jrec *r, uint32_t slot,
                        enum vke_jstate state);
int  vke_journal_decode(const uint8_t in[VKE_JOURNAL_REC], uint32_t slot, struct vke_jrec *r,
                        enum vke_jstate *state);

/*
 * Read what a previous incarnation left at path (untrusted: a missing file is
 * empty, anything but a regular file is refused), call lost() for every open
 * record, then start a fresh, empty journal of cap slots there.
 * 0, or -errno (the journal is then not open).
 */
int  vke_journal_open(struct vke_journal *j, const char *path, unsigned cap, vke_journal_lost_cb lost, void *arg,
                      struct vke_journal_replay *found);
/* Record a message before its receipt: its slot, or VKE_JOURNAL_NONE (full, or not written: logged). */
uint32_t vke_journal_add(struct vke_journal *j, const struct vke_jrec *r);
/* Its message was written to the daemon's socket (VKE_JOURNAL_NONE is ignored). */
void vke_journal_handed(struct vke_journal *j, uint32_t slot);
/* Its message is accounted for: close the slot (VKE_JOURNAL_NONE is ignored). */
void vke_journal_done(struct vke_journal *j, uint32_t slot);
void vke_journal_close(struct vke_journal *j);

#endif /* XVIOS_VKE_JOURNAL_H */
