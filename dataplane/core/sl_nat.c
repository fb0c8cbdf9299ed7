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

#define SL_ICMP_CSUM_OFF	2
#define SL_ECHO_TTL		64
#define SL_ICMP_ECHO_REPLY	0
#define SL_ICMP_ECHO_REQUEST	8
#define SL_ICMP6_ECHO_REQUEST	128
#define SL_ICMP6_ECHO_REPLY	129

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
