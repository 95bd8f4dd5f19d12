/* SPDX-License-Identifier: MIT */
/*
 * vscsi_responder.h - a test double of the other side of `xvios scsi`: a
 * forked process that plays the VIOS's engine (as the VIOS domain) and the
 * client's xen-scsifront (as the client domain) on a loopback store, moving
 * the xenbus states of every vhost between them as docs/vscsi.md says the
 * real ones do. No ring, no I/O: only the XenStore handshake. Acting as the
 * two domains (not as dom0) also proves each can read what it must.
 *
 * It appends one line per backend state it sees change to ROOT/responder.log
 * ("vhost H backend S"), so tests can tell a Reconfiguring happened.
 */
#ifndef XVIOS_TEST_VSCSI_RESPONDER_H
#define XVIOS_TEST_VSCSI_RESPONDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vscsi_responder_cfg {
    const char *root;
    uint32_t vios;          /* domid of the VIOS whose backend dirs to serve */
    uint32_t client;        /* domid of the client whose frontend to play */
    bool engine;            /* play the VIOS's engine */
    bool frontend;          /* play the client's frontend */
    const char *refuse_lu;  /* the engine refuses LUs starting with this (dev-N 6 + xvios-error); NULL: none */
};

/* Fork the responder; its pid, or -1. */
pid_t vscsi_responder_start(const struct vscsi_responder_cfg *cfg);
/* Kill and reap it (pid <= 0 is fine). */
void  vscsi_responder_stop(pid_t pid);
/* Does ROOT/responder.log have a line containing s? */
bool  vscsi_responder_saw(const char *root, const char *s);

#endif /* XVIOS_TEST_VSCSI_RESPONDER_H */
