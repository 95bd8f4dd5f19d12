/* SPDX-License-Identifier: MIT */
/*
 * cke_peer.c - the peer's side: a forwarded command, reassembled, is checked
 * (descriptor, lengths), refused when this VIOS's own path to the LU is lost
 * (NO_PATH: the originator tries another peer), else run on this VIOS's LU
 * with the client's nexus, and answered with status, sense and data-in.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cke/cke_int.h"
#include "backend/scsi/scsi_lu_store.h"
#include "xvios/log.h"

static void ignore_result(void *arg, const struct xvios_msg *result, const struct xvios_rc_entry *rc, unsigned n_rc)
{
    (void)arg;
    (void)rc;
    (void)n_rc;
    if (result->hdr.status != XVIOS_ST_OK)
        XLOG_DEBUG("CKE: an answer fragment ended %s", xvios_status_name(result->hdr.status));
}

static void answer(struct cke *c, uint32_t src, uint64_t fwd_id, const struct cke_rsp *rsp, const uint8_t *data)
{
    uint32_t len = CKE_RSP_FIXED + rsp->data_in_xfer;
    uint8_t *body;
    unsigned n;

    if (c->destroying)
        return;
    body = malloc(len);
    if (!body) {
        XLOG_WARN("CKE: no memory to answer node %u: it will time out", src);
        return;
    }
    cke_rsp_encode(rsp, body);
    if (rsp->data_in_xfer)
        memcpy(body + CKE_RSP_FIXED, data, rsp->data_in_xfer);
    cke__send_body(c, src, CKE_MT_RSP, fwd_id, body, len, false, ignore_result, NULL, &n);
    free(body);
}

static void refuse(struct cke *c, uint32_t src, uint64_t fwd_id, enum cke_outcome why)
{
    struct cke_rsp rsp = { .outcome = why };

    c->st.peer_refused++;
    answer(c, src, fwd_id, &rsp, NULL);
}

/* ---------------------------------------------------------------- LUs */
static void on_store(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct cke_plu *u = arg;

    (void)src;
    (void)fd;
    (void)revents;
    lu_store_dispatch(u->store);
}

static bool same_lu(const struct cke_lu_id *a, const struct cke_lu_id *b)
{
    return !strcmp(a->key, b->key) && !strcmp(a->backing, b->backing) && a->pool == b->pool &&
           a->read_only == b->read_only && a->offset == b->offset && a->size == b->size &&
           !memcmp(a->wwn, b->wwn, sizeof(a->wwn)) && !strcmp(a->serial, b->serial);
}

static void plu_free(struct cke_plu *u)
{
    dsa_detach(u->c->cfg.dsa, u->path, u->store);
    xvios_evloop_fd_remove(u->src);
    lu_store_close(u->store);            /* commands still running complete (their answers are dropped) */
    if (u->dev)
        scsi_dev_free(u->dev);
    if (u->lu)
        scsi_lu_free(u->lu);
    free(u);
}

static struct cke_plu *plu_get(struct cke *c, const struct cke_lu_id *id)
{
    struct lu_store_opts so = { .path = id->backing, .read_only = id->read_only };
    struct scsi_lu_opts lo = { .ops = &scsi_lu_store_ops, .read_only = id->read_only,
                               .ieee_company_id = XVIOS_LU_COMPANY_ID };
    struct cke_plu *u;
    int rc;

    for (u = c->plus; u; u = u->next)
        if (same_lu(&u->id, id))
            return u;
    u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->c = c;
    u->id = *id;
    if ((rc = lu_store_open(&so, &u->store)) < 0) {
        XLOG_WARN("CKE: cannot open %s for forwarded commands: %s", id->backing, strerror(-rc));
        free(u);
        return NULL;
    }
    lo.store = u->store;
    lo.serial = id->serial[0] ? id->serial : id->key;
    if (id->pool) {
        if (scsi_region_init(&u->region, &scsi_lu_store_ops, u->store, id->offset, id->size) < 0)
            goto fail;
        lo.ops = &scsi_region_ops;
        lo.store = &u->region;
        lo.naa_id = id->wwn;
    }
    if (scsi_lu_new(&lo, &u->lu) < 0 || !(u->dev = scsi_dev_new()) || scsi_dev_map_lun(u->dev, 0, u->lu) < 0 ||
        xvios_evloop_fd_add(c->cfg.loop, lu_store_fd(u->store), POLLIN, on_store, u, &u->src) < 0)
        goto fail;
    if (c->cfg.dsa && dsa_attach(c->cfg.dsa, id->key, id->backing, id->pool ? id->offset : 0, u->store, &u->path) < 0)
        u->path = NULL;
    u->next = c->plus;
    c->plus = u;
    XLOG_INFO("CKE: %s (%s) opened for forwarded commands", id->key, id->backing);
    return u;
fail:
    XLOG_WARN("CKE: %s: cannot serve forwarded commands (region or memory)", id->key);
    plu_free(u);
    return NULL;
}

