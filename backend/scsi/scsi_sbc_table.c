/* SPDX-License-Identifier: MIT */
/*
 * scsi_sbc_table.c - the opcode table of the direct-access block device: one
 * row per opcode (256), each naming its handler or its service actions. A
 * row says how long the CDB is, which way data moves, the command's
 * persistent-reservation access class (the PR module maps class + opcode to
 * the SPC-4 conflict table), where the LBA / allocation length / parameter
 * list length sit, and its CDB usage data for REPORT SUPPORTED OPERATION CODES.
 */
#include "backend/scsi/scsi_int.h"

#define A SCSI_PR_ACCESS_ALLOWED
#define R SCSI_PR_ACCESS_READ
#define W SCSI_PR_ACCESS_WRITE
#define O SCSI_PR_ACCESS_OTHER
#define IN  SCSI_DIR_IN
#define OUT SCSI_DIR_OUT
#define NONE SCSI_DIR_NONE
#define EXEMPT (SCSI_OPF_NO_LU | SCSI_OPF_UA_EXEMPT)
#define RDWR  (SCSI_OPF_MEDIUM)
#define WRITES (SCSI_OPF_MEDIUM | SCSI_OPF_WRITES)

#define OP(var, nm, opc, handler, len, d, p, lf, xf, loff, lsz, fl, ...)                              \
    static const struct scsi_op var = {                                                             \
        .name = nm, .fn = handler, .opcode = opc, .cdb_len = len, .dir = d, .pr = p, .lba_fmt = lf, \
        .xfer = xf, .len_off = loff, .len_size = lsz, .flags = fl, .usage = { opc, __VA_ARGS__ } }
#define SAOP(var, nm, opc, sa_, handler, len, d, p, lf, loff, lsz, fl, ...)                           \
    static const struct scsi_op var = {                                                             \
        .name = nm, .fn = handler, .opcode = opc, .sa = sa_, .cdb_len = len, .dir = d, .pr = p,    \
        .lba_fmt = lf, .xfer = (d) == OUT ? SCSI_XFER_PARAM : SCSI_XFER_NONE, .len_off = loff,     \
        .len_size = lsz, .flags = fl, .usage = { opc, __VA_ARGS__ } }

#define L4 0xff, 0xff, 0xff, 0xff
#define L8 L4, L4

/*  var            name                        opc   handler                        len dir  pr lba           xfer               len at  flags */
OP(op_tur,         "TEST UNIT READY",          0x00, scsi_op_tur,                   6, NONE, A, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0, 0);
OP(op_req_sense,   "REQUEST SENSE",            0x03, scsi_op_request_sense,         6, IN,   A, SCSI_LBA_NONE, SCSI_XFER_NONE,   4, 1, EXEMPT,
   0x01, 0, 0, 0xff, 0);
OP(op_read6,       "READ(6)",                  0x08, scsi_op_read,                  6, IN,   R, SCSI_LBA_6,    SCSI_XFER_BLOCKS, 0, 0, RDWR,
   0x1f, 0xff, 0xff, 0xff, 0);
OP(op_write6,      "WRITE(6)",                 0x0a, scsi_op_write,                 6, OUT,  W, SCSI_LBA_6,    SCSI_XFER_BLOCKS, 0, 0, WRITES,
   0x1f, 0xff, 0xff, 0xff, 0);
OP(op_inquiry,     "INQUIRY",                  0x12, scsi_op_inquiry,               6, IN,   A, SCSI_LBA_NONE, SCSI_XFER_NONE,   3, 2, EXEMPT,
   0x01, 0xff, 0xff, 0xff, 0);
OP(op_msel6,       "MODE SELECT(6)",           0x15, scsi_op_mode_select,           6, OUT,  W, SCSI_LBA_NONE, SCSI_XFER_PARAM,  4, 1, 0,
   0x11, 0, 0, 0xff, 0);
OP(op_reserve6,    "RESERVE(6)",               0x16, scsi_op_reserve,               6, NONE, O, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0, 0);
OP(op_release6,    "RELEASE(6)",               0x17, scsi_op_release,               6, NONE, O, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0, 0);
OP(op_msense6,     "MODE SENSE(6)",            0x1a, scsi_op_mode_sense,            6, IN,   R, SCSI_LBA_NONE, SCSI_XFER_NONE,   4, 1, 0,
   0x08, 0xff, 0xff, 0xff, 0);
OP(op_start_stop,  "START STOP UNIT",          0x1b, scsi_op_start_stop,            6, NONE, W, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0x01, 0, 0, 0x01, 0);
OP(op_prevent,     "PREVENT ALLOW MEDIUM REMOVAL", 0x1e, scsi_op_prevent_allow,     6, NONE, O, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0x01, 0);
OP(op_rc10,        "READ CAPACITY(10)",        0x25, scsi_op_read_capacity10,      10, IN,   A, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0, 0, 0, 0, 0, 0);
OP(op_read10,      "READ(10)",                 0x28, scsi_op_read,                 10, IN,   R, SCSI_LBA_10,   SCSI_XFER_BLOCKS, 0, 0, RDWR,
   0x18, L4, 0, 0xff, 0xff, 0);
