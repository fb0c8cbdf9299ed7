/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: connection tracking table (sl_ct.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_common.h"
#include "sl_ct.h"
#include "sl_pkt.h"

#define FIN	SL_TCP_FIN
#define SYN	SL_TCP_SYN
#define RST	SL_TCP_RST
#define ACK	SL_TCP_ACK

/* Deterministic PRNG (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* A local flow hash (the real one lives in sl_flow.c, not linked here). */
static uint32_t
khash(const struct sl_flow_key *k)
{
	uint32_t w[10], i;
	uint64_t h = 0x736c756963ULL;

	memcpy(w, k, sizeof(w));
	for (i = 0; i < 10; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* Flow id: client 198.18.0.0 + id : 1024 + id % 50000 -> VIP 198.19.0.1:80
 * forward; backend 198.18.128.1:8080 -> SNAT 198.19.1.0 + id / 60000 :
 * 1024 + id % 60000 reverse. Distinct for every id < 2^15. */
static void
mk_keys(uint32_t id, uint8_t proto, struct sl_flow_key *f,
	struct sl_flow_key *r)
{
	memset(f, 0, sizeof(*f));
	memset(r, 0, sizeof(*r));
	f->family = r->family = AF_INET;
	f->proto = r->proto = proto;
	f->src[0] = htonl(0xc6120000u + id);
	f->dst[0] = htonl(0xc6130001u);
	f->sport = htons(1024 + id % 50000);
	f->dport = htons(80);
	r->src[0] = htonl(0xc6128001u);
	r->dst[0] = htonl(0xc6130100u + id / 60000);
	r->sport = htons(8080);
	r->dport = htons(1024 + id % 60000);
}

static uint32_t
key_id(const struct sl_flow_key *f)
{
	return ntohl(f->src[0]) - 0xc6120000u;
}

/* Table memory: 64-byte aligned, filled with garbage to check that init
 * does not rely on zeroed memory. */
static struct sl_ct *
mk_table(uint32_t capacity, const struct sl_ct_timeouts *to, void **mem)
{
	size_t sz = sl_ct_memsize(capacity);
	struct sl_ct *ct;

	CU_ASSERT_FATAL(sz > 0 && sz % 64 == 0);
	*mem = aligned_alloc(64, sz);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*mem);
	memset(*mem, 0xa5, sz);
	ct = sl_ct_init(*mem, capacity, to);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	return ct;
}

/* Expire callback bookkeeping. */
static uint32_t cb_calls;
static uint32_t cb_last_id;
static uint8_t cb_seen[1 << 15];

static void
count_cb(const struct sl_ct_entry *e, void *arg)
{
	uint32_t id = key_id(&e->fwd);

	(*(uint32_t *)arg)++;
	cb_last_id = id;
	if (id < SL_ARRAY_SIZE(cb_seen))
		cb_seen[id]++;
}

static void
cb_reset(void)
{
	cb_calls = 0;
	cb_last_id = UINT32_MAX;
	memset(cb_seen, 0, sizeof(cb_seen));
}

/* Inserts flow id (TCP keys; the state decides what it tracks). */
static struct sl_ct_entry *
ins(struct sl_ct *ct, uint32_t id, uint32_t now)
{
	struct sl_flow_key f, r;

	mk_keys(id, IPPROTO_TCP, &f, &r);
	return sl_ct_insert(ct, &f, khash(&f), &r, khash(&r), now);
}

/* Lookup by the forward (dir 0) or reverse (dir 1) key of flow id. */
static struct sl_ct_entry *
look(struct sl_ct *ct, uint32_t id, int which, uint32_t now, int *dir)
{
	struct sl_flow_key f, r;
	const struct sl_flow_key *k;

	mk_keys(id, IPPROTO_TCP, &f, &r);
	k = which ? &r : &f;
	return sl_ct_lookup(ct, k, khash(k), now, dir);
}

static void
test_memsize(void)
{
	struct sl_ct *ct;
	void *mem;
	char *raw;

	/* Per flow: the entry, half a bucket (32), a free-stack slot (4)
	 * and an in-use byte; plus a 128-byte header. */
	const size_t per_flow = sizeof(struct sl_ct_entry) + 32 + 4 + 1;

	CU_ASSERT_EQUAL(sl_ct_memsize(64), 128 + 64 * per_flow);
	CU_ASSERT_EQUAL(sl_ct_memsize(1), sl_ct_memsize(64));
	CU_ASSERT_EQUAL(sl_ct_memsize(0), sl_ct_memsize(64));
	CU_ASSERT_EQUAL(sl_ct_memsize(100), sl_ct_memsize(128));
	CU_ASSERT(sl_ct_memsize(129) > sl_ct_memsize(128));
	CU_ASSERT_EQUAL(sl_ct_memsize(1u << 28), 128 + (1ull << 28) * per_flow);
	CU_ASSERT_EQUAL(sl_ct_memsize((1u << 28) + 1), 0);
	printf("\n    sizeof(struct sl_ct_entry) = %zu, memsize(1M) = %zu "
	       "(%.2f bytes/flow) ", sizeof(struct sl_ct_entry),
	       sl_ct_memsize(1u << 20), sl_ct_memsize(1u << 20) / 1048576.0);

	ct = mk_table(100, NULL, &mem);
	CU_ASSERT_EQUAL(sl_ct_capacity(ct), 128);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	free(mem);
	ct = mk_table(1, NULL, &mem);
	CU_ASSERT_EQUAL(sl_ct_capacity(ct), 64);
	free(mem);

	/* Misaligned memory or absurd capacity: NULL, errno EINVAL. */
	raw = aligned_alloc(64, sl_ct_memsize(64) + 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ct_init(raw + 8, 64, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ct_init(raw, 0x80000000u, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(sl_ct_init(NULL, 64, NULL));
	free(raw);
}

static bool
listed(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	uint32_t i;

	for (i = 0; i < sl_ct_capacity(ct); i++)
		if (sl_ct_slot(ct, i) == e)
			return true;
	return false;
}

static void
test_insert_lookup_delete(void)
{
	struct sl_ct_entry *e, *x;
	struct sl_flow_key f, r, g;
	struct sl_ct *ct;
	uint32_t id, now = 1000;
	void *mem;
	int dir = -1;

	ct = mk_table(256, NULL, &mem);
	for (id = 0; id < 200; id++) {
		e = ins(ct, id, now);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		mk_keys(id, IPPROTO_TCP, &f, &r);
		CU_ASSERT(sl_flow_key_eq(&e->fwd, &f));
		CU_ASSERT(sl_flow_key_eq(&e->rev, &r));
		CU_ASSERT_EQUAL(e->fwd_hash, khash(&f));
		CU_ASSERT_EQUAL(e->rev_hash, khash(&r));
		CU_ASSERT_EQUAL(e->last_seen, now);
		CU_ASSERT(e->state == SL_CT_FREE && e->flags == 0 &&
			  e->backend_id == 0 && e->backend_gen == 0 &&
			  e->vip_id == 0 && e->nh_backend == 0 &&
			  e->nh_client == 0 && e->in_port == 0 &&
			  e->out_port == 0);
		/* Not listed until the first update gives it a state. */
		CU_ASSERT_FALSE(listed(ct, e));
		sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, now);
		e->backend_id = (uint16_t)id;
		CU_ASSERT_TRUE(listed(ct, e));
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 200);

	for (id = 0; id < 200; id++) {
		e = look(ct, id, 0, now, &dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(dir, SL_CT_DIR_FWD);
		CU_ASSERT_EQUAL(e->backend_id, id);
		x = look(ct, id, 1, now, &dir);
		CU_ASSERT_PTR_EQUAL(x, e);
		CU_ASSERT_EQUAL(dir, SL_CT_DIR_REV);
	}
	/* Unknown key; and a different key given a stored key's hash. */
	CU_ASSERT_PTR_NULL(look(ct, 300, 0, now, &dir));
	mk_keys(5, IPPROTO_TCP, &f, &r);
	g = f;
	g.proto = IPPROTO_UDP;
	CU_ASSERT_PTR_NULL(sl_ct_lookup(ct, &g, khash(&f), now, &dir));

	/* Listing: every updated flow appears once. */
	{
		uint32_t i, listed = 0;

		for (i = 0; i < sl_ct_capacity(ct) + 5; i++)
			listed += sl_ct_slot(ct, i) != NULL;
		CU_ASSERT_EQUAL(listed, 200);
	}

	e = look(ct, 7, 1, now, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_delete(ct, e);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 199);
	CU_ASSERT_PTR_NULL(look(ct, 7, 0, now, &dir));
	CU_ASSERT_PTR_NULL(look(ct, 7, 1, now, &dir));
	sl_ct_delete(ct, e);	/* stale pointer: no effect */
	CU_ASSERT_EQUAL(sl_ct_count(ct), 199);
	CU_ASSERT_PTR_NOT_NULL(look(ct, 8, 1, now, &dir));
	/* Re-insert after delete. */
	CU_ASSERT_PTR_NOT_NULL(ins(ct, 7, now));
	CU_ASSERT_PTR_NOT_NULL(look(ct, 7, 1, now, &dir));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 200);
	free(mem);
}

static void
test_full(void)
{
	struct sl_ct_timeouts to;
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t id, calls = 0;
	void *mem;
	int dir;

	sl_ct_timeouts_default(&to);
	ct = mk_table(64, &to, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	for (id = 0; id < 64; id++) {
		e = ins(ct, id, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 0);
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64);
	/* Nothing expired: no room, count stays. */
	for (id = 64; id < 80; id++)
		CU_ASSERT_PTR_NULL(ins(ct, id, 1000));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64);
	CU_ASSERT_EQUAL(calls, 0);
	for (id = 0; id < 64; id++)
		CU_ASSERT_PTR_NOT_NULL(look(ct, id, 1, 1000, &dir));

	/* Delete one: one insert fits again. */
	sl_ct_delete(ct, look(ct, 10, 0, 1000, &dir));
	e = ins(ct, 64, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 1000);
	CU_ASSERT_PTR_NULL(ins(ct, 65, 1000));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64);

	/* Once the old flows have expired, an insert into the full table
	 * reclaims the expired ones in its candidate buckets (4 of 32 here,
	 * with 128 keys: some are there). Flow 64 (last seen 1000) lives. */
	cb_reset();
	calls = 0;
	e = ins(ct, 66, 30000);
	CU_ASSERT_PTR_NOT_NULL(e);
	CU_ASSERT(calls >= 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64 - calls + 1);
	CU_ASSERT_EQUAL(cb_seen[64], 0);
	CU_ASSERT_PTR_NOT_NULL(look(ct, 64, 0, 30000, &dir));
	free(mem);
}

/* Every key has the same hash: 16 index slots in the two buckets, 8 flows
 * (2 keys each). The 9th insert fails although entries are free, until the
 * first 8 expire and the insert reclaims them. */
static void
test_bucket_full(void)
{
	struct sl_flow_key f, r;
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t id, calls = 0;
	void *mem;
	int dir;

	ct = mk_table(1024, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();
	for (id = 0; id < 9; id++) {
		mk_keys(id, IPPROTO_UDP, &f, &r);
		e = sl_ct_insert(ct, &f, 42, &r, 42, 100);
		if (id < 8) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 100);
		} else {
			CU_ASSERT_PTR_NULL(e);
		}
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 8);
	/* Same signature everywhere: the full key decides. */
	for (id = 0; id < 8; id++) {
		mk_keys(id, IPPROTO_UDP, &f, &r);
		e = sl_ct_lookup(ct, &r, 42, 100, &dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(key_id(&e->fwd), id);
		CU_ASSERT_EQUAL(dir, SL_CT_DIR_REV);
	}
	mk_keys(8, IPPROTO_UDP, &f, &r);
	e = sl_ct_insert(ct, &f, 42, &r, 42, 100 + 30000);
	CU_ASSERT_PTR_NOT_NULL(e);
	CU_ASSERT_EQUAL(calls, 8);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 1);
	for (id = 0; id < 8; id++)
		CU_ASSERT_EQUAL(cb_seen[id], 1);
	free(mem);

	/* Only the reverse keys collide: 16 flows fill the reverse buckets;
	 * the 17th fails after its forward key was indexed, which must be
	 * undone (no trace of it, its entry back on the free stack). */
	ct = mk_table(1024, NULL, &mem);
	for (id = 0; id < 17; id++) {
		mk_keys(id, IPPROTO_UDP, &f, &r);
		e = sl_ct_insert(ct, &f, khash(&f), &r, 7, 100);
		CU_ASSERT_EQUAL(e != NULL, id < 16);
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 16);
	mk_keys(16, IPPROTO_UDP, &f, &r);
	CU_ASSERT_PTR_NULL(sl_ct_lookup(ct, &f, khash(&f), 100, &dir));
	CU_ASSERT_PTR_NULL(sl_ct_lookup(ct, &r, 7, 100, &dir));
	mk_keys(15, IPPROTO_UDP, &f, &r);
	CU_ASSERT_PTR_NOT_NULL(sl_ct_lookup(ct, &r, 7, 100, &dir));
	for (id = 100; id < 1200; id++) {
		mk_keys(id, IPPROTO_UDP, &f, &r);
		if (sl_ct_insert(ct, &f, khash(&f), &r, khash(&r), 100) ==
		    NULL)
			break;
	}
	CU_ASSERT_EQUAL(id, 100 + 1024 - 16);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 1024);
	free(mem);
}

static void
test_expiry_lookup(void)
{
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t calls = 0;
	void *mem;
	int dir;

	ct = mk_table(64, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();
	e = ins(ct, 3, 5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 10000);
	CU_ASSERT_EQUAL(e->state, SL_CT_UDP);
	CU_ASSERT_PTR_EQUAL(look(ct, 3, 0, 10000 + 29999, &dir), e);
	CU_ASSERT_EQUAL(calls, 0);
	/* A reply refreshes it. */
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_REV, 0, 20000);
	CU_ASSERT_PTR_EQUAL(look(ct, 3, 1, 20000 + 29999, &dir), e);
	CU_ASSERT_PTR_NULL(look(ct, 3, 1, 20000 + 30000, &dir));
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(cb_last_id, 3);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_PTR_NULL(look(ct, 3, 0, 20000 + 30000, &dir));
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, 20000 + 30000, 64), 0);
	CU_ASSERT_EQUAL(calls, 1);

	/* Inserted but never updated: the SL_CT_FREE timeout (5 s). */
	e = ins(ct, 4, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_EQUAL(look(ct, 4, 0, 4999, &dir), e);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, 5000, 64), 1);
	CU_ASSERT_EQUAL(calls, 2);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	free(mem);

	/* Timeouts that leave SL_CT_FREE at 0 get the SYN_SENT one for it,
	 * so a new entry does not expire before its first update. */
	{
		struct sl_ct_timeouts to;

		sl_ct_timeouts_default(&to);
		to.ms[SL_CT_FREE] = 0;
		ct = mk_table(64, &to, &mem);
		e = ins(ct, 4, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_FALSE(sl_ct_expired(ct, e, 4999));
		CU_ASSERT_TRUE(sl_ct_expired(ct, e, 5000));
		free(mem);
	}
}

