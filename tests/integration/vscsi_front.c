/* SPDX-License-Identifier: MIT */
/*
 * vscsi_front.c - TEST SUPPORT: a loopback vscsiif frontend process, as
 * Linux xen-scsifront behaves, driving a VIOS's vSCSI engine through the
 * loopback grant table and event channel (tests/lib/vscsifront.h).
 *
 *   vscsi_front ROOT CLIENT VIOS VHOST STEP...
 *
 * Connects like scsifront (ring-ref + event-channel in one transaction,
 * state 3, LUNs added on the backend's 4 by writing its own dev-N state 4,
 * state 4), follows Reconfiguring/Reconfigured (7/8) for hot-plug at every
 * step, then runs the steps in order; each prints "ok: ..." or "FAIL: ..."
 * and the first failure ends the program with exit status 1.
 *   inquiry:L             standard INQUIRY of LUN L (channel 0, target 0)
 *   readcap:L:BYTES       READ CAPACITY(16): BYTES of 512-byte blocks
 *   pattern:L:MIB:QD:KB   write MIB MiB of a pattern with QD requests in flight
 *                         of KB KiB each (> 104 KiB: indirect; else direct and
 *                         indirect alternating), read it back, compare
 *   rounds:L:MIB:QD:KB    pattern rounds (a new seed each) of MIB MiB, QD in flight,
 *                         KB KiB requests, until ROOT/front-stop exists; ABORTED
 *                         COMMAND is retried as scsi-ml does (at most 256 times)
 *   lat:L:N               N 4 KiB READ(16)s one at a time: median and p99 latency
 *   touch:NAME            create ROOT/NAME (a test or bench follows the steps)
 *   await:NAME            wait until ROOT/NAME exists (at most 60 s)
 *   busy:L:SECONDS        pattern write/read-back rounds on L for SECONDS while
 *                         hot-plug happens; a LUN that is hot-added gets an
 *                         INQUIRY and a 1 MiB pattern round of its own (a
 *                         read-only one: a WRITE that meets DATA PROTECT, printed)
 *   bad:CLASS             one malformed request of CLASS (act dir cmdlen nsegs
 *                         segoff indirect-len indirect-lie indirect-total grant
 *                         rqid noconnect reset abort abort-inflight rowrite), its answer checked,
 *                         then an INQUIRY proves the ring still serves
 *   overflow              a producer index beyond the ring: no answer may come,
 *                         the backend records the sticky ring error
 *   vanish:L              16 writes in flight, then SIGKILL itself
 *   stall:L:N:NAME        N 4 KiB WRITEs (a pattern) and an ABORT of the first, published
 *                         on the ring WITHOUT an event (the backend does not see them),
 *                         then ROOT/NAME is created; the test replaces the backend, and
 *                         every one of the N+1 rqids must be answered exactly once within
 *                         60 s (WRITEs GOOD, the ABORT 0x2002), nothing more within 1 s;
 *                         then the N blocks are read back and compared
 *   vpd:L:PAGE            INQUIRY VPD page PAGE (hex: 80 or 83) of LUN L, printed:
 *                         "ok: VPD 0x83 LUN L: naa.<32 hex digits>" (the NAA
 *                         designator), "ok: VPD 0x80 LUN L: serial <serial>"
 *   fill:L:MIB:BYTE       write MIB MiB of the byte BYTE (hex) from LBA 0
 *   expect:L:MIB:BYTE     read MIB MiB from LBA 0: every byte must be BYTE (hex)
 *   beyond:L              WRITE(10) of the block right after the last one:
 *                         ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE
 *   close                 state 5, wait for the backend's 5, state 6, wait 6
 *   pr:L:SA:TYPE:KEY:SAKEY:ST  PERSISTENT RESERVE OUT service action SA (hex), type TYPE, reservation
 *                         key KEY and service action key SAKEY (hex), 24-byte parameter list: the status
 *                         must be ST (hex: 0 GOOD, 18 RESERVATION CONFLICT); BUSY is retried (10 s)
 *   race:L:N:BASE         N x REGISTER AND IGNORE EXISTING KEY with keys BASE+1..BASE+N (hex): all GOOD
 *   prin:L:SA             PERSISTENT RESERVE IN service action SA (hex), printed as
 *                         "ok: PR IN LUN L sa SA: <hex bytes>"
 *   rw:L:w|r:ST           WRITE(10) or READ(10) of one block at LBA 8: the status must be ST (hex)
 *   ua:L:ASCQ             TEST UNIT READY must meet the unit attention ASC/ASCQ (hex, e.g. 2a05)
 *   post:NAME, await:NAME create ROOT/NAME; wait (60 s) until it exists (two frontends in step)
 *   follow:NAME           follow the backend's hot-plug (Reconfiguring) until ROOT/NAME exists (60 s)
 * Every data buffer is revoked as soon as its response is in: a backend
 * that still held a grant makes that fail (-EBUSY), as scsifront's
 * gnttab_try_end_foreign_access() does.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/vscsifront.h"
#include "xvios/clock.h"
#include "xvios/parse.h"

#define NPAGES   4096u
#define MAXLUNS  16u
#define QDEPTH   16u   /* scsifront's can_queue: one ring */
#define RSP_MS   20000u
#define VSCSI_TOTAL_LIE 128u   /* the engine's feature-sg-grant */

struct lun { bool used; unsigned devn; uint16_t chn, tgt, lun; };

struct io {
    bool busy;
    uint16_t rqid;
    struct vscsifront_buf *buf, *ind;
    uint64_t lba;
    uint32_t nblk;
    bool write;
};

static struct {
    xvios_plat *p;
    struct vscsifront *f;
    uint32_t client, vios, vhost;
    char fe[128], be[128];
    int my_state;
    struct lun luns[MAXLUNS];
    unsigned added, removed;
    struct io io[QDEPTH];
} F;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;

    printf("FAIL: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    exit(1);
}

static int xs_read(const char *dir, const char *key, char *buf, size_t cap)
{
    char path[256], *v = NULL;
    size_t len = 0;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    rc = xvios_store_read(F.p, XVIOS_TX_NONE, path, &v, &len);
    if (rc < 0)
        return rc;
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    free(v);
    return 0;
}

static int xs_state(const char *dir, const char *key)
{
    char v[16];
    uint32_t s;

    if (xs_read(dir, key, v, sizeof(v)) < 0 || xvios_parse_u32(v, 0, 8, &s) < 0)
        return -1;
    return (int)s;
}

static void xs_write(const char *key, const char *fmt, ...)
{
    char path[256], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", F.fe, key);
    if (xvios_store_write(F.p, XVIOS_TX_NONE, path, val, strlen(val)) < 0)
        die("cannot write %s", path);
}

static void set_state(int s)
{
    xs_write("state", "%d", s);
    F.my_state = s;
}

