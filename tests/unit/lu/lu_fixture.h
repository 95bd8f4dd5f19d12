/* SPDX-License-Identifier: MIT */
/*
 * lu_fixture.h - helpers for the LU store tests: temporary backing files
 * under $TMPDIR, completion records, and an event loop that waits on the
 * store's fd and dispatches until enough callbacks ran.
 */
#ifndef XVIOS_TESTS_LU_FIXTURE_H
#define XVIOS_TESTS_LU_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/lu/lu_store.h"

/* One operation's completion: how often its callback ran and with what. */
struct lu_fx_done {
    int calls;
    int64_t result;
    unsigned *counter;     /* optional: bumped on every call */
};

void lu_fx_cb(void *opaque, int64_t result);

/*
 * Creates a temporary file of `size` bytes in dir (NULL = $TMPDIR or /tmp);
 * filled with lu_fx_pattern() when fill, else sparse. Writes its path into
 * path (>= 256 bytes). Returns 0 or -errno.
 */
int lu_fx_tmpfile(const char *dir, uint64_t size, bool fill, char *path);

/* The byte the fixture's pattern holds at offset off (tag varies it per test). */
static inline uint8_t lu_fx_pattern(uint64_t off, uint8_t tag)
{
    return (uint8_t)((off * 131u) ^ (off >> 9) ^ tag);
}
void lu_fx_fill(uint8_t *buf, size_t len, uint64_t off, uint8_t tag);
bool lu_fx_check(const uint8_t *buf, size_t len, uint64_t off, uint8_t tag);

/*
 * Polls the store's fd and dispatches until *counter >= want or timeout_ms
 * passes. Returns true when the count was reached.
 */
bool lu_fx_run(struct lu_store *s, const unsigned *counter, unsigned want, int timeout_ms);
/* Waits for one operation's callback. */
bool lu_fx_wait(struct lu_store *s, struct lu_fx_done *d, int timeout_ms);

#endif /* XVIOS_TESTS_LU_FIXTURE_H */
