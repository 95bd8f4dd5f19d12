/* SPDX-License-Identifier: MIT */
/*
 * scsi_int.h - what the parts of the SCSI target share and nobody else sees:
 * the LU and dev objects, the opcode table's row type, the handlers, and the
 * completion path.
 */
#ifndef XVIOS_BACKEND_SCSI_INT_H
#define XVIOS_BACKEND_SCSI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_backing.h"
#include "backend/scsi/scsi_common.h"
#include "backend/scsi/scsi_dev.h"
#include "backend/scsi/scsi_pr.h"

/* ------------------------------------------------------------ opcodes */
enum {
    SCSI_OP_TEST_UNIT_READY = 0x00, SCSI_OP_REQUEST_SENSE = 0x03, SCSI_OP_READ6 = 0x08,
    SCSI_OP_WRITE6 = 0x0a, SCSI_OP_INQUIRY = 0x12, SCSI_OP_MODE_SELECT6 = 0x15,
    SCSI_OP_RESERVE6 = 0x16, SCSI_OP_RELEASE6 = 0x17, SCSI_OP_MODE_SENSE6 = 0x1a,
    SCSI_OP_START_STOP = 0x1b, SCSI_OP_PREVENT_ALLOW = 0x1e, SCSI_OP_READ_CAPACITY10 = 0x25,
    SCSI_OP_READ10 = 0x28, SCSI_OP_WRITE10 = 0x2a, SCSI_OP_WRITE_VERIFY10 = 0x2e,
    SCSI_OP_VERIFY10 = 0x2f, SCSI_OP_SYNC_CACHE10 = 0x35, SCSI_OP_WRITE_SAME10 = 0x41,
    SCSI_OP_UNMAP = 0x42, SCSI_OP_MODE_SELECT10 = 0x55, SCSI_OP_RESERVE10 = 0x56,
    SCSI_OP_RELEASE10 = 0x57, SCSI_OP_MODE_SENSE10 = 0x5a, SCSI_OP_PR_IN = 0x5e,
    SCSI_OP_PR_OUT = 0x5f, SCSI_OP_READ16 = 0x88, SCSI_OP_COMPARE_AND_WRITE = 0x89,
    SCSI_OP_WRITE16 = 0x8a, SCSI_OP_WRITE_VERIFY16 = 0x8e, SCSI_OP_VERIFY16 = 0x8f,
    SCSI_OP_SYNC_CACHE16 = 0x91, SCSI_OP_WRITE_SAME16 = 0x93, SCSI_OP_SERVICE_ACTION_IN16 = 0x9e,
    SCSI_OP_REPORT_LUNS = 0xa0, SCSI_OP_MAINTENANCE_IN = 0xa3, SCSI_OP_READ12 = 0xa8,
    SCSI_OP_WRITE12 = 0xaa,
};
enum { SCSI_SA_READ_CAPACITY16 = 0x10, SCSI_SA_GET_LBA_STATUS = 0x12 };
enum { SCSI_SA_REPORT_OPCODES = 0x0c, SCSI_SA_REPORT_TMF = 0x0d };

/* ------------------------------------------------------------ the opcode table's row */
enum scsi_dir { SCSI_DIR_NONE, SCSI_DIR_IN, SCSI_DIR_OUT };

/* Where the LBA and the block count sit in the CDB (checked by the dispatcher). */
enum scsi_lba_fmt {
    SCSI_LBA_NONE,
    SCSI_LBA_6,         /* 21-bit LBA at 1..3, count at 4, 0 = 256 */
    SCSI_LBA_10,        /* LBA at 2..5, count at 7..8 */
    SCSI_LBA_12,        /* LBA at 2..5, count at 6..9 */
    SCSI_LBA_16,        /* LBA at 2..9, count at 10..13 */
    SCSI_LBA_CAW,       /* LBA at 2..9, count at 13 */
};

/* What the data-out buffer must hold (checked by the dispatcher). */
enum scsi_xfer {
    SCSI_XFER_NONE,
    SCSI_XFER_BLOCKS,   /* count * block size (VERIFY: only with BYTCHK=1) */
    SCSI_XFER_WS,       /* one block unless NDOB */
    SCSI_XFER_CAW,      /* 2 * count * block size */
    SCSI_XFER_PARAM,    /* the parameter list length field */
};

enum {
    SCSI_OPF_NO_LU      = 1 << 0,   /* answered for an unmapped LUN */
    SCSI_OPF_UA_EXEMPT  = 1 << 1,   /* neither refused for nor consumes a unit attention */
    SCSI_OPF_WRITES     = 1 << 2,   /* writes the medium: refused on a read-only LU */
    SCSI_OPF_ZERO_TO_END = 1 << 3,  /* a count of 0 means "to the last LBA" */
    SCSI_OPF_MEDIUM     = 1 << 4,   /* goes to the backing store */
};

