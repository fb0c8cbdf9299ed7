/* SPDX-License-Identifier: BSD-3-Clause
 * Per-worker connection tracking.
 *
 * Memory (one block from the caller, 64-byte aligned):
 *
 *   struct sl_ct       header, padded to CT_HDR_SIZE
 *   slots[cap]         struct sl_ct_entry, one cache line each: a flow,
 *                      a flow's extension (struct sl_ct_ext), or free
 *   buckets[cap / 4]   struct ct_bucket, one cache line each
 *
 * 64 + 16 = 80 bytes per slot. Free slots form a stack linked through
 * their link field (last freed, first reused: its line is likely still
 * in cache).
 *
 * Every flow is indexed twice, by its forward and by its reverse key. An
 * index slot is an 8-bit signature (the hash's top byte, never 0: 0 is an
 * empty slot) in the bucket's signature array, and the entry index, with
 * CT_REV set for the reverse key, at the same position of its index
 * array. A key lives in one of two buckets chosen from its hash: the
 * first while it holds fewer than CT_FIRST_MAX keys, else the less loaded.
 * A bucket counts the keys that chose it first but live in their second
 * (ovf): a lookup reads the second bucket only when that count is not 0,
 * so a miss (every new flow's two keys) costs one bucket line, not two.
 * The signatures are compared all at once (SSE2 where available).
 *
 * Keys are compact (see sl_ct.h), and the index hashes are this table's
 * own, keyed by a seed and computed from the stored fields alone: removing
 * a flow needs no other state.
 *
 * Sizing: cap is a power of two >= 64; cap / 4 buckets of 12 slots give
 * 3 * cap index slots for at most 2 * cap keys.
 *
 * Invariants (between calls):
 *   used = cap - (slots on the free stack); used = count + ext_count
 *   slot free            <=>  flags == 0
 *   slot holds a flow    <=>  flags & SL_CT_F_USED, !(flags & SL_CT_F_EXT):
 *                             exactly one index slot holds i (forward) and
 *                             one i | CT_REV; link = 1 + its extension's
 *                             slot, or 0
 *   slot holds an ext    <=>  flags & (SL_CT_F_USED | SL_CT_F_EXT): not
 *                             indexed; link = 1 + its flow's slot;
 *                             state == SL_CT_FREE
 *   bucket b's ovf = keys whose first bucket is b living in their second
 *                    (saturates at 255, then never decreases)
 * A flow may also be in state SL_CT_FREE: inserted but not yet updated; it
 * expires with the SL_CT_FREE timeout and listings skip it.
 *
 * Single writer (the owning worker); no locks and no allocation after
 * sl_ct_init(). sl_ct_slot() readers on other threads see a racy view.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <stddef.h>

#include "sl_ct.h"
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

#define CT_F_FIN_MASK	(SL_CT_F_FIN_FWD | SL_CT_F_FIN_REV)

_Static_assert(sizeof(struct sl_ct_entry) == 64, "one cache line");
_Static_assert(sizeof(struct sl_ct_ext) <=
	       offsetof(struct sl_ct_entry, last_seen),
	       "an extension leaves the slot's link and flags alone");

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
	uint32_t cap;		/* slots, power of two */
	uint32_t bmask;		/* buckets - 1 */
	uint32_t bshift;	/* 32 - log2(buckets): secondary choice */
	uint32_t free_head;	/* 1 + the first free slot, 0: none */
	uint32_t used;		/* slots not free */
	uint32_t nflows;	/* of which flows */
	uint32_t cursor;	/* next slot sl_ct_sweep() examines */
	uint64_t bkt_off;	/* byte offset from the header: no pointers
				 * in the block, so any mapping can read it */
	uint64_t seed;
	sl_ct_expire_cb cb;
	void *cb_arg;
	struct sl_ct_timeouts to;
};

_Static_assert(sizeof(struct sl_ct) <= CT_HDR_SIZE, "header size");

static const char *const ct_state_names[SL_CT_STATE_MAX] = {
	[SL_CT_FREE] = "free",
	[SL_CT_SYN_SENT] = "syn_sent",
	[SL_CT_SYN_RECV] = "syn_recv",
	[SL_CT_ESTABLISHED] = "established",
	[SL_CT_FIN_WAIT] = "fin_wait",
	[SL_CT_CLOSING] = "closing",
	[SL_CT_CLOSED] = "closed",
	[SL_CT_UDP] = "udp",
};