static void
test_sweep(void)
{
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t id, calls = 0, removed = 0, i, now = 100000;
	void *mem;
	int dir;

	ct = mk_table(1024, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();
	/* Even ids idle 40 s (expired for UDP), odd ids idle 10 s. */
	for (id = 0; id < 600; id++) {
		e = ins(ct, id, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0,
			     now - (id % 2 ? 10000 : 40000));
	}
	/* Budget 7: ceil(1024 / 7) = 147 calls cover every slot once, and
	 * no call removes more than it examines. */
	for (i = 0; i < 147; i++) {
		uint32_t n = sl_ct_sweep(ct, now, 7);

		CU_ASSERT(n <= 7);
		removed += n;
	}
	CU_ASSERT_EQUAL(removed, 300);
	CU_ASSERT_EQUAL(calls, 300);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 300);
	for (id = 0; id < 600; id++) {
		CU_ASSERT_EQUAL(cb_seen[id], id % 2 ? 0 : 1);
		CU_ASSERT_EQUAL(look(ct, id, id % 3 == 0, now, &dir) != NULL,
				id % 2);
	}
	/* A second full pass finds nothing more; budget above capacity
	 * examines each slot once. */
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now, 100000), 0);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now + 20000, 100000), 300);
	CU_ASSERT_EQUAL(calls, 600);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now + 20000, 0), 0);
	free(mem);
}

