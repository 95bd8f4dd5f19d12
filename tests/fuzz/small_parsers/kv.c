/* SPDX-License-Identifier: MIT */
/*
 * kv.c - fuzz family 'k': the key=value line iterator (xvios/kv.h).
 *
 * Input: one byte that picks a key to look up and a capacity for
 * xvios_kv_get, then the text. The iterator must hand out lines that lie
 * inside the text, split at the first '=', never containing '\n', in order,
 * and must end within one step per line; kv_end and the body must describe
 * the rest of the text exactly. xvios_kv_get must agree with the iterator's
 * first match and never write past the capacity it was given.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xvios/kv.h"

static const char *const lookup_keys[] = { "name", "node", "a", "peers", "x=y", "" };

static void check_get(const char *text, size_t len, const char *key, size_t cap)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    const struct xvios_kv *first = NULL;
    struct xvios_kv found;
    char *out = malloc(cap ? cap : 1);
    int r;

    if (!out)
        abort();
    xvios_kv_iter_init(&it, text, len);
    while (!first && (r = xvios_kv_next(&it, &kv)) != 0)
        if (r > 0 && xvios_kv_is(&kv, key)) {
            found = kv;
            first = &found;
        }
    r = xvios_kv_get(text, len, key, out, cap);
    if (!first) {
        FUZZ_REQUIRE(r == -ENOENT);
    } else if (first->val_len + 1 > cap) {
        FUZZ_REQUIRE(r == -ENOSPC);
    } else {
        FUZZ_REQUIRE(r == 0);
        FUZZ_REQUIRE(!memcmp(out, first->val, first->val_len) && out[first->val_len] == '\0');
    }
    free(out);
}

void fuzz_kv(const uint8_t *data, size_t size)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    struct fuzz_bytes in = { data, size };
    uint8_t sel = fuzz_u8(&in);
    const char *text = (const char *)fuzz_copy(in.p, in.n);
    size_t len = in.n, prev_pos = 0, steps = 0, blen = 0;
    const char *body;
    int r;

    xvios_kv_iter_init(&it, text, len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        FUZZ_REQUIRE(++steps <= len);            /* every step consumes at least one byte */
        FUZZ_REQUIRE(it.pos > prev_pos && it.pos <= len);
        if (r < 0) {
            FUZZ_REQUIRE(r == -EINVAL);
        } else {
            FUZZ_REQUIRE(r == 1);
            FUZZ_REQUIRE(kv.key == text + prev_pos);  /* lines are handed out in order, none skipped */
            FUZZ_REQUIRE(kv.key_len > 0 && !memchr(kv.key, '=', kv.key_len) && !memchr(kv.key, '\n', kv.key_len));
            FUZZ_REQUIRE(kv.val == kv.key + kv.key_len + 1 && kv.val[-1] == '=');
            FUZZ_REQUIRE(kv.val + kv.val_len <= text + len && !memchr(kv.val, '\n', kv.val_len));
            if (kv.terminated)
                FUZZ_REQUIRE(kv.val + kv.val_len < text + len && kv.val[kv.val_len] == '\n' &&
                             it.pos == (size_t)(kv.val + kv.val_len + 1 - text));
            else
                FUZZ_REQUIRE(kv.val + kv.val_len == text + len && it.pos == len);
        }
        prev_pos = it.pos;
    }
    FUZZ_REQUIRE(it.done && it.kv_end <= len);
    FUZZ_REQUIRE(xvios_kv_next(&it, &kv) == 0);  /* stays over */
    body = xvios_kv_body(&it, &blen);
    if (it.blank) {
        /* the blank line is the first empty line; the body is everything after it */
        FUZZ_REQUIRE(it.kv_end == prev_pos && text[it.kv_end] == '\n');
        FUZZ_REQUIRE(body == text + it.kv_end + 1 && blen == len - it.kv_end - 1);
    } else {
        FUZZ_REQUIRE(it.kv_end == len && body == NULL && blen == 0);
    }
    check_get(text, len, lookup_keys[sel % (sizeof(lookup_keys) / sizeof(lookup_keys[0]))], (size_t)(sel >> 3));
    free((void *)text);
}
