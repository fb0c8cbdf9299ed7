/* SPDX-License-Identifier: BSD-3-Clause
 * IPv4/IPv6 addresses, ports and prefixes: parsing and formatting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sl_addr.h"

/* Longest text we accept for an address, brackets, port or prefix:
 * anything longer cannot be valid. */
#define SL_ADDR_TEXT_MAX	64

static unsigned int
sl_addr_bits(const struct sl_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

void
sl_addr_from_v4(struct sl_addr *a, uint32_t v4_be)
{
	memset(a, 0, sizeof(*a));
	a->w[0] = v4_be;
	a->family = AF_INET;
}

void
sl_addr_from_v6(struct sl_addr *a, const uint8_t v6[16])
{
	memset(a, 0, sizeof(*a));
	memcpy(a->b, v6, 16);
	a->family = AF_INET6;
}

int
sl_addr_parse(const char *s, struct sl_addr *a)
{
	struct sl_addr tmp;

	if (s == NULL || a == NULL)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, s, tmp.b) == 1)
		tmp.family = AF_INET;
	else if (inet_pton(AF_INET6, s, tmp.b) == 1)
		tmp.family = AF_INET6;
	else
		return -EINVAL;
	*a = tmp;
	return 0;
}

/* Decimal digits only (no sign, no spaces), value lo..hi. */
static int
sl_parse_uint(const char *s, unsigned int lo, unsigned int hi,
	      unsigned int *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > hi)	/* also keeps v from overflowing */
			return -EINVAL;
	}
	if (v < lo)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

int
sl_addr_port_parse(const char *s, struct sl_addr *a, uint16_t *port)
{
	char text[SL_ADDR_TEXT_MAX + 1];
	struct sl_addr tmp;
	const char *addr;
	unsigned int p;
	char *colon;
	size_t len;

	if (s == NULL || a == NULL || port == NULL)
		return -EINVAL;
	len = strnlen(s, sizeof(text));
	if (len == sizeof(text))
		return -EINVAL;
	memcpy(text, s, len + 1);

	if (text[0] == '[') {
		/* "[v6]:port": brackets are for IPv6 only. */
		char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		*close = '\0';
		colon = close + 1;
		addr = text + 1;
	} else {
		/* "v4:port": a second colon means an unbracketed IPv6. */
		colon = strchr(text, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return -EINVAL;
		*colon = '\0';
		addr = text;
	}
	if (sl_addr_parse(addr, &tmp) < 0)
		return -EINVAL;
	if ((text[0] == '[') != (tmp.family == AF_INET6))
		return -EINVAL;
	if (sl_parse_uint(colon + 1, 1, 65535, &p) < 0)
		return -EINVAL;
	*a = tmp;
	*port = (uint16_t)p;
	return 0;
}

static bool
sl_addr_host_bits_zero(const struct sl_addr *a, unsigned int plen)
{
	unsigned int i, bits = sl_addr_bits(a);

	for (i = plen; i < bits; i++) {
		if (a->b[i / 8] & (0x80u >> (i % 8)))
			return false;
	}
	return true;
}

int
sl_prefix_parse(const char *s, struct sl_addr *a, uint8_t *plen,
		bool allow_host)
{
	char text[SL_ADDR_TEXT_MAX + 1];
	struct sl_addr tmp;
	unsigned int len;
	char *slash;
	size_t n;

	if (s == NULL || a == NULL || plen == NULL)
		return -EINVAL;
	n = strnlen(s, sizeof(text));
	if (n == sizeof(text))
		return -EINVAL;
	memcpy(text, s, n + 1);

	slash = strchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (sl_addr_parse(text, &tmp) < 0)
		return -EINVAL;
	len = sl_addr_bits(&tmp);
	if (slash != NULL && sl_parse_uint(slash + 1, 0, len, &len) < 0)
		return -EINVAL;
	if (!allow_host && !sl_addr_host_bits_zero(&tmp, len))
		return -EINVAL;
	*a = tmp;
	*plen = (uint8_t)len;
	return 0;
}

const char *
sl_addr_fmt(const struct sl_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, len, "(unset)");
		return buf;
	}
	if (inet_ntop(a->family, a->b, buf, (socklen_t)len) == NULL)
		buf[0] = '\0';	/* buffer too small */
	return buf;
}

const char *
sl_addr_port_fmt(const struct sl_addr *a, uint16_t port, char *buf,
		 size_t len)
{
	char ab[SL_ADDRSTRLEN];

	if (len == 0)
		return buf;
	sl_addr_fmt(a, ab, sizeof(ab));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ab, port);
	else
		snprintf(buf, len, "%s:%u", ab, port);
	return buf;
}

bool
sl_addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, 16) == 0;
}

bool
sl_addr_in_prefix(const struct sl_addr *a, const struct sl_addr *prefix,
		  uint8_t plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (a->family != prefix->family ||
	    (a->family != AF_INET && a->family != AF_INET6) ||
	    plen > sl_addr_bits(a))
		return false;
	if (memcmp(a->b, prefix->b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return ((a->b[whole] ^ prefix->b[whole]) & mask) == 0;
}

int
sl_proto_parse(const char *s)
{
	if (s == NULL)
		return -EINVAL;
	if (strcasecmp(s, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcasecmp(s, "udp") == 0)
		return IPPROTO_UDP;
	return -EINVAL;
}

void
sl_prefix_match_init(struct sl_prefix_match *m, const struct sl_addr *prefix,
		     uint8_t plen)
{
	unsigned int i, bits;

	memset(m, 0, sizeof(*m));
	m->family = prefix->family;
	if (plen > sl_addr_bits(prefix))
		plen = (uint8_t)sl_addr_bits(prefix);
	for (i = 0; i < 4; i++) {
		bits = plen > 32 * i ? plen - 32 * i : 0;
		if (bits > 32)
			bits = 32;
		m->mask[i] = bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
		m->net[i] = prefix->w[i] & m->mask[i];
	}
}

const char *
sl_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "unknown";
	}
}
