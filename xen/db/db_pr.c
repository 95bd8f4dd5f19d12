/* SPDX-License-Identifier: MIT */
/*
 * db_pr.c - the PR record of a pool LU in the cluster DB (layout:
 * xvios/db_pr.h, docs/pool.md): read and check it, and the one transaction
 * every cluster-wide PR change goes through (xvios_db_pr_update). Nodes a
 * VIOS creates get their permissions explicitly (db_perms_for: owner the
 * creating member, BOTH for every member, nothing for anyone else); nodes
 * that exist keep theirs (only an owner may set them) and are just written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_lu.h"
#include "xvios/db_pr.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define CHUNK_HEX (2u * XVIOS_DB_PR_CHUNK)

_Static_assert(CHUNK_HEX + 8u * (XVIOS_DB_PR_MEMBERS_FIT + 1u) < 2048u,
               "a chunk node stays below xenstored's default node size quota");
_Static_assert(sizeof(XVIOS_DB_PR_ROOT "/") + XVIOS_LU_NAME_MAX + sizeof("/blob-47") <= DB_PATH_MAX,
               "every PR record path fits DB_PATH_MAX");
_Static_assert(XVIOS_DB_PR_CHUNKS_MAX <= 100u, "chunk names have at most two digits");

int xvios_db_pr_path(const char *lu, char *buf, size_t n)
{
    if (!lu || !xvios_lu_name_ok(lu))
        return -EINVAL;
    return db_path(buf, n, XVIOS_DB_PR_ROOT "/%s", lu);
}

int xvios_db_pr_lu_of(const char *path, char *lu, size_t cap)
{
    static const char top[] = XVIOS_DB_PR_ROOT "/";
    const char *s;
    size_t len;

    if (!path || strncmp(path, top, sizeof(top) - 1))
        return -EINVAL;
    s = path + sizeof(top) - 1;
    len = strcspn(s, "/");
    if (len == 0 || len >= cap || len > XVIOS_LU_NAME_MAX)
        return -EINVAL;
    memcpy(lu, s, len);
    lu[len] = '\0';
    return xvios_lu_name_ok(lu) ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------- reading */
