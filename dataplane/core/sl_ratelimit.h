/* SPDX-License-Identifier: BSD-3-Clause
 * Token buckets for the edge rate limits, in integer arithmetic on the
 * worker's millisecond clock (no division on the fast path but one per
 * refill), and a bounded table of per-client buckets that evicts idle
 * clients: it never grows.
 * Single writer (one worker); no locks.
 */
#ifndef SL_RATELIMIT_H
#define SL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_addr.h"

/* Tokens are kept in thousandths, so a rate below 1000/s still refills
 * every millisecond. */
struct sl_tb {
	uint64_t milli;		/* tokens * 1000 */
	uint32_t last_ms;	/* last refill */
	uint32_t pad;
};

/* Starts full (burst tokens). */
void sl_tb_init(struct sl_tb *b, uint32_t burst, uint32_t now_ms);

/* Refills for the time since the last call (rate tokens per second, at
 * most burst tokens; burst 0 = rate), then takes one token if there is
 * one: true = conforming. rate 0 = unlimited (always true). Clock
 * wrap-around safe (uint32_t milliseconds). */
bool sl_tb_take(struct sl_tb *b, uint32_t rate, uint32_t burst,
		uint32_t now_ms);

/* Per-client buckets: set-associative, SL_RL_WAYS per set, keyed by
 * (VIP id, client prefix). A new client takes a free way, else the way
 * idle longest (its bucket refilled full by then if idle > 1 s: evicting
 * it loses nothing; when every way is busier than that, the evicted
 * client restarts with a full bucket and the eviction is counted). */
#define SL_RL_WAYS	8

struct sl_rl_table;

/* Bytes for a table of at least entries buckets (rounded up to a power of
 * two sets). */
size_t sl_rl_memsize(uint32_t entries);
struct sl_rl_table *sl_rl_init(void *mem, uint32_t entries);
uint32_t sl_rl_capacity(const struct sl_rl_table *t);
uint32_t sl_rl_count(const struct sl_rl_table *t);	/* buckets in use */
uint64_t sl_rl_evictions(const struct sl_rl_table *t);	/* busy evicted */

/* The client prefix of a (masked to plen bits) for the key. */
void sl_rl_client_key(const struct sl_addr *a, uint8_t plen,
		      struct sl_addr *out);

/* One new connection of client (already masked) on VIP vip_id: true when
 * it conforms to rate/burst. */
bool sl_rl_take(struct sl_rl_table *t, uint16_t vip_id,
		const struct sl_addr *client, uint32_t rate, uint32_t burst,
		uint32_t now_ms);

#endif
