#!/usr/bin/env python3
"""A bounded SYN flood from spoofed sources, for the e2e tests.

    synflood.py IFACE DST_MAC VIP PORT COUNT SRC_PREFIX [SECONDS]

Sends COUNT TCP SYNs (IPv4 or IPv6, as VIP is) on IFACE (AF_PACKET) to
DST_MAC, each from a random address of SRC_PREFIX (e.g. 198.18.64.0/18)
and a random port, spread over at most SECONDS (default: as fast as it
can). Prints the number sent. Never more than COUNT, never longer than
SECONDS + 1.
"""
import ipaddress
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from pcap import inet_checksum as csum  # noqa: E402


def tcp_syn(src, dst, sport, dport, seq, pseudo):
    opts = struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02\x01\x01"
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0,
                      (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    c = csum(pseudo(len(hdr)) + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


def frame(dst_mac, src_mac, src, dst, sport, dport, seq):
    if src.version == 4:
        pseudo = lambda n: src.packed + dst.packed + struct.pack("!BBH", 0, 6, n)
        tcp = tcp_syn(src, dst, sport, dport, seq, pseudo)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000,
                         64, 6, 0, src.packed, dst.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        et = 0x0800
    else:
        pseudo = lambda n: src.packed + dst.packed + struct.pack("!I3xB", n, 6)
        tcp = tcp_syn(src, dst, sport, dport, seq, pseudo)
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64,
                         src.packed, dst.packed)
        et = 0x86DD
    return dst_mac + src_mac + struct.pack("!H", et) + ip + tcp


def main():
    if len(sys.argv) not in (7, 8):
        sys.exit(__doc__)
    iface, mac, vip, port, count, prefix = sys.argv[1:7]
    secs = float(sys.argv[7]) if len(sys.argv) == 8 else 0.0
    dst_mac = bytes.fromhex(mac.replace(":", ""))
    dst = ipaddress.ip_address(vip)
    net = ipaddress.ip_network(prefix)
    count = int(count)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    rnd = random.Random(7)
    start = time.monotonic()
    sent = 0
    while sent < count:
        src = net[rnd.randrange(1, net.num_addresses - 1)]
        s.send(frame(dst_mac, src_mac, src, dst, rnd.randrange(1024, 65535),
                     int(port), rnd.getrandbits(32)))
        sent += 1
        if secs:
            ahead = sent * secs / count - (time.monotonic() - start)
            if ahead > 0.001:
                time.sleep(ahead)
            if time.monotonic() - start > secs + 1:
                break
    print(sent)


if __name__ == "__main__":
    main()
