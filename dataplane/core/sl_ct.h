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

#include <netinet/in.h>
#include <sys/socket.h>

#include "sl_common.h"
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

/* One tracked flow: a 32-byte head, two to a cache line. The keys are
 * kept in the compact form a load balancer needs, not as two 40-byte
 * 5-tuples:
 *   forward (client -> VIP, as received):  client:cport, the VIP by its
 *       stable id (its address, port and protocol are the VIP's), proto;
 *   reverse (backend -> local, as received):  backend:bport -> lport,
 *       proto (the local SNAT address is the out port's for the family;
 *       a (backend, bport, lport, proto) is never used twice, whatever
 *       the local address).
 * An IPv4 flow is the head alone. An IPv6 flow takes a whole line: the
 * head, then its addresses (struct sl_ct_v6) in the line's second half;
 * read them with sl_ct_client() / sl_ct_backend(). The edge policy's
 * per-flow data (struct sl_ct_ext) takes one more half, only for the flows
 * inserted with one. Only TCP and UDP flows are tracked. */
struct sl_ct_entry {
	uint32_t client;		/* IPv4 client address, network order
					 * (IPv6: sl_ct's own) */
	uint32_t backend;		/* IPv4 backend address (IPv6: 0) */
	uint16_t cport;			/* client port, network order */
	uint16_t bport;			/* backend port */
	uint16_t lport;			/* local (SNAT) port */
	uint16_t vip_id;		/* stable id */
	uint32_t last_seen;		/* ms, caller's clock */
	uint16_t backend_id : 12;	/* stable id (snapshot backend_gen[]) */
	uint16_t out_port : 4;		/* port toward the backend */
	uint16_t backend_gen;		/* generation of backend_id, low 16
					 * bits (see sl_ct_gen16) */
	uint16_t nh_backend;		/* neighbour index toward backend */
	uint16_t nh_client;		/* neighbour index toward client */
	uint16_t acl_gen;		/* access rules it passed (0: none) */
	uint8_t state : 4;		/* enum sl_ct_state */
	uint8_t in_port : 4;		/* port toward the client */
	uint8_t flags;			/* sl_ct's own: SL_CT_F_* */
} __attribute__((aligned(32)));

/* An IPv6 flow's addresses, the second half of its line. */
struct sl_ct_v6 {
	uint32_t client[4];
	uint32_t backend[4];
};

_Static_assert(SL_MAX_PORTS <= 16, "sl_ct_entry ports are 4 bits");
_Static_assert(SL_MAX_BACKENDS <= 4096, "sl_ct_entry backend_id: 12 bits");
_Static_assert(SL_CT_STATE_MAX <= 16, "sl_ct_entry state: 4 bits");

/* e->flags (read-only for callers) */
#define SL_CT_F_FIN_FWD		0x01	/* the client sent a FIN */
#define SL_CT_F_FIN_REV		0x02	/* the backend sent a FIN */
#define SL_CT_F_USED		0x04	/* the half holds a flow or an ext */
#define SL_CT_F_EXT		0x08	/* ... an extension, not a flow */
#define SL_CT_F_V6		0x10	/* IPv6 (the line's second half holds
					 * the addresses) */
#define SL_CT_F_UDP		0x20	/* UDP, else TCP */
#define SL_CT_F_HAS_EXT		0x40	/* the flow has an extension */
#define SL_CT_F_EST		0x80	/* TCP: the flow reached ESTABLISHED */

static inline uint8_t
sl_ct_family(const struct sl_ct_entry *e)
{
	return (e->flags & SL_CT_F_V6) ? AF_INET6 : AF_INET;
}

static inline uint8_t
sl_ct_proto(const struct sl_ct_entry *e)
{
	return (e->flags & SL_CT_F_UDP) ? IPPROTO_UDP : IPPROTO_TCP;
}

/* The 16 bits of a backend generation a flow keeps. A flow whose backend
 * id was reused exactly 65536 times during its life would be taken for
 * one of the new backend's. */
static inline uint16_t
sl_ct_gen16(uint32_t gen)
{
	return (uint16_t)gen;
}

static inline const struct sl_ct_v6 *
sl_ct_v6_addrs(const struct sl_ct_entry *e)
{
	return (const struct sl_ct_v6 *)(const void *)(e + 1);
}

/* The flow's client and backend addresses (family and words). */
void sl_ct_client(const struct sl_ct_entry *e, struct sl_addr *a);
void sl_ct_backend(const struct sl_ct_entry *e, struct sl_addr *a);

