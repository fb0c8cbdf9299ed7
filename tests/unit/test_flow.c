/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: addresses and prefixes (sl_addr), flow keys, the flow hash
 * and SNAT port ranges (sl_flow), error names (sl_common).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_test.h"
#include <CUnit/CUnit.h>

#include "sl_addr.h"
#include "sl_common.h"
#include "sl_flow.h"


/* --- sl_addr --- */

static void
test_addr_parse_v4(void)
{
	static const uint8_t zero[12];
	struct sl_addr a;
	char buf[SL_ADDRSTRLEN];

	memset(&a, 0xaa, sizeof(a));
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET);
	CU_ASSERT_EQUAL(a.b[0], 198);
	CU_ASSERT_EQUAL(a.b[1], 18);
	CU_ASSERT_EQUAL(a.b[2], 0);
	CU_ASSERT_EQUAL(a.b[3], 1);
	CU_ASSERT_EQUAL(a.w[0], htonl(0xc6120001));
	/* The 12 bytes after an IPv4 address are zero: memcmp() works. */
	CU_ASSERT_EQUAL(memcmp(a.b + 4, zero, 12), 0);
	CU_ASSERT_STRING_EQUAL(sl_addr_fmt(&a, buf, sizeof(buf)),
			       "198.18.0.1");

	CU_ASSERT_EQUAL(sl_addr_parse("0.0.0.0", &a), 0);
	CU_ASSERT_EQUAL(a.w[0], 0);
	CU_ASSERT_EQUAL(sl_addr_parse("255.255.255.255", &a), 0);
	CU_ASSERT_EQUAL(a.w[0], 0xffffffffu);
}

