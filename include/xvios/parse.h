/* SPDX-License-Identifier: MIT */
/*
 * xvios/parse.h - strict parsing of the numbers and identifiers that come
 * from outside (command lines, store values, directory names): one helper
 * for each, so every reader refuses the same things.
 *
 * A decimal is one or more of 0-9 and nothing else: no sign, no white
 * space, no "0x", no trailing text; the value must fit the given range.
 * Numbers people type may carry leading zeros ("007" is 7); numbers the
 * programs write (store values, file and directory names) must be spelled
 * canonically, so that "01" and "1" never name two different things.
 * Each parser returns 0, -EINVAL (not such a number) or -ERANGE (a number
 * outside the range); *out is written only on success.
 */
#ifndef XVIOS_PARSE_H
#define XVIOS_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Xen's DOMID_FIRST_RESERVED: every domain's id (dom0's 0 included) is
 * below it; DOMID_SELF, DOMID_IO, ... and DOMID_INVALID are at or above.
 * The loopback platform keeps the same limit.
 */
#define XVIOS_DOMID_LIMIT 0x7ff0u

/* A decimal typed by a person (leading zeros allowed) in [min, max]. */
int xvios_parse_u32(const char *untrusted_s, uint32_t min, uint32_t max, uint32_t *out);
int xvios_parse_u64(const char *untrusted_s, uint64_t min, uint64_t max, uint64_t *out);
/* A decimal written by a program: no leading zero except "0" itself; in [0, max]. */
int xvios_parse_u32_canon(const char *untrusted_s, uint32_t max, uint32_t *out);
/* A domid as the store and the platforms spell it: canonical decimal below XVIOS_DOMID_LIMIT. */
int xvios_parse_domid(const char *untrusted_s, uint32_t *out);

#define XVIOS_UUID_LEN 36  /* 8-4-4-4-12 hex digits; 37 bytes with the NUL */
/*
 * Is s a uuid in the text form xl and libxl print (8-4-4-4-12 hex digits)?
 * Both cases are accepted, as libxl_uuid_from_string does; no braces, no
 * surrounding text.
 */
bool xvios_uuid_valid(const char *untrusted_s);

#endif /* XVIOS_PARSE_H */
