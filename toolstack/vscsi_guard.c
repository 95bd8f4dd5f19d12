/* SPDX-License-Identifier: MIT */
/* vscsi_guard.c - dom0 closes the vhosts of a dead VIOS (vscsi_guard.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/vscsi_cmd.h"
#include "toolstack/vscsi_guard.h"
#include "toolstack/vscsi_nodes.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/parse.h"

#define TOKEN_RELEASE "xvios-guard-release"
#define TOKEN_NODES   "xvios-guard-nodes"
#define TOKEN_FE      "xvios-guard-fe"
#define DB_NODES_DIR  "/xvios/nodes"
#define MAX_DOMID     0x7fefu      /* DOMID_FIRST_RESERVED - 1 */

__attribute__((format(printf, 2, 3)))
static void say(struct vscsi_guard *g, const char *fmt, ...)
{
    va_list ap;

    if (!g->log)
        return;
    fputs("xvios scsi guard: ", g->log);
    va_start(ap, fmt);
    vfprintf(g->log, fmt, ap);
    va_end(ap);
    fputc('\n', g->log);
    fflush(g->log);
}

/* A short value (a state, a domid, a path) into buf; -ENOENT, -E2BIG, ... */
static int read_small(xvios_plat *p, const char *path, char *buf, size_t n)
{
    char *untrusted_val = NULL;
    size_t len = 0;
    int rc = xvios_store_read(p, XVIOS_TX_NONE, path, &untrusted_val, &len);

    buf[0] = '\0';
    if (rc < 0)
        return rc;
    if (len >= n || memchr(untrusted_val, '\0', len))
        rc = -E2BIG;
    else
        memcpy(buf, untrusted_val, len + 1);
    free(untrusted_val);
    return rc;
}

/* dir/key as a xenbus state; VSCSI_ST_ABSENT if missing or malformed, -ENOENT if dir itself is gone. */
static int read_state(xvios_plat *p, const char *dir, const char *key)
{
    char path[VSCSI_PATH_MAX], buf[16];
    uint32_t v;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >= sizeof(path))
        return VSCSI_ST_ABSENT;
    if (read_small(p, path, buf, sizeof(buf)) == 0 && xvios_parse_u32_canon(buf, VSCSI_ST_RECONFIGURED, &v) == 0)
        return (int)v;
    if (read_small(p, dir, buf, sizeof(buf)) == -ENOENT)
        return -ENOENT;
    return VSCSI_ST_ABSENT;
}

/* Is the domain gone, dying, shut down or crashed? -errno when it cannot be told. */
static int domain_dead(xvios_plat *p, uint32_t domid, const char *uuid, bool *dead, bool *replaced)
{
    struct xvios_dominfo info;
    int rc = xvios_plat_domain_info(p, domid, &info);

    *dead = false;
    if (replaced)
        *replaced = false;
    if (rc == -ENOENT) {
        *dead = true;
        return 0;
    }
    if (rc < 0)
        return rc;
    if (uuid && uuid[0] && info.uuid[0] && strcmp(uuid, info.uuid)) {
        /* the domid now names another domain: the old one is gone, but what lives there is not ours */
        if (replaced)
            *replaced = true;
        return 0;
    }
    *dead = !info.alive;
    return 0;
}

/* ---------------------------------------------------------------- VIOS domains */
static struct vscsi_guard_vios *vios_find(struct vscsi_guard *g, uint32_t domid)
{
    for (unsigned i = 0; i < g->n_vios; i++)
        if (g->vios[i].domid == domid)
            return &g->vios[i];
    return NULL;
}

static void vios_forget(struct vscsi_guard *g, unsigned i)
{
    g->vios[i] = g->vios[--g->n_vios];
}

/* Every domain the cluster DB names is remembered (with its uuid); no cluster is no member. */
static int learn_members(struct vscsi_guard *g)
{
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;
    int rc = xvios_db_nodes(g->p, &nodes, &n);

    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        struct vscsi_guard_vios *v = vios_find(g, nodes[i].domid);

        if (v || nodes[i].domid == 0)
            continue;
        v = realloc(g->vios, (g->n_vios + 1) * sizeof(*v));
        if (!v) {
            rc = -ENOMEM;
            goto out;
        }
        g->vios = v;
        v = &g->vios[g->n_vios++];
        memset(v, 0, sizeof(*v));
        v->domid = nodes[i].domid;
        snprintf(v->uuid, sizeof(v->uuid), "%s", nodes[i].uuid);
        say(g, "watching VIOS domain %u (node %u, %s)", v->domid, nodes[i].node, nodes[i].name);
    }
