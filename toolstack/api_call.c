/* SPDX-License-Identifier: MIT */
/*
 * api_call.c - one vioRequest run as `xvios api` runs it (api_call.h): a
 * write only dom0 may make (xvios_vio_needs_dom0), asked in dom0, runs here
 * against the cluster DB with dom0's hooks (where an LU is attached, the
 * backing's size, the mapping's nodes); the rest goes to a node's daemon as
 * API_VIO. The dom0 half is api_exec.c's executor, which `xvios agent` runs
 * too (a request a node handed to dom0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/api_call.h"
#include "toolstack/api_exec.h"
#include "toolstack/cmds.h"
#include "toolstack/lu_cmd.h"
#include "toolstack/obj_event.h"
#include "xvios/clock.h"

#define API_WAIT_MS 30000u

/* A request run here, in dom0. An exit code. */
static int run_here(const struct xvios_cli *cli, struct vscsi_ctx *ctx, const struct xvios_vio_req *rq,
                    struct api_answer *ans)
{
    ans->resp = malloc(XVIOS_VIO_RESPONSE_MAX);
    if (!ans->resp) {
        fprintf(stderr, "%s: out of memory\n", cli->prog);
        return XVIOS_EXIT_ERROR;
    }
    if (xvios_api_exec_dom0(ctx, rq, ans->resp, XVIOS_VIO_RESPONSE_MAX, &ans->len, &ans->chg) < 0) {
        fprintf(stderr, "%s: no vioResponse could be written\n", cli->prog);
        api_answer_free(ans);
        return XVIOS_EXIT_ERROR;
    }
    ans->here = true;
    return XVIOS_EXIT_OK;
}

/* Is this toolstack dom0 (the platform's identity)? ctx open when true. */
static bool open_dom0(const struct xvios_cli *cli, struct vscsi_ctx *ctx)
{
    uint32_t domid = 1;

    if (lu_ctx_open(cli, ctx) != XVIOS_EXIT_OK)
        return false;
    if (xvios_plat_self_domid(ctx->p, &domid) == 0 && domid == 0)
        return true;
    vscsi_ctx_close(ctx);
    return false;
}

static int ask_daemon(const struct xvios_cli *cli, const char *req, size_t len, struct api_answer *ans)
{
    xvios_client *c = NULL;
    struct timespec dl;
    int rc = cli_connect(cli, &c);

    if (rc != XVIOS_EXIT_OK)
        return rc;
    dl = xvios_deadline_ms(API_WAIT_MS);
    /* more than one message: the binding answers TOO_LARGE itself, naming the limit */
    rc = xvios_obj_request(c, req, len, &dl, &ans->resp, &ans->len);
    xvios_client_close(c);
    if (rc < 0) {
        fprintf(stderr, "%s: no vioResponse: %s\n", cli->prog, strerror(-rc));
        return cli_exit_for_errno(rc);
    }
    return XVIOS_EXIT_OK;
}

int api_call(const struct xvios_cli *cli, const char *req, size_t len, unsigned flags, struct api_answer *ans)
{
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    struct vscsi_ctx ctx;
    int rc;

    memset(ans, 0, sizeof(*ans));
    if (xvios_vio_parse(req, len, &rq, &err) == 0 &&
        (xvios_vio_needs_dom0(&rq) || ((flags & API_CALL_READS_HERE) && !xvios_vio_is_write(&rq))) &&
        open_dom0(cli, &ctx)) {
        rc = run_here(cli, &ctx, &rq, ans);
        vscsi_ctx_close(&ctx);
        return rc;
    }
    return ask_daemon(cli, req, len, ans);
}

void api_answer_free(struct api_answer *ans)
{
    free(ans->resp);
    ans->resp = NULL;
    ans->len = 0;
}

int api_call_announce(const struct xvios_cli *cli, const struct api_answer *ans, bool only_named)
{
    struct xvios_vio_event ev;
    int rc;

    if (!ans->here || !ans->chg.changed)
        return XVIOS_EXIT_OK;
    xvios_api_change_event(&ans->chg, &ev);
    if (only_named) {
        cli_obj_changed(cli, ev.type, ans->chg.action, ans->chg.key);
        return XVIOS_EXIT_OK;
    }
    rc = cli_obj_announce(cli, &ev);
    if (rc != XVIOS_EXIT_OK)
        fprintf(stderr, "%s: the change is made; its lifecycle event was not announced everywhere\n", cli->prog);
    return rc;
}
