/* SPDX-License-Identifier: MIT */
/*
 * vscsi_rogue_front.c - TEST SUPPORT (Xen only): a hostile vscsiif frontend
 * in user space, for the rig's isolation scenario. It runs in a client
 * domain whose kernel frontend was unbound from the vhost
 * (echo vscsi-N > /sys/bus/xen/drivers/vscsi/unbind):
 *
 *   vscsi_rogue_front garbage VHOST SECONDS
 *       shares a ring page of its own with the backend (gntalloc, through
 *       libxengnttab's gntshr), allocates an event channel for it, connects
 *       as a frontend (state 1, waits for the backend's 2, ring-ref,
 *       event-channel, state 3, waits for 4), then
 *       1. fills all 16 slots with random bytes (the rqids kept distinct, so
 *          an answer can be matched) and expects exactly one response per
 *          request within SECONDS: "answered=16 ok=N errors=N";
 *       2. pushes a request producer index 1000 slots ahead (XSA-332): the
 *          backend must take it as a sticky ring error, answer nothing more
 *          and not spin: "overflow: no response" after SECONDS/2.
 *   vscsi_rogue_front map DOMID GREF
 *       tries to map grant GREF of domain DOMID (a grant made to someone
 *       else): "refused: <errno>" and exit 0, or "MAPPED" and exit 1.
 *
 * Exit status 0 when the backend behaved, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "backend/vscsi/vscsi_proto.h"
#include "xvios/clock.h"
#include "xvios/parse.h"

struct rogue {
    struct xs_handle *xs;
    xengntshr_handle *gs;
    xenevtchn_handle *xce;
    void *page;
    uint32_t gref;
    int port;
    char fe[128], be[160];
    struct vscsiif_front_ring ring;
};

static int xs_get_u32(struct rogue *r, const char *dir, const char *key, uint32_t *v)
{
    char path[256];
    unsigned int len = 0;
    char *s;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    s = xs_read(r->xs, XBT_NULL, path, &len);
    if (!s)
        return -errno;
    rc = xvios_parse_u32(s, 0, UINT32_MAX, v);
    free(s);
    return rc;
}

static int xs_put(struct rogue *r, const char *key, uint32_t v)
{
    char path[256], val[32];

    snprintf(path, sizeof(path), "%s/%s", r->fe, key);
    snprintf(val, sizeof(val), "%u", v);
    return xs_write(r->xs, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

/* until the backend's state is WANT or ms pass */
static int wait_be_state(struct rogue *r, uint32_t want, uint64_t ms)
{
    struct timespec dl = xvios_deadline_ms(ms);
    uint32_t st = 0;

    for (;;) {
        if (xs_get_u32(r, r->be, "state", &st) == 0 && st == want)
            return 0;
        if (xvios_ts_passed(&dl)) {
            fprintf(stderr, "backend state %u, not %u, after %" PRIu64 " ms\n", st, want, ms);
            return -ETIMEDOUT;
        }
        usleep(20000);
    }
}