/* scsifront's hot-plug scan: ADD acts on backend dev-N in state 3, DEL on 5. */
static void hotplug(bool add)
{
    char dir[200], key[64], v[64], **names = NULL;
    unsigned n = 0;

    snprintf(dir, sizeof(dir), "%s/vscsi-devs", F.be);
    if (xvios_store_list(F.p, XVIOS_TX_NONE, dir, &names, &n) < 0)
        n = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t devn, h, c, t, l;
        int st;

        snprintf(key, sizeof(key), "vscsi-devs/%s/state", names[i]);
        st = xs_state(F.be, key);
        snprintf(key, sizeof(key), "vscsi-devs/%s/v-dev", names[i]);
        if (sscanf(names[i], "dev-%u", &devn) != 1 || xs_read(F.be, key, v, sizeof(v)) < 0 ||
            sscanf(v, "%u:%u:%u:%u", &h, &c, &t, &l) != 4)
            goto next;
        snprintf(key, sizeof(key), "vscsi-devs/%s/state", names[i]);
        if (add && st == 3) {
            struct lun *slot = NULL;
            for (unsigned k = 0; k < MAXLUNS && !slot; k++)
                if (!F.luns[k].used)
                    slot = &F.luns[k];
            if (!slot)
                die("too many LUNs");
            *slot = (struct lun){ .used = true, .devn = devn, .chn = (uint16_t)c, .tgt = (uint16_t)t, .lun = (uint16_t)l };
            xs_write(key, "4");
            F.added++;
            printf("ok: LUN %u:%u:%u (dev-%u) added\n", c, t, l, devn);
        } else if (!add && st == 5) {
            for (unsigned k = 0; k < MAXLUNS; k++)
                if (F.luns[k].used && F.luns[k].devn == devn)
                    F.luns[k].used = false;
            xs_write(key, "6");
            F.removed++;
            printf("ok: LUN %u:%u:%u (dev-%u) removed\n", c, t, l, devn);
        }
next:
        free(names[i]);
    }
    free(names);
    fflush(stdout);
}

/* React to the backend's state as scsifront_backend_changed does. */
static void follow_backend(void)
{
    int be = xs_state(F.be, "state");

    if (be == 4 && F.my_state == 3) {
        hotplug(true);
        set_state(4);
    } else if (be == 7 && F.my_state == 4) {
        hotplug(false);
        set_state(7);
    } else if (be == 8 && F.my_state == 7) {
        hotplug(true);
        set_state(4);
    } else if ((be == 5 || be == 6) && F.my_state == 4) {
        die("backend closed the vhost (state %d)", be);
    }
}

static void connect_fe(void)
{
    struct timespec dl = xvios_deadline_ms(RSP_MS);
    char path[256];
    xvios_tx tx;
    int rc;

    for (;;) {
        if (xvios_store_tx_start(F.p, &tx) < 0)
            die("tx start");
        snprintf(path, sizeof(path), "%s/ring-ref", F.fe);
        char v[16];
        snprintf(v, sizeof(v), "%u", vscsifront_ring_ref(F.f));
        rc = xvios_store_write(F.p, tx, path, v, strlen(v));
        snprintf(path, sizeof(path), "%s/event-channel", F.fe);
        snprintf(v, sizeof(v), "%u", vscsifront_evtchn(F.f));
        if (rc == 0)
            rc = xvios_store_write(F.p, tx, path, v, strlen(v));
        if (rc < 0) {
            xvios_store_tx_end(F.p, tx, false);
            die("cannot write ring-ref/event-channel: %s", strerror(-rc));
        }
        rc = xvios_store_tx_end(F.p, tx, true);
        if (rc == 0)
            break;
        if (rc != -EAGAIN)
            die("tx end: %s", strerror(-rc));
    }
    set_state(3);
    while (F.my_state != 4) {
        if (xvios_ts_passed(&dl))
            die("backend never connected (backend state %d)", xs_state(F.be, "state"));
        follow_backend();
        usleep(10000);
    }
    printf("ok: connected, %u LUN(s)\n", F.added);
}

/* ------------------------------------------------------------------ requests */
static int free_rqid(void)
{
    for (unsigned i = 0; i < QDEPTH; i++)
        if (!F.io[i].busy)
            return (int)i;
    return -1;
}

static void release(struct io *io)
{
    int rc = vscsifront_buf_free(F.f, io->ind);

    if (rc == 0)
        rc = vscsifront_buf_free(F.f, io->buf);
    if (rc < 0)
        die("rqid %u: grant still in use by the backend after its response (%s)", io->rqid, strerror(-rc));
    io->ind = io->buf = NULL;
    io->busy = false;
}

static void wait_rsp(struct vscsiif_response *rsp, unsigned ms)
{
    struct timespec dl = xvios_deadline_ms(ms);
    int rc = vscsifront_wait_rsp(F.f, rsp, &dl);

    if (rc == -ETIMEDOUT)
        die("no response within %u ms", ms);
    if (rc < 0)
        die("response ring: %s", strerror(-rc));
    if (rsp->sense_len > VSCSIIF_SENSE_BUFFERSIZE)
        die("rqid %u: sense_len %u", rsp->rqid, rsp->sense_len);
}

/* One synchronous command (nothing else in flight). Returns rslt; data lands in *out (len bytes). */
static int32_t cmd_once(uint16_t lun, const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, void *data, size_t len,
                        bool indirect, struct vscsiif_response *rsp_out)
{
    struct vscsiif_response rsp;
    struct io *io = &F.io[0];
    struct vscsiif_request *r = vscsifront_req_next(F.f);

    if (!r || io->busy)
        die("ring busy");
    io->busy = true;
    io->rqid = 0;
    if (len) {
        if (vscsifront_buf_alloc(F.f, len, dir == 1, &io->buf) < 0)
            die("buf alloc");
        if (dir == 1)
            memcpy(io->buf->data, data, len);
    }
    vscsifront_req_cdb(r, 0, 0, 0, lun, cdb, cdb_len, dir);
    if (len && (indirect ? vscsifront_req_indirect(F.f, r, io->buf, &io->ind) : vscsifront_req_direct(r, io->buf)) < 0)
        die("segments");
    vscsifront_push(F.f, false);
    wait_rsp(&rsp, RSP_MS);
    if (rsp.rqid != 0)
        die("response for rqid %u, expected 0", rsp.rqid);
    if (len && dir == 2)
        memcpy(data, io->buf->data, len);
    release(io);
    if (rsp_out)
        *rsp_out = rsp;
    return rsp.rslt;
}

static bool unit_attention(const struct vscsiif_response *rsp)
{
    return rsp->rslt == 2 && rsp->sense_len >= 3 && (rsp->sense_buffer[2] & 0xf) == 6;
}

/* As scsi-ml: a command that meets a unit attention is retried (each attention is reported once). */
static int32_t cmd_sync(uint16_t lun, const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, void *data, size_t len,
                        bool indirect, struct vscsiif_response *rsp_out)
{
    struct vscsiif_response rsp;

    for (int i = 0; i < 4; i++) {
        cmd_once(lun, cdb, cdb_len, dir, data, len, indirect, &rsp);
        if (!unit_attention(&rsp))
            break;
        printf("ok: unit attention %02x/%02x on LUN %u, retried\n", rsp.sense_buffer[12], rsp.sense_buffer[13], lun);
    }
    if (rsp_out)
        *rsp_out = rsp;
    return rsp.rslt;
}

/* As scsifront, which sends commands only to LUNs it has added: a step on a LUN that is being hot-added
 * follows the backend until the LUN is there (it fails only if that never happens). */
