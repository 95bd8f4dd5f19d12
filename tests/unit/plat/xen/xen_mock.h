/* SPDX-License-Identifier: MIT */
/*
 * xen_mock.h - link-time fakes of the Xen libraries for unit tests
 * (xen_mock.c). A test binary that lists the functions in its .wrap file
 * (-Wl,--wrap=xs_open ...) gets an in-memory XenStore with watches and
 * scripted transaction conflicts, a fake libxenctrl domain table, and fake
 * vchans whose two ends live in the same process. Nothing here touches a
 * hypervisor.
 *
 * The fakes check the rules real code must follow: libxenvchan_wait() is
 * never called when it would block, and no vchan is used with its
 * (uninitialised in the real library) blocking flag still set.
 */
#ifndef XVIOS_TEST_XEN_MOCK_H
#define XVIOS_TEST_XEN_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif
#include <xenctrl.h>
#include <xenstore.h>
#include <libxenvchan.h>

struct mock_xs_perms_call {
    char path[4096];
    xs_transaction_t tx;
    unsigned num;
    struct xs_permissions perms[16];
};

struct mock_xen_state {
    /* XenStore */
    bool xs_open_fail;                  /* xs_open returns NULL (errno ENOENT) */
    uint32_t open_domid;                /* the domain the next xs_open acts as ("domid" key) */
    unsigned tx_eagain;                 /* this many commits fail with EAGAIN */
    unsigned tx_started, tx_committed, tx_aborted;
    unsigned set_perms_calls;
    struct mock_xs_perms_call last_set_perms;
    bool release_perms_unreadable;      /* get_permissions("@releaseDomain") fails with EINVAL, as
                                         * xenstored 4.17 does once a listed domain was destroyed */
    /* libxenctrl */
    bool xc_available;                  /* xc_interface_open succeeds */
    /* libxenvchan */
    bool vchan_server_fail;             /* server_init returns NULL (errno EACCES) */
    unsigned vchan_client_fail;         /* this many client_init calls return NULL even if served */
    int vchan_force_order;              /* >0: server rings get this order instead of the asked size */
    unsigned vchan_client_calls, vchan_server_calls;
    unsigned evtchn_status_calls;
};
extern struct mock_xen_state mock_xen;

/* Reset everything (frees the fake store, domains, vchans). */
void mock_xen_reset(void);

/* Direct access to the fake store (no permission checks; dom0 view). */
void mock_xs_put(const char *path, const char *val, size_t len);
bool mock_xs_exists(const char *path);
/* The stored value (NUL-terminated) or NULL. */
const char *mock_xs_get(const char *path);
void mock_xs_rm(const char *path);
/* Set the raw permissions a node reports (including internal bits). */
void mock_xs_set_raw_perms(const char *path, const struct xs_permissions *p, unsigned n);
/* Queue a watch event on every handle watching path (special or not), as xenstored would. */
void mock_xs_fire(const char *path);
/* Queue an event with this exact path and token on every handle (for malformed-event tests). */
void mock_xs_inject_event(const char *path, const char *token);

/* A domain: XenStore entries (/local/domain/<id>/{name,vm,domid}) and an xc record. */
void mock_domain_add(uint32_t domid, const char *name, const char *uuid);
void mock_domain_set_dying(uint32_t domid, bool dying);
/* Remove the domain everywhere and fire @releaseDomain. */
void mock_domain_destroy(uint32_t domid);
/* Remove the domain everywhere; @releaseDomain is not fired (yet). */
void mock_domain_kill(uint32_t domid);

/* Fake vchan access: the end served at path (server) or connected to it (client). */
struct libxenvchan *mock_vchan_end(const char *path, bool server);
/* Append raw bytes to what the other end of `from` will read, and notify it. */
void mock_vchan_push(struct libxenvchan *from, const void *data, size_t len);
/* Bytes queued towards the other end of `from`. */
size_t mock_vchan_queued(struct libxenvchan *from);
/* Number of live fake vchan ends (leak check). */
unsigned mock_vchan_live(void);

#endif /* XVIOS_TEST_XEN_MOCK_H */
