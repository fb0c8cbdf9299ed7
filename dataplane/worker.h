/* SPDX-License-Identifier: BSD-3-Clause
 * The worker's private state, shared by the fast path (worker.c) and the
 * edge policy (edge.c): one struct per worker lcore, written by that
 * worker only.
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <rte_mbuf.h>

#include "dp.h"
#include "sl_ratelimit.h"
#include "sl_snapshot.h"
#include "sl_tcp.h"

#define TXBUF		(SL_BURST * 2)
#define NO_VIP		UINT32_MAX

/* Build with -DSL_STAGE_CYCLES to count TSC cycles per stage of the loop;
 * the totals are logged when the worker stops (for BENCHMARKS.md). */
#ifdef SL_STAGE_CYCLES
enum { ST_RX, ST_CLASSIFY, ST_PREFETCH, ST_DISPATCH, ST_TX, ST_SWEEP,
       ST_OTHER, ST_MAX };
static const char *const stage_names[ST_MAX] = {
	"rx_burst", "classify", "prefetch", "dispatch", "tx_burst", "sweep",
	"other",
};
#define STAGE_START()	uint64_t st_t_ = rte_rdtsc()
#define STAGE(w, s)	do {						\
		uint64_t st_n_ = rte_rdtsc();				\
		(w)->stage[s] += st_n_ - st_t_;				\
		st_t_ = st_n_;						\
	} while (0)
#else
#define STAGE_START()	do { } while (0)
#define STAGE(w, s)	do { } while (0)
#endif

struct txbuf {
	uint16_t n;
	uint32_t bytes;		/* of the n queued */
	struct rte_mbuf *m[TXBUF];
};

/* A worker's own view of a VIP's limits: its share of the VIP's token
 * buckets and its SYN rate (automatic SYN proxy). */
struct vip_rt {
	struct sl_tb pps;
	struct sl_tb conn;
	uint32_t syn_start;		/* ms: this one-second window */
	uint32_t syn_count;		/* SYNs in it */
	uint32_t syn_prev;		/* SYNs in the one before */
	uint32_t cookie_ms;		/* last cookie sent (0: never) */
};

/* Per backend id: the route and neighbour toward it and the slot of its
 * SNAT port round, valid for backend generation gen. */
struct be_rt {
	uint32_t gen;			/* 0: nothing cached */
	uint16_t nh;			/* neighbour index (SL_NO_NEIGH: ask) */
	uint8_t port;			/* port toward it */
	uint8_t pad;
	uint16_t round;			/* in lport_next[] */
};

/* SNAT ports are tried in a round per backend address and port (by a
 * hash of them: backends that share a slot share a round): with flows
 * expiring roughly in the order they came, the port tried has most likely
 * been free for a whole round, so the reverse-key check of a new flow
 * rarely collides (one counter shared by all backends collided about once
 * in five at 1.4M flows), and a backend sees its ports reused no sooner
 * than with that counter (VIPs that share a backend share its round: its
 * TIME_WAIT sockets are not hit by another VIP's fresh round). */
#define LPORT_ROUNDS	4096

/* Client data that arrived while the SYN proxy opens the backend side of
 * its flow: one packet per flow, in a small table by entry address. */
#define SL_PENDING	64
struct pending {
	const struct sl_ct_entry *e;
	struct rte_mbuf *m;
};

/* Everything one worker touches; written by that worker only. */
struct worker {
	uint32_t id;
	uint32_t nw;
	uint32_t now;				/* ms */
	uint32_t cur_vip;	/* VIP of the packet in hand, for its drops */
	struct sl_dp *dp;
	struct sl_shm *shm;
	struct sl_ct *ct;
	const struct sl_snapshot *snap;
	const struct sl_snap_vip *last_vip;	/* in snap: vip_lookup() */
	uint64_t last_dst[2];	/* last_vip's address, port, proto and */
	uint32_t last_tail;	/* family as a key has them (0: none) */
	uint64_t last_ct_tail;	/* sl_ct_fwd_tail() of last_vip */
	const struct sl_snap_vip *vip_by_id[SL_MAX_VIPS];	/* in snap */
	struct sl_worker_stats *st;
	struct sl_vip_stats *vst;
	struct sl_backend_stats *bst;
	struct rte_ring *cfg;
	struct rte_ring *ho;
	uint16_t port_first;
	uint16_t port_last;
	bool busy;			/* the last loop handled packets */
	uint64_t swept_at;		/* new_flows at the last sweep */
	uint32_t hint_gen;		/* sl_ct_gen() when this burst's
					 * hints were taken */
	uint8_t port_idx[RTE_MAX_ETHPORTS];	/* ethdev id -> config idx */
	struct txbuf tx[SL_MAX_PORTS];
	/* Each port's SNAT address for IPv4 [0] and IPv6 [1], NULL when it
	 * has none (the ports' addresses are set once, at start). */
	const struct sl_addr *local[SL_MAX_PORTS][2];
	struct be_rt be[SL_MAX_BACKENDS];	/* by backend id */
	/* By index in dp->routes: 1 + the neighbour index of that route's
	 * gateway once known (0: not yet), used while that neighbour is
	 * reachable (see client_route()). */
	uint16_t route_nh[SL_DP_ROUTES];
	uint16_t lport_next[LPORT_ROUNDS];	/* next SNAT port to try */
	/* Edge policy (edge.c) */
	uint32_t now_s;				/* wall clock, s */
	struct sl_rl_table *rl;			/* per-client buckets */
	uint64_t *acl_hits;			/* [SL_MAX_ACL_RULES] */
	struct vip_rt vrt[SL_MAX_VIPS];		/* by VIP id */
	struct pending pend[SL_PENDING];
#ifdef SL_STAGE_CYCLES
	uint64_t stage[ST_MAX];
#endif
#ifdef SL_AB_PHASES
	uint64_t ab_cycles[2], ab_pkts[2];	/* per sl_ab phase */
#endif
} __rte_cache_aligned;

