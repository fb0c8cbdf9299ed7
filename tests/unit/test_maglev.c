/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: Maglev table population (sl_maglev.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "sl_test.h"

#include "sl_common.h"
#include "sl_maglev.h"

#define M	65537u

static uint16_t tab_a[SL_MAGLEV_MAX_M];
static uint16_t tab_b[SL_MAGLEV_MAX_M];

static double
dabs(double x)
{
	return x < 0 ? -x : x;
}

/* Small deterministic PRNG (xorshift64*) so the tests never vary. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t
rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Backend i: 198.18.(i >> 8).(i & 255):8080, built without sl_addr.c. */
static void
mk_addr(struct sl_addr *a, uint32_t i)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->b[0] = 198;
	a->b[1] = 18 + (uint8_t)(i >> 16);
	a->b[2] = (uint8_t)(i >> 8);
	a->b[3] = (uint8_t)i;
}

static void
mk_backends(struct sl_maglev_backend *b, uint32_t n, uint32_t weight)
{
	struct sl_addr a;
	uint32_t i;

	for (i = 0; i < n; i++) {
		mk_addr(&a, i);
		b[i].id_hash = sl_maglev_id(&a, 8080);
		b[i].weight = weight;
	}
}

static void
count_shares(const uint16_t *t, uint32_t m, uint32_t *cnt, uint32_t n,
	     uint32_t *empty)
{
	uint32_t i;

	memset(cnt, 0, n * sizeof(*cnt));
	*empty = 0;
	for (i = 0; i < m; i++) {
		if (t[i] == SL_MAGLEV_EMPTY)
			(*empty)++;
		else if (t[i] < n)
			cnt[t[i]]++;
		else
			CU_FAIL("table entry out of range");
	}
}

static void
test_prime(void)
{
	static uint8_t composite[100001];
	uint32_t i, j;

	/* Sieve of Eratosthenes as the reference. */
	composite[0] = composite[1] = 1;
	for (i = 2; i * i <= 100000; i++)
		if (!composite[i])
			for (j = i * i; j <= 100000; j += i)
				composite[j] = 1;
	for (i = 0; i <= 100000; i++)
		if (sl_is_prime(i) != !composite[i])
			CU_FAIL("sl_is_prime disagrees with the sieve");

	CU_ASSERT_TRUE(sl_is_prime(65537));
	CU_ASSERT_TRUE(sl_is_prime(SL_MAGLEV_MAX_M));
	CU_ASSERT_TRUE(sl_is_prime(4294967291u));	/* largest 32-bit */
	CU_ASSERT_FALSE(sl_is_prime(4294967295u));
	CU_ASSERT_FALSE(sl_is_prime(65536));
	CU_ASSERT_FALSE(sl_is_prime(1000003u * 3u));
	CU_ASSERT_FALSE(sl_is_prime(65521u * 65519u));	/* two big primes */
}

static void
test_id(void)
{
	struct sl_addr a, b6;
	uint64_t h;

	mk_addr(&a, 1);
	h = sl_maglev_id(&a, 80);
	CU_ASSERT_EQUAL(h, sl_maglev_id(&a, 80));
	CU_ASSERT_NOT_EQUAL(h, sl_maglev_id(&a, 81));
	/* Bytes past an IPv4 address do not count. */
	a.b[12] = 7;
	CU_ASSERT_EQUAL(h, sl_maglev_id(&a, 80));
	/* Same bytes, other family: another identity. */
	memset(&b6, 0, sizeof(b6));
	memcpy(b6.b, a.b, 4);
	b6.family = AF_INET6;
	CU_ASSERT_NOT_EQUAL(h, sl_maglev_id(&b6, 80));

	/* Golden value: tables must be identical on every instance and
	 * release, so the identity function must never change silently. */
	mk_addr(&a, 1);
	CU_ASSERT_EQUAL(h, 0x3c2b19290c6fe534ULL);
}