/* A handler's return: done (GOOD or refused), or the command completes later. */
#define SCSI_DONE   0
#define SCSI_FAIL  (-1)
#define SCSI_ASYNC  1
typedef int (*scsi_handler_fn)(struct scsi_cmd *cmd, struct scsi_err *err);

struct scsi_op {
    const char *name;
    scsi_handler_fn fn;
    uint8_t  opcode;
    uint8_t  sa;                    /* service action, when the row has several */
    uint8_t  cdb_len;
    uint8_t  dir;                   /* enum scsi_dir */
    uint8_t  pr;                    /* enum scsi_pr_access */
    uint8_t  lba_fmt;               /* enum scsi_lba_fmt */
    uint8_t  xfer;                  /* enum scsi_xfer */
    uint8_t  len_off, len_size;     /* allocation length (data-in) / parameter list length (data-out) */
    uint8_t  flags;
    bool   (*supported)(const struct scsi_lu *lu);   /* NULL: always */
    uint8_t  usage[16];             /* CDB usage data (REPORT SUPPORTED OPERATION CODES) */
};

struct scsi_opcode_row {
    const struct scsi_op *op;                /* a row without service actions */
    const struct scsi_op *const *sa_ops;     /* or its service actions */
    uint8_t n_sa;
};

extern const struct scsi_opcode_row scsi_sbc_table[256];
/* The op of (opcode, service action), or NULL; *has_sa tells which field was wrong. */
const struct scsi_op *scsi_sbc_lookup(uint8_t opcode, uint8_t sa, bool *has_sa);
bool scsi_op_supported(const struct scsi_op *op, const struct scsi_lu *lu);

/* ------------------------------------------------------------ LU and dev */
#define SCSI_UA_MAX 8
struct scsi_nexus_state {
    uint64_t initiator;
    uint16_t target_port;
    uint8_t  n_ua;
    uint16_t ua[SCSI_UA_MAX];       /* asc/ascq, oldest first */
};

struct scsi_mode {
    bool wce;                       /* caching page: write cache enabled */
    bool d_sense;                   /* control page: descriptor-format sense */
};

struct scsi_lu {
    const struct scsi_backing_ops *ops;
    void *store;
    struct scsi_backing_info info;
    uint64_t nblocks;
    uint32_t bs;
    bool     read_only;
    char vendor[9], product[17], revision[5], serial[65];
    uint32_t oui;
    uint8_t  naa[16];                      /* given NAA designator (naa_set), else derived */
    bool     naa_set;
    uint32_t max_xfer;
    struct scsi_mode mode;
    struct scsi_nexus_state *nx;
    size_t n_nx, cap_nx;
    struct scsi_pr *pr;
    void *pr_opaque;
    void (*pr_state_changed)(void *opaque, const struct scsi_pr *pr);
    int  (*pr_persist)(void *opaque, const uint8_t *blob, size_t len);
    int  (*pr_exec)(void *opaque, struct scsi_cmd *cmd, uint32_t param_len);
    bool (*pr_ready)(void *opaque);
    struct scsi_cmd *inflight;      /* doubly linked through priv.next/prev */
    unsigned n_inflight;
    struct scsi_cmd *rhead, *rtail; /* write-ordering list, arrival order */
    unsigned n_caw;                 /* COMPARE AND WRITEs in that list */
    unsigned n_waiting;             /* commands in that list waiting for an earlier one */
    struct scsi_lu_stats stats;
};

struct scsi_lun_entry {
    uint32_t lun;
    struct scsi_lu *lu;
};

struct scsi_dev {
    struct scsi_lun_entry *map;     /* sorted by lun */
    size_t n, cap;
};

/* ------------------------------------------------------------ unit attentions (scsi_ua.c) */
/* The nexus's state on the LU, created on first contact with POWER ON/RESET queued; NULL if out of memory. */
struct scsi_nexus_state *scsi_ua_nexus(struct scsi_lu *lu, const struct scsi_nexus *nexus);
void scsi_ua_queue(struct scsi_lu *lu, const struct scsi_nexus *nexus, uint16_t asc);
void scsi_ua_queue_all(struct scsi_lu *lu, const struct scsi_nexus *except, uint16_t asc);
/* Pops the oldest unit attention of the nexus; false if none. */
bool scsi_ua_pop(struct scsi_nexus_state *ns, uint16_t *asc);

