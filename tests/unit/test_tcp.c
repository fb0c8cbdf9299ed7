/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: TCP options (sl_tcp_opts_*), SYN cookies (sl_cookie_*) and the
 * segments Sluice writes (sl_tcp_build, sl_tcp_rst_build,
 * sl_icmp_unreach_build).
 *
 * Cross-checks: cookies are recomputed here with a second SipHash-2-4
 * (checked against the paper's test vectors) over the message layout that
 * sl_tcp.c documents; checksums of built packets are verified with a plain
 * byte-wise one's-complement sum written here, not with sl_csum alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sl_test.h"

#include "sl_addr.h"
#include "sl_csum.h"
#include "sl_flow.h"
#include "sl_pkt.h"
#include "sl_bytes.h"
#include "sl_tcp.h"

#define ETH	14
#define FRAME_MAX	2048

static const uint16_t mss_table[8] = {
	536, 1200, 1220, 1360, 1400, 1440, 1460, 8960,
};

/* ---- helpers ------------------------------------------------------------ */

/* One's-complement sum of big-endian 16-bit words, byte by byte. */
static uint32_t
ref_sum(const uint8_t *p, uint32_t len, uint32_t s)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The L4 checksum of the packet at l3 is right when the sum over the
 * pseudo header (none for ICMPv4) and the whole L4 part is 0xffff. */
static uint32_t
ref_l4_sum(const uint8_t *l3)
{
	uint8_t ph[40];
	uint32_t s, len;

	if ((l3[0] >> 4) == 4) {
		uint32_t hl = (uint32_t)(l3[0] & 0xf) * 4;

		len = sl_rd16(l3 + 2) - hl;
		if (l3[9] == IPPROTO_ICMP)
			return ref_sum(l3 + hl, len, 0);
		memcpy(ph, l3 + 12, 8);
		ph[8] = 0;
		ph[9] = l3[9];
		sl_wr16(ph + 10, (uint16_t)len);
		s = ref_sum(ph, 12, 0);
		return ref_sum(l3 + hl, len, s);
	}
	len = sl_rd16(l3 + 4);
	memcpy(ph, l3 + 8, 32);
	memset(ph + 32, 0, 8);
	sl_wr16(ph + 34, (uint16_t)len);
	ph[39] = l3[6];
	s = ref_sum(ph, 40, 0);
	return ref_sum(l3 + 40, len, s);
}

static void
mk_key(struct sl_flow_key *k, const char *src, uint16_t sport,
       const char *dst, uint16_t dport)
{
	struct sl_addr a, b;

	CU_ASSERT_FATAL(sl_addr_parse(src, &a) == 0);
	CU_ASSERT_FATAL(sl_addr_parse(dst, &b) == 0);
	sl_flow_key_make(k, IPPROTO_TCP, &a, sport, &b, dport);
}

static void
eth_hdr(uint8_t *frame, uint8_t family)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	memcpy(frame, macs, 12);
	sl_wr16(frame + 12, family == AF_INET ? 0x0800 : 0x86dd);
}

/* A frame holding an IP packet of proto with the l4 bytes given (written
 * by hand, not by sl_tcp.c). Returns the frame length. */
static uint32_t
mk_ip(uint8_t *frame, const struct sl_flow_key *k, uint8_t proto,
      const uint8_t *l4, uint32_t l4_len)
{
	uint8_t *ip = frame + ETH;
	uint32_t s;

	eth_hdr(frame, k->family);
	if (k->family == AF_INET) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		sl_wr16(ip + 2, (uint16_t)(20 + l4_len));
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, k->src, 4);
		memcpy(ip + 16, k->dst, 4);
		s = ref_sum(ip, 20, 0);
		sl_wr16(ip + 10, (uint16_t)~s);
		memcpy(ip + 20, l4, l4_len);
		return ETH + 20 + l4_len;
	}
	memset(ip, 0, 40);
	ip[0] = 0x60;
	sl_wr16(ip + 4, (uint16_t)l4_len);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, k->src, 16);
	memcpy(ip + 24, k->dst, 16);
	memcpy(ip + 40, l4, l4_len);
	return ETH + 40 + l4_len;
}

/* A TCP segment built by sl_tcp_build in a frame, parsed. */
static uint32_t
mk_tcp(uint8_t *frame, const struct sl_tcp_seg *s, struct sl_pkt_info *pi)
{
	uint32_t len;

	eth_hdr(frame, s->key.family);
	len = ETH + sl_tcp_build(frame + ETH, s);
	CU_ASSERT_FATAL(sl_pkt_parse(frame, len, pi) == SL_DROP_NONE);
	return len;
}

/* ---- reference SipHash-2-4 ------------------------------------------------
 * Written from the paper's description, state as four named words. */

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND do {						\
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);	\
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);	\
} while (0)

