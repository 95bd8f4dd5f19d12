/* SPDX-License-Identifier: MIT */
/*
 * gen_corpus.c - writes the seed corpus of fuzz_wire_decode: one valid
 * packet per file, covering every opcode, broadcast and directed sends,
 * every origin, RC arrays, and one bare RC array. Run it once after a wire
 * format change (docs/protocol.md, "Fuzzing"):
 *
 *   cc -std=gnu11 -Iinclude -o build/gen_corpus tests/fuzz/gen_corpus.c xen/wire/wire.c
 *   build/gen_corpus tests/fuzz/corpus/fuzz_wire_decode
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/wire.h"

static const char *out_dir;
static uint8_t buf[XVIOS_MAX_MSG];

static int write_file(const char *name, const uint8_t *bytes, size_t len)
{
    char path[4096];
    FILE *f = NULL;
    int rc = -1;

    if (snprintf(path, sizeof(path), "%s/%s", out_dir, name) >= (int)sizeof(path)) {
        fprintf(stderr, "gen_corpus: path too long: %s/%s\n", out_dir, name);
        goto out;
    }
    f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len) {
        fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0)
        rc = -1;
    return rc;
}

static int emit(const char *name, const struct xvios_msg *m)
{
    struct xvios_msg check;
    size_t len = 0;
    int rc = xvios_msg_encode(m, buf, sizeof(buf), &len);

    if (rc == XVIOS_WIRE_OK)
        rc = xvios_msg_decode(buf, len, &check);
    if (rc != XVIOS_WIRE_OK) {
        fprintf(stderr, "gen_corpus: %s: %s\n", name, xvios_wire_strerror(rc));
        return -1;
    }
    return write_file(name, buf, len);
}

static void base(struct xvios_msg *m, unsigned opcode, unsigned flags, unsigned origin)
{
    memset(m, 0, sizeof(*m));
    m->hdr.opcode = (uint16_t)opcode;
    m->hdr.flags = XVIOS_FLAGS_WITH_ORIGIN(flags, origin);
    m->hdr.txid = xvios_txid_make(2, 7);
    m->sub.src_node = 2;
    m->sub.timeout_ms = 1500;
    m->sub.epoch = 0x5f3a0001u; /* version 2: the txid issuer's incarnation */
}

static void set_payload(struct xvios_msg *m, const void *p, size_t len)
{
    m->payload = p;
    m->hdr.payload_len = (uint32_t)len;
}

