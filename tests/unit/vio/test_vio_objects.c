/* SPDX-License-Identifier: MIT */
/*
 * test_vio_objects.c - every object x action of the management API on the
 * loopback store (xvios/vio.h): cluster get, node list/get, pool get, LU
 * list/get/create/delete, each success and each refusal with its
 * VIOException code; LU create/delete refused off dom0 (by the API, and by
 * the DB's permissions when the API is told otherwise); a delete refused
 * while the LU is attached; a list paged when it outgrows one message;
 * hostile requests change nothing.
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
#include "xvios/vio.h"

#define REQ(body) "<vioRequest version=\"1\">" body "</vioRequest>"
#define MiB "1048576"

static const struct xvios_db_config cfg = { .name = "api-test", .max_nodes = 8, .timeout_ms = 2000, .retries = 2 };
static char out[XVIOS_VIO_RESPONSE_MAX];

/* the dom0 hooks' answers, set per test */
static int attached;                 /* lu_in_use: 1 attached */
static uint64_t backing_bytes;       /* backing_size */

static int in_use(void *arg, xvios_tx tx, const char *name, char *where, size_t cap)
{
    (void)arg;
    (void)tx;
    (void)name;
    if (attached)
        snprintf(where, cap, "domain 7 through node 1");
    return attached;
}

static int bsize(void *arg, const char *path, uint64_t *size, char *why, size_t cap)
{
    (void)arg;
    if (!strcmp(path, "/missing")) {
        snprintf(why, cap, "no such file");
        return -ENOENT;
    }
    *size = backing_bytes;
    return 0;
}

static struct loop_fixture *setup_cluster(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_dominfo info;
    uint32_t node;

    assert_int_equal(xvios_db_cluster_create(f->dom0, &cfg), 0);
    for (uint32_t domid = 101; domid <= 102; domid++) {
        char name[16];
        snprintf(name, sizeof(name), "vios-%u", domid - 100);
        assert_int_equal(xvios_loop_domain_create(f->dom0, domid, name), 0);
        assert_int_equal(xvios_plat_domain_info(f->dom0, domid, &info), 0);
        assert_int_equal(xvios_db_node_add(f->dom0, &info, &node), 0);
    }
    attached = 0;
    backing_bytes = 0;
    return f;
}

static struct xvios_vio_env dom0_env(struct loop_fixture *f)
{
    return (struct xvios_vio_env){ .p = f->dom0, .self_node = 0, .dom0 = true, .lu_in_use = in_use,
                                   .backing_size = bsize };
}

/* Run xml; the response in out. */
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
    assert_null(strstr(resp, "\"></VIOException>"));   /* every exception has a sentence */
}

static unsigned count(const char *s, const char *needle)
{
    unsigned n = 0;

    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static unsigned lus_in_db(struct loop_fixture *f)
{
    struct xvios_db_lu *lus = NULL;
    unsigned n = 0;

    assert_int_equal(xvios_db_lu_list(f->dom0, XVIOS_TX_NONE, &lus, &n), 0);
    free(lus);
    return n;
}

static void test_cluster_get(void **state)
{
    struct loop_fixture *f = *state;
    struct xvios_vio_env env = dom0_env(f);

    want_exception(run(&env, REQ("<cluster action=\"get\"/>"), NULL), "NO_CLUSTER");
    setup_cluster(state);
    want_ok(run(&env, REQ("<cluster action=\"get\"/>"), NULL), "<cluster name=\"api-test\" maxNodes=\"8\"");
    assert_non_null(strstr(out, "nodes=\"2\""));
    assert_non_null(strstr(out, "object=\"cluster\" action=\"get\""));
}

static void test_node_list_get(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    xvios_plat *vios = loop_fixture_open(f->root, 102);
    struct xvios_vio_env env = { .p = vios, .self_node = 2 };

    assert_non_null(vios);
    want_ok(run(&env, REQ("<node action=\"list\"/>"), NULL), "<node id=\"1\" domid=\"101\" name=\"vios-1\"");
    assert_int_equal(count(out, "<node id="), 2);
    assert_non_null(strstr(out, "node=\"2\" object=\"node\""));   /* the node that answered */
    want_ok(run(&env, REQ("<node action=\"get\" id=\"2\"/>"), NULL), "<node id=\"2\" domid=\"102\"");
    assert_int_equal(count(out, "<node id="), 1);
    want_exception(run(&env, REQ("<node action=\"get\" id=\"9\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&env, REQ("<node action=\"get\" id=\"300\"/>"), NULL), "NOT_FOUND");   /* a valid id, no member */
    want_exception(run(&env, REQ("<node action=\"get\" id=\"4294967296\"/>"), NULL), "BAD_VALUE");
    /* a multi-host node ((corosync nodeid 3 << 8) | 2) is listed and got by its id */
    struct xvios_dominfo info;
    assert_int_equal(xvios_loop_domain_create(f->dom0, 103, "vios-mh"), 0);
    assert_int_equal(xvios_plat_domain_info(f->dom0, 103, &info), 0);
    assert_int_equal(xvios_db_node_add_id(f->dom0, &info, 770), 0);
    want_ok(run(&env, REQ("<node action=\"get\" id=\"770\"/>"), NULL), "<node id=\"770\" domid=\"103\" name=\"vios-mh\"");
    want_ok(run(&env, REQ("<node action=\"list\"/>"), NULL), "<node id=\"770\"");
    assert_int_equal(count(out, "<node id="), 3);
    xvios_plat_close(vios);
}

static void test_pool_get(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);

    want_ok(run(&env, REQ("<pool action=\"get\"/>"), NULL),
            "<pool name=\"default\" access=\"any\" lus=\"0\" bytes=\"0\" made=\"false\"/>");
    run(&env, REQ("<lu action=\"create\" name=\"a\" backing=\"/b\" size=\"" MiB "\"/>"), NULL);
    run(&env, REQ("<lu action=\"create\" name=\"b\" backing=\"/b\" offset=\"" MiB "\" size=\"" MiB "\"/>"), NULL);
    want_ok(run(&env, REQ("<pool action=\"get\"/>"), NULL), "<pool name=\"default\" access=\"any\" lus=\"2\" "
            "bytes=\"2097152\" made=\"true\"");
    assert_non_null(strstr(out, "nextLu=\"3\"/>"));
}

