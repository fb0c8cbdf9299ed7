/* SPDX-License-Identifier: BSD-3-Clause
 * The edge policy on a worker's path (issue 5), for VIPs that have one
 * (sl_snap_vip.has_policy; the others never come here):
 *   - access rules, searched burst-wide with rte_acl (acl.c), denied
 *     packets dropped or answered with a RST / ICMP unreachable;
 *   - token buckets: per VIP packets/s and new connections/s (each worker
 *     holds an even share), per client prefix new connections/s (exact:
 *     such a VIP's flows are owned by the worker of the client's prefix);
 *   - the SYN proxy: SYNs answered with a cookie SYN-ACK and no state; a
 *     valid cookie ACK opens the flow and the backend handshake, then
 *     sequence numbers, timestamps and windows are translated;
 *   - PROXY protocol v2: a header before the client's first byte, and the
 *     sequence shift for the rest of the flow.
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "acl.h"
#include "sl_bytes.h"
#include "sl_tcp.h"
#include "worker.h"

/* How long the SYN proxy waits for the backend's SYN-ACK before a client
 * retransmission makes it send its SYN again. */
#define SYN_RESEND_MS	200

static inline uint32_t
tcp_payload(const uint8_t *frame, const struct sl_pkt_info *pi)
{
	return pi->l4_len - ((frame[pi->l4_off + 12] >> 4) * 4u);
}

/* A worker's share of a VIP-wide rate: an even split, at least 1. */
static inline uint32_t
share(uint32_t v, uint32_t nw)
{
	return v / nw ? v / nw : 1;
}

static inline bool
steered(const struct sl_snap_vip *v)
{
	return v->client_conn.rate != 0;
}

static void
client_of(const struct sl_snap_vip *v, const struct sl_pkt_info *pi,
	  struct sl_addr *c)
{
	struct sl_addr a;

	sl_flow_key_src(&pi->key, &a);
	sl_rl_client_key(&a, a.family == AF_INET ? v->client_plen4 :
			 v->client_plen6, c);
}

/* A VIP with a per-client limit: the worker of the client's prefix owns
 * its flows, so one bucket sees all of that client's connections. */
uint32_t
sl_edge_owner(const struct worker *w, const struct sl_snap_vip *v,
	      const struct sl_pkt_info *pi, uint32_t hash)
{
	struct sl_addr c;
	uint64_t h;

	if (!steered(v))
		return sl_hash_scale(hash, w->nw);
	client_of(v, pi, &c);
	h = ((uint64_t)c.w[0] << 32 | c.w[1]) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)c.w[2] << 32 | c.w[3]) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return sl_hash_scale((uint32_t)h, w->nw);
}

/* c->acl of a packet not searched yet: a TCP packet that cannot open a
 * flow is searched only when it needs a verdict (sl_edge_acl_flow(),
 * sl_edge_miss()), so established flows cost no search. */
#define ACL_LAZY	UINT32_MAX

static inline void
acl_key4(struct sl_acl_key4 *k, uint32_t vi, const struct pkt_ctx *c)
{
	memset(k, 0, sizeof(*k));
	k->vip_be = vi;
	k->src = c->pi.key.src[0];
}

static inline void
acl_key6(struct sl_acl_key6 *k, uint32_t vi, const struct pkt_ctx *c)
{
	memset(k, 0, sizeof(*k));
	k->vip_be = vi;
	memcpy(k->src, c->pi.key.src, 16);
}

/* Access rules for the packets of the burst to a VIP with rules that may
 * open a flow (a SYN, any UDP packet), one rte_acl search per family. */
