/* SPDX-License-Identifier: MIT */
/*
 * xen_mock.c - in-process fakes of libxenstore, libxenctrl and libxenvchan,
 * bound with -Wl,--wrap=<function> (see xen_mock.h and the tests' .wrap
 * files). Semantics follow the real libraries where our code depends on
 * them: XenStore writes create parents and fire watches on the node and
 * its ancestors' watchers; xs_watch queues one event at registration;
 * xs_check_watch is non-blocking; a vchan server accepts one client; a
 * client's first event is pending right after it connects.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/plat/xen/xen_mock.h"

struct mock_xen_state mock_xen;

/* ---------------------------------------------------------------- fake store */
struct mnode {
    char *path;
    char *val;
    size_t len;
    struct xs_permissions perms[16];
    unsigned nperms;
    struct mnode *next;
};

struct mwatch {
    char *path, *token;
    struct mwatch *next;
};

struct mevent {
    char *path, *token;
    struct mevent *next;
};

struct xs_handle {
    uint32_t domid;
    int pipe[2];
    struct mwatch *watches;
    struct mevent *head, *tail;
    struct xs_handle *next;
};

static struct mnode *nodes;
static struct xs_handle *handles;
static xs_transaction_t next_tx = 1;

static struct mnode *node_find(const char *path)
{
    for (struct mnode *n = nodes; n; n = n->next)
        if (!strcmp(n->path, path))
            return n;
    return NULL;
}

static struct mnode *node_create(const char *path)
{
    struct mnode *n = node_find(path);
    char parent[512];
    char *slash;

    if (n)
        return n;
    n = calloc(1, sizeof(*n));
    assert_non_null(n);
    n->path = strdup(path);
    n->val = strdup("");
    /* inherit the parent's permissions, like xenstored */
    snprintf(parent, sizeof(parent), "%s", path);
    slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        struct mnode *p = node_create(parent);
        memcpy(n->perms, p->perms, sizeof(n->perms));
        n->nperms = p->nperms;
    } else {
        n->perms[0].id = 0;
        n->perms[0].perms = XS_PERM_NONE;
        n->nperms = 1;
    }
    n->next = nodes;
    nodes = n;
    return n;
}

static void resolve(const struct xs_handle *h, const char *path, char *out, size_t n)
{
    if (path[0] == '/' || path[0] == '@')
        snprintf(out, n, "%s", path);
    else
        snprintf(out, n, "/local/domain/%u/%s", h ? h->domid : 0u, path);
}

static bool is_below(const char *path, const char *top)
{
    size_t l = strlen(top);

    if (!strcmp(top, "/"))
        return path[0] == '/';
    return !strncmp(path, top, l) && (path[l] == '\0' || path[l] == '/');
}

static void queue_event(struct xs_handle *h, const char *path, const char *token)
{
    struct mevent *e = calloc(1, sizeof(*e));
    bool was_empty = !h->head;

    assert_non_null(e);
    e->path = strdup(path);
    e->token = strdup(token);
    if (h->tail)
        h->tail->next = e;
    else
        h->head = e;
    h->tail = e;
    if (was_empty && h->pipe[1] >= 0) {
        char c = 'w';
        assert_int_equal(write(h->pipe[1], &c, 1), 1);
    }
}

void mock_xs_fire(const char *path)
{
    for (struct xs_handle *h = handles; h; h = h->next)
        for (struct mwatch *w = h->watches; w; w = w->next) {
            bool hit = path[0] == '@' || w->path[0] == '@' ? !strcmp(path, w->path) : is_below(path, w->path);
            if (hit)
                queue_event(h, path, w->token);
        }
}

void mock_xs_inject_event(const char *path, const char *token)
{
    for (struct xs_handle *h = handles; h; h = h->next)
        queue_event(h, path, token);
}

void mock_xs_put(const char *path, const char *val, size_t len)
{
    struct mnode *n = node_create(path);

    free(n->val);
    n->val = malloc(len + 1);
    assert_non_null(n->val);
    memcpy(n->val, val, len);
    n->val[len] = '\0';
    n->len = len;
    mock_xs_fire(path);
}

bool mock_xs_exists(const char *path) { return node_find(path) != NULL; }

const char *mock_xs_get(const char *path)
{
    struct mnode *n = node_find(path);
    return n ? n->val : NULL;
}

