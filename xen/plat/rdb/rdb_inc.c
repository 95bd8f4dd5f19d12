/* SPDX-License-Identifier: MIT */
/*
 * rdb_inc.c - a replicated DB copy's incarnation id (rdb_inc.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "rdb_inc.h"
#include "xvios/rdb.h"

static const char hexdig[] = "0123456789abcdef";

bool rdb_inc_none(const struct rdb_inc *a)
{
    for (unsigned i = 0; i < RDB_INC_LEN; i++)
        if (a->b[i])
            return false;
    return true;
}

bool rdb_inc_eq(const struct rdb_inc *a, const struct rdb_inc *b)
{
    return !memcmp(a->b, b->b, RDB_INC_LEN);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void rdb_inc_of(const struct rdb_tree *t, struct rdb_inc *out)
{
    const struct rdb_node *nd = rdb_tree_get(t, XVIOS_RDB_INCARNATION);
    struct rdb_inc v;

    memset(out, 0, sizeof(*out));
    if (!nd || nd->len != RDB_INC_HEX)
        return;
    for (unsigned i = 0; i < RDB_INC_LEN; i++) {
        int hi = hexval(nd->val[2 * i]), lo = hexval(nd->val[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return;
        v.b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = v;
}

const char *rdb_inc_text(const struct rdb_inc *a, char buf[RDB_INC_HEX + 1])
{
    if (rdb_inc_none(a))
        return "none";
    for (unsigned i = 0; i < RDB_INC_LEN; i++) {
        buf[2 * i] = hexdig[a->b[i] >> 4];
        buf[2 * i + 1] = hexdig[a->b[i] & 15];
    }
    buf[RDB_INC_HEX] = '\0';
    return buf;
}

int rdb_inc_new(char hex[RDB_INC_HEX + 1])
{
    struct rdb_inc v;
    size_t got = 0;

    do {
        got = 0;
        while (got < RDB_INC_LEN) {
            ssize_t n = getrandom(v.b + got, RDB_INC_LEN - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return n < 0 ? -errno : -EIO;
            got += (size_t)n;
        }
    } while (rdb_inc_none(&v));   /* all zero means none */
    rdb_inc_text(&v, hex);
    return 0;
}
