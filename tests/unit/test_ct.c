/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: connection tracking table (sl_ct.c), against sl_ct.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_common.h"
#include "sl_ct.h"
#include "sl_flow.h"
#include "sl_pkt.h"

#define FIN	SL_TCP_FIN
#define SYN	SL_TCP_SYN
#define RST	SL_TCP_RST
#define ACK	SL_TCP_ACK

#define SEED	0x5eed0123456789abULL
#define VIP	3		/* the vip_id of the test flows */

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

/* Flow id (< 60000), IPv4: client 198.18.0.0 + id : 1024 + id % 50000 ->
 * VIP 198.19.0.1:80 forward; backend 198.18.128.1:8080 -> SNAT
 * 198.19.1.0 : 1024 + id reverse. IPv6: client 2001:db8::id, VIP
 * 2001:db8:ffff::1, backend 2001:db8:8000::(one of v6_tails), SNAT
 * 2001:db8:1::1, the same ports. */
#define V4_CLIENT	0xc6120000u

/* The last 16 bits of the IPv6 backends. An IPv6 flow's addresses fill
 * the second half of its line, so the backend's last two bytes sit where
 * a head keeps its state (byte 30) and flags (byte 31): these read as a
 * live flow's (SL_CT_F_USED with a state), a V6 head's, an extension's.
 * Nothing may take such a half for a flow. */
static const uint16_t v6_tails[] = {
	0x0304, 0x0305, 0x0344, 0x0714, 0x0324, 0x030c, 0x0764, 0x037f,
};

#define HALF	32	/* a slot: struct sl_ct_entry */
#define LINE	64	/* two slots */

static void
mk_keys6(uint32_t id, uint8_t proto, bool v6, struct sl_flow_key *f,
	 struct sl_flow_key *r)
{
	memset(f, 0, sizeof(*f));
	memset(r, 0, sizeof(*r));
	f->proto = r->proto = proto;
	f->sport = htons((uint16_t)(1024 + id % 50000));
	f->dport = htons(80);
	r->sport = htons(8080);
	r->dport = htons((uint16_t)(1024 + id));
	if (!v6) {
		f->family = r->family = AF_INET;
		f->src[0] = htonl(V4_CLIENT + id);
		f->dst[0] = htonl(0xc6130001u);
		r->src[0] = htonl(0xc6128001u);
		r->dst[0] = htonl(0xc6130100u);
		return;
	}
	f->family = r->family = AF_INET6;
	f->src[0] = htonl(0x20010db8u);
	f->src[3] = htonl(id);
	f->dst[0] = htonl(0x20010db8u);
	f->dst[1] = htonl(0xffff0000u);
	f->dst[3] = htonl(1);
	r->src[0] = htonl(0x20010db8u);
	r->src[1] = htonl(0x80000000u);
	r->src[3] = htonl(v6_tails[id % SL_ARRAY_SIZE(v6_tails)]);
	r->dst[0] = htonl(0x20010db8u);
	r->dst[1] = htonl(0x00010000u);
	r->dst[3] = htonl(1);
}

static void
mk_keys(uint32_t id, uint8_t proto, struct sl_flow_key *f,
	struct sl_flow_key *r)
{
	mk_keys6(id, proto, false, f, r);
}

/* The flow id of an entry made from mk_keys6(). */
static uint32_t
entry_id(const struct sl_ct_entry *e)
{
	if (e->flags & SL_CT_F_V6)
		return ntohl(sl_ct_v6_addrs(e)->client[3]);
	return ntohl(e->client) - V4_CLIENT;
}

/* Whether the flow's addresses, as sl_ct_client() / sl_ct_backend() give
 * them, are those of its keys f and r (family and all four words: the
 * output is poisoned first, so that every byte must be written). */
static bool
addrs_are(const struct sl_ct_entry *e, const struct sl_flow_key *f,
	  const struct sl_flow_key *r)
{
	struct sl_addr c, b;

	memset(&c, 0xa5, sizeof(c));
	memset(&b, 0xa5, sizeof(b));
	sl_ct_client(e, &c);
	sl_ct_backend(e, &b);
	return c.family == f->family && b.family == r->family &&
	       memcmp(c.w, f->src, sizeof(c.w)) == 0 &&
	       memcmp(b.w, r->src, sizeof(b.w)) == 0;
}

/* The addresses as stored: an IPv4 flow's in its head, an IPv6 flow's in
 * the second half of its line (its head's backend field 0). */
static bool
stored_addrs_are(const struct sl_ct_entry *e, const struct sl_flow_key *f,
		 const struct sl_flow_key *r)
{
	if (f->family == AF_INET6)
		return memcmp(sl_ct_v6_addrs(e)->client, f->src, 16) == 0 &&
		       memcmp(sl_ct_v6_addrs(e)->backend, r->src, 16) == 0 &&
		       e->backend == 0;
	return e->client == f->src[0] && e->backend == r->src[0];
}

/* Table memory: 64-byte aligned, filled with garbage to check that init
 * does not rely on zeroed memory. */
static struct sl_ct *
mk_table_seed(uint32_t capacity, const struct sl_ct_timeouts *to,
	      uint64_t seed, void **mem)
{
	size_t sz = sl_ct_memsize(capacity);
	struct sl_ct *ct;

	CU_ASSERT_FATAL(sz > 0 && sz % 64 == 0);
	*mem = aligned_alloc(64, sz);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*mem);
	memset(*mem, 0xa5, sz);
	ct = sl_ct_init(*mem, capacity, to, seed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	return ct;
}

static struct sl_ct *
mk_table(uint32_t capacity, const struct sl_ct_timeouts *to, void **mem)
{
	return mk_table_seed(capacity, to, SEED, mem);
}

/* Expire callback bookkeeping. */
static uint32_t cb_calls;
static uint32_t cb_last_id;
static uint32_t cb_ext_seen;	/* callbacks given an extension slot */
static uint32_t cb_bad;		/* ... given a slot that is not a flow */
static uint8_t cb_seen[1 << 16];

static void
count_cb(const struct sl_ct_entry *e, void *arg)
{
	uint32_t id;

	(*(uint32_t *)arg)++;
	if (e->flags & SL_CT_F_EXT)
		cb_ext_seen++;
	/* Not a flow, or an IPv6 "head" in a line's second half (the tail
	 * of a flow whose address bytes look like one): do not read on. */
	if ((e->flags & (SL_CT_F_USED | SL_CT_F_EXT)) != SL_CT_F_USED ||
	    ((e->flags & SL_CT_F_V6) && (uintptr_t)e % LINE != 0)) {
		cb_bad++;
		return;
	}
	id = entry_id(e);
	cb_last_id = id;
	if (id < SL_ARRAY_SIZE(cb_seen))
		cb_seen[id]++;
	else
		cb_bad++;
}

static void
cb_reset(void)
{
	cb_calls = 0;
	cb_ext_seen = 0;
	cb_bad = 0;
	cb_last_id = UINT32_MAX;
	memset(cb_seen, 0, sizeof(cb_seen));
}

static struct sl_ct_entry *
ins_keys_x(struct sl_ct *ct, const struct sl_flow_key *f, uint16_t vip_id,
	   const struct sl_flow_key *r, uint32_t now, bool ext)
{
	return sl_ct_insert(ct, f, vip_id, sl_ct_hash_fwd(ct, f, vip_id), r,
			    sl_ct_hash_rev(ct, r), now, ext);
}

static struct sl_ct_entry *
ins_keys(struct sl_ct *ct, const struct sl_flow_key *f, uint16_t vip_id,
	 const struct sl_flow_key *r, uint32_t now)
{
	return ins_keys_x(ct, f, vip_id, r, now, false);
}

static struct sl_ct_entry *
look_fwd_key(struct sl_ct *ct, const struct sl_flow_key *f, uint16_t vip_id,
	     uint32_t now)
{
	return sl_ct_lookup_fwd(ct, f, vip_id, sl_ct_hash_fwd(ct, f, vip_id),
				now);
}

static struct sl_ct_entry *
look_rev_key(struct sl_ct *ct, const struct sl_flow_key *r, uint32_t now)
{
	return sl_ct_lookup_rev(ct, r, sl_ct_hash_rev(ct, r), now);
}

/* Inserts flow id (TCP keys of VIP, of either family, with an extension
 * or not; the state decides what it tracks). */
static struct sl_ct_entry *
ins_flow(struct sl_ct *ct, uint32_t id, bool v6, bool ext, uint32_t now)
{
	struct sl_flow_key f, r;

	mk_keys6(id, IPPROTO_TCP, v6, &f, &r);
	return ins_keys_x(ct, &f, VIP, &r, now, ext);
}

/* ... IPv4, no extension. */
static struct sl_ct_entry *
ins(struct sl_ct *ct, uint32_t id, uint32_t now)
{
	return ins_flow(ct, id, false, false, now);
}

/* Lookup by the forward (which 0) or reverse (which 1) key of flow id. */
static struct sl_ct_entry *
look_flow(struct sl_ct *ct, uint32_t id, bool v6, int which, uint32_t now)
{
	struct sl_flow_key f, r;

	mk_keys6(id, IPPROTO_TCP, v6, &f, &r);
	return which ? look_rev_key(ct, &r, now) :
		       look_fwd_key(ct, &f, VIP, now);
}

static struct sl_ct_entry *
look(struct sl_ct *ct, uint32_t id, int which, uint32_t now)
{
	return look_flow(ct, id, false, which, now);
}

static bool
listed(const struct sl_ct *ct, const void *p)
{
	uint32_t i;

	for (i = 0; i < sl_ct_capacity(ct); i++)
		if ((const void *)sl_ct_slot(ct, i) == p)
			return true;
	return false;
}

/* Where slot 0 is (the table is opaque): a flow inserted into the empty
 * table is listed at its slot, then deleted again. */
static const char *
slot_base(struct sl_ct *ct)
{
	const char *base = NULL;
	struct sl_ct_entry *e;
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(sl_ct_count(ct), 0);
	e = ins(ct, 59999, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, 0);
	for (i = 0; i < sl_ct_capacity(ct); i++)
		if (sl_ct_slot(ct, i) == e)
			base = (const char *)e - (size_t)i * HALF;
	sl_ct_delete(ct, e);
	CU_ASSERT_EQUAL_FATAL(sl_ct_count(ct), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	/* Lines are cache lines. */
	CU_ASSERT_EQUAL(((uintptr_t)base) % LINE, 0);
	return base;
}

/* Listed flows; every one of them must be a flow, not an extension, and
 * an IPv6 flow's head must start its line (an even slot). */
static uint32_t
count_listed(const struct sl_ct *ct)
{
	const struct sl_ct_entry *e;
	uint32_t i, n = 0;

	for (i = 0; i < sl_ct_capacity(ct) + 5; i++) {
		e = sl_ct_slot(ct, i);
		if (e == NULL)
			continue;
		CU_ASSERT(i < sl_ct_capacity(ct));
		CU_ASSERT_EQUAL(e->flags & (SL_CT_F_USED | SL_CT_F_EXT),
				SL_CT_F_USED);
		CU_ASSERT_NOT_EQUAL(e->state, SL_CT_FREE);
		if (e->flags & SL_CT_F_V6)
			CU_ASSERT(i % 2 == 0);
		n++;
	}
	return n;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
test_memsize(void)
{
	struct sl_ct *ct;
	uint32_t cap;
	size_t hdr;
	void *mem;
	char *raw;

	/* A head is a half line, an IPv6 flow's addresses the other half;
	 * an extension fits in a half. The tail patterns (v6_tails) aim at
	 * the flags byte: the last of the half. */
	CU_ASSERT_EQUAL(sizeof(struct sl_ct_entry), HALF);
	CU_ASSERT_EQUAL(_Alignof(struct sl_ct_entry), HALF);
	CU_ASSERT_EQUAL(sizeof(struct sl_ct_v6), HALF);
	CU_ASSERT(sizeof(struct sl_ct_ext) <= HALF);
	CU_ASSERT_EQUAL(offsetof(struct sl_ct_entry, flags), HALF - 1);
	CU_ASSERT_EQUAL(sl_ct_gen16(0xabcd1234u), 0x1234);
	/* 48 bytes per slot (the half, a quarter of a 64-byte bucket) and
	 * a fixed header, for every capacity. */
	hdr = sl_ct_memsize(64) - 64 * 48;
	CU_ASSERT(sl_ct_memsize(64) > 64 * 48);
	CU_ASSERT(hdr < 1024 && hdr % 64 == 0);
	for (cap = 64; cap <= (1u << 28); cap <<= 1)
		CU_ASSERT_EQUAL(sl_ct_memsize(cap), (size_t)cap * 48 + hdr);
	for (cap = 1024; cap <= (1u << 22); cap <<= 1)
		CU_ASSERT(sl_ct_memsize(cap) / cap <= 48);
	CU_ASSERT_EQUAL(sl_ct_memsize(1), sl_ct_memsize(64));
	CU_ASSERT_EQUAL(sl_ct_memsize(0), sl_ct_memsize(64));
	CU_ASSERT_EQUAL(sl_ct_memsize(100), sl_ct_memsize(128));
	CU_ASSERT_EQUAL(sl_ct_memsize(129), sl_ct_memsize(256));
	CU_ASSERT_EQUAL(sl_ct_memsize((1u << 28) + 1), 0);
	CU_ASSERT_EQUAL(sl_ct_memsize(UINT32_MAX), 0);
	printf("\n    sizeof(struct sl_ct_entry) = %zu, memsize(1M) = %zu "
	       "(%.2f bytes/slot) ", sizeof(struct sl_ct_entry),
	       sl_ct_memsize(1u << 20), sl_ct_memsize(1u << 20) / 1048576.0);

	ct = mk_table(100, NULL, &mem);
	CU_ASSERT_EQUAL(sl_ct_capacity(ct), 128);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	CU_ASSERT_EQUAL(count_listed(ct), 0);
	free(mem);
	ct = mk_table(1, NULL, &mem);
	CU_ASSERT_EQUAL(sl_ct_capacity(ct), 64);
	free(mem);
	ct = mk_table(4096, NULL, &mem);
	CU_ASSERT_EQUAL(sl_ct_capacity(ct), 4096);
	free(mem);

	/* Misaligned memory or absurd capacity: NULL, errno EINVAL. */
	raw = aligned_alloc(64, sl_ct_memsize(64) + 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ct_init(raw + 8, 64, NULL, SEED));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ct_init(raw, 0x80000000u, NULL, SEED));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ct_init(NULL, 64, NULL, SEED));
	CU_ASSERT_EQUAL(errno, EINVAL);
	free(raw);
}