void
sl_edge_acl_burst(struct worker *w, struct pkt_ctx *ctx, uint16_t n)
{
	const struct sl_snapshot *s = w->snap;
	struct sl_acl_key4 k4[SL_BURST];
	struct sl_acl_key6 k6[SL_BURST];
	const uint8_t *p4[SL_BURST], *p6[SL_BURST];
	uint32_t r4[SL_BURST], r6[SL_BURST];
	uint16_t i4[SL_BURST], i6[SL_BURST], n4 = 0, n6 = 0, i;

	for (i = 0; i < n; i++) {
		struct pkt_ctx *c = &ctx[i];
		uint32_t vi;

		if (c->kind != K_FWD || !c->mine || !c->v->has_acl)
			continue;
		if (c->pi.proto == IPPROTO_TCP &&
		    (c->pi.tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) !=
		    SL_TCP_SYN) {
			c->acl = ACL_LAZY;
			continue;
		}
		vi = htonl((uint32_t)(c->v - s->vips));
		if (c->pi.family == AF_INET) {
			acl_key4(&k4[n4], vi, c);
			p4[n4] = (const uint8_t *)&k4[n4];
			i4[n4++] = i;
		} else {
			acl_key6(&k6[n6], vi, c);
			p6[n6] = (const uint8_t *)&k6[n6];
			i6[n6++] = i;
		}
	}
	/* A family without rules has no context: its results stay 0. */
	if (n4 != 0 && sl_acl_classify(s->acl4, p4, r4, n4) == 0)
		for (i = 0; i < n4; i++)
			ctx[i4[i]].acl = r4[i];
	if (n6 != 0 && sl_acl_classify(s->acl6, p6, r6, n6) == 0)
		for (i = 0; i < n6; i++)
			ctx[i6[i]].acl = r6[i];
}

/* One packet's search, for a lazy one. */
static uint32_t
acl_search1(struct worker *w, const struct pkt_ctx *c)
{
	const struct sl_snapshot *s = w->snap;
	uint32_t vi = htonl((uint32_t)(c->v - s->vips)), r = 0;
	struct sl_acl_key4 k4;
	struct sl_acl_key6 k6;
	const uint8_t *p;

	if (c->pi.family == AF_INET) {
		acl_key4(&k4, vi, c);
		p = (const uint8_t *)&k4;
		if (sl_acl_classify(s->acl4, &p, &r, 1) < 0)
			r = 0;
	} else {
		acl_key6(&k6, vi, c);
		p = (const uint8_t *)&k6;
		if (sl_acl_classify(s->acl6, &p, &r, 1) < 0)
			r = 0;
	}
	return r;
}

/* Makes m's L3 packet (from l3_off on) the len bytes at l3. false when
 * m has no room. */
static bool
put_l3(struct rte_mbuf *m, uint32_t l3_off, const uint8_t *l3, uint32_t len)
{
	uint32_t want = l3_off + len, have = rte_pktmbuf_data_len(m);

	if (want > have) {
		if (rte_pktmbuf_append(m, (uint16_t)(want - have)) == NULL)
			return false;
	} else {
		rte_pktmbuf_trim(m, (uint16_t)(have - want));
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *) + l3_off, l3, len);
	return true;
}

/* Replaces m's L3 packet by l3 (len bytes) and sends it back where m came
 * from. Counted as replied. */
static void
reply(struct worker *w, struct rte_mbuf *m, const struct sl_pkt_info *pi,
      const uint8_t *l3, uint32_t len)
{
	if (!put_l3(m, pi->l3_off, l3, len))
		return drop(w, m, SL_DROP_NO_MBUF);
	sl_w_bounce(w, m);
}

static void
deny(struct worker *w, struct rte_mbuf *m, const struct sl_pkt_info *pi,
     const struct sl_snap_vip *v)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t buf[SL_ICMP_UNREACH_MAX];
	uint32_t len = 0;

	w->vst[v->id].pol[SL_VPOL_ACL_DENIED]++;
	if (v->deny_reply == SL_DENY_RST && pi->proto == IPPROTO_TCP)
		len = sl_tcp_rst_build(buf, frame, pi);
	else if (v->deny_reply == SL_DENY_ICMP)
		len = sl_icmp_unreach_build(buf, frame, pi);
	if (len == 0)
		return drop(w, m, SL_DROP_ACL_DENIED);
	w->vst[v->id].pol[SL_VPOL_ACL_REPLIES]++;
	reply(w, m, pi, buf, len);
}