static int connect_ring(struct rogue *r, uint32_t vhost)
{
    char *self, *bepath;
    unsigned int len = 0;
    uint32_t beid;

    self = xs_read(r->xs, XBT_NULL, "domid", &len);
    if (!self)
        return -errno;
    snprintf(r->fe, sizeof(r->fe), "/local/domain/%s/device/vscsi/%u", self, vhost);
    free(self);
    bepath = xs_read(r->xs, XBT_NULL, (snprintf(r->be, sizeof(r->be), "%s/backend", r->fe), r->be), &len);
    if (!bepath || len >= sizeof(r->be)) {
        fprintf(stderr, "no backend for %s\n", r->fe);
        free(bepath);
        return -ENOENT;
    }
    snprintf(r->be, sizeof(r->be), "%s", bepath);
    free(bepath);
    if (xs_get_u32(r, r->fe, "backend-id", &beid) < 0)
        return -ENOENT;

    r->page = xengntshr_share_pages(r->gs, beid, 1, &r->gref, 1);
    if (!r->page)
        return -errno;
    r->port = xenevtchn_bind_unbound_port(r->xce, beid);
    if (r->port < 0)
        return -errno;
    SHARED_RING_INIT((struct vscsiif_sring *)r->page);
    FRONT_RING_INIT(&r->ring, (struct vscsiif_sring *)r->page, VSCSIIF_PAGE_SIZE);

    /* start over as a fresh frontend: Initialising, the backend answers InitWait */
    if (xs_put(r, "state", 1) < 0 || wait_be_state(r, 2, 10000) < 0)
        return -EPROTO;
    if (xs_put(r, "ring-ref", r->gref) < 0 || xs_put(r, "event-channel", (uint32_t)r->port) < 0 ||
        xs_put(r, "state", 3) < 0 || wait_be_state(r, 4, 10000) < 0)
        return -EPROTO;
    xs_put(r, "state", 4);
    printf("connected: ring gref %u, port %d, backend %s\n", r->gref, r->port, r->be);
    return 0;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int garbage(struct rogue *r, uint32_t secs)
{
    uint64_t x = (uint64_t)time(NULL) | 1;
    unsigned answered = 0, ok = 0, seen[VSCSI_RING_SLOTS] = { 0 };
    struct timespec dl;
    int rc = 1;

    /* 1: a full ring of random requests, distinct rqids */
    for (unsigned i = 0; i < VSCSI_RING_SLOTS; i++) {
        struct vscsiif_request *q = RING_GET_REQUEST(&r->ring, r->ring.req_prod_pvt);
        uint8_t *b = (uint8_t *)q;

        for (size_t k = 0; k < sizeof(*q); k++)
            b[k] = (uint8_t)rnd(&x);
        q->rqid = (uint16_t)i;
        r->ring.req_prod_pvt++;
    }
    RING_PUSH_REQUESTS(&r->ring);
    xenevtchn_notify(r->xce, (evtchn_port_t)r->port);
    dl = xvios_deadline_ms((uint64_t)secs * 1000);
    while (answered < VSCSI_RING_SLOTS && !xvios_ts_passed(&dl)) {
        while (RING_HAS_UNCONSUMED_RESPONSES(&r->ring)) {
            struct vscsiif_response s;

            RING_COPY_RESPONSE(&r->ring, r->ring.rsp_cons, &s);
            r->ring.rsp_cons++;
            if (s.rqid >= VSCSI_RING_SLOTS || seen[s.rqid]++) {
                printf("FAIL: response for rqid %u (unknown or twice)\n", s.rqid);
                return 1;
            }
            answered++;
            ok += s.rslt == 0;
        }
        usleep(10000);
    }
    printf("answered=%u ok=%u errors=%u\n", answered, ok, answered - ok);
    if (answered != VSCSI_RING_SLOTS)
        return 1;

    /* 2: the producer index far beyond the ring: a sticky ring error, no answer, no spin */
    RING_IDX before = r->ring.sring->rsp_prod;
    r->ring.sring->req_prod = r->ring.req_prod_pvt + 1000;
    xen_wmb();
    xenevtchn_notify(r->xce, (evtchn_port_t)r->port);
    usleep((useconds_t)secs * 500000u);
    if (r->ring.sring->rsp_prod != before) {
        printf("FAIL: %u responses after the overflow\n", r->ring.sring->rsp_prod - before);
        goto out;
    }
    printf("overflow: no response\n");
    rc = 0;
out:
    return rc;
}

static int try_map(uint32_t domid, uint32_t gref)
{
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    void *p;

    if (!gt) {
        printf("cannot open gntdev: %s\n", strerror(errno));
        return 2;
    }
    p = xengnttab_map_grant_ref(gt, domid, gref, PROT_READ);
    if (p) {
        printf("MAPPED grant %u of domain %u\n", gref, domid);
        xengnttab_unmap(gt, p, 1);
        xengnttab_close(gt);
        return 1;
    }
    printf("refused: %s\n", strerror(errno));
    xengnttab_close(gt);
    return 0;
}

int main(int argc, char **argv)
{
    struct rogue r = { .port = -1 };
    uint32_t a = 0, b = 0;
    int rc = 1;

    if (argc != 4 || xvios_parse_u32(argv[2], 0, 0x7fef, &a) < 0 || xvios_parse_u32(argv[3], 1, UINT32_MAX, &b) < 0) {
        fprintf(stderr, "usage: vscsi_rogue_front garbage VHOST SECONDS | map DOMID GREF\n");
        return 2;
    }
    if (strcmp(argv[1], "map") == 0)
        return try_map(a, b);
    if (strcmp(argv[1], "garbage") != 0 || b > 600) {
        fprintf(stderr, "vscsi_rogue_front: bad command line\n");
        return 2;
    }
    r.xs = xs_open(0);
    r.gs = xengntshr_open(NULL, 0);
    r.xce = xenevtchn_open(NULL, 0);
    if (!r.xs || !r.gs || !r.xce) {
        fprintf(stderr, "vscsi_rogue_front: cannot open xenstore/gntalloc/evtchn: %s\n", strerror(errno));
        goto out;
    }
    if ((rc = connect_ring(&r, a)) < 0) {
        fprintf(stderr, "vscsi_rogue_front: connect: %s\n", strerror(-rc));
        rc = 1;
        goto out;
    }
    rc = garbage(&r, b);
out:
    if (r.page)
        xengntshr_unshare(r.gs, r.page, 1);
    if (r.xce)
        xenevtchn_close(r.xce);
    if (r.gs)
        xengntshr_close(r.gs);
    if (r.xs)
        xs_close(r.xs);
    return rc;
}
