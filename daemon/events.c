/* SPDX-License-Identifier: MIT */
/*
 * events.c - cluster events for subscribed callers (API_EVENT):
 *   NODE_JOINED / NODE_LEFT     a node appears in / disappears from /xvios/nodes (store watch)
 *   NODE_LOST                   the VKE saw a peer's link die (VKE_EVENT)
 *   DELIVERY_FAILED             a send finished with failed nodes (sendop.c)
 *   CLIENT_REGISTERED           a new id under /xvios/clients (store watch)
 *   MESSAGE                     a USER message type arrived (handlers.c)
 *   LIFECYCLE                   a VIO object was created, modified or deleted: from this node's own
 *                               store watches (every node sees the DB, so every node tells its own
 *                               subscribers): a client or adapter created or deleted, a node created,
 *                               modified (active <-> leaving) or deleted, a path entry created or
 *                               deleted (key <node>:<lu>, by = its VIOS); the pool, LUs and mappings in
 *                               obj_watch.c, deduplicated there against announcements (OBJ_EVENT)
 *   PATH_LOST / PATH_RESTORED   a VIOS's path entry's state changed (/xvios/nodes/<n>/paths/<lu>/state,
 *                               the store watch on the nodes; xvios/db_path.h)
 *   LU_IO_ERRORS                a path entry's io-errors count grew
 *   RESERVATION_PREEMPTED       a path entry's preemption record has a newer generation
 *                               (.../paths/<lu>/preempted, xvios/db_preempt.h)
 * Payloads are "key=value\n" text naming what to read from the store.
 * A VKE link-up (VKE_EVENT NODE_JOINED) is passed on as NODE_JOINED with
 * source=link; the store's view says source=store.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xviosd.h"
#include "xvios/client.h"
#include "xvios/clock.h"
#include "xvios/db_path.h"
#include "xvios/db_client.h"
#include "xvios/db_preempt.h"
#include "xvios/log.h"
#include "xvios/parse.h"
#include "xvios/vio.h"

#define TOKEN_NODES   "xviosd-nodes"
#define TOKEN_CLIENTS "xviosd-clients"
#define TOKEN_CONFIG  "xviosd-config"
#define TOKEN_ADAPTERS "xviosd-adapters"

/* "node=N\n[domid=D\nname=X\n]path=<its DB entry>\nsource=S\n" */
static int node_text(char *text, size_t cap, uint32_t node, const struct xvios_db_node *info, const char *source)
{
    char path[XVIOS_STORE_MAX_PATH + 1];
    int len;

    if (xvios_db_node_path(node, path, sizeof(path)) < 0)
        return -1;
    if (info)
        len = snprintf(text, cap, "node=%u\ndomid=%u\nname=%s\npath=%s\nsource=%s\n", node, info->domid,
                       info->name, path, source);
    else
        len = snprintf(text, cap, "node=%u\npath=%s\nsource=%s\n", node, path, source);
    return len < 0 || (size_t)len >= cap ? -1 : len;
}

unsigned viod_events_emit_message(struct xviosd *d, uint32_t node, uint64_t txid, uint32_t epoch, const char *text,
                                  size_t len, uint64_t up)
{
    unsigned n = 0;

    for (unsigned i = 0; i < XVD_MAX_CALLERS; i++) {
        struct caller *c = &d->callers[i];
        if (!c->used || c->dead || !c->hello || !(c->event_mask & XVIOS_API_EVENT_BIT(XVIOS_EV_MESSAGE)))
            continue;
        if (viod_api_emit(d, c, XVIOS_OP_API_EVENT, XVIOS_ST_OK, 0, node, XVIOS_EV_MESSAGE, text, len) == 0) {
            c->out.tail->txid = up;   /* acknowledged to the VKE once this copy has left (vke_conn.c) */
            c->out.tail->deadline = xvios_deadline_ms(XVD_SUBSCRIBER_READ_MS);
            n++;
        } else {
            d->c.received_dropped++;
            XLOG_WARN("message from node %u (txid %" PRIx64 ", epoch %u) lost for caller %u: its queue is full",
                      node, txid, epoch, c->id);
        }
    }
    return n;
}

