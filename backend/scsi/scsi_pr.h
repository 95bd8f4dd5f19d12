/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr.h - SPC-4 persistent reservations of one logical unit, plus the
 * SPC-2 RESERVE/RELEASE it stays compatible with (CRH = 1).
 *
 * One struct scsi_pr per LU holds the registrations (key per I_T nexus), the
 * persistent reservation (type and holder), the PRgeneration counter, the
 * APTPL state and the SPC-2 reservation. The dispatcher asks
 * scsi_pr_conflicts() before running a command, and hands PERSISTENT
 * RESERVE IN/OUT and RESERVE/RELEASE(6/10) to the functions below. Everything
 * the module cannot do itself goes through hooks: unit attentions, aborting a
 * preempted nexus's commands, naming nexuses from TransportIDs, keeping the
 * APTPL state, and telling the owner that the state changed (so it can be
 * replicated; scsi_pr_load() installs a replicated state).
 *
 * Return convention: 0 = GOOD; -1 = refused, *err filled (RESERVATION
 * CONFLICT status or CHECK CONDITION with sense described by struct scsi_err).
 *
 * Not thread-safe: the owner serialises calls per LU. Pure: no Xen, no I/O.
 */
#ifndef XVIOS_BACKEND_SCSI_PR_H
#define XVIOS_BACKEND_SCSI_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_common.h"

struct scsi_pr;

/* PERSISTENT RESERVE IN service actions (CDB byte 1, bits 4..0). */
enum scsi_pr_in_sa {
    SCSI_PR_IN_READ_KEYS           = 0x00,
    SCSI_PR_IN_READ_RESERVATION    = 0x01,
    SCSI_PR_IN_REPORT_CAPABILITIES = 0x02,
    SCSI_PR_IN_READ_FULL_STATUS    = 0x03,
};

/* PERSISTENT RESERVE OUT service actions. */
enum scsi_pr_out_sa {
    SCSI_PR_OUT_REGISTER          = 0x00,
    SCSI_PR_OUT_RESERVE           = 0x01,
    SCSI_PR_OUT_RELEASE           = 0x02,
    SCSI_PR_OUT_CLEAR             = 0x03,
    SCSI_PR_OUT_PREEMPT           = 0x04,
    SCSI_PR_OUT_PREEMPT_AND_ABORT = 0x05,
    SCSI_PR_OUT_REGISTER_IGNORE   = 0x06,
    SCSI_PR_OUT_REGISTER_AND_MOVE = 0x07,
};

/* Persistent reservation types (CDB byte 2, bits 3..0). Scope is always LU (0). */
enum scsi_pr_type {
    SCSI_PR_TYPE_NONE  = 0x0,
    SCSI_PR_TYPE_WE    = 0x1,   /* write exclusive */
    SCSI_PR_TYPE_EA    = 0x3,   /* exclusive access */
    SCSI_PR_TYPE_WE_RO = 0x5,   /* write exclusive, registrants only */
    SCSI_PR_TYPE_EA_RO = 0x6,   /* exclusive access, registrants only */
    SCSI_PR_TYPE_WE_AR = 0x7,   /* write exclusive, all registrants */
    SCSI_PR_TYPE_EA_AR = 0x8,   /* exclusive access, all registrants */
};

/*
 * How a command touches the medium. scsi_pr_conflicts() decides by the
 * opcode's row in the SPC-4/SBC-3 table (scsi_pr_table.c); the access class
 * only decides for opcodes the table has no row for: ALLOWED = never
 * conflicts, READ = like READ, WRITE and OTHER = like WRITE.
 */
enum scsi_pr_access { SCSI_PR_ACCESS_ALLOWED, SCSI_PR_ACCESS_READ, SCSI_PR_ACCESS_WRITE, SCSI_PR_ACCESS_OTHER };

struct scsi_pr_hooks {
    void *opaque;
    /* Queue a unit attention (asc = enum scsi_asc) on that I_T nexus. */
    void (*unit_attention)(void *opaque, const struct scsi_nexus *, uint16_t asc);
    /* PREEMPT AND ABORT: abort every outstanding command of that nexus. */
    void (*abort_nexus)(void *opaque, const struct scsi_nexus *);
    /* After every successful change of the state (not after scsi_pr_load). */
    void (*state_changed)(void *opaque, const struct scsi_pr *);
    /*
     * APTPL: the state to keep across power loss, called after every change
     * while APTPL is set. blob == NULL, len == 0: APTPL was cleared, forget
     * the kept state. Return < 0 if it could not be kept: the command is then
     * undone and refused (HARDWARE ERROR, INTERNAL TARGET FAILURE).
     * NULL hook: APTPL is not supported (PTPL_C = 0).
     */
    int  (*persist)(void *opaque, const uint8_t *blob, size_t len);
    /*
     * SPEC_I_PT and REGISTER AND MOVE: name the I_T nexuses of the initiator
     * port a (validated) TransportID designates, one per target port it is
     * logged in through. Fill up to max, return how many (0: unknown
     * initiator). NULL hook: SPEC_I_PT unsupported (SIP_C = 0); REGISTER AND
     * MOVE then only reaches nexuses that are already registered.
     */
    int  (*resolve_transport_id)(void *opaque, const uint8_t *tid, size_t len, struct scsi_nexus *out, size_t max);
    /* ALL_TG_PT: the relative target port identifiers of the LU. NULL: ATP_C = 0. */
    size_t (*target_ports)(void *opaque, uint16_t *ports, size_t max);
};

