/* SPDX-License-Identifier: BSD-3-Clause
 * The worker fast path: poll this worker's RX queue on every port and its
 * handoff ring, classify, track, rewrite (full NAT) and transmit.
 *
 * Flow ownership never depends on the NIC's hash: a client -> VIP packet
 * belongs to worker sl_hash_scale(flow hash, workers), a reply to a local
 * SNAT port to sl_port_owner(port, workers), and the owner only picks SNAT
 * ports in its own range. A packet that arrives elsewhere is handed to its
 * owner through that worker's ring (counted as handoff_out / handoff_in).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "sl_maglev.h"
#include "sl_nat.h"
#include "worker.h"

/* Conntrack slots the sweep examines per loop: a few when busy (each
 * in-use slot costs a read of its entry), plus eight per flow created in
 * the loop, so that the sweep goes round the table eight times while new
 * flows fill it once (an IPv4 flow takes a slot): an expired flow is then
 * mostly removed by the sweep, whose removals are batched with their
 * buckets prefetched, rather than by the lookup of a packet that needs
 * its 5-tuple or by an insert that needs its index slot (syn4, alternating
 * runs: two per new flow 1.97-2.08 M new flows/s against 2.13-2.55 for
 * eight; see BENCHMARKS.md); many when idle. */
#define SWEEP_BUSY	16
#define SWEEP_PER_NEW	8
#define SWEEP_IDLE	256
#define SNAT_TRIES	32

static void
flush(struct worker *w, uint8_t port)
{
	struct txbuf *t = &w->tx[port];
	uint16_t sent, i;

	if (t->n == 0)
		return;
	sent = rte_eth_tx_burst(w->dp->port_ids[port], (uint16_t)w->id,
				t->m, t->n);
	/* The bytes were counted as queued: the PMD may have freed what it
	 * sent already. */
	w->cur_vip = NO_VIP;	/* not attributed to a VIP */
	for (i = sent; i < t->n; i++) {
		t->bytes -= rte_pktmbuf_pkt_len(t->m[i]);
		drop(w, t->m[i], SL_DROP_TX_FULL);
	}
	w->st->tx_bytes += t->bytes;
	w->st->tx_pkts += sent;
	t->n = 0;
	t->bytes = 0;
}

static inline void
queue_tx(struct worker *w, uint8_t port, struct rte_mbuf *m)
{
	struct txbuf *t = &w->tx[port];

	t->m[t->n++] = m;
	t->bytes += rte_pktmbuf_pkt_len(m);
	if (t->n == TXBUF)
		flush(w, port);
}

/* A reply already written into m (ICMP echo, RST, SYN cookie...): back to
 * whoever sent m, out of the port it came in. Counted as replied. */
void
sl_w_bounce(struct worker *w, struct rte_mbuf *m)
{
	uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *), mac[6];

	memcpy(mac, h, 6);
	memcpy(h, h + 6, 6);
	memcpy(h + 6, mac, 6);
	w->st->replied++;
	queue_tx(w, w->port_idx[m->port], m);
}

static void
on_expire(const struct sl_ct_entry *e, void *arg)
{
	struct worker *w = arg;

	if (unlikely(sl_ct_has_ext(e)) &&
	    (sl_ct_ext(w->ct, e)->pflags & SL_CT_P_PENDING))
		sl_edge_flow_gone(w, e);
	w->st->expired_flows++;
	w->st->flows_active--;
	w->vst[e->vip_id].active_flows--;
	w->bst[e->backend_id].active_flows--;
}

void
sl_w_flow_remove(struct worker *w, struct sl_ct_entry *e)
{
	on_expire(e, w);
	w->st->expired_flows--;		/* removed, not expired */
	sl_ct_delete(w->ct, e);
}

/* Finds the neighbour for a next hop, asking the main lcore to resolve it
 * when unknown. Returns its index or SL_NO_NEIGH. */
static uint16_t
neigh_index(struct worker *w, const struct sl_addr *nh)
{
	int i = sl_neigh_find(w->shm->neigh, nh);

	if (i < 0 || w->shm->neigh[i].state == SL_NEIGH_INCOMPLETE) {
		rte_ring_enqueue_elem(w->dp->resolve_ring, (void *)nh,
				      sizeof(*nh));
		return i < 0 ? SL_NO_NEIGH : (uint16_t)i;
	}
	return (uint16_t)i;
}

/* sl_w_xmit() toward a neighbour index already known. Always inlined:
 * as a call it cost each packet 25 instructions of saved registers and
 * stack guard (tools/bench/icount.sh; BENCHMARKS.md, session 8). */
static inline __attribute__((always_inline)) void
xmit_nh(struct worker *w, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	uint8_t port, uint16_t nh_idx)
{
	const struct sl_neigh *n = &w->shm->neigh[nh_idx];

	if (unlikely(__atomic_load_n(&n->state, __ATOMIC_ACQUIRE) <
		     SL_NEIGH_REACHABLE)) {
		rte_ring_enqueue_elem(w->dp->resolve_ring, (void *)&n->addr,
				      sizeof(n->addr));
		return drop(w, m, SL_DROP_NO_NEIGH);
	}
	if (unlikely(sl_l2_set(m, pi->l3_off, &w->shm->ports[port], n->mac,
			       pi->family == AF_INET ? SL_ETHERTYPE_IPV4 :
						       SL_ETHERTYPE_IPV6)))
		return drop(w, m, SL_DROP_TX_FULL);
	queue_tx(w, port, m);
}

