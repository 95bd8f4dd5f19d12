/* SPDX-License-Identifier: MIT */
/*
 * bench_wire.c - throughput of xvios_msg_encode()/xvios_msg_decode() for a
 * small (64 B payload) and a large (60 KiB payload) packet, against two raw
 * baselines measured in the same run: memcpy() of the same number of bytes,
 * and a plain copy of struct xvios_msg (what a cast-the-buffer codec would
 * cost at best). Prints only; never asserts on timing. The decoder
 * references the payload in place (it copies no payload bytes), so its
 * "GB/s of packet" is packet bytes accepted per second, not bytes moved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xvios/wire.h"

#define MIN_SECONDS 0.25
#define BATCH       256u

/* Make the compiler assume *p is read and written here, so no copy is optimised away. */
#define TOUCH(p) __asm__ volatile("" : : "r"(p) : "memory")

enum op { OP_ENCODE, OP_DECODE, OP_ROUNDTRIP, OP_MEMCPY, OP_STRUCT };

struct fixture {
    struct xvios_msg msg;     /* the packet to encode */
    struct xvios_msg decoded; /* decode target */
    struct xvios_msg copy;    /* struct-copy target */
    uint8_t *wire;            /* encoded bytes */
    uint8_t *scratch;         /* encode / memcpy target */
    size_t len;               /* encoded length */
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run_batch(struct fixture *f, enum op op)
{
    size_t out = 0;

    for (unsigned i = 0; i < BATCH; i++) {
        switch (op) {
        case OP_ENCODE:
            if (xvios_msg_encode(&f->msg, f->scratch, XVIOS_MAX_MSG, &out) != XVIOS_WIRE_OK)
                return -1;
            TOUCH(f->scratch);
            break;
        case OP_DECODE:
            if (xvios_msg_decode(f->wire, f->len, &f->decoded) != XVIOS_WIRE_OK)
                return -1;
            TOUCH(&f->decoded);
            break;
        case OP_ROUNDTRIP:
            if (xvios_msg_encode(&f->msg, f->scratch, XVIOS_MAX_MSG, &out) != XVIOS_WIRE_OK ||
                xvios_msg_decode(f->scratch, out, &f->decoded) != XVIOS_WIRE_OK)
                return -1;
            TOUCH(&f->decoded);
            break;
        case OP_MEMCPY:
            TOUCH(f->wire);
            memcpy(f->scratch, f->wire, f->len);
            TOUCH(f->scratch);
            break;
        case OP_STRUCT:
            TOUCH(&f->decoded);
            f->copy = f->decoded;
            TOUCH(&f->copy);
            break;
        }
    }
    return 0;
}

/* Seconds per operation, measured over at least MIN_SECONDS; negative on a codec failure. */
static double measure(struct fixture *f, enum op op)
{
    unsigned long n = 0;
    double start, elapsed;

    if (run_batch(f, op) < 0) /* warm-up */
        return -1.0;
    start = now_s();
    do {
        if (run_batch(f, op) < 0)
            return -1.0;
        n += BATCH;
        elapsed = now_s() - start;
    } while (elapsed < MIN_SECONDS);
    return elapsed / (double)n;
}

static int bench_size(const char *label, uint32_t payload_len)
{
    static const enum op ops[] = { OP_ENCODE, OP_DECODE, OP_ROUNDTRIP };
    static const char *const names[] = { "encode", "decode", "encode+decode" };
    struct fixture f;
    uint8_t *payload = NULL;
    double t_memcpy, t_struct;
    int rc = -1;

    memset(&f, 0, sizeof(f));
    f.wire = malloc(XVIOS_MAX_MSG);
    f.scratch = malloc(XVIOS_MAX_MSG);
    payload = malloc(payload_len ? payload_len : 1);
    if (!f.wire || !f.scratch || !payload) {
        fprintf(stderr, "bench_wire: out of memory\n");
        goto out;
    }
    for (uint32_t i = 0; i < payload_len; i++)
        payload[i] = (uint8_t)(i * 13 + 1);

    /* a directed send to two nodes, asking for receipts and a response */
    f.msg.hdr.opcode = XVIOS_OP_CLUSTER_SEND;
    f.msg.hdr.flags = XVIOS_F_RECEIPT | XVIOS_F_RESPONSE;
    f.msg.hdr.txid = xvios_txid_make(1, 42);
    f.msg.hdr.payload_len = payload_len;
    f.msg.sub.msg_type = XVIOS_MT_ECHO;
    f.msg.sub.src_node = 1;
    f.msg.sub.n_targets = 2;
    f.msg.sub.rc_capacity = 2;
    f.msg.targets[0] = 2;
    f.msg.targets[1] = 3;
    f.msg.payload = payload;
    if (xvios_msg_encode(&f.msg, f.wire, XVIOS_MAX_MSG, &f.len) != XVIOS_WIRE_OK ||
        xvios_msg_decode(f.wire, f.len, &f.decoded) != XVIOS_WIRE_OK) {
        fprintf(stderr, "bench_wire: %s: the codec refused its own packet\n", label);
        goto out;
    }

    t_memcpy = measure(&f, OP_MEMCPY);
    t_struct = measure(&f, OP_STRUCT);
    printf("\nbaseline %s (%zu B packet): memcpy %.1f M/s, struct xvios_msg copy (%zu B) %.1f M/s\n",
           label, f.len, 1e-6 / t_memcpy, sizeof(struct xvios_msg), 1e-6 / t_struct);
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        double t = measure(&f, ops[i]);

        if (t < 0) {
            fprintf(stderr, "bench_wire: %s %s failed\n", names[i], label);
            goto out;
        }
        printf("%s %s: %.2f M msg/s, %.2f GB/s of packet, %.2fx memcpy baseline time, "
               "%.2fx struct-copy baseline time%s\n",
               names[i], label, 1e-6 / t, (double)f.len / t * 1e-9, t / t_memcpy, t / t_struct,
               ops[i] == OP_DECODE ? " (payload referenced in place, not copied)" : "");
    }
    rc = 0;
out:
    free(payload);
    free(f.scratch);
    free(f.wire);
    return rc;
}

int main(void)
{
    if (bench_size("64B", 64) < 0 || bench_size("60KiB", XVIOS_MAX_PAYLOAD) < 0)
        return 1;
    return 0;
}
