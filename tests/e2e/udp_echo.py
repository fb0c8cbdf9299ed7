#!/usr/bin/python3
"""UDP echo for the end-to-end tests (standard library only).

    udp_echo.py serve --name b1 [--port 7007] [--bind ::]
        Answers every datagram with b"<name>:" + payload.  Dual stack:
        binds [::] with IPV6_V6ONLY off, so IPv4 clients are answered too.
        Stops on SIGTERM / SIGINT.

    udp_echo.py ask ADDR PORT PAYLOAD [--timeout 2] [--count 1]
        Sends PAYLOAD, prints the reply and a newline (exit 0), or exits 1
        when no reply comes within the timeout.  With --count N it sends N
        datagrams, each from a new socket (so a new source port), and
        prints the replies one a line; exit 1 if any went unanswered.
"""

import argparse
import signal
import socket
import sys


def serve(args):
    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.bind, args.port))
    prefix = args.name.encode() + b":"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            data, peer = s.recvfrom(65535)
            try:
                s.sendto(prefix + data, peer)
            except OSError:
                pass  # peer unreachable: nothing to do for an echo
    except KeyboardInterrupt:
        pass
    return 0


def ask_once(addr, port, payload, timeout):
    ai = socket.getaddrinfo(addr.strip("[]"), port, type=socket.SOCK_DGRAM)
    fam, typ, proto, _, sa = ai[0]
    with socket.socket(fam, typ, proto) as s:
        s.settimeout(timeout)
        s.sendto(payload, sa)
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            return None
        return data


def ask(args):
    bad = 0
    for _ in range(args.count):
        r = ask_once(args.addr, args.port, args.payload.encode(),
                     args.timeout)
        if r is None:
            bad += 1
            print("udp_echo.py: no reply from %s port %d within %gs" %
                  (args.addr, args.port, args.timeout), file=sys.stderr)
            continue
        sys.stdout.buffer.write(r + b"\n")
        sys.stdout.flush()
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description="UDP echo server / client")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--name", required=True)
    p.add_argument("--port", type=int, default=7007)
    p.add_argument("--bind", default="::")
    p.set_defaults(fn=serve)
    p = sub.add_parser("ask")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("payload")
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--count", type=int, default=1)
    p.set_defaults(fn=ask)
    args = ap.parse_args()
    try:
        return args.fn(args)
    except OSError as e:
        print("udp_echo.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