/* Expires at exactly last_seen + timeout of its state. */
static void
check_timeout(struct sl_ct *ct, struct sl_ct_entry *e, uint32_t ms)
{
	CU_ASSERT_FALSE(sl_ct_expired(ct, e, e->last_seen + ms - 1));
	CU_ASSERT_TRUE(sl_ct_expired(ct, e, e->last_seen + ms));
}

static void
test_tcp_states(void)
{
	struct sl_ct_timeouts to;
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t t = 1000;
	void *mem;

	sl_ct_timeouts_default(&to);
	CU_ASSERT_EQUAL(to.ms[SL_CT_SYN_SENT], 5000);
	CU_ASSERT_EQUAL(to.ms[SL_CT_SYN_RECV], 10000);
	CU_ASSERT_EQUAL(to.ms[SL_CT_ESTABLISHED], 300000);
	CU_ASSERT_EQUAL(to.ms[SL_CT_FIN_WAIT], 10000);
	CU_ASSERT_EQUAL(to.ms[SL_CT_CLOSING], 10000);
	CU_ASSERT_EQUAL(to.ms[SL_CT_CLOSED], 2000);
	CU_ASSERT_EQUAL(to.ms[SL_CT_UDP], 30000);
	ct = mk_table(64, &to, &mem);

	/* Full handshake and close. */
	e = ins(ct, 1, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	e->flags = 0x80;	/* a caller's bit survives */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, t);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_SENT);
	check_timeout(ct, e, 5000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);	/* rexmit */
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_SENT);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, SYN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_RECV);
	CU_ASSERT_EQUAL(e->last_seen, t);
	check_timeout(ct, e, 10000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, SYN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_RECV);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	check_timeout(ct, e, 300000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);
	check_timeout(ct, e, 10000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);	/* same side again */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSING);
	check_timeout(ct, e, 10000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSING);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, RST, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	check_timeout(ct, e, 2000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	/* Tuple reused by a new SYN: starts over, FIN memory cleared. */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_SENT);
	CU_ASSERT_EQUAL(e->flags, 0x80);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);	/* DSR: no SYN-ACK */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, FIN, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);	/* backend first */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSING);
	CU_ASSERT_EQUAL(e->flags & 0x80, 0x80);
	sl_ct_delete(ct, e);

	/* Picked up mid-stream: established at once (loose). */
	e = ins(ct, 2, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	sl_ct_delete(ct, e);

	/* A first packet with FIN: established, then FIN_WAIT. */
	e = ins(ct, 3, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);
	sl_ct_delete(ct, e);

	/* RST during the handshake; data from the backend in SYN_SENT. */
	e = ins(ct, 4, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, RST | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	sl_ct_delete(ct, e);

	/* SYN_RECV: the backend's data counts as established too. */
	e = ins(ct, 5, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, SYN | ACK, ++t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_UDP);
	check_timeout(ct, e, 30000);
	sl_ct_delete(ct, e);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);

	CU_ASSERT_STRING_EQUAL(sl_ct_state_name(SL_CT_ESTABLISHED),
			       "established");
	CU_ASSERT_STRING_EQUAL(sl_ct_state_name(SL_CT_FREE), "free");
	CU_ASSERT_STRING_EQUAL(sl_ct_state_name(SL_CT_UDP), "udp");
	CU_ASSERT_STRING_EQUAL(sl_ct_state_name(SL_CT_STATE_MAX), "unknown");
	free(mem);
}