/* Applies the search result of c (counted once: c->acl is cleared).
 * false when denied (m consumed). */
static bool
acl_decide(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c)
{
	const struct sl_acl_crule *r;
	uint32_t a = c->acl;

	c->acl = 0;
	if (a == 0 || a == ACL_LAZY)
		return true;
	r = &w->snap->acl[a - 1];
	w->acl_hits[r->id]++;
	if (r->action == SL_ACL_DENY) {
		deny(w, m, &c->pi, c->v);
		return false;
	}
	return true;
}

/* Every client -> VIP packet: the access rules (if already searched),
 * then the VIP's packet rate. false when m was consumed. */
bool
sl_edge_admit(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c)
{
	const struct sl_snap_vip *v = c->v;

	if (c->acl != 0 && c->acl != ACL_LAZY && !acl_decide(w, m, c))
		return false;
	if (v->pps.rate != 0 &&
	    !sl_tb_take(&w->vrt[v->id].pps, share(v->pps.rate, w->nw),
			share(v->pps.burst ? v->pps.burst : v->pps.rate, w->nw),
			w->now)) {
		w->vst[v->id].pol[SL_VPOL_RATE_PPS]++;
		drop(w, m, SL_DROP_RATE_PPS);
		return false;
	}
	return true;
}

/* A packet of an existing flow: searched only when the rules changed
 * since the flow last passed them (a rule added live cuts it at its next
 * packet). false when denied (m consumed). */
bool
sl_edge_acl_flow(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
		 struct sl_ct_entry *e)
{
	uint16_t gen = (uint16_t)w->snap->acl_gen;

	if (!c->v->has_acl || e->acl_gen == gen)
		return true;
	if (c->acl == ACL_LAZY)
		c->acl = acl_search1(w, c);
	if (!acl_decide(w, m, c))
		return false;
	e->acl_gen = gen;
	return true;
}

/* A new connection: the client's bucket first (one abusive client must
 * not drain the VIP's), then the VIP's. */
static bool
conn_ok(struct worker *w, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	const struct sl_snap_vip *v)
{
	struct sl_addr c;

	if (v->client_conn.rate != 0) {
		client_of(v, pi, &c);
		if (!sl_rl_take(w->rl, v->id, &c, v->client_conn.rate,
				v->client_conn.burst, w->now)) {
			w->vst[v->id].pol[SL_VPOL_RATE_CLIENT]++;
			drop(w, m, SL_DROP_RATE_CLIENT);
			return false;
		}
	}
	if (v->conn.rate != 0 &&
	    !sl_tb_take(&w->vrt[v->id].conn, share(v->conn.rate, w->nw),
			share(v->conn.burst ? v->conn.burst : v->conn.rate,
			      w->nw), w->now)) {
		w->vst[v->id].pol[SL_VPOL_RATE_CONN]++;
		drop(w, m, SL_DROP_RATE_CONN);
		return false;
	}
	return true;
}

/* Cookies for this SYN? Always, never, or (auto) while this worker sees
 * more than its share of the threshold in this second or the last. */
static bool
synproxy_on(struct worker *w, const struct sl_snap_vip *v)
{
	struct vip_rt *rt = &w->vrt[v->id];
	uint32_t thr, age;

	if (v->synproxy != SL_SYNPROXY_AUTO)
		return v->synproxy == SL_SYNPROXY_ON;
	age = w->now - rt->syn_start;
	if (age >= 1000) {
		rt->syn_prev = age >= 2000 ? 0 : rt->syn_count;
		rt->syn_start = w->now;
		rt->syn_count = 0;
	}
	rt->syn_count++;
	thr = share(v->synproxy_threshold, w->nw);
	return rt->syn_count > thr || rt->syn_prev > thr;
}

