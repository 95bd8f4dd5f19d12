/* SPDX-License-Identifier: MIT */
/*
 * vke_inproc_send.c - the in-process way in (include/xvios/vke.h,
 * xvios_vke_send): the packet a subsystem would write to vke.sock goes
 * through the same codec checks and the same send path; its SEND_RESULT
 * comes back through vke_inproc.c at the end of the loop's turn.
 */
#include <errno.h>
#include <string.h>

#include "vke_internal.h"
#include "xvios/log.h"

#define INPROC_SEQ_BIT 0x80000000u /* in-process txids: the upper half of this node's counter space */

/* A fresh txid of this node for an in-process send, none that is outstanding. */
static uint64_t next_txid(struct xvios_vke *v)
{
    uint64_t txid;

    do {
        v->inproc_seq = (v->inproc_seq + 1) & ~INPROC_SEQ_BIT;
        txid = xvios_txid_make(v->members.self, INPROC_SEQ_BIT | v->inproc_seq);
    } while (vke_send_outstanding(v, txid, v->inproc_epoch));
    return txid;
}

int xvios_vke_send(struct xvios_vke *v, const struct xvios_msg *m, xvios_vke_result_cb cb, void *arg,
                   uint64_t *txid)
{
    const struct vke_requester who = { .cb = cb, .arg = arg };
    struct xvios_msg req;
    size_t len = 0;
    int err;

    if (!v || !m || !cb)
        return -EINVAL;
    req = *m;
    if (req.hdr.opcode == XVIOS_OP_CLUSTER_SEND && req.hdr.txid == 0) {
        req.hdr.txid = next_txid(v);
        req.sub.epoch = v->inproc_epoch;
    }
    if (txid)
        *txid = req.hdr.txid;
    /* the codec's rules first, as for bytes on vke.sock */
    err = xvios_msg_encode(&req, v->encbuf, XVIOS_MAX_MSG, &len);
    if (err != XVIOS_WIRE_OK) {
        struct xvios_msg bad;
        memset(&bad, 0, sizeof(bad)); /* the request's fields may not even encode: copy back only its txid */
        bad.hdr.txid = req.hdr.txid;
        v->st.local_malformed++;
        XLOG_WARN("in-process send refused: %s", xvios_wire_strerror(err));
        vke_send_refuse(v, &who, &bad, XVIOS_ST_BAD_PACKET);
    } else if (req.hdr.opcode != XVIOS_OP_CLUSTER_SEND && req.hdr.opcode != XVIOS_OP_CLUSTER_RESPONSE) {
        v->st.local_malformed++;
        XLOG_WARN("in-process send refused: opcode %s is not a cluster send", xvios_opcode_name(req.hdr.opcode));
        req.payload = NULL;
        req.hdr.payload_len = 0;
        vke_send_refuse(v, &who, &req, XVIOS_ST_BAD_PACKET);
    } else {
        vke_send_request(v, &who, &req);
    }
    vke_loop_sync(v);
    vke_loop_kick(v);
    return 0;
}
