/* SPDX-License-Identifier: MIT */
/* wire_recv.c - the one bounded receive path for VIOD packets on a local socket (xvios/wire.h). */
#include <errno.h>

#include "xvios/unixsock.h"
#include "xvios/wire.h"

int xvios_msg_recv(int fd, unsigned channel, uint8_t *buf, struct xvios_msg *out, size_t *len, int *werr)
{
    int rc = xvios_unix_recv(fd, buf, XVIOS_MAX_MSG, len);

    *werr = XVIOS_WIRE_OK;
    if (rc == -EAGAIN)
        return 0;
    if (rc == -EMSGSIZE || rc == -EBADMSG) {
        *werr = rc == -EMSGSIZE ? XVIOS_WIRE_EOVERSIZE : XVIOS_WIRE_ESHORT;
        return -EBADMSG;
    }
    if (rc < 0)
        return rc;
    *werr = xvios_msg_decode_on(channel, buf, *len, out);
    return *werr == XVIOS_WIRE_OK ? 1 : -EBADMSG;
}
