/* SPDX-License-Identifier: BSD-3-Clause
 * Routes, neighbours, and the main lcore's ARP / IPv6 ND. Workers hand
 * every ARP and ND packet to the main lcore (SL_MAIN_RING) and ask it to
 * resolve unknown next hops (SL_RESOLVE_RING); the main lcore is the only
 * writer of the neighbour table. It also resolves every backend's and
 * gateway's next hop ahead of traffic, once a second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "sl_csum.h"
#include "sl_pkt.h"

#define PROBE_GAP_MS	200	/* at most one probe per neighbour per gap */
#define REFRESH_MS	30000	/* re-probe reachable neighbours */
#define SCAN_MS		1000

/* ---- L2 headers ---- */

int
sl_l2_set_general(struct rte_mbuf *m, uint16_t l3_off,
		  const struct sl_shm_port *p, const uint8_t *dst,
		  uint16_t ethertype)
{
	uint16_t want = p->vlan ? 18 : 14, et_be = rte_cpu_to_be_16(ethertype);
	uint8_t *h;

	if (l3_off > want)
		rte_pktmbuf_adj(m, l3_off - want);
	else if (l3_off < want && !rte_pktmbuf_prepend(m, want - l3_off))
		return -1;
	h = rte_pktmbuf_mtod(m, uint8_t *);
	memmove(h, dst, 6);
	memcpy(h + 6, p->mac, 6);
	if (p->vlan) {
		uint16_t tag[2] = { rte_cpu_to_be_16(SL_ETHERTYPE_VLAN),
				    rte_cpu_to_be_16(p->vlan) };

		memcpy(h + 12, tag, 4);
		h += 4;
	}
	memcpy(h + 12, &et_be, 2);
	return 0;
}

/* ---- routes ---- */

/* Longest prefix first, so that a lookup stops at its first match (a
 * stable insertion sort: of equal lengths, connected before static, each
 * in config order). */
static void
routes_sort(struct sl_route *rt, uint32_t n)
{
	struct sl_route t;
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		t = rt[i];
		for (j = i; j > 0 && rt[j - 1].dst.plen < t.dst.plen; j--)
			rt[j] = rt[j - 1];
		rt[j] = t;
	}
}

/* The first of n routes sorted longest first that holds dst. */
static inline const struct sl_route *
route_find(const struct sl_route *r, uint32_t n, const struct sl_addr *dst)
{
	const struct sl_route *end = r + n;

	for (; r < end; r++)
		if (sl_prefix_match(&r->m, dst))
			return r;
	return NULL;
}

int
sl_routes_init(struct sl_dp *dp)
{
	const struct sl_config *c = &dp->cfg;
	const struct sl_route *gw;
	uint32_t i, j, nconn;

	dp->nb_routes = 0;
	for (i = 0; i < c->nb_ports; i++) {
		for (j = 0; j < c->ports[i].nb_addrs; j++) {
			struct sl_route *r = &dp->routes[dp->nb_routes++];

			r->dst = c->ports[i].addrs[j];
			/* Connected prefixes carry host bits: masked here. */
			sl_prefix_match_init(&r->m, &r->dst.addr, r->dst.plen);
			r->connected = true;
			r->port = (uint8_t)i;
		}
	}
	nconn = dp->nb_routes;
	routes_sort(dp->routes, nconn);
	for (i = 0; i < c->nb_routes; i++) {
		struct sl_route *r = &dp->routes[dp->nb_routes];

		r->dst = c->routes[i].dst;
		sl_prefix_match_init(&r->m, &r->dst.addr, r->dst.plen);
		r->via = c->routes[i].via;
		r->connected = false;
		/* The gateway must be on a connected subnet. */
		gw = route_find(dp->routes, nconn, &r->via);
		if (gw == NULL) {
			char a[SL_ADDRSTRLEN];

			SL_LOG(neigh, ERR, "route via %s: gateway not on any port",
			       sl_addr_fmt(&r->via, a, sizeof(a)));
			return -EINVAL;
		}
		r->port = gw->port;
		dp->nb_routes++;
	}
	routes_sort(dp->routes, dp->nb_routes);
	return 0;
}

