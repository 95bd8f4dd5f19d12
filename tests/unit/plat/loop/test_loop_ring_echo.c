/* SPDX-License-Identifier: MIT */
/*
 * test_loop_ring_echo.c - the loopback vscsiif frontend library
 * (tests/lib/vscsifront.h) against a tiny in-test backend that uses only the
 * ring seam (xvios/ring.h): map the ring page, bind the event channel, copy
 * each request out, move its data with grant copies (direct segments and
 * indirect descriptor pages), answer with the rqid and a checksum, notify.
 * Proves the round trip, 16 requests in flight, that data buffers can be
 * revoked once answered, the response wait's deadline, and that the
 * library can write a producer index no backend may trust.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/lib/vscsifront.h"
#include "tests/unit/loop_fixture.h"
#include "xvios/clock.h"
#include "xvios/ring.h"

#define FE 7
#define BE 5
#define MAX_SEGS 128u

struct mini_be {
    xvios_gnt *g;
    xvios_evtchn *ch;
    void *ring_page;
    struct vscsiif_back_ring ring;
    unsigned served;
};

static void be_open(xvios_plat *p, struct vscsifront *f, struct mini_be *b)
{
    uint32_t ref = vscsifront_ring_ref(f);

    memset(b, 0, sizeof(*b));
    assert_int_equal(xvios_gnt_open(p, FE, 64, &b->g), 0);
    assert_int_equal(xvios_gnt_map(b->g, &ref, 1, true, &b->ring_page), 0);
    BACK_RING_INIT(&b->ring, (struct vscsiif_sring *)b->ring_page, VSCSIIF_PAGE_SIZE);
    assert_int_equal(xvios_evtchn_bind(p, FE, vscsifront_evtchn(f), &b->ch), 0);
}

static void be_close(struct mini_be *b)
{
    xvios_evtchn_unbind(b->ch);
    assert_int_equal(xvios_gnt_unmap(b->g, b->ring_page, 1), 0);
    xvios_gnt_close(b->g);
}

/* The request's data segments (direct, or read out of its indirect pages); count or -1. */
static int be_segments(struct mini_be *b, const struct vscsiif_request *r, struct scsiif_request_segment *out)
{
    unsigned n = r->nr_segments & ~VSCSIIF_SG_GRANT, total = 0;
    struct xvios_gnt_seg cp[VSCSIIF_SG_TABLESIZE];

    if (n > VSCSIIF_SG_TABLESIZE)
        return -1;
    if (!(r->nr_segments & VSCSIIF_SG_GRANT)) {
        memcpy(out, r->seg, n * sizeof(*out));
        return (int)n;
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned k = r->seg[i].length / sizeof(*out);
        if (r->seg[i].length % sizeof(*out) || total + k > MAX_SEGS)
            return -1;
        cp[i] = (struct xvios_gnt_seg){.gref = r->seg[i].gref, .offset = r->seg[i].offset,
                                       .len = r->seg[i].length, .buf = out + total, .dir = XVIOS_GNT_FROM_FE};
        total += k;
    }
    return xvios_gnt_copy(b->g, cp, n) == 0 ? (int)total : -1;
}

static void be_answer(struct mini_be *b, const struct vscsiif_request *r)
{
    struct scsiif_request_segment segs[MAX_SEGS];
    struct xvios_gnt_seg cp[MAX_SEGS];
    struct vscsiif_response *rsp;
    uint8_t *data = NULL;
    uint32_t sum = 0;
    size_t off = 0;
    int n = be_segments(b, r, segs);

    rsp = RING_GET_RESPONSE(&b->ring, b->ring.rsp_prod_pvt);
    memset(rsp, 0, sizeof(*rsp));
    rsp->rqid = r->rqid;
    memcpy(rsp->sense_buffer, r->cmnd, sizeof(r->cmnd));
    rsp->sense_len = sizeof(r->cmnd);
    if (n < 0) {
        rsp->rslt = 7 << 16; /* host byte DID_ERROR */
        goto out;
    }
    data = malloc((size_t)(n ? n : 1) * VSCSIIF_PAGE_SIZE);
    assert_non_null(data);
    for (int i = 0; i < n; i++) {
        cp[i] = (struct xvios_gnt_seg){.gref = segs[i].gref, .offset = segs[i].offset, .len = segs[i].length,
                                       .buf = data + off,
                                       .dir = r->sc_data_direction == 2 ? XVIOS_GNT_TO_FE : XVIOS_GNT_FROM_FE};
        if (r->sc_data_direction == 2)
            for (unsigned k = 0; k < segs[i].length; k++)
                data[off + k] = (uint8_t)(r->cmnd[1] + off + k);
        off += segs[i].length;
    }
    if (n && xvios_gnt_copy(b->g, cp, (unsigned)n) != 0) {
        rsp->rslt = 7 << 16;
        goto out;
    }
    for (size_t k = 0; k < off; k++)
        sum = sum * 31u + data[k];
    rsp->residual_len = r->sc_data_direction == 1 ? sum : 0;
out:
    free(data);
    b->ring.rsp_prod_pvt++;
    b->served++;
}