static void
test_wrap(void)
{
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t calls = 0, t0 = UINT32_MAX - 1000;
	void *mem;
	int dir;

	ct = mk_table(64, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	e = ins(ct, 9, t0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, t0);
	/* now has wrapped past 0 and is numerically below last_seen. */
	CU_ASSERT_PTR_EQUAL(look(ct, 9, 0, t0 + 29999, &dir), e);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, t0 + 29999, 64), 0);
	/* A clock slightly behind last_seen (another core's stamp): alive. */
	CU_ASSERT_FALSE(sl_ct_expired(ct, e, t0 - 5));
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, t0 + 30000, 64), 1);
	CU_ASSERT_EQUAL(calls, 1);

	e = ins(ct, 10, UINT32_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, UINT32_MAX);
	CU_ASSERT_PTR_EQUAL(look(ct, 10, 1, 299999 - 1, &dir), e);
	CU_ASSERT_PTR_NULL(look(ct, 10, 1, 299999, &dir));
	CU_ASSERT_EQUAL(calls, 2);
	free(mem);
}

/* Randomized model test: the table against a plain array of flows. */
#define MODEL_FLOWS	3000
#define MODEL_CAP	1024
#define MODEL_OPS	50000

struct model_flow {
	bool present;
	uint8_t state;
	uint32_t last_seen;
};