/* L2 header toward a resolved neighbour and queue. nh_idx is the flow's
 * cached index (updated when it was not known). */
void
sl_w_xmit(struct worker *w, struct rte_mbuf *m, const struct sl_pkt_info *pi,
     uint8_t port, uint16_t *nh_idx, const struct sl_flow_key *to)
{
	struct sl_addr nh, dst;
	uint8_t p;

	if (unlikely(*nh_idx == SL_NO_NEIGH)) {
		sl_flow_key_dst(to, &dst);
		if (sl_route_lookup(w->dp, &dst, &p, &nh) < 0)
			return drop(w, m, SL_DROP_NO_ROUTE);
		*nh_idx = neigh_index(w, &nh);
		if (*nh_idx == SL_NO_NEIGH)
			return drop(w, m, SL_DROP_NO_NEIGH);
	}
	xmit_nh(w, m, pi, port, *nh_idx);
}

void
sl_w_handoff(struct worker *w, struct rte_mbuf *m, uint32_t owner)
{
	if (rte_ring_enqueue(w->dp->handoff[owner], m) != 0)
		return drop(w, m, SL_DROP_HANDOFF_FULL);
	w->st->handoff_out++;
}

static const struct sl_addr *
snat_addr(const struct sl_shm_port *p, uint8_t family)
{
	uint32_t i;

	for (i = 0; i < p->nb_snat; i++)
		if (p->snat[i].family == family)
			return &p->snat[i];
	return NULL;
}

/* Port port's SNAT address of family, NULL when it has none. */
static inline const struct sl_addr *
port_local(const struct worker *w, uint8_t port, uint8_t family)
{
	return w->local[port][family == AF_INET6];
}

/* The local (SNAT) address of a flow: its out port's, of its family. */
const struct sl_addr *
sl_w_local(const struct worker *w, const struct sl_ct_entry *e)
{
	return port_local(w, e->out_port, sl_ct_family(e));
}

/* The SNAT port round of a backend address and port. */
static inline uint16_t
lport_round(const struct sl_snap_backend *b)
{
	uint32_t h = b->addr.w[0] ^ b->addr.w[1] ^ b->addr.w[2] ^
		     b->addr.w[3] ^ ((uint32_t)b->port_be << 16);

	return (uint16_t)((h * 0x9e3779b1u) >> (32 - 12));
}

_Static_assert(LPORT_ROUNDS == 1 << 12, "lport_round() gives 12 bits");

/* The SNAT port a round tries next, within this worker's range (a round
 * never used yet starts at its first port). */
static inline uint16_t
lport_peek(const struct worker *w, uint16_t round)
{
	uint16_t p = w->lport_next[round];

	return p < w->port_first || p > w->port_last ? w->port_first : p;
}

/* The next SNAT port to try in a round, taken. */
static inline uint16_t
next_snat_port(struct worker *w, uint16_t round)
{
	uint16_t p = lport_peek(w, round);

	w->lport_next[round] = p == w->port_last ? w->port_first : p + 1;
	return p;
}

/* The route and neighbour toward backend b, cached per backend id. NULL
 * when there is no route. */
static struct be_rt *
be_route(struct worker *w, const struct sl_snap_backend *b)
{
	struct be_rt *r = &w->be[b->id];
	struct sl_addr nh;
	uint8_t port;

	if (likely(r->gen == b->gen && r->nh != SL_NO_NEIGH))
		return r;
	if (sl_route_lookup(w->dp, &b->addr, &port, &nh) < 0)
		return NULL;
	r->gen = b->gen;
	r->port = port;
	r->nh = neigh_index(w, &nh);
	r->round = lport_round(b);
	return r;
}

/* The port toward a new flow's client and the neighbour index of its
 * next hop (SL_NO_NEIGH while unknown: resolved later, as by
 * neigh_index()). -ENOENT when no route holds it. A client behind a
 * gateway, the usual case, takes the gateway's index from route_nh[]
 * once it is reachable, instead of a neighbour table search per new flow
 * (80 instructions of ~1550 a SYN: tools/bench/icount.sh syn4; the
 * table's entries never move). */
static int
client_route(struct worker *w, const struct sl_addr *client, uint8_t *port,
	     uint16_t *nh)
{
	const struct sl_route *r = sl_route_find(w->dp, client);
	uint16_t *c;

	if (r == NULL)
		return -ENOENT;
	*port = r->port;
	if (r->connected) {
		*nh = neigh_index(w, client);
		return 0;
	}
	c = &w->route_nh[r - w->dp->routes];
	if (*c != 0 &&
	    __atomic_load_n(&w->shm->neigh[*c - 1].state, __ATOMIC_ACQUIRE) >=
	    SL_NEIGH_REACHABLE) {
		*nh = (uint16_t)(*c - 1);
		return 0;
	}
	*nh = neigh_index(w, &r->via);
	*c = *nh == SL_NO_NEIGH ? 0 : (uint16_t)(*nh + 1);
	return 0;
}

