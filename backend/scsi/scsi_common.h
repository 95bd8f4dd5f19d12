/* SPDX-License-Identifier: MIT */
/*
 * scsi_common.h - the types every part of the SCSI target shares: the I_T
 * nexus, SAM status codes, and the one way a command is refused (a check
 * condition described by sense key / ASC / ASCQ and, for ILLEGAL REQUEST, the
 * sense-key-specific field pointer). The dispatcher (scsi_dispatch.c) turns a
 * struct scsi_err into fixed- or descriptor-format sense bytes; handlers and
 * the persistent-reservation module never build sense bytes themselves.
 *
 * Pure: no Xen, no rings, no sockets.
 */
#ifndef XVIOS_BACKEND_SCSI_COMMON_H
#define XVIOS_BACKEND_SCSI_COMMON_H

#include <stdbool.h>
#include <stdint.h>

/* ------------------------------------------------------------ I_T nexus */
/*
 * An I_T nexus as the transport names it: an opaque initiator id and target
 * port id. On vscsiif the transport derives them from (client id, vhost); the
 * cluster pool makes the initiator id cluster-unique. transport_id is the
 * SPC-4 TransportID the initiator is known by (PR IN READ FULL STATUS reports
 * it; SPEC_I_PT and REGISTER AND MOVE name nexuses by it).
 */
#define SCSI_TRANSPORT_ID_MAX 256
struct scsi_nexus {
    uint64_t initiator;      /* opaque, unique per initiator port */
    uint16_t target_port;    /* relative target port identifier (1..65535) */
    uint16_t transport_id_len;
    uint8_t  transport_id[SCSI_TRANSPORT_ID_MAX];
};

static inline bool scsi_nexus_eq(const struct scsi_nexus *a, const struct scsi_nexus *b)
{
    return a->initiator == b->initiator && a->target_port == b->target_port;
}

/* ------------------------------------------------------------ SAM status */
enum scsi_status {
    SCSI_STATUS_GOOD                 = 0x00,
    SCSI_STATUS_CHECK_CONDITION      = 0x02,
    SCSI_STATUS_CONDITION_MET        = 0x04,
    SCSI_STATUS_BUSY                 = 0x08,
    SCSI_STATUS_RESERVATION_CONFLICT = 0x18,
    SCSI_STATUS_TASK_SET_FULL        = 0x28,
    SCSI_STATUS_ACA_ACTIVE           = 0x30,
    SCSI_STATUS_TASK_ABORTED         = 0x40,
};

/* The largest sense the target returns (vscsiif's sense buffer size). */
#define SCSI_SENSE_BUFFERSIZE 96

/* ------------------------------------------------------------ sense keys */
enum scsi_sense_key {
    SCSI_SK_NO_SENSE        = 0x0,
    SCSI_SK_RECOVERED_ERROR = 0x1,
    SCSI_SK_NOT_READY       = 0x2,
    SCSI_SK_MEDIUM_ERROR    = 0x3,
    SCSI_SK_HARDWARE_ERROR  = 0x4,
    SCSI_SK_ILLEGAL_REQUEST = 0x5,
    SCSI_SK_UNIT_ATTENTION  = 0x6,
    SCSI_SK_DATA_PROTECT    = 0x7,
    SCSI_SK_ABORTED_COMMAND = 0xb,
    SCSI_SK_MISCOMPARE      = 0xe,
};