static struct model_flow model[MODEL_FLOWS];
static struct sl_ct_timeouts model_to;
static uint32_t model_now, model_count, model_bad_cb;

static bool
model_expired(uint32_t id)
{
	int32_t age = (int32_t)(model_now - model[id].last_seen);

	return age >= 0 && (uint32_t)age >= model_to.ms[model[id].state];
}

static void
model_cb(const struct sl_ct_entry *e, void *arg)
{
	uint32_t id = key_id(&e->fwd);

	(*(uint32_t *)arg)++;
	if (id >= MODEL_FLOWS || !model[id].present || !model_expired(id)) {
		model_bad_cb++;
		return;
	}
	model[id].present = false;
	model_count--;
}

static void
model_check_all(struct sl_ct *ct)
{
	uint32_t i, listed = 0, want = 0;

	CU_ASSERT_EQUAL(sl_ct_count(ct), model_count);
	for (i = 0; i < sl_ct_capacity(ct); i++)
		listed += sl_ct_slot(ct, i) != NULL;
	for (i = 0; i < MODEL_FLOWS; i++)
		want += model[i].present && model[i].state != SL_CT_FREE;
	CU_ASSERT_EQUAL(listed, want);
}

static void
model_lookup(struct sl_ct *ct, uint32_t id, int which, uint32_t *calls)
{
	struct sl_ct_entry *e;
	uint32_t before = *calls;
	bool expect_expire = model[id].present && model_expired(id);
	bool expect_found = model[id].present && !expect_expire;
	int dir = -1;

	e = look(ct, id, which, model_now, &dir);
	CU_ASSERT_EQUAL(e != NULL, expect_found);
	CU_ASSERT_EQUAL(*calls - before, expect_expire ? 1 : 0);
	if (e == NULL)
		return;
	CU_ASSERT_EQUAL(key_id(&e->fwd), id);
	CU_ASSERT_EQUAL(dir, which ? SL_CT_DIR_REV : SL_CT_DIR_FWD);
	switch (rng32() % 4) {
	case 0:
		sl_ct_delete(ct, e);
		model[id].present = false;
		model_count--;
		break;
	case 1:
		sl_ct_update(e, IPPROTO_TCP, dir, (uint8_t)rng32() &
			     (SYN | ACK | FIN | RST), model_now);
		model[id].state = e->state;
		model[id].last_seen = model_now;
		break;
	default:
		break;
	}
}

