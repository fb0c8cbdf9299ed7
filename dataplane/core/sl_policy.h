/* SPDX-License-Identifier: BSD-3-Clause
 * Edge policy of a VIP (issue 5): access lists, rate limits, SYN flood
 * defence and the PROXY protocol. The configuration types live here, shared
 * by the INI loader, the CLI, the snapshot and the data plane.
 */
#ifndef SL_POLICY_H
#define SL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_addr.h"

#define SL_MAX_ACL_RULES	4096	/* stable rule ids 1 .. SL_MAX_ACL_RULES-1 */
#define SL_ACL_RULE_DEFAULT	0	/* id of the implicit default deny */

enum sl_acl_action {
	SL_ACL_ALLOW = 0,
	SL_ACL_DENY,
};

/* What a denied client gets back. */
enum sl_deny_reply {
	SL_DENY_DROP = 0,	/* nothing */
	SL_DENY_RST,		/* TCP RST (UDP: dropped) */
	SL_DENY_ICMP,		/* ICMP / ICMPv6 administratively prohibited */
};

enum sl_synproxy_mode {
	SL_SYNPROXY_OFF = 0,
	SL_SYNPROXY_ON,		/* every SYN answered with a cookie */
	SL_SYNPROXY_AUTO,	/* cookies while the SYN rate is above a threshold */
};

/* One source prefix rule. id is stable while the rule exists (per-rule
 * counters are indexed by it); assigned by the config operations. */
struct sl_acl_rule {
	struct sl_addr src;	/* prefix, host bits zero */
	uint8_t plen;
	uint8_t action;		/* enum sl_acl_action */
	uint16_t id;		/* 1 .. SL_MAX_ACL_RULES-1 */
	unsigned int line;	/* config line (0 = CLI) */
};

/* A token bucket's settings: rate tokens per second, up to burst tokens
 * (burst 0 = same as rate). rate 0 = unlimited. */
struct sl_rate {
	uint32_t rate;
	uint32_t burst;
};

#define SL_SYNPROXY_THRESHOLD_DEFAULT	1000	/* SYN/s per VIP, auto mode */
#define SL_SYNPROXY_WSCALE_DEFAULT	7

struct sl_vip_policy {
	struct sl_acl_rule *acl;	/* this VIP's rules, in config order */
	uint32_t nb_acl;
	uint32_t cap_acl;
	uint8_t deny_reply;		/* enum sl_deny_reply */
	struct sl_rate conn;		/* new connections per second, VIP */
	struct sl_rate pps;		/* packets per second, VIP (client side) */
	struct sl_rate client_conn;	/* new connections / s per client prefix */
	uint8_t client_plen4;		/* client prefix length, IPv4 (32) */
	uint8_t client_plen6;		/* client prefix length, IPv6 (128) */
	uint8_t synproxy;		/* enum sl_synproxy_mode */
	uint8_t synproxy_wscale;	/* window scale our cookie SYN-ACK offers */
	uint32_t synproxy_threshold;	/* SYN/s, auto mode */
	bool proxy_protocol;		/* PROXY v2 header toward backends */
};

void sl_vip_policy_init(struct sl_vip_policy *p);

/* Value parsers shared by the INI loader and the CLI: 0 / -EINVAL. */
int sl_acl_action_parse(const char *s);		/* "allow" / "deny" */
const char *sl_acl_action_name(unsigned int a);
int sl_deny_reply_parse(const char *s);		/* "drop" / "rst" / "icmp" */
const char *sl_deny_reply_name(unsigned int r);
int sl_synproxy_parse(const char *s);		/* "off" / "on" / "auto" */
const char *sl_synproxy_name(unsigned int m);

#endif