const struct sl_route *
sl_route_find(const struct sl_dp *dp, const struct sl_addr *dst)
{
	return route_find(dp->routes, dp->nb_routes, dst);
}

/* Every new flow's client comes here: a few ANDs per route, no calls. */
int
sl_route_lookup(const struct sl_dp *dp, const struct sl_addr *dst,
		uint8_t *port, struct sl_addr *nh)
{
	const struct sl_route *r = sl_route_find(dp, dst);

	if (r == NULL)
		return -ENOENT;
	*port = r->port;
	*nh = r->connected ? *dst : r->via;
	return 0;
}

bool
sl_dp_is_port_addr(const struct sl_dp *dp, const struct sl_addr *a, int *port)
{
	uint32_t i, j;

	for (i = 0; i < dp->nb_ports; i++) {
		const struct sl_shm_port *p = &dp->shm->ports[i];

		for (j = 0; j < p->nb_addrs; j++)
			if (sl_addr_eq(&p->addrs[j].addr, a))
				goto found;
		for (j = 0; j < p->nb_snat; j++)
			if (sl_addr_eq(&p->snat[j], a))
				goto found;
		continue;
found:
		if (port)
			*port = (int)i;
		return true;
	}
	return false;
}

/* ---- neighbour table ---- */

static uint32_t
neigh_slot(const struct sl_addr *a)
{
	uint32_t h = a->w[0] ^ a->w[1] ^ a->w[2] ^ a->w[3] ^ a->family;

	h ^= h >> 16;
	h *= 0x45d9f3b;
	h ^= h >> 16;
	return h & (SL_NEIGH_MAX - 1);
}

int
sl_neigh_find(const struct sl_neigh *tab, const struct sl_addr *a)
{
	uint32_t s = neigh_slot(a), n;

	for (n = 0; n < SL_NEIGH_MAX; n++, s = (s + 1) & (SL_NEIGH_MAX - 1)) {
		const struct sl_neigh *e = &tab[s];

		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) ==
		    SL_NEIGH_EMPTY)
			return -1;
		if (sl_addr_eq(&e->addr, a))
			return (int)s;
	}
	return -1;
}

/* Main lcore only. Returns the entry for a, creating it INCOMPLETE. */
static struct sl_neigh *
neigh_get(struct sl_dp *dp, const struct sl_addr *a, uint8_t port)
{
	struct sl_neigh *tab = dp->shm->neigh;
	uint32_t s = neigh_slot(a), n;

	for (n = 0; n < SL_NEIGH_MAX; n++, s = (s + 1) & (SL_NEIGH_MAX - 1)) {
		struct sl_neigh *e = &tab[s];

		if (e->state == SL_NEIGH_EMPTY) {
			e->addr = *a;
			e->port = port;
			__atomic_store_n(&e->state, SL_NEIGH_INCOMPLETE,
					 __ATOMIC_RELEASE);
			return e;
		}
		if (sl_addr_eq(&e->addr, a))
			return e;
	}
	return NULL;	/* full: counted by the caller */
}

static void
neigh_learn(struct sl_dp *dp, const struct sl_addr *a, const uint8_t *mac,
	    uint8_t port, uint64_t now)
{
	struct sl_neigh *e = neigh_get(dp, a, port);

	if (e == NULL || e->state == SL_NEIGH_STATIC)
		return;
	memcpy(e->mac, mac, 6);
	e->port = port;
	e->updated_ms = now;
	__atomic_store_n(&e->state, SL_NEIGH_REACHABLE, __ATOMIC_RELEASE);
}

