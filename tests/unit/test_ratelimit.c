/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: token buckets and the per-client bucket table
 * (sl_ratelimit.c), on a simulated millisecond clock. Conformance counts
 * are exact, and checked against a closed form where one exists.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sl_test.h"

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_ratelimit.h"

/* Takes until refused at each millisecond of [from, to); returns how many
 * conformed. */
static uint32_t
greedy(struct sl_tb *b, uint32_t rate, uint32_t burst, uint32_t from,
       uint32_t to)
{
	uint32_t t, n = 0, guard;

	for (t = from; t != to; t++)
		for (guard = 0; guard < 1000000 &&
		     sl_tb_take(b, rate, burst, t); guard++)
			n++;
	return n;
}

/* 10/s, burst 5: five at once, then one every 100 ms, none in between. */
static void
test_tb_basic(void)
{
	struct sl_tb b;
	uint32_t t;

	sl_tb_init(&b, 5, 0);
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, 0, 1), 5);
	for (t = 1; t < 100; t++)
		CU_ASSERT_FALSE(sl_tb_take(&b, 10, 5, t));
	CU_ASSERT_TRUE(sl_tb_take(&b, 10, 5, 100));
	CU_ASSERT_FALSE(sl_tb_take(&b, 10, 5, 100));
	CU_ASSERT_FALSE(sl_tb_take(&b, 10, 5, 150));
	CU_ASSERT_FALSE(sl_tb_take(&b, 10, 5, 199));
	CU_ASSERT_TRUE(sl_tb_take(&b, 10, 5, 200));

	/* Over 10 s: 5 + one at each of 100, 200, ..., 9900. */
	sl_tb_init(&b, 5, 0);
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, 0, 10000), 5 + 99);

	/* Idle: the bucket fills up to the burst, no further. */
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, 60000, 60001), 5);
	/* 250 ms: 2.5 tokens: two now, the half is kept. */
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, 60250, 60251), 2);
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, 60300, 60301), 1);
}

/* Rates below one token per millisecond, and above, taken greedily for
 * 10 s. Closed forms: when the bucket never overflows (what is left after
 * a take, below 1000, plus one millisecond of rate fits under the cap),
 * the count by time t (ms from the start) is burst + floor(t * rate /
 * 1000); when one millisecond fills the bucket, it is burst per ms. */
static void
test_tb_rates(void)
{
	static const uint32_t rates[] = { 1, 3, 7, 999, 1000, 1001, 2001,
					  2999, 25000 };
	struct sl_tb b;
	uint32_t i, burst, want, n, cases = 0;

	for (i = 0; i < SL_ARRAY_SIZE(rates); i++) {
		for (burst = 1; burst <= 4; burst++) {
			sl_tb_init(&b, burst, 1000);
			n = greedy(&b, rates[i], burst, 1000, 11000);
			if (999 + rates[i] <= burst * 1000)
				want = burst + (uint32_t)((uint64_t)9999 *
							  rates[i] / 1000);
			else if (rates[i] >= burst * 1000)
				want = burst * 10000;
			else
				continue;
			CU_ASSERT_EQUAL(n, want);
			cases++;
		}
	}
	CU_ASSERT_EQUAL(cases, 22 + 10);
	/* 1/s, burst 1: one per second, exactly on the second. */
	sl_tb_init(&b, 1, 0);
	CU_ASSERT_TRUE(sl_tb_take(&b, 1, 1, 0));
	CU_ASSERT_FALSE(sl_tb_take(&b, 1, 1, 999));
	CU_ASSERT_TRUE(sl_tb_take(&b, 1, 1, 1000));
	CU_ASSERT_FALSE(sl_tb_take(&b, 1, 1, 1000));
	CU_ASSERT_TRUE(sl_tb_take(&b, 1, 1, 2000));
	/* 3/s, burst 2: a token every 333.33 ms, the remainder carried:
	 * 334, 667, 1000 ms. */
	sl_tb_init(&b, 2, 0);
	CU_ASSERT_EQUAL(greedy(&b, 3, 2, 0, 1), 2);
	CU_ASSERT_FALSE(sl_tb_take(&b, 3, 2, 333));
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 2, 334));
	CU_ASSERT_FALSE(sl_tb_take(&b, 3, 2, 666));
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 2, 667));
	CU_ASSERT_FALSE(sl_tb_take(&b, 3, 2, 999));
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 2, 1000));
	CU_ASSERT_FALSE(sl_tb_take(&b, 3, 2, 1000));
	/* Burst 1: a bucket of one token cannot hold the remainder (1002
	 * thousandths at 334 ms are capped to 1000): 334, 668, 1002. */
	sl_tb_init(&b, 1, 0);
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 1, 0));
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 1, 334));
	CU_ASSERT_FALSE(sl_tb_take(&b, 3, 1, 667));
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 1, 668));
	CU_ASSERT_FALSE(sl_tb_take(&b, 3, 1, 1001));
	CU_ASSERT_TRUE(sl_tb_take(&b, 3, 1, 1002));
}

