/* SPDX-License-Identifier: MIT */
/*
 * vio_tool.c - the management API's C binding (xvios/client.h, "VIO
 * objects") from a program on a loopback node, as a third-party caller of
 * that node's daemon would use it.
 *
 *   vio_tool ROOT NODE send
 *       The vioRequest on stdin, as it is, through xvios_obj_request();
 *       the vioResponse on stdout. Exit 0 status ok, 6 a VIOException,
 *       1 no response.
 *   vio_tool ROOT NODE build OBJECT ACTION [NAME=VALUE...]
 *       xvios_obj_build()'s request on stdout, then sent as above.
 *   vio_tool ROOT NODE agent
 *       Try to register as dom0's agent (API_AGENT) on the caller socket:
 *       exit 6 refused, 0 registered, 1 no answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"

#define MAX_ATTRS 8

/* stdin, up to cap bytes (more is cut off: the caller sizes cap above the binding's limit). */
static size_t read_all(char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;

    while (n < cap && (r = read(STDIN_FILENO, buf + n, cap - n)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
    }
    return n;
}

int main(int argc, char **argv)
{
    static char req[4 * XVIOS_OBJ_REQUEST_MAX];
    struct xvios_client_config cfg = { .platform = XVIOS_PLAT_LOOPBACK, .origin = XVIOS_ORIGIN_API,
                                       .name = "vio_tool" };
    struct xvios_obj_attr attrs[MAX_ATTRS];
    struct timespec dl;
    xvios_client *c = NULL;
    char *resp = NULL, code[32];
    size_t len = 0, rlen = 0;
    int rc;

    if (argc < 4 || (strcmp(argv[3], "send") && strcmp(argv[3], "build") && strcmp(argv[3], "agent")) ||
        (!strcmp(argv[3], "build") && (argc < 6 || argc > 6 + MAX_ATTRS))) {
        fprintf(stderr, "usage: vio_tool ROOT NODE send < REQUEST | build OBJECT ACTION [NAME=VALUE...] | agent\n");
        return 2;
    }
    cfg.root = argv[1];
    cfg.node = (uint32_t)strtoul(argv[2], NULL, 10);
    if (!strcmp(argv[3], "agent")) {
        if ((rc = xvios_client_open(&cfg, &c)) == 0) {
            dl = xvios_deadline_ms(10000);
            rc = xvios_client_agent_register(c, "mapping,lu,pool", &dl);
            xvios_client_close(c);
        }
        printf("%s\n", rc == 0 ? "registered" : rc == -EPERM ? "refused" : strerror(-rc));
        return rc == 0 ? 0 : rc == -EPERM ? 6 : 1;
    }
    if (!strcmp(argv[3], "send")) {
        len = read_all(req, sizeof(req));
    } else {
        for (int i = 6; i < argc; i++) {
            char *eq = strchr(argv[i], '=');
            if (!eq) {
                fprintf(stderr, "vio_tool: %s is not NAME=VALUE\n", argv[i]);
                return 2;
            }
            *eq = '\0';
            attrs[i - 6] = (struct xvios_obj_attr){ argv[i], eq + 1 };
        }
        rc = xvios_obj_build(req, sizeof(req), argv[4], argv[5], attrs, (unsigned)(argc - 6), &len);
        if (rc < 0) {
            fprintf(stderr, "vio_tool: building the request: %s\n", strerror(-rc));
            return 1;
        }
        fputs(req, stdout);
    }
    rc = xvios_client_open(&cfg, &c);
    if (rc < 0) {
        fprintf(stderr, "vio_tool: cannot reach node %s: %s\n", argv[2], strerror(-rc));
        return 1;
    }
    dl = xvios_deadline_ms(45000);   /* beyond a node's own deadlines (dom0's agent: 30 s) */
    rc = xvios_obj_request(c, req, len, &dl, &resp, &rlen);
    xvios_client_close(c);
    if (rc < 0) {
        fprintf(stderr, "vio_tool: no response: %s\n", strerror(-rc));
        return 1;
    }
    fwrite(resp, 1, rlen, stdout);
    rc = xvios_obj_exception_code(resp, code, sizeof(code));
    free(resp);
    return rc == 0 ? 0 : rc == 1 ? 6 : 1;
}
