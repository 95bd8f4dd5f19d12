/* SPDX-License-Identifier: MIT */
/* vke.c - the VKE's lifetime, and the private loop of a VKE without a host loop. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/epoch.h"
#include "xvios/log.h"
#include "xvios/paths.h"

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
