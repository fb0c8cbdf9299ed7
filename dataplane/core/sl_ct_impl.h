/* SPDX-License-Identifier: BSD-3-Clause
 * Connection tracking's table layout and its per-packet functions, inline:
 * hashing, prefetching, lookups, the state update and the key toward the
 * backend or client. Included by sl_ct.h; see sl_ct.c for the layout's
 * description and invariants. Only sl_ct's functions touch struct sl_ct
 * and the buckets.
 *
 * These were calls into sl_ct.c from the worker: inline, the tcp4-64k
 * benchmark takes about 4% fewer cycles per packet (BENCHMARKS.md).
 */
#ifndef SL_CT_IMPL_H
#define SL_CT_IMPL_H

#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sl_pkt.h"	/* SL_TCP_* flag bits */

#define CT_MAGIC	0x534c4355u	/* "SLCU" */
#define CT_MIN_CAP	64u
#define CT_MAX_CAP	(1u << 28)	/* index bit 31 is the direction */
#define CT_WAYS		12
#define CT_REV		0x80000000u	/* index slot: reverse key */
#define CT_IDX_MASK	0x7fffffffu
#define CT_NONE		0xffffffffu	/* "no entry to keep" */
#define CT_HDR_SIZE	128
#define CT_FIRST_MAX	10	/* below this many keys, the first bucket */
#define CT_SLOTS_PER_BUCKET 4	/* cap / buckets */
#define CT_F_KIND	(SL_CT_F_USED | SL_CT_F_EXT | SL_CT_F_V6 | SL_CT_F_UDP)

#define CT_F_FIN_MASK	(SL_CT_F_FIN_FWD | SL_CT_F_FIN_REV)

_Static_assert(sizeof(struct sl_ct_entry) == 32, "half a cache line");
_Static_assert(sizeof(struct sl_ct_v6) == 32, "half a cache line");
_Static_assert(sizeof(struct sl_ct_ext) <= offsetof(struct sl_ct_entry, flags),
	       "an extension leaves the half's flags alone");

/* One cache line: the 12 signatures (and the overflow count) in the first
 * 16 bytes, compared as one vector; then the 12 entry indexes. */
struct ct_bucket {
	uint8_t sig[CT_WAYS];
	uint8_t ovf;
	uint8_t pad[3];
	uint32_t idx[CT_WAYS];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct ct_bucket) == 64, "bucket is a cache line");

struct sl_ct {
	uint32_t magic;
	uint32_t cap;		/* halves, power of two */
	uint32_t bmask;		/* buckets - 1 */
	uint32_t bshift;	/* 32 - log2(buckets): secondary choice */
	uint32_t free_line;	/* 1 + the top free line, 0: none */
	uint32_t free_half;	/* 1 + the first lone free half, 0: none */
	uint32_t nflows;	/* flows */
	uint32_t next;		/* extensions */
	uint32_t cursor;	/* next half sl_ct_sweep() examines */
	uint32_t gen;		/* changes whenever a key is (un)indexed */
	uint64_t bkt_off;	/* byte offset from the header: no pointers
				 * in the block, so any mapping can read it */
	uint64_t seed;
	sl_ct_expire_cb cb;
	void *cb_arg;
	struct sl_ct_timeouts to;
};

_Static_assert(sizeof(struct sl_ct) <= CT_HDR_SIZE, "header size");

static inline struct sl_ct_entry *
ct_entries(const struct sl_ct *ct)
{
	return (struct sl_ct_entry *)((uintptr_t)ct + CT_HDR_SIZE);
}

static inline struct ct_bucket *
ct_buckets(const struct sl_ct *ct)
{
	return (struct ct_bucket *)((uintptr_t)ct + ct->bkt_off);
}

/* The two candidate buckets of a hash: the low bits, and the high bits of
 * a multiplicative rehash of the rotated hash, forced to differ. */
static inline void
ct_buckets_of(const struct sl_ct *ct, uint32_t hash, uint32_t *b0,
	      uint32_t *b1)
{
	uint32_t x = ((hash >> 16) | (hash << 16)) * 0x9e3779b1u;

	*b0 = hash & ct->bmask;
	*b1 = (x >> ct->bshift) & ct->bmask;
	if (*b1 == *b0)
		*b1 ^= 1;
}

