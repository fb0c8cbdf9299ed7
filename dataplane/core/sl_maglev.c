/* SPDX-License-Identifier: BSD-3-Clause
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights.
 *
 * Every backend owns a permutation of the m slots, derived only from its
 * identity hash: offset = h1 % m, skip = h2 % (m - 1) + 1, slot j =
 * (offset + j * skip) % m. Since m is prime, every skip in [1, m-1] is a
 * generator, so each permutation visits every slot exactly once. The table
 * is filled in rounds; in each round a backend takes as many turns as its
 * weight entitles it to, and each turn claims the next slot of its
 * permutation that is still empty. Taken slots are kept as bits (8 KB for
 * m = 65537, in L1) rather than read from the table, and the last few
 * hundred slots are found by arithmetic instead of by walking (mg_fill).
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
	uint32_t inv;	/* skip^-1 mod m, 0 until the end phase needs it */
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

/* Where the turns go. A turn walks its backend's permutation to the next
 * empty slot, which costs about m / left steps with left slots empty: most
 * of a build's steps are spent on its last few hundred slots. So once
 * left <= tail, the empty slots are listed and a turn instead computes, for
 * each of them, how many steps of the permutation away it is,
 * (e - pos) * skip^-1 mod m, and takes the nearest: left steps instead of
 * about m / left, and the same slot as the walk. */
struct mg_fill {
	uint16_t *table;
	uint64_t *taken;	/* walk: one bit per slot, set when taken */
	uint32_t *empty;	/* end phase: the empty slots, in any order */
	uint64_t recip;		/* floor((2^64 - 1) / m), for x mod m */
	uint32_t m;
	uint32_t left;		/* slots still empty */
	uint32_t tail;		/* list the empty slots at this many */
	bool listed;
};

/* The end phase starts at about sqrt(MG_TAIL_K * m) empty slots, where a
 * walk (about m / left steps, each a bit test and a mispredicted exit per
 * turn) and a scan of the list (left multiply-and-reduce steps) cost about
 * the same: measured for m = 65537 and 1048573. */
#define MG_TAIL_K	2

static uint32_t
mg_tail(uint32_t m)
{
	uint64_t t = 1;

	while (t * t < (uint64_t)MG_TAIL_K * m)
		t++;
	return t < m ? (uint32_t)t : m;
}

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
sl_maglev_scratch_size(uint32_t n, uint32_t m)
{
	/* States, one uint32 per backend for the order / heap, the taken
	 * bits, the end phase's list, and slack so that an unaligned caller
	 * buffer can be aligned inside. */
	return (size_t)n * (sizeof(struct mg_state) + sizeof(uint32_t)) +
		((size_t)m + 63) / 64 * sizeof(uint64_t) +
		(size_t)mg_tail(m) * sizeof(uint32_t) +
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
		st[i].inv = 0;
		st[i].pos = (uint32_t)(mg_mix64(id ^ 0x6f6666736574ULL) % m);
		st[i].skip = (uint32_t)(mg_mix64(id ^ 0x736b6970ULL) %
					(m - 1)) + 1;
	}
	return na;
}

/* a^-1 mod m for a in [1, m-1], m prime: extended Euclid. */
static uint32_t
mg_inverse(uint32_t a, uint32_t m)
{
	int64_t r0 = m, r1 = a, t0 = 0, t1 = 1, q, tmp;

	while (r1 != 0) {
		q = r0 / r1;
		tmp = r0 - q * r1;
		r0 = r1;
		r1 = tmp;
		tmp = t0 - q * t1;
		t0 = t1;
		t1 = tmp;
	}
	return (uint32_t)(t0 < 0 ? t0 + m : t0);
}

/* x mod m for x < 2^63: the quotient from the reciprocal is at most one
 * short, so one subtraction corrects it. */
static inline uint32_t
mg_mod(uint64_t x, uint64_t recip, uint32_t m)
{
	uint64_t q = (uint64_t)(((unsigned __int128)x * recip) >> 64);
	uint64_t r = x - q * m;

	return (uint32_t)(r >= m ? r - m : r);
}

/* Lists the empty slots: the bits not taken. Bits past m were set as taken
 * when the build started. */