int main(int argc, char **argv)
{
    static const char text[] = "node=3\nname=vios3\nstate=up\n";
    struct xvios_rc_entry rc[XVIOS_MAX_NODES];
    uint8_t rcbuf[sizeof(rc)], mask[4];
    size_t rclen = 0, len = 0;
    struct xvios_msg m;
    int bad = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];

    base(&m, XVIOS_OP_CLUSTER_SEND, XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, XVIOS_ORIGIN_CLI);
    m.sub.msg_type = XVIOS_MT_ECHO;
    m.sub.originator = 0x11;
    m.sub.n_targets = 2;
    m.sub.rc_capacity = 4;
    m.targets[0] = 3;
    m.targets[1] = 5;
    set_payload(&m, "ping", 4);
    bad |= emit("01-cluster-send-directed", &m);

    base(&m, XVIOS_OP_CLUSTER_SEND, XVIOS_F_BROADCAST | XVIOS_F_RECEIPT, XVIOS_ORIGIN_DAEMON);
    m.sub.msg_type = XVIOS_MT_NODE_INFO;
    m.sub.rc_capacity = XVIOS_MAX_NODES;
    m.sub.dst_node = 4;
    bad |= emit("02-cluster-send-broadcast", &m);

    base(&m, XVIOS_OP_CLUSTER_RESPONSE, 0, XVIOS_ORIGIN_API);
    m.sub.msg_type = XVIOS_MT_NODE_INFO;
    m.sub.src_node = 3;
    m.sub.dst_node = 2;
    set_payload(&m, text, sizeof(text) - 1);
    bad |= emit("03-cluster-response", &m);

    base(&m, XVIOS_OP_RECEIPT, 0, XVIOS_ORIGIN_DAEMON);
    m.hdr.status = XVIOS_ST_QUEUE_FULL;
    m.sub.src_node = 5;
    m.sub.dst_node = 2;
    bad |= emit("04-receipt-queue-full", &m);

    base(&m, XVIOS_OP_VKE_HELLO, 0, XVIOS_ORIGIN_DAEMON);
    bad |= emit("05-vke-hello", &m);

    base(&m, XVIOS_OP_VKE_STATS, 0, XVIOS_ORIGIN_DAEMON);
    set_payload(&m, "sent=12\nreceived=9\ndropped=1\n", 29);
    bad |= emit("06-vke-stats", &m);

    for (unsigned i = 0; i < XVIOS_MAX_NODES; i++)
        rc[i] = (struct xvios_rc_entry){ .node = i + 1, .status = (uint16_t)(i % (XVIOS_RC_MAX_ + 1)) };
    if (xvios_rc_encode(rc, XVIOS_MAX_NODES, rcbuf, sizeof(rcbuf), &rclen) != XVIOS_WIRE_OK)
        return 1;
    base(&m, XVIOS_OP_SEND_RESULT, XVIOS_F_BROADCAST | XVIOS_F_RECEIPT, XVIOS_ORIGIN_DAEMON);
    m.hdr.status = XVIOS_ST_PARTIAL;
    m.sub.rc_capacity = XVIOS_MAX_NODES;
    m.sub.rc_needed = XVIOS_MAX_NODES;
    set_payload(&m, rcbuf, rclen);
    bad |= emit("07-send-result-full-rc", &m);

    base(&m, XVIOS_OP_VKE_EVENT, 0, XVIOS_ORIGIN_DAEMON);
    m.sub.msg_type = XVIOS_EV_NODE_LOST;
    m.sub.src_node = 4;
    bad |= emit("08-vke-event", &m);

    base(&m, XVIOS_OP_API_HELLO, 0, XVIOS_ORIGIN_API);
    m.sub.originator = 9;
    bad |= emit("09-api-hello", &m);

    base(&m, XVIOS_OP_API_SEND, XVIOS_F_RECEIPT | XVIOS_F_RESPONSE, XVIOS_ORIGIN_API);
    m.sub.msg_type = XVIOS_MT_USER_BASE + 1;
    m.sub.originator = 9;
    m.sub.n_targets = 1;
    m.targets[0] = 3;
    set_payload(&m, "hello", 5);
    bad |= emit("10-api-send", &m);

    base(&m, XVIOS_OP_API_SUBSCRIBE, 0, XVIOS_ORIGIN_API);
    xvios_put_le32(mask, (1u << XVIOS_EV_NODE_JOINED) | (1u << XVIOS_EV_NODE_LOST));
    set_payload(&m, mask, sizeof(mask));
    bad |= emit("11-api-subscribe", &m);

    base(&m, XVIOS_OP_API_QUERY, 0, XVIOS_ORIGIN_CLI);
    m.sub.msg_type = XVIOS_MT_NODES_ALL;
    bad |= emit("12-api-query", &m);

    base(&m, XVIOS_OP_API_RESULT, XVIOS_F_RECEIPT, XVIOS_ORIGIN_API);
    m.hdr.status = XVIOS_ST_OK;
    m.sub.rc_needed = 3;
    set_payload(&m, rcbuf, 3 * sizeof(struct xvios_rc_entry));
    bad |= emit("13-api-result", &m);

    base(&m, XVIOS_OP_API_RESPONSE, 0, XVIOS_ORIGIN_API);
    m.hdr.status = XVIOS_ST_TIMED_OUT;
    m.sub.src_node = 5;
    bad |= emit("14-api-response-timed-out", &m);

    base(&m, XVIOS_OP_API_EVENT, 0, XVIOS_ORIGIN_DAEMON);
    m.sub.msg_type = XVIOS_EV_NODE_JOINED;
    set_payload(&m, "node=6\n", 7);
    bad |= emit("15-api-event", &m);

    base(&m, XVIOS_OP_VKE_ACK, 0, XVIOS_ORIGIN_DAEMON);
    m.hdr.txid = 42;   /* inbound packets consumed */
    m.sub.epoch = 0;
    bad |= emit("17-vke-ack", &m);

    base(&m, XVIOS_OP_CLUSTER_RESPONSE, 0, XVIOS_ORIGIN_DAEMON);
    m.hdr.status = XVIOS_ST_NO_SUBSCRIBER;
    m.sub.msg_type = XVIOS_MT_USER_BASE + 1;
    m.sub.src_node = 3;
    m.sub.dst_node = 2;
    bad |= emit("18-response-no-subscriber", &m);

    /* a bare RC array, for xvios_rc_decode() */
    if (xvios_rc_encode(rc, 4, buf, sizeof(buf), &len) != XVIOS_WIRE_OK)
        return 1;
    bad |= write_file("16-rc-array", buf, len);

    return bad ? 1 : 0;
}