void mock_xs_rm(const char *path)
{
    struct mnode **pp = &nodes;

    while (*pp) {
        struct mnode *n = *pp;
        if (is_below(n->path, path)) {
            *pp = n->next;
            free(n->path);
            free(n->val);
            free(n);
        } else {
            pp = &n->next;
        }
    }
    mock_xs_fire(path);
}

void mock_xs_set_raw_perms(const char *path, const struct xs_permissions *p, unsigned n)
{
    struct mnode *node = node_create(path);

    assert_true(n <= 16);
    memcpy(node->perms, p, n * sizeof(*p));
    node->nperms = n;
}

struct xs_handle *__wrap_xs_open(unsigned long flags);
struct xs_handle *__wrap_xs_open(unsigned long flags)
{
    struct xs_handle *h;

    (void)flags;
    if (mock_xen.xs_open_fail) {
        errno = ENOENT;
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    assert_non_null(h);
    h->domid = mock_xen.open_domid;
    h->pipe[0] = h->pipe[1] = -1;
    h->next = handles;
    handles = h;
    return h;
}

static void handle_free(struct xs_handle *h)
{
    while (h->watches) {
        struct mwatch *w = h->watches;
        h->watches = w->next;
        free(w->path);
        free(w->token);
        free(w);
    }
    while (h->head) {
        struct mevent *e = h->head;
        h->head = e->next;
        free(e->path);
        free(e->token);
        free(e);
    }
    if (h->pipe[0] >= 0) {
        close(h->pipe[0]);
        close(h->pipe[1]);
    }
    free(h);
}

void __wrap_xs_close(struct xs_handle *h);
void __wrap_xs_close(struct xs_handle *h)
{
    if (!h)
        return;
    for (struct xs_handle **pp = &handles; *pp; pp = &(*pp)->next)
        if (*pp == h) {
            *pp = h->next;
            break;
        }
    handle_free(h);
}

void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    char full[4096];
    struct mnode *n;
    char *v;

    (void)t;
    resolve(h, path, full, sizeof(full));
    n = node_find(full);
    if (!n) {
        errno = ENOENT;
        return NULL;
    }
    v = malloc(n->len + 1);
    assert_non_null(v);
    memcpy(v, n->val, n->len + 1);
    if (len)
        *len = (unsigned int)n->len;
    return v;
}

bool __wrap_xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data, unsigned int len);
bool __wrap_xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data, unsigned int len)
{
    char full[4096];

    (void)t;
    resolve(h, path, full, sizeof(full));
    mock_xs_put(full, data, len);
    return true;
}

bool __wrap_xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool __wrap_xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    char full[4096];

    (void)t;
    resolve(h, path, full, sizeof(full));
    if (!node_find(full)) {
        node_create(full);
        mock_xs_fire(full);
    }
    return true;
}

bool __wrap_xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
bool __wrap_xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    char full[4096];

    (void)t;
    resolve(h, path, full, sizeof(full));
    if (!node_find(full)) {
        /* as xenstored: removing an absent node succeeds when its parent exists */
        char parent[4096];
        char *slash;

        snprintf(parent, sizeof(parent), "%s", full);
        slash = strrchr(parent, '/');
        if (slash && slash != parent)
            *slash = '\0';
        else if (slash)
            slash[1] = '\0';
        if (!strcmp(parent, "/") || node_find(parent))
            return true;
        errno = ENOENT;
        return false;
    }
    mock_xs_rm(full);
    return true;
}

char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num);
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
    char full[4096];
    size_t plen, total = 0;
    unsigned cnt = 0;
    char **out;
    char *strings;

    (void)t;
    resolve(h, path, full, sizeof(full));
    if (!node_find(full) && strcmp(full, "/")) {
        errno = ENOENT;
        return NULL;
    }
    plen = !strcmp(full, "/") ? 0 : strlen(full);
    for (struct mnode *n = nodes; n; n = n->next)
        if (is_below(n->path, full) && strcmp(n->path, full) && !strchr(n->path + plen + 1, '/')) {
            cnt++;
            total += strlen(n->path + plen + 1) + 1;
        }
    /* one allocation, like libxenstore: the caller frees only the array */
    out = malloc(cnt * sizeof(char *) + total + 1);
    assert_non_null(out);
    strings = (char *)(out + cnt);
    cnt = 0;
    for (struct mnode *n = nodes; n; n = n->next)
        if (is_below(n->path, full) && strcmp(n->path, full) && !strchr(n->path + plen + 1, '/')) {
            strcpy(strings, n->path + plen + 1);
            out[cnt++] = strings;
            strings += strlen(strings) + 1;
        }
    *num = cnt;
    return out;
}

