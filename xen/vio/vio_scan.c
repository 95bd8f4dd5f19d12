/* SPDX-License-Identifier: MIT */
/*
 * vio_scan.c - what a vioRequest must be before libxml2 sees it: at most one
 * message long, no NUL byte, at most XVIOS_VIO_MAX_MARKUP '<' and
 * XVIOS_VIO_MAX_ATTRS '=' (libxml2's duplicate-attribute check and the
 * validation are quadratic in the attributes of an element: 7000 of them
 * cost 0.2 s), no run of more than XVIOS_VIO_MAX_RUN bytes without one of
 * < > " ' (so no attribute value is longer than the longest field: the
 * schema's patterns cost about 1.5 us a byte of a value), no markup
 * declaration (<!DOCTYPE, <!ENTITY, <![CDATA[ ...: only comments), no
 * processing instruction but the XML declaration at the start, and no
 * entity reference but the five predefined ones and character references.
 * So no DTD can exist and no entity can be defined, let alone expanded
 * (billion laughs, external entities), whatever the parser's options.
 */
#include <errno.h>
#include <string.h>

#include "vio_int.h"

/* "&name;" at p (n bytes left): one of the predefined entities or a character reference. */
static bool reference_ok(const char *p, size_t n)
{
    static const char *const predefined[] = { "&lt;", "&gt;", "&amp;", "&quot;", "&apos;" };
    size_t i = 2;

    for (size_t k = 0; k < sizeof(predefined) / sizeof(predefined[0]); k++)
        if (n >= strlen(predefined[k]) && !memcmp(p, predefined[k], strlen(predefined[k])))
            return true;
    if (n < 4 || p[1] != '#')
        return false;
    if (p[2] == 'x')
        i = 3;
    for (size_t digits = 0; i < n && digits <= 8; i++, digits++) {
        char c = p[i];
        if (c == ';')
            return digits > 0;
        if (!((c >= '0' && c <= '9') || (p[2] == 'x' && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))))
            return false;
    }
    return false;
}

int vio_scan(const char *untrusted, size_t len, struct xvios_vio_err *err)
{
    unsigned markup = 0, equals = 0;
    size_t run = 0;

    if (len == 0)
        return vio_fail(err, XVIOS_VIO_NOT_XML, "the request is empty");
    if (len > XVIOS_VIO_REQUEST_MAX)
        return vio_fail(err, XVIOS_VIO_TOO_LARGE, "the request is %zu bytes; a request is one message, at most %u bytes",
                        len, XVIOS_VIO_REQUEST_MAX);
    if (memchr(untrusted, '\0', len))
        return vio_fail(err, XVIOS_VIO_NOT_XML, "the request holds a NUL byte at offset %zu",
                        (size_t)((const char *)memchr(untrusted, '\0', len) - untrusted));
    for (size_t i = 0; i < len; i++) {
        const char *p = untrusted + i;
        size_t left = len - i;

        if (*p == '&' && !reference_ok(p, left))
            return vio_fail(err, XVIOS_VIO_FORBIDDEN_MARKUP, "entity reference at offset %zu: only &lt; &gt; &amp; "
                            "&quot; &apos; and character references are accepted", i);
        if (*p == '<' || *p == '>' || *p == '"' || *p == '\'') {
            run = 0;
        } else if (++run > XVIOS_VIO_MAX_RUN) {
            return vio_fail(err, XVIOS_VIO_TOO_COMPLEX, "more than %u bytes without markup at offset %zu: longer "
                            "than any value of a request", XVIOS_VIO_MAX_RUN, i);
        }
        if (*p == '=' && ++equals > XVIOS_VIO_MAX_ATTRS)
            return vio_fail(err, XVIOS_VIO_TOO_COMPLEX, "the request has more than %u attributes ('=', offset %zu)",
                            XVIOS_VIO_MAX_ATTRS, i);
        if (*p != '<')
            continue;
        if (++markup > XVIOS_VIO_MAX_MARKUP)
            return vio_fail(err, XVIOS_VIO_TOO_COMPLEX, "the request has more than %u markup items (offset %zu)",
                            XVIOS_VIO_MAX_MARKUP, i);
        if (left >= 2 && p[1] == '!' && !(left >= 4 && !memcmp(p, "<!--", 4)))
            return vio_fail(err, XVIOS_VIO_FORBIDDEN_MARKUP, "markup declaration at offset %zu (DOCTYPE, ENTITY, "
                            "CDATA...): refused, a request has no DTD", i);
        if (left >= 2 && p[1] == '?' && !(i == 0 && left >= 6 && !memcmp(p, "<?xml", 5) &&
                                          (p[5] == ' ' || p[5] == '?')))
            return vio_fail(err, XVIOS_VIO_FORBIDDEN_MARKUP, "processing instruction at offset %zu: only the XML "
                            "declaration, first, is accepted", i);
    }
    return 0;
}
