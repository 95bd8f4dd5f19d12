/* SPDX-License-Identifier: MIT */
/* xmlout.c - the bounded, escaping XML writer (xvios/xmlout.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xvios/xmlout.h"

void xvios_xmlout_init(struct xvios_xmlout *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->overflow = cap == 0;
}

static void put(struct xvios_xmlout *o, const char *s, size_t n)
{
    if (o->overflow)
        return;
    if (n >= o->cap - o->len) {   /* one byte stays free for the NUL */
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void xvios_xmlout_raw(struct xvios_xmlout *o, const char *s)
{
    put(o, s, strlen(s));
}

static void escaped(struct xvios_xmlout *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p && !o->overflow; p++) {
        switch (*p) {
        case '&': put(o, "&amp;", 5); break;
        case '<': put(o, "&lt;", 4); break;
        case '>': put(o, "&gt;", 4); break;
        case '"': put(o, "&quot;", 6); break;
        case '\'': put(o, "&apos;", 6); break;
        case '\n': put(o, "&#10;", 5); break;
        case '\t': put(o, "&#9;", 4); break;
        default: {
            char c = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
            put(o, &c, 1);
        }
        }
    }
}

void xvios_xmlout_text(struct xvios_xmlout *o, const char *s)
{
    escaped(o, s);
}

static bool name_ok(const char *n)
{
    if (!n[0] || strlen(n) > 64)
        return false;
    for (const char *p = n; *p; p++) {
        bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        if (!alpha && !(p > n && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '_')))
            return false;
    }
    return true;
}

void xvios_xmlout_attr(struct xvios_xmlout *o, const char *name, const char *value)
{
    if (!name_ok(name)) {
        o->overflow = true;
        return;
    }
    put(o, " ", 1);
    put(o, name, strlen(name));
    put(o, "=\"", 2);
    escaped(o, value);
    put(o, "\"", 1);
}

void xvios_xmlout_attr_u64(struct xvios_xmlout *o, const char *name, uint64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%" PRIu64, v);
    xvios_xmlout_attr(o, name, num);
}

int xvios_xmlout_end(struct xvios_xmlout *o, size_t *len)
{
    if (o->overflow || o->len >= o->cap)
        return -ENOSPC;
    o->buf[o->len] = '\0';
    *len = o->len;
    return 0;
}
