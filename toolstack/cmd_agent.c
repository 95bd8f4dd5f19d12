/* SPDX-License-Identifier: MIT */
/*
 * cmd_agent.c - `xvios agent`: dom0's agent (docs/api.md, "The dom0
 * agent"). A long-running dom0 process that opens the management link to
 * each VIOS it serves (every member by default, members that join later
 * included) and registers on it (API_AGENT); a node then forwards to it the
 * requests only dom0 may run (API_AGENT_REQ), which agent_run.c runs. A link
 * that cannot be opened or drops is opened again with a growing backoff
 * (AGENT_BACKOFF_MIN_MS .. AGENT_BACKOFF_MAX_MS); every wait has a deadline.
 * The agent accepts no connection: it only opens links. Requests are run
 * one at a time, in the order they are read. SIGTERM / SIGINT end it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "toolstack/agent.h"
#include "toolstack/cmds.h"
#include "xvios/clock.h"
#include "xvios/db.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/vio.h"

#define AGENT_BACKOFF_MIN_MS 200u
#define AGENT_BACKOFF_MAX_MS 5000u
#define AGENT_CONNECT_MS     2000u
#define AGENT_MEMBERS_MS     2000u   /* --nodes all: the members read again this often (a node that joined) */
#define AGENT_SLICE_MS       100u    /* one round over the links waits about this long */

static const char usage_text[] =
    "usage: xvios [GLOBAL] agent [--nodes LIST|all] [--allow KINDS]\n"
    "dom0's agent: opens the management link to each VIOS (LIST: node ids, comma-separated; default all\n"
    "members, also those that join later) and runs there what only dom0 may write when a VIOS is asked for\n"
    "it: KINDS, comma-separated, of mapping, lu, pool (default mapping,lu). Runs until SIGTERM.\n"
    "Exit status: 0 stopped by a signal, 2 usage, 1 not dom0 or no cluster.\n";

struct agent_link {
    uint32_t node;
    bool wanted;                 /* a member (or listed) */
    xvios_client *c;             /* registered, or NULL */
    struct timespec retry_at;
    uint32_t backoff_ms;
    int last_err;                /* logged once per kind of failure */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static struct agent_link *link_find(struct agent_link *l, unsigned n, uint32_t node)
{
    for (unsigned i = 0; i < n; i++)
        if (l[i].node == node)
            return &l[i];
    return NULL;
}

static void link_drop(struct agent_link *l, int err)
{
    xvios_client_close(l->c);
    l->c = NULL;
    l->backoff_ms = AGENT_BACKOFF_MIN_MS;
    l->retry_at = xvios_deadline_ms(l->backoff_ms);
    if (err)
        XLOG_WARN("node %u: the management link dropped (%s): opening it again", l->node, strerror(-err));
}

static void link_try(const struct xvios_cli *cli, struct agent_link *l, const char *allow)
{
    struct xvios_client_config cfg = { .platform = cli->platform, .root = cli->root, .via = l->node,
                                       .origin = XVIOS_ORIGIN_API, .name = "xvios-agent",
                                       .connect_timeout_ms = AGENT_CONNECT_MS };
    struct timespec dl = xvios_deadline_ms(AGENT_CONNECT_MS);
    int rc = xvios_client_open(&cfg, &l->c);

    if (rc == 0 && (rc = xvios_client_agent_register(l->c, allow, &dl)) < 0) {
        xvios_client_close(l->c);
        l->c = NULL;
    }
    if (rc == 0) {
        XLOG_INFO("node %u: registered as dom0's agent on its management link (allows %s)", l->node, allow);
        l->last_err = 0;
        l->backoff_ms = AGENT_BACKOFF_MIN_MS;
        return;
    }
    if (rc != l->last_err)
        XLOG_WARN("node %u: cannot register on its management link: %s (trying again, up to every %u ms)", l->node,
                  rc == -EPERM ? "the node refused the registration" : strerror(-rc), AGENT_BACKOFF_MAX_MS);
    l->last_err = rc;
    l->retry_at = xvios_deadline_ms(l->backoff_ms);
    l->backoff_ms = l->backoff_ms * 2 > AGENT_BACKOFF_MAX_MS ? AGENT_BACKOFF_MAX_MS : l->backoff_ms * 2;
}

/* --nodes all: every member now in the DB wanted (new ones added), the others let go. */
static int members_read(const struct xvios_cli *cli, struct agent_link *l, unsigned *n)
{
    struct xvios_plat_config pc = { .kind = cli->platform, .root = cli->root, .self_domid = 0 };
    uint32_t ids[XVIOS_MAX_NODES];
    unsigned m = 0;
    xvios_plat *p = NULL;
    int rc = xvios_plat_open(&pc, &p);

    if (rc == 0)
        rc = xvios_db_node_ids(p, ids, XVIOS_MAX_NODES, &m);
    xvios_plat_close(p);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < *n; i++)
        l[i].wanted = false;
    for (unsigned i = 0; i < m; i++) {
        struct agent_link *x = link_find(l, *n, ids[i]);
        if (!x && *n < XVIOS_MAX_NODES) {
            x = &l[(*n)++];
            *x = (struct agent_link){ .node = ids[i], .backoff_ms = AGENT_BACKOFF_MIN_MS };
            XLOG_INFO("node %u is a member: serving it", ids[i]);
        }
        if (x)
            x->wanted = true;
    }
    for (unsigned i = 0; i < *n; i++)
        if (!l[i].wanted && l[i].c) {
            XLOG_INFO("node %u is no longer a member: its link closed", l[i].node);
            link_drop(&l[i], 0);
        }
    return 0;
}

