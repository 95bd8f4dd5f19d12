/* SPDX-License-Identifier: MIT */
/*
 * plat_ring.c - the seam's grant and event-channel calls (xvios/ring.h):
 * every argument is checked here, before either implementation (and so
 * before any Xen library) sees it; then the call goes through the ops table.
 */
#include <errno.h>
#include <stdlib.h>

#include "xen/plat/plat_ops.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/ring.h"

struct xvios_gnt {
    const struct xvios_plat_ops *ops;
    void *impl;
    uint32_t fe_domid;
    bool native_copy;
};

struct xvios_evtchn {
    const struct xvios_plat_ops *ops;
    void *impl;
    uint32_t local_port, remote_port;
};

/* A frontend domain this handle may serve: a real domid that is not our own. */
static int check_frontend(xvios_plat *p, uint32_t fe_domid)
{
    uint32_t self;
    int rc;

    if (fe_domid >= XVIOS_DOMID_LIMIT)
        return -EINVAL;
    if ((rc = xvios_plat_self_domid(p, &self)) < 0)
        return rc;
    return fe_domid == self ? -EINVAL : 0;
}

/* ---------------------------------------------------------------- grants */
int xvios_gnt_open(xvios_plat *p, uint32_t fe_domid, unsigned max_grants, xvios_gnt **out)
{
    xvios_gnt *g;
    void *impl;
    int rc;

    *out = NULL;
    if (!p || max_grants == 0 || max_grants > XVIOS_GNT_MAX_GRANTS)
        return -EINVAL;
    if ((rc = check_frontend(p, fe_domid)) < 0)
        return rc;
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->ops = xvios_plat_ops_of(p, &impl);
    g->fe_domid = fe_domid;
    rc = g->ops->gnt_open(impl, fe_domid, max_grants, &g->impl, &g->native_copy);
    if (rc < 0) {
        free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void xvios_gnt_close(xvios_gnt *g)
{
    if (!g)
        return;
    g->ops->gnt_close(g->impl);
    free(g);
}

uint32_t xvios_gnt_domid(const xvios_gnt *g) { return g->fe_domid; }
bool xvios_gnt_copy_native(const xvios_gnt *g) { return g->native_copy; }

int xvios_gnt_map(xvios_gnt *g, const uint32_t *grefs, unsigned n, bool writable, void **addr)
{
    if (!addr)
        return -EINVAL;
    *addr = NULL;
    if (!g || !grefs || n == 0 || n > XVIOS_GNT_MAX_MAP)
        return -EINVAL;
    return g->ops->gnt_map(g->impl, grefs, n, writable, addr);
}

int xvios_gnt_unmap(xvios_gnt *g, void *addr, unsigned n)
{
    if (!g || !addr || n == 0 || n > XVIOS_GNT_MAX_MAP)
        return -EINVAL;
    return g->ops->gnt_unmap(g->impl, addr, n);
}

int xvios_gnt_copy(xvios_gnt *g, struct xvios_gnt_seg *segs, unsigned n)
{
    if (!g || !segs || n == 0 || n > XVIOS_GNT_MAX_COPY_SEGS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        const struct xvios_gnt_seg *s = &segs[i];

        if (!s->buf || s->len == 0 || (unsigned)s->offset + s->len > XVIOS_GNT_PAGE_SIZE ||
            (s->dir != XVIOS_GNT_FROM_FE && s->dir != XVIOS_GNT_TO_FE)) {
            XLOG_DEBUG("grant copy: segment %u refused (gref %u offset %u len %u dir %d)", i, s->gref,
                       s->offset, s->len, (int)s->dir);
            return -EINVAL;
        }
    }
    for (unsigned i = 0; i < n; i++)
        segs[i].status = -EINPROGRESS;
    return g->ops->gnt_copy(g->impl, segs, n);
}

/* ---------------------------------------------------------------- event channels */
int xvios_evtchn_bind(xvios_plat *p, uint32_t fe_domid, uint32_t remote_port, xvios_evtchn **out)
{
    xvios_evtchn *ch;
    void *impl;
    int rc;

    *out = NULL;
    if (!p || remote_port == 0 || remote_port > INT32_MAX)
        return -EINVAL; /* port 0 is never a valid event channel */
    if ((rc = check_frontend(p, fe_domid)) < 0)
        return rc;
    ch = calloc(1, sizeof(*ch));
    if (!ch)
        return -ENOMEM;
    ch->ops = xvios_plat_ops_of(p, &impl);
    ch->remote_port = remote_port;
    rc = ch->ops->evtchn_bind(impl, fe_domid, remote_port, &ch->impl, &ch->local_port);
    if (rc < 0) {
        free(ch);
        return rc;
    }
    *out = ch;
    return 0;
}

void xvios_evtchn_unbind(xvios_evtchn *ch)
{
    if (!ch)
        return;
    ch->ops->evtchn_unbind(ch->impl);
    free(ch);
}

uint32_t xvios_evtchn_local_port(const xvios_evtchn *ch) { return ch->local_port; }
uint32_t xvios_evtchn_remote_port(const xvios_evtchn *ch) { return ch->remote_port; }
int xvios_evtchn_fd(const xvios_evtchn *ch) { return ch->ops->evtchn_fd(ch->impl); }
int xvios_evtchn_pending(xvios_evtchn *ch) { return ch->ops->evtchn_pending(ch->impl); }
int xvios_evtchn_unmask(xvios_evtchn *ch) { return ch->ops->evtchn_unmask(ch->impl); }
int xvios_evtchn_notify(xvios_evtchn *ch) { return ch->ops->evtchn_notify(ch->impl); }
