/* SPDX-License-Identifier: MIT */
/*
 * loop_node_tool.c - add or remove a loopback cluster node, as dom0 would,
 * for the integration tests (the node gets no backend or daemon):
 *   loop_node_tool ROOT add DOMID NAME     prints the new node id
 *   loop_node_tool ROOT remove NODE
 *   loop_node_tool ROOT client ID          writes a client record with ClientID ID in /xvios/clients
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/db.h"
#include "xvios/loopback.h"

int main(int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .self_domid = 0 };
    xvios_plat *p = NULL;
    uint32_t id, node;
    int rc = -EINVAL;

    if (argc < 4) {
        fprintf(stderr, "usage: loop_node_tool ROOT add DOMID NAME | ROOT remove NODE | ROOT client ID\n");
        return 2;
    }
    pc.root = argv[1];
    if (xvios_parse_domid(argv[3], &id) < 0) {
        fprintf(stderr, "loop_node_tool: bad number %s\n", argv[3]);
        return 2;
    }
    rc = xvios_plat_open(&pc, &p);
    if (rc < 0)
        goto out;
    if (!strcmp(argv[2], "add") && argc == 5) {
        struct xvios_dominfo dom;
        rc = xvios_loop_domain_create(p, id, argv[4]);
        if (rc == 0)
            rc = xvios_plat_domain_info(p, id, &dom);
        if (rc == 0)
            rc = xvios_db_node_add(p, &dom, &node);
        if (rc == 0)
            printf("%u\n", node);
    } else if (!strcmp(argv[2], "remove") && argc == 4) {
        rc = xvios_db_node_remove(p, id);
    } else if (!strcmp(argv[2], "client") && argc == 4) {
        /* a client record as a VIOS's login writes it (xvios/db_client.h), by dom0 */
        char path[64], rec[128];
        snprintf(path, sizeof(path), XVIOS_DB_ROOT "/clients/%u", id);
        snprintf(rec, sizeof(rec), "uuid=00000000-0000-4000-8000-%012x\nname=test-client\nnode=1\n", id);
        rc = xvios_store_write(p, XVIOS_TX_NONE, path, rec, strlen(rec));
    } else {
        rc = -EINVAL;
    }
out:
    if (rc < 0)
        fprintf(stderr, "loop_node_tool: %s\n", strerror(-rc));
    xvios_plat_close(p);
    return rc < 0 ? 1 : 0;
}
