/* SPDX-License-Identifier: BSD-3-Clause
 * Full-NAT rewrite of an IPv4/IPv6 TCP/UDP packet in place, on a byte buffer
 * already parsed by sl_pkt_parse().
 */
#ifndef SL_NAT_H
#define SL_NAT_H

#include <stdint.h>
#include <string.h>

#include "sl_flow.h"
#include "sl_pkt.h"

/* Rewrites source/destination addresses and ports of the packet described by
 * pi to those of to (same family and proto as pi->key), decrements the TTL
 * (hop limit) by one, and updates the IPv4 header checksum and the TCP/UDP
 * checksum incrementally. A UDP/IPv4 checksum of 0 (none) stays 0; a UDP/IPv6
 * result of 0 is written as 0xffff. Updates pi->key to *to.
 * Returns SL_DROP_NONE, or SL_DROP_TTL_EXCEEDED (packet untouched) when the
 * TTL is 1 or less. */
enum sl_drop sl_nat_rewrite(uint8_t *frame, struct sl_pkt_info *pi,
			    const struct sl_flow_key *to);

/* sl_nat_rewrite() of an IPv4 TCP/UDP packet to src:sport -> dst:dport,
 * given as values in network order (ports: the two port fields as they lie
 * in the header, source first), for an established flow whose entry holds
 * them: no key is built in memory and read back. pi->key is left as it
 * was (only pi->ttl follows). */
static inline enum sl_drop sl_nat_rewrite4(uint8_t *frame,
					   struct sl_pkt_info *pi,
					   uint32_t src, uint32_t dst,
					   uint32_t ports);

/* The ports argument of sl_nat_rewrite4(): two ports in network order as
 * they lie in the header. */
static inline uint32_t
sl_nat_ports(uint16_t sport_be, uint16_t dport_be)
{
	uint16_t p[2] = { sport_be, dport_be };
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Turns an ICMP / ICMPv6 echo request (already parsed) into its reply in
 * place: swaps addresses, sets the type, fixes checksums, TTL reset to 64.
 * Ethernet addresses are left to the caller. Returns 0, or -EINVAL if the
 * packet is not an echo request. */
int sl_icmp_echo_reply(uint8_t *frame, struct sl_pkt_info *pi);

#include "sl_nat_impl.h"	/* sl_nat_rewrite4(), inline */

#endif
