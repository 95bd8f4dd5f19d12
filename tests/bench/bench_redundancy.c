/* SPDX-License-Identifier: MIT */
/*
 * bench_redundancy.c - the cost of forwarding (docs/redundancy.md) on the
 * loopback platform: the latency of one 4 KiB READ a client sends to VIOS 1,
 * served from VIOS 1's own path (local), then, with VIOS 1's path failed by
 * the test fault switch, forwarded by its CKE to VIOS 2 and answered back
 * (forwarded) - in the same run, on the same cluster, the same LU and the
 * same client ring. Prints both medians and p99s and the ratio; never
 * asserts on timing.
 *
 * Runs `xvios local up -n 2`, `xvios lu create`, `xvios scsi attach` and the
 * loopback frontend (tests/integration/vscsi_front.c, steps lat, touch,
 * await). Env: XVIOS_BIN = directory of xvios, xviosd and xvios-backend;
 * XVIOS_TESTS = directory of vscsi_front and vscsi_xs_tool (default:
 * XVIOS_BIN/../tests); BENCH_OPS (default 2000).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xvios/clock.h"

static char root[64], bin[512], tests[512];

static void cleanup(void)
{
    char cmd[1200];

    if (!root[0])
        return;
    snprintf(cmd, sizeof(cmd), "'%s/xvios' --root '%s' local down >/dev/null 2>&1; rm -rf '%s'", bin, root, root);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_redundancy: cleanup of %s failed\n", root);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_redundancy: %s\n", what);
    cleanup();
    exit(1);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_redundancy: failed: %s\n", cmd);
        die("setup");
    }
}

static bool exists(const char *name)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/%s", root, name);
    return access(p, F_OK) == 0;
}

static bool wait_file(const char *name, unsigned secs)
{
    struct timespec dl = xvios_deadline_ms(secs * 1000u);

    while (!exists(name)) {
        if (xvios_ts_passed(&dl))
            return false;
        usleep(20000);
    }
    return true;
}

/* The path state node 1 publishes for lu-bench is `want`. */
static bool path_is(const char *want)
{
    char cmd[1200], out[32] = "";
    FILE *f;

    snprintf(cmd, sizeof(cmd), "'%s/vscsi_xs_tool' '%s' read /xvios/nodes/1/paths/lu-bench/state 2>/dev/null",
             tests, root);
    f = popen(cmd, "r");
    if (!f)
        return false;
    if (!fgets(out, sizeof(out), f))
        out[0] = '\0';
    pclose(f);
    out[strcspn(out, "\n")] = '\0';
    return !strcmp(out, want);
}

static bool parse_lat(const char *line, double *med, double *p99)
{
    const char *m = strstr(line, "median "), *p = strstr(line, "p99 ");

    return !strncmp(line, "ok: lat ", 8) && m && p && sscanf(m, "median %lf", med) == 1 &&
           sscanf(p, "p99 %lf", p99) == 1;
}

int main(void)
{
    const char *b = getenv("XVIOS_BIN"), *t = getenv("XVIOS_TESTS"), *ops_s = getenv("BENCH_OPS");
    unsigned ops = ops_s ? (unsigned)strtoul(ops_s, NULL, 10) : 2000;
    double med[2] = { 0, 0 }, p99[2] = { 0, 0 };
    char line[512], outp[300];
    unsigned got = 0;
    struct timespec dl;
    pid_t front;
    FILE *f;
    int st;

    if (!b) {
        fprintf(stderr, "bench_redundancy: set XVIOS_BIN to the directory of xvios-backend\n");
        return 1;
    }
    if (ops == 0 || ops > 100000)
        ops = 2000;
    snprintf(bin, sizeof(bin), "%s", b);
    snprintf(tests, sizeof(tests), "%s", t ? t : "");
    if (!t)
        snprintf(tests, sizeof(tests), "%s/../tests", b);
    snprintf(root, sizeof(root), "/tmp/bench-redundancy.XXXXXX");
    if (!mkdtemp(root))
        die("mkdtemp");
    run("printf 'path-probe-interval-ms = 200\\npath-probe-timeout-ms = 500\\npath-fault-file = %s/fault\\n' "
        ">'%s/backend.conf'", root, root);
    snprintf(line, sizeof(line), "%s/backend.conf", root);
    setenv("XVIOS_BACKEND_CONF", line, 1);
    setenv("XVIOS_LOG", "warn", 1);
    run("'%s/xvios' --root '%s' local up -n 2 >/dev/null 2>&1", bin, root);
    run("'%s/vscsi_xs_tool' '%s' domain 7 bench-client >/dev/null", tests, root);
    run("truncate -s 64M '%s/lu.img'", root);
    run("'%s/xvios' --root '%s' lu create lu-bench --size 32M --backing '%s/lu.img' >/dev/null", bin, root, root);
    run("('%s/xvios' --root '%s' scsi attach bench-client lu-bench 0:0:0:0 --vios 1 >'%s/attach.out' 2>&1 &)", bin,
        root, root);
    dl = xvios_deadline_ms(20000);
    for (;;) {                                 /* the attach wrote the frontend's node: the frontend may start */
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "'%s/vscsi_xs_tool' '%s' read /local/domain/7/device/vscsi/0/backend-id "
                 ">/dev/null 2>&1", tests, root);
        if (system(cmd) == 0)
            break;
        if (xvios_ts_passed(&dl))
            die("the attach never wrote the frontend's node");
        usleep(50000);
    }
    snprintf(outp, sizeof(outp), "%s/front.out", root);
    front = fork();
    if (front < 0)
        die("fork");
    if (front == 0) {
        char path[600], lat[32];
        snprintf(path, sizeof(path), "%s/vscsi_front", tests);
        snprintf(lat, sizeof(lat), "lat:0:%u", ops);
        if (!freopen(outp, "w", stdout))
            _exit(127);
        execl(path, path, root, "7", "101", "0", lat, "touch:local-done", "await:path-lost", lat, "close",
              (char *)NULL);
        _exit(127);
    }
    if (!wait_file("local-done", 300))
        die("the local round never finished");
    run("echo 101 >'%s/fault'", root);       /* VIOS 1's backing fails: its CKE forwards to VIOS 2 */
    dl = xvios_deadline_ms(20000);
    while (!path_is("lost")) {
        if (xvios_ts_passed(&dl))
            die("VIOS 1 never marked its path lost");
        usleep(50000);
    }
    run("touch '%s/path-lost'", root);
    if (waitpid(front, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        run("cat '%s'", outp);
        die("the frontend failed");
    }
    f = fopen(outp, "r");
    if (!f)
        die("no frontend output");
    while (fgets(line, sizeof(line), f) && got < 2)
        if (parse_lat(line, &med[got], &p99[got]))
            got++;
    fclose(f);
    if (got != 2)
        die("the frontend printed no latencies");
    printf("4 KiB READ, one at a time, %u each, loopback, through VIOS 1:\n", ops);
    printf("  local      median %8.1f us   p99 %8.1f us\n", med[0], p99[0]);
    printf("  forwarded  median %8.1f us   p99 %8.1f us   (VIOS 1 -> VIOS 2 over the VKE and back)\n", med[1],
           p99[1]);
    printf("  ratio forwarded/local (median): %.2f\n", med[0] > 0 ? med[1] / med[0] : 0.0);
    cleanup();
    return 0;
}