static void
model_insert(struct sl_ct *ct, uint32_t id, uint32_t *full,
	     uint32_t *bucket_full)
{
	struct sl_ct_entry *e;

	if (model[id].present)
		return;	/* the API requires absent keys */
	e = ins(ct, id, model_now);
	if (e == NULL) {
		/* Either no free entry (even after reclaiming) or both
		 * candidate buckets full: tell them apart. */
		if (model_count == MODEL_CAP)
			(*full)++;
		else
			(*bucket_full)++;
		return;
	}
	model[id].present = true;
	model[id].state = SL_CT_FREE;
	model[id].last_seen = model_now;
	model_count++;
	CU_ASSERT(model_count <= MODEL_CAP);
	if (rng32() % 8 != 0) {
		sl_ct_update(e, rng32() % 4 ? IPPROTO_TCP : IPPROTO_UDP,
			     SL_CT_DIR_FWD, SYN, model_now);
		model[id].state = e->state;
	}
}

static void
test_model(void)
{
	uint32_t op, calls = 0, swept = 0, full = 0, bucket_full = 0;
	struct sl_ct *ct;
	void *mem;

	memset(model, 0, sizeof(model));
	sl_ct_timeouts_default(&model_to);
	model_to.ms[SL_CT_SYN_SENT] = 20000;
	model_to.ms[SL_CT_SYN_RECV] = 20000;
	model_to.ms[SL_CT_ESTABLISHED] = 60000;
	model_to.ms[SL_CT_UDP] = 30000;
	model_to.ms[SL_CT_FREE] = 15000;
	ct = mk_table(MODEL_CAP, &model_to, &mem);
	sl_ct_set_expire_cb(ct, model_cb, &calls);
	model_count = 0;
	model_bad_cb = 0;
	/* Wraps around after about 20000 operations. */
	model_now = UINT32_MAX - 30000;

	for (op = 0; op < MODEL_OPS; op++) {
		uint32_t r = rng32() % 100, id = rng32() % MODEL_FLOWS;

		model_now += rng32() % 4;
		if (r < 45)
			model_insert(ct, id, &full, &bucket_full);
		else if (r < 95)
			model_lookup(ct, id, rng32() % 2, &calls);
		else
			swept += sl_ct_sweep(ct, model_now, 1 + rng32() % 64);
		if (op % 1000 == 999)
			model_check_all(ct);
	}
	model_check_all(ct);
	CU_ASSERT_EQUAL(model_bad_cb, 0);
	CU_ASSERT(swept <= calls);
	CU_ASSERT(full > 0);		/* the run did fill the table */
	CU_ASSERT_EQUAL(bucket_full, 0);
	printf("\n    %u ops: %u expired (%u by sweep), %u inserts refused "
	       "(table full), %u (buckets full) ", MODEL_OPS, calls, swept,
	       full, bucket_full);
	free(mem);
}

