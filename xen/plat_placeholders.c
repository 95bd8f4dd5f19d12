/* SPDX-License-Identifier: MIT */
/* TEMP: platform ops and cluster DB placeholders so programs and unit tests link before the real ones land. */
#include <errno.h>
#include "plat_ops.h"
#include "xvios/db.h"

static int p_open(const struct xvios_plat_config *cfg, void **impl) { (void)cfg; (void)impl; return -ENOSYS; }
static void p_close(void *impl) { (void)impl; }

const struct xvios_plat_ops xvios_plat_loopback_ops = { .name = "loopback", .open = p_open, .close = p_close };
const struct xvios_plat_ops xvios_plat_xen_ops = { .name = "xen", .open = p_open, .close = p_close };

int xvios_db_config_read(xvios_plat *p, struct xvios_db_config *cfg) { (void)p; (void)cfg; return -ENOSYS; }
int xvios_db_nodes(xvios_plat *p, struct xvios_db_node **nodes, unsigned *n) { (void)p; *nodes = NULL; *n = 0; return -ENOSYS; }
int xvios_db_node_get(xvios_plat *p, uint32_t node, struct xvios_db_node *out) { (void)p; (void)node; (void)out; return -ENOSYS; }
int xvios_db_node_by_domid(xvios_plat *p, uint32_t domid, uint32_t *node) { (void)p; (void)domid; (void)node; return -ENOSYS; }
