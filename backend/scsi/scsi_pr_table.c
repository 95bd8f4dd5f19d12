/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_table.c - which commands a persistent reservation lets through.
 *
 * The rows below are SPC-4 (5.13.1, "SPC commands that are allowed in the
 * presence of various reservations") and SBC-3 (4.17, "SBC-3 commands that
 * are allowed in the presence of various reservations"), for a command from
 * an I_T nexus that is NOT a reservation holder (a holder is always allowed;
 * with an all-registrants type every registrant is a holder):
 *
 *                                     Addressed LU has this type of persistent
 *                                     reservation held by another I_T nexus
 *                                 From any I_T nexus  From registered  From not registered
 *                                                     I_T nexus        I_T nexus
 *   Command                       WE        EA        (RO/AR types)    WE-RO/AR  EA-RO/AR
 *   ----------------------------  --------  --------  ---------------  --------  --------
 *   ACCESS CONTROL IN/OUT         Allowed   Allowed   Allowed          Allowed   Allowed
 *   CHANGE ALIASES                Conflict  Conflict  Allowed          Conflict  Conflict
 *   EXTENDED COPY                 Conflict  Conflict  Allowed          Conflict  Conflict
 *   INQUIRY                       Allowed   Allowed   Allowed          Allowed   Allowed
 *   LOG SELECT                    Conflict  Conflict  Allowed          Conflict  Conflict
 *   LOG SENSE                     Allowed   Allowed   Allowed          Allowed   Allowed
 *   MANAGEMENT PROTOCOL IN        Allowed   Conflict  Allowed          Allowed   Conflict
 *   MANAGEMENT PROTOCOL OUT       Conflict  Conflict  Allowed          Conflict  Conflict
 *   MODE SELECT(6)/(10)           Conflict  Conflict  Allowed          Conflict  Conflict
 *   MODE SENSE(6)/(10)            Allowed   Conflict  Allowed          Allowed   Conflict
 *   PERSISTENT RESERVE IN         Allowed   Allowed   Allowed          Allowed   Allowed
 *   PERSISTENT RESERVE OUT        (per service action, SPC-4 table "PERSISTENT RESERVE OUT service
 *                                  actions that are allowed ...": checked by scsi_pr_out itself)
 *   READ ATTRIBUTE                Allowed   Conflict  Allowed          Allowed   Conflict
 *   READ BUFFER                   Allowed   Conflict  Allowed          Allowed   Conflict
 *   READ MEDIA SERIAL NUMBER      Allowed   Allowed   Allowed          Allowed   Allowed
 *   RECEIVE COPY RESULTS          Allowed   Conflict  Allowed          Allowed   Conflict
 *   RECEIVE DIAGNOSTIC RESULTS    Allowed   Conflict  Allowed          Allowed   Conflict
 *   RELEASE(6)/(10), RESERVE(6)/(10)  handled by compatible reservation handling (scsi_pr_spc2.c)
 *   REPORT ALIASES                Allowed   Allowed   Allowed          Allowed   Allowed
 *   REPORT IDENTIFYING INFO       Allowed   Allowed   Allowed          Allowed   Allowed
 *   REPORT LUNS                   Allowed   Allowed   Allowed          Allowed   Allowed
 *   REPORT PRIORITY               Allowed   Allowed   Allowed          Allowed   Allowed
 *   REPORT SUPPORTED OP CODES     Allowed   Conflict  Allowed          Allowed   Conflict
 *   REPORT SUPPORTED TMFs         Allowed   Conflict  Allowed          Allowed   Conflict
 *   REPORT TARGET PORT GROUPS     Allowed   Allowed   Allowed          Allowed   Allowed
 *   REPORT TIMESTAMP              Allowed   Allowed   Allowed          Allowed   Allowed
 *   REQUEST SENSE                 Allowed   Allowed   Allowed          Allowed   Allowed
 *   SECURITY PROTOCOL IN          Allowed   Conflict  Allowed          Allowed   Conflict
 *   SECURITY PROTOCOL OUT         Conflict  Conflict  Allowed          Conflict  Conflict
 *   SEND DIAGNOSTIC               Conflict  Conflict  Allowed          Conflict  Conflict
 *   SET IDENTIFYING INFORMATION   Conflict  Conflict  Allowed          Conflict  Conflict
 *   SET PRIORITY                  Conflict  Conflict  Allowed          Conflict  Conflict
 *   SET TARGET PORT GROUPS        Conflict  Conflict  Allowed          Conflict  Conflict
 *   SET TIMESTAMP                 Conflict  Conflict  Allowed          Conflict  Conflict
 *   TEST UNIT READY               Allowed   Allowed   Allowed          Allowed   Allowed
 *   WRITE ATTRIBUTE               Conflict  Conflict  Allowed          Conflict  Conflict
 *   WRITE BUFFER                  Conflict  Conflict  Allowed          Conflict  Conflict
 *
 *   SBC-3:
 *   COMPARE AND WRITE             Conflict  Conflict  Allowed          Conflict  Conflict
 *   FORMAT UNIT                   Conflict  Conflict  Allowed          Conflict  Conflict
 *   GET LBA STATUS                Allowed   Conflict  Allowed          Allowed   Conflict
 *   ORWRITE                       Conflict  Conflict  Allowed          Conflict  Conflict
 *   PRE-FETCH(10)/(16)            Allowed   Conflict  Allowed          Allowed   Conflict
 *   PREVENT ALLOW (PREVENT=0)     Allowed   Allowed   Allowed          Allowed   Allowed
 *   PREVENT ALLOW (PREVENT<>0)    Conflict  Conflict  Allowed          Conflict  Conflict
 *   READ(6)/(10)/(12)/(16)        Allowed   Conflict  Allowed          Allowed   Conflict
 *   READ CAPACITY(10)/(16)        Allowed   Allowed   Allowed          Allowed   Allowed
 *   READ DEFECT DATA(10)/(12)     Allowed   Conflict  Allowed          Allowed   Conflict
 *   REASSIGN BLOCKS               Conflict  Conflict  Allowed          Conflict  Conflict
 *   REPORT REFERRALS              Allowed   Allowed   Allowed          Allowed   Allowed
 *   SANITIZE                      Conflict  Conflict  Allowed          Conflict  Conflict
 *   START STOP UNIT (START=1,
 *     POWER CONDITION=0)          Allowed   Allowed   Allowed          Allowed   Allowed
 *   START STOP UNIT (otherwise)   Conflict  Conflict  Allowed          Conflict  Conflict
 *   SYNCHRONIZE CACHE(10)/(16)    Conflict  Conflict  Allowed          Conflict  Conflict
 *   UNMAP                         Conflict  Conflict  Allowed          Conflict  Conflict
 *   VERIFY(10)/(12)/(16)          Allowed   Conflict  Allowed          Allowed   Conflict
 *   WRITE(6)/(10)/(12)/(16)       Conflict  Conflict  Allowed          Conflict  Conflict
 *   WRITE AND VERIFY(10)/(12)/(16) Conflict Conflict  Allowed          Conflict  Conflict
 *   WRITE LONG(10)/(16)           Conflict  Conflict  Allowed          Conflict  Conflict
 *   WRITE SAME(10)/(16)           Conflict  Conflict  Allowed          Conflict  Conflict
 *
 * Opcodes not in the table: the caller's access class decides (READ like
 * READ, WRITE/OTHER like WRITE, ALLOWED never conflicts).
 *
 * An SPC-2 reservation held by another nexus conflicts with everything but
 * INQUIRY, REQUEST SENSE, REPORT LUNS and RELEASE(6)/(10) (SPC-2 5.5.1);
 * RESERVE from another nexus is refused by scsi_pr_reserve_spc2 itself.
 */
#include <stddef.h>

#include "backend/scsi/scsi_pr_int.h"

enum { A = 0, C = 1 };   /* Allowed / Conflict */
/* Columns as in SPC-4: WE, EA, registered (RO/AR), not registered WE-RO/AR, not registered EA-RO/AR. */
enum { COL_WE, COL_EA, COL_REG, COL_WE_NR, COL_EA_NR, NCOLS };

/* What else in the CDB selects the row. */
enum pr_qual {
    Q_ANY,            /* the opcode alone */
    Q_SA,             /* service action byte 1 bits 4..0 == sa */
    Q_SA16,           /* SERVICE ACTION IN/OUT(16): byte 1 bits 4..0 == sa */
    Q_PREVENT_0,      /* PREVENT ALLOW MEDIUM REMOVAL, PREVENT field (byte 4 bits 1..0) == 0 */
    Q_PREVENT_NZ,
    Q_START_ONLY,     /* START STOP UNIT, START = 1 and POWER CONDITION = 0 */
    Q_START_OTHER,
};

struct pr_row {
    uint8_t opcode;
    uint8_t qual;
    uint8_t sa;
    uint8_t col[NCOLS];
    const char *name;
};

#define ALLOWED_ALL   { A, A, A, A, A }
#define READ_LIKE     { A, C, A, A, C }
#define WRITE_LIKE    { C, C, A, C, C }

static const struct pr_row pr_rows[] = {
    /* SPC-4 */
    { 0x86, Q_ANY, 0, ALLOWED_ALL, "ACCESS CONTROL IN" },
    { 0x87, Q_ANY, 0, ALLOWED_ALL, "ACCESS CONTROL OUT" },
    { 0x83, Q_ANY, 0, WRITE_LIKE,  "EXTENDED COPY" },
    { 0x12, Q_ANY, 0, ALLOWED_ALL, "INQUIRY" },
    { 0x4c, Q_ANY, 0, WRITE_LIKE,  "LOG SELECT" },
    { 0x4d, Q_ANY, 0, ALLOWED_ALL, "LOG SENSE" },
    { 0x15, Q_ANY, 0, WRITE_LIKE,  "MODE SELECT(6)" },
    { 0x55, Q_ANY, 0, WRITE_LIKE,  "MODE SELECT(10)" },
    { 0x1a, Q_ANY, 0, READ_LIKE,   "MODE SENSE(6)" },
    { 0x5a, Q_ANY, 0, READ_LIKE,   "MODE SENSE(10)" },
    { 0x5e, Q_ANY, 0, ALLOWED_ALL, "PERSISTENT RESERVE IN" },
    { 0x5f, Q_ANY, 0, ALLOWED_ALL, "PERSISTENT RESERVE OUT (per service action in scsi_pr_out)" },
    { 0x8c, Q_ANY, 0, READ_LIKE,   "READ ATTRIBUTE" },
    { 0x3c, Q_ANY, 0, READ_LIKE,   "READ BUFFER" },
    { 0xab, Q_SA, 0x01, ALLOWED_ALL, "READ MEDIA SERIAL NUMBER" },
    { 0x84, Q_ANY, 0, READ_LIKE,   "RECEIVE COPY RESULTS" },
    { 0x1c, Q_ANY, 0, READ_LIKE,   "RECEIVE DIAGNOSTIC RESULTS" },
    { 0x16, Q_ANY, 0, ALLOWED_ALL, "RESERVE(6) (compatible reservation handling)" },
    { 0x56, Q_ANY, 0, ALLOWED_ALL, "RESERVE(10) (compatible reservation handling)" },
    { 0x17, Q_ANY, 0, ALLOWED_ALL, "RELEASE(6) (compatible reservation handling)" },
    { 0x57, Q_ANY, 0, ALLOWED_ALL, "RELEASE(10) (compatible reservation handling)" },
    { 0xa0, Q_ANY, 0, ALLOWED_ALL, "REPORT LUNS" },
    { 0x03, Q_ANY, 0, ALLOWED_ALL, "REQUEST SENSE" },
    { 0xa2, Q_ANY, 0, READ_LIKE,   "SECURITY PROTOCOL IN" },
    { 0xb5, Q_ANY, 0, WRITE_LIKE,  "SECURITY PROTOCOL OUT" },
    { 0x1d, Q_ANY, 0, WRITE_LIKE,  "SEND DIAGNOSTIC" },
    { 0x00, Q_ANY, 0, ALLOWED_ALL, "TEST UNIT READY" },
    { 0x8d, Q_ANY, 0, WRITE_LIKE,  "WRITE ATTRIBUTE" },
    { 0x3b, Q_ANY, 0, WRITE_LIKE,  "WRITE BUFFER" },
    /* MAINTENANCE IN (0xa3) */
    { 0xa3, Q_SA, 0x05, ALLOWED_ALL, "REPORT IDENTIFYING INFORMATION" },
    { 0xa3, Q_SA, 0x0a, ALLOWED_ALL, "REPORT TARGET PORT GROUPS" },
    { 0xa3, Q_SA, 0x0b, ALLOWED_ALL, "REPORT ALIASES" },
    { 0xa3, Q_SA, 0x0c, READ_LIKE,   "REPORT SUPPORTED OPERATION CODES" },
    { 0xa3, Q_SA, 0x0d, READ_LIKE,   "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS" },
    { 0xa3, Q_SA, 0x0e, ALLOWED_ALL, "REPORT PRIORITY" },
    { 0xa3, Q_SA, 0x0f, ALLOWED_ALL, "REPORT TIMESTAMP" },
    { 0xa3, Q_SA, 0x10, READ_LIKE,   "MANAGEMENT PROTOCOL IN" },
    /* MAINTENANCE OUT (0xa4) */
    { 0xa4, Q_SA, 0x06, WRITE_LIKE,  "SET IDENTIFYING INFORMATION" },
    { 0xa4, Q_SA, 0x0a, WRITE_LIKE,  "SET TARGET PORT GROUPS" },
    { 0xa4, Q_SA, 0x0b, WRITE_LIKE,  "CHANGE ALIASES" },
    { 0xa4, Q_SA, 0x0e, WRITE_LIKE,  "SET PRIORITY" },
    { 0xa4, Q_SA, 0x0f, WRITE_LIKE,  "SET TIMESTAMP" },
    { 0xa4, Q_SA, 0x10, WRITE_LIKE,  "MANAGEMENT PROTOCOL OUT" },
    /* SBC-3 */
    { 0x89, Q_ANY, 0, WRITE_LIKE,  "COMPARE AND WRITE" },
    { 0x04, Q_ANY, 0, WRITE_LIKE,  "FORMAT UNIT" },
    { 0x9e, Q_SA16, 0x12, READ_LIKE, "GET LBA STATUS" },
    { 0x8b, Q_ANY, 0, WRITE_LIKE,  "ORWRITE(16)" },
    { 0x34, Q_ANY, 0, READ_LIKE,   "PRE-FETCH(10)" },
    { 0x90, Q_ANY, 0, READ_LIKE,   "PRE-FETCH(16)" },
    { 0x1e, Q_PREVENT_0, 0, ALLOWED_ALL, "PREVENT ALLOW MEDIUM REMOVAL (PREVENT=0)" },
    { 0x1e, Q_PREVENT_NZ, 0, WRITE_LIKE, "PREVENT ALLOW MEDIUM REMOVAL (PREVENT<>0)" },
    { 0x08, Q_ANY, 0, READ_LIKE,   "READ(6)" },
    { 0x28, Q_ANY, 0, READ_LIKE,   "READ(10)" },
    { 0xa8, Q_ANY, 0, READ_LIKE,   "READ(12)" },
    { 0x88, Q_ANY, 0, READ_LIKE,   "READ(16)" },
    { 0x25, Q_ANY, 0, ALLOWED_ALL, "READ CAPACITY(10)" },
    { 0x9e, Q_SA16, 0x10, ALLOWED_ALL, "READ CAPACITY(16)" },
    { 0x37, Q_ANY, 0, READ_LIKE,   "READ DEFECT DATA(10)" },
    { 0xb7, Q_ANY, 0, READ_LIKE,   "READ DEFECT DATA(12)" },
    { 0x07, Q_ANY, 0, WRITE_LIKE,  "REASSIGN BLOCKS" },
    { 0x9e, Q_SA16, 0x13, ALLOWED_ALL, "REPORT REFERRALS" },
    { 0x48, Q_ANY, 0, WRITE_LIKE,  "SANITIZE" },
    { 0x1b, Q_START_ONLY, 0, ALLOWED_ALL, "START STOP UNIT (START=1, POWER CONDITION=0)" },
    { 0x1b, Q_START_OTHER, 0, WRITE_LIKE, "START STOP UNIT (stop or power condition)" },
    { 0x35, Q_ANY, 0, WRITE_LIKE,  "SYNCHRONIZE CACHE(10)" },
    { 0x91, Q_ANY, 0, WRITE_LIKE,  "SYNCHRONIZE CACHE(16)" },
    { 0x42, Q_ANY, 0, WRITE_LIKE,  "UNMAP" },
    { 0x2f, Q_ANY, 0, READ_LIKE,   "VERIFY(10)" },
    { 0xaf, Q_ANY, 0, READ_LIKE,   "VERIFY(12)" },
    { 0x8f, Q_ANY, 0, READ_LIKE,   "VERIFY(16)" },
    { 0x0a, Q_ANY, 0, WRITE_LIKE,  "WRITE(6)" },
    { 0x2a, Q_ANY, 0, WRITE_LIKE,  "WRITE(10)" },
    { 0xaa, Q_ANY, 0, WRITE_LIKE,  "WRITE(12)" },
    { 0x8a, Q_ANY, 0, WRITE_LIKE,  "WRITE(16)" },
    { 0x2e, Q_ANY, 0, WRITE_LIKE,  "WRITE AND VERIFY(10)" },
    { 0xae, Q_ANY, 0, WRITE_LIKE,  "WRITE AND VERIFY(12)" },
    { 0x8e, Q_ANY, 0, WRITE_LIKE,  "WRITE AND VERIFY(16)" },
    { 0x3f, Q_ANY, 0, WRITE_LIKE,  "WRITE LONG(10)" },
    { 0x9f, Q_SA16, 0x11, WRITE_LIKE, "WRITE LONG(16)" },
    { 0x41, Q_ANY, 0, WRITE_LIKE,  "WRITE SAME(10)" },
    { 0x93, Q_ANY, 0, WRITE_LIKE,  "WRITE SAME(16)" },
};

static const uint8_t read_fallback[NCOLS] = READ_LIKE;
static const uint8_t write_fallback[NCOLS] = WRITE_LIKE;

/* Does the row apply to this CDB? Without a CDB every row of the opcode applies. */
static bool row_matches(const struct pr_row *r, const uint8_t *cdb, size_t len)
{
    if (!cdb)
        return true;
    switch (r->qual) {
    case Q_ANY:
        return true;
    case Q_SA:
    case Q_SA16:
        return len > 1 && (cdb[1] & 0x1f) == r->sa;
    case Q_PREVENT_0:
    case Q_PREVENT_NZ:
        if (len <= 4)
            return r->qual == Q_PREVENT_NZ;
        return ((cdb[4] & 0x03) == 0) == (r->qual == Q_PREVENT_0);
    case Q_START_ONLY:
    case Q_START_OTHER: {
        bool start_only = len > 4 && (cdb[4] & 0x01) && (cdb[4] & 0xf0) == 0;
        return start_only == (r->qual == Q_START_ONLY);
    }
    default:
        return false;
    }
}

/*
 * The cell for a non-holder: 0 allowed, 1 conflict. Opcode-only lookups of
 * opcodes with several rows take the strictest (conflict if any row
 * conflicts); unknown opcodes or service actions use the access class.
 */
static int table_cell(uint8_t opcode, const uint8_t *cdb, size_t cdb_len, enum scsi_pr_access access, int col)
{
    bool found = false;
    int cell = A;

    for (size_t i = 0; i < sizeof(pr_rows) / sizeof(pr_rows[0]); i++) {
        const struct pr_row *r = &pr_rows[i];
        if (r->opcode != opcode || !row_matches(r, cdb, cdb_len))
            continue;
        found = true;
        if (r->col[col] == C)
            cell = C;
    }
    if (found)
        return cell;
    switch (access) {
    case SCSI_PR_ACCESS_ALLOWED:
        return A;
    case SCSI_PR_ACCESS_READ:
        return read_fallback[col];
    case SCSI_PR_ACCESS_WRITE:
    case SCSI_PR_ACCESS_OTHER:
    default:
        return write_fallback[col];
    }
}

static bool spc2_conflicts(const struct scsi_pr *pr, const struct scsi_nexus *n, uint8_t opcode)
{
    if (!pr->spc2_reserved || scsi_nexus_eq(&pr->spc2_holder, n))
        return false;
    switch (opcode) {
    case 0x12: /* INQUIRY */
    case 0x03: /* REQUEST SENSE */
    case 0xa0: /* REPORT LUNS */
    case 0x17: /* RELEASE(6) */
    case 0x57: /* RELEASE(10) */
        return false;
    default:
        return true;
    }
}

static bool pr_conflicts(const struct scsi_pr *pr, const struct scsi_nexus *n, enum scsi_pr_access access,
                         uint8_t opcode, const uint8_t *cdb, size_t cdb_len)
{
    bool registered;
    int col;

    if (spc2_conflicts(pr, n, opcode))
        return true;
    if (!pr->reserved || scsi_pr_is_holder(pr, n))
        return false;
    registered = scsi_pr_find_registration(pr, n) != NULL;
    switch (pr->type) {
    case SCSI_PR_TYPE_WE:
        col = COL_WE;
        break;
    case SCSI_PR_TYPE_EA:
        col = COL_EA;
        break;
    case SCSI_PR_TYPE_WE_RO:
    case SCSI_PR_TYPE_WE_AR:
        col = registered ? COL_REG : COL_WE_NR;
        break;
    case SCSI_PR_TYPE_EA_RO:
    case SCSI_PR_TYPE_EA_AR:
        col = registered ? COL_REG : COL_EA_NR;
        break;
    default:
        return true;   /* cannot happen: the type is checked when set */
    }
    return table_cell(opcode, cdb, cdb_len, access, col) == C;
}

bool scsi_pr_conflicts(const struct scsi_pr *pr, const struct scsi_nexus *n, enum scsi_pr_access access,
                       uint8_t opcode)
{
    return pr_conflicts(pr, n, access, opcode, NULL, 0);
}

bool scsi_pr_conflicts_cdb(const struct scsi_pr *pr, const struct scsi_nexus *n, enum scsi_pr_access access,
                           const uint8_t *cdb, size_t cdb_len)
{
    if (!cdb || cdb_len == 0)
        return scsi_pr_conflicts(pr, n, access, 0xff);
    return pr_conflicts(pr, n, access, cdb[0], cdb, cdb_len);
}
