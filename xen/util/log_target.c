/* SPDX-License-Identifier: MIT */
/* log_target.c - routing a program's log to stderr, a file, syslog or the journal (xvios/log_target.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* the fields are ours (the caller's file, line, function), not this file's */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "xvios/log_target.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static const char *const target_names[] = { "auto", "stderr", "file", "syslog", "journal" };
_Static_assert(sizeof(target_names) / sizeof(target_names[0]) == XVIOS_LOG_TARGET_JOURNAL + 1, "one name per target");

int xvios_log_target_parse(const char *untrusted_s, enum xvios_log_target *out)
{
    for (unsigned i = 0; i < sizeof(target_names) / sizeof(target_names[0]); i++) {
        if (!strcmp(untrusted_s, target_names[i])) {
            *out = (enum xvios_log_target)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *xvios_log_target_name(enum xvios_log_target t)
{
    return (unsigned)t <= XVIOS_LOG_TARGET_JOURNAL ? target_names[t] : "?";
}

/* syslog(3) priorities for D I W E */
static int priority_of(enum xvios_log_level lvl)
{
    static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };
    return prio[(unsigned)lvl & 3u];
}

/* Is stderr the stream systemd connected to the journal ($JOURNAL_STREAM is "DEVICE:INODE")? */
static bool stderr_is_journal_stream(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    int used = 0;

    if (!e || sscanf(e, "%llu:%llu%n", &dev, &ino, &used) != 2 || e[used] != '\0')
        return false;
    return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

enum xvios_log_target xvios_log_target_resolve(enum xvios_log_target t, const char *file)
{
    struct stat st;

    if (t != XVIOS_LOG_TARGET_AUTO)
        return t;
    if (file)
        return XVIOS_LOG_TARGET_FILE;
    if (stderr_is_journal_stream())
        return XVIOS_LOG_TARGET_JOURNAL;
    if (isatty(STDERR_FILENO) ||
        (fstat(STDERR_FILENO, &st) == 0 && (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))))
        return XVIOS_LOG_TARGET_STDERR;
    /* nobody reads stderr: the system's log */
    return access(JOURNAL_SOCKET, W_OK) == 0 ? XVIOS_LOG_TARGET_JOURNAL : XVIOS_LOG_TARGET_SYSLOG;
}

void xvios_log_sink_syslog(const struct xvios_log_rec *r)
{
    syslog(priority_of(r->level), "node %" PRIu32 " %s:%d %s(): %s", r->node, r->file, r->line, r->func, r->msg);
}

void xvios_log_sink_journal(const struct xvios_log_rec *r)
{
    /* sd_journal_send() says nothing when the journal's socket is missing: look first */
    int rc = access(JOURNAL_SOCKET, W_OK) < 0 ? -errno : sd_journal_send("MESSAGE=%s", r->msg, "PRIORITY=%d", priority_of(r->level), "NODE=%" PRIu32, r->node,
                             "CODE_FILE=%s", r->file, "CODE_LINE=%d", r->line, "CODE_FUNC=%s", r->func,
                             "SYSLOG_IDENTIFIER=%s", r->prog, NULL);
    if (rc < 0) {
        /* journald is gone: keep the message on stderr rather than lose it */
        char line[1200];
        int n = snprintf(line, sizeof(line), "%s[node %" PRIu32 "] %c %s:%d %s(): %s\n", r->prog, r->node,
                         "DIWE"[(unsigned)r->level & 3u], r->file, r->line, r->func, r->msg);
        if (n > 0 && write(STDERR_FILENO, line, (size_t)n >= sizeof(line) ? sizeof(line) - 1 : (size_t)n) < 0) {
            /* nowhere left to report it */
        }
    }
}

int xvios_log_target_use(enum xvios_log_target t, const char *file, enum xvios_log_target *used)
{
    int rc;

    t = xvios_log_target_resolve(t, file);
    switch (t) {
    case XVIOS_LOG_TARGET_FILE:
        if (!file)
            return -EINVAL;
        if ((rc = xvios_log_open(file)) < 0)
            return rc;
        xvios_log_set_sink(NULL);
        break;
    case XVIOS_LOG_TARGET_SYSLOG:
        openlog(NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON);   /* NULL: the program's name */
        xvios_log_set_sink(xvios_log_sink_syslog);
        break;
    case XVIOS_LOG_TARGET_JOURNAL:
        xvios_log_set_sink(xvios_log_sink_journal);
        break;
    default:
        xvios_log_set_sink(NULL);
        break;
    }
    if (used)
        *used = t;
    return 0;
}