static inline uint8_t
ct_sig(uint32_t hash)
{
	uint8_t s = (uint8_t)(hash >> 24);

	return s != 0 ? s : 1;
}

/* Bit s set when slot s of the bucket has signature sig (0: empty). */
static inline uint32_t
ct_sig_match(const struct ct_bucket *bu, uint8_t sig)
{
#ifdef __SSE2__
	__m128i v = _mm_load_si128((const __m128i *)(const void *)bu->sig);

	return (uint32_t)_mm_movemask_epi8(
		_mm_cmpeq_epi8(v, _mm_set1_epi8((char)sig))) &
	       ((1u << CT_WAYS) - 1);
#else
	uint32_t s, m = 0;

	for (s = 0; s < CT_WAYS; s++)
		m |= (uint32_t)(bu->sig[s] == sig) << s;
	return m;
#endif
}

static inline bool
sl_ct_expired(const struct sl_ct *ct, const struct sl_ct_entry *e,
	      uint32_t now)
{
	/* Wrap-safe age; a last_seen "in the future" (negative age) is
	 * alive. Timeouts must stay below 2^31 ms (24 days). */
	int32_t age = (int32_t)(now - e->last_seen);
	uint32_t state = e->state < SL_CT_STATE_MAX ? e->state : SL_CT_FREE;

	return age >= 0 && (uint32_t)age >= ct->to.ms[state];
}

/* The index hash: the seed and four 64-bit words (an address, then ports,
 * id, proto and family), multiplied and folded. Not cryptographic; keyed
 * so that the buckets of a client's keys cannot be chosen from outside. */
static inline uint32_t
ct_hash(uint64_t seed, const uint32_t a[4], uint64_t rest)
{
	uint64_t w0, w1, h;

	memcpy(&w0, a, 8);
	memcpy(&w1, a + 2, 8);
	h = (seed ^ w0) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 31) ^ w1) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 29) ^ rest) * 0x94d049bb133111ebull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static inline uint64_t
ct_rest(uint16_t p0, uint16_t p1, uint8_t proto, bool v6, bool rev)
{
	return (uint64_t)p0 | (uint64_t)p1 << 16 | (uint64_t)proto << 32 |
	       (uint64_t)v6 << 40 | (uint64_t)rev << 41;
}

static inline uint32_t
sl_ct_hash_fwd(const struct sl_ct *ct, const struct sl_flow_key *k,
	       uint16_t vip_id)
{
	return sl_ct_hash_fwd_tail(ct, k, sl_ct_fwd_tail(vip_id, k->proto,
							 k->family));
}

static inline uint64_t
sl_ct_fwd_tail(uint16_t vip_id, uint8_t proto, uint8_t family)
{
	return ct_rest(0, vip_id, proto, family == AF_INET6, false);
}

static inline uint32_t
sl_ct_hash_fwd_tail(const struct sl_ct *ct, const struct sl_flow_key *k,
		    uint64_t tail)
{
	return ct_hash(ct->seed, k->src, tail | k->sport);
}

/* A reverse key's hash. The SNAT port's two low bits enter only the top
 * two bits (the signature's), so the keys of four consecutive SNAT ports
 * of one backend share their first bucket. A worker hands out SNAT ports
 * in order per backend and flows expire roughly in the order they came,
 * so of four new flows to a backend (or four removals) three find that
 * bucket line still in cache; every new flow's reverse key is a bucket
 * miss otherwise. The signatures of the four still differ. */
static inline uint32_t
ct_hash_rev(uint64_t seed, const uint32_t a[4], uint16_t bport,
	    uint16_t lport_be, uint8_t proto, bool v6)
{
	uint16_t lp = ntohs(lport_be);

	return ct_hash(seed, a,
		       ct_rest(bport, (uint16_t)(lp & ~3u), proto, v6, true)) ^
	       (uint32_t)(lp & 3u) << 30;
}

static inline uint32_t
sl_ct_hash_rev(const struct sl_ct *ct, const struct sl_flow_key *k)
{
	return ct_hash_rev(ct->seed, k->src, k->sport, k->dport, k->proto,
			   k->family == AF_INET6);
}

/* The flow's client and backend addresses as four words (IPv4: word 0,
 * the rest zero, as in a key). */