/* burst 0 means the rate; rate 0 means no limit. */
static void
test_tb_burst0_unlimited(void)
{
	struct sl_tb b;
	uint32_t i, n = 0;

	sl_tb_init(&b, 0, 50);
	CU_ASSERT_EQUAL(greedy(&b, 3, 0, 50, 51), 3);
	CU_ASSERT_EQUAL(greedy(&b, 3, 0, 51, 384), 0);	/* 999 at 383 */
	CU_ASSERT_EQUAL(greedy(&b, 3, 0, 384, 385), 1);
	CU_ASSERT_EQUAL(greedy(&b, 3, 0, 100000, 100001), 3);

	sl_tb_init(&b, 0, 0);
	for (i = 0; i < 100000; i++)
		n += sl_tb_take(&b, 0, 0, 0);
	CU_ASSERT_EQUAL(n, 100000);
	/* Lowering the burst of a full bucket takes effect at once. */
	sl_tb_init(&b, 100, 0);
	CU_ASSERT_EQUAL(greedy(&b, 1, 2, 0, 1), 2);
}

/* The millisecond clock wraps every 49.7 days. */
static void
test_tb_wrap(void)
{
	const uint32_t t0 = 0xffffff00u;
	struct sl_tb b;

	sl_tb_init(&b, 5, t0);
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, t0, t0 + 1), 5);
	CU_ASSERT_TRUE(sl_tb_take(&b, 10, 5, t0 + 100));	/* ..ff64 */
	CU_ASSERT_TRUE(sl_tb_take(&b, 10, 5, t0 + 200));	/* ..ffc8 */
	CU_ASSERT_FALSE(sl_tb_take(&b, 10, 5, 0x2b));		/* 99 ms */
	CU_ASSERT_TRUE(sl_tb_take(&b, 10, 5, 0x2c));		/* 100 ms */
	CU_ASSERT_FALSE(sl_tb_take(&b, 10, 5, 0x2c));
	/* Across the wrap in one step: 0x2c -> 0x2c + 2^32 - 1 is "back
	 * one millisecond", past an hour: full, not 4 million tokens. */
	CU_ASSERT_EQUAL(greedy(&b, 10, 5, 0x2b, 0x2c), 5);
	/* Exactly an hour is trusted (3600 tokens at 1/s); more is a full
	 * refill. */
	sl_tb_init(&b, 5000, 0);
	CU_ASSERT_EQUAL(greedy(&b, 1, 5000, 0, 1), 5000);
	CU_ASSERT_EQUAL(greedy(&b, 1, 5000, 3600000, 3600001), 3600);
	sl_tb_init(&b, 5000, 0);
	CU_ASSERT_EQUAL(greedy(&b, 1, 5000, 0, 1), 5000);
	CU_ASSERT_EQUAL(greedy(&b, 1, 5000, 3600001, 3600002), 5000);
	/* The highest rate for an hour: no overflow. */
	sl_tb_init(&b, 2, 0);
	CU_ASSERT_EQUAL(greedy(&b, 0xffffffffu, 2, 0, 1), 2);
	CU_ASSERT_EQUAL(greedy(&b, 0xffffffffu, 2, 3600000, 3600001), 2);
}

/* ---- client table --------------------------------------------------------- */

#define GUARD	256

struct tbl {
	uint8_t *mem;
	size_t size;
	struct sl_rl_table *t;
};

/* A table with GUARD bytes of a pattern after its memory. */
static void
tbl_new(struct tbl *x, uint32_t entries)
{
	x->size = sl_rl_memsize(entries);
	x->mem = aligned_alloc(64, (x->size + GUARD + 63) & ~(size_t)63);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->mem);
	memset(x->mem, 0xa5, x->size + GUARD);
	x->t = sl_rl_init(x->mem, entries);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->t);
}

