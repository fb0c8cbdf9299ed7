/* SPDX-License-Identifier: BSD-3-Clause
 * Per-worker connection tracking.
 *
 * Memory (one block from the caller, 64-byte aligned):
 *
 *   struct sl_ct       header, padded to CT_HDR_SIZE
 *   slots[cap]         32-byte halves of cache lines (struct sl_ct_entry):
 *                      an IPv4 flow, an extension (struct sl_ct_ext), the
 *                      head of an IPv6 flow (even half) followed by its
 *                      addresses (struct sl_ct_v6, odd half), or free
 *   buckets[cap / 4]   struct ct_bucket, one cache line each
 *
 * 32 + 16 = 48 bytes per slot: an IPv4 flow costs 48, an IPv6 flow 96.
 *
 * Free space is kept as whole lines and as lone halves (free halves whose
 * other half is in use), like a buddy allocator of two orders:
 *   - free lines: a stack through the even half's client field;
 *   - lone halves: a doubly linked list through client (next) and backend
 *     (prev), so that freeing a half whose buddy is free can take the
 *     buddy out and give back the whole line.
 * A lone half is reused before a line is split, so IPv4 churn packs into
 * split lines and leaves whole lines for IPv6 flows and extensions, which
 * need one (an IPv4 flow with an extension is a line: head, then the
 * extension; an IPv6 flow's extension is a half found through the head's
 * client field). Both are LIFO: the last freed is likely still in cache.
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
 * Invariants (between calls), for a half i that is not the second half
 * of an IPv6 flow (whose bytes are address bytes, flags included):
 *   half free            <=>  flags == 0 (on the lone list, or in a free
 *                             line: exactly when its buddy is free too)
 *   half holds a flow    <=>  (flags & (SL_CT_F_USED | SL_CT_F_EXT)) ==
 *                             SL_CT_F_USED: exactly one index slot holds i
 *                             (forward) and one i | CT_REV; SL_CT_F_V6:
 *                             i is even and half i + 1 its addresses;
 *                             SL_CT_F_HAS_EXT: IPv4: i even and half i + 1
 *                             its extension; IPv6: client = 1 + the
 *                             extension's half
 *   half holds an ext    <=>  flags == SL_CT_F_USED | SL_CT_F_EXT: not
 *                             indexed; state == SL_CT_FREE
 *   bucket b's ovf = keys whose first bucket is b living in their second
 *                    (saturates at 255, then never decreases)
 * A flow may also be in state SL_CT_FREE: inserted but not yet updated; it
 * expires with the SL_CT_FREE timeout and listings skip it.
 *
 * Single writer (the owning worker); no locks and no allocation after
 * sl_ct_init(). sl_ct_slot() readers on other threads see a racy view.
 *
 * The structures above and the per-packet functions (hashes, prefetches,
 * lookups, the state update) are in sl_ct_impl.h, inline in the worker;
 * this file has the rest: init, insert, removal, the sweep, listings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "sl_ct.h"	/* and sl_ct_impl.h: the layout, the per-packet
			 * functions */

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
ct_half(const struct sl_ct *ct, uint32_t i)
{
	return &ct_entries(ct)[i];
}

/* Whether half i is the second half of an IPv6 flow (its addresses). */
static inline bool
ct_is_v6_tail(const struct sl_ct *ct, uint32_t i)
{
	return (i & 1) != 0 &&
	       (ct_half(ct, i - 1)->flags &
		(SL_CT_F_USED | SL_CT_F_EXT | SL_CT_F_V6)) ==
		       (SL_CT_F_USED | SL_CT_F_V6);
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
	/* Every line free, line 0 on top: a lightly used table stays
	 * compact. */
	for (i = 0; i < cap / 2; i++)
		ent[2 * i].client = i + 1 < cap / 2 ? i + 2 : 0;
	ct->free_line = 1;
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
	return ct->next;
}

void
sl_ct_set_expire_cb(struct sl_ct *ct, sl_ct_expire_cb cb, void *arg)
{
	ct->cb = cb;
	ct->cb_arg = arg;
}

static void
ct_addr_out(const uint32_t w[4], uint8_t family, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->w, w, sizeof(a->w));
	a->family = family;
}

void
sl_ct_client(const struct sl_ct_entry *e, struct sl_addr *a)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	ct_addr_out(c, sl_ct_family(e), a);
}

void
sl_ct_backend(const struct sl_ct_entry *e, struct sl_addr *a)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	ct_addr_out(b, sl_ct_family(e), a);
}

static inline uint32_t
ct_entry_hash_fwd(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	return ct_hash(ct->seed, c,
		       ct_rest(e->cport, e->vip_id, sl_ct_proto(e),
			       (e->flags & SL_CT_F_V6) != 0, false));
}

static inline uint32_t
ct_entry_hash_rev(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	return ct_hash_rev(ct->seed, b, e->bport, e->lport, sl_ct_proto(e),
			   (e->flags & SL_CT_F_V6) != 0);
}