/* A client's first packet (c: to VIP c->v, index hash c->hash): pick the
 * backend (Maglev, on the flow hash of the 5-tuple, unless predict_rev()
 * already did), the SNAT address and port, the routes both ways, and
 * insert the flow, with an extension for the edge policy when ext. NULL
 * when dropped. */
struct sl_ct_entry *
sl_w_flow_create(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
		 bool ext)
{
	struct sl_pkt_info *pi = &c->pi;
	const struct sl_snap_vip *v = c->v;
	const struct sl_snap_backend *b;
	const struct sl_addr *snat;
	struct sl_addr client;
	struct sl_flow_key rev;
	struct sl_ct_entry *e;
	struct be_rt *r;
	uint32_t rhash = 0, t;
	uint16_t idx, nh_c;
	uint8_t in_port;

	idx = c->picked ? c->pick :
	      sl_maglev_lookup(v->table, v->table_size,
			       sl_flow_hash(&pi->key));
	if (idx == SL_MAGLEV_EMPTY)
		return drop(w, m, SL_DROP_NO_BACKEND), NULL;
	b = &v->backends[idx];
	sl_flow_key_src(&pi->key, &client);
	r = be_route(w, b);
	if (r == NULL || client_route(w, &client, &in_port, &nh_c) < 0)
		return drop(w, m, SL_DROP_NO_ROUTE), NULL;
	snat = port_local(w, r->port, pi->family);
	if (snat == NULL)
		return drop(w, m, SL_DROP_NO_SNAT_PORT), NULL;
	for (t = 0; t < SNAT_TRIES; t++) {
		sl_flow_key_make(&rev, pi->proto, &b->addr, ntohs(b->port_be),
				 snat, next_snat_port(w, r->round));
		rhash = sl_ct_hash_rev(w->ct, &rev);
		if (sl_ct_lookup_rev(w->ct, &rev, rhash, w->now) == NULL)
			break;
	}
	if (t == SNAT_TRIES)
		return drop(w, m, SL_DROP_NO_SNAT_PORT), NULL;
	e = sl_ct_insert(w->ct, &pi->key, v->id, c->hash, &rev, rhash, w->now,
			 ext);
	if (e == NULL)
		return drop(w, m, SL_DROP_CT_FULL), NULL;
	e->backend_id = b->id;
	e->backend_gen = sl_ct_gen16(b->gen);
	e->out_port = r->port & 15;
	e->in_port = in_port & 15;
	e->nh_backend = r->nh;
	e->nh_client = nh_c;
	e->acl_gen = (uint16_t)w->snap->acl_gen;	/* checked before */
	w->st->new_flows++;
	w->st->flows_active++;
	w->vst[v->id].new_flows++;
	w->vst[v->id].active_flows++;
	w->bst[b->id].new_flows++;
	w->bst[b->id].active_flows++;
	return e;
}

/* A flow whose backend left the snapshot: keep it or reset it. Returns
 * true when the packet was dropped. */
static bool
backend_left(struct worker *w, struct rte_mbuf *m, struct sl_ct_entry *e)
{
	const struct sl_snap_vip *v = w->vip_by_id[e->vip_id];

	/* The VIP's policy decides; a VIP that is gone resets. */
	if (v != NULL && v->on_remove == SL_ON_REMOVE_KEEP)
		return false;
	sl_w_flow_remove(w, e);
	drop(w, m, SL_DROP_BACKEND_GONE);
	return true;
}

/* Whether the flow's backend is still the snapshot's (inline: every
 * packet asks), else backend_left(). */
static inline bool
backend_gone(struct worker *w, struct rte_mbuf *m, struct sl_ct_entry *e)
{
	const struct sl_snapshot *s = w->snap;

	if (likely(sl_ct_gen16(s->backend_gen[e->backend_id]) ==
			   e->backend_gen &&
		   !s->backend_down[e->backend_id]))
		return false;
	return backend_left(w, m, e);
}

static void
count(struct worker *w, const struct sl_ct_entry *e, uint32_t bytes)
{
	w->vst[e->vip_id].pkts++;
	w->vst[e->vip_id].bytes += bytes;
	w->bst[e->backend_id].pkts++;
	w->bst[e->backend_id].bytes += bytes;
}

/* The common case of both directions, an IPv4 flow without edge state
 * whose neighbour is known: the new addresses and ports (network order)
 * go from the entry to the header as values, the packet out toward
 * neighbour nh, counted in *dir_pkts. A key written out for
 * sl_nat_rewrite() and read straight back cost 6-9% of the packet in
 * store-forwarding waits (BENCHMARKS.md, session 7). */
