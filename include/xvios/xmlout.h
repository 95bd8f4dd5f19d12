/* SPDX-License-Identifier: MIT */
/*
 * xvios/xmlout.h - a bounded XML writer into a caller's buffer: elements and
 * attributes with every value escaped, nothing ever written past the buffer.
 * Output is 7-bit ASCII: a byte outside printable ASCII (and tab/newline) in
 * a value is written as '?', so no value can break the document or carry a
 * character XML 1.0 forbids. Used by the vioRequest builders of
 * libxvios-client and the vioResponse writer (docs/api.md).
 */
#ifndef XVIOS_XMLOUT_H
#define XVIOS_XMLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xvios_xmlout {
    char *buf;
    size_t cap, len;
    bool overflow;             /* something did not fit: the output is unusable */
};

void xvios_xmlout_init(struct xvios_xmlout *o, char *buf, size_t cap);
/* Markup as given (the caller's own constant text). */
void xvios_xmlout_raw(struct xvios_xmlout *o, const char *s);
/* Character data, escaped. */
void xvios_xmlout_text(struct xvios_xmlout *o, const char *s);
/* ' name="value"' with value escaped; name must be a plain XML name (else overflow is set). */
void xvios_xmlout_attr(struct xvios_xmlout *o, const char *name, const char *value);
void xvios_xmlout_attr_u64(struct xvios_xmlout *o, const char *name, uint64_t v);
/* NUL-terminate; 0 and *len (without the NUL), or -ENOSPC when anything did not fit. */
int  xvios_xmlout_end(struct xvios_xmlout *o, size_t *len);

#endif /* XVIOS_XMLOUT_H */