static void
test_equal_weights(void)
{
	struct sl_maglev_backend b[100];
	uint32_t cnt[100], empty, i, lo = M, hi = 0;
	double ideal = (double)M / 100;

	mk_backends(b, 100, 1);
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, 100, tab_a, M, NULL), 0);
	count_shares(tab_a, M, cnt, 100, &empty);
	CU_ASSERT_EQUAL(empty, 0);
	for (i = 0; i < 100; i++) {
		if (cnt[i] < lo)
			lo = cnt[i];
		if (cnt[i] > hi)
			hi = cnt[i];
		CU_ASSERT(dabs(cnt[i] - ideal) <= 0.01 * ideal);
	}
	printf("\n    100 equal: min %u max %u (ideal %.2f) ", lo, hi, ideal);
}

static void
test_weights(void)
{
	struct sl_maglev_backend b[5];
	static struct sl_maglev_backend rb[200];
	uint32_t cnt[200], empty, i, sum = 10, wsum = 0;
	double worst = 0;

	mk_backends(b, 5, 0);
	for (i = 0; i < 4; i++)
		b[i].weight = i + 1;
	b[4].weight = 0;	/* draining */
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, 5, tab_a, M, NULL), 0);
	count_shares(tab_a, M, cnt, 5, &empty);
	CU_ASSERT_EQUAL(empty, 0);
	CU_ASSERT_EQUAL(cnt[4], 0);
	for (i = 0; i < 4; i++) {
		double ideal = (double)M * b[i].weight / sum;

		CU_ASSERT(dabs(cnt[i] - ideal) <= 0.01 * ideal);
	}

	/* Random weights 0..100 over 200 backends: each share is within one
	 * round's rounding of m * w / W. The bound: after R full rounds a
	 * backend has floor(R * w / wmax) turns, so it can be off by the
	 * rounding left in the others (at most na * w / W <= 2 here) plus the
	 * final partial round (1): 3 slots, or 1% when that is larger. */
	mk_backends(rb, 200, 0);
	for (i = 0; i < 200; i++) {
		rb[i].weight = rng32() % 101;
		wsum += rb[i].weight;
	}
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(rb, 200, tab_a, M, NULL), 0);
	count_shares(tab_a, M, cnt, 200, &empty);
	CU_ASSERT_EQUAL(empty, 0);
	for (i = 0; i < 200; i++) {
		double ideal = (double)M * rb[i].weight / wsum;
		double err = dabs(cnt[i] - ideal);
		double tol = 0.01 * ideal > 3 ? 0.01 * ideal : 3;

		if (rb[i].weight == 0)
			CU_ASSERT_EQUAL(cnt[i], 0);
		CU_ASSERT(err <= tol);
		if (err > worst)
			worst = err;
	}
	printf("\n    200 random weights: worst error %.2f slots ", worst);

	/* Huge weights do not overflow the credit arithmetic. */
	b[0].weight = 0xffffffffu;
	b[1].weight = 0x7fffffffu;
	b[2].weight = 0;
	b[3].weight = 0;
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, 5, tab_a, M, NULL), 0);
	count_shares(tab_a, M, cnt, 5, &empty);
	CU_ASSERT_EQUAL(empty, 0);
	CU_ASSERT(dabs(cnt[0] - 2.0 * M / 3) <= 2);
	CU_ASSERT(dabs(cnt[1] - 1.0 * M / 3) <= 2);
}

/* Reference model: the population algorithm written plainly, with the
 * formulas of the design (permutation[j] = (offset + j * skip) % m, turns
 * per round floor((r+1) w / wmax) - floor(r w / wmax), backends in id_hash
 * order). The offset / skip derivation is part of the contract: instances
 * running different releases must build identical tables. */