out:
    free(nodes);
    return rc;
}

/* Mark the VIOSes that died since the last pass; forget those replaced by another domain. */
static void notice_deaths(struct vscsi_guard *g)
{
    for (unsigned i = 0; i < g->n_vios;) {
        struct vscsi_guard_vios *v = &g->vios[i];
        bool dead, replaced;
        int rc;

        if (v->dead) {
            i++;
            continue;
        }
        rc = domain_dead(g->p, v->domid, v->uuid, &dead, &replaced);
        if (rc < 0) {
            say(g, "cannot tell whether domain %u lives: %s", v->domid, strerror(-rc));
        } else if (replaced) {
            say(g, "domain %u is no longer VIOS %s: forgotten, its vhosts left alone", v->domid, v->uuid);
            vios_forget(g, i);
            continue;
        } else if (dead) {
            v->dead = true;
            v->searched = false;
            v->dead_since = xvios_now();
            say(g, "VIOS domain %u is gone: %s the vhosts it served", v->domid, g->revive ? "listing" : "closing");
        }
        i++;
    }
}

static bool is_dead_vios(struct vscsi_guard *g, uint32_t domid)
{
    struct vscsi_guard_vios *v = vios_find(g, domid);

    return v && v->dead;
}

/* ---------------------------------------------------------------- vhosts */
static struct vscsi_guard_vhost *vh_find(struct vscsi_guard *g, uint32_t client, uint32_t vhost)
{
    for (unsigned i = 0; i < g->n_vh; i++)
        if (g->vh[i].client == client && g->vh[i].vhost == vhost)
            return &g->vh[i];
    return NULL;
}

static int vh_add(struct vscsi_guard *g, uint32_t vios, uint32_t client, uint32_t vhost)
{
    struct vscsi_guard_vhost *t;
    char fe[VSCSI_PATH_MAX];
    int rc;

    if (vh_find(g, client, vhost))
        return 0;
    if ((rc = vscsi_fe_path(client, vhost, fe, sizeof(fe))) < 0)
        return rc;
    t = realloc(g->vh, (g->n_vh + 1) * sizeof(*t));
    if (!t)
        return -ENOMEM;
    g->vh = t;
    t = &g->vh[g->n_vh];
    memset(t, 0, sizeof(*t));
    t->vios = vios;
    t->client = client;
    t->vhost = vhost;
    /* the frontend's Closed wakes the guard; polling covers a failed watch */
    if ((rc = xvios_store_watch(g->p, fe, TOKEN_FE)) < 0)
        say(g, "cannot watch %s (%s): polling it", fe, strerror(-rc));
    g->n_vh++;
    say(g, "vhost %u of domain %u was served by dead VIOS %u", vhost, client, vios);
    return 0;
}

static void vh_drop(struct vscsi_guard *g, unsigned i)
{
    char fe[VSCSI_PATH_MAX];

    if (vscsi_fe_path(g->vh[i].client, g->vh[i].vhost, fe, sizeof(fe)) == 0)
        xvios_store_unwatch(g->p, fe, TOKEN_FE);
    g->vh[i] = g->vh[--g->n_vh];
}

/*
 * The vhosts of client whose frontend names a dead VIOS. Everything read here
 * is the client's: backend-id must be a dead VIOS we know, and backend exactly
 * the canonical path for (that VIOS, client, vhost).
 */
