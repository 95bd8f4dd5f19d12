/* SPDX-License-Identifier: MIT */
/*
 * db_pool_access.c - a pool's access list as an administrator gives it
 * ("*", "", or "uuid-or-name,...") into the clients it names (xvios/db_pool.h):
 * a uuid is taken as it is (lowercased); a name is looked up in the clients
 * table (the name a client had at its first login: exactly one record must
 * have it), else among this host's running domains. What is stored is the
 * uuid: a name can be given to another domain later, a uuid cannot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "xvios/db_pool.h"
#include "xvios/log.h"
#include "xvios/parse.h"

/* 1..63 of [A-Za-z0-9_.-] (a domain name as the mapping API takes it), not all digits. */
static bool client_name_ok(const char *s, size_t n)
{
    bool digits = true;

    if (n == 0 || n > XVIOS_CLIENT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return false;
        digits = digits && c >= '0' && c <= '9';
    }
    return !digits;
}

static void lower_uuid(const char *in, char out[37])
{
    for (unsigned i = 0; i < 36; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'F' ? in[i] - 'A' + 'a' : in[i]);
    out[36] = '\0';
}

bool db_pool_uuid_key_ok(const char *s)
{
    if (strnlen(s, 37) != 36 || !xvios_uuid_valid(s))
        return false;
    for (unsigned i = 0; i < 36; i++)
        if (s[i] >= 'A' && s[i] <= 'F')
            return false;
    return true;
}

bool db_pool_client_name_ok(const char *s)
{
    return s[0] == '\0' || client_name_ok(s, strlen(s));
}

/* The clients table's records named name: 0 (one: *out), -ESRCH (none), -ENOTUNIQ (several), other errors. */
static int by_table_name(xvios_plat *p, xvios_tx tx, const char *name, struct xvios_db_client *out)
{
    uint32_t *ids = NULL;
    unsigned n = 0, found = 0;
    int rc = xvios_db_client_ids(p, tx, &ids, &n);

    if (rc == -ENOENT)
        return -ESRCH;   /* no table: nobody logged in yet */
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        struct xvios_db_client c;

        rc = xvios_db_client_get(p, tx, ids[i], &c);
        if (rc == -EIO || rc == -ENOENT)
            continue;   /* damaged (logged) or gone: names nobody */
        if (rc < 0)
            goto out;
        if (!strcmp(c.name, name) && found++ == 0)
            *out = c;
    }
    rc = found == 0 ? -ESRCH : found > 1 ? -ENOTUNIQ : 0;
out:
    free(ids);
    return rc;
}

/* One entry into *c. */
static int resolve_one(xvios_plat *p, xvios_tx tx, const char *entry, struct xvios_db_pool_client *c)
{
    struct xvios_db_client rec;
    struct xvios_dominfo info;
    uint32_t domid;
    int rc;

    memset(c, 0, sizeof(*c));
    if (strlen(entry) == 36 && xvios_uuid_valid(entry)) {
        lower_uuid(entry, c->uuid);
        if (xvios_db_client_by_uuid(p, tx, c->uuid, &rec) == 0)
            snprintf(c->name, sizeof(c->name), "%s", rec.name);
        return 0;
    }
    if (!client_name_ok(entry, strlen(entry)))
        return -EINVAL;
    rc = by_table_name(p, tx, entry, &rec);
    if (rc == 0) {
        snprintf(c->uuid, sizeof(c->uuid), "%s", rec.uuid);
        snprintf(c->name, sizeof(c->name), "%s", entry);
        return 0;
    }
    if (rc != -ESRCH)
        return rc;
    /* never logged in: a domain of that name running on this host */
    if (xvios_plat_domain_lookup(p, entry, &domid) < 0 || xvios_plat_domain_info(p, domid, &info) < 0 ||
        !xvios_uuid_valid(info.uuid) || strcmp(info.name, entry))
        return -ESRCH;
    lower_uuid(info.uuid, c->uuid);
    snprintf(c->name, sizeof(c->name), "%s", entry);
    return 0;
}

static int by_uuid(const void *a, const void *b)
{
    return strcmp(((const struct xvios_db_pool_client *)a)->uuid, ((const struct xvios_db_pool_client *)b)->uuid);
}

int db_pool_access_resolve(xvios_plat *p, xvios_tx tx, const char *text, bool *any,
                           struct xvios_db_pool_client **out, unsigned *n, char *bad, size_t cap)
{
    struct xvios_db_pool_client *v = NULL;
    unsigned k = 0;
    const char *s = text;
    int rc = 0;

    *any = false;
    *out = NULL;
    *n = 0;
    if (cap)
        bad[0] = '\0';
    if (!text || !text[0])
        return 0;   /* nobody */
    if (!strcmp(text, "*")) {
        *any = true;
        return 0;
    }
    if (strlen(text) > XVIOS_POOL_ACCESS_TEXT_MAX) {
        snprintf(bad, cap, "%.40s...", text);
        return -E2BIG;
    }
    v = calloc(XVIOS_POOL_ACCESS_MAX, sizeof(*v));
    if (!v)
        return -ENOMEM;
    for (;;) {
        char entry[XVIOS_CLIENT_NAME_MAX + 1];
        size_t len = strcspn(s, ",");

        if (len == 0 || len > XVIOS_CLIENT_NAME_MAX) {
            snprintf(bad, cap, "%.*s", (int)(len > 64 ? 64 : len), s);
            rc = -EINVAL;
            goto out;
        }
        memcpy(entry, s, len);
        entry[len] = '\0';
        if (k == XVIOS_POOL_ACCESS_MAX) {
            snprintf(bad, cap, "%s", entry);
            rc = -E2BIG;
            goto out;
        }
        rc = resolve_one(p, tx, entry, &v[k]);
        if (rc < 0) {
            snprintf(bad, cap, "%s", entry);
            goto out;
        }
        /* a client named twice (by uuid and by name) is one entry */
        bool dup = false;
        for (unsigned i = 0; i < k && !dup; i++)
            dup = !strcmp(v[i].uuid, v[k].uuid);
        if (!dup)
            k++;
        if (!s[len])
            break;
        s += len + 1;
    }
    qsort(v, k, sizeof(*v), by_uuid);
    *out = v;
    *n = k;
    v = NULL;
out:
    free(v);
    return rc;
}