static void
test_insert_lookup_delete(void)
{
	struct sl_ct_entry *e, *x;
	struct sl_flow_key f, r;
	struct sl_ct *ct;
	uint32_t id, now = 1000;
	void *mem;

	/* 150 IPv4 flows (a half each) and 50 IPv6 (a line each): 250 of
	 * the 256 slots. */
	ct = mk_table(256, NULL, &mem);
	for (id = 0; id < 200; id++) {
		bool v6 = id % 4 == 3;
		uint8_t proto = id % 5 == 0 ? IPPROTO_UDP : IPPROTO_TCP;
		uint8_t st, fl;

		mk_keys6(id, proto, v6, &f, &r);
		e = ins_keys(ct, &f, (uint16_t)(id % 7), &r, now);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		/* A half; an IPv6 flow's head starts its line. */
		CU_ASSERT_EQUAL(((uintptr_t)e) % (v6 ? LINE : HALF), 0);
		CU_ASSERT_TRUE(addrs_are(e, &f, &r));
		CU_ASSERT_TRUE(stored_addrs_are(e, &f, &r));
		CU_ASSERT_EQUAL(e->cport, f.sport);
		CU_ASSERT_EQUAL(e->bport, r.sport);
		CU_ASSERT_EQUAL(e->lport, r.dport);
		CU_ASSERT_EQUAL(e->vip_id, id % 7);
		CU_ASSERT_EQUAL(sl_ct_proto(e), proto);
		CU_ASSERT_EQUAL(e->flags,
				SL_CT_F_USED | (v6 ? SL_CT_F_V6 : 0) |
				(proto == IPPROTO_UDP ? SL_CT_F_UDP : 0));
		CU_ASSERT_EQUAL(sl_ct_family(e), v6 ? AF_INET6 : AF_INET);
		CU_ASSERT_EQUAL(e->last_seen, now);
		CU_ASSERT(e->state == SL_CT_FREE && e->backend_id == 0 &&
			  e->backend_gen == 0 && e->nh_backend == 0 &&
			  e->nh_client == 0 && e->acl_gen == 0 &&
			  e->in_port == 0 && e->out_port == 0);
		CU_ASSERT_FALSE(sl_ct_has_ext(e));
		CU_ASSERT_PTR_NULL(sl_ct_ext(ct, e));
		/* Not listed until the first update gives it a state. */
		CU_ASSERT_FALSE(listed(ct, e));
		sl_ct_update(e, proto, SL_CT_DIR_FWD, SYN, now);
		st = e->state;
		fl = e->flags;
		/* The bitfields take their whole range and leave their
		 * neighbours (state, flags, the IPv6 addresses) alone:
		 * backend ids up to 4095, ports 0..15. */
		e->backend_id = (uint16_t)(4095 - id);
		e->out_port = 15;
		e->in_port = (uint8_t)(id % 16);
		e->backend_gen = sl_ct_gen16(0xffff0000u + id * 300);
		e->nh_backend = 0xffff;
		e->nh_client = 0xffff;
		e->acl_gen = 0xffff;
		CU_ASSERT_EQUAL(e->state, st);
		CU_ASSERT_EQUAL(e->flags, fl);
		CU_ASSERT_EQUAL(sl_ct_proto(e), proto);
		CU_ASSERT_EQUAL(e->flags & SL_CT_F_V6, v6 ? SL_CT_F_V6 : 0);
		CU_ASSERT_EQUAL(e->vip_id, id % 7);
		CU_ASSERT_EQUAL(e->last_seen, now);
		CU_ASSERT_TRUE(addrs_are(e, &f, &r));
		CU_ASSERT_TRUE(listed(ct, e));
		if (v6)
			CU_ASSERT_FALSE(listed(ct, e + 1));
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 200);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);

	for (id = 0; id < 200; id++) {
		mk_keys6(id, id % 5 == 0 ? IPPROTO_UDP : IPPROTO_TCP,
			 id % 4 == 3, &f, &r);
		e = look_fwd_key(ct, &f, (uint16_t)(id % 7), now);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->backend_id, 4095 - id);
		CU_ASSERT_EQUAL(e->out_port, 15);
		CU_ASSERT_EQUAL(e->in_port, id % 16);
		CU_ASSERT_EQUAL(e->backend_gen, (uint16_t)(id * 300));
		CU_ASSERT_TRUE(addrs_are(e, &f, &r));
		x = look_rev_key(ct, &r, now);
		CU_ASSERT_PTR_EQUAL(x, e);
		/* A forward key is not a reverse key, nor the other way. */
		CU_ASSERT_PTR_NULL(look_rev_key(ct, &f, now));
		CU_ASSERT_PTR_NULL(look_fwd_key(ct, &r, (uint16_t)(id % 7),
						now));
	}
	/* Unknown keys. */
	mk_keys(300, IPPROTO_TCP, &f, &r);
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, VIP, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, now));

	/* Listing: every updated flow appears once. */
	CU_ASSERT_EQUAL(count_listed(ct), 200);

	/* Flow 6: IPv4, TCP, VIP 6. */
	mk_keys(6, IPPROTO_TCP, &f, &r);
	e = look_rev_key(ct, &r, now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f, 6, now), e);
	sl_ct_delete(ct, e);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 199);
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, 6, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, now));
	CU_ASSERT_FALSE(listed(ct, e));
	sl_ct_delete(ct, e);	/* stale pointer: no effect */
	CU_ASSERT_EQUAL(sl_ct_count(ct), 199);
	CU_ASSERT_EQUAL(count_listed(ct), 199);
	mk_keys(9, IPPROTO_TCP, &f, &r);
	CU_ASSERT_PTR_NOT_NULL(look_rev_key(ct, &r, now));
	/* Re-insert after delete (under another VIP this time). */
	mk_keys(6, IPPROTO_TCP, &f, &r);
	e = ins_keys(ct, &f, 0, &r, now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r, now), e);
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f, 0, now), e);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 200);
	free(mem);
}

/* (a) A lookup matches only its own key, even given the stored key's hash
 * (same buckets, same signature: the compare decides). */
static void
test_lookup_match(void)
{
	struct sl_flow_key f, r, g, f6, r6;
	struct sl_ct_entry *e, *e6;
	struct sl_ct *ct;
	uint32_t hf, hr, now = 10;
	void *mem;

	ct = mk_table(256, NULL, &mem);
	mk_keys(5, IPPROTO_TCP, &f, &r);
	hf = sl_ct_hash_fwd(ct, &f, VIP);
	hr = sl_ct_hash_rev(ct, &r);
	e = sl_ct_insert(ct, &f, VIP, hf, &r, hr, now, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_fwd(ct, &f, VIP, hf, now), e);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_rev(ct, &r, hr, now), e);

	/* Forward: another VIP, proto, client port or address. */
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &f, VIP + 1, hf, now));
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &f, VIP + 1,
			   sl_ct_hash_fwd(ct, &f, VIP + 1), now));
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &f, 0, hf, now));
	g = f;
	g.proto = IPPROTO_UDP;
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &g, VIP, hf, now));
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &g, VIP, now));
	g = f;
	g.sport ^= htons(1);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &g, VIP, hf, now));
	g = f;
	g.src[0] ^= htonl(1);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &g, VIP, hf, now));
	/* IPv6 key whose first word is the IPv4 client (the rest zero),
	 * and with more words. */
	g = f;
	g.family = AF_INET6;
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &g, VIP, hf, now));
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &g, VIP, now));
	g.src[3] = htonl(1);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd(ct, &g, VIP, hf, now));
	/* The destination is the VIP's (its id): not compared. */
	g = f;
	g.dst[0] = htonl(0x0a000001u);
	g.dport = htons(443);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_fwd(ct, &g, VIP, hf, now), e);
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &g, VIP, now), e);

	/* Reverse: another local port, backend port, backend, proto,
	 * family. */
	g = r;
	g.dport ^= htons(1);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev(ct, &g, hr, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &g, now));
	g = r;
	g.sport ^= htons(1);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev(ct, &g, hr, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &g, now));
	g = r;
	g.src[0] ^= htonl(0x100);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev(ct, &g, hr, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &g, now));
	g = r;
	g.proto = IPPROTO_UDP;
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev(ct, &g, hr, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &g, now));
	g = r;
	g.family = AF_INET6;
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev(ct, &g, hr, now));
	/* The local address is not compared. */
	g = r;
	g.dst[0] = htonl(0x0a000002u);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_rev(ct, &g, hr, now), e);
	CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &g, now), e);

	/* The IPv6 twin (the IPv4 words, family AF_INET6) is a flow of its
	 * own, even under the IPv4 flow's hashes. */
	f6 = f;
	f6.family = AF_INET6;
	r6 = r;
	r6.family = AF_INET6;
	e6 = ins_keys(ct, &f6, VIP, &r6, now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e6);
	CU_ASSERT_PTR_NOT_EQUAL(e6, e);
	CU_ASSERT_EQUAL(e6->flags & SL_CT_F_V6, SL_CT_F_V6);
	CU_ASSERT_EQUAL(e->flags & SL_CT_F_V6, 0);
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f6, VIP, now), e6);
	CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r6, now), e6);
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f, VIP, now), e);
	CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r, now), e);
	CU_ASSERT_PTR_NOT_EQUAL(sl_ct_lookup_fwd(ct, &f6, VIP,
			   sl_ct_hash_fwd(ct, &f, VIP), now), e);
	CU_ASSERT_PTR_NOT_EQUAL(sl_ct_lookup_fwd(ct, &f, VIP,
			   sl_ct_hash_fwd(ct, &f6, VIP), now), e6);
	CU_ASSERT_PTR_NOT_EQUAL(sl_ct_lookup_rev(ct, &r6, hr, now), e);
	CU_ASSERT_PTR_NOT_EQUAL(sl_ct_lookup_rev(ct, &r,
			   sl_ct_hash_rev(ct, &r6), now), e6);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 2);
	sl_ct_delete(ct, e);
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, VIP, now));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, now));
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f6, VIP, now), e6);
	CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r6, now), e6);
	free(mem);
}

/* Key with source and destination swapped. */
static void
swap_key(const struct sl_flow_key *k, struct sl_flow_key *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->src, k->dst, 16);
	memcpy(s->dst, k->src, 16);
	s->sport = k->dport;
	s->dport = k->sport;
	s->proto = k->proto;
	s->family = k->family;
}

/* The hinted lookups give what the plain ones give: with the entry that
 * sl_ct_prefetch_entry() returned, with another flow's, with none, after
 * the table changed (a stale hint), and for an expired flow, which is
 * removed through its hint as a plain lookup removes it. */