static uint64_t
ref_siphash(uint64_t k0, uint64_t k1, const uint8_t *m, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint8_t last[8] = { 0 };
	size_t nblk = len / 8, i, j;
	uint64_t w;

	for (i = 0; i <= nblk; i++) {
		const uint8_t *b = m + i * 8;

		if (i == nblk) {
			memcpy(last, b, len % 8);
			last[7] = (uint8_t)len;
			b = last;
		}
		for (w = 0, j = 8; j-- > 0;)
			w = w << 8 | b[j];
		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void
test_siphash_ref(void)
{
	uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
	uint8_t m[15];
	unsigned int i;

	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	/* SipHash paper, appendix A; and the first of the reference
	 * implementation's vectors (empty message). */
	CU_ASSERT_EQUAL(ref_siphash(k0, k1, m, 15), 0xa129ca6149be45e5ULL);
	CU_ASSERT_EQUAL(ref_siphash(k0, k1, m, 0), 0x726fdb47dd0e0e31ULL);
}

/* The cookie per the layout documented in sl_tcp.c. */
static uint32_t
ref_cookie(const struct sl_cookie_secret *s, const struct sl_flow_key *k,
	   uint32_t isn, uint32_t now_s, uint8_t idx, uint8_t opt)
{
	uint32_t t = now_s / 64, alen = k->family == AF_INET ? 4 : 16;
	uint8_t m[48] = { 0 };
	uint32_t mac;

	memcpy(m, k->src, alen);
	memcpy(m + 16, k->dst, alen);
	memcpy(m + 32, &k->sport, 2);
	memcpy(m + 34, &k->dport, 2);
	m[36] = (uint8_t)(isn >> 24);
	m[37] = (uint8_t)(isn >> 16);
	m[38] = (uint8_t)(isn >> 8);
	m[39] = (uint8_t)isn;
	m[40] = (uint8_t)(t >> 24);
	m[41] = (uint8_t)(t >> 16);
	m[42] = (uint8_t)(t >> 8);
	m[43] = (uint8_t)t;
	m[44] = k->family;
	m[45] = idx;
	m[46] = opt;
	mac = (uint32_t)ref_siphash(s->k[0], s->k[1], m, sizeof(m)) & 0xffffff;
	return (t & 31) << 27 | (uint32_t)idx << 24 | mac;
}

/* ---- options ------------------------------------------------------------ */

/* The options of a SYN sent by Linux 6.x (tcpdump -X): mss 1460, sackOK,
 * TS val 2635878202 ecr 0, nop, wscale 7. */
static const uint8_t linux_syn_opts[20] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x9d, 0x1c, 0x4f, 0x3a,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* A TCP header with olen bytes of options (a multiple of 4). */
static void
tcp_with_opts(uint8_t *tcp, const uint8_t *opts, uint32_t olen)
{
	memset(tcp, 0, 20);
	sl_wr16(tcp, 40000);
	sl_wr16(tcp + 2, 443);
	tcp[12] = (uint8_t)(((20 + olen) / 4) << 4);
	tcp[13] = SL_TCP_SYN;
	if (olen != 0)
		memcpy(tcp + 20, opts, olen);
}

static int
parse_opts(const uint8_t *opts, uint32_t olen, struct sl_tcp_opts *o)
{
	uint8_t tcp[60];

	tcp_with_opts(tcp, opts, olen);
	return sl_tcp_opts_parse(tcp, o);
}

static void
test_opts_parse_real(void)
{
	/* Windows 10: mss 1460, nop, wscale 8, nop, nop, sackOK. */
	static const uint8_t win[12] = {
		0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08,
		0x01, 0x01, 0x04, 0x02,
	};
	/* Unknown kinds (30 MPTCP, 34 TFO cookie) skipped, mss 1400, EOL,
	 * then bytes past the EOL that must not be read as options. */
	static const uint8_t odd[24] = {
		0x1e, 0x04, 0xaa, 0xbb, 0x22, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8,
		0x02, 0x04, 0x05, 0x78, 0x00, 0x03, 0x03, 0x05, 0x04, 0x02,
	};
	/* wscale 15 (clamped to 14); an MSS of the wrong length (ignored);
	 * a timestamp with every bit set. */
	static const uint8_t clamp[20] = {
		0x01, 0x03, 0x03, 0x0f, 0x02, 0x03, 0x05, 0x01,
		0x08, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0x00, 0x00,
	};
	struct sl_tcp_opts o;

	CU_ASSERT_EQUAL(parse_opts(linux_syn_opts, 20, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1460);
	CU_ASSERT_EQUAL(o.sack_ok, 1);
	CU_ASSERT_EQUAL(o.has_ts, 1);
	CU_ASSERT_EQUAL(o.tsval, 2635878202u);
	CU_ASSERT_EQUAL(o.tsecr, 0);
	CU_ASSERT_EQUAL(o.has_wscale, 1);
	CU_ASSERT_EQUAL(o.wscale, 7);

	CU_ASSERT_EQUAL(parse_opts(win, 12, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1460);
	CU_ASSERT_EQUAL(o.has_wscale, 1);
	CU_ASSERT_EQUAL(o.wscale, 8);
	CU_ASSERT_EQUAL(o.sack_ok, 1);
	CU_ASSERT_EQUAL(o.has_ts, 0);

	CU_ASSERT_EQUAL(parse_opts(odd, 24, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1400);
	CU_ASSERT_EQUAL(o.has_wscale, 0);
	CU_ASSERT_EQUAL(o.sack_ok, 0);
	CU_ASSERT_EQUAL(o.has_ts, 0);

	CU_ASSERT_EQUAL(parse_opts(clamp, 20, &o), 0);
	CU_ASSERT_EQUAL(o.has_wscale, 1);
	CU_ASSERT_EQUAL(o.wscale, 14);
	CU_ASSERT_EQUAL(o.mss, 0);
	CU_ASSERT_EQUAL(o.has_ts, 1);
	CU_ASSERT_EQUAL(o.tsval, 0xffffffffu);
	CU_ASSERT_EQUAL(o.tsecr, 0xfffffffeu);

	/* No options at all: everything zero, stale values cleared. */
	o.mss = 99;
	o.has_ts = 1;
	CU_ASSERT_EQUAL(parse_opts(NULL, 0, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 0);
	CU_ASSERT_EQUAL(o.has_ts, 0);
}

static void
test_opts_parse_malformed(void)
{
	static const uint8_t zero_len[4] = { 0x02, 0x00, 0x05, 0xb4 };
	static const uint8_t one_len[4] = { 0x01, 0x08, 0x01, 0x00 };
	/* A timestamp (10 bytes) with 6 left in the header. */
	static const uint8_t past[8] = { 0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4 };
	/* MSS (4 bytes) starting with 3 left. */
	static const uint8_t past2[4] = { 0x01, 0x02, 0x04, 0x05 };
	/* A kind in the last byte, its length byte missing. */
	static const uint8_t trunc[4] = { 0x01, 0x01, 0x01, 0x03 };
	/* Valid options before the bad one do not make it valid. */
	static const uint8_t late[8] = { 0x02, 0x04, 0x05, 0xb4, 0x1e, 0x00,
					 0x01, 0x01 };
	struct sl_tcp_opts o;
	uint8_t tcp[60];

	CU_ASSERT_EQUAL(parse_opts(zero_len, 4, &o), -EINVAL);
	CU_ASSERT_EQUAL(parse_opts(one_len, 4, &o), -EINVAL);
	CU_ASSERT_EQUAL(parse_opts(past, 8, &o), -EINVAL);
	CU_ASSERT_EQUAL(parse_opts(past2, 4, &o), -EINVAL);
	CU_ASSERT_EQUAL(parse_opts(trunc, 4, &o), -EINVAL);
	CU_ASSERT_EQUAL(parse_opts(late, 8, &o), -EINVAL);

	/* The same in a buffer exactly as long as the header, so that a
	 * sanitizer build sees any read past it. */
	{
		uint8_t *h = malloc(24);

		CU_ASSERT_FATAL(h != NULL);
		tcp_with_opts(h, trunc, 4);
		CU_ASSERT_EQUAL(sl_tcp_opts_parse(h, &o), -EINVAL);
		tcp_with_opts(h, past2, 4);
		CU_ASSERT_EQUAL(sl_tcp_opts_parse(h, &o), -EINVAL);
		free(h);
	}

	/* A data offset below 5 words. */
	tcp_with_opts(tcp, NULL, 0);
	tcp[12] = 4 << 4;
	CU_ASSERT_EQUAL(sl_tcp_opts_parse(tcp, &o), -EINVAL);

	/* The Linux SYN options cut anywhere inside the timestamp: the
	 * data offset stops the parser, not the bytes that follow. */
	tcp_with_opts(tcp, linux_syn_opts, 8);
	memcpy(tcp + 20, linux_syn_opts, 20);
	CU_ASSERT_EQUAL(sl_tcp_opts_parse(tcp, &o), -EINVAL);
	tcp[12] = 6 << 4;	/* only the MSS */
	CU_ASSERT_EQUAL(sl_tcp_opts_parse(tcp, &o), 0);
	CU_ASSERT_EQUAL(o.mss, 1460);
	CU_ASSERT_EQUAL(o.sack_ok, 0);
}

static void
test_opts_write(void)
{
	static const uint16_t mss[] = { 0, 536, 1460 };
	static const int ws[] = { -1, 0, 7, 14 };
	struct sl_tcp_opts o, p;
	uint8_t buf[32], tcp[60];
	unsigned int a, b, c, d;
	uint32_t len, want;

	/* The full set, byte for byte what Linux writes in its SYN. */
	memset(&o, 0, sizeof(o));
	o.mss = 1460;
	o.sack_ok = 1;
	o.has_ts = 1;
	o.tsval = 2635878202u;
	o.has_wscale = 1;
	o.wscale = 7;
	CU_ASSERT_EQUAL(sl_tcp_opts_write(buf, &o), 20);
	CU_ASSERT_EQUAL(memcmp(buf, linux_syn_opts, 20), 0);

	for (a = 0; a < 3; a++)
	for (b = 0; b < 2; b++)
	for (c = 0; c < 2; c++)
	for (d = 0; d < 4; d++) {
		memset(&o, 0, sizeof(o));
		o.mss = mss[a];
		o.sack_ok = (uint8_t)b;
		o.has_ts = (uint8_t)c;
		o.tsval = c ? 0x01020304u + d : 0;
		o.tsecr = c ? 0xfffffff0u - a : 0;
		o.has_wscale = ws[d] >= 0;
		o.wscale = ws[d] >= 0 ? (uint8_t)ws[d] : 0;
		want = (a ? 4 : 0) + (c ? 12 : b ? 4 : 0) + (ws[d] >= 0 ? 4 : 0);
		memset(buf, 0xee, sizeof(buf));
		len = sl_tcp_opts_write(buf, &o);
		CU_ASSERT_EQUAL(len, want);
		CU_ASSERT(len % 4 == 0 && len <= 20);
		CU_ASSERT_EQUAL(buf[len], 0xee);	/* nothing beyond */
		tcp_with_opts(tcp, buf, len);
		CU_ASSERT_EQUAL(sl_tcp_opts_parse(tcp, &p), 0);
		CU_ASSERT_EQUAL(memcmp(&o, &p, sizeof(o)), 0);
	}

	/* Timestamp without SACK: two NOPs keep it aligned. */
	memset(&o, 0, sizeof(o));
	o.has_ts = 1;
	o.tsval = 0x11223344;
	o.tsecr = 0x55667788;
	CU_ASSERT_EQUAL(sl_tcp_opts_write(buf, &o), 12);
	{
		static const uint8_t want_b[12] = {
			0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,
			0x55, 0x66, 0x77, 0x88,
		};

		CU_ASSERT_EQUAL(memcmp(buf, want_b, 12), 0);
	}
	/* Nothing to write. */
	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL(sl_tcp_opts_write(buf, &o), 0);
}

/* ---- SYN cookies --------------------------------------------------------- */

static const struct sl_cookie_secret secret = {
	{ 0x0123456789abcdefULL, 0xfedcba9876543210ULL },
};

/* A period start far from zero; the 5-bit field is (T0 / 64) & 31 = 8. */
#define T0	(64u * 5000u)

static void
key4(struct sl_flow_key *k)
{
	mk_key(k, "198.18.0.1", 40000, "198.19.0.10", 443);
}

static void
key6(struct sl_flow_key *k)
{
	mk_key(k, "2001:db8::1", 40000, "2001:db8:1::10", 443);
}

/* The client's ACK to our SYN-ACK: timestamps echoed when we sent them. */
static void
ack_of(const struct sl_tcp_opts *ours, struct sl_tcp_opts *ack)
{
	memset(ack, 0, sizeof(*ack));
	if (ours->has_ts) {
		ack->has_ts = 1;
		ack->tsval = 0x10203040;
		ack->tsecr = ours->tsval;
	}
}

static void
test_cookie_exact(void)
{
	struct sl_tcp_opts syn, ours;
	struct sl_flow_key k4, k6;
	uint32_t c;

	key4(&k4);
	key6(&k6);

	/* No timestamps: only the MSS, option byte 0x40. */
	memset(&syn, 0, sizeof(syn));
	syn.mss = 1460;
	c = sl_cookie_make(&secret, &k4, 0x12345678, &syn, 9, T0 + 5, 777,
			   &ours);
	CU_ASSERT_EQUAL(c, ref_cookie(&secret, &k4, 0x12345678, T0 + 5, 6,
				      0x40));
	CU_ASSERT_EQUAL(c >> 27, 8);
	CU_ASSERT_EQUAL((c >> 24) & 7, 6);
	CU_ASSERT_EQUAL(ours.mss, 1460);
	CU_ASSERT(!ours.has_ts && !ours.has_wscale && !ours.sack_ok);

	/* Timestamps, wscale 7, SACK: option bits 0x17 in the MAC and in
	 * the low 6 bits of our TSval. */
	syn.mss = 1400;
	syn.has_ts = 1;
	syn.tsval = 0xdeadbeef;
	syn.has_wscale = 1;
	syn.wscale = 7;
	syn.sack_ok = 1;
	c = sl_cookie_make(&secret, &k6, 0xffffffff, &syn, 9, T0 + 63,
			   0x12345678, &ours);
	CU_ASSERT_EQUAL(c, ref_cookie(&secret, &k6, 0xffffffff, T0 + 63, 4,
				      0x17));
	CU_ASSERT_EQUAL(ours.mss, 1400);
	CU_ASSERT_EQUAL(ours.has_ts, 1);
	CU_ASSERT_EQUAL(ours.tsval, 0x12345640u | 0x17);
	CU_ASSERT_EQUAL(ours.tsecr, 0xdeadbeef);
	CU_ASSERT_EQUAL(ours.has_wscale, 1);
	CU_ASSERT_EQUAL(ours.wscale, 9);
	CU_ASSERT_EQUAL(ours.sack_ok, 1);

	/* Timestamps without wscale or SACK: 0x0f. */
	syn.has_wscale = 0;
	syn.sack_ok = 0;
	c = sl_cookie_make(&secret, &k4, 1, &syn, 9, T0, 0x3f, &ours);
	CU_ASSERT_EQUAL(c, ref_cookie(&secret, &k4, 1, T0, 4, 0x0f));
	CU_ASSERT_EQUAL(ours.tsval, 0x0f);
	CU_ASSERT_EQUAL(ours.has_wscale, 0);
	CU_ASSERT_EQUAL(ours.sack_ok, 0);

	/* The same inputs, the same cookie (no hidden state). */
	CU_ASSERT_EQUAL(sl_cookie_make(&secret, &k4, 1, &syn, 9, T0, 0x3f,
				       &ours), c);
}

/* The table value a client MSS gets. */
static uint16_t
expect_mss(uint16_t client)
{
	int i;

	if (client == 0)
		client = 536;
	for (i = 7; i > 0; i--)
		if (mss_table[i] <= client)
			break;
	return mss_table[i];
}

static void
roundtrip_one(const struct sl_flow_key *k, const struct sl_tcp_opts *syn)
{
	struct sl_tcp_opts ours, ack, out;
	uint32_t c, isn = 0x89abcdef;

	c = sl_cookie_make(&secret, k, isn, syn, 10, T0 + 30, 0xabcdef01,
			   &ours);
	CU_ASSERT_EQUAL(ours.mss, expect_mss(syn->mss));
	CU_ASSERT_EQUAL(ours.has_ts, syn->has_ts);
	CU_ASSERT_EQUAL(ours.has_wscale, syn->has_ts && syn->has_wscale);
	CU_ASSERT_EQUAL(ours.sack_ok, syn->has_ts && syn->sack_ok);
	if (ours.has_wscale)
		CU_ASSERT_EQUAL(ours.wscale, 10);
	if (syn->has_ts) {
		CU_ASSERT_EQUAL(ours.tsval & ~0x3fu, 0xabcdef00u);
		CU_ASSERT_EQUAL(ours.tsecr, syn->tsval);
	}

	ack_of(&ours, &ack);
	memset(&out, 0xaa, sizeof(out));
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, k, isn, c, &ack, T0 + 90,
					&out), 0);
	CU_ASSERT_EQUAL(out.mss, expect_mss(syn->mss));
	CU_ASSERT_EQUAL(out.has_ts, syn->has_ts);
	if (syn->has_ts) {
		CU_ASSERT_EQUAL(out.has_wscale, syn->has_wscale);
		CU_ASSERT_EQUAL(out.wscale, syn->has_wscale ? syn->wscale : 0);
		CU_ASSERT_EQUAL(out.sack_ok, syn->sack_ok);
		CU_ASSERT_EQUAL(out.tsval, ack.tsval);
		CU_ASSERT_EQUAL(out.tsecr, ack.tsecr);
	} else {
		CU_ASSERT(!out.has_wscale && !out.wscale && !out.sack_ok &&
			  !out.tsval && !out.tsecr);
	}
}

static void
test_cookie_roundtrip(void)
{
	static const int ws[] = { -1, 0, 1, 7, 14 };
	struct sl_flow_key keys[2];
	uint16_t client[40];
	unsigned int n = 0, i, f, ts, w, sack;
	struct sl_tcp_opts syn;

	key4(&keys[0]);
	key6(&keys[1]);
	for (i = 0; i < 8; i++) {
		client[n++] = mss_table[i];
		client[n++] = (uint16_t)(mss_table[i] + 1);
		client[n++] = (uint16_t)(mss_table[i] - 1);
	}
	client[n++] = 0;
	client[n++] = 1;
	client[n++] = 65535;
	/* Every table value is reached, and only from its own range. */
	CU_ASSERT_EQUAL(expect_mss(1459), 1440);
	CU_ASSERT_EQUAL(expect_mss(535), 536);

	for (f = 0; f < 2; f++)
	for (i = 0; i < n; i++)
	for (ts = 0; ts < 2; ts++)
	for (w = 0; w < 5; w++)
	for (sack = 0; sack < 2; sack++) {
		memset(&syn, 0, sizeof(syn));
		syn.mss = client[i];
		syn.has_ts = (uint8_t)ts;
		syn.tsval = ts ? 0x7000000u + i : 0;
		syn.has_wscale = ws[w] >= 0;
		syn.wscale = ws[w] >= 0 ? (uint8_t)ws[w] : 0;
		syn.sack_ok = (uint8_t)sack;
		roundtrip_one(&keys[f], &syn);
	}
}

static void
test_cookie_expiry(void)
{
	struct sl_tcp_opts syn = { .mss = 1460 }, ours, ack, out;
	struct sl_flow_key k;
	uint32_t c;

	key4(&k);
	c = sl_cookie_make(&secret, &k, 42, &syn, 7, T0 + 10, 0, &ours);
	ack_of(&ours, &ack);

	/* Same period, next period. */
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 + 10,
					&out), 0);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 + 63,
					&out), 0);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 + 64,
					&out), 0);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 + 127,
					&out), 0);
	/* Two periods later and beyond, until the 5 bits come round. */
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 + 128,
					&out), -ETIMEDOUT);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack,
					T0 + 31 * 64, &out), -ETIMEDOUT);
	/* From the future: a check in the period before the cookie's. */
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 - 1,
					&out), -ETIMEDOUT);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, T0 - 64 * 5,
					&out), -ETIMEDOUT);
	/* 32 and 33 periods later the 5 bits look fresh again: the full
	 * counter in the MAC refuses the replay. */
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack,
					T0 + 32 * 64, &out), -EBADMSG);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack,
					T0 + 33 * 64 + 63, &out), -EBADMSG);

	/* The 5-bit field wraps from 31 to 0 between two valid periods. */
	c = sl_cookie_make(&secret, &k, 42, &syn, 7, 64 * 31 + 5, 0, &ours);
	CU_ASSERT_EQUAL(c >> 27, 31);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, 64 * 32,
					&out), 0);
	CU_ASSERT_EQUAL(sl_cookie_check(&secret, &k, 42, c, &ack, 64 * 33,
					&out), -ETIMEDOUT);
}

