/* SPDX-License-Identifier: MIT */
/* tcp_frame.c - length-prefixed datagrams (tcp_frame.h). */
#include <errno.h>

#include "tcp_frame.h"

void tcp_frame_put_len(uint8_t *out, uint32_t len)
{
    for (unsigned i = 0; i < TCP_FRAME_HDR; i++)
        out[i] = (uint8_t)(len >> (8 * i));
}

int tcp_frame_next(const uint8_t *buf, size_t have, size_t cap, size_t max, size_t *dlen, size_t *used)
{
    if (have < TCP_FRAME_HDR)
        return -EAGAIN;
    uint32_t len = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
    if (len > max)
        return -EPROTO;
    if (len == 0) {
        *used = TCP_FRAME_HDR;
        return -EBADMSG;
    }
    if (have - TCP_FRAME_HDR < len)
        return -EAGAIN;
    *used = TCP_FRAME_HDR + (size_t)len;
    *dlen = len;
    return len > cap ? -EMSGSIZE : 0;
}