static void
test_lookup_hint(void)
{
	struct sl_flow_key f[3], r[3];
	struct sl_ct_entry *e[3];
	const void *hf, *hr;
	struct sl_ct *ct;
	uint32_t i, gen, hfw, hrv, calls = 0;
	void *mem;

	ct = mk_table(1024, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	for (i = 0; i < 3; i++) {
		mk_keys(i, IPPROTO_TCP, &f[i], &r[i]);
		e[i] = ins_keys(ct, &f[i], VIP, &r[i], 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e[i]);
		sl_ct_update(e[i], IPPROTO_TCP, SL_CT_DIR_FWD, SL_TCP_ACK, 0);
	}
	hfw = sl_ct_hash_fwd(ct, &f[0], VIP);
	hrv = sl_ct_hash_rev(ct, &r[0]);
	hf = sl_ct_prefetch_entry(ct, hfw);
	hr = sl_ct_prefetch_entry(ct, hrv);
	CU_ASSERT_PTR_EQUAL(hf, e[0]);
	CU_ASSERT_PTR_EQUAL(hr, e[0]);
	gen = sl_ct_gen(ct);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_fwd_hint(ct, &f[0], VIP, hfw, 1, hf,
						  gen), e[0]);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_rev_hint(ct, &r[0], hrv, 1, hr, gen),
			    e[0]);
	/* Another flow's entry, or none: the buckets decide. */
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_fwd_hint(ct, &f[0], VIP, hfw, 1, e[1],
						  gen), e[0]);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_rev_hint(ct, &r[0], hrv, 1, e[2],
						  gen), e[0]);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_fwd_hint(ct, &f[0], VIP, hfw, 1, NULL,
						  gen), e[0]);
	/* The right entry for another VIP's key, or the forward key looked
	 * up as a reverse one: not that flow. */
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd_hint(ct, &f[0], VIP + 1,
						 sl_ct_hash_fwd(ct, &f[0],
								VIP + 1),
						 1, hf, gen));
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev_hint(ct, &f[0], hfw, 1, hf, gen));
	/* Every change of the index moves the generation: a hint taken
	 * before no longer skips the buckets. */
	sl_ct_delete(ct, e[0]);
	CU_ASSERT_NOT_EQUAL(sl_ct_gen(ct), gen);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd_hint(ct, &f[0], VIP, hfw, 1, hf,
						 gen));
	CU_ASSERT_PTR_NULL(sl_ct_lookup_rev_hint(ct, &r[0], hrv, 1, hr, gen));
	gen = sl_ct_gen(ct);
	e[0] = ins_keys(ct, &f[0], VIP, &r[0], 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e[0]);
	CU_ASSERT_NOT_EQUAL(sl_ct_gen(ct), gen);
	CU_ASSERT_PTR_EQUAL(sl_ct_lookup_fwd_hint(ct, &f[0], VIP, hfw, 3, hf,
						  gen), e[0]);
	/* Expired, found through its hint: removed, the callback told. */
	hfw = sl_ct_hash_fwd(ct, &f[1], VIP);
	hf = sl_ct_prefetch_entry(ct, hfw);
	CU_ASSERT_PTR_EQUAL(hf, e[1]);
	gen = sl_ct_gen(ct);
	CU_ASSERT_PTR_NULL(sl_ct_lookup_fwd_hint(ct, &f[1], VIP, hfw,
						 1u << 30, hf, gen));
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_PTR_NULL(look(ct, 1, 0, 1));
	CU_ASSERT_PTR_EQUAL(look(ct, 2, 0, 1), e[2]);
	free(mem);
}

/* (b) The rebuilt keys are the inserted ones, byte for byte. */
static void
test_key_rebuild(void)
{
	struct sl_flow_key f, r, k, want;
	struct sl_addr vip, local;
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t id;
	void *mem;

	ct = mk_table(64, NULL, &mem);
	for (id = 0; id < 8; id++) {
		bool v6 = id & 1;
		uint8_t proto = id & 2 ? IPPROTO_UDP : IPPROTO_TCP;

		mk_keys6(40000 + id * 1111, proto, v6, &f, &r);
		if (id & 4) {	/* other ports and addresses */
			f.dport = htons(8443);
			f.dst[0] ^= htonl(0x00000200u);
			r.dst[0] ^= htonl(0x00000300u);
			r.src[v6 ? 2 : 0] ^= htonl(0x00010000u);
			r.sport = htons(65535);
		}
		e = ins_keys(ct, &f, (uint16_t)(100 + id), &r, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, proto, SL_CT_DIR_FWD, SYN, 2);
		sl_flow_key_dst(&f, &vip);
		sl_flow_key_dst(&r, &local);

		memset(&k, 0xa5, sizeof(k));
		sl_ct_key_fwd(e, &vip, f.dport, &k);
		CU_ASSERT_EQUAL(memcmp(&k, &f, sizeof(k)), 0);
		memset(&k, 0xa5, sizeof(k));
		sl_ct_key_rev(e, &local, &k);
		CU_ASSERT_EQUAL(memcmp(&k, &r, sizeof(k)), 0);
		/* local -> backend, VIP -> client */
		memset(&k, 0xa5, sizeof(k));
		sl_ct_key_to_backend(e, &local, &k);
		swap_key(&r, &want);
		CU_ASSERT_EQUAL(memcmp(&k, &want, sizeof(k)), 0);
		memset(&k, 0xa5, sizeof(k));
		sl_ct_key_to_client(e, &vip, f.dport, &k);
		swap_key(&f, &want);
		CU_ASSERT_EQUAL(memcmp(&k, &want, sizeof(k)), 0);
		/* The rebuilt keys find the flow. */
		sl_ct_key_fwd(e, &vip, f.dport, &k);
		CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &k, (uint16_t)(100 + id),
						 3), e);
		sl_ct_key_rev(e, &local, &k);
		CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &k, 3), e);
	}
	/* Spot check of one IPv4 to_client key, field by field. */
	mk_keys(12, IPPROTO_TCP, &f, &r);
	e = ins_keys(ct, &f, VIP, &r, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_flow_key_dst(&f, &vip);
	sl_ct_key_to_client(e, &vip, htons(80), &k);
	CU_ASSERT_EQUAL(k.src[0], htonl(0xc6130001u));
	CU_ASSERT_EQUAL(k.dst[0], htonl(V4_CLIENT + 12));
	CU_ASSERT_EQUAL(k.sport, htons(80));
	CU_ASSERT_EQUAL(k.dport, htons(1024 + 12));
	CU_ASSERT_EQUAL(k.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(k.family, AF_INET);
	free(mem);
}

/* (c) Extensions. */
static void
fill_ext(struct sl_ct_ext *x, uint32_t tag)
{
	x->seq_delta = tag;
	x->ts_delta = ~tag;
	x->isn = tag * 3 + 1;
	x->cwin = (uint16_t)(tag | 1);
	x->ws_ours = 7;
	x->ws_backend = 14;
	x->pflags = SL_CT_P_SYNPROXY | SL_CT_P_PP2 | SL_CT_P_WS;
}

static bool
ext_is(const struct sl_ct_ext *x, uint32_t tag)
{
	return x->seq_delta == tag && x->ts_delta == ~tag &&
	       x->isn == tag * 3 + 1 && x->cwin == (uint16_t)(tag | 1) &&
	       x->ws_ours == 7 && x->ws_backend == 14 &&
	       x->pflags == (SL_CT_P_SYNPROXY | SL_CT_P_PP2 | SL_CT_P_WS);
}

/* The cache line that holds p. */
static const void *
line_of(const void *p)
{
	return (const void *)((uintptr_t)p & ~(uintptr_t)(LINE - 1));
}

/* The other half of e's line. */
static struct sl_ct_entry *
buddy_of(const struct sl_ct_entry *e)
{
	return (struct sl_ct_entry *)((uintptr_t)e ^ HALF);
}

static void
test_ext(void)
{
	struct sl_ct_entry *e, *e2, *e6, *e3, *ents[64];
	struct sl_ct_ext *x, *x6, *y;
	struct sl_ct_timeouts to;
	struct sl_flow_key f, r;
	struct sl_ct *ct;
	uint32_t id, n, a, b = 0, calls = 0, before, t;
	void *mem;

	sl_ct_timeouts_default(&to);
	ct = mk_table(64, &to, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();

	/* An IPv4 flow with an extension takes a whole line: the head,
	 * then the extension (zeroed) in the second half. */
	e = ins_flow(ct, 1, false, true, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, 0);
	CU_ASSERT_TRUE(sl_ct_has_ext(e));
	CU_ASSERT_EQUAL(e->flags, SL_CT_F_USED | SL_CT_F_HAS_EXT);
	x = sl_ct_ext(ct, e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_TRUE(all_zero(x, sizeof(*x)));
	CU_ASSERT_EQUAL((uintptr_t)e % LINE, 0);
	CU_ASSERT_PTR_EQUAL((const void *)x, (const void *)(e + 1));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 1);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 1);
	fill_ext(x, 0x11223344u);
	/* The same pointer again, not zeroed again. */
	CU_ASSERT_PTR_EQUAL(sl_ct_ext(ct, e), x);
	CU_ASSERT_TRUE(ext_is(x, 0x11223344u));
	/* The flow's fields and the extension do not overlap. */
	CU_ASSERT_EQUAL(e->flags, SL_CT_F_USED | SL_CT_F_HAS_EXT);
	CU_ASSERT_EQUAL(entry_id(e), 1);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_SENT);
	CU_ASSERT_PTR_EQUAL(look(ct, 1, 0, 1), e);
	CU_ASSERT_PTR_EQUAL(look(ct, 1, 1, 1), e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, SYN | ACK | FIN, 2);
	e->backend_id = 0xfff;
	e->backend_gen = 0xffff;
	e->nh_backend = 0xffff;
	e->nh_client = 0xffff;
	e->acl_gen = 0xffff;
	e->in_port = 15;
	CU_ASSERT_TRUE(ext_is(x, 0x11223344u));
	CU_ASSERT_PTR_EQUAL(sl_ct_ext(ct, e), x);
	CU_ASSERT_TRUE(sl_ct_has_ext(e));

	/* A flow inserted without one has none. */
	e2 = ins(ct, 2, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e2);
	sl_ct_update(e2, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 2);
	CU_ASSERT_FALSE(sl_ct_has_ext(e2));
	CU_ASSERT_PTR_NULL(sl_ct_ext(ct, e2));
	CU_ASSERT_PTR_NOT_EQUAL(line_of(e2), line_of(e));

	/* An IPv6 flow with one: its line, and one more half elsewhere. */
	e6 = ins_flow(ct, 3, true, true, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e6);
	sl_ct_update(e6, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, 2);
	CU_ASSERT_EQUAL(e6->flags,
			SL_CT_F_USED | SL_CT_F_V6 | SL_CT_F_HAS_EXT);
	x6 = sl_ct_ext(ct, e6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x6);
	CU_ASSERT_EQUAL((uintptr_t)x6 % HALF, 0);
	CU_ASSERT_PTR_NOT_EQUAL(line_of(x6), line_of(e6));
	CU_ASSERT_PTR_NOT_EQUAL(line_of(x6), line_of(e));
	CU_ASSERT_PTR_NOT_EQUAL((const void *)x6, (const void *)e2);
	CU_ASSERT_TRUE(all_zero(x6, sizeof(*x6)));
	fill_ext(x6, 3);
	mk_keys6(3, IPPROTO_TCP, true, &f, &r);
	CU_ASSERT_TRUE(addrs_are(e6, &f, &r));
	CU_ASSERT_PTR_EQUAL(look_flow(ct, 3, true, 0, 2), e6);
	CU_ASSERT_PTR_EQUAL(look_flow(ct, 3, true, 1, 2), e6);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 3);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 2);
	/* Listings show the three flows, never an extension or the second
	 * half of an IPv6 flow. */
	CU_ASSERT_EQUAL(count_listed(ct), 3);
	CU_ASSERT_FALSE(listed(ct, x));
	CU_ASSERT_FALSE(listed(ct, x6));
	CU_ASSERT_FALSE(listed(ct, e6 + 1));

	/* Fill the table: 64 halves, 6 taken. */
	for (id = 10, n = 0; id < 200 && n < 64; id++) {
		e3 = ins(ct, id, 3);
		if (e3 == NULL)
			break;
		sl_ct_update(e3, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 3);
		ents[n++] = e3;
	}
	CU_ASSERT_EQUAL_FATAL(n, 58);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 61);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 2);
	CU_ASSERT_EQUAL(count_listed(ct), 61);
	/* No room for a flow with an extension, of either family. */
	CU_ASSERT_PTR_NULL(ins_flow(ct, 300, false, true, 3));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 300, true, true, 3));
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 2);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 61);

	/* Two of the new flows that share a line. */
	for (a = 0; a < n; a++) {
		for (b = 0; b < n && ents[b] != buddy_of(ents[a]); b++)
			;
		if (b < n)
			break;
	}
	CU_ASSERT_FATAL(a < n);
	/* Deleting one frees a half whose buddy is taken: still no line
	 * for a flow with an extension, nor for an IPv6 flow. */
	sl_ct_delete(ct, ents[a]);
	CU_ASSERT_PTR_NULL(ins_flow(ct, 301, false, true, 3));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 301, true, false, 3));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 60);
	/* The buddy too: the line is whole again and takes an IPv4 flow
	 * with an extension, zeroed although the half held a flow. */
	sl_ct_delete(ct, ents[b]);
	e3 = ins_flow(ct, 302, false, true, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e3);
	CU_ASSERT_PTR_EQUAL(line_of(e3), line_of(ents[a]));
	y = sl_ct_ext(ct, e3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	CU_ASSERT_PTR_EQUAL((const void *)y, (const void *)(e3 + 1));
	CU_ASSERT_TRUE(all_zero(y, sizeof(*y)));
	fill_ext(y, 100);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 60);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 3);
	CU_ASSERT_PTR_NULL(ins(ct, 303, 3));
	/* A stale pointer to a half that now holds an extension (every
	 * half held a flow once): ignored. So is a pointer to an IPv6
	 * flow's second half, whatever its bytes look like. */
	sl_ct_delete(ct, (struct sl_ct_entry *)(void *)y);
	sl_ct_delete(ct, e6 + 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 60);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 3);
	CU_ASSERT_PTR_EQUAL(sl_ct_ext(ct, e3), y);
	CU_ASSERT_TRUE(ext_is(y, 100));
	CU_ASSERT_PTR_EQUAL(look_flow(ct, 3, true, 1, 3), e6);
	CU_ASSERT_TRUE(addrs_are(e6, &f, &r));
	CU_ASSERT_PTR_NULL(ins(ct, 303, 3));
	/* Deleting the IPv4 flow with an extension frees its line: an
	 * IPv6 flow fits, without the old extension. */
	sl_ct_delete(ct, e3);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 59);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 2);
	CU_ASSERT_PTR_NULL(look(ct, 302, 0, 3));
	e3 = ins_flow(ct, 304, true, false, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e3);
	CU_ASSERT_FALSE(sl_ct_has_ext(e3));
	CU_ASSERT_PTR_NULL(sl_ct_ext(ct, e3));	/* the old ext is gone */
	sl_ct_update(e3, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 3);
	CU_ASSERT_PTR_NULL(ins(ct, 305, 3));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 60);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 2);
	/* Deleting the IPv6 flow with an extension frees its line and a
	 * half whose buddy is taken (the table is full): room for another
	 * IPv6 flow with an extension, and nothing more. */
	sl_ct_delete(ct, e6);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 59);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 1);
	CU_ASSERT_PTR_NULL(look_flow(ct, 3, true, 0, 3));
	e6 = ins_flow(ct, 306, true, true, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e6);
	sl_ct_update(e6, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, 3);
	x6 = sl_ct_ext(ct, e6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x6);
	CU_ASSERT_PTR_NOT_EQUAL(line_of(x6), line_of(e6));
	CU_ASSERT_TRUE(all_zero(x6, sizeof(*x6)));
	fill_ext(x6, 306);
	CU_ASSERT_PTR_NULL(ins(ct, 307, 3));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 60);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 2);
	CU_ASSERT_EQUAL(count_listed(ct), 60);
	CU_ASSERT_TRUE(ext_is(x, 0x11223344u));

	/* The sweep never expires an extension on its own: flow 1 is kept
	 * alive across many full sweeps far beyond every timeout, while
	 * everything else expires. */
	before = sl_ct_count(ct);
	for (t = 100000; t <= 2000000; t += 100000) {
		sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, t);
		sl_ct_sweep(ct, t, 1000);
		CU_ASSERT_PTR_EQUAL(sl_ct_ext(ct, e), x);
	}
	CU_ASSERT_EQUAL(cb_ext_seen, 0);
	CU_ASSERT_EQUAL(cb_bad, 0);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 1);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 1);
	CU_ASSERT_EQUAL(calls, before - 1);
	CU_ASSERT_EQUAL(cb_seen[1], 0);
	CU_ASSERT_EQUAL(cb_seen[306], 1);
	CU_ASSERT_TRUE(ext_is(x, 0x11223344u));
	CU_ASSERT_PTR_EQUAL(look(ct, 1, 1, t), e);
	CU_ASSERT_EQUAL(count_listed(ct), 1);

	/* Expiry by lookup takes the extension with it. */
	calls = 0;
	CU_ASSERT_PTR_NULL(look(ct, 1, 0, t + 300000));
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);

	/* Expiry by sweep too; and by insert's reclaim in a full table. */
	e = ins_flow(ct, 1, false, true, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(sl_ct_ext(ct, e));
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 1);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, t + 5000, 1000), 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	/* Empty again, every line whole: 32 flows with an extension. */
	for (id = 0; id < 32; id++) {
		e = ins_flow(ct, id, false, true, t);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, t);
		CU_ASSERT_PTR_NOT_NULL(sl_ct_ext(ct, e));
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 32);
	CU_ASSERT_PTR_NULL(ins(ct, 40, t + 1000));
	calls = 0;
	e = ins(ct, 40, t + 30000);
	CU_ASSERT_PTR_NOT_NULL(e);
	CU_ASSERT(calls >= 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32 - calls + 1);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 32 - calls);
	CU_ASSERT_EQUAL(cb_ext_seen, 0);
	CU_ASSERT_EQUAL(cb_bad, 0);
	free(mem);
}

