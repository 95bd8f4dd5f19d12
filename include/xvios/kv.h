/* SPDX-License-Identifier: MIT */
/*
 * xvios/kv.h - the "key=value" text that NODE_INFO answers, events and the
 * VKE's counters carry (docs/protocol.md): lines "key=value\n", an optional
 * blank line, then a free-form body. One iterator reads it for every user;
 * each caller decides what keys and values it accepts.
 *
 * A line is split at its first '='; the key must not be empty. A line
 * without '=' or with an empty key is malformed: the iterator says so and
 * steps over it (a lenient caller goes on, a strict one rejects the text).
 * The last line may end without '\n' (terminated tells). A blank line, or
 * the end of the text, ends the key=value part; what follows a blank line
 * is the body.
 */
#ifndef XVIOS_KV_H
#define XVIOS_KV_H

#include <stdbool.h>
#include <stddef.h>

struct xvios_kv {
    const char *key;
    size_t key_len;
    const char *val;        /* not NUL-terminated */
    size_t val_len;
    bool terminated;        /* the line ended with '\n' */
};

struct xvios_kv_iter {
    const char *text;
    size_t len;
    size_t pos;             /* the next line starts here */
    size_t kv_end;          /* after the end: where the key=value part ends (a blank line's offset, or len) */
    bool blank;             /* after the end: a blank line ended it (there is a body, maybe empty) */
    bool done;
};

void xvios_kv_iter_init(struct xvios_kv_iter *it, const void *untrusted_text, size_t len);
/* 1: *kv is the next line; 0: the key=value part is over; -EINVAL: a malformed line (stepped over). */
int xvios_kv_next(struct xvios_kv_iter *it, struct xvios_kv *kv);
/* After xvios_kv_next returned 0: the body after the blank line (*len set), or NULL when there was none. */
const char *xvios_kv_body(const struct xvios_kv_iter *it, size_t *len);
/* Is kv's key exactly key? */
bool xvios_kv_is(const struct xvios_kv *kv, const char *key);

/* Value of key in "key=value\n" text (the first match), copied NUL-terminated. -ENOENT, -ENOSPC. */
int xvios_kv_get(const char *text, size_t len, const char *key, char *out, size_t cap);

#endif /* XVIOS_KV_H */
