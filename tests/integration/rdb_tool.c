/* SPDX-License-Identifier: MIT */
/*
 * rdb_tool.c - one member of the replicated cluster DB (xvios/rdb.h), for
 * the corosync integration tests:
 *
 *   rdb_tool CLUSTER STATE_FILE      join, then run commands from stdin until "quit" or EOF
 *
 * Commands (one a line):
 *   write PATH VALUE     one write outside a transaction
 *   race COUNT NAME      COUNT transactions, each retried on EAGAIN until it commits: read
 *                        /race/counter, write it + 1, write /race/NAME/<i> = the new counter
 *   own COUNT NAME       the same on this member's own counter /own/NAME/counter (and /own/NAME/<i>):
 *                        members' transactions touch disjoint nodes
 *   fill COUNT SIZE      one transaction writing /fill/<i> = SIZE bytes, COUNT nodes
 *   watch PATH           set a watch (token "w"); events print as they come
 *   dbcreate NAME        the cluster DB layer (xvios/db.h) creates cluster NAME through a platform
 *                        handle whose store is diverted to the replicated DB (xvios_rdb_attach)
 *   dbconfig             ... and reads the cluster's configuration the same way
 *   seamtx PATH1 PATH2   through that platform handle: one transaction writing PATH1 = "1" then
 *                        PATH2 = "2" (the split store: /xvios paths are the replicated DB's, others the
 *                        host's own store; one transaction never spans both), then reads both back
 *   status | dump FILE | quit
 * Every answer and event is one line on stdout, flushed, with the wall clock in ms (t=):
 *   write ok | write err=<errno name> msg=<text>
 *   race done | own done  n= committed= retries= errors= last_err= ms=
 *   status version= hash= quorate= mode= members= applied= conflicts= refused= failed= rounds= loads=
 *          chunks= bad= no_quorum= ring=V/E inc=<incarnation|none> undecided= inc_taken=
 *   mode <name> version= t=       (on every change of the sync mode)
 *   quorate <0|1> t=              (on every change)
 *   event path= token=
 *   dbcreate rc= | dbconfig rc= name= max_nodes= timeout_ms=
 *   seamtx first= second= end= read1= read2=   (errno values; read: 0 present, -ENOENT absent)
 *   dumped FILE | gone t= (corosync went away)
 * Exit 0 after quit/EOF, 1 on an error, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/parse.h"
#include "xvios/rdb.h"

static const char *state_file;
static xvios_plat *plat;   /* a loopback platform whose store calls go to the replicated DB (dbcreate, dbconfig) */

static int plat_attached(xvios_rdb *r)
{
    char root[4096];
    int rc;

    if (plat)
        return 0;
    snprintf(root, sizeof(root), "%s.host", state_file);
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .root = root, .self_domid = 0 };
    if ((rc = xvios_plat_open(&pc, &plat)) < 0)
        return rc;
    return xvios_rdb_attach(r, plat);
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *err_name(int rc)
{
    switch (-rc) {
    case 0:          return "0";
    case EAGAIN:     return "EAGAIN";
    case EROFS:      return "EROFS";
    case ETIMEDOUT:  return "ETIMEDOUT";
    case EPIPE:      return "EPIPE";
    case EACCES:     return "EACCES";
    case ENOENT:     return "ENOENT";
    case EINVAL:     return "EINVAL";
    case EMSGSIZE:   return "EMSGSIZE";
    case ENOTUNIQ:   return "ENOTUNIQ";
    default:         return "other";
    }
}

static void report(xvios_rdb *r)
{
    static const char *last_mode = "";
    static int last_q = -1;
    struct xvios_rdb_status st;

    xvios_rdb_status(r, &st);
    if (strcmp(st.mode, last_mode)) {
        printf("mode %s version=%" PRIu64 " t=%lld\n", st.mode, st.version, wall_ms());
        last_mode = st.mode;
    }
    if ((int)st.quorate != last_q) {
        printf("quorate %d t=%lld\n", st.quorate ? 1 : 0, wall_ms());
        last_q = st.quorate;
    }
}

static void drain_events(xvios_rdb *r)
{
    char *path, *token;

    while (xvios_rdb_watch_read(r, &path, &token) == 0) {
        printf("event path=%s token=%s\n", path, token);
        free(path);
        free(token);
    }
}

/* One transaction of the race: read counter, write it + 1 and <dir>/<name>/<i>: 0 committed, -EAGAIN lost
 * the race (retry), else an error. */
