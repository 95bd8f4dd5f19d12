/* SPDX-License-Identifier: MIT */
/* vke.c - the VKE's lifetime and event loop (see include/xvios/vke.h). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/clock.h"
#include "xvios/log.h"

int xvios_vke_create(const struct xvios_vke_config *cfg, struct xvios_vke **out)
{
    struct xvios_vke *v = NULL;
    int rc;

    *out = NULL;
    if (!cfg || !cfg->plat || !cfg->rundir)
        return -EINVAL;
    v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->plat = cfg->plat;
    v->listen_fd = -1;
    v->watch_fd = -1;
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++)
        v->conns[i].fd = -1;
    v->max_sends = cfg->max_outstanding ? cfg->max_outstanding : 256;
    xvios_pktq_init(&v->upq, cfg->up_queue_cap ? cfg->up_queue_cap : 128, SIZE_MAX);
    v->link_queue_cap = cfg->link_queue_cap ? cfg->link_queue_cap : 256;
    v->sends = calloc(v->max_sends, sizeof(*v->sends));
    v->iobuf = malloc(XVIOS_LINK_MAX_DGRAM);
    v->encbuf = malloc(XVIOS_MAX_MSG);
    if (!v->sends || !v->iobuf || !v->encbuf) {
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
    rc = vke_members_watch(v);
    if (rc < 0)
        goto out;
    v->watch_fd = xvios_store_watch_fd(v->plat);
    vke_members_refresh(v, true);
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
    vke_local_dispose(v);
    vke_peers_dispose(v);
    free(v->sends);
    free(v->iobuf);
    free(v->encbuf);
    free(v);
}

uint32_t xvios_vke_node(const struct xvios_vke *v) { return v->members.self; }

void xvios_vke_get_stats(const struct xvios_vke *v, struct xvios_vke_stats *out) { *out = v->st; }

size_t xvios_vke_format_stats(const struct xvios_vke *v, char *buf, size_t cap)
{
    const struct xvios_vke_stats *s = &v->st;
    unsigned up = 0, outstanding = 0;
    int n;

    for (unsigned i = 0; i < v->n_peers; i++)
        up += v->peers[i].link && xvios_link_state(v->peers[i].link) == XVIOS_LINK_UP;
    for (unsigned i = 0; i < v->max_sends; i++)
        outstanding += v->sends[i].used;
    n = snprintf(buf, cap,
                 "node=%u\ndomid=%u\npeers=%u\nlinks_up=%u\noutstanding=%u\nsends=%llu\nsends_rejected=%llu\n"
                 "packets_out=%llu\npackets_in=%llu\nmalformed_in=%llu\nreceipts_sent=%llu\nreceipts_in=%llu\n"
                 "receipts_late=%llu\nreceipts_dup=%llu\nreceipts_stray=%llu\ndelivered_up=%llu\n"
                 "up_queue_full=%llu\nup_queue=%u\nlink_expired=%llu\nlink_dropped=%llu\nlink_up=%llu\n"
                 "link_lost=%llu\nlocal_malformed=%llu\n",
                 v->members.self, v->self_domid, v->n_peers, up, outstanding, (unsigned long long)s->sends,
                 (unsigned long long)s->sends_rejected, (unsigned long long)s->packets_out,
                 (unsigned long long)s->packets_in, (unsigned long long)s->malformed_in,
                 (unsigned long long)s->receipts_sent, (unsigned long long)s->receipts_in,
                 (unsigned long long)s->receipts_late, (unsigned long long)s->receipts_dup,
                 (unsigned long long)s->receipts_stray, (unsigned long long)s->delivered_up,
                 (unsigned long long)s->up_queue_full, v->upq.n, (unsigned long long)s->link_expired,
                 (unsigned long long)s->link_dropped, (unsigned long long)s->link_up,
                 (unsigned long long)s->link_lost, (unsigned long long)s->local_malformed);
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

/* Does anything need attention on a timer (links connecting, queues waiting)? */
static bool needs_tick(const struct xvios_vke *v)
{
    if (v->upq.n && v->daemon_conn_id)
        return true;
    for (unsigned i = 0; i < v->n_peers; i++) {
        const struct vke_peer *p = &v->peers[i];
        if (!p->link || p->outq.n || xvios_link_state(p->link) != XVIOS_LINK_UP || xvios_link_fd(p->link) < 0)
            return true;
    }
    return false;
}

int xvios_vke_run_once(struct xvios_vke *v, int max_wait_ms)
{
    struct pollfd fds[2 + VKE_MAX_CONNS + XVIOS_MAX_NODES];
    int conn_slot[VKE_MAX_CONNS];
    unsigned nfds = 0, first_conn, first_link;
    struct timespec next;
    int timeout = max_wait_ms;

    fds[nfds++] = (struct pollfd){ .fd = v->listen_fd, .events = POLLIN };
    fds[nfds++] = (struct pollfd){ .fd = v->watch_fd, .events = POLLIN };
    first_conn = nfds;
    for (unsigned i = 0; i < VKE_MAX_CONNS; i++) {
        conn_slot[nfds - first_conn] = (int)i;
        if (v->conns[i].fd >= 0)
            fds[nfds++] = (struct pollfd){ .fd = v->conns[i].fd, .events = POLLIN };
    }
    first_link = nfds;
    for (unsigned i = 0; i < v->n_peers; i++) {
        int fd = v->peers[i].link ? xvios_link_fd(v->peers[i].link) : -1;
        if (fd >= 0)
            fds[nfds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
    }
    if (vke_send_next_deadline(v, &next)) {
        int t = xvios_poll_timeout(&next, max_wait_ms);
        if (t < timeout)
            timeout = t;
    }
    if (needs_tick(v) && timeout > VKE_TICK_MS)
        timeout = VKE_TICK_MS;

    if (poll(fds, nfds, timeout) < 0 && errno != EINTR)
        return -errno;

    if (fds[0].revents & POLLIN)
        vke_local_accept(v);
    if (fds[1].revents & POLLIN)
        vke_members_handle_watch(v);
    for (unsigned i = first_conn; i < first_link; i++) {
        struct vke_conn *c = &v->conns[conn_slot[i - first_conn]];
        if (fds[i].revents && c->fd == fds[i].fd)
            vke_local_read(v, c);
    }
    /* links: progress, receive, flush, reconnect — every turn, cheap when idle */
    vke_peers_service(v);
    vke_send_expire(v);
    vke_local_flush_up(v);
    return 0;
}
