/* SPDX-License-Identifier: BSD-3-Clause
 * The shared state between sluice-dataplane (creates it) and sluice-control
 * (attaches as a DPDK secondary): one memzone, this one layout, versioned.
 *
 * Writers, by field:
 *   data plane main lcore: everything at creation; ports[], neigh[]
 *   worker w: stats.w[w], vip_stats[w][], be_stats[w][], wk[w]
 *   control plane: ctl (its pid, heartbeat, last pushed snapshot)
 * Counters are plain uint64_t with one writer; readers sum over workers.
 */
#ifndef SL_SHM_H
#define SL_SHM_H

#include <stdint.h>
#include <sys/types.h>

#include "sl_common.h"
#include "sl_ct.h"
#include "sl_pkt.h"
#include "sl_snapshot.h"

#define SL_SHM_NAME	"sluice_shm"
#define SL_SHM_MAGIC	0x4d48534cu	/* "LSHM" */
#define SL_SHM_VERSION	1
#define SL_CACHE_LINE	64

#define SL_CFG_RING_FMT	"sl_cfg_%u"	/* per worker, SP/SC, snapshots */
#define SL_CFG_RING_SIZE 64
#define SL_HANDOFF_RING_FMT "sl_ho_%u"	/* per worker, MP/SC, mbufs */
#define SL_HANDOFF_RING_SIZE 4096
#define SL_MAIN_RING	"sl_main"	/* workers -> main lcore: ARP/ND */
#define SL_RESOLVE_RING	"sl_resolve"	/* workers -> main: addresses */

struct rte_rcu_qsbr;

/* Per worker, written by that worker only. */
struct sl_worker_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t fwd_pkts;		/* client -> backend */
	uint64_t rev_pkts;		/* backend -> client */
	uint64_t replied;		/* ICMP echo answered */
	uint64_t to_main;		/* ARP/ND handed to the main lcore */
	uint64_t handoff_out;		/* sent to the owning worker */
	uint64_t handoff_in;		/* received from another worker */
	uint64_t new_flows;
	uint64_t expired_flows;
	uint64_t flows_active;
	uint64_t drops[SL_DROP_MAX];
	uint64_t epoch;			/* snapshot epoch this worker runs */
	uint64_t loops;
	uint64_t busy_loops;		/* loops that handled packets */
	uint64_t now_ms;		/* the worker's clock, last loop */
} __attribute__((aligned(SL_CACHE_LINE)));

/* The first SL_WORKER_FIELDS counters of struct sl_worker_stats, by name,
 * for every renderer (sluicectl, /metrics, DPDK telemetry). */
#define SL_WORKER_FIELDS 13
extern const char *const sl_worker_fields[SL_WORKER_FIELDS];

static inline uint64_t
sl_worker_field(const struct sl_worker_stats *s, unsigned int i)
{
	return ((const uint64_t *)s)[i];
}

_Static_assert(__builtin_offsetof(struct sl_worker_stats, flows_active) ==
	       (SL_WORKER_FIELDS - 1) * sizeof(uint64_t),
	       "sl_worker_fields[] follows struct sl_worker_stats");

struct sl_vip_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t active_flows;		/* inc on insert, dec on remove */
	uint64_t drops;
};

struct sl_backend_stats {
	uint64_t pkts;			/* both directions */
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t active_flows;
};

struct sl_shm_port {
	char name[SL_NAME_MAX];
	uint16_t port_id;
	uint8_t mac[6];
	uint16_t vlan;
	uint32_t nb_addrs;
	struct sl_prefix addrs[SL_MAX_PORT_ADDRS];
	uint32_t nb_snat;
	struct sl_addr snat[SL_MAX_SNAT_ADDRS];
};

#define SL_NEIGH_MAX	1024		/* power of two */
enum sl_neigh_state {
	SL_NEIGH_EMPTY = 0,
	SL_NEIGH_INCOMPLETE,		/* asked, no answer yet */
	SL_NEIGH_REACHABLE,
	SL_NEIGH_STATIC,
};

/* Open-addressed by address hash; entries are never removed, so an index
 * stays valid for the life of the data plane. Written by the main lcore
 * only: mac and port first, then state (release); workers read state
 * (acquire) before mac. */
struct sl_neigh {
	struct sl_addr addr;
	uint8_t mac[6];
	uint8_t port;
	volatile uint8_t state;
	uint64_t updated_ms;
	uint64_t probes;
};

struct sl_shm_ctl {
	volatile int32_t pid;		/* control plane pid, 0 = none */
	volatile uint64_t heartbeat_ms;
	/* Last snapshot pushed to every ring, for a restarted control plane
	 * to find (and later free) and to recover ids from. */
	struct sl_snapshot *volatile current;
	volatile uint64_t epoch;
	volatile uint32_t next_gen;	/* sl_ids generation counter */
};

struct sl_shm {
	uint32_t magic;
	uint32_t version;
	uint64_t dp_start_ns;		/* identifies this data plane run */
	int32_t dp_pid;
	uint32_t nb_workers;
	uint32_t nb_ports;
	uint32_t ct_capacity;		/* per worker */
	volatile uint32_t stopping;
	uint64_t hz;			/* TSC ticks per second */
	volatile uint64_t mbufs_total;	/* main lcore: the packet pool */
	volatile uint64_t mbufs_in_use;	/* main lcore, every poll */

	struct rte_rcu_qsbr *qsbr;	/* thread id = worker index */
	struct sl_ct *ct[SL_MAX_WORKERS];
	struct sl_vip_stats (*vip_stats)[SL_MAX_VIPS];		/* [worker] */
	struct sl_backend_stats (*be_stats)[SL_MAX_BACKENDS];	/* [worker] */
	uint32_t worker_lcore[SL_MAX_WORKERS];

	struct sl_shm_port ports[SL_MAX_PORTS];
	struct sl_shm_ctl ctl __attribute__((aligned(SL_CACHE_LINE)));

	struct sl_worker_stats w[SL_MAX_WORKERS];
	struct sl_worker_stats main_stats;	/* main lcore: ARP/ND */

	struct sl_neigh neigh[SL_NEIGH_MAX];
};

#endif