static uint32_t
pp2_len(uint8_t family)
{
	return family == AF_INET ? SL_PP2_LEN_V4 : SL_PP2_LEN_V6;
}

static void
cookie_reply(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
	     const struct sl_snap_vip *v)
{
	const uint8_t *tcp = rte_pktmbuf_mtod(m, uint8_t *) + pi->l4_off;
	uint8_t buf[SL_TCP_BUILD_HDR_MAX];
	struct sl_tcp_opts syn, ours;
	struct sl_tcp_seg seg;
	uint32_t isn = sl_rd32(tcp + 4);

	if (sl_tcp_opts_parse(tcp, &syn) < 0)
		return drop(w, m, SL_DROP_BAD_L4);
	memset(&seg, 0, sizeof(seg));
	seg.seq = sl_cookie_make(&w->shm->cookie_secret, &pi->key, isn, &syn,
				 v->synproxy_wscale, w->now_s, w->now, &ours);
	if (v->proxy_protocol && ours.mss > 536 + pp2_len(pi->family))
		ours.mss = (uint16_t)(ours.mss - pp2_len(pi->family));
	sl_flow_key_reverse(&pi->key, &seg.key);
	seg.ack = isn + 1;
	seg.flags = SL_TCP_SYN | SL_TCP_ACK;
	seg.win = 65535;
	seg.opts = &ours;
	w->vst[v->id].pol[SL_VPOL_COOKIES_SENT]++;
	w->vrt[v->id].cookie_ms = w->now ? w->now : 1;
	reply(w, m, pi, buf, sl_tcp_build(buf, &seg));
}

/* A new flow that is not a SYN proxy's: SYN cookies (m consumed) or the
 * connection limits. false when m was consumed. */
bool
sl_edge_open(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c)
{
	if (c->pi.proto == IPPROTO_TCP && synproxy_on(w, c->v)) {
		cookie_reply(w, m, &c->pi, c->v);
		return false;
	}
	return conn_ok(w, m, &c->pi, c->v);
}

static inline struct pending *
pend_slot(struct worker *w, const struct sl_ct_entry *e)
{
	return &w->pend[((uintptr_t)e >> 6) & (SL_PENDING - 1)];
}

/* Keeps the client's data until the backend has answered (one packet per
 * flow, one flow per slot). */
static bool
hold(struct worker *w, struct sl_ct_entry *e, struct rte_mbuf *m)
{
	struct pending *p = pend_slot(w, e);

	if (p->e != NULL)
		return false;
	p->e = e;
	p->m = m;
	sl_ct_ext(w->ct, e)->pflags |= SL_CT_P_PENDING;
	return true;
}

void
sl_edge_flow_gone(struct worker *w, const struct sl_ct_entry *e)
{
	struct pending *p = pend_slot(w, e);

	if (p->e != e)
		return;
	w->vst[e->vip_id].pol[SL_VPOL_SYNPROXY_WAIT]++;
	w->st->drops[SL_DROP_SYNPROXY_WAIT]++;
	rte_pktmbuf_free(p->m);
	p->e = NULL;
	p->m = NULL;
}

/* The held packet goes back through this worker's own ring, after the
 * ACK that completes the backend's handshake. */
static void
release(struct worker *w, struct sl_ct_entry *e)
{
	struct pending *p = pend_slot(w, e);

	sl_ct_ext(w->ct, e)->pflags &= (uint8_t)~SL_CT_P_PENDING;
	if (p->e != e)
		return;
	p->m->hash.usr = 0;
	sl_w_handoff(w, p->m, w->id);
	p->e = NULL;
	p->m = NULL;
}

/* The SYN toward the backend, with the client's ISN and the options its
 * SYN offered (from the cookie), written into reuse (the client's ACK,
 * without data) or into a new packet when reuse is NULL. */