/* ASC/ASCQ pairs used by the target, as (asc << 8 | ascq). */
enum scsi_asc {
    SCSI_ASC_NONE                         = 0x0000,
    SCSI_ASC_WRITE_ERROR                  = 0x0c00,
    SCSI_ASC_INVALID_FIELD_IN_CMD_IU      = 0x0e03,
    SCSI_ASC_UNRECOVERED_READ_ERROR       = 0x1100,
    SCSI_ASC_MISCOMPARE_DURING_VERIFY     = 0x1d00,
    SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR  = 0x1a00,
    SCSI_ASC_INVALID_COMMAND_OPCODE       = 0x2000,
    SCSI_ASC_LBA_OUT_OF_RANGE             = 0x2100,
    SCSI_ASC_INVALID_FIELD_IN_CDB         = 0x2400,
    SCSI_ASC_LU_NOT_SUPPORTED             = 0x2500,
    SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST  = 0x2600,
    SCSI_ASC_INVALID_RELEASE_OF_PR        = 0x2604,
    SCSI_ASC_WRITE_PROTECTED              = 0x2700,
    SCSI_ASC_SPACE_ALLOC_FAILED_WP        = 0x2707,
    SCSI_ASC_POWER_ON_RESET               = 0x2900,
    SCSI_ASC_BUS_DEVICE_RESET             = 0x2903,
    SCSI_ASC_IT_NEXUS_LOSS                = 0x2907,
    SCSI_ASC_PARAMETERS_CHANGED           = 0x2a00,
    SCSI_ASC_MODE_PARAMETERS_CHANGED      = 0x2a01,
    SCSI_ASC_RESERVATIONS_PREEMPTED       = 0x2a03,
    SCSI_ASC_RESERVATIONS_RELEASED        = 0x2a04,
    SCSI_ASC_REGISTRATIONS_PREEMPTED      = 0x2a05,
    SCSI_ASC_CAPACITY_DATA_CHANGED        = 0x2a09,
    SCSI_ASC_SAVING_PARAMS_UNSUPPORTED    = 0x3900,
    SCSI_ASC_MEDIUM_NOT_PRESENT           = 0x3a00,
    SCSI_ASC_INSUFFICIENT_REG_RESOURCES   = 0x5504,
    SCSI_ASC_INTERNAL_TARGET_FAILURE      = 0x4400,
};

/*
 * One refusal. status is CHECK_CONDITION (then key/asc carry the sense) or a
 * status without sense (RESERVATION CONFLICT, BUSY, TASK SET FULL). For
 * ILLEGAL REQUEST with a field pointer: has_field, in_cdb (C/D bit: 1 = the
 * CDB, 0 = the parameter list), field = byte index, bit = bit index 0..7 when
 * has_bit. info/has_info fill the INFORMATION field (e.g. the first LBA of a
 * miscompare or of a failed I/O).
 */
struct scsi_err {
    uint8_t  status;
    uint8_t  key;
    uint16_t asc;        /* enum scsi_asc */
    bool     has_field;
    bool     in_cdb;
    bool     has_bit;
    uint8_t  bit;
    uint16_t field;
    bool     has_info;
    uint64_t info;
};

static inline struct scsi_err scsi_err_sense(uint8_t key, uint16_t asc)
{
    return (struct scsi_err){ .status = SCSI_STATUS_CHECK_CONDITION, .key = key, .asc = asc };
}

/* ILLEGAL REQUEST, INVALID FIELD IN CDB, pointing at byte `field` (bit < 0: no bit). */
static inline struct scsi_err scsi_err_cdb_field(uint16_t field, int bit)
{
    struct scsi_err e = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
    e.has_field = true; e.in_cdb = true; e.field = field;
    if (bit >= 0) { e.has_bit = true; e.bit = (uint8_t)bit; }
    return e;
}

/* ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST, pointing into the data-out buffer. */
static inline struct scsi_err scsi_err_param_field(uint16_t field, int bit)
{
    struct scsi_err e = scsi_err_sense(SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
    e.has_field = true; e.in_cdb = false; e.field = field;
    if (bit >= 0) { e.has_bit = true; e.bit = (uint8_t)bit; }
    return e;
}

static inline struct scsi_err scsi_err_status(uint8_t status)
{
    return (struct scsi_err){ .status = status };
}

/* ------------------------------------------------------------ big-endian helpers (SCSI is big-endian) */
static inline uint16_t scsi_get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t scsi_get_be24(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }
static inline uint32_t scsi_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t scsi_get_be64(const uint8_t *p)
{
    return (uint64_t)scsi_get_be32(p) << 32 | scsi_get_be32(p + 4);
}
static inline void scsi_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void scsi_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void scsi_put_be64(uint8_t *p, uint64_t v)
{
    scsi_put_be32(p, (uint32_t)(v >> 32)); scsi_put_be32(p + 4, (uint32_t)v);
}

#endif /* XVIOS_BACKEND_SCSI_COMMON_H */