/* Edge policy state of a flow (SYN proxy, PROXY v2). */
struct sl_ct_ext {
	uint32_t seq_delta;		/* SYN proxy: cookie - backend ISN */
	uint32_t ts_delta;		/* SYN proxy: our TSval - backend's */
	uint32_t isn;			/* client ISN */
	uint16_t cwin;			/* SYN proxy: the client's window, as
					 * its cookie ACK had it */
	uint8_t ws_ours;		/* SYN proxy: window scale we offered */
	uint8_t ws_backend;		/* SYN proxy: the backend's */
	uint8_t pflags;			/* SL_CT_P_* */
};

#define SL_CT_P_SYNPROXY	0x01	/* opened by a SYN cookie */
#define SL_CT_P_PP2		0x02	/* PROXY v2 header goes first */
#define SL_CT_P_PP2_SENT	0x04	/* ... and was inserted */
#define SL_CT_P_PENDING		0x08	/* client data held (SYN proxy) */
#define SL_CT_P_WS		0x10	/* windows need rescaling */

struct sl_ct;	/* layout in sl_ct_impl.h, for the inline functions */

/* Bytes needed for a table of capacity slots (rounded up internally to a
 * power of two >= 64). A slot is a 32-byte half line: an IPv4 flow takes
 * one, an IPv6 flow two (a line), an extension one more. */
size_t sl_ct_memsize(uint32_t capacity);
/* mem: sl_ct_memsize(capacity) bytes, 64-byte aligned, zeroed or not.
 * seed keys the index hash (sl_ct_hash_fwd/_rev), so that clients cannot
 * aim their flows at one bucket. */
struct sl_ct *sl_ct_init(void *mem, uint32_t capacity,
			 const struct sl_ct_timeouts *to, uint64_t seed);

uint32_t sl_ct_capacity(const struct sl_ct *ct);	/* slots (halves) */
uint32_t sl_ct_count(const struct sl_ct *ct);	/* flows in use */
uint32_t sl_ct_ext_count(const struct sl_ct *ct); /* extensions in use */

/* The index hashes: of a forward key (client -> VIP as received; only the
 * source address and port, proto and family are read) with the VIP's id,
 * and of a reverse key (backend -> local as received; the destination
 * address is not read). Lookups and inserts take these. */
static inline uint32_t sl_ct_hash_fwd(const struct sl_ct *ct,
				      const struct sl_flow_key *k,
				      uint16_t vip_id);
static inline uint32_t sl_ct_hash_rev(const struct sl_ct *ct,
				      const struct sl_flow_key *k);
/* sl_ct_hash_fwd() in two parts, for a caller that hashes many keys of
 * one VIP: the words of the VIP (its id, proto and family), computed
 * once, then each key with them. */
static inline uint64_t sl_ct_fwd_tail(uint16_t vip_id, uint8_t proto,
				      uint8_t family);
static inline uint32_t sl_ct_hash_fwd_tail(const struct sl_ct *ct,
					   const struct sl_flow_key *k,
					   uint64_t tail);

/* Finds a live flow by its forward key (k as received, of VIP vip_id) or
 * its reverse key. An entry found but expired at now is removed (via the
 * expire callback, see sl_ct_set_expire_cb) and NULL is returned. */
static inline struct sl_ct_entry *
sl_ct_lookup_fwd(struct sl_ct *ct, const struct sl_flow_key *k,
		 uint16_t vip_id, uint32_t hash, uint32_t now);
static inline struct sl_ct_entry *
sl_ct_lookup_rev(struct sl_ct *ct, const struct sl_flow_key *k,
		 uint32_t hash, uint32_t now);

/* The same lookups, reading first the entry that sl_ct_prefetch_entry()
 * returned for this hash (hint, may be NULL) when sl_ct_gen() was gen:
 * while no key has been indexed or unindexed since, the bucket need not
 * be read again. The result is sl_ct_lookup_fwd/rev()'s. */
static inline uint32_t sl_ct_gen(const struct sl_ct *ct);
static inline struct sl_ct_entry *
sl_ct_lookup_fwd_hint(struct sl_ct *ct, const struct sl_flow_key *k,
		      uint16_t vip_id, uint32_t hash, uint32_t now,
		      const void *hint, uint32_t gen);
static inline struct sl_ct_entry *
sl_ct_lookup_rev_hint(struct sl_ct *ct, const struct sl_flow_key *k,
		      uint32_t hash, uint32_t now, const void *hint,
		      uint32_t gen);

/* Prefetch hints for a burst-wide lookup (no effect on the result):
 * first the first candidate bucket of every key of the burst, then, once
 * those lines have arrived, the entries whose signature matches. The
 * first bucket is also all that a key that is probably absent needs (a
 * miss reads the second only when keys of the first overflowed). */