void
sl_neigh_static_init(struct sl_dp *dp)
{
	uint32_t i;

	for (i = 0; i < dp->cfg.nb_neigh; i++) {
		const struct sl_neigh_conf *nc = &dp->cfg.neigh[i];
		struct sl_addr nh;
		uint8_t port = 0;
		struct sl_neigh *e;

		sl_route_lookup(dp, &nc->addr, &port, &nh);
		e = neigh_get(dp, &nc->addr, port);
		if (e == NULL)
			continue;
		memcpy(e->mac, nc->mac, 6);
		__atomic_store_n(&e->state, SL_NEIGH_STATIC, __ATOMIC_RELEASE);
	}
}

/* ---- packets from the main lcore ---- */

static const struct sl_addr *
port_src_addr(const struct sl_shm_port *p, int family)
{
	uint32_t i;

	for (i = 0; i < p->nb_addrs; i++)
		if (p->addrs[i].addr.family == family)
			return &p->addrs[i].addr;
	return NULL;
}

static void
main_tx(struct sl_dp *dp, uint8_t port, struct rte_mbuf *m)
{
	struct sl_worker_stats *st = &dp->shm->main_stats;

	m->port = dp->port_ids[port];
	if (rte_ring_enqueue(dp->main_tx, m) == 0) {
		st->tx_pkts++;
	} else {
		st->drops[SL_DROP_TX_FULL]++;
		rte_pktmbuf_free(m);
	}
}

static void
arp_fill(uint8_t *arp, uint16_t op, const uint8_t *sha, const uint8_t *spa,
	 const uint8_t *tha, const uint8_t *tpa)
{
	static const uint8_t hdr[6] = { 0, 1, 0x08, 0, 6, 4 };

	memcpy(arp, hdr, 6);
	arp[6] = (uint8_t)(op >> 8);
	arp[7] = (uint8_t)op;
	memcpy(arp + 8, sha, 6);
	memcpy(arp + 14, spa, 4);
	memcpy(arp + 18, tha, 6);
	memcpy(arp + 24, tpa, 4);
}

static void
send_probe(struct sl_dp *dp, struct sl_neigh *e, uint64_t now)
{
	const struct sl_shm_port *p = &dp->shm->ports[e->port];
	const struct sl_addr *src = port_src_addr(p, e->addr.family);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct rte_mbuf *m;
	uint8_t *l3, dst[6];

	if (src == NULL || now - e->updated_ms < PROBE_GAP_MS)
		return;
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL)
		return;
	e->updated_ms = now;
	e->probes++;
	l3 = (uint8_t *)rte_pktmbuf_append(m, e->addr.family == AF_INET ?
					   28 : 40 + 32);
	if (l3 == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (e->addr.family == AF_INET) {
		arp_fill(l3, 1, p->mac, src->b, zero, e->addr.b);
		sl_l2_set(m, 0, p, bcast, SL_ETHERTYPE_ARP);
	} else {
		/* Neighbour solicitation to the solicited-node group. */
		uint8_t *icmp;

		memset(l3, 0, 72);
		l3[0] = 0x60;
		l3[5] = 32;
		l3[6] = IPPROTO_ICMPV6;
		l3[7] = 255;
		memcpy(l3 + 8, src->b, 16);
		l3[24] = 0xff;
		l3[25] = 0x02;
		l3[35] = 0x01;
		l3[36] = 0xff;
		memcpy(l3 + 37, e->addr.b + 13, 3);
		icmp = l3 + 40;
		icmp[0] = 135;
		memcpy(icmp + 8, e->addr.b, 16);
		icmp[24] = 1;	/* source link-layer address option */
		icmp[25] = 1;
		memcpy(icmp + 26, p->mac, 6);
		{
			uint16_t cs = sl_csum_l4(AF_INET6, l3, IPPROTO_ICMPV6,
						 icmp, 32);
			memcpy(icmp + 2, &cs, 2);
		}
		dst[0] = 0x33;
		dst[1] = 0x33;
		memcpy(dst + 2, l3 + 36, 4);
		sl_l2_set(m, 0, p, dst, SL_ETHERTYPE_IPV6);
	}
	main_tx(dp, e->port, m);
}

