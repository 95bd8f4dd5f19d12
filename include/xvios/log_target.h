/* SPDX-License-Identifier: MIT */
/*
 * xvios/log_target.h - where a program's log lines go: stderr or a file in
 * the line format of xvios/log.h, syslog, or the systemd journal with the
 * line's fields as structured fields (NODE=, CODE_FILE=, CODE_LINE=,
 * CODE_FUNC=, PRIORITY=, SYSLOG_IDENTIFIER=).
 *
 * For the programs only (xvios-backend, xviosd): the journal needs
 * libsystemd, which libxvios-client must not pull in, so this file is kept
 * out of the shared library (the Makefile's CLIENT_SO_SRCS).
 *
 * "auto" picks: the file when one is given; stderr when it is a terminal,
 * a regular file or a pipe (someone is reading it); the journal when stderr
 * is the journal's stream (a systemd service: $JOURNAL_STREAM names it) or
 * goes nowhere (closed, /dev/null) and journald listens; else syslog.
 */
#ifndef XVIOS_LOG_TARGET_H
#define XVIOS_LOG_TARGET_H

#include "xvios/log.h"

enum xvios_log_target {
    XVIOS_LOG_TARGET_AUTO = 0,
    XVIOS_LOG_TARGET_STDERR,
    XVIOS_LOG_TARGET_FILE,
    XVIOS_LOG_TARGET_SYSLOG,
    XVIOS_LOG_TARGET_JOURNAL,
};

/* "auto", "stderr", "file", "syslog", "journal" -> the target; -EINVAL for another word. */
int xvios_log_target_parse(const char *untrusted_s, enum xvios_log_target *out);
const char *xvios_log_target_name(enum xvios_log_target t);

/* What "auto" means here and now (never returns AUTO); file: the --log FILE or NULL. */
enum xvios_log_target xvios_log_target_resolve(enum xvios_log_target t, const char *file);

/*
 * Route this process's log to t (resolved first). FILE needs file (-EINVAL
 * without one); -errno when the file cannot be opened. Returns 0 and the
 * resolved target in *used (may be NULL).
 */
int xvios_log_target_use(enum xvios_log_target t, const char *file, enum xvios_log_target *used);

/* The two sinks themselves (xvios_log_set_sink), for tests. */
void xvios_log_sink_syslog(const struct xvios_log_rec *rec);
void xvios_log_sink_journal(const struct xvios_log_rec *rec);

#endif /* XVIOS_LOG_TARGET_H */