static inline __attribute__((always_inline)) void
ct_addrs(const struct sl_ct_entry *e, uint32_t c[4], uint32_t b[4])
{
	if (e->flags & SL_CT_F_V6) {
		memcpy(c, sl_ct_v6_addrs(e)->client, 16);
		memcpy(b, sl_ct_v6_addrs(e)->backend, 16);
		return;
	}
	c[0] = e->client;
	b[0] = e->backend;
	c[1] = c[2] = c[3] = b[1] = b[2] = b[3] = 0;
}

/* The flags a flow of key k has, of CT_F_KIND; CT_KIND_NONE, which no
 * half has, for a protocol that is not tracked. */
#define CT_KIND_NONE	0xff

static inline uint8_t
ct_key_kind(const struct sl_flow_key *k)
{
	/* Without branches: every lookup asks. CT_KIND_NONE has the V6 bit
	 * already. */
	uint8_t kind = k->proto == IPPROTO_TCP ? SL_CT_F_USED :
		       k->proto == IPPROTO_UDP ? SL_CT_F_USED | SL_CT_F_UDP :
		       CT_KIND_NONE;

	return kind | (k->family == AF_INET6 ? SL_CT_F_V6 : 0);
}

/* An address of the flow against a key's: w4 the IPv4 field, off the
 * IPv6 field's offset in struct sl_ct_v6. */
