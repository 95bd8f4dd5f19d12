/* SPDX-License-Identifier: MIT */
/*
 * vscsi_fwd.c - a request as the CKE takes it (backend/cke/cke.h): the LU's
 * identity as this engine was given it, the client's nexus, the CDB, the
 * direction and the bounce buffer as data-out or data-in. Pure copying: the
 * exec file decides when and answers.
 */
#include <stdio.h>
#include <string.h>

#include "backend/vscsi/vscsi_int.h"

void vscsi_fwd_fill(struct vscsi_vhost *vh, struct vscsi_req *s, cke_done_fn done)
{
    struct cke_req *r = &s->fwd;
    const struct vscsi_lu_ref *lu = s->lu_ref;

    memset(r, 0, sizeof(*r));
    snprintf(r->desc.lu.key, sizeof(r->desc.lu.key), "%s", lu->key);
    snprintf(r->desc.lu.backing, sizeof(r->desc.lu.backing), "%s", lu->path);
    r->desc.lu.pool = lu->id.pool;
    r->desc.lu.read_only = lu->read_only;
    r->desc.lu.offset = lu->id.offset;
    r->desc.lu.size = lu->id.size;
    memcpy(r->desc.lu.wwn, lu->id.wwn, sizeof(r->desc.lu.wwn));
    _Static_assert(sizeof(r->desc.lu.serial) >= sizeof(lu->id.serial), "a serial fits the descriptor");
    snprintf(r->desc.lu.serial, sizeof(r->desc.lu.serial), "%s", lu->id.serial);
    r->desc.nexus = vh->nexus;
    r->desc.lun = s->cmd.lun;
    memcpy(r->desc.cdb, s->h.cdb, s->h.cmd_len);
    r->desc.cdb_len = s->h.cmd_len;
    if (s->h.dir == VSCSI_DIR_TO_DEVICE && s->data_len) {
        r->desc.dir = CKE_DIR_TO_DEVICE;
        r->desc.data_out_len = s->data_len;
        r->data_out = s->buf;
    } else if (s->h.dir == VSCSI_DIR_FROM_DEVICE && s->data_len) {
        r->desc.dir = CKE_DIR_FROM_DEVICE;
        r->desc.data_in_len = s->data_len;
        r->data_in = s->buf;
    }
    r->path = lu->dpath;
    r->done = done;
    r->opaque = s;
}