static void test_lu_create(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);
    struct xvios_vio_change chg;
    struct xvios_db_lu lu;

    want_ok(run(&env, REQ("<lu action=\"create\" name=\"db1\" backing=\"/dev/xvdb\" size=\"" MiB "\" offset=\"4096\" "
                          "readOnly=\"true\"/>"), &chg),
            "<lu name=\"db1\" backing=\"/dev/xvdb\" offset=\"4096\" size=\"1048576\" readOnly=\"true\" wwn=\"6");
    assert_true(chg.changed);
    assert_int_equal(chg.object, XVIOS_VIO_LU);
    assert_string_equal(chg.action, "created");
    assert_string_equal(chg.key, "db1");
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "db1", &lu), 0);
    assert_true(lu.read_only && lu.offset == 4096 && lu.size == 1048576);

    /* each refusal, nothing written */
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db1\" backing=\"/dev/xvdc\" size=\"" MiB "\"/>"), &chg),
                   "EXISTS");
    assert_false(chg.changed);
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db2\" backing=\"/dev/xvdb\" size=\"" MiB "\"/>"), NULL),
                   "OVERLAP");
    backing_bytes = 1048576;
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db3\" backing=\"/dev/xvdd\" offset=\"4096\" size=\""
                                 MiB "\"/>"), NULL), "BEYOND_BACKING");
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db4\" backing=\"/missing\" size=\"" MiB "\"/>"), NULL),
                   "BAD_VALUE");
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db5\" backing=\"/dev/xvde\" size=\"1000\"/>"), NULL),
                   "BAD_VALUE");
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db6\" backing=\"/dev/xvde\" size=\"0\"/>"), NULL),
                   "BAD_VALUE");
    want_exception(run(&env, REQ("<lu action=\"create\" name=\"db7\" backing=\"/a/../b\" size=\"" MiB "\"/>"), NULL),
                   "BAD_VALUE");
    assert_int_equal(lus_in_db(f), 1);
}

static void test_lu_get_list(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);

    want_ok(run(&env, REQ("<lu action=\"list\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<lu "), 0);
    run(&env, REQ("<lu action=\"create\" name=\"b\" backing=\"/b\" size=\"" MiB "\"/>"), NULL);
    run(&env, REQ("<lu action=\"create\" name=\"a\" backing=\"/a\" size=\"" MiB "\"/>"), NULL);
    want_ok(run(&env, REQ("<lu action=\"list\"/>"), NULL), NULL);
    assert_int_equal(count(out, "<lu "), 2);
    assert_true(strstr(out, "name=\"a\"") < strstr(out, "name=\"b\""));   /* sorted by name */
    assert_null(strstr(out, "more="));
    want_ok(run(&env, REQ("<lu action=\"get\" name=\"b\"/>"), NULL), "<lu name=\"b\" backing=\"/b\"");
    assert_non_null(strstr(out, "serial=\"XVP"));
    want_exception(run(&env, REQ("<lu action=\"get\" name=\"c\"/>"), NULL), "NOT_FOUND");
}

