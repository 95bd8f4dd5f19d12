/* SPDX-License-Identifier: MIT */
/*
 * scsi_dev.h - the SCSI direct-access target: CDB in, data + status/sense
 * out, against a backing store. Pure library: no Xen, rings or sockets.
 *
 * A struct scsi_lu is one logical unit (backing store, mode pages, unit
 * attentions per I_T nexus, persistent reservations). A struct scsi_dev is a
 * target's LUN map (LUN number -> LU), the unit REPORT LUNS answers from and
 * that answers INQUIRY / REQUEST SENSE / REPORT LUNS for unmapped LUNs. One
 * LU may be mapped in several devs (several target ports).
 *
 * scsi_submit() runs a command; its done callback is called exactly once,
 * either from inside scsi_submit() (commands that do not touch the medium,
 * refusals) or later, from the backing store's completion dispatch. Many
 * commands may be in flight per LU. Not thread-safe: one thread drives a set
 * of devs, their LUs and their backing stores.
 *
 * LUN numbers are 0..16383 and are reported as SAM-5 peripheral (< 256) or
 * flat-space addresses.
 */
#ifndef XVIOS_BACKEND_SCSI_DEV_H
#define XVIOS_BACKEND_SCSI_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_backing.h"
#include "backend/scsi/scsi_common.h"

#define SCSI_CDB_MAX  32
#define SCSI_LUN_MAX  16383

struct scsi_dev;
struct scsi_lu;
struct scsi_pr;
struct scsi_op;
struct scsi_cmd;

typedef void (*scsi_cmd_done_fn)(struct scsi_cmd *cmd);

/* Library-private per-command state; callers neither read nor write it. */
struct scsi_cmd_priv {
    struct scsi_cmd *next, *prev;          /* the LU's commands in flight */
    struct scsi_cmd *rnext, *rprev;        /* the LU's write-ordering list (COMPARE AND WRITE) */
    struct scsi_dev *dev;
    struct scsi_lu *lu;
    const struct scsi_op *op;
    uint64_t lba;
    uint32_t nblocks;
    uint32_t stage;
    uint32_t pending;                      /* backing ops outstanding */
    int64_t  result;                       /* first error of the outstanding ops */
    uint64_t pos, end;                     /* WRITE SAME progress, in bytes */
    uint32_t out_used;                     /* data-out bytes the CDB asks for */
    size_t   io_len;                       /* bytes the outstanding read/write must move (0: any) */
    uint8_t *buf;                          /* bounce / compare buffer */
    size_t   buf_len;
    bool     in_flight, in_rlist, waiting, caw, aborted;
};

struct scsi_cmd {
    /* --- set by the caller */
    const struct scsi_nexus *nexus;        /* must outlive the command */
    uint32_t lun;
    uint8_t  cdb[SCSI_CDB_MAX];
    uint8_t  cdb_len;
    void    *data_in;                      /* device -> initiator buffer */
    uint32_t data_in_len;
    const void *data_out;                  /* initiator -> device buffer */
    uint32_t data_out_len;
    scsi_cmd_done_fn done;
    void    *opaque;
    /* --- results, valid in done() */
    uint8_t  status;                       /* enum scsi_status */
    uint8_t  sense_len;
    uint8_t  sense[SCSI_SENSE_BUFFERSIZE];
    uint32_t data_in_xfer;                 /* bytes written to data_in */
    uint32_t residual;                     /* data_in_len - data_in_xfer (or data-out bytes not used) */
    struct scsi_cmd_priv priv;
};

