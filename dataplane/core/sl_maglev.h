/* SPDX-License-Identifier: BSD-3-Clause
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights.
 */
#ifndef SL_MAGLEV_H
#define SL_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_addr.h"

#define SL_MAGLEV_EMPTY		0xffff	/* no backend with weight > 0 */
#define SL_MAGLEV_MAX_M		1048573	/* largest table size accepted */

struct sl_maglev_backend {
	uint64_t id_hash;	/* identity of the backend: sl_maglev_id() */
	uint32_t weight;	/* 0 = takes no slot (draining) */
};

/* Identity hash of a backend from its address and port (host order), so
 * the permutation does not depend on list order or on the instance. */
uint64_t sl_maglev_id(const struct sl_addr *addr, uint16_t port);

bool sl_is_prime(uint32_t n);

/* Scratch bytes sl_maglev_build() needs for n backends and m slots. */
size_t sl_maglev_scratch_size(uint32_t n, uint32_t m);

/* Fills table[0..m-1] with indexes into b[0..n-1]. Each backend's share of
 * the m slots is proportional to its weight (within rounding); weight 0
 * backends get none; with no weight at all every slot is SL_MAGLEV_EMPTY.
 * m must be prime and >= n (up to SL_MAGLEV_MAX_M); n <= 65535.
 * scratch: sl_maglev_scratch_size(n, m) bytes (or NULL: malloc'd inside).
 * Returns 0, -SL_ENOPRIME, -EINVAL or -ENOMEM. */
int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n,
		    uint16_t *table, uint32_t m, void *scratch);

/* Slot for a flow hash: multiply-shift, no division on the fast path
 * (also for a prefetch of what sl_maglev_lookup() will read). */
static inline const uint16_t *
sl_maglev_slot(const uint16_t *table, uint32_t m, uint32_t hash)
{
	return &table[((uint64_t)hash * m) >> 32];
}

static inline uint16_t
sl_maglev_lookup(const uint16_t *table, uint32_t m, uint32_t hash)
{
	return *sl_maglev_slot(table, m, hash);
}

#endif