static int search_client(struct vscsi_guard *g, uint32_t client)
{
    char root[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX], path[VSCSI_PATH_MAX], be[VSCSI_PATH_MAX];
    char buf[VSCSI_PATH_MAX];
    char **names = NULL;
    unsigned n = 0;
    int rc;

    if ((size_t)snprintf(root, sizeof(root), "/local/domain/%u/device/vscsi", client) >= sizeof(root))
        return -ENAMETOOLONG;
    rc = xvios_store_list(g->p, XVIOS_TX_NONE, root, &names, &n);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        uint32_t vhost, vios;

        if (xvios_parse_u32_canon(names[i], VSCSI_MAX_VHOST, &vhost) < 0 ||
            vscsi_fe_path(client, vhost, fe, sizeof(fe)) < 0 ||
            (size_t)snprintf(path, sizeof(path), "%s/backend-id", fe) >= sizeof(path) ||
            read_small(g->p, path, buf, sizeof(buf)) < 0 || xvios_parse_u32_canon(buf, MAX_DOMID, &vios) < 0 ||
            !is_dead_vios(g, vios) || vh_find(g, client, vhost))
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/backend", fe) >= sizeof(path) ||
            read_small(g->p, path, buf, sizeof(buf)) < 0 || vscsi_be_path(vios, client, vhost, be, sizeof(be)) < 0 ||
            strcmp(buf, be)) {
            say(g, "vhost %u of domain %u names VIOS %u but not its backend path: left alone", vhost, client, vios);
            continue;
        }
        rc = vh_add(g, vios, client, vhost);
    }
    xvios_strv_free(names, n);
    return rc;
}

/* After a death: every domain's frontends. */
static int search_frontends(struct vscsi_guard *g)
{
    char **names = NULL;
    unsigned n = 0;
    bool any = false;
    int rc;

    for (unsigned i = 0; i < g->n_vios; i++)
        any |= g->vios[i].dead && !g->vios[i].searched;
    if (!any)
        return 0;
    rc = xvios_store_list(g->p, XVIOS_TX_NONE, "/local/domain", &names, &n);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        uint32_t client;

        if (xvios_parse_u32_canon(names[i], MAX_DOMID, &client) < 0 || is_dead_vios(g, client))
            continue;
        rc = search_client(g, client);
    }
    xvios_strv_free(names, n);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < g->n_vios; i++)
        g->vios[i].searched |= g->vios[i].dead;
    return 0;
}

