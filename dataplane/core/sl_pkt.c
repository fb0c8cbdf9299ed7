/* SPDX-License-Identifier: BSD-3-Clause
 * Packet parsing on a plain byte buffer.
 *
 * Invariant: every read of buf[i] is preceded by a check that i < len. The
 * L3 parsers receive avail = len - l3_off; the L4 parser works inside
 * l4_len, which the L3 parsers have already checked against avail.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_bytes.h"
#include "sl_common.h"
#include "sl_pkt.h"

#define SL_ETHERTYPE_QINQ	0x88a8
#define SL_VLAN_HLEN		4
#define SL_ARP_LEN		28	/* Ethernet / IPv4 ARP */
#define SL_IPV4_HLEN		20
#define SL_IPV6_HLEN		40
#define SL_TCP_HLEN		20
#define SL_UDP_HLEN		8
#define SL_ICMP_HLEN		8

#define SL_IPV4_MF		0x2000
#define SL_IPV4_OFFMASK		0x1fff

#define SL_ICMP_ECHO_REPLY	0
#define SL_ICMP_ECHO_REQUEST	8
#define SL_ICMP6_ECHO_REQUEST	128
#define SL_ICMP6_ECHO_REPLY	129

static const char *const sl_drop_names[SL_DROP_MAX] = {
#define SL_DROP_STR(name, str) [SL_DROP_##name] = str,
	SL_DROP_REASONS(SL_DROP_STR)
#undef SL_DROP_STR
};

const char *
sl_drop_name(unsigned int reason)
{
	if (reason >= SL_DROP_MAX)
		return "unknown";
	return sl_drop_names[reason];
}

static enum sl_drop
sl_parse_arp(const uint8_t *l3, uint32_t avail, struct sl_pkt_info *pi)
{
	if (avail < SL_ARP_LEN)
		return SL_DROP_BAD_ARP;
	/* htype Ethernet, ptype IPv4, hlen 6, plen 4. */
	if (sl_rd16(l3) != 1 || sl_rd16(l3 + 2) != SL_ETHERTYPE_IPV4 ||
	    l3[4] != 6 || l3[5] != 4)
		return SL_DROP_BAD_ARP;
	pi->l3_len = SL_ARP_LEN;
	pi->l4_off = (uint16_t)(pi->l3_off + SL_ARP_LEN);
	return SL_DROP_NONE;
}

static enum sl_drop
sl_parse_ipv4(const uint8_t *l3, uint32_t avail, struct sl_pkt_info *pi)
{
	uint32_t hlen, tot;
	uint8_t src0;

	pi->family = AF_INET;
	if (avail < SL_IPV4_HLEN)
		return SL_DROP_TRUNC_L3;
	if ((l3[0] >> 4) != 4)
		return SL_DROP_BAD_VERSION;
	hlen = (uint32_t)(l3[0] & 0x0f) * 4;
	if (hlen < SL_IPV4_HLEN)
		return SL_DROP_BAD_IHL;
	tot = sl_rd16(l3 + 2);
	if (tot < hlen)
		return SL_DROP_BAD_LEN;
	if (tot > avail)
		return SL_DROP_TRUNC_L3;
	if (sl_rd16(l3 + 6) & (SL_IPV4_MF | SL_IPV4_OFFMASK))
		return SL_DROP_FRAGMENT;
	pi->ttl = l3[8];
	if (pi->ttl == 0)
		return SL_DROP_TTL_ZERO;

	/* Each address with its three zero words in one go: the flow hash
	 * reads the key in 8-byte words, and a load that spans a 4-byte store
	 * and the memset's cannot be forwarded from them, it waits for both
	 * to retire (tcp4-64k, one run alternating both: 410 against 399
	 * cycles per packet). */
	{
		uint32_t a[4] = { 0, 0, 0, 0 };

		memcpy(&a[0], l3 + 12, 4);
		memcpy(pi->key.src, a, sizeof(a));
		memcpy(&a[0], l3 + 16, 4);
		memcpy(pi->key.dst, a, sizeof(a));
	}
	/* Source: not multicast (224/4), limited broadcast, or 0.0.0.0.
	 * Destination: not 0.0.0.0. */
	src0 = l3[12];
	if ((src0 & 0xf0) == 0xe0 || pi->key.src[0] == 0xffffffffu ||
	    pi->key.src[0] == 0 || pi->key.dst[0] == 0)
		return SL_DROP_BAD_ADDR;

	pi->l3_len = (uint16_t)tot;
	pi->l4_off = (uint16_t)(pi->l3_off + hlen);
	pi->l4_len = (uint16_t)(tot - hlen);
	pi->proto = l3[9];
	switch (pi->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		return SL_DROP_NONE;
	default:
		return SL_DROP_UNSUPP_L4;
	}
}