static void
send_syn(struct worker *w, struct rte_mbuf *reuse,
	 const struct sl_pkt_info *pi, struct sl_ct_entry *e,
	 const struct sl_tcp_opts *syn, uint16_t win)
{
	uint8_t buf[SL_TCP_BUILD_HDR_MAX];
	struct sl_pkt_info spi = *pi;
	struct sl_tcp_opts o = *syn;
	const struct sl_addr *local = sl_w_local(w, e);
	struct sl_tcp_seg seg;
	struct rte_mbuf *s = reuse;
	uint32_t len;

	if (local == NULL) {
		if (reuse != NULL)
			drop(w, reuse, SL_DROP_NO_SNAT_PORT);
		return;
	}
	memset(&seg, 0, sizeof(seg));
	sl_ct_key_to_backend(e, local, &seg.key);
	seg.seq = sl_ct_ext(w->ct, e)->isn;
	seg.flags = SL_TCP_SYN;
	/* a SYN's window is never scaled */
	seg.win = (uint16_t)RTE_MIN(0xffffu, o.has_wscale ?
				    (uint32_t)win << o.wscale : win);
	o.tsecr = 0;
	seg.opts = &o;
	len = sl_tcp_build(buf, &seg);
	if (s == NULL) {
		s = rte_pktmbuf_alloc(w->dp->pool);
		if (s == NULL) {
			w->st->drops[SL_DROP_NO_MBUF]++;
			return;
		}
		spi.l3_off = SL_ETH_HLEN;
	}
	if (!put_l3(s, spi.l3_off, buf, len)) {
		if (s == reuse)
			return drop(w, s, SL_DROP_NO_MBUF);
		rte_pktmbuf_free(s);
		return;
	}
	if (s != reuse)
		w->st->generated++;
	w->st->fwd_pkts++;
	sl_w_xmit(w, s, &spi, e->out_port, &e->nh_backend, &seg.key);
}

/* The cookie of a client packet (ACK = cookie + 1) of flow key k with
 * ISN isn; fills syn with what the client's SYN offered. */
static bool
cookie_valid(struct worker *w, const uint8_t *tcp,
	     const struct sl_flow_key *k, uint32_t isn,
	     struct sl_tcp_opts *syn)
{
	struct sl_tcp_opts ao;

	return sl_tcp_opts_parse(tcp, &ao) == 0 &&
	       sl_cookie_check(&w->shm->cookie_secret, k, isn,
			       sl_rd32(tcp + 8) - 1, &ao, w->now_s, syn) == 0;
}

/* A pure ACK with no flow to a SYN-proxied VIP: a cookie's? Returns true
 * when it was one (m consumed). */
static bool
cookie_ack(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c)
{
	struct sl_pkt_info *pi = &c->pi;
	const struct sl_snap_vip *v = c->v;
	const uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *tcp = frame + pi->l4_off;
	uint32_t seq = sl_rd32(tcp + 4);
	struct sl_tcp_opts syn;
	struct sl_ct_entry *e;
	struct sl_ct_ext *x;

	if (!cookie_valid(w, tcp, &pi->key, seq - 1, &syn))
		return false;
	w->vst[v->id].pol[SL_VPOL_COOKIES_OK]++;
	if (!conn_ok(w, m, pi, v))
		return true;
	e = sl_w_flow_create(w, m, c, true);
	if (e == NULL)
		return true;
	x = sl_ct_ext(w->ct, e);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SL_TCP_SYN, w->now);
	x->pflags = SL_CT_P_SYNPROXY | (v->proxy_protocol ? SL_CT_P_PP2 : 0);
	x->isn = seq - 1;
	x->seq_delta = sl_rd32(tcp + 8) - 1; /* the cookie, till the backend's ISN */
	x->ts_delta = syn.has_ts ? syn.tsecr : 0;	/* our TSval, till then */
	x->ws_ours = syn.has_wscale ? v->synproxy_wscale : 0;
	x->cwin = sl_rd16(tcp + 14);
	if (tcp_payload(frame, pi) == 0) {
		send_syn(w, m, pi, e, &syn, sl_rd16(tcp + 14));
		return true;
	}
	send_syn(w, NULL, pi, e, &syn, sl_rd16(tcp + 14));
	if (!hold(w, e, m)) {
		w->vst[v->id].pol[SL_VPOL_SYNPROXY_WAIT]++;
		drop(w, m, SL_DROP_SYNPROXY_WAIT);
	}
	return true;
}

