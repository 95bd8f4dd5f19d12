/* SPDX-License-Identifier: MIT */
/*
 * vscsi_proto.h - the vscsiif protocol header (Xen's public io/vscsiif.h)
 * for user space: <xen/io/ring.h> leaves the ring barriers to its includer,
 * so they are defined here, before it is included, as C11 fences. Every
 * engine file includes the protocol through this header.
 */
#ifndef XVIOS_BACKEND_VSCSI_PROTO_H
#define XVIOS_BACKEND_VSCSI_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <xen/io/vscsiif.h>
#undef xen_mb
#undef xen_rmb
#undef xen_wmb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

_Static_assert(sizeof(struct vscsiif_request) == 252, "vscsiif request layout");
_Static_assert(sizeof(struct vscsiif_response) == 252, "vscsiif response layout");
_Static_assert(sizeof(struct scsiif_request_segment) == 8, "vscsiif segment layout");
/* __CONST_RING_SIZE(vscsiif, 4096): the largest power of two of entries that fits one page after the header */
_Static_assert((VSCSIIF_PAGE_SIZE - offsetof(struct vscsiif_sring, ring)) / sizeof(union vscsiif_sring_entry) >= 16 &&
               (VSCSIIF_PAGE_SIZE - offsetof(struct vscsiif_sring, ring)) / sizeof(union vscsiif_sring_entry) < 32,
               "vscsiif ring of one page has 16 slots");

/* sc_data_direction values (Linux's enum dma_data_direction, as the header documents). */
enum vscsi_dir {
    VSCSI_DIR_BIDIRECTIONAL = 0,
    VSCSI_DIR_TO_DEVICE     = 1,
    VSCSI_DIR_FROM_DEVICE   = 2,
    VSCSI_DIR_NONE          = 3,
};

#define VSCSI_RING_SLOTS      16u     /* __CONST_RING_SIZE(vscsiif, 4096) */
#define VSCSI_SG_GRANT_MAX    128u    /* the feature-sg-grant the engine advertises (Linux SG_ALL) */
#define VSCSI_MAX_DATA_LEN    (VSCSI_SG_GRANT_MAX * VSCSIIF_PAGE_SIZE)

/* Task-management replies (rslt of an ABORT or RESET), as xen-scsiback answers them. */
#define VSCSI_RSLT_RESET_SUCCESS 0x2002
#define VSCSI_RSLT_RESET_FAILED  0x2003

#endif /* XVIOS_BACKEND_VSCSI_PROTO_H */
