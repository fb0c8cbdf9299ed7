/* SPDX-License-Identifier: BSD-3-Clause
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights.
 *
 * Every backend owns a permutation of the m slots, derived only from its
 * identity hash: offset = h1 % m, skip = h2 % (m - 1) + 1, slot j =
 * (offset + j * skip) % m. Since m is prime, every skip in [1, m-1] is a
 * generator, so each permutation visits every slot exactly once. The table
 * is filled in rounds; in each round a backend takes as many turns as its
 * weight entitles it to, and each turn claims the next slot of its
 * permutation that is still empty.
 *
 * Backends are visited in a canonical order (by id_hash), not in the order
 * of b[], so two instances given the same set of backends in any order
 * build tables that name the same backend in every slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl_common.h"
#include "sl_maglev.h"

/* Per backend build state, kept in the scratch area. Only backends with a
 * weight > 0 get one, in canonical order (by id_hash). */
struct mg_state {
	uint64_t due;	/* heap fill: round of the next turn */
	uint32_t pos;	/* next slot of this backend's permutation */
	uint32_t skip;	/* permutation step, 1 .. m-1 */
	uint32_t acc;	/* scan: (round * w) mod wmax; heap: turns taken */
	uint32_t w;	/* weight, > 0 */
	uint32_t idx;	/* index into b[]: the value written in the table */
};

/* The scan fill costs about na steps per round and there are about
 * m * wmax / W rounds; the heap fill costs about log2(na) steps per slot.
 * Scan while na * wmax <= MG_SCAN_RATIO * W (the average backend takes a
 * turn at least every MG_SCAN_RATIO rounds), else use the heap: the
 * measured crossover for 1000 backends. Both give the same table. */
#define MG_SCAN_RATIO	16

/* splitmix64 finaliser (Stafford variant 13): a bijection on 64 bits with
 * full avalanche. Fixed constants: the result is the same everywhere. */
static inline uint64_t
mg_mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Eight bytes as a big-endian integer: independent of the host's byte
 * order, so the identity is the same on every machine. */
static inline uint64_t
mg_load_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
sl_maglev_id(const struct sl_addr *addr, uint16_t port)
{
	uint64_t h;

	/* Family and port first, then the address; an IPv4 address only
	 * contributes its 4 bytes, whatever the (normally zero) rest holds. */
	h = mg_mix64(0x736c7569636541ULL ^ ((uint64_t)addr->family << 16) ^
		     port);
	if (addr->family == AF_INET) {
		h = mg_mix64(h ^ ((uint64_t)addr->b[0] << 24 |
				  (uint64_t)addr->b[1] << 16 |
				  (uint64_t)addr->b[2] << 8 | addr->b[3]));
	} else {
		h = mg_mix64(h ^ mg_load_be64(&addr->b[0]));
		h = mg_mix64(h ^ mg_load_be64(&addr->b[8]));
	}
	return h;
}

bool
sl_is_prime(uint32_t n)
{
	uint32_t i;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return false;
	/* Every prime > 3 is 6k +- 1. i <= n / i avoids overflowing i * i. */
	for (i = 5; i <= n / i; i += 6) {
		if (n % i == 0 || n % (i + 2) == 0)
			return false;
	}
	return true;
}

size_t
sl_maglev_scratch_size(uint32_t n)
{
	/* States, one uint32 per backend for the order / heap, and slack so
	 * that an unaligned caller buffer can be aligned inside. */
	return (size_t)n * (sizeof(struct mg_state) + sizeof(uint32_t)) +
		_Alignof(struct mg_state);
}

/* Canonical order: id_hash, then position in b[] (only matters for
 * duplicate identities, which share one permutation anyway). */
static inline bool
mg_id_before(const struct sl_maglev_backend *b, uint32_t x, uint32_t y)
{
	if (b[x].id_hash != b[y].id_hash)
		return b[x].id_hash < b[y].id_hash;
	return x < y;
}