/* A client packet that found no flow and cannot open one: the ACK of a
 * SYN cookie, or (a VIP whose flows are owned by client prefix) a flow
 * opened before that ownership and owned by its 5-tuple's worker: one
 * more try there. Returns true when m was consumed. */
bool
sl_edge_miss(struct worker *w, struct rte_mbuf *m, struct pkt_ctx *c)
{
	uint32_t owner;

	if (c->acl == ACL_LAZY) {
		c->acl = acl_search1(w, c);
		if (!acl_decide(w, m, c))
			return true;
	}
	/* With the proxy turned off, cookies sent just before are still
	 * honoured: their clients believe they are connected. */
	if ((c->v->synproxy != SL_SYNPROXY_OFF ||
	     sl_edge_cookies_recent(w, c->v)) &&
	    (c->pi.tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST |
				SL_TCP_FIN)) == SL_TCP_ACK &&
	    cookie_ack(w, m, c))
		return true;
	if (steered(c->v) && !c->retried) {
		owner = sl_hash_scale(c->hash, w->nw);
		if (owner != w->id) {
			m->hash.usr = HANDOFF_RETRY;
			sl_w_handoff(w, m, owner);
			return true;
		}
	}
	if (c->v->synproxy != SL_SYNPROXY_OFF) {
		w->vst[c->v->id].pol[SL_VPOL_COOKIES_BAD]++;
		drop(w, m, SL_DROP_COOKIE_BAD);
		return true;
	}
	return false;
}

/* A flow just opened by a client SYN with an extension: a TCP flow of a
 * PROXY v2 VIP (forward() asked sl_w_flow_create() for one). */
void
sl_edge_flow_init(struct worker *w, struct sl_ct_entry *e,
		  const uint8_t *frame, const struct sl_pkt_info *pi)
{
	struct sl_ct_ext *x = sl_ct_ext(w->ct, e);

	x->pflags = SL_CT_P_PP2;
	x->isn = sl_rd32(frame + pi->l4_off + 4);
}

/* Client data of a SYN-proxied flow whose backend has not answered yet:
 * held (the first) or dropped (the client sends it again). */
bool
sl_edge_fwd_wait(struct worker *w, struct rte_mbuf *m, struct sl_ct_entry *e,
		 const struct sl_pkt_info *pi)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const struct sl_ct_ext *x = sl_ct_ext(w->ct, e);
	struct sl_tcp_opts syn;

	if (!(x->pflags & SL_CT_P_SYNPROXY) || e->state != SL_CT_SYN_SENT)
		return false;
	/* A client retransmitting while the backend has not answered for
	 * SYN_RESEND_MS: our SYN (or its answer) may be lost; send it again,
	 * its options recovered from the cookie the client acknowledges. */
	if (w->now - e->last_seen >= SYN_RESEND_MS &&
	    (pi->tcp_flags & SL_TCP_ACK) &&
	    cookie_valid(w, frame + pi->l4_off, &pi->key, x->isn, &syn)) {
		e->last_seen = w->now;
		send_syn(w, NULL, pi, e, &syn, sl_rd16(frame + pi->l4_off + 14));
	}
	if (tcp_payload(frame, pi) != 0 && !(x->pflags & SL_CT_P_PENDING) &&
	    hold(w, e, m))
		return true;
	w->vst[e->vip_id].pol[SL_VPOL_SYNPROXY_WAIT]++;
	drop(w, m, SL_DROP_SYNPROXY_WAIT);
	return true;
}