static int
check(const struct sl_flow_key *k, uint32_t isn, uint32_t c,
      const struct sl_tcp_opts *ack, uint32_t now_s)
{
	struct sl_tcp_opts out;

	return sl_cookie_check(&secret, k, isn, c, ack, now_s, &out);
}

static void
test_cookie_forged(void)
{
	struct sl_tcp_opts syn = {
		.mss = 1460, .has_ts = 1, .tsval = 5, .has_wscale = 1,
		.wscale = 7, .sack_ok = 1,
	};
	struct sl_cookie_secret other = secret;
	struct sl_tcp_opts ours, ack, bad, out;
	struct sl_flow_key k, k2;
	uint32_t c, isn = 1000, now = T0 + 20, t5, t5f, age, when;
	unsigned int n, timedout = 0, badmsg = 0;
	int bit, r, want;

	key4(&k);
	c = sl_cookie_make(&secret, &k, isn, &syn, 7, now, 123456, &ours);
	ack_of(&ours, &ack);
	CU_ASSERT_FATAL(check(&k, isn, c, &ack, now) == 0);

	/* Every single-bit change of the cookie, checked in its own period
	 * and in the next: the time field gives -ETIMEDOUT when the flipped
	 * counter is out of the window, else the MAC fails; a flip anywhere
	 * else fails the MAC. */
	for (n = 0; n < 2; n++) {
		when = now + 64 * (uint32_t)n;
		t5 = c >> 27;
		for (bit = 0; bit < 32; bit++) {
			r = check(&k, isn, c ^ (1u << bit), &ack, when);
			want = -EBADMSG;
			if (bit >= 27) {
				t5f = t5 ^ (1u << (bit - 27));
				age = ((when / 64) - t5f) & 31;
				want = age > 1 ? -ETIMEDOUT : -EBADMSG;
			}
			CU_ASSERT_EQUAL(r, want);
			timedout += r == -ETIMEDOUT;
			badmsg += r == -EBADMSG;
		}
	}
	/* Period 5000 (t5 = 8): all five time bits -> -ETIMEDOUT; period
	 * 5001 (t5 = 9): bit 27 turns 8 into 9, the current period. */
	CU_ASSERT_EQUAL(timedout, 9);
	CU_ASSERT_EQUAL(badmsg, 64 - 9);

	/* Another secret, ISN, port, address or family. */
	other.k[0] ^= 1;
	CU_ASSERT_EQUAL(sl_cookie_check(&other, &k, isn, c, &ack, now, &out),
			-EBADMSG);
	other = secret;
	other.k[1] ^= 1ULL << 63;
	CU_ASSERT_EQUAL(sl_cookie_check(&other, &k, isn, c, &ack, now, &out),
			-EBADMSG);
	CU_ASSERT_EQUAL(check(&k, isn + 1, c, &ack, now), -EBADMSG);
	CU_ASSERT_EQUAL(check(&k, isn ^ 0x80000000u, c, &ack, now), -EBADMSG);
	k2 = k;
	k2.sport = htons(40001);
	CU_ASSERT_EQUAL(check(&k2, isn, c, &ack, now), -EBADMSG);
	k2 = k;
	k2.dport = htons(80);
	CU_ASSERT_EQUAL(check(&k2, isn, c, &ack, now), -EBADMSG);
	mk_key(&k2, "198.18.0.2", 40000, "198.19.0.10", 443);
	CU_ASSERT_EQUAL(check(&k2, isn, c, &ack, now), -EBADMSG);
	mk_key(&k2, "198.18.0.1", 40000, "198.19.0.11", 443);
	CU_ASSERT_EQUAL(check(&k2, isn, c, &ack, now), -EBADMSG);
	k2 = k;
	k2.family = AF_INET6;
	CU_ASSERT_EQUAL(check(&k2, isn, c, &ack, now), -EBADMSG);

	/* Each option bit of the TSecr, the zero bit included. */
	for (bit = 0; bit < 6; bit++) {
		bad = ack;
		bad.tsecr ^= 1u << bit;
		CU_ASSERT_EQUAL(check(&k, isn, c, &bad, now), -EBADMSG);
	}
	/* The TSecr bits above them are the client's echo, not covered. */
	bad = ack;
	bad.tsecr ^= 0xffffffc0u;
	CU_ASSERT_EQUAL(check(&k, isn, c, &bad, now), 0);
	/* Timestamps dropped from the ACK. */
	bad = ack;
	bad.has_ts = 0;
	CU_ASSERT_EQUAL(check(&k, isn, c, &bad, now), -EBADMSG);

	/* A cookie made without timestamps, an ACK that has them: whatever
	 * its TSecr, the option byte cannot be the "no timestamps" one. */
	syn.has_ts = 0;
	c = sl_cookie_make(&secret, &k, isn, &syn, 7, now, 123456, &ours);
	ack_of(&ours, &ack);
	CU_ASSERT_EQUAL(check(&k, isn, c, &ack, now), 0);
	bad = ack;
	bad.has_ts = 1;
	for (bit = 0; bit < 64; bit++) {
		bad.tsecr = (uint32_t)bit;
		CU_ASSERT_EQUAL(check(&k, isn, c, &bad, now), -EBADMSG);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted: how many equal their predecessor. */
static unsigned int
dups(uint32_t *v, unsigned int n)
{
	unsigned int i, d = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 1; i < n; i++)
		d += v[i] == v[i - 1];
	return d;
}

#define SPREAD_N	10000

static void
test_cookie_spread(void)
{
	static uint32_t c[SPREAD_N], ones[24];
	struct sl_tcp_opts syn = { .mss = 1460 }, ours;
	struct sl_cookie_secret s;
	struct sl_flow_key k, base;
	uint32_t isn;
	unsigned int i, b;

	rng_state = 0x9e3779b97f4a7c15ULL;
	key4(&base);

	/* Random clients (198.18.0.0/16, any port, any ISN), one secret.
	 * 24 bits of MAC: about n^2 / 2^25 = 3 collisions expected. */
	for (i = 0; i < SPREAD_N; i++) {
		k = base;
		rng_fill((uint8_t *)k.src + 2, 2);
		rng_fill(&k.sport, 2);
		rng_fill(&isn, sizeof(isn));
		c[i] = sl_cookie_make(&secret, &k, isn, &syn, 7, T0, 0,
				      &ours) & 0xffffff;
		for (b = 0; b < 24; b++)
			ones[b] += (c[i] >> b) & 1;
	}
	CU_ASSERT(dups(c, SPREAD_N) <= 15);
	/* Each MAC bit set about half the time (sigma = 50). */
	for (b = 0; b < 24; b++)
		CU_ASSERT(ones[b] > 4700 && ones[b] < 5300);

	/* Random secrets, one flow. */
	for (i = 0; i < SPREAD_N; i++) {
		rng_fill(&s, sizeof(s));
		c[i] = sl_cookie_make(&s, &base, 1, &syn, 7, T0, 0, &ours);
	}
	CU_ASSERT(dups(c, SPREAD_N) <= 15);
}

/* ---- built segments ------------------------------------------------------ */

static void
assert_csums(const uint8_t *l3)
{
	uint16_t c;

	if ((l3[0] >> 4) == 4) {
		CU_ASSERT_EQUAL(ref_sum(l3, 20, 0), 0xffff);
		c = sl_csum_ipv4_hdr(l3);
		CU_ASSERT_EQUAL(memcmp(&c, l3 + 10, 2), 0);
	}
	CU_ASSERT_EQUAL(ref_l4_sum(l3), 0xffff);
}

static void
test_build_v4(void)
{
	static const uint8_t ip_want[20] = {
		0x45, 0x00, 0x00, 0x41, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
		0xff, 0xff,	/* checksum: checked apart */
		198, 19, 0, 10, 198, 18, 0, 1,
	};
	static const uint8_t tcp_want[20] = {
		0x01, 0xbb, 0x9c, 0x40, 0x01, 0x02, 0x03, 0x04,
		0xa0, 0xb0, 0xc0, 0xd1, 0xa0, 0x12, 0xfa, 0xf0,
		0xff, 0xff, 0x00, 0x00,
	};
	struct sl_tcp_opts o = {
		.mss = 1460, .sack_ok = 1, .has_ts = 1, .tsval = 2635878202u,
		.has_wscale = 1, .wscale = 7,
	};
	struct sl_tcp_seg s = {
		.seq = 0x01020304, .ack = 0xa0b0c0d1,
		.flags = SL_TCP_SYN | SL_TCP_ACK, .win = 0xfaf0, .opts = &o,
		.payload = (const uint8_t *)"hello", .payload_len = 5,
	};
	uint8_t f[FRAME_MAX], *ip = f + ETH, *tcp = ip + 20;
	struct sl_pkt_info pi;
	struct sl_flow_key want;
	uint8_t cmp[20];

	mk_key(&s.key, "198.19.0.10", 443, "198.18.0.1", 40000);
	want = s.key;
	memset(f, 0xcc, sizeof(f));
	CU_ASSERT_EQUAL(mk_tcp(f, &s, &pi), ETH + 65);
	CU_ASSERT_EQUAL(f[ETH + 65], 0xcc);
	memcpy(cmp, ip, 20);
	cmp[10] = cmp[11] = 0xff;
	CU_ASSERT_EQUAL(memcmp(cmp, ip_want, 20), 0);
	memcpy(cmp, tcp, 20);
	cmp[16] = cmp[17] = 0xff;
	CU_ASSERT_EQUAL(memcmp(cmp, tcp_want, 20), 0);
	CU_ASSERT_EQUAL(memcmp(tcp + 20, linux_syn_opts, 20), 0);
	CU_ASSERT_EQUAL(memcmp(tcp + 40, "hello", 5), 0);
	assert_csums(ip);

	CU_ASSERT_EQUAL(pi.family, AF_INET);
	CU_ASSERT_EQUAL(pi.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(pi.l3_len, 65);
	CU_ASSERT_EQUAL(pi.l4_len, 45);
	CU_ASSERT_EQUAL(pi.ttl, 64);
	CU_ASSERT_EQUAL(pi.tcp_flags, SL_TCP_SYN | SL_TCP_ACK);
	CU_ASSERT(sl_flow_key_eq(&pi.key, &want));

	/* No options, no payload: data offset 5, 40 bytes. */
	s.opts = NULL;
	s.payload_len = 0;
	s.flags = SL_TCP_ACK;
	CU_ASSERT_EQUAL(mk_tcp(f, &s, &pi), ETH + 40);
	CU_ASSERT_EQUAL(sl_rd16(ip + 2), 40);
	CU_ASSERT_EQUAL(tcp[12], 0x50);
	CU_ASSERT_EQUAL(tcp[13], SL_TCP_ACK);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 4), 0x01020304);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 0xa0b0c0d1);
	assert_csums(ip);
}

