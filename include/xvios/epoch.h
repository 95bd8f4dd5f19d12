/* SPDX-License-Identifier: MIT */
/*
 * xvios/epoch.h - the incarnation ("epoch") of a txid issuer, kept in a file
 * of the node's run directory so that it survives restarts. Every start
 * takes a new epoch: max(the stored value + 1, the wall clock in seconds),
 * written to the file (fsync'ed, renamed into place, directory fsync'ed)
 * before the caller may use it. The stored value keeps epochs increasing
 * when the clock goes back; the clock floor keeps them increasing when the
 * file is lost with a tmpfs run directory (a rebooted domain). 0 is never
 * an epoch (it means "none" on the wire).
 */
#ifndef XVIOS_EPOCH_H
#define XVIOS_EPOCH_H

#include <stdint.h>

#define XVIOS_DAEMON_EPOCH_FILE "xviosd.epoch"  /* the daemon's (its cluster txids) */
#define XVIOS_VKE_EPOCH_FILE    "vke.epoch"     /* the VKE's (its in-process senders' txids) */

/*
 * Take the next epoch of the counter in path (floor: the least acceptable value, e.g. the wall clock
 * in seconds). A missing file counts as 0; a file that does not hold one canonical decimal is logged
 * and counted as 0 (the floor still applies). 0 and *out, or -errno when it could not be made durable
 * (then nothing may be sent under it).
 */
int xvios_epoch_advance(const char *path, uint32_t floor, uint32_t *out);

/* The floor to pass: CLOCK_REALTIME seconds (fits 32 bits until 2106), at least 1. */
uint32_t xvios_epoch_clock_floor(void);

#endif /* XVIOS_EPOCH_H */
