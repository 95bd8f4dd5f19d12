/* SPDX-License-Identifier: MIT */
/*
 * test_vio_pool.c - the management API's pool object on the loopback store
 * (xvios/vio.h, docs/api.md): create, list (paged with after=), get, modify,
 * delete, each success with its Lifecycle change and each refusal with its
 * VIOException code and nothing changed; an LU created in a named pool; the
 * mappings a list no longer names shown by get; the writes DOM0_ONLY off
 * dom0 while a VIOS reads.
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
#include "xvios/db_pool.h"
#include "xvios/db_vtd.h"
#include "xvios/loopback.h"
#include "xvios/vio.h"

#define REQ(body) "<vioRequest version=\"1\">" body "</vioRequest>"
#define UA "11111111-2222-4333-8444-555555555555"
#define UB "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"

static const struct xvios_db_config cfg = { .name = "api-pool", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };
static char out[XVIOS_VIO_RESPONSE_MAX];

static int not_in_use(void *arg, xvios_tx tx, const char *name, char *where, size_t cap)
{
    (void)arg, (void)tx, (void)name, (void)where, (void)cap;
    return 0;
}

static struct loop_fixture *setup_cluster(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;
    uint32_t node;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    assert_int_equal(xvios_loop_domain_create(f->dom0, 101, "vios-1"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 101, &info), 0);
    assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    return f;
}

static const char *run(const struct xvios_vio_env *env, const char *xml, struct xvios_vio_change *chg)
{
    size_t len = 0;

    assert_int_equal(xvios_vio_handle(env, xml, strlen(xml), out, sizeof(out), &len, chg), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static void want_ok(const char *resp, const char *needle)
{
    if (!strstr(resp, "status=\"ok\"") || (needle && !strstr(resp, needle)))
        fail_msg("wanted ok with %s, got:\n%s", needle ? needle : "(anything)", resp);
}

static void want_exception(const char *resp, const char *code)
{
    char tag[64];

    snprintf(tag, sizeof(tag), "<VIOException code=\"%s\">", code);
    if (!strstr(resp, "status=\"exception\"") || !strstr(resp, tag))
        fail_msg("wanted %s, got:\n%s", code, resp);
    assert_null(strstr(resp, "\"></VIOException>"));
}

static unsigned pools_in_db(struct loop_fixture *f)
{
    struct xvios_db_pool_info *v = NULL;
    unsigned n = 0;

    assert_int_equal(xvios_db_pool_list(f->dom0, XVIOS_TX_NONE, &v, &n), 0);
    xvios_db_pool_infos_free(v, n);
    return n;
}

static void test_pool_actions(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = { .p = f->dom0, .dom0 = true, .lu_in_use = not_in_use };
    struct xvios_vio_change chg;

    /* create: nobody without access=; its change for the Lifecycle event */
    want_ok(run(&env, REQ("<pool action=\"create\" name=\"gold\"/>"), &chg),
            "<pool name=\"gold\" access=\"list\" lus=\"0\" bytes=\"0\" created=\"");
    assert_true(chg.changed);
    assert_int_equal(chg.object, XVIOS_VIO_POOL);
    assert_string_equal(chg.action, "created");
    assert_string_equal(chg.key, "gold");
    want_ok(run(&env, REQ("<pool action=\"create\" name=\"silver\" access=\"*\"/>"), &chg), "access=\"any\"");

    /* refusals change nothing */
    const char *refused[][2] = {
        { REQ("<pool action=\"create\" name=\"gold\"/>"), "EXISTS" },
        { REQ("<pool action=\"create\" name=\"default\"/>"), "EXISTS" },
        { REQ("<pool action=\"create\" name=\"p\" access=\"nobody-such\"/>"), "NOT_FOUND" },
        { REQ("<pool action=\"create\" name=\"p\" access=\"42\"/>"), "BAD_VALUE" },
        { REQ("<pool action=\"create\" name=\"p\" access=\"a b\"/>"), "INVALID" },
        { REQ("<pool action=\"create\" name=\"p\" access=\"a,\"/>"), "INVALID" },
        { REQ("<pool action=\"create\" name=\"p.q\"/>"), "INVALID" },
        { REQ("<pool action=\"modify\" name=\"gold\"/>"), "INVALID" },          /* modify needs access= */
        { REQ("<pool action=\"modify\" name=\"nosuch\" access=\"*\"/>"), "NOT_FOUND" },
        { REQ("<pool action=\"delete\" name=\"nosuch\"/>"), "NOT_FOUND" },
        { REQ("<pool action=\"delete\" name=\"default\"/>"), "BAD_VALUE" },
        { REQ("<pool action=\"get\" name=\"nosuch\"/>"), "NOT_FOUND" },
        { REQ("<lu action=\"create\" name=\"x\" backing=\"/b\" size=\"4096\" pool=\"nosuch\"/>"), "NOT_FOUND" },
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        want_exception(run(&env, refused[i][0], &chg), refused[i][1]);
        assert_false(chg.changed);
    }
    assert_int_equal(pools_in_db(f), 3);

    /* an LU in gold; get and list count it */
    want_ok(run(&env, REQ("<lu action=\"create\" name=\"g1\" backing=\"/b\" size=\"4096\" pool=\"gold\"/>"), NULL),
            "pool=\"gold\"/>");
    want_ok(run(&env, REQ("<lu action=\"get\" name=\"g1\"/>"), NULL), "pool=\"gold\"/>");
    want_ok(run(&env, REQ("<pool action=\"get\" name=\"gold\"/>"), NULL), "<pool name=\"gold\" access=\"list\" lus=\"1\" "
            "bytes=\"4096\"");
    want_ok(run(&env, REQ("<pool action=\"list\"/>"), NULL), "<pool name=\"default\"");
    const char *d = strstr(out, "name=\"default\""), *g = strstr(out, "name=\"gold\""), *s = strstr(out, "name=\"silver\"");
    assert_true(d && g && s && d < g && g < s);
    want_ok(run(&env, REQ("<pool action=\"list\" after=\"default\"/>"), NULL), "name=\"gold\"");
    assert_null(strstr(out, "name=\"default\""));
    want_ok(run(&env, REQ("<pool action=\"list\" after=\"gold\"/>"), NULL), "name=\"silver\"");
    assert_null(strstr(out, "name=\"gold\""));

    /* modify: the list replaced, read back with the client's uuid */
    want_ok(run(&env, REQ("<pool action=\"modify\" name=\"gold\" access=\"" UA "\"/>"), &chg),
            "<client uuid=\"" UA "\"/>");
    assert_string_equal(chg.action, "modified");
    /* a mapping of client UB made before: shown as not in the access list */
    struct xvios_db_vtd v = { .client = 8, .node = 1, .lu = "/b", .pool_lu = "g1" };
    snprintf(v.client_uuid, sizeof(v.client_uuid), "%s", UB);
    snprintf(v.client_name, sizeof(v.client_name), "%s", "web");
    assert_int_equal(xvios_db_vtd_put(f->dom0, XVIOS_TX_NONE, &v), 0);
    want_ok(run(&env, REQ("<pool action=\"get\" name=\"gold\"/>"), NULL),
            "<notInAccessList client=\"8\" clientName=\"web\" uuid=\"" UB "\" vdev=\"0:0:0:0\" node=\"1\" lu=\"g1\"/>");

    /* delete: refused while it has LUs, done once it has none */
    want_exception(run(&env, REQ("<pool action=\"delete\" name=\"gold\"/>"), &chg), "IN_USE");
    assert_false(chg.changed);
    want_ok(run(&env, REQ("<lu action=\"delete\" name=\"g1\"/>"), NULL), NULL);
    want_ok(run(&env, REQ("<pool action=\"delete\" name=\"gold\"/>"), &chg), "<pool name=\"gold\"");
    assert_string_equal(chg.action, "deleted");
    assert_int_equal(pools_in_db(f), 2);
}

