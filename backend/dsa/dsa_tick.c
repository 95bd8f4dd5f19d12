/* SPDX-License-Identifier: MIT */
/*
 * dsa_tick.c - the path monitor as a whole (dsa.h): the stores the engine
 * attaches, and the period: the pool's LUs (each with a store of the
 * monitor's own, so that a VIOS that serves none of them still knows and
 * publishes whether it could), the test fault switch, a probe round on
 * every path, publications that failed retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/dsa/dsa_int.h"
#include "xvios/clock.h"
#include "xvios/db_lu.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define FAULT_FILE_MAX 4096u

/* The fault switch's lines naming this domain: all = a line with the domid alone. */
static void read_fault_file(struct dsa *d, char *keys, size_t cap, bool *all, bool *any)
{
    char untrusted_buf[FAULT_FILE_MAX + 1], *save = NULL, *line;
    ssize_t n;
    int fd;

    *all = *any = false;
    keys[0] = '\0';
    if (!d->fault_file[0] || (fd = open(d->fault_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return;
    n = read(fd, untrusted_buf, FAULT_FILE_MAX);
    close(fd);
    if (n <= 0)
        return;
    untrusted_buf[n] = '\0';
    for (line = strtok_r(untrusted_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        uint32_t domid;

        if (sp)
            *sp = '\0';
        if (xvios_parse_u32_canon(line, 0xffffu, &domid) < 0 || domid != d->cfg.domid)
            continue;
        *any = true;
        if (!sp) {
            *all = true;
        } else if (xvios_path_key_valid(sp + 1) && strlen(keys) + strlen(sp + 1) + 2 < cap) {
            strcat(keys, " ");
            strcat(keys, sp + 1);
        }
    }
}

static bool key_listed(const char *keys, const char *key)
{
    size_t n = strlen(key);

    for (const char *s = strstr(keys, key); s; s = strstr(s + 1, key))
        if (s > keys && s[-1] == ' ' && (s[n] == ' ' || s[n] == '\0'))
            return true;
    return false;
}

static void open_own(struct dsa_path *p)
{
    struct lu_store_opts so = { .path = p->backing, .read_only = true };
    struct lu_store *s = NULL;
    int rc;

    for (unsigned i = 0; i < DSA_MAX_STORES; i++)
        if (p->slots[i] && p->slots[i]->own)
            return;
    rc = lu_store_open(&so, &s);
    if (rc < 0) {
        if (!p->own_failed)
            XLOG_WARN("path %s: cannot open %s: %s", p->key, p->backing, strerror(-rc));
        p->own_failed = true;
        return;
    }
    if (dsa__slot_add(p, s, true) < 0) {
        lu_store_close(s);
        p->own_failed = true;
        return;
    }
    p->own_failed = false;
}

/* A lost path's own store is opened afresh each period: a device that came back is a new device. */
static void reopen_own(struct dsa_path *p)
{
    for (unsigned i = 0; i < DSA_MAX_STORES; i++)
        if (p->slots[i] && p->slots[i]->own && !p->slots[i]->busy)
            dsa__slot_drop(p, i);
}

static void scan_pool(struct dsa *d)
{
    struct xvios_db_lu *lus = NULL;
    unsigned n = 0;

    if (xvios_db_lu_list(d->cfg.plat, XVIOS_TX_NONE, &lus, &n) < 0)
        n = 0;                            /* no pool (yet), or not readable: nothing to add */
    for (struct dsa_path *p = d->paths; p; p = p->next)
        p->seen = false;
    for (unsigned i = 0; i < n; i++) {
        struct dsa_path *p = dsa__path_get(d, lus[i].name, lus[i].backing, lus[i].offset);

        if (!p)
            continue;
        p->pool = p->seen = true;
    }
    free(lus);
    for (struct dsa_path *p = d->paths, *next; p; p = next) {
        next = p->next;
        if (p->pool && !p->seen && p->attached == 0) {
            uint32_t node = d->cfg.node ? d->cfg.node(d->cfg.node_arg) : 0;
            if (node && p->published)
                xvios_db_path_remove(d->cfg.plat, node, p->key);
            dsa__path_free(p);
        } else if (p->pool && !p->seen) {
            p->pool = false;
        }
    }
}

/* The engine's I/O errors on p's stores since the last period: into p->io_errors (published this period). */
static void count_io_errors(struct dsa_path *p)
{
    for (unsigned i = 0; i < DSA_MAX_STORES; i++)
        if (p->slots[i])
            dsa__slot_count(p, p->slots[i]);
}

static void on_tick(struct xvios_ev_timer *t, void *arg)
{
    struct dsa *d = arg;
    char keys[FAULT_FILE_MAX];
    bool all, any;

    if (d->tick_due.tv_sec && xvios_ts_diff_ms(d->tick_due, xvios_now()) > 1000)
        XLOG_WARN("path monitor: period ran %lld ms late (the event loop was blocked)",
                  (long long)xvios_ts_diff_ms(d->tick_due, xvios_now()));
    if (d->cfg.watch_pool)
        scan_pool(d);
    read_fault_file(d, keys, sizeof(keys), &all, &any);
    for (struct dsa_path *p = d->paths; p; p = p->next) {
        dsa__set_fault(p, any && (all || key_listed(keys, p->key)));
        if (p->state == DSA_LOST)
            dsa__reopen_stores(p);
        if (p->pool) {
            if (p->state == DSA_LOST)
                reopen_own(p);
            open_own(p);
        }
        count_io_errors(p);
        if (p->dirty || !p->published)
            dsa__publish(p);
        dsa__probe(p);
    }
    d->tick_due = xvios_deadline_ms(d->cfg.interval_ms);
    xvios_evloop_timer_arm(t, d->tick_due);
}

int dsa_create(const struct dsa_config *cfg, struct dsa **out)
{
    struct dsa *d;

    if (!cfg || !cfg->plat || !cfg->loop || !out)
        return -EINVAL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->cfg = *cfg;
    if (!d->cfg.interval_ms)
        d->cfg.interval_ms = DSA_DEFAULT_INTERVAL_MS;
    if (!d->cfg.probe_timeout_ms)
        d->cfg.probe_timeout_ms = DSA_DEFAULT_TIMEOUT_MS;
    if (cfg->fault_file && snprintf(d->fault_file, sizeof(d->fault_file), "%s", cfg->fault_file) >=
                               (int)sizeof(d->fault_file)) {
        free(d);
        return -ENAMETOOLONG;
    }
    d->cfg.fault_file = NULL;
    if (xvios_evloop_timer_add(d->cfg.loop, on_tick, d, &d->tick) < 0) {
        free(d);
        return -ENOMEM;
    }
    xvios_evloop_timer_arm(d->tick, xvios_deadline_ms(100));
    XLOG_INFO("path monitor: probe every %u ms, deadline %u ms%s%s", d->cfg.interval_ms, d->cfg.probe_timeout_ms,
              d->fault_file[0] ? ", TEST fault switch " : "", d->fault_file);
    *out = d;
    return 0;
}

void dsa_destroy(struct dsa *d)
{
    if (!d)
        return;
    while (d->paths)
        dsa__path_free(d->paths);
    xvios_evloop_timer_remove(d->tick);
    free(d);
}

void dsa_set_observer(struct dsa *d, dsa_verdict_fn fn, void *arg)
{
    d->verdict = fn;
    d->verdict_arg = arg;
}

int dsa_attach(struct dsa *d, const char *key, const char *backing, uint64_t probe_off, struct lu_store *store,
               struct dsa_path **out)
{
    struct dsa_path *p;
    int rc;

    if (!d || !key || !backing || !store || !out)
        return -EINVAL;
    p = dsa__path_get(d, key, backing, probe_off);
    if (!p)
        return -ENOMEM;
    rc = dsa__slot_add(p, store, false);
    if (rc < 0)
        return rc;
    p->attached++;
    if (!p->published)
        dsa__publish(p);
    *out = p;
    return 0;
}

void dsa_detach(struct dsa *d, struct dsa_path *p, struct lu_store *store)
{
    if (!d || !p)
        return;
    for (unsigned i = 0; i < DSA_MAX_STORES; i++)
        if (p->slots[i] && !p->slots[i]->own && p->slots[i]->store == store) {
            dsa__slot_drop(p, i);
            p->attached--;
            break;
        }
    if (p->attached == 0 && !p->pool) {
        uint32_t node = d->cfg.node ? d->cfg.node(d->cfg.node_arg) : 0;
        if (node && p->published)
            xvios_db_path_remove(d->cfg.plat, node, p->key);
        dsa__path_free(p);
    }
}

void dsa_get_stats(const struct dsa *d, struct dsa_stats *out)
{
    *out = d->st;
}
