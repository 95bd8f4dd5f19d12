/* SPDX-License-Identifier: MIT */
/*
 * obj_event.h - dom0 announces a change it made to a VIO object (docs/api.md,
 * "Events"): through the daemon the global options name (--node / --via),
 * which hands the Lifecycle event to its own subscribers and broadcasts it
 * to every other member, whose daemons hand it to theirs.
 */
#ifndef XVIOS_TOOLSTACK_OBJ_EVENT_H
#define XVIOS_TOOLSTACK_OBJ_EVENT_H

#include "toolstack/cli.h"
#include "xvios/client.h"
#include "xvios/vio.h"

/* ev->via is filled with the node reached. 0 announced (every member delivered); an exit code otherwise,
 * the reason printed on stderr. */
int cli_obj_announce(const struct xvios_cli *cli, struct xvios_vio_event *ev);
/* The same over a connection already open (dom0's agent: its management link to the asking node). */
int cli_obj_announce_on(const char *prog, xvios_client *c, struct xvios_vio_event *ev);

/*
 * A typed command's change (`xvios lu create/rm`, `xvios scsi attach/detach`), made by dom0: announced
 * when the global options name a node (--node, XVIOS_NODE, --via), else not (no daemon is assumed);
 * best effort: a failure is a warning on stderr, the command's outcome stays.
 */
void cli_obj_changed(const struct xvios_cli *cli, const char *type, const char *action, const char *key);

#endif /* XVIOS_TOOLSTACK_OBJ_EVENT_H */