static void await_lun(uint16_t lun)
{
    struct timespec dl = xvios_deadline_ms(RSP_MS);

    for (;;) {
        for (unsigned k = 0; k < MAXLUNS; k++)
            if (F.luns[k].used && F.luns[k].chn == 0 && F.luns[k].tgt == 0 && F.luns[k].lun == lun)
                return;
        if (xvios_ts_passed(&dl))
            die("LUN %u was never added", lun);
        follow_backend();
        usleep(10000);
    }
}

static void step_inquiry(uint16_t lun)
{
    uint8_t cdb[6] = { 0x12, 0, 0, 0, 96, 0 }, d[96] = { 0 };
    struct vscsiif_response rsp;
    int32_t r = cmd_sync(lun, cdb, 6, 2, d, sizeof(d), false, &rsp);

    if (r != 0)
        die("INQUIRY LUN %u: rslt 0x%x", lun, (unsigned)r);
    if ((d[0] & 0x1f) != 0 || d[4] + 5 < 36)
        die("INQUIRY LUN %u: peripheral type %u, additional length %u", lun, d[0] & 0x1f, d[4]);
    printf("ok: INQUIRY LUN %u: '%.8s' '%.16s' rev '%.4s', residual %u\n", lun, d + 8, d + 16, d + 32,
           rsp.residual_len);
}

static uint64_t readcap(uint16_t lun, uint32_t *bs)
{
    uint8_t cdb[16] = { 0x9e, 0x10, [13] = 32 }, d[32] = { 0 };
    int32_t r = cmd_sync(lun, cdb, 16, 2, d, sizeof(d), false, NULL);
    uint64_t last = 0;

    if (r != 0)
        die("READ CAPACITY(16) LUN %u: rslt 0x%x", lun, (unsigned)r);
    for (int i = 0; i < 8; i++)
        last = last << 8 | d[i];
    *bs = (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 | (uint32_t)d[10] << 8 | d[11];
    return (last + 1) * *bs;
}

static void step_readcap(uint16_t lun, uint64_t want)
{
    uint32_t bs;
    uint64_t got = readcap(lun, &bs);

    if (got != want || bs != 512)
        die("READ CAPACITY(16) LUN %u: %llu bytes of %u-byte blocks, expected %llu of 512", lun,
            (unsigned long long)got, bs, (unsigned long long)want);
    printf("ok: READ CAPACITY(16) LUN %u: %llu bytes, block size %u\n", lun, (unsigned long long)got, bs);
}

static void step_vpd(uint16_t lun, uint8_t page)
{
    uint8_t cdb[6] = { 0x12, 0x01, page, 0, 255, 0 }, d[255] = { 0 };
    int32_t r = cmd_sync(lun, cdb, 6, 2, d, sizeof(d), false, NULL);
    unsigned len = (unsigned)d[2] << 8 | d[3];

    if (r != 0 || d[1] != page || len + 4 > sizeof(d))
        die("VPD 0x%02x LUN %u: rslt 0x%x, page 0x%02x, length %u", page, lun, (unsigned)r, d[1], len);
    if (page == 0x80) {
        printf("ok: VPD 0x80 LUN %u: serial %.*s\n", lun, (int)len, d + 4);
        return;
    }
    for (unsigned off = 4; off + 4 <= len + 4; off += 4u + d[off + 3]) {
        if ((d[off + 1] & 0x0f) != 3 || d[off + 3] != 16 || off + 4 + 16 > len + 4)
            continue;   /* not the 16-byte NAA designator */
        printf("ok: VPD 0x83 LUN %u: naa.", lun);
        for (unsigned i = 0; i < 16; i++)
            printf("%02x", d[off + 4 + i]);
        printf("\n");
        return;
    }
    die("VPD 0x83 LUN %u: no 16-byte NAA designator", lun);
}

#define FILL_CHUNK (64u << 10)

static void step_fill(uint16_t lun, uint32_t mib, uint8_t byte, bool check)
{
    static uint8_t buf[FILL_CHUNK];
    uint32_t blocks = FILL_CHUNK / 512;

    for (uint64_t off = 0; off < (uint64_t)mib << 20; off += FILL_CHUNK) {
        uint32_t lba = (uint32_t)(off / 512);
        uint8_t cdb[10] = { check ? 0x28 : 0x2a, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16), (uint8_t)(lba >> 8),
                            (uint8_t)lba, 0, (uint8_t)(blocks >> 8), (uint8_t)blocks, 0 };
        int32_t r;

        memset(buf, check ? ~byte : byte, sizeof(buf));
        r = cmd_sync(lun, cdb, 10, check ? 2 : 1, buf, sizeof(buf), false, NULL);
        if (r != 0)
            die("%s LUN %u at byte %llu: rslt 0x%x", check ? "READ" : "WRITE", lun, (unsigned long long)off,
                (unsigned)r);
        for (uint32_t i = 0; check && i < sizeof(buf); i++)
            if (buf[i] != byte)
                die("LUN %u: byte %llu is 0x%02x, expected 0x%02x", lun, (unsigned long long)(off + i), buf[i], byte);
    }
    printf("ok: LUN %u: %u MiB of 0x%02x %s\n", lun, mib, byte, check ? "read back" : "written");
}

static void step_beyond(uint16_t lun)
{
    uint32_t bs = 0;
    uint64_t bytes = readcap(lun, &bs), blocks = bytes / (bs ? bs : 512);
    uint8_t cdb[10] = { 0x2a, 0, (uint8_t)(blocks >> 24), (uint8_t)(blocks >> 16), (uint8_t)(blocks >> 8),
                        (uint8_t)blocks, 0, 0, 1, 0 }, blk[512];
    struct vscsiif_response rsp;

    memset(blk, 0xee, sizeof(blk));
    cmd_sync(lun, cdb, 10, 1, blk, sizeof(blk), false, &rsp);
    if (rsp.rslt != 2 || (rsp.sense_buffer[2] & 0xf) != 5 || rsp.sense_buffer[12] != 0x21)
        die("WRITE past the end of LUN %u: rslt 0x%x, sense key %u, asc 0x%02x", lun, (unsigned)rsp.rslt,
            rsp.sense_buffer[2] & 0xf, rsp.sense_buffer[12]);
    printf("ok: WRITE past the end of LUN %u (LBA %llu): ILLEGAL REQUEST, LBA OUT OF RANGE\n", lun,
           (unsigned long long)blocks);
}

static uint64_t pattern_word(uint64_t byte_off, uint32_t seed)
{
    return (byte_off / 8) * 0x9e3779b97f4a7c15ull ^ seed;
}

static uint16_t io_lun[QDEPTH];

static void issue_rw(struct io *io, uint16_t lun, bool write, uint64_t lba, uint32_t nblk, uint32_t seed, bool indirect)
{
    uint8_t cdb[16] = { write ? 0x8a : 0x88 };
    size_t len = (size_t)nblk * 512;
    struct vscsiif_request *r = vscsifront_req_next(F.f);

    if (!r)
        die("ring full");
    if (vscsifront_buf_alloc(F.f, len, write, &io->buf) < 0)
        die("no grant pages for %zu bytes", len);
    if (write)
        for (size_t k = 0; k < len; k += 8) {
            uint64_t w = pattern_word(lba * 512 + k, seed);
            memcpy(io->buf->data + k, &w, 8);
        }
    for (int i = 0; i < 8; i++)
        cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        cdb[10 + i] = (uint8_t)(nblk >> (24 - 8 * i));
    vscsifront_req_cdb(r, io->rqid, 0, 0, lun, cdb, 16, write ? 1 : 2);
    if ((indirect || io->buf->npages > VSCSIIF_SG_TABLESIZE ? vscsifront_req_indirect(F.f, r, io->buf, &io->ind)
                                                             : vscsifront_req_direct(r, io->buf)) < 0)
        die("segments");
    io->busy = true;
    io_lun[io->rqid] = lun;
    io->lba = lba;
    io->nblk = nblk;
    io->write = write;
}

