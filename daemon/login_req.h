/* SPDX-License-Identifier: MIT */
/*
 * login_req.h - the CLIENT_LOGIN request the daemon takes from its VIOS's
 * vSCSI engine (docs/protocol.md, "Client login"): "uuid=U\nname=N\ndomid=D\n
 * vhost=H\n", each key once, nothing else. Pure; fuzzed.
 */
#ifndef XVIOSD_LOGIN_REQ_H
#define XVIOSD_LOGIN_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "xvios/db_client.h"

struct viod_login_req {
    char uuid[40];                            /* xvios_uuid_valid() */
    char name[XVIOS_CLIENT_NAME_MAX + 1];     /* 1..63 printable ASCII */
    uint32_t domid, vhost;                    /* a domid (xvios_parse_domid), 0..XVIOS_VHOST_MAX */
};

/* 0, or -EINVAL (nothing in *r is to be used). */
int viod_login_req_parse(const uint8_t *untrusted, size_t len, struct viod_login_req *r);

#endif /* XVIOSD_LOGIN_REQ_H */
