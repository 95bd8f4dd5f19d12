/* SPDX-License-Identifier: MIT */
/*
 * scsi_sense.h - a struct scsi_err as sense bytes: fixed format (0x70, 18
 * bytes) or descriptor format (0x72: header + information descriptor when
 * the refusal has INFORMATION + sense-key-specific descriptor when it has a
 * field pointer).
 */
#ifndef XVIOS_BACKEND_SCSI_SENSE_H
#define XVIOS_BACKEND_SCSI_SENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_common.h"

#define SCSI_SENSE_FIXED_LEN 18
#define SCSI_SENSE_DESC_MAX  (8 + 12 + 8)
_Static_assert(SCSI_SENSE_DESC_MAX <= SCSI_SENSE_BUFFERSIZE, "descriptor sense fits the sense buffer");

/* Writes the sense of err (key/asc/ascq, info, field pointer) into buf (cap
 * bytes; truncated if smaller) and returns the full length of the sense. */
size_t scsi_sense_build(const struct scsi_err *err, bool descriptor, uint8_t *buf, size_t cap);

#endif /* XVIOS_BACKEND_SCSI_SENSE_H */
