#!/usr/bin/env python3
"""One TCP handshake through a SYN-proxied VIP, by hand, for the e2e tests.

    cookie_hs.py IFACE GW_MAC SRC VIP SPORT [COMMAND...]

Sends a SYN (MSS, SACK, timestamps, window scale) from SRC:SPORT to
VIP:80 on IFACE, waits for the cookie SYN-ACK, runs COMMAND (if any: e.g.
sluicectl turning the SYN proxy off), then sends the ACK carrying an HTTP
request and waits for the answer's first data segment. Prints what it saw;
exit 0 when the answer starts with "HTTP/1." at sequence number cookie + 1
and acknowledges the whole request, 1 otherwise. IPv4 only.
"""
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
from pcap import inet_checksum as csum  # noqa: E402


def frame(dmac, smac, src, dst, sport, dport, seq, ack, flags, opts, data):
    hl = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (hl // 4) << 4,
                      flags, 502, 0, 0) + opts + data
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp


def ts_opt(val, ecr):
    return b"\x01\x01\x08\x0a" + struct.pack("!II", val, ecr)


def wait_for(s, vip, src, sport, want, timeout):
    """The first TCP segment VIP:80 -> SRC:SPORT for which want(flags,
    payload) holds: (seq, ack, flags, options, payload) or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            f = s.recv(4096)
        except socket.timeout:
            break
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        if f[26:30] != vip or f[30:34] != src:
            continue
        t = f[14 + ihl:]
        sp, dp, seq, ack, off, fl = struct.unpack("!HHIIBB", t[:14])
        if sp != 80 or dp != sport:
            continue
        tot = struct.unpack("!H", f[16:18])[0]
        hl = (off >> 4) * 4
        payload = t[hl:tot - ihl]
        if want(fl, payload):
            return seq, ack, fl, t[20:hl], payload
    return None


def tsval_of(opts):
    i = 0
    while i < len(opts):
        k = opts[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        ln = opts[i + 1]
        if k == 8 and ln == 10:
            return struct.unpack("!I", opts[i + 2:i + 6])[0]
        i += max(ln, 2)
    return None


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    iface, gw, src, vip, sport = sys.argv[1:6]
    cmd = sys.argv[6:]
    gw = bytes.fromhex(gw.replace(":", ""))
    src, vip, sport = socket.inet_aton(src), socket.inet_aton(vip), int(sport)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    me = s.getsockname()[4]
    isn = 0xfffffff0        # the client's sequence space wraps at once
    syn_opts = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" +
                ts_opt(1000, 0)[2:] + b"\x01\x03\x03\x07")
    s.send(frame(gw, me, src, vip, sport, 80, isn, 0, 0x02, syn_opts, b""))
    sa = wait_for(s, vip, src, sport, lambda fl, p: fl & 0x12 == 0x12, 3)
    if sa is None:
        print("no SYN-ACK")
        return 1
    cookie, ack, _, opts, _ = sa
    print("cookie SYN-ACK: seq %#x ack %#x" % (cookie, ack))
    if ack != (isn + 1) & 0xFFFFFFFF:
        print("SYN-ACK acknowledges %#x, not the ISN + 1" % ack)
        return 1
    if cmd:
        r = subprocess.run(cmd, capture_output=True, text=True)
        print("ran %s: rc %d %s" % (cmd[0], r.returncode, r.stdout.strip()))
    req = b"GET /whoami HTTP/1.0\r\n\r\n"
    s.send(frame(gw, me, src, vip, sport, 80, (isn + 1) & 0xFFFFFFFF,
                 (cookie + 1) & 0xFFFFFFFF, 0x18,
                 ts_opt(1001, tsval_of(opts) or 0), req))
    got = wait_for(s, vip, src, sport, lambda fl, p: len(p) > 0, 3)
    if got is None:
        print("no answer to the request")
        return 1
    seq, ack, _, _, payload = got
    print("answer: seq %#x ack %#x %r" % (seq, ack, payload[:40]))
    ok = (payload.startswith(b"HTTP/1.") and
          seq == (cookie + 1) & 0xFFFFFFFF and
          ack == (isn + 1 + len(req)) & 0xFFFFFFFF)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
