/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: checksums (sl_csum) against captured and hand-computed
 * packets, the full-NAT rewrite and ICMP echo replies (sl_nat). A rewrite
 * must leave exactly the bytes that a full recomputation would: the test
 * applies the same change to a copy, recomputes every checksum in full
 * and compares the whole frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "sl_test.h"
#include <CUnit/CUnit.h>

#include "sl_bytes.h"
#include "sl_common.h"
#include "sl_csum.h"
#include "sl_nat.h"
#include "sl_pkt.h"

#define MAX_FRAME	2048


/* A raw checksum (as sl_csum returns it) in host order, for comparing
 * with values written in a packet dump. */
static uint16_t
host16(uint16_t raw)
{
	return ntohs(raw);
}

/* --- checksums against known values --- */

/* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
static void
test_csum_rfc1071(void)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
				     0xf6, 0xf7 };

	CU_ASSERT_EQUAL(host16((uint16_t)sl_csum_partial(b, 8, 0)), 0xddf2);
	CU_ASSERT_EQUAL(host16(sl_csum_fold(sl_csum_partial(b, 8, 0))),
			0x220d);
	/* Split anywhere even, or chained through sum: the same. */
	CU_ASSERT_EQUAL(sl_csum_partial(b + 4, 4, sl_csum_partial(b, 4, 0)),
			sl_csum_partial(b, 8, 0));
	CU_ASSERT_EQUAL(sl_csum_partial(b + 2, 6, sl_csum_partial(b, 2, 0)),
			sl_csum_partial(b, 8, 0));
	/* An odd tail is a zero-padded word. */
	CU_ASSERT_EQUAL(host16((uint16_t)sl_csum_partial(b, 3, 0)),
			0x0001 + 0xf200);
	CU_ASSERT_EQUAL(sl_csum_partial(b, 0, 0), 0);
}

/* A DNS query over UDP/IPv4, captured on a Linux host. The IPv4 header
 * checksum is the kernel's; the UDP checksum in the capture was left to
 * the NIC (partial), so the correct value 0x8b8c is tcpdump's
 * ("bad udp cksum 0xcc6d -> 0x8b8c"). */
static const uint8_t cap_udp4[] = {
	0x02, 0xfc, 0x00, 0x00, 0x00, 0x05, 0x02, 0xfc, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x39, 0xd1, 0xcb, 0x40, 0x00, 0x40, 0x11,
	0x9c, 0xb1, 0xc0, 0x00, 0x02, 0x02, 0x0a, 0xff, 0xff, 0x35, 0x86, 0x6f,
	0x00, 0x35, 0x00, 0x25, 0xcc, 0x6d, 0x51, 0xce, 0x01, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* The same query over TCP: 12 bytes of options and a 31-byte (odd)
 * payload. Kernel IPv4 checksum 0x8418; TCP 0x8efa per tcpdump. */
static const uint8_t cap_tcp4[] = {
	0x02, 0xfc, 0x00, 0x00, 0x00, 0x05, 0x02, 0xfc, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x53, 0xea, 0x55, 0x40, 0x00, 0x40, 0x06,
	0x84, 0x18, 0xc0, 0x00, 0x02, 0x02, 0x0a, 0xff, 0xff, 0x35, 0xa2, 0x86,
	0x00, 0x35, 0x87, 0x0b, 0x33, 0xac, 0x17, 0x54, 0x53, 0x6f, 0x80, 0x18,
	0x00, 0x40, 0xcc, 0x7c, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0xe8, 0xfc,
	0x2f, 0xd3, 0xd7, 0xcc, 0x40, 0xf8, 0x00, 0x1d, 0x51, 0xce, 0x01, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01,
};

/* An ICMPv6 echo request to ::1 and the kernel's reply, captured on lo:
 * both checksums computed by Linux (pseudo header included), 15 bytes of
 * ICMPv6 (odd). Ethernet addresses are zero on lo. */
static const uint8_t cap_echo6_req[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x08, 0x24, 0x76, 0x00, 0x0f, 0x3a, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0xb8, 0x60, 0x5a, 0x17,
	0x00, 0x01, 0x73, 0x6c, 0x75, 0x69, 0x63, 0x65, 0x21,
};

static const uint8_t cap_echo6_rep[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x86, 0xdd, 0x60, 0x02, 0xd3, 0x18, 0x00, 0x0f, 0x3a, 0x40, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00, 0xb7, 0x60, 0x5a, 0x17,
	0x00, 0x01, 0x73, 0x6c, 0x75, 0x69, 0x63, 0x65, 0x21,
};

/* ICMP echo request to 127.0.0.1 (IPv4 checksum 0x5456 by the kernel)
 * and the kernel's reply (IPv4 0x9455 and ICMP 0x38ab by the kernel). */
static const uint8_t cap_echo4_req[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x23, 0xe8, 0x81, 0x40, 0x00, 0x40, 0x01,
	0x54, 0x56, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x30, 0xab, 0x5a, 0x18, 0x00, 0x01, 0x73, 0x6c, 0x75, 0x69, 0x63, 0x65,
	0x21,
};

static const uint8_t cap_echo4_rep[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x23, 0xe8, 0x82, 0x00, 0x00, 0x40, 0x01,
	0x94, 0x55, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x38, 0xab, 0x5a, 0x18, 0x00, 0x01, 0x73, 0x6c, 0x75, 0x69, 0x63, 0x65,
	0x21,
};

/* UDP/IPv6, 2001:db8::7.40000 -> 2001:db8:1::80.53, payload "sluice!".
 * By hand, 16-bit words:
 *   src  2001+0db8+0007           = 2dc0
 *   dst  2001+0db8+0001+0080      = 2e3a
 *   len 000f, next header 0011    = 0020    (running: 5c1a)
 *   UDP  9c40+0035+000f(+0000)    = 9c84    (running: f89e)
 *   data 736c+7569+6365+2100      = 16d3a   (running: 265d8)
 *   fold 65d8 + 2 = 65da; checksum ~65da = 9a25 (tcpdump agrees). */
static const uint8_t hand_udp6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x11, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07,
	0x20, 0x01, 0x0d, 0xb8, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
	0x9c, 0x40, 0x00, 0x35, 0x00, 0x0f, 0x00, 0x00,
	0x73, 0x6c, 0x75, 0x69, 0x63, 0x65, 0x21,
};

