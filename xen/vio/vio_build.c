/* SPDX-License-Identifier: MIT */
/*
 * vio_build.c - a vioRequest built with libxml2's text writer
 * (xvios/vio_xml.h): the writer escapes every value (a value XML cannot
 * carry, a control character or bytes that are not UTF-8, is refused); the names of the
 * object, the action and the attributes are the caller's own words, checked
 * to be plain names all the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "vio_int.h"
#include "xvios/vio_xml.h"

#define NAME_MAX_LEN 32u

static bool plain_name(const char *s)
{
    size_t n = 0;

    if (!s)
        return false;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')) || n >= NAME_MAX_LEN)
            return false;
    return n > 0;
}

/* One UTF-8 sequence at p, strictly (no overlong form, no surrogate, at most U+10FFFF): its length with *cp,
 * or 0. libxml2's own reader takes some malformed sequences that its parser then refuses. */
static unsigned utf8_next(const unsigned char *p, uint32_t *cp)
{
    unsigned n, i;
    uint32_t c;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2, c = p[0] & 0x1fu;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        n = 3, c = p[0] & 0x0fu;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        n = 4, c = p[0] & 0x07u;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)   /* the NUL ends it here too */
            return 0;
        c = (c << 6) | (p[i] & 0x3fu);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* UTF-8 of characters XML 1.0 can carry (no control character but tab, newline, return; no U+FFFE, U+FFFF). */
static bool xml_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        uint32_t c = 0;
        unsigned len = utf8_next(p, &c);

        if (!len || (c < 0x20 && c != 0x9 && c != 0xa && c != 0xd) || c == 0xfffe || c == 0xffff)
            return false;
        p += len;
    }
    return true;
}

static int write_all(xmlTextWriterPtr w, const char *object, const char *action, const struct xvios_vio_attr *attrs,
                     unsigned n_attrs)
{
    if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "vioRequest") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1") < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST object) < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "action", BAD_CAST action) < 0)
        return -ENOMEM;
    for (unsigned i = 0; i < n_attrs; i++)
        if (attrs[i].value && xmlTextWriterWriteAttribute(w, BAD_CAST attrs[i].name, BAD_CAST attrs[i].value) < 0)
            return -ENOMEM;
    if (xmlTextWriterEndDocument(w) < 0)   /* closes both elements */
        return -ENOMEM;
    return 0;
}

int xvios_vio_request_build(const char *object, const char *action, const struct xvios_vio_attr *attrs,
                            unsigned n_attrs, char **out, size_t *len)
{
    xmlBufferPtr buf = NULL;
    xmlTextWriterPtr w = NULL;
    size_t n;
    int rc;

    *out = NULL;
    *len = 0;
    if (!plain_name(object) || !plain_name(action) || (n_attrs && !attrs))
        return -EINVAL;
    for (unsigned i = 0; i < n_attrs; i++)
        if (!plain_name(attrs[i].name) || !strcmp(attrs[i].name, "action") ||
            (attrs[i].value && !xml_text(attrs[i].value)))
            return -EINVAL;
    buf = xmlBufferCreate();
    if (!buf)
        return -ENOMEM;
    w = xmlNewTextWriterMemory(buf, 0);
    if (!w) {
        rc = -ENOMEM;
        goto out;
    }
    rc = write_all(w, object, action, attrs, n_attrs);
    xmlFreeTextWriter(w);   /* flushes into buf */
    if (rc < 0)
        goto out;
    n = (size_t)xmlBufferLength(buf);
    if (n > XVIOS_VIO_REQUEST_MAX) {
        rc = -E2BIG;
        goto out;
    }
    *out = malloc(n + 1);
    if (!*out) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(*out, xmlBufferContent(buf), n);
    (*out)[n] = '\0';
    *len = n;
    rc = 0;
out:
    xmlBufferFree(buf);
    return rc;
}
