/* SPDX-License-Identifier: MIT */
/*
 * vio_parse.c - a vioRequest from untrusted bytes: vio_scan.c's checks, then
 * libxml2 with XML_PARSE_NONET and without entity substitution, DTD loading
 * or huge-document mode (its own limits stay on), a tree walk bounding depth
 * and element count, validation against docs/vio.rng, and the values into a
 * struct xvios_vio_req with every number range-checked. libxml2 never
 * prints: its messages become the VIOException's sentence.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "vio_int.h"
#include "xvios/parse.h"

static int vdev_field(const char **s, char end, uint32_t max, uint32_t *out)
{
    char num[8];
    const char *e = strchr(*s, end);
    size_t n = e ? (size_t)(e - *s) : 0;

    if (!e || n == 0 || n >= sizeof(num))
        return -EINVAL;
    memcpy(num, *s, n);
    num[n] = '\0';
    if (xvios_parse_u32_canon(num, max, out) < 0)
        return -EINVAL;
    *s = e + 1;
    return 0;
}

int xvios_vio_vdev_parse(const char *untrusted_s, struct xvios_vio_vdev *out)
{
    struct xvios_vio_vdev v;
    const char *s = untrusted_s;

    if (!s || vdev_field(&s, ':', XVIOS_VIO_VDEV_MAX_HOST, &v.host) < 0 ||
        vdev_field(&s, ':', XVIOS_VIO_VDEV_MAX_CHN, &v.chn) < 0 ||
        vdev_field(&s, ':', XVIOS_VIO_VDEV_MAX_TGT, &v.tgt) < 0 || vdev_field(&s, '\0', XVIOS_VIO_VDEV_MAX_LUN, &v.lun) < 0)
        return -EINVAL;
    *out = v;
    return 0;
}

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static bool libxml_ready;

static void quiet_libxml(void)
{
    if (libxml_ready)
        return;
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, silent);
    libxml_ready = true;
}

/* libxml2's message as one line of printable ASCII. */
static void describe(char *out, size_t cap, const char *what, const xmlError *e)
{
    char msg[200] = "";

    if (e && e->message)
        snprintf(msg, sizeof(msg), "%s", e->message);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = ' ';
    for (size_t n = strlen(msg); n && msg[n - 1] == ' '; n--)
        msg[n - 1] = '\0';
    snprintf(out, cap, "%s (line %d): %s", what, e ? e->line : 0, msg[0] ? msg : "unknown error");
}

static void on_invalid(void *arg, xmlErrorPtr e)
{
    struct xvios_vio_err *err = arg;

    if (err->code != XVIOS_VIO_INVALID) {   /* the first one says most */
        err->code = XVIOS_VIO_INVALID;
        describe(err->sentence, sizeof(err->sentence), "the request does not follow docs/vio.rng", e);
    }
}

/* Depth and element count of the tree: 0 or -EINVAL. */
static int walk(xmlNodePtr n, unsigned depth, unsigned *count, struct xvios_vio_err *err)
{
    for (; n; n = n->next) {
        if (n->type == XML_ENTITY_REF_NODE || n->type == XML_ENTITY_NODE || n->type == XML_DTD_NODE)
            return vio_fail(err, XVIOS_VIO_FORBIDDEN_MARKUP, "the request holds an entity or a DTD");
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (depth > XVIOS_VIO_MAX_DEPTH)
            return vio_fail(err, XVIOS_VIO_TOO_COMPLEX, "the request nests deeper than %u elements",
                            XVIOS_VIO_MAX_DEPTH);
        if (++*count > XVIOS_VIO_MAX_MARKUP)
            return vio_fail(err, XVIOS_VIO_TOO_COMPLEX, "the request has more than %u elements",
                            XVIOS_VIO_MAX_MARKUP);
        if (walk(n->children, depth + 1, count, err) < 0)
            return -EINVAL;
    }
    return 0;
}

/* An attribute into buf (cap bytes with the NUL): 1 present, 0 absent, -EINVAL too long. */
static int attr(xmlNodePtr n, const char *name, char *buf, size_t cap)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    int rc = 0;

    buf[0] = '\0';
    if (!v)
        return 0;
    if (strlen((const char *)v) >= cap) {
        rc = -EINVAL;
    } else {
        snprintf(buf, cap, "%s", (const char *)v);
        rc = 1;
    }
    xmlFree(v);
    return rc;
}

