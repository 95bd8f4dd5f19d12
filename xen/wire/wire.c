/* SPDX-License-Identifier: MIT */
/*
 * wire.c - the VIOD packet codec (include/xvios/wire.h): explicit
 * little-endian moves at the struct offsets, the validation shared by the
 * encoder and the decoder, and the name tables for opcodes, status codes,
 * RC status codes and decoder errors.
 *
 * xvios_msg_decode() checks untrusted bytes in this fixed order and stops at
 * the first failure (docs/protocol.md lists the same order):
 *
 *   1. length >= header + fixed sub-header   XVIOS_WIRE_ESHORT
 *   2. magic                                 XVIOS_WIRE_EMAGIC
 *   3. version                               XVIOS_WIRE_EVERSION
 *   4. hdr_len                               XVIOS_WIRE_EHDRLEN
 *   5. n_targets <= XVIOS_MAX_NODES          XVIOS_WIRE_ETARGETS
 *   6. sub_len == 32 + 4 * n_targets         XVIOS_WIRE_ESUBLEN
 *   7. payload_len <= XVIOS_MAX_PAYLOAD      XVIOS_WIRE_EOVERSIZE
 *   8. hdr_len + sub_len + payload_len == length   XVIOS_WIRE_ELENGTH
 *   9. opcode known                          XVIOS_WIRE_EOPCODE
 *  10. flags: known bits, valid origin, BROADCAST only without targets
 *                                            XVIOS_WIRE_EFLAGS
 *  11. sub.reserved0 zero                    XVIOS_WIRE_ERESERVED
 *  12. status within enum xvios_status       XVIOS_WIRE_ESTATUS
 *  13. RC array payload (SEND_RESULT, API_RESULT)   XVIOS_WIRE_ERC
 *
 * Steps 1-8 are framing and need the raw bytes; steps 5, 7 and 9-13 are
 * msg_validate(), which the encoder runs too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xvios/wire.h"

#define HDR_OFF(field) offsetof(struct xvios_hdr, field)
#define SUB_OFF(field) (XVIOS_HDR_LEN + offsetof(struct xvios_sub, field))
#define RC_OFF(field)  offsetof(struct xvios_rc_entry, field)
#define RC_ENTRY_LEN   sizeof(struct xvios_rc_entry)
#define FIXED_LEN      (XVIOS_HDR_LEN + XVIOS_SUB_LEN)
#define TARGETS_OFF    FIXED_LEN

_Static_assert(XVIOS_MAX_NODES <= UINT16_MAX, "n_targets is a uint16");
_Static_assert(XVIOS_MAX_MSG == FIXED_LEN + 4u * XVIOS_MAX_NODES + XVIOS_MAX_PAYLOAD,
               "a packet within the per-field limits never exceeds XVIOS_MAX_MSG");
_Static_assert(XVIOS_MAX_NODES * 8u <= XVIOS_MAX_PAYLOAD, "a full RC array fits a payload");

/* ---------------------------------------------------------------- opcode table */
struct opcode_info {
    uint16_t opcode;
    bool rc_payload;   /* the payload is an RC array */
    unsigned channels; /* enum xvios_channel mask */
    const char *name;
};

#define CH_DAEMON_VKE (XVIOS_CH_DAEMON_TO_VKE | XVIOS_CH_VKE_TO_DAEMON)
#define CH_CALLER     (XVIOS_CH_CALLER_TO_DAEMON | XVIOS_CH_DAEMON_TO_CALLER)

