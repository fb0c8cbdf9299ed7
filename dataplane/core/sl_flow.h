/* SPDX-License-Identifier: BSD-3-Clause
 * Flow keys (the 5-tuple of a packet as it arrives) and the software flow
 * hash that picks a Maglev entry and the worker that owns a flow.
 */
#ifndef SL_FLOW_H
#define SL_FLOW_H

#include <stdint.h>
#include <string.h>

#include "sl_addr.h"

/* 40 bytes; unused bytes are zero so keys compare with memcmp(). Addresses
 * and ports in network byte order. */
struct sl_flow_key {
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;		/* IPPROTO_TCP / IPPROTO_UDP / ICMP */
	uint8_t family;		/* AF_INET / AF_INET6 */
	uint8_t pad[2];
};

_Static_assert(sizeof(struct sl_flow_key) == 40, "flow key layout");

/* Deterministic, seedless (identical on every instance, so Maglev picks
 * the same backend everywhere), well mixed over all 40 bytes. */
uint32_t sl_flow_hash(const struct sl_flow_key *k);

/* The same key with source and destination swapped. */
void sl_flow_key_reverse(const struct sl_flow_key *k, struct sl_flow_key *r);

static inline int
sl_flow_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Builds a key; addresses must have the same family. Ports in host order. */
void sl_flow_key_make(struct sl_flow_key *k, uint8_t proto,
		      const struct sl_addr *src, uint16_t sport,
		      const struct sl_addr *dst, uint16_t dport);
void sl_flow_key_src(const struct sl_flow_key *k, struct sl_addr *a);
void sl_flow_key_dst(const struct sl_flow_key *k, struct sl_addr *a);

/* Range scaling without division: maps a 32-bit hash onto [0, n). */
static inline uint32_t
sl_hash_scale(uint32_t hash, uint32_t n)
{
	return (uint32_t)(((uint64_t)hash * n) >> 32);
}

/* The worker that owns a client->VIP flow: sl_hash_scale(hash, workers). The
 * worker that owns a reply to a local (SNAT) port: ports are split into
 * contiguous ranges, one per worker, so the reply needs no lookup. */
static inline uint32_t
sl_port_owner(uint16_t port_host, uint32_t workers)
{
	return ((uint32_t)port_host * workers) >> 16;
}

/* First and last SNAT port of worker w's range, never below lo (1024). */
void sl_port_range(uint32_t w, uint32_t workers, uint16_t lo,
		   uint16_t *first, uint16_t *last);

#endif
