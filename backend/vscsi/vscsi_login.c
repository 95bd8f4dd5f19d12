/* SPDX-License-Identifier: MIT */
/*
 * vscsi_login.c - a vhost's client login (M10; docs/protocol.md, "Client
 * login"). Before the backend of a vhost goes Connected the engine asks
 * this VIOS's xviosd, over api.sock (API_HELLO, then an API_QUERY of type
 * CLIENT_LOGIN), to register the client with the identity dom0 wrote into
 * the backend directory from the hypervisor (xvios-client-uuid,
 * xvios-client-name; the client cannot write there). The daemon answers
 * with the cluster's ClientID and AdapterID; only then is the login done:
 * the IDs are written next to the vhost (xvios-client-id, xvios-adapter-id),
 * the I_T nexus is set from them, and the state machine goes on.
 *
 * A daemon that is down, refuses, or does not answer within an attempt's
 * time means another attempt LOGIN_RETRY_MS later, logged once per reason;
 * at the login deadline the vhost fails visibly (xvios-error, Closing).
 * Nothing here blocks: the socket is non-blocking, in the engine's loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/vscsi/vscsi_int.h"
#include "xvios/client.h"
#include "xvios/db_client.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/paths.h"
#include "xvios/unixsock.h"

#define LOGIN_RETRY_MS    500u     /* between attempts */
#define LOGIN_ATTEMPT_MS  3000u    /* an attempt the daemon has not answered by then is given up */

static uint8_t login_buf[XVIOS_MAX_MSG];