static const struct opcode_info opcode_table[] = {
    /* a send or response leaves the daemon, crosses a link, reaches the peer's daemon */
    { XVIOS_OP_CLUSTER_SEND,     false, XVIOS_CH_LINK | CH_DAEMON_VKE, "CLUSTER_SEND" },
    { XVIOS_OP_CLUSTER_RESPONSE, false, XVIOS_CH_LINK | CH_DAEMON_VKE, "CLUSTER_RESPONSE" },
    { XVIOS_OP_RECEIPT,          false, XVIOS_CH_LINK,                 "RECEIPT" },
    /* the VKE answers these with the same opcode */
    { XVIOS_OP_VKE_HELLO,        false, CH_DAEMON_VKE,                 "VKE_HELLO" },
    { XVIOS_OP_VKE_STATS,        false, CH_DAEMON_VKE,                 "VKE_STATS" },
    { XVIOS_OP_VKE_ACK,          false, XVIOS_CH_DAEMON_TO_VKE,        "VKE_ACK" },
    { XVIOS_OP_SEND_RESULT,      true,  XVIOS_CH_VKE_TO_DAEMON,        "SEND_RESULT" },
    { XVIOS_OP_VKE_EVENT,        false, XVIOS_CH_VKE_TO_DAEMON,        "VKE_EVENT" },
    /* the daemon answers API_HELLO with API_HELLO */
    { XVIOS_OP_API_HELLO,        false, CH_CALLER,                     "API_HELLO" },
    { XVIOS_OP_API_SEND,         false, XVIOS_CH_CALLER_TO_DAEMON,     "API_SEND" },
    { XVIOS_OP_API_SUBSCRIBE,    false, XVIOS_CH_CALLER_TO_DAEMON,     "API_SUBSCRIBE" },
    { XVIOS_OP_API_QUERY,        false, XVIOS_CH_CALLER_TO_DAEMON,     "API_QUERY" },
    { XVIOS_OP_API_VIO,          false, XVIOS_CH_CALLER_TO_DAEMON,     "API_VIO" },
    { XVIOS_OP_API_AGENT,        false, XVIOS_CH_CALLER_TO_DAEMON,     "API_AGENT" },
    { XVIOS_OP_API_AGENT_ANSWER, false, XVIOS_CH_CALLER_TO_DAEMON,     "API_AGENT_ANSWER" },
    { XVIOS_OP_API_RESULT,       true,  XVIOS_CH_DAEMON_TO_CALLER,     "API_RESULT" },
    { XVIOS_OP_API_RESPONSE,     false, XVIOS_CH_DAEMON_TO_CALLER,     "API_RESPONSE" },
    { XVIOS_OP_API_EVENT,        false, XVIOS_CH_DAEMON_TO_CALLER,     "API_EVENT" },
    { XVIOS_OP_API_AGENT_REQ,    false, XVIOS_CH_DAEMON_TO_CALLER,     "API_AGENT_REQ" },
};

static const struct opcode_info *opcode_find(unsigned opcode)
{
    for (size_t i = 0; i < sizeof(opcode_table) / sizeof(opcode_table[0]); i++)
        if (opcode_table[i].opcode == opcode)
            return &opcode_table[i];
    return NULL;
}

const char *xvios_opcode_name(unsigned opcode)
{
    const struct opcode_info *oi = opcode_find(opcode);
    return oi ? oi->name : "UNKNOWN_OPCODE";
}

unsigned xvios_opcode_channels(unsigned opcode)
{
    const struct opcode_info *oi = opcode_find(opcode);
    return oi ? oi->channels : 0;
}

int xvios_msg_decode_on(unsigned channel, const uint8_t *untrusted_buf, size_t untrusted_len,
                        struct xvios_msg *out)
{
    int err = xvios_msg_decode(untrusted_buf, untrusted_len, out);

    if (err != XVIOS_WIRE_OK)
        return err;
    return xvios_opcode_channels(out->hdr.opcode) & channel ? XVIOS_WIRE_OK : XVIOS_WIRE_ECHANNEL;
}

/* ---------------------------------------------------------------- name tables */
static const char *const wire_err_names[XVIOS_WIRE_ERR_COUNT_] = {
    [XVIOS_WIRE_OK]        = "ok",
    [XVIOS_WIRE_ESHORT]    = "shorter than header and sub-header",
    [XVIOS_WIRE_EMAGIC]    = "bad magic",
    [XVIOS_WIRE_EVERSION]  = "unsupported protocol version",
    [XVIOS_WIRE_EHDRLEN]   = "bad header length",
    [XVIOS_WIRE_ESUBLEN]   = "sub-header length does not match the target count",
    [XVIOS_WIRE_ETARGETS]  = "too many targets",
    [XVIOS_WIRE_EOVERSIZE] = "payload too large",
    [XVIOS_WIRE_ELENGTH]   = "lengths do not add up to the packet size",
    [XVIOS_WIRE_EOPCODE]   = "unknown opcode",
    [XVIOS_WIRE_EFLAGS]    = "bad flags",
    [XVIOS_WIRE_ERESERVED] = "reserved field not zero",
    [XVIOS_WIRE_ESTATUS]   = "unknown status",
    [XVIOS_WIRE_ERC]       = "malformed RC array",
    [XVIOS_WIRE_ENOSPACE]  = "output buffer too small",
    [XVIOS_WIRE_EINVAL]    = "invalid argument",
    [XVIOS_WIRE_ECHANNEL]  = "opcode not allowed on this channel",
};

const char *xvios_wire_strerror(int err)
{
    if (err < 0 || err >= XVIOS_WIRE_ERR_COUNT_ || !wire_err_names[err])
        return "unknown wire error";
    return wire_err_names[err];
}

