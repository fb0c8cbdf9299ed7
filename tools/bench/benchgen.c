/* SPDX-License-Identifier: BSD-3-Clause
 * sluice-benchgen: writes the traffic pcaps of tools/bench.sh, fast (a
 * million frames in well under a second), with every checksum right.
 *
 *   sluice-benchgen -o FILE -f FLOWS [-p tcp|udp] [-6] [-m est|syn]
 *                   [-s small|imix] [-r SEED]
 *
 * est (default): FLOWS opening packets (TCP SYN, or the first UDP
 *   datagram), one per flow in flow order, then FLOWS steady packets (TCP
 *   ACK / UDP) of the same flows in a shuffled order. Replayed forever
 *   (net_pcap infinite_rx), the first pass opens every flow and every
 *   later packet is a hit on an established flow.
 * syn: FLOWS SYNs, each of a different 5-tuple (new-connection load).
 *
 * Clients (198.18.64.0/18, 2001:db8:64::/64 behind a router) send to the
 * VIP 198.18.100.1 / 2001:db8:100::1, port 80 (TCP) or 53 (UDP). Flow i
 * has client address base + (i % 16384) and source port 1024 + i / 16384.
 * Frame sizes (without FCS): small = 60 bytes (IPv4; a 64-byte frame on
 * the wire), 74 (IPv6 TCP), 62 (IPv6 UDP); imix = 60/590/1514 in 7:4:1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sl_csum.h"

#define CLIENTS		16384u
#define PORT_MAC	"\x02\x00\x00\x00\x00\x01"
#define GW_MAC		"\x02\x00\x00\x00\x00\xfe"
#define MAX_FRAME	1514

struct opts {
	const char *out;
	uint32_t flows;
	int udp;
	int v6;
	int syn;
	int imix;
	uint64_t seed;
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* IMIX 7:4:1 by packet index, so every flow sees every size over time. */
static uint32_t
frame_len(const struct opts *o, uint32_t pkt)
{
	static const uint16_t imix[12] = { 60, 590, 60, 60, 590, 60, 1514,
					   60, 590, 60, 590, 60 };

	if (o->imix)
		return imix[pkt % 12];
	if (!o->v6)
		return 60;
	return o->udp ? 62 : 74;
}

/* One frame of flow i into buf; returns its length. */
static uint32_t
build(const struct opts *o, uint8_t *buf, uint32_t i, int opening,
      uint32_t len)
{
	uint32_t l3 = 14, iph = o->v6 ? 40 : 20, l4 = l3 + iph;
	uint32_t l4h = o->udp ? 8 : 20, ip_len, l4_len;
	uint16_t sport = (uint16_t)(1024 + i / CLIENTS);
	uint8_t proto = o->udp ? IPPROTO_UDP : IPPROTO_TCP;

	if (len < l4 + l4h)
		len = l4 + l4h;
	memset(buf, 0, len);
	memcpy(buf, PORT_MAC, 6);
	memcpy(buf + 6, GW_MAC, 6);
	put16(buf + 12, o->v6 ? 0x86dd : 0x0800);
	ip_len = len - l3;
	l4_len = ip_len - iph;
	/* 60-byte IPv4 TCP: 6 bytes of Ethernet padding past the IP length. */
	if (!o->v6 && !o->udp && !o->imix && len == 60) {
		ip_len = 40;
		l4_len = 20;
	}
	if (!o->v6) {
		uint8_t *ip = buf + l3;

		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)ip_len);
		put16(ip + 4, (uint16_t)i);
		ip[6] = 0x40;		/* DF */
		ip[8] = 64;
		ip[9] = proto;
		put32(ip + 12, 0xc6124000u + i % CLIENTS); /* 198.18.64.0/18 */
		put32(ip + 16, 0xc6126401u);		/* 198.18.100.1 */
		put16(ip + 10, 0);
		memcpy(ip + 10, &(uint16_t){ sl_csum_ipv4_hdr(ip) }, 2);
	} else {
		uint8_t *ip = buf + l3;

		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4_len);
		ip[6] = proto;
		ip[7] = 64;
		put32(ip + 8, 0x20010db8);		/* 2001:db8:64::/64 */
		put32(ip + 12, 0x00640000);
		put32(ip + 20, 0x10000 + i % CLIENTS);
		put32(ip + 24, 0x20010db8);		/* 2001:db8:100::1 */
		put32(ip + 28, 0x01000000);
		put32(ip + 36, 1);
	}
	if (o->udp) {
		uint8_t *u = buf + l4;

		put16(u, sport);
		put16(u + 2, 53);
		put16(u + 4, (uint16_t)l4_len);
		memset(u + 8, 0x5a, l4_len - 8);
	} else {
		uint8_t *t = buf + l4;

		put16(t, sport);
		put16(t + 2, 80);
		put32(t + 4, 1000 + i);			/* seq */
		put32(t + 8, opening ? 0 : 5000 + i);	/* ack */
		t[12] = 5 << 4;
		t[13] = opening ? 0x02 : 0x10;		/* SYN / ACK */
		put16(t + 14, 65535);
		memset(t + 20, 0x5a, l4_len - 20);
	}
	{
		uint16_t c = sl_csum_l4(o->v6 ? AF_INET6 : AF_INET, buf + l3,
					proto, buf + l4, l4_len);

		if (o->udp && c == 0)
			c = 0xffff;
		memcpy(buf + l4 + (o->udp ? 6 : 16), &c, 2);
	}
	return len;
}