/* TCP/IPv6, same addresses, 40000 -> 443, PSH|ACK, "sluice!": 0xe30d per
 * tcpdump. */
static const uint8_t hand_tcp6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x1b, 0x06, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07,
	0x20, 0x01, 0x0d, 0xb8, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
	0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04,
	0xa0, 0xb0, 0xc0, 0xd0, 0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x73, 0x6c, 0x75, 0x69, 0x63, 0x65, 0x21,
};

static void
test_csum_known(void)
{
	const uint8_t *ip;

	ip = cap_udp4 + 14;
	CU_ASSERT_EQUAL(host16(sl_csum_ipv4_hdr(ip)), 0x9cb1);
	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET, ip, IPPROTO_UDP, ip + 20,
					  sizeof(cap_udp4) - 34)), 0x8b8c);
	ip = cap_tcp4 + 14;
	CU_ASSERT_EQUAL(host16(sl_csum_ipv4_hdr(ip)), 0x8418);
	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET, ip, IPPROTO_TCP, ip + 20,
					  sizeof(cap_tcp4) - 34)), 0x8efa);

	ip = cap_echo6_req + 14;
	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET6, ip, IPPROTO_ICMPV6,
					  ip + 40, 15)), 0xb860);
	ip = cap_echo6_rep + 14;
	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET6, ip, IPPROTO_ICMPV6,
					  ip + 40, 15)), 0xb760);
	ip = cap_echo4_req + 14;
	CU_ASSERT_EQUAL(host16(sl_csum_ipv4_hdr(ip)), 0x5456);
	ip = cap_echo4_rep + 14;
	CU_ASSERT_EQUAL(host16(sl_csum_ipv4_hdr(ip)), 0x9455);
	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET, NULL, IPPROTO_ICMP,
					  ip + 20, 15)), 0x38ab);

	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET6, hand_udp6, IPPROTO_UDP,
					  hand_udp6 + 40, 15)), 0x9a25);
	CU_ASSERT_EQUAL(host16(sl_csum_l4(AF_INET6, hand_tcp6, IPPROTO_TCP,
					  hand_tcp6 + 40, 27)), 0xe30d);
}

/* A correct checksum makes the whole sum, field included, all ones. */
static void
test_csum_verify_sum(void)
{
	const uint8_t *ip = cap_tcp4 + 14;
	uint8_t ph[8] = { 0, 0, 0, 15, 0, 0, 0, IPPROTO_ICMPV6 };
	uint32_t s;

	s = sl_csum_partial(ip, 20, 0);
	CU_ASSERT_EQUAL(s, 0xffff);
	ip = cap_echo6_req + 14;
	s = sl_csum_partial(ip + 8, 32, 0);
	s = sl_csum_partial(ph, 8, s);
	s = sl_csum_partial(ip + 40, 15, s);
	CU_ASSERT_EQUAL(s, 0xffff);
}

