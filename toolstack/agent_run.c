/* SPDX-License-Identifier: MIT */
/*
 * agent_run.c - one request a node forwarded to dom0's agent (agent.h): the
 * payload is bounded before it is parsed (the API's limits, xvios/vio.h),
 * validated as any vioRequest, refused DOM0_ONLY when its object kind was
 * not delegated (--allow), else run with dom0's executor (api_exec.h) and
 * answered; a change is announced as `xvios api` announces it, through the
 * asking node. Every request is logged with the node and its caller.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "toolstack/agent.h"
#include "toolstack/api_exec.h"
#include "toolstack/cmds.h"
#include "toolstack/lu_cmd.h"
#include "toolstack/obj_event.h"
#include "xvios/log.h"
#include "xvios/vio.h"

static const struct { const char *word; unsigned bit; } kinds[] = {
    { "mapping", AGENT_MAPPING }, { "lu", AGENT_LU }, { "pool", AGENT_POOL },
};

int agent_allow_parse(const char *s, unsigned *mask)
{
    char buf[64];
    unsigned m = 0;

    if (!s || !s[0] || snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
        return -EINVAL;
    for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && strcmp(w, kinds[i].word); i++)
            ;
        if (i == sizeof(kinds) / sizeof(kinds[0]))
            return -EINVAL;
        m |= kinds[i].bit;
    }
    if (!m)
        return -EINVAL;
    *mask = m;
    return 0;
}

void agent_allow_format(unsigned mask, char *buf, size_t cap)
{
    size_t n = 0;

    buf[0] = 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (mask & kinds[i].bit) {
            int w = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", kinds[i].word);
            if (w < 0 || (size_t)w >= cap - n)
                return;
            n += (size_t)w;
        }
}

static unsigned kind_of(enum xvios_vio_object o)
{
    return o == XVIOS_VIO_MAPPING ? AGENT_MAPPING : o == XVIOS_VIO_LU ? AGENT_LU : o == XVIOS_VIO_POOL ? AGENT_POOL : 0;
}

int agent_handle(const struct xvios_cli *cli, unsigned allow, xvios_client *c, const struct xvios_api_msg *m)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    struct xvios_vio_change chg = { .changed = false };
    struct xvios_vio_req rq;
    struct xvios_vio_err err = { XVIOS_VIO_OK, "" };
    struct vscsi_ctx ctx;
    char code[32] = "";
    size_t len = 0;
    int rc;

    XLOG_INFO("node %u forwards caller %u's request (handle %llu, %zu bytes)", m->node, m->originator,
              (unsigned long long)m->handle, m->len);
    if (m->len > XVIOS_VIO_REQUEST_MAX) {   /* one message bounds it already; checked before parsing anyway */
        xvios_vio_fail(&err, XVIOS_VIO_TOO_LARGE, "the request is %zu bytes; at most %u", m->len,
                       XVIOS_VIO_REQUEST_MAX);
    } else if (xvios_vio_parse((const char *)m->payload, m->len, &rq, &err) == 0) {
        unsigned k = kind_of(rq.object);
        if (!xvios_vio_needs_dom0(&rq) || !k || !(allow & k))
            xvios_vio_fail(&err, XVIOS_VIO_DOM0_ONLY, "%s %s is not delegated to the agent in dom0 (xvios agent "
                           "--allow): run it in dom0 ('xvios api' there)", xvios_vio_object_name(rq.object),
                           xvios_vio_action_name(rq.action));
        else if (lu_ctx_open(cli, &ctx) != XVIOS_EXIT_OK)
            xvios_vio_fail(&err, XVIOS_VIO_UNAVAILABLE, "dom0's agent cannot read the cluster DB now; nothing was "
                           "changed");
        else {
            rc = xvios_api_exec_dom0(&ctx, &rq, out, sizeof(out), &len, &chg);
            vscsi_ctx_close(&ctx);
            if (rc < 0)
                xvios_vio_fail(&err, XVIOS_VIO_INTERNAL, "dom0's agent could not write the answer");
        }
    }
    if (err.code != XVIOS_VIO_OK && xvios_vio_exception(0, &err, out, sizeof(out), &len) < 0)
        return -ENOSPC;
    rc = xvios_client_agent_answer(c, m->handle, out, len);
    if (xvios_obj_exception_code(out, code, sizeof(code)) == 0)
        snprintf(code, sizeof(code), "ok");
    XLOG_INFO("node %u, caller %u (handle %llu): %s%s%s", m->node, m->originator, (unsigned long long)m->handle,
              code, rc < 0 ? ", but the answer could not be sent: " : "", rc < 0 ? strerror(-rc) : "");
    if (rc < 0)
        return rc;
    if (chg.changed) {
        struct xvios_vio_event ev;
        xvios_api_change_event(&chg, &ev);
        if (cli_obj_announce_on(cli->prog, c, &ev) != XVIOS_EXIT_OK)
            XLOG_WARN("%s %s %s: made; its lifecycle event did not reach every node", ev.type, ev.key, ev.action);
    }
    return 0;
}