static void
test_build_v6(void)
{
	static const uint8_t ip_want[8] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40,
	};
	struct sl_tcp_opts o = { .mss = 1220, .has_wscale = 1, .wscale = 3 };
	struct sl_tcp_seg s = {
		.seq = 0xfffffff0, .ack = 7, .flags = SL_TCP_SYN, .win = 1024,
		.opts = &o, .payload = (const uint8_t *)"abcdefghijklmnopq",
		.payload_len = 17,
	};
	uint8_t f[FRAME_MAX], g[FRAME_MAX], *ip = f + ETH, *tcp = ip + 40;
	struct sl_pkt_info pi;
	uint16_t c;

	mk_key(&s.key, "2001:db8::1", 1234, "2001:db8:1::10", 80);
	CU_ASSERT_EQUAL(mk_tcp(f, &s, &pi), ETH + 40 + 28 + 17);
	CU_ASSERT_EQUAL(memcmp(ip, ip_want, 4), 0);
	CU_ASSERT_EQUAL(sl_rd16(ip + 4), 28 + 17);
	CU_ASSERT_EQUAL(ip[6], 6);
	CU_ASSERT_EQUAL(ip[7], 64);
	CU_ASSERT_EQUAL(memcmp(ip + 8, s.key.src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 24, s.key.dst, 16), 0);
	CU_ASSERT_EQUAL(sl_rd16(tcp), 1234);
	CU_ASSERT_EQUAL(sl_rd16(tcp + 2), 80);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 4), 0xfffffff0u);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 7);
	CU_ASSERT_EQUAL(tcp[12], 0x70);
	CU_ASSERT_EQUAL(tcp[13], SL_TCP_SYN);
	CU_ASSERT_EQUAL(sl_rd16(tcp + 14), 1024);
	CU_ASSERT_EQUAL(sl_rd16(tcp + 18), 0);
	{
		static const uint8_t opt_want[8] = {
			0x02, 0x04, 0x04, 0xc4, 0x01, 0x03, 0x03, 0x03,
		};

		CU_ASSERT_EQUAL(memcmp(tcp + 20, opt_want, 8), 0);
	}
	CU_ASSERT_EQUAL(memcmp(tcp + 28, "abcdefghijklmnopq", 17), 0);
	assert_csums(ip);
	c = sl_csum_l4(AF_INET6, ip, IPPROTO_TCP, tcp, 28 + 17);
	CU_ASSERT_EQUAL(memcmp(&c, tcp + 16, 2), 0);
	CU_ASSERT_EQUAL(pi.l4_len, 45);
	CU_ASSERT(sl_flow_key_eq(&pi.key, &s.key));

	/* The payload already in place behind where the headers go. */
	memset(g, 0, sizeof(g));
	eth_hdr(g, AF_INET6);
	memcpy(g + ETH + 68, "abcdefghijklmnopq", 17);
	s.payload = g + ETH + 68;
	CU_ASSERT_EQUAL(sl_tcp_build(g + ETH, &s), 85);
	CU_ASSERT_EQUAL(memcmp(g, f, ETH + 85), 0);
}

