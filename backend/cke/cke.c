/* SPDX-License-Identifier: MIT */
/*
 * cke.c - the CKE as a whole (cke.h): its VKE receiver for CKE_MT_CMD and
 * CKE_MT_RSP (fragments reassembled per source node, then handed to the
 * peer or the originator side), the sweep of unfinished bodies, teardown,
 * counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/cke/cke_int.h"
#include "xvios/log.h"

#define SWEEP_MS 500u

static void on_message(void *arg, const struct xvios_msg *m)
{
    struct cke *c = arg;
    bool cmd = m->sub.msg_type == CKE_MT_CMD;
    struct cke_asm *a = NULL;
    int rc;

    if (c->destroying || m->hdr.opcode != XVIOS_OP_CLUSTER_SEND ||
        (m->sub.msg_type != CKE_MT_CMD && m->sub.msg_type != CKE_MT_RSP)) {
        c->st.bad_fragments++;
        return;
    }
    rc = cke__asm_add(cmd ? &c->cmd_asm : &c->rsp_asm, m->sub.src_node, m->payload, m->hdr.payload_len,
                      2 * c->cfg.timeout_ms, &a);
    if (rc < 0) {
        c->st.bad_fragments++;
        if (rc != -EALREADY)
            XLOG_WARN("CKE: fragment from node %u dropped: %s", m->sub.src_node, strerror(-rc));
        return;
    }
    if (rc == 0)
        return;
    if (cmd)
        cke__peer_on_cmd(c, a->src, a->r.fwd_id, a->r.body, a->r.total_len);
    else
        cke__fwd_on_rsp(c, a->src, a->r.fwd_id, a->r.body, a->r.total_len);
    cke__asm_free(a);
}

static void on_sweep(struct xvios_ev_timer *t, void *arg)
{
    struct cke *c = arg;
    struct timespec now = xvios_now();

    cke__asm_expire(&c->cmd_asm, now);
    cke__asm_expire(&c->rsp_asm, now);
    xvios_evloop_timer_arm(t, xvios_deadline_ms(SWEEP_MS));
}

int cke_create(const struct cke_config *cfg, struct cke **out)
{
    struct cke *c;
    struct timespec ts;
    int rc;

    if (!cfg || !cfg->vke || !cfg->loop || !cfg->plat || !out)
        return -EINVAL;
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->cfg = *cfg;
    if (!c->cfg.timeout_ms)
        c->cfg.timeout_ms = CKE_DEFAULT_TIMEOUT_MS;
    /* forwarding ids start somewhere new per incarnation: a restarted VIOS's ids do not meet its old ones */
    clock_gettime(CLOCK_REALTIME, &ts);
    c->next_id = ((uint64_t)(uint32_t)ts.tv_sec << 32) ^ ((uint64_t)getpid() << 20);
    if ((rc = xvios_evloop_timer_add(c->cfg.loop, cke__fwd_kick, c, &c->kick)) < 0 ||
        (rc = xvios_evloop_timer_add(c->cfg.loop, on_sweep, c, &c->sweep)) < 0)
        goto fail;
    if ((rc = xvios_vke_receiver_add(c->cfg.vke, CKE_MT_FIRST, CKE_MT_LAST, on_message, c)) < 0)
        goto fail;
    c->receiver = true;
    if (c->cfg.dsa)
        dsa_set_observer(c->cfg.dsa, cke__fwd_on_verdict, c);
    xvios_evloop_timer_arm(c->sweep, xvios_deadline_ms(SWEEP_MS));
    XLOG_INFO("CKE: forwarding ready (attempt deadline %u ms)", c->cfg.timeout_ms);
    *out = c;
    return 0;
fail:
    xvios_evloop_timer_remove(c->kick);
    xvios_evloop_timer_remove(c->sweep);
    free(c);
    return rc;
}

void cke_stop(struct cke *c)
{
    if (!c || c->destroying)
        return;
    c->destroying = true;
    if (c->receiver)
        xvios_vke_receiver_remove(c->cfg.vke, CKE_MT_FIRST);
    c->receiver = false;
    if (c->cfg.dsa)
        dsa_set_observer(c->cfg.dsa, NULL, NULL);
    cke__fwd_shutdown(c);               /* every command it holds is ended now */
    cke__peer_shutdown(c);
}

void cke_destroy(struct cke *c)
{
    if (!c)
        return;
    cke_stop(c);
    cke__fwd_free(c);
    cke__asm_clear(&c->cmd_asm);
    cke__asm_clear(&c->rsp_asm);
    xvios_evloop_timer_remove(c->kick);
    xvios_evloop_timer_remove(c->sweep);
    free(c);
}

void cke_get_stats(const struct cke *c, struct cke_stats *out)
{
    *out = c->st;
}