static inline __attribute__((always_inline)) void
nat4_xmit(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
	  const struct sl_ct_entry *e, uint32_t src, uint32_t dst,
	  uint32_t ports, uint8_t port, uint16_t nh, uint64_t *dir_pkts)
{
	enum sl_drop r;

	r = sl_nat_rewrite4(rte_pktmbuf_mtod(m, uint8_t *), pi, src, dst,
			    ports);
	if (r != SL_DROP_NONE)
		return drop(w, m, r);
	count(w, e, rte_pktmbuf_pkt_len(m));
	(*dir_pkts)++;
	xmit_nh(w, m, pi, port, nh);
}

static void
forward(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c, bool handed)
{
	struct sl_pkt_info *pi = &c->pi;
	const struct sl_snap_vip *v = c->v;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const struct sl_addr *local;
	struct sl_ct_entry *e;
	struct sl_flow_key to;
	enum sl_drop r;

	if (c->owner != w->id && !handed) {
		m->hash.usr = 0;
		return sl_w_handoff(w, m, c->owner);
	}
	w->cur_vip = v->id;
	if (unlikely(v->has_policy) && !sl_edge_admit(w, m, c))
		return;
	e = sl_ct_lookup_fwd_hint(w->ct, &pi->key, v->id, c->hash, w->now,
				  c->hint, w->hint_gen);
	if (unlikely((pi->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK)) ==
		     SL_TCP_SYN) &&	/* 0 for UDP */
	    e != NULL && pi->proto == IPPROTO_TCP &&
	    e->state >= SL_CT_FIN_WAIT && e->state <= SL_CT_CLOSED &&
	    (e->flags & SL_CT_F_EST)) {
		/* The client reused the port of a connection that closed:
		 * a new connection, balanced and translated afresh (the
		 * backend may hold the old tuple in TIME_WAIT). A handshake
		 * that was reset instead goes on with the same backend and
		 * tuple: that reset may have been the client's answer to a
		 * TIME_WAIT's refusal, which frees the tuple, while the next
		 * SNAT port may be refused again. */
		sl_w_flow_remove(w, e);
		e = NULL;
	}
	if (e == NULL) {
		/* Only a SYN opens a TCP flow: a mid-stream packet has no
		 * SNAT binding the backend would recognise (but it may be
		 * the ACK of a SYN cookie, see sl_edge_miss()). */
		if (pi->proto == IPPROTO_TCP &&
		    (pi->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) !=
		    SL_TCP_SYN) {
			if (unlikely(v->has_policy ||
				     sl_edge_cookies_recent(w, v)) &&
			    sl_edge_miss(w, m, c))
				return;
			return drop(w, m, SL_DROP_NO_FLOW);
		}
		if (unlikely(v->has_policy) && !sl_edge_open(w, m, c))
			return;
		e = sl_w_flow_create(w, m, c, v->proxy_protocol &&
					      pi->proto == IPPROTO_TCP);
		if (e == NULL)
			return;
		if (unlikely(sl_ct_has_ext(e)))
			sl_edge_flow_init(w, e, frame, pi);
	} else if (backend_gone(w, m, e)) {
		return;
	} else if (unlikely(v->has_policy) && !sl_edge_acl_flow(w, m, c, e)) {
		return;
	} else if (unlikely(sl_ct_has_ext(e)) &&
		   sl_edge_fwd_wait(w, m, e, pi)) {
		return;
	}
	local = sl_w_local(w, e);
	if (unlikely(local == NULL))
		return drop(w, m, SL_DROP_NO_SNAT_PORT);
	sl_ct_update(e, pi->proto, SL_CT_DIR_FWD, pi->tcp_flags, w->now);
	if (!(e->flags & (SL_CT_F_V6 | SL_CT_F_HAS_EXT)) &&
	    e->nh_backend != SL_NO_NEIGH)
		return nat4_xmit(w, m, pi, e, local->w[0], e->backend,
				 sl_nat_ports(e->lport, e->bport), e->out_port,
				 e->nh_backend, &w->st->fwd_pkts);
	sl_ct_key_to_backend(e, local, &to);
	r = sl_nat_rewrite(frame, pi, &to);
	if (r != SL_DROP_NONE)
		return drop(w, m, r);
	if (unlikely(sl_ct_has_ext(e)) && !sl_edge_fwd(w, m, pi, e))
		return;
	count(w, e, rte_pktmbuf_pkt_len(m));
	w->st->fwd_pkts++;
	sl_w_xmit(w, m, pi, e->out_port, &e->nh_backend, &to);
}

