/* SPDX-License-Identifier: MIT */
/*
 * agent_fwd.c - dom0's agent (`xvios agent`, docs/api.md "The dom0 agent"):
 * it registers on this node's management link (API_AGENT; on the caller
 * socket the registration is refused: a local root caller must not pose as
 * dom0). A caller's request that only dom0 may run (vio_server.c decides
 * which) is then held here and its vioRequest handed to the agent as an
 * API_AGENT_REQ with a handle of ours; the agent's API_AGENT_ANSWER (a
 * vioResponse) answers the caller once. No answer by XVD_AGENT_WAIT_MS, or
 * the agent gone first: the caller gets a VIOException UNAVAILABLE. Nothing
 * here waits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/client.h"
#include "xvios/clock.h"
#include "xvios/log.h"
#include "xvios/vio.h"

static struct caller *agent_caller(struct xviosd *d)
{
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used && !d->callers[i].dead && d->callers[i].agent)
            return &d->callers[i];
    return NULL;
}

bool viod_agent_present(const struct xviosd *d)
{
    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++)
        if (d->callers[i].used && !d->callers[i].dead && d->callers[i].agent)
            return true;
    return false;
}

static void answer_caller(struct xviosd *d, struct viod_agent_fwd *f, const char *resp, size_t len)
{
    struct caller *c = viod_api_caller(d, f->caller_id);

    if (c) {
        viod_api_emit(d, c, XVIOS_OP_API_RESPONSE, XVIOS_ST_OK, f->caller_handle, d->self_node, 0, resp, len);
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, f->caller_handle, d->self_node, 0, NULL, 0);
    }
    memset(f, 0, sizeof(*f));
}

static void answer_unavailable(struct xviosd *d, struct viod_agent_fwd *f, const char *why)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    struct xvios_vio_err e;
    size_t len = 0;

    xvios_vio_fail(&e, XVIOS_VIO_UNAVAILABLE, "dom0's agent %s; whether dom0 made the change is not known here: "
                   "read the object back", why);
    XLOG_WARN("caller %u: the request forwarded to dom0's agent (handle %llu): %s", f->caller_id,
              (unsigned long long)f->handle, e.sentence);
    if (xvios_vio_exception(d->self_node, &e, out, sizeof(out), &len) == 0) {
        answer_caller(d, f, out, len);
        return;
    }
    struct caller *c = viod_api_caller(d, f->caller_id);
    if (c)
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_INTERNAL, f->caller_handle, d->self_node, 0, NULL, 0);
    memset(f, 0, sizeof(*f));
}

void viod_agent_on_register(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    char allow[XVIOS_AGENT_ALLOW_MAX + 1] = "";
    struct caller *old;

    if (!c->link) {
        XLOG_WARN("caller %u (%s) tried to register as dom0's agent on the caller socket: refused (only on the "
                  "management link)", c->id, c->name[0] ? c->name : "unnamed");
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m->hdr.txid, d->self_node, 0, NULL, 0);
        return;
    }
    if (m->hdr.payload_len > XVIOS_AGENT_ALLOW_MAX + sizeof("allow=\n") ||
        xvios_kv_get((const char *)m->payload, m->hdr.payload_len, "allow", allow, sizeof(allow)) < 0)
        allow[0] = 0;
    for (char *p = allow; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == ','))
            *p = '?';
    old = agent_caller(d);
    if (old && old != c)
        old->agent = false;   /* one management link per node: cannot happen, kept for clarity */
    c->agent = true;
    XLOG_INFO("dom0's agent registered on the management link (caller %u, allows %s)", c->id,
              allow[0] ? allow : "?");
    viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_OK, m->hdr.txid, d->self_node, 0, NULL, 0);
}