static int bytes_attr(xmlNodePtr n, const char *name, uint64_t *v, struct xvios_vio_err *err)
{
    char s[32];
    int rc = attr(n, name, s, sizeof(s));

    *v = 0;
    if (rc == 0)
        return 0;
    if (rc < 0 || xvios_parse_u64(s, 0, UINT64_MAX, v) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "%s is not a number of bytes below 2^64", name);
    return 0;
}

static const struct { const char *name; enum xvios_vio_object o; } objects[] = {
    { "cluster", XVIOS_VIO_CLUSTER }, { "node", XVIOS_VIO_NODE }, { "pool", XVIOS_VIO_POOL }, { "lu", XVIOS_VIO_LU },
    { "client", XVIOS_VIO_CLIENT }, { "adapter", XVIOS_VIO_ADAPTER }, { "mapping", XVIOS_VIO_MAPPING },
    { "path", XVIOS_VIO_PATH },
};
static const struct { const char *name; enum xvios_vio_action a; } actions[] = {
    { "list", XVIOS_VIO_LIST }, { "get", XVIOS_VIO_GET }, { "create", XVIOS_VIO_CREATE },
    { "delete", XVIOS_VIO_DELETE }, { "modify", XVIOS_VIO_MODIFY },
};

/* client / adapter: get id=, list after= (0 when absent). */
static int extract_id(xmlNodePtr obj, struct xvios_vio_req *rq, struct xvios_vio_err *err)
{
    char s[16];
    int rc = attr(obj, rq->action == XVIOS_VIO_LIST ? "after" : "id", s, sizeof(s));

    if (rc == 0 && rq->action == XVIOS_VIO_LIST)
        return 0;
    if (rc != 1 || xvios_parse_u32_canon(s, XVIOS_ID_MAX, &rq->id) < 0 || rq->id == 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "an ID is 1 to %u", XVIOS_ID_MAX);
    return 0;
}

/* An optional node= (1..XVIOS_NODE_ID_MAX: multi-host ids too); required: absent is a refusal. */
static int node_attr(xmlNodePtr obj, bool required, uint32_t *node, struct xvios_vio_err *err)
{
    char s[16];
    int rc = attr(obj, "node", s, sizeof(s));

    *node = 0;
    if (rc == 0 && !required)
        return 0;
    if (rc != 1 || xvios_parse_u32(s, 1, XVIOS_NODE_ID_MAX, node) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a node id is 1 to %u", XVIOS_NODE_ID_MAX);
    return 0;
}

/* path: list [node=] [after=KEY, with node=], get node= key=. */
static int extract_path(xmlNodePtr obj, struct xvios_vio_req *rq, struct xvios_vio_err *err)
{
    bool get = rq->action == XVIOS_VIO_GET;

    if (node_attr(obj, get, &rq->node_id, err) < 0)
        return -EINVAL;
    if (attr(obj, get ? "key" : "after", rq->name, sizeof(rq->name)) < 0 ||
        (rq->name[0] && !xvios_path_key_valid(rq->name)))
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a path key is an LU name or path- and 16 hex digits");
    if (!get && rq->name[0] && !rq->node_id)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "path list after= pages one node's paths: name the node too");
    return 0;
}

/* A mapping list's after=: "<client domid>:<vdev>", each number canonical and in range. */
static int mapping_after(xmlNodePtr obj, struct xvios_vio_req *rq, struct xvios_vio_err *err)
{
    char s[40], *colon;
    int rc = attr(obj, "after", s, sizeof(s));

    if (rc == 0)
        return 0;
    colon = rc == 1 ? strchr(s, ':') : NULL;
    if (colon)
        *colon = '\0';
    if (!colon || xvios_parse_u32_canon(s, UINT32_MAX, &rq->id) < 0 || xvios_vio_vdev_parse(colon + 1, &rq->vdev) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a mapping list's after= is the last mapping received, "
                        "CLIENT-DOMID:vhost:channel:target:lun in canonical decimals");
    rq->after_mapping = true;
    return 0;
}

