/* SPDX-License-Identifier: BSD-3-Clause
 * Token buckets in thousandths of a token, and the bounded per-client
 * bucket table.
 *
 * Refill: rate tokens per second = rate thousandths per millisecond, so a
 * refill is one multiplication, capped at the burst. An elapsed time above
 * an hour is not trusted (a clock that went back, or a bucket idle for
 * longer than any burst takes to refill): the bucket is simply full.
 *
 * Table layout: one set = two cache lines, the first holds the eight
 * 64-bit signatures (a lookup reads only that line), the second the eight
 * buckets (32-bit thousandths, last use). The signature is the full 64-bit
 * hash of (VIP, family, prefix), 0 meaning a free way: two clients share a
 * bucket only if their hashes collide (2^-64 per pair). 32-bit thousandths
 * cap a per-client burst at 4294967 tokens.
 */
#include <errno.h>
#include <string.h>

#include "sl_ratelimit.h"

#define TB_UNIT			1000u		/* thousandths per token */
#define TB_MAX_ELAPSED_MS	3600000u	/* one hour */
#define RL_BUSY_MS		1000u		/* used within: busy */
#define RL_MAX_SETS		(1u << 28)
#define RL_LINE			64

/* ---- Token bucket ------------------------------------------------------ */

static inline uint64_t
tb_cap(uint32_t rate, uint32_t burst)
{
	return (uint64_t)(burst != 0 ? burst : rate) * TB_UNIT;
}

/* milli after elapsed ms, never above cap. Anything above cap (a lowered
 * burst, or the "full" mark of sl_tb_init with burst 0) becomes cap. */
static inline uint64_t
tb_refill(uint64_t milli, uint32_t elapsed, uint32_t rate, uint64_t cap)
{
	uint64_t add;

	if (elapsed > TB_MAX_ELAPSED_MS || milli >= cap)
		return cap;
	add = (uint64_t)elapsed * rate;	/* < 2^22 * 2^32: no overflow */
	return add >= cap - milli ? cap : milli + add;
}

void
sl_tb_init(struct sl_tb *b, uint32_t burst, uint32_t now_ms)
{
	/* burst 0 means "the rate", which only sl_tb_take() knows: start
	 * above any cap, and the first refill brings it down to full. */
	b->milli = burst != 0 ? (uint64_t)burst * TB_UNIT : UINT64_MAX;
	b->last_ms = now_ms;
	b->pad = 0;
}

bool
sl_tb_take(struct sl_tb *b, uint32_t rate, uint32_t burst, uint32_t now_ms)
{
	uint64_t m;

	if (rate == 0)
		return true;
	m = tb_refill(b->milli, now_ms - b->last_ms, rate, tb_cap(rate, burst));
	b->last_ms = now_ms;
	if (m < TB_UNIT) {
		b->milli = m;
		return false;
	}
	b->milli = m - TB_UNIT;
	return true;
}

/* ---- Per-client table -------------------------------------------------- */

struct rl_bucket {
	uint32_t milli;		/* thousandths of a token */
	uint32_t last_ms;	/* last use (= last refill) */
};

struct rl_set {
	uint64_t sig[SL_RL_WAYS];		/* 0 = free */
	struct rl_bucket b[SL_RL_WAYS];
} __attribute__((aligned(RL_LINE)));

_Static_assert(sizeof(struct rl_set) == 2 * RL_LINE, "one set, two lines");

struct sl_rl_table {
	uint32_t mask;		/* sets - 1 */
	uint32_t count;		/* ways in use */
	uint64_t evictions;	/* busy ways evicted */
	struct rl_set sets[];
} __attribute__((aligned(RL_LINE)));

static uint32_t
rl_sets(uint32_t entries)
{
	uint32_t want = entries / SL_RL_WAYS + (entries % SL_RL_WAYS != 0);
	uint32_t n = 1;

	while (n < want && n < RL_MAX_SETS)
		n <<= 1;
	return n;
}