/* The RST answering the packet in f; parsed into rp. */
static uint32_t
rst_of(const uint8_t *f, const struct sl_pkt_info *pi, uint8_t *r,
       struct sl_pkt_info *rp)
{
	uint32_t len;

	eth_hdr(r, pi->family);
	len = sl_tcp_rst_build(r + ETH, f, pi);
	if (len != 0)
		CU_ASSERT_FATAL(sl_pkt_parse(r, ETH + len, rp) ==
				SL_DROP_NONE);
	return len;
}

static void
test_rst_syn(void)
{
	struct sl_tcp_opts o = { .mss = 1460, .has_ts = 1, .tsval = 9 };
	struct sl_tcp_seg s = {
		.seq = 0xfffffffe, .flags = SL_TCP_SYN, .win = 64240,
		.opts = &o,
	};
	uint8_t f[FRAME_MAX], r[FRAME_MAX], *tcp = r + ETH + 20;
	struct sl_pkt_info pi, rp;
	struct sl_flow_key rev;

	mk_key(&s.key, "198.18.0.1", 40000, "198.19.0.10", 443);
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(rst_of(f, &pi, r, &rp), 40);
	sl_flow_key_reverse(&pi.key, &rev);
	CU_ASSERT(sl_flow_key_eq(&rp.key, &rev));
	CU_ASSERT_EQUAL(rp.tcp_flags, SL_TCP_RST | SL_TCP_ACK);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 4), 0);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 0xffffffffu);	/* isn + 1 */
	CU_ASSERT_EQUAL(tcp[12], 0x50);
	CU_ASSERT_EQUAL(sl_rd16(tcp + 14), 0);
	CU_ASSERT_EQUAL(rp.l4_len, 20);
	assert_csums(r + ETH);

	/* Sequence wrap; a SYN with data (TFO) counts its bytes too. */
	s.seq = 0xffffffff;
	mk_tcp(f, &s, &pi);
	rst_of(f, &pi, r, &rp);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 0);
	s.seq = 1000;
	s.payload = (const uint8_t *)"0123456789";
	s.payload_len = 10;
	mk_tcp(f, &s, &pi);
	rst_of(f, &pi, r, &rp);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 1011);
	/* A FIN without ACK and 3 bytes: seq + 3 + 1. */
	s.flags = SL_TCP_FIN;
	s.payload_len = 3;
	mk_tcp(f, &s, &pi);
	rst_of(f, &pi, r, &rp);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 1004);
	CU_ASSERT_EQUAL(rp.tcp_flags, SL_TCP_RST | SL_TCP_ACK);
	assert_csums(r + ETH);

	/* Written in place over the SYN itself. */
	s.flags = SL_TCP_SYN;
	s.payload_len = 0;
	s.seq = 0x11111111;
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(sl_tcp_rst_build(f + ETH, f, &pi), 40);
	CU_ASSERT_FATAL(sl_pkt_parse(f, ETH + 40, &rp) == SL_DROP_NONE);
	CU_ASSERT(sl_flow_key_eq(&rp.key, &rev));
	CU_ASSERT_EQUAL(sl_rd32(f + ETH + 20 + 8), 0x11111112);
	assert_csums(f + ETH);
}