/* One registration as the accessors show it. */
struct scsi_pr_registration {
    uint64_t key;              /* never 0 */
    bool all_tg_pt;            /* made with ALL_TG_PT = 1 */
    struct scsi_nexus nexus;
};

#define SCSI_PR_MAX_REGISTRATIONS_DEFAULT 64u
#define SCSI_PR_MAX_REGISTRATIONS_LIMIT   4096u
#define SCSI_PR_MAX_TARGET_PORTS          64u

struct scsi_pr *scsi_pr_new(const struct scsi_pr_hooks *);
void scsi_pr_free(struct scsi_pr *);
/* Registration resource limit (1..SCSI_PR_MAX_REGISTRATIONS_LIMIT); -EINVAL if below the current count. */
int scsi_pr_set_max_registrations(struct scsi_pr *, size_t max);

/* true: the command must end with RESERVATION CONFLICT (SPC-4 PR or SPC-2 reservation). */
bool scsi_pr_conflicts(const struct scsi_pr *, const struct scsi_nexus *, enum scsi_pr_access, uint8_t opcode);
/* The same, exact for rows that depend on a service action or CDB bits (MAINTENANCE IN, PREVENT ALLOW, START STOP). */
bool scsi_pr_conflicts_cdb(const struct scsi_pr *, const struct scsi_nexus *, enum scsi_pr_access,
                           const uint8_t *cdb, size_t cdb_len);

int scsi_pr_in(struct scsi_pr *, const struct scsi_nexus *, const uint8_t *cdb, uint8_t *out, uint32_t alloc_len,
               uint32_t *out_len, struct scsi_err *err);
int scsi_pr_out(struct scsi_pr *, const struct scsi_nexus *, const uint8_t *cdb, const uint8_t *param,
                uint32_t param_len, struct scsi_err *err);
int scsi_pr_reserve_spc2(struct scsi_pr *, const struct scsi_nexus *, struct scsi_err *err);   /* RESERVE(6/10) */
int scsi_pr_release_spc2(struct scsi_pr *, const struct scsi_nexus *, struct scsi_err *err);   /* RELEASE(6/10) */
/* I_T nexus loss (nexus) or LU reset (NULL): releases an SPC-2 reservation; PR state is kept (SPC-4). */
void scsi_pr_nexus_reset(struct scsi_pr *, const struct scsi_nexus *);

/* ---- read-only view, for replication and diagnostics */
uint32_t scsi_pr_generation(const struct scsi_pr *);
bool scsi_pr_aptpl(const struct scsi_pr *);
/* The reservation's type (SCSI_PR_TYPE_NONE if none). */
enum scsi_pr_type scsi_pr_type(const struct scsi_pr *);
/* Is the nexus a reservation holder (for all-registrants types: any registrant)? */
bool scsi_pr_is_holder(const struct scsi_pr *, const struct scsi_nexus *);
/* The holder of a non-all-registrants reservation; false if none or all-registrants. */
bool scsi_pr_holder(const struct scsi_pr *, struct scsi_nexus *out);
size_t scsi_pr_registration_count(const struct scsi_pr *);
const struct scsi_pr_registration *scsi_pr_registration_at(const struct scsi_pr *, size_t i);
/* The registration of that nexus, or NULL. */
const struct scsi_pr_registration *scsi_pr_find_registration(const struct scsi_pr *, const struct scsi_nexus *);
bool scsi_pr_spc2_holder(const struct scsi_pr *, struct scsi_nexus *out);

/*
 * The complete state as a versioned little-endian blob (docs: "APTPL and
 * state format"). save: -ENOSPC (and *len = size needed) if cap is short.
 * load: replaces the state atomically; the blob is untrusted: -EINVAL on any
 * malformed, truncated or inconsistent input (state unchanged), -ENOMEM.
 * load calls neither state_changed nor persist.
 */
int scsi_pr_save(const struct scsi_pr *, uint8_t *buf, size_t cap, size_t *len);
int scsi_pr_load(struct scsi_pr *, const uint8_t *blob, size_t len);

/*
 * TransportID (SPC-4 7.6.4): check the one at buf (at most avail bytes);
 * 0 and *tid_len = its length, or -1 and *bad_off = offset of the bad byte
 * within it. FC, IEEE 1394, SRP, SAS (24 bytes, format 00b) and iSCSI
 * (format 00b name, 01b name + ISID) are accepted.
 */
int scsi_pr_tid_parse(const uint8_t *buf, size_t avail, size_t *tid_len, size_t *bad_off);
/* Do two valid TransportIDs name the same initiator port? */
bool scsi_pr_tid_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif /* XVIOS_BACKEND_SCSI_PR_H */