/* Incremental updates against full recomputation on random data. */
static void
test_csum_update(void)
{
	uint8_t b[64];
	unsigned int i, n, bad16 = 0, bad32 = 0, badw = 0;

	rng_state = 0xc5c5c5c5ULL;
	for (i = 0; i < 20000; i++) {
		uint32_t old[4], new_[4];
		uint16_t c, o16, n16;
		unsigned int at;

		rng_fill(b, sizeof(b));
		c = sl_csum_fold(sl_csum_partial(b, sizeof(b), 0));

		at = (unsigned int)(rng_next() % 32) * 2;
		memcpy(&o16, b + at, 2);
		rng_fill(&n16, 2);
		memcpy(b + at, &n16, 2);
		c = sl_csum_update16(c, o16, n16);
		if (c != sl_csum_fold(sl_csum_partial(b, sizeof(b), 0)))
			bad16++;

		at = (unsigned int)(rng_next() % 16) * 4;
		memcpy(old, b + at, 4);
		rng_fill(new_, 4);
		memcpy(b + at, new_, 4);
		c = sl_csum_update32(c, old[0], new_[0]);
		if (c != sl_csum_fold(sl_csum_partial(b, sizeof(b), 0)))
			bad32++;

		n = 1 + (unsigned int)(rng_next() % 4);
		at = (unsigned int)(rng_next() % (17 - 4 * n + 1)) * 4;
		at = at > 64 - 4 * n ? 64 - 4 * n : at;
		memcpy(old, b + at, 4 * n);
		rng_fill(new_, 4 * n);
		if (i % 7 == 0)
			memcpy(new_, old, 4 * n);	/* no change */
		memcpy(b + at, new_, 4 * n);
		c = sl_csum_update_words(c, old, new_, n);
		if (c != sl_csum_fold(sl_csum_partial(b, sizeof(b), 0)))
			badw++;
	}
	CU_ASSERT_EQUAL(bad16, 0);
	CU_ASSERT_EQUAL(bad32, 0);
	CU_ASSERT_EQUAL(badw, 0);
}

/* sl_csum_fold64() against its definition: the one's-complement sum of a
 * 64-bit s is s mod 0xffff, written 0xffff when s is a non-zero multiple
 * (end-around carries never give 0 back for a non-zero sum). */
static uint16_t
fold_ref(uint64_t s)
{
	uint64_t r = s % 0xffff;

	return (uint16_t)(r == 0 && s != 0 ? 0xffff : r);
}

