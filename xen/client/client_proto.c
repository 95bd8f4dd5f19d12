/* SPDX-License-Identifier: MIT */
/*
 * client_proto.c - caller API packets: builders for caller -> daemon
 * requests and the checked parser for daemon -> caller answers
 * (docs/protocol.md, "The caller API"). No I/O here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/client.h"
#include "xvios/db.h"

static int build(struct xvios_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    int rc = xvios_msg_encode(m, buf, cap, len);

    if (rc == XVIOS_WIRE_ENOSPACE || rc == XVIOS_WIRE_EOVERSIZE)
        return -EMSGSIZE;
    return rc == XVIOS_WIRE_OK ? 0 : -EINVAL;
}

static void msg_init(struct xvios_msg *m, unsigned opcode, enum xvios_origin origin, uint64_t handle)
{
    memset(m, 0, sizeof(*m));
    m->hdr.opcode = (uint16_t)opcode;
    m->hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(0, origin);
    m->hdr.txid = handle;
}

static bool origin_ok(enum xvios_origin o) { return o == XVIOS_ORIGIN_CLI || o == XVIOS_ORIGIN_API; }

int xvios_api_build_hello(enum xvios_origin origin, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct xvios_msg m;
    char text[96];
    int n = 0;

    if (!origin_ok(origin))
        return -EINVAL;
    msg_init(&m, XVIOS_OP_API_HELLO, origin, 0);
    if (name && name[0]) {
        for (const char *p = name; *p; p++)
            if (*p == '\n' || *p == '=')
                return -EINVAL;
        n = snprintf(text, sizeof(text), "name=%s\n", name);
        if (n < 0 || (size_t)n >= sizeof(text))
            return -EINVAL;
        m.payload = (const uint8_t *)text;
    }
    m.hdr.payload_len = (uint32_t)n;
    return build(&m, buf, cap, len);
}

int xvios_api_build_send(const struct xvios_api_send *s, enum xvios_origin origin, uint64_t handle,
                         uint8_t *buf, size_t cap, size_t *len)
{
    struct xvios_msg m;
    bool bcast;

    if (!s || !origin_ok(origin) || handle == 0 || (s->flags & ~XVIOS_API_SEND_FLAGS))
        return -EINVAL;
    bcast = s->flags & XVIOS_F_BROADCAST;
    if ((bcast && s->n_targets) || (!bcast && s->n_targets == 0) || s->n_targets > XVIOS_MAX_NODES)
        return -EINVAL;
    if (s->len > XVIOS_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (s->len && !s->payload)
        return -EINVAL;
    if (s->msg_type == XVIOS_MT_NONE)
        return -EINVAL;
    msg_init(&m, XVIOS_OP_API_SEND, origin, handle);
    m.hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(s->flags, origin);
    m.hdr.payload_len = (uint32_t)s->len;
    m.sub.msg_type = s->msg_type;
    m.sub.n_targets = (uint16_t)s->n_targets;
    m.sub.timeout_ms = s->timeout_ms;
    for (unsigned i = 0; i < s->n_targets; i++) {
        if (s->targets[i] == 0 || s->targets[i] > XVIOS_NODE_ID_MAX)   /* a multi-host id is over 256 */
            return -EINVAL;
        m.targets[i] = s->targets[i];
    }
    m.payload = s->payload;
    return build(&m, buf, cap, len);
}

int xvios_api_build_query(uint32_t msg_type, const void *payload, size_t plen, uint32_t timeout_ms,
                          enum xvios_origin origin, uint64_t handle, uint8_t *buf, size_t cap, size_t *len)
{
    struct xvios_msg m;

    if (!origin_ok(origin) || handle == 0 || msg_type == XVIOS_MT_NONE || (plen && !payload))
        return -EINVAL;
    if (plen > XVIOS_MAX_PAYLOAD)
        return -EMSGSIZE;
    msg_init(&m, XVIOS_OP_API_QUERY, origin, handle);
    m.sub.msg_type = msg_type;
    m.sub.timeout_ms = timeout_ms;
    m.hdr.payload_len = (uint32_t)plen;
    m.payload = payload;
    return build(&m, buf, cap, len);
}

int xvios_api_build_subscribe(uint32_t mask, enum xvios_origin origin, uint64_t handle,
                              uint8_t *buf, size_t cap, size_t *len)
{
    struct xvios_msg m;
    uint8_t le[4];

    if (!origin_ok(origin) || handle == 0 || (mask & ~XVIOS_API_EVENT_ALL))
        return -EINVAL;
    msg_init(&m, XVIOS_OP_API_SUBSCRIBE, origin, handle);
    xvios_put_le32(le, mask);
    m.hdr.payload_len = sizeof(le);
    m.payload = le;
    return build(&m, buf, cap, len);
}

int xvios_api_build_vio(const char *xml, size_t xml_len, enum xvios_origin origin, uint64_t handle,
                        uint8_t *buf, size_t cap, size_t *len)
{
    struct xvios_msg m;

    if (!origin_ok(origin) || handle == 0 || (!xml && xml_len))
        return -EINVAL;   /* an empty request goes: the daemon's answer is its VIOException */
    if (xml_len > XVIOS_OBJ_REQUEST_MAX)
        return -EMSGSIZE;
    msg_init(&m, XVIOS_OP_API_VIO, origin, handle);
    m.hdr.payload_len = (uint32_t)xml_len;
    m.payload = (const uint8_t *)xml;
    return build(&m, buf, cap, len);
}