static const char *const status_names[XVIOS_ST_MAX_ + 1] = {
    [XVIOS_ST_OK]           = "OK",
    [XVIOS_ST_RC_TOO_SMALL] = "RC_TOO_SMALL",
    [XVIOS_ST_BAD_PACKET]   = "BAD_PACKET",
    [XVIOS_ST_NOT_MEMBER]   = "NOT_MEMBER",
    [XVIOS_ST_NO_TARGETS]   = "NO_TARGETS",
    [XVIOS_ST_PARTIAL]      = "PARTIAL",
    [XVIOS_ST_QUEUE_FULL]   = "QUEUE_FULL",
    [XVIOS_ST_TRY_AGAIN]    = "TRY_AGAIN",
    [XVIOS_ST_INTERNAL]     = "INTERNAL",
    [XVIOS_ST_TIMED_OUT]    = "TIMED_OUT",
    [XVIOS_ST_UNREACHABLE]  = "UNREACHABLE",
    [XVIOS_ST_NO_SUBSCRIBER] = "NO_SUBSCRIBER",
};

const char *xvios_status_name(int status)
{
    if (status < 0 || status > XVIOS_ST_MAX_ || !status_names[status])
        return "UNKNOWN_STATUS";
    return status_names[status];
}

static const char *const rc_status_names[XVIOS_RC_MAX_ + 1] = {
    [XVIOS_RC_PENDING]     = "PENDING",
    [XVIOS_RC_DELIVERED]   = "DELIVERED",
    [XVIOS_RC_TIMED_OUT]   = "TIMED_OUT",
    [XVIOS_RC_UNREACHABLE] = "UNREACHABLE",
    [XVIOS_RC_NOT_MEMBER]  = "NOT_MEMBER",
    [XVIOS_RC_QUEUE_FULL]  = "QUEUE_FULL",
    [XVIOS_RC_SENT]        = "SENT",
};

const char *xvios_rc_status_name(unsigned rc_status)
{
    if (rc_status > XVIOS_RC_MAX_ || !rc_status_names[rc_status])
        return "UNKNOWN_RC_STATUS";
    return rc_status_names[rc_status];
}

/* ---------------------------------------------------------------- validation */
/* RC array bytes: a whole number of entries, at most XVIOS_MAX_NODES, each valid. */
static int rc_bytes_validate(const uint8_t *untrusted_buf, size_t untrusted_len)
{
    if (untrusted_len % RC_ENTRY_LEN != 0 || untrusted_len / RC_ENTRY_LEN > XVIOS_MAX_NODES)
        return XVIOS_WIRE_ERC;
    for (size_t off = 0; off < untrusted_len; off += RC_ENTRY_LEN) {
        if (xvios_get_le16(untrusted_buf + off + RC_OFF(status)) > XVIOS_RC_MAX_ ||
            xvios_get_le16(untrusted_buf + off + RC_OFF(reserved)) != 0)
            return XVIOS_WIRE_ERC;
    }
    return XVIOS_WIRE_OK;
}

/*
 * The rules a packet's fields obey, on both sides of the codec. The caller
 * has made sure m->payload holds m->hdr.payload_len bytes.
 */
static int msg_validate(const struct xvios_msg *m)
{
    const struct opcode_info *oi;
    uint16_t flags = m->hdr.flags;

    if (m->sub.n_targets > XVIOS_MAX_NODES)
        return XVIOS_WIRE_ETARGETS;
    if (m->hdr.payload_len > XVIOS_MAX_PAYLOAD)
        return XVIOS_WIRE_EOVERSIZE;
    oi = opcode_find(m->hdr.opcode);
    if (!oi)
        return XVIOS_WIRE_EOPCODE;
    if ((flags & ~XVIOS_F_KNOWN) != 0 || XVIOS_FLAGS_ORIGIN(flags) > XVIOS_ORIGIN_API ||
        ((flags & XVIOS_F_BROADCAST) && m->sub.n_targets != 0))
        return XVIOS_WIRE_EFLAGS;
    if (m->sub.reserved0 != 0)
        return XVIOS_WIRE_ERESERVED;
    if (m->hdr.status < 0 || m->hdr.status > XVIOS_ST_MAX_)
        return XVIOS_WIRE_ESTATUS;
    if (oi->rc_payload)
        return rc_bytes_validate(m->payload, m->hdr.payload_len);
    return XVIOS_WIRE_OK;
}