static void
test_csum_fold64(void)
{
	static const uint64_t edge[] = {
		0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0xfffeffff, 0xffff0000,
		0xffffffff, 0x100000000ULL, 0x1fffffffeULL, 0xffffffff00000000ULL,
		0xfffffffffffffffeULL, 0xffffffffffffffffULL,
		0xffff0000ffff0000ULL, 0x0000ffff0000ffffULL,
	};
	unsigned int i, bad = 0;
	uint64_t s;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		CU_ASSERT_EQUAL(sl_csum_fold64(edge[i]), fold_ref(edge[i]));
	rng_state = 0xf01df01dULL;
	for (i = 0; i < 200000; i++) {
		s = rng_next();
		/* The fast path's sums: a few dozen bits, often small. */
		s >>= rng_next() % 64;
		if (sl_csum_fold64(s) != fold_ref(s))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* --- frame builder --- */

struct spec {
	int family;
	uint8_t proto;
	bool vlan;
	bool udp_no_csum;	/* UDP/IPv4 checksum 0 */
	unsigned int ip_opt;
	unsigned int tcp_opt;
	unsigned int payload;
	unsigned int pad;
	uint8_t ttl;
	uint8_t icmp_type;
};

struct built {
	uint32_t len;
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t l4_len;
};

static int
l4_csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

/* Recomputes every checksum of a frame in full. */
static void
fill_csums(uint8_t *b, const struct built *f, int family, uint8_t proto,
	   bool udp_no_csum)
{
	uint8_t *l3 = b + f->l3_off, *l4 = b + f->l4_off;
	uint16_t c;

	if (family == AF_INET) {
		c = sl_csum_ipv4_hdr(l3);
		memcpy(l3 + 10, &c, 2);
	}
	if (udp_no_csum && family == AF_INET && proto == IPPROTO_UDP) {
		c = 0;
	} else {
		c = sl_csum_l4(family, proto == IPPROTO_ICMP ? NULL : l3,
			       proto, l4, f->l4_len);
	}
	memcpy(l4 + l4_csum_off(proto), &c, 2);
}

static struct built
build(uint8_t *b, const struct spec *sp)
{
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1,
					  [15] = 0x80 };
	struct built f;
	uint32_t l3, hlen, l4h, i;
	uint8_t *l4;

	memset(b, 0, MAX_FRAME);
	memcpy(b, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	l3 = 14;
	if (sp->vlan) {
		sl_wr16(b + 12, SL_ETHERTYPE_VLAN);
		sl_wr16(b + 14, 42);
		l3 = 18;
	}
	sl_wr16(b + l3 - 2, sp->family == AF_INET ? SL_ETHERTYPE_IPV4 :
	     SL_ETHERTYPE_IPV6);
	hlen = sp->family == AF_INET ? 20 + sp->ip_opt : 40;
	l4 = b + l3 + hlen;

	if (sp->proto == IPPROTO_TCP) {
		l4h = 20 + sp->tcp_opt;
		sl_wr16(l4, 40000);
		sl_wr16(l4 + 2, 80);
		memcpy(l4 + 4, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
		l4[12] = (uint8_t)((l4h / 4) << 4);
		l4[13] = SL_TCP_ACK | SL_TCP_PSH;
		sl_wr16(l4 + 14, 501);
		memset(l4 + 20, 1, sp->tcp_opt);
	} else if (sp->proto == IPPROTO_UDP) {
		l4h = 8;
		sl_wr16(l4, 40000);
		sl_wr16(l4 + 2, 53);
		sl_wr16(l4 + 4, (uint16_t)(8 + sp->payload));
	} else {
		l4h = 8;
		l4[0] = sp->icmp_type;
		sl_wr16(l4 + 4, 0xbeef);	/* identifier */
		sl_wr16(l4 + 6, 3);	/* sequence */
	}
	for (i = 0; i < sp->payload; i++)
		l4[l4h + i] = (uint8_t)(i * 13 + 5);

	f.l3_off = (uint16_t)l3;
	f.l4_off = (uint16_t)(l3 + hlen);
	f.l4_len = (uint16_t)(l4h + sp->payload);
	f.len = f.l4_off + f.l4_len + sp->pad;
	if (sp->family == AF_INET) {
		b[l3] = (uint8_t)(0x40 | hlen / 4);
		b[l3 + 1] = 0x10;
		sl_wr16(b + l3 + 2, (uint16_t)(hlen + f.l4_len));
		sl_wr16(b + l3 + 4, 0x7e57);
		sl_wr16(b + l3 + 6, 0x4000);
		b[l3 + 8] = sp->ttl;
		b[l3 + 9] = sp->proto;
		memcpy(b + l3 + 12, "\xcb\x00\x71\x07\xc6\x12\x00\x01", 8);
		memset(b + l3 + 20, 1, sp->ip_opt);
	} else {
		sl_wr16(b + l3, 0x6abc);
		sl_wr16(b + l3 + 2, 0xdef0);
		sl_wr16(b + l3 + 4, f.l4_len);
		b[l3 + 6] = sp->proto;
		b[l3 + 7] = sp->ttl;
		memcpy(b + l3 + 8, src6, 16);
		memcpy(b + l3 + 24, dst6, 16);
	}
	fill_csums(b, &f, sp->family, sp->proto, sp->udp_no_csum);
	/* Padding that is not zero must survive too. */
	memset(b + f.len - sp->pad, 0xee, sp->pad);
	return f;
}

static void
random_key(struct sl_flow_key *k, int family, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	k->proto = proto;
	rng_fill(k->src, family == AF_INET ? 4 : 16);
	rng_fill(k->dst, family == AF_INET ? 4 : 16);
	rng_fill(&k->sport, 2);
	rng_fill(&k->dport, 2);
	/* Addresses the parser accepts, so the result parses back: a
	 * unicast, non-zero source and a non-zero destination. */
	if (family == AF_INET) {
		uint8_t *s = (uint8_t *)k->src;

		s[0] = (uint8_t)(1 + s[0] % 223);
		((uint8_t *)k->dst)[3] |= 1;
	} else {
		((uint8_t *)k->src)[0] &= 0xfe;
		((uint8_t *)k->dst)[15] |= 1;
	}
}

/* What the rewrite must produce: the change applied to a copy of the
 * frame and every checksum recomputed in full. */
static void
expected_rewrite(uint8_t *e, const struct built *f, const struct spec *sp,
		 const struct sl_flow_key *to)
{
	uint8_t *l3 = e + f->l3_off, *l4 = e + f->l4_off;
	bool no_csum = sp->proto == IPPROTO_UDP && sp->family == AF_INET &&
		       sl_rd16(l4 + 6) == 0;

	if (sp->family == AF_INET) {
		memcpy(l3 + 12, to->src, 4);
		memcpy(l3 + 16, to->dst, 4);
		l3[8]--;
	} else {
		memcpy(l3 + 8, to->src, 16);
		memcpy(l3 + 24, to->dst, 16);
		l3[7]--;
	}
	memcpy(l4, &to->sport, 2);
	memcpy(l4 + 2, &to->dport, 2);
	fill_csums(e, f, sp->family, sp->proto, no_csum);
}

/* Rewrites b (built from sp) to *to and compares with the full
 * recomputation; an IPv4 frame also through sl_nat_rewrite4(), which must
 * write the same bytes. Returns true when they match byte for byte. */
static bool
rewrite_and_check(uint8_t *b, const struct built *f, const struct spec *sp,
		  const struct sl_flow_key *to)
{
	uint8_t e[MAX_FRAME], b4[MAX_FRAME];
	struct sl_pkt_info pi, pi2, pi4;
	bool ok = true;

	memcpy(e, b, f->len);
	memcpy(b4, b, f->len);
	expected_rewrite(e, f, sp, to);
	if (sl_pkt_parse(b, f->len, &pi) != SL_DROP_NONE)
		return false;
	if (sl_nat_rewrite(b, &pi, to) != SL_DROP_NONE)
		return false;
	ok &= memcmp(b, e, f->len) == 0;
	if (sp->family == AF_INET) {
		if (sl_pkt_parse(b4, f->len, &pi4) != SL_DROP_NONE)
			return false;
		ok &= sl_nat_rewrite4(b4, &pi4, to->src[0], to->dst[0],
				      sl_nat_ports(to->sport, to->dport)) ==
		      SL_DROP_NONE;
		ok &= memcmp(b4, e, f->len) == 0;
		ok &= pi4.ttl == sp->ttl - 1;
	}
	ok &= sl_flow_key_eq(&pi.key, to);
	ok &= pi.ttl == sp->ttl - 1;
	/* The result parses back to the new key, unless the key holds
	 * addresses the parser refuses (the edge cases). */
	switch (sl_pkt_parse(b, f->len, &pi2)) {
	case SL_DROP_NONE:
		ok &= sl_flow_key_eq(&pi2.key, to);
		break;
	case SL_DROP_BAD_ADDR:
		break;
	default:
		ok = false;
		break;
	}
	return ok;
}

static const struct spec nat_specs[] = {
	{ .family = AF_INET, .proto = IPPROTO_TCP, .ttl = 64 },
	{ .family = AF_INET, .proto = IPPROTO_TCP, .payload = 1, .ttl = 2 },
	{ .family = AF_INET, .proto = IPPROTO_TCP, .payload = 1001,
	  .tcp_opt = 12, .ip_opt = 8, .vlan = true, .ttl = 255 },
	{ .family = AF_INET, .proto = IPPROTO_TCP, .payload = 7, .pad = 5,
	  .ttl = 128 },
	{ .family = AF_INET, .proto = IPPROTO_UDP, .payload = 3, .ttl = 64 },
	{ .family = AF_INET, .proto = IPPROTO_UDP, .payload = 0, .ttl = 9 },
	{ .family = AF_INET, .proto = IPPROTO_UDP, .payload = 513, .vlan = true,
	  .ttl = 64 },
	{ .family = AF_INET, .proto = IPPROTO_UDP, .payload = 17,
	  .udp_no_csum = true, .ttl = 64 },
	{ .family = AF_INET6, .proto = IPPROTO_TCP, .payload = 0, .ttl = 64 },
	{ .family = AF_INET6, .proto = IPPROTO_TCP, .payload = 1399,
	  .tcp_opt = 40, .vlan = true, .ttl = 2 },
	{ .family = AF_INET6, .proto = IPPROTO_UDP, .payload = 5, .ttl = 64 },
	{ .family = AF_INET6, .proto = IPPROTO_UDP, .payload = 0, .pad = 20,
	  .ttl = 255 },
};

#define NAT_KEYS	2000

static void
test_nat_random(void)
{
	uint8_t b[MAX_FRAME];
	unsigned int s, i, bad = 0;

	rng_state = 0x7a7a7a7a1234ULL;
	for (s = 0; s < SL_ARRAY_SIZE(nat_specs); s++) {
		const struct spec *sp = &nat_specs[s];

		for (i = 0; i < NAT_KEYS; i++) {
			struct sl_flow_key to;
			struct built f = build(b, sp);

			random_key(&to, sp->family, sp->proto);
			if (!rewrite_and_check(b, &f, sp, &to)) {
				bad++;
				if (bad < 5)
					printf("\n  spec %u key %u differs", s,
					       i);
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Rewriting to the same key only decrements the TTL; rewriting to
 * extremes (all-zero, all-one words) still matches. */
static void
test_nat_edges(void)
{
	uint8_t b[MAX_FRAME];
	unsigned int s;

	for (s = 0; s < SL_ARRAY_SIZE(nat_specs); s++) {
		const struct spec *sp = &nat_specs[s];
		struct sl_pkt_info pi;
		struct sl_flow_key to;
		struct built f = build(b, sp);

		CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, f.len, &pi),
				      SL_DROP_NONE);
		to = pi.key;
		CU_ASSERT_TRUE(rewrite_and_check(b, &f, sp, &to));

		f = build(b, sp);
		memset(&to, 0, sizeof(to));
		to.family = (uint8_t)sp->family;
		to.proto = sp->proto;
		CU_ASSERT_TRUE(rewrite_and_check(b, &f, sp, &to));

		f = build(b, sp);
		memset(to.src, 0xff, sp->family == AF_INET ? 4 : 16);
		memset(to.dst, 0xff, sp->family == AF_INET ? 4 : 16);
		to.sport = to.dport = 0xffff;
		CU_ASSERT_TRUE(rewrite_and_check(b, &f, sp, &to));
	}
}

static void
test_nat_ttl_exceeded(void)
{
	static const uint8_t ttls[] = { 1, 0 };
	uint8_t b[MAX_FRAME], orig[MAX_FRAME];
	unsigned int s, t;

	rng_state = 0x77ULL;
	for (s = 0; s < SL_ARRAY_SIZE(nat_specs); s++) {
		for (t = 0; t < SL_ARRAY_SIZE(ttls); t++) {
			struct spec sp = nat_specs[s];
			struct sl_pkt_info pi, before;
			struct sl_flow_key to;
			struct built f;

			sp.ttl = 2;
			f = build(b, &sp);
			CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, f.len, &pi),
					      SL_DROP_NONE);
			/* The TTL byte only: checksums are not looked at
			 * on this path. */
			b[f.l3_off + (sp.family == AF_INET ? 8 : 7)] = ttls[t];
			memcpy(orig, b, f.len);
			before = pi;
			random_key(&to, sp.family, sp.proto);
			CU_ASSERT_EQUAL(sl_nat_rewrite(b, &pi, &to),
					SL_DROP_TTL_EXCEEDED);
			CU_ASSERT_EQUAL(memcmp(b, orig, f.len), 0);
			CU_ASSERT_EQUAL(memcmp(&pi, &before, sizeof(pi)), 0);
			if (sp.family != AF_INET)
				continue;
			CU_ASSERT_EQUAL(sl_nat_rewrite4(b, &pi, to.src[0],
					to.dst[0], sl_nat_ports(to.sport,
								to.dport)),
					SL_DROP_TTL_EXCEEDED);
			CU_ASSERT_EQUAL(memcmp(b, orig, f.len), 0);
			CU_ASSERT_EQUAL(memcmp(&pi, &before, sizeof(pi)), 0);
		}
	}
}

/* Raw one's-complement addition of two raw words. */
static uint16_t
ones_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* Builds a frame whose checksum after rewriting to *to comes out as a
 * computed zero: the first payload word is adjusted so that the new sum is
 * all ones. If orig_zero, the original frame's checksum is made a computed
 * zero instead. Returns the checksum field as the full recomputation of
 * the rewritten frame stores it. */
static uint16_t
build_zero_case(uint8_t *b, struct built *f, const struct spec *sp,
		const struct sl_flow_key *to, bool orig_zero)
{
	uint8_t e[MAX_FRAME];
	uint8_t *l3, *l4, *w;
	uint16_t c, word, stored;
	int off = l4_csum_off(sp->proto);
	uint32_t hl = sp->proto == IPPROTO_TCP ? 20 + sp->tcp_opt : 8;

	*f = build(b, sp);
	memcpy(e, b, f->len);
	if (!orig_zero)
		expected_rewrite(e, f, sp, to);
	l3 = e + f->l3_off;
	l4 = e + f->l4_off;
	/* c = ~S where S is the sum with the field zero; for UDP a stored
	 * 0xffff stands for S = 0xffff (S is never 0 for real data). */
	memcpy(&c, l4 + off, 2);
	if (sp->proto == IPPROTO_UDP && c == 0xffff)
		c = 0;
	/* Adding ~S to a word makes the sum S + ~S = all ones. */
	w = b + f->l4_off + hl;
	memcpy(&word, w, 2);
	word = ones_add(word, c);
	memcpy(w, &word, 2);
	fill_csums(b, f, sp->family, sp->proto, false);
	memcpy(e, b, f->len);
	if (!orig_zero)
		expected_rewrite(e, f, sp, to);
	memcpy(&stored, (orig_zero ? b : e) + f->l4_off + off, 2);
	(void)l3;
	return stored;
}

static void
test_nat_zero_checksum(void)
{
	static const struct spec specs[] = {
		{ .family = AF_INET6, .proto = IPPROTO_UDP, .payload = 9,
		  .ttl = 64 },
		{ .family = AF_INET, .proto = IPPROTO_UDP, .payload = 9,
		  .ttl = 64 },
		{ .family = AF_INET6, .proto = IPPROTO_TCP, .payload = 9,
		  .ttl = 64 },
		{ .family = AF_INET, .proto = IPPROTO_TCP, .payload = 9,
		  .ttl = 64 },
	};
	uint8_t b[MAX_FRAME];
	unsigned int s, i;

	rng_state = 0x2e0ULL;
	for (s = 0; s < SL_ARRAY_SIZE(specs); s++) {
		const struct spec *sp = &specs[s];
		int off = l4_csum_off(sp->proto);

		for (i = 0; i < 50; i++) {
			struct sl_flow_key to;
			struct built f;
			uint16_t stored;

			/* The rewrite produces a computed zero: UDP must
			 * store 0xffff (IPv6: 0 is invalid; IPv4: 0 would
			 * mean "no checksum"), TCP stores 0. */
			random_key(&to, sp->family, sp->proto);
			stored = build_zero_case(b, &f, sp, &to, false);
			CU_ASSERT_EQUAL(stored, sp->proto == IPPROTO_UDP ?
					0xffff : 0);
			CU_ASSERT_TRUE(rewrite_and_check(b, &f, sp, &to));
			CU_ASSERT_EQUAL(sl_rd16(b + f.l4_off + off),
					sp->proto == IPPROTO_UDP ? 0xffff : 0);

			/* The original carries a computed zero (UDP:
			 * 0xffff); the update must start from it right. */
			random_key(&to, sp->family, sp->proto);
			stored = build_zero_case(b, &f, sp, &to, true);
			CU_ASSERT_EQUAL(stored, sp->proto == IPPROTO_UDP ?
					0xffff : 0);
			CU_ASSERT_TRUE(rewrite_and_check(b, &f, sp, &to));
		}
	}
}

static void
test_nat_udp_no_checksum(void)
{
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_UDP,
			   .payload = 31, .udp_no_csum = true, .ttl = 64 };
	uint8_t b[MAX_FRAME];
	struct sl_flow_key to;
	struct built f;
	unsigned int i;

	rng_state = 0x0dd5ULL;
	for (i = 0; i < 100; i++) {
		f = build(b, &sp);
		CU_ASSERT_EQUAL(sl_rd16(b + f.l4_off + 6), 0);
		random_key(&to, AF_INET, IPPROTO_UDP);
		CU_ASSERT_TRUE(rewrite_and_check(b, &f, &sp, &to));
		CU_ASSERT_EQUAL(sl_rd16(b + f.l4_off + 6), 0);
	}
}

static void
test_nat_wrong_proto(void)
{
	struct spec sp = { .family = AF_INET, .proto = IPPROTO_ICMP,
			   .icmp_type = 8, .payload = 8, .ttl = 64 };
	uint8_t b[MAX_FRAME], orig[MAX_FRAME];
	struct sl_pkt_info pi;
	struct sl_flow_key to;
	struct built f = build(b, &sp);

	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, f.len, &pi), SL_DROP_NONE);
	memcpy(orig, b, f.len);
	to = pi.key;
	CU_ASSERT_NOT_EQUAL(sl_nat_rewrite(b, &pi, &to), SL_DROP_NONE);
	CU_ASSERT_EQUAL(memcmp(b, orig, f.len), 0);
}

