/* SPDX-License-Identifier: MIT */
/*
 * xvios/naa.h - the identity the vSCSI engine gives an LU attached by path
 * (not from the pool): its unit serial number is derived from the path, and
 * its NAA IEEE Registered Extended designator (VPD page 0x83) from the
 * serial. One definition, used by the SCSI layer that answers VPD 0x83, by
 * the engine that names the LU, and by the storage view that reports what
 * the engine serves (docs/pool.md, "The storage view").
 */
#ifndef XVIOS_NAA_H
#define XVIOS_NAA_H

#include <stddef.h>
#include <stdint.h>

#define XVIOS_PATH_SERIAL_LEN 18u   /* "XV" + 16 lowercase hex digits */

/* The unit serial number of an LU attached by path: "XV" + FNV-1a of the path (cap >= 19). */
void xvios_path_serial(const char *path, char *out, size_t cap);

/*
 * The 16-byte NAA 6h designator derived from a unit serial number: the
 * 24-bit company id, 36 bits of one FNV-1a of the serial and 64 of another.
 */
void xvios_naa_from_serial(uint32_t company_id, const char *serial, uint8_t out[16]);

#endif /* XVIOS_NAA_H */
