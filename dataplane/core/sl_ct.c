/* SPDX-License-Identifier: BSD-3-Clause
 * Per-worker connection tracking.
 *
 * Memory (one block from the caller, 64-byte aligned):
 *
 *   struct sl_ct       header, padded to CT_HDR_SIZE
 *   entries[cap]       struct sl_ct_entry, one cache line each
 *   buckets[nb]        struct ct_bucket, one cache line each
 *   free[cap]          uint32_t stack of free entry indexes
 *   inuse[cap]         uint8_t, 1 while the entry holds a flow
 *
 * Every flow is indexed twice, by its forward and by its reverse key. An
 * index slot holds the key's 32-bit hash (the signature) and the entry
 * index, with CT_REV set for the reverse key. A key lives in one of two
 * buckets chosen from its hash: the first while it has room to spare,
 * else the less loaded, so that most keys are in their first bucket: a
 * lookup reads one bucket line (two at most) and, on a signature match,
 * the entry; the burst prefetch only asks for the first bucket.
 *
 * Sizing: cap is a power of two >= 64; nb = cap / 2 buckets of 8 slots
 * gives 4 * cap slots for at most 2 * cap keys: the index is at most half
 * full; a first bucket (8 slots, 4 keys on average when the table is
 * full) reaches CT_FIRST_MAX for a minority of the keys, and with two
 * choices then, both are practically never full.
 *
 * Invariants (between calls):
 *   count = cap - free_top
 *   an entry is on the free stack  <=>  inuse[i] == 0
 *   inuse[i] == 1  <=>  exactly one slot holds i (fwd) and one i | CT_REV
 *   inuse[i] == 0  =>   entries[i].state == SL_CT_FREE
 * An entry in use may also be in state SL_CT_FREE: inserted but not yet
 * updated; it expires with the SL_CT_FREE timeout and listings skip it.
 *
 * Single writer (the owning worker); no locks and no allocation after
 * sl_ct_init(). sl_ct_slot() readers on other threads see a racy view.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "sl_ct.h"
#include "sl_pkt.h"	/* SL_TCP_* flag bits */

#define CT_MAGIC	0x534c4354u	/* "SLCT" */
#define CT_MIN_CAP	64u
#define CT_MAX_CAP	(1u << 28)	/* index bit 31 is the direction */
#define CT_WAYS		8
#define CT_REV		0x80000000u	/* index slot: reverse key */
#define CT_IDX_MASK	0x7fffffffu
#define CT_EMPTY	0xffffffffu	/* index slot unused */
#define CT_HDR_SIZE	128
#define CT_FIRST_MAX	6	/* below this many keys, the first bucket */

/* e->flags bits owned by the state machine: which sides sent a FIN. The
 * other bits are left to the caller. */
#define CT_F_FIN_FWD	0x01
#define CT_F_FIN_REV	0x02
#define CT_F_FIN_MASK	(CT_F_FIN_FWD | CT_F_FIN_REV)

/* The header's entry is 116 bytes of fields, aligned to 64: two lines. */
_Static_assert(sizeof(struct sl_ct_entry) == 128, "two cache lines");

/* One cache line: 8 signatures, then the 8 matching entry indexes, so the
 * signature compare is one contiguous 32-byte read. */
struct ct_bucket {
	uint32_t sig[CT_WAYS];
	uint32_t idx[CT_WAYS];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct ct_bucket) == 64, "bucket is a cache line");