/* Wait for the event channel, then serve everything on the ring. -EPROTO: the producer index lies. */
static int be_serve(struct mini_be *b, int timeout_ms)
{
    struct pollfd pfd = {.fd = xvios_evtchn_fd(b->ch), .events = POLLIN};
    int more, notify = 0;

    if (poll(&pfd, 1, timeout_ms) != 1)
        return -ETIMEDOUT;
    while (xvios_evtchn_pending(b->ch) >= 0)
        assert_int_equal(xvios_evtchn_unmask(b->ch), 0);
    do {
        RING_IDX prod = b->ring.sring->req_prod;
        xen_rmb();
        if (RING_REQUEST_PROD_OVERFLOW(&b->ring, prod))
            return -EPROTO;
        while (b->ring.req_cons != prod) {
            struct vscsiif_request r;
            RING_COPY_REQUEST(&b->ring, b->ring.req_cons, &r);
            b->ring.req_cons++;
            be_answer(b, &r);
        }
        RING_FINAL_CHECK_FOR_REQUESTS(&b->ring, more);
    } while (more);
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->ring, notify);
    if (notify)
        assert_int_equal(xvios_evtchn_notify(b->ch), 0);
    return 0;
}

struct env {
    xvios_plat *fe, *be;
    struct vscsifront *f;
    struct mini_be b;
};

static void env_open(struct loop_fixture *fx, struct env *e)
{
    e->fe = loop_fixture_open(fx->root, FE);
    e->be = loop_fixture_open(fx->root, BE);
    assert_non_null(e->fe);
    assert_non_null(e->be);
    assert_int_equal(vscsifront_open(e->fe, BE, 512, &e->f), 0);
    be_open(e->be, e->f, &e->b);
}

static void env_close(struct env *e)
{
    be_close(&e->b);
    vscsifront_close(e->f);
    xvios_plat_close(e->fe);
    xvios_plat_close(e->be);
}

static uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t k = 0; k < n; k++)
        sum = sum * 31u + p[k];
    return sum;
}

static void test_direct_read(void **state)
{
    struct env e;
    struct vscsifront_buf *buf = NULL;
    struct vscsiif_request *r;
    struct vscsiif_response rsp;
    struct timespec dl;
    const uint8_t cdb[10] = {0x28, 0x11, 0, 0, 0, 0, 0, 0, 3, 0};

    env_open(*state, &e);
    assert_int_equal(vscsifront_buf_alloc(e.f, 10000, false, &buf), 0);
    assert_int_equal(buf->npages, 3);
    assert_int_equal(buf->segs[2].length, 10000 - 2 * 4096);
    r = vscsifront_req_next(e.f);
    assert_non_null(r);
    vscsifront_req_cdb(r, 3, 0, 1, 2, cdb, sizeof(cdb), 2);
    assert_int_equal(vscsifront_req_direct(r, buf), 0);
    assert_int_equal(vscsifront_push(e.f, false), 0);
    assert_int_equal(be_serve(&e.b, 2000), 0);
    dl = xvios_deadline_ms(2000);
    assert_int_equal(vscsifront_wait_rsp(e.f, &rsp, &dl), 0);
    assert_int_equal(rsp.rqid, 3);
    assert_int_equal(rsp.rslt, 0);
    assert_memory_equal(rsp.sense_buffer, cdb, sizeof(cdb));
    for (size_t k = 0; k < 10000; k++)
        if (buf->data[k] != (uint8_t)(0x11 + k))
            fail_msg("byte %zu: %u", k, buf->data[k]);
    assert_int_equal(vscsifront_buf_free(e.f, buf), 0); /* answered: nothing is held any more */
    env_close(&e);
}