size_t
sl_rl_memsize(uint32_t entries)
{
	return sizeof(struct sl_rl_table) +
	       (size_t)rl_sets(entries) * sizeof(struct rl_set);
}

struct sl_rl_table *
sl_rl_init(void *mem, uint32_t entries)
{
	struct sl_rl_table *t = mem;

	if (mem == NULL || ((uintptr_t)mem & (RL_LINE - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	memset(mem, 0, sl_rl_memsize(entries));
	t->mask = rl_sets(entries) - 1;
	return t;
}

uint32_t
sl_rl_capacity(const struct sl_rl_table *t)
{
	return (t->mask + 1) * SL_RL_WAYS;
}

uint32_t
sl_rl_count(const struct sl_rl_table *t)
{
	return t->count;
}

uint64_t
sl_rl_evictions(const struct sl_rl_table *t)
{
	return t->evictions;
}

void
sl_rl_client_key(const struct sl_addr *a, uint8_t plen, struct sl_addr *out)
{
	uint32_t bits = a->family == AF_INET ? 32 : 128, i;

	memset(out, 0, sizeof(*out));
	out->family = a->family;
	if (plen > bits)
		plen = (uint8_t)bits;
	for (i = 0; i < plen / 8u; i++)
		out->b[i] = a->b[i];
	if (plen % 8 != 0)
		out->b[i] = (uint8_t)(a->b[i] & (0xff00 >> (plen % 8)));
}

/* The murmur3 64-bit finaliser: a bijection with full avalanche. */
static inline uint64_t
rl_fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Seedless: (VIP, family) first, then each half of the prefix, each step
 * mixed in full. Never 0 (the free mark). */
static inline uint64_t
rl_hash(uint16_t vip_id, const struct sl_addr *c)
{
	uint64_t a0, a1, h;

	memcpy(&a0, c->b, 8);
	memcpy(&a1, c->b + 8, 8);
	h = rl_fmix(((uint64_t)c->family << 16 | vip_id) ^
		    0x9e3779b97f4a7c15ULL);
	h = rl_fmix(h ^ a0);
	h = rl_fmix(h ^ a1);
	return h != 0 ? h : 1;
}

/* The way for a new client: a free one, else the one idle longest. */
static uint32_t
rl_victim(struct sl_rl_table *t, struct rl_set *s, uint32_t now_ms)
{
	uint32_t w, best = 0, idle, best_idle = 0;

	for (w = 0; w < SL_RL_WAYS; w++) {
		if (s->sig[w] == 0) {
			t->count++;
			return w;
		}
		idle = now_ms - s->b[w].last_ms;
		if (idle > best_idle) {
			best_idle = idle;
			best = w;
		}
	}
	if (best_idle < RL_BUSY_MS)
		t->evictions++;
	return best;
}

bool
sl_rl_take(struct sl_rl_table *t, uint16_t vip_id,
	   const struct sl_addr *client, uint32_t rate, uint32_t burst,
	   uint32_t now_ms)
{
	uint64_t h, cap, m;
	struct rl_set *s;
	uint32_t w;

	if (rate == 0)
		return true;
	h = rl_hash(vip_id, client);
	s = &t->sets[(uint32_t)(h >> 32) & t->mask];
	cap = tb_cap(rate, burst);
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	for (w = 0; w < SL_RL_WAYS; w++)
		if (s->sig[w] == h)
			break;
	if (w == SL_RL_WAYS) {
		w = rl_victim(t, s, now_ms);
		s->sig[w] = h;
		m = cap;
	} else {
		m = tb_refill(s->b[w].milli, now_ms - s->b[w].last_ms, rate,
			      cap);
	}
	s->b[w].last_ms = now_ms;
	if (m < TB_UNIT) {
		s->b[w].milli = (uint32_t)m;
		return false;
	}
	s->b[w].milli = (uint32_t)(m - TB_UNIT);
	return true;
}
