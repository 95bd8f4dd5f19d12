/* SPDX-License-Identifier: MIT */
/*
 * client_proto.c - fuzz family 'c': the caller API packets
 * (xen/client/client_proto.c).
 *
 * Input: a mode byte, then either
 *   even mode: a packet from the daemon. xvios_api_parse is checked against
 *     the codec and the documented rules: -EBADMSG for what the codec
 *     refuses or a bad RC array, -EPROTO for a valid packet that may not
 *     come from the daemon, an event of no known kind, or an answer without
 *     a handle; accepted, every field must be the packet's and the payload a
 *     NUL-terminated copy. A refused packet leaves nothing allocated.
 *   odd mode: a request drawn from the bytes through one of the four
 *     builders into an exactly-sized buffer. The builder must accept exactly
 *     the valid requests that fit, and what it writes must decode on the
 *     caller -> daemon channel to the same request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "xvios/client.h"

static struct xvios_msg dec;             /* big: kept off the stack */
static uint8_t payload_src[XVIOS_MAX_PAYLOAD + 64];

static void fuzz_parse(const uint8_t *data, size_t size)
{
    const uint8_t *pkt = fuzz_copy(data, size);
    struct xvios_api_msg m;
    struct xvios_rc_entry rc_ref[XVIOS_MAX_NODES];
    unsigned n_rc = 0;
    int want, got, w;

    w = xvios_msg_decode(pkt, size, &dec);
    if (w != XVIOS_WIRE_OK)
        want = -EBADMSG;
    else if (!(xvios_opcode_channels(dec.hdr.opcode) & XVIOS_CH_DAEMON_TO_CALLER))
        want = -EPROTO;
    else if (dec.hdr.opcode == XVIOS_OP_API_EVENT && (dec.sub.msg_type < 1 || dec.sub.msg_type > XVIOS_EV_MAX_))
        want = -EPROTO;
    else if (dec.hdr.opcode != XVIOS_OP_API_EVENT && dec.hdr.opcode != XVIOS_OP_API_HELLO && dec.hdr.txid == 0)
        want = -EPROTO;
    else if (dec.hdr.opcode == XVIOS_OP_API_RESULT && dec.hdr.payload_len &&
             xvios_rc_decode(dec.payload, dec.hdr.payload_len, rc_ref, XVIOS_MAX_NODES, &n_rc) != XVIOS_WIRE_OK)
        want = -EBADMSG;
    else
        want = 0;

    got = xvios_api_parse(pkt, size, &m);
    FUZZ_REQUIRE(got == want || (got == -ENOMEM && want == 0));
    if (got < 0) {
        FUZZ_REQUIRE(m.payload == NULL && m.rc == NULL && m.n_rc == 0);
        goto out;
    }
    FUZZ_REQUIRE(m.opcode == dec.hdr.opcode && m.status == dec.hdr.status && m.handle == dec.hdr.txid);
    FUZZ_REQUIRE(m.node == dec.sub.src_node && m.originator == dec.sub.originator && m.type == dec.sub.msg_type);
    FUZZ_REQUIRE(m.flags == dec.hdr.flags && m.len == dec.hdr.payload_len && m.len <= XVIOS_MAX_PAYLOAD);
    FUZZ_REQUIRE(m.payload && m.payload[m.len] == 0 && (m.len == 0 || !memcmp(m.payload, dec.payload, m.len)));
    if (m.opcode == XVIOS_OP_API_RESULT && m.len) {
        FUZZ_REQUIRE(m.rc && m.n_rc == n_rc && m.n_rc <= XVIOS_MAX_NODES);
        FUZZ_REQUIRE(!memcmp(m.rc, rc_ref, n_rc * sizeof(rc_ref[0])));
    } else {
        FUZZ_REQUIRE(m.rc == NULL && m.n_rc == 0);
    }
    if (m.opcode == XVIOS_OP_API_EVENT)
        FUZZ_REQUIRE(strcmp(xvios_event_name(m.type), "unknown") != 0);
    xvios_api_msg_dispose(&m);
    FUZZ_REQUIRE(m.payload == NULL && m.rc == NULL);
out:
    free((void *)pkt);
}

