/* SPDX-License-Identifier: MIT */
/*
 * vscsifront.h - TEST SUPPORT, not product: the frontend side of a vscsiif
 * ring on the loopback platform, for unit and integration tests of a
 * backend. It does what Linux xen-scsifront does with the grant table and
 * the ring - one ring page granted read-write, an unbound event channel
 * offered to the backend, data pages granted per request (read-only for
 * TO_DEVICE), indirect descriptor pages granted read-only - and it can
 * write garbage just as easily: every request slot and the shared ring are
 * reachable raw, so malformed-request tests build whatever they want.
 *
 * Single-threaded; a frontend acts as the loopback domain of the handle it
 * is opened on (one per domain: it owns the domain's grant area).
 */
#ifndef XVIOS_TEST_VSCSIFRONT_H
#define XVIOS_TEST_VSCSIFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <xen/io/vscsiif.h>
/* <xen/io/ring.h> leaves the barriers to its includer (without an interface version it maps them to
 * the kernel's mb()/rmb()/wmb()): the ring macros expand these at their use. */
#undef xen_mb
#undef xen_rmb
#undef xen_wmb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include "xvios/loopback.h"
#include "xvios/platform.h"

_Static_assert(sizeof(struct vscsiif_request) == 252, "vscsiif request layout");
_Static_assert(sizeof(struct vscsiif_response) == 252, "vscsiif response layout");

struct vscsifront;

/* Granted data pages: consecutive pages of the grant area, so data is contiguous. */
struct vscsifront_buf {
    uint8_t *data;                 /* len bytes */
    size_t len;
    unsigned first_page, npages;
    bool readonly;
    uint32_t *grefs;               /* npages, one per page */
    struct scsiif_request_segment *segs; /* npages: gref, offset 0, length (the last may be short) */
};

/*
 * Open a frontend on loopback handle p (acting as the client domain) for
 * backend domain backend_domid with a grant area of npages pages (one of
 * them becomes the ring). Grants the ring page read-write, initialises the
 * shared and front rings, allocates an unbound event channel for the backend.
 */
int  vscsifront_open(xvios_plat *p, uint32_t backend_domid, unsigned npages, struct vscsifront **out);
void vscsifront_close(struct vscsifront *f);  /* NULL is fine */

uint32_t vscsifront_ring_ref(const struct vscsifront *f);
uint32_t vscsifront_evtchn(const struct vscsifront *f);
uint32_t vscsifront_backend(const struct vscsifront *f);
xvios_loop_gntshr *vscsifront_gntshr(struct vscsifront *f);
struct vscsiif_sring *vscsifront_sring(struct vscsifront *f);       /* raw shared ring */
struct vscsiif_front_ring *vscsifront_ring(struct vscsifront *f);   /* the front ring's private indexes */

/* Allocate and grant ceil(len/4096) pages (-ENOSPC: no room); free revokes (-EBUSY: the backend holds one). */
int  vscsifront_buf_alloc(struct vscsifront *f, size_t len, bool readonly, struct vscsifront_buf **out);
int  vscsifront_buf_free(struct vscsifront *f, struct vscsifront_buf *b);

/* The next free request slot, zeroed (NULL when the ring is full). Not visible to the backend until push. */
struct vscsiif_request *vscsifront_req_next(struct vscsifront *f);
/* Fill a CDB request (act 1): rqid, nexus, cdb (<= 16 bytes; cmd_len = cdb_len), direction. */
void vscsifront_req_cdb(struct vscsiif_request *r, uint16_t rqid, uint16_t channel, uint16_t id, uint16_t lun,
                        const uint8_t *cdb, uint8_t cdb_len, uint8_t dir);
/* Put b's segments into r directly (-E2BIG beyond VSCSIIF_SG_TABLESIZE). */
int  vscsifront_req_direct(struct vscsiif_request *r, const struct vscsifront_buf *b);
/*
 * Put b's segments into indirect descriptor pages (granted read-only, kept
 * in *ind for the caller to free after the response) and point r at them:
 * nr_segments = VSCSIIF_SG_GRANT | pages, seg[i] = {gref, 0, bytes}.
 */
int  vscsifront_req_indirect(struct vscsifront *f, struct vscsiif_request *r, const struct vscsifront_buf *b,
                             struct vscsifront_buf **ind);
/* Publish the requests taken with req_next; notify the backend when the ring says so (or always if force). */
int  vscsifront_push(struct vscsifront *f, bool force_notify);
/* Garbage: set the shared producer index to any value and notify. */
int  vscsifront_set_req_prod(struct vscsifront *f, RING_IDX prod);
int  vscsifront_notify(struct vscsifront *f);

/* Copy out the next response, waiting until deadline: 0, -ETIMEDOUT, -EPROTO (response producer overflow). */
int  vscsifront_wait_rsp(struct vscsifront *f, struct vscsiif_response *rsp, const struct timespec *deadline);

#endif /* XVIOS_TEST_VSCSIFRONT_H */