static inline bool
ct_addr_eq(const struct sl_ct_entry *e, uint32_t w4, size_t off,
	   const uint32_t k[4])
{
	uint64_t x[2], y[2];

	if (!(e->flags & SL_CT_F_V6))
		return w4 == k[0];
	memcpy(x, (const uint8_t *)sl_ct_v6_addrs(e) + off, 16);
	memcpy(y, k, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static inline bool
ct_fwd_eq(const struct sl_ct_entry *e, const struct sl_flow_key *k,
	  uint16_t vip_id)
{
	return e->cport == k->sport && e->vip_id == vip_id &&
	       (e->flags & CT_F_KIND) == ct_key_kind(k) &&
	       ct_addr_eq(e, e->client, offsetof(struct sl_ct_v6, client),
			  k->src);
}

static inline bool
ct_rev_eq(const struct sl_ct_entry *e, const struct sl_flow_key *k)
{
	return e->lport == k->dport && e->bport == k->sport &&
	       (e->flags & CT_F_KIND) == ct_key_kind(k) &&
	       ct_addr_eq(e, e->backend, offsetof(struct sl_ct_v6, backend),
			  k->src);
}

/* A found entry: returned when alive, removed (NULL) when expired. */
static inline struct sl_ct_entry *
ct_found(struct sl_ct *ct, struct sl_ct_entry *e, uint32_t now)
{
	if (sl_ct_expired(ct, e, now)) {
		sl_ct_expire(ct, e);
		return NULL;
	}
	return e;
}

/* Both lookups: keys of direction dir (0: forward, of VIP vip_id; CT_REV:
 * reverse) in the first bucket, and in the second only when keys of the
 * first overflowed there. Inlined into each, dir being a constant. */
static inline __attribute__((always_inline)) struct sl_ct_entry *
ct_lookup(struct sl_ct *ct, const struct sl_flow_key *k, uint16_t vip_id,
	  uint32_t hash, uint32_t now, uint32_t dir)
{
	const struct ct_bucket *bk = ct_buckets(ct);
	struct sl_ct_entry *ent = ct_entries(ct), *e;
	uint8_t sig = ct_sig(hash);
	uint32_t b[2], i, m, v;

	ct_buckets_of(ct, hash, &b[0], &b[1]);
	for (i = 0; i < 2; i++) {
		for (m = ct_sig_match(&bk[b[i]], sig); m != 0; m &= m - 1) {
			v = bk[b[i]].idx[__builtin_ctz(m)];
			if ((v & CT_REV) != dir)
				continue;
			e = &ent[v & CT_IDX_MASK];
			if (dir ? ct_rev_eq(e, k) : ct_fwd_eq(e, k, vip_id))
				return ct_found(ct, e, now);
		}
		if (bk[b[0]].ovf == 0)
			break;
	}
	return NULL;
}

static inline struct sl_ct_entry *
sl_ct_lookup_fwd(struct sl_ct *ct, const struct sl_flow_key *k,
		 uint16_t vip_id, uint32_t hash, uint32_t now)
{
	return ct_lookup(ct, k, vip_id, hash, now, 0);
}

static inline uint32_t
sl_ct_gen(const struct sl_ct *ct)
{
	return ct->gen;
}

/* A lookup that reads first the entry hint (sl_ct_prefetch_entry()'s,
 * taken when sl_ct_gen() was gen): while no key has been indexed or
 * unindexed since, it is still the flow an index slot of this hash named,
 * and the key alone decides; else, or when the key differs, the buckets
 * are read as by sl_ct_lookup_fwd(). Same result either way. */
static inline __attribute__((always_inline)) struct sl_ct_entry *
ct_lookup_hint(struct sl_ct *ct, const struct sl_flow_key *k,
	       uint16_t vip_id, uint32_t hash, uint32_t now,
	       const void *hint, uint32_t gen, uint32_t dir)
{
	struct sl_ct_entry *e = (struct sl_ct_entry *)(uintptr_t)hint;

	if (hint != NULL && gen == ct->gen &&
	    (dir ? ct_rev_eq(e, k) : ct_fwd_eq(e, k, vip_id)))
		return ct_found(ct, e, now);
	return ct_lookup(ct, k, vip_id, hash, now, dir);
}

static inline struct sl_ct_entry *
sl_ct_lookup_fwd_hint(struct sl_ct *ct, const struct sl_flow_key *k,
		      uint16_t vip_id, uint32_t hash, uint32_t now,
		      const void *hint, uint32_t gen)
{
	return ct_lookup_hint(ct, k, vip_id, hash, now, hint, gen, 0);
}

static inline struct sl_ct_entry *
sl_ct_lookup_rev_hint(struct sl_ct *ct, const struct sl_flow_key *k,
		      uint32_t hash, uint32_t now, const void *hint,
		      uint32_t gen)
{
	return ct_lookup_hint(ct, k, 0, hash, now, hint, gen, CT_REV);
}

static inline struct sl_ct_entry *
sl_ct_lookup_rev(struct sl_ct *ct, const struct sl_flow_key *k,
		 uint32_t hash, uint32_t now)
{
	return ct_lookup(ct, k, 0, hash, now, CT_REV);
}

static inline void
sl_ct_prefetch_buckets(const struct sl_ct *ct, uint32_t hash)
{
	/* The first bucket only: it holds almost every key. */
	__builtin_prefetch(&ct_buckets(ct)[hash & ct->bmask]);
}

static inline const void *
sl_ct_prefetch_entry(const struct sl_ct *ct, uint32_t hash)
{
	const struct ct_bucket *bk = ct_buckets(ct);
	const struct sl_ct_entry *e;
	uint32_t b0, b1, m;

	b0 = hash & ct->bmask;
	m = ct_sig_match(&bk[b0], ct_sig(hash));
	if (m == 0) {
		/* Not read here: that would wait for the line. */
		if (bk[b0].ovf != 0) {
			ct_buckets_of(ct, hash, &b0, &b1);
			__builtin_prefetch(&bk[b1]);
		}
		return NULL;
	}
	e = &ct_entries(ct)[bk[b0].idx[__builtin_ctz(m)] & CT_IDX_MASK];
	__builtin_prefetch(e);
	return e;
}

/* A key of the entry's proto and family from src:sport to dst:dport.
 * Ports, proto and family (and the padding) go in one 8-byte store and
 * each address in one 16-byte store: the NAT rewrite that reads the key
 * next loads them whole, and a load that spans several smaller stores
 * still in flight cannot be forwarded from them (it waits for them to
 * retire). */
static inline __attribute__((always_inline)) void
ct_key(struct sl_flow_key *k, const struct sl_ct_entry *e,
       const uint32_t src[4], uint16_t sport, const uint32_t dst[4],
       uint16_t dport)
{
	struct {
		uint16_t sport, dport;
		uint8_t proto, family, pad[2];
	} t = { sport, dport, sl_ct_proto(e), sl_ct_family(e), { 0, 0 } };
	uint64_t tail;

	memcpy(k->src, src, sizeof(k->src));
	memcpy(k->dst, dst, sizeof(k->dst));
	memcpy(&tail, &t, sizeof(tail));
	memcpy(&k->sport, &tail, sizeof(tail));
}

static inline void
sl_ct_key_to_backend(const struct sl_ct_entry *e, const struct sl_addr *local,
		     struct sl_flow_key *k)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	ct_key(k, e, local->w, e->lport, b, e->bport);
}

static inline void
sl_ct_key_to_client(const struct sl_ct_entry *e, const struct sl_addr *vip,
		    uint16_t vport_be, struct sl_flow_key *k)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	ct_key(k, e, vip->w, vport_be, c, e->cport);
}