/* (e) The index hashes. */
static void
test_hash(void)
{
	struct sl_ct *a, *b, *c, *d;
	struct sl_flow_key f, r, g;
	uint32_t id, same_seed = 0, diff_seed = 0, diff_hi = 0, diff_vip = 0;
	uint32_t diff_sport = 0, diff_src = 0, diff_proto = 0;
	uint32_t rdiff_seed = 0, rdiff_dport = 0, rdiff_sport = 0;
	uint32_t rdiff_src = 0, rdiff_proto = 0, rdiff_hi = 0;
	uint32_t fwd_dst_same = 0, rev_dst_same = 0, fr_same = 0;
	void *ma, *mb, *mc, *md;

	a = mk_table_seed(1024, NULL, 1, &ma);
	b = mk_table_seed(1024, NULL, 2, &mb);
	c = mk_table_seed(1024, NULL, 1, &mc);
	d = mk_table_seed(1024, NULL, 1 | (1ull << 40), &md);
	for (id = 0; id < 1000; id++) {
		bool v6 = id % 2;
		uint32_t h, hr;

		mk_keys6(id, IPPROTO_TCP, v6, &f, &r);
		h = sl_ct_hash_fwd(a, &f, VIP);
		hr = sl_ct_hash_rev(a, &r);

		same_seed += sl_ct_hash_fwd(c, &f, VIP) == h &&
			     sl_ct_hash_rev(c, &r) == hr;
		diff_seed += sl_ct_hash_fwd(b, &f, VIP) != h;
		rdiff_seed += sl_ct_hash_rev(b, &r) != hr;
		diff_hi += sl_ct_hash_fwd(d, &f, VIP) != h;
		rdiff_hi += sl_ct_hash_rev(d, &r) != hr;
		diff_vip += sl_ct_hash_fwd(a, &f, VIP + 1 + id % 100) != h;
		fr_same += h == hr;

		/* Forward: the destination is not read. */
		g = f;
		g.dst[0] ^= htonl(0x01020304u);
		g.dst[3] ^= htonl(id);
		g.dport = htons((uint16_t)(id + 1));
		fwd_dst_same += sl_ct_hash_fwd(a, &g, VIP) == h;
		g = f;
		g.sport ^= htons(0x100);
		diff_sport += sl_ct_hash_fwd(a, &g, VIP) != h;
		g = f;
		g.src[v6 ? 3 : 0] ^= htonl(0x10000);
		diff_src += sl_ct_hash_fwd(a, &g, VIP) != h;
		g = f;
		g.proto = IPPROTO_UDP;
		diff_proto += sl_ct_hash_fwd(a, &g, VIP) != h;

		/* Reverse: the destination address is not read, the
		 * destination port is. */
		g = r;
		g.dst[0] ^= htonl(0x01020304u);
		g.dst[3] ^= htonl(id);
		rev_dst_same += sl_ct_hash_rev(a, &g) == hr;
		g = r;
		g.dport ^= htons(0x4000);
		rdiff_dport += sl_ct_hash_rev(a, &g) != hr;
		g = r;
		g.sport = htons((uint16_t)(9000 + id));
		rdiff_sport += sl_ct_hash_rev(a, &g) != hr;
		g = r;
		g.src[v6 ? 3 : 0] ^= htonl(0x10000);
		rdiff_src += sl_ct_hash_rev(a, &g) != hr;
		g = r;
		g.proto = IPPROTO_UDP;
		rdiff_proto += sl_ct_hash_rev(a, &g) != hr;
	}
	CU_ASSERT_EQUAL(same_seed, 1000);
	CU_ASSERT_EQUAL(fwd_dst_same, 1000);
	CU_ASSERT_EQUAL(rev_dst_same, 1000);
	/* "Most": at most 1% equal (by chance, 1000 / 2^32 expected). */
	CU_ASSERT(diff_seed >= 990);
	CU_ASSERT(rdiff_seed >= 990);
	CU_ASSERT(diff_hi >= 990);
	CU_ASSERT(rdiff_hi >= 990);
	CU_ASSERT(diff_vip >= 990);
	CU_ASSERT(diff_sport >= 990);
	CU_ASSERT(diff_src >= 990);
	CU_ASSERT(diff_proto >= 990);
	CU_ASSERT(rdiff_dport >= 990);
	CU_ASSERT(rdiff_sport >= 990);
	CU_ASSERT(rdiff_src >= 990);
	CU_ASSERT(rdiff_proto >= 990);
	CU_ASSERT(fr_same <= 10);
	printf("\n    of 1000 keys, hashes differ: seed %u/%u, seed bit 40 "
	       "%u/%u, vip %u, sport %u, src %u, proto %u; rev dport %u ",
	       diff_seed, rdiff_seed, diff_hi, rdiff_hi, diff_vip,
	       diff_sport, diff_src, diff_proto, rdiff_dport);
	free(ma);
	free(mb);
	free(mc);
	free(md);
}

static void
test_full(void)
{
	struct sl_ct_timeouts to;
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t id, calls = 0;
	void *mem;

	sl_ct_timeouts_default(&to);
	ct = mk_table(64, &to, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	for (id = 0; id < 64; id++) {
		e = ins(ct, id, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 0);
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64);
	/* Nothing expired: no room, of any kind; count stays. */
	for (id = 64; id < 80; id++)
		CU_ASSERT_PTR_NULL(ins_flow(ct, id, id % 3 == 1, id % 3 == 2,
					    1000));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	CU_ASSERT_EQUAL(calls, 0);
	for (id = 0; id < 64; id++)
		CU_ASSERT_PTR_NOT_NULL(look(ct, id, 1, 1000));
	for (id = 64; id < 80; id++) {
		CU_ASSERT_PTR_NULL(look(ct, id, 0, 1000));
		CU_ASSERT_PTR_NULL(look(ct, id, 1, 1000));
	}

	/* Delete one: one insert fits again. */
	sl_ct_delete(ct, look(ct, 10, 0, 1000));
	e = ins(ct, 64, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 1000);
	CU_ASSERT_PTR_NULL(ins(ct, 65, 1000));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64);

	/* Once the old flows have expired, an insert into the full table
	 * reclaims the expired ones in its candidate buckets (up to 4 of 16
	 * here, with 128 keys: some are there). Flow 64 (last seen 1000)
	 * lives. */
	cb_reset();
	calls = 0;
	e = ins(ct, 66, 30000);
	CU_ASSERT_PTR_NOT_NULL(e);
	CU_ASSERT(calls >= 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 64 - calls + 1);
	CU_ASSERT_EQUAL(cb_seen[64], 0);
	CU_ASSERT_EQUAL(cb_seen[10], 0);
	CU_ASSERT_PTR_NOT_NULL(look(ct, 64, 0, 30000));
	CU_ASSERT_PTR_EQUAL(look(ct, 66, 1, 30000), e);
	free(mem);

	/* IPv6 flows take a line each: capacity / 2 of them, then no room
	 * for either family. */
	ct = mk_table(64, &to, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	calls = 0;
	for (id = 0; id < 32; id++) {
		e = ins_flow(ct, id, true, false, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 0);
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32);
	CU_ASSERT_EQUAL(count_listed(ct), 32);
	CU_ASSERT_PTR_NULL(ins_flow(ct, 32, true, false, 1000));
	CU_ASSERT_PTR_NULL(ins(ct, 33, 1000));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 34, false, true, 1000));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32);
	/* Deleting one frees its line: two IPv4 flows fit, or one IPv6. */
	sl_ct_delete(ct, look_flow(ct, 5, true, 0, 1000));
	CU_ASSERT_PTR_NOT_NULL(ins(ct, 35, 1000));
	CU_ASSERT_PTR_NOT_NULL(ins(ct, 36, 1000));
	CU_ASSERT_PTR_NULL(ins(ct, 37, 1000));
	sl_ct_delete(ct, look_flow(ct, 6, true, 1, 1000));
	CU_ASSERT_PTR_NOT_NULL(ins_flow(ct, 38, true, false, 1000));
	CU_ASSERT_PTR_NULL(ins(ct, 39, 1000));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 33);
	CU_ASSERT_EQUAL(calls, 0);
	for (id = 0; id < 32; id++)
		CU_ASSERT_EQUAL(look_flow(ct, id, true, 1, 1000) != NULL,
				id != 5 && id != 6);
	free(mem);
}