struct xs_permissions *__wrap_xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                                 unsigned int *num);
struct xs_permissions *__wrap_xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                                 unsigned int *num)
{
    char full[4096];
    struct mnode *n;
    struct xs_permissions *p;

    (void)t;
    resolve(h, path, full, sizeof(full));
    if (mock_xen.release_perms_unreadable && !strcmp(full, "@releaseDomain")) {
        errno = EINVAL;
        return NULL;
    }
    n = node_find(full);
    if (!n) {
        errno = ENOENT;
        return NULL;
    }
    p = malloc(n->nperms * sizeof(*p));
    assert_non_null(p);
    memcpy(p, n->perms, n->nperms * sizeof(*p));
    *num = n->nperms;
    return p;
}

bool __wrap_xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                               struct xs_permissions *perms, unsigned int num_perms);
bool __wrap_xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                               struct xs_permissions *perms, unsigned int num_perms)
{
    char full[4096];
    struct mnode *n;

    resolve(h, path, full, sizeof(full));
    mock_xen.set_perms_calls++;
    memset(&mock_xen.last_set_perms, 0, sizeof(mock_xen.last_set_perms));
    snprintf(mock_xen.last_set_perms.path, sizeof(mock_xen.last_set_perms.path), "%s", full);
    mock_xen.last_set_perms.tx = t;
    mock_xen.last_set_perms.num = num_perms;
    memcpy(mock_xen.last_set_perms.perms, perms, (num_perms < 16 ? num_perms : 16) * sizeof(*perms));
    n = node_find(full);
    if (!n) {
        errno = ENOENT;
        return false;
    }
    if (num_perms > 16) {
        errno = ENOSPC;
        return false;
    }
    memcpy(n->perms, perms, num_perms * sizeof(*perms));
    n->nperms = num_perms;
    return true;
}

xs_transaction_t __wrap_xs_transaction_start(struct xs_handle *h);
xs_transaction_t __wrap_xs_transaction_start(struct xs_handle *h)
{
    (void)h;
    mock_xen.tx_started++;
    return next_tx++;
}

bool __wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);
bool __wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    (void)h;
    assert_true(t != XBT_NULL);
    if (abort) {
        mock_xen.tx_aborted++;
        return true;
    }
    if (mock_xen.tx_eagain) {
        mock_xen.tx_eagain--;
        errno = EAGAIN;
        return false;
    }
    mock_xen.tx_committed++;
    return true;
}

bool __wrap_xs_watch(struct xs_handle *h, const char *path, const char *token);
bool __wrap_xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    struct mwatch *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    w->path = strdup(path);
    w->token = strdup(token);
    w->next = h->watches;
    h->watches = w;
    queue_event(h, path, token); /* xenstored fires every new watch once */
    return true;
}

bool __wrap_xs_unwatch(struct xs_handle *h, const char *path, const char *token);
bool __wrap_xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    for (struct mwatch **pp = &h->watches; *pp; pp = &(*pp)->next) {
        struct mwatch *w = *pp;
        if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
            *pp = w->next;
            free(w->path);
            free(w->token);
            free(w);
            return true;
        }
    }
    errno = ENOENT;
    return false;
}

int __wrap_xs_fileno(struct xs_handle *h);
int __wrap_xs_fileno(struct xs_handle *h)
{
    if (h->pipe[0] < 0) {
        assert_int_equal(pipe2(h->pipe, O_NONBLOCK | O_CLOEXEC), 0);
        if (h->head) {
            char c = 'w';
            assert_int_equal(write(h->pipe[1], &c, 1), 1);
        }
    }
    return h->pipe[0];
}