static bool
is_own_addr(struct sl_dp *dp, const struct sl_snapshot *snap,
	    const struct sl_addr *a)
{
	return sl_dp_is_port_addr(dp, a, NULL) ||
	       (snap && sl_snap_is_vip_addr(snap, a));
}

static void
handle_arp(struct sl_dp *dp, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	   const struct sl_snapshot *snap, uint64_t now)
{
	uint8_t *arp = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l3_off);
	uint8_t port = (uint8_t)m->hash.usr;	/* config index, set below */
	uint16_t op = (uint16_t)(arp[6] << 8 | arp[7]);
	struct sl_addr spa, tpa;
	uint8_t sha[6];
	uint32_t v4;

	memcpy(&v4, arp + 14, 4);	/* ARP fields are not 4-byte aligned */
	sl_addr_from_v4(&spa, v4);
	memcpy(&v4, arp + 24, 4);
	sl_addr_from_v4(&tpa, v4);
	memcpy(sha, arp + 8, 6);
	if (!is_own_addr(dp, snap, &tpa)) {
		/* Still learn from replies to our probes. */
		if (op == 2 && sl_neigh_find(dp->shm->neigh, &spa) >= 0)
			neigh_learn(dp, &spa, sha, port, now);
		rte_pktmbuf_free(m);
		return;
	}
	if (spa.w[0] != 0)
		neigh_learn(dp, &spa, sha, port, now);
	if (op != 1) {
		rte_pktmbuf_free(m);
		return;
	}
	arp_fill(arp, 2, dp->shm->ports[port].mac, tpa.b, sha, spa.b);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - (pi->l3_off + 28));
	sl_l2_set(m, pi->l3_off, &dp->shm->ports[port], sha, SL_ETHERTYPE_ARP);
	dp->shm->main_stats.replied++;
	main_tx(dp, port, m);
}

/* Finds an ND option of type t in the options area; returns the 6-byte
 * link-layer address or NULL. */
static const uint8_t *
nd_lladdr(const uint8_t *opt, uint32_t len, uint8_t t)
{
	while (len >= 8 && opt[1] != 0 && (uint32_t)opt[1] * 8 <= len) {
		if (opt[0] == t && opt[1] == 1)
			return opt + 2;
		len -= opt[1] * 8u;
		opt += opt[1] * 8u;
	}
	return NULL;
}

