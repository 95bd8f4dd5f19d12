/* SPDX-License-Identifier: MIT */
/*
 * blk_pattern.c - TEST SUPPORT: O_DIRECT pattern I/O on a block device (or
 * a file), for the vSCSI scenarios of the rig (a client domain's /dev/sdX
 * served by a VIOS) where busybox has no pattern checker:
 *
 *   blk_pattern write  DEV MIB SEED   write MIB MiB of the pattern, 1 MiB per
 *                                     call, O_DIRECT, then fsync
 *   blk_pattern verify DEV MIB SEED   read them back with O_DIRECT and compare
 *                                     (write/verify: buffered where the file
 *                                     system refuses O_DIRECT, e.g. tmpfs)
 *   blk_pattern hammer DEV MIB SECS   read/write 64 KiB blocks round the first
 *                                     MIB MiB until an I/O fails or SECS pass
 *   blk_pattern lat    DEV MIB COUNT  COUNT 4 KiB O_DIRECT reads, one at a
 *                                     time, spread over the first MIB MiB:
 *                                     "lat n=N median_us=M p90_us=P max_us=X"
 *   blk_pattern luid   PATH           the unit serial number the vSCSI engine
 *                                     derives from an LU path (VPD page 0x80)
 *
 * Every 512-byte sector of the pattern carries "XVPT", the seed and its LBA,
 * then bytes from a generator seeded by both: a sector written to the wrong
 * place, a stale sector or a torn one is told apart. write/verify print one
 * line with the MB/s; verify names the first bad LBA. hammer prints one
 * line "ok ios=N" when SECS passed, or "error ios=N errno=E io_ms=T
 * since_last_ok_ms=T" at the first failed I/O (io_ms: how long the failing
 * call took). Exit status 0 ok, 1 mismatch or I/O error, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xvios/parse.h"

#define SECTOR   512u
#define CHUNK    (1u << 20)
#define HAMMER   (64u << 10)
#define MAX_MIB  (1u << 20)

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void fill_sector(uint8_t *s, uint32_t seed, uint64_t lba)
{
    uint64_t x = (lba + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 17 | seed);

    memcpy(s, "XVPT", 4);
    memcpy(s + 4, &seed, 4);
    memcpy(s + 8, &lba, 8);
    for (unsigned i = 16; i < SECTOR; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(s + i, &x, 8);
    }
}

/* pread/pwrite all of len at off; -errno, or -EIO on a short transfer */
static int xfer(int fd, bool wr, uint8_t *buf, size_t len, off_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = wr ? pwrite(fd, buf + done, len - done, off + (off_t)done)
                       : pread(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        done += (size_t)n;
    }
    return 0;
}