OP(op_write10,     "WRITE(10)",                0x2a, scsi_op_write,                10, OUT,  W, SCSI_LBA_10,   SCSI_XFER_BLOCKS, 0, 0, WRITES,
   0x18, L4, 0, 0xff, 0xff, 0);
OP(op_wav10,       "WRITE AND VERIFY(10)",     0x2e, scsi_op_write,                10, OUT,  W, SCSI_LBA_10,   SCSI_XFER_BLOCKS, 0, 0, WRITES,
   0x02, L4, 0, 0xff, 0xff, 0);
OP(op_verify10,    "VERIFY(10)",               0x2f, scsi_op_verify,               10, OUT,  R, SCSI_LBA_10,   SCSI_XFER_BLOCKS, 0, 0, RDWR,
   0x02, L4, 0, 0xff, 0xff, 0);
OP(op_sync10,      "SYNCHRONIZE CACHE(10)",    0x35, scsi_op_sync_cache,           10, NONE, W, SCSI_LBA_10,   SCSI_XFER_NONE,   0, 0, RDWR | SCSI_OPF_ZERO_TO_END,
   0x02, L4, 0, 0xff, 0xff, 0);
OP(op_ws10,        "WRITE SAME(10)",           0x41, scsi_op_write_same,           10, OUT,  W, SCSI_LBA_10,   SCSI_XFER_WS,     0, 0, WRITES,
   0x08, L4, 0, 0xff, 0xff, 0);
OP(op_msel10,      "MODE SELECT(10)",          0x55, scsi_op_mode_select,          10, OUT,  W, SCSI_LBA_NONE, SCSI_XFER_PARAM,  7, 2, 0,
   0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0);
OP(op_reserve10,   "RESERVE(10)",              0x56, scsi_op_reserve,              10, NONE, O, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0, 0, 0, 0, 0, 0);
OP(op_release10,   "RELEASE(10)",              0x57, scsi_op_release,              10, NONE, O, SCSI_LBA_NONE, SCSI_XFER_NONE,   0, 0, 0,
   0, 0, 0, 0, 0, 0, 0, 0, 0);
OP(op_msense10,    "MODE SENSE(10)",           0x5a, scsi_op_mode_sense,           10, IN,   R, SCSI_LBA_NONE, SCSI_XFER_NONE,   7, 2, 0,
   0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0);
OP(op_pr_in,       "PERSISTENT RESERVE IN",    0x5e, scsi_op_pr_in,                10, IN,   A, SCSI_LBA_NONE, SCSI_XFER_NONE,   7, 2, 0,
   0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0);
OP(op_pr_out,      "PERSISTENT RESERVE OUT",   0x5f, scsi_op_pr_out,               10, OUT,  A, SCSI_LBA_NONE, SCSI_XFER_PARAM,  5, 4, 0,
   0x1f, 0xff, 0, 0, L4, 0);
OP(op_read16,      "READ(16)",                 0x88, scsi_op_read,                 16, IN,   R, SCSI_LBA_16,   SCSI_XFER_BLOCKS, 0, 0, RDWR,
   0x18, L8, L4, 0, 0);
OP(op_caw,         "COMPARE AND WRITE",        0x89, scsi_op_compare_and_write,    16, OUT,  W, SCSI_LBA_CAW,  SCSI_XFER_CAW,    0, 0, WRITES,
   0x18, L8, 0, 0, 0, 0xff, 0, 0);
OP(op_write16,     "WRITE(16)",                0x8a, scsi_op_write,                16, OUT,  W, SCSI_LBA_16,   SCSI_XFER_BLOCKS, 0, 0, WRITES,
   0x18, L8, L4, 0, 0);
OP(op_wav16,       "WRITE AND VERIFY(16)",     0x8e, scsi_op_write,                16, OUT,  W, SCSI_LBA_16,   SCSI_XFER_BLOCKS, 0, 0, WRITES,
   0x02, L8, L4, 0, 0);
OP(op_verify16,    "VERIFY(16)",               0x8f, scsi_op_verify,               16, OUT,  R, SCSI_LBA_16,   SCSI_XFER_BLOCKS, 0, 0, RDWR,
   0x02, L8, L4, 0, 0);
OP(op_sync16,      "SYNCHRONIZE CACHE(16)",    0x91, scsi_op_sync_cache,           16, NONE, W, SCSI_LBA_16,   SCSI_XFER_NONE,   0, 0, RDWR | SCSI_OPF_ZERO_TO_END,
   0x02, L8, L4, 0, 0);
OP(op_ws16,        "WRITE SAME(16)",           0x93, scsi_op_write_same,           16, OUT,  W, SCSI_LBA_16,   SCSI_XFER_WS,     0, 0, WRITES,
   0x09, L8, L4, 0, 0);
