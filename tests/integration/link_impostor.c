/* SPDX-License-Identifier: MIT */
/*
 * link_impostor.c - a process that is not a domain's recorded process tries
 * to hold that domain's cluster link (loopback), for the integration tests:
 *   link_impostor ROOT SELF_NODE SELF_DOMID PEER_NODE PEER_DOMID SECONDS
 * connects (or serves) as SELF_NODE/SELF_DOMID and drives the handshake for
 * at most SECONDS. Prints "up" (and sends one datagram) or "refused".
 * Exit: 0 refused, 1 up (the impersonation worked), 2 usage/error, 3 no verdict in time.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/parse.h"
#include "xvios/platform.h"

int main(int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK };
    struct xvios_link_peer peer;
    xvios_plat *p = NULL;
    xvios_link *l = NULL;
    uint32_t v[5];
    int rc, exit_code = 2;

    if (argc != 7) {
        fprintf(stderr, "usage: link_impostor ROOT SELF_NODE SELF_DOMID PEER_NODE PEER_DOMID SECONDS\n");
        return 2;
    }
    for (int i = 0; i < 5; i++)
        if (xvios_parse_u32(argv[2 + i], 0, 0xffffu, &v[i]) < 0) {
            fprintf(stderr, "link_impostor: bad number %s\n", argv[2 + i]);
            return 2;
        }
    pc.root = argv[1];
    pc.self_domid = v[1];
    peer = (struct xvios_link_peer){ .self_node = v[0], .self_domid = v[1], .peer_node = v[2], .peer_domid = v[3] };
    if ((rc = xvios_plat_open(&pc, &p)) < 0 || (rc = xvios_link_open(p, &peer, &l)) < 0) {
        fprintf(stderr, "link_impostor: %s\n", strerror(-rc));
        goto out;
    }
    struct timespec dl = xvios_deadline_ms(v[4] * 1000u);
    exit_code = 3;
    while (!xvios_ts_passed(&dl)) {
        enum xvios_link_state st = xvios_link_progress(l);
        if (st == XVIOS_LINK_UP) {
            struct timespec sd = xvios_deadline_ms(500);
            printf("up\n");
            xvios_link_send(l, "impostor", 8, &sd);
            exit_code = 1;
            break;
        }
        if (st == XVIOS_LINK_DEAD) {
            printf("refused\n");
            exit_code = 0;
            break;
        }
        struct pollfd pfd = { .fd = xvios_link_fd(l), .events = POLLIN };
        poll(&pfd, pfd.fd >= 0 ? 1 : 0, 20);
    }
    if (exit_code == 3)
        printf("no verdict\n");
out:
    xvios_link_close(l);
    xvios_plat_close(p);
    return exit_code;
}