static bool
tbl_guard_ok(const struct tbl *x)
{
	size_t i;

	for (i = 0; i < GUARD; i++)
		if (x->mem[x->size + i] != 0xa5)
			return false;
	return true;
}

static void
addr4(struct sl_addr *a, uint32_t host)
{
	sl_addr_from_v4(a, __builtin_bswap32(host));
}

static struct sl_addr
parse(const char *s)
{
	struct sl_addr a;

	CU_ASSERT_EQUAL(sl_addr_parse(s, &a), 0);
	return a;
}

static uint32_t
takes(struct sl_rl_table *t, uint16_t vip, const struct sl_addr *c,
      uint32_t rate, uint32_t burst, uint32_t now, uint32_t tries)
{
	uint32_t n = 0;

	while (tries--)
		n += sl_rl_take(t, vip, c, rate, burst, now);
	return n;
}

static void
test_rl_sizes(void)
{
	struct tbl x;
	void *odd;

	CU_ASSERT_EQUAL(sl_rl_memsize(1000), sl_rl_memsize(1024));
	CU_ASSERT(sl_rl_memsize(1025) > sl_rl_memsize(1024));
	CU_ASSERT_EQUAL(sl_rl_memsize(1025), sl_rl_memsize(2048));
	CU_ASSERT_EQUAL(sl_rl_memsize(0), sl_rl_memsize(8));
	/* At most two cache lines per set of eight, one for the header. */
	CU_ASSERT(sl_rl_memsize(65536) <= 64 + 65536 / 8 * 128);

	tbl_new(&x, 1000);
	CU_ASSERT_EQUAL(sl_rl_capacity(x.t), 1024);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 0);
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), 0);
	free(x.mem);
	tbl_new(&x, 1);
	CU_ASSERT_EQUAL(sl_rl_capacity(x.t), SL_RL_WAYS);
	odd = (uint8_t *)x.mem + 8;
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_rl_init(odd, 1));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(sl_rl_init(NULL, 1));
	free(x.mem);
}

static void
test_rl_client_key(void)
{
	struct sl_addr a, k, w;

	a = parse("198.18.31.255");
	sl_rl_client_key(&a, 24, &k);
	w = parse("198.18.31.0");
	CU_ASSERT_EQUAL(memcmp(&k, &w, sizeof(k)), 0);
	sl_rl_client_key(&a, 20, &k);
	w = parse("198.18.16.0");
	CU_ASSERT_EQUAL(memcmp(&k, &w, sizeof(k)), 0);
	sl_rl_client_key(&a, 32, &k);
	CU_ASSERT_EQUAL(memcmp(&k, &a, sizeof(k)), 0);
	sl_rl_client_key(&a, 99, &k);	/* clamped to 32 */
	CU_ASSERT_EQUAL(memcmp(&k, &a, sizeof(k)), 0);
	sl_rl_client_key(&a, 0, &k);
	w = parse("0.0.0.0");
	CU_ASSERT_EQUAL(memcmp(&k, &w, sizeof(k)), 0);

	a = parse("2001:db8:0:1:ffff:eeee:dddd:cccc");
	sl_rl_client_key(&a, 64, &k);
	w = parse("2001:db8:0:1::");
	CU_ASSERT_EQUAL(memcmp(&k, &w, sizeof(k)), 0);
	sl_rl_client_key(&a, 57, &k);
	w = parse("2001:db8:0:0::");
	CU_ASSERT_EQUAL(memcmp(&k, &w, sizeof(k)), 0);
	sl_rl_client_key(&a, 68, &k);
	w = parse("2001:db8:0:1:f000::");
	CU_ASSERT_EQUAL(memcmp(&k, &w, sizeof(k)), 0);
	sl_rl_client_key(&a, 128, &k);
	CU_ASSERT_EQUAL(memcmp(&k, &a, sizeof(k)), 0);
}