static void
test_addr_parse_v6(void)
{
	static const uint8_t want[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	};
	struct sl_addr a;
	char buf[SL_ADDRSTRLEN];

	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::1", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(a.b, want, 16), 0);
	CU_ASSERT_STRING_EQUAL(sl_addr_fmt(&a, buf, sizeof(buf)),
			       "2001:db8::1");

	/* Formatting is canonical (RFC 5952): lower case, compressed. */
	CU_ASSERT_EQUAL(sl_addr_parse("2001:0DB8:0000:0000:0000:0000:0000:0001",
				      &a), 0);
	CU_ASSERT_EQUAL(memcmp(a.b, want, 16), 0);
	CU_ASSERT_STRING_EQUAL(sl_addr_fmt(&a, buf, sizeof(buf)),
			       "2001:db8::1");

	CU_ASSERT_EQUAL(sl_addr_parse("::", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(sl_addr_fmt(&a, buf, sizeof(buf)), "::");
	/* An IPv4-mapped address stays IPv6. */
	CU_ASSERT_EQUAL(sl_addr_parse("::ffff:198.18.0.1", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(a.b[15], 1);
	CU_ASSERT_EQUAL(a.b[10], 0xff);
}

static void
test_addr_parse_bad(void)
{
	static const char *const bad[] = {
		"", " ", "198.18.0", "198.18.0.1.2", "256.1.1.1",
		"198.18.0.1 ", " 198.18.0.1", "198.18.0.-1", "198.18.0.1/24",
		"198.18.0.1:80", "0x01.2.3.4", "a.b.c.d", "2001:db8::g",
		"2001:db8::1::2", "1:2:3:4:5:6:7:8:9", "[2001:db8::1]",
		"2001:db8::1%eth0", "localhost", ":::",
	};
	struct sl_addr a, keep;
	unsigned int i;

	sl_addr_from_v4(&keep, htonl(0x01020304));
	for (i = 0; i < SL_ARRAY_SIZE(bad); i++) {
		a = keep;
		CU_ASSERT_EQUAL(sl_addr_parse(bad[i], &a), -EINVAL);
		/* A failed parse leaves the output alone. */
		CU_ASSERT_TRUE(sl_addr_eq(&a, &keep));
		if (sl_addr_parse(bad[i], &a) != -EINVAL)
			printf("\n  accepted bad address \"%s\"\n", bad[i]);
	}
	CU_ASSERT_EQUAL(sl_addr_parse(NULL, &a), -EINVAL);
}

static void
test_addr_fmt_misc(void)
{
	struct sl_addr a;
	char buf[SL_ADDRPORTSTRLEN];
	char small[4];

	memset(&a, 0, sizeof(a));
	/* Unset address: something printable, never garbage. */
	sl_addr_fmt(&a, buf, sizeof(buf));
	CU_ASSERT_TRUE(strlen(buf) < sizeof(buf));
	/* Too small a buffer: still a terminated string. */
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &a), 0);
	CU_ASSERT_PTR_EQUAL(sl_addr_fmt(&a, small, sizeof(small)), small);
	CU_ASSERT_TRUE(strlen(small) < sizeof(small));

	/* The longest text fits the advertised sizes. */
	CU_ASSERT_EQUAL(sl_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:"
				      "255.255.255.255", &a), 0);
	sl_addr_port_fmt(&a, 65535, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:"
			       "ffff:ffff]:65535");
	CU_ASSERT_TRUE(strlen(buf) < SL_ADDRPORTSTRLEN);
}

static void
test_addr_port(void)
{
	struct sl_addr a, want;
	char buf[SL_ADDRPORTSTRLEN];
	uint16_t port = 0;

	CU_ASSERT_EQUAL(sl_addr_port_parse("198.18.0.1:80", &a, &port), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &want), 0);
	CU_ASSERT_TRUE(sl_addr_eq(&a, &want));
	CU_ASSERT_EQUAL(port, 80);
	CU_ASSERT_STRING_EQUAL(sl_addr_port_fmt(&a, port, buf, sizeof(buf)),
			       "198.18.0.1:80");

	CU_ASSERT_EQUAL(sl_addr_port_parse("[2001:db8::1]:443", &a, &port), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::1", &want), 0);
	CU_ASSERT_TRUE(sl_addr_eq(&a, &want));
	CU_ASSERT_EQUAL(port, 443);
	CU_ASSERT_STRING_EQUAL(sl_addr_port_fmt(&a, port, buf, sizeof(buf)),
			       "[2001:db8::1]:443");

	CU_ASSERT_EQUAL(sl_addr_port_parse("[::]:65535", &a, &port), 0);
	CU_ASSERT_EQUAL(port, 65535);
	CU_ASSERT_EQUAL(sl_addr_port_parse("10.0.0.1:1", &a, &port), 0);
	CU_ASSERT_EQUAL(port, 1);
}

static void
test_addr_port_bad(void)
{
	static const char *const bad[] = {
		"198.18.0.1", "198.18.0.1:", "198.18.0.1:0", ":80",
		"198.18.0.1:65536", "198.18.0.1:99999999999999999999",
		"198.18.0.1:8a", "198.18.0.1:-1", "198.18.0.1:+80",
		"198.18.0.1: 80", "198.18.0.1:80 ", "198.18.0.1:80:80",
		"2001:db8::1:80", "[2001:db8::1]80", "[2001:db8::1]",
		"[2001:db8::1]:", "[2001:db8::1:80", "2001:db8::1]:80",
		"[198.18.0.1]:80", "[]:80", "[2001:db8::1]:0", "", "[",
		"[2001:db8::1]]:80", "example.com:80",
		/* Longer than any valid text. */
		("[2001:db8::1]:8000000000000000000000000000000000000000000000"
		 "000000000000000000000000000000000000000000000000000000000"),
	};
	struct sl_addr a;
	uint16_t port;
	unsigned int i;

	for (i = 0; i < SL_ARRAY_SIZE(bad); i++) {
		int rc = sl_addr_port_parse(bad[i], &a, &port);

		CU_ASSERT_EQUAL(rc, -EINVAL);
		if (rc != -EINVAL)
			printf("\n  accepted bad addr:port \"%s\"\n", bad[i]);
	}
	CU_ASSERT_EQUAL(sl_addr_port_parse(NULL, &a, &port), -EINVAL);
}

static void
test_prefix(void)
{
	struct sl_addr a, want;
	uint8_t plen = 0;

	CU_ASSERT_EQUAL(sl_prefix_parse("198.18.0.0/15", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(plen, 15);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.0", &want), 0);
	CU_ASSERT_TRUE(sl_addr_eq(&a, &want));

	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8::/32", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(plen, 32);
	CU_ASSERT_EQUAL(a.family, AF_INET6);

	/* A bare address is a host prefix. */
	CU_ASSERT_EQUAL(sl_prefix_parse("198.18.0.1", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(plen, 32);
	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8::1", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(plen, 128);

	CU_ASSERT_EQUAL(sl_prefix_parse("0.0.0.0/0", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT_EQUAL(sl_prefix_parse("::/0", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT_EQUAL(sl_prefix_parse("198.18.0.1/32", &a, &plen, false), 0);
	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8::1/128", &a, &plen, false),
			0);
	CU_ASSERT_EQUAL(plen, 128);

	/* Host bits: refused unless allowed; when allowed, kept (an
	 * interface address with its subnet). */
	CU_ASSERT_EQUAL(sl_prefix_parse("198.18.0.1/15", &a, &plen, false),
			-EINVAL);
	CU_ASSERT_EQUAL(sl_prefix_parse("198.19.0.0/15", &a, &plen, false),
			-EINVAL);
	CU_ASSERT_EQUAL(sl_prefix_parse("1.0.0.0/0", &a, &plen, false),
			-EINVAL);
	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8::1/64", &a, &plen, false),
			-EINVAL);
	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8:8000::/33", &a, &plen,
					false), 0);
	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8:8000::/32", &a, &plen,
					false), -EINVAL);
	CU_ASSERT_EQUAL(sl_prefix_parse("198.18.0.1/15", &a, &plen, true), 0);
	CU_ASSERT_EQUAL(plen, 15);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &want), 0);
	CU_ASSERT_TRUE(sl_addr_eq(&a, &want));
	CU_ASSERT_EQUAL(sl_prefix_parse("2001:db8::1/64", &a, &plen, true), 0);
	CU_ASSERT_EQUAL(plen, 64);
}

static void
test_prefix_bad(void)
{
	static const char *const bad[] = {
		"198.18.0.0/33", "2001:db8::/129", "198.18.0.0/", "/24",
		"198.18.0.0/-1", "198.18.0.0/+8", "198.18.0.0/8/8",
		"198.18.0.0/ 8", "198.18.0.0/8 ", "198.18.0/16",
		"198.18.0.0/1000000000000000000000", "", "/", "x/8",
		"[2001:db8::]/32", "198.18.0.0/0x10",
	};
	struct sl_addr a;
	uint8_t plen;
	unsigned int i;

	for (i = 0; i < SL_ARRAY_SIZE(bad); i++) {
		int rc = sl_prefix_parse(bad[i], &a, &plen, true);

		CU_ASSERT_EQUAL(rc, -EINVAL);
		if (rc != -EINVAL)
			printf("\n  accepted bad prefix \"%s\"\n", bad[i]);
	}
	CU_ASSERT_EQUAL(sl_prefix_parse(NULL, &a, &plen, true), -EINVAL);
}

static bool
in_prefix(const char *addr, const char *prefix)
{
	struct sl_addr a, p;
	uint8_t plen;

	CU_ASSERT_FATAL(sl_addr_parse(addr, &a) == 0);
	CU_ASSERT_FATAL(sl_prefix_parse(prefix, &p, &plen, false) == 0);
	return sl_addr_in_prefix(&a, &p, plen);
}

static void
test_in_prefix(void)
{
	struct sl_addr a, p;

	CU_ASSERT_TRUE(in_prefix("198.18.5.5", "198.18.0.0/15"));
	CU_ASSERT_TRUE(in_prefix("198.19.255.255", "198.18.0.0/15"));
	CU_ASSERT_FALSE(in_prefix("198.20.0.0", "198.18.0.0/15"));
	CU_ASSERT_FALSE(in_prefix("198.17.255.255", "198.18.0.0/15"));
	CU_ASSERT_TRUE(in_prefix("10.1.2.3", "0.0.0.0/0"));
	CU_ASSERT_TRUE(in_prefix("10.1.2.3", "10.1.2.3/32"));
	CU_ASSERT_FALSE(in_prefix("10.1.2.4", "10.1.2.3/32"));
	CU_ASSERT_TRUE(in_prefix("10.1.2.3", "10.1.2.0/24"));
	CU_ASSERT_TRUE(in_prefix("10.1.2.3", "10.0.0.0/8"));
	CU_ASSERT_FALSE(in_prefix("11.1.2.3", "10.0.0.0/8"));

	CU_ASSERT_TRUE(in_prefix("2001:db8::1", "2001:db8::/32"));
	CU_ASSERT_FALSE(in_prefix("2001:db9::1", "2001:db8::/32"));
	CU_ASSERT_TRUE(in_prefix("2001:db8::1", "2001:db8::/127"));
	CU_ASSERT_FALSE(in_prefix("2001:db8::2", "2001:db8::/127"));
	CU_ASSERT_TRUE(in_prefix("2001:db8::1", "::/0"));
	CU_ASSERT_TRUE(in_prefix("2001:db8::1", "2001:db8::1/128"));
	CU_ASSERT_TRUE(in_prefix("2001:db8:ffff::1", "2001:db8:8000::/33"));
	CU_ASSERT_FALSE(in_prefix("2001:db8:7fff::1", "2001:db8:8000::/33"));

	/* Families never match each other, even ::/0 against IPv4. */
	CU_ASSERT_FALSE(in_prefix("10.1.2.3", "::/0"));
	CU_ASSERT_FALSE(in_prefix("::", "0.0.0.0/0"));
	CU_ASSERT_FALSE(in_prefix("::ffff:10.1.2.3", "10.0.0.0/8"));

	/* A prefix length beyond the family is never a match. */
	CU_ASSERT_EQUAL(sl_addr_parse("10.1.2.3", &a), 0);
	p = a;
	CU_ASSERT_TRUE(sl_addr_in_prefix(&a, &p, 32));
	CU_ASSERT_FALSE(sl_addr_in_prefix(&a, &p, 33));

	/* Against a bit-by-bit reference: random IPv6 pairs that share a
	 * random number of leading bits, every prefix length. */
	{
		uint64_t x = 0x9e3779b97f4a7c15ull;
		unsigned int n, len, same, bit, bad = 0;

		for (n = 0; n < 2000; n++) {
			memset(&a, 0, sizeof(a));
			a.family = AF_INET6;
			for (bit = 0; bit < 16; bit++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				a.b[bit] = (uint8_t)x;
			}
			p = a;
			same = (unsigned int)(x % 129);
			if (same < 128)	/* flip the first bit after same */
				p.b[same / 8] ^= (uint8_t)(0x80u >> (same % 8));
			for (len = 0; len <= 128; len++)
				bad += sl_addr_in_prefix(&a, &p, (uint8_t)len) !=
				       (len <= same);
		}
		CU_ASSERT_EQUAL(bad, 0);
	}
}

/* sl_prefix_match against sl_addr_in_prefix (itself checked bit by bit
 * above): random addresses near random prefixes of every length, both
 * families, prefixes with host bits set, and the other family. */
static void
test_prefix_match(void)
{
	uint64_t x = 0x243f6a8885a308d3ull;
	struct sl_prefix_match m;
	struct sl_addr a, p, o;
	unsigned int n, len, bit, bad = 0, hits = 0, fam, bits;

	for (n = 0; n < 3000; n++) {
		fam = n & 1 ? AF_INET6 : AF_INET;
		bits = fam == AF_INET ? 32 : 128;
		memset(&p, 0, sizeof(p));
		p.family = (uint8_t)fam;
		for (bit = 0; bit < bits / 8; bit++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p.b[bit] = (uint8_t)x;
		}
		a = p;
		/* Flip one bit at a random place (or none). */
		bit = (unsigned int)(x % (bits + 1));
		if (bit < bits)
			a.b[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		memset(&o, 0, sizeof(o));
		o.family = fam == AF_INET ? AF_INET6 : AF_INET;
		memcpy(o.b, a.b, 4);
		for (len = 0; len <= bits; len++) {
			bool want = sl_addr_in_prefix(&a, &p, (uint8_t)len);

			sl_prefix_match_init(&m, &p, (uint8_t)len);
			bad += sl_prefix_match(&m, &a) != want;
			bad += sl_prefix_match(&m, &o);	/* never */
			hits += want;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Both outcomes were exercised. */
	CU_ASSERT_TRUE(hits > 10000 && hits < 3000u * 81);

	/* Host bits in the prefix are ignored (connected routes). */
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.1.77", &p), 0);
	sl_prefix_match_init(&m, &p, 24);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.1.3", &a), 0);
	CU_ASSERT_TRUE(sl_prefix_match(&m, &a));
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.2.3", &a), 0);
	CU_ASSERT_FALSE(sl_prefix_match(&m, &a));
	sl_prefix_match_init(&m, &p, 0);
	CU_ASSERT_TRUE(sl_prefix_match(&m, &a));
}

static void
test_addr_eq_from(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct sl_addr a, b;

	sl_addr_from_v4(&a, htonl(0xc6120001));
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &b), 0);
	CU_ASSERT_TRUE(sl_addr_eq(&a, &b));
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	sl_addr_from_v4(&a, htonl(0xc6120002));
	CU_ASSERT_FALSE(sl_addr_eq(&a, &b));

	sl_addr_from_v6(&a, v6);
	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::7", &b), 0);
	CU_ASSERT_TRUE(sl_addr_eq(&a, &b));

	/* Same bytes, different family: not equal. */
	sl_addr_from_v4(&a, 0);
	CU_ASSERT_EQUAL(sl_addr_parse("::", &b), 0);
	CU_ASSERT_FALSE(sl_addr_eq(&a, &b));
}

static void
test_proto(void)
{
	CU_ASSERT_EQUAL(sl_proto_parse("tcp"), IPPROTO_TCP);
	CU_ASSERT_EQUAL(sl_proto_parse("udp"), IPPROTO_UDP);
	CU_ASSERT_EQUAL(sl_proto_parse("sctp"), -EINVAL);
	CU_ASSERT_EQUAL(sl_proto_parse(""), -EINVAL);
	CU_ASSERT_EQUAL(sl_proto_parse("tcp "), -EINVAL);
	CU_ASSERT_EQUAL(sl_proto_parse(NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_proto_name(IPPROTO_TCP), "tcp");
	CU_ASSERT_STRING_EQUAL(sl_proto_name(IPPROTO_UDP), "udp");
	CU_ASSERT_PTR_NOT_NULL(sl_proto_name(IPPROTO_ICMP));
	CU_ASSERT_PTR_NOT_NULL(sl_proto_name(IPPROTO_ICMPV6));
	CU_ASSERT_PTR_NOT_NULL(sl_proto_name(250));
}

/* --- sl_flow keys --- */

static void
test_key_make(void)
{
	static const uint8_t zero[12];
	struct sl_addr s, d, s2, d2;
	struct sl_flow_key k, r, rr;

	CU_ASSERT_EQUAL(sl_addr_parse("203.0.113.7", &s), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &d), 0);
	memset(&k, 0xee, sizeof(k));
	sl_flow_key_make(&k, IPPROTO_TCP, &s, 40000, &d, 80);
	CU_ASSERT_EQUAL(k.family, AF_INET);
	CU_ASSERT_EQUAL(k.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(k.sport, htons(40000));
	CU_ASSERT_EQUAL(k.dport, htons(80));
	CU_ASSERT_EQUAL(k.src[0], s.w[0]);
	CU_ASSERT_EQUAL(k.dst[0], d.w[0]);
	CU_ASSERT_EQUAL(memcmp(&k.src[1], zero, 12), 0);
	CU_ASSERT_EQUAL(memcmp(&k.dst[1], zero, 12), 0);
	CU_ASSERT_EQUAL(k.pad[0], 0);
	CU_ASSERT_EQUAL(k.pad[1], 0);

	sl_flow_key_src(&k, &s2);
	sl_flow_key_dst(&k, &d2);
	CU_ASSERT_TRUE(sl_addr_eq(&s, &s2));
	CU_ASSERT_TRUE(sl_addr_eq(&d, &d2));

	sl_flow_key_reverse(&k, &r);
	CU_ASSERT_FALSE(sl_flow_key_eq(&k, &r));
	CU_ASSERT_EQUAL(r.sport, htons(80));
	CU_ASSERT_EQUAL(r.dport, htons(40000));
	CU_ASSERT_EQUAL(r.src[0], d.w[0]);
	CU_ASSERT_EQUAL(r.dst[0], s.w[0]);
	CU_ASSERT_EQUAL(r.proto, k.proto);
	CU_ASSERT_EQUAL(r.family, k.family);
	sl_flow_key_reverse(&r, &rr);
	CU_ASSERT_TRUE(sl_flow_key_eq(&k, &rr));
	/* In place. */
	rr = k;
	sl_flow_key_reverse(&rr, &rr);
	CU_ASSERT_TRUE(sl_flow_key_eq(&rr, &r));

	/* Equality sees every field. */
	r = k;
	CU_ASSERT_TRUE(sl_flow_key_eq(&k, &r));
	r.proto = IPPROTO_UDP;
	CU_ASSERT_FALSE(sl_flow_key_eq(&k, &r));
	r = k;
	r.dport = htons(81);
	CU_ASSERT_FALSE(sl_flow_key_eq(&k, &r));

	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::1", &s), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::2", &d), 0);
	sl_flow_key_make(&k, IPPROTO_UDP, &s, 53, &d, 5353);
	CU_ASSERT_EQUAL(k.family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(k.src, s.b, 16), 0);
	CU_ASSERT_EQUAL(memcmp(k.dst, d.b, 16), 0);
	sl_flow_key_dst(&k, &d2);
	CU_ASSERT_TRUE(sl_addr_eq(&d, &d2));
}

/* --- sl_flow_hash --- */

static void
random_key(struct sl_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	if (rng_next() & 1) {
		k->family = AF_INET6;
		rng_fill(k->src, 16);
		rng_fill(k->dst, 16);
	} else {
		k->family = AF_INET;
		rng_fill(k->src, 4);
		rng_fill(k->dst, 4);
	}
	rng_fill(&k->sport, 2);
	rng_fill(&k->dport, 2);
	k->proto = (rng_next() & 1) ? IPPROTO_TCP : IPPROTO_UDP;
}

/* sl_flow_hash() of three fixed keys, pinned (see below). The hash reads
 * the key in host order; these are the values on little-endian hosts. */
#define SL_TEST_HASH_V4		0xe25388f0u
#define SL_TEST_HASH_V6		0x02174c4au
#define SL_TEST_HASH_ZERO	0xfc41ecfeu

static void
test_hash_deterministic(void)
{
	struct sl_addr s, d;
	struct sl_flow_key k, k2;

	CU_ASSERT_EQUAL(sl_addr_parse("203.0.113.7", &s), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &d), 0);
	sl_flow_key_make(&k, IPPROTO_TCP, &s, 40000, &d, 80);
	memcpy(&k2, &k, sizeof(k));
	CU_ASSERT_EQUAL(sl_flow_hash(&k), sl_flow_hash(&k));
	CU_ASSERT_EQUAL(sl_flow_hash(&k), sl_flow_hash(&k2));

	/* Pinned values: every instance must pick the same Maglev entry,
	 * so a change here breaks mixed-version clusters. Update only on
	 * purpose. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	CU_ASSERT_EQUAL(sl_flow_hash(&k), SL_TEST_HASH_V4);
	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::1", &s), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::2", &d), 0);
	sl_flow_key_make(&k, IPPROTO_UDP, &s, 53, &d, 5353);
	CU_ASSERT_EQUAL(sl_flow_hash(&k), SL_TEST_HASH_V6);
	memset(&k, 0, sizeof(k));
	CU_ASSERT_EQUAL(sl_flow_hash(&k), SL_TEST_HASH_ZERO);
#endif
}

/* Counts keys per bucket; every bucket must be within 10% of the mean. */
static void
check_buckets(const uint32_t *count, unsigned int nb, unsigned int n,
	      const char *what)
{
	double mean = (double)n / nb;
	unsigned int i, bad = 0;

	for (i = 0; i < nb; i++) {
		if (count[i] < mean * 0.9 || count[i] > mean * 1.1)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	if (bad != 0)
		printf("\n  %s: %u of %u buckets off by more than 10%%\n",
		       what, bad, nb);
}

#define NKEYS	100000
#define NBUCKET	64

static void
test_hash_distribution_random(void)
{
	uint32_t hi[NBUCKET] = { 0 }, lo[NBUCKET] = { 0 };
	struct sl_flow_key k;
	unsigned int i;

	rng_state = 0x5eed5eed12345678ULL;
	for (i = 0; i < NKEYS; i++) {
		uint32_t h;

		random_key(&k);
		h = sl_flow_hash(&k);
		hi[sl_hash_scale(h, NBUCKET)]++;
		lo[h % NBUCKET]++;
	}
	check_buckets(hi, NBUCKET, NKEYS, "random keys, high bits");
	check_buckets(lo, NBUCKET, NKEYS, "random keys, low bits");
}

/* Real traffic is far from random: one client, one VIP, sequential
 * source ports; or many clients in one /16 on one port. */
static void
test_hash_distribution_structured(void)
{
	uint32_t a[NBUCKET] = { 0 }, b[NBUCKET] = { 0 }, c[NBUCKET] = { 0 };
	struct sl_addr s, d;
	struct sl_flow_key k;
	unsigned int i;

	CU_ASSERT_EQUAL(sl_addr_parse("203.0.113.7", &s), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("198.18.0.1", &d), 0);
	for (i = 0; i < 64000; i++) {
		sl_flow_key_make(&k, IPPROTO_TCP, &s, (uint16_t)(1024 + i),
				 &d, 443);
		a[sl_hash_scale(sl_flow_hash(&k), NBUCKET)]++;
	}
	check_buckets(a, NBUCKET, 64000, "sequential source ports");

	for (i = 0; i < 65536; i++) {
		sl_addr_from_v4(&s, htonl(0x0a000000 | i));
		sl_flow_key_make(&k, IPPROTO_TCP, &s, 40000, &d, 443);
		b[sl_hash_scale(sl_flow_hash(&k), NBUCKET)]++;
	}
	check_buckets(b, NBUCKET, 65536, "sequential IPv4 sources");

	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8::", &s), 0);
	CU_ASSERT_EQUAL(sl_addr_parse("2001:db8:1::80", &d), 0);
	for (i = 0; i < 65536; i++) {
		s.b[14] = (uint8_t)(i >> 8);
		s.b[15] = (uint8_t)i;
		sl_flow_key_make(&k, IPPROTO_UDP, &s, 5000, &d, 53);
		c[sl_hash_scale(sl_flow_hash(&k), NBUCKET)]++;
	}
	check_buckets(c, NBUCKET, 65536, "sequential IPv6 sources");
}

static void
test_hash_bit_flip(void)
{
	struct sl_flow_key k, f;
	unsigned long changed = 0, samples = 0;
	unsigned int n, bit, same = 0;
	double avg;

	rng_state = 0xb17f11b5ULL;
	for (n = 0; n < 200; n++) {
		uint32_t h;

		random_key(&k);
		h = sl_flow_hash(&k);
		/* Every one of the 320 key bits matters, pad included. */
		for (bit = 0; bit < sizeof(k) * 8; bit++) {
			f = k;
			((uint8_t *)&f)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (sl_flow_hash(&f) == h)
				same++;
			changed += (unsigned long)
				__builtin_popcount(sl_flow_hash(&f) ^ h);
			samples++;
		}
	}
	CU_ASSERT_EQUAL(same, 0);
	/* Avalanche: a one-bit change flips about half the output bits. */
	avg = (double)changed / (double)samples;
	CU_ASSERT_TRUE(avg > 15.5 && avg < 16.5);
	if (!(avg > 15.5 && avg < 16.5))
		printf("\n  avalanche: %.3f bits changed on average\n", avg);
}

/* Two-bit changes: with a weak chain, a difference in the top bit of one
 * word cancels against the same in the next. */
static void
test_hash_pair_flip(void)
{
	struct sl_flow_key k, f;
	unsigned int n, i, j, same = 0;

	rng_state = 0xfeedULL;
	for (n = 0; n < 4; n++) {
		uint32_t h;

		random_key(&k);
		h = sl_flow_hash(&k);
		for (i = 0; i < sizeof(k) * 8; i++) {
			for (j = i + 1; j < sizeof(k) * 8; j++) {
				uint8_t *p = (uint8_t *)&f;

				f = k;
				p[i / 8] ^= (uint8_t)(1u << (i % 8));
				p[j / 8] ^= (uint8_t)(1u << (j % 8));
				if (sl_flow_hash(&f) == h)
					same++;
			}
		}
	}
	CU_ASSERT_EQUAL(same, 0);
}

static void
test_hash_reverse_differs(void)
{
	struct sl_flow_key k, r;
	unsigned int i, same = 0;

	/* The two directions of a flow are distinct keys: they must not
	 * collide systematically (a symmetric hash would). */
	rng_state = 0x12345ULL;
	for (i = 0; i < 10000; i++) {
		random_key(&k);
		sl_flow_key_reverse(&k, &r);
		if (sl_flow_hash(&k) == sl_flow_hash(&r))
			same++;
	}
	CU_ASSERT_TRUE(same <= 1);
}

/* --- ports --- */

static void
test_port_range(void)
{
	uint32_t n, w;
	uint16_t first, last;

	for (n = 1; n <= 64; n++) {
		uint32_t next = 1024;	/* first port not yet owned */

		for (w = 0; w < n; w++) {
			uint32_t p;

			sl_port_range(w, n, 1024, &first, &last);
			if (first > last)	/* empty: all below 1024 */
				continue;
			CU_ASSERT_EQUAL(first, next);
			CU_ASSERT_TRUE(first >= 1024);
			/* Owner agrees with the range, inside and at both
			 * edges outside it. */
			for (p = first; p <= last; p++) {
				if (sl_port_owner((uint16_t)p, n) != w) {
					CU_FAIL("owner disagrees with range");
					break;
				}
			}
			if (first > 1024)
				CU_ASSERT_NOT_EQUAL(
					sl_port_owner((uint16_t)(first - 1), n),
					w);
			if (last < 65535)
				CU_ASSERT_NOT_EQUAL(
					sl_port_owner((uint16_t)(last + 1), n),
					w);
			next = (uint32_t)last + 1;
		}
		/* Together the ranges cover 1024..65535 exactly. */
		CU_ASSERT_EQUAL(next, 65536);
	}

	/* The usual sizes: nothing is empty and worker 0 starts at lo. */
	for (n = 1; n <= SL_MAX_WORKERS; n++) {
		for (w = 0; w < n; w++) {
			sl_port_range(w, n, 1024, &first, &last);
			CU_ASSERT_TRUE(first <= last);
		}
		sl_port_range(0, n, 1024, &first, &last);
		CU_ASSERT_EQUAL(first, 1024);
		sl_port_range(n - 1, n, 1024, &first, &last);
		CU_ASSERT_EQUAL(last, 65535);
	}
	sl_port_range(0, 1, 1024, &first, &last);
	CU_ASSERT_EQUAL(first, 1024);
	CU_ASSERT_EQUAL(last, 65535);
	sl_port_range(1, 4, 1024, &first, &last);
	CU_ASSERT_EQUAL(first, 16384);
	CU_ASSERT_EQUAL(last, 32767);

	/* Out of range arguments give an empty range. */
	sl_port_range(4, 4, 1024, &first, &last);
	CU_ASSERT_TRUE(first > last);
	sl_port_range(0, 0, 1024, &first, &last);
	CU_ASSERT_TRUE(first > last);
}

/* --- sl_common --- */

static void
test_strerror(void)
{
	const char *own[4];
	unsigned int i, j;

	CU_ASSERT_STRING_EQUAL(sl_strerror(-EINVAL), strerror(EINVAL));
	CU_ASSERT_STRING_EQUAL(sl_strerror(-ENOMEM), strerror(ENOMEM));
	CU_ASSERT_STRING_EQUAL(sl_strerror(EEXIST), strerror(EEXIST));
	CU_ASSERT_PTR_NOT_NULL(sl_strerror(0));

	own[0] = sl_strerror(-SL_ENOPRIME);
	own[1] = sl_strerror(-SL_ENOBACKEND);
	own[2] = sl_strerror(-SL_EVERSION);
	own[3] = sl_strerror(-SL_ENODP);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(own[i]);
		CU_ASSERT_TRUE(strlen(own[i]) > 0);
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(own[i], own[j]);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(own[0], "prime"));
	CU_ASSERT_PTR_NOT_NULL(sl_strerror(-SL_EBASE));
	CU_ASSERT_PTR_NOT_NULL(sl_strerror(-SL_ENODP - 1));
	CU_ASSERT_PTR_NOT_NULL(sl_strerror(-999999));
	CU_ASSERT_PTR_NOT_NULL(sl_strerror(-2147483647 - 1));
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "addr parse v4", test_addr_parse_v4 },
		{ "addr parse v6", test_addr_parse_v6 },
		{ "addr parse bad", test_addr_parse_bad },
		{ "addr fmt misc", test_addr_fmt_misc },
		{ "addr:port", test_addr_port },
		{ "addr:port bad", test_addr_port_bad },
		{ "prefix", test_prefix },
		{ "prefix bad", test_prefix_bad },
		{ "in prefix", test_in_prefix },
		{ "prepared prefix match", test_prefix_match },
		{ "addr eq/from", test_addr_eq_from },
		{ "proto", test_proto },
		{ "key make/reverse/eq", test_key_make },
		{ "hash deterministic", test_hash_deterministic },
		{ "hash distribution random", test_hash_distribution_random },
		{ "hash distribution structured",
		  test_hash_distribution_structured },
		{ "hash bit flip", test_hash_bit_flip },
		{ "hash two-bit flips", test_hash_pair_flip },
		{ "hash reverse differs", test_hash_reverse_differs },
		{ "port range", test_port_range },
		{ "strerror", test_strerror },
	};

	return sl_test_run("flow", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
