/* SPDX-License-Identifier: MIT */
/*
 * scsi_memstore.h - an in-memory backing store for the SCSI target's tests
 * and fuzzer. It stores bytes and block allocation, queues every op and
 * completes it only when the test says so (memstore_run*), applying the data
 * at completion time, and injects errors: failing ops over a byte range,
 * refusing the next submit.
 */
#ifndef XVIOS_TESTS_SCSI_MEMSTORE_H
#define XVIOS_TESTS_SCSI_MEMSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/scsi/scsi_backing.h"

struct memstore;

enum memstore_kind { MS_READ = 1, MS_WRITE = 2, MS_FLUSH = 4, MS_DISCARD = 8, MS_ZEROES = 16, MS_ANY = 31 };

extern const struct scsi_backing_ops memstore_ops;

struct memstore *memstore_new(uint64_t size, uint32_t block_size);
void memstore_free(struct memstore *ms);
uint8_t *memstore_data(struct memstore *ms);
void memstore_set(struct memstore *ms, bool read_only, bool can_discard, bool discard_zeroes, uint32_t mem_align);
int memstore_resize(struct memstore *ms, uint64_t size);
/* Ops of these kinds touching [off, off+len) complete with err (negative errno). */
void memstore_fail(struct memstore *ms, unsigned kinds, uint64_t off, uint64_t len, int err);
/* The next submit returns rc instead of queueing. */
void memstore_refuse_next(struct memstore *ms, int rc);
/* Ops of these kinds complete with result - 1 bytes (a short transfer). */
void memstore_short(struct memstore *ms, unsigned kinds);
unsigned memstore_queued(const struct memstore *ms);
/* Kind of the i-th queued op (0 = oldest), or 0. */
unsigned memstore_kind_at(const struct memstore *ms, unsigned i);
/* Completes the oldest queued op; false if none. */
bool memstore_run_one(struct memstore *ms);
/* Completes ops (including those queued by completions) until none is left; returns how many. */
unsigned memstore_run(struct memstore *ms);
struct memstore_counts { unsigned reads, writes, fua_writes, flushes, discards, zeroes; };
const struct memstore_counts *memstore_counts(const struct memstore *ms);

#endif /* XVIOS_TESTS_SCSI_MEMSTORE_H */
