/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests: sequence / timestamp translation, window rescaling, MSS
 * lowering and the PROXY v2 header (sl_tcpseq.c).
 *
 * Method: a frame is built from its fields (checksums computed in full);
 * after a rewrite, the result must equal, byte for byte, the frame built
 * from the expected fields. Checksums are also verified independently:
 * the one's-complement sum over a pseudo header written here and the
 * segment, checksum included, must be all ones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_test.h"

#include "sl_addr.h"
#include "sl_bytes.h"
#include "sl_common.h"
#include "sl_csum.h"
#include "sl_flow.h"
#include "sl_pkt.h"
#include "sl_tcp.h"

#define ROOM		2048
#define L3_OFF		14
#define IP4_HLEN	20
#define IP6_HLEN	40

/* ---- frame builder ------------------------------------------------------ */

struct seg {
	int family;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;	/* raw, optlen a multiple of 4 */
	uint32_t optlen;
	const uint8_t *pay;
	uint32_t paylen;
	uint32_t pad;		/* Ethernet padding after the IP packet */
};

static const uint8_t src4[4] = { 198, 18, 0, 1 };
static const uint8_t dst4[4] = { 198, 18, 1, 10 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 };

/* Returns the frame length; the L4 offset is L3_OFF + 20 or + 40. */
static uint32_t
build(uint8_t *f, const struct seg *s)
{
	uint32_t ihl = s->family == AF_INET ? IP4_HLEN : IP6_HLEN;
	uint32_t tlen = 20 + s->optlen + s->paylen;
	uint8_t *l3 = f + L3_OFF, *t = l3 + ihl;
	uint16_t c;

	memset(f, 0, L3_OFF + ihl + tlen + s->pad);
	memset(f, 0x02, 12);
	if (s->family == AF_INET) {
		sl_wr16(f + 12, SL_ETHERTYPE_IPV4);
		l3[0] = 0x45;
		sl_wr16(l3 + 2, (uint16_t)(ihl + tlen));
		sl_wr16(l3 + 4, 0x1234);
		sl_wr16(l3 + 6, 0x4000);
		l3[8] = 64;
		l3[9] = IPPROTO_TCP;
		memcpy(l3 + 12, src4, 4);
		memcpy(l3 + 16, dst4, 4);
		c = sl_csum_ipv4_hdr(l3);
		memcpy(l3 + 10, &c, 2);
	} else {
		sl_wr16(f + 12, SL_ETHERTYPE_IPV6);
		l3[0] = 0x60;
		sl_wr16(l3 + 4, (uint16_t)tlen);
		l3[6] = IPPROTO_TCP;
		l3[7] = 64;
		memcpy(l3 + 8, src6, 16);
		memcpy(l3 + 24, dst6, 16);
	}
	sl_wr16(t, 40000);
	sl_wr16(t + 2, 443);
	sl_wr32(t + 4, s->seq);
	sl_wr32(t + 8, s->ack);
	t[12] = (uint8_t)(((20 + s->optlen) / 4) << 4);
	t[13] = s->flags;
	sl_wr16(t + 14, s->win);
	memcpy(t + 20, s->opts, s->optlen);
	memcpy(t + 20 + s->optlen, s->pay, s->paylen);
	c = sl_csum_l4(s->family, l3, IPPROTO_TCP, t, tlen);
	memcpy(t + 16, &c, 2);
	return L3_OFF + ihl + tlen + s->pad;
}

/* Independent check: pseudo header (written here) + segment, checksum
 * included, sums to all ones. */
static bool
tcp_csum_ok(const uint8_t *f)
{
	const uint8_t *l3 = f + L3_OFF;
	uint8_t ph[40];
	uint32_t s, phlen, tlen;
	const uint8_t *t;

	memset(ph, 0, sizeof(ph));
	if ((l3[0] >> 4) == 4) {
		tlen = sl_rd16(l3 + 2) - (uint32_t)(l3[0] & 0xf) * 4;
		t = l3 + (l3[0] & 0xf) * 4;
		memcpy(ph, l3 + 12, 8);
		ph[9] = IPPROTO_TCP;
		sl_wr16(ph + 10, (uint16_t)tlen);
		phlen = 12;
	} else {
		tlen = sl_rd16(l3 + 4);
		t = l3 + IP6_HLEN;
		memcpy(ph, l3 + 8, 32);
		sl_wr32(ph + 32, tlen);
		ph[39] = IPPROTO_TCP;
		phlen = 40;
	}
	s = sl_csum_partial(ph, phlen, 0);
	s = sl_csum_partial(t, tlen, s);
	return sl_csum_fold(s) == 0;
}

