/* SPDX-License-Identifier: MIT */
/*
 * fuzz_wire_decode.c - libFuzzer target for the packet decoder and the RC
 * array decoder. Any input must be either refused with one of the decoder's
 * verdicts or accepted; an accepted input must re-encode to exactly the same
 * bytes (the codec has one encoding per packet). Anything else aborts.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_wire_decode/, written by
 * tests/fuzz/gen_corpus.c (see docs/protocol.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xvios/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t reencoded[XVIOS_MAX_MSG];

static void check_verdict(int rc)
{
    /* a decoder never answers with the encoder-only verdicts */
    if (rc < XVIOS_WIRE_OK || rc >= XVIOS_WIRE_ERR_COUNT_ || rc == XVIOS_WIRE_ENOSPACE)
        abort();
    if (!xvios_wire_strerror(rc))
        abort();
}

static void fuzz_msg(const uint8_t *data, size_t size)
{
    struct xvios_msg m;
    size_t len = 0;
    int rc = xvios_msg_decode(data, size, &m);

    check_verdict(rc);
    if (rc != XVIOS_WIRE_OK)
        return;
    if (size > XVIOS_MAX_MSG || xvios_msg_size(&m) != size)
        abort();
    if (m.hdr.payload_len && (m.payload < data || m.payload + m.hdr.payload_len != data + size))
        abort();
    if (!xvios_opcode_name(m.hdr.opcode) || !xvios_status_name(m.hdr.status) ||
        xvios_opcode_channels(m.hdr.opcode) == 0)
        abort();
    /* the encoder writes XVIOS_PROTO_CURRENT: an older accepted version differs in that field only */
    if (xvios_msg_encode(&m, reencoded, sizeof(reencoded), &len) != XVIOS_WIRE_OK || len != size)
        abort();
    xvios_put_le16(reencoded + 4, m.hdr.version);
    if (memcmp(reencoded, data, size) != 0)
        abort();
}

static void fuzz_rc(const uint8_t *data, size_t size)
{
    struct xvios_rc_entry rc_out[XVIOS_MAX_NODES];
    unsigned n = 0;
    size_t len = 0;
    int rc = xvios_rc_decode(data, size, rc_out, XVIOS_MAX_NODES, &n);

    check_verdict(rc);
    if (rc != XVIOS_WIRE_OK)
        return;
    if ((size_t)n * sizeof(struct xvios_rc_entry) != size)
        abort();
    for (unsigned i = 0; i < n; i++)
        if (!xvios_rc_status_name(rc_out[i].status))
            abort();
    if (xvios_rc_encode(rc_out, n, reencoded, sizeof(reencoded), &len) != XVIOS_WIRE_OK || len != size ||
        memcmp(reencoded, data, size) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_msg(data, size);
    fuzz_rc(data, size);
    return 0;
}
