/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_evtchn.c - a backend's event channels on the loopback platform
 * (xvios/ring.h). The frontend's port entry names two pipes of its process
 * (one per direction); binding claims the entry (UNBOUND offered to us ->
 * BOUND, compare-and-swap, so two backends cannot both bind it) and opens
 * both through /proc/<pid>/fd/<n>, read-write and non-blocking: a new open
 * file description, so the frontend cannot make our ends block. An event
 * is a byte; a full pipe means "pending" already.
 *
 * Masking as the Xen evtchn device does it: the pollable fd is an epoll set
 * holding the incoming pipe. pending() drains the pipe and takes it
 * out of the set (masked: the fd stops being readable even if the frontend
 * notifies again); unmask() puts it back, and a notification that came in
 * between makes the fd readable at once. A fresh binding has one event
 * pending, like xenevtchn_bind_interdomain().
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat_loop_gnt.h"
#include "xvios/log.h"

struct loop_evtchn {
    struct loop_peer peer;            /* control area only */
    uint32_t self, port, local;
    int to_be, to_fe, epfd;
    bool masked, bound;
};

static uint32_t next_local_port = 1;   /* local ports of this process, never 0 */

static uint64_t state_word(enum loop_evtchn_kind kind, uint32_t remote)
{
    return (uint64_t)kind | ((uint64_t)remote << LOOP_EVTCHN_REMOTE_SHIFT);
}

/* Is fd a pipe? (what the frontend's entry named could be anything) */
static bool is_pipe(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

static int signal_fd(int fd)
{
    if (write(fd, "e", 1) == 1 || errno == EAGAIN)
        return 0; /* EAGAIN: the pipe is full, so it is pending anyway */
    return -errno;
}

void loop_evtchn_unbind(void *ch_impl)
{
    struct loop_evtchn *ch = ch_impl;

    if (!ch)
        return;
    if (ch->bound) {
        uint64_t want = state_word(LOOP_EVTCHN_BOUND, ch->self);
        /* back to unbound, as Xen leaves the remote port; unless the frontend already reused the entry */
        __atomic_compare_exchange_n(&ch->peer.ports[ch->port].state, &want,
                                    state_word(LOOP_EVTCHN_UNBOUND, ch->self), false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
    }
    if (ch->epfd >= 0)
        close(ch->epfd);
    if (ch->to_be >= 0)
        close(ch->to_be);
    if (ch->to_fe >= 0)
        close(ch->to_fe);
    loop_peer_close(&ch->peer);
    free(ch);
}

int loop_evtchn_bind(void *impl, uint32_t fe_domid, uint32_t remote_port, void **ch_impl, uint32_t *local_port)
{
    struct loop_plat *lp = impl;
    struct loop_evtchn *ch;
    struct epoll_event ev = {.events = EPOLLIN};
    uint64_t want;
    int32_t rbe, rfe;
    int rc;

    *ch_impl = NULL;
    ch = calloc(1, sizeof(*ch));
    if (!ch)
        return -ENOMEM;
    ch->to_be = ch->to_fe = ch->epfd = -1;
    ch->self = lp->self_domid;
    ch->port = remote_port;
    if ((rc = loop_peer_open(lp, fe_domid, false, &ch->peer)) < 0) {
        free(ch);
        return rc;
    }
    if (remote_port >= ch->peer.hdr.nports) {
        rc = -EINVAL;
        goto out;
    }
    want = state_word(LOOP_EVTCHN_UNBOUND, ch->self);
    if (!__atomic_compare_exchange_n(&ch->peer.ports[remote_port].state, &want,
                                     state_word(LOOP_EVTCHN_BOUND, ch->self), false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        XLOG_DEBUG("bind: domain %u port %u is not an unbound port offered to domain %u", fe_domid, remote_port,
                   ch->self);
        rc = -EINVAL;
        goto out;
    }
    ch->bound = true;
    rbe = __atomic_load_n(&ch->peer.ports[remote_port].fd_to_be, __ATOMIC_ACQUIRE);
    rfe = __atomic_load_n(&ch->peer.ports[remote_port].fd_to_fe, __ATOMIC_ACQUIRE);
    if ((rc = ch->to_be = loop_peer_open_fd(&ch->peer, rbe)) < 0 ||
        (rc = ch->to_fe = loop_peer_open_fd(&ch->peer, rfe)) < 0)
        goto out;
    if (!is_pipe(ch->to_be) || !is_pipe(ch->to_fe)) {
        XLOG_WARN("domain %u port %u does not name two pipes", fe_domid, remote_port);
        rc = -EPROTO;
        goto out;
    }
    ch->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ch->epfd < 0 || epoll_ctl(ch->epfd, EPOLL_CTL_ADD, ch->to_be, &ev) < 0) {
        rc = -errno;
        goto out;
    }
    if ((rc = signal_fd(ch->to_be)) < 0)   /* a fresh binding starts pending, as on Xen */
        goto out;
    ch->local = __atomic_fetch_add(&next_local_port, 1, __ATOMIC_RELAXED) & 0x7fffffffu;
    if (ch->local == 0)
        ch->local = 1;
    *local_port = ch->local;
    *ch_impl = ch;
    return 0;
out:
    loop_evtchn_unbind(ch);
    return rc;
}

int loop_evtchn_fd(const void *ch_impl)
{
    const struct loop_evtchn *ch = ch_impl;
    return ch->epfd;
}

int loop_evtchn_pending(void *ch_impl)
{
    struct loop_evtchn *ch = ch_impl;
    char buf[256];
    bool got = false;
    ssize_t n;

    if (ch->masked)
        return -EAGAIN;
    /* drain: any number of notifications is one event (bounded: the pipe holds at most 64 KiB) */
    while ((n = read(ch->to_be, buf, sizeof(buf))) > 0)
        got = true;
    if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -errno;
    if (!got)
        return -EAGAIN;
    if (epoll_ctl(ch->epfd, EPOLL_CTL_DEL, ch->to_be, NULL) < 0)
        return -errno;
    ch->masked = true;
    return (int)ch->local;
}

int loop_evtchn_unmask(void *ch_impl)
{
    struct loop_evtchn *ch = ch_impl;
    struct epoll_event ev = {.events = EPOLLIN};

    if (!ch->masked)
        return 0;
    if (epoll_ctl(ch->epfd, EPOLL_CTL_ADD, ch->to_be, &ev) < 0)
        return -errno;
    ch->masked = false;
    return 0;
}

int loop_evtchn_notify(void *ch_impl)
{
    struct loop_evtchn *ch = ch_impl;
    return signal_fd(ch->to_fe);
}
