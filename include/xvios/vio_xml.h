/* SPDX-License-Identifier: MIT */
/*
 * xvios/vio_xml.h - the caller's side of the management API (docs/api.md):
 * a vioRequest built with libxml2's writer (every value escaped by it, never
 * pasted into the text), and a vioResponse read with libxml2 into plain
 * structures (the status, the VIOException's code and sentence, the object
 * elements with their attributes and child elements). The typed commands of
 * the toolstack (`xvios lu`, `xvios pool`) are built on these.
 *
 * A response is read as untrusted: at most XVIOS_VIO_RESPONSE_MAX bytes, no
 * DOCTYPE, no entity, no network, at most three levels (vioResponse > object
 * > child); anything else is -EINVAL.
 */
#ifndef XVIOS_VIO_XML_H
#define XVIOS_VIO_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/vio.h"

/* One attribute of a request; a NULL value leaves the attribute out. */
struct xvios_vio_attr {
    const char *name;
    const char *value;
};

/*
 * '<vioRequest version="1"><OBJECT action="ACTION" .../></vioRequest>' (with an XML declaration) in *out
 * (malloc'd, NUL-terminated, *len without the NUL). 0; -EINVAL (object, action or an attribute name not a
 * plain name of letters, or a value XML cannot carry: not UTF-8, a control character but tab, LF, CR), -ENOMEM, -E2BIG (longer than XVIOS_VIO_REQUEST_MAX: it would never be taken).
 */
int xvios_vio_request_build(const char *object, const char *action, const struct xvios_vio_attr *attrs,
                            unsigned n_attrs, char **out, size_t *len);

/* An element of a response, with its attributes in document order. */
struct xvios_vio_elem {
    char *name;
    unsigned n_attrs;
    char **keys, **values;
    unsigned n_kids;
    struct xvios_vio_elem *kids;   /* child elements (a pool's <client/>, ...) */
};

struct xvios_vio_reply {
    bool ok;                       /* status="ok"; else a VIOException */
    bool more;                     /* more="true": a list continues (after=) */
    uint32_t node;                 /* who answered (0: dom0) */
    char object[16], action[16];   /* of an ok response */
    enum xvios_vio_code code;      /* of an exception (XVIOS_VIO_INTERNAL for a code this side does not know) */
    char sentence[XVIOS_VIO_SENTENCE_MAX];
    unsigned n_items;
    struct xvios_vio_elem *items;  /* the objects */
};

/* Read a vioResponse. 0; -EINVAL (not one, or beyond the bounds above), -ENOMEM. Free with
 * xvios_vio_reply_free (also after a failure). */
int  xvios_vio_reply_parse(const char *untrusted, size_t len, struct xvios_vio_reply *r);
void xvios_vio_reply_free(struct xvios_vio_reply *r);

/* An attribute's value, NULL when absent. */
const char *xvios_vio_elem_attr(const struct xvios_vio_elem *e, const char *name);
/* A decimal attribute within max: 0, -ENOENT (absent), -EINVAL (not such a number). */
int xvios_vio_elem_u64(const struct xvios_vio_elem *e, const char *name, uint64_t max, uint64_t *v);
/* "true" / "false": 0, -ENOENT, -EINVAL. */
int xvios_vio_elem_bool(const struct xvios_vio_elem *e, const char *name, bool *v);
/* The attribute copied into buf (cap bytes with the NUL): 0, -ENOENT, -ENAMETOOLONG. */
int xvios_vio_elem_copy(const struct xvios_vio_elem *e, const char *name, char *buf, size_t cap);

/* "DOM0_ONLY" -> XVIOS_VIO_DOM0_ONLY; -EINVAL for no code of today's. */
int xvios_vio_code_parse(const char *name, enum xvios_vio_code *code);

#endif /* XVIOS_VIO_XML_H */