/* TCP, loosely (like Linux conntrack's "loose" pickup): a flow first seen
 * mid-stream is ESTABLISHED and the caller decides whether to accept it;
 * any packet without SYN in the handshake states completes it (with DSR the
 * SYN-ACK never passes here), except a backend's bare ACK to the client's
 * SYN: that is the backend refusing the SYN (a TIME_WAIT of the same tuple
 * answers so, RFC 793's "old duplicate" check), and the handshake has not
 * happened. SL_CT_F_EST records that a flow got as far as ESTABLISHED. A
 * new SYN from the client after the flow has ended reuses the tuple and
 * starts over. */
static inline uint8_t
ct_tcp_next(struct sl_ct_entry *e, int dir, uint8_t fl)
{
	bool syn = (fl & SL_TCP_SYN) != 0, ack = (fl & SL_TCP_ACK) != 0;
	uint8_t old = e->state, st = old;

	if (fl & SL_TCP_RST)
		return SL_CT_CLOSED;

	switch (st) {
	case SL_CT_FREE:
		if (syn && !ack && dir == SL_CT_DIR_FWD)
			return SL_CT_SYN_SENT;
		st = SL_CT_ESTABLISHED;
		break;
	case SL_CT_SYN_SENT:
		if (syn && ack && dir == SL_CT_DIR_REV)
			return SL_CT_SYN_RECV;
		if (syn || dir == SL_CT_DIR_REV)
			return st;	/* retransmitted SYN, or refused */
		st = SL_CT_ESTABLISHED;
		break;
	case SL_CT_SYN_RECV:
		if (syn)
			return st;	/* retransmitted SYN or SYN-ACK */
		st = SL_CT_ESTABLISHED;
		break;
	case SL_CT_CLOSING:
	case SL_CT_CLOSED:
		if (syn && !ack && dir == SL_CT_DIR_FWD) {
			e->flags &= (uint8_t)~(CT_F_FIN_MASK | SL_CT_F_EST);
			return SL_CT_SYN_SENT;
		}
		return st;
	case SL_CT_ESTABLISHED:
	case SL_CT_FIN_WAIT:
		break;
	default:	/* UDP state on a TCP packet: start over, loosely */
		e->flags &= (uint8_t)~CT_F_FIN_MASK;
		st = SL_CT_ESTABLISHED;
		break;
	}

	/* ESTABLISHED or FIN_WAIT here; just established when it was not
	 * (the flag is not rewritten on every packet). */
	if (st != old)
		e->flags |= SL_CT_F_EST;
	if (fl & SL_TCP_FIN) {
		e->flags |= dir == SL_CT_DIR_REV ? SL_CT_F_FIN_REV : SL_CT_F_FIN_FWD;
		if ((e->flags & CT_F_FIN_MASK) == CT_F_FIN_MASK)
			return SL_CT_CLOSING;
		return SL_CT_FIN_WAIT;
	}
	return st;
}

static inline void
sl_ct_update(struct sl_ct_entry *e, uint8_t proto, int dir,
	     uint8_t tcp_flags, uint32_t now)
{
	e->last_seen = now;
	if (proto != IPPROTO_TCP) {
		/* UDP, and any other protocol: one idle timeout. */
		e->state = SL_CT_UDP;
		return;
	}
	/* Most packets: an established flow stays so (ct_tcp_next() changes
	 * nothing for it but on FIN or RST). */
	if (likely(e->state == SL_CT_ESTABLISHED) &&
	    !(tcp_flags & (SL_TCP_FIN | SL_TCP_RST)))
		return;
	e->state = ct_tcp_next(e, dir, tcp_flags);
}

#endif
