/* SPDX-License-Identifier: MIT */
/*
 * cmd_api.c - `xvios api`: one vioRequest (docs/api.md) from standard input,
 * its vioResponse on standard output.
 *
 * Where it runs: a request that writes what only dom0 may write (LU create,
 * LU delete; pool create, modify, delete; mapping create, delete: the backend and frontend nodes and the
 * VTD table, api_mapping.c), read by dom0, runs here, in dom0, against the cluster DB, and
 * the change is announced as a Lifecycle event through the node the global
 * options name (--node N on loopback, --via N over its management link).
 * Everything else goes as it is to that node's daemon (API_VIO), which
 * validates it and answers; there a write only dom0 may make is handed to
 * dom0's agent when one runs (`xvios agent`, cmd_agent.c, which runs it with
 * the same executor, api_exec.c), else it is a VIOException DOM0_ONLY.
 *
 * Exit status: 0 the response says ok, 6 it is a VIOException, 5 no daemon,
 * 1 anything else (docs/xvios.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolstack/api_exec.h"
#include "toolstack/cmds.h"
#include "toolstack/lu_cmd.h"
#include "toolstack/obj_event.h"
#include "xvios/clock.h"
#include "xvios/vio.h"

#define API_WAIT_MS 30000u

static const char usage_text[] =
    "usage: xvios [GLOBAL] api < REQUEST.xml\n"
    "Sends one vioRequest (docs/api.md) to the daemon of the node that --node/--via name and prints its\n"
    "vioResponse. In dom0, LU, pool and mapping writes run in dom0; a change is\n"
    "announced through that node.\n"
    "Exit status: 0 ok, 6 a VIOException, 5 no daemon, 1 other errors.\n";

/* stdin, at most cap bytes; *len = cap + 1 when there was more. */
static int read_request(char *buf, size_t cap, size_t *len)
{
    size_t n = 0;

    for (;;) {
        ssize_t r = read(STDIN_FILENO, buf + n, cap + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > cap)
            break;
    }
    *len = n;
    return 0;
}

static int print_response(const char *resp, size_t len)
{
    char code[32];

    fwrite(resp, 1, len, stdout);
    if (fflush(stdout) != 0)
        return XVIOS_EXIT_ERROR;
    return xvios_obj_exception_code(resp, code, sizeof(code)) == 0 ? XVIOS_EXIT_OK : XVIOS_EXIT_REFUSED;
}

/* A dom0-only request run here; the response printed, the change announced. An exit code. */
static int run_in_dom0(const struct xvios_cli *cli, struct vscsi_ctx *ctx, const struct xvios_vio_req *rq)
{
    static char out[XVIOS_VIO_RESPONSE_MAX];
    struct xvios_vio_change chg;
    struct xvios_vio_event ev;
    size_t len;
    int rc, ann;

    rc = xvios_api_exec_dom0(ctx, rq, out, sizeof(out), &len, &chg);
    if (rc < 0) {
        fprintf(stderr, "%s: no vioResponse could be written\n", cli->prog);
        return XVIOS_EXIT_ERROR;
    }
    rc = print_response(out, len);
    if (!chg.changed)
        return rc;
    xvios_api_change_event(&chg, &ev);
    ann = cli_obj_announce(cli, &ev);
    if (ann != XVIOS_EXIT_OK)
        fprintf(stderr, "%s: the change is made; its lifecycle event was not announced everywhere\n", cli->prog);
    return rc == XVIOS_EXIT_OK ? ann : rc;
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

int cmd_api(struct xvios_cli *cli, int argc, char **argv)
{
    static char req[XVIOS_VIO_REQUEST_MAX + 1];
    struct xvios_vio_req rq;
    struct xvios_vio_err err;
    struct vscsi_ctx ctx;
    struct timespec dl;
    xvios_client *c = NULL;
    char *resp = NULL;
    size_t len = 0, rlen = 0;
    int rc;

    if (argc > 1) {
        bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
        fputs(usage_text, help ? stdout : stderr);
        return help ? XVIOS_EXIT_OK : XVIOS_EXIT_USAGE;
    }
    if ((rc = read_request(req, XVIOS_VIO_REQUEST_MAX, &len)) < 0) {
        fprintf(stderr, "%s: reading the request: %s\n", cli->prog, strerror(-rc));
        return XVIOS_EXIT_ERROR;
    }
    if (xvios_vio_parse(req, len, &rq, &err) == 0 && xvios_vio_needs_dom0(&rq) && open_dom0(cli, &ctx)) {
        rc = run_in_dom0(cli, &ctx, &rq);
        vscsi_ctx_close(&ctx);
        xvios_vio_cleanup();
        return rc;
    }
    xvios_vio_cleanup();
    rc = cli_connect(cli, &c);
    if (rc != XVIOS_EXIT_OK)
        return rc;
    dl = xvios_deadline_ms(API_WAIT_MS);
    /* more than one message: the binding answers TOO_LARGE itself, naming the limit */
    rc = xvios_obj_request(c, req, len, &dl, &resp, &rlen);
    xvios_client_close(c);
    if (rc < 0) {
        fprintf(stderr, "%s: no vioResponse: %s\n", cli->prog, strerror(-rc));
        return cli_exit_for_errno(rc);
    }
    rc = print_response(resp, rlen);
    free(resp);
    return rc;
}
