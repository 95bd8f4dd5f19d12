/* SPDX-License-Identifier: MIT */
/*
 * agent.h - `xvios agent`, dom0's agent (docs/api.md, "The dom0 agent"):
 * what a node forwards to it (API_AGENT_REQ) run in dom0 with the code
 * `xvios api` runs there (api_exec.h), for the object kinds it was allowed.
 */
#ifndef XVIOS_TOOLSTACK_AGENT_H
#define XVIOS_TOOLSTACK_AGENT_H

#include <stdbool.h>

#include "toolstack/cli.h"
#include "xvios/client.h"

/* The object kinds dom0 delegates (--allow). */
enum agent_kind { AGENT_MAPPING = 1u << 0, AGENT_LU = 1u << 1, AGENT_POOL = 1u << 2 };
#define AGENT_DEFAULT_ALLOW (AGENT_MAPPING | AGENT_LU)

/* "lu,pool,mapping" -> mask: 0 or -EINVAL (an unknown word, an empty list). */
int agent_allow_parse(const char *s, unsigned *mask);
/* mask -> "mapping,lu,pool" (buf of at least 32 bytes). */
void agent_allow_format(unsigned mask, char *buf, size_t cap);

/*
 * One forwarded request m (opcode XVIOS_OP_API_AGENT_REQ) from the node c reaches: bounded, parsed, checked
 * against allow, run in dom0 (cli names the platform), answered on c with its vioResponse, a change announced
 * through that node. 0 answered; a negative errno when c failed (the caller closes it).
 */
int agent_handle(const struct xvios_cli *cli, unsigned allow, xvios_client *c, const struct xvios_api_msg *m);

#endif /* XVIOS_TOOLSTACK_AGENT_H */