static void
reverse(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
	bool handed)
{
	struct sl_pkt_info *pi = &c->pi;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t owner = sl_port_owner(ntohs(pi->key.dport), w->nw);
	const struct sl_snap_vip *v;
	struct sl_ct_entry *e;
	struct sl_flow_key to;
	enum sl_drop r;

	if (owner != w->id && !handed)
		return sl_w_handoff(w, m, owner);
	e = sl_ct_lookup_rev_hint(w->ct, &pi->key, c->hash, w->now, c->hint,
				  w->hint_gen);
	if (e == NULL)
		return drop(w, m, SL_DROP_NO_FLOW);
	w->cur_vip = e->vip_id;
	if (backend_gone(w, m, e))
		return;
	/* Its VIP, whose address the reply comes from: gone only with its
	 * backends (backend_gone() has reset the flow then). */
	v = w->vip_by_id[e->vip_id];
	if (unlikely(v == NULL)) {
		sl_w_flow_remove(w, e);
		return drop(w, m, SL_DROP_BACKEND_GONE);
	}
	if (unlikely(sl_ct_has_ext(e)) && sl_edge_rev_pre(w, m, pi, e))
		return;
	/* A bare ACK to the SYN: the backend refuses it, most likely from a
	 * TIME_WAIT of the same tuple. It goes to the client, whose RST
	 * frees the tuple (see forward()). */
	if (unlikely(e->state == SL_CT_SYN_SENT) &&
	    pi->proto == IPPROTO_TCP &&
	    !(pi->tcp_flags & (SL_TCP_SYN | SL_TCP_RST)))
		w->st->syn_refused++;
	sl_ct_update(e, pi->proto, SL_CT_DIR_REV, pi->tcp_flags, w->now);
	if (!(e->flags & (SL_CT_F_V6 | SL_CT_F_HAS_EXT)) &&
	    e->nh_client != SL_NO_NEIGH)
		return nat4_xmit(w, m, pi, e, v->addr.w[0], e->client,
				 sl_nat_ports(v->port_be, e->cport), e->in_port,
				 e->nh_client, &w->st->rev_pkts);
	sl_ct_key_to_client(e, &v->addr, v->port_be, &to);
	r = sl_nat_rewrite(frame, pi, &to);
	if (r != SL_DROP_NONE)
		return drop(w, m, r);
	if (unlikely(sl_ct_has_ext(e)) && !sl_edge_rev(w, m, pi, e))
		return;
	count(w, e, rte_pktmbuf_pkt_len(m));
	w->st->rev_pkts++;
	sl_w_xmit(w, m, pi, e->in_port, &e->nh_client, &to);
}

static bool
is_snat(const struct worker *w, const struct sl_addr *a)
{
	uint32_t i, j;

	for (i = 0; i < w->dp->nb_ports; i++)
		for (j = 0; j < w->shm->ports[i].nb_snat; j++)
			if (sl_addr_eq(&w->shm->ports[i].snat[j], a))
				return true;
	return false;
}

static void
echo(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi)
{
	uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
	struct sl_addr dst;

	sl_flow_key_dst(&pi->key, &dst);
	if (!sl_dp_is_port_addr(w->dp, &dst, NULL) &&
	    !sl_snap_is_vip_addr(w->snap, &dst))
		return drop(w, m, SL_DROP_NOT_LOCAL);
	if (sl_icmp_echo_reply(h, pi) < 0)
		return drop(w, m, SL_DROP_ICMP_IGNORED);
	sl_w_bounce(w, m);
}

static bool
is_nd(const struct sl_pkt_info *pi)
{
	return pi->proto == IPPROTO_ICMPV6 && pi->icmp_type >= 133 &&
	       pi->icmp_type <= 137;
}

/* The 4 bytes of a key from dport on: dport, proto, family. */
static inline uint32_t
key_tail(const struct sl_flow_key *k)
{
	uint32_t t;

	_Static_assert(offsetof(struct sl_flow_key, proto) ==
		       offsetof(struct sl_flow_key, dport) + 2 &&
		       offsetof(struct sl_flow_key, family) ==
		       offsetof(struct sl_flow_key, dport) + 3,
		       "dport, proto, family adjacent");
	memcpy(&t, &k->dport, 4);
	return t;
}

/* The VIP of a packet: most packets in a row go to the same VIP, so the
 * last one found is tried first (the same test sl_snap_vip_lookup() ends
 * with), against the worker's own copy of its address, port, proto and
 * family in the key's layout: three words compared, no pointer followed.
 * With them, its conntrack hash words (sl_ct_fwd_tail()). Cleared when
 * the snapshot changes (a tail of 0 has family 0, which no key has). */
static inline const struct sl_snap_vip *
vip_lookup(struct worker *w, const struct sl_pkt_info *pi)
{
	const struct sl_snap_vip *v;
	uint64_t d[2];

	memcpy(d, pi->key.dst, sizeof(d));
	if (((w->last_dst[0] ^ d[0]) | (w->last_dst[1] ^ d[1]) |
	     (w->last_tail ^ key_tail(&pi->key))) == 0)
		return w->last_vip;
	v = sl_snap_vip_lookup(w->snap, pi->family, pi->proto, pi->key.dst,
			       pi->key.dport);
	if (v != NULL) {
		/* The lookup matches exactly: the key is the VIP's. */
		w->last_vip = v;
		memcpy(w->last_dst, pi->key.dst, sizeof(w->last_dst));
		w->last_tail = key_tail(&pi->key);
		w->last_ct_tail = sl_ct_fwd_tail(v->id, pi->proto,
						 pi->family);
	}
	return v;
}

/* First pass: parse and classify, hash the flow key, and prefetch its
 * conntrack buckets, so that a burst's bucket misses overlap. */
