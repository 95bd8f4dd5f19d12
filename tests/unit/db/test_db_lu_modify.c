/* SPDX-License-Identifier: MIT */
/*
 * test_db_lu_modify.c - dom0 grows an LU and sets its read-only flag
 * (xvios_db_lu_modify): the entry as written and as read back (WWN, serial,
 * offset unchanged); each refusal (no such LU, bad name, shrink, a size not
 * aligned, beyond the backing, overlapping the next LU, nothing to change, a
 * VIOS's write) leaves the entry as it was; the leaves keep the pool's
 * permissions (dom0's, READ for the member).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/db.h"
#include "xvios/db_lu.h"
#include "xvios/loopback.h"

#define MiB (UINT64_C(1) << 20)

static const struct xvios_db_config cfg = { .name = "modify-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };

static void same_entry(const struct xvios_db_lu *a, const struct xvios_db_lu *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->backing, b->backing);
    assert_int_equal(a->offset, b->offset);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->read_only, b->read_only);
    assert_memory_equal(a->wwn, b->wwn, sizeof(a->wwn));
    assert_string_equal(a->serial, b->serial);
}

static void test_grow_and_flag(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_db_lu_spec s1 = { .name = "lu1", .backing = "/dev/xvdb", .offset = 0, .size = 16 * MiB },
                            s2 = { .name = "lu2", .backing = "/dev/xvdb", .offset = 64 * MiB, .size = 16 * MiB };
    struct xvios_db_lu a, b, got, before;
    struct xvios_db_lu_change ch;
    struct xvios_dominfo info;
    struct xvios_perm *perms = NULL;
    unsigned np = 0;
    uint32_t node = 0;
    xvios_plat *vios;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "vios1"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 5, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    assert_int_equal(xvios_db_lu_create(f->dom0, &s1, &a), 0);
    assert_int_equal(xvios_db_lu_create(f->dom0, &s2, &b), 0);

    /* grow lu1 to 64 MiB (up to lu2): written, read back, identity kept */
    ch = (struct xvios_db_lu_change){ .size = 64 * MiB, .read_only = -1, .backing_size = 128 * MiB };
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, &got), 0);
    assert_int_equal(got.size, 64 * MiB);
    a.size = 64 * MiB;
    same_entry(&got, &a);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu1", &got), 0);
    same_entry(&got, &a);
    /* the read-only flag, on and off */
    ch = (struct xvios_db_lu_change){ .read_only = 1 };
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, &got), 0);
    assert_true(got.read_only);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu1", &got), 0);
    assert_true(got.read_only);
    ch.read_only = 0;
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, NULL), 0);
    /* the leaves keep the pool's permissions: dom0's, READ for the member */
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, "/xvios/pool/lus/lu1/size", &perms, &np), 0);
    assert_int_equal(np, 2);
    assert_int_equal(perms[0].domid, 0);
    assert_int_equal(perms[0].perm, XVIOS_PERM_NONE);
    assert_int_equal(perms[1].domid, 5);
    assert_int_equal(perms[1].perm, XVIOS_PERM_READ);
    free(perms);

    /* refusals: each leaves lu1 as it is */
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu1", &before), 0);
    ch = (struct xvios_db_lu_change){ .size = 32 * MiB, .read_only = -1 };
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, NULL), -ERANGE);          /* shrink */
    ch.size = 64 * MiB + 512;
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, NULL), -EDOM);            /* not aligned */
    ch.size = 65 * MiB;
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, NULL), -EADDRINUSE);      /* into lu2 */
    ch = (struct xvios_db_lu_change){ .size = 16 * MiB + 64 * MiB, .read_only = -1, .backing_size = 72 * MiB };
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu2", &ch, NULL), -EFBIG);           /* past the backing */
    ch = (struct xvios_db_lu_change){ .size = 64 * MiB, .read_only = 0 };
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, NULL), -EALREADY);        /* nothing to change */
    assert_int_equal(xvios_db_lu_modify(f->dom0, "nolu", &ch, NULL), -ENOENT);
    assert_int_equal(xvios_db_lu_modify(f->dom0, "../x", &ch, NULL), -EINVAL);
    ch.read_only = 2;
    assert_int_equal(xvios_db_lu_modify(f->dom0, "lu1", &ch, NULL), -EINVAL);
    vios = loop_fixture_open(f->root, 5);
    assert_non_null(vios);
    ch = (struct xvios_db_lu_change){ .read_only = 1 };
    assert_int_equal(xvios_db_lu_modify(vios, "lu1", &ch, NULL), -EACCES);              /* a VIOS's write */
    xvios_plat_close(vios);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "lu1", &got), 0);
    same_entry(&got, &before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_grow_and_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
