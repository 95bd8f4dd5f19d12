/* SPDX-License-Identifier: MIT */
/*
 * vscsi_io.c - data movement between a frontend's granted pages and the
 * engine's local buffers, with grant copy (or the seam's map/copy fallback,
 * xvios/ring.h). A copy is finished when the call returns, so no grant of a
 * request is in use by the backend when its response is pushed.
 */
#include <errno.h>
#include <string.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/log.h"

int vscsi_io_fetch_desc(struct vscsi_vhost *vh, const struct vscsi_req_hdr *h, struct scsiif_request_segment *out)
{
    struct xvios_gnt_seg cp[VSCSIIF_SG_TABLESIZE];
    uint8_t *dst = (uint8_t *)out;
    size_t off = 0;
    int rc;

    if (!h->indirect || h->nr_desc == 0 || h->nr_desc > VSCSIIF_SG_TABLESIZE)
        return -EINVAL;
    for (unsigned i = 0; i < h->nr_desc; i++) {
        /* stage 1 bounded every length (multiple of 8, total <= feature-sg-grant descriptors) */
        cp[i] = (struct xvios_gnt_seg){ .gref = h->desc[i].gref, .offset = h->desc[i].offset,
                                        .len = h->desc[i].length, .buf = dst + off, .dir = XVIOS_GNT_FROM_FE };
        off += h->desc[i].length;
    }
    if (off != (size_t)h->nr_segs * sizeof(*out))
        return -EINVAL;
    rc = xvios_gnt_copy(vh->gnt, cp, h->nr_desc);
    if (rc > 0) {
        for (unsigned i = 0; i < h->nr_desc; i++)
            if (cp[i].status)
                XLOG_DEBUG("vhost %u/%u rqid %u: indirect page gref %u: %s", vh->fe_domid, vh->devid, h->rqid,
                           cp[i].gref, strerror(-cp[i].status));
        rc = -EPERM;
    }
    return rc;
}

int vscsi_io_copy(struct vscsi_vhost *vh, const struct scsiif_request_segment *segs, unsigned n, uint8_t *buf,
                  uint32_t len, enum xvios_gnt_dir dir)
{
    struct xvios_gnt_seg cp[VSCSI_SG_GRANT_MAX];
    uint32_t off = 0;
    unsigned k = 0;
    int rc;

    if (n > VSCSI_SG_GRANT_MAX)
        return -EINVAL;
    for (unsigned i = 0; i < n && off < len; i++) {
        uint32_t l = segs[i].length;

        if (l > len - off)
            l = len - off;              /* a short read fills the first bytes only */
        cp[k++] = (struct xvios_gnt_seg){ .gref = segs[i].gref, .offset = segs[i].offset, .len = (uint16_t)l,
                                          .buf = buf + off, .dir = dir };
        off += l;
    }
    if (k == 0)
        return 0;
    rc = xvios_gnt_copy(vh->gnt, cp, k);
    if (rc > 0) {
        for (unsigned i = 0; i < k; i++)
            if (cp[i].status) {
                XLOG_DEBUG("vhost %u/%u: data gref %u: %s", vh->fe_domid, vh->devid, cp[i].gref,
                           strerror(-cp[i].status));
                break;
            }
        rc = -EPERM;
    }
    return rc;
}