char **__wrap_xs_check_watch(struct xs_handle *h);
char **__wrap_xs_check_watch(struct xs_handle *h)
{
    struct mevent *e = h->head;
    size_t lp, lt;
    char **out;

    if (!e) {
        errno = EAGAIN;
        return NULL;
    }
    h->head = e->next;
    if (!h->head)
        h->tail = NULL;
    lp = strlen(e->path) + 1;
    lt = strlen(e->token) + 1;
    out = malloc(2 * sizeof(char *) + lp + lt);
    assert_non_null(out);
    out[XS_WATCH_PATH] = (char *)(out + 2);
    out[XS_WATCH_TOKEN] = out[XS_WATCH_PATH] + lp;
    memcpy(out[XS_WATCH_PATH], e->path, lp);
    memcpy(out[XS_WATCH_TOKEN], e->token, lt);
    free(e->path);
    free(e->token);
    free(e);
    if (!h->head && h->pipe[0] >= 0) {
        char c;
        assert_int_equal(read(h->pipe[0], &c, 1), 1);
    }
    return out;
}

/* ---------------------------------------------------------------- fake libxenctrl */
struct mdom {
    uint32_t domid;
    bool dying;
    uint8_t handle[16];
};
static struct mdom doms[64];
static unsigned ndoms;
static int xc_token;

static void parse_uuid(const char *s, uint8_t out[16])
{
    unsigned j = 0;

    memset(out, 0, 16);
    for (size_t i = 0; s[i] && j < 32; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            continue;
        out[j / 2] = (uint8_t)(out[j / 2] | (j % 2 ? v : v << 4));
        j++;
    }
}

void mock_domain_add(uint32_t domid, const char *name, const char *uuid)
{
    char path[128], val[128];

    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    mock_xs_put(path, "", 0);
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    mock_xs_put(path, name, strlen(name));
    snprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
    snprintf(val, sizeof(val), "%u", domid);
    mock_xs_put(path, val, strlen(val));
    if (uuid) {
        snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
        snprintf(val, sizeof(val), "/vm/%s", uuid);
        mock_xs_put(path, val, strlen(val));
    }
    assert_true(ndoms < 64);
    /* keep the table sorted by domid, like the hypervisor's domain list */
    unsigned i = ndoms;
    while (i > 0 && doms[i - 1].domid > domid) {
        doms[i] = doms[i - 1];
        i--;
    }
    memset(&doms[i], 0, sizeof(doms[i]));
    doms[i].domid = domid;
    if (uuid)
        parse_uuid(uuid, doms[i].handle);
    ndoms++;
}

void mock_domain_set_dying(uint32_t domid, bool dying)
{
    for (unsigned i = 0; i < ndoms; i++)
        if (doms[i].domid == domid)
            doms[i].dying = dying;
}

void mock_domain_kill(uint32_t domid)
{
    char path[64];

    for (unsigned i = 0; i < ndoms; i++)
        if (doms[i].domid == domid) {
            memmove(&doms[i], &doms[i + 1], (ndoms - i - 1) * sizeof(doms[0]));
            ndoms--;
            break;
        }
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    mock_xs_rm(path);
}

void mock_domain_destroy(uint32_t domid)
{
    mock_domain_kill(domid);
    mock_xs_fire("@releaseDomain");
}

xc_interface *__wrap_xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                       unsigned open_flags);
xc_interface *__wrap_xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                       unsigned open_flags)
{
    (void)logger;
    (void)dombuild_logger;
    (void)open_flags;
    if (!mock_xen.xc_available) {
        errno = ENOENT;
        return NULL;
    }
    return (xc_interface *)&xc_token;
}

int __wrap_xc_interface_close(xc_interface *xch);
int __wrap_xc_interface_close(xc_interface *xch)
{
    assert_ptr_equal(xch, (xc_interface *)&xc_token);
    return 0;
}

int __wrap_xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms, xc_dominfo_t *info);
int __wrap_xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms, xc_dominfo_t *info)
{
    assert_ptr_equal(xch, (xc_interface *)&xc_token);
    assert_true(max_doms >= 1);
    for (unsigned i = 0; i < ndoms; i++)
        if (doms[i].domid >= first_domid) {
            memset(info, 0, sizeof(*info));
            info->domid = doms[i].domid;
            info->dying = doms[i].dying;
            memcpy(info->handle, doms[i].handle, 16);
            return 1;
        }
    return 0;
}

/* ---------------------------------------------------------------- fake libxenvchan */
struct mchan;
struct fvc {
    struct libxenvchan ctrl; /* first: the library's handle is a pointer to this */
    struct mchan *ch;
    bool server;
    int evfd;
};

struct mchan {
    char path[128];
    uint32_t srv_domid, granted;
    struct fvc *srv, *cli;
    uint8_t *ring[2];     /* [0] server->client, [1] client->server */
    uint32_t cap[2];
    uint64_t prod[2], cons[2];
    int srv_live, cli_live;
    struct mchan *next;
};
static struct mchan *chans;
static unsigned live_ends;
static uint32_t next_port = 10;

