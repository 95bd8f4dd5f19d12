/* SPDX-License-Identifier: MIT */
/*
 * db.c - the cluster DB: the transaction runner, value accessors, and
 * cluster create/destroy/config (layout: xvios/db.h, docs/xenstore.md). Store API only; every multi-step change is one
 * transaction with the EAGAIN retry loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

int xvios_db_tx_run(xvios_plat *p, int (*body)(xvios_plat *p, xvios_tx tx, void *ctx), void *ctx)
{
    for (unsigned attempt = 0; attempt < XVIOS_DB_TX_RETRIES; attempt++) {
        xvios_tx tx;
        int rc = xvios_store_tx_start(p, &tx);
        if (rc < 0)
            return rc;
        rc = body(p, tx, ctx);
        if (rc == -EAGAIN) {
            xvios_store_tx_end(p, tx, false);   /* the body saw a conflict of its own: run it again */
            continue;
        }
        if (rc < 0) {
            xvios_store_tx_end(p, tx, false);
            return rc;
        }
        rc = xvios_store_tx_end(p, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    XLOG_WARN("store transaction still conflicting after %u attempts", XVIOS_DB_TX_RETRIES);
    return -EAGAIN;
}

int db_path(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int db_read_str(xvios_plat *p, xvios_tx tx, const char *path, char *out, size_t max)
{
    char *untrusted_val = NULL;
    size_t len = 0;
    int rc = xvios_store_read(p, tx, path, &untrusted_val, &len);

    if (rc < 0)
        return rc;
    if (len > max || strlen(untrusted_val) != len) {
        XLOG_WARN("cluster DB: %s: value too long or not text (%zu bytes)", path, len);
        free(untrusted_val);
        return -EIO;
    }
    memcpy(out, untrusted_val, len + 1);
    free(untrusted_val);
    return 0;
}

int db_read_u32(xvios_plat *p, xvios_tx tx, const char *path, uint32_t max, uint32_t *out)
{
    char untrusted_num[16];
    int rc = db_read_str(p, tx, path, untrusted_num, 10);

    if (rc < 0)
        return rc;
    if (xvios_parse_u32_canon(untrusted_num, max, out) < 0) {
        XLOG_WARN("cluster DB: %s: not a number <= %u", path, max);
        return -EIO;
    }
    return 0;
}

int db_write(xvios_plat *p, xvios_tx tx, const char *path, const char *val, const struct xvios_perm *perms,
             unsigned n)
{
    int rc = xvios_store_write(p, tx, path, val, strlen(val));

    return rc < 0 ? rc : xvios_store_set_perms(p, tx, path, perms, n);
}

int db_write_u32(xvios_plat *p, xvios_tx tx, const char *path, uint32_t v, const struct xvios_perm *perms,
                 unsigned n)
{
    char buf[16];

    snprintf(buf, sizeof(buf), "%u", v);
    return db_write(p, tx, path, buf, perms, n);
}

static bool name_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);

    if (n == 0 || n == cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* ---------------------------------------------------------------- create / destroy */
/* The maximum a new cluster gets: as given, or the default (at least the default deadline). */
static uint32_t db_max_timeout(const struct xvios_db_config *cfg)
{
    if (cfg->max_timeout_ms)
        return cfg->max_timeout_ms;
    return cfg->timeout_ms > XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS ? cfg->timeout_ms : XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS;
}

static int create_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    static const struct xvios_perm dom0_only[] = { { 0, XVIOS_PERM_NONE } };
    const struct xvios_db_config *cfg = ctx;
    struct xvios_perm *probe = NULL;
    unsigned np = 0;
    int rc;

    rc = xvios_store_get_perms(p, tx, XVIOS_DB_ROOT, &probe, &np);
    free(probe);
    if (rc == 0 || rc == -EACCES)
        return -EEXIST;
    if (rc != -ENOENT)
        return rc;
    if ((rc = db_write(p, tx, XVIOS_DB_ROOT, "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/config", "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/config/name", cfg->name, dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/config/max-nodes", cfg->max_nodes, dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/config/timeout-ms", cfg->timeout_ms, dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/config/retries", cfg->retries, dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/config/max-timeout-ms", db_max_timeout(cfg), dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/next-node-id", 1, dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/nodes", "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/clients", "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/adapters", "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/client-uuids", "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/adapter-keys", "", dom0_only, 1)) < 0 ||
        (rc = db_write(p, tx, XVIOS_DB_ROOT "/pr", "", dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/next-client-id", 1, dom0_only, 1)) < 0 ||
        (rc = db_write_u32(p, tx, XVIOS_DB_ROOT "/next-adapter-id", 1, dom0_only, 1)) < 0)
        return rc;
    return 0;
}

int xvios_db_cluster_create(xvios_plat *p, const struct xvios_db_config *cfg)
{
    if (!cfg || !name_ok(cfg->name, sizeof(cfg->name)) || cfg->max_nodes == 0 ||
        cfg->max_nodes > XVIOS_MAX_NODES || cfg->timeout_ms == 0 || cfg->timeout_ms > DB_TIMEOUT_MAX_MS ||
        cfg->retries > DB_RETRIES_MAX || cfg->max_timeout_ms > DB_TIMEOUT_MAX_MS || cfg->timeout_ms > db_max_timeout(cfg))
        return -EINVAL;
    return xvios_db_tx_run(p, create_body, (void *)cfg);
}

static int destroy_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    (void)ctx;
    return xvios_store_rm(p, tx, XVIOS_DB_ROOT);
}

int xvios_db_cluster_destroy(xvios_plat *p)
{
    return xvios_db_tx_run(p, destroy_body, NULL);
}

static int config_body(xvios_plat *p, xvios_tx tx, void *ctx)
{
    struct xvios_db_config *cfg = ctx;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    if ((rc = db_read_str(p, tx, XVIOS_DB_ROOT "/config/name", cfg->name, sizeof(cfg->name) - 1)) < 0 ||
        (rc = db_read_u32(p, tx, XVIOS_DB_ROOT "/config/max-nodes", XVIOS_MAX_NODES, &cfg->max_nodes)) < 0 ||
        (rc = db_read_u32(p, tx, XVIOS_DB_ROOT "/config/timeout-ms", DB_TIMEOUT_MAX_MS, &cfg->timeout_ms)) < 0 ||
        (rc = db_read_u32(p, tx, XVIOS_DB_ROOT "/config/retries", DB_RETRIES_MAX, &cfg->retries)) < 0)
        return rc;
    /* a cluster made before the maximum existed has none: the default */
    rc = db_read_u32(p, tx, XVIOS_DB_ROOT "/config/max-timeout-ms", DB_TIMEOUT_MAX_MS, &cfg->max_timeout_ms);
    if (rc == -ENOENT || (rc == 0 && cfg->max_timeout_ms == 0))
        cfg->max_timeout_ms = XVIOS_DB_DEFAULT_MAX_TIMEOUT_MS;
    else if (rc < 0)
        return rc;
    if (cfg->max_timeout_ms < cfg->timeout_ms)
        cfg->max_timeout_ms = cfg->timeout_ms;   /* the default deadline is always allowed */
    if (!name_ok(cfg->name, sizeof(cfg->name)) || cfg->max_nodes == 0 || cfg->timeout_ms == 0) {
        XLOG_WARN("cluster DB: malformed configuration");
        return -EIO;
    }
    return 0;
}

int xvios_db_config_read(xvios_plat *p, struct xvios_db_config *cfg)
{
    int rc = xvios_db_tx_run(p, config_body, cfg);

    if (rc < 0)
        memset(cfg, 0, sizeof(*cfg));
    return rc;
}