static inline void sl_ct_prefetch_buckets(const struct sl_ct *ct,
					  uint32_t hash);
/* Returns the entry prefetched, or NULL when no key of this hash is in
 * its first bucket: most likely a new flow (the second bucket is
 * prefetched then, if a miss would read it). */
static inline const void *sl_ct_prefetch_entry(const struct sl_ct *ct,
					       uint32_t hash);

/* Inserts a flow: fwd (client -> VIP vip_id as received) and rev (backend
 * -> local as received, same proto and family), with their index hashes,
 * which must be sl_ct_hash_fwd(fwd, vip_id) and sl_ct_hash_rev(rev) (the
 * removal recomputes them from the entry); neither key may be present.
 * ext: the flow gets an extension (zeroed), see sl_ct_ext(). Returns the
 * entry (keys, vip_id, last_seen = now filled in; the rest zeroed for the
 * caller), or NULL when the protocol is neither TCP nor UDP or no room is
 * free even after reclaiming expired flows in the candidate buckets: the
 * caller drops and counts. An IPv6 flow or one with an extension needs a
 * whole free line: a table whose free halves are all split may refuse it
 * while it still takes IPv4 flows. */
struct sl_ct_entry *sl_ct_insert(struct sl_ct *ct,
				 const struct sl_flow_key *fwd, uint16_t vip_id,
				 uint32_t fwd_hash,
				 const struct sl_flow_key *rev, uint32_t rev_hash,
				 uint32_t now, bool ext);

/* Removes a flow (and its extension). A stale pointer is ignored. */
void sl_ct_delete(struct sl_ct *ct, struct sl_ct_entry *e);

/* Whether the flow has an extension (an edge policy's flow). */
static inline bool
sl_ct_has_ext(const struct sl_ct_entry *e)
{
	return (e->flags & SL_CT_F_HAS_EXT) != 0;
}

/* The flow's extension, or NULL when it has none. */
struct sl_ct_ext *sl_ct_ext(const struct sl_ct *ct,
			    const struct sl_ct_entry *e);

/* The flow's keys rebuilt. vip / vport_be: the VIP's address and port;
 * local: the out port's SNAT address of the family. */
void sl_ct_key_fwd(const struct sl_ct_entry *e, const struct sl_addr *vip,
		   uint16_t vport_be, struct sl_flow_key *k);
void sl_ct_key_rev(const struct sl_ct_entry *e, const struct sl_addr *local,
		   struct sl_flow_key *k);
/* What the packets are rewritten to: local -> backend (forward) and VIP
 * -> client (reverse). */
static inline void sl_ct_key_to_backend(const struct sl_ct_entry *e,
					const struct sl_addr *local,
					struct sl_flow_key *k);
static inline void sl_ct_key_to_client(const struct sl_ct_entry *e,
				       const struct sl_addr *vip,
				       uint16_t vport_be,
				       struct sl_flow_key *k);

/* Advances the TCP state machine for a packet of the flow in direction dir
 * with tcp_flags; for UDP pass proto = IPPROTO_UDP. Sets last_seen. */
static inline void sl_ct_update(struct sl_ct_entry *e, uint8_t proto,
				int dir, uint8_t tcp_flags, uint32_t now);

/* Whether the flow has been idle for its state's timeout at now. */
static inline bool sl_ct_expired(const struct sl_ct *ct,
				 const struct sl_ct_entry *e, uint32_t now);

/* Called for every flow removed by expiry (lookup or sweep), before it is
 * freed, so the caller can adjust counters. */
typedef void (*sl_ct_expire_cb)(const struct sl_ct_entry *e, void *arg);
void sl_ct_set_expire_cb(struct sl_ct *ct, sl_ct_expire_cb cb, void *arg);

/* An expired flow: the callback, then its removal (unless the callback
 * removed it). What a lookup does with a flow it finds expired. */
void sl_ct_expire(struct sl_ct *ct, struct sl_ct_entry *e);

/* Examines up to budget slots from where the last sweep stopped and
 * removes the expired flows. Bounded work: call it every loop. Returns the
 * number removed. */
uint32_t sl_ct_sweep(struct sl_ct *ct, uint32_t now, uint32_t budget);

/* Iteration for listings: the flow at slot i (0 .. capacity-1) or NULL if
 * the slot holds none (an IPv6 flow's second half, an extension, free, or
 * a flow still in state SL_CT_FREE: inserted, no sl_ct_update() yet).
 * Safe to call from another thread (racy snapshot). */
const struct sl_ct_entry *sl_ct_slot(const struct sl_ct *ct, uint32_t i);

/* The static inline functions above: the per-packet path. */
#include "sl_ct_impl.h"

#endif
