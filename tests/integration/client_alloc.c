/* SPDX-License-Identifier: MIT */
/*
 * client_alloc.c - TEST SUPPORT: concurrent ClientID/AdapterID allocation
 * on a loopback root, as the daemons of several VIOSes do at once:
 *
 *   client_alloc ROOT setup N
 *        a cluster with N member domains (201..200+N, nodes 1..N); prints the node ids
 *   client_alloc ROOT run AS NODE COUNT MODE EVERY
 *        COUNT logins through NODE with a handle acting as domain AS (0: dom0),
 *        every EVERY-th commit of the handle forced to fail with EAGAIN
 *        (xvios_loop_tx_fail_every); prints "uuid client-id vhost adapter-id"
 *        per login, and on stderr how many logins needed more than the DB's
 *        own retries. MODE:
 *          mixed    login i: a uuid of its own (AS, NODE, i) for 3 of 4 logins, else one of 50
 *                   uuids every process shares; vhost 0
 *          shared   login i: one of the 50 shared uuids, vhost (i / 50) % 2
 * A login the DB gives up on (-EAGAIN after its retries, or -ETIMEDOUT when
 * the loopback store's lock stayed taken on a loaded host) is tried again,
 * so none is lost; any other error ends the run with exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xvios/db.h"
#include "xvios/db_client.h"
#include "xvios/loopback.h"
#include "xvios/parse.h"
#include "xvios/wire.h"

static int setup(xvios_plat *p, unsigned n)
{
    const struct xvios_db_config cfg = { .name = "alloc", .max_nodes = 16, .timeout_ms = 1000, .retries = 1 };
    int rc = xvios_db_cluster_create(p, &cfg);

    for (unsigned i = 0; rc == 0 && i < n; i++) {
        struct xvios_dominfo info;
        char name[32];
        uint32_t node;

        snprintf(name, sizeof(name), "vios-%u", i + 1);
        if ((rc = xvios_loop_domain_create(p, 201 + i, name)) < 0 ||
            (rc = xvios_plat_domain_info(p, 201 + i, &info)) < 0 || (rc = xvios_db_node_add(p, &info, &node)) < 0)
            break;
        printf("%u\n", node);
    }
    return rc;
}

static int run(xvios_plat *p, uint32_t as, uint32_t node, unsigned count, const char *mode, unsigned every)
{
    unsigned gave_up = 0;
    int rc = xvios_loop_tx_fail_every(p, every);

    for (unsigned i = 0; rc == 0 && i < count; i++) {
        char uuid[40], name[32];
        struct xvios_db_login in = { .uuid = uuid, .name = name, .node = node };
        struct xvios_db_login_ids ids;

        if (!strcmp(mode, "mixed") && i % 4) {
            snprintf(uuid, sizeof(uuid), "%08x-%04x-4000-8000-%012x", as, node, i);
            snprintf(name, sizeof(name), "c-%u-%u-%u", as, node, i);
        } else if (!strcmp(mode, "mixed")) {
            snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012x", (i / 4) % 50);
            snprintf(name, sizeof(name), "shared-%u", (i / 4) % 50);
        } else {
            snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012x", i % 50);
            snprintf(name, sizeof(name), "shared-%u", i % 50);
            in.vhost = (i / 50) % 2;
        }
        for (unsigned backoff = 1;; backoff = backoff < 64 ? backoff * 2 : 64) {
            rc = xvios_db_client_login(p, &in, &ids);
            if (rc != -EAGAIN && rc != -ETIMEDOUT)   /* still conflicting; the store's lock busy */
                break;
            gave_up++;
            nanosleep(&(struct timespec){ 0, (long)(backoff * 1000u * (unsigned)(rand() % 1000 + 1)) }, NULL);
        }
        if (rc == 0)
            printf("%s %u %u %u\n", uuid, ids.client_id, in.vhost, ids.adapter_id);
        else
            fprintf(stderr, "client_alloc: login %u: %s\n", i, strerror(-rc));
    }
    fprintf(stderr, "client_alloc: domain %u node %u: %u login(s) retried after the DB's own retries\n", as, node,
            gave_up);
    return rc;
}

int main(int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK };
    xvios_plat *p = NULL;
    uint32_t as = 0, node = 0, count = 0, every = 0, n = 0;
    int rc;

    if (argc == 4 && !strcmp(argv[2], "setup") && xvios_parse_u32(argv[3], 1, 16, &n) == 0) {
        pc.root = argv[1];
    } else if (argc == 8 && !strcmp(argv[2], "run") && xvios_parse_domid(argv[3], &as) == 0 &&
               xvios_parse_u32(argv[4], 1, XVIOS_MAX_NODES, &node) == 0 &&
               xvios_parse_u32(argv[5], 1, 1000000, &count) == 0 &&
               (!strcmp(argv[6], "mixed") || !strcmp(argv[6], "shared")) &&
               xvios_parse_u32(argv[7], 0, 1000, &every) == 0) {
        pc.root = argv[1];
        pc.self_domid = as;
    } else {
        fprintf(stderr, "usage: client_alloc ROOT setup N | ROOT run AS NODE COUNT mixed|shared EVERY\n");
        return 2;
    }
    for (unsigned tries = 0; (rc = xvios_plat_open(&pc, &p)) == -ETIMEDOUT && tries < 5; tries++)
        ;   /* the store's lock stayed taken (a loaded host): try again */
    if (rc < 0) {
        fprintf(stderr, "client_alloc: cannot open %s: %s\n", pc.root, strerror(-rc));
        return 1;
    }
    srand((unsigned)(as * 7919u + node));
    rc = n ? setup(p, n) : run(p, as, node, count, argv[6], every);
    if (rc < 0 && n)
        fprintf(stderr, "client_alloc: setup: %s\n", strerror(-rc));
    xvios_plat_close(p);
    return rc < 0 ? 1 : 0;
}