static bool
ip4_csum_ok(const uint8_t *f)
{
	return sl_csum_fold(sl_csum_partial(f + L3_OFF, IP4_HLEN, 0)) == 0;
}

static uint8_t *
tcp_of(uint8_t *f, int family)
{
	return f + L3_OFF + (family == AF_INET ? IP4_HLEN : IP6_HLEN);
}

/* ---- option composer ------------------------------------------------------ */

struct optspec {
	uint32_t lead;		/* NOPs first */
	uint32_t mid;		/* NOPs between the two options */
	bool ts_first;
	uint32_t nsack;		/* 0 = no SACK option */
	uint32_t sack[8];	/* edges, left/right pairs */
	bool ts;
	uint32_t tsval, tsecr;
};

static void
put_sack(uint8_t *o, uint32_t *n, const struct optspec *sp)
{
	uint32_t i;

	if (sp->nsack == 0)
		return;
	o[(*n)++] = 5;
	o[(*n)++] = (uint8_t)(2 + 8 * sp->nsack);
	for (i = 0; i < 2 * sp->nsack; i++, *n += 4)
		sl_wr32(o + *n, sp->sack[i]);
}

static void
put_ts(uint8_t *o, uint32_t *n, const struct optspec *sp)
{
	if (!sp->ts)
		return;
	o[(*n)++] = 8;
	o[(*n)++] = 10;
	sl_wr32(o + *n, sp->tsval);
	sl_wr32(o + *n + 4, sp->tsecr);
	*n += 8;
}

/* Writes the options (EOL padded to 4); returns their length. */
static uint32_t
compose(uint8_t *o, const struct optspec *sp)
{
	uint32_t n = 0, i;

	for (i = 0; i < sp->lead; i++)
		o[n++] = 1;
	if (sp->ts_first)
		put_ts(o, &n, sp);
	else
		put_sack(o, &n, sp);
	for (i = 0; i < sp->mid; i++)
		o[n++] = 1;
	if (sp->ts_first)
		put_sack(o, &n, sp);
	else
		put_ts(o, &n, sp);
	while (n % 4 != 0)
		o[n++] = 0;
	return n;
}

static const uint8_t noopts[4];
static const uint8_t payload[] = "sluice: an odd payload";	/* 23 bytes */

/* ---- sl_tcp_xlate ------------------------------------------------------- */

/* Builds the segment (seq, ack, options sp) into f; returns its length. */
static uint32_t
build_xl(uint8_t *f, int family, uint8_t flags, uint32_t seq, uint32_t ack,
	 const struct optspec *sp)
{
	uint8_t opts[40];
	struct seg s = {
		.family = family, .seq = seq, .ack = ack, .flags = flags,
		.win = 502, .opts = opts, .pay = payload,
		.paylen = sizeof(payload),
	};

	s.optlen = compose(opts, sp);
	CU_ASSERT_FATAL(s.optlen <= 40);
	return build(f, &s);
}

/* One translation against the expected frame built from scratch. */
static void
xlate_case(int family, uint8_t flags, const struct optspec *sp)
{
	uint8_t f[ROOM], want[ROOM];
	uint32_t seq = (uint32_t)rng_next(), ack = (uint32_t)rng_next(), i;
	struct sl_tcp_xlate x = {
		.seq_add = (uint32_t)rng_next(),
		.ack_sub = (uint32_t)rng_next(),
		.tsval_add = (uint32_t)rng_next(),
		.tsecr_sub = (uint32_t)rng_next(),
	};
	bool has_ack = (flags & SL_TCP_ACK) != 0;
	struct optspec out = *sp;
	uint32_t n, m;

	n = build_xl(f, family, flags, seq, ack, sp);
	for (i = 0; i < 2 * sp->nsack; i++)
		out.sack[i] = sp->sack[i] - x.ack_sub;
	out.tsval = sp->tsval + x.tsval_add;
	if (has_ack)
		out.tsecr = sp->tsecr - x.tsecr_sub;
	m = build_xl(want, family, flags, seq + x.seq_add,
		     has_ack ? ack - x.ack_sub : ack, &out);
	CU_ASSERT_EQUAL_FATAL(n, m);

	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, family), &x), 0);
	CU_ASSERT_EQUAL(memcmp(f, want, n), 0);
	CU_ASSERT(tcp_csum_ok(f));
}

