/* SPDX-License-Identifier: MIT */
/* kv.c - the "key=value" line iterator (xvios/kv.h). */
#include <errno.h>
#include <string.h>

#include "xvios/kv.h"

void xvios_kv_iter_init(struct xvios_kv_iter *it, const void *untrusted_text, size_t len)
{
    memset(it, 0, sizeof(*it));
    it->text = untrusted_text;
    it->len = untrusted_text ? len : 0;
    it->kv_end = it->len;
}

int xvios_kv_next(struct xvios_kv_iter *it, struct xvios_kv *kv)
{
    const char *line, *nl, *eq;
    size_t llen;

    if (it->done)
        return 0;
    if (it->pos >= it->len) {
        it->done = true;
        it->kv_end = it->len;
        return 0;
    }
    line = it->text + it->pos;
    nl = memchr(line, '\n', it->len - it->pos);
    llen = nl ? (size_t)(nl - line) : it->len - it->pos;
    if (llen == 0) {  /* a blank line: the body follows */
        it->done = true;
        it->blank = true;
        it->kv_end = it->pos;
        it->pos++;
        return 0;
    }
    it->pos += llen + (nl ? 1u : 0u);
    eq = memchr(line, '=', llen);
    if (!eq || eq == line)
        return -EINVAL;
    kv->key = line;
    kv->key_len = (size_t)(eq - line);
    kv->val = eq + 1;
    kv->val_len = llen - kv->key_len - 1u;
    kv->terminated = nl != NULL;
    return 1;
}

const char *xvios_kv_body(const struct xvios_kv_iter *it, size_t *len)
{
    if (!it->done || !it->blank) {
        *len = 0;
        return NULL;
    }
    *len = it->len - it->pos;
    return it->text + it->pos;
}

bool xvios_kv_is(const struct xvios_kv *kv, const char *key)
{
    size_t n = strlen(key);

    return kv->key_len == n && !memcmp(kv->key, key, n);
}

int xvios_kv_get(const char *text, size_t len, const char *key, char *out, size_t cap)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    int r;

    xvios_kv_iter_init(&it, text, len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r < 0 || !xvios_kv_is(&kv, key))
            continue;
        if (kv.val_len + 1u > cap)
            return -ENOSPC;
        memcpy(out, kv.val, kv.val_len);
        out[kv.val_len] = '\0';
        return 0;
    }
    return -ENOENT;
}
