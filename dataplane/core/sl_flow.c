/* SPDX-License-Identifier: BSD-3-Clause
 * Flow keys and the software flow hash.
 */
#include <arpa/inet.h>
#include <string.h>

#include "sl_flow.h"

/* Odd 64-bit constants with well spread bits (golden ratio and the
 * splitmix64 / murmur3 finaliser multipliers). */
#define SL_H_K0		0x9e3779b97f4a7c15ULL
#define SL_H_K1		0xbf58476d1ce4e5b9ULL
#define SL_H_K2		0x94d049bb133111ebULL
#define SL_H_F1		0xff51afd7ed558ccdULL
#define SL_H_F2		0xc4ceb9fe1a85ec53ULL

static inline uint64_t
sl_rotl64(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

/* One step of the chain. Every operation is a bijection of h for a fixed
 * w (xor, rotate, multiply by an odd constant) and of w for a fixed h, so
 * two keys that differ in one word always leave different states. The
 * rotate brings the high bits that a multiply produces back down, so two
 * differences in the top bits of consecutive words cannot cancel. */
static inline uint64_t
sl_hash_step(uint64_t h, uint64_t w)
{
	h ^= w * SL_H_K1;
	return sl_rotl64(h, 31) * SL_H_K0;
}

/* murmur3 fmix64: every input bit affects every output bit. */
static inline uint64_t
sl_hash_fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= SL_H_F1;
	h ^= h >> 33;
	h *= SL_H_F2;
	h ^= h >> 33;
	return h;
}

/* The key is read as five 64-bit words (memcpy compiles to plain loads).
 * The words are read in host byte order: the value is the same on every
 * instance of the same architecture, which is what Maglev agreement needs. */
uint32_t
sl_flow_hash(const struct sl_flow_key *k)
{
	uint64_t w[5];
	uint64_t h = SL_H_K2 ^ sizeof(*k);

	memcpy(w, k, sizeof(w));
	h = sl_hash_step(h, w[0]);
	h = sl_hash_step(h, w[1]);
	h = sl_hash_step(h, w[2]);
	h = sl_hash_step(h, w[3]);
	h = sl_hash_step(h, w[4]);
	h = sl_hash_fmix(h);
	return (uint32_t)(h ^ (h >> 32));
}

void
sl_flow_key_reverse(const struct sl_flow_key *k, struct sl_flow_key *r)
{
	uint64_t a[2], b[2];
	uint16_t sport = k->sport, dport = k->dport;
	uint8_t proto = k->proto, family = k->family;

	/* Loaded before any store, so that r may alias k; no memset: every
	 * byte is written, the pad as zero. */
	memcpy(a, k->src, sizeof(a));
	memcpy(b, k->dst, sizeof(b));
	memcpy(r->src, b, sizeof(b));
	memcpy(r->dst, a, sizeof(a));
	r->sport = dport;
	r->dport = sport;
	r->proto = proto;
	r->family = family;
	r->pad[0] = 0;
	r->pad[1] = 0;
}

void
sl_flow_key_make(struct sl_flow_key *k, uint8_t proto,
		 const struct sl_addr *src, uint16_t sport,
		 const struct sl_addr *dst, uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	/* sl_addr keeps unused address bytes zero, as the key requires. */
	memcpy(k->src, src->b, sizeof(k->src));
	memcpy(k->dst, dst->b, sizeof(k->dst));
	k->sport = htons(sport);
	k->dport = htons(dport);
	k->proto = proto;
	k->family = src->family;
}

void
sl_flow_key_src(const struct sl_flow_key *k, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->b, k->src, sizeof(a->b));
	a->family = k->family;
}

void
sl_flow_key_dst(const struct sl_flow_key *k, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->b, k->dst, sizeof(a->b));
	a->family = k->family;
}

/* Worker w owns the ports p with (p * workers) >> 16 == w, that is
 * ceil(w * 65536 / workers) <= p < ceil((w + 1) * 65536 / workers).
 * An empty range (all of it below lo, or w out of range) is returned as
 * first > last. */
void
sl_port_range(uint32_t w, uint32_t workers, uint16_t lo,
	      uint16_t *first, uint16_t *last)
{
	uint64_t f, l;

	if (workers == 0 || w >= workers) {
		*first = 1;
		*last = 0;
		return;
	}
	f = ((uint64_t)w * 65536 + workers - 1) / workers;
	l = ((uint64_t)(w + 1) * 65536 + workers - 1) / workers - 1;
	if (f < lo)
		f = lo;
	if (l < f) {
		*first = 1;
		*last = 0;
		return;
	}
	*first = (uint16_t)f;
	*last = (uint16_t)l;
}