/* Full buckets. The hashes are the table's own, so keys that share their
 * two candidate buckets have to be found: a lookup given hash h finds a
 * stored key only if h addresses the key's index slot (same bucket and
 * signature), whatever the compare then says about the key itself. So,
 * in a table of capacity 64 (16 buckets):
 *   C1: keys whose hash addresses flow k0's forward slot, in a table that
 *       holds only k0: same signature, same first bucket B;
 *   then flows of C1 keys are inserted until one (j) is no longer in B
 *       (found by most C1 hashes: in B; by few: it overflowed into its
 *       second bucket B1);
 *   C2: keys of C1 whose hash addresses j's slot: their second bucket is
 *       B1 too.
 * Forward candidates and reverse candidates are searched alike. */
#define CLS_C1	640
#define CLS_C2	32
#define CLS_CAP	64
#define CLS_TRIES	(1u << 24)

struct cls {
	uint32_t c1f[CLS_C1], c1r[CLS_C1], n1f, n1r;
	uint32_t c2f[CLS_C2], c2r[CLS_C2], n2f, n2r;
};

static struct cls cls;
static int cls_state;	/* 0 not searched, 1 found, -1 not found */

/* Candidates (UDP): forward 10.0.0.0 + i : 1024 + i % 50000 -> VIP,
 * reverse 11.0.0.0 + i : 8080 -> 198.19.1.0 : 1024 + i % 60000; their
 * "neutral" partners: 172.16.0.0 + i and 172.17.0.0 + i. */
static void
cand_fwd(uint32_t i, struct sl_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->proto = IPPROTO_UDP;
	k->src[0] = htonl(0x0a000000u + i);
	k->dst[0] = htonl(0xc6130001u);
	k->sport = htons((uint16_t)(1024 + i % 50000));
	k->dport = htons(53);
}

static void
cand_rev(uint32_t i, struct sl_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->proto = IPPROTO_UDP;
	k->src[0] = htonl(0x0b000000u + i);
	k->dst[0] = htonl(0xc6130100u);
	k->sport = htons(8080);
	k->dport = htons((uint16_t)(1024 + i % 60000));
}

static void
neutral_fwd(uint32_t i, struct sl_flow_key *k)
{
	cand_fwd(i, k);
	k->src[0] = htonl(0xac100000u + i);
}

static void
neutral_rev(uint32_t i, struct sl_flow_key *k)
{
	cand_rev(i, k);
	k->src[0] = htonl(0xac110000u + i);
}

static bool
cls_search(void)
{
	struct sl_flow_key f0, k, n;
	struct sl_ct_entry *e0, *e, *ej = NULL;
	struct sl_flow_key kj;
	struct sl_ct *ct;
	uint32_t i, j, s, hits;
	void *mem;

	memset(&cls, 0, sizeof(cls));
	ct = mk_table(CLS_CAP, NULL, &mem);
	cand_fwd(0, &f0);
	neutral_rev(0, &n);
	e0 = ins_keys(ct, &f0, VIP, &n, 0);
	if (e0 == NULL)
		goto fail;
	for (i = 0; i < CLS_TRIES &&
		    (cls.n1f < CLS_C1 || cls.n1r < CLS_C1); i++) {
		if (cls.n1f < CLS_C1) {
			cand_fwd(i, &k);
			if (sl_ct_lookup_fwd(ct, &f0, VIP,
					     sl_ct_hash_fwd(ct, &k, VIP), 0) ==
			    e0)
				cls.c1f[cls.n1f++] = i;
		}
		if (cls.n1r < CLS_C1) {
			cand_rev(i, &k);
			if (sl_ct_lookup_fwd(ct, &f0, VIP,
					     sl_ct_hash_rev(ct, &k), 0) == e0)
				cls.c1r[cls.n1r++] = i;
		}
	}
	if (cls.n1f < CLS_C1 || cls.n1r < CLS_C1 || cls.c1f[0] != 0)
		goto fail;
	/* Fill B with C1 flows (members 1..) until one overflows; the last
	 * 64 members are the probes. */
	for (j = 1; j < 40; j++) {
		cand_fwd(cls.c1f[j], &kj);
		neutral_rev(cls.c1f[j], &n);
		e = ins_keys(ct, &kj, VIP, &n, 0);
		if (e == NULL)
			goto fail;
		for (s = CLS_C1 - 64, hits = 0; s < CLS_C1; s++) {
			cand_fwd(cls.c1f[s], &k);
			hits += sl_ct_lookup_fwd(ct, &kj, VIP,
						 sl_ct_hash_fwd(ct, &k, VIP),
						 0) == e;
		}
		if (hits < 32) {
			ej = e;
			break;
		}
	}
	if (ej == NULL)
		goto fail;
	cls.c2f[cls.n2f++] = cls.c1f[j];
	for (s = j + 1; s < CLS_C1 && cls.n2f < CLS_C2; s++) {
		cand_fwd(cls.c1f[s], &k);
		if (sl_ct_lookup_fwd(ct, &kj, VIP, sl_ct_hash_fwd(ct, &k, VIP),
				     0) == ej)
			cls.c2f[cls.n2f++] = cls.c1f[s];
	}
	for (s = 0; s < CLS_C1 && cls.n2r < CLS_C2; s++) {
		cand_rev(cls.c1r[s], &k);
		if (sl_ct_lookup_fwd(ct, &kj, VIP, sl_ct_hash_rev(ct, &k), 0) ==
		    ej)
			cls.c2r[cls.n2r++] = cls.c1r[s];
	}
	free(mem);
	printf("\n    colliding keys: %u candidates, %u + %u in one first "
	       "bucket, %u + %u in both buckets ", i, cls.n1f, cls.n1r,
	       cls.n2f, cls.n2r);
	return cls.n2f >= 14 && cls.n2r >= 14;
fail:
	free(mem);
	return false;
}

static struct sl_ct_entry *
cls_ins(struct sl_ct *ct, uint32_t fi, bool fn, uint32_t ri, bool rn,
	uint32_t now)
{
	struct sl_flow_key f, r;

	if (fn)
		neutral_fwd(fi, &f);
	else
		cand_fwd(cls.c2f[fi], &f);
	if (rn)
		neutral_rev(ri, &r);
	else
		cand_rev(cls.c2r[ri], &r);
	return ins_keys(ct, &f, VIP, &r, now);
}

static uint32_t cls_cb_calls;
static uint8_t cls_cb_seen[CLS_C2];

static void
cls_cb(const struct sl_ct_entry *e, void *arg)
{
	uint32_t i, a = ntohl(e->client) - 0x0a000000u;

	(void)arg;
	cls_cb_calls++;
	for (i = 0; i < cls.n2f; i++)
		if (cls.c2f[i] == a)
			cls_cb_seen[i]++;
}

static void
test_bucket_full(void)
{
	struct sl_flow_key f, r;
	struct sl_ct_entry *e, *ents[12];
	struct sl_ct *ct;
	uint32_t i, tries;
	void *mem;

	if (cls_state == 0)
		cls_state = cls_search() ? 1 : -1;
	if (cls_state < 0) {
		CU_FAIL("no keys sharing two buckets found (see above)");
		return;
	}
	ct = mk_table(CLS_CAP, NULL, &mem);
	sl_ct_set_expire_cb(ct, cls_cb, NULL);
	cls_cb_calls = 0;
	memset(cls_cb_seen, 0, sizeof(cls_cb_seen));

	/* Both keys of every flow in B or B1: 24 index slots, 12 flows.
	 * The 13th insert fails although 52 slots are free. */
	for (i = 0; i < 13; i++) {
		e = cls_ins(ct, i, false, i, false, 100);
		if (i < 12) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 100);
			ents[i] = e;
		} else {
			CU_ASSERT_PTR_NULL(e);
		}
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 12);
	/* Same signature everywhere: the full key decides. */
	for (i = 0; i < 14; i++) {
		cand_fwd(cls.c2f[i], &f);
		cand_rev(cls.c2r[i], &r);
		e = look_fwd_key(ct, &f, VIP, 100);
		CU_ASSERT_PTR_EQUAL(e, i < 12 ? ents[i] : NULL);
		e = look_rev_key(ct, &r, 100);
		CU_ASSERT_PTR_EQUAL(e, i < 12 ? ents[i] : NULL);
	}
	/* Only one key's buckets are full: fails, and the other key, if it
	 * was indexed first, leaves no trace (lookups miss, the slot is
	 * free again). */
	neutral_fwd(1000, &f);
	neutral_rev(1001, &r);
	CU_ASSERT_PTR_NULL(cls_ins(ct, 1000, true, 12, false, 100));
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, VIP, 100));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 12);
	CU_ASSERT_PTR_NULL(cls_ins(ct, 12, false, 1001, true, 100));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, 100));
	CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, VIP, 100));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 12);
	CU_ASSERT_EQUAL(count_listed(ct), 12);

	/* Expired, the 12 are reclaimed from the two buckets by the next
	 * insert there. */
	e = cls_ins(ct, 12, false, 12, false, 100 + 30000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 100 + 30000);
	CU_ASSERT_EQUAL(cls_cb_calls, 12);
	for (i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(cls_cb_seen[i], 1);
	CU_ASSERT_EQUAL(cls_cb_seen[12], 0);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 1);
	/* The buckets are clean again: 11 more fit, then full. */
	for (i = 0; i < 12; i++) {
		e = cls_ins(ct, i, false, i, false, 100 + 30000);
		CU_ASSERT_EQUAL(e != NULL, i < 11);
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 12);
	/* Every other slot is usable: no slot was lost by the failed
	 * inserts (neutral flows with both buckets among the full two are
	 * refused and skipped). */
	for (i = 0, tries = 0; i < 400 && sl_ct_count(ct) < CLS_CAP; i++)
		tries += cls_ins(ct, 2000 + i, true, 2000 + i, true,
				 100 + 30000) == NULL;
	CU_ASSERT_EQUAL(sl_ct_count(ct), CLS_CAP);
	CU_ASSERT(tries <= 8);
	CU_ASSERT_PTR_NULL(cls_ins(ct, 3000, true, 3000, true, 100 + 30000));
	free(mem);

	/* A full table whose only expired flows are those of the two
	 * buckets: an insert with either key there reclaims them. */
	for (i = 0; i < 2; i++) {
		uint32_t n;

		ct = mk_table(CLS_CAP, NULL, &mem);
		sl_ct_set_expire_cb(ct, cls_cb, NULL);
		for (n = 0; n < 12; n++) {
			e = cls_ins(ct, n, false, n, false, 100);
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 100);
		}
		for (n = 0; n < 400 && sl_ct_count(ct) < CLS_CAP; n++) {
			e = cls_ins(ct, 2000 + n, true, 2000 + n, true, 20000);
			if (e != NULL)
				sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0,
					     20000);
		}
		CU_ASSERT_EQUAL_FATAL(sl_ct_count(ct), CLS_CAP);
		CU_ASSERT_PTR_NULL(cls_ins(ct, 12, i == 0, 12, i == 1,
					   100 + 29999));
		cls_cb_calls = 0;
		memset(cls_cb_seen, 0, sizeof(cls_cb_seen));
		/* i == 0: the reverse key's buckets, 1: the forward key's */
		e = cls_ins(ct, 12, i == 0, 12, i == 1,
			    100 + 30000);
		CU_ASSERT_PTR_NOT_NULL(e);
		CU_ASSERT_EQUAL(cls_cb_calls, 12);
		CU_ASSERT_EQUAL(sl_ct_count(ct), CLS_CAP - 12 + 1);
		free(mem);
	}
}