/* ABORTED COMMAND: scsi-ml retries it (NEEDS_RETRY), as a redundant VIOS asks when a write's outcome is unknown. */
static bool aborted_command(const struct vscsiif_response *rsp)
{
    return rsp->rslt == 2 && rsp->sense_len >= 3 && (rsp->sense_buffer[2] & 0xf) == 0xb;
}

static unsigned retries_aborted;

static void complete_one(uint32_t seed, unsigned *inflight)
{
    struct vscsiif_response rsp;
    struct io *io;

    wait_rsp(&rsp, RSP_MS);
    if (rsp.rqid >= QDEPTH || !F.io[rsp.rqid].busy)
        die("response for rqid %u that is not in flight", rsp.rqid);
    io = &F.io[rsp.rqid];
    if (unit_attention(&rsp) || aborted_command(&rsp)) {   /* as scsi-ml: retry the command */
        uint64_t lba = io->lba;
        uint32_t nblk = io->nblk;
        bool write = io->write;
        if (aborted_command(&rsp) && ++retries_aborted > 256)
            die("more than 256 ABORTED COMMAND retries");
        printf("ok: %s %02x/%02x on rqid %u, retried\n", aborted_command(&rsp) ? "aborted command" : "unit attention",
               rsp.sense_buffer[12], rsp.sense_buffer[13], rsp.rqid);
        release(io);
        issue_rw(io, io_lun[rsp.rqid], write, lba, nblk, seed, false);
        vscsifront_push(F.f, false);
        return;
    }
    if (rsp.rslt != 0 || rsp.residual_len != 0)
        die("%s lba %llu: rslt 0x%x residual %u sense %02x/%02x", io->write ? "WRITE" : "READ",
            (unsigned long long)io->lba, (unsigned)rsp.rslt, rsp.residual_len, rsp.sense_buffer[2] & 0xf,
            rsp.sense_buffer[12]);
    if (!io->write)
        for (size_t k = 0; k < (size_t)io->nblk * 512; k += 8) {
            uint64_t w, want = pattern_word(io->lba * 512 + k, seed);
            memcpy(&w, io->buf->data + k, 8);
            if (w != want)
                die("miscompare at byte %llu", (unsigned long long)(io->lba * 512 + k));
        }
    release(io);
    (*inflight)--;
}

/* One pass over [0, mib) MiB of lun: writes (write=true) or reads with verification, qd in flight. */
static void rw_pass(uint16_t lun, uint64_t bytes, unsigned qd, uint32_t kb, bool write, uint32_t seed)
{
    uint32_t nblk = kb * 2;
    uint64_t lba = 0, end = bytes / 512;
    unsigned inflight = 0, n = 0;

    while (lba < end || inflight) {
        while (lba < end && inflight < qd) {
            int id = free_rqid();
            uint32_t b = end - lba < nblk ? (uint32_t)(end - lba) : nblk;
            if (id < 0)
                die("no free rqid");
            F.io[id].rqid = (uint16_t)id;
            issue_rw(&F.io[id], lun, write, lba, b, seed, (n++ & 1) != 0);
            lba += b;
            inflight++;
        }
        vscsifront_push(F.f, false);
        complete_one(seed, &inflight);
        follow_backend();
    }
}

static void step_pattern(uint16_t lun, uint32_t mib, unsigned qd, uint32_t kb)
{
    struct timespec t0 = xvios_now(), t1, t2;
    uint32_t seed = (uint32_t)getpid();

    if (qd == 0 || qd > QDEPTH || kb == 0 || kb > 512)
        die("pattern: bad arguments");
    rw_pass(lun, (uint64_t)mib << 20, qd, kb, true, seed);
    t1 = xvios_now();
    rw_pass(lun, (uint64_t)mib << 20, qd, kb, false, seed);
    t2 = xvios_now();
    printf("ok: pattern LUN %u: %u MiB written and read back identical, %u in flight, %u KiB requests "
           "(%s): write %.1f MiB/s, read %.1f MiB/s\n", lun, mib, qd, kb,
           kb * 2 > VSCSIIF_SG_TABLESIZE * 8 ? "indirect" : "direct and indirect",
           mib * 1000.0 / (double)(xvios_ts_diff_ms(t0, t1) + 1), mib * 1000.0 / (double)(xvios_ts_diff_ms(t1, t2) + 1));
}

/*
 * Pattern rounds on L (MIB MiB, QD in flight, KB KiB requests), each with a new seed: written, read back
 * and compared, until ROOT/front-stop exists; "round N" after each one (the test follows them).
 */