const char *
sl_ct_state_name(unsigned int state)
{
	if (state >= SL_CT_STATE_MAX)
		return "unknown";
	return ct_state_names[state];
}

void
sl_ct_timeouts_default(struct sl_ct_timeouts *t)
{
	memset(t, 0, sizeof(*t));
	t->ms[SL_CT_FREE] = 5000;	/* inserted, no packet accounted yet */
	t->ms[SL_CT_SYN_SENT] = 5000;
	t->ms[SL_CT_SYN_RECV] = 10000;
	t->ms[SL_CT_ESTABLISHED] = 300000;
	t->ms[SL_CT_FIN_WAIT] = 10000;
	t->ms[SL_CT_CLOSING] = 10000;
	t->ms[SL_CT_CLOSED] = 2000;
	t->ms[SL_CT_UDP] = 30000;
}

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

static inline uint32_t
ct_bucket_used(const struct ct_bucket *bu)
{
	return CT_WAYS - (uint32_t)__builtin_popcount(ct_sig_match(bu, 0));
}

/* Capacity actually used for a requested one; 0 when too large. */
static uint32_t
ct_round_cap(uint32_t capacity)
{
	uint32_t cap = CT_MIN_CAP;

	if (capacity > CT_MAX_CAP)
		return 0;
	while (cap < capacity)
		cap <<= 1;
	return cap;
}

size_t
sl_ct_memsize(uint32_t capacity)
{
	uint32_t cap = ct_round_cap(capacity);

	if (cap == 0)
		return 0;
	return CT_HDR_SIZE + (size_t)cap * sizeof(struct sl_ct_entry) +
	       (size_t)(cap / CT_SLOTS_PER_BUCKET) * sizeof(struct ct_bucket);
}

struct sl_ct *
sl_ct_init(void *mem, uint32_t capacity, const struct sl_ct_timeouts *to,
	   uint64_t seed)
{
	uint32_t cap = ct_round_cap(capacity), i, nb, log2nb = 0;
	struct sl_ct *ct = mem;
	struct sl_ct_entry *ent;

	if (mem == NULL || ((uintptr_t)mem & 63) != 0 || cap == 0) {
		errno = EINVAL;
		return NULL;
	}
	memset(ct, 0, CT_HDR_SIZE);
	ct->cap = cap;
	nb = cap / CT_SLOTS_PER_BUCKET;
	while ((1u << log2nb) < nb)
		log2nb++;
	ct->bmask = nb - 1;
	ct->bshift = 32 - log2nb;
	ct->bkt_off = CT_HDR_SIZE + (uint64_t)cap * sizeof(struct sl_ct_entry);
	ct->seed = seed;
	if (to != NULL)
		ct->to = *to;
	else
		sl_ct_timeouts_default(&ct->to);
	/* A caller that sets only the named states would otherwise have new
	 * entries expire before their first sl_ct_update(). */
	if (ct->to.ms[SL_CT_FREE] == 0)
		ct->to.ms[SL_CT_FREE] = ct->to.ms[SL_CT_SYN_SENT];

	ent = ct_entries(ct);
	memset(ent, 0, (size_t)cap * sizeof(*ent));
	memset(ct_buckets(ct), 0, (size_t)nb * sizeof(struct ct_bucket));
	/* Slot 0 on top: a lightly used table stays compact. */
	for (i = 0; i < cap; i++)
		ent[i].link = i + 1 < cap ? i + 2 : 0;
	ct->free_head = 1;
	ct->magic = CT_MAGIC;
	return ct;
}

uint32_t
sl_ct_capacity(const struct sl_ct *ct)
{
	return ct->cap;
}

uint32_t
sl_ct_count(const struct sl_ct *ct)
{
	return ct->nflows;
}

uint32_t
sl_ct_ext_count(const struct sl_ct *ct)
{
	return ct->used - ct->nflows;
}

void
sl_ct_set_expire_cb(struct sl_ct *ct, sl_ct_expire_cb cb, void *arg)
{
	ct->cb = cb;
	ct->cb_arg = arg;
}

bool
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

