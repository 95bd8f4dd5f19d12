/* SPDX-License-Identifier: MIT */
/*
 * vchan_raw.c - TEST SUPPORT: the raw transport under the VKE, for the rig's
 * benchmark (scenario 91): a bare libxenvchan between two domains, with the
 * ring sizes of a cluster link (128 KiB each way), no framing beyond a 5-byte
 * header, no daemon, no receipts.
 *
 *   vchan_raw serve PEER_DOMID XS_PATH SECONDS
 *        serve a vchan to PEER_DOMID at XS_PATH (a directory this domain may
 *        write, e.g. /local/domain/<self>/data/vchan-raw); answer frames until
 *        the peer closes or SECONDS pass
 *   vchan_raw ping SERVER_DOMID XS_PATH SIZE OPS
 *        OPS round trips of a SIZE-byte frame echoed back whole; prints
 *        "ping size=SIZE ops=OPS us_per_op=X"
 *   vchan_raw bulk SERVER_DOMID XS_PATH BYTES REPS
 *        REPS times: BYTES one way as one frame, then a 1-byte
 *        acknowledgement; prints "bulk bytes=BYTES reps=REPS mb_s=X" (the
 *        median of the repetitions) and "bulk_ms=" with each one's time
 *
 * A frame: u32 length (little endian), u8 mode (0 echo, 1 acknowledge), then
 * length bytes; a ping frame and its echo each go in one write (one event
 * channel notification, as a cluster link sends a packet). Blocking vchan calls under an alarm() deadline: a peer that
 * stops answering ends the program (exit 1), it never hangs.
 * Exit status 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <xentoollog.h>

#include "xvios/parse.h"

#define RING_SIZE  (128u << 10) /* a cluster link's rings (plat_xen's PLAT_XEN_RING_SIZE) */
#define FRAME_HDR  5u
#define MAX_FRAME  (64u << 20)
#define MAX_PING   (1u << 20)
#define MAX_OPS    1000000u
#define MAX_REPS   1000u
#define MODE_ECHO  0
#define MODE_ACK   1
#define CLIENT_SECS 120u /* a whole client run's deadline */

static uint8_t *buf;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void on_alarm(int sig)
{
    static const char msg[] = "vchan_raw: deadline passed\n";
    (void)sig;
    if (write(2, msg, sizeof(msg) - 1) < 0)
        _exit(1);
    _exit(1);
}