/* ---------------------------------------------------------------- packets */
size_t xvios_msg_size(const struct xvios_msg *m)
{
    return (size_t)FIXED_LEN + 4u * (size_t)m->sub.n_targets + (size_t)m->hdr.payload_len;
}

int xvios_msg_encode(const struct xvios_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
    size_t total;
    int rc;

    if (out_len)
        *out_len = 0;
    if (!m || !out_len || (m->hdr.payload_len != 0 && !m->payload))
        return XVIOS_WIRE_EINVAL;
    rc = msg_validate(m);
    if (rc != XVIOS_WIRE_OK)
        return rc;
    total = xvios_msg_size(m);
    if (!buf || cap < total)
        return XVIOS_WIRE_ENOSPACE;

    xvios_put_le32(buf + HDR_OFF(magic), XVIOS_MAGIC);
    xvios_put_le16(buf + HDR_OFF(version), XVIOS_PROTO_CURRENT);
    xvios_put_le16(buf + HDR_OFF(hdr_len), XVIOS_HDR_LEN);
    xvios_put_le16(buf + HDR_OFF(opcode), m->hdr.opcode);
    xvios_put_le16(buf + HDR_OFF(flags), m->hdr.flags);
    xvios_put_le32(buf + HDR_OFF(status), (uint32_t)m->hdr.status);
    xvios_put_le64(buf + HDR_OFF(txid), m->hdr.txid);
    xvios_put_le32(buf + HDR_OFF(payload_len), m->hdr.payload_len);
    xvios_put_le32(buf + HDR_OFF(sub_len), XVIOS_SUB_LEN + 4u * m->sub.n_targets);

    xvios_put_le32(buf + SUB_OFF(msg_type), m->sub.msg_type);
    xvios_put_le32(buf + SUB_OFF(src_node), m->sub.src_node);
    xvios_put_le32(buf + SUB_OFF(originator), m->sub.originator);
    xvios_put_le16(buf + SUB_OFF(n_targets), m->sub.n_targets);
    xvios_put_le16(buf + SUB_OFF(rc_capacity), m->sub.rc_capacity);
    xvios_put_le16(buf + SUB_OFF(rc_needed), m->sub.rc_needed);
    xvios_put_le16(buf + SUB_OFF(reserved0), 0);
    xvios_put_le32(buf + SUB_OFF(timeout_ms), m->sub.timeout_ms);
    xvios_put_le32(buf + SUB_OFF(dst_node), m->sub.dst_node);
    xvios_put_le32(buf + SUB_OFF(epoch), m->sub.epoch);

    for (unsigned i = 0; i < m->sub.n_targets; i++)
        xvios_put_le32(buf + TARGETS_OFF + 4u * i, m->targets[i]);
    if (m->hdr.payload_len)
        memcpy(buf + TARGETS_OFF + 4u * m->sub.n_targets, m->payload, m->hdr.payload_len);

    *out_len = total;
    return XVIOS_WIRE_OK;
}

