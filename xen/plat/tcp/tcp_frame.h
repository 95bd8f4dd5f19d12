/* SPDX-License-Identifier: MIT */
/* tcp_frame.h - the length-prefixed datagrams inside a TCP link's TLS stream (pure; unit-tested alone). */
#ifndef XVIOS_TCP_FRAME_H
#define XVIOS_TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define TCP_FRAME_HDR 4u

/* Write the 4-byte little-endian length of a datagram of len bytes to out. */
void tcp_frame_put_len(uint8_t *out, uint32_t len);
/*
 * Look at the first have bytes of a stream: 0 a whole datagram is there
 * (payload at buf + TCP_FRAME_HDR, *dlen bytes, *used bytes to consume);
 * -EAGAIN not complete yet; -EBADMSG an empty datagram (*used = 4, consume it);
 * -EMSGSIZE a datagram over cap but within max (*used covers it, consume it);
 * -EPROTO a length over max (the stream cannot be trusted any more).
 */
int tcp_frame_next(const uint8_t *buf, size_t have, size_t cap, size_t max, size_t *dlen, size_t *used);

#endif /* XVIOS_TCP_FRAME_H */