static int race_one(xvios_rdb *r, const char *counter_path, const char *dir, const char *name, unsigned long i)
{
    char path[256], val[32];
    char *old = NULL;
    uint64_t counter = 0;
    xvios_tx tx;
    int rc = xvios_rdb_tx_start(r, &tx);

    if (rc < 0)
        return rc;
    rc = xvios_rdb_read(r, tx, counter_path, &old, NULL);
    if (rc == 0 && xvios_parse_u64(old, 0, UINT64_MAX - 1, &counter) != 0)
        rc = -EPROTO;
    free(old);
    if (rc < 0 && rc != -ENOENT)
        goto abort;
    snprintf(val, sizeof(val), "%" PRIu64, counter + 1);
    snprintf(path, sizeof(path), "%s/%s/%lu", dir, name, i);
    if ((rc = xvios_rdb_write(r, tx, counter_path, val, strlen(val))) < 0 ||
        (rc = xvios_rdb_write(r, tx, path, val, strlen(val))) < 0)
        goto abort;
    return xvios_rdb_tx_end(r, tx, true);
abort:
    xvios_rdb_tx_end(r, tx, false);
    return rc;
}

/* own: each member its own counter (/own/NAME/counter), so transactions of different members are disjoint */
static void race(xvios_rdb *r, const char *args, bool own)
{
    unsigned long count = 0, committed = 0, retries = 0, errors = 0;
    char name[64];
    int last = 0;
    struct timespec t0 = xvios_now();

    if (sscanf(args, "%lu %63[A-Za-z0-9_-]", &count, name) != 2 || count > 1000000) {
        printf("race err=EINVAL\n");
        return;
    }
    char counter[128];
    snprintf(counter, sizeof(counter), own ? "/own/%s/counter" : "/race/counter", name);
    for (unsigned long i = 0; i < count; i++) {
        int rc;
        while ((rc = race_one(r, counter, own ? "/own" : "/race", name, i)) == -EAGAIN)
            retries++;
        if (rc == 0) {
            committed++;
        } else {
            errors++;
            last = rc;
        }
        if (rc == -EPIPE)
            break;
    }
    printf("%s done n=%lu committed=%lu retries=%lu errors=%lu last_err=%s ms=%lld\n", own ? "own" : "race", count,
           committed, retries,
           errors, err_name(last), (long long)xvios_ts_diff_ms(t0, xvios_now()));
}

static void fill(xvios_rdb *r, const char *args)
{
    static char val[XVIOS_STORE_MAX_VALUE];
    unsigned long count = 0, size = 0;
    xvios_tx tx;
    int rc;

    if (sscanf(args, "%lu %lu", &count, &size) != 2 || count > 1024 || size > sizeof(val)) {
        printf("fill err=EINVAL\n");
        return;
    }
    memset(val, 'f', size);
    if ((rc = xvios_rdb_tx_start(r, &tx)) == 0) {
        for (unsigned long i = 0; i < count && rc == 0; i++) {
            char path[64];
            snprintf(path, sizeof(path), "/fill/%lu", i);
            rc = xvios_rdb_write(r, tx, path, val, size);
        }
        rc = rc == 0 ? xvios_rdb_tx_end(r, tx, true) : (xvios_rdb_tx_end(r, tx, false), rc);
    }
    printf("fill %s err=%s\n", rc == 0 ? "ok" : "failed", err_name(rc));
}