static void
test_rst_ack_data(void)
{
	static uint8_t data[100];
	struct sl_tcp_seg s = {
		.seq = 0x10000000, .ack = 0xcafebabe,
		.flags = SL_TCP_ACK | SL_TCP_PSH, .win = 500,
		.payload = data, .payload_len = sizeof(data),
	};
	uint8_t f[FRAME_MAX], r[FRAME_MAX], *tcp = r + ETH + 40;
	struct sl_pkt_info pi, rp;
	struct sl_flow_key rev;

	memset(data, 'x', sizeof(data));
	mk_key(&s.key, "2001:db8::1", 40000, "2001:db8:1::10", 443);
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(rst_of(f, &pi, r, &rp), 60);
	sl_flow_key_reverse(&pi.key, &rev);
	CU_ASSERT(sl_flow_key_eq(&rp.key, &rev));
	CU_ASSERT_EQUAL(rp.tcp_flags, SL_TCP_RST);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 4), 0xcafebabe);
	CU_ASSERT_EQUAL(sl_rd32(tcp + 8), 0);
	CU_ASSERT_EQUAL(sl_rd16(r + ETH + 4), 20);
	assert_csums(r + ETH);
}

static void
test_rst_none(void)
{
	static const uint8_t udp[12] = { 0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c,
					 0, 0, 'a', 'b', 'c', 'd' };
	struct sl_tcp_seg s = { .seq = 1, .ack = 2, .flags = SL_TCP_RST };
	uint8_t f[FRAME_MAX], r[FRAME_MAX];
	struct sl_pkt_info pi, rp;
	uint32_t len;

	mk_key(&s.key, "198.18.0.1", 40000, "198.19.0.10", 443);
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(rst_of(f, &pi, r, &rp), 0);
	s.flags = SL_TCP_RST | SL_TCP_ACK;
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(rst_of(f, &pi, r, &rp), 0);

	len = mk_ip(f, &s.key, IPPROTO_UDP, udp, sizeof(udp));
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(rst_of(f, &pi, r, &rp), 0);
}

