/* SPDX-License-Identifier: MIT */
/*
 * test_storage_info.c - the storage report's text (xvios/storage_info.h):
 * a round trip of every kind of line, truncation at the payload limit, and
 * hostile input (bad fields, over-long lines, too many lines, a NUL, node
 * not first, duplicates) refused with the error the header promises.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xvios/naa.h"
#include "xvios/storage_info.h"
#include "xvios/wire.h"

static struct xvios_storage_info *si_new(void)
{
    struct xvios_storage_info *si = calloc(1, sizeof(*si));
    assert_non_null(si);
    return si;
}

static void fill(struct xvios_storage_info *si)
{
    si->node = 2;
    snprintf(si->vios, sizeof(si->vios), "vios-2");
    si->n_backings = 2;
    si->backings[0] = (struct xvios_si_backing){ .state = XVIOS_SI_OK, .size = 33554432,
                                                 .id_source = XVIOS_SI_ID_ENGINE };
    snprintf(si->backings[0].id, sizeof(si->backings[0].id), "65254a574478dfebe88996e0b36f6132");
    snprintf(si->backings[0].path, sizeof(si->backings[0].path), "/srv/disk one.img");
    si->backings[1] = (struct xvios_si_backing){ .state = XVIOS_SI_ABSENT, .id_source = XVIOS_SI_ID_DEVICE };
    snprintf(si->backings[1].id, sizeof(si->backings[1].id), "t10.ATA QEMU HARDDISK");   /* spaces become '_' */
    snprintf(si->backings[1].path, sizeof(si->backings[1].path), "/dev/sdb");
    si->n_pools = 1;
    si->pools[0] = (struct xvios_si_pool){ .id = "5a27ccc29", .lus = 3, .reachable = 2 };
    si->n_lus = 2;
    si->lus[0] = (struct xvios_si_lu){ .wwn = "65254a55a27ccc290000000000000001", .size = 16777216, .name = "db1",
                                       .path = "/srv/disk one.img" };
    si->lus[1] = (struct xvios_si_lu){ .wwn = "65254a574478dfebe88996e0b36f6132", .size = 4096, .name = "-",
                                       .path = "/dev/sdb" };
    si->n_vhosts = 1;
    si->vhosts[0] = (struct xvios_si_vhost){ .client = 7, .devid = 3, .h = 3, .c = 0, .t = 1, .l = 255,
                                             .read_only = true, .lun_state = 4,
                                             .wwn = "65254a55a27ccc290000000000000001", .client_name = "client a" };
    si->n_uses = 2;
    si->uses[0] = (struct xvios_si_use){ .client = 7, .h = 3, .t = 1, .l = 255, .node = 2, .read_only = true,
                                         .pool_lu = "db1", .path = "/srv/disk one.img" };
    si->uses[1] = (struct xvios_si_use){ .client = 32751, .h = 65535, .t = 63, .l = 0, .node = 256,
                                         .pool_lu = "", .path = "/dev/sdb" };
}

