/* SPDX-License-Identifier: BSD-3-Clause
 * Full-NAT rewrite and ICMP echo replies, in place, with incremental
 * checksum updates (RFC 1624): the cost does not grow with the payload.
 *
 * Checksum words are handled raw, as they lie in the packet (see
 * sl_csum.c); a sum of raw words stays valid whatever the host order.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_bytes.h"
#include "sl_csum.h"
#include "sl_nat.h"

/* TTL and protocol share one 16-bit word. */
#define SL_IPV4_TTL_OFF		8
#define SL_IPV4_CSUM_OFF	10
#define SL_IPV4_SRC_OFF		12
#define SL_IPV6_HOP_OFF		7
#define SL_IPV6_SRC_OFF		8
#define SL_TCP_CSUM_OFF		16
#define SL_UDP_CSUM_OFF		6
#define SL_ICMP_CSUM_OFF	2
#define SL_ECHO_TTL		64
#define SL_ICMP_ECHO_REPLY	0
#define SL_ICMP_ECHO_REQUEST	8
#define SL_ICMP6_ECHO_REQUEST	128
#define SL_ICMP6_ECHO_REPLY	129

/* An RFC 1624 update in progress: ~HC plus, for each changed word,
 * ~old + new. One fold at the end. */
static inline uint64_t
sl_acc32(uint64_t s, uint32_t old, uint32_t new_)
{
	return s + (uint32_t)~old + new_;
}

static inline uint64_t
sl_acc16(uint64_t s, uint16_t old, uint16_t new_)
{
	return s + (uint16_t)~old + new_;
}

/* Decrements the TTL and updates the header checksum for it and for the
 * address change already summed in addr_delta. */
static inline void
sl_nat_ipv4_hdr(uint8_t *l3, uint64_t addr_delta)
{
	uint8_t tp[2];
	uint16_t old_tp, new_tp;
	uint64_t s;

	/* The new TTL/protocol word is built in a register and stored whole:
	 * a byte store followed by a 16-bit load of the same word cannot be
	 * forwarded and stalls until the store retires. */
	memcpy(tp, l3 + SL_IPV4_TTL_OFF, 2);
	memcpy(&old_tp, tp, 2);
	tp[0]--;
	memcpy(&new_tp, tp, 2);
	sl_st16(l3 + SL_IPV4_TTL_OFF, new_tp);
	s = (uint16_t)~sl_ld16(l3 + SL_IPV4_CSUM_OFF) + addr_delta;
	s = sl_acc16(s, old_tp, new_tp);
	sl_st16(l3 + SL_IPV4_CSUM_OFF, (uint16_t)~sl_csum_fold64(s));
}

/* A UDP/IPv4 checksum of 0 means "none" and stays so; a result of 0 in a
 * UDP checksum that is in use must go out as 0xffff (RFC 768). */
static inline void
sl_nat_l4_csum(uint8_t *field, const struct sl_pkt_info *pi, uint64_t delta)
{
	uint16_t c = sl_ld16(field);
	int udp = pi->proto == IPPROTO_UDP;

	if (udp && pi->family == AF_INET && c == 0)
		return;
	c = (uint16_t)~sl_csum_fold64((uint16_t)~c + delta);
	if (udp && c == 0)
		c = 0xffff;
	sl_st16(field, c);
}

/* IPv4: the new addresses and ports as values (network order; ports as
 * the two fields lie in the header). pi->key is the caller's. */
static inline __attribute__((always_inline)) enum sl_drop
sl_nat4(uint8_t *l3, uint8_t *l4, struct sl_pkt_info *pi, uint32_t src,
	uint32_t dst, uint32_t ports, unsigned int csum_off)
{
	uint32_t old_src, old_dst, old_ports;
	uint64_t delta;

	if (l3[SL_IPV4_TTL_OFF] <= 1)
		return SL_DROP_TTL_EXCEEDED;
	memcpy(&old_src, l3 + SL_IPV4_SRC_OFF, 4);
	memcpy(&old_dst, l3 + SL_IPV4_SRC_OFF + 4, 4);
	memcpy(&old_ports, l4, 4);
	/* The address change enters the IPv4 header checksum and the L4
	 * pseudo header alike: sum it once. */
	delta = sl_acc32(sl_acc32(0, old_src, src), old_dst, dst);
	sl_nat_ipv4_hdr(l3, delta);
	memcpy(l3 + SL_IPV4_SRC_OFF, &src, 4);
	memcpy(l3 + SL_IPV4_SRC_OFF + 4, &dst, 4);
	memcpy(l4, &ports, 4);
	sl_nat_l4_csum(l4 + csum_off, pi, sl_acc32(delta, old_ports, ports));
	pi->ttl = l3[SL_IPV4_TTL_OFF];
	return SL_DROP_NONE;
}

/* IPv6, constant sizes: plain loads and stores, no length-driven copies.
 * Sets pi->key to *to. */