/* mapping: list [client=] [after=], get/delete client= vdev=, create client= vdev= lu= [node=] [readOnly=]. */
static int extract_mapping(xmlNodePtr obj, struct xvios_vio_req *rq, struct xvios_vio_err *err)
{
    char s[32];

    if (attr(obj, "client", rq->client, sizeof(rq->client)) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a client is a domid or a domain name of at most %u bytes",
                        XVIOS_VIO_CLIENT_MAX);
    if (rq->action == XVIOS_VIO_LIST)
        return mapping_after(obj, rq, err);
    if (attr(obj, "vdev", s, sizeof(s)) != 1 || xvios_vio_vdev_parse(s, &rq->vdev) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a vdev is vhost:channel:target:lun, at most %u:%u:%u:%u",
                        XVIOS_VIO_VDEV_MAX_HOST, XVIOS_VIO_VDEV_MAX_CHN, XVIOS_VIO_VDEV_MAX_TGT,
                        XVIOS_VIO_VDEV_MAX_LUN);
    if (rq->action == XVIOS_VIO_MODIFY) {   /* readOnly= the new mode; shared= as for create */
        rq->read_only_given = attr(obj, "readOnly", s, sizeof(s)) == 1;
        rq->read_only = rq->read_only_given && !strcmp(s, "true");
        rq->shared = attr(obj, "shared", s, sizeof(s)) == 1 && !strcmp(s, "true");
        return 0;
    }
    if (rq->action != XVIOS_VIO_CREATE)
        return 0;
    if (attr(obj, "lu", rq->backing, sizeof(rq->backing)) != 1)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "an LU is a pool LU's name or a path of at most %u bytes",
                        XVIOS_LU_BACKING_MAX);
    if (node_attr(obj, false, &rq->node_id, err) < 0)
        return -EINVAL;
    rq->read_only = attr(obj, "readOnly", s, sizeof(s)) == 1 && !strcmp(s, "true");
    rq->shared = attr(obj, "shared", s, sizeof(s)) == 1 && !strcmp(s, "true");
    return 0;
}