static void
mg_list_empty(struct mg_fill *f)
{
	uint32_t wi, n = 0, words = (f->m + 63) / 64;

	for (wi = 0; wi < words; wi++) {
		uint64_t free_bits = ~f->taken[wi];

		while (free_bits != 0) {
			f->empty[n++] = wi * 64 +
				(uint32_t)__builtin_ctzll(free_bits);
			free_bits &= free_bits - 1;
		}
	}
	f->listed = true;
}

/* End phase turn: the listed slot fewest steps away along s's permutation.
 * Every slot of the permutation before pos is taken, so that is the slot
 * the walk would reach first. */
static uint32_t
mg_claim_listed(struct mg_state *s, struct mg_fill *f)
{
	uint32_t i, best = 0, best_k = UINT32_MAX, m = f->m, c;

	if (!f->listed)
		mg_list_empty(f);
	if (s->inv == 0)
		s->inv = mg_inverse(s->skip, m);
	for (i = 0; i < f->left; i++) {
		uint32_t e = f->empty[i];
		uint32_t d = e >= s->pos ? e - s->pos : e + m - s->pos;
		uint32_t k = mg_mod((uint64_t)d * s->inv, f->recip, m);

		if (k < best_k) {
			best_k = k;
			best = i;
		}
	}
	c = f->empty[best];
	f->empty[best] = f->empty[f->left - 1];
	return c;
}

/* One turn: the backend claims the next empty slot of its permutation.
 * Its permutation covers all m slots and the caller only asks while the
 * table is not full, so the walk ends. */
static inline void
mg_claim(struct mg_state *s, struct mg_fill *f)
{
	uint32_t c = s->pos, m = f->m;

	if (likely(f->left > f->tail)) {
		while (f->taken[c / 64] & (1ULL << (c % 64))) {
			c += s->skip;
			if (c >= m)
				c -= m;
		}
		f->taken[c / 64] |= 1ULL << (c % 64);
	} else {
		c = mg_claim_listed(s, f);
	}
	f->left--;
	f->table[c] = (uint16_t)s->idx;
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
	     struct mg_fill *f)
{
	uint32_t k, nt;

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
			mg_claim(&st[turn[k]], f);
			if (f->left == 0)
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
	     struct mg_fill *f)
{
	uint32_t k;

	for (k = 0; k < na; k++) {
		st[k].acc = 0;
		st[k].due = mg_due(1, st[k].w, wmax);
		h[k] = k;
	}
	for (k = na / 2; k-- > 0;)
		mg_heap_sift(st, h, k, na);
	while (f->left > 0) {
		struct mg_state *s = &st[h[0]];

		mg_claim(s, f);
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
	struct mg_fill f;
	uint32_t *order, na, wmax, words;
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
		mem = malloc(sl_maglev_scratch_size(n, m));
		if (mem == NULL)
			return -ENOMEM;
		scratch = mem;
	}
	/* Layout: states, taken bits (both 8-byte aligned), order, list. */
	p = (uintptr_t)scratch;
	p = (p + _Alignof(struct mg_state) - 1) &
		~(uintptr_t)(_Alignof(struct mg_state) - 1);
	st = (struct mg_state *)p;
	words = (m + 63) / 64;
	f.taken = (uint64_t *)(st + n);
	order = (uint32_t *)(f.taken + words);
	f.empty = order + n;
	f.table = table;
	f.m = m;
	f.left = m;
	f.tail = mg_tail(m);
	f.recip = UINT64_MAX / m;
	f.listed = false;
	memset(f.taken, 0, words * sizeof(uint64_t));
	if (m % 64 != 0)
		f.taken[words - 1] = ~0ULL << (m % 64);

	na = mg_prepare(b, n, m, st, order, &wmax, &wsum);
	if (na == 0) {
		/* memset works for 0xffff: every byte is 0xff. */
		memset(table, 0xff, (size_t)m * sizeof(*table));
	} else if ((uint64_t)na * wmax <= MG_SCAN_RATIO * wsum) {
		mg_fill_scan(st, order, na, wmax, &f);
	} else {
		mg_fill_heap(st, order, na, wmax, &f);
	}

	free(mem);
	return 0;
}