static int pattern(const char *dev, bool wr, uint32_t mib, uint32_t seed)
{
    uint8_t *buf = NULL, *want = NULL;
    uint64_t t0 = now_ms(), bad = 0, first_bad = 0;
    int fd = -1, rc = 1, e;

    fd = open(dev, (wr ? O_WRONLY : O_RDONLY) | O_DIRECT | O_CLOEXEC);
    if (fd < 0 && errno == EINVAL) {
        /* a file on a file system without O_DIRECT (tmpfs before Linux 6.6): the LU file inside a VIOS */
        fprintf(stderr, "blk_pattern: %s: no O_DIRECT here, buffered I/O\n", dev);
        fd = open(dev, (wr ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    }
    if (fd < 0) {
        fprintf(stderr, "blk_pattern: %s: %s\n", dev, strerror(errno));
        goto out;
    }
    if (posix_memalign((void **)&buf, 4096, CHUNK) || !(want = malloc(SECTOR))) {
        fprintf(stderr, "blk_pattern: out of memory\n");
        goto out;
    }
    for (uint64_t c = 0; c < mib; c++) {
        off_t off = (off_t)(c * CHUNK);
        if (wr)
            for (unsigned s = 0; s < CHUNK / SECTOR; s++)
                fill_sector(buf + s * SECTOR, seed, (uint64_t)off / SECTOR + s);
        if ((e = xfer(fd, wr, buf, CHUNK, off)) < 0) {
            fprintf(stderr, "blk_pattern: %s at byte %" PRIu64 ": %s\n", wr ? "write" : "read", (uint64_t)off,
                    strerror(-e));
            goto out;
        }
        if (wr)
            continue;
        for (unsigned s = 0; s < CHUNK / SECTOR; s++) {
            uint64_t lba = (uint64_t)off / SECTOR + s;
            fill_sector(want, seed, lba);
            if (memcmp(want, buf + s * SECTOR, SECTOR) != 0 && bad++ == 0)
                first_bad = lba;
        }
    }
    if (wr && fsync(fd) < 0) {
        fprintf(stderr, "blk_pattern: fsync: %s\n", strerror(errno));
        goto out;
    }
    uint64_t ms = now_ms() - t0;
    if (bad) {
        printf("verify %s: %" PRIu64 " bad sectors, the first at LBA %" PRIu64 "\n", dev, bad, first_bad);
        goto out;
    }
    printf("%s %s: %u MiB ok in %" PRIu64 " ms (%.1f MB/s)\n", wr ? "write" : "verify", dev, mib, ms,
           ms ? (double)mib * CHUNK / 1e3 / (double)ms : 0.0);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(want);
    return rc;
}

static int hammer(const char *dev, uint32_t mib, uint32_t secs)
{
    uint64_t t0 = now_ms(), last_ok = t0, ios = 0, blocks = (uint64_t)mib * CHUNK / HAMMER;
    uint8_t *buf = NULL;
    int fd = -1, rc = 1;

    fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
    if (fd < 0 || posix_memalign((void **)&buf, 4096, HAMMER)) {
        fprintf(stderr, "blk_pattern: %s: %s\n", dev, fd < 0 ? strerror(errno) : "out of memory");
        goto out;
    }
    memset(buf, 0xa5, HAMMER);
    printf("started\n");
    fflush(stdout);
    while (now_ms() - t0 < (uint64_t)secs * 1000u) {
        uint64_t t = now_ms();
        int e = xfer(fd, ios % 2 == 1, buf, HAMMER, (off_t)(ios % blocks * HAMMER));
        if (e < 0) {
            uint64_t end = now_ms();
            printf("error ios=%" PRIu64 " errno=%s io_ms=%" PRIu64 " since_last_ok_ms=%" PRIu64 "\n", ios,
                   strerror(-e), end - t, end - last_ok);
            goto out;
        }
        last_ok = now_ms();
        ios++;
    }
    printf("ok ios=%" PRIu64 "\n", ios);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

static uint64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

#define LAT_BLOCK 4096u
#define LAT_MAX   100000u

/* count single 4 KiB direct reads (a stride that visits the region's blocks in a scattered order) */
static int latency(const char *dev, uint32_t mib, uint32_t count)
{
    uint64_t blocks = (uint64_t)mib * CHUNK / LAT_BLOCK, *us = NULL;
    uint8_t *buf = NULL;
    int fd = -1, rc = 1;

    fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
    us = calloc(count, sizeof(*us));
    if (fd < 0 || !us || posix_memalign((void **)&buf, 4096, LAT_BLOCK)) {
        fprintf(stderr, "blk_pattern: %s: %s\n", dev, fd < 0 ? strerror(errno) : "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint64_t t = now_us();
        int e = xfer(fd, false, buf, LAT_BLOCK, (off_t)((i * 7919ull) % blocks * LAT_BLOCK));

        if (e < 0) {
            printf("error n=%" PRIu32 " errno=%s\n", i, strerror(-e));
            goto out;
        }
        us[i] = now_us() - t;
    }
    qsort(us, count, sizeof(*us), cmp_u64);
    printf("lat n=%" PRIu32 " median_us=%" PRIu64 " p90_us=%" PRIu64 " max_us=%" PRIu64 "\n", count,
           us[count / 2], us[(uint64_t)count * 9 / 10], us[count - 1]);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(us);
    return rc;
}

/* the engine's unit serial of an LU: "XV" + FNV-1a 64 of its path (backend/vscsi/vscsi_lun.c) */
static void luid(const char *path)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (const char *s = path; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    printf("XV%016" PRIx64 "\n", h);
}

int main(int argc, char **argv)
{
    uint32_t mib = 0, n = 0;

    if (argc == 3 && strcmp(argv[1], "luid") == 0) {
        luid(argv[2]);
        return 0;
    }
    if (argc != 5 || xvios_parse_u32(argv[3], 1, MAX_MIB, &mib) < 0 ||
        xvios_parse_u32(argv[4], 0, UINT32_MAX, &n) < 0) {
        fprintf(stderr, "usage: blk_pattern write|verify DEV MIB SEED | hammer DEV MIB SECS | lat DEV MIB COUNT | luid PATH\n");
        return 2;
    }
    if (strcmp(argv[1], "write") == 0 || strcmp(argv[1], "verify") == 0)
        return pattern(argv[2], argv[1][0] == 'w', mib, n);
    if (strcmp(argv[1], "hammer") == 0 && mib * (uint64_t)CHUNK >= HAMMER)
        return hammer(argv[2], mib, n);
    if (strcmp(argv[1], "lat") == 0 && n >= 1 && n <= LAT_MAX)
        return latency(argv[2], mib, n);
    fprintf(stderr, "blk_pattern: bad command %s\n", argv[1]);
    return 2;
}
