/* SPDX-License-Identifier: MIT */
/*
 * test_cmd_nodes.c - `xvios nodes` (toolstack/cmd_nodes.c) on merged
 * NODES_ALL answers played by the test: the daemon connection and the
 * request are bound to the fakes below with -Wl,--wrap (see
 * test_cmd_nodes.wrap). Checks the table (with its LINKS column), the JSON
 * keys, and that a "truncated=<n>" block is not a node but a stderr warning
 * and exit 3.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolstack/cmds.h"

/* ---------------------------------------------------------------- fakes */
static int client_token;
static const char *answer;     /* the merged payload of the one API_RESPONSE */
static int answer_status;      /* the API_RESULT's status */

int __wrap_cli_connect(const struct xvios_cli *cli, xvios_client **out);
int __wrap_cli_connect(const struct xvios_cli *cli, xvios_client **out)
{
    (void)cli;
    *out = (xvios_client *)&client_token;
    return XVIOS_EXIT_OK;
}

int __wrap_xvios_client_query(xvios_client *c, uint32_t msg_type, const void *payload, size_t plen,
                              uint32_t timeout_ms, uint64_t *handle);
int __wrap_xvios_client_query(xvios_client *c, uint32_t msg_type, const void *payload, size_t plen,
                              uint32_t timeout_ms, uint64_t *handle)
{
    (void)payload;
    (void)plen;
    (void)timeout_ms;
    assert_ptr_equal(c, &client_token);
    assert_int_equal(msg_type, XVIOS_MT_NODES_ALL);
    *handle = 1;
    return 0;
}

int __wrap_xvios_client_collect(xvios_client *c, uint64_t handle, const struct timespec *deadline,
                                struct xvios_client_outcome *out);
int __wrap_xvios_client_collect(xvios_client *c, uint64_t handle, const struct timespec *deadline,
                                struct xvios_client_outcome *out)
{
    (void)deadline;
    assert_ptr_equal(c, &client_token);
    assert_int_equal(handle, 1);
    memset(out, 0, sizeof(*out));
    out->status = answer_status;
    out->resp = calloc(1, sizeof(*out->resp));
    assert_non_null(out->resp);
    out->n_resp = 1;
    out->resp[0].opcode = XVIOS_OP_API_RESPONSE;
    out->resp[0].len = strlen(answer);
    out->resp[0].payload = (uint8_t *)strdup(answer);
    assert_non_null(out->resp[0].payload);
    return 0;
}

void __wrap_xvios_client_close(xvios_client *c);
void __wrap_xvios_client_close(xvios_client *c)
{
    assert_ptr_equal(c, &client_token);
}

/* ---------------------------------------------------------------- running it */
static char out_text[16384], err_text[4096];

static void slurp(FILE *f, char *buf, size_t cap)
{
    size_t n;
    rewind(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
}

/* Run `xvios nodes [--json]` on answer; stdout and stderr into out_text / err_text. */
static int run(bool json)
{
    struct xvios_cli cli = { .platform = XVIOS_PLAT_LOOPBACK, .root = "unused", .node = 1, .prog = "xvios" };
    char a0[] = "nodes", a1[] = "--json";
    char *argv[] = { a0, json ? a1 : NULL, NULL };
    FILE *o = tmpfile(), *e = tmpfile();
    int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO), rc;

    assert_non_null(o);
    assert_non_null(e);
    fflush(stdout);
    fflush(stderr);
    dup2(fileno(o), STDOUT_FILENO);
    dup2(fileno(e), STDERR_FILENO);
    rc = cmd_nodes(&cli, json ? 2 : 1, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, STDOUT_FILENO);
    dup2(se, STDERR_FILENO);
    close(so);
    close(se);
    slurp(o, out_text, sizeof(out_text));
    slurp(e, err_text, sizeof(err_text));
    fclose(o);
    fclose(e);
    return rc;
}

#define NODE1 "node=1\ndomid=101\nname=vios-1\nstate=active\nuptime_s=7\nvke_stats_age_ms=40\nvke_peers=2\nvke_links_up=2\n\n"
#define NODE2 "node=2\ndomid=102\nname=vios-2\nstate=active\nuptime_s=9\nvke_stats_age_ms=300\nvke_peers=2\nvke_links_up=1\n\n"
#define NODE3_OLD "node=3\ndomid=103\nname=vios-3\nstate=active\nuptime_s=5\n\n"   /* no VKE counters */

static void test_table_links_column(void **state)
{
    (void)state;
    answer = NODE2 NODE1 NODE3_OLD;
    answer_status = XVIOS_ST_OK;
    assert_int_equal(run(false), XVIOS_EXIT_OK);
    assert_string_equal(out_text,
                        "NODE  DOMID  NAME                 STATE    LINKS   UPTIME_S\n"
                        "1     101    vios-1               active   2/2     7\n"
                        "2     102    vios-2               active   1/2     9\n"
                        "3     103    vios-3               active   -       5\n");
    assert_string_equal(err_text, "");
}

static void test_json_has_vke_numbers(void **state)
{
    (void)state;
    answer = NODE1;
    answer_status = XVIOS_ST_OK;
    assert_int_equal(run(true), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_text, "\"vke_links_up\": 2"));
    assert_non_null(strstr(out_text, "\"vke_peers\": 2"));
    assert_non_null(strstr(out_text, "\"vke_stats_age_ms\": 40"));
}

static void test_truncated_answer_warns_and_is_partial(void **state)
{
    (void)state;
    answer = NODE1 NODE2 "truncated=5\n\n";
    answer_status = XVIOS_ST_OK;
    assert_int_equal(run(false), XVIOS_EXIT_PARTIAL);
    /* two nodes in the table, no row for the truncated block */
    assert_string_equal(out_text,
                        "NODE  DOMID  NAME                 STATE    LINKS   UPTIME_S\n"
                        "1     101    vios-1               active   2/2     7\n"
                        "2     102    vios-2               active   1/2     9\n");
    assert_string_equal(err_text, "xvios: warning: the answer was too large: 5 node(s) not listed\n");

    assert_int_equal(run(true), XVIOS_EXIT_PARTIAL);
    assert_null(strstr(out_text, "truncated"));
    assert_non_null(strstr(err_text, "5 node(s) not listed"));

    /* a node's own block cannot pass for the truncation notice */
    answer = NODE1 "node=2\ntruncated=9\nstate=active\n\n";
    assert_int_equal(run(false), XVIOS_EXIT_OK);
    assert_non_null(strstr(out_text, "\n2     "));
    assert_string_equal(err_text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_links_column),
        cmocka_unit_test(test_json_has_vke_numbers),
        cmocka_unit_test(test_truncated_answer_warns_and_is_partial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