OP(op_report_luns, "REPORT LUNS",              0xa0, scsi_op_report_luns,          12, IN,   A, SCSI_LBA_NONE, SCSI_XFER_NONE,   6, 4, EXEMPT,
   0, 0xff, 0, 0, 0, L4, 0, 0);
OP(op_read12,      "READ(12)",                 0xa8, scsi_op_read,                 12, IN,   R, SCSI_LBA_12,   SCSI_XFER_BLOCKS, 0, 0, RDWR,
   0x18, L4, L4, 0, 0);
OP(op_write12,     "WRITE(12)",                0xaa, scsi_op_write,                12, OUT,  W, SCSI_LBA_12,   SCSI_XFER_BLOCKS, 0, 0, WRITES,
   0x18, L4, L4, 0, 0);

/* UNMAP exists only where the backing can deallocate. */
static const struct scsi_op op_unmap = {
    .name = "UNMAP", .fn = scsi_op_unmap, .opcode = 0x42, .cdb_len = 10, .dir = OUT, .pr = W,
    .lba_fmt = SCSI_LBA_NONE, .xfer = SCSI_XFER_PARAM, .len_off = 7, .len_size = 2, .flags = WRITES,
    .supported = scsi_lu_can_unmap, .usage = { 0x42, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0 },
};

/* Service actions: SERVICE ACTION IN(16) and MAINTENANCE IN. */
SAOP(op_rc16,  "READ CAPACITY(16)", 0x9e, SCSI_SA_READ_CAPACITY16, scsi_op_read_capacity16, 16, IN, A, SCSI_LBA_NONE, 10, 4, 0,
     0x1f, 0, 0, 0, 0, 0, 0, 0, 0, L4, 0, 0);
SAOP(op_gls,   "GET LBA STATUS",    0x9e, SCSI_SA_GET_LBA_STATUS, scsi_op_get_lba_status,    16, IN, R, SCSI_LBA_NONE, 10, 4, 0,
     0x1f, L8, L4, 0, 0);
SAOP(op_rsoc,  "REPORT SUPPORTED OPERATION CODES", 0xa3, SCSI_SA_REPORT_OPCODES, scsi_op_report_opcodes, 12, IN, A, SCSI_LBA_NONE, 6, 4, 0,
     0x1f, 0x87, 0xff, 0xff, 0xff, L4, 0, 0);
SAOP(op_rstmf, "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", 0xa3, SCSI_SA_REPORT_TMF, scsi_op_report_tmf, 12, IN, A, SCSI_LBA_NONE, 6, 4, 0,
     0x1f, 0x80, 0, 0, 0, L4, 0, 0);

static const struct scsi_op *const sai16_ops[] = { &op_rc16, &op_gls };
static const struct scsi_op *const maint_in_ops[] = { &op_rsoc, &op_rstmf };

#define ROW(opc, var) [opc] = { .op = &var }
#define SAROW(opc, list) [opc] = { .sa_ops = list, .n_sa = sizeof(list) / sizeof(list[0]) }

const struct scsi_opcode_row scsi_sbc_table[256] = {
    ROW(0x00, op_tur),       ROW(0x03, op_req_sense), ROW(0x08, op_read6),     ROW(0x0a, op_write6),
    ROW(0x12, op_inquiry),   ROW(0x15, op_msel6),     ROW(0x16, op_reserve6),  ROW(0x17, op_release6),
    ROW(0x1a, op_msense6),   ROW(0x1b, op_start_stop), ROW(0x1e, op_prevent),  ROW(0x25, op_rc10),
    ROW(0x28, op_read10),    ROW(0x2a, op_write10),   ROW(0x2e, op_wav10),     ROW(0x2f, op_verify10),
    ROW(0x35, op_sync10),    ROW(0x41, op_ws10),      ROW(0x42, op_unmap),     ROW(0x55, op_msel10),
    ROW(0x56, op_reserve10), ROW(0x57, op_release10), ROW(0x5a, op_msense10),  ROW(0x5e, op_pr_in),
    ROW(0x5f, op_pr_out),    ROW(0x88, op_read16),    ROW(0x89, op_caw),       ROW(0x8a, op_write16),
    ROW(0x8e, op_wav16),     ROW(0x8f, op_verify16),  ROW(0x91, op_sync16),    ROW(0x93, op_ws16),
    SAROW(0x9e, sai16_ops),  ROW(0xa0, op_report_luns), SAROW(0xa3, maint_in_ops), ROW(0xa8, op_read12),
    ROW(0xaa, op_write12),
};

const struct scsi_op *scsi_sbc_lookup(uint8_t opcode, uint8_t sa, bool *has_sa)
{
    const struct scsi_opcode_row *row = &scsi_sbc_table[opcode];

    *has_sa = row->n_sa != 0;
    if (row->op)
        return row->op;
    for (unsigned i = 0; i < row->n_sa; i++)
        if (row->sa_ops[i]->sa == sa)
            return row->sa_ops[i];
    return NULL;
}

bool scsi_op_supported(const struct scsi_op *op, const struct scsi_lu *lu)
{
    return !op->supported || op->supported(lu);
}