static uint64_t
ref_mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct ref_be {
	uint64_t id;
	uint32_t w;
	uint32_t idx;
	uint64_t offset;
	uint64_t skip;
	uint64_t next;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref_be *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
ref_build(const struct sl_maglev_backend *b, uint32_t n, uint16_t *t,
	  uint32_t m)
{
	struct ref_be *r = calloc(n + 1, sizeof(*r));
	uint32_t i, na = 0, filled = 0, wmax = 0;
	uint64_t round;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (i = 0; i < m; i++)
		t[i] = SL_MAGLEV_EMPTY;
	for (i = 0; i < n; i++) {
		if (b[i].weight == 0)
			continue;
		r[na].id = b[i].id_hash;
		r[na].w = b[i].weight;
		r[na].idx = i;
		r[na].offset = ref_mix64(b[i].id_hash ^ 0x6f6666736574ULL) % m;
		r[na].skip = ref_mix64(b[i].id_hash ^ 0x736b6970ULL) %
			     (m - 1) + 1;
		if (b[i].weight > wmax)
			wmax = b[i].weight;
		na++;
	}
	qsort(r, na, sizeof(*r), ref_cmp);
	for (round = 0; na > 0 && filled < m; round++) {
		for (i = 0; i < na && filled < m; i++) {
			uint64_t turns = (round + 1) * r[i].w / wmax -
					 round * r[i].w / wmax;
			uint64_t c;

			if (turns == 0)
				continue;
			if (turns != 1)
				CU_FAIL("more than one turn in a round");
			do {
				c = (r[i].offset + r[i].next * r[i].skip) % m;
				r[i].next++;
			} while (t[c] != SL_MAGLEV_EMPTY);
			t[c] = (uint16_t)r[i].idx;
			filled++;
		}
	}
	free(r);
}

/* The fast build (its round scan or its heap, depending on the weight
 * spread) equals the reference. */
static void
test_reference(void)
{
	static struct sl_maglev_backend b[200];
	uint32_t i, k;

	for (k = 0; k < 7; k++) {
		uint32_t n = 0, m = M;

		switch (k) {
		case 0:		/* equal: scan */
			n = 50;
			mk_backends(b, n, 3);
			break;
		case 1:		/* 1..100 with some zeros: scan */
			n = 200;
			mk_backends(b, n, 0);
			for (i = 0; i < n; i++)
				b[i].weight = rng32() % 101;
			break;
		case 2:		/* one heavy: heap */
			n = 31;
			mk_backends(b, n, 1);
			b[17].weight = 1000;
			break;
		case 3:		/* extreme weights: no overflow */
			n = 5;
			mk_backends(b, n, 0);
			b[0].weight = 0xffffffffu;
			b[1].weight = 0x80000000u;
			b[2].weight = 7;
			b[3].weight = 1;
			break;
		case 4:		/* small table, heap (ratio 19.6) */
			n = 20;
			m = 251;
			mk_backends(b, n, 1);
			b[9].weight = 1000;
			break;
		case 5:		/* m == n */
			n = 7;
			m = 7;
			mk_backends(b, n, 0);
			for (i = 0; i < n; i++)
				b[i].weight = 1 + i;
			break;
		case 6:		/* random spread 1..1000 */
			n = 100;
			mk_backends(b, n, 0);
			for (i = 0; i < n; i++)
				b[i].weight = 1 + rng32() % 1000;
			break;
		}
		CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, n, tab_a, m, NULL), 0);
		ref_build(b, n, tab_b, m);
		CU_ASSERT_EQUAL(memcmp(tab_a, tab_b, m * sizeof(uint16_t)), 0);
	}
}

/* Slots whose backend identity differs between two tables. */
static uint32_t
diff_by_id(const uint16_t *ta, const struct sl_maglev_backend *ba,
	   const uint16_t *tb, const struct sl_maglev_backend *bb,
	   uint32_t m, uint64_t gone, uint32_t *gone_slots)
{
	uint32_t i, changed = 0;

	*gone_slots = 0;
	for (i = 0; i < m; i++) {
		uint64_t ia = ta[i] == SL_MAGLEV_EMPTY ? 0 : ba[ta[i]].id_hash;
		uint64_t ib = tb[i] == SL_MAGLEV_EMPTY ? 0 : bb[tb[i]].id_hash;

		if (ia == gone)
			(*gone_slots)++;
		if (ia != ib)
			changed++;
	}
	return changed;
}

/* Removing one of N backends moves its slots (M/N) plus some others:
 * Maglev is not minimally disruptive, because the freed slots change which
 * slots the others claim later in the fill. How many depends on M/N; a
 * simulation with uniformly random offsets and skips (no hashing of ours)
 * gives, for M = 65537: N = 10: 1.02 M/N, N = 100: 1.55 M/N, N = 1000:
 * 6.8 M/N changed slots. So 1.5 M/N cannot hold at N = 100; we hold the
 * build to 2 M/N in total, i.e. at most one extra share moved among the
 * other backends. */