/* The ICMP unreachable for the packet in f; checks everything that does
 * not depend on the family and returns the quote length. */
static uint32_t
unreach_of(const uint8_t *f, const struct sl_pkt_info *pi, uint8_t *r)
{
	int v4 = pi->family == AF_INET;
	uint32_t hl = v4 ? 20 : 40, len, q;
	struct sl_pkt_info rp;
	const uint8_t *ip = r + ETH, *icmp = ip + hl;

	eth_hdr(r, pi->family);
	len = sl_icmp_unreach_build(r + ETH, f, pi);
	if (len == 0)
		return 0;
	CU_ASSERT_FATAL(len > hl + 8);
	q = len - hl - 8;
	CU_ASSERT(len <= (v4 ? 576u : 1280u));
	CU_ASSERT_EQUAL(q, pi->l3_len < (v4 ? 548u : 1232u) ? pi->l3_len :
			(v4 ? 548u : 1232u));
	CU_ASSERT_FATAL(sl_pkt_parse(r, ETH + len, &rp) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(rp.l3_len, len);
	CU_ASSERT_EQUAL(rp.proto, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(icmp[0], v4 ? 3 : 1);
	CU_ASSERT_EQUAL(icmp[1], v4 ? 13 : 1);
	CU_ASSERT_EQUAL(rp.icmp_type, icmp[0]);
	CU_ASSERT_EQUAL(rp.icmp_code, icmp[1]);
	CU_ASSERT_EQUAL(sl_rd32(icmp + 4), 0);
	CU_ASSERT_EQUAL(rp.ttl, 64);
	/* From the packet's destination to its source. */
	CU_ASSERT_EQUAL(memcmp(rp.key.src, pi->key.dst, sizeof(rp.key.src)),
			0);
	CU_ASSERT_EQUAL(memcmp(rp.key.dst, pi->key.src, sizeof(rp.key.dst)),
			0);
	CU_ASSERT_EQUAL(memcmp(icmp + 8, f + pi->l3_off, q), 0);
	assert_csums(ip);
	return q;
}

static void
test_icmp_v4(void)
{
	static uint8_t big[1480];
	static const uint8_t icmp_err[8] = { 3, 3, 0, 0, 0, 0, 0, 0 };
	static const uint8_t icmp_ttl[8] = { 11, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
	struct sl_tcp_opts o = { .mss = 1460, .has_ts = 1, .sack_ok = 1 };
	struct sl_tcp_seg s = { .seq = 1, .flags = SL_TCP_SYN, .opts = &o };
	uint8_t f[FRAME_MAX], r[FRAME_MAX], *ip = r + ETH;
	struct sl_pkt_info pi;
	uint32_t len, i;

	mk_key(&s.key, "198.18.0.1", 40000, "198.19.0.10", 443);
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(pi.l3_len, 56);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 56);
	CU_ASSERT_EQUAL(sl_rd16(ip + 2), 84);
	CU_ASSERT_EQUAL(ip[0], 0x45);
	CU_ASSERT_EQUAL(sl_rd16(ip + 6), 0x4000);
	CU_ASSERT_EQUAL(ip[9], IPPROTO_ICMP);

	/* A full-sized UDP datagram: 576 bytes in all, 548 quoted. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	sl_wr16(big + 4, sizeof(big));
	len = mk_ip(f, &s.key, IPPROTO_UDP, big, sizeof(big));
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 548);
	CU_ASSERT_EQUAL(sl_rd16(ip + 2), 576);
	/* Just fitting, and one byte too many. */
	sl_wr16(big + 4, 528);
	len = mk_ip(f, &s.key, IPPROTO_UDP, big, 528);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 548);
	sl_wr16(big + 4, 529);
	len = mk_ip(f, &s.key, IPPROTO_UDP, big, 529);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 548);
	/* Written in place over the packet it answers. */
	memcpy(r, f, len);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(f + ETH, f, &pi), 576);
	len = sl_icmp_unreach_build(r + 600, r, &pi);
	CU_ASSERT_EQUAL(memcmp(f + ETH, r + 600, len), 0);

	/* Never about an ICMP error; an echo request is answered. */
	len = mk_ip(f, &s.key, IPPROTO_ICMP, icmp_err, 8);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(r + ETH, f, &pi), 0);
	len = mk_ip(f, &s.key, IPPROTO_ICMP, icmp_ttl, 8);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(r + ETH, f, &pi), 0);
	len = mk_ip(f, &s.key, IPPROTO_ICMP, echo, 8);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 28);
}

