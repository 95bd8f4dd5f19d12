/* SPDX-License-Identifier: MIT */
/* log.c - the xvios logging sink: one line per call, naming node, file, line, function. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "xvios/log.h"

static uint32_t log_node;
static const char *log_prog = "xvios";
static int log_fd = STDERR_FILENO;
static int log_level = -1;
static xvios_log_sink_fn log_sink;

static const char *const level_names[] = { "debug", "info", "warn", "err" };
_Static_assert(sizeof(level_names) / sizeof(level_names[0]) == XVIOS_LOG_ERR + 1, "one name per level");

const char *xvios_log_level_name(enum xvios_log_level lvl)
{
    return (unsigned)lvl <= XVIOS_LOG_ERR ? level_names[lvl] : "?";
}

int xvios_log_level_parse(const char *untrusted_s, enum xvios_log_level *out)
{
    for (unsigned i = 0; i <= XVIOS_LOG_ERR; i++) {
        if (!strcasecmp(untrusted_s, level_names[i])) {
            *out = (enum xvios_log_level)i;
            return 0;
        }
    }
    if (!strcasecmp(untrusted_s, "error")) {
        *out = XVIOS_LOG_ERR;
        return 0;
    }
    return -EINVAL;
}

void xvios_log_set_sink(xvios_log_sink_fn sink) { log_sink = sink; }

void xvios_log_set_node(uint32_t node) { log_node = node; }
void xvios_log_set_prog(const char *prog) { log_prog = prog; }
void xvios_log_set_level(enum xvios_log_level lvl) { log_level = (int)lvl; }

enum xvios_log_level xvios_log_level(void)
{
    if (log_level < 0) {
        const char *e = getenv("XVIOS_LOG");
        enum xvios_log_level l = XVIOS_LOG_INFO;
        if (e)
            (void)xvios_log_level_parse(e, &l);   /* an unknown word keeps the default */
        log_level = (int)l;
    }
    return (enum xvios_log_level)log_level;
}

int xvios_log_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void xvios_log(enum xvios_log_level lvl, const char *file, int line, const char *func, const char *fmt, ...)
{
    static const char tag[] = "DIWE";
    char buf[1024];
    struct timespec ts;
    const char *base = strrchr(file, '/');
    int saved = errno;
    size_t off;
    int n;
    va_list ap;

    if (log_sink) {
        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n >= 0) {
            log_sink(&(struct xvios_log_rec){ .level = lvl, .node = log_node, .prog = log_prog,
                                              .file = base ? base + 1 : file, .line = line, .func = func, .msg = buf });
        }
        errno = saved;
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    n = snprintf(buf, sizeof(buf), "%ld.%03ld %s[node %u] %c %s:%d %s(): ", (long)ts.tv_sec,
                 ts.tv_nsec / 1000000L, log_prog, log_node, tag[lvl & 3], base ? base + 1 : file, line, func);
    off = n < 0 ? 0 : (size_t)n >= sizeof(buf) ? sizeof(buf) - 1 : (size_t)n;
    va_start(ap, fmt);
    n = vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
    va_end(ap);
    off = n < 0 ? off : off + (size_t)n >= sizeof(buf) - 1 ? sizeof(buf) - 2 : off + (size_t)n;
    buf[off++] = '\n';
    /* one write() per line so lines from several processes do not interleave */
    if (write(log_fd, buf, off) < 0) {
        /* nowhere left to report it */
    }
    errno = saved;
}
