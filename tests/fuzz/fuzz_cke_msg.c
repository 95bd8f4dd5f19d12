/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cke_msg.c - what a peer VIOS can send the CKE (backend/cke/cke_msg.h):
 * fragments into the reassembly table, complete bodies into the descriptor
 * and answer decoders.
 *
 * Input: a sequence of records, each [u8 source node][u16 length LE][bytes],
 * every record one cluster message's payload from that node (lengths beyond
 * the input are cut). Each goes through cke__asm_add; a complete body is
 * decoded as a forwarded command and as an answer, and each payload also
 * directly.
 *
 * Invariants checked (abort() on violation): a complete body has the total
 * length its fragments announced, within CKE_BODY_MAX; a decoded descriptor
 * keeps every length within its bounds and never claims more bytes than it
 * was given; a decoded answer's data-in is exactly what follows it; the
 * table never holds more than CKE_ASM_MAX bodies.
 *
 *   make fuzz FUZZ_SECONDS=60   (seed corpus: tests/fuzz/corpus/fuzz_cke_msg/)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cke/cke_int.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void decode_body(const uint8_t *p, size_t len)
{
    struct cke_cmd_desc d;
    struct cke_rsp r;
    int n = cke_desc_decode(p, len, &d);

    if (n >= 0) {
        check((size_t)n <= len && n >= (int)CKE_DESC_FIXED);
        check(d.cdb_len >= 1 && d.cdb_len <= CKE_CDB_MAX);
        check(d.data_out_len <= CKE_DATA_MAX && d.data_in_len <= CKE_DATA_MAX);
        check(d.nexus.transport_id_len <= SCSI_TRANSPORT_ID_MAX);
        check(strlen(d.lu.key) >= 1 && strlen(d.lu.key) <= XVIOS_PATH_KEY_MAX && d.lu.backing[0] == '/');
        check(d.lun <= SCSI_LUN_MAX);
    }
    if (cke_rsp_decode(p, len, &r) == 0) {
        check(r.sense_len <= SCSI_SENSE_BUFFERSIZE);
        check(len == CKE_RSP_FIXED + r.data_in_xfer);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cke_asm_table t = { 0 };
    size_t off = 0;

    while (off + 3 <= size) {
        uint32_t src = data[off];
        size_t len = (size_t)data[off + 1] | ((size_t)data[off + 2] << 8);
        struct cke_asm *done = NULL;
        int rc;

        off += 3;
        if (len > size - off)
            len = size - off;
        decode_body(data + off, len);
        rc = cke__asm_add(&t, src, data + off, len, 1000, &done);
        check(t.n <= CKE_ASM_MAX);
        if (rc == 1) {
            check(done && done->r.total_len >= 1 && done->r.total_len <= CKE_BODY_MAX && done->src == src);
            decode_body(done->r.body, done->r.total_len);
            cke__asm_free(done);
        } else {
            check(!done);
        }
        off += len;
    }
    cke__asm_clear(&t);
    return 0;
}