static void test_pool_off_dom0(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = { .p = f->dom0, .dom0 = true };
    xvios_plat *vios = loop_fixture_open(f->root, 101);
    struct xvios_vio_env venv = { .p = vios, .self_node = 1 };
    struct xvios_vio_change chg;

    assert_non_null(vios);
    want_ok(run(&env, REQ("<pool action=\"create\" name=\"gold\" access=\"" UA "\"/>"), NULL), NULL);
    want_exception(run(&venv, REQ("<pool action=\"create\" name=\"evil\"/>"), &chg), "DOM0_ONLY");
    want_exception(run(&venv, REQ("<pool action=\"modify\" name=\"gold\" access=\"*\"/>"), &chg), "DOM0_ONLY");
    want_exception(run(&venv, REQ("<pool action=\"delete\" name=\"gold\"/>"), &chg), "DOM0_ONLY");
    assert_false(chg.changed);
    /* the DB refuses a member too, when the API is told otherwise */
    venv.dom0 = true;
    want_exception(run(&venv, REQ("<pool action=\"modify\" name=\"gold\" access=\"*\"/>"), &chg), "DOM0_ONLY");
    venv.dom0 = false;
    /* reads answer on a VIOS */
    want_ok(run(&venv, REQ("<pool action=\"get\" name=\"gold\"/>"), NULL), "node=\"1\" object=\"pool\" action=\"get\"");
    assert_non_null(strstr(out, "<client uuid=\"" UA "\"/>"));
    assert_non_null(strstr(out, "access=\"list\""));
    want_ok(run(&venv, REQ("<pool action=\"list\"/>"), NULL), "name=\"gold\"");
    xvios_plat_close(vios);
}

static int teardown_all(void **state)
{
    (void)state;
    xvios_vio_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LOOP_FIXTURE_TEST(test_pool_actions),
        LOOP_FIXTURE_TEST(test_pool_off_dom0),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