static void
classify(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
	 bool handed)
{
	struct sl_pkt_info *pi = &c->pi;
	struct sl_addr dst;
	enum sl_drop r;

	c->kind = K_DROP;
	c->mine = false;
	c->picked = false;
	c->acl = 0;
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m) < 0) {
		c->why = SL_DROP_TRUNC_L2;
		return;
	}
	r = sl_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *),
			 rte_pktmbuf_data_len(m), pi);
	if (unlikely(r != SL_DROP_NONE)) {
		c->why = (uint8_t)r;
		return;
	}
	if (likely(pi->proto == IPPROTO_TCP || pi->proto == IPPROTO_UDP)) {
		c->v = vip_lookup(w, pi);
		if (likely(c->v != NULL)) {
			c->kind = K_FWD;
			/* vip_lookup() found c->v or had it: last_vip. */
			c->hash = sl_ct_hash_fwd_tail(w->ct, &pi->key,
						      w->last_ct_tail);
			c->owner = likely(!c->v->has_policy) ?
				   sl_hash_scale(c->hash, w->nw) :
				   sl_edge_owner(w, c->v, pi, c->hash);
			c->mine = handed || c->owner == w->id;
			c->retried = false;
			if (handed) {	/* see HANDOFF_RETRY */
				c->retried = m->hash.usr == HANDOFF_RETRY;
				m->hash.usr = 0;
			}
		} else {
			sl_flow_key_dst(&pi->key, &dst);
			if (!is_snat(w, &dst)) {
				c->why = sl_snap_is_vip_addr(w->snap, &dst) ?
					 SL_DROP_NO_VIP : SL_DROP_NOT_LOCAL;
				return;
			}
			c->kind = K_REV;
			c->hash = sl_ct_hash_rev(w->ct, &pi->key);
			c->mine = handed ||
				  sl_port_owner(ntohs(pi->key.dport), w->nw) ==
				  w->id;
		}
		if (c->mine)
			sl_ct_prefetch_buckets(w->ct, c->hash);
		return;
	}
	/* ARP (no proto) and ND: for the main lcore. */
	if (pi->ethertype == SL_ETHERTYPE_ARP || is_nd(pi)) {
		c->kind = K_MAIN;
		return;
	}
	if ((pi->proto == IPPROTO_ICMP && pi->icmp_type == 8) ||
	    (pi->proto == IPPROTO_ICMPV6 && pi->icmp_type == 128)) {
		c->kind = K_ECHO;
		return;
	}
	c->why = SL_DROP_ICMP_IGNORED;
}

static inline __attribute__((always_inline)) void
dispatch(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
	 bool handed)
{
	w->cur_vip = NO_VIP;
	/* The common kind before the switch's jump table. */
	if (likely(c->kind == K_FWD))
		return forward(w, m, c, handed);
	switch (c->kind) {
	case K_REV:
		return reverse(w, m, c, handed);
	case K_MAIN:
		if (rte_ring_enqueue(w->dp->main_ring, m) != 0)
			return drop(w, m, SL_DROP_MAIN_FULL);
		w->st->to_main++;
		return;
	case K_ECHO:
		return echo(w, m, &c->pi);
	default:
		return drop(w, m, (enum sl_drop)c->why);
	}
}

#define PREFETCH_AHEAD	3
#define REFETCH_AHEAD	4	/* see refetch() */

/* Can this packet open a flow (see forward())? */
static inline bool
may_open(const struct sl_pkt_info *pi)
{
	return pi->proto != IPPROTO_TCP ||
	       (pi->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) ==
	       SL_TCP_SYN;
}

/* A packet that will likely open a flow: prefetch the index bucket of
 * the reverse key sl_w_flow_create() will most likely try first (the
 * backend Maglev picks, and the next SNAT port of its round plus the new
 * flows in the same round before it in the burst, counted in seen[] by
 * the low bits of the round). Only a hint: a wrong guess costs a wasted
 * prefetch, never a different port. */
#define PREDICT_SLOTS	64

static void
predict_rev(struct worker *w, struct pkt_ctx *c, uint8_t *seen)
{
	const struct sl_snap_vip *v = c->v;
	const struct sl_snap_backend *b;
	const struct sl_addr *snat;
	const struct be_rt *r;
	struct sl_flow_key rev;
	uint32_t port, span;
	uint16_t idx;

	idx = sl_maglev_lookup(v->table, v->table_size, c->fhash);
	/* Kept for sl_w_flow_create(): the snapshot changes between bursts
	 * only. */
	c->pick = idx;
	c->picked = true;
	if (idx == SL_MAGLEV_EMPTY || w->port_first > w->port_last)
		return;
	b = &v->backends[idx];
	r = &w->be[b->id];
	if (r->gen != b->gen)
		return;		/* its first flow here: no route cached yet */
	snat = port_local(w, r->port, c->pi.family);
	if (snat == NULL)
		return;
	span = (uint32_t)w->port_last - w->port_first + 1;
	port = (uint32_t)lport_peek(w, r->round) - w->port_first +
	       seen[r->round & (PREDICT_SLOTS - 1)]++;
	while (port >= span)		/* < SL_BURST over: no division */
		port -= span;
	port += w->port_first;
	sl_flow_key_make(&rev, c->pi.proto, &b->addr, ntohs(b->port_be), snat,
			 (uint16_t)port);
	sl_ct_prefetch_buckets(w->ct, sl_ct_hash_rev(w->ct, &rev));
}

