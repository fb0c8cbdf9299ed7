/* SPDX-License-Identifier: BSD-3-Clause
 * Access rules: from the configuration (global [acl] rules and each VIP's
 * own) to the compiled list the snapshot carries and the data plane's
 * rte_acl contexts are built from, plus a plain reference matcher (tests,
 * and the meaning of the rules in one place).
 *
 * Meaning: for a packet from src to VIP v, among v's own rules and the
 * global rules that contain src, the longest prefix decides; at equal
 * length a VIP rule beats a global one, then deny beats allow. When no
 * rule contains src, the packet is allowed, unless v has an allow rule
 * (its own, or a global one): then an implicit default deny (id
 * SL_ACL_RULE_DEFAULT) applies.
 *
 * priority = 1 + 4 * plen + 2 * (VIP rule) + (deny); default deny = 0.
 */
#ifndef SL_ACL_H
#define SL_ACL_H

#include <stdint.h>

#include "sl_config.h"
#include "sl_snapshot.h"

uint32_t sl_acl_priority(uint8_t plen, int vip_rule, uint8_t action);

/* Number of compiled rules sl_acl_compile() writes for c. */
uint32_t sl_acl_compile_count(const struct sl_config *c);

/* Writes c's rules compiled into out (sl_acl_compile_count(c) entries):
 * global rules once (vip SL_ACL_ANY_VIP), then each VIP's own rules (vip =
 * its index in c->vips, the snapshot's VIP order), then a default deny
 * (0/0 of each family, vip = that VIP, priority 0) for each VIP with an
 * allow rule. Sets has_acl[i] (when not NULL) for each VIP i that any
 * rule applies to. Returns the count written. */
uint32_t sl_acl_compile(const struct sl_config *c, struct sl_acl_crule *out,
			uint8_t *has_acl);

/* Reference matcher: the index in r of the rule deciding for a packet from
 * src (of its family) to the VIP of index vip, or -1 when none matches
 * (allowed). Linear; the data plane uses rte_acl. */
int sl_acl_ref_match(const struct sl_acl_crule *r, uint32_t n, uint16_t vip,
		     const struct sl_addr *src);

/* Rule ids across config changes: each rule of next that cur has too (the
 * same scope, prefix and action) gets its id in cur, so its counter goes
 * on; every other rule of next gets the lowest id free in next, and
 * fresh[id] (SL_MAX_ACL_RULES bytes, zeroed by the caller) is set for it:
 * the caller starts that id's counters from zero. A reload renumbers
 * nothing that stays. next and cur are distinct configs. Returns 0 or
 * -ENOSPC. */
int sl_acl_ids_carry(struct sl_config *next, const struct sl_config *cur,
		     uint8_t *fresh);

#endif