/* Fill to capacity with random hashes: how often does an insert find both
 * buckets full while entries are free? Two choices at <= 50% load. */
static void
test_load(void)
{
	enum { CAP = 1 << 16 };
	struct sl_flow_key f, r;
	struct sl_ct *ct;
	uint32_t id, fails = 0;
	void *mem;

	ct = mk_table(CAP, NULL, &mem);
	for (id = 0; id < CAP; id++) {
		memset(&f, 0, sizeof(f));
		f.family = AF_INET;
		f.src[0] = id;
		r = f;
		r.dst[0] = 1;
		if (sl_ct_insert(ct, &f, rng32(), &r, rng32(), 0) == NULL)
			fails++;
	}
	printf("\n    %u flows: %u inserts refused for full buckets ", CAP,
	       fails);
	CU_ASSERT(fails <= CAP / 10000);
	CU_ASSERT_EQUAL(sl_ct_count(ct), CAP - fails);
	free(mem);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("ct", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "memsize and capacity", test_memsize) ||
	    !CU_add_test(s, "insert, lookup, delete",
			 test_insert_lookup_delete) ||
	    !CU_add_test(s, "full table", test_full) ||
	    !CU_add_test(s, "full buckets", test_bucket_full) ||
	    !CU_add_test(s, "expiry on lookup", test_expiry_lookup) ||
	    !CU_add_test(s, "sweep", test_sweep) ||
	    !CU_add_test(s, "tcp states and timeouts", test_tcp_states) ||
	    !CU_add_test(s, "time wrap-around", test_wrap) ||
	    !CU_add_test(s, "random model", test_model) ||
	    !CU_add_test(s, "load at capacity", test_load)) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
