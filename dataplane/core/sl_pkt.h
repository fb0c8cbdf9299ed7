/* SPDX-License-Identifier: BSD-3-Clause
 * Packet parsing on a plain byte buffer (no mbuf), and the drop reasons that
 * every counter and test refers to.
 */
#ifndef SL_PKT_H
#define SL_PKT_H

#include <stdint.h>

#include "sl_flow.h"

/* Why a packet was dropped. Parse reasons first, then path reasons.
 * Invariant per worker: rx + handoff_in + generated = forwarded + replied
 *   + to_main + handoff_out + sum(drops) (+ client packets a SYN proxy holds
 *   for the moment, at most one per opening flow). */
#define SL_DROP_REASONS(X) \
	X(NONE,		"none")				\
	X(TRUNC_L2,	"truncated_l2")			\
	X(VLAN_STACK,	"vlan_stacked")			\
	X(UNSUPP_L3,	"unsupported_l3")		\
	X(TRUNC_L3,	"truncated_l3")			\
	X(BAD_VERSION,	"bad_ip_version")		\
	X(BAD_IHL,	"bad_ihl")			\
	X(BAD_LEN,	"bad_ip_length")		\
	X(BAD_ADDR,	"bad_address")			\
	X(TTL_ZERO,	"ttl_zero")			\
	X(FRAGMENT,	"fragment")			\
	X(IPV6_EXT,	"ipv6_ext_header")		\
	X(UNSUPP_L4,	"unsupported_l4")		\
	X(TRUNC_L4,	"truncated_l4")			\
	X(BAD_L4,	"bad_l4_header")		\
	X(BAD_ARP,	"bad_arp")			\
	X(NOT_LOCAL,	"not_local")			\
	X(NO_CONFIG,	"no_config")			\
	X(NO_VIP,	"no_vip")			\
	X(NO_BACKEND,	"no_backend")			\
	X(NO_FLOW,	"no_flow")			\
	X(CT_FULL,	"conntrack_full")		\
	X(NO_SNAT_PORT,	"no_snat_port")			\
	X(NO_ROUTE,	"no_route")			\
	X(NO_NEIGH,	"no_neighbour")			\
	X(TTL_EXCEEDED,	"ttl_exceeded")			\
	X(BACKEND_GONE,	"backend_removed")		\
	X(HANDOFF_FULL,	"handoff_ring_full")		\
	X(MAIN_FULL,	"control_ring_full")		\
	X(TX_FULL,	"tx_full")			\
	X(ICMP_IGNORED,	"icmp_ignored")			\
	X(ACL_DENIED,	"acl_denied")			\
	X(RATE_PPS,	"rate_pps")			\
	X(RATE_CONN,	"rate_conn")			\
	X(RATE_CLIENT,	"rate_client_conn")		\
	X(COOKIE_BAD,	"syn_cookie_invalid")		\
	X(SYNPROXY_WAIT, "synproxy_wait")		\
	X(NO_MBUF,	"no_mbuf")

enum sl_drop {
#define SL_DROP_ENUM(name, str) SL_DROP_##name,
	SL_DROP_REASONS(SL_DROP_ENUM)
#undef SL_DROP_ENUM
	SL_DROP_MAX
};

const char *sl_drop_name(unsigned int reason);

#define SL_ETH_HLEN		14
#define SL_ETHERTYPE_IPV4	0x0800
#define SL_ETHERTYPE_ARP	0x0806
#define SL_ETHERTYPE_VLAN	0x8100
#define SL_ETHERTYPE_IPV6	0x86dd

#define SL_TCP_FIN	0x01
#define SL_TCP_SYN	0x02
#define SL_TCP_RST	0x04
#define SL_TCP_PSH	0x08
#define SL_TCP_ACK	0x10

/* What the parser found. Offsets are from the start of the frame. */
struct sl_pkt_info {
	uint16_t ethertype;	/* host order, after any 802.1Q tag */
	uint16_t vlan_tci;	/* host order; valid when has_vlan */
	uint8_t has_vlan;
	uint8_t family;		/* AF_INET / AF_INET6; 0 for ARP */
	uint8_t proto;		/* IPPROTO_TCP/UDP/ICMP/ICMPV6 */
	uint8_t tcp_flags;
	uint16_t l3_off;	/* = l2 header length */
	uint16_t l4_off;
	uint16_t l3_len;	/* IP header + payload per the IP length field */
	uint16_t l4_len;	/* l3_len minus IP header(s) */
	uint8_t ttl;		/* TTL or hop limit */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t pad;
	/* Addresses and ports as they arrive (ICMP: ports are 0, except
	 * echo, where sport = dport = the identifier). */
	struct sl_flow_key key;
};

/* Parses Ethernet (one optional 802.1Q tag), ARP, IPv4, IPv6 (no extension
 * headers), TCP, UDP, ICMP, ICMPv6. Returns SL_DROP_NONE or the reason to
 * drop. Never reads beyond len. Trailing bytes past the IP length (Ethernet
 * padding) are allowed; fewer bytes than the IP length are not.
 * IPv4 header checksum is not verified (the NIC does that when it can). */
enum sl_drop sl_pkt_parse(const uint8_t *buf, uint32_t len,
			  struct sl_pkt_info *pi);

/* sl_pkt_parse() without its shortcut for the common frame (untagged
 * IPv4, TCP or UDP): the same result for every frame. For the tests that
 * hold the two to that. */
enum sl_drop sl_pkt_parse_general(const uint8_t *buf, uint32_t len,
				  struct sl_pkt_info *pi);

#endif
