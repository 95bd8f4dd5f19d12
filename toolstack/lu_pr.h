/* SPDX-License-Identifier: MIT */
/*
 * lu_pr.h - the persistent reservation state of a pool LU, as `xvios lu who`
 * shows it: read from the LU's record in the cluster DB (xvios/db_pr.h) and
 * decoded by the SCSI layer's own loader (backend/scsi/scsi_pr.h), so what is
 * printed is exactly the state every VIOS serves. A registration's I_T
 * nexus names the client's ClientID and AdapterID (docs/pool.md, "Client
 * login") and the VIOS's relative target port.
 */
#ifndef XVIOS_TOOLSTACK_LU_PR_H
#define XVIOS_TOOLSTACK_LU_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toolstack/cli.h"
#include "toolstack/cli_json.h"

struct lu_pr_reg {
    uint64_t key;
    uint32_t client_id, adapter_id;   /* the nexus's initiator: ClientID << 32 | AdapterID */
    uint16_t target_port;             /* the VIOS's relative target port */
    bool holder;                      /* holds the reservation (every registrant for the all-registrants types) */
};

struct lu_pr_view {
    int error;                        /* 0, or -errno: the record could not be read or does not load */
    uint64_t gen;                     /* the record's generation in the DB; 0: no record (the empty state) */
    uint32_t pr_generation;           /* the SCSI PRgeneration */
    unsigned type;                    /* enum scsi_pr_type; 0: no reservation */
    size_t n;
    struct lu_pr_reg *regs;
};

/* Fill view from the DB the global options name; never fails the command: view->error says why not. */
void lu_pr_read(const struct xvios_cli *cli, const char *lu, struct lu_pr_view *view);
void lu_pr_view_free(struct lu_pr_view *view);
/* "Write Exclusive", ... ; "none" for 0. */
const char *lu_pr_type_name(unsigned type);
void lu_pr_print_text(const struct lu_pr_view *view);
/* A "reservation" key and its object. */
void lu_pr_print_json(struct cli_json *j, const struct lu_pr_view *view);

#endif
