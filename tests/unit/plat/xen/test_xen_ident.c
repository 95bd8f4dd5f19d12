/* SPDX-License-Identifier: MIT */
/*
 * test_xen_ident.c - identity on Xen against faked libxenstore/libxenctrl:
 * self domid from the relative "domid" key, domain info from libxenctrl
 * (liveness, uuid from the domain handle) and the XenStore-only fallback of
 * an unprivileged domU, lookup by domid or name as xl takes them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/plat/xen/xen_mock.h"
#include "xvios/platform.h"

#define UUID5 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

static int setup(void **state)
{
    (void)state;
    mock_xen_reset();
    mock_domain_add(0, "Domain-0", NULL);
    mock_domain_add(5, "vios1", UUID5);
    mock_domain_add(7, "client", "11111111-2222-3333-4444-555555555555");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mock_xen_reset();
    return 0;
}

static xvios_plat *open_as(uint32_t domid, bool privileged)
{
    struct xvios_plat_config cfg = {.kind = XVIOS_PLAT_XEN};
    xvios_plat *p = NULL;

    mock_xen.open_domid = domid;
    mock_xen.xc_available = privileged;
    assert_int_equal(xvios_plat_open(&cfg, &p), 0);
    return p;
}

static void test_self_domid(void **state)
{
    xvios_plat *p = open_as(5, false);
    uint32_t d = 99;

    (void)state;
    assert_int_equal(xvios_plat_self_domid(p, &d), 0);
    assert_int_equal(d, 5);
    xvios_plat_close(p);
}

static void test_self_domid_rejects_garbage(void **state)
{
    xvios_plat *p = open_as(9, false);
    uint32_t d = 99;

    (void)state;
    mock_xs_put("/local/domain/9/domid", "9x", 2);
    assert_int_equal(xvios_plat_self_domid(p, &d), -EINVAL);
    mock_xs_put("/local/domain/9/domid", "40000", 5); /* beyond DOMID_FIRST_RESERVED */
    assert_int_equal(xvios_plat_self_domid(p, &d), -EINVAL);
    assert_int_equal(d, 99);
    /* a name that starts with a digit is still a name, as xl reads it */
    mock_domain_add(9, "5abc", NULL);
    assert_int_equal(xvios_plat_domain_lookup(p, "5abc", &d), 0);
    assert_int_equal(d, 9);
    xvios_plat_close(p);
}

static void test_info_from_hypervisor(void **state)
{
    xvios_plat *p = open_as(0, true);
    struct xvios_dominfo info;

    (void)state;
    assert_int_equal(xvios_plat_domain_info(p, 5, &info), 0);
    assert_int_equal(info.domid, 5);
    assert_string_equal(info.name, "vios1");
    assert_string_equal(info.uuid, UUID5);
    assert_true(info.alive);
    /* a dying domain is not alive, though it still exists */
    mock_domain_set_dying(5, true);
    assert_int_equal(xvios_plat_domain_info(p, 5, &info), 0);
    assert_false(info.alive);
    /* getinfo returns the next domain up: that must not be taken for domain 6 */
    assert_int_equal(xvios_plat_domain_info(p, 6, &info), -ENOENT);
    assert_int_equal(xvios_plat_domain_info(p, 8, &info), -ENOENT);
    assert_int_equal(xvios_plat_domain_info(p, 0x7ff0, &info), -ENOENT);
    xvios_plat_close(p);
}

static void test_info_store_only_fallback(void **state)
{
    xvios_plat *p = open_as(7, false); /* a domU: no privcmd */
    struct xvios_dominfo info;

    (void)state;
    assert_int_equal(xvios_plat_domain_info(p, 5, &info), 0);
    assert_true(info.alive);
    assert_string_equal(info.name, "vios1");
    assert_string_equal(info.uuid, UUID5);
    /* a malformed vm path gives no uuid rather than garbage */
    mock_xs_put("/local/domain/5/vm", "/vm/not-a-uuid", 14);
    assert_int_equal(xvios_plat_domain_info(p, 5, &info), 0);
    assert_string_equal(info.uuid, "");
    /* gone from the store: gone */
    mock_domain_destroy(5);
    assert_int_equal(xvios_plat_domain_info(p, 5, &info), -ENOENT);
    xvios_plat_close(p);
}

static void test_lookup(void **state)
{
    xvios_plat *p = open_as(0, true);
    uint32_t d = 99;

    (void)state;
    assert_int_equal(xvios_plat_domain_lookup(p, "vios1", &d), 0);
    assert_int_equal(d, 5);
    assert_int_equal(xvios_plat_domain_lookup(p, "7", &d), 0);
    assert_int_equal(d, 7);
    assert_int_equal(xvios_plat_domain_lookup(p, "Domain-0", &d), 0);
    assert_int_equal(d, 0);
    d = 99;
    assert_int_equal(xvios_plat_domain_lookup(p, "nosuch", &d), -ENOENT);
    assert_int_equal(xvios_plat_domain_lookup(p, "6", &d), -ENOENT);
    assert_int_equal(xvios_plat_domain_lookup(p, "05", &d), -ENOENT);
    assert_int_equal(xvios_plat_domain_lookup(p, "5abc", &d), -ENOENT);
    assert_int_equal(xvios_plat_domain_lookup(p, "", &d), -EINVAL);
    assert_int_equal(d, 99);
    xvios_plat_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_self_domid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_domid_rejects_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_from_hypervisor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_store_only_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
