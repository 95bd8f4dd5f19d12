/* SPDX-License-Identifier: MIT */
/*
 * vio_reply.c - a vioResponse read with libxml2 (xvios/vio_xml.h): the frame
 * (status, node, object, action, more), the VIOException's code and
 * sentence, or the object elements copied out of the tree with their
 * attributes and children. The text is untrusted (it may come from another
 * node's daemon): its length is bounded before parsing, libxml2 reads it
 * with no network and no entity substitution, a DOCTYPE or an entity node
 * refuses it, and the tree is at most three levels deep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vio_int.h"
#include "xvios/parse.h"
#include "xvios/vio_xml.h"

#define REPLY_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)
#define MAX_ATTRS_PER_ELEM 64u

int xvios_vio_code_parse(const char *name, enum xvios_vio_code *code)
{
    for (unsigned c = XVIOS_VIO_OK; c <= XVIOS_VIO_CODE_MAX_; c++)
        if (name && !strcmp(name, xvios_vio_code_name((enum xvios_vio_code)c))) {
            *code = (enum xvios_vio_code)c;
            return 0;
        }
    return -EINVAL;
}

static void elem_free(struct xvios_vio_elem *e)
{
    for (unsigned i = 0; i < e->n_attrs; i++) {
        free(e->keys[i]);
        free(e->values[i]);
    }
    free(e->keys);
    free(e->values);
    for (unsigned i = 0; i < e->n_kids; i++)
        elem_free(&e->kids[i]);
    free(e->kids);
    free(e->name);
    memset(e, 0, sizeof(*e));
}

void xvios_vio_reply_free(struct xvios_vio_reply *r)
{
    for (unsigned i = 0; i < r->n_items; i++)
        elem_free(&r->items[i]);
    free(r->items);
    r->items = NULL;
    r->n_items = 0;
}

/* The element children of n (text between them refused but blanks: a response holds none but the
 * exception's; libxml2 keeps the blanks of an element holding nothing else, as an empty list). */
static int count_elements(xmlNodePtr n, unsigned *count)
{
    *count = 0;
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type == XML_ELEMENT_NODE)
            (*count)++;
        else if (k->type != XML_COMMENT_NODE && !(k->type == XML_TEXT_NODE && xmlIsBlankNode(k)))
            return -EINVAL;
    }
    return 0;
}

static char *dup_xml(const xmlChar *s)
{
    return strdup(s ? (const char *)s : "");
}