static void test_indirect_write_and_16_in_flight(void **state)
{
    struct env e;
    struct vscsifront_buf *bufs[16] = {0}, *ind = NULL;
    struct vscsiif_request *r;
    struct vscsiif_response rsp;
    struct timespec dl;
    const uint8_t cdb[10] = {0x2a};
    bool seen[16] = {false};

    env_open(*state, &e);
    /* one write of 40 pages: needs indirect descriptors */
    assert_int_equal(vscsifront_buf_alloc(e.f, 40 * 4096 - 100, true, &bufs[0]), 0);
    for (size_t k = 0; k < bufs[0]->len; k++)
        bufs[0]->data[k] = (uint8_t)(k * 13u);
    r = vscsifront_req_next(e.f);
    vscsifront_req_cdb(r, 9, 0, 0, 0, cdb, sizeof(cdb), 1);
    assert_int_equal(vscsifront_req_direct(r, bufs[0]), -E2BIG);
    assert_int_equal(vscsifront_req_indirect(e.f, r, bufs[0], &ind), 0);
    assert_int_equal(r->nr_segments, VSCSIIF_SG_GRANT | 1);
    assert_int_equal(r->seg[0].length, 40 * 8);
    assert_int_equal(vscsifront_push(e.f, false), 0);
    assert_int_equal(be_serve(&e.b, 2000), 0);
    dl = xvios_deadline_ms(2000);
    assert_int_equal(vscsifront_wait_rsp(e.f, &rsp, &dl), 0);
    assert_int_equal(rsp.rqid, 9);
    assert_int_equal(rsp.rslt, 0);
    assert_int_equal(rsp.residual_len, checksum(bufs[0]->data, bufs[0]->len));
    assert_int_equal(vscsifront_buf_free(e.f, ind), 0);
    assert_int_equal(vscsifront_buf_free(e.f, bufs[0]), 0);

    /* a full ring: 16 reads in flight, answered in one pass */
    for (unsigned i = 0; i < 16; i++) {
        uint8_t c[6] = {0x08, (uint8_t)i};
        assert_int_equal(vscsifront_buf_alloc(e.f, 4096 * (1 + i % 3), false, &bufs[i]), 0);
        r = vscsifront_req_next(e.f);
        assert_non_null(r);
        vscsifront_req_cdb(r, (uint16_t)i, 0, 0, 0, c, sizeof(c), 2);
        assert_int_equal(vscsifront_req_direct(r, bufs[i]), 0);
    }
    assert_null(vscsifront_req_next(e.f)); /* 16 slots */
    assert_int_equal(vscsifront_push(e.f, false), 0);
    assert_int_equal(be_serve(&e.b, 2000), 0);
    for (unsigned i = 0; i < 16; i++) {
        dl = xvios_deadline_ms(2000);
        assert_int_equal(vscsifront_wait_rsp(e.f, &rsp, &dl), 0);
        assert_true(rsp.rqid < 16);
        assert_false(seen[rsp.rqid]);
        seen[rsp.rqid] = true;
        assert_int_equal(rsp.rslt, 0);
        assert_int_equal(bufs[rsp.rqid]->data[5], (uint8_t)(rsp.rqid + 5));
    }
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(vscsifront_buf_free(e.f, bufs[i]), 0);
    assert_int_equal(e.b.served, 17);
    env_close(&e);
}

static void test_garbage_and_deadline(void **state)
{
    struct env e;
    struct vscsiif_response rsp;
    struct vscsiif_request *r;
    struct timespec dl, t0;
    struct scsiif_request_segment *lie;
    struct vscsifront_buf *data = NULL, *ind = NULL;
    const uint8_t cdb[6] = {0x12};

    env_open(*state, &e);
    /* nothing answered: the wait ends at its deadline */
    t0 = xvios_now();
    dl = xvios_deadline_ms(150);
    assert_int_equal(vscsifront_wait_rsp(e.f, &rsp, &dl), -ETIMEDOUT);
    assert_true(xvios_ts_diff_ms(t0, xvios_now()) >= 140);

    /* an indirect descriptor that lies about its length: the backend answers DID_ERROR */
    assert_int_equal(vscsifront_buf_alloc(e.f, 4096, false, &data), 0);
    r = vscsifront_req_next(e.f);
    vscsifront_req_cdb(r, 4, 0, 0, 0, cdb, sizeof(cdb), 2);
    assert_int_equal(vscsifront_req_indirect(e.f, r, data, &ind), 0);
    r->seg[0].length = 7; /* not a multiple of a descriptor */
    lie = (struct scsiif_request_segment *)ind->data;
    assert_int_equal(lie[0].gref, data->grefs[0]);
    assert_int_equal(vscsifront_push(e.f, true), 0);
    assert_int_equal(be_serve(&e.b, 2000), 0);
    dl = xvios_deadline_ms(2000);
    assert_int_equal(vscsifront_wait_rsp(e.f, &rsp, &dl), 0);
    assert_int_equal(rsp.rqid, 4);
    assert_int_equal(rsp.rslt, 7 << 16);
    assert_int_equal(vscsifront_buf_free(e.f, ind), 0);
    assert_int_equal(vscsifront_buf_free(e.f, data), 0);

    /* a producer index far ahead of the ring */
    assert_int_equal(vscsifront_set_req_prod(e.f, vscsifront_sring(e.f)->req_prod + 1000), 0);
    assert_int_equal(be_serve(&e.b, 2000), -EPROTO);
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_direct_read),
        LOOP_FIXTURE_TEST(test_indirect_write_and_16_in_flight),
        LOOP_FIXTURE_TEST(test_garbage_and_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