/* Clears the index slot that holds val (entry index | direction) for a key
 * of this hash. */
static void
ct_unindex(struct sl_ct *ct, uint32_t hash, uint32_t val)
{
	struct ct_bucket *bk = ct_buckets(ct);
	uint32_t b0, b1, m;
	uint8_t sig = ct_sig(hash);

	ct->gen++;
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

/* The lone free halves: a doubly linked list, client = 1 + next,
 * backend = 1 + previous (0: none). */
static void
ct_lone_push(struct sl_ct *ct, uint32_t i)
{
	struct sl_ct_entry *e = ct_half(ct, i);

	e->state = SL_CT_FREE;
	e->flags = 0;
	e->client = ct->free_half;
	e->backend = 0;
	if (ct->free_half != 0)
		ct_half(ct, ct->free_half - 1)->backend = i + 1;
	ct->free_half = i + 1;
}

static void
ct_lone_unlink(struct sl_ct *ct, uint32_t i)
{
	struct sl_ct_entry *e = ct_half(ct, i);

	if (e->backend != 0)
		ct_half(ct, e->backend - 1)->client = e->client;
	else
		ct->free_half = e->client;
	if (e->client != 0)
		ct_half(ct, e->client - 1)->backend = e->backend;
}

/* Frees the line of even half i (both halves). */
static void
ct_line_free(struct sl_ct *ct, uint32_t i)
{
	struct sl_ct_entry *e = ct_half(ct, i);

	e[0].state = e[1].state = SL_CT_FREE;
	e[0].flags = e[1].flags = 0;
	e[0].client = ct->free_line;
	ct->free_line = i / 2 + 1;
}

/* Takes a free line: its even half, CT_NONE when there is none. */
static uint32_t
ct_line_alloc(struct sl_ct *ct)
{
	uint32_t i;

	if (ct->free_line == 0)
		return CT_NONE;
	i = (ct->free_line - 1) * 2;
	ct->free_line = ct_half(ct, i)->client;
	return i;
}

/* Frees one half; its line when the buddy is free too. */
static void
ct_half_free(struct sl_ct *ct, uint32_t i)
{
	if (ct_half(ct, i ^ 1)->flags == 0) {
		ct_lone_unlink(ct, i ^ 1);
		ct_line_free(ct, i & ~1u);
	} else {
		ct_lone_push(ct, i);
	}
}

/* Takes one half: a lone one first, else splits a line. */
static uint32_t
ct_half_alloc(struct sl_ct *ct)
{
	uint32_t i;

	if (ct->free_half != 0) {
		i = ct->free_half - 1;
		ct_lone_unlink(ct, i);
		return i;
	}
	i = ct_line_alloc(ct);
	if (i != CT_NONE)
		ct_lone_push(ct, i + 1);
	return i;
}

/* Gives back the halves of flow e at i (and of its extension). */
static void
ct_release(struct sl_ct *ct, struct sl_ct_entry *e, uint32_t i)
{
	if (e->flags & SL_CT_F_HAS_EXT) {
		ct->next--;
		if (e->flags & SL_CT_F_V6)
			ct_half_free(ct, e->client - 1);
	}
	if (e->flags & (SL_CT_F_V6 | SL_CT_F_HAS_EXT))
		ct_line_free(ct, i);
	else
		ct_half_free(ct, i);
}

static void
ct_remove(struct sl_ct *ct, struct sl_ct_entry *e)
{
	uint32_t i = (uint32_t)(e - ct_entries(ct));

	/* Listings stop showing it first. */
	e->state = SL_CT_FREE;
	ct_unindex(ct, ct_entry_hash_fwd(ct, e), i);
	ct_unindex(ct, ct_entry_hash_rev(ct, e), i | CT_REV);
	ct_release(ct, e, i);
	ct->nflows--;
}

static inline bool
ct_is_flow(const struct sl_ct_entry *e)
{
	return (e->flags & (SL_CT_F_USED | SL_CT_F_EXT)) == SL_CT_F_USED;
}

/* Whether half i holds a flow's head. */
static inline bool
ct_is_flow_at(const struct sl_ct *ct, uint32_t i)
{
	return ct_is_flow(ct_half(ct, i)) && !ct_is_v6_tail(ct, i);
}

void
sl_ct_expire(struct sl_ct *ct, struct sl_ct_entry *e)
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
	if (e < base || e >= base + ct->cap ||
	    !ct_is_flow_at(ct, (uint32_t)(e - base)))
		return;
	ct_remove(ct, e);
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
			sl_ct_expire(ct, &ent[v]);
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

	ct->gen++;
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

/* Room for a flow: a whole line (IPv6, or with an extension) or a half;
 * an IPv6 flow's extension is a half more. The head's half, CT_NONE when
 * there is no room. */
static uint32_t
ct_alloc(struct sl_ct *ct, bool v6, bool ext)
{
	uint32_t i, x;

	if (!v6 && !ext)
		return ct_half_alloc(ct);
	i = ct_line_alloc(ct);
	if (i == CT_NONE || !(v6 && ext))
		return i;
	x = ct_half_alloc(ct);
	if (x == CT_NONE) {
		ct_line_free(ct, i);
		return CT_NONE;
	}
	/* Linked at once, so that an undo finds it. */
	ct_half(ct, i)->client = x + 1;
	return i;
}

struct sl_ct_entry *
sl_ct_insert(struct sl_ct *ct, const struct sl_flow_key *fwd,
	     uint16_t vip_id, uint32_t fwd_hash,
	     const struct sl_flow_key *rev, uint32_t rev_hash, uint32_t now,
	     bool ext)
{
	bool v6 = fwd->family == AF_INET6;
	uint8_t kind = ct_key_kind(fwd);
	struct sl_ct_entry *e, *x;
	uint32_t i, xi = 0;

	if (kind == CT_KIND_NONE)
		return NULL;
	i = ct_alloc(ct, v6, ext);
	if (i == CT_NONE) {
		/* Full: make room from expired flows where the new keys go. */
		ct_reclaim_for(ct, fwd_hash, now);
		ct_reclaim_for(ct, rev_hash, now);
		i = ct_alloc(ct, v6, ext);
		if (i == CT_NONE)
			return NULL;
	}
	e = ct_half(ct, i);
	if (ext)	/* an IPv6 flow's was linked by ct_alloc() */
		xi = v6 ? e->client - 1 : i + 1;
	memset(e, 0, sizeof(*e));
	if (v6) {
		struct sl_ct_v6 *a = (struct sl_ct_v6 *)(void *)(e + 1);

		memcpy(a->client, fwd->src, sizeof(a->client));
		memcpy(a->backend, rev->src, sizeof(a->backend));
	} else {
		e->client = fwd->src[0];
		e->backend = rev->src[0];
	}
	e->cport = fwd->sport;
	e->bport = rev->sport;
	e->lport = rev->dport;
	e->vip_id = vip_id;
	e->last_seen = now;
	e->flags = kind;
	if (ext) {
		x = ct_half(ct, xi);
		memset(x, 0, sizeof(*x));
		x->flags = SL_CT_F_USED | SL_CT_F_EXT;
		e->flags |= SL_CT_F_HAS_EXT;
		if (v6)
			e->client = xi + 1;
		ct->next++;
	}
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
	ct_release(ct, e, i);
	return NULL;
}

struct sl_ct_ext *
sl_ct_ext(const struct sl_ct *ct, const struct sl_ct_entry *e)
{
	if (!(e->flags & SL_CT_F_HAS_EXT))
		return NULL;
	if (e->flags & SL_CT_F_V6)
		return (struct sl_ct_ext *)(void *)ct_half(ct, e->client - 1);
	return (struct sl_ct_ext *)(void *)(uintptr_t)(e + 1);
}

_Static_assert(offsetof(struct sl_flow_key, sport) == 32 &&
	       offsetof(struct sl_flow_key, dport) == 34 &&
	       offsetof(struct sl_flow_key, proto) == 36 &&
	       offsetof(struct sl_flow_key, family) == 37,
	       "ct_key writes the ports, proto and family as one word");

void
sl_ct_key_fwd(const struct sl_ct_entry *e, const struct sl_addr *vip,
	      uint16_t vport_be, struct sl_flow_key *k)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	ct_key(k, e, c, e->cport, vip->w, vport_be);
}