static void
mg_id_sift(const struct sl_maglev_backend *b, uint32_t *v, uint32_t root,
	   uint32_t len)
{
	uint32_t child, tmp;

	while ((child = 2 * root + 1) < len) {
		if (child + 1 < len && mg_id_before(b, v[child], v[child + 1]))
			child++;
		if (!mg_id_before(b, v[root], v[child]))
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

/* Heapsort of indexes into b[]: O(n log n), in place, no qsort_r. */
static void
mg_id_sort(const struct sl_maglev_backend *b, uint32_t *v, uint32_t n)
{
	uint32_t i, tmp;

	for (i = n / 2; i-- > 0;)
		mg_id_sift(b, v, i, n);
	for (i = n; i-- > 1;) {
		tmp = v[0];
		v[0] = v[i];
		v[i] = tmp;
		mg_id_sift(b, v, 0, i);
	}
}

/* Collects the backends with a weight, in canonical order, with their
 * permutation parameters. Returns how many; *wmax and *wsum get the largest
 * weight and the total. */
static uint32_t
mg_prepare(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
	   struct mg_state *st, uint32_t *order, uint32_t *wmax,
	   uint64_t *wsum)
{
	uint32_t i, na = 0;

	*wmax = 0;
	*wsum = 0;
	for (i = 0; i < n; i++) {
		if (b[i].weight == 0)
			continue;
		order[na++] = i;
		*wsum += b[i].weight;
		if (b[i].weight > *wmax)
			*wmax = b[i].weight;
	}
	mg_id_sort(b, order, na);
	for (i = 0; i < na; i++) {
		/* Two independent mixes of the identity: h1 and h2. */
		uint64_t id = b[order[i]].id_hash;

		st[i].idx = order[i];
		st[i].w = b[order[i]].weight;
		st[i].acc = 0;
		st[i].pos = (uint32_t)(mg_mix64(id ^ 0x6f6666736574ULL) % m);
		st[i].skip = (uint32_t)(mg_mix64(id ^ 0x736b6970ULL) %
					(m - 1)) + 1;
	}
	return na;
}

/* One turn: the backend claims the next empty slot of its permutation.
 * Its permutation covers all m slots and the caller only asks while the
 * table is not full, so the walk ends. */
static inline void
mg_claim(struct mg_state *s, uint16_t *table, uint32_t m)
{
	uint32_t c = s->pos;

	while (table[c] != SL_MAGLEV_EMPTY) {
		c += s->skip;
		if (c >= m)
			c -= m;
	}
	table[c] = (uint16_t)s->idx;
	c += s->skip;
	if (c >= m)
		c -= m;
	s->pos = c;
}

/* Round r gives backend k floor((r+1) * w_k / wmax) - floor(r * w_k / wmax)
 * turns (0 or 1), in canonical order within the round. The scan carries
 * acc = (r * w_k) mod wmax. The heaviest backend takes a turn every round,
 * so the loop ends after at most m rounds. Each round first lists who takes
 * a turn, without branches (the decision is data-dependent and would be
 * mispredicted often with mixed weights), then takes the turns. */
static void
mg_fill_scan(struct mg_state *st, uint32_t *turn, uint32_t na, uint32_t wmax,
	     uint16_t *table, uint32_t m)
{
	uint32_t filled = 0, k, nt;

	for (;;) {
		nt = 0;
		for (k = 0; k < na; k++) {
			struct mg_state *s = &st[k];
			uint32_t gap = wmax - s->w;	/* no overflow */
			uint32_t t = s->acc >= gap;

			/* t: acc + w - wmax, else acc + w */
			s->acc = t ? s->acc - gap : s->acc + s->w;
			turn[nt] = k;
			nt += t;
		}
		for (k = 0; k < nt; k++) {
			mg_claim(&st[turn[k]], table, m);
			if (++filled == m)
				return;
		}
	}
}

/* Round of turn t (t >= 1) of a backend of weight w: the first r with
 * floor((r+1) * w / wmax) >= t, i.e. ceil(t * wmax / w) - 1. t <= m + 1
 * and wmax < 2^32, so the product fits in 64 bits. */
static inline uint64_t
mg_due(uint32_t t, uint32_t w, uint32_t wmax)
{
	return ((uint64_t)t * wmax + w - 1) / w - 1;
}

/* Heap order (due round, canonical position): the order the scan takes
 * its turns in. */
static inline bool
mg_heap_before(const struct mg_state *st, uint32_t x, uint32_t y)
{
	if (st[x].due != st[y].due)
		return st[x].due < st[y].due;
	return x < y;
}

static void
mg_heap_sift(const struct mg_state *st, uint32_t *h, uint32_t root,
	     uint32_t len)
{
	uint32_t child, tmp;

	while ((child = 2 * root + 1) < len) {
		if (child + 1 < len && mg_heap_before(st, h[child + 1],
						      h[child]))
			child++;
		if (!mg_heap_before(st, h[child], h[root]))
			return;
		tmp = h[root];
		h[root] = h[child];
		h[child] = tmp;
		root = child;
	}
}

/* The same sequence of turns as mg_fill_scan(), taken from a min-heap of
 * next turns, so that backends far lighter than the heaviest cost nothing
 * in the rounds where they have no turn. */
static void
mg_fill_heap(struct mg_state *st, uint32_t *h, uint32_t na, uint32_t wmax,
	     uint16_t *table, uint32_t m)
{
	uint32_t filled, k;

	for (k = 0; k < na; k++) {
		st[k].acc = 0;
		st[k].due = mg_due(1, st[k].w, wmax);
		h[k] = k;
	}
	for (k = na / 2; k-- > 0;)
		mg_heap_sift(st, h, k, na);
	for (filled = 0; filled < m; filled++) {
		struct mg_state *s = &st[h[0]];

		mg_claim(s, table, m);
		s->acc++;
		s->due = mg_due(s->acc + 1, s->w, wmax);
		mg_heap_sift(st, h, 0, na);
	}
}

int
sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n,
		uint16_t *table, uint32_t m, void *scratch)
{
	struct mg_state *st;
	uint32_t *order, na, wmax;
	uint64_t wsum;
	void *mem = NULL;
	uintptr_t p;

	if (table == NULL || (b == NULL && n > 0) || n > 0xffff ||
	    m > SL_MAGLEV_MAX_M)
		return -EINVAL;
	if (!sl_is_prime(m))
		return -SL_ENOPRIME;
	if (m < n)
		return -EINVAL;

	if (scratch == NULL) {
		mem = malloc(sl_maglev_scratch_size(n));
		if (mem == NULL)
			return -ENOMEM;
		scratch = mem;
	}
	p = (uintptr_t)scratch;
	p = (p + _Alignof(struct mg_state) - 1) &
		~(uintptr_t)(_Alignof(struct mg_state) - 1);
	st = (struct mg_state *)p;
	order = (uint32_t *)(st + n);

	/* memset works for 0xffff: every byte is 0xff. */
	memset(table, 0xff, (size_t)m * sizeof(*table));
	na = mg_prepare(b, n, m, st, order, &wmax, &wsum);
	if (na > 0 && (uint64_t)na * wmax <= MG_SCAN_RATIO * wsum)
		mg_fill_scan(st, order, na, wmax, table, m);
	else if (na > 0)
		mg_fill_heap(st, order, na, wmax, table, m);

	free(mem);
	return 0;
}