static bool
pp2_insert(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
	   struct sl_ct_entry *e)
{
	const struct sl_snap_vip *v = w->vip_by_id[e->vip_id];
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct sl_ct_ext *x = sl_ct_ext(w->ct, e);
	uint8_t hdr[SL_PP2_LEN_V6];
	uint32_t used = pi->l3_off + pi->l3_len, room, hlen;
	struct sl_flow_key k;
	int n;

	if (v == NULL) {	/* not while backend_gone() lets it pass */
		drop(w, m, SL_DROP_BACKEND_GONE);
		return false;
	}
	sl_ct_key_fwd(e, &v->addr, v->port_be, &k);
	hlen = sl_pp2_write(hdr, &k);

	if (rte_pktmbuf_data_len(m) > used)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - used));
	room = used + rte_pktmbuf_tailroom(m);
	n = sl_pp2_insert(frame, used, room, pi, hdr, hlen);
	if (n < 0 || rte_pktmbuf_append(m, (uint16_t)(n - used)) == NULL) {
		drop(w, m, SL_DROP_NO_MBUF);
		return false;
	}
	if (!(x->pflags & SL_CT_P_PP2_SENT))
		w->vst[e->vip_id].pol[SL_VPOL_PP2_SENT]++;
	x->pflags |= SL_CT_P_PP2_SENT;
	return true;
}

/* Client -> backend, after the NAT rewrite: the PROXY v2 header before
 * the first byte (again on a retransmission of it), the header's shift
 * after it, and the SYN proxy's translation of acks and TSecr. */
bool
sl_edge_fwd(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
	    struct sl_ct_entry *e)
{
	uint8_t *tcp = rte_pktmbuf_mtod(m, uint8_t *) + pi->l4_off;
	const struct sl_ct_ext *f = sl_ct_ext(w->ct, e);
	struct sl_tcp_xlate x = { 0 };
	uint32_t seq;

	if (pi->proto != IPPROTO_TCP)
		return true;
	if (f->pflags & SL_CT_P_SYNPROXY) {
		x.ack_sub = f->seq_delta;
		x.tsecr_sub = f->ts_delta;
	}
	if ((f->pflags & SL_CT_P_PP2) && !(pi->tcp_flags & SL_TCP_SYN)) {
		seq = sl_rd32(tcp + 4);
		if (seq == f->isn + 1 &&
		    tcp_payload(rte_pktmbuf_mtod(m, uint8_t *), pi) != 0) {
			if (!pp2_insert(w, m, pi, e))
				return false;
		} else if ((f->pflags & SL_CT_P_PP2_SENT) || seq != f->isn + 1) {
			x.seq_add = pp2_len(pi->family);
		}
	}
	if ((x.seq_add | x.ack_sub | x.tsecr_sub) != 0 &&
	    sl_tcp_xlate(tcp, &x) < 0) {
		drop(w, m, SL_DROP_BAD_L4);
		return false;
	}
	return true;
}

/* The backend's SYN-ACK to a SYN proxy's SYN: learn its ISN, timestamp
 * and window scale, answer with the ACK that completes its handshake, and
 * let the held client data go. */
static void
backend_synack(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
	       struct sl_ct_entry *e)
{
	const uint8_t *tcp = rte_pktmbuf_mtod(m, uint8_t *) + pi->l4_off;
	uint8_t buf[SL_TCP_BUILD_HDR_MAX];
	struct sl_tcp_opts o, ao;
	struct sl_tcp_seg seg;
	struct sl_ct_ext *x = sl_ct_ext(w->ct, e);
	uint32_t bisn = sl_rd32(tcp + 4);

