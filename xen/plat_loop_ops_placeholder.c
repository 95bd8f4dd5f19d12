/* SPDX-License-Identifier: MIT */
/*
 * plat_loop_ops_placeholder.c - stands in for the loopback platform's ops
 * table until xen/plat_loop_*.c is merged; every call fails with -ENOSYS.
 * Delete this file when the loopback platform lands.
 */
#include <errno.h>

#include "plat_ops.h"

static int ph_open(const struct xvios_plat_config *cfg, void **impl) { (void)cfg; *impl = NULL; return -ENOSYS; }
static void ph_close(void *impl) { (void)impl; }
static int ph_self_domid(void *impl, uint32_t *domid) { (void)impl; (void)domid; return -ENOSYS; }
static int ph_domain_info(void *impl, uint32_t domid, struct xvios_dominfo *out)
{ (void)impl; (void)domid; (void)out; return -ENOSYS; }
static int ph_domain_lookup(void *impl, const char *s, uint32_t *domid) { (void)impl; (void)s; (void)domid; return -ENOSYS; }
static int ph_read(void *impl, xvios_tx tx, const char *path, char **val, size_t *len)
{ (void)impl; (void)tx; (void)path; (void)val; (void)len; return -ENOSYS; }
static int ph_write(void *impl, xvios_tx tx, const char *path, const char *val, size_t len)
{ (void)impl; (void)tx; (void)path; (void)val; (void)len; return -ENOSYS; }
static int ph_path(void *impl, xvios_tx tx, const char *path) { (void)impl; (void)tx; (void)path; return -ENOSYS; }
static int ph_list(void *impl, xvios_tx tx, const char *path, char ***names, unsigned *n)
{ (void)impl; (void)tx; (void)path; (void)names; (void)n; return -ENOSYS; }
static int ph_get_perms(void *impl, xvios_tx tx, const char *path, struct xvios_perm **perms, unsigned *n)
{ (void)impl; (void)tx; (void)path; (void)perms; (void)n; return -ENOSYS; }
static int ph_set_perms(void *impl, xvios_tx tx, const char *path, const struct xvios_perm *perms, unsigned n)
{ (void)impl; (void)tx; (void)path; (void)perms; (void)n; return -ENOSYS; }
static int ph_tx_start(void *impl, xvios_tx *tx) { (void)impl; (void)tx; return -ENOSYS; }
static int ph_tx_end(void *impl, xvios_tx tx, bool commit) { (void)impl; (void)tx; (void)commit; return -ENOSYS; }
static int ph_watch(void *impl, const char *path, const char *token) { (void)impl; (void)path; (void)token; return -ENOSYS; }
static int ph_watch_fd(void *impl) { (void)impl; return -ENOSYS; }
static int ph_watch_read(void *impl, char **path, char **token) { (void)impl; (void)path; (void)token; return -ENOSYS; }
static int ph_link_open(void *impl, const struct xvios_link_peer *peer, void **link)
{ (void)impl; (void)peer; *link = NULL; return -ENOSYS; }
static void ph_link_close(void *link) { (void)link; }
static int ph_link_fd(const void *link) { (void)link; return -ENOSYS; }
static enum xvios_link_state ph_link_progress(void *link) { (void)link; return XVIOS_LINK_DEAD; }
static enum xvios_link_state ph_link_state(const void *link) { (void)link; return XVIOS_LINK_DEAD; }
static int ph_link_send(void *link, const void *buf, size_t len, const struct timespec *deadline)
{ (void)link; (void)buf; (void)len; (void)deadline; return -ENOSYS; }
static int ph_link_recv(void *link, void *buf, size_t cap, size_t *len)
{ (void)link; (void)buf; (void)cap; (void)len; return -ENOSYS; }

const struct xvios_plat_ops xvios_plat_loopback_ops = {
    .name = "loopback",
    .open = ph_open, .close = ph_close,
    .self_domid = ph_self_domid, .domain_info = ph_domain_info, .domain_lookup = ph_domain_lookup,
    .store_read = ph_read, .store_write = ph_write, .store_mkdir = ph_path, .store_rm = ph_path,
    .store_list = ph_list, .store_get_perms = ph_get_perms, .store_set_perms = ph_set_perms,
    .tx_start = ph_tx_start, .tx_end = ph_tx_end,
    .watch = ph_watch, .unwatch = ph_watch, .watch_fd = ph_watch_fd, .watch_read = ph_watch_read,
    .link_open = ph_link_open, .link_close = ph_link_close, .link_fd = ph_link_fd,
    .link_progress = ph_link_progress, .link_state = ph_link_state,
    .link_send = ph_link_send, .link_recv = ph_link_recv,
};