struct scsi_lu_opts {
    const struct scsi_backing_ops *ops;    /* required */
    void *store;                           /* the ops' opaque */
    bool read_only;                        /* on top of the backing's own read-only */
    const char *vendor;                    /* INQUIRY, <= 8 chars (default "XVIOS") */
    const char *product;                   /* <= 16 chars (default "VDISK") */
    const char *revision;                  /* <= 4 chars (default "0001") */
    const char *serial;                    /* unit serial number, printable ASCII, 1..64 chars, required */
    uint32_t ieee_company_id;              /* 24-bit OUI of the NAA designator */
    /* The NAA designator of VPD 0x83 verbatim (16 bytes, NAA 6h: IEEE Registered Extended), e.g. the LU
     * pool's WWN, so that every target serving the LU reports the same one; NULL: derived from
     * ieee_company_id and serial. */
    const uint8_t *naa_id;
    uint32_t max_xfer_blocks;              /* per command, 0 = 8192 */
    /* Persistent reservations: forwarded from the LU's PR object. */
    void *pr_opaque;
    void (*pr_state_changed)(void *opaque, const struct scsi_pr *pr);
    int  (*pr_persist)(void *opaque, const uint8_t *blob, size_t len);
    /*
     * A PR state the owner keeps elsewhere (a cluster's, backend/prsync): PERSISTENT RESERVE OUT and
     * RESERVE/RELEASE(6/10) that passed the dispatcher's checks go to pr_exec instead of the LU's PR
     * object (param_len: the checked parameter list length). 0: the owner completes the command later,
     * never from inside the call, with scsi_lu_pr_exec_done(); < 0: refused at once with BUSY.
     * pr_ready false: the LU's PR state may be stale, every command but the unit-attention-exempt ones
     * (INQUIRY, REPORT LUNS, REQUEST SENSE, ...) ends with BUSY. NULL hooks: the LU's own PR object.
     */
    int  (*pr_exec)(void *opaque, struct scsi_cmd *cmd, uint32_t param_len);
    bool (*pr_ready)(void *opaque);
};

struct scsi_lu_stats {
    uint64_t commands;
    uint64_t read_errors;                  /* backing read failures (MEDIUM ERROR) */
    uint64_t write_errors;                 /* backing write failures (MEDIUM ERROR) */
    uint64_t aborted;
};

/* 0, or -EINVAL (bad opts), -ENOMEM. */
int  scsi_lu_new(const struct scsi_lu_opts *opts, struct scsi_lu **out);
/* The LU must have no command in flight. */
void scsi_lu_free(struct scsi_lu *lu);
/* The backing was resized: capacity re-read, CAPACITY DATA HAS CHANGED queued for every known nexus. */
void scsi_lu_capacity_changed(struct scsi_lu *lu);
/* Abort the nexus's commands in flight on this LU: each completes with TASK ABORTED. */
void scsi_lu_abort_nexus(struct scsi_lu *lu, const struct scsi_nexus *nexus);
/* Abort every command in flight on this LU (e.g. before its backing closes): each completes with
 * TASK ABORTED when its current backing op returns. No unit attention, no reservation change. */
void scsi_lu_abort_all(struct scsi_lu *lu);
/* LOGICAL UNIT RESET: every command in flight aborted, SPC-2 reservations released, and
 * BUS DEVICE RESET FUNCTION OCCURRED queued for every known nexus. */
void scsi_lu_reset(struct scsi_lu *lu);
/* The transport lost the I_T nexus: its commands aborted, its SPC-2 reservation released
 * (scsi_pr_nexus_reset), I_T NEXUS LOSS OCCURRED queued for it. */
void scsi_lu_nexus_loss(struct scsi_lu *lu, const struct scsi_nexus *nexus);
struct scsi_pr *scsi_lu_pr(struct scsi_lu *lu);
/* Completes a command pr_exec took: err NULL = GOOD (TASK ABORTED if it was aborted meanwhile). */
void scsi_lu_pr_exec_done(struct scsi_cmd *cmd, const struct scsi_err *err);
/* Queue a unit attention (asc = enum scsi_asc) for that I_T nexus, as the PR module's hook does. */
void scsi_lu_unit_attention(struct scsi_lu *lu, const struct scsi_nexus *nexus, uint16_t asc);
void scsi_lu_get_stats(const struct scsi_lu *lu, struct scsi_lu_stats *out);
unsigned scsi_lu_in_flight(const struct scsi_lu *lu);

struct scsi_dev *scsi_dev_new(void);
void scsi_dev_free(struct scsi_dev *dev);
/* 0, -EINVAL (lun > SCSI_LUN_MAX), -EEXIST, -ENOMEM. */
int  scsi_dev_map_lun(struct scsi_dev *dev, uint32_t lun, struct scsi_lu *lu);
int  scsi_dev_unmap_lun(struct scsi_dev *dev, uint32_t lun);
struct scsi_lu *scsi_dev_lu(const struct scsi_dev *dev, uint32_t lun);

void scsi_submit(struct scsi_dev *dev, struct scsi_cmd *cmd);

#endif /* XVIOS_BACKEND_SCSI_DEV_H */