static int order_for(size_t size)
{
    int o = 12;
    while ((size_t)1 << o < size)
        o++;
    return o;
}

static struct fvc *fv(struct libxenvchan *c) { return (struct fvc *)c; }
static int out_ring(const struct fvc *f) { return f->server ? 0 : 1; }
static struct fvc *peer_of(const struct fvc *f) { return f->server ? f->ch->cli : f->ch->srv; }

static void notify(struct fvc *f)
{
    uint64_t one = 1;
    if (f)
        assert_int_equal(write(f->evfd, &one, sizeof(one)), (int)sizeof(one));
}

static struct fvc *end_new(struct mchan *ch, bool server)
{
    struct fvc *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->ch = ch;
    f->server = server;
    f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(f->evfd >= 0);
    f->ctrl.is_server = server;
    f->ctrl.event_port = next_port++;
    f->ctrl.blocking = 1; /* the real library leaves this uninitialised: callers must clear it */
    live_ends++;
    return f;
}

struct libxenvchan *__wrap_libxenvchan_server_init(struct xentoollog_logger *logger, int domain,
                                                   const char *xs_path, size_t read_min, size_t write_min);
struct libxenvchan *__wrap_libxenvchan_server_init(struct xentoollog_logger *logger, int domain,
                                                   const char *xs_path, size_t read_min, size_t write_min)
{
    struct mchan *ch;
    struct xs_permissions perms[2];
    char path[160];
    unsigned srv;

    (void)logger;
    mock_xen.vchan_server_calls++;
    assert_true(strlen(xs_path) + strlen("/event-channel") < 64); /* the library's buffer */
    if (mock_xen.vchan_server_fail) {
        errno = EACCES;
        return NULL;
    }
    assert_int_equal(sscanf(xs_path, "/local/domain/%u/", &srv), 1);
    for (ch = chans; ch; ch = ch->next)
        if (!strcmp(ch->path, xs_path) && ch->srv) {
            errno = EEXIST;
            return NULL;
        }
    ch = calloc(1, sizeof(*ch));
    assert_non_null(ch);
    snprintf(ch->path, sizeof(ch->path), "%s", xs_path);
    ch->srv_domid = srv;
    ch->granted = (uint32_t)domain;
    int ro = mock_xen.vchan_force_order > 0 ? mock_xen.vchan_force_order : order_for(read_min);
    int wo = mock_xen.vchan_force_order > 0 ? mock_xen.vchan_force_order : order_for(write_min);
    ch->cap[1] = 1u << ro;
    ch->cap[0] = 1u << wo;
    ch->ring[0] = malloc(ch->cap[0]);
    ch->ring[1] = malloc(ch->cap[1]);
    assert_non_null(ch->ring[0]);
    assert_non_null(ch->ring[1]);
    ch->srv_live = 1;
    ch->cli_live = 2;
    ch->srv = end_new(ch, true);
    ch->srv->ctrl.read.order = ro;
    ch->srv->ctrl.write.order = wo;
    ch->next = chans;
    chans = ch;
    /* what the library publishes: readable by the owner and the peer only */
    perms[0].id = srv;
    perms[0].perms = XS_PERM_NONE;
    perms[1].id = (unsigned)domain;
    perms[1].perms = XS_PERM_READ;
    snprintf(path, sizeof(path), "%s/ring-ref", xs_path);
    mock_xs_put(path, "8", 1);
    mock_xs_set_raw_perms(path, perms, 2);
    snprintf(path, sizeof(path), "%s/event-channel", xs_path);
    mock_xs_put(path, "9", 1);
    mock_xs_set_raw_perms(path, perms, 2);
    return &ch->srv->ctrl;
}

struct libxenvchan *__wrap_libxenvchan_client_init(struct xentoollog_logger *logger, int domain,
                                                   const char *xs_path);