/* Every alignment of both options (NOPs before and between them), both
 * orders, one to three SACK blocks, both families, with and without ACK. */
static void
test_xlate_alignments(void)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct optspec sp;
	uint32_t c, i;

	rng_state = 0x5eedf00d12345678ULL;
	/* c = family, lead (0..3), mid (0..3), SACK blocks (0..3), order. */
	for (c = 0; c < 2 * 4 * 4 * 4 * 2; c++) {
		memset(&sp, 0, sizeof(sp));
		sp.lead = c / 2 % 4;
		sp.mid = c / 8 % 4;
		sp.nsack = c / 32 % 4;
		sp.ts_first = c % 2 != 0;
		/* 40 bytes of options: three blocks leave no room for TS. */
		sp.ts = sp.nsack < 3;
		for (i = 0; i < 8; i++)
			sp.sack[i] = (uint32_t)rng_next();
		sp.tsval = (uint32_t)rng_next();
		sp.tsecr = (uint32_t)rng_next();
		xlate_case(fam[c / 128], SL_TCP_ACK | SL_TCP_PSH, &sp);
		xlate_case(fam[c / 128], SL_TCP_SYN, &sp);
	}
}

/* Wrap-around in every field, read back at hand-computed offsets:
 * NOP, SACK (one block) at 21, TS at 31: edges at 23 and 27, TSval at 33
 * and TSecr at 37, all at odd offsets. */
static void
test_xlate_wrap(void)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct optspec sp = {
		.lead = 1, .nsack = 1, .sack = { 0x8, 0xfffffff8 },
		.ts = true, .tsval = 0xffffffff, .tsecr = 0,
	};
	const struct sl_tcp_xlate x = {
		.seq_add = 0x20, .ack_sub = 0x10, .tsval_add = 2,
		.tsecr_sub = 1,
	};
	uint8_t f[ROOM], *t;
	uint32_t i;

	for (i = 0; i < 2; i++) {
		build_xl(f, fam[i], SL_TCP_ACK, 0xfffffff0, 0x5, &sp);
		t = tcp_of(f, fam[i]);
		CU_ASSERT_EQUAL(t[12] >> 4, 11);	/* 44 bytes */
		CU_ASSERT_EQUAL(t[21], 5);
		CU_ASSERT_EQUAL(t[31], 8);
		CU_ASSERT_EQUAL(sl_tcp_xlate(t, &x), 0);
		CU_ASSERT_EQUAL(sl_rd32(t + 4), 0x10);
		CU_ASSERT_EQUAL(sl_rd32(t + 8), 0xfffffff5);
		CU_ASSERT_EQUAL(sl_rd32(t + 23), 0xfffffff8);
		CU_ASSERT_EQUAL(sl_rd32(t + 27), 0xffffffe8);
		CU_ASSERT_EQUAL(sl_rd32(t + 33), 0x1);
		CU_ASSERT_EQUAL(sl_rd32(t + 37), 0xffffffff);
		CU_ASSERT(tcp_csum_ok(f));
	}
}

/* Without ACK: the ack number and TSecr are left alone, the rest moves. */
static void
test_xlate_no_ack(void)
{
	struct optspec sp = {
		.lead = 1, .nsack = 1, .sack = { 100, 200 },
		.ts = true, .tsval = 1000, .tsecr = 0,
	};
	const struct sl_tcp_xlate x = {
		.seq_add = 7, .ack_sub = 5, .tsval_add = 3, .tsecr_sub = 1,
	};
	uint8_t f[ROOM], *t;

	build_xl(f, AF_INET, SL_TCP_SYN, 1, 77, &sp);
	t = tcp_of(f, AF_INET);
	CU_ASSERT_EQUAL(sl_tcp_xlate(t, &x), 0);
	CU_ASSERT_EQUAL(sl_rd32(t + 4), 8);
	CU_ASSERT_EQUAL(sl_rd32(t + 8), 77);
	CU_ASSERT_EQUAL(sl_rd32(t + 23), 95);
	CU_ASSERT_EQUAL(sl_rd32(t + 27), 195);
	CU_ASSERT_EQUAL(sl_rd32(t + 33), 1003);
	CU_ASSERT_EQUAL(sl_rd32(t + 37), 0);
	CU_ASSERT(tcp_csum_ok(f));
}

