/* SPDX-License-Identifier: MIT */
/*
 * vio_response.c - the vioResponse's frame and the VIOException (docs/api.md):
 *   <vioResponse version="1" status="ok" node="N" object="lu" action="list">...</vioResponse>
 *   <vioResponse version="1" status="exception" node="N">
 *     <VIOException code="DOM0_ONLY">a sentence</VIOException></vioResponse>
 * and the names of codes, objects and actions.
 */
#include <errno.h>
#include <stdio.h>

#include "vio_int.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static const char *const code_names[] = {
    [XVIOS_VIO_OK] = "OK",
    [XVIOS_VIO_TOO_LARGE] = "TOO_LARGE",
    [XVIOS_VIO_NOT_XML] = "NOT_XML",
    [XVIOS_VIO_FORBIDDEN_MARKUP] = "FORBIDDEN_MARKUP",
    [XVIOS_VIO_TOO_COMPLEX] = "TOO_COMPLEX",
    [XVIOS_VIO_INVALID] = "INVALID",
    [XVIOS_VIO_DOM0_ONLY] = "DOM0_ONLY",
    [XVIOS_VIO_NOT_FOUND] = "NOT_FOUND",
    [XVIOS_VIO_EXISTS] = "EXISTS",
    [XVIOS_VIO_BAD_VALUE] = "BAD_VALUE",
    [XVIOS_VIO_BEYOND_BACKING] = "BEYOND_BACKING",
    [XVIOS_VIO_OVERLAP] = "OVERLAP",
    [XVIOS_VIO_IN_USE] = "IN_USE",
    [XVIOS_VIO_NO_CLUSTER] = "NO_CLUSTER",
    [XVIOS_VIO_BUSY] = "BUSY",
    [XVIOS_VIO_CONFLICT] = "CONFLICT",
    [XVIOS_VIO_UNAVAILABLE] = "UNAVAILABLE",
    [XVIOS_VIO_ACCESS_DENIED] = "ACCESS_DENIED",
    [XVIOS_VIO_INTERNAL] = "INTERNAL",
    [XVIOS_VIO_SHRINK] = "SHRINK",
};
_Static_assert(sizeof(code_names) / sizeof(code_names[0]) == XVIOS_VIO_CODE_MAX_ + 1, "a name per code");

const char *xvios_vio_code_name(enum xvios_vio_code c)
{
    return (unsigned)c <= XVIOS_VIO_CODE_MAX_ ? code_names[c] : "INTERNAL";
}

const char *xvios_vio_object_name(enum xvios_vio_object o)
{
    switch (o) {
    case XVIOS_VIO_CLUSTER: return "cluster";
    case XVIOS_VIO_NODE: return "node";
    case XVIOS_VIO_POOL: return "pool";
    case XVIOS_VIO_LU: return "lu";
    case XVIOS_VIO_CLIENT: return "client";
    case XVIOS_VIO_ADAPTER: return "adapter";
    case XVIOS_VIO_MAPPING: return "mapping";
    case XVIOS_VIO_PATH: return "path";
    }
    return "unknown";
}

const char *xvios_vio_action_name(enum xvios_vio_action a)
{
    switch (a) {
    case XVIOS_VIO_LIST: return "list";
    case XVIOS_VIO_GET: return "get";
    case XVIOS_VIO_CREATE: return "create";
    case XVIOS_VIO_DELETE: return "delete";
    case XVIOS_VIO_MODIFY: return "modify";
    }
    return "unknown";
}

__attribute__((format(printf, 3, 0)))
static int vfail(struct xvios_vio_err *err, enum xvios_vio_code code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->sentence, sizeof(err->sentence), fmt, ap);
    return -EINVAL;
}

int vio_fail(struct xvios_vio_err *err, enum xvios_vio_code code, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(err, code, fmt, ap);
    va_end(ap);
    return rc;
}

int xvios_vio_fail(struct xvios_vio_err *err, enum xvios_vio_code code, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(err, code, fmt, ap);
    va_end(ap);
    return rc;
}

bool vio_page_full(struct xvios_xmlout *o, size_t before, bool *more)
{
    if (!o->overflow && o->cap - o->len >= VIO_CLOSE_ROOM)
        return false;
    o->len = before;   /* the rest on the next page (after=) */
    o->overflow = false;
    *more = true;
    return true;
}

void vio_response_open(struct xvios_xmlout *o, uint32_t node, const struct xvios_vio_req *rq, bool more)
{
    xvios_xmlout_raw(o, XML_DECL "<vioResponse");
    xvios_xmlout_attr(o, "version", "1");
    xvios_xmlout_attr(o, "status", "ok");
    xvios_xmlout_attr_u64(o, "node", node);
    xvios_xmlout_attr(o, "object", xvios_vio_object_name(rq->object));
    xvios_xmlout_attr(o, "action", xvios_vio_action_name(rq->action));
    if (more)
        xvios_xmlout_attr(o, "more", "true");
    xvios_xmlout_raw(o, ">\n");
}

void vio_response_close(struct xvios_xmlout *o)
{
    xvios_xmlout_raw(o, "</vioResponse>\n");
}

int xvios_vio_exception(uint32_t node, const struct xvios_vio_err *e, char *out, size_t cap, size_t *len)
{
    struct xvios_xmlout o;

    xvios_xmlout_init(&o, out, cap);
    xvios_xmlout_raw(&o, XML_DECL "<vioResponse");
    xvios_xmlout_attr(&o, "version", "1");
    xvios_xmlout_attr(&o, "status", "exception");
    xvios_xmlout_attr_u64(&o, "node", node);
    xvios_xmlout_raw(&o, ">\n  <VIOException");
    xvios_xmlout_attr(&o, "code", xvios_vio_code_name(e->code));
    xvios_xmlout_raw(&o, ">");
    xvios_xmlout_text(&o, e->sentence);
    xvios_xmlout_raw(&o, "</VIOException>\n</vioResponse>\n");
    return xvios_xmlout_end(&o, len);
}
