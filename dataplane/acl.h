/* SPDX-License-Identifier: BSD-3-Clause
 * The data plane's access-rule classifier: DPDK rte_acl contexts (one for
 * IPv4, one for IPv6) built from a snapshot's compiled rules
 * (sl_acl_crule, see sl_acl.h) by the control plane, in shared memory, and
 * searched burst-wide by the workers.
 *
 * A search key is the VIP index and the source address in network order;
 * the result is the index + 1 of the deciding compiled rule, 0 = none.
 */
#ifndef SL_DP_ACL_H
#define SL_DP_ACL_H

#include <stddef.h>
#include <stdint.h>

#include "sl_snapshot.h"

struct rte_acl_ctx;

/* Search keys: the first byte is a fixed 0 (rte_acl wants a 1-byte first
 * field); vip is the VIP index in network order. */
struct sl_acl_key4 {
	uint8_t zero;
	uint8_t pad[3];
	uint32_t vip_be;
	uint32_t src;		/* network order */
};

struct sl_acl_key6 {
	uint8_t zero;
	uint8_t pad[3];
	uint32_t vip_be;
	uint32_t src[4];	/* network order */
};

/* Builds the contexts for rules r[0..n-1] (either may come back NULL when
 * no rule has its family). tag makes the rte_acl names unique (at most 20
 * characters). Returns 0 or a negative errno with a message in err. */
int sl_acl_build(const struct sl_acl_crule *r, uint32_t n, const char *tag,
		 struct rte_acl_ctx **v4, struct rte_acl_ctx **v6,
		 char *err, size_t errlen);
void sl_acl_free(struct rte_acl_ctx *ctx);

/* res[i] = index + 1 of the deciding rule for keys[i], 0 when none. */
int sl_acl_classify(const struct rte_acl_ctx *ctx, const uint8_t **keys,
		    uint32_t *res, uint32_t n);

#endif
