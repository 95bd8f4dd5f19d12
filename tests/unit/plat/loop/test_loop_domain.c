/* SPDX-License-Identifier: MIT */
/*
 * test_loop_domain.c - loopback identity: self_domid, the domain registry of
 * xvios/loopback.h (create/set_pid/destroy, privileged only), domain_info
 * (alive follows the recorded process), domain_lookup by id and name, each
 * domain's /local/domain/<domid> home, and a damaged registry.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/loop_fixture.h"
#include "xvios/loopback.h"


static void test_self_and_dom0(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    struct xvios_dominfo info;
    uint32_t id = 99;

    assert_non_null(d5);
    assert_int_equal(xvios_plat_self_domid(f->dom0, &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(xvios_plat_self_domid(d5, &id), 0);
    assert_int_equal(id, 5);
    assert_int_equal(xvios_plat_domain_info(d5, 0, &info), 0);
    assert_string_equal(info.name, "Domain-0");
    assert_true(info.alive);
    assert_int_equal(xvios_plat_domain_lookup(d5, "Domain-0", &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(xvios_plat_domain_lookup(d5, "0", &id), 0);
    assert_int_equal(xvios_plat_domain_info(d5, 4, &info), -ENOENT);
    assert_int_equal(xvios_plat_domain_lookup(d5, "4", &id), -ENOENT);
    assert_int_equal(xvios_plat_domain_lookup(d5, "nobody", &id), -ENOENT);
    assert_string_equal(xvios_plat_kind_name(xvios_plat_kind(d5)), "loopback");
    xvios_plat_close(d5);
}

static void test_create_lookup_destroy(void **state)
{
    struct loop_fixture *f = *state;
    xvios_plat *d5 = loop_fixture_open(f->root, 5);
    struct xvios_dominfo info, again;
    struct xvios_perm *perms = NULL;
    unsigned n = 0;
    char *v = NULL;
    uint32_t id = 0;

    assert_non_null(d5);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "vios-a"), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 6, "vios-b"), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "other"), -EEXIST);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 7, "vios-a"), -EEXIST);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 0, "zero"), -EINVAL);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 7, "123"), -EINVAL);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 7, "has/slash"), -EINVAL);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 7, "Domain-0"), -EINVAL);
    assert_int_equal(xvios_loop_domain_create(f->dom0, XVIOS_DOMID_LIMIT, "big"), -EINVAL);
    assert_int_equal(xvios_loop_domain_create(d5, 8, "sneaky"), -EPERM);   /* unprivileged */
    assert_int_equal(xvios_loop_domain_destroy(d5, 6), -EPERM);

    assert_int_equal(xvios_plat_domain_info(d5, 5, &info), 0);
    assert_int_equal(info.domid, 5);
    assert_string_equal(info.name, "vios-a");
    assert_int_equal(strlen(info.uuid), 36);
    assert_int_equal(info.uuid[14], '4');   /* a random (version 4) uuid */
    assert_true(info.alive);                /* no process recorded */
    assert_int_equal(xvios_plat_domain_info(d5, 6, &again), 0);
    assert_string_not_equal(info.uuid, again.uuid);
    assert_int_equal(xvios_plat_domain_lookup(d5, "vios-b", &id), 0);
    assert_int_equal(id, 6);
    assert_int_equal(xvios_plat_domain_lookup(d5, "5", &id), 0);
    assert_int_equal(id, 5);
    assert_int_equal(xvios_plat_domain_lookup(d5, "05", &id), -ENOENT);  /* not a domid, no such name */

    /* the domain's store home belongs to it */
    assert_int_equal(xvios_store_read(d5, XVIOS_TX_NONE, "/local/domain/5/name", &v, NULL), 0);
    assert_string_equal(v, "vios-a");
    free(v);
    assert_int_equal(xvios_store_get_perms(f->dom0, XVIOS_TX_NONE, "/local/domain/5", &perms, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(perms[0].domid, 5);
    assert_int_equal(perms[0].perm, XVIOS_PERM_NONE);
    free(perms);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/5/data/x", "1", 1), 0);
    assert_int_equal(xvios_store_write(d5, XVIOS_TX_NONE, "/local/domain/6/data/x", "1", 1), -EACCES);

    assert_int_equal(xvios_loop_domain_destroy(f->dom0, 5), 0);
    assert_int_equal(xvios_loop_domain_destroy(f->dom0, 5), -ENOENT);
    assert_int_equal(xvios_plat_domain_info(d5, 5, &info), -ENOENT);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/local/domain/5/name", &v, NULL), -ENOENT);
    /* the id and the name are free again, with a fresh home */
    assert_int_equal(xvios_loop_domain_create(f->dom0, 5, "vios-a"), 0);
    assert_int_equal(xvios_store_read(f->dom0, XVIOS_TX_NONE, "/local/domain/5/data/x", &v, NULL), -ENOENT);
    xvios_plat_close(d5);
}

static void test_alive_follows_process(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;
    int status;
    pid_t pid;

    assert_int_equal(xvios_loop_domain_create(f->dom0, 3, "worker"), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(60);
        pause();
        _exit(0);
    }
    assert_int_equal(xvios_loop_domain_set_pid(f->dom0, 3, pid), 0);
    assert_int_equal(xvios_loop_domain_set_pid(f->dom0, 4, pid), -ENOENT);
    assert_int_equal(xvios_loop_domain_set_pid(f->dom0, 3, 0), -EINVAL);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 3, &info), 0);
    assert_true(info.alive);
    kill(pid, SIGKILL);
    /* a zombie is no running domain; wait until the kernel says it is one */
    for (int i = 0; i < 200; i++) {
        assert_int_equal(xvios_plat_domain_info(f->dom0, 3, &info), 0);
        if (!info.alive)
            break;
        usleep(10000);
    }
    assert_false(info.alive);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 3, &info), 0);
    assert_false(info.alive);
}

static void test_damaged_registry(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;
    uint32_t id;

    assert_int_equal(xvios_loop_domain_create(f->dom0, 3, "fine"), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 4, "damaged"), 0);
    assert_int_equal(loop_fixture_put_file(f->root, "domains/4/uuid", "not-a-uuid", 10), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 4, &info), -EIO);
    assert_int_equal(loop_fixture_put_file(f->root, "domains/3/pid", "12x\n", 4), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 3, &info), -EIO);
    assert_int_equal(loop_fixture_put_file(f->root, "domains/3/pid", "1\n", 2), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 3, &info), 0);
    assert_int_equal(xvios_plat_domain_lookup(f->dom0, "damaged", &id), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_self_and_dom0),
        LOOP_FIXTURE_TEST(test_create_lookup_destroy),
        LOOP_FIXTURE_TEST(test_alive_follows_process),
        LOOP_FIXTURE_TEST(test_damaged_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
