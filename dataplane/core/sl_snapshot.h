/* SPDX-License-Identifier: BSD-3-Clause
 * The config snapshot: an immutable block built by the control plane in
 * shared hugepage memory and read by every worker. This header is the only
 * definition of its layout (SL_SNAP_VERSION changes with it).
 *
 * Pointers inside a snapshot point into the same block: DPDK maps shared
 * memory at the same virtual address in the primary and its secondaries.
 * A snapshot is never written after it was pushed; the control plane frees
 * it after every worker has passed an RCU quiescent state.
 */
#ifndef SL_SNAPSHOT_H
#define SL_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_config.h"

#define SL_SNAP_MAGIC	0x50414e53u	/* "SNAP" */
#define SL_SNAP_VERSION	3

struct sl_snap_backend {
	struct sl_addr addr;
	uint16_t port_be;		/* network order */
	uint16_t id;			/* stable backend id */
	uint32_t gen;			/* generation of id */
	uint32_t weight;		/* as configured */
	uint8_t down;			/* health: takes no new flows */
};

struct sl_snap_vip {
	struct sl_addr addr;
	uint16_t port_be;		/* network order */
	uint8_t proto;
	uint8_t on_remove;		/* enum sl_on_remove */
	uint16_t id;			/* stable VIP id */
	uint16_t nb_backends;
	uint32_t table_size;		/* Maglev M */
	const struct sl_snap_backend *backends;
	const uint16_t *table;		/* M entries: index into backends */
	char name[SL_NAME_MAX];
	/* Edge policy, as in struct sl_vip_policy. has_policy: any of it
	 * (an access rule applies, a rate, SYN proxy or PROXY v2 is set),
	 * the fast path's one test for a VIP without policy. */
	uint8_t has_policy;
	uint8_t has_acl;		/* some rule (its own or global) applies */
	uint8_t deny_reply;		/* enum sl_deny_reply */
	uint8_t synproxy;		/* enum sl_synproxy_mode */
	uint8_t synproxy_wscale;
	uint8_t proxy_protocol;
	uint8_t client_plen4;
	uint8_t client_plen6;
	uint32_t synproxy_threshold;
	struct sl_rate conn;
	struct sl_rate pps;
	struct sl_rate client_conn;
};

/* A compiled access rule (sl_acl.h): the VIP's own and the global rules
 * of every VIP, each with the priority that decides between matches. */
#define SL_ACL_ANY_VIP	0xffff
struct sl_acl_crule {
	struct sl_addr src;		/* prefix */
	uint8_t plen;
	uint8_t action;			/* enum sl_acl_action */
	uint16_t id;			/* stable rule id (counters) */
	uint16_t vip;			/* index in vips, or SL_ACL_ANY_VIP */
	uint16_t pad;
	uint32_t priority;		/* the highest matching one decides */
};

struct sl_snapshot {
	uint32_t magic;
	uint32_t version;
	uint64_t epoch;			/* strictly increasing per push */
	size_t size;			/* bytes of the whole block */
	uint32_t nb_vips;
	uint32_t vip_hmask;		/* vip_hash has vip_hmask+1 slots */
	const struct sl_snap_vip *vips;
	const int16_t *vip_hash;	/* slot -> vips index, -1 empty */
	/* backend_gen[id] = generation of the backend now holding the stable
	 * id, 0 when no backend has it: a flow whose (id, gen) no longer
	 * matches has lost its backend. */
	const uint32_t *backend_gen;
	/* backend_vip[id] = index in vips of the VIP of that backend. */
	const uint16_t *backend_vip;
	/* backend_down[id] = 1 while that backend fails its health check:
	 * its flows follow the VIP's on_backend_remove policy, as if it
	 * were removed. */
	const uint8_t *backend_down;
	/* Access rules, compiled (sl_acl_compile()), and the rte_acl
	 * contexts (IPv4, IPv6) the control plane builds from them before
	 * the push and frees with the snapshot; NULL when no rule of that
	 * family exists. */
	const struct sl_acl_crule *acl;
	uint32_t nb_acl;
	/* Changes (never to 0 in its low 16 bits) whenever the rules do: a
	 * flow remembers the generation it was last checked against
	 * (sl_ct_entry.acl_gen) and is checked again after a change. Set by
	 * the control plane with acl4 / acl6. */
	uint32_t acl_gen;
	void *acl4;
	void *acl6;
};

/* Size of the block sl_snapshot_build() will write for c. */
size_t sl_snapshot_size(const struct sl_config *c);

/* Builds the snapshot of c's VIPs (with ids/gens assigned) into mem
 * (sl_snapshot_size(c) bytes, 64-byte aligned). Returns 0 or a negative
 * errno with a message in err. */
int sl_snapshot_build(const struct sl_config *c, uint64_t epoch, void *mem,
		      size_t size, char *err, size_t errlen);

/* Fast-path VIP lookup (proto, destination address and port in network
 * order). NULL when there is no such VIP. */
const struct sl_snap_vip *sl_snap_vip_lookup(const struct sl_snapshot *s,
					     uint8_t family, uint8_t proto,
					     const uint32_t dst[4],
					     uint16_t dport_be);

/* True when some VIP of s has address a (for ARP/ND and ICMP echo). */
int sl_snap_is_vip_addr(const struct sl_snapshot *s, const struct sl_addr *a);

#endif