static void
test_icmp_v6(void)
{
	static uint8_t big[1460];
	static const uint8_t icmp_err[8] = { 1, 4, 0, 0, 0, 0, 0, 0 };
	static const uint8_t icmp_ptb[8] = { 2, 0, 0, 0, 0, 0, 0x05, 0xdc };
	static const uint8_t echo[8] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1 };
	struct sl_tcp_opts o = { .mss = 1440, .has_wscale = 1, .wscale = 7 };
	struct sl_tcp_seg s = { .seq = 1, .flags = SL_TCP_SYN, .opts = &o };
	uint8_t f[FRAME_MAX], r[FRAME_MAX], g[FRAME_MAX], *ip = r + ETH;
	struct sl_pkt_info pi;
	uint32_t len, i;

	mk_key(&s.key, "2001:db8::1", 40000, "2001:db8:1::10", 443);
	mk_tcp(f, &s, &pi);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 68);
	CU_ASSERT_EQUAL(sl_rd32(ip), 0x60000000);
	CU_ASSERT_EQUAL(sl_rd16(ip + 4), 76);
	CU_ASSERT_EQUAL(ip[6], IPPROTO_ICMPV6);

	/* 1500 bytes: 1280 in all, 1232 quoted. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 1);
	sl_wr16(big + 4, sizeof(big));
	len = mk_ip(f, &s.key, IPPROTO_UDP, big, sizeof(big));
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 1232);
	CU_ASSERT_EQUAL(sl_rd16(ip + 4), 1240);
	/* In place. */
	memcpy(r, f, len);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(f + ETH, f, &pi), 1280);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(g + ETH, r, &pi), 1280);
	CU_ASSERT_EQUAL(memcmp(f + ETH, g + ETH, 1280), 0);

	len = mk_ip(f, &s.key, IPPROTO_ICMPV6, icmp_err, 8);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(r + ETH, f, &pi), 0);
	len = mk_ip(f, &s.key, IPPROTO_ICMPV6, icmp_ptb, 8);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(sl_icmp_unreach_build(r + ETH, f, &pi), 0);
	len = mk_ip(f, &s.key, IPPROTO_ICMPV6, echo, 8);
	CU_ASSERT_FATAL(sl_pkt_parse(f, len, &pi) == SL_DROP_NONE);
	CU_ASSERT_EQUAL(unreach_of(f, &pi, r), 48);
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "siphash reference vectors", test_siphash_ref },
		{ "options: real-world SYNs", test_opts_parse_real },
		{ "options: malformed lists", test_opts_parse_malformed },
		{ "options: write, parse back", test_opts_write },
		{ "cookie: exact value", test_cookie_exact },
		{ "cookie: round trip", test_cookie_roundtrip },
		{ "cookie: expiry", test_cookie_expiry },
		{ "cookie: forged", test_cookie_forged },
		{ "cookie: MAC spread", test_cookie_spread },
		{ "build: IPv4", test_build_v4 },
		{ "build: IPv6", test_build_v6 },
		{ "rst: for a SYN", test_rst_syn },
		{ "rst: for data with ACK", test_rst_ack_data },
		{ "rst: never for RST or UDP", test_rst_none },
		{ "icmp unreachable: IPv4", test_icmp_v4 },
		{ "icmp unreachable: IPv6", test_icmp_v6 },
	};

	return sl_test_run("tcp", tests, sizeof(tests) / sizeof(tests[0]));
}
