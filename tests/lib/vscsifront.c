/* SPDX-License-Identifier: MIT */
/*
 * vscsifront.c - TEST SUPPORT: a loopback vscsiif frontend (vscsifront.h).
 * Grant and event-channel work goes through the loopback granting side
 * (xvios/loopback.h); the ring is the public header's, used with its own
 * macros exactly as a Linux frontend uses them.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/vscsifront.h"
#include "xvios/clock.h"

struct vscsifront {
    xvios_loop_gntshr *gs;
    uint32_t backend;
    unsigned npages;
    bool *used;                    /* per page of the grant area */
    unsigned ring_page;
    uint32_t ring_ref, port;
    struct vscsiif_sring *sring;
    struct vscsiif_front_ring ring;
};

static int pages_take(struct vscsifront *f, unsigned n, unsigned *first)
{
    unsigned run = 0;

    for (unsigned i = 0; i < f->npages; i++) {
        run = f->used[i] ? 0 : run + 1;
        if (run == n) {
            *first = i + 1 - n;
            for (unsigned k = *first; k <= i; k++)
                f->used[k] = true;
            return 0;
        }
    }
    return -ENOSPC;
}

static void pages_give(struct vscsifront *f, unsigned first, unsigned n)
{
    for (unsigned k = first; k < first + n && k < f->npages; k++)
        f->used[k] = false;
}

void vscsifront_close(struct vscsifront *f)
{
    if (!f)
        return;
    xvios_loop_gntshr_close(f->gs); /* ends every grant and event channel with the area */
    free(f->used);
    free(f);
}

int vscsifront_open(xvios_plat *p, uint32_t backend_domid, unsigned npages, struct vscsifront **out)
{
    struct vscsifront *f;
    int rc;

    *out = NULL;
    if (npages < 2)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->backend = backend_domid;
    f->npages = npages;
    f->used = calloc(npages, sizeof(*f->used));
    if (!f->used) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = xvios_loop_gntshr_open(p, npages, &f->gs)) < 0 || (rc = pages_take(f, 1, &f->ring_page)) < 0 ||
        (rc = xvios_loop_gntshr_grant(f->gs, f->ring_page, backend_domid, false, &f->ring_ref)) < 0 ||
        (rc = xvios_loop_evtchn_alloc_unbound(f->gs, backend_domid, &f->port)) < 0)
        goto out;
    f->sring = xvios_loop_gntshr_page(f->gs, f->ring_page);
    SHARED_RING_INIT(f->sring);
    FRONT_RING_INIT(&f->ring, f->sring, VSCSIIF_PAGE_SIZE);
    *out = f;
    return 0;
out:
    vscsifront_close(f);
    return rc;
}

uint32_t vscsifront_ring_ref(const struct vscsifront *f) { return f->ring_ref; }
uint32_t vscsifront_evtchn(const struct vscsifront *f) { return f->port; }
uint32_t vscsifront_backend(const struct vscsifront *f) { return f->backend; }
xvios_loop_gntshr *vscsifront_gntshr(struct vscsifront *f) { return f->gs; }
struct vscsiif_sring *vscsifront_sring(struct vscsifront *f) { return f->sring; }
struct vscsiif_front_ring *vscsifront_ring(struct vscsifront *f) { return &f->ring; }

static void buf_dispose(struct vscsifront *f, struct vscsifront_buf *b)
{
    if (!b)
        return;
    if (b->npages)
        pages_give(f, b->first_page, b->npages);
    free(b->grefs);
    free(b->segs);
    free(b);
}

int vscsifront_buf_free(struct vscsifront *f, struct vscsifront_buf *b)
{
    if (!b)
        return 0;
    for (unsigned i = 0; i < b->npages; i++) {
        int rc;

        if (b->grefs[i] == 0)
            continue;
        rc = xvios_loop_gntshr_revoke(f->gs, b->grefs[i]);
        if (rc == -EBUSY)
            return rc;           /* the backend still holds it: the caller tries again later */
        b->grefs[i] = 0;
    }
    buf_dispose(f, b);
    return 0;
}

int vscsifront_buf_alloc(struct vscsifront *f, size_t len, bool readonly, struct vscsifront_buf **out)
{
    struct vscsifront_buf *b;
    size_t left = len;
    int rc;

    *out = NULL;
    if (len == 0 || len > (size_t)f->npages * VSCSIIF_PAGE_SIZE)
        return -EINVAL;
    b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->len = len;
    b->readonly = readonly;
    b->grefs = calloc((len + VSCSIIF_PAGE_SIZE - 1) / VSCSIIF_PAGE_SIZE, sizeof(*b->grefs));
    b->segs = calloc((len + VSCSIIF_PAGE_SIZE - 1) / VSCSIIF_PAGE_SIZE, sizeof(*b->segs));
    if (!b->grefs || !b->segs) {
        buf_dispose(f, b);
        return -ENOMEM;
    }
    if ((rc = pages_take(f, (unsigned)((len + VSCSIIF_PAGE_SIZE - 1) / VSCSIIF_PAGE_SIZE), &b->first_page)) < 0) {
        buf_dispose(f, b);
        return rc;
    }
    b->npages = (unsigned)((len + VSCSIIF_PAGE_SIZE - 1) / VSCSIIF_PAGE_SIZE);
    b->data = xvios_loop_gntshr_page(f->gs, b->first_page);
    for (unsigned i = 0; i < b->npages; i++) {
        rc = xvios_loop_gntshr_grant(f->gs, b->first_page + i, f->backend, readonly, &b->grefs[i]);
        if (rc < 0) {
            vscsifront_buf_free(f, b);
            return rc;
        }
        b->segs[i].gref = b->grefs[i];
        b->segs[i].offset = 0;
        b->segs[i].length = (uint16_t)(left < VSCSIIF_PAGE_SIZE ? left : VSCSIIF_PAGE_SIZE);
        left -= b->segs[i].length;
    }
    *out = b;
    return 0;
}