static void round_trip(void **state)
{
    static char buf[XVIOS_MAX_PAYLOAD];
    static const char want[] =
        "node=2\nvios=vios-2\n"
        "backing=ok 33554432 engine 65254a574478dfebe88996e0b36f6132 /srv/disk one.img\n"
        "backing=absent 0 device t10.ATA_QEMU_HARDDISK /dev/sdb\n"
        "pool=5a27ccc29 3 2\n"
        "lu=65254a55a27ccc290000000000000001 16777216 db1 /srv/disk one.img\n"
        "lu=65254a574478dfebe88996e0b36f6132 4096 - /dev/sdb\n"
        "vhost=7 3 3:0:1:255 r 4 65254a55a27ccc290000000000000001 client_a\n"
        "use=7 3:0:1:255 2 r db1 /srv/disk one.img\n"
        "use=32751 65535:0:63:0 256 w - /dev/sdb\n";
    struct xvios_storage_info *si = si_new(), *back = si_new();
    size_t len;

    (void)state;
    fill(si);
    assert_int_equal(xvios_storage_info_encode(si, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
    assert_int_equal(xvios_storage_info_decode(buf, len, back), 0);
    assert_int_equal(back->node, 2);
    assert_string_equal(back->vios, "vios-2");
    assert_false(back->truncated);
    assert_int_equal(back->n_backings, 2);
    assert_int_equal(back->backings[0].size, 33554432);
    assert_int_equal(back->backings[0].state, XVIOS_SI_OK);
    assert_int_equal(back->backings[0].id_source, XVIOS_SI_ID_ENGINE);
    assert_string_equal(back->backings[0].path, "/srv/disk one.img");
    assert_int_equal(back->backings[1].state, XVIOS_SI_ABSENT);
    assert_int_equal(back->backings[1].id_source, XVIOS_SI_ID_DEVICE);
    assert_string_equal(back->backings[1].id, "t10.ATA_QEMU_HARDDISK");
    assert_int_equal(back->n_pools, 1);
    assert_string_equal(back->pools[0].id, "5a27ccc29");
    assert_int_equal(back->pools[0].reachable, 2);
    assert_int_equal(back->n_lus, 2);
    assert_string_equal(back->lus[1].name, "-");
    assert_int_equal(back->n_vhosts, 1);
    assert_int_equal(back->vhosts[0].l, 255);
    assert_true(back->vhosts[0].read_only);
    assert_string_equal(back->vhosts[0].client_name, "client_a");
    assert_int_equal(back->n_uses, 2);
    assert_int_equal(back->uses[1].client, 32751);
    assert_int_equal(back->uses[1].node, 256);
    assert_false(back->uses[1].read_only);
    assert_string_equal(back->uses[1].pool_lu, "-");
    free(si);
    free(back);
}

/* More uses than one payload holds: the encoder stops at a line and says so; the result decodes. */
static void truncated_at_the_limit(void **state)
{
    static char buf[XVIOS_MAX_PAYLOAD];
    struct xvios_storage_info *si = si_new(), *back = si_new();
    size_t len;

    (void)state;
    si->node = 1;
    snprintf(si->vios, sizeof(si->vios), "v");
    si->n_uses = XVIOS_SI_MAX_USES;
    for (unsigned i = 0; i < si->n_uses; i++) {
        si->uses[i] = (struct xvios_si_use){ .client = 1 + i, .node = 1, .pool_lu = "-" };
        snprintf(si->uses[i].path, sizeof(si->uses[i].path), "/%0100u", i);
    }
    assert_int_equal(xvios_storage_info_encode(si, buf, sizeof(buf), &len), 0);
    assert_true(len <= sizeof(buf));
    assert_memory_equal(buf + len - 12, "truncated=1\n", 12);
    assert_int_equal(xvios_storage_info_decode(buf, len, back), 0);
    assert_true(back->truncated);
    assert_true(back->n_uses > 100 && back->n_uses < XVIOS_SI_MAX_USES);
    assert_int_equal(back->uses[back->n_uses - 1].client, back->n_uses);
    /* the smallest buffer: still a valid report, cut after the node's name (here the longest one) */
    memset(si->vios, 'v', XVIOS_SI_WORD_MAX);
    si->vios[XVIOS_SI_WORD_MAX] = '\0';
    si->node = XVIOS_NODE_ID_MAX;   /* the longest id: a multi-host one, 10 digits */
    assert_int_equal(xvios_storage_info_encode(si, buf, XVIOS_SI_MIN_CAP, &len), 0);
    assert_int_equal(xvios_storage_info_decode(buf, len, back), 0);
    assert_true(back->truncated);
    assert_int_equal(back->n_uses, 0);
    assert_int_equal(back->node, XVIOS_NODE_ID_MAX);
    assert_string_equal(back->vios, si->vios);
    assert_int_equal(xvios_storage_info_encode(si, buf, XVIOS_SI_MIN_CAP - 1, &len), -EINVAL);
    si->node = 0;
    assert_int_equal(xvios_storage_info_encode(si, buf, sizeof(buf), &len), -EINVAL);
    free(si);
    free(back);
}

static int dec(const char *text, struct xvios_storage_info *si)
{
    return xvios_storage_info_decode(text, strlen(text), si);
}

static void hostile(void **state)
{
    static const char *const bad[] = {
        "",                                                   /* nothing */
        "vios=a\nnode=1\n",                                   /* node not first */
        "node=0\nvios=a\n", "node=4294967296\nvios=a\n", "node=01\nvios=a\n", "node=1",   /* bad node, unterminated */
        "node=1\n",                                           /* no vios */
        "node=1\nvios=a\nvios=b\n", "node=1\nvios=a b\n", "node=1\nvios=\n",
        "node=1\nvios=a\nnode=1\n",
        "node=1\nvios=a\nbacking=ok 1 engine x relative/path\n",
        "node=1\nvios=a\nbacking=ok 1 engine x /a/../b\n",
        "node=1\nvios=a\nbacking=gone 1 engine x /a\n",
        "node=1\nvios=a\nbacking=ok 1 magic x /a\n",
        "node=1\nvios=a\nbacking=absent 5 engine x /a\n",   /* a size for a backing not there */
        "node=1\nvios=a\nbacking=ok 01 engine x /a\n",
        "node=1\nvios=a\nbacking=ok 18446744073709551616 engine x /a\n",
        "node=1\nvios=a\nbacking=ok 1 engine x\n",          /* no path */
        "node=1\nvios=a\npool=5a27ccc2 1 1\n", "node=1\nvios=a\npool=5a27ccc2Z 1 1\n",
        "node=1\nvios=a\npool=5a27ccc29 1 2\n",              /* more reachable than LUs */
        "node=1\nvios=a\npool=5a27ccc29 1 1 1\n",
        "node=1\nvios=a\nlu=- 1 x /a\n", "node=1\nvios=a\nlu=65254A55A27CCC290000000000000001 1 x /a\n",
        "node=1\nvios=a\nlu=65254a55a27ccc29000000000000001 1 x /a\n",
        "node=1\nvios=a\nlu=65254a55a27ccc290000000000000001 1 .x /a\n",
        "node=1\nvios=a\nvhost=7 0 0:1:0:0 w 4 - c\n",       /* channel 1 */
        "node=1\nvios=a\nvhost=7 0 0:0:64:0 w 4 - c\n", "node=1\nvios=a\nvhost=7 0 0:0:0:256 w 4 - c\n",
        "node=1\nvios=a\nvhost=7 0 0:0:0 w 4 - c\n", "node=1\nvios=a\nvhost=7 0 0:0:0:0: w 4 - c\n",
        "node=1\nvios=a\nvhost=7 0 0:0:0:0 x 4 - c\n", "node=1\nvios=a\nvhost=7 0 0:0:0:0 w 9 - c\n",
        "node=1\nvios=a\nvhost=32752 0 0:0:0:0 w 4 - c\n", "node=1\nvios=a\nvhost=7 65536 0:0:0:0 w 4 - c\n",
        "node=1\nvios=a\nvhost=7 0 0:0:0:0 w 4 - c d\n", "node=1\nvios=a\nvhost=7  0 0:0:0:0 w 4 - c\n",
        "node=1\nvios=a\nuse=7 0:0:0:0 0 w - /a\n", "node=1\nvios=a\nuse=7 0:0:0:0 4294967296 w - /a\n",
        "node=0770\nvios=a\n",
        "node=1\nvios=a\nuse=7 0:0:0:0 1 w -x /a\n", "node=1\nvios=a\nuse=7 0:0:0:0 1 w - a\n",
        "node=1\nvios=a\ntruncated=2\n", "node=1\nvios=a\ntruncated=1\nuse=7 0:0:0:0 1 w - /a\n",
        "node=1\nvios=a\nnoequals\n", "node=1\nvios=a\n=x\n",
    };
    struct xvios_storage_info *si = si_new();
    char *big;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = dec(bad[i], si);
        if (rc != -EINVAL)
            fail_msg("case %zu (%s): %d, wanted -EINVAL", i, bad[i], rc);
    }
    /* a NUL inside a line */
    assert_int_equal(xvios_storage_info_decode("node=1\nvios=a\nuse=7 0:0:0:0 1 w - /a\0b\n", 33, si), -EINVAL);
    /* an unknown key is skipped; a huge one is not */
    assert_int_equal(dec("node=1\nvios=a\nfuture=thing\n", si), 0);
    big = malloc(XVIOS_MAX_PAYLOAD + 2);
    assert_non_null(big);
    n = (size_t)snprintf(big, XVIOS_MAX_PAYLOAD, "node=1\nvios=a\nfuture=");
    memset(big + n, 'x', 3000);
    memcpy(big + n + 3000, "\n", 2);
    assert_int_equal(xvios_storage_info_decode(big, n + 3001, si), -EINVAL);
    /* a line as long as a payload: refused before anything is copied */
    n = (size_t)snprintf(big, XVIOS_MAX_PAYLOAD, "node=1\nvios=a\nuse=7 0:0:0:0 1 w - /");
    memset(big + n, 'a', XVIOS_MAX_PAYLOAD - n - 1);
    big[XVIOS_MAX_PAYLOAD - 1] = '\n';
    assert_int_equal(xvios_storage_info_decode(big, XVIOS_MAX_PAYLOAD, si), -EINVAL);
    /* more than a payload */
    assert_int_equal(xvios_storage_info_decode(big, XVIOS_MAX_PAYLOAD + 1, si), -E2BIG);
    /* more lines of a kind than its table holds */
    n = (size_t)snprintf(big, XVIOS_MAX_PAYLOAD, "node=1\nvios=a\n");
    for (unsigned i = 0; i <= XVIOS_SI_MAX_POOLS; i++)
        n += (size_t)snprintf(big + n, XVIOS_MAX_PAYLOAD - n, "pool=5a27ccc29 1 1\n");
    assert_int_equal(xvios_storage_info_decode(big, n, si), -E2BIG);
    assert_int_equal(xvios_storage_info_decode(big, n - strlen("pool=5a27ccc29 1 1\n"), si), 0);
    assert_int_equal(si->n_pools, XVIOS_SI_MAX_POOLS);
    free(big);
    free(si);
}

/* The path LU's identity: the serial and NAA the engine serves (the values VPD 0x83 showed on loopback). */
static void path_identity(void **state)
{
    char serial[XVIOS_PATH_SERIAL_LEN + 1];
    uint8_t naa[16];

    (void)state;
    xvios_path_serial("/dev/xvdb", serial, sizeof(serial));
    assert_int_equal(strlen(serial), XVIOS_PATH_SERIAL_LEN);
    assert_memory_equal(serial, "XV", 2);
    xvios_naa_from_serial(0x5254a5u, serial, naa);
    assert_int_equal(naa[0], 0x65);       /* NAA 6, company id 52-54-A5 */
    assert_int_equal(naa[1], 0x25);
    assert_int_equal(naa[2], 0x4a);
    assert_int_equal(naa[3] >> 4, 0x5);
    uint8_t again[16];
    xvios_naa_from_serial(0x5254a5u, serial, again);
    assert_memory_equal(naa, again, 16);
    xvios_path_serial("/dev/xvdc", serial, sizeof(serial));
    xvios_naa_from_serial(0x5254a5u, serial, again);
    assert_memory_not_equal(naa, again, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(truncated_at_the_limit),
        cmocka_unit_test(hostile),
        cmocka_unit_test(path_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