static enum sl_drop
sl_ipv6_next_header(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMPV6:
		return SL_DROP_NONE;
	case IPPROTO_FRAGMENT:
		return SL_DROP_FRAGMENT;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
	case 135:	/* Mobility */
	case 139:	/* HIP */
	case 140:	/* Shim6 */
	case 253:	/* experimental */
	case 254:
		return SL_DROP_IPV6_EXT;
	default:
		return SL_DROP_UNSUPP_L4;
	}
}

static enum sl_drop
sl_parse_ipv6(const uint8_t *l3, uint32_t avail, struct sl_pkt_info *pi)
{
	static const uint8_t zero[16];
	uint32_t plen;

	pi->family = AF_INET6;
	if (avail < SL_IPV6_HLEN)
		return SL_DROP_TRUNC_L3;
	if ((l3[0] >> 4) != 6)
		return SL_DROP_BAD_VERSION;
	plen = sl_rd16(l3 + 4);
	/* l3_len is 16 bits: a payload that leaves no room for the header
	 * in it (a jumbo frame well past any MTU we run) is refused. */
	if (plen > UINT16_MAX - SL_IPV6_HLEN)
		return SL_DROP_BAD_LEN;
	if (SL_IPV6_HLEN + plen > avail)
		return SL_DROP_TRUNC_L3;
	pi->ttl = l3[7];
	if (pi->ttl == 0)
		return SL_DROP_TTL_ZERO;

	memcpy(pi->key.src, l3 + 8, 16);
	memcpy(pi->key.dst, l3 + 24, 16);
	/* Multicast source, or unspecified destination. */
	if (l3[8] == 0xff || memcmp(l3 + 24, zero, 16) == 0)
		return SL_DROP_BAD_ADDR;

	pi->l3_len = (uint16_t)(SL_IPV6_HLEN + plen);
	pi->l4_off = (uint16_t)(pi->l3_off + SL_IPV6_HLEN);
	pi->l4_len = (uint16_t)plen;
	pi->proto = l3[6];
	return sl_ipv6_next_header(pi->proto);
}

static enum sl_drop
sl_parse_l4(const uint8_t *l4, struct sl_pkt_info *pi)
{
	uint32_t l4_len = pi->l4_len;
	uint32_t doff;

	switch (pi->proto) {
	case IPPROTO_TCP:
		if (l4_len < SL_TCP_HLEN)
			return SL_DROP_TRUNC_L4;
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < SL_TCP_HLEN)
			return SL_DROP_BAD_L4;
		if (doff > l4_len)
			return SL_DROP_TRUNC_L4;
		pi->tcp_flags = l4[13];
		break;
	case IPPROTO_UDP:
		if (l4_len < SL_UDP_HLEN)
			return SL_DROP_TRUNC_L4;
		if (sl_rd16(l4 + 4) < SL_UDP_HLEN || sl_rd16(l4 + 4) > l4_len)
			return SL_DROP_BAD_L4;
		break;
	default:	/* ICMP, ICMPv6: the L3 parsers let nothing else by */
		if (l4_len < SL_ICMP_HLEN)
			return SL_DROP_TRUNC_L4;
		pi->icmp_type = l4[0];
		pi->icmp_code = l4[1];
		if ((pi->proto == IPPROTO_ICMP &&
		     (pi->icmp_type == SL_ICMP_ECHO_REQUEST ||
		      pi->icmp_type == SL_ICMP_ECHO_REPLY)) ||
		    (pi->proto == IPPROTO_ICMPV6 &&
		     (pi->icmp_type == SL_ICMP6_ECHO_REQUEST ||
		      pi->icmp_type == SL_ICMP6_ECHO_REPLY))) {
			/* The identifier tells echo flows apart. */
			memcpy(&pi->key.sport, l4 + 4, 2);
			memcpy(&pi->key.dport, l4 + 4, 2);
		}
		return SL_DROP_NONE;
	}
	memcpy(&pi->key.sport, l4, 2);
	memcpy(&pi->key.dport, l4 + 2, 2);
	return SL_DROP_NONE;
}

/* The common frame, parsed in one go: untagged IPv4 with a 20-byte
 * header, not a fragment, TCP or UDP, every length and address as the
 * general path below wants them. Writes the same sl_pkt_info that path
 * does and returns true; returns false, having written nothing, for any
 * other frame, which the general path then parses (and refuses, when it
 * must, with its reason). The general path spends ~120 instructions on
 * such a frame, this one ~60 (tools/bench/icount.sh; BENCHMARKS.md,
 * session 8). */