/* --- echo replies --- */

static void
check_echo(const struct spec *sp)
{
	uint8_t b[MAX_FRAME], e[MAX_FRAME];
	struct sl_pkt_info pi;
	struct sl_flow_key rev;
	struct built f = build(b, sp);
	uint8_t *l3 = e + f.l3_off;
	uint8_t t[16];

	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, f.len, &pi), SL_DROP_NONE);
	sl_flow_key_reverse(&pi.key, &rev);

	memcpy(e, b, f.len);
	if (sp->family == AF_INET) {
		memcpy(t, l3 + 12, 4);
		memcpy(l3 + 12, l3 + 16, 4);
		memcpy(l3 + 16, t, 4);
		l3[8] = 64;
		e[f.l4_off] = 0;
	} else {
		memcpy(t, l3 + 8, 16);
		memcpy(l3 + 8, l3 + 24, 16);
		memcpy(l3 + 24, t, 16);
		l3[7] = 64;
		e[f.l4_off] = 129;
	}
	fill_csums(e, &f, sp->family, sp->proto, false);

	CU_ASSERT_EQUAL(sl_icmp_echo_reply(b, &pi), 0);
	CU_ASSERT_EQUAL(memcmp(b, e, f.len), 0);
	CU_ASSERT_EQUAL(pi.icmp_type, sp->family == AF_INET ? 0 : 129);
	CU_ASSERT_EQUAL(pi.ttl, 64);
	CU_ASSERT_TRUE(sl_flow_key_eq(&pi.key, &rev));
}

