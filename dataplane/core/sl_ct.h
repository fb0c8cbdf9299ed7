/* SPDX-License-Identifier: BSD-3-Clause
 * Per-worker connection tracking: a bounded table of flows, each findable by
 * its forward key (client -> VIP, as it arrives) and its reverse key (backend
 * -> local SNAT address, as the reply arrives). Single writer: the owning
 * worker. Others (the control plane listing flows) may read it racily.
 */
#ifndef SL_CT_H
#define SL_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_flow.h"

enum sl_ct_state {
	SL_CT_FREE = 0,
	SL_CT_SYN_SENT,		/* client SYN seen */
	SL_CT_SYN_RECV,		/* backend SYN-ACK seen */
	SL_CT_ESTABLISHED,
	SL_CT_FIN_WAIT,		/* one side sent FIN */
	SL_CT_CLOSING,		/* both sides sent FIN */
	SL_CT_CLOSED,		/* RST seen */
	SL_CT_UDP,		/* UDP: one state, idle timeout */
	SL_CT_STATE_MAX
};

const char *sl_ct_state_name(unsigned int state);

/* Timeouts in milliseconds, per state (index enum sl_ct_state). */
struct sl_ct_timeouts {
	uint32_t ms[SL_CT_STATE_MAX];
};

void sl_ct_timeouts_default(struct sl_ct_timeouts *t);

#define SL_CT_DIR_FWD	0	/* client -> VIP */
#define SL_CT_DIR_REV	1	/* backend -> local */

/* One tracked flow. */
struct sl_ct_entry {
	struct sl_flow_key fwd;		/* client -> VIP as received */
	struct sl_flow_key rev;		/* backend -> local as received */
	uint32_t last_seen;		/* ms, caller's clock */
	uint32_t backend_gen;		/* generation of backend_id */
	uint16_t backend_id;		/* stable id (snapshot backend_gen[]) */
	uint16_t vip_id;		/* stable id */
	uint8_t state;			/* enum sl_ct_state */
	uint8_t out_port;		/* port toward the backend */
	uint8_t in_port;		/* port toward the client */
	uint8_t flags;
	uint16_t nh_backend;		/* neighbour index toward backend */
	uint16_t nh_client;		/* neighbour index toward client */
	uint32_t fwd_hash;
	uint32_t rev_hash;
	/* Edge policy (SL_CT_P_*), zero for a plain flow. */
	uint32_t seq_delta;		/* SYN proxy: cookie - backend ISN */
	uint32_t ts_delta;		/* SYN proxy: our TSval - backend's */
	uint32_t isn;			/* client ISN */
	uint8_t pflags;
	uint8_t ws_ours;		/* SYN proxy: window scale we offered */
	uint8_t ws_backend;		/* SYN proxy: the backend's */
	uint16_t cwin;			/* SYN proxy: the client's window, as
					 * its cookie ACK had it */
	uint16_t acl_gen;		/* access rules it passed (0: none) */
} __attribute__((aligned(64)));

#define SL_CT_P_SYNPROXY	0x01	/* opened by a SYN cookie */
#define SL_CT_P_PP2		0x02	/* PROXY v2 header goes first */
#define SL_CT_P_PP2_SENT	0x04	/* ... and was inserted */
#define SL_CT_P_PENDING		0x08	/* client data held (SYN proxy) */
#define SL_CT_P_WS		0x10	/* windows need rescaling */

struct sl_ct;	/* opaque */

/* Bytes needed for a table of capacity flows (rounded up internally to a
 * power of two buckets). capacity >= 64. */
size_t sl_ct_memsize(uint32_t capacity);
/* mem: sl_ct_memsize(capacity) bytes, 64-byte aligned, zeroed or not. */
struct sl_ct *sl_ct_init(void *mem, uint32_t capacity,
			 const struct sl_ct_timeouts *to);

uint32_t sl_ct_capacity(const struct sl_ct *ct);
uint32_t sl_ct_count(const struct sl_ct *ct);	/* flows in use */

/* Finds a live flow by either key; *dir is set to SL_CT_DIR_FWD / _REV.
 * An entry found but expired at now is removed (via the expire callback,
 * see sl_ct_set_expire_cb) and NULL is returned. */
struct sl_ct_entry *sl_ct_lookup(struct sl_ct *ct,
				 const struct sl_flow_key *k, uint32_t hash,
				 uint32_t now, int *dir);

/* Prefetch hints for a burst-wide lookup (no effect on the result):
 * first the two candidate buckets of every key of the burst, then, once
 * those lines have arrived, the entries whose signature matches. */
void sl_ct_prefetch_buckets(const struct sl_ct *ct, uint32_t hash);
/* Both candidate buckets: for a key that is probably absent (a miss reads
 * both). */
void sl_ct_prefetch_absent(const struct sl_ct *ct, uint32_t hash);
/* Returns false when no key of this hash is in its first bucket: most
 * likely a new flow (the second bucket is prefetched then). */
bool sl_ct_prefetch_entry(const struct sl_ct *ct, uint32_t hash);

/* Inserts a flow under both keys (which must not be present). Returns the
 * entry (fwd, rev, hashes, last_seen = now filled in; the rest zeroed for
 * the caller), or NULL when no slot is free even after reclaiming expired
 * flows in the two candidate buckets: the caller drops and counts. */
struct sl_ct_entry *sl_ct_insert(struct sl_ct *ct,
				 const struct sl_flow_key *fwd, uint32_t fwd_hash,
				 const struct sl_flow_key *rev, uint32_t rev_hash,
				 uint32_t now);

void sl_ct_delete(struct sl_ct *ct, struct sl_ct_entry *e);

/* Advances the TCP state machine for a packet of the flow in direction dir
 * with tcp_flags; for UDP pass proto = IPPROTO_UDP. Sets last_seen. */
void sl_ct_update(struct sl_ct_entry *e, uint8_t proto, int dir,
		  uint8_t tcp_flags, uint32_t now);

bool sl_ct_expired(const struct sl_ct *ct, const struct sl_ct_entry *e,
		   uint32_t now);

/* Called for every entry removed by expiry (lookup or sweep), before it is
 * freed, so the caller can adjust counters. */
typedef void (*sl_ct_expire_cb)(const struct sl_ct_entry *e, void *arg);
void sl_ct_set_expire_cb(struct sl_ct *ct, sl_ct_expire_cb cb, void *arg);

/* Examines up to budget entry slots from where the last sweep stopped and
 * removes the expired ones. Bounded work: call it every loop. Returns the
 * number removed. */
uint32_t sl_ct_sweep(struct sl_ct *ct, uint32_t now, uint32_t budget);

/* Iteration for listings: the entry at slot i (0 .. capacity-1) or NULL if
 * the slot is free. Safe to call from another thread (racy snapshot). */
const struct sl_ct_entry *sl_ct_slot(const struct sl_ct *ct, uint32_t i);

#endif
