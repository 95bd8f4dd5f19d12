/* SPDX-License-Identifier: MIT */
/*
 * cmd_api.c - `xvios api`: one vioRequest (docs/api.md) from standard input,
 * its vioResponse on standard output.
 *
 * Where it runs: a request that writes what only dom0 may write (LU create,
 * LU delete; pool create, modify, delete; mapping create, delete: the backend and frontend nodes and the
 * VTD table, api_mapping.c), read by dom0, runs here, in dom0, against the cluster DB (api_call.c), and
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

#include "toolstack/api_call.h"
#include "toolstack/cmds.h"
#include "xvios/vio.h"

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

int cmd_api(struct xvios_cli *cli, int argc, char **argv)
{
    static char req[XVIOS_VIO_REQUEST_MAX + 1];
    struct api_answer ans;
    size_t len = 0;
    int rc, ann;

    if (argc > 1) {
        bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
        fputs(usage_text, help ? stdout : stderr);
        return help ? XVIOS_EXIT_OK : XVIOS_EXIT_USAGE;
    }
    if ((rc = read_request(req, XVIOS_VIO_REQUEST_MAX, &len)) < 0) {
        fprintf(stderr, "%s: reading the request: %s\n", cli->prog, strerror(-rc));
        return XVIOS_EXIT_ERROR;
    }
    rc = api_call(cli, req, len, 0, &ans);
    xvios_vio_cleanup();
    if (rc != XVIOS_EXIT_OK)
        return rc;
    rc = print_response(ans.resp, ans.len);
    ann = api_call_announce(cli, &ans, false);
    api_answer_free(&ans);
    return rc == XVIOS_EXIT_OK ? ann : rc;
}
