/* SPDX-License-Identifier: MIT */
/* login_req.c - reading a CLIENT_LOGIN request (login_req.h): strict, every value checked. */
#include <errno.h>
#include <string.h>

#include "login_req.h"
#include "xvios/kv.h"
#include "xvios/parse.h"

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

int viod_login_req_parse(const uint8_t *untrusted, size_t len, struct viod_login_req *r)
{
    struct xvios_kv_iter it;
    struct xvios_kv kv;
    char untrusted_num[16];
    unsigned seen = 0;
    int k;

    memset(r, 0, sizeof(*r));
    xvios_kv_iter_init(&it, untrusted, len);
    while ((k = xvios_kv_next(&it, &kv)) != 0) {
        char *dst;
        size_t cap;
        unsigned bit;

        if (k < 0)
            return -EINVAL;
        if (xvios_kv_is(&kv, "uuid"))
            dst = r->uuid, cap = sizeof(r->uuid), bit = 1;
        else if (xvios_kv_is(&kv, "name"))
            dst = r->name, cap = sizeof(r->name), bit = 2;
        else if (xvios_kv_is(&kv, "domid"))
            dst = untrusted_num, cap = sizeof(untrusted_num), bit = 4;
        else if (xvios_kv_is(&kv, "vhost"))
            dst = untrusted_num, cap = sizeof(untrusted_num), bit = 8;
        else
            return -EINVAL;
        if ((seen & bit) || kv.val_len >= cap || memchr(kv.val, '\0', kv.val_len))
            return -EINVAL;
        seen |= bit;
        memcpy(dst, kv.val, kv.val_len);
        dst[kv.val_len] = '\0';
        if (bit == 4 && xvios_parse_domid(untrusted_num, &r->domid) < 0)
            return -EINVAL;
        if (bit == 8 && xvios_parse_u32_canon(untrusted_num, XVIOS_VHOST_MAX, &r->vhost) < 0)
            return -EINVAL;
    }
    if (seen != 15 || it.kv_end != len || !xvios_uuid_valid(r->uuid) || !r->name[0] || !printable(r->name))
        return -EINVAL;
    return 0;
}
