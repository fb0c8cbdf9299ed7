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
#include "sl_tcp.h"

#define SL_SHM_NAME	"sluice_shm"
#define SL_SHM_MAGIC	0x4d48534cu	/* "LSHM" */
#define SL_SHM_VERSION	3
#define SL_CACHE_LINE	64

#define SL_CFG_RING_FMT	"sl_cfg_%u"	/* per worker, SP/SC, snapshots */
#define SL_CFG_RING_SIZE 64
#define SL_HANDOFF_RING_FMT "sl_ho_%u"	/* per worker, MP/SC, mbufs */
#define SL_HANDOFF_RING_SIZE 4096
#define SL_MAIN_RING	"sl_main"	/* workers -> main lcore: ARP/ND */
#define SL_RESOLVE_RING	"sl_resolve"	/* workers -> main: addresses */

struct rte_rcu_qsbr;
struct sl_rl_table;

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
	uint64_t generated;		/* packets Sluice made (SYN proxy) */
	uint64_t syn_refused;		/* a backend's bare ACK to a SYN */
	uint64_t drops[SL_DROP_MAX];
	uint64_t epoch;			/* snapshot epoch this worker runs */
	uint64_t loops;
	uint64_t busy_loops;		/* loops that handled packets */
	uint64_t now_ms;		/* the worker's clock, last loop */
} __attribute__((aligned(SL_CACHE_LINE)));

/* The first SL_WORKER_FIELDS counters of struct sl_worker_stats, by name,
 * for every renderer (sluicectl, /metrics, DPDK telemetry). */
#define SL_WORKER_FIELDS 15
extern const char *const sl_worker_fields[SL_WORKER_FIELDS];

static inline uint64_t
sl_worker_field(const struct sl_worker_stats *s, unsigned int i)
{
	return ((const uint64_t *)s)[i];
}

_Static_assert(__builtin_offsetof(struct sl_worker_stats, syn_refused) ==
	       (SL_WORKER_FIELDS - 1) * sizeof(uint64_t),
	       "sl_worker_fields[] follows struct sl_worker_stats");

/* Edge policy counters of a VIP, by name for every renderer. */
#define SL_VIP_POLICY_COUNTERS(X)					\
	X(ACL_DENIED,	"acl_denied")	/* denied, dropped or answered */ \
	X(ACL_REPLIES,	"acl_replies")	/* of those, answered (RST/ICMP) */ \
	X(RATE_PPS,	"rate_pps_dropped")				\
	X(RATE_CONN,	"rate_conn_dropped")				\
	X(RATE_CLIENT,	"rate_client_dropped")				\
	X(COOKIES_SENT,	"syn_cookies_sent")				\
	X(COOKIES_OK,	"syn_cookies_valid")				\
	X(COOKIES_BAD,	"syn_cookies_invalid")				\
	X(SYNPROXY_WAIT, "synproxy_wait_dropped")			\
	X(PP2_SENT,	"proxy_v2_headers")

enum sl_vip_pol {
#define SL_VPOL_ENUM(name, str) SL_VPOL_##name,
	SL_VIP_POLICY_COUNTERS(SL_VPOL_ENUM)
#undef SL_VPOL_ENUM
	SL_VPOL_MAX
};
extern const char *const sl_vip_pol_names[SL_VPOL_MAX];

struct sl_vip_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t active_flows;		/* inc on insert, dec on remove */
	uint64_t drops;
	uint64_t pol[SL_VPOL_MAX];	/* enum sl_vip_pol */
};

_Static_assert(sizeof(struct sl_vip_stats) % sizeof(uint64_t) == 0,
	       "sl_vip_stats is all uint64_t");

struct sl_backend_stats {
	uint64_t pkts;			/* both directions */
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t active_flows;
};

_Static_assert(sizeof(struct sl_backend_stats) % sizeof(uint64_t) == 0,
	       "sl_backend_stats is all uint64_t");

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
	/* Packets decided by each access rule (by stable id; id 0 = the
	 * implicit default deny), per worker. */
	uint64_t (*acl_hits)[SL_MAX_ACL_RULES];			/* [worker] */
	/* Clocks for SYN cookies: wall seconds = wall_start_s + (TSC -
	 * tsc_start) / hz; the secret is shared by every worker. */
	uint64_t tsc_start;
	uint64_t wall_start_s;
	struct sl_cookie_secret cookie_secret;
	struct sl_rl_table *rl[SL_MAX_WORKERS];	/* per-client buckets */
	uint32_t worker_lcore[SL_MAX_WORKERS];

	struct sl_shm_port ports[SL_MAX_PORTS];
	struct sl_shm_ctl ctl __attribute__((aligned(SL_CACHE_LINE)));

	struct sl_worker_stats w[SL_MAX_WORKERS];
	struct sl_worker_stats main_stats;	/* main lcore: ARP/ND */

	struct sl_neigh neigh[SL_NEIGH_MAX];
};

/* Sums over the workers (racy reads of single-writer counters). */
void sl_shm_sum_vip(const struct sl_shm *shm, uint16_t id,
		    struct sl_vip_stats *t);
void sl_shm_sum_backend(const struct sl_shm *shm, uint16_t id,
			struct sl_backend_stats *t);
uint64_t sl_shm_acl_hits(const struct sl_shm *shm, uint16_t rule_id);

#endif
