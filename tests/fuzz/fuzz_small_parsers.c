/* SPDX-License-Identifier: MIT */
/*
 * fuzz_small_parsers.c - libFuzzer target for the small parsers of
 * untrusted text and packets, one family per file in small_parsers/:
 *
 *   'k'  key=value lines            xen/util/kv.c
 *   'p'  store permission files     xen/plat/loop/plat_loop_perms.c
 *   's'  VKE_STATS answers          daemon/vke_stats_text.c
 *   'c'  the caller API protocol    xen/client/client_proto.c
 *   'g'  loopback link greetings    xen/plat/loop/plat_loop_greeting.c
 *   'n'  numbers, domids, uuids     xen/util/parse.c
 *   '/'  store paths                xen/plat/plat.c, xen/plat/loop/plat_loop_fs.c
 *   'l'  CLIENT_LOGIN requests      daemon/login_req.c
 *
 * The first input byte picks the family (its letter, or any other byte
 * modulo the number of families); the rest is that family's input. One
 * binary for all of them keeps `make fuzz` short: each family is tiny and
 * fast, and coverage guidance shares the time between them.
 *
 * Seed corpus: tests/fuzz/corpus/fuzz_small_parsers/, one file per seed,
 * named <family>-<what>; its first byte is the family letter.
 */
#include <stddef.h>
#include <stdint.h>

#include "small_parsers/small_parsers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    char letter;
    void (*run)(const uint8_t *data, size_t size);
} families[] = {
    { 'k', fuzz_kv },
    { 'p', fuzz_perms },
    { 's', fuzz_vke_stats },
    { 'c', fuzz_client_proto },
    { 'g', fuzz_greeting },
    { 'n', fuzz_numbers },
    { '/', fuzz_paths },
    { 'l', fuzz_login_req },
    { 'r', fuzz_db_preempt },
};
#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t f = N_FAMILIES;

    if (size == 0)
        return 0;
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (families[i].letter == (char)data[0])
            f = i;
    if (f == N_FAMILIES)
        f = data[0] % N_FAMILIES;
    families[f].run(data + 1, size - 1);
    return 0;
}