/* Limits are per client and per VIP; a prefix groups its clients. */
static void
test_rl_per_client(void)
{
	struct sl_addr a, b, ka, kb;
	struct tbl x;

	tbl_new(&x, 1024);
	a = parse("198.18.0.1");
	b = parse("198.18.0.2");
	CU_ASSERT_EQUAL(takes(x.t, 1, &a, 10, 3, 0, 10), 3);
	CU_ASSERT_EQUAL(takes(x.t, 1, &b, 10, 3, 0, 10), 3);
	CU_ASSERT_EQUAL(takes(x.t, 2, &a, 10, 3, 0, 10), 3);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 3);
	/* Each refills on its own: 100 ms = one token each. */
	CU_ASSERT_EQUAL(takes(x.t, 1, &a, 10, 3, 100, 10), 1);
	CU_ASSERT_EQUAL(takes(x.t, 1, &a, 10, 3, 200, 10), 1);
	CU_ASSERT_EQUAL(takes(x.t, 1, &b, 10, 3, 200, 10), 2);
	CU_ASSERT_EQUAL(takes(x.t, 2, &a, 10, 3, 250, 10), 2);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 3);

	/* /24: .1 and .200 are one client, 198.18.1.1 another. */
	a = parse("198.18.5.1");
	b = parse("198.18.5.200");
	sl_rl_client_key(&a, 24, &ka);
	sl_rl_client_key(&b, 24, &kb);
	CU_ASSERT_EQUAL(takes(x.t, 1, &ka, 1, 4, 0, 3), 3);
	CU_ASSERT_EQUAL(takes(x.t, 1, &kb, 1, 4, 0, 3), 1);
	b = parse("198.18.6.1");
	sl_rl_client_key(&b, 24, &kb);
	CU_ASSERT_EQUAL(takes(x.t, 1, &kb, 1, 4, 0, 5), 4);

	/* /64 likewise. */
	a = parse("2001:db8:0:1::1");
	b = parse("2001:db8:0:1:ffff::2");
	sl_rl_client_key(&a, 64, &ka);
	sl_rl_client_key(&b, 64, &kb);
	CU_ASSERT_EQUAL(takes(x.t, 1, &ka, 1, 4, 0, 2), 2);
	CU_ASSERT_EQUAL(takes(x.t, 1, &kb, 1, 4, 0, 3), 2);
	b = parse("2001:db8:0:2::1");
	sl_rl_client_key(&b, 64, &kb);
	CU_ASSERT_EQUAL(takes(x.t, 1, &kb, 1, 4, 0, 5), 4);
	/* /128: addresses that differ only in the last bit. */
	a = parse("2001:db8::8");
	b = parse("2001:db8::9");
	CU_ASSERT_EQUAL(takes(x.t, 1, &a, 1, 2, 0, 3), 2);
	CU_ASSERT_EQUAL(takes(x.t, 1, &b, 1, 2, 0, 3), 2);
	/* An IPv4 client and the IPv6 address with the same first bytes. */
	a = parse("198.18.0.1");
	b = parse("c612:1::");
	CU_ASSERT_EQUAL(takes(x.t, 7, &a, 1, 2, 0, 3), 2);
	CU_ASSERT_EQUAL(takes(x.t, 7, &b, 1, 2, 0, 3), 2);

	/* Unlimited: no bucket at all. */
	CU_ASSERT_EQUAL(takes(x.t, 9, &a, 0, 0, 0, 1000), 1000);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 11);
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), 0);
	CU_ASSERT(tbl_guard_ok(&x));
	free(x.mem);
}

/* Far more clients than buckets: the count stops at the capacity, the
 * memory stays where it was, and every new client is either a free way or
 * an eviction (all busy here: one clock value). */
static void
test_rl_capacity(void)
{
	const uint32_t n = 20000;
	struct sl_addr a;
	struct tbl x;
	uint32_t i, ok = 0;

	tbl_new(&x, 64);
	CU_ASSERT_EQUAL(sl_rl_capacity(x.t), 64);
	for (i = 0; i < n; i++) {
		addr4(&a, 0xc6120000u + i);	/* 198.18.0.0/15 */
		ok += sl_rl_take(x.t, 3, &a, 1, 1, 5000);
		CU_ASSERT_FATAL(sl_rl_count(x.t) <= 64);
	}
	CU_ASSERT_EQUAL(ok, n);		/* every one new, full bucket */
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 64);
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), n - 64);
	CU_ASSERT(tbl_guard_ok(&x));
	/* The last client keeps its (empty) bucket. */
	CU_ASSERT_FALSE(sl_rl_take(x.t, 3, &a, 1, 1, 5000));
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), n - 64);
	free(x.mem);
}

