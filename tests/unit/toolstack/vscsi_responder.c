/* SPDX-License-Identifier: MIT */
/* vscsi_responder.c - the engine + frontend test double of the vscsi handshake (vscsi_responder.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/toolstack/vscsi_responder.h"
#include "xvios/platform.h"

#define MAX_VHOSTS 16
#define MAX_DEVS   32

struct side {
    const struct vscsi_responder_cfg *cfg;
    xvios_plat *vios, *client;
    int last_be[MAX_VHOSTS];
    FILE *log;
};

static int get_int(xvios_plat *p, const char *path)
{
    char *v = NULL;
    size_t len = 0;
    int n = -1;

    if (xvios_store_read(p, XVIOS_TX_NONE, path, &v, &len) == 0 && len < 8)
        n = atoi(v);
    free(v);
    return n;
}

static void put(xvios_plat *p, const char *path, const char *val)
{
    xvios_store_write(p, XVIOS_TX_NONE, path, val, strlen(val));
}

static void put_int(xvios_plat *p, const char *path, int v)
{
    char buf[16];

    snprintf(buf, sizeof(buf), "%d", v);
    put(p, path, buf);
}

/* dev indexes of the backend dir B, read as the domain p acts as */
static unsigned devs_of(xvios_plat *p, const char *be, unsigned *idx)
{
    char path[256], **names = NULL;
    unsigned n = 0, k = 0;

    snprintf(path, sizeof(path), "%s/vscsi-devs", be);
    if (xvios_store_list(p, XVIOS_TX_NONE, path, &names, &n) < 0)
        return 0;
    for (unsigned i = 0; i < n && k < MAX_DEVS; i++)
        if (!strncmp(names[i], "dev-", 4))
            idx[k++] = (unsigned)atoi(names[i] + 4);
    xvios_strv_free(names, n);
    return k;
}

/* The engine's pass over dev-N: from -> to (1 -> 3 refusing the LUs it should, 5 -> 6, 3 -> 4). */
static void engine_pass(struct side *s, const char *be, int from, int to)
{
    unsigned idx[MAX_DEVS], n = devs_of(s->vios, be, idx);

    for (unsigned i = 0; i < n; i++) {
        char path[300], lu[300];
        char *v = NULL;
        size_t len = 0;

        snprintf(path, sizeof(path), "%s/vscsi-devs/dev-%u/state", be, idx[i]);
        if (get_int(s->vios, path) != from)
            continue;
        snprintf(lu, sizeof(lu), "%s/vscsi-devs/dev-%u/p-dev", be, idx[i]);
        if (from == 1 && s->cfg->refuse_lu && xvios_store_read(s->vios, XVIOS_TX_NONE, lu, &v, &len) == 0 &&
            !strncmp(v, s->cfg->refuse_lu, strlen(s->cfg->refuse_lu))) {
            snprintf(lu, sizeof(lu), "%s/vscsi-devs/dev-%u/xvios-error", be, idx[i]);
            put(s->vios, lu, "no such file or block device");
            put_int(s->vios, path, 6);
        } else {
            put_int(s->vios, path, to);
        }
        free(v);
    }
}

/* The frontend's pass: the backend's dev-N in state be_st -> its own dev-N state fe_st. */
static void frontend_pass(struct side *s, const char *be, const char *fe, int be_st, int fe_st)
{
    unsigned idx[MAX_DEVS], n = devs_of(s->client, be, idx);

    for (unsigned i = 0; i < n; i++) {
        char path[300];

        snprintf(path, sizeof(path), "%s/vscsi-devs/dev-%u/state", be, idx[i]);
        if (get_int(s->client, path) != be_st)
            continue;
        snprintf(path, sizeof(path), "%s/vscsi-devs/dev-%u/state", fe, idx[i]);
        put_int(s->client, path, fe_st);
    }
}

/* The engine's own backend state changes are logged as written (the toolstack may remove the dir right after). */
static void set_be(struct side *s, unsigned slot, unsigned vhost, const char *bstate, int v)
{
    put_int(s->vios, bstate, v);
    fprintf(s->log, "vhost %u backend %d\n", vhost, v);
    fflush(s->log);
    s->last_be[slot] = v;
}

