/* SPDX-License-Identifier: MIT */
/*
 * cke_msg.h - the forwarding protocol of the CKE (docs/redundancy.md), pure:
 * the bodies of a forwarded command and of its answer, their split into
 * cluster messages of at most XVIOS_MAX_PAYLOAD bytes, and the reassembly
 * of those fragments, every length checked. No I/O, no VKE: the fuzzer and
 * the unit tests drive it directly.
 *
 * A body travels as one or more fragments, each the payload of one cluster
 * message of type CKE_MT_CMD (originator -> peer) or CKE_MT_RSP (peer ->
 * originator). A fragment is a 32-byte header and up to CKE_FRAG_DATA bytes
 * of the body, all integers little-endian:
 *
 *   0  u64 fwd_id     the originator's id of this forwarding attempt (never 0)
 *   8  u32 total_len  bytes of the whole body (1..CKE_BODY_MAX)
 *  12  u32 frag_off   where this fragment's bytes go: a multiple of CKE_FRAG_DATA
 *  16  u32 frag_len   bytes that follow: min(CKE_FRAG_DATA, total_len - frag_off)
 *  20  u32 magic      CKE_FRAG_MAGIC
 *  24  u32 version    CKE_PROTO_VERSION
 *  28  u32 reserved   0
 *
 * so every fragment has exactly one place and length: a duplicate is
 * recognised and dropped, any overlap or gap is impossible by construction.
 */
#ifndef XVIOS_BACKEND_CKE_MSG_H
#define XVIOS_BACKEND_CKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_dev.h"
#include "xvios/db_lu.h"
#include "xvios/db_path.h"
#include "xvios/wire.h"

/* The CKE's message types in the backend band (XVIOS_MT_BACKEND_BASE..LAST). */
enum cke_msg_type {
    CKE_MT_FIRST = 0x0c00,
    CKE_MT_CMD   = 0x0c00,   /* a forwarded command: descriptor + data-out */
    CKE_MT_RSP   = 0x0c01,   /* its answer: outcome, status, sense, data-in */
    CKE_MT_LAST  = 0x0c0f,   /* the range the CKE claims */
};

#define CKE_FRAG_MAGIC     0x31454b43u      /* "CKE1" */
#define CKE_PROTO_VERSION  1u
#define CKE_FRAG_HDR       32u
#define CKE_FRAG_DATA      (XVIOS_MAX_PAYLOAD - CKE_FRAG_HDR)
#define CKE_DATA_MAX       (512u * 1024u)   /* a vscsiif request moves at most 128 x 4 KiB */
#define CKE_CDB_MAX        16u
#define CKE_DESC_FIXED     112u
#define CKE_DESC_MAX       (CKE_DESC_FIXED + XVIOS_PATH_KEY_MAX + XVIOS_LU_BACKING_MAX + SCSI_TRANSPORT_ID_MAX)
#define CKE_RSP_FIXED      (16u + SCSI_SENSE_BUFFERSIZE)
#define CKE_BODY_MAX       (CKE_DESC_MAX + CKE_DATA_MAX)
#define CKE_MAX_FRAGS      ((CKE_BODY_MAX + CKE_FRAG_DATA - 1u) / CKE_FRAG_DATA)

_Static_assert(CKE_FRAG_HDR + CKE_FRAG_DATA == XVIOS_MAX_PAYLOAD, "a fragment fills one cluster message");
_Static_assert(CKE_MAX_FRAGS <= 32u, "the fragments of one body fit a 32-bit map");
_Static_assert(CKE_RSP_FIXED + CKE_DATA_MAX <= CKE_BODY_MAX, "an answer fits a body");
_Static_assert((unsigned)CKE_MT_FIRST >= (unsigned)XVIOS_MT_BACKEND_BASE &&
               (unsigned)CKE_MT_LAST <= (unsigned)XVIOS_MT_BACKEND_LAST, "backend band");

struct cke_frag_hdr {
    uint64_t fwd_id;
    uint32_t total_len, frag_off, frag_len;
};

enum cke_dir { CKE_DIR_NONE = 0, CKE_DIR_TO_DEVICE = 1, CKE_DIR_FROM_DEVICE = 2 };

/* Which LU: what the originator's engine was given for it (docs/pool.md's dev-N keys). */
struct cke_lu_id {
    char key[XVIOS_PATH_KEY_MAX + 1];      /* the DB path key (pool LU name or path-<hash>) */
    char backing[XVIOS_LU_BACKING_MAX + 1];
    bool pool, read_only;
    uint64_t offset, size;                 /* pool LUs: the region */
    uint8_t wwn[16];
    char serial[32];                       /* pool LUs: NUL-terminated, at most 31 characters */
};

/* A forwarded command's descriptor (the body's start; data-out follows). */
struct cke_cmd_desc {
    struct cke_lu_id lu;
    struct scsi_nexus nexus;               /* the client's I_T nexus, as the originator's engine made it */
    uint32_t lun;
    uint8_t cdb[CKE_CDB_MAX];
    uint8_t cdb_len;
    enum cke_dir dir;
    uint32_t data_out_len, data_in_len;
};

/* What became of a forwarded command at the peer. */
enum cke_outcome {
    CKE_OUT_DONE = 0,        /* executed: status, sense and data-in are the LU's */
    CKE_OUT_NO_PATH = 1,     /* not executed: the peer has no path to that LU (try another) */
    CKE_OUT_REFUSED = 2,     /* not executed: malformed, or the peer could not take it (try another) */
};

struct cke_rsp {
    enum cke_outcome outcome;
    uint8_t status, sense_len;
    uint8_t sense[SCSI_SENSE_BUFFERSIZE];
    uint32_t data_in_xfer, residual;
};

/* Fragment header. decode: -EBADMSG for any field out of its rules (the cluster message's payload). */
void cke_frag_hdr_put(uint8_t *p, const struct cke_frag_hdr *h);
int  cke_frag_hdr_get(const uint8_t *untrusted_p, size_t untrusted_len, struct cke_frag_hdr *out);
/* Fragments a body of total_len bytes takes. */
unsigned cke_frag_count(uint32_t total_len);

/* Descriptor: encode into buf (CKE_DESC_MAX bytes) -> bytes or -EINVAL; decode -> bytes used or -EBADMSG. */
int cke_desc_encode(const struct cke_cmd_desc *d, uint8_t *buf, size_t cap);
int cke_desc_decode(const uint8_t *untrusted_p, size_t untrusted_len, struct cke_cmd_desc *out);
/* Answer: CKE_RSP_FIXED bytes, data-in follows. */
void cke_rsp_encode(const struct cke_rsp *r, uint8_t *buf);
int  cke_rsp_decode(const uint8_t *untrusted_p, size_t untrusted_len, struct cke_rsp *out);

/*
 * Reassembly of one body. cke_reasm_add() takes one fragment (header already
 * decoded): 1 when the body is complete, 0 when more are needed, -EALREADY for
 * a duplicate (dropped), -EBADMSG for a fragment that does not belong (another
 * total length, an offset or length off the grid): the caller drops the whole
 * body then. The body buffer is allocated on the first fragment.
 */
struct cke_reasm {
    uint64_t fwd_id;
    uint32_t total_len;
    uint32_t have;           /* bitmap of fragments received */
    unsigned nfrags;
    uint8_t *body;
};
int  cke_reasm_add(struct cke_reasm *r, const struct cke_frag_hdr *h, const uint8_t *untrusted_data);
bool cke_reasm_complete(const struct cke_reasm *r);
void cke_reasm_free(struct cke_reasm *r);

#endif /* XVIOS_BACKEND_CKE_MSG_H */
