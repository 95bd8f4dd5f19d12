/* SPDX-License-Identifier: MIT */
/*
 * test_conf.c - the configuration file reader: every value type, comments and
 * white space, and each error class with its "FILE:LINE: what" message; a
 * bad file leaves every destination untouched.
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

#include "xvios/conf.h"

static const char *const targets[] = { "auto", "stderr", "file", "syslog", "journal", NULL };

struct cfg {
    char rundir[16];
    uint32_t timeout;
    bool vscsi;
    int target;
    bool rundir_given, timeout_given;
};

#define KEYS(c)                                                                                                  \
    const struct xvios_conf_key keys[] = {                                                                       \
        { .name = "rundir", .type = XVIOS_CONF_STRING, .dst = (c)->rundir, .cap = sizeof((c)->rundir),           \
          .given = &(c)->rundir_given },                                                                         \
        { .name = "timeout-ms", .type = XVIOS_CONF_U32, .dst = &(c)->timeout, .min = 10, .max = 5000,            \
          .given = &(c)->timeout_given },                                                                        \
        { .name = "vscsi", .type = XVIOS_CONF_BOOL, .dst = &(c)->vscsi },                                        \
        { .name = "log-target", .type = XVIOS_CONF_CHOICE, .dst = &(c)->target, .choices = targets },            \
    }

static int parse(struct cfg *c, const char *text, char *err, size_t cap)
{
    KEYS(c);
    return xvios_conf_parse("t.conf", text, strlen(text), keys, sizeof(keys) / sizeof(keys[0]), err, cap);
}

static void every_type(void **state)
{
    struct cfg c = { .timeout = 1, .vscsi = true };
    char err[256];
    (void)state;

    int rc = parse(&c, "# a comment\n\n  rundir =  /run/x  \n\ttimeout-ms=0070\r\n   # indented comment\n"
                       "vscsi = Off\nlog-target = journal", err, sizeof(err));
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_string_equal(err, "");
    assert_string_equal(c.rundir, "/run/x");
    assert_int_equal(c.timeout, 70);   /* leading zeros typed by a person: 70 */
    assert_false(c.vscsi);
    assert_int_equal(c.target, 4);
    assert_true(c.rundir_given);
    assert_true(c.timeout_given);
}

static void empty_and_comment_only(void **state)
{
    struct cfg c = { .timeout = 99 };
    char err[256];
    (void)state;

    assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
    assert_int_equal(parse(&c, "# only\n#comments\n\n", err, sizeof(err)), 0);
    assert_int_equal(c.timeout, 99);
    assert_false(c.rundir_given);
}

static void value_keeps_inner_text(void **state)
{
    struct cfg c = { 0 };
    char err[256];
    (void)state;

    assert_int_equal(parse(&c, "rundir = a=b # c\n", err, sizeof(err)), 0);
    assert_string_equal(c.rundir, "a=b # c");   /* split at the first '='; '#' inside a value is text */
}

/* Each bad text: -EINVAL, exactly this message, and nothing applied (a good line came first). */
static void each_error_class(void **state)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        { "timeout-ms = 20\nno equals sign\n", "t.conf:2: not a 'key = value' line" },
        { "timeout-ms = 20\n = 5\n", "t.conf:2: no key before '='" },
        { "timeout-ms = 20\n   =\n", "t.conf:2: no key before '='" },
        { "timeout-ms = 20\nbogus = 1\n", "t.conf:2: unknown key 'bogus'" },
        { "timeout-ms = 20\n\ntimeout-ms = 30\n", "t.conf:3: timeout-ms given twice" },
        { "timeout-ms = 20\nrundir =   \n", "t.conf:2: rundir: no value" },
        { "timeout-ms = 20\nrundir = 0123456789abcdef\n", "t.conf:2: rundir: value longer than 15 characters" },
        { "timeout-ms = 20x\n", "t.conf:1: timeout-ms: '20x' is not a number" },
        { "timeout-ms = -1\n", "t.conf:1: timeout-ms: '-1' is not a number" },
        { "timeout-ms = 0x10\n", "t.conf:1: timeout-ms: '0x10' is not a number" },
        { "timeout-ms = 5001\n", "t.conf:1: timeout-ms: 5001 is out of range (10..5000)" },
        { "timeout-ms = 9\n", "t.conf:1: timeout-ms: 9 is out of range (10..5000)" },
        { "timeout-ms = 99999999999999999999\n",
          "t.conf:1: timeout-ms: 99999999999999999999 is out of range (10..5000)" },
        { "timeout-ms = 20\nvscsi = maybe\n", "t.conf:2: vscsi: 'maybe' is not yes or no" },
        { "timeout-ms = 20\nlog-target = Journal\n",
          "t.conf:2: log-target: 'Journal' is not one of auto, stderr, file, syslog, journal" },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cfg c = { .timeout = 1, .vscsi = true };
        char err[256];
        int rc = parse(&c, bad[i].text, err, sizeof(err));
        if (rc != -EINVAL || strcmp(err, bad[i].msg))
            fail_msg("case %zu: rc %d, message '%s', want '%s'", i, rc, err, bad[i].msg);
        assert_int_equal(c.timeout, 1);   /* the good first line was not applied */
        assert_false(c.timeout_given);
        assert_true(c.vscsi);
    }
}