static void
test_echo_reply(void)
{
	static const uint8_t ttls[] = { 1, 2, 63, 64, 65, 255 };
	static const unsigned int lens[] = { 0, 1, 15, 56, 1001 };
	struct spec sp;
	unsigned int i, j;

	for (i = 0; i < SL_ARRAY_SIZE(ttls); i++) {
		for (j = 0; j < SL_ARRAY_SIZE(lens); j++) {
			sp = (struct spec){ .family = AF_INET,
					    .proto = IPPROTO_ICMP,
					    .icmp_type = 8, .ttl = ttls[i],
					    .payload = lens[j],
					    .vlan = j & 1, .ip_opt = 4 * j };
			check_echo(&sp);
			sp = (struct spec){ .family = AF_INET6,
					    .proto = IPPROTO_ICMPV6,
					    .icmp_type = 128, .ttl = ttls[i],
					    .payload = lens[j],
					    .vlan = j & 1, .pad = j };
			check_echo(&sp);
		}
	}
}

/* The reply must carry what Linux itself answers, from the ICMP header
 * on (the IP headers differ in ID, DF and flow label, which are ours to
 * choose). */
static void
test_echo_reply_captured(void)
{
	uint8_t b[128];
	struct sl_pkt_info pi;

	memcpy(b, cap_echo6_req, sizeof(cap_echo6_req));
	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, sizeof(cap_echo6_req), &pi),
			      SL_DROP_NONE);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(b, &pi), 0);
	CU_ASSERT_EQUAL(memcmp(b + 54, cap_echo6_rep + 54, 15), 0);
	CU_ASSERT_EQUAL(memcmp(b + 22, cap_echo6_rep + 22, 32), 0);

	memcpy(b, cap_echo4_req, sizeof(cap_echo4_req));
	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, sizeof(cap_echo4_req), &pi),
			      SL_DROP_NONE);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(b, &pi), 0);
	CU_ASSERT_EQUAL(memcmp(b + 34, cap_echo4_rep + 34, 15), 0);
	CU_ASSERT_EQUAL(host16(sl_csum_ipv4_hdr(b + 14)), sl_rd16(b + 24));
}