static inline bool
sl_parse_fast4(const uint8_t *buf, uint32_t len, struct sl_pkt_info *pi)
{
	const uint8_t *l3 = buf + SL_ETH_HLEN, *l4 = l3 + SL_IPV4_HLEN;
	uint32_t tot, l4_len, src, dst;
	uint8_t proto, flags = 0;

	if (len < SL_ETH_HLEN + SL_IPV4_HLEN + SL_UDP_HLEN ||
	    sl_rd16(buf + 12) != SL_ETHERTYPE_IPV4 || l3[0] != 0x45)
		return false;
	tot = sl_rd16(l3 + 2);
	proto = l3[9];
	if (tot > len - SL_ETH_HLEN || l3[8] == 0 ||
	    (sl_rd16(l3 + 6) & (SL_IPV4_MF | SL_IPV4_OFFMASK)))
		return false;
	l4_len = tot - SL_IPV4_HLEN;	/* checked below against underflow */
	if (proto == IPPROTO_TCP) {
		if (tot < SL_IPV4_HLEN + SL_TCP_HLEN ||
		    (uint32_t)(l4[12] >> 4) * 4 < SL_TCP_HLEN ||
		    (uint32_t)(l4[12] >> 4) * 4 > l4_len)
			return false;
		flags = l4[13];
	} else if (proto == IPPROTO_UDP) {
		if (tot < SL_IPV4_HLEN + SL_UDP_HLEN ||
		    sl_rd16(l4 + 4) < SL_UDP_HLEN || sl_rd16(l4 + 4) > l4_len)
			return false;
	} else {
		return false;
	}
	memcpy(&src, l3 + 12, 4);
	memcpy(&dst, l3 + 16, 4);
	/* As in sl_parse_ipv4(): no multicast or broadcast or 0.0.0.0
	 * source (src + 1 <= 1: all ones or zero), no 0.0.0.0 destination. */
	if ((l3[12] & 0xf0) == 0xe0 || src + 1 <= 1 || dst == 0)
		return false;

	memset(pi, 0, sizeof(*pi));
	pi->ethertype = SL_ETHERTYPE_IPV4;
	pi->family = AF_INET;
	pi->proto = proto;
	pi->tcp_flags = flags;
	pi->l3_off = SL_ETH_HLEN;
	pi->l4_off = SL_ETH_HLEN + SL_IPV4_HLEN;
	pi->l3_len = (uint16_t)tot;
	pi->l4_len = (uint16_t)l4_len;
	pi->ttl = l3[8];
	pi->key.src[0] = src;
	pi->key.dst[0] = dst;
	memcpy(&pi->key.sport, l4, 4);	/* sport, dport: adjacent */
	pi->key.proto = proto;
	pi->key.family = AF_INET;
	return true;
}

enum sl_drop
sl_pkt_parse(const uint8_t *buf, uint32_t len, struct sl_pkt_info *pi)
{
	if (likely(sl_parse_fast4(buf, len, pi)))
		return SL_DROP_NONE;
	return sl_pkt_parse_general(buf, len, pi);
}

enum sl_drop
sl_pkt_parse_general(const uint8_t *buf, uint32_t len,
		     struct sl_pkt_info *pi)
{
	uint32_t off = SL_ETH_HLEN;
	enum sl_drop r;
	uint16_t et;

	memset(pi, 0, sizeof(*pi));
	if (len < SL_ETH_HLEN)
		return SL_DROP_TRUNC_L2;
	et = sl_rd16(buf + 12);
	/* An 802.1ad outer tag only ever starts a stack. */
	if (et == SL_ETHERTYPE_QINQ)
		return SL_DROP_VLAN_STACK;
	if (et == SL_ETHERTYPE_VLAN) {
		if (len < SL_ETH_HLEN + SL_VLAN_HLEN)
			return SL_DROP_TRUNC_L2;
		pi->has_vlan = 1;
		pi->vlan_tci = sl_rd16(buf + 14);
		et = sl_rd16(buf + 16);
		off += SL_VLAN_HLEN;
		if (et == SL_ETHERTYPE_VLAN || et == SL_ETHERTYPE_QINQ)
			return SL_DROP_VLAN_STACK;
	}
	pi->ethertype = et;
	pi->l3_off = (uint16_t)off;

	switch (et) {
	case SL_ETHERTYPE_IPV4:
		r = sl_parse_ipv4(buf + off, len - off, pi);
		break;
	case SL_ETHERTYPE_IPV6:
		r = sl_parse_ipv6(buf + off, len - off, pi);
		break;
	case SL_ETHERTYPE_ARP:
		return sl_parse_arp(buf + off, len - off, pi);
	default:
		return SL_DROP_UNSUPP_L3;
	}
	if (r != SL_DROP_NONE)
		return r;
	pi->key.family = pi->family;
	pi->key.proto = pi->proto;
	return sl_parse_l4(buf + pi->l4_off, pi);
}