static int read_full(struct libxenvchan *vc, void *dst, size_t len)
{
    size_t got = 0;

    while (got < len) {
        int n = libxenvchan_read(vc, (uint8_t *)dst + got, len - got);
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static int write_full(struct libxenvchan *vc, const void *src, size_t len)
{
    return libxenvchan_write(vc, src, len) == (int)len ? 0 : -1;
}

static void frame_hdr(uint8_t *h, uint32_t len, uint8_t mode)
{
    h[0] = (uint8_t)len;
    h[1] = (uint8_t)(len >> 8);
    h[2] = (uint8_t)(len >> 16);
    h[3] = (uint8_t)(len >> 24);
    h[4] = mode;
}

/* Answer frames until the peer closes (0) or a read/write fails (-1). */
static int serve_frames(struct libxenvchan *vc)
{
    uint8_t h[FRAME_HDR];

    for (;;) {
        uint32_t len, left;
        if (read_full(vc, h, sizeof(h)) < 0)
            return libxenvchan_is_open(vc) ? -1 : 0;
        len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        if (len > MAX_FRAME || h[4] > MODE_ACK) {
            fprintf(stderr, "vchan_raw: bad frame (length %u, mode %u)\n", len, h[4]);
            return -1;
        }
        if (h[4] == MODE_ECHO && len > MAX_PING) {
            fprintf(stderr, "vchan_raw: echo frame of %u bytes, at most %u\n", len, MAX_PING);
            return -1;
        }
        if (h[4] == MODE_ECHO) {
            /* the answer in one write: one notification, as a link sends a packet */
            memcpy(buf, h, sizeof(h));
            if (read_full(vc, buf + FRAME_HDR, len) < 0 || write_full(vc, buf, FRAME_HDR + len) < 0)
                return -1;
            continue;
        }
        for (left = len; left;) {
            uint32_t n = left < MAX_PING ? left : MAX_PING;
            if (read_full(vc, buf, n) < 0)
                return -1;
            left -= n;
        }
        if (write_full(vc, "k", 1) < 0)
            return -1;
    }
}

static int cmd_serve(int argc, char **argv, xentoollog_logger *lg)
{
    uint32_t peer, secs;
    struct libxenvchan *vc;
    int rc;

    if (argc != 5 || xvios_parse_u32(argv[2], 1, 0x7fef, &peer) < 0 ||
        xvios_parse_u32(argv[4], 1, 3600, &secs) < 0)
        return 2;
    alarm(secs);
    vc = libxenvchan_server_init(lg, (int)peer, argv[3], RING_SIZE, RING_SIZE);
    if (!vc) {
        fprintf(stderr, "vchan_raw: cannot serve at %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    vc->blocking = 1;
    printf("serving %s to domain %u\n", argv[3], peer);
    fflush(stdout);
    /* the client's first frame arrives once it mapped the rings */
    rc = serve_frames(vc);
    libxenvchan_close(vc);
    return rc < 0 ? 1 : 0;
}

static struct libxenvchan *connect_to(xentoollog_logger *lg, uint32_t server, const char *path)
{
    struct libxenvchan *vc = NULL;

    /* the server may still be starting: retry for up to 10 s */
    for (int i = 0; i < 100 && !vc; i++) {
        vc = libxenvchan_client_init(lg, (int)server, path);
        if (!vc)
            usleep(100000);
    }
    if (!vc)
        fprintf(stderr, "vchan_raw: no vchan from domain %u at %s\n", server, path);
    else
        vc->blocking = 1;
    return vc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmd_ping(struct libxenvchan *vc, uint32_t size, uint32_t ops)
{
    uint8_t h[FRAME_HDR];
    double t0 = 0;

    frame_hdr(buf, size, MODE_ECHO);
    memset(buf + FRAME_HDR, 0x5a, size);
    /* warm up: the first round trips fault the rings in */
    for (uint32_t i = 0; i < 20 + ops; i++) {
        if (i == 20)
            t0 = now_us();
        frame_hdr(buf, size, MODE_ECHO);
        if (write_full(vc, buf, FRAME_HDR + size) < 0 || read_full(vc, h, sizeof(h)) < 0 ||
            read_full(vc, buf + FRAME_HDR, size) < 0) {
            fprintf(stderr, "vchan_raw: round trip %u failed\n", i);
            return 1;
        }
    }
    printf("ping size=%u ops=%u us_per_op=%.1f\n", size, ops, (now_us() - t0) / ops);
    return 0;
}

static int cmd_bulk(struct libxenvchan *vc, uint32_t bytes, uint32_t reps)
{
    static double mb_s[MAX_REPS];
    uint8_t h[FRAME_HDR], ack;

    memset(buf, 0xa5, MAX_PING);
    printf("bulk_ms=");
    for (uint32_t r = 0; r < reps; r++) {
        double t0 = now_us(), dt;
        frame_hdr(h, bytes, MODE_ACK);
        if (write_full(vc, h, sizeof(h)) < 0)
            return 1;
        for (uint32_t left = bytes; left;) {
            uint32_t n = left < MAX_PING ? left : MAX_PING;
            if (write_full(vc, buf, n) < 0)
                return 1;
            left -= n;
        }
        if (read_full(vc, &ack, 1) < 0 || ack != 'k') {
            fprintf(stderr, "vchan_raw: no acknowledgement of transfer %u\n", r);
            return 1;
        }
        dt = now_us() - t0;
        mb_s[r] = bytes / dt; /* bytes per us = MB/s */
        printf("%s%.2f", r ? "," : "", dt / 1e3);
    }
    qsort(mb_s, reps, sizeof(mb_s[0]), cmp_double);
    printf("\nbulk bytes=%u reps=%u mb_s=%.1f\n", bytes, reps,
           reps % 2 ? mb_s[reps / 2] : (mb_s[reps / 2 - 1] + mb_s[reps / 2]) / 2);
    return 0;
}

static int cmd_client(int argc, char **argv, xentoollog_logger *lg)
{
    uint32_t server, a, b;
    struct libxenvchan *vc;
    int ping = !strcmp(argv[1], "ping"), rc;

    if (argc != 6 || xvios_parse_u32(argv[2], 0, 0x7fef, &server) < 0 ||
        xvios_parse_u32(argv[4], 1, ping ? MAX_PING : MAX_FRAME, &a) < 0 ||
        xvios_parse_u32(argv[5], 1, ping ? MAX_OPS : MAX_REPS, &b) < 0)
        return 2;
    alarm(CLIENT_SECS);
    vc = connect_to(lg, server, argv[3]);
    if (!vc)
        return 1;
    rc = ping ? cmd_ping(vc, a, b) : cmd_bulk(vc, a, b);
    libxenvchan_close(vc);
    return rc;
}

int main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *lg;
    int rc = 2;

    signal(SIGALRM, on_alarm);
    signal(SIGPIPE, SIG_IGN);
    buf = malloc(FRAME_HDR + MAX_PING);
    lg = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!buf || !lg) {
        fprintf(stderr, "vchan_raw: out of memory\n");
        rc = 1;
        goto out;
    }
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        rc = cmd_serve(argc, argv, (xentoollog_logger *)lg);
    else if (argc >= 2 && (!strcmp(argv[1], "ping") || !strcmp(argv[1], "bulk")))
        rc = cmd_client(argc, argv, (xentoollog_logger *)lg);
    if (rc == 2)
        fprintf(stderr, "usage: vchan_raw serve PEER_DOMID XS_PATH SECONDS | ping SERVER_DOMID XS_PATH SIZE OPS |"
                        " bulk SERVER_DOMID XS_PATH BYTES REPS\n");
out:
    if (lg)
        xtl_logger_destroy((xentoollog_logger *)lg);
    free(buf);
    return rc;
}