int xvios_msg_decode(const uint8_t *untrusted_buf, size_t untrusted_len, struct xvios_msg *out)
{
    uint16_t n_targets;
    uint32_t sub_len, payload_len;
    size_t payload_off;

    if (!out || (untrusted_len && !untrusted_buf))
        return XVIOS_WIRE_EINVAL;
    /* framing, on the raw bytes */
    if (untrusted_len < FIXED_LEN)
        return XVIOS_WIRE_ESHORT;
    if (xvios_get_le32(untrusted_buf + HDR_OFF(magic)) != XVIOS_MAGIC)
        return XVIOS_WIRE_EMAGIC;
    out->hdr.version = xvios_get_le16(untrusted_buf + HDR_OFF(version));
    if (out->hdr.version < XVIOS_PROTO_MIN || out->hdr.version > XVIOS_PROTO_CURRENT)
        return XVIOS_WIRE_EVERSION;
    if (xvios_get_le16(untrusted_buf + HDR_OFF(hdr_len)) != XVIOS_HDR_LEN)
        return XVIOS_WIRE_EHDRLEN;
    n_targets = xvios_get_le16(untrusted_buf + SUB_OFF(n_targets));
    if (n_targets > XVIOS_MAX_NODES)
        return XVIOS_WIRE_ETARGETS;
    sub_len = xvios_get_le32(untrusted_buf + HDR_OFF(sub_len));
    if (sub_len != XVIOS_SUB_LEN + 4u * n_targets)
        return XVIOS_WIRE_ESUBLEN;
    payload_len = xvios_get_le32(untrusted_buf + HDR_OFF(payload_len));
    if (payload_len > XVIOS_MAX_PAYLOAD)
        return XVIOS_WIRE_EOVERSIZE;
    /* each term is bounded above, so the sum cannot wrap */
    if ((size_t)XVIOS_HDR_LEN + sub_len + payload_len != untrusted_len)
        return XVIOS_WIRE_ELENGTH;

    /* every byte below lies within untrusted_len now */
    out->hdr.magic = XVIOS_MAGIC;
    out->hdr.hdr_len = XVIOS_HDR_LEN;
    out->hdr.opcode = xvios_get_le16(untrusted_buf + HDR_OFF(opcode));
    out->hdr.flags = xvios_get_le16(untrusted_buf + HDR_OFF(flags));
    out->hdr.status = (int32_t)xvios_get_le32(untrusted_buf + HDR_OFF(status));
    out->hdr.txid = xvios_get_le64(untrusted_buf + HDR_OFF(txid));
    out->hdr.payload_len = payload_len;
    out->hdr.sub_len = sub_len;

    out->sub.msg_type = xvios_get_le32(untrusted_buf + SUB_OFF(msg_type));
    out->sub.src_node = xvios_get_le32(untrusted_buf + SUB_OFF(src_node));
    out->sub.originator = xvios_get_le32(untrusted_buf + SUB_OFF(originator));
    out->sub.n_targets = n_targets;
    out->sub.rc_capacity = xvios_get_le16(untrusted_buf + SUB_OFF(rc_capacity));
    out->sub.rc_needed = xvios_get_le16(untrusted_buf + SUB_OFF(rc_needed));
    out->sub.reserved0 = xvios_get_le16(untrusted_buf + SUB_OFF(reserved0));
    out->sub.timeout_ms = xvios_get_le32(untrusted_buf + SUB_OFF(timeout_ms));
    out->sub.dst_node = xvios_get_le32(untrusted_buf + SUB_OFF(dst_node));
    out->sub.epoch = xvios_get_le32(untrusted_buf + SUB_OFF(epoch));

    for (unsigned i = 0; i < n_targets; i++)
        out->targets[i] = xvios_get_le32(untrusted_buf + TARGETS_OFF + 4u * i);
    payload_off = (size_t)XVIOS_HDR_LEN + sub_len;
    out->payload = payload_len ? untrusted_buf + payload_off : NULL;

    /* field rules, shared with the encoder */
    return msg_validate(out);
}

/* ---------------------------------------------------------------- RC arrays */
int xvios_rc_encode(const struct xvios_rc_entry *rc, unsigned n, uint8_t *buf, size_t cap, size_t *out_len)
{
    size_t total;

    if (out_len)
        *out_len = 0;
    if (!out_len || (n && !rc))
        return XVIOS_WIRE_EINVAL;
    if (n > XVIOS_MAX_NODES)
        return XVIOS_WIRE_ERC;
    for (unsigned i = 0; i < n; i++)
        if (rc[i].status > XVIOS_RC_MAX_ || rc[i].reserved != 0)
            return XVIOS_WIRE_ERC;
    total = (size_t)n * RC_ENTRY_LEN;
    if (cap < total || (total && !buf))
        return XVIOS_WIRE_ENOSPACE;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = buf + (size_t)i * RC_ENTRY_LEN;
        xvios_put_le32(p + RC_OFF(node), rc[i].node);
        xvios_put_le16(p + RC_OFF(status), rc[i].status);
        xvios_put_le16(p + RC_OFF(reserved), 0);
    }
    *out_len = total;
    return XVIOS_WIRE_OK;
}

int xvios_rc_decode(const uint8_t *untrusted_buf, size_t untrusted_len,
                    struct xvios_rc_entry *out, unsigned cap, unsigned *n)
{
    size_t count;
    int rc;

    if (n)
        *n = 0;
    if (!n || (untrusted_len && !untrusted_buf))
        return XVIOS_WIRE_EINVAL;
    rc = rc_bytes_validate(untrusted_buf, untrusted_len);
    if (rc != XVIOS_WIRE_OK)
        return rc;
    count = untrusted_len / RC_ENTRY_LEN;
    if (count > cap)
        return XVIOS_WIRE_ERC;
    if (count && !out)
        return XVIOS_WIRE_EINVAL;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = untrusted_buf + i * RC_ENTRY_LEN;
        out[i].node = xvios_get_le32(p + RC_OFF(node));
        out[i].status = xvios_get_le16(p + RC_OFF(status));
        out[i].reserved = 0;
    }
    *n = (unsigned)count;
    return XVIOS_WIRE_OK;
}
