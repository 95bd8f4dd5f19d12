/* SPDX-License-Identifier: MIT */
/*
 * db_preempt.c - the last reservation preemption through a VIOS, per pool LU,
 * in its path entry (xvios/db_preempt.h): format and strict parse (pure), and
 * the record's write and read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_path.h"
#include "xvios/db_preempt.h"
#include "xvios/kv.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

#define ENTRY_FMT XVIOS_DB_ROOT "/nodes/%u/paths/%s"

static int nexus_fmt(char *out, size_t cap, const struct xvios_nexus_id *n)
{
    int r = snprintf(out, cap, "%016" PRIx64 "@%u", n->initiator, n->port);
    return r < 0 || (size_t)r >= cap ? -ENOSPC : r;
}

/* "<16 hex>@<1..65535>" exactly, s[0..len) */
static int nexus_parse(const char *s, size_t len, struct xvios_nexus_id *out)
{
    char port[8];
    uint32_t v;

    if (len < 18 || len > 16 + 1 + 5 || s[16] != '@')
        return -EINVAL;
    out->initiator = 0;
    for (unsigned i = 0; i < 16; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
        if (d > 15)
            return -EINVAL;
        out->initiator = out->initiator << 4 | d;
    }
    memcpy(port, s + 17, len - 17);
    port[len - 17] = '\0';
    if (xvios_parse_u32_canon(port, 65535, &v) < 0 || v == 0)
        return -EINVAL;
    out->port = (uint16_t)v;
    return 0;
}

int xvios_db_preempt_list(const struct xvios_db_preempt *r, char *out, size_t cap)
{
    size_t at = 0;

    if (cap == 0)
        return -ENOSPC;
    out[0] = '\0';
    for (unsigned i = 0; i < r->n_listed && i < XVIOS_PREEMPT_LIST; i++) {
        int n;
        if (i) {
            if (at + 1 >= cap)
                return -ENOSPC;
            out[at++] = ',';
            out[at] = '\0';
        }
        if ((n = nexus_fmt(out + at, cap - at, &r->preempted[i])) < 0)
            return n;
        at += (size_t)n;
    }
    return (int)at;
}

static bool record_ok(const struct xvios_db_preempt *r)
{
    if (r->gen == 0 || r->by.port == 0 || r->n_listed > XVIOS_PREEMPT_LIST || r->count < r->n_listed)
        return false;
    for (unsigned i = 0; i < r->n_listed; i++)
        if (r->preempted[i].port == 0)
            return false;
    return true;
}