/* A zero translation changes no byte; neither does one applied and then
 * undone. Also: a segment without options. */
static void
test_xlate_zero(void)
{
	struct optspec sp = {
		.lead = 3, .mid = 1, .nsack = 2,
		.sack = { 1, 2, 3, 4 }, .ts = true, .tsval = 9, .tsecr = 8,
	};
	const struct sl_tcp_xlate zero = { 0 };
	struct sl_tcp_xlate x = {
		.seq_add = 0x12345678, .ack_sub = 0x9abcdef0,
		.tsval_add = 0x11111111, .tsecr_sub = 0x80000000,
	};
	const struct sl_tcp_xlate undo = {
		.seq_add = 0u - x.seq_add, .ack_sub = 0u - x.ack_sub,
		.tsval_add = 0u - x.tsval_add, .tsecr_sub = 0u - x.tsecr_sub,
	};
	uint8_t f[ROOM], orig[ROOM];
	struct optspec none = { 0 };
	uint32_t n;

	n = build_xl(f, AF_INET6, SL_TCP_ACK, 0xdeadbeef, 0xfeedface, &sp);
	memcpy(orig, f, n);
	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, AF_INET6), &zero), 0);
	CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);
	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, AF_INET6), &x), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(f, orig, n), 0);
	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, AF_INET6), &undo), 0);
	CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);

	n = build_xl(f, AF_INET, SL_TCP_ACK, 10, 20, &none);
	memcpy(orig, f, n);
	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, AF_INET), &zero), 0);
	CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);
	x.seq_add = 5;
	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, AF_INET), &x), 0);
	CU_ASSERT_EQUAL(sl_rd32(tcp_of(f, AF_INET) + 4), 15);
	CU_ASSERT_EQUAL(sl_rd32(tcp_of(f, AF_INET) + 8), 20u - x.ack_sub);
	CU_ASSERT(tcp_csum_ok(f));
}

/* Builds a segment with raw options; returns the frame length. */
static uint32_t
build_raw(uint8_t *f, int family, const uint8_t *opts, uint32_t optlen)
{
	struct seg s = {
		.family = family, .seq = 1000, .ack = 2000,
		.flags = SL_TCP_ACK, .win = 1000, .opts = opts,
		.optlen = optlen, .pay = payload, .paylen = sizeof(payload),
	};

	return build(f, &s);
}

struct rawopts {
	const char *what;
	uint8_t o[12];
	uint32_t len;
};

/* Malformed lists: -EINVAL and not one byte changed. */
static void
test_xlate_malformed(void)
{
	static const struct rawopts bad[] = {
		{ "length 0", { 5, 0, 1, 1 }, 4 },
		{ "length 1", { 1, 8, 1, 0 }, 4 },
		{ "past the end", { 1, 1, 8, 10, 0, 0, 0, 1 }, 8 },
		{ "no length byte", { 1, 1, 1, 2 }, 4 },
		{ "TS of 8 bytes", { 8, 8, 0, 0, 0, 1, 0, 0 }, 8 },
		{ "SACK of 12 bytes", { 5, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 },
		  12 },
		{ "SACK of 2 bytes", { 1, 1, 5, 2 }, 4 },
		{ "unknown, past the end", { 1, 0x22, 4, 0 }, 4 },
	};
	const struct sl_tcp_xlate x = { 1, 2, 3, 4 };
	uint8_t f[ROOM], orig[ROOM], *t;
	uint32_t i, n;

	for (i = 0; i < SL_ARRAY_SIZE(bad); i++) {
		n = build_raw(f, i % 2 ? AF_INET6 : AF_INET, bad[i].o,
			      bad[i].len);
		memcpy(orig, f, n);
		t = tcp_of(f, i % 2 ? AF_INET6 : AF_INET);
		if (sl_tcp_xlate(t, &x) != -EINVAL)
			CU_FAIL(bad[i].what);
		CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);
	}
	/* Data offset below 20. */
	n = build_raw(f, AF_INET, noopts, 0);
	t = tcp_of(f, AF_INET);
	t[12] = 0x40;
	memcpy(orig, f, n);
	CU_ASSERT_EQUAL(sl_tcp_xlate(t, &x), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);
}