static void
test_echo_reply_rejects(void)
{
	static const struct spec specs[] = {
		{ .family = AF_INET, .proto = IPPROTO_ICMP, .icmp_type = 0,
		  .ttl = 64 },
		{ .family = AF_INET, .proto = IPPROTO_ICMP, .icmp_type = 3,
		  .ttl = 64 },
		{ .family = AF_INET, .proto = IPPROTO_ICMP, .icmp_type = 128,
		  .ttl = 64 },
		{ .family = AF_INET6, .proto = IPPROTO_ICMPV6,
		  .icmp_type = 129, .ttl = 64 },
		{ .family = AF_INET6, .proto = IPPROTO_ICMPV6, .icmp_type = 8,
		  .ttl = 64 },
		{ .family = AF_INET, .proto = IPPROTO_TCP, .ttl = 64 },
		{ .family = AF_INET6, .proto = IPPROTO_UDP, .ttl = 64 },
	};
	uint8_t b[MAX_FRAME], orig[MAX_FRAME];
	unsigned int s;

	for (s = 0; s < SL_ARRAY_SIZE(specs); s++) {
		struct sl_pkt_info pi, before;
		struct built f = build(b, &specs[s]);

		CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(b, f.len, &pi),
				      SL_DROP_NONE);
		memcpy(orig, b, f.len);
		before = pi;
		CU_ASSERT_EQUAL(sl_icmp_echo_reply(b, &pi), -EINVAL);
		CU_ASSERT_EQUAL(memcmp(b, orig, f.len), 0);
		CU_ASSERT_EQUAL(memcmp(&pi, &before, sizeof(pi)), 0);
	}
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "csum RFC 1071 example", test_csum_rfc1071 },
		{ "csum known packets", test_csum_known },
		{ "csum verifies to all ones", test_csum_verify_sum },
		{ "csum incremental vs full", test_csum_update },
		{ "csum 64-bit fold", test_csum_fold64 },
		{ "nat random keys", test_nat_random },
		{ "nat edge keys", test_nat_edges },
		{ "nat TTL exceeded", test_nat_ttl_exceeded },
		{ "nat computed zero checksum", test_nat_zero_checksum },
		{ "nat UDP/IPv4 without checksum", test_nat_udp_no_checksum },
		{ "nat wrong protocol", test_nat_wrong_proto },
		{ "echo reply", test_echo_reply },
		{ "echo reply vs Linux", test_echo_reply_captured },
		{ "echo reply rejects", test_echo_reply_rejects },
	};

	return sl_test_run("nat", tests,
			   sizeof(tests) / sizeof(tests[0]));
}