struct libxenvchan *__wrap_libxenvchan_client_init(struct xentoollog_logger *logger, int domain,
                                                   const char *xs_path)
{
    struct mchan *ch;

    (void)logger;
    mock_xen.vchan_client_calls++;
    assert_true(strlen(xs_path) + strlen("/event-channel") < 64);
    if (mock_xen.vchan_client_fail) {
        mock_xen.vchan_client_fail--;
        errno = ENOENT;
        return NULL;
    }
    for (ch = chans; ch; ch = ch->next)
        if (!strcmp(ch->path, xs_path) && ch->srv && !ch->cli && ch->cli_live == 2)
            break;
    if (!ch) {
        errno = ENOENT;
        return NULL;
    }
    if ((uint32_t)domain != ch->srv_domid)
        fail_msg("client_init: %s is not served by domain %d", xs_path, domain);
    ch->cli = end_new(ch, false);
    ch->cli->ctrl.read.order = ch->srv->ctrl.write.order;
    ch->cli->ctrl.write.order = ch->srv->ctrl.read.order;
    ch->cli_live = 1;
    notify(ch->srv);
    notify(ch->cli); /* a freshly bound interdomain port starts pending */
    return &ch->cli->ctrl;
}

static void chan_maybe_free(struct mchan *ch)
{
    if (ch->srv || ch->cli)
        return;
    for (struct mchan **pp = &chans; *pp; pp = &(*pp)->next)
        if (*pp == ch) {
            *pp = ch->next;
            break;
        }
    free(ch->ring[0]);
    free(ch->ring[1]);
    free(ch);
}

void __wrap_libxenvchan_close(struct libxenvchan *ctrl);
void __wrap_libxenvchan_close(struct libxenvchan *ctrl)
{
    struct fvc *f;
    struct mchan *ch;

    if (!ctrl)
        return;
    f = fv(ctrl);
    ch = f->ch;
    if (f->server) {
        ch->srv_live = 0;
        ch->srv = NULL;
        mock_xs_rm(ch->path);
    } else {
        ch->cli_live = 0;
        ch->cli = NULL;
    }
    notify(f->server ? ch->cli : ch->srv);
    close(f->evfd);
    free(f);
    live_ends--;
    chan_maybe_free(ch);
}

int __wrap_libxenvchan_is_open(struct libxenvchan *ctrl);
int __wrap_libxenvchan_is_open(struct libxenvchan *ctrl)
{
    struct fvc *f = fv(ctrl);
    return f->server ? f->ch->cli_live : f->ch->srv_live;
}

int __wrap_libxenvchan_fd_for_select(struct libxenvchan *ctrl);
int __wrap_libxenvchan_fd_for_select(struct libxenvchan *ctrl) { return fv(ctrl)->evfd; }