static int read_u64(xvios_plat *p, xvios_tx tx, const char *path, uint64_t max, uint64_t *out)
{
    char untrusted_num[24];
    int rc = db_read_str(p, tx, path, untrusted_num, 20);

    if (rc < 0)
        return rc == -ENOENT ? -EIO : rc;       /* a record without one of its values is damaged */
    if ((untrusted_num[0] == '0' && untrusted_num[1]) || xvios_parse_u64(untrusted_num, 0, max, out) < 0) {
        XLOG_WARN("cluster DB: %s: not a canonical number <= %" PRIu64, path, max);
        return -EIO;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Chunk k of a blob of len bytes: exactly its bytes in lowercase hex. */
static int read_chunk(xvios_plat *p, xvios_tx tx, const char *dir, unsigned k, size_t len, uint8_t *blob)
{
    size_t off = (size_t)k * XVIOS_DB_PR_CHUNK, n = len - off < XVIOS_DB_PR_CHUNK ? len - off : XVIOS_DB_PR_CHUNK;
    char path[DB_PATH_MAX], *untrusted_hex;
    int rc;

    untrusted_hex = malloc(CHUNK_HEX + 1);
    if (!untrusted_hex)
        return -ENOMEM;
    if ((rc = db_path(path, sizeof(path), "%s/blob-%u", dir, k)) < 0 ||
        (rc = db_read_str(p, tx, path, untrusted_hex, CHUNK_HEX)) < 0) {
        rc = rc == -ENOENT ? -EIO : rc;
        goto out;
    }
    if (strlen(untrusted_hex) != 2 * n) {
        XLOG_WARN("cluster DB: %s: %zu hex digits, the record's length asks for %zu", path, strlen(untrusted_hex),
                  2 * n);
        rc = -EIO;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(untrusted_hex[2 * i]), lo = hexval(untrusted_hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            XLOG_WARN("cluster DB: %s: not lowercase hex at digit %zu", path, 2 * i);
            rc = -EIO;
            goto out;
        }
        blob[off + i] = (uint8_t)(hi << 4 | lo);
    }
    rc = 0;
out:
    free(untrusted_hex);
    return rc;
}

static unsigned chunks_of(size_t len)
{
    return (unsigned)((len + XVIOS_DB_PR_CHUNK - 1) / XVIOS_DB_PR_CHUNK);
}

int xvios_db_pr_gen(xvios_plat *p, xvios_tx tx, const char *lu, uint64_t *gen)
{
    char dir[DB_PATH_MAX], path[DB_PATH_MAX];
    char *untrusted_val = NULL;
    size_t vlen = 0;
    int rc;

    *gen = 0;
    if ((rc = xvios_db_pr_path(lu, dir, sizeof(dir))) < 0 || (rc = db_path(path, sizeof(path), "%s/gen", dir)) < 0)
        return rc;
    rc = xvios_store_read(p, tx, dir, &untrusted_val, &vlen);   /* the record, or -ENOENT */
    free(untrusted_val);
    if (rc < 0)
        return rc;
    return read_u64(p, tx, path, UINT64_MAX, gen);
}

int xvios_db_pr_read(xvios_plat *p, xvios_tx tx, const char *lu, struct xvios_db_pr *out)
{
    char dir[DB_PATH_MAX], path[DB_PATH_MAX];
    uint64_t len = 0;
    int rc;

    out->gen = 0;
    out->len = 0;
    if ((rc = xvios_db_pr_gen(p, tx, lu, &out->gen)) < 0)
        goto out;
    if ((rc = xvios_db_pr_path(lu, dir, sizeof(dir))) < 0 || (rc = db_path(path, sizeof(path), "%s/len", dir)) < 0 ||
        (rc = read_u64(p, tx, path, XVIOS_DB_PR_BLOB_MAX, &len)) < 0)
        goto out;
    if (out->gen == 0) {
        XLOG_WARN("cluster DB: %s: generation 0 in a record", dir);
        rc = -EIO;
        goto out;
    }
    for (unsigned k = 0; k < chunks_of(len); k++)
        if ((rc = read_chunk(p, tx, dir, k, len, out->blob)) < 0)
            goto out;
    out->len = (size_t)len;
    return 0;
out:
    if (rc == -EIO)
        XLOG_ERR("cluster DB: the PR record of LU %s is malformed: not used", lu);
    out->gen = 0;
    out->len = 0;
    return rc;
}

int xvios_db_pr_load(xvios_plat *p, const char *lu, struct xvios_db_pr *out)
{
    int rc = -EAGAIN;

    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES && rc == -EAGAIN; attempt++) {
        xvios_tx tx;
        int rd;

        if ((rc = xvios_store_tx_start(p, &tx)) < 0)
            return rc;
        rd = xvios_db_pr_read(p, tx, lu, out);
        /* -EAGAIN: it changed under the read. Asked even when the record read as damaged: a store
         * whose transactions read the live tree (the loopback one; xenstored gives a snapshot) shows a
         * writer's half-done record as a malformed one, and only the conflict tells the two apart. */
        rc = xvios_store_tx_end(p, tx, true);
        if (rc == 0)
            rc = rd;
    }
    return rc;
}

/* ---------------------------------------------------------------- writing */
struct perm_ctx {
    struct db_member *m;
    unsigned n;
    uint32_t self;
};

/* Write path = val; a node that did not exist gets its permissions. */
static int put(xvios_plat *p, xvios_tx tx, const struct perm_ctx *pc, const char *path, const char *val,
               size_t len, bool fresh)
{
    struct xvios_perm perms[XVIOS_STORE_MAX_PERMS];
    unsigned np = 0;
    int rc = xvios_store_write(p, tx, path, val, len);

    if (rc < 0 || !fresh)
        return rc;
    if ((rc = db_perms_for(path, pc->self, pc->m, pc->n, perms, &np)) < 0)
        return rc;
    return xvios_store_set_perms(p, tx, path, perms, np);
}

static int put_u64(xvios_plat *p, xvios_tx tx, const struct perm_ctx *pc, const char *path, uint64_t v, bool fresh)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

    return put(p, tx, pc, path, buf, (size_t)n, fresh);
}

