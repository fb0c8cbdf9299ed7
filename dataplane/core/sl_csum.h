/* SPDX-License-Identifier: BSD-3-Clause
 * Internet checksums: full computation (tests, generated packets) and
 * incremental update (RFC 1624) for the fast path.
 */
#ifndef SL_CSUM_H
#define SL_CSUM_H

#include <stdint.h>

/* One's-complement sum of len bytes, folded to 16 bits, NOT inverted. */
uint32_t sl_csum_partial(const void *buf, uint32_t len, uint32_t sum);
uint16_t sl_csum_fold(uint32_t sum);	/* returns ~folded sum */

/* Full IPv4 header checksum (field at offset 10 treated as zero). */
uint16_t sl_csum_ipv4_hdr(const uint8_t *ip);
/* Full TCP/UDP/ICMPv6 checksum with the pseudo header; l4 points at the
 * L4 header, l4_len bytes, checksum field treated as zero. For ICMP over
 * IPv4 pass ip = NULL (no pseudo header). Values in network order. */
uint16_t sl_csum_l4(int family, const uint8_t *ip, uint8_t proto,
		    const uint8_t *l4, uint32_t l4_len);

/* A 64-bit running sum folded to 16 bits (not inverted): its halves
 * added with the end-around carry, twice (add, adc; the fast path folds
 * two sums per packet, and five dependent shift-add steps were 15
 * instructions each). Zero only for a zero sum, as with any fold. */
static inline uint16_t
sl_csum_fold64(uint64_t s)
{
	uint32_t lo = (uint32_t)s, t;
	uint16_t a, r;

	t = lo + (uint32_t)(s >> 32);
	t += t < lo;
	a = (uint16_t)t;
	r = (uint16_t)(a + (uint16_t)(t >> 16));
	r += r < a;
	return r;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Values in network order as
 * stored in the packet. */
static inline uint16_t
sl_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~csum + (uint16_t)~old + (uint32_t)new_;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline uint16_t
sl_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	csum = sl_csum_update16(csum, (uint16_t)(old >> 16),
				(uint16_t)(new_ >> 16));
	return sl_csum_update16(csum, (uint16_t)old, (uint16_t)new_);
}

/* n 32-bit words (an address of either family). */
uint16_t sl_csum_update_words(uint16_t csum, const uint32_t *old,
			      const uint32_t *new_, unsigned int n);

#endif