static void
test_expiry_lookup(void)
{
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t calls = 0;
	void *mem;

	ct = mk_table(64, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();
	e = ins(ct, 3, 5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 10000);
	CU_ASSERT_EQUAL(e->state, SL_CT_UDP);
	CU_ASSERT_PTR_EQUAL(look(ct, 3, 0, 10000 + 29999), e);
	CU_ASSERT_EQUAL(calls, 0);
	/* A reply refreshes it. */
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_REV, 0, 20000);
	CU_ASSERT_PTR_EQUAL(look(ct, 3, 1, 20000 + 29999), e);
	CU_ASSERT_PTR_NULL(look(ct, 3, 1, 20000 + 30000));
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(cb_last_id, 3);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_PTR_NULL(look(ct, 3, 0, 20000 + 30000));
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, 20000 + 30000, 64), 0);
	CU_ASSERT_EQUAL(calls, 1);

	/* Found by its forward key when expired, likewise. */
	e = ins(ct, 5, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, 0);
	CU_ASSERT_PTR_EQUAL(look(ct, 5, 0, 4999), e);
	CU_ASSERT_PTR_NULL(look(ct, 5, 0, 5000));
	CU_ASSERT_EQUAL(calls, 2);
	CU_ASSERT_EQUAL(cb_last_id, 5);
	CU_ASSERT_PTR_NULL(look(ct, 5, 1, 5000));
	CU_ASSERT_EQUAL(calls, 2);

	/* Inserted but never updated: the SL_CT_FREE timeout (5 s). */
	e = ins(ct, 4, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_EQUAL(look(ct, 4, 0, 4999), e);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, 5000, 64), 1);
	CU_ASSERT_EQUAL(calls, 3);
	CU_ASSERT_EQUAL(cb_last_id, 4);
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

	ct = mk_table(1024, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();
	/* Even ids idle 40 s (expired for UDP), odd ids idle 10 s; one in
	 * three has an extension (800 slots used). */
	for (id = 0; id < 600; id++) {
		e = ins_flow(ct, id, false, id % 3 == 0, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0,
			     now - (id % 2 ? 10000 : 40000));
		CU_ASSERT_EQUAL(sl_ct_ext(ct, e) != NULL, id % 3 == 0);
	}
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 200);
	/* Budget 7: ceil(1024 / 7) = 147 calls cover every slot once, and
	 * no call removes more than it examines. */
	for (i = 0; i < 147; i++) {
		uint32_t n = sl_ct_sweep(ct, now, 7);

		CU_ASSERT(n <= 7);
		removed += n;
	}
	CU_ASSERT_EQUAL(removed, 300);
	CU_ASSERT_EQUAL(calls, 300);
	CU_ASSERT_EQUAL(cb_ext_seen, 0);
	CU_ASSERT_EQUAL(cb_bad, 0);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 300);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 100);
	CU_ASSERT_EQUAL(count_listed(ct), 300);
	for (id = 0; id < 600; id++) {
		CU_ASSERT_EQUAL(cb_seen[id], id % 2 ? 0 : 1);
		e = look(ct, id, id % 3 == 1, now);
		CU_ASSERT_EQUAL(e != NULL, id % 2);
		if (e != NULL)
			CU_ASSERT_EQUAL(sl_ct_ext(ct, e) != NULL, id % 3 == 0);
	}
	/* A second full pass finds nothing more; budget above capacity
	 * examines each slot once. */
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now, 100000), 0);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now + 20000, 100000), 300);
	CU_ASSERT_EQUAL(calls, 600);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now + 20000, 0), 0);
	CU_ASSERT_EQUAL(cb_ext_seen, 0);
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
	const uint8_t v6f = SL_CT_F_USED | SL_CT_F_V6;
	struct sl_ct_timeouts to;
	struct sl_flow_key f, r;
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

	/* Full handshake and close, IPv6: the FIN bits come and go, the
	 * family and used bits stay. */
	mk_keys6(1, IPPROTO_TCP, true, &f, &r);
	e = ins_keys(ct, &f, VIP, &r, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->flags, v6f);
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
	CU_ASSERT_EQUAL(e->flags, v6f | SL_CT_F_EST);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);
	CU_ASSERT_EQUAL(e->flags, v6f | SL_CT_F_EST | SL_CT_F_FIN_FWD);
	check_timeout(ct, e, 10000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);	/* same side again */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSING);
	CU_ASSERT_EQUAL(e->flags, v6f | SL_CT_F_EST | SL_CT_F_FIN_FWD |
				  SL_CT_F_FIN_REV);
	check_timeout(ct, e, 10000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSING);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, RST, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	check_timeout(ct, e, 2000);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	CU_ASSERT_EQUAL(e->flags & SL_CT_F_EST, SL_CT_F_EST);
	/* Tuple reused by a new SYN: starts over, FIN and ESTABLISHED
	 * memory cleared. */
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_SENT);
	CU_ASSERT_EQUAL(e->flags, v6f);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);	/* DSR: no SYN-ACK */
	CU_ASSERT_EQUAL(e->flags, v6f | SL_CT_F_EST);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, FIN, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_FIN_WAIT);	/* backend first */
	CU_ASSERT_EQUAL(e->flags, v6f | SL_CT_F_EST | SL_CT_F_FIN_REV);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSING);
	CU_ASSERT_EQUAL(e->flags, v6f | SL_CT_F_EST | SL_CT_F_FIN_FWD |
				  SL_CT_F_FIN_REV);
	/* The keys survive the state machine. */
	CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f, VIP, t), e);
	CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r, t), e);
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
	CU_ASSERT_EQUAL(e->flags, SL_CT_F_USED | SL_CT_F_EST | SL_CT_F_FIN_FWD);
	sl_ct_delete(ct, e);

	/* RST during the handshake; a backend's bare ACK to the SYN (a
	 * TIME_WAIT refusing it) completes nothing; the client's RST that
	 * answers it leaves a flow that never was established. */
	e = ins(ct, 4, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, RST | ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_SYN_SENT);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, RST, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_CLOSED);
	CU_ASSERT_EQUAL(e->flags & SL_CT_F_EST, 0);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, ++t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, SYN | ACK, ++t);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, ++t);
	CU_ASSERT_EQUAL(e->state, SL_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(e->flags & SL_CT_F_EST, SL_CT_F_EST);
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

	ct = mk_table(64, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	e = ins(ct, 9, t0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, t0);
	/* now has wrapped past 0 and is numerically below last_seen. */
	CU_ASSERT_PTR_EQUAL(look(ct, 9, 0, t0 + 29999), e);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, t0 + 29999, 64), 0);
	/* A clock slightly behind last_seen (another core's stamp): alive. */
	CU_ASSERT_FALSE(sl_ct_expired(ct, e, t0 - 5));
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, t0 + 30000, 64), 1);
	CU_ASSERT_EQUAL(calls, 1);

	e = ins(ct, 10, UINT32_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, ACK, UINT32_MAX);
	CU_ASSERT_PTR_EQUAL(look(ct, 10, 1, 299999 - 1), e);
	CU_ASSERT_PTR_NULL(look(ct, 10, 1, 299999));
	CU_ASSERT_EQUAL(calls, 2);
	free(mem);
}

/* Randomized model test: the table against a plain array of flows and a
 * map of the slots each flow takes, learnt from the pointers the table
 * returns (its head; the next slot for an IPv6 flow; its extension's).
 * The map gives the free halves and whole free lines after every call,
 * so the model knows when an insert may fail: only when no half is free
 * (an IPv4 flow) or no whole line (an IPv6 flow, a flow with an
 * extension; an IPv6 flow with one needs a third half too), counted
 * after the insert's own reclaiming (its expire callbacks update the
 * model). Flow id: IPv6 when id % 3 == 0, UDP keys when id % 5 == 0, VIP
 * id % 7; one insert in four asks for an extension. */
#define MODEL_FLOWS	3000
#define MODEL_CAP	1024
#define MODEL_OPS	60000
#define MODEL_NONE	UINT32_MAX

struct model_flow {
	bool present;
	uint8_t state;
	uint32_t last_seen;
	uint32_t head;		/* its head's slot */
	uint32_t xslot;		/* its extension's, if ext */
	struct sl_ct_ext *ext;	/* NULL: none */
};

/* Why inserts were refused. */
struct model_refusals {
	uint32_t full;		/* no half free */
	uint32_t split;		/* halves free, but no line for it */
	uint32_t with_room;	/* room for it: must not happen */
};

static struct model_flow model[MODEL_FLOWS];
static uint32_t model_owner[MODEL_CAP];	/* 1 + the flow id, 0: free */
static const char *model_base;		/* slot 0 */
static uint32_t model_free, model_free_lines;
static struct sl_ct_timeouts model_to;
static uint32_t model_now, model_count, model_ext, model_bad_cb;
static uint32_t model_bad_slot;

static uint8_t
model_proto(uint32_t id)
{
	return id % 5 == 0 ? IPPROTO_UDP : IPPROTO_TCP;
}

static bool
model_v6(uint32_t id)
{
	return id % 3 == 0;
}

static void
model_keys(uint32_t id, struct sl_flow_key *f, struct sl_flow_key *r)
{
	mk_keys6(id, model_proto(id), model_v6(id), f, r);
}

static bool
model_expired(uint32_t id)
{
	int32_t age = (int32_t)(model_now - model[id].last_seen);

	return age >= 0 && (uint32_t)age >= model_to.ms[model[id].state];
}

/* The slot at p, MODEL_NONE if p is not one. */
static uint32_t
model_slot(const void *p)
{
	uintptr_t d = (uintptr_t)p - (uintptr_t)model_base;

	if (d % HALF != 0 || d / HALF >= MODEL_CAP)
		return MODEL_NONE;
	return (uint32_t)(d / HALF);
}

/* Slot s given to flow id. One the model holds taken would be handed out
 * twice: counted, and the model keeps its owner. */
static void
model_take(uint32_t s, uint32_t id)
{
	if (s == MODEL_NONE || model_owner[s] != 0) {
		model_bad_slot++;
		return;
	}
	if (model_owner[s ^ 1] == 0)
		model_free_lines--;
	model_owner[s] = id + 1;
	model_free--;
}

static void
model_release(uint32_t s, uint32_t id)
{
	if (s == MODEL_NONE || model_owner[s] != id + 1)
		return;	/* counted when taken */
	model_owner[s] = 0;
	model_free++;
	if (model_owner[s ^ 1] == 0)
		model_free_lines++;
}

/* Whether a flow of this kind fits in the free slots. */
static bool
model_room(bool v6, bool ext)
{
	if (!v6 && !ext)
		return model_free > 0;
	return model_free_lines > 0 && model_free >= (v6 && ext ? 3u : 2u);
}

static void
model_gone(uint32_t id)
{
	struct model_flow *m = &model[id];

	m->present = false;
	model_count--;
	model_release(m->head, id);
	if (model_v6(id))
		model_release(m->head + 1, id);
	if (m->ext != NULL) {
		model_release(m->xslot, id);
		m->ext = NULL;
		model_ext--;
	}
}

static void
model_cb(const struct sl_ct_entry *e, void *arg)
{
	uint32_t s = model_slot(e), id;

	(*(uint32_t *)arg)++;
	/* Only a flow's head: not the second half of an IPv6 flow, however
	 * its bytes read, nor an extension (nor read on when it is not). */
	if (s == MODEL_NONE || model_owner[s] == 0 ||
	    model[model_owner[s] - 1].head != s) {
		model_bad_cb++;
		return;
	}
	id = model_owner[s] - 1;
	if ((e->flags & (SL_CT_F_USED | SL_CT_F_EXT)) != SL_CT_F_USED ||
	    entry_id(e) != id || !model[id].present || !model_expired(id) ||
	    e->vip_id != id % 7 || sl_ct_proto(e) != model_proto(id) ||
	    (sl_ct_family(e) == AF_INET6) != model_v6(id)) {
		model_bad_cb++;
		return;
	}
	model_gone(id);
}

