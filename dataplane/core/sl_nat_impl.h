/* SPDX-License-Identifier: BSD-3-Clause
 * The IPv4 full-NAT rewrite, inline: the fast path's sl_nat_rewrite4()
 * and what it shares with sl_nat.c. Included by sl_nat.h.
 *
 * Checksum words are handled raw, as they lie in the packet (see
 * sl_csum.c); a sum of raw words stays valid whatever the host order.
 */
#ifndef SL_NAT_IMPL_H
#define SL_NAT_IMPL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_bytes.h"
#include "sl_common.h"
#include "sl_csum.h"
#include "sl_pkt.h"

/* TTL and protocol share one 16-bit word. */
#define SL_IPV4_TTL_OFF		8
#define SL_IPV4_CSUM_OFF	10
#define SL_IPV4_SRC_OFF		12
#define SL_IPV6_HOP_OFF		7
#define SL_IPV6_SRC_OFF		8
#define SL_TCP_CSUM_OFF		16
#define SL_UDP_CSUM_OFF		6

/* An RFC 1624 update in progress: ~HC plus, for each changed word,
 * ~old + new. One fold at the end. */
static inline uint64_t
sl_acc32(uint64_t s, uint32_t old, uint32_t new_)
{
	return s + (uint32_t)~old + new_;
}

/* The TTL decremented (above 1, so no borrow) and the header checksum
 * updated for it and for the address change already summed in
 * addr_delta. TTL and protocol share a 16-bit word whose raw value, as
 * memcpy() loads it here (little endian: the TTL in the low byte), drops
 * by exactly 1: ~old + new is 0xfffe, a constant, whatever the TTL. */
static inline void
sl_nat_ipv4_hdr(uint8_t *l3, uint8_t ttl, uint64_t addr_delta)
{
	uint64_t s;

	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		       "the TTL is the low byte of its raw word");
	l3[SL_IPV4_TTL_OFF] = (uint8_t)(ttl - 1);
	s = (uint16_t)~sl_ld16(l3 + SL_IPV4_CSUM_OFF) + addr_delta + 0xfffe;
	sl_st16(l3 + SL_IPV4_CSUM_OFF, (uint16_t)~sl_csum_fold64(s));
}

/* A UDP/IPv4 checksum of 0 means "none" and stays so; a result of 0 in a
 * UDP checksum that is in use must go out as 0xffff (RFC 768). udp and v4
 * are constants where the caller knows them, and the tests fold away. */
static inline __attribute__((always_inline)) void
sl_nat_l4_csum_at(uint8_t *field, bool udp, bool v4, uint64_t delta)
{
	uint16_t c = sl_ld16(field);

	if (udp && v4 && c == 0)
		return;
	c = (uint16_t)~sl_csum_fold64((uint16_t)~c + delta);
	if (udp && c == 0)
		c = 0xffff;
	sl_st16(field, c);
}

static inline void
sl_nat_l4_csum(uint8_t *field, const struct sl_pkt_info *pi, uint64_t delta)
{
	sl_nat_l4_csum_at(field, pi->proto == IPPROTO_UDP,
			  pi->family == AF_INET, delta);
}

/* IPv4: the new addresses and ports as values (network order; ports as
 * the two fields lie in the header). pi->key is the caller's. */
static inline __attribute__((always_inline)) enum sl_drop
sl_nat4(uint8_t *l3, uint8_t *l4, struct sl_pkt_info *pi, uint32_t src,
	uint32_t dst, uint32_t ports, unsigned int csum_off)
{
	uint32_t old_src, old_dst, old_ports;
	uint8_t ttl = l3[SL_IPV4_TTL_OFF];
	uint64_t delta;

	if (ttl <= 1)
		return SL_DROP_TTL_EXCEEDED;
	memcpy(&old_src, l3 + SL_IPV4_SRC_OFF, 4);
	memcpy(&old_dst, l3 + SL_IPV4_SRC_OFF + 4, 4);
	memcpy(&old_ports, l4, 4);
	/* The address change enters the IPv4 header checksum and the L4
	 * pseudo header alike: sum it once. */
	delta = sl_acc32(sl_acc32(0, old_src, src), old_dst, dst);
	sl_nat_ipv4_hdr(l3, ttl, delta);
	memcpy(l3 + SL_IPV4_SRC_OFF, &src, 4);
	memcpy(l3 + SL_IPV4_SRC_OFF + 4, &dst, 4);
	memcpy(l4, &ports, 4);
	sl_nat_l4_csum_at(l4 + csum_off, csum_off == SL_UDP_CSUM_OFF, true,
			  sl_acc32(delta, old_ports, ports));
	pi->ttl = (uint8_t)(ttl - 1);
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

/* TCP and UDP each with its checksum offset a constant (sl_nat4() is
 * inlined twice). */
static inline __attribute__((always_inline)) enum sl_drop
sl_nat_rewrite4(uint8_t *frame, struct sl_pkt_info *pi, uint32_t src,
		uint32_t dst, uint32_t ports)
{
	uint8_t *l3 = frame + pi->l3_off, *l4 = frame + pi->l4_off;

	if (likely(pi->proto == IPPROTO_TCP))
		return sl_nat4(l3, l4, pi, src, dst, ports, SL_TCP_CSUM_OFF);
	if (pi->proto == IPPROTO_UDP)
		return sl_nat4(l3, l4, pi, src, dst, ports, SL_UDP_CSUM_OFF);
	return SL_DROP_UNSUPP_L4;
}

#endif