/* rec replaces old (old->gen 0: no record yet). */
static int write_record(xvios_plat *p, xvios_tx tx, const struct perm_ctx *pc, const char *dir,
                        const struct xvios_db_pr *old, const struct xvios_db_pr *rec)
{
    static const char digits[] = "0123456789abcdef";
    unsigned old_k = old->gen ? chunks_of(old->len) : 0, new_k = chunks_of(rec->len);
    bool fresh = old->gen == 0;
    char path[DB_PATH_MAX], *hex;
    int rc;

    hex = malloc(CHUNK_HEX + 1);
    if (!hex)
        return -ENOMEM;
    if ((fresh && (rc = put(p, tx, pc, dir, "", 0, true)) < 0) ||
        (rc = db_path(path, sizeof(path), "%s/gen", dir)) < 0 || (rc = put_u64(p, tx, pc, path, rec->gen, fresh)) < 0 ||
        (rc = db_path(path, sizeof(path), "%s/len", dir)) < 0 || (rc = put_u64(p, tx, pc, path, rec->len, fresh)) < 0)
        goto out;
    for (unsigned k = 0; k < new_k; k++) {
        size_t off = (size_t)k * XVIOS_DB_PR_CHUNK;
        size_t n = rec->len - off < XVIOS_DB_PR_CHUNK ? rec->len - off : XVIOS_DB_PR_CHUNK;

        for (size_t i = 0; i < n; i++) {
            hex[2 * i] = digits[rec->blob[off + i] >> 4];
            hex[2 * i + 1] = digits[rec->blob[off + i] & 0xf];
        }
        if ((rc = db_path(path, sizeof(path), "%s/blob-%u", dir, k)) < 0 ||
            (rc = put(p, tx, pc, path, hex, 2 * n, k >= old_k)) < 0)
            goto out;
    }
    for (unsigned k = new_k; k < old_k; k++)
        if ((rc = db_path(path, sizeof(path), "%s/blob-%u", dir, k)) < 0 ||
            ((rc = xvios_store_rm(p, tx, path)) < 0 && rc != -ENOENT))
            goto out;
    rc = 0;
out:
    free(hex);
    return rc;
}

int xvios_db_pr_update(xvios_plat *p, const char *lu, xvios_db_pr_change_fn change, void *ctx,
                       struct xvios_db_pr *out)
{
    struct xvios_db_pr *old = NULL, *rec = NULL;
    struct perm_ctx pc = { 0 };
    char dir[DB_PATH_MAX];
    int rc;

    if ((rc = xvios_db_pr_path(lu, dir, sizeof(dir))) < 0)
        return rc;
    if ((rc = xvios_plat_self_domid(p, &pc.self)) < 0)
        return rc;
    old = malloc(sizeof(*old));
    rec = malloc(sizeof(*rec));
    if (!old || !rec) {
        rc = -ENOMEM;
        goto out;
    }
    rc = -EAGAIN;
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES && rc == -EAGAIN; attempt++) {
        bool write = false;
        xvios_tx tx;

        if ((rc = xvios_store_tx_start(p, &tx)) < 0)
            goto out;
        free(pc.m);
        pc.m = NULL;
        rc = xvios_db_pr_read(p, tx, lu, old);
        if (rc == 0 || rc == -ENOENT) {
            memcpy(rec, old, sizeof(*rec));
            rc = change(ctx, rec);
            if (rc == 0)
                memcpy(rec, old, sizeof(*rec));
        }
        if (rc > 0) {
            write = true;
            if (rec->len > XVIOS_DB_PR_BLOB_MAX)
                rc = -E2BIG;
            else if (old->gen == UINT64_MAX)
                rc = -EOVERFLOW;
            else if ((rc = db_members(p, tx, &pc.m, &pc.n)) >= 0) {
                rec->gen = old->gen + 1;
                rc = write_record(p, tx, &pc, dir, old, rec);
            }
        }
        if (rc == -EACCES && write && old->gen == 0) {
            uint64_t now = 0;

            xvios_store_tx_end(p, tx, false);
            /* the store checks permissions as each operation is issued: a peer that created the
             * record meanwhile owns its nodes, which this transaction then may not create. The
             * record exists now: redo from a fresh read, as for any other conflict. */
            if (xvios_db_pr_gen(p, XVIOS_TX_NONE, lu, &now) == 0) {
                XLOG_DEBUG("PR record of LU %s: a peer created it meanwhile, redone from a fresh read", lu);
                rc = -EAGAIN;
                continue;
            }
            goto out;
        }
        if (rc < 0) {
            xvios_store_tx_end(p, tx, false);
            goto out;
        }
        /* nothing written: end the transaction without committing anything (the record as read is the answer) */
        rc = xvios_store_tx_end(p, tx, write);
        if (rc == -EAGAIN)
            XLOG_DEBUG("PR record of LU %s: transaction conflicted, redone from a fresh read", lu);
    }
    if (rc == -EAGAIN)
        XLOG_WARN("PR record of LU %s: still conflicting after %u attempts", lu, XVIOS_DB_TX_RETRIES);
    if (rc == 0 && out)
        memcpy(out, rec, sizeof(*out));
out:
    free(pc.m);
    free(old);
    free(rec);
    return rc;
}

int xvios_db_pr_remove(xvios_plat *p, xvios_tx tx, const char *lu)
{
    char dir[DB_PATH_MAX];
    int rc = xvios_db_pr_path(lu, dir, sizeof(dir));

    return rc < 0 ? rc : xvios_store_rm(p, tx, dir);
}