static bool origin_ok(enum xvios_origin o) { return o == XVIOS_ORIGIN_CLI || o == XVIOS_ORIGIN_API; }

/* The builder's verdict must be: -EINVAL for an invalid request (or -EMSGSIZE, when its payload is also
 * over the limit: either fault may be reported), else -EMSGSIZE for a payload over the limit or a packet
 * over cap bytes, else 0 with a packet that decodes to the request's opcode, origin and handle. */
static void check_built(int rc, bool valid, bool too_big, size_t need, size_t cap, const uint8_t *buf,
                        size_t len, unsigned opcode, enum xvios_origin origin, uint64_t handle)
{
    if (!valid) {
        FUZZ_REQUIRE(rc == -EINVAL || (too_big && rc == -EMSGSIZE));
        return;
    }
    if (too_big || need > cap) {
        FUZZ_REQUIRE(rc == -EMSGSIZE);
        return;
    }
    FUZZ_REQUIRE(rc == 0 && len == need);
    FUZZ_REQUIRE(xvios_msg_decode_on(XVIOS_CH_CALLER_TO_DAEMON, buf, len, &dec) == XVIOS_WIRE_OK);
    FUZZ_REQUIRE(dec.hdr.opcode == opcode && XVIOS_FLAGS_ORIGIN(dec.hdr.flags) == origin);
    FUZZ_REQUIRE(dec.hdr.txid == handle && dec.hdr.status == 0);
}

