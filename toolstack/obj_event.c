/* SPDX-License-Identifier: MIT */
/*
 * obj_event.c - a Lifecycle event from dom0 into the cluster (obj_event.h):
 * API_QUERY OBJ_EVENT runs the event handler on the node reached (its own
 * subscribers), then API_SEND OBJ_EVENT broadcast with receipts reaches the
 * other members' daemons. Both within one deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "toolstack/cmds.h"
#include "toolstack/obj_event.h"
#include "xvios/clock.h"

#define ANNOUNCE_MS 10000u

int cli_obj_announce_on(const char *prog, xvios_client *c, struct xvios_vio_event *ev)
{
    struct xvios_client_outcome local = {0}, all = {0};
    struct xvios_api_send s = { .flags = XVIOS_F_BROADCAST | XVIOS_F_RECEIPT, .msg_type = XVIOS_MT_OBJ_EVENT };
    struct timespec dl = xvios_deadline_ms(ANNOUNCE_MS);
    char text[256];
    size_t len;
    uint64_t h;
    int rc;

    ev->via = xvios_client_node(c);
    if (xvios_vio_event_format(ev, text, sizeof(text), &len) < 0)
        return XVIOS_EXIT_ERROR;
    s.payload = text;
    s.len = len;
    if ((rc = xvios_client_query(c, XVIOS_MT_OBJ_EVENT, text, len, 0, &h)) < 0 ||
        (rc = xvios_client_collect(c, h, &dl, &local)) < 0) {
        fprintf(stderr, "%s: announcing the change on node %u: %s\n", prog, ev->via, strerror(-rc));
        rc = cli_exit_for_errno(rc);
        goto out;
    }
    if (local.status != XVIOS_ST_OK) {
        fprintf(stderr, "%s: node %u refused the lifecycle event: %s\n", prog, ev->via,
                xvios_status_name(local.status));
        rc = XVIOS_EXIT_ERROR;
        goto out;
    }
    rc = xvios_client_send_wait(c, &s, &dl, &all);
    if (rc < 0) {
        fprintf(stderr, "%s: broadcasting the change from node %u: %s\n", prog, ev->via, strerror(-rc));
        rc = cli_exit_for_errno(rc);
        goto out;
    }
    /* alone in the cluster: the node reached is everybody */
    rc = all.status == XVIOS_ST_OK || all.status == XVIOS_ST_NO_TARGETS ? XVIOS_EXIT_OK : XVIOS_EXIT_PARTIAL;
    if (rc != XVIOS_EXIT_OK)
        fprintf(stderr, "%s: the lifecycle event did not reach every node: %s\n", prog,
                xvios_status_name(all.status));
out:
    xvios_client_outcome_dispose(&local);
    xvios_client_outcome_dispose(&all);
    return rc;
}

int cli_obj_announce(const struct xvios_cli *cli, struct xvios_vio_event *ev)
{
    xvios_client *c = NULL;
    int rc = cli_connect(cli, &c);

    if (rc != XVIOS_EXIT_OK)
        return rc;
    rc = cli_obj_announce_on(cli->prog, c, ev);
    xvios_client_close(c);
    return rc;
}

void cli_obj_changed(const struct xvios_cli *cli, const char *type, const char *action, const char *key)
{
    struct xvios_vio_event ev = { .by = 0 };

    if (!cli->node_named)
        return;
    snprintf(ev.type, sizeof(ev.type), "%s", type);
    snprintf(ev.action, sizeof(ev.action), "%s", action);
    snprintf(ev.key, sizeof(ev.key), "%s", key);
    if (cli_obj_announce(cli, &ev) != XVIOS_EXIT_OK)
        fprintf(stderr, "%s: warning: the change is made; its lifecycle event (%s %s %s) did not reach every node\n",
                cli->prog, type, key, action);
}