static void step_rounds(const char *root, uint16_t lun, uint32_t mib, unsigned qd, uint32_t kb)
{
    char stop[256];
    unsigned rounds = 0;

    if (qd == 0 || qd > QDEPTH || kb == 0 || kb > 512 || mib == 0)
        die("rounds: bad arguments");
    snprintf(stop, sizeof(stop), "%s/front-stop", root);
    while (access(stop, F_OK) != 0) {
        uint32_t seed = (uint32_t)rand() ^ (uint32_t)getpid();
        rw_pass(lun, (uint64_t)mib << 20, qd, kb, true, seed);
        rw_pass(lun, (uint64_t)mib << 20, qd, kb, false, seed);
        printf("round %u\n", ++rounds);
        follow_backend();
    }
    printf("ok: rounds LUN %u: %u rounds of %u MiB written and verified, %u in flight, %u KiB requests, "
           "%u ABORTED COMMAND retries\n", lun, rounds, mib, qd, kb, retries_aborted);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* N READ(16)s of 4 KiB, one at a time, at LBAs spread over the first 16 MiB: the latency of one command. */
static void step_lat(uint16_t lun, uint32_t n)
{
    static uint8_t blk[4096];
    double *us;

    if (n == 0 || n > 1000000 || !(us = calloc(n, sizeof(*us))))
        die("lat: bad count");
    for (uint32_t i = 0; i < n; i++) {
        uint64_t lba = ((uint64_t)i * 2654435761u % 4096u) * 8u;
        uint8_t cdb[16] = { 0x88 };
        struct timespec t0 = xvios_now(), t1;
        int32_t r;

        for (int k = 0; k < 8; k++)
            cdb[2 + k] = (uint8_t)(lba >> (56 - 8 * k));
        cdb[13] = 8;
        r = cmd_sync(lun, cdb, 16, 2, blk, sizeof(blk), false, NULL);
        t1 = xvios_now();
        if (r != 0)
            die("lat: READ at LBA %llu: rslt 0x%x", (unsigned long long)lba, (unsigned)r);
        us[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
    }
    qsort(us, n, sizeof(*us), cmp_double);
    printf("ok: lat LUN %u: %u reads of 4 KiB, median %.1f us, p99 %.1f us\n", lun, n, us[n / 2],
           us[(size_t)((double)n * 0.99)]);
    free(us);
}

/* follow:NAME: hot-plug as the backend asks (a LUN added or removed by somebody else) until ROOT/NAME exists. */
static void step_follow(const char *root, const char *name)
{
    struct timespec dl = xvios_deadline_ms(60000);
    char path[256];

    if (!name || !*name || strchr(name, '/'))
        die("follow: bad name");
    snprintf(path, sizeof(path), "%s/%s", root, name);
    while (access(path, F_OK) != 0) {
        if (xvios_ts_passed(&dl))
            die("%s never appeared", path);
        follow_backend();
        usleep(10000);
    }
    follow_backend();
    printf("ok: followed the backend until %s: %u LUN(s) added, %u removed so far\n", name, F.added, F.removed);
}

/* touch:NAME creates ROOT/NAME; await:NAME waits (at most 60 s) until ROOT/NAME exists. */
static void step_file(const char *root, const char *name, bool create)
{
    char path[256];
    struct timespec dl = xvios_deadline_ms(60000);

    if (!name || !*name || strchr(name, '/'))
        die("touch/await: bad name");
    snprintf(path, sizeof(path), "%s/%s", root, name);
    if (create) {
        FILE *f = fopen(path, "w");
        if (!f || fclose(f))
            die("cannot create %s", path);
        return;
    }
    while (access(path, F_OK) != 0) {
        if (xvios_ts_passed(&dl))
            die("%s never appeared", path);
        usleep(20000);
    }
}

static void step_busy(uint16_t lun, uint32_t secs)
{
    struct timespec dl = xvios_deadline_ms((uint64_t)secs * 1000);
    unsigned rounds = 0, seen_added = F.added;

    while (!xvios_ts_passed(&dl)) {
        uint32_t seed = (uint32_t)rand();
        rw_pass(lun, 4u << 20, 8, 256, true, seed);
        rw_pass(lun, 4u << 20, 8, 256, false, seed);
        rounds++;
        follow_backend();
        if (F.added != seen_added) {           /* a hot-added LUN: use it */
            seen_added = F.added;
            for (unsigned i = 0; i < MAXLUNS; i++)
                if (F.luns[i].used && F.luns[i].lun != lun) {
                    uint8_t wr[10] = { 0x2a, [8] = 1 }, blk[512] = { 0 };
                    struct vscsiif_response w;
                    step_inquiry(F.luns[i].lun);
                    cmd_sync(F.luns[i].lun, wr, 10, 1, blk, sizeof(blk), false, &w);   /* one block at LBA 0 */
                    if (w.rslt == 2 && (w.sense_buffer[2] & 0xf) == 7) {
                        printf("ok: hot-added LUN %u: read-only (WRITE: DATA PROTECT)\n", F.luns[i].lun);
                        continue;
                    }
                    rw_pass(F.luns[i].lun, 1u << 20, 4, 64, true, seed);
                    rw_pass(F.luns[i].lun, 1u << 20, 4, 64, false, seed);
                    printf("ok: hot-added LUN %u: 1 MiB pattern written and read back\n", F.luns[i].lun);
                }
        }
    }
    printf("ok: busy LUN %u: %u rounds of 4 MiB written and verified, %u LUN(s) added, %u removed meanwhile\n",
           lun, rounds, F.added, F.removed);
}

/* ------------------------------------------------------------------ garbage */
static void expect_host(const char *what, int32_t rslt, unsigned host)
{
    if ((unsigned)rslt != host << 16)
        die("%s: rslt 0x%x, expected host byte %u (0x%x)", what, (unsigned)rslt, host, host << 16);
    printf("ok: %s answered 0x%x\n", what, (unsigned)rslt);
}

static int32_t send_raw(struct vscsiif_request *tmpl, struct vscsiif_response *rsp)
{
    struct vscsiif_request *r = vscsifront_req_next(F.f);

    if (!r)
        die("ring full");
    memcpy(r, tmpl, sizeof(*r));
    vscsifront_push(F.f, false);
    wait_rsp(rsp, RSP_MS);
    if (rsp->rqid != tmpl->rqid)
        die("answer for rqid %u, expected %u", rsp->rqid, tmpl->rqid);
    return rsp->rslt;
}

static void step_bad(const char *cls)
{
    const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
    struct vscsiif_request t;
    struct vscsiif_response rsp;
    struct vscsifront_buf *b = NULL, *ind = NULL;

    memset(&t, 0, sizeof(t));
    vscsifront_req_cdb(&t, 5, 0, 0, 0, inq, 6, 2);
    if (vscsifront_buf_alloc(F.f, 8192, false, &b) < 0)
        die("buf");
    vscsifront_req_direct(&t, b);
    if (!strcmp(cls, "act")) {
        t.act = 9;
        expect_host("unknown act 9", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "dir")) {
        t.sc_data_direction = 7;
        expect_host("direction 7", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "cmdlen")) {
        t.cmd_len = 17;
        expect_host("cmd_len 17", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "nsegs")) {
        t.nr_segments = VSCSIIF_SG_TABLESIZE + 1;
        expect_host("27 direct segments", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "segoff")) {
        t.seg[0].offset = 4000;
        t.seg[0].length = 200;
        expect_host("segment offset 4000 + length 200", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "indirect-len")) {
        vscsifront_req_indirect(F.f, &t, b, &ind);
        t.seg[0].length = 12;
        expect_host("indirect descriptor length 12", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "indirect-lie")) {
        vscsifront_req_indirect(F.f, &t, b, &ind);
        ((struct scsiif_request_segment *)ind->data)[1].offset = 4095;  /* + 4096 bytes: beyond the page */
        expect_host("indirect page with a data segment beyond its page", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "indirect-total")) {
        vscsifront_req_indirect(F.f, &t, b, &ind);
        t.seg[0].length = (VSCSI_TOTAL_LIE + 1) * 8;
        expect_host("indirect descriptors for 129 segments", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "grant")) {
        t.seg[0].gref = 60000;                  /* never granted */
        t.seg[1].gref = vscsifront_ring_ref(F.f) + 100000;
        expect_host("a grant the client never made", send_raw(&t, &rsp), 7);
    } else if (!strcmp(cls, "noconnect")) {
        t.lun = 9;
        expect_host("INQUIRY to unknown LUN 0:0:9", send_raw(&t, &rsp), 1);
    } else if (!strcmp(cls, "rowrite")) {
        uint8_t wr[10] = { 0x2a, [8] = 1 };
        uint8_t blk[512] = { 0 };
        struct vscsiif_response w;
        cmd_sync(0, wr, 10, 1, blk, sizeof(blk), false, &w);
        if (w.rslt != 2 || (w.sense_buffer[2] & 0xf) != 7)
            die("WRITE to a read-only LU: rslt 0x%x sense key %u", (unsigned)w.rslt, w.sense_buffer[2] & 0xf);
        printf("ok: WRITE to a read-only LU: CHECK CONDITION, DATA PROTECT\n");
    } else if (!strcmp(cls, "reset")) {
        t.act = VSCSIIF_ACT_SCSI_RESET;
        if (send_raw(&t, &rsp) != 0x2002)
            die("RESET: rslt 0x%x", (unsigned)rsp.rslt);
        printf("ok: RESET answered 0x2002\n");
    } else if (!strcmp(cls, "abort")) {
        t.act = VSCSIIF_ACT_SCSI_ABORT;
        t.ref_rqid = 11;
        if (send_raw(&t, &rsp) != 0x2002)
            die("ABORT: rslt 0x%x", (unsigned)rsp.rslt);
        printf("ok: ABORT of an rqid not in flight answered 0x2002\n");
    } else if (!strcmp(cls, "abort-inflight")) {
        /* ABORT of a READ in flight: the READ is answered first, then the ABORT with 0x2002 */
        struct vscsifront_buf *big = NULL, *bind = NULL;
        uint8_t rd[16] = { 0x88, [13] = 0x04 };
        struct vscsiif_request *r1, *r2;
        struct vscsiif_response a, c;
        const uint8_t tur[6] = { 0 };
        cmd_sync(0, tur, 6, 3, NULL, 0, false, NULL);
        r1 = vscsifront_req_next(F.f);
        r2 = vscsifront_req_next(F.f);
        if (!r1 || !r2 || vscsifront_buf_alloc(F.f, 512 << 10, false, &big) < 0)
            die("ring/buf");
        vscsifront_req_cdb(r1, 3, 0, 0, 0, rd, 16, 2);
        vscsifront_req_indirect(F.f, r1, big, &bind);
        memcpy(r2, &t, sizeof(t));
        r2->rqid = 4;
        r2->act = VSCSIIF_ACT_SCSI_ABORT;
        r2->ref_rqid = 3;
        vscsifront_push(F.f, false);
        wait_rsp(&a, RSP_MS);
        wait_rsp(&c, RSP_MS);
        if (a.rqid != 3 || a.rslt != 0 || c.rqid != 4 || c.rslt != 0x2002)
            die("ABORT in flight: answers rqid %u 0x%x then rqid %u 0x%x", a.rqid, (unsigned)a.rslt, c.rqid,
                (unsigned)c.rslt);
        if (vscsifront_buf_free(F.f, bind) < 0 || vscsifront_buf_free(F.f, big) < 0)
            die("ABORT in flight: grant still in use");
        printf("ok: ABORT of a READ in flight: the READ answered GOOD, then the ABORT 0x2002\n");
    } else if (!strcmp(cls, "rqid")) {
        /* a 512 KiB read (async through the LU store) and a second request reusing its rqid in one push */
        struct vscsifront_buf *big = NULL, *bind = NULL;
        uint8_t rd[16] = { 0x88, [13] = 0x04 };     /* READ(16) 1024 blocks */
        struct vscsiif_request *r1, *r2;
        struct vscsiif_response a, c;
        const uint8_t tur[6] = { 0 };
        cmd_sync(0, tur, 6, 3, NULL, 0, false, NULL);   /* a pending unit attention would answer the READ at once */
        r1 = vscsifront_req_next(F.f);
        r2 = vscsifront_req_next(F.f);
        if (!r1 || !r2 || vscsifront_buf_alloc(F.f, 512 << 10, false, &big) < 0)
            die("ring/buf");
        vscsifront_req_cdb(r1, 3, 0, 0, 0, rd, 16, 2);
        vscsifront_req_indirect(F.f, r1, big, &bind);
        memcpy(r2, &t, sizeof(t));
        r2->rqid = 3;
        vscsifront_push(F.f, false);
        wait_rsp(&a, RSP_MS);
        wait_rsp(&c, RSP_MS);
        if (a.rqid != 3 || c.rqid != 3)
            die("rqid reuse: answers for rqid %u and %u", a.rqid, c.rqid);
        if (!((a.rslt == 7 << 16 && c.rslt == 0) || (a.rslt == 0 && c.rslt == 7 << 16)))
            die("rqid reuse: answers 0x%x and 0x%x, expected one DID_ERROR and one GOOD", (unsigned)a.rslt,
                (unsigned)c.rslt);
        if (vscsifront_buf_free(F.f, bind) < 0 || vscsifront_buf_free(F.f, big) < 0)
            die("rqid reuse: grant still in use");
        printf("ok: rqid reused while in flight answered DID_ERROR, the first request completed GOOD\n");
    } else {
        die("unknown class %s", cls);
    }
    if (vscsifront_buf_free(F.f, ind) < 0 || vscsifront_buf_free(F.f, b) < 0)
        die("%s: grant still in use after the answer", cls);
    step_inquiry(0);                    /* the ring still serves */
}

static void step_overflow(void)
{
    struct vscsiif_response rsp;
    struct timespec dl;
    char err[256] = "";
    RING_IDX prod = vscsifront_ring(F.f)->req_prod_pvt + 1000;

    vscsifront_set_req_prod(F.f, prod);
    dl = xvios_deadline_ms(1500);
    if (vscsifront_wait_rsp(F.f, &rsp, &dl) != -ETIMEDOUT)
        die("overflow: the backend answered a request it cannot have");
    dl = xvios_deadline_ms(5000);
    while (xs_read(F.be, "xvios-error", err, sizeof(err)) < 0 || !strstr(err, "overflow")) {
        if (xvios_ts_passed(&dl))
            die("overflow: the backend recorded no ring error");
        usleep(20000);
    }
    printf("ok: producer index overflow: no answer, backend reports '%s'\n", err);
}

static void step_stall(const char *root, uint16_t lun, uint32_t n, const char *name)
{
    struct vscsiif_request *a;
    struct vscsiif_response rsp;
    struct timespec dl;
    unsigned seen[QDEPTH] = { 0 }, inflight = 0, ua = 0;
    bool again[QDEPTH] = { false };

    if (n == 0 || n + 1 > QDEPTH || !name)
        die("stall: 1..%u requests and a file name", QDEPTH - 1);
    for (uint32_t i = 0; i < n; i++) {
        F.io[i].rqid = (uint16_t)i;
        issue_rw(&F.io[i], lun, true, (uint64_t)i * 8, 8, 0x5a, false);
    }
    a = vscsifront_req_next(F.f);
    if (!a)
        die("stall: ring full");
    memset(a, 0, sizeof(*a));
    a->act = VSCSIIF_ACT_SCSI_ABORT;
    a->rqid = (uint16_t)n;
    a->ref_rqid = 0;
    a->lun = lun;
    RING_PUSH_REQUESTS(vscsifront_ring(F.f));   /* published, and no event: the backend never looks */
    printf("ok: %u writes and an ABORT published without an event\n", n);
    fflush(stdout);
    step_file(root, name, true);
    for (uint32_t got = 0; got < n + 1; got++) {
        wait_rsp(&rsp, 60000);
        if (rsp.rqid > n)
            die("stall: an answer for rqid %u, never sent", rsp.rqid);
        if (seen[rsp.rqid]++)
            die("stall: rqid %u answered twice", rsp.rqid);
        if (rsp.rqid == n) {
            if (rsp.rslt != 0x2002)
                die("stall: the ABORT answered 0x%x", (unsigned)rsp.rslt);
            continue;
        }
        /* a new backend's first command meets the unit attention of its power-on: scsi-ml retries it */
        if (rsp.rslt == 2 && rsp.sense_len >= 3 && (rsp.sense_buffer[2] & 0xf) == 6) {
            again[rsp.rqid] = true;
            ua++;
        } else if (rsp.rslt != 0 || rsp.residual_len != 0) {
            die("stall: WRITE rqid %u answered 0x%x residual %u sense %02x/%02x", rsp.rqid, (unsigned)rsp.rslt,
                rsp.residual_len, rsp.sense_buffer[2] & 0xf, rsp.sense_buffer[12]);
        }
        release(&F.io[rsp.rqid]);
    }
    dl = xvios_deadline_ms(1000);
    if (vscsifront_wait_rsp(F.f, &rsp, &dl) != -ETIMEDOUT)
        die("stall: an extra answer (rqid %u) after all %u were in", rsp.rqid, n + 1);
    printf("ok: all %u outstanding rqids answered exactly once after the takeover (%u unit attention%s)\n", n + 1,
           ua, ua == 1 ? "" : "s");
    for (uint32_t i = 0; i < n; i++)
        if (again[i]) {
            F.io[i].rqid = (uint16_t)i;
            issue_rw(&F.io[i], lun, true, (uint64_t)i * 8, 8, 0x5a, false);
            inflight++;
        }
    vscsifront_push(F.f, false);
    while (inflight)
        complete_one(0x5a, &inflight);
    for (uint32_t i = 0; i < n; i++) {
        F.io[i].rqid = (uint16_t)i;
        issue_rw(&F.io[i], lun, false, (uint64_t)i * 8, 8, 0x5a, false);
        inflight++;
    }
    vscsifront_push(F.f, false);
    while (inflight)
        complete_one(0x5a, &inflight);
    printf("ok: the %u blocks written through the new backend read back\n", n);
}

static void step_vanish(uint16_t lun)
{
    for (unsigned i = 0; i < QDEPTH; i++) {
        F.io[i].rqid = (uint16_t)i;
        issue_rw(&F.io[i], lun, true, (uint64_t)i * 1024, 1024, 1, true);
    }
    vscsifront_push(F.f, true);
    printf("ok: 16 writes in flight, vanishing\n");
    fflush(stdout);
    raise(SIGKILL);
}

static void step_close(void)
{
    struct timespec dl = xvios_deadline_ms(RSP_MS);

    set_state(5);
    while (xs_state(F.be, "state") != 5)
        if (xvios_ts_passed(&dl))
            die("backend never reached Closing");
        else
            usleep(10000);
    set_state(6);
    while (xs_state(F.be, "state") != 6)
        if (xvios_ts_passed(&dl))
            die("backend never reached Closed");
        else
            usleep(10000);
    printf("ok: closed (backend 5 then 6)\n");
}

/* ---------------------------------------------------------------- reservations */
static uint64_t arg_hex(char **save)
{
    char *tok = strtok_r(NULL, ":", save), *end = NULL;
    unsigned long long v;

    if (!tok || !*tok)
        die("bad hex step argument");
    errno = 0;
    v = strtoull(tok, &end, 16);
    if (*end || errno)
        die("bad hex step argument '%s'", tok);
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* A command whose BUSY (the VIOS resynchronizing its reservation state) is retried for 10 s. */
static int32_t cmd_retry_busy(uint16_t lun, const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, void *data, size_t len,
                              struct vscsiif_response *rsp)
{
    struct timespec dl = xvios_deadline_ms(10000);
    int32_t r;

    while ((r = cmd_sync(lun, cdb, cdb_len, dir, data, len, false, rsp)) == 0x08 && !xvios_ts_passed(&dl))
        usleep(20000);
    return r;
}

static int32_t pr_out(uint16_t lun, uint8_t sa, uint8_t type, uint64_t key, uint64_t sa_key)
{
    uint8_t cdb[10] = { 0x5f, sa, type, 0, 0, 0, 0, 0, 24, 0 }, param[24] = { 0 };
    struct vscsiif_response rsp;

    put_be64(param, key);
    put_be64(param + 8, sa_key);
    return cmd_retry_busy(lun, cdb, 10, 1, param, sizeof(param), &rsp);
}

static void step_pr(uint16_t lun, uint8_t sa, uint8_t type, uint64_t key, uint64_t sa_key, uint32_t want)
{
    int32_t r = pr_out(lun, sa, type, key, sa_key);

    if ((uint32_t)r != want)
        die("PR OUT LUN %u sa %x type %x key %llx sakey %llx: rslt 0x%x, expected 0x%x", lun, sa, type,
            (unsigned long long)key, (unsigned long long)sa_key, (unsigned)r, want);
    printf("ok: PR OUT LUN %u sa %x type %x key %llx sakey %llx: status 0x%x\n", lun, sa, type,
           (unsigned long long)key, (unsigned long long)sa_key, (unsigned)r);
}

static void step_race(uint16_t lun, uint32_t n, uint64_t base)
{
    struct timespec t0 = xvios_now();

    for (uint32_t i = 1; i <= n; i++) {
        int32_t r = pr_out(lun, 0x06, 0, 0, base + i);

        if (r != 0)
            die("REGISTER AND IGNORE %u/%u (key %llx): rslt 0x%x", i, n, (unsigned long long)(base + i),
                (unsigned)r);
    }
    printf("ok: %u x REGISTER AND IGNORE EXISTING KEY on LUN %u, the last key %llx, in %lld ms\n", n, lun,
           (unsigned long long)(base + n), (long long)xvios_ts_diff_ms(t0, xvios_now()));
}

static void step_prin(uint16_t lun, uint8_t sa)
{
    uint8_t cdb[10] = { 0x5e, sa, 0, 0, 0, 0, 0, 0x10, 0x00, 0 }, d[4096] = { 0 };
    struct vscsiif_response rsp;
    int32_t r = cmd_retry_busy(lun, cdb, 10, 2, d, sizeof(d), &rsp);
    size_t len;

    if (r != 0)
        die("PR IN LUN %u sa %x: rslt 0x%x", lun, sa, (unsigned)r);
    len = sizeof(d) - rsp.residual_len;
    printf("ok: PR IN LUN %u sa %x: ", lun, sa);
    for (size_t i = 0; i < len && i < sizeof(d); i++)
        printf("%02x", d[i]);
    printf("\n");
}

static void step_rw(uint16_t lun, bool write, uint32_t want)
{
    uint8_t cdb[10] = { write ? 0x2a : 0x28, 0, 0, 0, 0, 8, 0, 0, 1, 0 }, blk[512];
    struct vscsiif_response rsp;
    int32_t r;

    memset(blk, 0x5a, sizeof(blk));
    r = cmd_retry_busy(lun, cdb, 10, write ? 1 : 2, blk, sizeof(blk), &rsp);
    if ((uint32_t)r != want)
        die("%s LUN %u: rslt 0x%x, expected 0x%x", write ? "WRITE" : "READ", lun, (unsigned)r, want);
    printf("ok: %s LUN %u: status 0x%x\n", write ? "WRITE" : "READ", lun, (unsigned)r);
}

static void step_ua(uint16_t lun, uint32_t ascq)
{
    uint8_t cdb[6] = { 0 };
    struct vscsiif_response rsp;
    struct timespec dl = xvios_deadline_ms(10000);

    while (cmd_once(lun, cdb, 6, 3, NULL, 0, false, &rsp) == 0x08 && !xvios_ts_passed(&dl))
        usleep(20000);
    if (!unit_attention(&rsp) || rsp.sense_len < 14 || rsp.sense_buffer[12] != (ascq >> 8) ||
        rsp.sense_buffer[13] != (ascq & 0xff))
        die("LUN %u: no unit attention %04x (rslt 0x%x, sense %02x/%02x)", lun, ascq, (unsigned)rsp.rslt,
            rsp.sense_len >= 14 ? rsp.sense_buffer[12] : 0, rsp.sense_len >= 14 ? rsp.sense_buffer[13] : 0);
    printf("ok: unit attention %04x on LUN %u\n", ascq, lun);
}

static void step_sync(const char *root, const char *name, bool post)
{
    char path[512];
    struct timespec dl = xvios_deadline_ms(60000);
    FILE *f;

    if (!name || !*name || strchr(name, '/'))
        die("bad sync name");
    snprintf(path, sizeof(path), "%s/%s", root, name);
    if (post) {
        if (!(f = fopen(path, "w")))
            die("cannot create %s", path);
        fclose(f);
        printf("ok: posted %s\n", name);
        return;
    }
    while (access(path, F_OK) != 0) {
        if (xvios_ts_passed(&dl))
            die("%s never came", name);
        follow_backend();
        usleep(10000);
    }
    printf("ok: %s came\n", name);
}

static uint32_t arg_u32(char **save)
{
    char *tok = strtok_r(NULL, ":", save);
    uint64_t v;

    if (!tok || xvios_parse_u64(tok, 0, UINT64_MAX, &v) < 0 || v > UINT32_MAX)
        die("bad step argument");
    return (uint32_t)v;
}

int main(int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK };
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 6) {
        fprintf(stderr, "usage: vscsi_front ROOT CLIENT VIOS VHOST STEP...\n");
        return 2;
    }
    if (xvios_parse_domid(argv[2], &F.client) < 0 || xvios_parse_domid(argv[3], &F.vios) < 0 ||
        xvios_parse_u32(argv[4], 0, 65535, &F.vhost) < 0)
        die("bad domid or vhost");
    pc.root = argv[1];
    pc.self_domid = F.client;
    if ((rc = xvios_plat_open(&pc, &F.p)) < 0)
        die("cannot open %s: %s", argv[1], strerror(-rc));
    snprintf(F.fe, sizeof(F.fe), "/local/domain/%u/device/vscsi/%u", F.client, F.vhost);
    if (xs_read(F.fe, "backend", F.be, sizeof(F.be)) < 0)
        die("no %s/backend", F.fe);
    if ((rc = vscsifront_open(F.p, F.vios, NPAGES, &F.f)) < 0)
        die("vscsifront_open: %s", strerror(-rc));
    connect_fe();
    for (int i = 5; i < argc; i++) {
        char step[128], *save = NULL, *name;

        snprintf(step, sizeof(step), "%s", argv[i]);
        name = strtok_r(step, ":", &save);
        if (!name)
            die("empty step");
        if (!strcmp(name, "inquiry")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            await_lun(l);
            step_inquiry(l);
        } else if (!strcmp(name, "readcap")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            await_lun(l);
            char *tok = strtok_r(NULL, ":", &save);
            uint64_t want;
            if (!tok || xvios_parse_u64(tok, 0, UINT64_MAX, &want) < 0)
                die("readcap: bad size");
            step_readcap(l, want);
        } else if (!strcmp(name, "pattern")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint32_t mib = arg_u32(&save), qd = arg_u32(&save), kb = arg_u32(&save);
            await_lun(l);
            step_pattern(l, mib, qd, kb);
        } else if (!strcmp(name, "rounds")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint32_t mib = arg_u32(&save), qd = arg_u32(&save), kb = arg_u32(&save);
            await_lun(l);
            step_rounds(argv[1], l, mib, qd, kb);
        } else if (!strcmp(name, "lat")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint32_t n = arg_u32(&save);
            await_lun(l);
            step_lat(l, n);
        } else if (!strcmp(name, "touch") || !strcmp(name, "await")) {
            step_file(argv[1], strtok_r(NULL, ":", &save), name[0] == 't');
        } else if (!strcmp(name, "follow")) {
            step_follow(argv[1], strtok_r(NULL, ":", &save));
        } else if (!strcmp(name, "busy")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            step_busy(l, arg_u32(&save));
        } else if (!strcmp(name, "bad")) {
            char *cls = strtok_r(NULL, ":", &save);
            step_bad(cls ? cls : "");
        } else if (!strcmp(name, "overflow")) {
            step_overflow();
        } else if (!strcmp(name, "stall")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint32_t n = arg_u32(&save);
            await_lun(l);
            step_stall(argv[1], l, n, strtok_r(NULL, ":", &save));
        } else if (!strcmp(name, "vanish")) {
            step_vanish((uint16_t)arg_u32(&save));
        } else if (!strcmp(name, "close")) {
            step_close();
        } else if (!strcmp(name, "vpd") || !strcmp(name, "fill") || !strcmp(name, "expect")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint32_t mib = name[0] == 'v' ? 0 : arg_u32(&save);
            char *tok = strtok_r(NULL, ":", &save), *end = NULL;
            unsigned long v = tok ? strtoul(tok, &end, 16) : 256;
            if (!tok || !*tok || *end || v > 255)
                die("%s: bad hex byte", name);
            await_lun(l);
            if (name[0] == 'v')
                step_vpd(l, (uint8_t)v);
            else
                step_fill(l, mib, (uint8_t)v, name[0] == 'e');
        } else if (!strcmp(name, "pr")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint64_t sa = arg_hex(&save), type = arg_hex(&save), key = arg_hex(&save), sak = arg_hex(&save);
            uint64_t want = arg_hex(&save);
            await_lun(l);
            step_pr(l, (uint8_t)sa, (uint8_t)type, key, sak, (uint32_t)want);
        } else if (!strcmp(name, "race")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint32_t n = arg_u32(&save);
            uint64_t base = arg_hex(&save);
            await_lun(l);
            step_race(l, n, base);
        } else if (!strcmp(name, "prin")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint64_t sa = arg_hex(&save);
            await_lun(l);
            step_prin(l, (uint8_t)sa);
        } else if (!strcmp(name, "rw")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            char *rw = strtok_r(NULL, ":", &save);
            uint64_t want = arg_hex(&save);
            if (!rw || (strcmp(rw, "w") && strcmp(rw, "r")))
                die("rw: w or r");
            await_lun(l);
            step_rw(l, rw[0] == 'w', (uint32_t)want);
        } else if (!strcmp(name, "ua")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            uint64_t ascq = arg_hex(&save);
            await_lun(l);
            step_ua(l, (uint32_t)ascq);
        } else if (!strcmp(name, "post") || !strcmp(name, "await")) {
            step_sync(argv[1], strtok_r(NULL, ":", &save), name[0] == 'p');
        } else if (!strcmp(name, "beyond")) {
            uint16_t l = (uint16_t)arg_u32(&save);
            await_lun(l);
            step_beyond(l);
        } else {
            die("unknown step %s", name);
        }
        follow_backend();
    }
    vscsifront_close(F.f);
    xvios_plat_close(F.p);
    printf("ok: all steps passed\n");
    return 0;
}
