/* SPDX-License-Identifier: MIT */
/* tcp_key.c - the cluster key file of the TCP links (xvios/tcplink.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xvios/log.h"
#include "xvios/tcplink.h"

int xvios_tcp_key_load(const char *path, struct xvios_tcp_key *out)
{
    int rc = 0;
    struct stat st;
    uint8_t buf[XVIOS_TCP_KEY_MAX + 1];
    size_t have = 0;
    if (!path || !out)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    memset(buf, 0, sizeof buf);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        XLOG_ERR("cluster key %s is open to group or others (mode %o): chmod 600", path, st.st_mode & 0777u);
        rc = -EACCES;
        goto out;
    }
    /* read one byte more than allowed, to see a file that is too long */
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            goto out;
        }
        if (r == 0 || (have += (size_t)r) == sizeof buf)
            break;
    }
    if (have < XVIOS_TCP_KEY_MIN || have > XVIOS_TCP_KEY_MAX) {
        XLOG_ERR("cluster key %s: %zu bytes, want %u..%u", path, have, XVIOS_TCP_KEY_MIN, XVIOS_TCP_KEY_MAX);
        rc = -EINVAL;
        goto out;
    }
    memcpy(out->key, buf, have);
    out->len = have;
out:
    explicit_bzero(buf, sizeof buf);
    close(fd);
    return rc;
}