static inline __attribute__((always_inline)) enum sl_drop
sl_nat6(uint8_t *l3, uint8_t *l4, struct sl_pkt_info *pi,
	const struct sl_flow_key *to, unsigned int csum_off)
{
	uint32_t old_addr[8], new_addr[8];
	uint32_t old_ports, new_ports;
	uint64_t addr_delta = 0;
	unsigned int i;

	if (l3[SL_IPV6_HOP_OFF] <= 1)
		return SL_DROP_TTL_EXCEEDED;

	/* Source then destination, as in the header and in the key. */
	memcpy(old_addr, l3 + SL_IPV6_SRC_OFF, 32);
	memcpy(new_addr, to->src, 16);
	memcpy(new_addr + 4, to->dst, 16);
	memcpy(&old_ports, l4, 4);
	memcpy(&new_ports, &to->sport, 4);	/* sport, dport: adjacent */

	for (i = 0; i < 8; i++)
		addr_delta = sl_acc32(addr_delta, old_addr[i], new_addr[i]);
	l3[SL_IPV6_HOP_OFF]--;
	memcpy(l3 + SL_IPV6_SRC_OFF, new_addr, 32);
	memcpy(l4, &new_ports, 4);
	sl_nat_l4_csum(l4 + csum_off, pi,
		       sl_acc32(addr_delta, old_ports, new_ports));

	pi->ttl = l3[SL_IPV6_HOP_OFF];
	/* pi->key = *to, from what was read of it (same proto and family): a
	 * copy of the whole key would load it again in wider pieces than it
	 * was likely just written in, which stalls store forwarding. */
	memcpy(pi->key.src, new_addr, 16);
	memcpy(pi->key.dst, new_addr + 4, 16);
	memcpy(&pi->key.sport, &new_ports, 4);
	return SL_DROP_NONE;
}

/* The offset of proto's checksum in its header; 0 for one not rewritten
 * (neither TCP nor UDP). */
static inline unsigned int
sl_l4_csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? SL_TCP_CSUM_OFF :
	       proto == IPPROTO_UDP ? SL_UDP_CSUM_OFF : 0;
}

enum sl_drop
sl_nat_rewrite(uint8_t *frame, struct sl_pkt_info *pi,
	       const struct sl_flow_key *to)
{
	uint8_t *l3 = frame + pi->l3_off;
	uint8_t *l4 = frame + pi->l4_off;
	unsigned int csum_off = sl_l4_csum_off(pi->proto);
	uint32_t ports;
	enum sl_drop r;

	_Static_assert(offsetof(struct sl_flow_key, dport) ==
		       offsetof(struct sl_flow_key, sport) + 2,
		       "ports adjacent, in header order");
	if (to->family != pi->family || to->proto != pi->proto ||
	    csum_off == 0)
		return SL_DROP_UNSUPP_L4;
	if (pi->family != AF_INET)
		return sl_nat6(l3, l4, pi, to, csum_off);
	memcpy(&ports, &to->sport, 4);
	r = sl_nat4(l3, l4, pi, to->src[0], to->dst[0], ports, csum_off);
	if (r == SL_DROP_NONE) {
		/* pi->key = *to (an IPv4 key's other address words are 0 in
		 * both), word by word as with IPv6. */
		pi->key.src[0] = to->src[0];
		pi->key.dst[0] = to->dst[0];
		memcpy(&pi->key.sport, &ports, 4);
	}
	return r;
}

enum sl_drop
sl_nat_rewrite4(uint8_t *frame, struct sl_pkt_info *pi, uint32_t src,
		uint32_t dst, uint32_t ports)
{
	unsigned int csum_off = sl_l4_csum_off(pi->proto);

	if (csum_off == 0)
		return SL_DROP_UNSUPP_L4;
	return sl_nat4(frame + pi->l3_off, frame + pi->l4_off, pi, src, dst,
		       ports, csum_off);
}

/* Swaps two equal-sized address fields. Neither checksum changes: the
 * IPv4 header sum and the pseudo header sum do not depend on order. */
static inline void
sl_swap_addrs(uint8_t *src, unsigned int n)
{
	uint8_t t[16];

	memcpy(t, src, n);
	memcpy(src, src + n, n);
	memcpy(src + n, t, n);
}

int
sl_icmp_echo_reply(uint8_t *frame, struct sl_pkt_info *pi)
{
	uint8_t *l3 = frame + pi->l3_off;
	uint8_t *l4 = frame + pi->l4_off;
	uint16_t old_w, new_w, csum;
	uint8_t reply;

	if (pi->family == AF_INET && pi->proto == IPPROTO_ICMP &&
	    pi->icmp_type == SL_ICMP_ECHO_REQUEST)
		reply = SL_ICMP_ECHO_REPLY;
	else if (pi->family == AF_INET6 && pi->proto == IPPROTO_ICMPV6 &&
		 pi->icmp_type == SL_ICMP6_ECHO_REQUEST)
		reply = SL_ICMP6_ECHO_REPLY;
	else
		return -EINVAL;

	if (pi->family == AF_INET) {
		old_w = sl_ld16(l3 + SL_IPV4_TTL_OFF);
		l3[SL_IPV4_TTL_OFF] = SL_ECHO_TTL;
		new_w = sl_ld16(l3 + SL_IPV4_TTL_OFF);
		csum = sl_ld16(l3 + SL_IPV4_CSUM_OFF);
		sl_st16(l3 + SL_IPV4_CSUM_OFF,
			sl_csum_update16(csum, old_w, new_w));
		sl_swap_addrs(l3 + SL_IPV4_SRC_OFF, 4);
	} else {
		l3[SL_IPV6_HOP_OFF] = SL_ECHO_TTL;
		sl_swap_addrs(l3 + SL_IPV6_SRC_OFF, 16);
	}

	/* Type and code share the first word of the ICMP header. */
	old_w = sl_ld16(l4);
	l4[0] = reply;
	new_w = sl_ld16(l4);
	csum = sl_ld16(l4 + SL_ICMP_CSUM_OFF);
	sl_st16(l4 + SL_ICMP_CSUM_OFF, sl_csum_update16(csum, old_w, new_w));

	sl_flow_key_reverse(&pi->key, &pi->key);
	pi->icmp_type = reply;
	pi->ttl = SL_ECHO_TTL;
	return 0;
}