static void
handle_nd(struct sl_dp *dp, struct rte_mbuf *m, const struct sl_pkt_info *pi,
	  const struct sl_snapshot *snap, uint64_t now)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l3_off);
	uint8_t *icmp = ip + 40, port = (uint8_t)m->hash.usr;
	const uint8_t *ll;
	struct sl_addr target, src;
	uint8_t dst[6];
	uint16_t cs;

	if (pi->l4_len < 24 || ip[7] != 255 || icmp[1] != 0)
		goto drop;	/* RFC 4861 7.1.1: hop limit 255, code 0 */
	sl_addr_from_v6(&target, icmp + 8);
	sl_addr_from_v6(&src, ip + 8);
	if (pi->icmp_type == 136) {	/* advertisement */
		ll = nd_lladdr(icmp + 24, pi->l4_len - 24, 2);
		if (ll && sl_neigh_find(dp->shm->neigh, &target) >= 0)
			neigh_learn(dp, &target, ll, port, now);
		goto drop;
	}
	if (pi->icmp_type != 135 || !is_own_addr(dp, snap, &target))
		goto drop;
	ll = nd_lladdr(icmp + 24, pi->l4_len - 24, 1);
	if (ll == NULL)
		goto drop;	/* DAD (unspecified source) needs no answer */
	neigh_learn(dp, &src, ll, port, now);
	memcpy(dst, ll, 6);	/* ll points into what is rewritten below */
	/* Turn the solicitation into a solicited advertisement. */
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - (pi->l3_off + 40 + 32));
	ip[4] = 0;
	ip[5] = 32;
	memcpy(ip + 24, ip + 8, 16);
	memcpy(ip + 8, target.b, 16);
	memset(icmp, 0, 32);
	icmp[0] = 136;
	icmp[4] = 0x60;		/* solicited, override */
	memcpy(icmp + 8, target.b, 16);
	icmp[24] = 2;
	icmp[25] = 1;
	memcpy(icmp + 26, dp->shm->ports[port].mac, 6);
	cs = sl_csum_l4(AF_INET6, ip, IPPROTO_ICMPV6, icmp, 32);
	memcpy(icmp + 2, &cs, 2);
	sl_l2_set(m, pi->l3_off, &dp->shm->ports[port], dst,
		  SL_ETHERTYPE_IPV6);
	dp->shm->main_stats.replied++;
	main_tx(dp, port, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

static int
port_index(const struct sl_dp *dp, uint16_t port_id)
{
	uint32_t i;

	for (i = 0; i < dp->nb_ports; i++)
		if (dp->port_ids[i] == port_id)
			return (int)i;
	return -1;
}

static void
resolve(struct sl_dp *dp, const struct sl_addr *a, uint64_t now)
{
	struct sl_addr nh;
	struct sl_neigh *e;
	uint8_t port;

	if (sl_route_lookup(dp, a, &port, &nh) < 0)
		return;
	e = neigh_get(dp, &nh, port);
	if (e == NULL) {
		dp->shm->main_stats.drops[SL_DROP_NO_NEIGH]++;
		return;
	}
	if (e->state == SL_NEIGH_INCOMPLETE ||
	    (e->state == SL_NEIGH_REACHABLE && now - e->updated_ms > REFRESH_MS))
		send_probe(dp, e, now);
}

/* Resolves every backend's and gateway's next hop ahead of traffic. */
static void
scan_next_hops(struct sl_dp *dp, const struct sl_snapshot *snap, uint64_t now)
{
	uint32_t i, j;

	for (i = 0; i < dp->nb_routes; i++)
		if (!dp->routes[i].connected)
			resolve(dp, &dp->routes[i].via, now);
	if (snap == NULL)
		return;
	for (i = 0; i < snap->nb_vips; i++)
		for (j = 0; j < snap->vips[i].nb_backends; j++)
			resolve(dp, &snap->vips[i].backends[j].addr, now);
}

void
sl_main_poll(struct sl_dp *dp, uint64_t now)
{
	static uint64_t last_scan;
	const struct sl_snapshot *snap = dp->shm->ctl.current;
	struct rte_mbuf *pkts[SL_BURST];
	struct sl_addr addrs[16];
	struct sl_pkt_info pi;
	unsigned int n, i;
	int port;

	n = rte_ring_dequeue_burst(dp->main_ring, (void **)pkts, SL_BURST,
				   NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		dp->shm->main_stats.rx_pkts++;
		port = port_index(dp, m->port);
		if (port < 0 || sl_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *),
					     rte_pktmbuf_data_len(m), &pi)) {
			rte_pktmbuf_free(m);
			continue;
		}
		m->hash.usr = (uint32_t)port;
		if (pi.ethertype == SL_ETHERTYPE_ARP)
			handle_arp(dp, m, &pi, snap, now);
		else
			handle_nd(dp, m, &pi, snap, now);
	}
	n = rte_ring_dequeue_burst_elem(dp->resolve_ring, addrs,
					sizeof(addrs[0]), 16, NULL);
	for (i = 0; i < n; i++)
		resolve(dp, &addrs[i], now);
	if (now - last_scan >= SCAN_MS) {
		last_scan = now;
		scan_next_hops(dp, snap, now);
	}
}
