/* SPDX-License-Identifier: MIT */
/*
 * vscsi_xs_tool.c - TEST SUPPORT: what dom0's toolstack does for a vSCSI
 * disk, on a loopback root, in the exact XenStore contract layout
 * (docs/vscsi.md), for tests that need the raw layout without `xvios scsi attach`:
 *
 *   vscsi_xs_tool ROOT domain DOMID NAME                  create a client domain
 *   vscsi_xs_tool ROOT attach VIOS CLIENT VHOST DEVN PDEV VDEV MODE [LU OFFSET SIZE WWN SERIAL]
 *        (with the pool keys: dev-N is the pool's LU, as `xvios scsi attach` writes it)
 *        a new vhost: frontend + backend dirs in one transaction, libxl's
 *        permissions (frontend dir: owner client, VIOS READ; backend dir:
 *        owner VIOS, client READ), backend state 1, dev-N state 1, and the
 *        client's uuid and name from the domain registry (xvios-client-uuid,
 *        xvios-client-name) as `xvios scsi attach` writes them;
 *        an existing vhost: hot-add (dev-N state 1, backend state 7)
 *   vscsi_xs_tool ROOT detach VIOS CLIENT VHOST DEVN      hot-remove: dev-N state 5, backend state 7
 *   vscsi_xs_tool ROOT rmdev VIOS CLIENT VHOST DEVN       remove dev-N's keys and directory
 *   vscsi_xs_tool ROOT remove VIOS CLIENT VHOST           remove both dirs (the client is gone)
 *   vscsi_xs_tool ROOT read PATH                          print a value (exit 1 if absent)
 *   vscsi_xs_tool ROOT wait PATH VALUE SECONDS            until PATH holds VALUE (exit 1 on timeout)
 *   vscsi_xs_tool ROOT write PATH VALUE                   write a value (as dom0: its permissions stay)
 *   vscsi_xs_tool ROOT rm PATH                            remove PATH and everything below it
 *   vscsi_xs_tool ROOT perms PATH                         print its permission list ("0:n 101:r ...")
 * Every store access is dom0's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xvios/clock.h"
#include "xvios/loopback.h"
#include "xvios/parse.h"
#include "xvios/platform.h"

static xvios_plat *P;

static int put(xvios_tx tx, const char *dir, const char *key, const char *val)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xvios_store_write(P, tx, path, val, strlen(val));
}

static int perms(xvios_tx tx, const char *path, uint32_t owner, uint32_t reader)
{
    struct xvios_perm pl[2] = { { .domid = owner, .perm = XVIOS_PERM_NONE }, { .domid = reader, .perm = XVIOS_PERM_READ } };

    return xvios_store_set_perms(P, tx, path, pl, 2);
}

static int do_attach(uint32_t vios, uint32_t client, uint32_t vhost, uint32_t devn, const char *pdev,
                     const char *vdev, const char *mode, char *const *pool)
{
    char be[256], fe[256], dev[300], v[32], *val = NULL;
    size_t len;
    bool exists;
    xvios_tx tx;
    int rc;

    struct xvios_dominfo info;

    /* the client's identity as dom0 knows it from the hypervisor (the engine logs the client in with it) */
    if ((rc = xvios_plat_domain_info(P, client, &info)) < 0)
        return rc;
    snprintf(be, sizeof(be), "/local/domain/%u/backend/vscsi/%u/%u", vios, client, vhost);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vscsi/%u", client, vhost);
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-%u", be, devn);
    for (int attempt = 0; attempt < 20; attempt++) {
        if ((rc = xvios_store_tx_start(P, &tx)) < 0)
            return rc;
        exists = xvios_store_read(P, tx, be, &val, &len) == 0;
        free(val);
        val = NULL;
        if (!exists) {
            if ((rc = xvios_store_mkdir(P, tx, fe)) < 0 || (rc = perms(tx, fe, client, vios)) < 0 ||
                (rc = put(tx, fe, "backend", be)) < 0 || (snprintf(v, sizeof(v), "%u", vios), rc = put(tx, fe, "backend-id", v)) < 0 ||
                (rc = put(tx, fe, "state", "1")) < 0 || (rc = xvios_store_mkdir(P, tx, be)) < 0 ||
                (rc = perms(tx, be, vios, client)) < 0 || (rc = put(tx, be, "frontend", fe)) < 0 ||
                (snprintf(v, sizeof(v), "%u", client), rc = put(tx, be, "frontend-id", v)) < 0 ||
                (rc = put(tx, be, "online", "1")) < 0 || (rc = put(tx, be, "feature-host", "0")) < 0 ||
                (rc = put(tx, be, "xvios-client-uuid", info.uuid)) < 0 ||
                (rc = put(tx, be, "xvios-client-name", info.name)) < 0 || (rc = put(tx, be, "state", "1")) < 0)
                goto abort;
        }
        if ((rc = put(tx, dev, "p-dev", pdev)) < 0 || (rc = put(tx, dev, "p-devname", pdev)) < 0 ||
            (rc = put(tx, dev, "v-dev", vdev)) < 0 || (rc = put(tx, dev, "mode", mode)) < 0 ||
            (rc = put(tx, dev, "state", "1")) < 0)
            goto abort;
        if (pool && ((rc = put(tx, dev, "xvios-lu", pool[0])) < 0 || (rc = put(tx, dev, "xvios-offset", pool[1])) < 0 ||
                     (rc = put(tx, dev, "xvios-size", pool[2])) < 0 || (rc = put(tx, dev, "xvios-wwn", pool[3])) < 0 ||
                     (rc = put(tx, dev, "xvios-serial", pool[4])) < 0))
            goto abort;
        if (exists && (rc = put(tx, be, "state", "7")) < 0)
            goto abort;
        rc = xvios_store_tx_end(P, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
abort:
    xvios_store_tx_end(P, tx, false);
    return rc;
}

static int do_detach(uint32_t vios, uint32_t client, uint32_t vhost, uint32_t devn)
{
    char be[256], dev[300];
    xvios_tx tx;
    int rc;

    snprintf(be, sizeof(be), "/local/domain/%u/backend/vscsi/%u/%u", vios, client, vhost);
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-%u", be, devn);
    for (int attempt = 0; attempt < 20; attempt++) {
        if ((rc = xvios_store_tx_start(P, &tx)) < 0)
            return rc;
        if ((rc = put(tx, dev, "state", "5")) < 0 || (rc = put(tx, be, "state", "7")) < 0) {
            xvios_store_tx_end(P, tx, false);
            return rc;
        }
        rc = xvios_store_tx_end(P, tx, true);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

static int do_wait(const char *path, const char *want, uint32_t secs)
{
    struct timespec dl = xvios_deadline_ms((uint64_t)secs * 1000);

    for (;;) {
        char *val = NULL;
        size_t len = 0;
        bool match = xvios_store_read(P, XVIOS_TX_NONE, path, &val, &len) == 0 && len == strlen(want) &&
                     memcmp(val, want, len) == 0;

        free(val);
        if (match)
            return 0;
        if (xvios_ts_passed(&dl))
            return -ETIMEDOUT;
        usleep(20000);
    }
}

static int num(const char *s, uint32_t *v)
{
    return xvios_parse_u32(s, 0, 0x7fef, v);
}

int main(int argc, char **argv)
{
    struct xvios_plat_config pc = { .kind = XVIOS_PLAT_LOOPBACK, .self_domid = 0 };
    uint32_t a[5] = { 0 };
    int rc = -EINVAL;

    if (argc < 4) {
        fprintf(stderr, "usage: vscsi_xs_tool ROOT domain|attach|detach|rmdev|remove|read|wait|write ...\n");
        return 2;
    }
    pc.root = argv[1];
    if ((rc = xvios_plat_open(&pc, &P)) < 0) {
        fprintf(stderr, "vscsi_xs_tool: cannot open %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    const char *cmd = argv[2];
    for (int i = 3; i < argc && i < 8; i++)
        if (strcmp(cmd, "read") && strcmp(cmd, "wait") && strcmp(cmd, "write") && strcmp(cmd, "rm") &&
            strcmp(cmd, "perms") && num(argv[i], &a[i - 3]) < 0 &&
            !(strcmp(cmd, "domain") == 0 && i == 4) && !(strcmp(cmd, "attach") == 0 && i >= 7)) {
            fprintf(stderr, "vscsi_xs_tool: bad number %s\n", argv[i]);
            rc = -EINVAL;
            goto out;
        }
    if (!strcmp(cmd, "domain") && argc == 5) {
        rc = xvios_loop_domain_create(P, a[0], argv[4]);
    } else if (!strcmp(cmd, "attach") && (argc == 10 || argc == 15)) {
        rc = do_attach(a[0], a[1], a[2], a[3], argv[7], argv[8], argv[9], argc == 15 ? argv + 10 : NULL);
    } else if (!strcmp(cmd, "detach") && argc == 7) {
        rc = do_detach(a[0], a[1], a[2], a[3]);
    } else if (!strcmp(cmd, "rmdev") && argc == 7) {
        char p[300];
        snprintf(p, sizeof(p), "/local/domain/%u/backend/vscsi/%u/%u/vscsi-devs/dev-%u", a[0], a[1], a[2], a[3]);
        rc = xvios_store_rm(P, XVIOS_TX_NONE, p);
    } else if (!strcmp(cmd, "remove") && argc == 6) {
        char p[300];
        snprintf(p, sizeof(p), "/local/domain/%u/backend/vscsi/%u/%u", a[0], a[1], a[2]);
        rc = xvios_store_rm(P, XVIOS_TX_NONE, p);
        snprintf(p, sizeof(p), "/local/domain/%u/device/vscsi/%u", a[1], a[2]);
        if (xvios_store_rm(P, XVIOS_TX_NONE, p) < 0 && rc == 0)
            rc = 0;                     /* the client's domain may be gone already */
    } else if (!strcmp(cmd, "read") && argc == 4) {
        char *val = NULL;
        size_t len = 0;
        rc = xvios_store_read(P, XVIOS_TX_NONE, argv[3], &val, &len);
        if (rc == 0)
            printf("%.*s\n", (int)len, val);
        free(val);
    } else if (!strcmp(cmd, "rm") && argc == 4) {
        rc = xvios_store_rm(P, XVIOS_TX_NONE, argv[3]);
    } else if (!strcmp(cmd, "perms") && argc == 4) {
        struct xvios_perm *perms = NULL;
        unsigned n = 0;
        rc = xvios_store_get_perms(P, XVIOS_TX_NONE, argv[3], &perms, &n);
        for (unsigned i = 0; rc == 0 && i < n; i++)
            printf("%s%u:%c", i ? " " : "", perms[i].domid,
                   perms[i].perm == XVIOS_PERM_BOTH ? 'b' : perms[i].perm == XVIOS_PERM_READ ? 'r'
                   : perms[i].perm == XVIOS_PERM_WRITE ? 'w' : 'n');
        if (rc == 0)
            printf("\n");
        free(perms);
    } else if (!strcmp(cmd, "write") && argc == 5) {
        rc = xvios_store_write(P, XVIOS_TX_NONE, argv[3], argv[4], strlen(argv[4]));
    } else if (!strcmp(cmd, "wait") && argc == 6) {
        uint32_t secs;
        rc = xvios_parse_u32(argv[5], 1, 3600, &secs);
        if (rc == 0)
            rc = do_wait(argv[3], argv[4], secs);
    } else {
        fprintf(stderr, "vscsi_xs_tool: bad command line\n");
        rc = -EINVAL;
    }
out:
    if (rc < 0 && strcmp(cmd, "read") && strcmp(cmd, "wait"))
        fprintf(stderr, "vscsi_xs_tool %s: %s\n", cmd, strerror(-rc));
    xvios_plat_close(P);
    return rc < 0 ? 1 : 0;
}