static void fuzz_build(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint8_t which = fuzz_u8(&in);
    enum xvios_origin origin = (enum xvios_origin)(fuzz_u8(&in) % 4);
    size_t cap = fuzz_u32(&in) % (XVIOS_MAX_MSG + 64);
    uint8_t *buf = malloc(cap ? cap : 1);
    size_t len = 0;

    if (!buf)
        abort();
    switch (which % 4) {
    case 0: {   /* API_HELLO with a name */
        size_t nlen;
        const uint8_t *raw = fuzz_take(&in, 128, &nlen);
        char *name = fuzz_strdup(raw, nlen);
        const char *arg = which & 4 ? NULL : name;
        size_t sl = arg ? strlen(arg) : 0;
        bool valid = origin_ok(origin) && (sl == 0 || (!strpbrk(arg, "\n=") && sl + 6 < 96));
        int rc = xvios_api_build_hello(origin, arg, buf, cap, &len);

        check_built(rc, valid, false, XVIOS_HDR_LEN + XVIOS_SUB_LEN + (sl ? sl + 6 : 0), cap, buf, len,
                    XVIOS_OP_API_HELLO, origin, 0);
        if (rc == 0 && sl)
            FUZZ_REQUIRE(dec.hdr.payload_len == sl + 6 && !memcmp(dec.payload, "name=", 5) &&
                         !memcmp(dec.payload + 5, arg, sl) && dec.payload[sl + 5] == '\n');
        free(name);
        break;
    }
    case 1: {   /* API_SEND, broadcast or directed */
        uint32_t targets[XVIOS_MAX_NODES + 2];
        struct xvios_api_send s;
        uint64_t handle = fuzz_u8(&in) & 1 ? 0 : fuzz_u64(&in);
        bool valid, bcast, tgt_ok = true;
        int rc;

        memset(&s, 0, sizeof(s));
        s.flags = fuzz_u8(&in) & 0x80 ? fuzz_u16(&in) : (uint16_t)(fuzz_u8(&in) & XVIOS_API_SEND_FLAGS);
        s.msg_type = fuzz_u8(&in) & 1 ? fuzz_u32(&in) : fuzz_u8(&in) % 4;
        s.n_targets = fuzz_u16(&in) % (XVIOS_MAX_NODES + 2);
        for (unsigned i = 0; i < s.n_targets; i++) {
            uint8_t t = fuzz_u8(&in);
            targets[i] = t == 0xff ? fuzz_u32(&in) : (uint32_t)t + 1u;   /* 1..255, now and then anything */
            tgt_ok = tgt_ok && targets[i] != 0;   /* 1..2^32-1: a multi-host node id is over 256 */
        }
        s.targets = targets;
        s.timeout_ms = fuzz_u32(&in);
        s.len = fuzz_u16(&in) % (XVIOS_MAX_PAYLOAD + 64);
        memcpy(payload_src, in.p, in.n < sizeof(payload_src) ? in.n : sizeof(payload_src));
        s.payload = payload_src;
        bcast = s.flags & XVIOS_F_BROADCAST;
        valid = origin_ok(origin) && handle != 0 && !(s.flags & ~XVIOS_API_SEND_FLAGS) &&
                (bcast ? s.n_targets == 0 : s.n_targets > 0) && s.n_targets <= XVIOS_MAX_NODES &&
                s.msg_type != XVIOS_MT_NONE && tgt_ok;
        rc = xvios_api_build_send(&s, origin, handle, buf, cap, &len);
        check_built(rc, valid, s.len > XVIOS_MAX_PAYLOAD,
                    XVIOS_HDR_LEN + XVIOS_SUB_LEN + 4u * s.n_targets + s.len, cap, buf, len, XVIOS_OP_API_SEND,
                    origin, handle);
        if (rc == 0) {
            FUZZ_REQUIRE((dec.hdr.flags & ~XVIOS_F_ORIGIN_MASK) == s.flags && dec.sub.msg_type == s.msg_type);
            FUZZ_REQUIRE(dec.sub.n_targets == s.n_targets && dec.sub.timeout_ms == s.timeout_ms);
            FUZZ_REQUIRE(!memcmp(dec.targets, targets, 4u * s.n_targets));
            FUZZ_REQUIRE(dec.hdr.payload_len == s.len && (!s.len || !memcmp(dec.payload, payload_src, s.len)));
        }
        break;
    }
    case 2: {   /* API_QUERY */
        uint64_t handle = fuzz_u8(&in) & 1 ? 0 : fuzz_u64(&in);
        uint32_t type = fuzz_u8(&in) & 1 ? fuzz_u32(&in) : fuzz_u8(&in) % 4;
        uint32_t timeout = fuzz_u32(&in);
        size_t plen = fuzz_u16(&in) % (XVIOS_MAX_PAYLOAD + 64);
        bool valid = origin_ok(origin) && handle != 0 && type != XVIOS_MT_NONE;
        int rc;

        memcpy(payload_src, in.p, in.n < sizeof(payload_src) ? in.n : sizeof(payload_src));
        rc = xvios_api_build_query(type, payload_src, plen, timeout, origin, handle, buf, cap, &len);
        check_built(rc, valid, plen > XVIOS_MAX_PAYLOAD, XVIOS_HDR_LEN + XVIOS_SUB_LEN + plen, cap, buf, len,
                    XVIOS_OP_API_QUERY, origin, handle);
        if (rc == 0)
            FUZZ_REQUIRE(dec.sub.msg_type == type && dec.sub.timeout_ms == timeout && dec.hdr.payload_len == plen &&
                         (!plen || !memcmp(dec.payload, payload_src, plen)));
        break;
    }
    default: {  /* API_SUBSCRIBE */
        uint64_t handle = fuzz_u8(&in) & 1 ? 0 : fuzz_u64(&in);
        uint32_t mask = fuzz_u8(&in) & 1 ? fuzz_u32(&in) : fuzz_u8(&in) & XVIOS_API_EVENT_ALL;
        bool valid = origin_ok(origin) && handle != 0 && !(mask & ~XVIOS_API_EVENT_ALL);
        int rc = xvios_api_build_subscribe(mask, origin, handle, buf, cap, &len);

        check_built(rc, valid, false, XVIOS_HDR_LEN + XVIOS_SUB_LEN + 4u, cap, buf, len, XVIOS_OP_API_SUBSCRIBE,
                    origin, handle);
        if (rc == 0)
            FUZZ_REQUIRE(dec.hdr.payload_len == 4 && xvios_get_le32(dec.payload) == mask);
        break;
    }
    }
    free(buf);
}

void fuzz_client_proto(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    if (data[0] & 1)
        fuzz_build(data + 1, size - 1);
    else
        fuzz_parse(data + 1, size - 1);
}