static void
test_disruption(void)
{
	enum { N = 100 };
	static struct sl_maglev_backend b[N + 1], r[N + 1];
	uint32_t changed, gone_slots, k, worst = 0, total = 0;
	double bound = 2.0 * M / N;

	mk_backends(b, N + 1, 1);
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, N, tab_a, M, NULL), 0);

	for (k = 0; k < N; k += 7) {
		/* r = b without backend k (the array order shifts too). */
		memcpy(r, b, k * sizeof(*b));
		memcpy(r + k, b + k + 1, (N - k - 1) * sizeof(*b));
		CU_ASSERT_EQUAL_FATAL(sl_maglev_build(r, N - 1, tab_b, M,
						      NULL), 0);
		changed = diff_by_id(tab_a, b, tab_b, r, M, b[k].id_hash,
				     &gone_slots);
		/* Every slot of the removed backend moved; few others did. */
		CU_ASSERT(gone_slots >= M / N - 1 && gone_slots <= M / N + 1);
		CU_ASSERT(changed >= gone_slots);
		CU_ASSERT(changed <= bound);
		if (changed > worst)
			worst = changed;
		total += changed;

		/* Draining with weight 0 is the same as removing. */
		memcpy(r, b, N * sizeof(*b));
		r[k].weight = 0;
		CU_ASSERT_EQUAL_FATAL(sl_maglev_build(r, N, tab_b, M, NULL),
				      0);
		CU_ASSERT_EQUAL(diff_by_id(tab_a, b, tab_b, r, M, b[k].id_hash,
					   &gone_slots), changed);
	}
	printf("\n    remove 1 of %d: mean %.0f worst %u changed slots "
	       "(M/N = %.0f, bound %.0f) ", N, total / 15.0, worst,
	       (double)M / N, bound);

	/* Adding a backend (N + 1): symmetric, its share plus a few. */
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, N + 1, tab_b, M, NULL), 0);
	changed = diff_by_id(tab_a, b, tab_b, b, M, 0, &gone_slots);
	printf("add 1: %u changed (M/(N+1) = %.0f) ", changed,
	       (double)M / (N + 1));
	CU_ASSERT(changed <= 2.0 * M / (N + 1));
	CU_ASSERT(changed >= M / (N + 1) - 1);

	/* For information: with N = 1000 the churn grows (M/N is small). */
	{
		static struct sl_maglev_backend big[1000];

		mk_backends(big, 1000, 1);
		CU_ASSERT_EQUAL_FATAL(sl_maglev_build(big, 1000, tab_a, M,
						      NULL), 0);
		CU_ASSERT_EQUAL_FATAL(sl_maglev_build(big + 1, 999, tab_b, M,
						      NULL), 0);
		changed = diff_by_id(tab_a, big, tab_b, big + 1, M,
				     big[0].id_hash, &gone_slots);
		printf("\n    remove 1 of 1000: %u changed (M/N = %.0f) ",
		       changed, (double)M / 1000);
	}
}

static void
test_determinism(void)
{
	enum { N = 257 };
	static struct sl_maglev_backend b[N], p[N];
	uint32_t i, perm[N];

	mk_backends(b, N, 0);
	for (i = 0; i < N; i++)
		b[i].weight = 1 + rng32() % 5;
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, N, tab_a, M, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(b, N, tab_b, M, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(tab_a, tab_b, M * sizeof(uint16_t)), 0);

	/* Fisher-Yates shuffle of the backend list. */
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		uint32_t j = rng32() % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < N; i++)
		p[i] = b[perm[i]];
	CU_ASSERT_EQUAL_FATAL(sl_maglev_build(p, N, tab_b, M, NULL), 0);
	for (i = 0; i < M; i++) {
		if (b[tab_a[i]].id_hash != p[tab_b[i]].id_hash) {
			CU_FAIL("permuted input names another backend");
			break;
		}
	}

	/* A caller-provided, deliberately misaligned scratch area gives the
	 * same table. */
	{
		size_t sz = sl_maglev_scratch_size(N, M);
		char *s = malloc(sz + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_EQUAL(sl_maglev_build(b, N, tab_b, M, s + 1), 0);
		CU_ASSERT_EQUAL(memcmp(tab_a, tab_b, M * sizeof(uint16_t)), 0);
		free(s);
	}
}