	if (sl_tcp_opts_parse(tcp, &o) < 0)
		return drop(w, m, SL_DROP_BAD_L4);
	x->seq_delta -= bisn;
	x->ts_delta = o.has_ts ? x->ts_delta - o.tsval : 0;
	x->ws_backend = o.has_wscale ? o.wscale : 0;
	if (x->ws_backend != x->ws_ours)
		x->pflags |= SL_CT_P_WS;
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_REV, SL_TCP_SYN | SL_TCP_ACK,
		     w->now);
	sl_ct_update(e, IPPROTO_TCP, SL_CT_DIR_FWD, SL_TCP_ACK, w->now);
	memset(&seg, 0, sizeof(seg));
	memset(&ao, 0, sizeof(ao));
	sl_flow_key_reverse(&pi->key, &seg.key);
	seg.seq = x->isn + 1;
	seg.ack = bisn + 1;
	seg.flags = SL_TCP_ACK;
	/* The window the client announced (never more: a window must not
	 * shrink later); already in the client's scale, as the backend
	 * expects after the handshake. */
	seg.win = x->cwin;
	if (o.has_ts) {
		ao.has_ts = 1;
		ao.tsval = o.tsecr;	/* the client's, echoed */
		ao.tsecr = o.tsval;
		seg.opts = &ao;
	}
	reply(w, m, pi, buf, sl_tcp_build(buf, &seg));
	release(w, e);
}

/* Backend -> client of a SYN-proxied flow still opening: its SYN-ACK is
 * ours to answer; a RST goes on to the client in its sequence space;
 * nothing else is expected. Returns true when m was consumed. */
bool
sl_edge_rev_pre(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
		struct sl_ct_entry *e)
{
	const uint8_t *tcp = rte_pktmbuf_mtod(m, uint8_t *) + pi->l4_off;
	struct sl_ct_ext *x = sl_ct_ext(w->ct, e);

	if (!(x->pflags & SL_CT_P_SYNPROXY) || e->state != SL_CT_SYN_SENT ||
	    pi->proto != IPPROTO_TCP)
		return false;
	if ((pi->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK)) ==
	    (SL_TCP_SYN | SL_TCP_ACK)) {
		backend_synack(w, m, pi, e);
		return true;
	}
	if (pi->tcp_flags & SL_TCP_RST) {
		x->seq_delta = x->seq_delta + 1 - sl_rd32(tcp + 4);
		x->ts_delta = 0;
		return false;
	}
	drop(w, m, SL_DROP_SYNPROXY_WAIT);
	return true;
}

/* Backend -> client, after the NAT rewrite. */
bool
sl_edge_rev(struct worker *w, struct rte_mbuf *m, struct sl_pkt_info *pi,
	    struct sl_ct_entry *e)
{
	uint8_t *tcp = rte_pktmbuf_mtod(m, uint8_t *) + pi->l4_off;
	const struct sl_ct_ext *f = sl_ct_ext(w->ct, e);
	struct sl_tcp_xlate x = { 0 };

	if (pi->proto != IPPROTO_TCP)
		return true;
	if (f->pflags & SL_CT_P_SYNPROXY) {
		x.seq_add = f->seq_delta;
		x.tsval_add = f->ts_delta;
	}
	if (f->pflags & SL_CT_P_PP2_SENT)
		x.ack_sub = pp2_len(pi->family);
	if ((f->pflags & SL_CT_P_PP2) && (pi->tcp_flags & SL_TCP_SYN))
		sl_tcp_mss_lower(tcp, (uint16_t)pp2_len(pi->family));
	if ((f->pflags & SL_CT_P_WS) && !(pi->tcp_flags & SL_TCP_SYN))
		sl_tcp_win_rescale(tcp, f->ws_backend, f->ws_ours);
	if ((x.seq_add | x.ack_sub | x.tsval_add) != 0 &&
	    sl_tcp_xlate(tcp, &x) < 0) {
		drop(w, m, SL_DROP_BAD_L4);
		return false;
	}
	return true;
}

void
sl_edge_init(struct worker *w)
{
	w->rl = w->shm->rl[w->id];
	w->acl_hits = w->shm->acl_hits[w->id];
	memset(w->vrt, 0, sizeof(w->vrt));
	memset(w->pend, 0, sizeof(w->pend));
}