static void nul_and_long_lines(void **state)
{
    struct cfg c = { .timeout = 1 };
    char err[256], *big;
    static const char nul[] = "timeout-ms = 20\nrundir = a\0b\n";
    KEYS(&c);
    (void)state;

    assert_int_equal(xvios_conf_parse("t.conf", nul, sizeof(nul) - 1, keys, 4, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf:2: NUL byte in the line");

    big = malloc(XVIOS_CONF_MAX_FILE + 2);
    assert_non_null(big);
    memset(big, '#', XVIOS_CONF_MAX_LINE);   /* a comment line one character too long */
    big[XVIOS_CONF_MAX_LINE] = '\n';
    assert_int_equal(xvios_conf_parse("t.conf", big, XVIOS_CONF_MAX_LINE + 1, keys, 4, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf:1: line longer than 1023 characters");
    assert_int_equal(xvios_conf_parse("t.conf", big, XVIOS_CONF_MAX_LINE - 1, keys, 4, err, sizeof(err)), 0);

    memset(big, '\n', XVIOS_CONF_MAX_FILE + 1);
    assert_int_equal(xvios_conf_parse("t.conf", big, XVIOS_CONF_MAX_FILE + 1, keys, 4, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf: bigger than 65536 bytes");
    free(big);
    assert_int_equal(c.timeout, 1);
}

static void small_error_buffer(void **state)
{
    struct cfg c = { 0 };
    char err[8];
    (void)state;

    assert_int_equal(parse(&c, "bogus = 1\n", err, sizeof(err)), -EINVAL);
    assert_int_equal(strlen(err), sizeof(err) - 1);   /* cut, still terminated */
    assert_int_equal(parse(&c, "bogus = 1\n", NULL, 0), -EINVAL);
}

static void read_files(void **state)
{
    char path[] = "/tmp/xvios-conf.XXXXXX", err[256];
    struct cfg c = { .timeout = 1 };
    FILE *f;
    int fd = mkstemp(path);
    KEYS(&c);
    (void)state;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("timeout-ms = 250\n# fine so far\nvscsi = perhaps\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(xvios_conf_read(path, keys, 4, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, ":3: vscsi: 'perhaps' is not yes or no"));
    assert_memory_equal(err, path, strlen(path));   /* the message starts with the file's name */
    assert_int_equal(c.timeout, 1);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs("timeout-ms = 250\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(xvios_conf_read(path, keys, 4, err, sizeof(err)), 0);
    assert_int_equal(c.timeout, 250);
    unlink(path);

    assert_int_equal(xvios_conf_read(path, keys, 4, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_int_equal(xvios_conf_read("/dev/null", keys, 4, err, sizeof(err)), 0);
    assert_int_equal(xvios_conf_read("/", keys, 4, err, sizeof(err)), -EISDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type),         cmocka_unit_test(empty_and_comment_only),
        cmocka_unit_test(value_keeps_inner_text), cmocka_unit_test(each_error_class),
        cmocka_unit_test(nul_and_long_lines), cmocka_unit_test(small_error_buffer),
        cmocka_unit_test(read_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
