/* SPDX-License-Identifier: MIT */
/*
 * plat_xen_ops.c - placeholder xen ops table: every call fails with -ENOSYS.
 * Present only so the library links until the xen platform implementation
 * lands; it is replaced by xen/plat_xen_*.c.
 */
#include <errno.h>

#include "plat_ops.h"

static int x_open(const struct xvios_plat_config *cfg, void **impl)
{
    (void)cfg;
    *impl = NULL;
    return -ENOSYS;
}
static void x_close(void *impl) { (void)impl; }
static int x_self_domid(void *impl, uint32_t *domid) { (void)impl; (void)domid; return -ENOSYS; }
static int x_domain_info(void *impl, uint32_t domid, struct xvios_dominfo *out)
{ (void)impl; (void)domid; (void)out; return -ENOSYS; }
static int x_domain_lookup(void *impl, const char *s, uint32_t *domid) { (void)impl; (void)s; (void)domid; return -ENOSYS; }
static int x_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len)
{ (void)impl; (void)tx; (void)path; (void)val; (void)len; return -ENOSYS; }
static int x_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len)
{ (void)impl; (void)tx; (void)path; (void)val; (void)len; return -ENOSYS; }
static int x_mkdir(void *impl, xvios_tx tx, const char *path) { (void)impl; (void)tx; (void)path; return -ENOSYS; }
static int x_rm(void *impl, xvios_tx tx, const char *path) { (void)impl; (void)tx; (void)path; return -ENOSYS; }
static int x_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n)
{ (void)impl; (void)tx; (void)path; (void)names; (void)n; return -ENOSYS; }
static int x_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{ (void)impl; (void)tx; (void)path; (void)perms; (void)n; return -ENOSYS; }
static int x_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{ (void)impl; (void)tx; (void)path; (void)perms; (void)n; return -ENOSYS; }
static int x_tx_start(void *impl, xvios_tx *tx) { (void)impl; (void)tx; return -ENOSYS; }
static int x_tx_end(void *impl, xvios_tx tx, bool commit) { (void)impl; (void)tx; (void)commit; return -ENOSYS; }
static int x_watch(void *impl, const char *path, const char *token) { (void)impl; (void)path; (void)token; return -ENOSYS; }
static int x_unwatch(void *impl, const char *path, const char *token) { (void)impl; (void)path; (void)token; return -ENOSYS; }
static int x_watch_fd(void *impl) { (void)impl; return -ENOSYS; }
static int x_watch_read(void *impl, char **path, char **token) { (void)impl; (void)path; (void)token; return -ENOSYS; }
static int x_link_open(void *impl, const struct xvios_link_peer *peer, void **link_impl)
{ (void)impl; (void)peer; *link_impl = NULL; return -ENOSYS; }
static void x_link_close(void *l) { (void)l; }
static int x_link_fd(const void *l) { (void)l; return -1; }
static enum xvios_link_state x_link_progress(void *l) { (void)l; return XVIOS_LINK_DEAD; }
static enum xvios_link_state x_link_state(const void *l) { (void)l; return XVIOS_LINK_DEAD; }
static int x_link_send(void *l, const void *buf, size_t len, const struct timespec *deadline)
{ (void)l; (void)buf; (void)len; (void)deadline; return -ENOSYS; }
static int x_link_recv(void *l, void *buf, size_t cap, size_t *len) { (void)l; (void)buf; (void)cap; (void)len; return -ENOSYS; }

const struct xvios_plat_ops xvios_plat_xen_ops = {
    .name = "xen",
    .open = x_open, .close = x_close,
    .self_domid = x_self_domid, .domain_info = x_domain_info, .domain_lookup = x_domain_lookup,
    .store_read = x_read, .store_write = x_write, .store_mkdir = x_mkdir, .store_rm = x_rm,
    .store_list = x_list, .store_get_perms = x_get_perms, .store_set_perms = x_set_perms,
    .tx_start = x_tx_start, .tx_end = x_tx_end,
    .watch = x_watch, .unwatch = x_unwatch, .watch_fd = x_watch_fd, .watch_read = x_watch_read,
    .link_open = x_link_open, .link_close = x_link_close, .link_fd = x_link_fd,
    .link_progress = x_link_progress, .link_state = x_link_state,
    .link_send = x_link_send, .link_recv = x_link_recv,
};