/* The entry of a packet whose signature matched (c->hint), once more, a
 * few packets before its lookup: a burst's work touches more lines than
 * the L1 holds, so what the probe pass brought in has most likely fallen
 * back to L2 by then. The lookup reads the hinted entry first and its
 * bucket only when the table changed since or the key differs (see
 * sl_ct_lookup_fwd_hint()), so the bucket is not fetched again (tcp4-64k,
 * one run alternating both: 448 against 439 cycles per packet). */
static inline void
refetch(const struct pkt_ctx *c)
{
	if (c->hint != NULL)
		rte_prefetch0(c->hint);
}

/* A burst in passes: classify (bucket prefetches in flight); prefetch the
 * matching entries, or, for a likely new flow (no signature in its first
 * bucket), its Maglev slot; for those, the bucket of the likely reverse
 * key, with the Maglev pick kept for the flow's creation; then the
 * per-packet work in arrival order (which alone decides: the prefetches
 * are only hints, so a flow created by one packet is found by the next
 * one of the same burst). */
static void
handle_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n,
	     bool handed)
{
	struct pkt_ctx ctx[SL_BURST];
	uint8_t seen[PREDICT_SLOTS];
	uint16_t i, nl, likely_new[SL_BURST];
	STAGE_START();

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD],
						       void *));
		classify(w, pkts[i], &ctx[i], handed);
	}
	if (unlikely(w->snap->nb_acl != 0))
		sl_edge_acl_burst(w, ctx, n);
	STAGE(w, ST_CLASSIFY);
	for (i = 0, nl = 0; i < n; i++) {
		struct pkt_ctx *c = &ctx[i];

		c->hint = c->mine ? sl_ct_prefetch_entry(w->ct, c->hash) :
				    NULL;
		if (c->mine && c->hint == NULL &&
		    c->kind == K_FWD && may_open(&c->pi)) {
			/* Most likely a new flow: its Maglev slot, for
			 * predict_rev() (a table is 128 KB per VIP). */
			c->fhash = sl_flow_hash(&c->pi.key);
			rte_prefetch0(sl_maglev_slot(c->v->table,
						     c->v->table_size,
						     c->fhash));
			likely_new[nl++] = (uint16_t)i;
		}
	}
	w->hint_gen = sl_ct_gen(w->ct);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < nl; i++)
		predict_rev(w, &ctx[likely_new[i]], seen);
	STAGE(w, ST_PREFETCH);
	for (i = 0; i < n && i < REFETCH_AHEAD; i++)
		refetch(&ctx[i]);
	for (i = 0; i < n; i++) {
		if (i + REFETCH_AHEAD < n)
			refetch(&ctx[i + REFETCH_AHEAD]);
		dispatch(w, pkts[i], &ctx[i], handed);
	}
	STAGE(w, ST_DISPATCH);
}

static void
poll_config(struct worker *w)
{
	struct sl_snapshot *s;
	uint32_t i;

	/* Take the newest; older ones queued behind it are skipped. */
	while (rte_ring_dequeue(w->cfg, (void **)&s) == 0) {
		if (s->magic != SL_SNAP_MAGIC || s->version != SL_SNAP_VERSION)
			continue;
		w->snap = s;
		w->last_vip = NULL;
		w->last_tail = 0;
		memset(w->vip_by_id, 0, sizeof(w->vip_by_id));
		for (i = 0; i < s->nb_vips; i++)
			if (s->vips[i].id < SL_MAX_VIPS)
				w->vip_by_id[s->vips[i].id] = &s->vips[i];
		w->st->epoch = s->epoch;
	}
}

static void
worker_init(struct worker *w, struct sl_dp *dp)
{
	uint32_t i, lcore = rte_lcore_id(), id = 0;

	RTE_LCORE_FOREACH_WORKER(i) {
		if (i == lcore)
			break;
		id++;
	}
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->nw = dp->nb_workers;
	w->dp = dp;
	w->shm = dp->shm;
	w->ct = dp->shm->ct[id];
	w->st = &dp->shm->w[id];
	w->vst = dp->shm->vip_stats[id];
	w->bst = dp->shm->be_stats[id];
	w->cfg = dp->cfg_ring[id];
	w->ho = dp->handoff[id];
	dp->shm->worker_lcore[id] = lcore;
	for (i = 0; i < dp->nb_ports; i++) {
		w->port_idx[dp->port_ids[i]] = (uint8_t)i;
		w->local[i][0] = snat_addr(&w->shm->ports[i], AF_INET);
		w->local[i][1] = snat_addr(&w->shm->ports[i], AF_INET6);
	}
	sl_port_range(id, w->nw, dp->cfg.dp.snat_port_lo, &w->port_first,
		      &w->port_last);
	/* Each round starts at a random port of the range, unless told not
	 * to: a restarted data plane that began again at the lowest port
	 * would reuse the tuples of its predecessor's last connections, which
	 * the backends still hold in TIME_WAIT. A client's SYN on such a
	 * tuple is refused when its timestamp looks older than the old
	 * connection's (other clients, other clocks). */
	if (!dp->cfg.dp.snat_port_low_first && w->port_first <= w->port_last)
		for (i = 0; i < LPORT_ROUNDS; i++)
			w->lport_next[i] = (uint16_t)(w->port_first +
				rte_rand_max(w->port_last - w->port_first +
					     1u));
	w->cur_vip = NO_VIP;
	sl_ct_set_expire_cb(w->ct, on_expire, w);
	sl_edge_init(w);
}