static void
test_empty(void)
{
	struct sl_maglev_backend b[8];
	uint32_t i, bad = 0;

	mk_backends(b, 8, 0);
	memset(tab_a, 0, M * sizeof(uint16_t));
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, M, NULL), 0);
	for (i = 0; i < M; i++)
		bad += tab_a[i] != SL_MAGLEV_EMPTY;
	CU_ASSERT_EQUAL(bad, 0);

	memset(tab_a, 0, M * sizeof(uint16_t));
	CU_ASSERT_EQUAL(sl_maglev_build(NULL, 0, tab_a, M, NULL), 0);
	for (i = 0, bad = 0; i < M; i++)
		bad += tab_a[i] != SL_MAGLEV_EMPTY;
	CU_ASSERT_EQUAL(bad, 0);

	/* One backend takes every slot. */
	b[3].weight = 9;
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, M, NULL), 0);
	for (i = 0, bad = 0; i < M; i++)
		bad += tab_a[i] != 3;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(sl_maglev_lookup(tab_a, M, 0xffffffffu), 3);
}

static void
test_errors(void)
{
	struct sl_maglev_backend b[8];

	mk_backends(b, 8, 1);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, 65536, NULL),
			-SL_ENOPRIME);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, 1, NULL), -SL_ENOPRIME);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, 0, NULL), -SL_ENOPRIME);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, 5, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, 1048583, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, NULL, M, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_maglev_build(NULL, 8, tab_a, M, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 65536, tab_a, SL_MAGLEV_MAX_M,
					NULL), -EINVAL);
	/* Small and largest legal sizes work. */
	CU_ASSERT_EQUAL(sl_maglev_build(b, 2, tab_a, 2, NULL), 0);
	CU_ASSERT(tab_a[0] != tab_a[1] && tab_a[0] < 2 && tab_a[1] < 2);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, 11, NULL), 0);
	CU_ASSERT_EQUAL(sl_maglev_build(b, 8, tab_a, SL_MAGLEV_MAX_M, NULL),
			0);
}

static double
time_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
	   void *scratch, int reps)
{
	struct timespec t0, t1;
	double best = 1e9, ms;
	int r;

	for (r = 0; r < reps; r++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sl_maglev_build(b, n, tab_a, m, scratch) != 0)
			CU_FAIL("build failed");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1e3 +
		     (t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (ms < best)
			best = ms;
	}
	return best;
}

/* Timing is reported, not asserted: it depends on the machine and on the
 * sanitizers. Best of several runs. */
static void
test_timing(void)
{
	static struct sl_maglev_backend b[1000];
	static const uint32_t ns[] = { 10, 100, 1000 };
	void *scratch = malloc(sl_maglev_scratch_size(1000, SL_MAGLEV_MAX_M));
	uint32_t i, k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
	printf("\n");
	for (k = 0; k < SL_ARRAY_SIZE(ns); k++) {
		mk_backends(b, ns[k], 1);
		printf("    build n=%-4u m=%u equal weights: %.3f ms\n", ns[k],
		       M, time_build(b, ns[k], M, scratch, 20));
	}
	for (i = 0; i < 1000; i++)
		b[i].weight = 1 + rng32() % 100;
	printf("    build n=1000 m=%u weights 1..100: %.3f ms\n", M,
	       time_build(b, 1000, M, scratch, 20));
	/* Worst case for the round loop: one heavy backend, 999 light ones:
	 * about m * wmax / W rounds of n steps. */
	for (i = 0; i < 1000; i++)
		b[i].weight = 1;
	b[0].weight = 1000;
	printf("    build n=1000 m=%u one at 1000, rest at 1: %.3f ms\n", M,
	       time_build(b, 1000, M, scratch, 5));
	mk_backends(b, 1000, 1);
	printf("    build n=1000 m=%u equal weights: %.3f ms\n",
	       SL_MAGLEV_MAX_M, time_build(b, 1000, SL_MAGLEV_MAX_M, scratch,
					   5));
	free(scratch);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "is_prime", test_prime },
		{ "backend identity", test_id },
		{ "equal weights balance", test_equal_weights },
		{ "weights honoured", test_weights },
		{ "same as reference model", test_reference },
		{ "disruption on remove/add", test_disruption },
		{ "determinism and order", test_determinism },
		{ "no weight: all empty", test_empty },
		{ "errors", test_errors },
		{ "build time", test_timing },
	};

	return sl_test_run("maglev", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