static bool in_strv(char **v, unsigned n, const char *s)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return true;
    return false;
}

static bool in_list(const uint32_t *v, unsigned n, uint32_t x)
{
    for (unsigned i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static void paths_reconcile(struct xviosd *d, uint32_t node, bool announce);

/* A node's Lifecycle event (the node table is dom0's: by=0), raised by each daemon to its own subscribers. */
static void node_lifecycle(struct xviosd *d, uint32_t node, const char *action)
{
    struct xvios_vio_event ev = { .by = 0, .via = d->self_node };

    snprintf(ev.type, sizeof(ev.type), "node");
    snprintf(ev.action, sizeof(ev.action), "%s", action);
    snprintf(ev.key, sizeof(ev.key), "%u", node);
    viod_events_lifecycle(d, &ev);
}

/* known_nodes[i]'s index, or -1 */
static int known_index(const struct xviosd *d, uint32_t node)
{
    for (unsigned i = 0; i < d->n_known_nodes; i++)
        if (d->known_nodes[i] == node)
            return (int)i;
    return -1;
}

static void scan_nodes(struct xviosd *d, bool announce)
{
    uint32_t state[XVIOS_MAX_NODES];
    struct xvios_db_node *nodes = NULL;
    unsigned n = 0, k = 0;
    uint32_t now[XVIOS_MAX_NODES];
    char text[160];
    int rc, len;

    rc = xvios_db_nodes(d->plat, &nodes, &n);
    if (rc < 0 && rc != -ENOENT) {
        XLOG_WARN("cannot list the cluster nodes: %s", strerror(-rc));
        return;
    }
    for (unsigned i = 0; i < n && k < XVIOS_MAX_NODES; i++) {
        int was = known_index(d, nodes[i].node);
        state[k] = (uint32_t)nodes[i].state;
        now[k++] = nodes[i].node;
        if (nodes[i].node == d->self_node)
            snprintf(d->self_state, sizeof(d->self_state), "%s",
                     nodes[i].state == XVIOS_NODE_ACTIVE ? "active" : "leaving");
        if (announce && was < 0) {
            len = node_text(text, sizeof(text), nodes[i].node, &nodes[i], "store");
            XLOG_INFO("node %u (domid %u) joined the cluster", nodes[i].node, nodes[i].domid);
            if (len > 0)
                viod_events_emit(d, XVIOS_EV_NODE_JOINED, nodes[i].node, text, (size_t)len);
            node_lifecycle(d, nodes[i].node, "created");
        } else if (announce && d->known_node_state[was] != (uint32_t)nodes[i].state) {
            node_lifecycle(d, nodes[i].node, "modified");   /* active <-> leaving */
        }
    }
    for (unsigned i = 0; announce && i < d->n_known_nodes; i++) {
        if (in_list(now, k, d->known_nodes[i]))
            continue;
        len = node_text(text, sizeof(text), d->known_nodes[i], NULL, "store");
        XLOG_INFO("node %u left the cluster", d->known_nodes[i]);
        if (len > 0)
            viod_events_emit(d, XVIOS_EV_NODE_LEFT, d->known_nodes[i], text, (size_t)len);
        node_lifecycle(d, d->known_nodes[i], "deleted");
        paths_reconcile(d, d->known_nodes[i], true);   /* its entries went with it */
    }
    memcpy(d->known_nodes, now, k * sizeof(uint32_t));
    memcpy(d->known_node_state, state, k * sizeof(uint32_t));
    d->n_known_nodes = k;
    free(nodes);
}

/* A client or adapter record gone (no record to say who removed it: by=0, dom0's cleanup). */
static void table_gone(struct xviosd *d, const char *type, const char *key)
{
    struct xvios_vio_event ev = { .action = "deleted", .by = 0, .via = d->self_node };

    snprintf(ev.type, sizeof(ev.type), "%s", type);
    snprintf(ev.key, sizeof(ev.key), "%s", key);
    viod_events_lifecycle(d, &ev);
}

/* A new client or adapter record: its Lifecycle event, by the VIOS that registered it (as the record says). */
static void table_lifecycle(struct xviosd *d, const char *type, uint32_t id)
{
    struct xvios_vio_event ev = { .action = "created", .via = d->self_node };
    struct xvios_db_client c;
    struct xvios_db_adapter a;
    int rc;

    if (!strcmp(type, "client")) {
        rc = xvios_db_client_get(d->plat, XVIOS_TX_NONE, id, &c);
        ev.by = c.node;
    } else {
        rc = xvios_db_adapter_get(d->plat, XVIOS_TX_NONE, id, &a);
        ev.by = a.node;
    }
    if (rc < 0)
        return;   /* not complete yet (its transaction), or damaged (logged by the DB): no event */
    snprintf(ev.type, sizeof(ev.type), "%s", type);
    snprintf(ev.key, sizeof(ev.key), "%u", id);
    viod_events_lifecycle(d, &ev);
}

static void scan_adapters(struct xviosd *d, bool announce)
{
    uint32_t *ids = NULL;
    unsigned n = 0, k = 0;
    int rc = xvios_db_adapter_ids(d->plat, XVIOS_TX_NONE, &ids, &n);

    if (rc < 0) {
        if (rc != -ENOENT)
            XLOG_WARN("cannot list the adapter table: %s", strerror(-rc));
        return;
    }
    for (unsigned i = 0; announce && i < n; i++) {   /* both ascending: one merge */
        while (k < d->n_known_adapters && d->known_adapters[k] < ids[i])
            k++;
        if (k >= d->n_known_adapters || d->known_adapters[k] != ids[i])
            table_lifecycle(d, "adapter", ids[i]);
    }
    for (unsigned i = 0, j = 0; announce && i < d->n_known_adapters; i++) {   /* gone ones: the same merge */
        char key[16];
        while (j < n && ids[j] < d->known_adapters[i])
            j++;
        if (j < n && ids[j] == d->known_adapters[i])
            continue;
        snprintf(key, sizeof(key), "%u", d->known_adapters[i]);
        table_gone(d, "adapter", key);
    }
    free(d->known_adapters);
    d->known_adapters = ids;
    d->n_known_adapters = n;
}

static void scan_clients(struct xviosd *d, bool announce)
{
    char **names = NULL;
    unsigned n = 0;
    char text[XVIOS_STORE_MAX_PATH + 64], path[XVIOS_STORE_MAX_PATH + 1];
    int rc = xvios_db_clients(d->plat, &names, &n);

    if (rc < 0 && rc != -ENOENT) {
        XLOG_WARN("cannot list the client table: %s", strerror(-rc));
        return;
    }
    for (unsigned i = 0; announce && i < n; i++) {
        if (in_strv(d->known_clients, d->n_known_clients, names[i]))
            continue;
        int len = xvios_db_client_path(names[i], path, sizeof(path)) < 0 ? -1
                : snprintf(text, sizeof(text), "client=%s\npath=%s\n", names[i], path);
        if (len > 0 && (size_t)len < sizeof(text))
            viod_events_emit(d, XVIOS_EV_CLIENT_REGISTERED, d->self_node, text, (size_t)len);
        uint32_t id;
        if (xvios_parse_u32_canon(names[i], XVIOS_ID_MAX, &id) == 0 && id)
            table_lifecycle(d, "client", id);
    }
    for (unsigned i = 0; announce && i < d->n_known_clients; i++) {
        uint32_t id;
        if (!in_strv(names, n, d->known_clients[i]) &&
            xvios_parse_u32_canon(d->known_clients[i], XVIOS_ID_MAX, &id) == 0 && id)
            table_gone(d, "client", d->known_clients[i]);
    }
    xvios_strv_free(d->known_clients, d->n_known_clients);
    d->known_clients = names;
    d->n_known_clients = n;
}

static void read_config(struct xviosd *d)
{
    struct xvios_db_config cfg;
    int rc = xvios_db_config_read(d->plat, &cfg);

    if (rc < 0) {
        XLOG_WARN("cannot read the cluster configuration: %s", strerror(-rc));
        return;
    }
    d->cfg = cfg;
}

int viod_events_watch(struct xviosd *d)
{
    int rc;

    read_config(d);
    scan_nodes(d, false);
    for (unsigned i = 0; i < d->n_known_nodes; i++)
        paths_reconcile(d, d->known_nodes[i], false);
    scan_clients(d, false);
    scan_adapters(d, false);
    rc = xvios_db_watch(d->plat, XVIOS_DB_PART_NODES, TOKEN_NODES);
    if (rc == 0)
        rc = xvios_db_watch(d->plat, XVIOS_DB_PART_CLIENTS, TOKEN_CLIENTS);
    if (rc == 0)
        rc = xvios_db_watch(d->plat, XVIOS_DB_PART_ADAPTERS, TOKEN_ADAPTERS);
    if (rc == 0)
        rc = xvios_db_watch(d->plat, XVIOS_DB_PART_CONFIG, TOKEN_CONFIG);
    if (rc == 0)
        rc = viod_objwatch_start(d);
    if (rc < 0)
        XLOG_ERR("cannot watch the cluster DB: %s", strerror(-rc));
    return rc;
}

/* What each VIOS's path entries said last: a change of state is an event. */
struct viod_path_seen {
    uint32_t node;
    char key[XVIOS_PATH_KEY_MAX + 1];
    enum xvios_path_state state;
    uint64_t io_errors;
    uint64_t preempt_gen;      /* the generation of the last preemption record seen (0: none) */
};
#define PATHS_SEEN_MAX 4096u

static struct viod_path_seen *seen_find(struct xviosd *d, uint32_t node, const char *key)
{
    for (unsigned i = 0; i < d->n_paths_seen; i++)
        if (d->paths_seen[i].node == node && !strcmp(d->paths_seen[i].key, key))
            return &d->paths_seen[i];
    return NULL;
}

/* A first sight: state good, count 0 (a daemon that first sees an entry takes its count from 0). NULL: full. */
static struct viod_path_seen *seen_add(struct xviosd *d, uint32_t node, const char *key)
{
    struct viod_path_seen *v, *s;

    if (d->n_paths_seen >= PATHS_SEEN_MAX || !(v = realloc(d->paths_seen, (d->n_paths_seen + 1) * sizeof(*v))))
        return NULL;
    d->paths_seen = v;
    s = &v[d->n_paths_seen++];
    *s = (struct viod_path_seen){ .node = node, .state = XVIOS_PATH_GOOD };
    snprintf(s->key, sizeof(s->key), "%s", key);
    return s;
}

/* A path entry's Lifecycle event: key "<node>:<path key>" (the entry is its VIOS's: by = that node). */
static void path_lifecycle(struct xviosd *d, uint32_t node, const char *key, const char *action)
{
    struct xvios_vio_event ev = { .by = node, .via = d->self_node };
    int n = snprintf(ev.key, sizeof(ev.key), "%u:%s", node, key);

    if (n < 0 || (size_t)n >= sizeof(ev.key)) {
        XLOG_WARN("node %u: path entry %s %s: its key is too long for a lifecycle event", node, key, action);
        return;
    }
    snprintf(ev.type, sizeof(ev.type), "path");
    snprintf(ev.action, sizeof(ev.action), "%s", action);
    viod_events_lifecycle(d, &ev);
}

/* Node's path entries against those seen: a new one is created, a gone one deleted (announce: events). */
static void paths_reconcile(struct xviosd *d, uint32_t node, bool announce)
{
    char **keys = NULL;
    unsigned n = 0, k = 0;
    int rc = xvios_db_path_keys(d->plat, node, &keys, &n);

    if (rc < 0 && rc != -ENOENT) {
        XLOG_WARN("node %u: cannot list its path entries: %s", node, strerror(-rc));
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        if (seen_find(d, node, keys[i]))
            continue;
        struct viod_path_seen *s = seen_add(d, node, keys[i]);
        struct xvios_db_preempt r;
        if (!s)
            break;
        if (announce)
            path_lifecycle(d, node, keys[i], "created");
        else if (xvios_db_preempt_get(d->plat, node, keys[i], &r) == 0)
            s->preempt_gen = r.gen;   /* at start: a preemption from before is no news */
    }
    for (unsigned i = 0; i < d->n_paths_seen; i++) {   /* keep those still listed, in place */
        struct viod_path_seen *s = &d->paths_seen[i];
        if (s->node != node || in_strv(keys, n, s->key)) {
            d->paths_seen[k++] = *s;
            continue;
        }
        if (announce)
            path_lifecycle(d, node, s->key, "deleted");
    }
    d->n_paths_seen = k;
    xvios_strv_free(keys, n);
}

/* A VIOS's preemption record of an LU (xvios/db_preempt.h): a generation above the one seen is an alert. */
static void preempted(struct xviosd *d, uint32_t node, const char *key)
{
    struct xvios_db_preempt r;
    struct viod_path_seen *s;
    char by[32], list[XVIOS_PREEMPT_LIST * 24], text[XVIOS_PREEMPT_LIST * 24 + 160];
    int len;

    if (xvios_db_preempt_get(d->plat, node, key, &r) < 0 || (!(s = seen_find(d, node, key)) && !(s = seen_add(d, node, key))))
        return;   /* none, or malformed (logged by the DB) */
    if (r.gen <= s->preempt_gen)
        return;   /* a rewrite, or an older change: told already */
    s->preempt_gen = r.gen;
    snprintf(by, sizeof(by), "%016" PRIx64 "@%u", r.by.initiator, r.by.port);
    if (xvios_db_preempt_list(&r, list, sizeof(list)) < 0)
        return;
    len = snprintf(text, sizeof(text), "node=%u\nlu=%s\nby=%s\npreempted=%s\ncount=%u\nabort=%d\ngen=%" PRIu64 "\n",
                   node, key, by, list, r.count, r.abort, r.gen);
    XLOG_WARN("node %u: reservation of %s preempted by %s (%u registration(s) taken%s)", node, key, by, r.count,
              r.abort ? ", their commands aborted" : "");
    if (len > 0 && (size_t)len < sizeof(text))
        viod_events_emit(d, XVIOS_EV_RESERVATION_PREEMPTED, node, text, (size_t)len);
}

/* A watch event at or below /xvios/nodes/<n>/paths: the entries reconciled (created / deleted); on
 * .../paths/<key>/state or .../io-errors the entry is read: a change of state, or a count above the one
 * seen, is an event. */
static void path_changed(struct xviosd *d, const char *untrusted_path)
{
    char key[XVIOS_PATH_KEY_MAX + 1], text[160];
    struct xvios_db_path e;
    struct viod_path_seen *s = NULL;
    uint32_t node;
    int n = 0, len;

    char leaf[16] = "";

    if (sscanf(untrusted_path, XVIOS_DB_ROOT "/nodes/%u/paths%n", &node, &n) != 1 || node == 0 ||
        (untrusted_path[n] != '\0' && untrusted_path[n] != '/'))
        return;
    paths_reconcile(d, node, true);
    n = 0;
    if (sscanf(untrusted_path, XVIOS_DB_ROOT "/nodes/%u/paths/%63[A-Za-z0-9_-]/%15[a-z-]%n", &node, key, leaf, &n) != 3 ||
        untrusted_path[n] != '\0')
        return;
    if (!strcmp(leaf, "preempted")) {
        preempted(d, node, key);
        return;
    }
    if ((strcmp(leaf, "state") && strcmp(leaf, "io-errors")) ||
        xvios_db_path_get(d->plat, node, key, &e) < 0)
        return;
    if (!(s = seen_find(d, node, key)) && !(s = seen_add(d, node, key)))
        return;
    if (e.io_errors > s->io_errors) {       /* a VIOS that met errors: one event per published count */
        len = snprintf(text, sizeof(text), "node=%u\nlu=%s\nerrors=%" PRIu64 "\nnew=%" PRIu64 "\n", node, key,
                       e.io_errors, e.io_errors - s->io_errors);
        XLOG_WARN("node %u: %" PRIu64 " I/O error(s) on %s (%" PRIu64 " in all)", node, e.io_errors - s->io_errors,
                  key, e.io_errors);
        if (len > 0 && (size_t)len < sizeof(text))
            viod_events_emit(d, XVIOS_EV_LU_IO_ERRORS, node, text, (size_t)len);
    }
    s->io_errors = e.io_errors;              /* a lower count: the VIOS began serving it anew */
    if (s->state == e.state)
        return;                              /* a first "good" is no news; a rewrite neither */
    s->state = e.state;
    len = snprintf(text, sizeof(text), "node=%u\nlu=%s\nstate=%s\n", node, key, xvios_path_state_name(e.state));
    XLOG_INFO("node %u: path to %s %s", node, key, e.state == XVIOS_PATH_LOST ? "lost" : "restored");
    if (len > 0 && (size_t)len < sizeof(text))
        viod_events_emit(d, e.state == XVIOS_PATH_LOST ? XVIOS_EV_PATH_LOST : XVIOS_EV_PATH_RESTORED, node, text,
                         (size_t)len);
}

void viod_events_on_store(struct xviosd *d)
{
    bool nodes = false, clients = false, config = false, adapters = false;

    for (int budget = 1024; budget > 0; budget--) {
        char *path = NULL, *token = NULL;
        int rc = xvios_store_watch_read(d->plat, &path, &token);
        if (rc < 0) {
            if (rc != -EAGAIN)
                XLOG_WARN("store watch: %s", strerror(-rc));
            break;
        }
        if (!strcmp(token, TOKEN_NODES) && strstr(path, "/paths/"))
            path_changed(d, path);
        else   /* a node's online flag leaves the node table as it was: no rescan (docs/performance.md) */
            nodes = nodes || (!strcmp(token, TOKEN_NODES) && !xvios_db_path_is_online_flag(path));
        clients = clients || !strcmp(token, TOKEN_CLIENTS);
        adapters = adapters || !strcmp(token, TOKEN_ADAPTERS);
        config = config || !strcmp(token, TOKEN_CONFIG);
        viod_objwatch_token(d, token);
        free(path);
        free(token);
    }
    /* a burst of watch events is one rescan */
    if (config)
        read_config(d);
    if (nodes)
        scan_nodes(d, true);
    if (clients)
        scan_clients(d, true);
    if (adapters)
        scan_adapters(d, true);
    viod_objwatch_rescan(d);
}

void viod_events_on_vke_event(struct xviosd *d, const struct xvios_msg *m)
{
    char text[96];
    int len;

    switch (m->sub.msg_type) {
    case XVIOS_EV_NODE_LOST:
        len = node_text(text, sizeof(text), m->sub.src_node, NULL, "link");
        XLOG_INFO("lost the link to node %u", m->sub.src_node);
        if (len > 0)
            viod_events_emit(d, XVIOS_EV_NODE_LOST, m->sub.src_node, text, (size_t)len);
        break;
    case XVIOS_EV_NODE_JOINED:
        len = node_text(text, sizeof(text), m->sub.src_node, NULL, "link");
        if (len > 0)
            viod_events_emit(d, XVIOS_EV_NODE_JOINED, m->sub.src_node, text, (size_t)len);
        break;
    case XVIOS_EV_NODE_LEFT:
        break;   /* the store watch reports it (scan_nodes) */
    default:
        XLOG_WARN("dropped VKE_EVENT with unknown event %u", m->sub.msg_type);
        d->c.vke_rx_bad++;
        break;
    }
}

void viod_events_dispose(struct xviosd *d)
{
    viod_objwatch_dispose(d);
    xvios_strv_free(d->known_clients, d->n_known_clients);
    d->known_clients = NULL;
    d->n_known_clients = 0;
    free(d->known_adapters);
    d->known_adapters = NULL;
    d->n_known_adapters = 0;
    free(d->paths_seen);
    d->paths_seen = NULL;
    d->n_paths_seen = 0;
}
