/* SPDX-License-Identifier: MIT */
/*
 * login.c - the VIOD's half of a client login (M10; docs/protocol.md,
 * "Client login"): this VIOS's vSCSI engine asks, with an API_QUERY of type
 * CLIENT_LOGIN on api.sock, for the IDs of a vhost whose frontend connects;
 * the daemon looks them up or allocates them in the cluster DB (one
 * transaction, xvios_db_client_login) and answers. The engine completes the
 * login (the backend goes Connected) only with that answer.
 *
 *   request   uuid=U\nname=N\ndomid=D\nvhost=H\n   (identity as dom0 wrote it from the hypervisor)
 *   response  client-id=C\nadapter-id=A\nnode=V\nnew-client=0|1\nnew-adapter=0|1\n
 *
 * Only a local caller running as root or as the daemon's own user may ask
 * (api_server.c checks; a peer's CLUSTER_SEND or dom0's management link is
 * refused BAD_PACKET). Each login is also a CLIENT_REGISTERED event with
 * the whole identity for subscribers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xviosd.h"
#include "login_req.h"
#include "xvios/db_client.h"
#include "xvios/log.h"

int viod_login_handle(struct xviosd *d, const struct xvios_msg *req, uint8_t *out, size_t cap, size_t *out_len,
                      int *status)
{
    struct viod_login_req r;
    struct xvios_db_login in;
    struct xvios_db_login_ids ids;
    char ev[320];
    int rc, len;

    *out_len = 0;
    if (req->hdr.opcode != XVIOS_OP_API_QUERY) {
        XLOG_WARN("CLIENT_LOGIN from node %u refused: only this VIOS's own engine registers its clients",
                  req->sub.src_node);
        *status = XVIOS_ST_BAD_PACKET;
        return HANDLER_RESPOND;
    }
    if (viod_login_req_parse(req->payload, req->hdr.payload_len, &r) < 0) {
        XLOG_WARN("CLIENT_LOGIN: malformed request (%u bytes)", req->hdr.payload_len);
        *status = XVIOS_ST_BAD_PACKET;
        return HANDLER_RESPOND;
    }
    if (d->self_node == 0) {
        *status = XVIOS_ST_NOT_MEMBER;
        return HANDLER_RESPOND;
    }
    in = (struct xvios_db_login){ .uuid = r.uuid, .name = r.name, .node = d->self_node, .vhost = r.vhost };
    rc = xvios_db_client_login(d->plat, &in, &ids);
    if (rc < 0) {
        XLOG_ERR("client %s (%s, domain %u, vhost %u): cannot register it in the cluster DB: %s", r.name, r.uuid,
                 r.domid, r.vhost, strerror(-rc));
        len = snprintf((char *)out, cap, "error=%s\n", strerror(-rc));
        *out_len = len > 0 && (size_t)len < cap ? (size_t)len : 0;
        *status = rc == -EAGAIN ? XVIOS_ST_TRY_AGAIN : rc == -EINVAL ? XVIOS_ST_BAD_PACKET : XVIOS_ST_INTERNAL;
        return HANDLER_RESPOND;
    }
    len = snprintf((char *)out, cap, "client-id=%u\nadapter-id=%u\nnode=%u\nnew-client=%d\nnew-adapter=%d\n",
                   ids.client_id, ids.adapter_id, d->self_node, ids.new_client, ids.new_adapter);
    if (len < 0 || (size_t)len >= cap)
        return -ENOSPC;
    *out_len = (size_t)len;
    *status = XVIOS_ST_OK;
    XLOG_INFO("client %s (%s, domain %u) logged in on vhost %u: ClientID %u%s, AdapterID %u%s", r.name, r.uuid,
              r.domid, r.vhost, ids.client_id, ids.new_client ? " (new)" : "", ids.adapter_id,
              ids.new_adapter ? " (new)" : "");
    len = snprintf(ev, sizeof(ev),
                   "client-id=%u\nuuid=%s\nname=%s\nadapter-id=%u\nnode=%u\ndomid=%u\nvhost=%u\nnew-client=%d\n"
                   "source=login\n",
                   ids.client_id, r.uuid, r.name, ids.adapter_id, d->self_node, r.domid, r.vhost, ids.new_client);
    if (len > 0 && (size_t)len < sizeof(ev))
        viod_events_emit(d, XVIOS_EV_CLIENT_REGISTERED, d->self_node, ev, (size_t)len);
    return HANDLER_RESPOND;
}