int __wrap_libxenvchan_wait(struct libxenvchan *ctrl);
int __wrap_libxenvchan_wait(struct libxenvchan *ctrl)
{
    uint64_t v;

    if (read(fv(ctrl)->evfd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
        fail_msg("libxenvchan_wait() called with no event pending: it would block");
        return -1;
    }
    return 0;
}

int __wrap_libxenvchan_data_ready(struct libxenvchan *ctrl);
int __wrap_libxenvchan_data_ready(struct libxenvchan *ctrl)
{
    struct fvc *f = fv(ctrl);
    int in = 1 - out_ring(f);
    return (int)(f->ch->prod[in] - f->ch->cons[in]);
}

int __wrap_libxenvchan_buffer_space(struct libxenvchan *ctrl);
int __wrap_libxenvchan_buffer_space(struct libxenvchan *ctrl)
{
    struct fvc *f = fv(ctrl);
    int o = out_ring(f);
    return (int)(f->ch->cap[o] - (f->ch->prod[o] - f->ch->cons[o]));
}

int __wrap_libxenvchan_read(struct libxenvchan *ctrl, void *data, size_t size);
int __wrap_libxenvchan_read(struct libxenvchan *ctrl, void *data, size_t size)
{
    struct fvc *f = fv(ctrl);
    struct mchan *ch = f->ch;
    int in = 1 - out_ring(f);
    size_t avail = (size_t)(ch->prod[in] - ch->cons[in]);

    if (ctrl->blocking)
        fail_msg("libxenvchan_read() on a vchan left in blocking mode");
    if (avail == 0)
        return __wrap_libxenvchan_is_open(ctrl) ? 0 : -1;
    if (size > avail)
        size = avail;
    for (size_t i = 0; i < size; i++)
        ((uint8_t *)data)[i] = ch->ring[in][(ch->cons[in] + i) & (ch->cap[in] - 1)];
    ch->cons[in] += size;
    notify(peer_of(f));
    return (int)size;
}

int __wrap_libxenvchan_write(struct libxenvchan *ctrl, const void *data, size_t size);
int __wrap_libxenvchan_write(struct libxenvchan *ctrl, const void *data, size_t size)
{
    struct fvc *f = fv(ctrl);
    struct mchan *ch = f->ch;
    int o = out_ring(f);
    size_t space = ch->cap[o] - (size_t)(ch->prod[o] - ch->cons[o]);

    if (ctrl->blocking)
        fail_msg("libxenvchan_write() on a vchan left in blocking mode");
    if (!__wrap_libxenvchan_is_open(ctrl))
        return -1;
    if (size > space)
        size = space;
    for (size_t i = 0; i < size; i++)
        ch->ring[o][(ch->prod[o] + i) & (ch->cap[o] - 1)] = ((const uint8_t *)data)[i];
    ch->prod[o] += size;
    if (size)
        notify(peer_of(f));
    return (int)size;
}

static bool dom_exists(uint32_t domid)
{
    for (unsigned i = 0; i < ndoms; i++)
        if (doms[i].domid == domid)
            return true;
    return false;
}

/* Our port is interdomain while the other end is bound and its domain lives; Xen unbinds it when that domain is killed. */
int __wrap_xc_evtchn_status(xc_interface *xch, xc_evtchn_status_t *status);
int __wrap_xc_evtchn_status(xc_interface *xch, xc_evtchn_status_t *status)
{
    assert_ptr_equal(xch, (xc_interface *)&xc_token);
    assert_int_equal(status->dom, DOMID_SELF);
    mock_xen.evtchn_status_calls++;
    for (struct mchan *ch = chans; ch; ch = ch->next)
        for (int e = 0; e < 2; e++) {
            struct fvc *f = e ? ch->cli : ch->srv;
            struct fvc *peer = e ? ch->srv : ch->cli;
            uint32_t peer_dom = e ? ch->srv_domid : ch->granted;

            if (!f || f->ctrl.event_port != status->port)
                continue;
            if (peer && dom_exists(peer_dom)) {
                status->status = EVTCHNSTAT_interdomain;
                status->u.interdomain.dom = (domid_t)peer_dom;
                status->u.interdomain.port = peer->ctrl.event_port;
            } else {
                status->status = EVTCHNSTAT_unbound;
                status->u.unbound.dom = (domid_t)peer_dom;
            }
            return 0;
        }
    errno = EINVAL;
    return -1;
}

struct libxenvchan *mock_vchan_end(const char *path, bool server)
{
    for (struct mchan *ch = chans; ch; ch = ch->next)
        if (!strcmp(ch->path, path)) {
            struct fvc *f = server ? ch->srv : ch->cli;
            if (f)
                return &f->ctrl;
        }
    return NULL;
}

void mock_vchan_push(struct libxenvchan *from, const void *data, size_t len)
{
    struct fvc *f = fv(from);
    struct mchan *ch = f->ch;
    int o = out_ring(f);

    assert_true(len <= ch->cap[o] - (ch->prod[o] - ch->cons[o]));
    for (size_t i = 0; i < len; i++)
        ch->ring[o][(ch->prod[o] + i) & (ch->cap[o] - 1)] = ((const uint8_t *)data)[i];
    ch->prod[o] += len;
    notify(peer_of(f));
}

size_t mock_vchan_queued(struct libxenvchan *from)
{
    struct fvc *f = fv(from);
    int o = out_ring(f);
    return (size_t)(f->ch->prod[o] - f->ch->cons[o]);
}

unsigned mock_vchan_live(void) { return live_ends; }

/* ---------------------------------------------------------------- reset */
void mock_xen_reset(void)
{
    while (handles) {
        struct xs_handle *h = handles;
        handles = h->next;
        handle_free(h);
    }
    while (nodes) {
        struct mnode *n = nodes;
        nodes = n->next;
        free(n->path);
        free(n->val);
        free(n);
    }
    while (chans) {
        struct mchan *ch = chans;
        chans = ch->next;
        if (ch->srv) {
            close(ch->srv->evfd);
            free(ch->srv);
        }
        if (ch->cli) {
            close(ch->cli->evfd);
            free(ch->cli);
        }
        free(ch->ring[0]);
        free(ch->ring[1]);
        free(ch);
    }
    live_ends = 0;
    ndoms = 0;
    next_port = 10;
    memset(&mock_xen, 0, sizeof(mock_xen));
}
