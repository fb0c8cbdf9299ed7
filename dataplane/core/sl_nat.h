/* SPDX-License-Identifier: BSD-3-Clause
 * Full-NAT rewrite of an IPv4/IPv6 TCP/UDP packet in place, on a byte buffer
 * already parsed by sl_pkt_parse().
 */
#ifndef SL_NAT_H
#define SL_NAT_H

#include <stdint.h>

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

/* Turns an ICMP / ICMPv6 echo request (already parsed) into its reply in
 * place: swaps addresses, sets the type, fixes checksums, TTL reset to 64.
 * Ethernet addresses are left to the caller. Returns 0, or -EINVAL if the
 * packet is not an echo request. */
int sl_icmp_echo_reply(uint8_t *frame, struct sl_pkt_info *pi);

#endif