/* n copied into e, with its children when depth allows. */
static int elem_copy(xmlNodePtr n, unsigned depth, struct xvios_vio_elem *e)
{
    unsigned na = 0, nk = 0, i = 0;
    int rc;

    memset(e, 0, sizeof(*e));
    if (!(e->name = dup_xml(n->name)))
        return -ENOMEM;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (++na > MAX_ATTRS_PER_ELEM)
            return -EINVAL;
    if (na) {
        e->keys = calloc(na, sizeof(*e->keys));
        e->values = calloc(na, sizeof(*e->values));
        if (!e->keys || !e->values)
            return -ENOMEM;
    }
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);

        e->keys[i] = dup_xml(a->name);
        e->values[i] = dup_xml(v);
        xmlFree(v);
        e->n_attrs = ++i;
        if (!e->keys[i - 1] || !e->values[i - 1])
            return -ENOMEM;
    }
    if ((rc = count_elements(n, &nk)) < 0)
        return rc;
    if (nk && depth == 0)
        return -EINVAL;   /* deeper than vioResponse > object > child */
    if (!nk)
        return 0;
    if (!(e->kids = calloc(nk, sizeof(*e->kids))))
        return -ENOMEM;
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        rc = elem_copy(k, depth - 1, &e->kids[e->n_kids++]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A root attribute copied into buf, "" when absent; -EINVAL when it does not fit. */
static int root_attr(xmlNodePtr root, const char *name, char *buf, size_t cap)
{
    xmlChar *v = xmlGetNoNsProp(root, BAD_CAST name);
    int rc = 0;

    buf[0] = '\0';
    if (v && (size_t)snprintf(buf, cap, "%s", (const char *)v) >= cap)
        rc = -EINVAL;
    xmlFree(v);
    return rc;
}

static int read_exception(xmlNodePtr root, struct xvios_vio_reply *r)
{
    char code[32];
    xmlNodePtr ex = NULL;
    xmlChar *text;
    unsigned n;

    if (count_elements(root, &n) < 0 || n != 1)
        return -EINVAL;
    for (xmlNodePtr k = root->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE)
            ex = k;
    if (!ex || strcmp((const char *)ex->name, "VIOException") || root_attr(ex, "code", code, sizeof(code)) < 0)
        return -EINVAL;
    if (xvios_vio_code_parse(code, &r->code) < 0 || r->code == XVIOS_VIO_OK)
        r->code = XVIOS_VIO_INTERNAL;   /* a code this side does not know yet */
    for (xmlNodePtr k = ex->children; k; k = k->next)
        if (k->type != XML_TEXT_NODE)
            return -EINVAL;
    text = xmlNodeGetContent(ex);
    snprintf(r->sentence, sizeof(r->sentence), "%s", text ? (const char *)text : "");
    xmlFree(text);
    for (char *p = r->sentence; *p; p++)   /* printed on a terminal: one line of printable ASCII */
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    return 0;
}

static int read_items(xmlNodePtr root, struct xvios_vio_reply *r)
{
    unsigned n;
    int rc;

    if ((rc = count_elements(root, &n)) < 0)
        return rc;
    if (n && !(r->items = calloc(n, sizeof(*r->items))))
        return -ENOMEM;
    for (xmlNodePtr k = root->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if ((rc = elem_copy(k, 1, &r->items[r->n_items++])) < 0)
            return rc;
    }
    return 0;
}

int xvios_vio_reply_parse(const char *untrusted, size_t len, struct xvios_vio_reply *r)
{
    xmlParserCtxtPtr pc = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    char status[16], node[16], more[8];
    uint64_t id;
    int rc = -EINVAL;

    memset(r, 0, sizeof(*r));
    if (!untrusted || len == 0 || len > XVIOS_VIO_RESPONSE_MAX || memchr(untrusted, '\0', len))
        return -EINVAL;
    xmlInitParser();
    if (!(pc = xmlNewParserCtxt()))
        return -ENOMEM;
    doc = xmlCtxtReadMemory(pc, untrusted, (int)len, "vioResponse", "UTF-8", REPLY_OPTIONS);
    if (!doc || !pc->wellFormed || doc->intSubset || doc->extSubset)
        goto out;
    root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "vioResponse") ||
        root_attr(root, "status", status, sizeof(status)) < 0 || root_attr(root, "node", node, sizeof(node)) < 0 ||
        root_attr(root, "more", more, sizeof(more)) < 0 ||
        xvios_parse_u64(node, 0, UINT32_MAX, &id) < 0)
        goto out;
    r->node = (uint32_t)id;
    r->more = !strcmp(more, "true");
    if (!strcmp(status, "exception")) {
        r->ok = false;
        rc = read_exception(root, r);
    } else if (!strcmp(status, "ok")) {
        r->ok = true;
        r->code = XVIOS_VIO_OK;
        if (root_attr(root, "object", r->object, sizeof(r->object)) < 0 ||
            root_attr(root, "action", r->action, sizeof(r->action)) < 0)
            goto out;
        rc = read_items(root, r);
    }
out:
    if (rc < 0)
        xvios_vio_reply_free(r);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(pc);
    return rc;
}

const char *xvios_vio_elem_attr(const struct xvios_vio_elem *e, const char *name)
{
    for (unsigned i = 0; i < e->n_attrs; i++)
        if (!strcmp(e->keys[i], name))
            return e->values[i];
    return NULL;
}

int xvios_vio_elem_u64(const struct xvios_vio_elem *e, const char *name, uint64_t max, uint64_t *v)
{
    const char *s = xvios_vio_elem_attr(e, name);

    if (!s)
        return -ENOENT;
    return xvios_parse_u64(s, 0, max, v) < 0 ? -EINVAL : 0;
}

int xvios_vio_elem_bool(const struct xvios_vio_elem *e, const char *name, bool *v)
{
    const char *s = xvios_vio_elem_attr(e, name);

    if (!s)
        return -ENOENT;
    if (strcmp(s, "true") && strcmp(s, "false"))
        return -EINVAL;
    *v = !strcmp(s, "true");
    return 0;
}

int xvios_vio_elem_copy(const struct xvios_vio_elem *e, const char *name, char *buf, size_t cap)
{
    const char *s = xvios_vio_elem_attr(e, name);

    if (!s)
        return -ENOENT;
    if (!cap || strlen(s) >= cap)
        return -ENAMETOOLONG;
    memcpy(buf, s, strlen(s) + 1);
    return 0;
}
