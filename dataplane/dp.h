/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-dataplane: the process-wide context shared by its modules.
 */
#ifndef SL_DP_H
#define SL_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sl_config.h"
#include "sl_shm.h"

/* One log type per module, registered as sluice.MODULE (set levels with
 * EAL --log-level=sluice.port:debug). */
extern int sl_dp_logtype, sl_port_logtype, sl_neigh_logtype, sl_tel_logtype;
#define SL_LOG(mod, level, fmt, ...) \
	rte_log(RTE_LOG_##level, sl_##mod##_logtype, "sluice." #mod ": " \
		fmt "\n", ##__VA_ARGS__)
#define DP_LOG(level, fmt, ...) SL_LOG(dp, level, fmt, ##__VA_ARGS__)

#define SL_BURST	64
#define SL_NO_NEIGH	0xffff

/* Routes: the configured ones and one per port address (connected). */
#define SL_DP_ROUTES	(SL_MAX_ROUTES + SL_MAX_PORTS * SL_MAX_PORT_ADDRS)

/* One route: connected (via unset: the destination is the next hop) or
 * static. Egress port resolved at start. Read-only after start. */
struct sl_route {
	struct sl_prefix_match m;	/* dst, prepared */
	struct sl_prefix dst;
	struct sl_addr via;
	uint8_t port;
	bool connected;
};

struct sl_dp {
	struct sl_config cfg;		/* as loaded at start */
	struct sl_shm *shm;
	struct rte_mempool *pool;
	uint16_t port_ids[SL_MAX_PORTS];	/* config index -> ethdev */
	uint32_t nb_ports;
	uint32_t nb_workers;
	struct sl_route routes[SL_DP_ROUTES];
	uint32_t nb_routes;
	struct rte_ring *main_ring;	/* MP/SC: ARP/ND mbufs */
	struct rte_ring *resolve_ring;	/* MP/SC: struct sl_addr */
	struct rte_ring *main_tx;	/* SP/SC: main -> worker 0 -> wire */
	struct rte_ring *handoff[SL_MAX_WORKERS];
	struct rte_ring *cfg_ring[SL_MAX_WORKERS];
	volatile bool quit;
};

extern struct sl_dp sl_dp;

/* sl_l2_set() for any other header length or a tagged port (neigh.c). */
int sl_l2_set_general(struct rte_mbuf *m, uint16_t l3_off,
		      const struct sl_shm_port *p, const uint8_t *dst,
		      uint16_t ethertype);

/* Rewrites the L2 header of m, whose L3 header starts at l3_off, for
 * transmission on port p to dst: untagged, or with p's VLAN. Returns 0, or
 * -1 when there is no headroom (never with our pool).
 *
 * Inline for the usual case, an untagged frame out of an untagged port:
 * both MACs are loaded before the first store (the frame is bytes, which
 * the compiler must assume alias p and dst: stored first, each field was
 * loaded again, and p's address computed again, after every store). */
static inline int
sl_l2_set(struct rte_mbuf *m, uint16_t l3_off, const struct sl_shm_port *p,
	  const uint8_t *dst, uint16_t ethertype)
{
	uint16_t d1, s1, et_be = rte_cpu_to_be_16(ethertype);
	uint32_t d0, s0;
	uint8_t *h;

	if (unlikely((l3_off ^ RTE_ETHER_HDR_LEN) | p->vlan))
		return sl_l2_set_general(m, l3_off, p, dst, ethertype);
	memcpy(&d0, dst, 4);
	memcpy(&d1, dst + 4, 2);
	memcpy(&s0, p->mac, 4);
	memcpy(&s1, p->mac + 4, 2);
	h = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(h, &d0, 4);
	memcpy(h + 4, &d1, 2);
	memcpy(h + 6, &s0, 4);
	memcpy(h + 10, &s1, 2);
	memcpy(h + 12, &et_be, 2);
	return 0;
}

/* route.c / neigh.c */
int sl_routes_init(struct sl_dp *dp);
/* Longest-prefix match; returns 0 with port and next hop, or -ENOENT. */
int sl_route_lookup(const struct sl_dp *dp, const struct sl_addr *dst,
		    uint8_t *port, struct sl_addr *nh);
/* The route sl_route_lookup() takes (an element of dp->routes, which are
 * set once, at start), NULL when none. */
const struct sl_route *sl_route_find(const struct sl_dp *dp,
				     const struct sl_addr *dst);
int sl_neigh_find(const struct sl_neigh *tab, const struct sl_addr *a);
bool sl_dp_is_port_addr(const struct sl_dp *dp, const struct sl_addr *a,
			int *port);
void sl_neigh_static_init(struct sl_dp *dp);
void sl_main_poll(struct sl_dp *dp, uint64_t now_ms);

/* port.c */
int sl_ports_init(struct sl_dp *dp);
void sl_ports_stop(struct sl_dp *dp);

/* telemetry.c */
int sl_telemetry_init(struct sl_dp *dp);
void sl_telemetry_fini(void);

/* worker.c */
int sl_worker_main(void *arg);

#endif
