/* SPDX-License-Identifier: MIT */
/*
 * plat_none.c - the platform of libxvios-client: none. The shared client
 * library reaches a daemon through its api.sock only, so that a third-party
 * program links no Xen library; dom0's management link to a node (`via` in
 * struct xvios_client_config) needs the platform and is refused here with
 * -EOPNOTSUPP. No link is ever opened, so the link calls below only answer
 * for a link that does not exist. Built into libxvios-client only (never
 * into libxvios); none of these symbols is exported (libxvios-client.map).
 */
#include <errno.h>

#include "xvios/db.h"
#include "xvios/platform.h"

int xvios_plat_open(const struct xvios_plat_config *cfg, xvios_plat **out)
{
    (void)cfg;
    *out = NULL;
    return -EOPNOTSUPP;
}

void xvios_plat_close(xvios_plat *p)
{
    (void)p;
}

int xvios_db_node_get(xvios_plat *p, uint32_t node, struct xvios_db_node *out)
{
    (void)p;
    (void)node;
    (void)out;
    return -EOPNOTSUPP;
}

int xvios_link_open(xvios_plat *p, const struct xvios_link_peer *peer, xvios_link **out)
{
    (void)p;
    (void)peer;
    *out = NULL;
    return -EOPNOTSUPP;
}

void xvios_link_close(xvios_link *l)
{
    (void)l;
}

int xvios_link_fd(const xvios_link *l)
{
    (void)l;
    return -1;
}

enum xvios_link_state xvios_link_progress(xvios_link *l)
{
    (void)l;
    return XVIOS_LINK_DEAD;
}

int xvios_link_send(xvios_link *l, const void *buf, size_t len, const struct timespec *deadline)
{
    (void)l;
    (void)buf;
    (void)len;
    (void)deadline;
    return -ENOTCONN;
}

int xvios_link_recv(xvios_link *l, void *buf, size_t cap, size_t *len)
{
    (void)l;
    (void)buf;
    (void)cap;
    *len = 0;
    return -ENOTCONN;
}