static void
model_check_all(struct sl_ct *ct)
{
	const struct sl_ct_entry *e;
	uint32_t s, o, bad = 0;
	bool want;

	CU_ASSERT_EQUAL(sl_ct_count(ct), model_count);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), model_ext);
	CU_ASSERT_EQUAL(model_bad_slot, 0);
	/* Listed: exactly the heads of the flows updated at least once,
	 * each at its own slot (so each once). */
	for (s = 0; s < MODEL_CAP; s++) {
		e = sl_ct_slot(ct, s);
		o = model_owner[s];
		want = o != 0 && model[o - 1].head == s &&
		       model[o - 1].state != SL_CT_FREE;
		if ((e != NULL) != want ||
		    (e != NULL && model_slot(e) != s))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
model_lookup(struct sl_ct *ct, uint32_t id, int which, uint32_t *calls)
{
	struct sl_flow_key f, r;
	struct sl_ct_entry *e;
	struct sl_ct_ext *x;
	uint32_t before = *calls;
	bool expect_expire = model[id].present && model_expired(id);
	bool expect_found = model[id].present && !expect_expire;

	model_keys(id, &f, &r);
	e = which ? look_rev_key(ct, &r, model_now) :
		    look_fwd_key(ct, &f, (uint16_t)(id % 7), model_now);
	CU_ASSERT_EQUAL(e != NULL, expect_found);
	CU_ASSERT_EQUAL(*calls - before, expect_expire ? 1 : 0);
	if (e == NULL || !expect_found)
		return;
	CU_ASSERT_EQUAL(model_slot(e), model[id].head);
	CU_ASSERT_EQUAL(entry_id(e), id);
	CU_ASSERT_TRUE(addrs_are(e, &f, &r));
	CU_ASSERT_EQUAL(e->state, model[id].state);
	CU_ASSERT_EQUAL(e->last_seen, model[id].last_seen);
	x = sl_ct_ext(ct, e);
	CU_ASSERT_PTR_EQUAL(x, model[id].ext);
	CU_ASSERT_EQUAL(sl_ct_has_ext(e), x != NULL);
	if (x != NULL)
		CU_ASSERT_TRUE(ext_is(x, id));
	switch (rng32() % 5) {
	case 0:
		sl_ct_delete(ct, e);
		model_gone(id);
		break;
	case 1:
	case 2:
		sl_ct_update(e, model_proto(id), which, (uint8_t)rng32() &
			     (SYN | ACK | FIN | RST), model_now);
		model[id].state = e->state;
		model[id].last_seen = model_now;
		break;
	case 3:
		/* Pointers to the flow's other halves delete nothing. */
		if (model_v6(id))
			sl_ct_delete(ct, e + 1);
		if (x != NULL)
			sl_ct_delete(ct, (struct sl_ct_entry *)(void *)x);
		CU_ASSERT_EQUAL(sl_ct_count(ct), model_count);
		CU_ASSERT_EQUAL(sl_ct_ext_count(ct), model_ext);
		break;
	default:
		break;
	}
}

static void
model_insert(struct sl_ct *ct, uint32_t id, struct model_refusals *no)
{
	struct model_flow *m = &model[id];
	struct sl_flow_key f, r;
	struct sl_ct_entry *e;
	struct sl_ct_ext *x;
	bool v6 = model_v6(id), ext = rng32() % 4 == 0;
	uint32_t s;

	if (m->present)
		return;	/* the API requires absent keys */
	model_keys(id, &f, &r);
	e = ins_keys_x(ct, &f, (uint16_t)(id % 7), &r, model_now, ext);
	if (e == NULL) {
		if (model_room(v6, ext))
			no->with_room++;
		else if (model_free == 0)
			no->full++;
		else
			no->split++;
		return;
	}
	/* The head in a free slot, at the start of a line when the flow
	 * takes one. */
	s = model_slot(e);
	CU_ASSERT(s != MODEL_NONE && (s % 2 == 0 || (!v6 && !ext)));
	model_take(s, id);
	if (v6)
		model_take(s != MODEL_NONE ? s + 1 : s, id);
	m->present = true;
	m->state = SL_CT_FREE;
	m->last_seen = model_now;
	m->head = s;
	m->ext = NULL;
	model_count++;
	x = sl_ct_ext(ct, e);
	CU_ASSERT_EQUAL(x != NULL, ext);
	CU_ASSERT_EQUAL(sl_ct_has_ext(e), ext);
	if (x != NULL) {
		/* IPv4: the line's second half; IPv6: a free half of
		 * another line. */
		m->xslot = model_slot(x);
		if (v6) {
			CU_ASSERT(m->xslot / 2 != s / 2);
		} else {
			CU_ASSERT_EQUAL(m->xslot, s + 1);
		}
		model_take(m->xslot, id);
		CU_ASSERT_TRUE(all_zero(x, sizeof(*x)));
		fill_ext(x, id);
		m->ext = x;
		model_ext++;
	}
	if (rng32() % 8 != 0) {
		sl_ct_update(e, model_proto(id), SL_CT_DIR_FWD, SYN,
			     model_now);
		m->state = e->state;
	}
}

static void
test_model(void)
{
	struct model_refusals no = { 0, 0, 0 };
	uint32_t op, calls = 0, swept = 0, max_ext = 0;
	struct sl_ct *ct;
	void *mem;

	memset(model, 0, sizeof(model));
	memset(model_owner, 0, sizeof(model_owner));
	sl_ct_timeouts_default(&model_to);
	model_to.ms[SL_CT_SYN_SENT] = 20000;
	model_to.ms[SL_CT_SYN_RECV] = 20000;
	model_to.ms[SL_CT_ESTABLISHED] = 60000;
	model_to.ms[SL_CT_UDP] = 30000;
	model_to.ms[SL_CT_FREE] = 15000;
	ct = mk_table(MODEL_CAP, &model_to, &mem);
	CU_ASSERT_EQUAL_FATAL(sl_ct_capacity(ct), MODEL_CAP);
	model_base = slot_base(ct);
	model_free = MODEL_CAP;
	model_free_lines = MODEL_CAP / 2;
	sl_ct_set_expire_cb(ct, model_cb, &calls);
	model_count = 0;
	model_ext = 0;
	model_bad_cb = 0;
	model_bad_slot = 0;
	/* Wraps around after about 20000 operations. */
	model_now = UINT32_MAX - 30000;

	for (op = 0; op < MODEL_OPS; op++) {
		uint32_t r = rng32() % 1000, id = rng32() % MODEL_FLOWS;

		model_now += rng32() % 4;
		if (r < 400)
			model_insert(ct, id, &no);
		else if (r < 950)
			model_lookup(ct, id, rng32() % 2, &calls);
		else if (r < 998)
			swept += sl_ct_sweep(ct, model_now, 1 + rng32() % 64);
		else
			model_now += 5000;	/* idle moment */
		if (model_ext > max_ext)
			max_ext = model_ext;
		if (op % 1000 == 999)
			model_check_all(ct);
	}
	model_check_all(ct);
	CU_ASSERT_EQUAL(model_bad_cb, 0);
	CU_ASSERT_EQUAL(model_bad_slot, 0);
	CU_ASSERT(swept <= calls);
	CU_ASSERT(no.full > 0);		/* the run did fill the table */
	CU_ASSERT(no.split > 0);	/* ... and split its free lines */
	CU_ASSERT(max_ext > 100);
	CU_ASSERT_EQUAL(no.with_room, 0);
	printf("\n    %u ops: %u expired (%u by sweep), inserts refused: %u "
	       "(table full), %u (no whole line), %u (with room), up to %u "
	       "extensions ", MODEL_OPS, calls, swept, no.full, no.split,
	       no.with_room, max_ext);
	free(mem);
}

/* Fill to capacity with random keys: how often does an insert find both
 * buckets full while slots are free? Two choices, 3 index slots per
 * slot. */
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
		f.proto = IPPROTO_TCP;
		f.src[0] = rng32();
		f.sport = (uint16_t)id;
		f.dst[0] = htonl(0xc6130001u);
		f.dport = htons(80);
		r = f;
		r.src[0] = htonl(0x0a000000u + id);
		r.sport = htons(8080);
		r.dst[0] = htonl(0xc6130100u);
		r.dport = (uint16_t)rng32();
		if (ins_keys(ct, &f, (uint16_t)(id % 4), &r, 0) == NULL)
			fails++;
	}
	printf("\n    %u flows: %u inserts refused for full buckets ", CAP,
	       fails);
	CU_ASSERT(fails <= CAP / 10000);
	CU_ASSERT_EQUAL(sl_ct_count(ct), CAP - fails);
	free(mem);
}

/* IPv6 flows among IPv4 ones, their backends ending in bytes that read as
 * a head's state and flags (v6_tails), some with extensions: listings
 * show each flow once, pointers to second halves delete nothing, the
 * sweep removes exactly the expired flows, and once it has removed them
 * all every line is whole again. */
#define TAILS_N		96
#define TAILS_CAP	256

/* Which of ents[0 .. n - 1] p is; n when none. */
static uint32_t
index_of(struct sl_ct_entry *const *ents, uint32_t n, const void *p)
{
	uint32_t i;

	for (i = 0; i < n && (const void *)ents[i] != p; i++)
		;
	return i;
}

/* Every listed slot is one of the n flows, each listed once. */
static void
check_listing(const struct sl_ct *ct, struct sl_ct_entry *const *ents,
	      uint32_t n)
{
	uint8_t seen[TAILS_N + 1];
	uint32_t s, i, others = 0, twice = 0;

	memset(seen, 0, sizeof(seen));
	for (s = 0; s < sl_ct_capacity(ct); s++) {
		const struct sl_ct_entry *l = sl_ct_slot(ct, s);

		if (l == NULL)
			continue;
		i = index_of(ents, n, l);
		if (i == n)
			others++;
		else
			seen[i]++;
	}
	for (i = 0; i < n; i++)
		twice += ents[i] != NULL && seen[i] != 1;
	CU_ASSERT_EQUAL(others, 0);
	CU_ASSERT_EQUAL(twice, 0);
}

static void
test_v6_tails(void)
{
	struct sl_ct_entry *e, *ents[TAILS_N];
	struct sl_flow_key f, r;
	struct sl_ct *ct;
	uint32_t id, i, n, calls = 0, removed, ext = 0, now = 100000;
	void *mem;

	ct = mk_table(TAILS_CAP, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	cb_reset();
	/* Odd ids IPv6, one in five with an extension; UDP state, ids
	 * 4k and 4k + 1 idle 40 s (expired at now), the others 10 s. */
	for (id = 0; id < TAILS_N; id++) {
		bool v6 = id % 2, x = id % 5 == 0;

		e = ins_flow(ct, id, v6, x, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0,
			     now - (id % 4 < 2 ? 40000 : 10000));
		ents[id] = e;
		ext += x;
		if (v6) {
			uint16_t tail = v6_tails[id % SL_ARRAY_SIZE(v6_tails)];
			const uint8_t *t = (const uint8_t *)(e + 1);

			/* The premise: the second half's state and flags
			 * bytes are the address's last two. */
			CU_ASSERT_EQUAL(t[HALF - 2], tail >> 8);
			CU_ASSERT_EQUAL(t[HALF - 1], tail & 0xff);
		}
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), TAILS_N);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), ext);
	check_listing(ct, ents, TAILS_N);
	CU_ASSERT_EQUAL(count_listed(ct), TAILS_N);

	/* Pointers to second halves and to extensions: no effect. */
	for (id = 0; id < TAILS_N; id++) {
		if (id % 2)
			sl_ct_delete(ct, ents[id] + 1);
		if (id % 5 == 0)
			sl_ct_delete(ct, (struct sl_ct_entry *)(void *)
				     sl_ct_ext(ct, ents[id]));
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), TAILS_N);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), ext);
	/* (Found before the older ones expire: 29999 ms after them.) */
	for (id = 0; id < TAILS_N; id++) {
		mk_keys6(id, IPPROTO_TCP, id % 2, &f, &r);
		CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f, VIP, now - 10001),
				    ents[id]);
		CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r, now - 10001),
				    ents[id]);
		CU_ASSERT_TRUE(addrs_are(ents[id], &f, &r));
	}
	CU_ASSERT_EQUAL(calls, 0);
	check_listing(ct, ents, TAILS_N);

	/* Sweeping in steps of 5 slots over the whole table: the expired
	 * half of the flows, each once, nothing else. */
	for (i = 0, removed = 0; i < (TAILS_CAP + 4) / 5; i++)
		removed += sl_ct_sweep(ct, now, 5);
	CU_ASSERT_EQUAL(removed, TAILS_N / 2);
	CU_ASSERT_EQUAL(calls, TAILS_N / 2);
	CU_ASSERT_EQUAL(cb_ext_seen, 0);
	CU_ASSERT_EQUAL(cb_bad, 0);
	CU_ASSERT_EQUAL(sl_ct_count(ct), TAILS_N / 2);
	for (id = 0, ext = 0; id < TAILS_N; id++) {
		bool alive = id % 4 >= 2;

		CU_ASSERT_EQUAL(cb_seen[id], !alive);
		mk_keys6(id, IPPROTO_TCP, id % 2, &f, &r);
		e = look_rev_key(ct, &r, now);
		CU_ASSERT_PTR_EQUAL(e, alive ? ents[id] : NULL);
		e = look_fwd_key(ct, &f, VIP, now);
		CU_ASSERT_PTR_EQUAL(e, alive ? ents[id] : NULL);
		if (!alive)
			ents[id] = NULL;
		else if (id % 5 == 0)
			ext++;
	}
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), ext);
	check_listing(ct, ents, TAILS_N);
	CU_ASSERT_EQUAL(count_listed(ct), TAILS_N / 2);

	/* The rest expires in one pass; the empty table is whole lines
	 * again: capacity / 2 IPv6 flows fit, and no more. */
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now + 40000, 100000), TAILS_N / 2);
	CU_ASSERT_EQUAL(calls, TAILS_N);
	CU_ASSERT_EQUAL(cb_bad, 0);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	CU_ASSERT_EQUAL(count_listed(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_sweep(ct, now + 40000, 100000), 0);
	for (id = 0, n = 0; id < TAILS_CAP / 2; id++)
		n += ins_flow(ct, 1000 + id, true, false, now + 40000) != NULL;
	CU_ASSERT_EQUAL(n, TAILS_CAP / 2);
	CU_ASSERT_PTR_NULL(ins(ct, 2000, now + 40000));
	free(mem);
}

/* Whether the n flows' slots (the head; the second half for IPv6) are
 * all distinct: no half was handed out twice. */
static bool
disjoint(struct sl_ct_entry *const *ents, uint32_t n)
{
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			const struct sl_ct_entry *a = ents[i], *b = ents[j];

			if (i == j || a == NULL || b == NULL)
				continue;
			if (a == b || ((a->flags & SL_CT_F_V6) && a + 1 == b))
				return false;
		}
	return true;
}

