/* SPDX-License-Identifier: MIT */
/* loop_fixture.h - shared by the loopback unit tests: a fresh cluster root per test, handles per domid. */
#ifndef XVIOS_TEST_LOOP_FIXTURE_H
#define XVIOS_TEST_LOOP_FIXTURE_H

#include <stdint.h>
#include "xvios/platform.h"

struct loop_fixture {
    char root[64];
    xvios_plat *dom0;
};

/* mkdtemp a root and open a dom0 handle on it; 0 or -errno. */
int  loop_fixture_setup(struct loop_fixture *f);
/* close the dom0 handle and remove the root. */
void loop_fixture_teardown(struct loop_fixture *f);
/* A handle on root acting as domid (NULL on failure). */
xvios_plat *loop_fixture_open(const char *root, uint32_t domid);
/* cmocka group/test setup and teardown: *state is a fresh struct loop_fixture (calloc'd). */
int  loop_fixture_cmocka_setup(void **state);
int  loop_fixture_cmocka_teardown(void **state);
#define LOOP_FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, loop_fixture_cmocka_setup, loop_fixture_cmocka_teardown)
/* rm -r */
int  loop_fixture_rmtree(const char *path);
/* Write raw bytes to ROOT/relpath (to damage backing files in tests). */
int  loop_fixture_put_file(const char *root, const char *relpath, const void *buf, size_t len);

#endif