struct sl_ct {
	uint32_t magic;
	uint32_t cap;		/* entries, power of two */
	uint32_t bmask;		/* buckets - 1 */
	uint32_t bshift;	/* 32 - log2(buckets): secondary choice */
	uint32_t free_top;	/* entries on the free stack */
	uint32_t cursor;	/* next slot sl_ct_sweep() examines */
	uint64_t bkt_off;	/* byte offsets from the header: no pointers */
	uint64_t free_off;	/* in the block, so any mapping can read it */
	uint64_t inuse_off;
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

static inline uint32_t *
ct_free(const struct sl_ct *ct)
{
	return (uint32_t *)((uintptr_t)ct + ct->free_off);
}

static inline uint8_t *
ct_inuse(const struct sl_ct *ct)
{
	return (uint8_t *)((uintptr_t)ct + ct->inuse_off);
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

static void
ct_layout(uint32_t cap, uint64_t *bkt_off, uint64_t *free_off,
	  uint64_t *inuse_off, size_t *total)
{
	uint64_t nb = cap / 2;

	*bkt_off = CT_HDR_SIZE + (uint64_t)cap * sizeof(struct sl_ct_entry);
	*free_off = *bkt_off + nb * sizeof(struct ct_bucket);
	*inuse_off = *free_off + (uint64_t)cap * sizeof(uint32_t);
	*total = (*inuse_off + cap + 63) & ~(uint64_t)63;
}

size_t
sl_ct_memsize(uint32_t capacity)
{
	uint64_t b, f, u;
	uint32_t cap = ct_round_cap(capacity);
	size_t total;

	if (cap == 0)
		return 0;
	ct_layout(cap, &b, &f, &u, &total);
	return total;
}

struct sl_ct *
sl_ct_init(void *mem, uint32_t capacity, const struct sl_ct_timeouts *to)
{
	uint32_t cap = ct_round_cap(capacity), i, nb, log2nb = 0;
	struct sl_ct *ct = mem;
	uint32_t *fl;
	size_t total;

	if (mem == NULL || ((uintptr_t)mem & 63) != 0 || cap == 0) {
		errno = EINVAL;
		return NULL;
	}
	memset(ct, 0, CT_HDR_SIZE);
	ct->cap = cap;
	nb = cap / 2;
	while ((1u << log2nb) < nb)
		log2nb++;
	ct->bmask = nb - 1;
	ct->bshift = 32 - log2nb;
	ct_layout(cap, &ct->bkt_off, &ct->free_off, &ct->inuse_off, &total);
	if (to != NULL)
		ct->to = *to;
	else
		sl_ct_timeouts_default(&ct->to);
	/* A caller that sets only the named states would otherwise have new
	 * entries expire before their first sl_ct_update(). */
	if (ct->to.ms[SL_CT_FREE] == 0)
		ct->to.ms[SL_CT_FREE] = ct->to.ms[SL_CT_SYN_SENT];

	memset(ct_entries(ct), 0, (size_t)cap * sizeof(struct sl_ct_entry));
	memset(ct_buckets(ct), 0xff, (size_t)nb * sizeof(struct ct_bucket));
	memset(ct_inuse(ct), 0, cap);
	/* Stack with entry 0 on top: a lightly used table stays compact. */
	fl = ct_free(ct);
	for (i = 0; i < cap; i++)
		fl[i] = cap - 1 - i;
	ct->free_top = cap;
	ct->cursor = 0;
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
	return ct->cap - ct->free_top;
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

/* Keys are 40 bytes, compared as five words (no library call). */
static inline bool
ct_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	uint64_t x[5], y[5];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		(x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/* Bit s set when slot s of the bucket has signature hash. */
static inline uint32_t
ct_sig_match(const struct ct_bucket *bu, uint32_t hash)
{
	uint32_t s, m = 0;

	for (s = 0; s < CT_WAYS; s++)
		m |= (uint32_t)(bu->sig[s] == hash) << s;
	return m;
}

/* Clears the index slot that holds val (entry index | direction) for a key
 * of this hash. */
static void
ct_unindex(struct sl_ct *ct, uint32_t hash, uint32_t val)
{
	struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b[2], i, s;

	ct_buckets_of(ct, hash, &b[0], &b[1]);
	for (i = 0; i < 2; i++) {
		for (s = 0; s < CT_WAYS; s++) {
			if (bk[b[i]].idx[s] == val) {
				bk[b[i]].idx[s] = CT_EMPTY;
				bk[b[i]].sig[s] = 0;
				return;
			}
		}
	}
}

static void
ct_remove(struct sl_ct *ct, struct sl_ct_entry *e)
{
	uint32_t i = (uint32_t)(e - ct_entries(ct));

	/* Listings stop showing it first. */
	e->state = SL_CT_FREE;
	ct_unindex(ct, e->fwd_hash, i);
	ct_unindex(ct, e->rev_hash, i | CT_REV);
	ct_inuse(ct)[i] = 0;
	ct_free(ct)[ct->free_top++] = i;
}

static void
ct_expire(struct sl_ct *ct, struct sl_ct_entry *e)
{
	if (ct->cb != NULL)
		ct->cb(e, ct->cb_arg);
	/* Unless the callback already deleted it. */
	if (ct_inuse(ct)[e - ct_entries(ct)])
		ct_remove(ct, e);
}

void
sl_ct_delete(struct sl_ct *ct, struct sl_ct_entry *e)
{
	struct sl_ct_entry *base = ct_entries(ct);

	/* Tolerate a stale pointer to a freed entry: do nothing. */
	if (e < base || e >= base + ct->cap || !ct_inuse(ct)[e - base])
		return;
	ct_remove(ct, e);
}

struct sl_ct_entry *
sl_ct_lookup(struct sl_ct *ct, const struct sl_flow_key *k, uint32_t hash,
	     uint32_t now, int *dir)
{
	struct ct_bucket *bk = ct_buckets(ct);
	struct sl_ct_entry *ent = ct_entries(ct);
	uint32_t b[2], i, s;

	ct_buckets_of(ct, hash, &b[0], &b[1]);
	for (i = 0; i < 2; i++) {
		const struct ct_bucket *bu = &bk[b[i]];
		uint32_t m = ct_sig_match(bu, hash);

		for (; m != 0; m &= m - 1) {
			uint32_t v = bu->idx[s = (uint32_t)__builtin_ctz(m)];
			struct sl_ct_entry *e;
			const struct sl_flow_key *ek;

			if (v == CT_EMPTY)
				continue;
			e = &ent[v & CT_IDX_MASK];
			ek = (v & CT_REV) ? &e->rev : &e->fwd;
			if (!ct_key_eq(ek, k))
				continue;
			if (sl_ct_expired(ct, e, now)) {
				ct_expire(ct, e);
				return NULL;
			}
			if (dir != NULL)
				*dir = (v & CT_REV) ? SL_CT_DIR_REV :
						      SL_CT_DIR_FWD;
			return e;
		}
	}
	return NULL;
}

void
sl_ct_prefetch_buckets(const struct sl_ct *ct, uint32_t hash)
{
	/* The first bucket only: it holds almost every key. */
	__builtin_prefetch(&ct_buckets(ct)[hash & ct->bmask]);
}

void
sl_ct_prefetch_absent(const struct sl_ct *ct, uint32_t hash)
{
	const struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b0, b1;

	ct_buckets_of(ct, hash, &b0, &b1);
	__builtin_prefetch(&bk[b0]);
	__builtin_prefetch(&bk[b1]);
}

bool
sl_ct_prefetch_entry(const struct sl_ct *ct, uint32_t hash)
{
	const struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b0, b1, m, v;
	const char *e;

	ct_buckets_of(ct, hash, &b0, &b1);
	m = ct_sig_match(&bk[b0], hash);
	if (m == 0) {
		/* Not read here: that would wait for the line. */
		__builtin_prefetch(&bk[b1]);
		return false;
	}
	v = bk[b0].idx[__builtin_ctz(m)];
	if (v == CT_EMPTY)
		return false;
	/* The entry spans two lines. */
	e = (const char *)&ct_entries(ct)[v & CT_IDX_MASK];
	__builtin_prefetch(e);
	__builtin_prefetch(e + 64);
	return true;
}

static inline uint32_t
ct_bucket_used(const struct ct_bucket *bu)
{
	uint32_t s, n = 0;

	for (s = 0; s < CT_WAYS; s++)
		n += bu->idx[s] != CT_EMPTY;
	return n;
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
		v = bu->idx[s];
		if (v == CT_EMPTY || (v & CT_IDX_MASK) == keep)
			continue;
		if (sl_ct_expired(ct, &ent[v & CT_IDX_MASK], now))
			ct_expire(ct, &ent[v & CT_IDX_MASK]);
	}
}

/* Adds an index slot for entry value val under hash in its first bucket
 * while that holds fewer than CT_FIRST_MAX keys, else in the less loaded
 * of the two, reclaiming expired flows there when both are full.
 * Returns false when there is still no room. */
static bool
ct_index(struct sl_ct *ct, uint32_t hash, uint32_t val, uint32_t now)
{
	struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b[2], n0, n1, s;
	struct ct_bucket *bu;

	ct_buckets_of(ct, hash, &b[0], &b[1]);
	n0 = ct_bucket_used(&bk[b[0]]);
	/* The second bucket's line is only read when the first is nearly
	 * full: then the less loaded wins, which keeps two-choice balance. */
	n1 = n0 < CT_FIRST_MAX ? CT_WAYS : ct_bucket_used(&bk[b[1]]);
	if (n0 == CT_WAYS && n1 == CT_WAYS) {
		ct_reclaim_bucket(ct, b[0], now, val & CT_IDX_MASK);
		ct_reclaim_bucket(ct, b[1], now, val & CT_IDX_MASK);
		n0 = ct_bucket_used(&bk[b[0]]);
		n1 = ct_bucket_used(&bk[b[1]]);
		if (n0 == CT_WAYS && n1 == CT_WAYS)
			return false;
	}
	bu = n1 < n0 ? &bk[b[1]] : &bk[b[0]];
	for (s = 0; s < CT_WAYS; s++) {
		if (bu->idx[s] == CT_EMPTY) {
			bu->sig[s] = hash;
			bu->idx[s] = val;
			return true;
		}
	}
	return false;	/* not reached: the bucket had room */
}

struct sl_ct_entry *
sl_ct_insert(struct sl_ct *ct, const struct sl_flow_key *fwd,
	     uint32_t fwd_hash, const struct sl_flow_key *rev,
	     uint32_t rev_hash, uint32_t now)
{
	uint32_t b[2], i;
	struct sl_ct_entry *e;

	if (ct->free_top == 0) {
		/* Full: make room from expired flows where the new keys go. */
		ct_buckets_of(ct, fwd_hash, &b[0], &b[1]);
		ct_reclaim_bucket(ct, b[0], now, CT_EMPTY);
		ct_reclaim_bucket(ct, b[1], now, CT_EMPTY);
		ct_buckets_of(ct, rev_hash, &b[0], &b[1]);
		ct_reclaim_bucket(ct, b[0], now, CT_EMPTY);
		ct_reclaim_bucket(ct, b[1], now, CT_EMPTY);
		if (ct->free_top == 0)
			return NULL;
	}
	i = ct_free(ct)[--ct->free_top];
	e = &ct_entries(ct)[i];
	memset(e, 0, sizeof(*e));
	e->fwd = *fwd;
	e->rev = *rev;
	e->fwd_hash = fwd_hash;
	e->rev_hash = rev_hash;
	e->last_seen = now;
	ct_inuse(ct)[i] = 1;

	if (!ct_index(ct, fwd_hash, i, now))
		goto undo_entry;
	if (!ct_index(ct, rev_hash, i | CT_REV, now))
		goto undo_fwd;
	return e;

undo_fwd:
	ct_unindex(ct, fwd_hash, i);
undo_entry:
	ct_inuse(ct)[i] = 0;
	ct_free(ct)[ct->free_top++] = i;
	return NULL;
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
			e->flags &= ~CT_F_FIN_MASK;
			return SL_CT_SYN_SENT;
		}
		return st;
	case SL_CT_ESTABLISHED:
	case SL_CT_FIN_WAIT:
		break;
	default:	/* UDP state on a TCP packet: start over, loosely */
		e->flags &= ~CT_F_FIN_MASK;
		st = SL_CT_ESTABLISHED;
		break;
	}

	/* ESTABLISHED or FIN_WAIT here. */
	if (fl & SL_TCP_FIN) {
		e->flags |= dir == SL_CT_DIR_REV ? CT_F_FIN_REV : CT_F_FIN_FWD;
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

/* In two passes per batch: find the expired entries and prefetch the
 * first buckets of both their keys, then remove them (in slot order, as
 * one pass would), so that the removals' bucket misses overlap. */
uint32_t
sl_ct_sweep(struct sl_ct *ct, uint32_t now, uint32_t budget)
{
	struct sl_ct_entry *ent = ct_entries(ct);
	const struct ct_bucket *bk = ct_buckets(ct);
	const uint8_t *inuse = ct_inuse(ct);
	uint32_t i = ct->cursor, removed = 0, batch[CT_SWEEP_BATCH], nb, j;

	if (budget > ct->cap)
		budget = ct->cap;
	while (budget > 0) {
		for (nb = 0; budget > 0 && nb < CT_SWEEP_BATCH; budget--) {
			if (inuse[i] && sl_ct_expired(ct, &ent[i], now)) {
				batch[nb++] = i;
				__builtin_prefetch(&bk[ent[i].fwd_hash &
						      ct->bmask]);
				__builtin_prefetch(&bk[ent[i].rev_hash &
						      ct->bmask]);
			}
			i = (i + 1) & (ct->cap - 1);
		}
		/* A callback may have deleted a later one of the batch. */
		for (j = 0; j < nb; j++) {
			if (!inuse[batch[j]])
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
	/* One byte: a racy reader sees the old or the new state. */
	if (*(const volatile uint8_t *)&e->state == SL_CT_FREE)
		return NULL;
	return e;
}
