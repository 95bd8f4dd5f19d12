/* SPDX-License-Identifier: MIT */
/*
 * vio_event.c - a VIO object's Lifecycle event as it travels between nodes
 * (XVIOS_MT_OBJ_EVENT) and reaches subscribers (XVIOS_EV_LIFECYCLE):
 *   category=lifecycle  action=created|modified|deleted  type=<object type>
 *   key=<the object's key>  by=<node that made it, 0 = dom0>  via=<node it was announced through>
 * one "key=value\n" line each, in that order. The parser is strict: a peer's
 * bytes are never passed on, only what was parsed, formatted again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vio_int.h"
#include "xvios/db.h"
#include "xvios/kv.h"
#include "xvios/parse.h"

static const char *const actions[] = { "created", "modified", "deleted" };
static const char *const types[] = { "cluster", "node", "pool", "LU", "client", "adapter", "mapping", "path" };

static bool in(const char *const *words, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(words[i], s))
            return true;
    return false;
}

static bool key_ok(const char *k)
{
    size_t n = strlen(k);

    if (n == 0 || n > XVIOS_LU_NAME_MAX)
        return false;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.' || *p == ':'))
            return false;
    return true;
}

static bool event_ok(const struct xvios_vio_event *ev)
{
    return in(actions, sizeof(actions) / sizeof(actions[0]), ev->action) &&
           in(types, sizeof(types) / sizeof(types[0]), ev->type) && key_ok(ev->key) &&
           ev->by <= XVIOS_NODE_ID_MAX && ev->via <= XVIOS_NODE_ID_MAX;   /* multi-host ids too */
}

int xvios_vio_event_format(const struct xvios_vio_event *ev, char *out, size_t cap, size_t *len)
{
    int n;

    if (!event_ok(ev))
        return -EINVAL;
    n = snprintf(out, cap, "category=lifecycle\naction=%s\ntype=%s\nkey=%s\nby=%u\nvia=%u\n", ev->action, ev->type,
                 ev->key, ev->by, ev->via);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    *len = (size_t)n;
    return 0;
}

int xvios_vio_event_parse(const char *untrusted, size_t len, struct xvios_vio_event *ev)
{
    static const char *const keys[] = { "category", "action", "type", "key", "by", "via" };
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    char val[XVIOS_LU_NAME_MAX + 1];
    unsigned i = 0;
    int r;

    memset(ev, 0, sizeof(*ev));
    if (len > 512)
        return -EINVAL;
    xvios_kv_iter_init(&it, untrusted, len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r < 0 || i >= sizeof(keys) / sizeof(keys[0]) || !xvios_kv_is(&kv, keys[i]) || kv.val_len >= sizeof(val) ||
            memchr(kv.val, '\0', kv.val_len))
            return -EINVAL;
        memcpy(val, kv.val, kv.val_len);
        val[kv.val_len] = '\0';
        switch (i++) {
        case 0: if (strcmp(val, "lifecycle")) return -EINVAL; break;
        case 1: if (kv.val_len >= sizeof(ev->action)) return -EINVAL; memcpy(ev->action, val, kv.val_len + 1); break;
        case 2: if (kv.val_len >= sizeof(ev->type)) return -EINVAL; memcpy(ev->type, val, kv.val_len + 1); break;
        case 3: memcpy(ev->key, val, kv.val_len + 1); break;
        case 4: if (xvios_parse_u32(val, 0, XVIOS_NODE_ID_MAX, &ev->by) < 0) return -EINVAL; break;
        case 5: if (xvios_parse_u32(val, 0, XVIOS_NODE_ID_MAX, &ev->via) < 0) return -EINVAL; break;
        }
    }
    {
        size_t body_len;
        if (xvios_kv_body(&it, &body_len) || i != sizeof(keys) / sizeof(keys[0]))
            return -EINVAL;
    }
    return event_ok(ev) ? 0 : -EINVAL;
}