/* ------------------------------------------------------------ the command path (scsi_dispatch.c) */
/* Completes the command: err NULL = GOOD. Builds sense, sets residual, calls done. */
void scsi_cmd_finish(struct scsi_cmd *cmd, const struct scsi_err *err);
/* Runs (or resumes) the command's handler and finishes it unless it went async. */
void scsi_cmd_run(struct scsi_cmd *cmd);
/* The data-in bytes the CDB's allocation length and the buffer allow. */
uint32_t scsi_cmd_alloc_len(const struct scsi_cmd *cmd);
/* Copies a full response of len bytes, truncated to the allocation length and the buffer. */
void scsi_cmd_reply(struct scsi_cmd *cmd, const void *data, uint32_t len);
/* The parameter list length field of a data-out command. */
uint32_t scsi_cmd_param_len(const struct scsi_cmd *cmd);
struct scsi_err scsi_err_io(int64_t result, bool write, uint64_t lba);

/* ------------------------------------------------------------ write ordering (scsi_range.c) */
/* Enters the LU's write-ordering list; false: the command must wait (scsi_cmd_run resumes it). */
bool scsi_range_enter(struct scsi_lu *lu, struct scsi_cmd *cmd, bool caw);
void scsi_range_leave(struct scsi_lu *lu, struct scsi_cmd *cmd);

/* ------------------------------------------------------------ backing I/O (scsi_io.c) */
/* The done callback of every backing op: records the first error and, when the
 * last outstanding op of the command returns, resumes its handler. */
void scsi_io_done(void *opaque, int64_t result);
/* After a backing submit returned rc for an op moving io_len bytes (0: any):
 * SCSI_ASYNC when queued, else SCSI_FAIL with *err (BUSY or MEDIUM ERROR). */
int scsi_io_issued(struct scsi_cmd *cmd, int rc, size_t io_len, bool write, struct scsi_err *err);
/* The completed ops' outcome: false if they failed (then *err says how; counted per LU). */
bool scsi_io_ok(struct scsi_cmd *cmd, bool write, struct scsi_err *err);
/* Offset of the first differing byte, or -1. */
long scsi_first_diff(const uint8_t *a, const uint8_t *b, size_t len);
struct scsi_err scsi_err_miscompare(size_t offset);

/* ------------------------------------------------------------ buffers */
void *scsi_buf_alloc(const struct scsi_lu *lu, size_t len);
void scsi_buf_free(const struct scsi_lu *lu, void *buf);
bool scsi_buf_aligned(const struct scsi_lu *lu, const void *p, size_t len);

/* ------------------------------------------------------------ handlers */
int scsi_op_tur(struct scsi_cmd *, struct scsi_err *);
int scsi_op_request_sense(struct scsi_cmd *, struct scsi_err *);
int scsi_op_inquiry(struct scsi_cmd *, struct scsi_err *);
int scsi_op_report_luns(struct scsi_cmd *, struct scsi_err *);
int scsi_op_start_stop(struct scsi_cmd *, struct scsi_err *);
int scsi_op_prevent_allow(struct scsi_cmd *, struct scsi_err *);
int scsi_op_reserve(struct scsi_cmd *, struct scsi_err *);
int scsi_op_release(struct scsi_cmd *, struct scsi_err *);
int scsi_op_pr_in(struct scsi_cmd *, struct scsi_err *);
int scsi_op_pr_out(struct scsi_cmd *, struct scsi_err *);
int scsi_op_report_opcodes(struct scsi_cmd *, struct scsi_err *);
int scsi_op_report_tmf(struct scsi_cmd *, struct scsi_err *);
int scsi_op_mode_sense(struct scsi_cmd *, struct scsi_err *);
int scsi_op_mode_select(struct scsi_cmd *, struct scsi_err *);
int scsi_op_read_capacity10(struct scsi_cmd *, struct scsi_err *);
int scsi_op_read_capacity16(struct scsi_cmd *, struct scsi_err *);
int scsi_op_get_lba_status(struct scsi_cmd *, struct scsi_err *);
int scsi_op_read(struct scsi_cmd *, struct scsi_err *);
int scsi_op_write(struct scsi_cmd *, struct scsi_err *);
int scsi_op_verify(struct scsi_cmd *, struct scsi_err *);
int scsi_op_sync_cache(struct scsi_cmd *, struct scsi_err *);
int scsi_op_write_same(struct scsi_cmd *, struct scsi_err *);
int scsi_op_unmap(struct scsi_cmd *, struct scsi_err *);
int scsi_op_compare_and_write(struct scsi_cmd *, struct scsi_err *);

/* Predicates of the table's optional rows. */
bool scsi_lu_can_unmap(const struct scsi_lu *lu);

/* Limits advertised in the Block Limits VPD page and enforced by the handlers. */
#define SCSI_MAX_CAW_BLOCKS        16u
#define SCSI_MAX_UNMAP_DESCS       256u
#define SCSI_MAX_UNMAP_BLOCKS      (1u << 22)
#define SCSI_MAX_WRITE_SAME_BLOCKS (1u << 22)

#endif /* XVIOS_BACKEND_SCSI_INT_H */