int viod_agent_forward(struct xviosd *d, struct caller *c, uint64_t handle, const void *req, size_t len)
{
    struct caller *a = agent_caller(d);
    struct viod_agent_fwd *f = NULL;
    int rc;

    if (!a)
        return -ENOTCONN;
    for (unsigned i = 0; i < XVD_AGENT_MAX_FWD && !f; i++)
        if (!d->agent_fwd[i].used)
            f = &d->agent_fwd[i];
    if (!f)
        return -EAGAIN;
    do {
        d->agent_next_handle++;
    } while (d->agent_next_handle == 0);
    rc = viod_api_emit_for(d, a, XVIOS_OP_API_AGENT_REQ, XVIOS_ST_OK, d->agent_next_handle, d->self_node, 0, c->id,
                           req, len);
    if (rc < 0)
        return rc == -ENOBUFS ? -EAGAIN : rc;
    *f = (struct viod_agent_fwd){ .used = true, .handle = d->agent_next_handle, .caller_id = c->id,
                                  .caller_handle = handle, .deadline = xvios_deadline_ms(XVD_AGENT_WAIT_MS) };
    XLOG_INFO("caller %u (%s): request handed to dom0's agent (handle %llu)", c->id, c->name[0] ? c->name : "unnamed",
              (unsigned long long)f->handle);
    return 0;
}

void viod_agent_on_answer(struct xviosd *d, struct caller *c, const struct xvios_msg *m)
{
    static char resp[XVIOS_MAX_PAYLOAD + 1];
    char code[32] = "";
    int exc;

    if (!c->agent) {
        XLOG_WARN("caller %u sent API_AGENT_ANSWER without being dom0's agent: refused", c->id);
        viod_api_emit(d, c, XVIOS_OP_API_RESULT, XVIOS_ST_BAD_PACKET, m->hdr.txid, d->self_node, 0, NULL, 0);
        return;
    }
    for (unsigned i = 0; i < XVD_AGENT_MAX_FWD; i++) {
        struct viod_agent_fwd *f = &d->agent_fwd[i];
        if (!f->used || f->handle != m->hdr.txid)
            continue;
        /* dom0's own output, still checked: one vioResponse (a light scan, as the C binding reads it) */
        if (m->hdr.payload_len == 0 || m->hdr.payload_len > XVIOS_VIO_RESPONSE_MAX ||
            memchr(m->payload, 0, m->hdr.payload_len)) {
            answer_unavailable(d, f, "answered with something that is not a vioResponse");
            return;
        }
        memcpy(resp, m->payload, m->hdr.payload_len);
        resp[m->hdr.payload_len] = 0;
        if ((exc = xvios_obj_exception_code(resp, code, sizeof(code))) < 0) {
            answer_unavailable(d, f, "answered with something that is not a vioResponse");
            return;
        }
        XLOG_INFO("caller %u: dom0's agent answered (handle %llu): %s", f->caller_id, (unsigned long long)f->handle,
                  exc ? code : "ok");
        answer_caller(d, f, resp, m->hdr.payload_len);
        return;
    }
    XLOG_WARN("dom0's agent answered handle %llu, which no caller waits for (late or unknown): dropped",
              (unsigned long long)m->hdr.txid);
}

void viod_agent_caller_gone(struct xviosd *d, const struct caller *c)
{
    const bool was_agent = c->agent;

    for (unsigned i = 0; i < XVD_AGENT_MAX_FWD; i++) {
        struct viod_agent_fwd *f = &d->agent_fwd[i];
        if (!f->used)
            continue;
        if (f->caller_id == c->id)
            memset(f, 0, sizeof(*f));   /* the asker left: the agent's answer will be dropped */
        else if (was_agent && !agent_caller(d))
            answer_unavailable(d, f, "left before answering");
    }
    if (was_agent)
        XLOG_WARN("dom0's agent left the management link (caller %u)", c->id);
}

void viod_agent_tick(struct xviosd *d, struct timespec now)
{
    for (unsigned i = 0; i < XVD_AGENT_MAX_FWD; i++) {
        struct viod_agent_fwd *f = &d->agent_fwd[i];
        if (f->used && xvios_ts_cmp(f->deadline, now) <= 0) {
            char why[64];
            snprintf(why, sizeof(why), "did not answer within %u ms", XVD_AGENT_WAIT_MS);
            answer_unavailable(d, f, why);
        }
    }
}
