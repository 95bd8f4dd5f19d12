/* SPDX-License-Identifier: MIT */
/*
 * api_call.h - one vioRequest run the way `xvios api` runs it (docs/api.md,
 * "Where a request runs"): in dom0 a write only dom0 may make runs here,
 * against the cluster DB, through the request processor (xvios/vio.h) with
 * dom0's hooks; everything else goes to the daemon of the node the global
 * options name (API_VIO). The typed commands (`xvios lu`, `xvios pool`) and
 * `xvios api` share it, so each action has one implementation.
 */
#ifndef XVIOS_TOOLSTACK_API_CALL_H
#define XVIOS_TOOLSTACK_API_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "toolstack/cli.h"
#include "xvios/vio.h"

/* In dom0, run reads here too (the typed commands assume no daemon, as they always did). */
#define API_CALL_READS_HERE 0x1u

struct api_answer {
    char *resp;                    /* the vioResponse (malloc'd, NUL-terminated) */
    size_t len;
    bool here;                     /* run in this process, by dom0 */
    struct xvios_vio_change chg;   /* what a write run here changed (to announce) */
};

/* Run req (len bytes). XVIOS_EXIT_OK with ans filled (free with api_answer_free), or an exit code, the reason
 * printed on stderr (no daemon, no response). */
int api_call(const struct xvios_cli *cli, const char *req, size_t len, unsigned flags, struct api_answer *ans);
void api_answer_free(struct api_answer *ans);

/*
 * Announce the change a write run here made (nothing when none): its Lifecycle event through the node the
 * options name. only_named: only when --node, XVIOS_NODE or --via named one (a typed command; its failure a
 * warning, XVIOS_EXIT_OK returned), else always (`xvios api`: the announcement's exit code).
 */
int api_call_announce(const struct xvios_cli *cli, const struct api_answer *ans, bool only_named);

#endif /* XVIOS_TOOLSTACK_API_CALL_H */
