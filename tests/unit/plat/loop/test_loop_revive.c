/* SPDX-License-Identifier: MIT */
/*
 * test_loop_revive.c - the platform seam's domain re-creation
 * (xvios_plat_domid_recent, xvios_plat_domain_create_as; `xvios vios
 * revive`) on the loopback platform: arguments are checked before any
 * platform is asked, and the loopback platform answers -EOPNOTSUPP with a
 * message (a loopback "domain" is processes; the Xen side is proven in the
 * rig, scenario 14).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"

static void test_arguments_checked(void **state)
{
    struct loop_fixture *fx = *state;
    char err[128];
    unsigned wait_s = 99;

    assert_int_equal(xvios_plat_domid_recent(fx->dom0, 0, &wait_s), -EINVAL);       /* dom0 is never revived */
    assert_int_equal(wait_s, 0);
    assert_int_equal(xvios_plat_domid_recent(fx->dom0, 0x7ff0, &wait_s), -EINVAL);  /* DOMID_FIRST_RESERVED */
    assert_int_equal(xvios_plat_domain_create_as(fx->dom0, "", 5, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(xvios_plat_domain_create_as(fx->dom0, "/etc/xen/v.cfg", 0, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(xvios_plat_domain_create_as(fx->dom0, "/etc/xen/v.cfg", 5, "not-a-uuid", err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "no uuid"));
}

static void test_loopback_cannot(void **state)
{
    struct loop_fixture *fx = *state;
    char err[128];
    unsigned wait_s = 99;

    assert_int_equal(xvios_plat_domid_recent(fx->dom0, 5, &wait_s), -EOPNOTSUPP);
    assert_int_equal(wait_s, 0);
    assert_int_equal(xvios_plat_domain_create_as(fx->dom0, "/etc/xen/v.cfg", 5,
                                                 "6f1d2a4e-0000-4000-8000-000000000001", err, sizeof(err)),
                     -EOPNOTSUPP);
    assert_non_null(strstr(err, "loopback platform cannot create domains"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_arguments_checked),
        LOOP_FIXTURE_TEST(test_loopback_cannot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
