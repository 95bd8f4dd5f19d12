/* SPDX-License-Identifier: MIT */
/* vscsi_store.c - a vhost's own XenStore keys: bounded reads (a value that does not fit, or holds a
 * NUL, is -EINVAL), writes that skip an unchanged value, and the `xvios-error` diagnostic. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/log.h"

int vscsi_xs_read(struct vscsi_vhost *vh, const char *dir, const char *key, char *buf, size_t cap)
{
    char path[VSCSI_PATH_MAX + 64];
    char *val = NULL;
    size_t len = 0;
    int rc;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >= sizeof(path))
        return -ENAMETOOLONG;
    rc = xvios_store_read(vh->eng->plat, XVIOS_TX_NONE, path, &val, &len);
    if (rc < 0)
        return rc;
    if (len >= cap || memchr(val, '\0', len)) {
        free(val);
        return -EINVAL;
    }
    memcpy(buf, val, len);
    buf[len] = '\0';
    free(val);
    return 0;
}

int vscsi_xs_write(struct vscsi_vhost *vh, const char *key, const char *val)
{
    char path[VSCSI_PATH_MAX + 64], cur[128];
    int rc;

    if (vscsi_xs_read(vh, vh->be_path, key, cur, sizeof(cur)) == 0 && strcmp(cur, val) == 0)
        return 0;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", vh->be_path, key) >= sizeof(path))
        return -ENAMETOOLONG;
    rc = xvios_store_write(vh->eng->plat, XVIOS_TX_NONE, path, val, strlen(val));
    if (rc < 0)
        XLOG_WARN("vhost %u/%u: cannot write %s: %s", vh->fe_domid, vh->devid, path, strerror(-rc));
    return rc;
}

void vscsi_xs_set_error(struct vscsi_vhost *vh, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    XLOG_WARN("vhost %u/%u: %s", vh->fe_domid, vh->devid, msg);
    snprintf(vh->last_error, sizeof(vh->last_error), "%s", msg);
    vscsi_xs_write(vh, "xvios-error", msg);
}
