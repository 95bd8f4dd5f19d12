/* SPDX-License-Identifier: MIT */
/*
 * xvios/db_preempt.h - the last reservation preemption through a VIOS, per
 * pool LU, kept in that VIOS's path entry so that every daemon's watch on the
 * node table raises the reservation-preempted alert (docs/api.md, "Events"):
 *
 *   /xvios/nodes/<n>/paths/<lu>/preempted   written by VIOS n (members READ):
 *       "gen=<the PR generation that change committed>\n"
 *       "by=<initiator: 16 hex digits>@<relative target port>\n"
 *       "preempted=<initiator>@<port>[,<initiator>@<port>...]\n"   (at most XVIOS_PREEMPT_LIST, may be empty)
 *       "count=<how many nexuses lost their registration>\n"
 *       "abort=0|1\n"                                             (PREEMPT AND ABORT)
 *
 * An initiator of a logged-in client is its ClientID << 32 | AdapterID (the
 * vSCSI login). No reservation key is written: a key is the credential that
 * lets an initiator release or preempt, and the alert reaches every
 * subscriber of the cluster. gen is the PR record's generation, which only
 * grows, so a reader raises one alert per new gen, also across a VIOS
 * restart. The record is untrusted when read: parsed strictly here.
 */
#ifndef XVIOS_DB_PREEMPT_H
#define XVIOS_DB_PREEMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xvios/db.h"

#define XVIOS_PREEMPT_LIST 8u          /* nexuses listed; count says how many there were */
#define XVIOS_PREEMPT_TEXT_MAX 512u    /* the record's bytes at most */

struct xvios_nexus_id {
    uint64_t initiator;
    uint16_t port;                     /* relative target port, 1..65535 */
};

struct xvios_db_preempt {
    uint64_t gen;                      /* >= 1 */
    struct xvios_nexus_id by;
    unsigned n_listed;                 /* <= XVIOS_PREEMPT_LIST */
    struct xvios_nexus_id preempted[XVIOS_PREEMPT_LIST];
    uint32_t count;                    /* >= n_listed */
    bool abort;
};

/* Pure. format: the record's text (NUL-terminated), its length or -EINVAL / -ENOSPC. parse: 0 or -EINVAL. */
int xvios_db_preempt_format(const struct xvios_db_preempt *r, char *out, size_t cap);
int xvios_db_preempt_parse(const char *untrusted, size_t len, struct xvios_db_preempt *out);
/* "<16 hex>@<port>,..." of r's preempted list into out (NUL-terminated): its length or -ENOSPC. */
int xvios_db_preempt_list(const struct xvios_db_preempt *r, char *out, size_t cap);

/* VIOS node: write its record for the pool LU lu (its path entry must exist: -ENOENT otherwise). */
int xvios_db_preempt_publish(xvios_plat *p, uint32_t node, const char *lu, const struct xvios_db_preempt *r);
/* Node's record for lu: 0, -ENOENT (none), -EIO (malformed, logged), -EINVAL. */
int xvios_db_preempt_get(xvios_plat *p, uint32_t node, const char *lu, struct xvios_db_preempt *out);

#endif /* XVIOS_DB_PREEMPT_H */