static void attempt_close(struct vscsi_vhost *vh)
{
    struct vscsi_login *l = &vh->login;

    xvios_evloop_fd_remove(l->src);
    l->src = NULL;
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

/* The SPC-4 TransportID of the initiator: iSCSI-style name, format 00b, NUL-padded to a multiple of 4. */
void vscsi_login_nexus(struct vscsi_vhost *vh)
{
    struct scsi_nexus *n = &vh->nexus;
    char name[96];
    size_t len, padded;

    if (vh->login.state == VSCSI_LOGIN_DONE) {
        n->initiator = (uint64_t)vh->login.client_id << 32 | vh->login.adapter_id;
        len = (size_t)snprintf(name, sizeof(name), "xvios.client%u.adapter%u", vh->login.client_id,
                               vh->login.adapter_id) + 1;
    } else {
        n->initiator = (uint64_t)vh->fe_domid << 32 | vh->devid;
        len = (size_t)snprintf(name, sizeof(name), "xen-pvscsi.dom%u.vhost%u", vh->fe_domid, vh->devid) + 1;
    }
    n->target_port = vh->eng->port_id;
    padded = (len + 3) & ~(size_t)3;
    if (padded < 20)
        padded = 20;
    memset(n->transport_id, 0, sizeof(n->transport_id));
    n->transport_id[0] = 0x05;          /* format 00b, protocol iSCSI */
    n->transport_id[2] = (uint8_t)(padded >> 8);
    n->transport_id[3] = (uint8_t)padded;
    memcpy(n->transport_id + 4, name, len);
    n->transport_id_len = (uint16_t)(4 + padded);
}

static void fail(struct vscsi_vhost *vh, const char *why)
{
    struct vscsi_login *l = &vh->login;

    attempt_close(vh);
    xvios_evloop_timer_disarm(l->timer);
    l->state = VSCSI_LOGIN_FAILED;
    vscsi_xs_set_error(vh, "client login failed: %s", why);
    vh->dirty = true;
    vscsi_engine_kick(vh->eng);
}

/* An attempt ended without the IDs: try again later, or fail at the deadline. */
static void attempt_failed(struct vscsi_vhost *vh, const char *why)
{
    struct vscsi_login *l = &vh->login;
    struct timespec now = xvios_now(), next = xvios_ts_add_ms(now, LOGIN_RETRY_MS);

    attempt_close(vh);
    if (xvios_ts_cmp(now, l->deadline) >= 0) {
        char msg[200];
        snprintf(msg, sizeof(msg), "no registration from xviosd within %u ms (last: %s)", vh->eng->login_timeout_ms,
                 why);
        XLOG_ERR("vhost %u/%u: %s: the vhost is not connected", vh->fe_domid, vh->devid, msg);
        fail(vh, msg);
        return;
    }
    if (strcmp(l->last_why, why)) {
        XLOG_WARN("vhost %u/%u: client login waits for xviosd (%s); retrying until its deadline", vh->fe_domid,
                  vh->devid, why);
        snprintf(l->last_why, sizeof(l->last_why), "%s", why);
    }
    xvios_evloop_timer_arm(l->timer, xvios_ts_cmp(next, l->deadline) < 0 ? next : l->deadline);
}

/* "client-id=C\nadapter-id=A\n...": both present, canonical, in range. */
static int parse_answer(const struct xvios_api_msg *m, uint32_t *cid, uint32_t *aid)
{
    char untrusted_num[16];

    if (xvios_kv_get((const char *)m->payload, m->len, "client-id", untrusted_num, sizeof(untrusted_num)) < 0 ||
        xvios_parse_u32_canon(untrusted_num, XVIOS_ID_MAX, cid) < 0 || *cid == 0 ||
        xvios_kv_get((const char *)m->payload, m->len, "adapter-id", untrusted_num, sizeof(untrusted_num)) < 0 ||
        xvios_parse_u32_canon(untrusted_num, XVIOS_ID_MAX, aid) < 0 || *aid == 0)
        return -EINVAL;
    return 0;
}

static void done(struct vscsi_vhost *vh, uint32_t cid, uint32_t aid)
{
    struct vscsi_login *l = &vh->login;
    char v[16];

    attempt_close(vh);
    xvios_evloop_timer_disarm(l->timer);
    l->client_id = cid;
    l->adapter_id = aid;
    l->state = VSCSI_LOGIN_DONE;
    l->last_why[0] = '\0';
    snprintf(v, sizeof(v), "%u", cid);
    vscsi_xs_write(vh, "xvios-client-id", v);
    snprintf(v, sizeof(v), "%u", aid);
    vscsi_xs_write(vh, "xvios-adapter-id", v);
    vscsi_login_nexus(vh);
    XLOG_INFO("vhost %u/%u: client %s logged in: ClientID %u, AdapterID %u", vh->fe_domid, vh->devid, l->name, cid,
              aid);
    vh->dirty = true;
    vscsi_engine_kick(vh->eng);
}

static void on_readable(struct xvios_ev_fd *src, int fd, short revents, void *arg)
{
    struct vscsi_vhost *vh = arg;
    struct vscsi_login *l = &vh->login;

    (void)src;
    (void)revents;
    for (int budget = 8; budget > 0 && l->fd == fd; budget--) {
        struct xvios_api_msg m;
        size_t untrusted_len = 0;
        uint32_t cid, aid;
        int rc = xvios_unix_recv(fd, login_buf, sizeof(login_buf), &untrusted_len);

        if (rc == -EAGAIN)
            return;
        if (rc < 0) {
            attempt_failed(vh, rc == -EPIPE ? "xviosd closed the connection" : strerror(-rc));
            return;
        }
        if (xvios_api_parse(login_buf, untrusted_len, &m) < 0) {
            attempt_failed(vh, "malformed answer from xviosd");
            return;
        }
        if (m.opcode == XVIOS_OP_API_RESPONSE && m.handle == l->handle) {
            if (m.status != XVIOS_ST_OK) {
                char why[120], err[64] = "";
                xvios_kv_get((const char *)m.payload, m.len, "error", err, sizeof(err));
                snprintf(why, sizeof(why), "xviosd answered %s%s%s", xvios_status_name((enum xvios_status)m.status),
                         err[0] ? ": " : "", err);
                xvios_api_msg_dispose(&m);
                attempt_failed(vh, why);
                return;
            }
            rc = parse_answer(&m, &cid, &aid);
            xvios_api_msg_dispose(&m);
            if (rc < 0)
                attempt_failed(vh, "xviosd's answer has no valid IDs");
            else
                done(vh, cid, aid);
            return;
        }
        if (m.opcode == XVIOS_OP_API_RESULT && m.handle == l->handle && m.status != XVIOS_ST_OK) {
            int st = m.status;
            xvios_api_msg_dispose(&m);
            attempt_failed(vh, xvios_status_name((enum xvios_status)st));
            return;
        }
        xvios_api_msg_dispose(&m);   /* the HELLO answer, or a result after the response */
    }
}

static int send_one(int fd, const uint8_t *buf, size_t len)
{
    ssize_t w = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

    if (w < 0)
        return -errno;
    return (size_t)w == len ? 0 : -EIO;
}

static void attempt_start(struct vscsi_vhost *vh)
{
    struct vscsi_login *l = &vh->login;
    char path[128], payload[256];
    size_t len;
    int rc, plen;

    if (xvios_run_path(path, sizeof(path), vh->eng->rundir, XVIOS_API_SOCK) < 0) {
        fail(vh, "the run directory's path is too long");
        return;
    }
    rc = xvios_unix_connect(path, NULL, true, &l->fd);
    if (rc < 0) {
        l->fd = -1;
        attempt_failed(vh, rc == -ENOENT || rc == -ECONNREFUSED ? "xviosd is not running" : strerror(-rc));
        return;
    }
    plen = snprintf(payload, sizeof(payload), "uuid=%s\nname=%s\ndomid=%u\nvhost=%u\n", l->uuid, l->name,
                    vh->fe_domid, vh->devid);
    l->handle++;
    if (plen < 0 || (size_t)plen >= sizeof(payload) ||
        (rc = xvios_api_build_hello(XVIOS_ORIGIN_API, "vscsi-engine", login_buf, sizeof(login_buf), &len)) < 0 ||
        (rc = send_one(l->fd, login_buf, len)) < 0 ||
        (rc = xvios_api_build_query(XVIOS_MT_CLIENT_LOGIN, payload, (size_t)plen, 0, XVIOS_ORIGIN_API, l->handle,
                                    login_buf, sizeof(login_buf), &len)) < 0 ||
        (rc = send_one(l->fd, login_buf, len)) < 0) {
        attempt_failed(vh, rc == -EAGAIN ? "xviosd does not take requests" : strerror(rc < 0 ? -rc : EIO));
        return;
    }
    rc = xvios_evloop_fd_add(vh->eng->loop, l->fd, POLLIN, on_readable, vh, &l->src);
    if (rc < 0) {
        attempt_failed(vh, strerror(-rc));
        return;
    }
    {
        struct timespec give_up = xvios_deadline_ms(LOGIN_ATTEMPT_MS);
        xvios_evloop_timer_arm(l->timer, xvios_ts_cmp(give_up, l->deadline) < 0 ? give_up : l->deadline);
    }
}

static void on_timer(struct xvios_ev_timer *t, void *arg)
{
    struct vscsi_vhost *vh = arg;

    (void)t;
    if (vh->login.state != VSCSI_LOGIN_WAITING)
        return;
    if (vh->login.fd >= 0)
        attempt_failed(vh, "xviosd did not answer");   /* a stopped or slow daemon */
    else
        attempt_start(vh);
}

/* The identity dom0 took from the hypervisor: 0, or the vhost fails. */
static int read_identity(struct vscsi_vhost *vh)
{
    struct vscsi_login *l = &vh->login;
    char untrusted_uuid[48];

    if (vscsi_xs_read(vh, vh->be_path, "xvios-client-uuid", untrusted_uuid, sizeof(untrusted_uuid)) < 0 ||
        !xvios_uuid_valid(untrusted_uuid)) {
        fail(vh, "no client identity from dom0 (xvios-client-uuid missing or malformed)");
        return -EINVAL;
    }
    memcpy(l->uuid, untrusted_uuid, 37);
    if (vscsi_xs_read(vh, vh->be_path, "xvios-client-name", l->name, sizeof(l->name)) < 0 || !l->name[0]) {
        fail(vh, "no client identity from dom0 (xvios-client-name missing or too long)");
        return -EINVAL;
    }
    for (char *c = l->name; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
            fail(vh, "no client identity from dom0 (xvios-client-name is not printable)");
            return -EINVAL;
        }
    return 0;
}

bool vscsi_login_ready(struct vscsi_vhost *vh)
{
    struct vscsi_login *l = &vh->login;

    if (!vh->eng->rundir[0])
        return true;                    /* an engine without a daemon (unit tests): no login */
    switch (l->state) {
    case VSCSI_LOGIN_DONE:
        return true;
    case VSCSI_LOGIN_WAITING:
    case VSCSI_LOGIN_FAILED:
        return false;
    case VSCSI_LOGIN_NONE:
        break;
    }
    if (!l->timer && xvios_evloop_timer_add(vh->eng->loop, on_timer, vh, &l->timer) < 0) {
        fail(vh, "out of memory");
        return false;
    }
    l->state = VSCSI_LOGIN_WAITING;
    l->last_why[0] = '\0';
    if (read_identity(vh) < 0)
        return false;
    l->deadline = xvios_deadline_ms(vh->eng->login_timeout_ms);
    XLOG_INFO("vhost %u/%u: client %s (%s) logging in", vh->fe_domid, vh->devid, l->name, l->uuid);
    attempt_start(vh);
    return false;
}

bool vscsi_login_failed(const struct vscsi_vhost *vh)
{
    return vh->login.state == VSCSI_LOGIN_FAILED;
}

void vscsi_login_reset(struct vscsi_vhost *vh)
{
    struct vscsi_login *l = &vh->login;

    attempt_close(vh);
    xvios_evloop_timer_disarm(l->timer);
    l->state = VSCSI_LOGIN_NONE;
}

void vscsi_login_init(struct vscsi_vhost *vh)
{
    vh->login.fd = -1;
    vh->login.state = VSCSI_LOGIN_NONE;
    vscsi_login_nexus(vh);
}

void vscsi_login_dispose(struct vscsi_vhost *vh)
{
    attempt_close(vh);
    xvios_evloop_timer_remove(vh->login.timer);
    vh->login.timer = NULL;
}
