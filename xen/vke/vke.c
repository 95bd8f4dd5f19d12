/* SPDX-License-Identifier: MIT */
/* vke.c - the VKE's lifetime, and the private loop of a VKE without a host loop. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/epoch.h"
#include "xvios/log.h"
#include "xvios/paths.h"

/* A message the previous incarnation receipted and held, open in its journal: lost with it. */
static void lost_at_restart(void *arg, const struct vke_jrec *r, bool handed)
{
    struct xvios_vke *v = arg;
    time_t secs = (time_t)(r->received_ms / 1000u);
    struct tm tm;
    char when[32] = "?";

    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    v->st.up_lost_restart++;
    XLOG_WARN("message from node %u (txid %#llx, epoch %u, type %u) lost: the previous xvios-backend died %s "
              "(received %s)", r->node, (unsigned long long)r->txid, r->epoch, r->msg_type,
              handed ? "before its daemon acknowledged it (a daemon that outlived it may still have read it)"
                     : "holding it for its daemon", when);
}

/* Report what the previous incarnation left open in the receipt journal, then start a fresh one. */
static int open_journal(struct xvios_vke *v, const char *rundir, unsigned upcap)
{
    struct vke_journal_replay f;
    char path[160];
    int rc = xvios_run_path(path, sizeof(path), rundir, VKE_JOURNAL_FILE);

    if (rc < 0)
        return rc;
    rc = vke_journal_open(&v->journal, path, upcap + XVIOS_VKE_UNACKED_MAX, lost_at_restart, v, &f);
    if (rc == 0 && f.open)
        XLOG_WARN("%u messages receipted by the previous xvios-backend were lost with it (up_lost_restart)", f.open);
    return rc;
}

/* The loop and multiplexer the VKE lives in: the host's, or private ones. */
static int join_loop(struct xvios_vke *v, const struct xvios_vke_config *cfg)
{
    int rc;

    if (cfg->loop) {
        v->loop = cfg->loop;
        v->mux = cfg->watches;
    } else {
        rc = xvios_evloop_create(&v->own_loop);
        if (rc == 0)
            rc = xvios_watchmux_create(v->plat, v->own_loop, &v->own_mux);
        if (rc < 0) {
            XLOG_ERR("cannot set up the event loop: %s", strerror(-rc));
            return rc;
        }
        v->loop = v->own_loop;
        v->mux = v->own_mux;
    }
    return vke_loop_attach(v);
}

int xvios_vke_create(const struct xvios_vke_config *cfg, struct xvios_vke **out)
{
    struct xvios_vke *v = NULL;
    unsigned upcap;
    int rc;

    *out = NULL;
    if (!cfg || !cfg->plat || !cfg->rundir)
        return -EINVAL;
    /* a host's loop comes with the host's multiplexer on it, or neither is given */
    if (!cfg->loop != !cfg->watches || (cfg->loop && xvios_watchmux_loop(cfg->watches) != cfg->loop))
        return -EINVAL;
    v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->plat = cfg->plat;
    v->listen_fd = -1;
    v->journal.fd = -1;
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        v->conns[i].fd = -1;
    v->max_sends = cfg->max_outstanding ? cfg->max_outstanding : 256;
    upcap = cfg->up_queue_cap ? cfg->up_queue_cap : 128;
    xvios_pktq_init(&v->upq, upcap, SIZE_MAX);
    xvios_pktq_init(&v->inq, upcap, SIZE_MAX);
    v->link_queue_cap = cfg->link_queue_cap ? cfg->link_queue_cap : 256;
    v->sends = calloc(v->max_sends, sizeof(*v->sends));
    v->iobuf = malloc(XVIOS_LINK_MAX_DGRAM);
    v->encbuf = malloc(XVIOS_MAX_MSG);
    v->unacked = calloc(XVIOS_VKE_UNACKED_MAX, sizeof(*v->unacked));
    if (!v->sends || !v->iobuf || !v->encbuf || !v->unacked) {
        rc = -ENOMEM;
        goto out;
    }
    rc = xvios_plat_self_domid(v->plat, &v->self_domid);
    if (rc < 0) {
        XLOG_ERR("cannot tell which domain this is: %s", strerror(-rc));
        goto out;
    }
    rc = vke_local_listen(v, cfg->rundir);
    if (rc < 0) {
        XLOG_ERR("cannot serve %s/vke.sock: %s", cfg->rundir, strerror(-rc));
        goto out;
    }
    {
        char epath[160];
        rc = xvios_run_path(epath, sizeof(epath), cfg->rundir, XVIOS_VKE_EPOCH_FILE);
        if (rc == 0)
            rc = xvios_epoch_advance(epath, xvios_epoch_clock_floor(), &v->inproc_epoch);
        if (rc < 0)
            goto out;
    }
    rc = open_journal(v, cfg->rundir, upcap);   /* after the socket: no other live VKE serves this directory */
    if (rc < 0)
        goto out;
    rc = join_loop(v, cfg);
    if (rc < 0)
        goto out;
    rc = vke_members_watch(v);
    if (rc < 0)
        goto out;
    vke_members_refresh(v, true);
    vke_loop_sync(v);
    vke_loop_kick(v);
    *out = v;
    return 0;
out:
    xvios_vke_destroy(v);
    return rc;
}

void xvios_vke_destroy(struct xvios_vke *v)
{
    if (!v)
        return;
    vke_loop_detach(v);
    vke_local_dispose(v);
    vke_peers_dispose(v);
    vke_inproc_dispose(v);
    vke_journal_close(&v->journal);   /* after vke_local_dispose accounted for what was held */
    xvios_watchmux_destroy(v->own_mux);
    xvios_evloop_destroy(v->own_loop);
    free(v->sends);
    free(v->iobuf);
    free(v->encbuf);
    free(v->unacked);
    free(v);
}

uint32_t xvios_vke_node(const struct xvios_vke *v) { return v->members.self; }

int xvios_vke_run_once(struct xvios_vke *v, int max_wait_ms)
{
    int rc;

    if (!v || !v->own_loop)
        return -EINVAL; /* a hosted VKE is turned by its host's loop */
    rc = xvios_evloop_run_once(v->own_loop, max_wait_ms);
    return rc < 0 ? rc : 0;
}