int xvios_api_build_agent(const char *allow, enum xvios_origin origin, uint64_t handle, uint8_t *buf, size_t cap,
                          size_t *len)
{
    struct xvios_msg m;
    char text[sizeof("allow=\n") + XVIOS_AGENT_ALLOW_MAX];
    size_t n = allow ? strlen(allow) : 0;

    if (!origin_ok(origin) || handle == 0 || !allow)
        return -EINVAL;
    if (n > XVIOS_AGENT_ALLOW_MAX)
        return -EMSGSIZE;
    for (size_t i = 0; i < n; i++)
        if (!((allow[i] >= 'a' && allow[i] <= 'z') || allow[i] == ','))
            return -EINVAL;
    msg_init(&m, XVIOS_OP_API_AGENT, origin, handle);
    m.hdr.payload_len = (uint32_t)snprintf(text, sizeof(text), "allow=%s\n", allow);
    m.payload = (const uint8_t *)text;
    return build(&m, buf, cap, len);
}

int xvios_api_build_agent_answer(uint64_t handle, const char *resp, size_t resp_len, enum xvios_origin origin,
                                 uint8_t *buf, size_t cap, size_t *len)
{
    struct xvios_msg m;

    if (!origin_ok(origin) || handle == 0 || !resp || resp_len == 0)
        return -EINVAL;
    if (resp_len > XVIOS_MAX_PAYLOAD)
        return -EMSGSIZE;
    msg_init(&m, XVIOS_OP_API_AGENT_ANSWER, origin, handle);
    m.hdr.payload_len = (uint32_t)resp_len;
    m.payload = (const uint8_t *)resp;
    return build(&m, buf, cap, len);
}

void xvios_api_msg_dispose(struct xvios_api_msg *m)
{
    if (!m)
        return;
    free(m->payload);
    free(m->rc);
    memset(m, 0, sizeof(*m));
}

int xvios_api_parse(const uint8_t *untrusted_buf, size_t untrusted_len, struct xvios_api_msg *out)
{
    struct xvios_msg m;
    unsigned n_rc = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = xvios_msg_decode_on(XVIOS_CH_DAEMON_TO_CALLER, untrusted_buf, untrusted_len, &m);
    if (rc == XVIOS_WIRE_ECHANNEL)
        return -EPROTO;
    if (rc != XVIOS_WIRE_OK)
        return -EBADMSG;
    if (m.hdr.opcode == XVIOS_OP_API_EVENT && (m.sub.msg_type == 0 || m.sub.msg_type > XVIOS_EV_MAX_))
        return -EPROTO;
    if (m.hdr.opcode != XVIOS_OP_API_EVENT && m.hdr.opcode != XVIOS_OP_API_HELLO && m.hdr.txid == 0)
        return -EPROTO;
    out->payload = malloc(m.hdr.payload_len + 1u);
    if (!out->payload)
        return -ENOMEM;
    if (m.hdr.payload_len)
        memcpy(out->payload, m.payload, m.hdr.payload_len);
    out->payload[m.hdr.payload_len] = 0;
    out->len = m.hdr.payload_len;
    if (m.hdr.opcode == XVIOS_OP_API_RESULT && m.hdr.payload_len > 0) {
        out->rc = calloc(XVIOS_MAX_NODES, sizeof(*out->rc));
        if (!out->rc) {
            xvios_api_msg_dispose(out);
            return -ENOMEM;
        }
        rc = xvios_rc_decode(m.payload, m.hdr.payload_len, out->rc, XVIOS_MAX_NODES, &n_rc);
        if (rc != XVIOS_WIRE_OK) {
            xvios_api_msg_dispose(out);
            return -EBADMSG;
        }
        out->n_rc = n_rc;
    }
    out->opcode = m.hdr.opcode;
    out->status = m.hdr.status;
    out->handle = m.hdr.txid;
    out->node = m.sub.src_node;
    out->originator = m.sub.originator;
    out->type = m.sub.msg_type;
    out->flags = m.hdr.flags;
    return 0;
}

const char *xvios_event_name(unsigned ev)
{
    switch (ev) {
    case XVIOS_EV_NODE_JOINED: return "node-joined";
    case XVIOS_EV_NODE_LEFT: return "node-left";
    case XVIOS_EV_NODE_LOST: return "node-lost";
    case XVIOS_EV_DELIVERY_FAILED: return "delivery-failed";
    case XVIOS_EV_CLIENT_REGISTERED: return "client-registered";
    case XVIOS_EV_MESSAGE: return "message";
    case XVIOS_EV_LIFECYCLE: return "lifecycle";
    case XVIOS_EV_PATH_LOST: return "path-lost";
    case XVIOS_EV_PATH_RESTORED: return "path-restored";
    case XVIOS_EV_LU_IO_ERRORS: return "lu-io-errors";
    case XVIOS_EV_RESERVATION_PREEMPTED: return "reservation-preempted";
    }
    return "unknown";
}

const char *xvios_event_category(unsigned ev)
{
    switch (ev) {
    case XVIOS_EV_NODE_JOINED:
    case XVIOS_EV_NODE_LEFT:
    case XVIOS_EV_CLIENT_REGISTERED:
    case XVIOS_EV_LIFECYCLE:
        return "lifecycle";
    case XVIOS_EV_NODE_LOST:
    case XVIOS_EV_DELIVERY_FAILED:
    case XVIOS_EV_PATH_LOST:
    case XVIOS_EV_PATH_RESTORED:
    case XVIOS_EV_LU_IO_ERRORS:
    case XVIOS_EV_RESERVATION_PREEMPTED:
        return "alert";
    case XVIOS_EV_MESSAGE:
        return "message";
    }
    return "unknown";
}