/* ---------------------------------------------------------------- commands */
static void exec_free(struct cke_exec *x)
{
    struct cke *c = x->c;

    for (struct cke_exec **pp = &c->execs; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    x->plu->running--;
    lu_store_free_buf(x->out);
    lu_store_free_buf(x->in);
    free(x);
}

static void exec_done(struct scsi_cmd *cmd)
{
    struct cke_exec *x = cmd->opaque;
    struct cke_rsp rsp = { .outcome = CKE_OUT_DONE, .status = cmd->status, .sense_len = cmd->sense_len,
                           .data_in_xfer = cmd->data_in_xfer, .residual = cmd->residual };

    if (rsp.sense_len > SCSI_SENSE_BUFFERSIZE)
        rsp.sense_len = SCSI_SENSE_BUFFERSIZE;
    memcpy(rsp.sense, cmd->sense, rsp.sense_len);
    x->c->st.peer_executed++;
    answer(x->c, x->src, x->fwd_id, &rsp, x->in);
    exec_free(x);
}

void cke__peer_on_cmd(struct cke *c, uint32_t src, uint64_t fwd_id, const uint8_t *body, uint32_t len)
{
    struct cke_cmd_desc d;
    struct dsa_path *path;
    struct cke_plu *u;
    struct cke_exec *x;
    int n = cke_desc_decode(body, len, &d);

    if (n < 0 || len != (uint32_t)n + d.data_out_len) {
        c->st.bad_fragments++;
        XLOG_WARN("CKE: malformed forwarded command from node %u: refused", src);
        refuse(c, src, fwd_id, CKE_OUT_REFUSED);
        return;
    }
    path = c->cfg.dsa ? dsa_find(c->cfg.dsa, d.lu.key) : NULL;
    if (path && dsa_path_state(path) == DSA_LOST) {
        refuse(c, src, fwd_id, CKE_OUT_NO_PATH);
        return;
    }
    u = plu_get(c, &d.lu);
    if (!u) {
        refuse(c, src, fwd_id, CKE_OUT_NO_PATH);
        return;
    }
    x = calloc(1, sizeof(*x));
    if (!x || (d.data_out_len && !(x->out = lu_store_alloc_buf(d.data_out_len))) ||
        (d.data_in_len && !(x->in = lu_store_alloc_buf(d.data_in_len))) || scsi_lu_nexus_adopt(u->lu, &d.nexus) < 0) {
        if (x) {
            lu_store_free_buf(x->out);
            lu_store_free_buf(x->in);
        }
        free(x);
        refuse(c, src, fwd_id, CKE_OUT_REFUSED);
        return;
    }
    x->c = c;
    x->plu = u;
    x->src = src;
    x->fwd_id = fwd_id;
    x->nexus = d.nexus;
    if (d.data_out_len)
        memcpy(x->out, body + n, d.data_out_len);
    x->cmd.nexus = &x->nexus;
    x->cmd.lun = 0;
    memcpy(x->cmd.cdb, d.cdb, d.cdb_len);
    x->cmd.cdb_len = d.cdb_len;
    x->cmd.data_out = x->out;
    x->cmd.data_out_len = d.data_out_len;
    x->cmd.data_in = x->in;
    x->cmd.data_in_len = d.data_in_len;
    x->cmd.done = exec_done;
    x->cmd.opaque = x;
    x->next = c->execs;
    c->execs = x;
    u->running++;
    scsi_submit(u->dev, &x->cmd);        /* exec_done may run inside */
}

void cke__peer_shutdown(struct cke *c)
{
    while (c->plus) {
        struct cke_plu *u = c->plus;

        c->plus = u->next;
        plu_free(u);                     /* its commands complete here; exec_done frees them */
    }
}