void
sl_ct_key_rev(const struct sl_ct_entry *e, const struct sl_addr *local,
	      struct sl_flow_key *k)
{
	uint32_t c[4], b[4];

	ct_addrs(e, c, b);
	ct_key(k, e, b, e->bport, local->w, e->lport);
}

#define CT_SWEEP_BATCH	16

/* In two passes per batch: find the expired flows and prefetch the first
 * buckets of both their keys, then remove them (in slot order, as one
 * pass would), so that the removals' bucket misses overlap. (Prefetching
 * a few calls ahead instead was slower: syn4 2.03 against 2.21 Mpps,
 * medians of 4 alternating runs.) */
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
			if (ct_is_flow_at(ct, i) &&
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
			sl_ct_expire(ct, &ent[batch[j]]);
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
	const volatile struct sl_ct_entry *v;

	if (ct == NULL || ct->magic != CT_MAGIC || i >= ct->cap)
		return NULL;
	e = &ct_entries(ct)[i];
	v = e;
	/* One byte each: a racy reader sees the old or the new value. An
	 * extension's state is SL_CT_FREE. */
	if ((i & 1) != 0 &&
	    (v[-1].flags & (SL_CT_F_USED | SL_CT_F_EXT | SL_CT_F_V6)) ==
		    (SL_CT_F_USED | SL_CT_F_V6))
		return NULL;	/* an IPv6 flow's addresses */
	if (v->state == SL_CT_FREE ||
	    (v->flags & (SL_CT_F_USED | SL_CT_F_EXT)) != SL_CT_F_USED)
		return NULL;
	return e;
}
