/* SPDX-License-Identifier: MIT */
/*
 * scsi_fixture.h - a SCSI target over an in-memory LU for the unit tests:
 * one dev with the LU at LUN 0, two I_T nexuses, and a way to run a command
 * to completion and look at its status and sense.
 */
#ifndef XVIOS_TESTS_SCSI_FIXTURE_H
#define XVIOS_TESTS_SCSI_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_dev.h"
#include "scsi_memstore.h"

#define FX_BLOCKS 2048u
#define FX_BS     512u

struct fx {
    struct memstore *ms;
    struct scsi_lu *lu;
    struct scsi_dev *dev;
    struct scsi_nexus a, b;
    uint8_t in[65536];
};

/* A tracked command: done count and the copy of its results. */
struct fx_cmd {
    struct scsi_cmd cmd;
    unsigned done;
};

struct fx *fx_new(uint64_t blocks, uint32_t bs, bool read_only);
void fx_free(struct fx *f);
/* Clears the POWER ON/RESET unit attention of both nexuses (a TEST UNIT READY each). */
void fx_clear_ua(struct fx *f);

/* Prepares c (no submit). */
void fx_prep(struct fx_cmd *c, const struct scsi_nexus *n, uint32_t lun, const uint8_t *cdb, uint8_t cdb_len,
             void *in, uint32_t in_len, const void *out, uint32_t out_len);
void fx_submit(struct fx *f, struct fx_cmd *c);
/* Submits and runs the store until the command completed (exactly once, asserted). Returns status. */
int fx_run(struct fx *f, struct fx_cmd *c, const struct scsi_nexus *n, const uint8_t *cdb, uint8_t cdb_len,
           void *in, uint32_t in_len, const void *out, uint32_t out_len);
/* Shorthand on nexus a, LUN 0, data-in into f->in. */
int fx_cdb(struct fx *f, struct fx_cmd *c, const uint8_t *cdb, uint8_t cdb_len, uint32_t in_len);
/* Asserts CHECK CONDITION with fixed-format sense key/asc(/ascq). */
void fx_assert_sense(const struct fx_cmd *c, uint8_t key, uint16_t asc);
/* Asserts the fixed-format field pointer: in_cdb, byte, bit (-1: none). */
void fx_assert_field(const struct fx_cmd *c, bool in_cdb, uint16_t field, int bit);

#endif /* XVIOS_TESTS_SCSI_FIXTURE_H */
