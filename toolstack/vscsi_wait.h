/* SPDX-License-Identifier: MIT */
/*
 * vscsi_wait.h - wait, with a deadline, until the nodes of a vhost say
 * what the caller waits for. Watches the backend and frontend dirs (so a
 * change is seen at once) and looks again at least every
 * VSCSI_WAIT_RECHECK_MS (a domain that dies fires no watch of ours).
 */
#ifndef XVIOS_TOOLSTACK_VSCSI_WAIT_H
#define XVIOS_TOOLSTACK_VSCSI_WAIT_H

#include <time.h>

#include "xvios/platform.h"

#define VSCSI_WAIT_RECHECK_MS 200

/* Returns 0 to keep waiting, anything else to stop (vscsi_wait returns it). */
typedef int (*vscsi_wait_check)(xvios_plat *p, void *arg);

/*
 * Call check now and whenever be_dir or fe_dir change, until it returns
 * non-zero (returned) or the deadline passes (-ETIMEDOUT). Other negative
 * errnos: the watch could not be set or read.
 */
int vscsi_wait(xvios_plat *p, const char *be_dir, const char *fe_dir, const struct timespec *deadline,
               vscsi_wait_check check, void *arg);

#endif /* XVIOS_TOOLSTACK_VSCSI_WAIT_H */