/* Free halves whose buddy is taken cannot hold an IPv6 flow or one with
 * an extension, only an IPv4 flow; freeing the buddy, in either order,
 * makes the line whole again. */
static void
test_fragmentation(void)
{
	struct sl_ct_entry *e, *ents[64], *odd[32], *even[32], *fill[32];
	struct sl_flow_key f, r;
	struct sl_ct *ct;
	uint32_t id, i, j, no, ne;
	void *mem;

	ct = mk_table(64, NULL, &mem);
	for (id = 0; id < 64; id++) {
		ents[id] = ins(ct, id, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ents[id]);
		sl_ct_update(ents[id], IPPROTO_UDP, SL_CT_DIR_FWD, 0, 0);
	}
	CU_ASSERT_TRUE(disjoint(ents, 64));
	CU_ASSERT_PTR_NULL(ins(ct, 64, 0));
	for (id = 0, no = ne = 0; id < 64; id++) {
		if ((uintptr_t)ents[id] % LINE)
			odd[no++ % 32] = ents[id];
		else
			even[ne++ % 32] = ents[id];
	}
	CU_ASSERT_FATAL(no == 32 && ne == 32);

	/* The flows in second halves go: 32 free halves, no free line. */
	for (i = 0; i < 32; i++)
		sl_ct_delete(ct, odd[i]);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32);
	CU_ASSERT_PTR_NULL(ins_flow(ct, 100, true, false, 0));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 101, false, true, 0));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 102, true, true, 0));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	/* ... while IPv4 flows fit, in those halves. */
	e = ins(ct, 103, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL((uintptr_t)e % LINE, HALF);
	sl_ct_delete(ct, e);
	CU_ASSERT_PTR_NULL(ins_flow(ct, 104, true, false, 0));

	/* A buddy freed after its second half: the line is whole, one
	 * IPv6 flow fits, a second does not. */
	sl_ct_delete(ct, even[0]);
	e = ins_flow(ct, 105, true, false, 0);
	CU_ASSERT_PTR_EQUAL(e, even[0]);
	CU_ASSERT_PTR_NULL(ins_flow(ct, 106, true, false, 0));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 106, false, true, 0));
	/* Again, for an IPv4 flow with an extension. */
	sl_ct_delete(ct, even[1]);
	e = ins_flow(ct, 107, false, true, 0);
	CU_ASSERT_PTR_EQUAL_FATAL(e, even[1]);
	CU_ASSERT_PTR_EQUAL((const void *)sl_ct_ext(ct, e),
			    (const void *)(e + 1));
	CU_ASSERT_PTR_NULL(ins_flow(ct, 108, false, true, 0));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 32);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 1);

	/* The other order: the first half freed, then the second. The 30
	 * free halves take IPv4 flows, then the table is full. */
	for (i = 0; i < 30; i++) {
		fill[i] = ins(ct, 200 + i, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fill[i]);
		CU_ASSERT_EQUAL((uintptr_t)fill[i] % LINE, HALF);
	}
	CU_ASSERT_PTR_NULL(ins(ct, 230, 0));
	sl_ct_delete(ct, even[2]);
	CU_ASSERT_PTR_NULL(ins_flow(ct, 231, true, false, 0));
	for (j = 0; j < 30 && fill[j] != even[2] + 1; j++)
		;
	CU_ASSERT_FATAL(j < 30);
	sl_ct_delete(ct, fill[j]);
	CU_ASSERT_PTR_EQUAL(ins_flow(ct, 232, true, false, 0), even[2]);
	CU_ASSERT_PTR_NULL(ins(ct, 233, 0));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 61);
	free(mem);

	/* Buddies freed in another order than their halves were: each
	 * merge takes its half out of the middle of the free halves. A
	 * half left there would be handed out again, inside a line now
	 * held by an IPv6 flow. */
	ct = mk_table(64, NULL, &mem);
	for (id = 0, no = ne = 0; id < 64; id++) {
		e = ins(ct, id, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		if ((uintptr_t)e % LINE)
			odd[no++ % 32] = e;
		else
			even[ne++ % 32] = e;
	}
	CU_ASSERT_FATAL(no == 32 && ne == 32);
	for (i = 0; i < 32; i++)
		sl_ct_delete(ct, odd[(i * 5) % 32]);
	for (i = 0; i < 16; i++)
		sl_ct_delete(ct, even[(i * 7 + 3) % 32]);
	/* 16 whole lines, 16 free halves. */
	for (id = 0; id < 32; id++) {
		ents[id] = ins_flow(ct, 300 + id, id < 16, false, 0);
		CU_ASSERT_PTR_NOT_NULL(ents[id]);
	}
	CU_ASSERT_PTR_NULL(ins(ct, 332, 0));
	CU_ASSERT_EQUAL(sl_ct_count(ct), 48);
	for (i = 0; i < 16; i++)
		ents[32 + i] = even[(i * 7 + 3 + 16 * 7) % 32];
	CU_ASSERT_TRUE(disjoint(ents, 48));
	for (id = 0; id < 32; id++) {
		mk_keys6(300 + id, IPPROTO_TCP, id < 16, &f, &r);
		CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r, 0), ents[id]);
		if (ents[id] != NULL)
			CU_ASSERT_TRUE(addrs_are(ents[id], &f, &r));
	}
	/* Everything deleted: 32 IPv6 flows, and the table is full. */
	for (id = 0; id < 48; id++)
		if (ents[id] != NULL)
			sl_ct_delete(ct, ents[id]);
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	for (id = 0; id < 32; id++) {
		ents[id] = ins_flow(ct, 400 + id, true, false, 0);
		CU_ASSERT_PTR_NOT_NULL(ents[id]);
	}
	CU_ASSERT_PTR_NULL(ins(ct, 432, 0));
	CU_ASSERT_TRUE(disjoint(ents, 32));
	free(mem);
}

/* Only TCP and UDP flows are tracked; the protocol is a flag. */
static void
test_proto(void)
{
	static const uint8_t other[] = {
		IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_GRE, 0, 255,
	};
	struct sl_flow_key f, r, k;
	struct sl_addr vip;
	struct sl_ct_entry *e;
	struct sl_ct *ct;
	uint32_t i, id, calls = 0;
	void *mem;

	ct = mk_table(64, NULL, &mem);
	sl_ct_set_expire_cb(ct, count_cb, &calls);
	for (i = 0; i < 4 * SL_ARRAY_SIZE(other); i++) {
		bool v6 = i & 1, ext = i & 2;

		mk_keys6(i, other[i / 4], v6, &f, &r);
		CU_ASSERT_PTR_NULL(ins_keys_x(ct, &f, VIP, &r, 0, ext));
		CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, VIP, 0));
		CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, 0));
	}
	CU_ASSERT_EQUAL(sl_ct_count(ct), 0);
	CU_ASSERT_EQUAL(sl_ct_ext_count(ct), 0);
	/* Nothing was taken: a table's worth of IPv4 flows fits. */
	for (id = 0; id < 64; id++)
		CU_ASSERT_PTR_NOT_NULL(ins(ct, id, 0));
	CU_ASSERT_PTR_NULL(ins(ct, 64, 0));
	/* A full table of expired flows: ICMP is still refused, where TCP
	 * makes room. */
	mk_keys(70, IPPROTO_ICMP, &f, &r);
	CU_ASSERT_PTR_NULL(ins_keys(ct, &f, VIP, &r, 100000));
	CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, 100000));
	CU_ASSERT_PTR_NOT_NULL(ins(ct, 70, 100000));
	CU_ASSERT(calls >= 1);
	CU_ASSERT_EQUAL(sl_ct_count(ct) + calls, 65);
	free(mem);

	/* TCP and UDP, both families: the flag, and the keys rebuilt with
	 * it. */
	ct = mk_table(64, NULL, &mem);
	for (i = 0; i < 4; i++) {
		bool v6 = i & 1;
		uint8_t proto = i & 2 ? IPPROTO_UDP : IPPROTO_TCP;

		mk_keys6(i, proto, v6, &f, &r);
		e = ins_keys(ct, &f, VIP, &r, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(sl_ct_proto(e), proto);
		CU_ASSERT_EQUAL(e->flags & SL_CT_F_UDP,
				proto == IPPROTO_UDP ? SL_CT_F_UDP : 0);
		/* The state machine's protocol argument is the packet's;
		 * the flow's stays. */
		sl_ct_update(e, IPPROTO_UDP, SL_CT_DIR_FWD, 0, 1);
		sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SYN, 1);
		CU_ASSERT_EQUAL(sl_ct_proto(e), proto);
		sl_flow_key_dst(&f, &vip);
		sl_ct_key_fwd(e, &vip, f.dport, &k);
		CU_ASSERT_EQUAL(k.proto, proto);
		CU_ASSERT_EQUAL(memcmp(&k, &f, sizeof(k)), 0);
		/* The other protocol's keys are another flow's. */
		f.proto = r.proto = (uint8_t)(proto ^ IPPROTO_UDP ^
					      IPPROTO_TCP);
		CU_ASSERT_PTR_NULL(look_fwd_key(ct, &f, VIP, 1));
		CU_ASSERT_PTR_NULL(look_rev_key(ct, &r, 1));
	}
	free(mem);
}

/* sl_ct_client() / sl_ct_backend(): the family and all four words, for
 * both families; IPv4 addresses in word 0, the others zero. */
static void
test_addrs(void)
{
	struct sl_ct_entry *e;
	struct sl_flow_key f, r;
	struct sl_addr a;
	struct sl_ct *ct;
	uint32_t i;
	void *mem;

	ct = mk_table(64, NULL, &mem);
	for (i = 0; i < 8; i++) {
		bool v6 = i & 1;

		mk_keys6(i, IPPROTO_TCP, v6, &f, &r);
		if (i & 4) {	/* every byte set */
			memset(f.src, 0xff, v6 ? 16 : 4);
			memset(r.src, 0xfe, v6 ? 16 : 4);
		}
		if (i & 2) {	/* every byte a different one */
			uint8_t *c = (uint8_t *)f.src, *b = (uint8_t *)r.src;
			uint32_t j;

			for (j = 0; j < (v6 ? 16u : 4u); j++) {
				c[j] = (uint8_t)(0x11 * (j + 1) + i);
				b[j] = (uint8_t)(0x0f * (j + 3) + i);
			}
		}
		e = ins_keys_x(ct, &f, VIP, &r, 0, i >= 4);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		memset(&a, 0xa5, sizeof(a));
		sl_ct_client(e, &a);
		CU_ASSERT_EQUAL(a.family, v6 ? AF_INET6 : AF_INET);
		CU_ASSERT_EQUAL(memcmp(a.w, f.src, 16), 0);
		memset(&a, 0xa5, sizeof(a));
		sl_ct_backend(e, &a);
		CU_ASSERT_EQUAL(a.family, v6 ? AF_INET6 : AF_INET);
		CU_ASSERT_EQUAL(memcmp(a.w, r.src, 16), 0);
		CU_ASSERT_TRUE(stored_addrs_are(e, &f, &r));
		/* The flow's fields written all over: the addresses stay,
		 * an extension's contents too. */
		sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, FIN, 5);
		e->backend_id = 0xfff;
		e->out_port = 15;
		e->in_port = 15;
		e->backend_gen = 0xffff;
		e->nh_backend = 0xffff;
		e->nh_client = 0xffff;
		e->acl_gen = 0xffff;
		if (sl_ct_ext(ct, e) != NULL)
			memset(sl_ct_ext(ct, e), 0xff, sizeof(struct sl_ct_ext));
		CU_ASSERT_TRUE(addrs_are(e, &f, &r));
		CU_ASSERT_PTR_EQUAL(look_fwd_key(ct, &f, VIP, 5), e);
		CU_ASSERT_PTR_EQUAL(look_rev_key(ct, &r, 5), e);
	}
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
	    !CU_add_test(s, "lookups match their own key only",
			 test_lookup_match) ||
	    !CU_add_test(s, "lookups with a hint", test_lookup_hint) ||
	    !CU_add_test(s, "key rebuilders", test_key_rebuild) ||
	    !CU_add_test(s, "extensions", test_ext) ||
	    !CU_add_test(s, "index hashes", test_hash) ||
	    !CU_add_test(s, "full table", test_full) ||
	    !CU_add_test(s, "full buckets", test_bucket_full) ||
	    !CU_add_test(s, "expiry on lookup", test_expiry_lookup) ||
	    !CU_add_test(s, "sweep", test_sweep) ||
	    !CU_add_test(s, "tcp states and timeouts", test_tcp_states) ||
	    !CU_add_test(s, "time wrap-around", test_wrap) ||
	    !CU_add_test(s, "IPv6 second halves are not flows",
			 test_v6_tails) ||
	    !CU_add_test(s, "split halves and whole lines",
			 test_fragmentation) ||
	    !CU_add_test(s, "TCP and UDP only", test_proto) ||
	    !CU_add_test(s, "client and backend addresses", test_addrs) ||
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