struct vscsiif_request *vscsifront_req_next(struct vscsifront *f)
{
    struct vscsiif_request *r;

    if (RING_FULL(&f->ring))
        return NULL;
    r = RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt);
    memset(r, 0, sizeof(*r));
    f->ring.req_prod_pvt++;
    return r;
}

void vscsifront_req_cdb(struct vscsiif_request *r, uint16_t rqid, uint16_t channel, uint16_t id, uint16_t lun,
                        const uint8_t *cdb, uint8_t cdb_len, uint8_t dir)
{
    r->rqid = rqid;
    r->act = VSCSIIF_ACT_SCSI_CDB;
    r->cmd_len = cdb_len;
    memcpy(r->cmnd, cdb, cdb_len <= VSCSIIF_MAX_COMMAND_SIZE ? cdb_len : VSCSIIF_MAX_COMMAND_SIZE);
    r->channel = channel;
    r->id = id;
    r->lun = lun;
    r->sc_data_direction = dir;
    r->timeout_per_command = 30;
}

int vscsifront_req_direct(struct vscsiif_request *r, const struct vscsifront_buf *b)
{
    if (b->npages > VSCSIIF_SG_TABLESIZE)
        return -E2BIG;
    for (unsigned i = 0; i < b->npages; i++)
        r->seg[i] = b->segs[i];
    r->nr_segments = (uint8_t)b->npages;
    return 0;
}

int vscsifront_req_indirect(struct vscsifront *f, struct vscsiif_request *r, const struct vscsifront_buf *b,
                            struct vscsifront_buf **ind)
{
    size_t bytes = (size_t)b->npages * sizeof(struct scsiif_request_segment);
    unsigned pages = (unsigned)((bytes + VSCSIIF_PAGE_SIZE - 1) / VSCSIIF_PAGE_SIZE);
    size_t left = bytes;
    int rc;

    *ind = NULL;
    if (pages > VSCSIIF_SG_TABLESIZE)
        return -E2BIG;
    /* filled while writable by us, granted read-only to the backend */
    if ((rc = vscsifront_buf_alloc(f, bytes, true, ind)) < 0)
        return rc;
    memcpy((*ind)->data, b->segs, bytes);
    for (unsigned i = 0; i < pages; i++) {
        r->seg[i].gref = (*ind)->grefs[i];
        r->seg[i].offset = 0;
        r->seg[i].length = (uint16_t)(left < VSCSIIF_PAGE_SIZE ? left : VSCSIIF_PAGE_SIZE);
        left -= r->seg[i].length;
    }
    r->nr_segments = (uint8_t)(VSCSIIF_SG_GRANT | pages);
    return 0;
}

int vscsifront_notify(struct vscsifront *f) { return xvios_loop_evtchn_notify(f->gs, f->port); }

int vscsifront_push(struct vscsifront *f, bool force_notify)
{
    int notify = 0;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
    return notify || force_notify ? vscsifront_notify(f) : 0;
}

int vscsifront_set_req_prod(struct vscsifront *f, RING_IDX prod)
{
    xen_wmb();
    f->sring->req_prod = prod;
    xen_mb();
    return vscsifront_notify(f);
}

int vscsifront_wait_rsp(struct vscsifront *f, struct vscsiif_response *rsp, const struct timespec *deadline)
{
    int fd = xvios_loop_evtchn_fd(f->gs, f->port);

    if (fd < 0)
        return fd;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int more = 0;

        if (RING_RESPONSE_PROD_OVERFLOW(&f->ring, f->sring->rsp_prod))
            return -EPROTO;
        RING_FINAL_CHECK_FOR_RESPONSES(&f->ring, more);
        if (more) {
            RING_COPY_RESPONSE(&f->ring, f->ring.rsp_cons, rsp);
            f->ring.rsp_cons++;
            return 0;
        }
        if (xvios_ts_passed(deadline))
            return -ETIMEDOUT;
        if (poll(&pfd, 1, xvios_poll_timeout(deadline, 1000)) < 0 && errno != EINTR)
            return -errno;
        if (xvios_loop_evtchn_consume(f->gs, f->port) < 0)
            return -EIO;
    }
}
