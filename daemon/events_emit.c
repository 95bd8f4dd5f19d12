/* SPDX-License-Identifier: MIT */
/*
 * events_emit.c - an event to this node's subscribers (the callers whose
 * mask has it), and a Lifecycle event formatted and emitted: the one exit
 * of events.c (the store's watches, the VKE's events) and obj_watch.c (the
 * object tables' watch, announcements).
 */
#include "xviosd.h"
#include "xvios/client.h"
#include "xvios/log.h"
#include "xvios/vio.h"

void viod_events_emit(struct xviosd *d, unsigned ev, uint32_t node, const char *text, size_t len)
{
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
        struct caller *c = &d->callers[i];
        if (!c->used || c->dead || !c->hello || !(c->event_mask & XVIOS_API_EVENT_BIT(ev)))
            continue;
        viod_api_emit(d, c, XVIOS_OP_API_EVENT, XVIOS_ST_OK, 0, node, ev, text, len); /* a full queue: marked dead */
    }
}

unsigned viod_events_subscribers(const struct xviosd *d, unsigned ev)
{
    unsigned n = 0;

    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
        const struct caller *c = &d->callers[i];
        n += c->used && !c->dead && c->hello && (c->event_mask & XVIOS_API_EVENT_BIT(ev));
    }
    return n;
}

unsigned viod_events_lifecycle(struct xviosd *d, const struct xvios_vio_event *ev)
{
    char text[256];
    size_t len;

    if (xvios_vio_event_format(ev, text, sizeof(text), &len) < 0)
        return 0;
    XLOG_INFO("lifecycle: %s %s %s (by node %u, via node %u)", ev->type, ev->key, ev->action, ev->by, ev->via);
    viod_events_emit(d, XVIOS_EV_LIFECYCLE, ev->via, text, len);
    return viod_events_subscribers(d, XVIOS_EV_LIFECYCLE);
}
