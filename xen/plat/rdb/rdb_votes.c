/* SPDX-License-Identifier: MIT */
/*
 * rdb_votes.c - the table the apply-side quorum check weighs a ring with
 * (rdb_handle.h, docs/multihost.md "Quorum"): each corosync node's votes
 * from corosync.conf's nodelist and the votes the cluster expects, read
 * through cmap when a member opens; the check is off where a ring's
 * majority of those votes is not votequorum's rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <corosync/cmap.h>

#include "rdb_handle.h"
#include "xvios/log.h"

static int cs_err(cs_error_t e)
{
    return e == CS_ERR_NOT_EXIST ? -ENOENT : e == CS_ERR_LIBRARY ? -ECONNREFUSED : -EIO;
}

/* votequorum options under which quorum is not "the ring holds a majority of the expected votes" */
static const char *const quorum_special[] = {
    "quorum.two_node", "quorum.last_man_standing", "quorum.auto_tie_breaker", "quorum.allow_downscale",
};

int rdb_votes_load(struct rdb_votes *v)
{
    cmap_handle_t h;
    cs_error_t e;
    char key[64], *provider = NULL;
    uint32_t id, votes, sum = 0, expected = 0;
    int rc = 0;

    memset(v, 0, sizeof(*v));
    if ((e = cmap_initialize(&h)) != CS_OK)
        return cs_err(e);
    if (cmap_get_string(h, "quorum.provider", &provider) != CS_OK || strcmp(provider, "corosync_votequorum")) {
        XLOG_INFO("rdb: no votequorum: no apply-side quorum check");
        goto out;
    }
    for (size_t i = 0; i < sizeof(quorum_special) / sizeof(quorum_special[0]); i++) {
        uint8_t u8 = 0;
        uint32_t u32 = 0;
        if ((cmap_get_uint8(h, quorum_special[i], &u8) == CS_OK && u8) ||
            (cmap_get_uint32(h, quorum_special[i], &u32) == CS_OK && u32)) {
            XLOG_WARN("rdb: %s is set: quorum is votequorum's own rule, checked when a commit is sent only "
                      "(no apply-side check)", quorum_special[i]);
            goto out;
        }
    }
    char *model = NULL;
    if (cmap_get_string(h, "quorum.device.model", &model) == CS_OK) {
        free(model);
        XLOG_WARN("rdb: a quorum device is configured: checked when a commit is sent only (no apply-side check)");
        goto out;
    }
    for (unsigned i = 0; i < RDB_VOTES_MAX; i++) {
        snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", i);
        if ((e = cmap_get_uint32(h, key, &id)) == CS_ERR_NOT_EXIST)
            break;
        if (e != CS_OK) {
            rc = cs_err(e);
            goto out;
        }
        snprintf(key, sizeof(key), "nodelist.node.%u.quorum_votes", i);
        if (cmap_get_uint32(h, key, &votes) != CS_OK)
            votes = 1;   /* corosync.conf(5): one vote unless said otherwise */
        v->node[v->n].nodeid = id;
        v->node[v->n].votes = votes;
        v->n++;
        sum += votes;
    }
    if (cmap_get_uint32(h, "quorum.expected_votes", &expected) != CS_OK || expected < sum)
        expected = sum;
    v->expected = v->n ? expected : 0;
out:
    free(provider);
    cmap_finalize(h);
    if (rc < 0)
        memset(v, 0, sizeof(*v));
    return rc;
}

uint32_t rdb_votes_of(const struct rdb_votes *v, const uint32_t *nodeids, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; k < v->n; k++)
            if (v->node[k].nodeid == nodeids[i]) {
                sum += v->node[k].votes;
                break;
            }
    return sum;
}
