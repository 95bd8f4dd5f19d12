/* SPDX-License-Identifier: MIT */
/* vscsi_wait.c - wait for a vhost's nodes with a deadline (vscsi_wait.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "toolstack/vscsi_wait.h"
#include "xvios/clock.h"

#define WAIT_TOKEN "xvios-scsi-wait"

/* Read every queued event; only their arrival matters. */
static int drain(xvios_plat *p)
{
    for (;;) {
        char *path = NULL, *token = NULL;
        int rc = xvios_store_watch_read(p, &path, &token);

        free(path);
        free(token);
        if (rc == -EAGAIN)
            return 0;
        if (rc < 0)
            return rc;
    }
}

int vscsi_wait(xvios_plat *p, const char *be_dir, const char *fe_dir, const struct timespec *deadline,
               vscsi_wait_check check, void *arg)
{
    bool be_watched = false, fe_watched = false;
    int rc, fd;

    if ((rc = xvios_store_watch(p, be_dir, WAIT_TOKEN)) < 0)
        goto out;
    be_watched = true;
    if ((rc = xvios_store_watch(p, fe_dir, WAIT_TOKEN)) < 0)
        goto out;
    fe_watched = true;
    fd = xvios_store_watch_fd(p);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        if ((rc = drain(p)) < 0)
            goto out;
        if ((rc = check(p, arg)) != 0)
            goto out;
        if (xvios_ts_passed(deadline)) {
            rc = -ETIMEDOUT;
            goto out;
        }
        if (poll(&pfd, 1, xvios_poll_timeout(deadline, VSCSI_WAIT_RECHECK_MS)) < 0 && errno != EINTR) {
            rc = -errno;
            goto out;
        }
    }
out:
    if (fe_watched)
        xvios_store_unwatch(p, fe_dir, WAIT_TOKEN);
    if (be_watched)
        xvios_store_unwatch(p, be_dir, WAIT_TOKEN);
    return rc;
}