/* After EOL nothing is read: garbage there is fine and left as is; an
 * unknown option is skipped. */
static void
test_xlate_eol_unknown(void)
{
	static const uint8_t o[12] = { 0x22, 3, 0xaa, 8, 10, 0, 0, 0, 9,
				       0, 0, 0 };
	static const uint8_t o16[16] = { 0x22, 3, 0xaa, 8, 10, 0, 0, 0, 9,
					 0, 0, 0, 7, 0, 0, 0 };
	static const uint8_t o2[8] = { 1, 0, 5, 0, 8, 1, 0xff, 0xff };
	const struct sl_tcp_xlate x = { 1, 2, 3, 4 };
	uint8_t f[ROOM], *t;

	/* Unknown kind 0x22 (3 bytes), then a TS that runs past 12 bytes:
	 * malformed. With 16 bytes it fits. */
	build_raw(f, AF_INET, o, 12);
	CU_ASSERT_EQUAL(sl_tcp_xlate(tcp_of(f, AF_INET), &x), -EINVAL);
	build_raw(f, AF_INET, o16, 16);
	t = tcp_of(f, AF_INET);
	CU_ASSERT_EQUAL(sl_tcp_xlate(t, &x), 0);
	CU_ASSERT_EQUAL(sl_rd32(t + 25), 9 + 3);
	CU_ASSERT_EQUAL(sl_rd32(t + 29), 7u - 4);
	CU_ASSERT_EQUAL(sl_rd32(t + 4), 1001);
	CU_ASSERT_EQUAL(sl_rd32(t + 8), 1998);
	CU_ASSERT(tcp_csum_ok(f));
	build_raw(f, AF_INET6, o2, 8);
	t = tcp_of(f, AF_INET6);
	CU_ASSERT_EQUAL(sl_tcp_xlate(t, &x), 0);
	CU_ASSERT_EQUAL(memcmp(t + 20, o2, 8), 0);
	CU_ASSERT_EQUAL(sl_rd32(t + 4), 1001);
	CU_ASSERT(tcp_csum_ok(f));
}

/* ---- window and MSS ----------------------------------------------------- */

static void
test_win_rescale(void)
{
	static const struct {
		uint16_t win;
		uint8_t bws, ows;
		uint16_t want;
	} c[] = {
		{ 1000, 7, 7, 1000 },
		{ 1000, 9, 7, 4000 },
		{ 1000, 0, 7, 7 },
		{ 0xffff, 14, 0, 0xffff },	/* clamped */
		{ 0x4000, 2, 0, 0xffff },	/* 0x10000 clamped */
		{ 0x3fff, 2, 0, 0xfffc },
		{ 3, 0, 14, 0 },
		{ 512, 20, 14, 512 },		/* scales capped at 14 */
	};
	struct seg s = { .family = AF_INET6, .seq = 5, .ack = 6,
			 .flags = SL_TCP_ACK, .opts = noopts, .pay = payload,
			 .paylen = 3 };
	uint8_t f[ROOM], want[ROOM];
	uint32_t i, n;

	for (i = 0; i < SL_ARRAY_SIZE(c); i++) {
		s.family = i % 2 ? AF_INET : AF_INET6;
		s.win = c[i].win;
		n = build(f, &s);
		s.win = c[i].want;
		build(want, &s);
		sl_tcp_win_rescale(tcp_of(f, s.family), c[i].bws, c[i].ows);
		CU_ASSERT_EQUAL(sl_rd16(tcp_of(f, s.family) + 14), c[i].want);
		CU_ASSERT_EQUAL(memcmp(f, want, n), 0);
		CU_ASSERT(tcp_csum_ok(f));
	}
}

/* MSS option at an even (20) and an odd (21) offset. */
static void
mss_case(int family, bool odd, uint16_t mss, uint16_t sub, uint16_t want)
{
	uint8_t o[8] = { 1, 1, 1, 1, 1, 1, 1, 1 }, ow[8];
	uint8_t f[ROOM], w[ROOM];
	uint32_t at = odd ? 1 : 0, n;

	o[at] = 2;
	o[at + 1] = 4;
	sl_wr16(o + at + 2, mss);
	memcpy(ow, o, 8);
	sl_wr16(ow + at + 2, want);
	n = build_raw(f, family, o, 8);
	build_raw(w, family, ow, 8);
	sl_tcp_mss_lower(tcp_of(f, family), sub);
	CU_ASSERT_EQUAL(sl_rd16(tcp_of(f, family) + 22 + at), want);
	CU_ASSERT_EQUAL(memcmp(f, w, n), 0);
	CU_ASSERT(tcp_csum_ok(f));
}