/* One set of eight: the way idle longest goes first, and an eviction is
 * counted only when that way was used within the last second. */
static void
test_rl_evict_idle_first(void)
{
	struct sl_addr c[10];
	struct tbl x;
	uint32_t i;

	tbl_new(&x, SL_RL_WAYS);
	for (i = 0; i < 10; i++)
		addr4(&c[i], 0xc6120100u + i);
	/* t = 0..7: clients 0..7 take their two tokens (rate 1/s). */
	for (i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(takes(x.t, 1, &c[i], 1, 2, i, 3), 2);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 8);
	/* t = 900: clients 0..6 come back (refused: 0.9 token); 7 idles. */
	for (i = 0; i < 7; i++)
		CU_ASSERT_FALSE(sl_rl_take(x.t, 1, &c[i], 1, 2, 900));
	/* t = 1200: client 8 takes client 7's way (idle 1193 ms: not
	 * counted). */
	CU_ASSERT_EQUAL(takes(x.t, 1, &c[8], 1, 2, 1200, 3), 2);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 8);
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), 0);
	/* Clients 0..6 kept their buckets: 1.2 tokens, one take. A fresh
	 * bucket would give two. */
	for (i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(takes(x.t, 1, &c[i], 1, 2, 1200, 3), 1);
	/* Client 7 is new again: every way busy, an eviction counted. */
	CU_ASSERT_EQUAL(takes(x.t, 1, &c[7], 1, 2, 1300, 3), 2);
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), 1);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 8);
	CU_ASSERT(tbl_guard_ok(&x));
	free(x.mem);
}

/* The busy boundary: idle 999 ms is busy, 1000 ms is not. */
static void
test_rl_evict_boundary(void)
{
	struct sl_addr a;
	struct tbl x;
	uint32_t i;

	tbl_new(&x, SL_RL_WAYS);
	for (i = 0; i < 8; i++) {
		addr4(&a, 0xc6120200u + i);
		CU_ASSERT_TRUE(sl_rl_take(x.t, 1, &a, 5, 1, 10000 + i));
	}
	/* The oldest (10000) is idle 999 at 10999: counted. */
	addr4(&a, 0xc6120300u);
	CU_ASSERT_TRUE(sl_rl_take(x.t, 1, &a, 5, 1, 10999));
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), 1);
	/* The next oldest (10001) is idle 1000 at 11001: not counted. */
	addr4(&a, 0xc6120301u);
	CU_ASSERT_TRUE(sl_rl_take(x.t, 1, &a, 5, 1, 11001));
	CU_ASSERT_EQUAL(sl_rl_evictions(x.t), 1);
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 8);
	free(x.mem);
}

/* Across the clock wrap, buckets in the table refill like sl_tb. */
static void
test_rl_wrap(void)
{
	struct sl_addr a = parse("2001:db8::7");
	struct tbl x;

	tbl_new(&x, 16);
	CU_ASSERT_EQUAL(takes(x.t, 4, &a, 10, 2, 0xffffffc0u, 5), 2);
	CU_ASSERT_EQUAL(takes(x.t, 4, &a, 10, 2, 0x23, 5), 0);	/* 99 ms */
	CU_ASSERT_EQUAL(takes(x.t, 4, &a, 10, 2, 0x24, 5), 1);	/* 1 ms more */
	CU_ASSERT_EQUAL(sl_rl_count(x.t), 1);
	free(x.mem);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "token bucket 10/s burst 5", test_tb_basic },
		{ "token bucket rates", test_tb_rates },
		{ "token bucket burst 0, unlimited", test_tb_burst0_unlimited },
		{ "token bucket clock wrap", test_tb_wrap },
		{ "table sizes", test_rl_sizes },
		{ "client prefixes", test_rl_client_key },
		{ "limits per client, VIP, prefix", test_rl_per_client },
		{ "capacity bound", test_rl_capacity },
		{ "idle clients evicted first", test_rl_evict_idle_first },
		{ "busy eviction boundary", test_rl_evict_boundary },
		{ "table clock wrap", test_rl_wrap },
	};

	return sl_test_run("ratelimit", tests, SL_ARRAY_SIZE(tests));
}
