/* SPDX-License-Identifier: MIT */
/*
 * vio_build.c - a vioRequest built with libxml2's text writer
 * (xvios/vio_xml.h): the writer escapes every value; the names of the
 * object, the action and the attributes are the caller's own words, checked
 * to be plain names all the same.
 */
#include <errno.h>
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
        if (!plain_name(attrs[i].name) || !strcmp(attrs[i].name, "action"))
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