static void
test_mss_lower(void)
{
	static const uint8_t none[4] = { 1, 3, 3, 7 };	/* wscale 7 */
	static const uint8_t bad[4] = { 2, 8, 5, 0xb4 };	/* runs past */
	uint8_t f[ROOM], orig[ROOM];
	uint32_t n, odd;

	for (odd = 0; odd < 2; odd++) {
		mss_case(AF_INET, odd, 1460, 28, 1432);
		mss_case(AF_INET6, odd, 1440, 52, 1388);
		mss_case(AF_INET, odd, 600, 100, 536);	/* floor */
		mss_case(AF_INET6, odd, 540, 0xffff, 536);
		mss_case(AF_INET, odd, 500, 28, 500);	/* already below */
		mss_case(AF_INET6, odd, 1460, 0, 1460);
		mss_case(AF_INET, odd, 0xffff, 0xfeff, 536);
		mss_case(AF_INET, odd, 0xff00, 0x00ff, 0xfe01);
	}
	n = build_raw(f, AF_INET, none, 4);
	memcpy(orig, f, n);
	sl_tcp_mss_lower(tcp_of(f, AF_INET), 28);
	CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);
	n = build_raw(f, AF_INET, bad, 4);
	memcpy(orig, f, n);
	sl_tcp_mss_lower(tcp_of(f, AF_INET), 28);
	CU_ASSERT_EQUAL(memcmp(f, orig, n), 0);
}

/* ---- PROXY v2 ----------------------------------------------------------- */

static void
key_of(struct sl_flow_key *k, const char *src, uint16_t sport,
       const char *dst, uint16_t dport)
{
	struct sl_addr s, d;

	CU_ASSERT_EQUAL_FATAL(sl_addr_parse(src, &s), 0);
	CU_ASSERT_EQUAL_FATAL(sl_addr_parse(dst, &d), 0);
	sl_flow_key_make(k, IPPROTO_TCP, &s, sport, &d, dport);
}

static void
test_pp2_write(void)
{
	static const uint8_t want4[SL_PP2_LEN_V4] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c,
		198, 18, 0, 1, 198, 18, 1, 10, 0x9c, 0x40, 0x01, 0xbb,
	};
	static const uint8_t want6[SL_PP2_LEN_V6] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x21, 0x00, 0x24,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0xff, 0xfe, 0x00, 0x50,
	};
	uint8_t buf[64];
	struct sl_flow_key k;

	memset(buf, 0xee, sizeof(buf));
	key_of(&k, "198.18.0.1", 40000, "198.18.1.10", 443);
	CU_ASSERT_EQUAL(sl_pp2_write(buf, &k), SL_PP2_LEN_V4);
	CU_ASSERT_EQUAL(memcmp(buf, want4, sizeof(want4)), 0);
	CU_ASSERT_EQUAL(buf[SL_PP2_LEN_V4], 0xee);

	memset(buf, 0xee, sizeof(buf));
	key_of(&k, "2001:db8::1", 65534, "2001:db8:1::10", 80);
	CU_ASSERT_EQUAL(sl_pp2_write(buf, &k), SL_PP2_LEN_V6);
	CU_ASSERT_EQUAL(memcmp(buf, want6, sizeof(want6)), 0);
	CU_ASSERT_EQUAL(buf[SL_PP2_LEN_V6], 0xee);
}

/* Inserts the header into a segment with options and payload and checks
 * the result against the segment built with header + payload. */
