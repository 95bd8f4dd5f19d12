/* SPDX-License-Identifier: MIT */
/*
 * login_req.c - fuzz family 'l': the daemon's reading of a CLIENT_LOGIN
 * request (daemon/login_req.c). Any input: no crash, nothing read past it;
 * an accepted request has a valid uuid, a printable name of 1..63
 * characters, a domid and a vhost in range, and written out again in any
 * key order it reads back to the same values; a refused one leaves nothing
 * to use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "small_parsers.h"
#include "daemon/login_req.h"
#include "xvios/parse.h"

void fuzz_login_req(const uint8_t *data, size_t size)
{
    uint8_t *copy = fuzz_copy(data, size);
    struct viod_login_req r, again;
    char text[256];
    int rc = viod_login_req_parse(copy, size, &r), n;

    if (rc < 0) {
        FUZZ_REQUIRE(rc == -EINVAL);
        free(copy);
        return;
    }
    FUZZ_REQUIRE(xvios_uuid_valid(r.uuid));
    FUZZ_REQUIRE(r.name[0] && strlen(r.name) <= XVIOS_CLIENT_NAME_MAX);
    for (const char *c = r.name; *c; c++)
        FUZZ_REQUIRE((unsigned char)*c >= 0x20 && (unsigned char)*c <= 0x7e);
    FUZZ_REQUIRE(r.domid < XVIOS_DOMID_LIMIT && r.vhost <= XVIOS_VHOST_MAX);
    n = size && (data[0] & 1) ? snprintf(text, sizeof(text), "vhost=%u\nname=%s\ndomid=%u\nuuid=%s\n", r.vhost,
                                         r.name, r.domid, r.uuid)
                              : snprintf(text, sizeof(text), "uuid=%s\nname=%s\ndomid=%u\nvhost=%u\n", r.uuid,
                                         r.name, r.domid, r.vhost);
    FUZZ_REQUIRE(n > 0 && (size_t)n < sizeof(text));
    FUZZ_REQUIRE(viod_login_req_parse((const uint8_t *)text, (size_t)n, &again) == 0);
    FUZZ_REQUIRE(!strcmp(again.uuid, r.uuid) && !strcmp(again.name, r.name) && again.domid == r.domid &&
                 again.vhost == r.vhost);
    free(copy);
}
