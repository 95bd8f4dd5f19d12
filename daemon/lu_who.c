/* SPDX-License-Identifier: MIT */
/*
 * lu_who.c - LU_WHO: which of this node's vhosts serve an LU of the pool
 * ("who uses this LU", docs/pool.md). The answer is read from this VIOS's
 * own backend directories, where dom0 wrote the LUN (vscsi-devs/dev-N with
 * xvios-lu) and the client's name, and the vSCSI engine wrote the IDs the
 * client logged in with (xvios-client-id, xvios-adapter-id):
 *
 *   request   lu=NAME\n
 *   response  node=V\nvios=<this VIOS's domain name>\nlu=NAME\nvhosts=K\n then K lines
 *             vhost=<fe-domid> <devid> <h:c:t:l> <client-id|-> <adapter-id|-> <be-state> <dev-state> <client name|->
 *             and truncated=1 when they did not all fit.
 *
 * Every value is checked before it is printed (a value that is not what the
 * writer writes is shown as "-").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/db_client.h"
#include "xvios/db_lu.h"
#include "xvios/kv.h"
#include "xvios/log.h"
#include "xvios/parse.h"

#define WHO_PATH_MAX 160u

static void read_val(struct xviosd *d, const char *path, char *buf, size_t cap)
{
    char *v = NULL;
    size_t len = 0;

    buf[0] = '\0';
    if (xvios_store_read(d->plat, XVIOS_TX_NONE, path, &v, &len) == 0 && len < cap && strlen(v) == len)
        memcpy(buf, v, len + 1);
    free(v);
}

static void checked_num(char *buf, uint32_t max)
{
    uint32_t v;

    if (xvios_parse_u32_canon(buf, max, &v) < 0)
        snprintf(buf, 2, "-");
}

static bool vdev_ok(const char *s)
{
    unsigned colons = 0;
    size_t n = strlen(s);

    if (n == 0 || n > 47)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return colons == 3;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

struct who_out {
    char *buf;
    size_t cap, len;
    unsigned count;
    bool truncated;
};

static void one_vhost(struct xviosd *d, const char *be, const char *fe, const char *devid, const char *lu,
                      struct who_out *o)
{
    char dir[WHO_PATH_MAX], path[WHO_PATH_MAX + 48], cid[16], aid[16], name[72], bestate[8];
    char **devs = NULL;
    unsigned nd = 0;

    snprintf(dir, sizeof(dir), "%s/%s/%s", be, fe, devid);
    snprintf(path, sizeof(path), "%s/xvios-client-id", dir);
    read_val(d, path, cid, sizeof(cid));
    checked_num(cid, XVIOS_ID_MAX);
    snprintf(path, sizeof(path), "%s/xvios-adapter-id", dir);
    read_val(d, path, aid, sizeof(aid));
    checked_num(aid, XVIOS_ID_MAX);
    snprintf(path, sizeof(path), "%s/xvios-client-name", dir);
    read_val(d, path, name, sizeof(name));
    if (!name[0] || !printable(name))
        snprintf(name, sizeof(name), "-");
    snprintf(path, sizeof(path), "%s/state", dir);
    read_val(d, path, bestate, sizeof(bestate));
    checked_num(bestate, 8);
    snprintf(path, sizeof(path), "%s/vscsi-devs", dir);
    if (xvios_store_list(d->plat, XVIOS_TX_NONE, path, &devs, &nd) < 0)
        nd = 0;
    for (unsigned i = 0; i < nd; i++) {
        char val[XVIOS_LU_NAME_MAX + 2], vdev[48], dstate[8];
        int len;

        if (strncmp(devs[i], "dev-", 4) || strlen(devs[i]) > 10)
            continue;
        snprintf(path, sizeof(path), "%s/vscsi-devs/%s/xvios-lu", dir, devs[i]);
        read_val(d, path, val, sizeof(val));
        if (strcmp(val, lu))
            continue;
        snprintf(path, sizeof(path), "%s/vscsi-devs/%s/v-dev", dir, devs[i]);
        read_val(d, path, vdev, sizeof(vdev));
        if (!vdev_ok(vdev))
            snprintf(vdev, sizeof(vdev), "-");
        snprintf(path, sizeof(path), "%s/vscsi-devs/%s/state", dir, devs[i]);
        read_val(d, path, dstate, sizeof(dstate));
        checked_num(dstate, 8);
        len = snprintf(o->buf + o->len, o->cap - o->len, "vhost=%s %s %s %s %s %s %s %s\n", fe, devid, vdev, cid,
                       aid, bestate, dstate, name);
        if (len < 0 || (size_t)len >= o->cap - o->len) {
            o->truncated = true;
            o->buf[o->len] = '\0';
            break;
        }
        o->len += (size_t)len;
        o->count++;
    }
    xvios_strv_free(devs, nd);
}

int viod_lu_who_handle(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                       int *status)
{
    static char lines[XVIOS_MAX_PAYLOAD];
    char lu[XVIOS_LU_NAME_MAX + 1], be[64];
    char **fes = NULL;
    unsigned nf = 0;
    struct who_out o = { .buf = lines, .cap = sizeof(lines) - 160 };  /* room for the header */
    int len;

    *out_len = 0;
    if (xvios_kv_get((const char *)req->payload, req->hdr.payload_len, "lu", lu, sizeof(lu)) < 0 ||
        !xvios_lu_name_ok(lu)) {
        *status = XVIOS_ST_BAD_PACKET;
        return HANDLER_RESPOND;
    }
    lines[0] = '\0';
    snprintf(be, sizeof(be), "/local/domain/%u/backend/vscsi", d->self_domid);
    if (xvios_store_list(d->plat, XVIOS_TX_NONE, be, &fes, &nf) < 0)
        nf = 0;
    for (unsigned i = 0; i < nf && !o.truncated; i++) {
        char dir[WHO_PATH_MAX];
        char **vhs = NULL;
        unsigned nv = 0;
        uint32_t fe;

        if (xvios_parse_domid(fes[i], &fe) < 0)
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", be, fes[i]);
        if (xvios_store_list(d->plat, XVIOS_TX_NONE, dir, &vhs, &nv) < 0)
            nv = 0;
        for (unsigned k = 0; k < nv && !o.truncated; k++) {
            uint32_t devid;
            if (xvios_parse_u32_canon(vhs[k], XVIOS_VHOST_MAX, &devid) == 0)
                one_vhost(d, be, fes[i], vhs[k], lu, &o);
        }
        xvios_strv_free(vhs, nv);
    }
    xvios_strv_free(fes, nf);
    /* Registrations and the reservation of the LU (M15) belong here too, once its PR state is in the DB:
     * append them as their own keys after the vhost lines (docs/protocol.md, LU_WHO). */
    len = snprintf((char *)out, cap, "node=%u\nvios=%s\nlu=%s\nvhosts=%u\n%s%s", d->self_node, d->self_name, lu,
                   o.count, lines, o.truncated ? "truncated=1\n" : "");
    if (len < 0 || (size_t)len >= cap)
        return -ENOSPC;
    *out_len = (size_t)len;
    *status = XVIOS_ST_OK;
    return HANDLER_RESPOND;
}