static void
rx_all(struct worker *w)
{
	struct rte_mbuf *pkts[SL_BURST];
	uint16_t n, i;
	uint32_t p;
	bool busy = false;

	for (p = 0; p < w->dp->nb_ports; p++) {
		STAGE_START();

		n = rte_eth_rx_burst(w->dp->port_ids[p], (uint16_t)w->id, pkts,
				     SL_BURST);
		STAGE(w, ST_RX);
		w->st->rx_pkts += n;
		for (i = 0; i < n; i++)
			w->st->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		handle_burst(w, pkts, n, false);
		busy |= n > 0;
	}
	if (w->id == 0) {
		/* ARP/ND from the main lcore, already addressed. */
		n = (uint16_t)rte_ring_dequeue_burst(w->dp->main_tx,
						     (void **)pkts, SL_BURST,
						     NULL);
		for (i = 0; i < n; i++)
			queue_tx(w, w->port_idx[pkts[i]->port], pkts[i]);
	}
	n = (uint16_t)rte_ring_dequeue_burst(w->ho, (void **)pkts, SL_BURST,
					     NULL);
	w->st->handoff_in += n;
	handle_burst(w, pkts, n, true);
	busy |= n > 0;
	{
		STAGE_START();

		for (p = 0; p < w->dp->nb_ports; p++)
			flush(w, (uint8_t)p);
		STAGE(w, ST_TX);
	}
	w->st->busy_loops += busy;
	w->busy = busy;
}

int
sl_worker_main(void *arg)
{
	static struct worker workers[SL_MAX_WORKERS];
	struct sl_dp *dp = arg;
	struct worker *w;
	uint64_t hz_ms = rte_get_tsc_hz() / 1000, loops = 0;
	uint32_t id = 0, lcore = rte_lcore_id(), i;

	RTE_LCORE_FOREACH_WORKER(i) {
		if (i == lcore)
			break;
		id++;
	}
	w = &workers[id];
	worker_init(w, dp);
	rte_rcu_qsbr_thread_register(dp->shm->qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp->shm->qsbr, w->id);
	while (!dp->shm->stopping) {
		w->now = (uint32_t)(rte_get_tsc_cycles() / hz_ms);
		if ((loops++ & 15) == 0) {
			poll_config(w);
			w->now_s = (uint32_t)(dp->shm->wall_start_s +
					      (rte_get_tsc_cycles() -
					       dp->shm->tsc_start) /
					      rte_get_tsc_hz());
			w->st->loops = loops;
			w->st->now_ms = w->now;
		}
		/* Until the first snapshot arrives packets wait in the NIC:
		 * with no services there is nothing to do with them. */
		if (likely(w->snap != NULL)) {
#ifdef SL_AB_PHASES
			uint64_t ab_t = rte_rdtsc(), ab_p = w->st->rx_pkts;

			sl_ab = (int)((w->now / 250) & 1);
#endif
			rx_all(w);
#ifdef SL_AB_PHASES
			w->ab_pkts[sl_ab] += w->st->rx_pkts - ab_p;
			w->ab_cycles[sl_ab] += rte_rdtsc() - ab_t;
#endif
			{
				STAGE_START();

				uint64_t nf = w->st->new_flows;

				sl_ct_sweep(w->ct, w->now, w->busy ?
					    SWEEP_BUSY + SWEEP_PER_NEW *
					    (uint32_t)(nf - w->swept_at) :
					    SWEEP_IDLE);
				w->swept_at = nf;
				STAGE(w, ST_SWEEP);
			}
		}
		rte_rcu_qsbr_quiescent(dp->shm->qsbr, w->id);
	}
	rte_rcu_qsbr_thread_offline(dp->shm->qsbr, w->id);
#ifdef SL_STAGE_CYCLES
	for (i = 0; i < ST_MAX; i++)
		DP_LOG(INFO, "worker %u: stage %-9s %14lu cycles, %6.1f per rx "
		       "packet", w->id, stage_names[i], w->stage[i],
		       (double)w->stage[i] / (w->st->rx_pkts ? w->st->rx_pkts :
					      1));
#endif
#ifdef SL_AB_PHASES
	for (i = 0; i < 2; i++)
		DP_LOG(INFO, "worker %u: sl_ab %u: %lu packets, %lu cycles, "
		       "%.1f cycles per packet", w->id, i, w->ab_pkts[i],
		       w->ab_cycles[i], (double)w->ab_cycles[i] /
		       (w->ab_pkts[i] ? w->ab_pkts[i] : 1));
#endif
	return 0;
}