static int
write_rec(FILE *f, const uint8_t *buf, uint32_t len, uint32_t n)
{
	uint32_t hdr[4] = { n / 1000000, n % 1000000, len, len };

	return fwrite(hdr, sizeof(hdr), 1, f) == 1 &&
	       fwrite(buf, len, 1, f) == 1 ? 0 : -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: sluice-benchgen -o FILE -f FLOWS [-p tcp|udp] "
		"[-6] [-m est|syn] [-s small|imix] [-r SEED]\n");
	return 2;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	while ((c = getopt(argc, argv, "o:f:p:6m:s:r:")) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'f': o->flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'p': o->udp = strcmp(optarg, "udp") == 0; break;
		case '6': o->v6 = 1; break;
		case 'm': o->syn = strcmp(optarg, "syn") == 0; break;
		case 's': o->imix = strcmp(optarg, "imix") == 0; break;
		case 'r': o->seed = strtoull(optarg, NULL, 0); break;
		default: return -1;
		}
	}
	/* Source ports 1024 + i / 16384 must stay below 65536. */
	if (o->out == NULL || o->flows == 0 || o->flows > 64u * 16384 * 16 ||
	    (o->syn && o->udp))
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const uint32_t pcap_hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0,
					      65535, 1 };
	uint8_t buf[MAX_FRAME];
	uint32_t *order, i, n = 0, len;
	struct opts o;
	FILE *f;

	if (parse(argc, argv, &o) < 0)
		return usage();
	rng_state = o.seed;
	f = fopen(o.out, "wb");
	if (f == NULL || fwrite(pcap_hdr, sizeof(pcap_hdr), 1, f) != 1) {
		perror(o.out);
		return 1;
	}
	for (i = 0; i < o.flows; i++, n++) {
		len = build(&o, buf, i, 1, frame_len(&o, n));
		if (write_rec(f, buf, len, n) < 0)
			goto io_err;
	}
	if (!o.syn) {
		order = malloc(sizeof(*order) * o.flows);
		if (order == NULL)
			return 1;
		for (i = 0; i < o.flows; i++)
			order[i] = i;
		for (i = o.flows - 1; i > 0; i--) {	/* Fisher-Yates */
			uint32_t j = (uint32_t)(rng() % (i + 1)), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < o.flows; i++, n++) {
			len = build(&o, buf, order[i], 0, frame_len(&o, n));
			if (write_rec(f, buf, len, n) < 0)
				goto io_err;
		}
		free(order);
	}
	if (fclose(f) != 0)
		goto io_err;
	return 0;
io_err:
	perror(o.out);
	return 1;
}