/* pool: list [after=], get [name=], create name= [access=], modify name= access=, delete name=. */
static int extract_pool(xmlNodePtr obj, struct xvios_vio_req *rq, struct xvios_vio_err *err)
{
    int rc;

    if (attr(obj, rq->action == XVIOS_VIO_LIST ? "after" : "name", rq->pool, sizeof(rq->pool)) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a pool name is at most %u bytes", XVIOS_LU_NAME_MAX);
    rc = attr(obj, "access", rq->access, sizeof(rq->access));
    if (rc < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "an access list in a request is at most %u bytes",
                        XVIOS_VIO_MAX_RUN);
    rq->has_access = rc == 1;
    return 0;
}

/* The validated tree's values. */
static int extract(xmlNodePtr obj, struct xvios_vio_req *rq, struct xvios_vio_err *err)
{
    char s[16];

    for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
        if (!strcmp((const char *)obj->name, objects[i].name))
            rq->object = objects[i].o;
    if (attr(obj, "action", s, sizeof(s)) == 1)
        for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
            if (!strcmp(s, actions[i].name))
                rq->action = actions[i].a;
    if (!rq->object || !rq->action)   /* the schema allows neither: a schema/code mismatch */
        return vio_fail(err, XVIOS_VIO_INTERNAL, "the validated request names no known object and action");
    if (rq->object == XVIOS_VIO_NODE && rq->action == XVIOS_VIO_GET) {
        if (attr(obj, "id", s, sizeof(s)) != 1 || xvios_parse_u32(s, 1, XVIOS_NODE_ID_MAX, &rq->node_id) < 0)
            return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a node id is 1 to %u", XVIOS_NODE_ID_MAX);
    }
    switch (rq->object) {
    case XVIOS_VIO_CLIENT:
    case XVIOS_VIO_ADAPTER:
        return extract_id(obj, rq, err);
    case XVIOS_VIO_PATH:
        return extract_path(obj, rq, err);
    case XVIOS_VIO_MAPPING:
        return extract_mapping(obj, rq, err);
    case XVIOS_VIO_POOL:
        return extract_pool(obj, rq, err);
    case XVIOS_VIO_LU:
        break;
    default:
        return 0;
    }
    if (attr(obj, rq->action == XVIOS_VIO_LIST ? "after" : "name", rq->name, sizeof(rq->name)) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "an LU name is at most %u bytes", XVIOS_LU_NAME_MAX);
    if (rq->action == XVIOS_VIO_MODIFY) {   /* size= and readOnly=, each optional: what is named changes */
        if (bytes_attr(obj, "size", &rq->size, err) < 0)
            return -EINVAL;
        rq->read_only_given = attr(obj, "readOnly", s, sizeof(s)) == 1;
        rq->read_only = rq->read_only_given && !strcmp(s, "true");
        if (!rq->size && !rq->read_only_given)
            return vio_fail(err, XVIOS_VIO_BAD_VALUE, "lu modify names what changes: size= (a larger size) or "
                            "readOnly=");
        return 0;
    }
    if (rq->action != XVIOS_VIO_CREATE)
        return 0;
    if (attr(obj, "backing", rq->backing, sizeof(rq->backing)) != 1)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a backing path is at most %u bytes", XVIOS_LU_BACKING_MAX);
    if (bytes_attr(obj, "size", &rq->size, err) < 0 || bytes_attr(obj, "offset", &rq->offset, err) < 0)
        return -EINVAL;
    rq->read_only = attr(obj, "readOnly", s, sizeof(s)) == 1 && !strcmp(s, "true");
    if (attr(obj, "pool", rq->pool, sizeof(rq->pool)) < 0)
        return vio_fail(err, XVIOS_VIO_BAD_VALUE, "a pool name is at most %u bytes", XVIOS_LU_NAME_MAX);
    return 0;
}

int xvios_vio_parse(const char *untrusted, size_t untrusted_len, struct xvios_vio_req *rq,
                    struct xvios_vio_err *err)
{
    xmlParserCtxtPtr pc = NULL;
    xmlRelaxNGValidCtxtPtr vc = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    xmlRelaxNGPtr grammar;
    unsigned count = 0;
    int rc = -EINVAL;

    memset(rq, 0, sizeof(*rq));
    memset(err, 0, sizeof(*err));
    if (vio_scan(untrusted, untrusted_len, err) < 0)
        return -EINVAL;
    quiet_libxml();
    pc = xmlNewParserCtxt();
    if (!pc) {
        vio_fail(err, XVIOS_VIO_INTERNAL, "out of memory");
        goto out;
    }
    doc = xmlCtxtReadMemory(pc, untrusted, (int)untrusted_len, "vioRequest", "UTF-8", PARSE_OPTIONS);
    if (!doc || !pc->wellFormed) {
        err->code = XVIOS_VIO_NOT_XML;
        describe(err->sentence, sizeof(err->sentence), "the request is not well-formed XML", xmlCtxtGetLastError(pc));
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        vio_fail(err, XVIOS_VIO_FORBIDDEN_MARKUP, "the request has a DOCTYPE");
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (!root || walk(root, 1, &count, err) < 0) {
        if (!root)
            vio_fail(err, XVIOS_VIO_NOT_XML, "the request has no element");
        goto out;
    }
    grammar = vio_schema_get();
    vc = grammar ? xmlRelaxNGNewValidCtxt(grammar) : NULL;
    if (!vc) {
        vio_fail(err, XVIOS_VIO_INTERNAL, "the request schema is not available");
        goto out;
    }
    xmlRelaxNGSetValidStructuredErrors(vc, on_invalid, err);
    if (xmlRelaxNGValidateDoc(vc, doc) != 0) {
        if (err->code != XVIOS_VIO_INVALID)
            vio_fail(err, XVIOS_VIO_INVALID, "the request does not follow docs/vio.rng");
        goto out;
    }
    for (root = root->children; root && root->type != XML_ELEMENT_NODE; root = root->next)
        ;
    if (!root) {
        vio_fail(err, XVIOS_VIO_INTERNAL, "the validated request has no object");
        goto out;
    }
    rc = extract(root, rq, err);
out:
    if (vc)
        xmlRelaxNGFreeValidCtxt(vc);
    if (doc)
        xmlFreeDoc(doc);
    if (pc)
        xmlFreeParserCtxt(pc);
    if (rc < 0 && err->code == XVIOS_VIO_OK)
        vio_fail(err, XVIOS_VIO_INTERNAL, "the request could not be read");
    return rc;
}

bool xvios_vio_is_write(const struct xvios_vio_req *rq)
{
    return rq->action == XVIOS_VIO_CREATE || rq->action == XVIOS_VIO_DELETE || rq->action == XVIOS_VIO_MODIFY;
}

bool xvios_vio_needs_dom0(const struct xvios_vio_req *rq)
{
    return xvios_vio_is_write(rq);
}

void xvios_vio_cleanup(void)
{
    vio_schema_free();
    xmlRelaxNGCleanupTypes();
    xmlCleanupParser();
    libxml_ready = false;
}
