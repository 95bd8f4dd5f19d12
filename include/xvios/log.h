/* SPDX-License-Identifier: MIT */
/*
 * xvios/log.h - the one logging macro family. Every line starts with the
 * CLOCK_MONOTONIC time, the program and its node, the level (D I W E), the
 * source file, line and function, e.g. (xen/vke/vke_recv.c, drop()):
 *   5123.042 xvios-backend[node 2] W vke_recv.c:18 drop(): dropped a packet from node 3 (domid 103): bad magic
 * Output goes to stderr (or a file set with xvios_log_open()); the level is
 * set with xvios_log_set_level() or XVIOS_LOG=debug|info|warn|err.
 *
 * A program may route the lines elsewhere (syslog, the journal) with
 * xvios_log_set_sink(): the sink gets the message text and its fields
 * separately. The library itself only knows the line format above, so it
 * needs nothing beyond libc; the journal sink lives in the programs
 * (xvios/log_target.h).
 */
#ifndef XVIOS_LOG_H
#define XVIOS_LOG_H

#include <stdint.h>

enum xvios_log_level { XVIOS_LOG_DEBUG = 0, XVIOS_LOG_INFO = 1, XVIOS_LOG_WARN = 2, XVIOS_LOG_ERR = 3 };

void xvios_log_set_node(uint32_t node);      /* 0 = unknown yet */
void xvios_log_set_prog(const char *prog);   /* e.g. "xvios-backend" */
void xvios_log_set_level(enum xvios_log_level lvl);
int  xvios_log_open(const char *path);       /* append to a file instead of stderr */
enum xvios_log_level xvios_log_level(void);
/* The level's name ("debug", "info", "warn", "err") and back ("error" too); -EINVAL for another word. */
const char *xvios_log_level_name(enum xvios_log_level lvl);
int xvios_log_level_parse(const char *untrusted_s, enum xvios_log_level *out);

/* One message with its fields; msg is NUL-terminated, without a newline. */
struct xvios_log_rec {
    enum xvios_log_level level;
    uint32_t node;
    const char *prog;
    const char *file;       /* the base name, as in the line format */
    int line;
    const char *func;
    const char *msg;
};
typedef void (*xvios_log_sink_fn)(const struct xvios_log_rec *rec);
/* Route every message to sink (NULL: back to the line format on stderr or the log file). */
void xvios_log_set_sink(xvios_log_sink_fn sink);

void xvios_log(enum xvios_log_level lvl, const char *file, int line, const char *func,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define XLOG_(lvl, ...) \
    do { if ((lvl) >= xvios_log_level()) xvios_log((lvl), __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)
#define XLOG_DEBUG(...) XLOG_(XVIOS_LOG_DEBUG, __VA_ARGS__)
#define XLOG_INFO(...)  XLOG_(XVIOS_LOG_INFO, __VA_ARGS__)
#define XLOG_WARN(...)  XLOG_(XVIOS_LOG_WARN, __VA_ARGS__)
#define XLOG_ERR(...)   XLOG_(XVIOS_LOG_ERR, __VA_ARGS__)

#endif /* XVIOS_LOG_H */
