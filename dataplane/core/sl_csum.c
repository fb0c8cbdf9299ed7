/* SPDX-License-Identifier: BSD-3-Clause
 * Internet checksums (RFC 1071) and their incremental update (RFC 1624).
 *
 * Every 16-bit value here is the raw word as it lies in the packet (a
 * memcpy, not ntohs): the one's-complement sum does not depend on byte
 * order, so the results can be stored back with memcpy on any host.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_csum.h"

uint32_t
sl_csum_partial(const void *buf, uint32_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	uint32_t w32;
	uint16_t w16;

	/* 32-bit words: 2^16 == 1 modulo 0xffff, so summing 32-bit words
	 * and folding gives the same result as summing 16-bit words. */
	for (; len >= 4; len -= 4, p += 4) {
		memcpy(&w32, p, 4);
		s += w32;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		s += w16;
		len -= 2;
		p += 2;
	}
	if (len == 1) {
		/* The odd byte is the first of a zero-padded word. */
		const uint8_t pad[2] = { p[0], 0 };

		memcpy(&w16, pad, 2);
		s += w16;
	}
	return sl_csum_fold64(s);
}

uint16_t
sl_csum_fold(uint32_t sum)
{
	return (uint16_t)~sl_csum_fold64(sum);
}

uint16_t
sl_csum_ipv4_hdr(const uint8_t *ip)
{
	uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	uint32_t s;

	if (hlen < 20)
		hlen = 20;
	s = sl_csum_partial(ip, 10, 0);
	s = sl_csum_partial(ip + 12, hlen - 12, s);
	return sl_csum_fold(s);
}

/* Offset of the checksum field in the L4 header, or -1 if unknown. */
static int
sl_csum_l4_field(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 2;
	default:
		return -1;
	}
}

uint16_t
sl_csum_l4(int family, const uint8_t *ip, uint8_t proto,
	   const uint8_t *l4, uint32_t l4_len)
{
	int field = sl_csum_l4_field(proto);
	uint32_t s = 0;
	uint16_t c;

	if (ip != NULL && family == AF_INET) {
		const uint8_t tail[4] = {
			0, proto, (uint8_t)(l4_len >> 8), (uint8_t)l4_len,
		};

		s = sl_csum_partial(ip + 12, 8, s);	/* src, dst */
		s = sl_csum_partial(tail, sizeof(tail), s);
	} else if (ip != NULL && family == AF_INET6) {
		const uint8_t tail[8] = {
			(uint8_t)(l4_len >> 24), (uint8_t)(l4_len >> 16),
			(uint8_t)(l4_len >> 8), (uint8_t)l4_len,
			0, 0, 0, proto,
		};

		s = sl_csum_partial(ip + 8, 32, s);	/* src, dst */
		s = sl_csum_partial(tail, sizeof(tail), s);
	}

	/* The field sits at an even offset, so skipping it keeps the
	 * 16-bit alignment of what follows. */
	if (field >= 0 && l4_len >= (uint32_t)field + 2) {
		s = sl_csum_partial(l4, (uint32_t)field, s);
		s = sl_csum_partial(l4 + field + 2,
				    l4_len - (uint32_t)field - 2, s);
	} else {
		s = sl_csum_partial(l4, l4_len, s);
	}
	c = sl_csum_fold(s);
	/* RFC 768: a computed UDP checksum of zero is sent as all ones (zero
	 * means "no checksum" over IPv4 and is invalid over IPv6). */
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

uint16_t
sl_csum_update_words(uint16_t csum, const uint32_t *old,
		     const uint32_t *new_, unsigned int n)
{
	/* RFC 1624 eqn. 3 for all words at once:
	 * HC' = ~(~HC + sum(~m) + sum(m')). */
	uint64_t s = (uint16_t)~csum;
	unsigned int i;

	for (i = 0; i < n; i++)
		s += (uint64_t)(uint32_t)~old[i] + new_[i];
	return (uint16_t)~sl_csum_fold64(s);
}
