/* SPDX-License-Identifier: MIT */
/*
 * client_obj.c - the management API's C binding (xvios/client.h, "VIO
 * objects"): small request builders and the one round trip (the API_VIO
 * packet itself is built with the other packets, client_proto.c). libc only: the XML is text here; the daemon parses it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/client.h"
#include "xvios/xmlout.h"

/* A plain XML name as the API uses them: 1..32 ASCII letters (and digits after the first). */
static bool plain_name(const char *n)
{
    size_t len = n ? strlen(n) : 0;

    if (len == 0 || len > 32)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') || (i && n[i] >= '0' && n[i] <= '9')))
            return false;
    return true;
}

int xvios_obj_build(char *buf, size_t cap, const char *object, const char *action,
                    const struct xvios_obj_attr *attrs, unsigned n_attrs, size_t *len)
{
    struct xvios_xmlout o;

    if (!plain_name(object) || !plain_name(action) || (n_attrs && !attrs))
        return -EINVAL;
    for (unsigned i = 0; i < n_attrs; i++)
        if (!plain_name(attrs[i].name) || !attrs[i].value)
            return -EINVAL;
    xvios_xmlout_init(&o, buf, cap);
    xvios_xmlout_raw(&o, "<vioRequest version=\"1\"><");
    xvios_xmlout_raw(&o, object);
    xvios_xmlout_attr(&o, "action", action);
    for (unsigned i = 0; i < n_attrs; i++)
        xvios_xmlout_attr(&o, attrs[i].name, attrs[i].value);
    xvios_xmlout_raw(&o, "/></vioRequest>\n");
    return xvios_xmlout_end(&o, len);
}

/* The VIOException a request too large for one message gets without being sent. */
static int too_large(uint32_t node, size_t xml_len, char **resp, size_t *resp_len)
{
    char sentence[160], *buf = malloc(512);
    struct xvios_xmlout o;
    int rc;

    if (!buf)
        return -ENOMEM;
    snprintf(sentence, sizeof(sentence), "the request is %zu bytes; a request is one message, at most %u bytes",
             xml_len, XVIOS_OBJ_REQUEST_MAX);
    xvios_xmlout_init(&o, buf, 512);
    xvios_xmlout_raw(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vioResponse");
    xvios_xmlout_attr(&o, "version", "1");
    xvios_xmlout_attr(&o, "status", "exception");
    xvios_xmlout_attr_u64(&o, "node", node);
    xvios_xmlout_raw(&o, ">\n  <VIOException code=\"TOO_LARGE\">");
    xvios_xmlout_text(&o, sentence);
    xvios_xmlout_raw(&o, "</VIOException>\n</vioResponse>\n");
    rc = xvios_xmlout_end(&o, resp_len);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *resp = buf;
    return 0;
}

int xvios_obj_request(xvios_client *c, const char *xml, size_t xml_len, const struct timespec *deadline,
                      char **resp, size_t *resp_len)
{
    struct xvios_client_outcome o;
    uint64_t h;
    int rc;

    *resp = NULL;
    *resp_len = 0;
    if (!c || (!xml && xml_len))
        return -EINVAL;
    if (xml_len > XVIOS_OBJ_REQUEST_MAX)
        return too_large(xvios_client_node(c), xml_len, resp, resp_len);
    rc = xvios_client_vio(c, xml, xml_len, &h);
    if (rc < 0)
        return rc;
    rc = xvios_client_collect(c, h, deadline, &o);
    if (rc < 0)
        return rc;
    if (o.n_resp == 0 || o.resp[0].len == 0) {
        xvios_client_outcome_dispose(&o);
        return -EPROTO;
    }
    *resp = (char *)o.resp[0].payload;   /* NUL-terminated by xvios_api_parse */
    *resp_len = o.resp[0].len;
    o.resp[0].payload = NULL;
    xvios_client_outcome_dispose(&o);
    return 0;
}

int xvios_obj_exception_code(const char *resp, char *code, size_t cap)
{
    const char *p, *q;

    if (!resp || !strstr(resp, "<vioResponse") || cap == 0)
        return -EINVAL;
    p = strstr(resp, "<VIOException code=\"");
    if (!p)
        return strstr(resp, "status=\"ok\"") ? 0 : -EINVAL;
    p += strlen("<VIOException code=\"");
    q = strchr(p, '"');
    if (!q || (size_t)(q - p) >= cap)
        return -EINVAL;
    memcpy(code, p, (size_t)(q - p));
    code[q - p] = '\0';
    return 1;
}