int xvios_db_preempt_format(const struct xvios_db_preempt *r, char *out, size_t cap)
{
    char by[32], list[XVIOS_PREEMPT_LIST * 24];
    int n;

    if (!r || !record_ok(r))
        return -EINVAL;
    if (nexus_fmt(by, sizeof(by), &r->by) < 0 || xvios_db_preempt_list(r, list, sizeof(list)) < 0)
        return -ENOSPC;
    n = snprintf(out, cap, "gen=%" PRIu64 "\nby=%s\npreempted=%s\ncount=%u\nabort=%d\n", r->gen, by, list, r->count,
                 r->abort);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int xvios_db_preempt_parse(const char *untrusted, size_t len, struct xvios_db_preempt *out)
{
    static const char *const keys[] = { "gen", "by", "preempted", "count", "abort" };
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    char val[XVIOS_PREEMPT_TEXT_MAX];
    unsigned i = 0;
    size_t body;
    int r;

    memset(out, 0, sizeof(*out));
    if (len > XVIOS_PREEMPT_TEXT_MAX)
        return -EINVAL;
    xvios_kv_iter_init(&it, untrusted, len);
    while ((r = xvios_kv_next(&it, &kv)) != 0) {
        if (r < 0 || !kv.terminated || i >= sizeof(keys) / sizeof(keys[0]) || !xvios_kv_is(&kv, keys[i]) ||
            kv.val_len >= sizeof(val) || memchr(kv.val, '\0', kv.val_len))
            return -EINVAL;
        memcpy(val, kv.val, kv.val_len);
        val[kv.val_len] = '\0';
        switch (i++) {
        case 0:
            if (val[0] == '0' || xvios_parse_u64(val, 1, UINT64_MAX, &out->gen) < 0)   /* canonical: >= 1 */
                return -EINVAL;
            break;
        case 1:
            if (nexus_parse(val, kv.val_len, &out->by) < 0)
                return -EINVAL;
            break;
        case 2:
            for (const char *s = val, *end = val + kv.val_len; s < end;) {
                const char *comma = memchr(s, ',', (size_t)(end - s));
                size_t l = comma ? (size_t)(comma - s) : (size_t)(end - s);
                if (out->n_listed == XVIOS_PREEMPT_LIST || nexus_parse(s, l, &out->preempted[out->n_listed]) < 0 ||
                    (comma && comma + 1 == end))
                    return -EINVAL;
                out->n_listed++;
                s += l + (comma ? 1 : 0);
            }
            break;
        case 3:
            if (xvios_parse_u32_canon(val, UINT32_MAX, &out->count) < 0)
                return -EINVAL;
            break;
        case 4:
            if (strcmp(val, "0") && strcmp(val, "1"))
                return -EINVAL;
            out->abort = val[0] == '1';
            break;
        }
    }
    if (i != sizeof(keys) / sizeof(keys[0]) || xvios_kv_body(&it, &body))
        return -EINVAL;
    return record_ok(out) ? 0 : -EINVAL;
}

int xvios_db_preempt_publish(xvios_plat *p, uint32_t node, const char *lu, const struct xvios_db_preempt *r)
{
    struct xvios_perm perms[XVIOS_MAX_NODES + 1];
    struct db_member *m = NULL;
    char dir[DB_PATH_MAX], path[DB_PATH_MAX + 16], text[XVIOS_PREEMPT_TEXT_MAX];
    unsigned n = 0, np = 0;
    int rc;

    if (!p || !r || node == 0 || node > XVIOS_NODE_ID_MAX || !xvios_path_key_valid(lu))
        return -EINVAL;
    if ((rc = xvios_db_preempt_format(r, text, sizeof(text))) < 0)
        return rc;
    if ((rc = db_path(dir, sizeof(dir), ENTRY_FMT, node, lu)) < 0)
        return rc;
    if ((rc = db_read_str(p, XVIOS_TX_NONE, dir, path, 0)) < 0)   /* the entry (an empty directory node) */
        return rc;
    snprintf(path, sizeof(path), "%s/preempted", dir);
    if ((rc = db_members(p, XVIOS_TX_NONE, &m, &n)) < 0)
        return rc;
    rc = db_perms_for(path, 0, m, n, perms, &np);
    if (rc == 0)
        rc = db_write(p, XVIOS_TX_NONE, path, text, perms, np);
    free(m);
    return rc;
}

int xvios_db_preempt_get(xvios_plat *p, uint32_t node, const char *lu, struct xvios_db_preempt *out)
{
    char dir[DB_PATH_MAX], path[DB_PATH_MAX + 16], untrusted[XVIOS_PREEMPT_TEXT_MAX + 1];
    int rc;

    if (!p || !out || node == 0 || node > XVIOS_NODE_ID_MAX || !xvios_path_key_valid(lu))
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    if ((rc = db_path(dir, sizeof(dir), ENTRY_FMT, node, lu)) < 0)
        return rc;
    snprintf(path, sizeof(path), "%s/preempted", dir);
    if ((rc = db_read_str(p, XVIOS_TX_NONE, path, untrusted, XVIOS_PREEMPT_TEXT_MAX)) < 0)
        return rc;
    if (xvios_db_preempt_parse(untrusted, strlen(untrusted), out) < 0) {
        XLOG_WARN("cluster DB: %s: malformed preemption record", path);
        return -EIO;
    }
    return 0;
}