static void test_lu_delete(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);
    struct xvios_vio_change chg;

    run(&env, REQ("<lu action=\"create\" name=\"gone\" backing=\"/b\" size=\"" MiB "\"/>"), NULL);
    attached = 1;
    want_exception(run(&env, REQ("<lu action=\"delete\" name=\"gone\"/>"), &chg), "IN_USE");
    assert_non_null(strstr(out, "domain 7 through node 1"));
    assert_false(chg.changed);
    assert_int_equal(lus_in_db(f), 1);
    attached = 0;
    want_ok(run(&env, REQ("<lu action=\"delete\" name=\"gone\"/>"), &chg), "<lu name=\"gone\"");
    assert_true(chg.changed);
    assert_string_equal(chg.action, "deleted");
    assert_int_equal(lus_in_db(f), 0);
    want_exception(run(&env, REQ("<lu action=\"delete\" name=\"gone\"/>"), NULL), "NOT_FOUND");
    /* nothing can tell where it is attached: refused */
    run(&env, REQ("<lu action=\"create\" name=\"kept\" backing=\"/b\" size=\"" MiB "\"/>"), NULL);
    env.lu_in_use = NULL;
    want_exception(run(&env, REQ("<lu action=\"delete\" name=\"kept\"/>"), NULL), "INTERNAL");
    assert_int_equal(lus_in_db(f), 1);
}

/* lu modify: grow, the read-only flag; each refusal (SHRINK, OVERLAP, BEYOND_BACKING, BAD_VALUE, NOT_FOUND,
 * DOM0_ONLY off dom0) a VIOException with nothing written. */
static void test_lu_modify(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);
    xvios_plat *vios = loop_fixture_open(f->root, 101);
    struct xvios_vio_env venv = { .p = vios, .self_node = 1, .lu_in_use = in_use };
    struct xvios_vio_change chg;
    struct xvios_db_lu lu;

    assert_non_null(vios);
    run(&env, REQ("<lu action=\"create\" name=\"m1\" backing=\"/b\" size=\"" MiB "\"/>"), NULL);
    run(&env, REQ("<lu action=\"create\" name=\"m2\" backing=\"/b\" offset=\"4194304\" size=\"" MiB "\"/>"), NULL);
    backing_bytes = 0;   /* unknown: not checked */
    want_ok(run(&env, REQ("<lu action=\"modify\" name=\"m1\" size=\"4194304\"/>"), &chg),
            "<lu name=\"m1\" backing=\"/b\" offset=\"0\" size=\"4194304\" readOnly=\"false\"");
    assert_true(chg.changed);
    assert_int_equal(chg.object, XVIOS_VIO_LU);
    assert_string_equal(chg.action, "modified");
    assert_string_equal(chg.key, "m1");
    want_ok(run(&env, REQ("<lu action=\"modify\" name=\"m1\" readOnly=\"true\"/>"), &chg), "readOnly=\"true\"");
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "m1", &lu), 0);
    assert_true(lu.read_only && lu.size == 4194304);

    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"m1\" size=\"" MiB "\"/>"), &chg), "SHRINK");
    assert_false(chg.changed);
    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"m1\" size=\"8388608\"/>"), NULL), "OVERLAP");
    backing_bytes = 5 * 1048576;
    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"m2\" size=\"2097152\"/>"), NULL), "BEYOND_BACKING");
    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"m2\" size=\"1050000\"/>"), NULL), "BAD_VALUE");
    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"m1\" readOnly=\"true\"/>"), NULL), "BAD_VALUE");
    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"m1\"/>"), NULL), "BAD_VALUE");
    want_exception(run(&env, REQ("<lu action=\"modify\" name=\"none\" readOnly=\"true\"/>"), NULL), "NOT_FOUND");
    want_exception(run(&venv, REQ("<lu action=\"modify\" name=\"m1\" readOnly=\"false\"/>"), &chg), "DOM0_ONLY");
    assert_false(chg.changed);
    venv.dom0 = true;   /* told it is dom0, a VIOS still cannot write */
    want_exception(run(&venv, REQ("<lu action=\"modify\" name=\"m1\" readOnly=\"false\"/>"), NULL), "DOM0_ONLY");
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "m1", &lu), 0);
    assert_true(lu.read_only && lu.size == 4194304);
    assert_int_equal(xvios_db_lu_get(f->dom0, XVIOS_TX_NONE, "m2", &lu), 0);
    assert_int_equal(lu.size, 1048576);
    xvios_plat_close(vios);
}

