/* SPDX-License-Identifier: MIT */
/* scsi_sense.c - fixed- and descriptor-format sense data from one refusal (SPC-4 4.5). */
#include "backend/scsi/scsi_sense.h"

#include <string.h>

/* The three sense-key-specific bytes of a field pointer (SPC-4 4.5.2.4.2). */
static void put_field_pointer(uint8_t *p, const struct scsi_err *err)
{
    p[0] = 0x80 | (err->in_cdb ? 0x40 : 0);
    if (err->has_bit)
        p[0] |= 0x08 | (err->bit & 7);
    scsi_put_be16(p + 1, err->field);
}

static size_t build_fixed(const struct scsi_err *err, uint8_t *s)
{
    s[0] = 0x70;
    s[2] = err->key & 0x0f;
    /* INFORMATION is 4 bytes here; a larger value is not valid in this format. */
    if (err->has_info && err->info <= UINT32_MAX) {
        s[0] |= 0x80;
        scsi_put_be32(s + 3, (uint32_t)err->info);
    }
    s[7] = SCSI_SENSE_FIXED_LEN - 8;
    s[12] = (uint8_t)(err->asc >> 8);
    s[13] = (uint8_t)err->asc;
    if (err->has_field)
        put_field_pointer(s + 15, err);
    return SCSI_SENSE_FIXED_LEN;
}

static size_t build_descriptor(const struct scsi_err *err, uint8_t *s)
{
    size_t n = 8;

    s[0] = 0x72;
    s[1] = err->key & 0x0f;
    s[2] = (uint8_t)(err->asc >> 8);
    s[3] = (uint8_t)err->asc;
    if (err->has_info) {               /* information descriptor, SPC-4 4.5.2.2 */
        s[n] = 0x00;
        s[n + 1] = 0x0a;
        s[n + 2] = 0x80;               /* VALID */
        scsi_put_be64(s + n + 4, err->info);
        n += 12;
    }
    if (err->has_field) {              /* sense key specific descriptor, SPC-4 4.5.2.4 */
        s[n] = 0x02;
        s[n + 1] = 0x06;
        put_field_pointer(s + n + 4, err);
        n += 8;
    }
    s[7] = (uint8_t)(n - 8);
    return n;
}

size_t scsi_sense_build(const struct scsi_err *err, bool descriptor, uint8_t *buf, size_t cap)
{
    uint8_t s[SCSI_SENSE_DESC_MAX > SCSI_SENSE_FIXED_LEN ? SCSI_SENSE_DESC_MAX : SCSI_SENSE_FIXED_LEN];
    size_t n;

    memset(s, 0, sizeof(s));
    n = descriptor ? build_descriptor(err, s) : build_fixed(err, s);
    if (buf)
        memcpy(buf, s, n < cap ? n : cap);
    return n;
}
