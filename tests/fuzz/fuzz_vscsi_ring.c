/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vscsi_ring.c - random ring contents into the engine's request parser.
 *
 * Input: the shared ring page (the first 4096 bytes; shorter input is
 * zero-padded) followed by the contents of indirect descriptor pages. The
 * harness consumes the ring as the engine does (vscsi_ring.c): the producer
 * index is checked with RING_REQUEST_PROD_OVERFLOW (an overflow ends the
 * run: the engine's sticky ring error), each request is copied out with
 * RING_COPY_REQUEST and validated (vscsi_req_check); an indirect request
 * takes its descriptors from the rest of the input (vscsi_req_data_segs),
 * and every response is encoded (vscsi_rsp_fill).
 *
 * Invariants checked (abort() on violation): an accepted request has at most
 * feature-sg-grant data segments (26 direct), each segment lies within its
 * page with a non-zero length, the total is the sum and at most 512 KiB,
 * DMA_NONE carries no data, CDB length 1..16; responses carry the rqid and
 * at most 96 bytes of sense.
 *
 *   make fuzz FUZZ_SECONDS=60   (seed corpus: tests/fuzz/corpus/fuzz_vscsi_ring/)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/vscsi/vscsi_req.h"
#include "backend/vscsi/vscsi_rsp.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void one_request(const struct vscsiif_request *r, const uint8_t **ind, size_t *ind_left)
{
    static struct scsiif_request_segment descs[VSCSI_SG_GRANT_MAX], out[VSCSI_SG_GRANT_MAX];
    struct vscsiif_response rsp;
    struct vscsi_req_hdr h;
    enum vscsi_req_err e;
    uint32_t total = 0, sum = 0;
    uint8_t sense[128];

    e = vscsi_req_check(r, VSCSI_SG_GRANT_MAX, &h);
    check(h.rqid == r->rqid);
    if (e == VSCSI_REQ_OK && h.act == VSCSIIF_ACT_SCSI_CDB) {
        size_t need = (size_t)h.nr_segs * sizeof(descs[0]);

        check(h.cmd_len >= 1 && h.cmd_len <= VSCSIIF_MAX_COMMAND_SIZE);
        check(h.nr_segs <= (h.indirect ? VSCSI_SG_GRANT_MAX : VSCSIIF_SG_TABLESIZE));
        check(h.dir >= VSCSI_DIR_TO_DEVICE && h.dir <= VSCSI_DIR_NONE);
        check(h.dir != VSCSI_DIR_NONE || h.nr_segs == 0);
        if (h.indirect) {
            /* what the indirect pages hold: the next bytes of the input */
            size_t take = need < *ind_left ? need : *ind_left;

            memset(descs, 0, sizeof(descs));
            if (take) {
                memcpy(descs, *ind, take);
                *ind += take;
                *ind_left -= take;
            }
        }
        e = vscsi_req_data_segs(&h, h.indirect ? descs : NULL, out, &total);
        if (e == VSCSI_REQ_OK) {
            for (unsigned i = 0; i < h.nr_segs; i++) {
                check(out[i].length > 0 && (uint32_t)out[i].offset + out[i].length <= VSCSIIF_PAGE_SIZE);
                sum += out[i].length;
            }
            check(sum == total && total <= VSCSI_MAX_DATA_LEN);
        } else {
            check(total == 0);
        }
    }
    memset(sense, 0x70, sizeof(sense));
    vscsi_rsp_fill(&rsp, h.rqid, vscsi_rsp_result(e ? XEN_VSCSIIF_RSLT_HOST_ERROR : 0, r->cmnd[0]), sense,
                   r->cmnd[1], r->cmnd[2]);
    check(rsp.rqid == r->rqid && rsp.sense_len <= VSCSIIF_SENSE_BUFFERSIZE);
    check(e == VSCSI_REQ_OK || XEN_VSCSIIF_RSLT_HOST(rsp.rslt) == XEN_VSCSIIF_RSLT_HOST_ERROR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static union {
        struct vscsiif_sring s;
        uint8_t page[VSCSIIF_PAGE_SIZE];
    } ring;
    struct vscsiif_back_ring back;
    const uint8_t *ind = size > sizeof(ring) ? data + sizeof(ring) : NULL;
    size_t ind_left = size > sizeof(ring) ? size - sizeof(ring) : 0;
    RING_IDX prod;
    unsigned served = 0;

    memset(&ring, 0, sizeof(ring));
    memcpy(ring.page, data, size < sizeof(ring) ? size : sizeof(ring));
    /* the frontend chose its indexes; the backend starts from its own view (0 served) */
    BACK_RING_ATTACH(&back, &ring.s, 0, VSCSIIF_PAGE_SIZE);
    prod = ring.s.req_prod;
    if (RING_REQUEST_PROD_OVERFLOW(&back, prod))
        return 0;                       /* the engine's sticky ring error: nothing is read */
    while (back.req_cons != prod) {
        struct vscsiif_request r;

        check(!RING_REQUEST_CONS_OVERFLOW(&back, back.req_cons));
        RING_COPY_REQUEST(&back, back.req_cons, &r);
        back.req_cons++;
        one_request(&r, &ind, &ind_left);
        back.rsp_prod_pvt++;            /* answered */
        served++;
    }
    check(served <= VSCSI_RING_SLOTS);
    return 0;
}