uint32_t
sl_ct_hash_fwd(const struct sl_ct *ct, const struct sl_flow_key *k,
	       uint16_t vip_id)
{
	return ct_hash(ct->seed, k->src,
		       ct_rest(k->sport, vip_id, k->proto,
			       k->family == AF_INET6, false));
}

uint32_t
sl_ct_hash_rev(const struct sl_ct *ct, const struct sl_flow_key *k)
{
	return ct_hash(ct->seed, k->src,
		       ct_rest(k->sport, k->dport, k->proto,
			       k->family == AF_INET6, true));
}

static inline uint32_t
ct_entry_hash_fwd(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	return ct_hash(ct->seed, e->client,
		       ct_rest(e->cport, e->vip_id, e->proto,
			       (e->flags & SL_CT_F_V6) != 0, false));
}

static inline uint32_t
ct_entry_hash_rev(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	return ct_hash(ct->seed, e->backend,
		       ct_rest(e->bport, e->lport, e->proto,
			       (e->flags & SL_CT_F_V6) != 0, true));
}

static inline bool
ct_addr_eq(const uint32_t a[4], const uint32_t b[4])
{
	uint64_t x[2], y[2];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static inline bool
ct_v6_eq(const struct sl_ct_entry *e, const struct sl_flow_key *k)
{
	return ((e->flags & SL_CT_F_V6) != 0) == (k->family == AF_INET6);
}

static inline bool
ct_fwd_eq(const struct sl_ct_entry *e, const struct sl_flow_key *k,
	  uint16_t vip_id)
{
	return e->cport == k->sport && e->vip_id == vip_id &&
	       e->proto == k->proto && ct_v6_eq(e, k) &&
	       ct_addr_eq(e->client, k->src);
}

static inline bool
ct_rev_eq(const struct sl_ct_entry *e, const struct sl_flow_key *k)
{
	return e->lport == k->dport && e->bport == k->sport &&
	       e->proto == k->proto && ct_v6_eq(e, k) &&
	       ct_addr_eq(e->backend, k->src);
}

/* Clears the index slot that holds val (entry index | direction) for a key
 * of this hash. */
static void
ct_unindex(struct sl_ct *ct, uint32_t hash, uint32_t val)
{
	struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b0, b1, m;
	uint8_t sig = ct_sig(hash);

	ct_buckets_of(ct, hash, &b0, &b1);
	for (m = ct_sig_match(&bk[b0], sig); m != 0; m &= m - 1) {
		uint32_t s = (uint32_t)__builtin_ctz(m);

		if (bk[b0].idx[s] == val) {
			bk[b0].sig[s] = 0;
			return;
		}
	}
	for (m = ct_sig_match(&bk[b1], sig); m != 0; m &= m - 1) {
		uint32_t s = (uint32_t)__builtin_ctz(m);

		if (bk[b1].idx[s] == val) {
			bk[b1].sig[s] = 0;
			if (bk[b0].ovf != 0 && bk[b0].ovf != 255)
				bk[b0].ovf--;
			return;
		}
	}
}

static inline void
ct_free_slot(struct sl_ct *ct, uint32_t i)
{
	struct sl_ct_entry *e = &ct_entries(ct)[i];

	e->state = SL_CT_FREE;
	e->flags = 0;
	e->link = ct->free_head;
	ct->free_head = i + 1;
	ct->used--;
}

/* Pops a free slot; CT_NONE when there is none. */
static inline uint32_t
ct_alloc_slot(struct sl_ct *ct)
{
	uint32_t i;

	if (ct->free_head == 0)
		return CT_NONE;
	i = ct->free_head - 1;
	ct->free_head = ct_entries(ct)[i].link;
	ct->used++;
	return i;
}

static void
ct_remove(struct sl_ct *ct, struct sl_ct_entry *e)
{
	uint32_t i = (uint32_t)(e - ct_entries(ct));

	/* Listings stop showing it first. */
	e->state = SL_CT_FREE;
	ct_unindex(ct, ct_entry_hash_fwd(ct, e), i);
	ct_unindex(ct, ct_entry_hash_rev(ct, e), i | CT_REV);
	if (e->link != 0)
		ct_free_slot(ct, e->link - 1);
	ct_free_slot(ct, i);
	ct->nflows--;
}

static inline bool
ct_is_flow(const struct sl_ct_entry *e)
{
	return (e->flags & (SL_CT_F_USED | SL_CT_F_EXT)) == SL_CT_F_USED;
}

static void
ct_expire(struct sl_ct *ct, struct sl_ct_entry *e)
{
	if (ct->cb != NULL)
		ct->cb(e, ct->cb_arg);
	/* Unless the callback already deleted it. */
	if (ct_is_flow(e))
		ct_remove(ct, e);
}

void
sl_ct_delete(struct sl_ct *ct, struct sl_ct_entry *e)
{
	struct sl_ct_entry *base = ct_entries(ct);

	/* Tolerate a stale pointer to a freed entry: do nothing. */
	if (e < base || e >= base + ct->cap || !ct_is_flow(e))
		return;
	ct_remove(ct, e);
}

/* A found entry: returned when alive, removed (NULL) when expired. */
static inline struct sl_ct_entry *
ct_found(struct sl_ct *ct, struct sl_ct_entry *e, uint32_t now)
{
	if (sl_ct_expired(ct, e, now)) {
		ct_expire(ct, e);
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

struct sl_ct_entry *
sl_ct_lookup_fwd(struct sl_ct *ct, const struct sl_flow_key *k,
		 uint16_t vip_id, uint32_t hash, uint32_t now)
{
	return ct_lookup(ct, k, vip_id, hash, now, 0);
}

struct sl_ct_entry *
sl_ct_lookup_rev(struct sl_ct *ct, const struct sl_flow_key *k,
		 uint32_t hash, uint32_t now)
{
	return ct_lookup(ct, k, 0, hash, now, CT_REV);
}

void
sl_ct_prefetch_buckets(const struct sl_ct *ct, uint32_t hash)
{
	/* The first bucket only: it holds almost every key. */
	__builtin_prefetch(&ct_buckets(ct)[hash & ct->bmask]);
}

bool
sl_ct_prefetch_entry(const struct sl_ct *ct, uint32_t hash)
{
	const struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b0, b1, m;

	ct_buckets_of(ct, hash, &b0, &b1);
	m = ct_sig_match(&bk[b0], ct_sig(hash));
	if (m == 0) {
		/* Not read here: that would wait for the line. */
		if (bk[b0].ovf != 0)
			__builtin_prefetch(&bk[b1]);
		return false;
	}
	__builtin_prefetch(&ct_entries(ct)[bk[b0].idx[__builtin_ctz(m)] &
					   CT_IDX_MASK]);
	return true;
}

/* Removes the expired flows that have a key in bucket bi, except entry
 * keep (the one being inserted). */
static void
ct_reclaim_bucket(struct sl_ct *ct, uint32_t bi, uint32_t now, uint32_t keep)
{
	struct ct_bucket *bu = &ct_buckets(ct)[bi];
	struct sl_ct_entry *ent = ct_entries(ct);
	uint32_t s, v;

	for (s = 0; s < CT_WAYS; s++) {
		if (bu->sig[s] == 0)
			continue;
		v = bu->idx[s] & CT_IDX_MASK;
		if (v != keep && sl_ct_expired(ct, &ent[v], now))
			ct_expire(ct, &ent[v]);
	}
}

/* Adds an index slot for entry value val under hash in its first bucket
 * while that holds fewer than CT_FIRST_MAX keys, else in the less loaded
 * of the two, reclaiming expired flows there when both are full.
 * Returns false when there is still no room. */
static bool
ct_index(struct sl_ct *ct, uint32_t hash, uint32_t val, uint32_t now)
{
	struct ct_bucket *bk = ct_buckets(ct), *bu;
	uint32_t b0, b1, n0, n1, s;

	ct_buckets_of(ct, hash, &b0, &b1);
	n0 = ct_bucket_used(&bk[b0]);
	/* The second bucket's line is only read when the first is nearly
	 * full: then the less loaded wins, which keeps two-choice balance. */
	n1 = n0 < CT_FIRST_MAX ? CT_WAYS : ct_bucket_used(&bk[b1]);
	if (n0 == CT_WAYS && n1 == CT_WAYS) {
		ct_reclaim_bucket(ct, b0, now, val & CT_IDX_MASK);
		ct_reclaim_bucket(ct, b1, now, val & CT_IDX_MASK);
		n0 = ct_bucket_used(&bk[b0]);
		n1 = ct_bucket_used(&bk[b1]);
		if (n0 == CT_WAYS && n1 == CT_WAYS)
			return false;
	}
	bu = n1 < n0 ? &bk[b1] : &bk[b0];
	s = (uint32_t)__builtin_ctz(ct_sig_match(bu, 0));
	bu->idx[s] = val;
	bu->sig[s] = ct_sig(hash);
	if (bu != &bk[b0] && bk[b0].ovf != 255)
		bk[b0].ovf++;
	return true;
}

static void
ct_reclaim_for(struct sl_ct *ct, uint32_t hash, uint32_t now)
{
	uint32_t b0, b1;

	ct_buckets_of(ct, hash, &b0, &b1);
	ct_reclaim_bucket(ct, b0, now, CT_NONE);
	ct_reclaim_bucket(ct, b1, now, CT_NONE);
}

struct sl_ct_entry *
sl_ct_insert(struct sl_ct *ct, const struct sl_flow_key *fwd,
	     uint16_t vip_id, uint32_t fwd_hash,
	     const struct sl_flow_key *rev, uint32_t rev_hash, uint32_t now)
{
	struct sl_ct_entry *e;
	uint32_t i;

	if (ct->free_head == 0) {
		/* Full: make room from expired flows where the new keys go. */
		ct_reclaim_for(ct, fwd_hash, now);
		ct_reclaim_for(ct, rev_hash, now);
	}
	i = ct_alloc_slot(ct);
	if (i == CT_NONE)
		return NULL;
	e = &ct_entries(ct)[i];
	memset(e, 0, sizeof(*e));
	memcpy(e->client, fwd->src, sizeof(e->client));
	memcpy(e->backend, rev->src, sizeof(e->backend));
	e->cport = fwd->sport;
	e->bport = rev->sport;
	e->lport = rev->dport;
	e->vip_id = vip_id;
	e->proto = fwd->proto;
	e->last_seen = now;
	e->flags = SL_CT_F_USED |
		   (fwd->family == AF_INET6 ? SL_CT_F_V6 : 0);
	ct->nflows++;

	if (!ct_index(ct, fwd_hash, i, now))
		goto undo_entry;
	if (!ct_index(ct, rev_hash, i | CT_REV, now))
		goto undo_fwd;
	return e;

undo_fwd:
	ct_unindex(ct, fwd_hash, i);
undo_entry:
	ct->nflows--;
	ct_free_slot(ct, i);
	return NULL;
}

struct sl_ct_ext *
sl_ct_ext(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	if (e->link == 0)
		return NULL;
	return (struct sl_ct_ext *)(void *)&ct_entries(ct)[e->link - 1];
}

struct sl_ct_ext *
sl_ct_ext_add(struct sl_ct *ct, struct sl_ct_entry *e)
{
	struct sl_ct_entry *x;
	uint32_t i;

	if (e->link != 0)
		return sl_ct_ext(ct, e);
	i = ct_alloc_slot(ct);
	if (i == CT_NONE)
		return NULL;
	x = &ct_entries(ct)[i];
	memset(x, 0, sizeof(*x));
	x->flags = SL_CT_F_USED | SL_CT_F_EXT;
	x->link = (uint32_t)(e - ct_entries(ct)) + 1;
	e->link = i + 1;
	return (struct sl_ct_ext *)(void *)x;
}

/* A key of the entry's proto and family from src:sport to dst:dport. */
static void
ct_key(struct sl_flow_key *k, const struct sl_ct_entry *e,
       const uint32_t src[4], uint16_t sport, const uint32_t dst[4],
       uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	k->proto = e->proto;
	k->family = sl_ct_family(e);
	memcpy(k->src, src, sizeof(k->src));
	memcpy(k->dst, dst, sizeof(k->dst));
	k->sport = sport;
	k->dport = dport;
}

void
sl_ct_key_fwd(const struct sl_ct_entry *e, const struct sl_addr *vip,
	      uint16_t vport_be, struct sl_flow_key *k)
{
	ct_key(k, e, e->client, e->cport, vip->w, vport_be);
}

void
sl_ct_key_rev(const struct sl_ct_entry *e, const struct sl_addr *local,
	      struct sl_flow_key *k)
{
	ct_key(k, e, e->backend, e->bport, local->w, e->lport);
}

void
sl_ct_key_to_backend(const struct sl_ct_entry *e, const struct sl_addr *local,
		     struct sl_flow_key *k)
{
	ct_key(k, e, local->w, e->lport, e->backend, e->bport);
}

void
sl_ct_key_to_client(const struct sl_ct_entry *e, const struct sl_addr *vip,
		    uint16_t vport_be, struct sl_flow_key *k)
{
	ct_key(k, e, vip->w, vport_be, e->client, e->cport);
}

/* TCP, loosely (like Linux conntrack's "loose" pickup): a flow first seen
 * mid-stream is ESTABLISHED and the caller decides whether to accept it;
 * any packet without SYN in the handshake states completes it (with DSR the
 * SYN-ACK never passes here). A new SYN from the client after the flow has
 * ended reuses the tuple and starts over. */
static uint8_t
ct_tcp_next(struct sl_ct_entry *e, int dir, uint8_t fl)
{
	bool syn = (fl & SL_TCP_SYN) != 0, ack = (fl & SL_TCP_ACK) != 0;
	uint8_t st = e->state;

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
		if (syn)
			return st;	/* retransmitted SYN */
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
			e->flags &= (uint8_t)~CT_F_FIN_MASK;
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

	/* ESTABLISHED or FIN_WAIT here. */
	if (fl & SL_TCP_FIN) {
		e->flags |= dir == SL_CT_DIR_REV ? SL_CT_F_FIN_REV : SL_CT_F_FIN_FWD;
		if ((e->flags & CT_F_FIN_MASK) == CT_F_FIN_MASK)
			return SL_CT_CLOSING;
		return SL_CT_FIN_WAIT;
	}
	return st;
}

void
sl_ct_update(struct sl_ct_entry *e, uint8_t proto, int dir,
	     uint8_t tcp_flags, uint32_t now)
{
	e->last_seen = now;
	if (proto != IPPROTO_TCP) {
		/* UDP, and any other protocol: one idle timeout. */
		e->state = SL_CT_UDP;
		return;
	}
	e->state = ct_tcp_next(e, dir, tcp_flags);
}

#define CT_SWEEP_BATCH	16

/* In two passes per batch: find the expired flows and prefetch the first
 * buckets of both their keys, then remove them (in slot order, as one
 * pass would), so that the removals' bucket misses overlap. */
uint32_t
sl_ct_sweep(struct sl_ct *ct, uint32_t now, uint32_t budget)
{
	struct sl_ct_entry *ent = ct_entries(ct);
	const struct ct_bucket *bk = ct_buckets(ct);
	uint32_t i = ct->cursor, removed = 0, batch[CT_SWEEP_BATCH], nb, j;

	if (budget > ct->cap)
		budget = ct->cap;
	while (budget > 0) {
		for (nb = 0; budget > 0 && nb < CT_SWEEP_BATCH; budget--) {
			if (ct_is_flow(&ent[i]) &&
			    sl_ct_expired(ct, &ent[i], now)) {
				batch[nb++] = i;
				__builtin_prefetch(&bk[ct_entry_hash_fwd(
					ct, &ent[i]) & ct->bmask]);
				__builtin_prefetch(&bk[ct_entry_hash_rev(
					ct, &ent[i]) & ct->bmask]);
			}
			i = (i + 1) & (ct->cap - 1);
		}
		/* A callback may have deleted a later one of the batch. */
		for (j = 0; j < nb; j++) {
			if (!ct_is_flow(&ent[batch[j]]))
				continue;
			ct_expire(ct, &ent[batch[j]]);
			removed++;
		}
	}
	ct->cursor = i;
	return removed;
}

const struct sl_ct_entry *
sl_ct_slot(const struct sl_ct *ct, uint32_t i)
{
	const struct sl_ct_entry *e;

	if (ct == NULL || ct->magic != CT_MAGIC || i >= ct->cap)
		return NULL;
	e = &ct_entries(ct)[i];
	/* One byte each: a racy reader sees the old or the new value. An
	 * extension's state is SL_CT_FREE. */
	if (*(const volatile uint8_t *)&e->state == SL_CT_FREE ||
	    (*(const volatile uint8_t *)&e->flags & SL_CT_F_EXT))
		return NULL;
	return e;
}