static inline void
drop(struct worker *w, struct rte_mbuf *m, enum sl_drop why)
{
	w->st->drops[why]++;
	if (w->cur_vip != NO_VIP)
		w->vst[w->cur_vip].drops++;
	rte_pktmbuf_free(m);
}

/* A packet handed to another worker as a second try (see
 * sl_edge_miss()): not handed on again. In m->hash.usr, which the worker
 * owns once the packet is received: every handoff sets it (0 or this),
 * the receiving worker reads it (classify) and clears it. */
#define HANDOFF_RETRY	0x5eca11edu

/* What the first pass over a burst found out about a packet. */
enum pkt_kind {
	K_DROP,		/* drop for reason why */
	K_MAIN,		/* ARP / ND: to the main lcore */
	K_FWD,		/* client -> VIP v */
	K_REV,		/* backend -> a local SNAT address */
	K_ECHO,		/* ICMP / ICMPv6 echo request */
};

struct pkt_ctx {
	struct sl_pkt_info pi;
	const struct sl_snap_vip *v;
	uint32_t hash;			/* conntrack index hash of pi.key
					 * (K_FWD: sl_ct_hash_fwd(), also
					 * the owner's; K_REV: _rev()) */
	uint32_t owner;			/* the worker that owns the flow */
	uint32_t acl;			/* deciding rule + 1 (0: none; see
					 * ACL_LAZY in edge.c) */
	uint32_t fhash;			/* likely new: sl_flow_hash(&pi.key) */
	uint16_t pick;			/* picked: v's Maglev pick for this
					 * 5-tuple, made in this burst */
	const void *hint;		/* the conntrack entry its signature
					 * matched in the probe pass, or NULL:
					 * prefetched, and read first by the
					 * lookup (sl_ct_lookup_fwd_hint()) */
	uint8_t kind;
	uint8_t why;			/* K_DROP: enum sl_drop */
	bool mine;			/* handled here, not handed off */
	bool retried;			/* handed here as a second try */
	bool picked;
};

void sl_w_bounce(struct worker *w, struct rte_mbuf *m);
void sl_w_xmit(struct worker *w, struct rte_mbuf *m,
	       const struct sl_pkt_info *pi, uint8_t port, uint16_t *nh_idx,
	       const struct sl_flow_key *to);
void sl_w_handoff(struct worker *w, struct rte_mbuf *m, uint32_t owner);
struct sl_ct_entry *sl_w_flow_create(struct worker *w, struct rte_mbuf *m,
				     struct pkt_ctx *c, bool ext);
/* Removes a flow before its time (counted as removed, not expired). */
void sl_w_flow_remove(struct worker *w, struct sl_ct_entry *e);
const struct sl_addr *sl_w_local(const struct worker *w,
				 const struct sl_ct_entry *e);

/* edge.c: the edge policy (issue 5) */
uint32_t sl_edge_owner(const struct worker *w, const struct sl_snap_vip *v,
		       const struct sl_pkt_info *pi, uint32_t hash);
void sl_edge_acl_burst(struct worker *w, struct pkt_ctx *ctx, uint16_t n);
bool sl_edge_admit(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c);
bool sl_edge_acl_flow(struct worker *w, struct rte_mbuf *m,
		      struct pkt_ctx *c, struct sl_ct_entry *e);
bool sl_edge_open(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c);
bool sl_edge_miss(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c);

/* Cookies of this VIP may still be answered: sent by this worker within
 * two cookie periods (the SYN proxy may have been turned off since). */
static inline bool
sl_edge_cookies_recent(const struct worker *w, const struct sl_snap_vip *v)
{
	const struct vip_rt *rt = &w->vrt[v->id];

	return rt->cookie_ms != 0 &&
	       w->now - rt->cookie_ms < 2 * SL_COOKIE_PERIOD_S * 1000u;
}
void sl_edge_flow_init(struct worker *w, struct sl_ct_entry *e,
		       const uint8_t *frame, const struct sl_pkt_info *pi);
bool sl_edge_fwd_wait(struct worker *w, struct rte_mbuf *m,
		      struct sl_ct_entry *e, const struct sl_pkt_info *pi);
bool sl_edge_fwd(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
		 struct sl_ct_entry *e);
bool sl_edge_rev_pre(struct worker *w, struct rte_mbuf *m,
		     struct sl_pkt_info *pi, struct sl_ct_entry *e);
bool sl_edge_rev(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
		 struct sl_ct_entry *e);
void sl_edge_flow_gone(struct worker *w, const struct sl_ct_entry *e);
void sl_edge_init(struct worker *w);

#endif