static int command(xvios_rdb *r, char *line, int *quit)
{
    char a[1024], b[1024];

    line[strcspn(line, "\r\n")] = 0;
    if (!strcmp(line, "quit")) {
        *quit = 1;
    } else if (!strcmp(line, "status")) {
        struct xvios_rdb_status st;
        xvios_rdb_status(r, &st);
        printf("status version=%" PRIu64 " hash=%016" PRIx64 " quorate=%d mode=%s members=%u applied=%" PRIu64
               " conflicts=%" PRIu64 " refused=%" PRIu64 " failed=%" PRIu64 " rounds=%" PRIu64 " loads=%" PRIu64
               " chunks=%" PRIu64 " bad=%" PRIu64 " no_quorum=%" PRIu64 " ring=%u/%u inc=%s undecided=%" PRIu64
               " inc_taken=%" PRIu64 "\n",
               st.version, st.hash, st.quorate, st.mode, st.members, st.applied, st.conflicts, st.refused, st.failed,
               st.rounds, st.loads, st.sent_chunks, st.bad_msgs, st.no_quorum, st.ring_votes, st.expected_votes,
               st.incarnation, st.undecided, st.inc_taken);
    } else if (sscanf(line, "write %1023s %1023s", a, b) == 2) {
        int rc = xvios_rdb_write(r, XVIOS_TX_NONE, a, b, strlen(b));
        if (rc == 0)
            printf("write ok\n");
        else
            printf("write err=%s msg=%s\n", err_name(rc), strerror(-rc));
        return rc == -EPIPE ? rc : 0;
    } else if (!strncmp(line, "race ", 5)) {
        race(r, line + 5, false);
    } else if (!strncmp(line, "own ", 4)) {
        race(r, line + 4, true);
    } else if (!strncmp(line, "fill ", 5)) {
        fill(r, line + 5);
    } else if (sscanf(line, "dbcreate %63s", a) == 1) {
        struct xvios_db_config dc = { .max_nodes = 16, .timeout_ms = 2000, .retries = 3 };
        memcpy(dc.name, a, strlen(a) + 1);   /* %63s: fits */
        int rc = plat_attached(r);
        if (rc == 0)
            rc = xvios_db_cluster_create(plat, &dc);
        printf("dbcreate rc=%d\n", rc);
    } else if (!strcmp(line, "dbconfig")) {
        struct xvios_db_config dc;
        int rc = plat_attached(r);
        if (rc == 0)
            rc = xvios_db_config_read(plat, &dc);
        if (rc == 0)
            printf("dbconfig rc=0 name=%s max_nodes=%u timeout_ms=%u\n", dc.name, dc.max_nodes, dc.timeout_ms);
        else
            printf("dbconfig rc=%d\n", rc);
    } else if (sscanf(line, "seamtx %1023s %1023s", a, b) == 2) {
        xvios_tx tx = XVIOS_TX_NONE;
        int r1 = 0, r2 = 0, re, g1, g2;
        char *v = NULL;
        size_t vl;
        int rc = plat_attached(r);
        if (rc == 0)
            rc = xvios_store_tx_start(plat, &tx);
        if (rc == 0) {
            r1 = xvios_store_write(plat, tx, a, "1", 1);
            r2 = xvios_store_write(plat, tx, b, "2", 1);
            re = xvios_store_tx_end(plat, tx, r1 == 0 && r2 == 0);
            g1 = xvios_store_read(plat, XVIOS_TX_NONE, a, &v, &vl);
            free(v);
            v = NULL;
            g2 = xvios_store_read(plat, XVIOS_TX_NONE, b, &v, &vl);
            free(v);
            printf("seamtx first=%d second=%d end=%d read1=%d read2=%d\n", r1, r2, re, g1, g2);
        } else {
            printf("seamtx rc=%d\n", rc);
        }
    } else if (sscanf(line, "watch %1023s", a) == 1) {
        int rc = xvios_rdb_watch(r, a, "w");
        printf("watch %s rc=%d\n", a, rc);
    } else if (sscanf(line, "dump %1023s", a) == 1) {
        FILE *f = fopen(a, "w");
        int rc = f ? xvios_rdb_dump(r, f) : -errno;
        if (f && fclose(f) != 0 && rc == 0)
            rc = -EIO;
        printf(rc == 0 ? "dumped %s\n" : "dump failed %s\n", a);
    } else {
        printf("nack %s\n", line);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rdb_tool CLUSTER STATE_FILE\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    state_file = argv[2];
    struct xvios_rdb_config cfg = { .cluster = argv[1], .state_file = argv[2], .self_domid = 0 };
    xvios_rdb *r = NULL;
    int rc = xvios_rdb_open(&cfg, &r);
    if (rc < 0) {
        fprintf(stderr, "rdb_tool: open: %s\n", strerror(-rc));
        return 1;
    }
    int status = 0, quit = 0, in_open = 1;
    char line[4096];
    size_t have = 0;
    report(r);
    while (!quit) {
        struct pollfd pfd[2] = { { .fd = xvios_rdb_fd(r), .events = POLLIN },
                                 { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
        if (poll(pfd, 2, 1000) < 0 && errno != EINTR) {
            status = 1;
            break;
        }
        if (xvios_rdb_dispatch(r) == -EPIPE) {
            printf("gone t=%lld\n", wall_ms());
            status = 1;
            break;
        }
        report(r);
        drain_events(r);
        if (pfd[1].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
            if (n <= 0) {
                in_open = 0;
                quit = 1;
                continue;
            }
            have += (size_t)n;
            line[have] = 0;
            char *nl;
            while (!quit && (nl = strchr(line, '\n'))) {
                *nl = 0;
                if (command(r, line, &quit) == -EPIPE)
                    quit = status = 1;
                report(r);
                drain_events(r);
                size_t used = (size_t)(nl + 1 - line);
                memmove(line, nl + 1, have - used + 1);
                have -= used;
            }
            if (have == sizeof line - 1) {
                fprintf(stderr, "rdb_tool: command line too long\n");
                status = 1;
                break;
            }
        }
    }
    if (plat) {
        xvios_rdb_detach(plat);
        xvios_plat_close(plat);
    }
    xvios_rdb_close(r);
    return status;
}
