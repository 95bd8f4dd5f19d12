/* SPDX-License-Identifier: MIT */
/*
 * third_party_caller.c - a third-party caller for the integration tests and
 * the nested Xen rig: through the client library it sends COUNT echo
 * messages with receipts and responses, each with its own payload, and
 * checks that it gets exactly its own responses back: one per peer, each
 * equal to the payload it sent, all delivered.
 *
 *   third_party_caller ROOT NODE COUNT PEERS [--to N[,N...]]
 *
 * ROOT is a loopback cluster root, or "xen" for this domain's daemon on the
 * Xen platform (NODE is then ignored). Without --to each message is a
 * broadcast; with it, directed to those nodes (PEERS = how many).
 * Exit 0 when every check held; prints what failed otherwise.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xvios/client.h"
#include "xvios/clock.h"

int main(int argc, char **argv)
{
    struct xvios_client_config cfg = { .platform = XVIOS_PLAT_LOOPBACK, .origin = XVIOS_ORIGIN_API,
                                       .name = "third-party-caller", .connect_timeout_ms = 10000 };
    xvios_client *c = NULL;
    uint32_t targets[XVIOS_MAX_NODES];
    unsigned count, peers, n_targets = 0, bad = 0;
    int rc;

    if (argc == 7 && !strcmp(argv[5], "--to")) {
        char *copy = strdup(argv[6]), *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
            unsigned long v = strtoul(tok, NULL, 10);
            if (n_targets == XVIOS_MAX_NODES || v == 0 || v > XVIOS_MAX_NODES) {
                n_targets = 0;
                break;
            }
            targets[n_targets++] = (uint32_t)v;
        }
        free(copy);
        if (!n_targets)
            argc = 0; /* bad list: usage */
    }
    if (argc != 5 && !(argc == 7 && n_targets)) {
        fprintf(stderr, "usage: third_party_caller ROOT NODE COUNT PEERS [--to N[,N...]]\n");
        return 2;
    }
    if (!strcmp(argv[1], "xen"))
        cfg.platform = XVIOS_PLAT_XEN;
    else
        cfg.root = argv[1];
    cfg.node = (uint32_t)strtoul(argv[2], NULL, 10);
    count = (unsigned)strtoul(argv[3], NULL, 10);
    peers = (unsigned)strtoul(argv[4], NULL, 10);
    rc = xvios_client_open(&cfg, &c);
    if (rc < 0) {
        fprintf(stderr, "third_party_caller: connect: %s\n", strerror(-rc));
        return 1;
    }
    printf("caller id %u on node %u\n", xvios_client_caller_id(c), xvios_client_node(c));
    for (unsigned i = 0; i < count; i++) {
        char payload[64];
        struct xvios_api_send s = { .flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE | (n_targets ? 0 : XVIOS_F_BROADCAST),
                                    .msg_type = XVIOS_MT_ECHO, .targets = targets, .n_targets = n_targets,
                                    .payload = payload };
        struct xvios_client_outcome o;
        struct timespec dl = xvios_deadline_ms(30000);

        s.len = (size_t)snprintf(payload, sizeof(payload), "third-party %ld #%u", (long)getpid(), i);
        rc = xvios_client_send_wait(c, &s, &dl, &o);
        if (rc < 0) {
            fprintf(stderr, "send %u: %s\n", i, strerror(-rc));
            xvios_client_close(c);
            return 1;
        }
        for (unsigned k = 0; k < o.n_resp; k++)
            printf("send %u: response from node %u: %.*s\n", i, o.resp[k].node, (int)o.resp[k].len,
                   (const char *)o.resp[k].payload);
        if (o.status != XVIOS_ST_OK || o.n_rc != peers) {
            fprintf(stderr, "send %u: status %s, %u RC entries (want OK, %u)\n", i, xvios_status_name(o.status),
                    o.n_rc, peers);
            bad++;
        }
        if (o.n_resp != peers) {
            fprintf(stderr, "send %u: %u responses (want %u)\n", i, o.n_resp, peers);
            bad++;
        }
        for (unsigned k = 0; k < o.n_resp; k++) {
            if (o.resp[k].status != XVIOS_ST_OK || o.resp[k].len != s.len ||
                memcmp(o.resp[k].payload, payload, s.len) != 0) {
                fprintf(stderr, "send %u: node %u answered '%.*s' (status %s), not our payload\n", i,
                        o.resp[k].node, (int)o.resp[k].len, (const char *)o.resp[k].payload,
                        xvios_status_name(o.resp[k].status));
                bad++;
            }
            if (n_targets) {
                bool asked = false;
                for (unsigned j = 0; j < n_targets; j++)
                    asked = asked || targets[j] == o.resp[k].node;
                if (!asked) {
                    fprintf(stderr, "send %u: a response from node %u, which was not addressed\n", i,
                            o.resp[k].node);
                    bad++;
                }
            }
            for (unsigned j = 0; j < k; j++)
                if (o.resp[j].node == o.resp[k].node) {
                    fprintf(stderr, "send %u: two responses from node %u\n", i, o.resp[k].node);
                    bad++;
                }
        }
        xvios_client_outcome_dispose(&o);
    }
    /* nothing addressed to us may be left over: no stray answers */
    {
        struct xvios_api_msg m;
        struct timespec dl = xvios_deadline_ms(300);
        while ((rc = xvios_client_recv(c, &m, &dl)) == 0) {
            fprintf(stderr, "stray packet %s for handle %llu\n", xvios_opcode_name(m.opcode),
                    (unsigned long long)m.handle);
            bad++;
            xvios_api_msg_dispose(&m);
        }
    }
    xvios_client_close(c);
    printf("%u sends, %u problems\n", count, bad);
    return bad ? 1 : 0;
}
