/* SPDX-License-Identifier: MIT */
/* daemon_fixture.c - a daemon state for unit tests: attached to no real VKE; packets stay in the queues. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/daemon/daemon_fixture.h"

struct xviosd *fixture_daemon_new(uint32_t node)
{
    struct xviosd *d = calloc(1, sizeof(*d));

    if (!d)
        return NULL;
    d->self_node = node;
    d->self_domid = 100 + node;
    strcpy(d->self_name, "vios-test");
    strcpy(d->self_state, "active");
    d->api_fd = -1;
    d->mgmt_caller = -1;
    d->started = xvios_now();
    d->cfg.timeout_ms = 1000;
    d->cfg.retries = 2;
    viod_vke_init(d);
    d->vke_state = VKE_READY;
    viod_respq_init(&d->rq, 64);
    d->rx = malloc(XVIOS_MAX_MSG);
    d->tx = malloc(XVIOS_MAX_MSG);
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        d->callers[i].fd = -1;
    return d;
}

struct caller *fixture_caller(struct xviosd *d, uint32_t id, uint32_t mask)
{
    struct caller *c = &d->callers[id % XVD_MAX_CALLERS];

    memset(c, 0, sizeof(*c));
    c->used = true;
    c->hello = true;
    c->id = id;
    c->fd = -1;
    c->origin = XVIOS_ORIGIN_API;
    c->event_mask = mask;
    xvios_pktq_init(&c->out, XVD_CALLER_OUTQ_PKTS, XVD_CALLER_OUTQ_BYTES);
    return c;
}

int fixture_pop(struct xvios_pktq *q, uint8_t *buf, struct xvios_msg *m)
{
    const struct xvios_pkt *p = xvios_pktq_peek(q);
    int rc;

    if (!p)
        return -1;
    memcpy(buf, p->data, p->len);
    rc = xvios_msg_decode(buf, p->len, m);
    xvios_pktq_drop(q);
    return rc;
}

void fixture_daemon_free(struct xviosd *d)
{
    viod_op_dispose_all(d);
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used)
            xvios_pktq_dispose(&d->callers[i].out);
    xvios_pktq_dispose(&d->vke_out);
    viod_respq_dispose(&d->rq);
    free(d->rx);
    free(d->tx);
    free(d);
}
