/* SPDX-License-Identifier: MIT */
/*
 * cli_mhdb.c - the platform, and on a multi-host cluster its replicated DB
 * next to it, for one toolstack command (cli_mhdb.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_mhdb.h"

/* One command opens at most one platform with a replicated DB at a time. */
static struct {
    const xvios_plat *p;
    xvios_rdb *r;
    int lock_fd;
} mh = { .lock_fd = -1 };

static void mh_release(void)
{
    xvios_rdb_close(mh.r);
    if (mh.lock_fd >= 0)
        close(mh.lock_fd);   /* drops the flock */
    mh.p = NULL;
    mh.r = NULL;
    mh.lock_fd = -1;
}

static int open_rdb(const struct xvios_cli *cli, const char *prefix, xvios_plat *p)
{
    const char *dir = cli->mh_state ? cli->mh_state : cli->platform == XVIOS_PLAT_LOOPBACK && cli->root ? cli->root
                                                                                                       : CLI_MHDB_STATE_DIR;
    char file[300], lock[310];
    int rc;

    if (mh.p)
        return -EBUSY;
    if (!xvios_rdb_cluster_name_ok(cli->mh_cluster)) {
        fprintf(stderr, "%s: bad cluster name '%s' for --multihost (1-63 of A-Z a-z 0-9 . _ -)\n", prefix,
                cli->mh_cluster);
        return XVIOS_EXIT_USAGE;
    }
    if (snprintf(file, sizeof(file), "%s/cluster-db.%s.cli", dir, cli->mh_cluster) >= (int)sizeof(file) ||
        snprintf(lock, sizeof(lock), "%s.lock", file) >= (int)sizeof(lock)) {
        fprintf(stderr, "%s: the state directory's path is too long\n", prefix);
        return XVIOS_EXIT_USAGE;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create the state directory %s: %s\n", prefix, dir, strerror(errno));
        return XVIOS_EXIT_ERROR;
    }
    mh.lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (mh.lock_fd < 0 || flock(mh.lock_fd, LOCK_EX) < 0) {
        fprintf(stderr, "%s: cannot lock %s: %s\n", prefix, lock, strerror(errno));
        mh_release();
        return XVIOS_EXIT_ERROR;
    }
    rc = xvios_rdb_open(&(struct xvios_rdb_config){ .cluster = cli->mh_cluster, .state_file = file, .self_domid = 0 },
                        &mh.r);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot open the replicated DB of cluster %s: %s%s\n", prefix, cli->mh_cluster,
                strerror(-rc), rc == -ECONNREFUSED ? " (is corosync running on this host?)" : "");
        mh_release();
        return XVIOS_EXIT_UNREACHABLE;
    }
    rc = xvios_rdb_wait_synced(mh.r, CLI_MHDB_SYNC_MS);
    if (rc == 0)
        rc = xvios_rdb_attach(mh.r, p);
    if (rc < 0) {
        fprintf(stderr, "%s: the replicated DB of cluster %s did not sync: %s\n", prefix, cli->mh_cluster,
                cli_mhdb_why(rc) ? cli_mhdb_why(rc) : strerror(-rc));
        mh_release();
        return XVIOS_EXIT_UNREACHABLE;
    }
    mh.p = p;
    return 0;
}

int cli_plat_open(const struct xvios_cli *cli, const char *prefix, const struct xvios_plat_config *cfg,
                  xvios_plat **p)
{
    int rc = xvios_plat_open(cfg, p);

    if (rc < 0) {
        if (cfg->kind == XVIOS_PLAT_LOOPBACK)
            fprintf(stderr, "%s: cannot open the loopback cluster root %s: %s\n", prefix,
                    cfg->root ? cfg->root : "(none)", strerror(-rc));
        else
            fprintf(stderr, "%s: cannot reach XenStore: %s (is this dom0 with xenstored running?)\n", prefix,
                    strerror(-rc));
        return XVIOS_EXIT_UNREACHABLE;
    }
    if (cli->mh_cluster && (rc = open_rdb(cli, prefix, *p)) != 0) {
        xvios_plat_close(*p);
        *p = NULL;
        return rc;
    }
    return 0;
}

void cli_plat_close(xvios_plat *p)
{
    if (!p)
        return;
    if (mh.p == p) {
        xvios_rdb_detach(p);
        mh_release();
    }
    xvios_plat_close(p);
}

xvios_rdb *cli_plat_rdb(const xvios_plat *p)
{
    return p && mh.p == p ? mh.r : NULL;
}

const char *cli_mhdb_why(int err)
{
    switch (err) {
    case -EROFS:
        return "the cluster DB refuses writes here: this host's partition has no quorum (the majority of "
               "corosync's votes is on the other side; the majority continues)";
    case -EPIPE:
        return "corosync went away on this host";
    case -ENOTUNIQ:
        return "the running members hold copies of different incarnations of the cluster DB (a cluster destroyed "
               "and created again) and none is held by a majority of corosync's votes: no copy is chosen and "
               "writes are refused; start the missing hosts' VIOSes, or remove the stale state file";
    case -ETIMEDOUT:
        return "the replicated DB did not answer in time (outcome unknown; check with 'cluster status')";
    default:
        return NULL;
    }
}