static void test_writes_refused_off_dom0(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);
    xvios_plat *vios = loop_fixture_open(f->root, 101);
    struct xvios_vio_env venv = { .p = vios, .self_node = 1, .lu_in_use = in_use };
    struct xvios_vio_change chg;

    assert_non_null(vios);
    run(&env, REQ("<lu action=\"create\" name=\"x\" backing=\"/b\" size=\"" MiB "\"/>"), NULL);
    want_exception(run(&venv, REQ("<lu action=\"create\" name=\"y\" backing=\"/c\" size=\"" MiB "\"/>"), &chg),
                   "DOM0_ONLY");
    assert_false(chg.changed);
    want_exception(run(&venv, REQ("<lu action=\"delete\" name=\"x\"/>"), NULL), "DOM0_ONLY");
    want_ok(run(&venv, REQ("<lu action=\"get\" name=\"x\"/>"), NULL), "<lu name=\"x\"");   /* members read */
    /* told it is dom0, a VIOS still cannot write: the DB's permissions refuse, the API says DOM0_ONLY */
    venv.dom0 = true;
    want_exception(run(&venv, REQ("<lu action=\"create\" name=\"y\" backing=\"/c\" size=\"" MiB "\"/>"), NULL),
                   "DOM0_ONLY");
    want_exception(run(&venv, REQ("<lu action=\"delete\" name=\"x\"/>"), NULL), "DOM0_ONLY");
    assert_int_equal(lus_in_db(f), 1);
    xvios_plat_close(vios);
}

static void test_lu_list_pages(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);
    static char req[2048], after[XVIOS_LU_NAME_MAX + 1];
    char path[1001];
    unsigned seen = 0, pages = 0;
    size_t len;

    /* 12 LUs with 1000-byte backing paths, listed into 4 KiB answers: pages of 2 or 3 */
    memset(path, 'p', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    for (unsigned i = 0; i < 12; i++) {
        snprintf(req, sizeof(req), REQ("<lu action=\"create\" name=\"lu%02u\" backing=\"%s\" offset=\"%u\" size=\"4096\"/>"),
                 i, path, i * 4096);
        want_ok(run(&env, req, NULL), NULL);
    }
    after[0] = '\0';
    for (;;) {
        const char *last;
        bool more;

        if (after[0])
            snprintf(req, sizeof(req), REQ("<lu action=\"list\" after=\"%s\"/>"), after);
        else
            snprintf(req, sizeof(req), REQ("<lu action=\"list\"/>"));
        assert_int_equal(xvios_vio_handle(&env, req, strlen(req), out, 4096, &len, NULL), 0);
        want_ok(out, NULL);
        pages++;
        seen += count(out, "<lu ");
        more = strstr(out, "more=\"true\"") != NULL;
        last = strstr(out, "<lu name=\"");
        for (const char *p = last; p; p = strstr(p + 1, "<lu name=\""))
            last = p;
        assert_non_null(last);
        snprintf(after, sizeof(after), "%.4s", last + strlen("<lu name=\""));
        if (!more)
            break;
        assert_true(pages < 12);
    }
    assert_int_equal(seen, 12);
    assert_true(pages >= 4);
    assert_string_equal(after, "lu11");
}

static void test_hostile_changes_nothing(void **state)
{
    struct loop_fixture *f = setup_cluster(state);
    struct xvios_vio_env env = dom0_env(f);
    struct xvios_vio_change chg;
    static const char *const hostile[][2] = {
        { "<!DOCTYPE r [<!ENTITY a \"x\"><!ENTITY b \"&a;&a;&a;\">]>"
          REQ("<lu action=\"create\" name=\"&b;\" backing=\"/b\" size=\"4096\"/>"), "FORBIDDEN_MARKUP" },
        { "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
          REQ("<lu action=\"create\" name=\"&x;\" backing=\"/b\" size=\"4096\"/>"), "FORBIDDEN_MARKUP" },
        { REQ("<lu action=\"create\" name=\"x\" backing=\"/b\" size=\"4096\"><lu/></lu>"), "TOO_COMPLEX" },
        { REQ("<lu action=\"create\" name=\"x\" backing=\"/b\" size=\"4096\" owner=\"me\"/>"), "INVALID" },
        { REQ("<lu action=\"create\" name=\"x\" backing=\"/b\" size=\"4096\">"), "NOT_XML" },
        { REQ("<lu action=\"create\" name=\"x\" backing=\"/b\" size=\"4096\" name=\"y\"/>"), "NOT_XML" },
    };

    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        want_exception(run(&env, hostile[i][0], &chg), hostile[i][1]);
        assert_false(chg.changed);
    }
    assert_int_equal(lus_in_db(f), 0);
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
        LOOP_FIXTURE_TEST(test_cluster_get),
        LOOP_FIXTURE_TEST(test_node_list_get),
        LOOP_FIXTURE_TEST(test_pool_get),
        LOOP_FIXTURE_TEST(test_lu_create),
        LOOP_FIXTURE_TEST(test_lu_modify),
        LOOP_FIXTURE_TEST(test_lu_get_list),
        LOOP_FIXTURE_TEST(test_lu_delete),
        LOOP_FIXTURE_TEST(test_writes_refused_off_dom0),
        LOOP_FIXTURE_TEST(test_lu_list_pages),
        LOOP_FIXTURE_TEST(test_hostile_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