/* <backend>/state = 5, and the backend dir and that node owned by dom0, readable by the client. */
static int write_closing(struct vscsi_guard *g, struct vscsi_guard_vhost *t, const char *be)
{
    const struct xvios_perm perms[] = {{0, XVIOS_PERM_NONE}, {t->client, XVIOS_PERM_READ}};
    char path[VSCSI_PATH_MAX];
    bool dead;
    int rc;

    /* the last look before writing: never a live VIOS's vhost */
    if ((rc = domain_dead(g->p, t->vios, vios_find(g, t->vios) ? vios_find(g, t->vios)->uuid : NULL, &dead, NULL)) < 0)
        return rc;
    if (!dead)
        return -EBUSY;
    if ((size_t)snprintf(path, sizeof(path), "%s/state", be) >= sizeof(path))
        return -ENAMETOOLONG;
    /* one transaction: the client's watch fires once, on a node it can already read */
    for (unsigned attempt = 0; attempt < 5; attempt++) {
        xvios_tx tx;

        if ((rc = xvios_store_tx_start(g->p, &tx)) < 0)
            return rc;
        if ((rc = xvios_store_write(g->p, tx, path, "5", 1)) < 0 ||
            (rc = xvios_store_set_perms(g->p, tx, be, perms, 2)) < 0 ||
            (rc = xvios_store_set_perms(g->p, tx, path, perms, 2)) < 0) {
            xvios_store_tx_end(g->p, tx, false);
            return rc;
        }
        rc = xvios_store_tx_end(g->p, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    return rc;
}

/* Remove the dir at path if it has no children left. */
static void rm_if_empty(xvios_plat *p, const char *path)
{
    char **names = NULL;
    unsigned n = 0;

    if (xvios_store_list(p, XVIOS_TX_NONE, path, &names, &n) == 0 && n == 0)
        xvios_store_rm(p, XVIOS_TX_NONE, path);
    xvios_strv_free(names, n);
}

/*
 * Remove what the guard created: the backend dir, and the parents it had to
 * recreate under the dead VIOS's home once they are empty (only when that
 * home is not a live domain's: no <home>/domid).
 */
static void remove_backend(struct vscsi_guard *g, const struct vscsi_guard_vhost *t, const char *be)
{
    char home[32], path[VSCSI_PATH_MAX], buf[16];
    int len;

    xvios_store_rm(g->p, XVIOS_TX_NONE, be);
    snprintf(home, sizeof(home), "/local/domain/%u", t->vios);
    if ((size_t)snprintf(path, sizeof(path), "%s/domid", home) >= sizeof(path) ||
        read_small(g->p, path, buf, sizeof(buf)) != -ENOENT)
        return;
    /* <home>/backend/vscsi/<client>, then each parent up to <home>, while empty */
    len = snprintf(path, sizeof(path), "%s/backend/vscsi/%u", home, t->client);
    if (len < 0 || (size_t)len >= sizeof(path))
        return;
    for (size_t home_len = strlen(home);;) {
        char *slash;

        rm_if_empty(g->p, path);
        if (strlen(path) <= home_len || !(slash = strrchr(path, '/')))
            break;
        *slash = '\0';
    }
}

/* Move one vhost on; true when it is done (then it is dropped by the caller). */
static bool step_vhost(struct vscsi_guard *g, struct vscsi_guard_vhost *t)
{
    char be[VSCSI_PATH_MAX], fe[VSCSI_PATH_MAX];
    bool client_dead;
    int fe_state, rc;

    if (vscsi_be_path(t->vios, t->client, t->vhost, be, sizeof(be)) < 0 ||
        vscsi_fe_path(t->client, t->vhost, fe, sizeof(fe)) < 0)
        return true;
    fe_state = read_state(g->p, fe, "state");
    if (domain_dead(g->p, t->client, NULL, &client_dead, NULL) == 0 && client_dead) {
        remove_backend(g, t, be);
        xvios_store_rm(g->p, XVIOS_TX_NONE, fe);
        say(g, "vhost %u of domain %u: the client is gone too; removed both dirs", t->vhost, t->client);
        return true;
    }
    if (fe_state == -ENOENT || fe_state == VSCSI_ST_CLOSED) {
        remove_backend(g, t, be);
        if (fe_state == VSCSI_ST_CLOSED)
            xvios_store_rm(g->p, XVIOS_TX_NONE, fe);
        g->closed_total++;
        say(g, "vhost %u of domain %u: frontend %s; removed %s%s", t->vhost, t->client,
            fe_state == VSCSI_ST_CLOSED ? "closed" : "gone", be, fe_state == VSCSI_ST_CLOSED ? " and the frontend dir" : "");
        return true;
    }
    if (g->revive && !t->closing_written) {
        /* Linux xen-scsifront cannot finish a disconnect while an ABORT waits on the dead ring: the
         * vhost is left for `xvios vios revive` + `xvios scsi rebuild --resume` (docs/vscsi.md) */
        say(g, "vhost %u of domain %u: VIOS %u is dead; left for its revival under domid %u (--revive), "
               "frontend %s", t->vhost, t->client, t->vios, t->vios, vscsi_state_name(fe_state));
        return true;
    }
    if (read_state(g->p, be, "state") != VSCSI_ST_CLOSING) {
        struct vscsi_guard_vios *v = vios_find(g, t->vios);

        rc = write_closing(g, t, be);
        if (rc == -EBUSY) {
            say(g, "vhost %u of domain %u: VIOS %u is running again; left alone", t->vhost, t->client, t->vios);
            return true;
        }
        if (rc < 0) {
            say(g, "vhost %u of domain %u: writing %s/state: %s", t->vhost, t->client, be, strerror(-rc));
            return false;
        }
        if (!t->closing_written) {
            t->closing_at = xvios_now();
            g->last_death_to_closing_ms = v ? xvios_ts_diff_ms(t->closing_at, v->dead_since) : -1;
            say(g, "vhost %u of domain %u: wrote Closing to %s/state, %lld ms after VIOS %u's death was seen "
                   "(frontend %s)", t->vhost, t->client, be, (long long)g->last_death_to_closing_ms, t->vios,
                vscsi_state_name(fe_state));
        } else {
            say(g, "vhost %u of domain %u: %s/state was removed; wrote Closing again", t->vhost, t->client, be);
        }
        t->closing_written = true;
        return false;
    }
    if (t->closing_written && !t->warned && xvios_ts_diff_ms(xvios_now(), t->closing_at) > VSCSI_GUARD_WARN_MS) {
        t->warned = true;
        say(g, "vhost %u of domain %u: the frontend is still %s %d s after Closing; waiting for it", t->vhost,
            t->client, vscsi_state_name(fe_state), VSCSI_GUARD_WARN_MS / 1000);
    }
    return false;
}

/* Dead VIOSes with nothing left to do and no longer in the DB are forgotten. */
static void forget_done(struct vscsi_guard *g)
{
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0;

    if (xvios_db_nodes(g->p, &nodes, &n) < 0)
        n = 0;
    for (unsigned i = 0; i < g->n_vios;) {
        const struct vscsi_guard_vios *v = &g->vios[i];
        bool pending = false, in_db = false;

        for (unsigned k = 0; k < g->n_vh; k++)
            pending |= g->vh[k].vios == v->domid;
        for (unsigned k = 0; k < n; k++)
            in_db |= nodes[k].domid == v->domid;
        if (v->dead && v->searched && !pending && !in_db)
            vios_forget(g, i);
        else
            i++;
    }
    free(nodes);
}

int vscsi_guard_scan(struct vscsi_guard *g)
{
    int rc = learn_members(g);

    if (rc < 0)
        say(g, "reading the cluster nodes: %s", strerror(-rc));
    notice_deaths(g);
    if ((rc = search_frontends(g)) < 0)
        say(g, "searching the frontends: %s", strerror(-rc));
    for (unsigned i = 0; i < g->n_vh;) {
        if (step_vhost(g, &g->vh[i]))
            vh_drop(g, i);
        else
            i++;
    }
    forget_done(g);
    return rc;
}

/* ---------------------------------------------------------------- running */
int vscsi_guard_start(struct vscsi_guard *g, xvios_plat *p, FILE *log)
{
    return vscsi_guard_start_mode(g, p, log, false);
}

int vscsi_guard_start_mode(struct vscsi_guard *g, xvios_plat *p, FILE *log, bool revive)
{
    uint32_t self = 1;
    int rc;

    memset(g, 0, sizeof(*g));
    g->revive = revive;
    g->p = p;
    g->log = log;
    g->last_death_to_closing_ms = -1;
    if ((rc = xvios_plat_self_domid(p, &self)) < 0 || self != 0) {
        say(g, "runs in dom0 only");
        return rc < 0 ? rc : -EPERM;
    }
    if ((rc = xvios_store_watch(p, "@releaseDomain", TOKEN_RELEASE)) < 0) {
        say(g, "cannot watch @releaseDomain: %s", strerror(-rc));
        return rc;
    }
    if ((rc = xvios_store_watch(p, DB_NODES_DIR, TOKEN_NODES)) < 0) {
        say(g, "cannot watch %s: %s", DB_NODES_DIR, strerror(-rc));
        xvios_store_unwatch(p, "@releaseDomain", TOKEN_RELEASE);
        return rc;
    }
    g->watching = true;
    return vscsi_guard_scan(g);
}

int vscsi_guard_next_timeout_ms(const struct vscsi_guard *g)
{
    return g->n_vh ? VSCSI_GUARD_BUSY_MS : VSCSI_GUARD_IDLE_MS;
}

int vscsi_guard_wait(struct vscsi_guard *g, int timeout_ms)
{
    struct pollfd pfd = {.fd = xvios_store_watch_fd(g->p), .events = POLLIN};

    if (pfd.fd < 0)
        return pfd.fd;
    if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
        return -errno;
    for (;;) {
        char *path = NULL, *token = NULL;
        int rc = xvios_store_watch_read(g->p, &path, &token);

        free(path);
        free(token);
        if (rc == -EAGAIN)
            break;
        if (rc < 0)
            return rc;
    }
    vscsi_guard_scan(g);   /* what fails there is said on the log and tried again on the next pass */
    return 0;
}

void vscsi_guard_stop(struct vscsi_guard *g)
{
    for (unsigned i = 0; i < g->n_vh; i++)
        say(g, "stopping with vhost %u of domain %u not closed yet (backend state %s)", g->vh[i].vhost,
            g->vh[i].client, g->vh[i].closing_written ? "5 written" : "not written");
    while (g->n_vh)
        vh_drop(g, g->n_vh - 1);
    if (g->watching) {
        xvios_store_unwatch(g->p, "@releaseDomain", TOKEN_RELEASE);
        xvios_store_unwatch(g->p, DB_NODES_DIR, TOKEN_NODES);
    }
    free(g->vh);
    free(g->vios);
    memset(g, 0, sizeof(*g));
}
