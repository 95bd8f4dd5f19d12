/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr_tid.c - SPC-4 TransportIDs (7.6.4): validate one from an untrusted
 * parameter list, and compare two.
 *
 *   byte 0: FORMAT CODE (bits 7..6), PROTOCOL IDENTIFIER (bits 3..0)
 *   FC (0), IEEE 1394 (3), SRP (4), SAS (6): 24 bytes, format 00b
 *     FC: N_PORT_NAME at 8..15; 1394: EUI-64 at 8..15; SRP: port id at 8..23;
 *     SAS: SAS address at 4..11
 *   iSCSI (5): bytes 2..3 ADDITIONAL LENGTH (multiple of 4, >= 20), then a
 *     NUL-terminated iSCSI name (format 00b) or "name,i,0x<12 hex ISID>"
 *     (format 01b), NUL padded.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "backend/scsi/scsi_pr.h"

enum {
    TID_PROTO_FC = 0x0, TID_PROTO_1394 = 0x3, TID_PROTO_SRP = 0x4, TID_PROTO_ISCSI = 0x5, TID_PROTO_SAS = 0x6,
};
#define TID_FIXED_LEN 24u
#define ISCSI_SEP ",i,0x"
#define ISCSI_ISID_HEX 12u

static int bad(size_t *bad_off, size_t off)
{
    if (bad_off)
        *bad_off = off;
    return -1;
}

/* The iSCSI name (and ISID) part: a NUL within the field; format 01b needs ",i,0x" + 12 hex digits. */
static int iscsi_check(const uint8_t *p, size_t len, unsigned format, size_t *bad_off)
{
    const uint8_t *name = p + 4;
    size_t field = len - 4;
    const uint8_t *nul = memchr(name, 0, field);
    size_t n;
    const char *sep;

    if (!nul || nul == name)
        return bad(bad_off, 4);
    n = (size_t)(nul - name);
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return bad(bad_off, 4 + i);
    sep = memmem(name, n, ISCSI_SEP, strlen(ISCSI_SEP));
    if (format == 0)
        return sep ? bad(bad_off, 4 + (size_t)((const uint8_t *)sep - name)) : 0;
    if (!sep || (const uint8_t *)sep == name)
        return bad(bad_off, 4);
    {
        size_t isid_off = (size_t)((const uint8_t *)sep - name) + strlen(ISCSI_SEP);
        if (n - isid_off != ISCSI_ISID_HEX)
            return bad(bad_off, 4 + isid_off);
        for (size_t i = isid_off; i < n; i++)
            if (!isxdigit(name[i]))
                return bad(bad_off, 4 + i);
    }
    return 0;
}

int scsi_pr_tid_parse(const uint8_t *buf, size_t avail, size_t *tid_len, size_t *bad_off)
{
    unsigned format, proto;
    size_t len;

    if (!buf || avail < 4)
        return bad(bad_off, 0);
    format = buf[0] >> 6;
    proto = buf[0] & 0x0f;
    if (buf[0] & 0x30)
        return bad(bad_off, 0);
    switch (proto) {
    case TID_PROTO_FC:
    case TID_PROTO_1394:
    case TID_PROTO_SRP:
    case TID_PROTO_SAS:
        if (format != 0)
            return bad(bad_off, 0);
        if (avail < TID_FIXED_LEN)
            return bad(bad_off, avail);
        len = TID_FIXED_LEN;
        break;
    case TID_PROTO_ISCSI: {
        size_t addl = scsi_get_be16(buf + 2);
        if (format > 1)
            return bad(bad_off, 0);
        if (addl < TID_FIXED_LEN - 4 || addl % 4 || 4 + addl > avail || 4 + addl > SCSI_TRANSPORT_ID_MAX)
            return bad(bad_off, 2);
        len = 4 + addl;
        if (iscsi_check(buf, len, format, bad_off) < 0)
            return -1;
        break;
    }
    default:
        return bad(bad_off, 0);
    }
    if (tid_len)
        *tid_len = len;
    return 0;
}

/* The iSCSI name and optional ISID of a valid TransportID. */
static void iscsi_split(const uint8_t *p, const char **name, size_t *nlen, const char **isid)
{
    const char *s = (const char *)p + 4;
    const char *sep = strstr(s, ISCSI_SEP);

    *name = s;
    *nlen = sep ? (size_t)(sep - s) : strlen(s);
    *isid = sep ? sep + strlen(ISCSI_SEP) : NULL;
}

bool scsi_pr_tid_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t la, lb;

    if (scsi_pr_tid_parse(a, alen, &la, NULL) < 0 || scsi_pr_tid_parse(b, blen, &lb, NULL) < 0)
        return false;
    if ((a[0] & 0x0f) != (b[0] & 0x0f))
        return false;
    switch (a[0] & 0x0f) {
    case TID_PROTO_FC:
    case TID_PROTO_1394:
        return memcmp(a + 8, b + 8, 8) == 0;
    case TID_PROTO_SRP:
        return memcmp(a + 8, b + 8, 16) == 0;
    case TID_PROTO_SAS:
        return memcmp(a + 4, b + 4, 8) == 0;
    case TID_PROTO_ISCSI: {
        const char *na, *nb, *ia, *ib;
        size_t nla, nlb;
        iscsi_split(a, &na, &nla, &ia);
        iscsi_split(b, &nb, &nlb, &ib);
        if (nla != nlb || strncasecmp(na, nb, nla) != 0)
            return false;
        /* A name-only TransportID names every port of that initiator. */
        return !ia || !ib || strncasecmp(ia, ib, ISCSI_ISID_HEX) == 0;
    }
    default:
        return false;
    }
}
