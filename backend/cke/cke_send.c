/* SPDX-License-Identifier: MIT */
/*
 * cke_send.c - one body to one peer as fragments (cke_msg.h), each a
 * directed CLUSTER_SEND of the VKE: with a receipt each (the originator's
 * commands, so that it knows what the peer has), or without (answers).
 */
#include <errno.h>
#include <string.h>

#include "backend/cke/cke_int.h"
#include "xvios/log.h"

int cke__send_body(struct cke *c, uint32_t peer, uint32_t msg_type, uint64_t fwd_id, const uint8_t *body,
                   uint32_t len, bool receipts, xvios_vke_result_cb cb, void *arg, unsigned *n)
{
    static uint8_t frag[XVIOS_MAX_PAYLOAD];
    struct xvios_msg m;
    unsigned sent = 0;
    int rc;

    *n = 0;
    if (len == 0 || len > CKE_BODY_MAX || peer == 0)
        return -EINVAL;
    for (uint32_t off = 0; off < len; off += CKE_FRAG_DATA) {
        struct cke_frag_hdr h = { .fwd_id = fwd_id, .total_len = len, .frag_off = off };

        h.frag_len = len - off < CKE_FRAG_DATA ? len - off : CKE_FRAG_DATA;
        cke_frag_hdr_put(frag, &h);
        memcpy(frag + CKE_FRAG_HDR, body + off, h.frag_len);
        memset(&m, 0, sizeof(m));
        m.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
        m.hdr.flags = receipts ? XVIOS_F_RECEIPT : 0;
        m.hdr.payload_len = CKE_FRAG_HDR + h.frag_len;
        m.sub.msg_type = msg_type;
        m.sub.src_node = xvios_vke_node(c->cfg.vke);
        m.sub.n_targets = 1;
        m.sub.rc_capacity = receipts ? 1 : 0;
        m.targets[0] = peer;
        m.payload = frag;
        rc = xvios_vke_send(c->cfg.vke, &m, cb, arg, NULL);   /* encodes (copies) the fragment at once */
        if (rc < 0) {
            XLOG_WARN("CKE: send to node %u refused: %s", peer, strerror(-rc));
            break;
        }
        sent++;
    }
    *n = sent;
    return sent ? 0 : -EIO;
}