static int nodes_parse(const char *s, struct agent_link *l, unsigned *n)
{
    char buf[1024];

    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
        return -EINVAL;
    for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        uint32_t id;
        if (xvios_parse_u32(w, 1, XVIOS_NODE_ID_MAX, &id) < 0 || *n >= XVIOS_MAX_NODES)
            return -EINVAL;
        if (!link_find(l, *n, id))
            l[(*n)++] = (struct agent_link){ .node = id, .wanted = true, .backoff_ms = AGENT_BACKOFF_MIN_MS };
    }
    return *n ? 0 : -EINVAL;
}

/* One packet from a registered link, within its slice. */
static void link_serve(const struct xvios_cli *cli, unsigned allow, struct agent_link *l, uint32_t slice_ms)
{
    struct timespec dl = xvios_deadline_ms(slice_ms);
    struct xvios_api_msg m;
    int rc = xvios_client_recv(l->c, &m, &dl);

    if (rc == -ETIMEDOUT || rc == -EINTR)
        return;
    if (rc < 0) {
        link_drop(l, rc);
        return;
    }
    if (m.opcode == XVIOS_OP_API_AGENT_REQ) {
        rc = agent_handle(cli, allow, l->c, &m);
        if (rc < 0)
            link_drop(l, rc);
    }
    xvios_api_msg_dispose(&m);   /* anything else (a late result) is nothing of ours */
}

int cmd_agent(struct xvios_cli *cli, int argc, char **argv)
{
    static struct agent_link links[XVIOS_MAX_NODES];
    const char *nodes = "all";
    unsigned allow = AGENT_DEFAULT_ALLOW, n = 0;
    struct sigaction sa = { .sa_handler = on_signal };
    struct timespec members_at = { 0 };
    char allow_text[32];
    xvios_plat *p = NULL;
    uint32_t domid = 1;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return XVIOS_EXIT_OK;
        } else if (!strcmp(argv[i], "--nodes") && i + 1 < argc) {
            nodes = argv[++i];
        } else if (!strcmp(argv[i], "--allow") && i + 1 < argc) {
            if (agent_allow_parse(argv[++i], &allow) < 0) {
                fprintf(stderr, "%s agent: --allow takes mapping, lu, pool (comma-separated): '%s'\n", cli->prog,
                        argv[i]);
                return XVIOS_EXIT_USAGE;
            }
        } else {
            fputs(usage_text, stderr);
            return XVIOS_EXIT_USAGE;
        }
    }
    if (strcmp(nodes, "all") && nodes_parse(nodes, links, &n) < 0) {
        fprintf(stderr, "%s agent: --nodes takes 'all' or node ids, comma-separated: '%s'\n", cli->prog, nodes);
        return XVIOS_EXIT_USAGE;
    }
    if (cli->platform == XVIOS_PLAT_LOOPBACK && !cli->root) {
        fprintf(stderr, "%s agent: the loopback platform needs --root (or XVIOS_ROOT)\n", cli->prog);
        return XVIOS_EXIT_USAGE;
    }
    {
        struct xvios_plat_config pc = { .kind = cli->platform, .root = cli->root, .self_domid = 0 };
        rc = xvios_plat_open(&pc, &p);
        if (rc == 0)
            rc = xvios_plat_self_domid(p, &domid);
        xvios_plat_close(p);
        if (rc < 0 || domid != 0) {
            fprintf(stderr, "%s agent: runs in dom0 only (%s)\n", cli->prog,
                    rc < 0 ? strerror(-rc) : "this is not dom0");
            return XVIOS_EXIT_ERROR;
        }
    }
    if (!getenv("XVIOS_LOG"))
        xvios_log_set_level(XVIOS_LOG_INFO);
    xvios_log_set_prog("xvios-agent");
    agent_allow_format(allow, allow_text, sizeof(allow_text));
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    XLOG_INFO("dom0's agent: serving %s nodes, allows %s", nodes, allow_text);

    while (!stop) {
        struct timespec now = xvios_now();
        unsigned up = 0;

        if (!strcmp(nodes, "all") && xvios_ts_cmp(members_at, now) <= 0) {
            if ((rc = members_read(cli, links, &n)) < 0)
                XLOG_WARN("cannot read the cluster's members: %s (trying again)", strerror(-rc));
            members_at = xvios_deadline_ms(AGENT_MEMBERS_MS);
        }
        for (unsigned i = 0; i < n && !stop; i++) {
            if (links[i].wanted && !links[i].c && xvios_ts_cmp(links[i].retry_at, xvios_now()) <= 0)
                link_try(cli, &links[i], allow_text);
            up += links[i].c != NULL;
        }
        if (!up) {   /* nothing to read: wait one slice for the next retry */
            nanosleep(&(struct timespec){ .tv_nsec = AGENT_SLICE_MS * 1000000L }, NULL);
            continue;
        }
        for (unsigned i = 0; i < n && !stop; i++)
            if (links[i].c)
                link_serve(cli, allow, &links[i], AGENT_SLICE_MS / up ? AGENT_SLICE_MS / up : 1);
    }
    for (unsigned i = 0; i < n; i++)
        xvios_client_close(links[i].c);
    xvios_vio_cleanup();
    XLOG_INFO("dom0's agent stopped");
    return XVIOS_EXIT_OK;
}