static void
pp2_case(int family, uint32_t paylen, uint32_t pad)
{
	static const uint8_t opts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };
	uint8_t f[ROOM], want[ROOM], hdr[64], pay[256];
	struct sl_pkt_info pi, pi2;
	struct seg s = {
		.family = family, .seq = 0xfffffffe, .ack = 77,
		.flags = SL_TCP_ACK | SL_TCP_PSH, .win = 501, .opts = opts,
		.optlen = sizeof(opts), .pay = pay, .paylen = paylen,
	};
	uint32_t n, hlen, m;

	rng_fill(pay, paylen);
	s.pad = pad;
	n = build(f, &s);
	memset(f + n, 0xee, ROOM - n);
	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(f, n, &pi), SL_DROP_NONE);
	hlen = sl_pp2_write(hdr, &pi.key);
	CU_ASSERT_EQUAL(hlen, family == AF_INET ? 28u : 52u);

	memcpy(want, hdr, hlen);
	memcpy(want + hlen, pay, paylen);
	memcpy(pay, want, hlen + paylen);
	s.paylen = hlen + paylen;
	s.pad = 0;
	m = build(want, &s);

	CU_ASSERT_EQUAL(sl_pp2_insert(f, n, ROOM, &pi, hdr, hlen), (int)m);
	CU_ASSERT_EQUAL(m, n - pad + hlen);
	CU_ASSERT_EQUAL(memcmp(f, want, m), 0);
	/* The header sits at the payload start, the payload after it. */
	CU_ASSERT_EQUAL(memcmp(tcp_of(f, family) + 32, hdr, hlen), 0);
	CU_ASSERT(tcp_csum_ok(f));
	if (family == AF_INET) {
		CU_ASSERT(ip4_csum_ok(f));
		CU_ASSERT_EQUAL(sl_rd16(f + L3_OFF + 2), 20 + 32 + hlen + paylen);
	} else {
		CU_ASSERT_EQUAL(sl_rd16(f + L3_OFF + 4), 32 + hlen + paylen);
	}
	/* pi as a fresh parse of the result sees it. */
	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(f, m, &pi2), SL_DROP_NONE);
	CU_ASSERT_EQUAL(pi.l3_len, pi2.l3_len);
	CU_ASSERT_EQUAL(pi.l4_len, pi2.l4_len);
	CU_ASSERT_EQUAL(pi.l4_off, pi2.l4_off);
}

static void
test_pp2_insert(void)
{
	rng_state = 0x9e3779b97f4a7c15ULL;
	pp2_case(AF_INET, 23, 0);
	pp2_case(AF_INET6, 23, 0);
	pp2_case(AF_INET, 100, 0);
	pp2_case(AF_INET6, 64, 0);
	pp2_case(AF_INET, 0, 0);	/* a bare ACK: header only */
	pp2_case(AF_INET, 1, 5);	/* 55-byte packet, padded to 60 */
}

static void
test_pp2_nospace(void)
{
	uint8_t f[ROOM], orig[ROOM], hdr[64];
	struct sl_pkt_info pi, pi0;
	uint32_t n, hlen;

	n = build_raw(f, AF_INET6, noopts, 0);
	CU_ASSERT_EQUAL_FATAL(sl_pkt_parse(f, n, &pi), SL_DROP_NONE);
	hlen = sl_pp2_write(hdr, &pi.key);
	memcpy(orig, f, ROOM);
	pi0 = pi;
	CU_ASSERT_EQUAL(sl_pp2_insert(f, n, n + hlen - 1, &pi, hdr, hlen),
			-ENOSPC);
	CU_ASSERT_EQUAL(memcmp(f, orig, ROOM), 0);
	CU_ASSERT_EQUAL(memcmp(&pi, &pi0, sizeof(pi)), 0);
	CU_ASSERT_EQUAL(sl_pp2_insert(f, n, n + hlen, &pi, hdr, hlen),
			(int)(n + hlen));
	CU_ASSERT(tcp_csum_ok(f));
}

int
main(void)
{
	static const struct sl_test tests[] = {
		{ "xlate at every alignment", test_xlate_alignments },
		{ "xlate wrap-around", test_xlate_wrap },
		{ "xlate without ACK", test_xlate_no_ack },
		{ "xlate zero and undo", test_xlate_zero },
		{ "xlate malformed options", test_xlate_malformed },
		{ "xlate EOL and unknown options", test_xlate_eol_unknown },
		{ "window rescale", test_win_rescale },
		{ "MSS lowering", test_mss_lower },
		{ "PROXY v2 header bytes", test_pp2_write },
		{ "PROXY v2 insert", test_pp2_insert },
		{ "PROXY v2 insert without room", test_pp2_nospace },
	};

	return sl_test_run("tcpseq", tests, SL_ARRAY_SIZE(tests));
}