static void step_vhost(struct side *s, unsigned slot, const char *be, const char *fe, unsigned vhost)
{
    char bstate[300], fstate[300], path[300];
    int bs, fs;

    snprintf(bstate, sizeof(bstate), "%s/state", be);
    snprintf(fstate, sizeof(fstate), "%s/state", fe);
    if (s->cfg->engine) {
        bs = get_int(s->vios, bstate), fs = get_int(s->vios, fstate);
        if (bs == 1) {
            snprintf(path, sizeof(path), "%s/feature-sg-grant", be);
            put(s->vios, path, "128");
            set_be(s, slot, vhost, bstate, 2);
        } else if (bs == 2 && fs == 3) {
            engine_pass(s, be, 1, 3);
            set_be(s, slot, vhost, bstate, 4);
        } else if (bs == 4 && fs == 4) {
            engine_pass(s, be, 3, 4);
        } else if (bs == 7 && fs == 7) {
            engine_pass(s, be, 1, 3);
            engine_pass(s, be, 5, 6);
            set_be(s, slot, vhost, bstate, 8);
        } else if (bs == 8 && fs == 4) {
            engine_pass(s, be, 3, 4);
            set_be(s, slot, vhost, bstate, 4);
        } else if (bs == 5 && fs == 6) {
            set_be(s, slot, vhost, bstate, 6);
        }
    }
    if (s->cfg->frontend) {
        bs = get_int(s->client, bstate), fs = get_int(s->client, fstate);
        if (fs == 1 && (bs == 1 || bs == 2)) {
            snprintf(path, sizeof(path), "%s/ring-ref", fe);
            put(s->client, path, "8");
            snprintf(path, sizeof(path), "%s/event-channel", fe);
            put(s->client, path, "9");
            put_int(s->client, fstate, 3);
        } else if (bs == 4 && fs == 3) {
            frontend_pass(s, be, fe, 3, 4);
            put_int(s->client, fstate, 4);
        } else if (bs == 7 && fs == 4) {
            frontend_pass(s, be, fe, 5, 6);
            put_int(s->client, fstate, 7);
        } else if (bs == 8 && fs == 7) {
            frontend_pass(s, be, fe, 3, 4);
            put_int(s->client, fstate, 4);
        } else if (bs == 5 && fs >= 3 && fs != 6) {
            put_int(s->client, fstate, 6);
        }
    }
    bs = get_int(s->vios, bstate);
    if (bs != s->last_be[slot]) {
        fprintf(s->log, "vhost %u backend %d\n", vhost, bs);
        fflush(s->log);
        s->last_be[slot] = bs;
    }
}

static void step(struct side *s)
{
    char dir[128], be[200], fe[200], **names = NULL;
    unsigned n = 0;

    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vscsi/%u", s->cfg->vios, s->cfg->client);
    if (xvios_store_list(s->vios, XVIOS_TX_NONE, dir, &names, &n) < 0)
        return;
    for (unsigned i = 0; i < n && i < MAX_VHOSTS; i++) {
        unsigned vhost = (unsigned)atoi(names[i]);

        snprintf(be, sizeof(be), "%s/%u", dir, vhost);
        snprintf(fe, sizeof(fe), "/local/domain/%u/device/vscsi/%u", s->cfg->client, vhost);
        step_vhost(s, i, be, fe, vhost);
    }
    xvios_strv_free(names, n);
}

static xvios_plat *open_as(const char *root, uint32_t domid)
{
    struct xvios_plat_config c = {.kind = XVIOS_PLAT_LOOPBACK, .root = root, .self_domid = domid};
    xvios_plat *p = NULL;

    return xvios_plat_open(&c, &p) == 0 ? p : NULL;
}

pid_t vscsi_responder_start(const struct vscsi_responder_cfg *cfg)
{
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid != 0)
        return pid;
    {
        struct side s = {.cfg = cfg};
        char log[256];
        struct timespec nap = {0, 2 * 1000 * 1000};

        snprintf(log, sizeof(log), "%s/responder.log", cfg->root);
        s.log = fopen(log, "a");
        s.vios = open_as(cfg->root, cfg->vios);
        s.client = open_as(cfg->root, cfg->client);
        if (!s.log || !s.vios || !s.client)
            _exit(1);
        for (unsigned i = 0; i < MAX_VHOSTS; i++)
            s.last_be[i] = -2;
        for (;;) {   /* until the test kills it */
            step(&s);
            nanosleep(&nap, NULL);
        }
    }
}

void vscsi_responder_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

bool vscsi_responder_saw(const char *root, const char *s)
{
    char path[256], line[256];
    bool seen = false;
    FILE *f;

    snprintf(path, sizeof(path), "%s/responder.log", root);
    f = fopen(path, "r");
    if (!f)
        return false;
    while (!seen && fgets(line, sizeof(line), f))
        seen = strstr(line, s) != NULL;
    fclose(f);
    return seen;
}
