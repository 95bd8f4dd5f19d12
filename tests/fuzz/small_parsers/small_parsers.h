/* SPDX-License-Identifier: MIT */
/*
 * small_parsers.h - the families of fuzz_small_parsers.c: one file per
 * parser family, each an entry point that takes the input after the
 * family-selecting first byte. Shared here: exactly-sized heap copies of
 * the input (so ASan sees any read past it), a reader that turns input
 * bytes into values for the generating direction, and the check that
 * aborts with the failed condition.
 */
#ifndef FUZZ_SMALL_PARSERS_H
#define FUZZ_SMALL_PARSERS_H

#include <stddef.h>
#include <stdint.h>

void fuzz_kv(const uint8_t *data, size_t size);           /* xen/util/kv.c */
void fuzz_perms(const uint8_t *data, size_t size);        /* xen/plat/loop/plat_loop_perms.c */
void fuzz_vke_stats(const uint8_t *data, size_t size);    /* daemon/vke_stats_text.c */
void fuzz_client_proto(const uint8_t *data, size_t size); /* xen/client/client_proto.c */
void fuzz_greeting(const uint8_t *data, size_t size);     /* xen/plat/loop/plat_loop_greeting.c */
void fuzz_numbers(const uint8_t *data, size_t size);      /* xen/util/parse.c */
void fuzz_paths(const uint8_t *data, size_t size);        /* xen/plat/plat.c, xen/plat/loop/plat_loop_fs.c */
void fuzz_login_req(const uint8_t *data, size_t size);    /* daemon/login_req.c */
void fuzz_db_preempt(const uint8_t *data, size_t size);   /* xen/db/db_preempt.c */

/* Abort (a crash libFuzzer reports with its input) unless cond holds. */
#define FUZZ_REQUIRE(cond) do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond); } while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* malloc'd copy of exactly size bytes (at least one byte is allocated, none of it readable beyond size). */
uint8_t *fuzz_copy(const uint8_t *data, size_t size);
/* malloc'd NUL-terminated copy: size bytes + the NUL (an embedded NUL ends the string early). */
char *fuzz_strdup(const uint8_t *data, size_t size);

/* Values drawn from the input, front to back; 0 once it is used up. */
struct fuzz_bytes {
    const uint8_t *p;
    size_t n;
};
uint8_t  fuzz_u8(struct fuzz_bytes *b);
uint16_t fuzz_u16(struct fuzz_bytes *b);
uint32_t fuzz_u32(struct fuzz_bytes *b);
uint64_t fuzz_u64(struct fuzz_bytes *b);
/* Up to max bytes of the input, as they are (*len set; points into the input). */
const uint8_t *fuzz_take(struct fuzz_bytes *b, size_t max, size_t *len);

#endif /* FUZZ_SMALL_PARSERS_H */
