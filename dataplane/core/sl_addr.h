/* SPDX-License-Identifier: BSD-3-Clause
 * IPv4/IPv6 addresses, ports and prefixes: parsing and formatting.
 */
#ifndef SL_ADDR_H
#define SL_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>	/* AF_INET, AF_INET6 */

/* An address of either family. Bytes are in network order; an IPv4 address
 * lives in the first 4 bytes and the other 12 are zero, so two sl_addr
 * compare with memcmp(). */
struct sl_addr {
	union {
		uint8_t b[16];
		uint32_t w[4];
	};
	uint8_t family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t pad[3];
};

#define SL_ADDRSTRLEN		46	/* INET6_ADDRSTRLEN */
#define SL_ADDRPORTSTRLEN	56	/* "[addr]:65535" */

/* "198.18.0.1" or "2001:db8::1". Returns 0 or -EINVAL. */
int sl_addr_parse(const char *s, struct sl_addr *a);
/* "198.18.0.1:80" or "[2001:db8::1]:80"; port is returned in host order
 * and must be 1..65535. Returns 0 or -EINVAL. */
int sl_addr_port_parse(const char *s, struct sl_addr *a, uint16_t *port);
/* "198.18.0.0/15" or "2001:db8::/32"; a bare address means a host prefix.
 * Host bits beyond the prefix must be zero unless allow_host is true.
 * Returns 0 or -EINVAL. */
int sl_prefix_parse(const char *s, struct sl_addr *a, uint8_t *plen,
		    bool allow_host);

/* Writes into buf (at least SL_ADDRSTRLEN / SL_ADDRPORTSTRLEN); returns buf. */
const char *sl_addr_fmt(const struct sl_addr *a, char *buf, size_t len);
const char *sl_addr_port_fmt(const struct sl_addr *a, uint16_t port,
			     char *buf, size_t len);

bool sl_addr_eq(const struct sl_addr *a, const struct sl_addr *b);
/* true when a lies within prefix/plen (same family). */
bool sl_addr_in_prefix(const struct sl_addr *a, const struct sl_addr *prefix,
		       uint8_t plen);

/* A prefix prepared for matching many addresses: per 32-bit word (network
 * order) a mask and the masked prefix, so that a match is four ANDs and
 * compares with no branch on the length. */
struct sl_prefix_match {
	uint32_t mask[4];
	uint32_t net[4];
	uint8_t family;
};

/* prefix/plen (plen within the family's bits; the prefix may have host
 * bits set, they are masked off). */
void sl_prefix_match_init(struct sl_prefix_match *m,
			  const struct sl_addr *prefix, uint8_t plen);

/* Whether a lies within m: the same as sl_addr_in_prefix() for the
 * prefix m was built from. */
static inline bool
sl_prefix_match(const struct sl_prefix_match *m, const struct sl_addr *a)
{
	return a->family == m->family &&
	       (((a->w[0] & m->mask[0]) ^ m->net[0]) |
		((a->w[1] & m->mask[1]) ^ m->net[1]) |
		((a->w[2] & m->mask[2]) ^ m->net[2]) |
		((a->w[3] & m->mask[3]) ^ m->net[3])) == 0;
}

void sl_addr_from_v4(struct sl_addr *a, uint32_t v4_be);
void sl_addr_from_v6(struct sl_addr *a, const uint8_t v6[16]);

/* "tcp" / "udp" <-> IPPROTO_*; returns -EINVAL for anything else. */
int sl_proto_parse(const char *s);
const char *sl_proto_name(uint8_t proto);

#endif
