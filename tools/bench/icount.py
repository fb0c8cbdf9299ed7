# gdb script (tools/bench/icount.sh runs it): counts the instructions one
# worker executes in one pass of its loop body, rx_all(), by stepping it
# one instruction at a time, and splits them by function (inlined ones by
# their own name, as gdb sees them) and by source line. Divided by the
# packets that pass received, that is the instructions a packet costs,
# exactly for that pass: this machine has no hardware counters, and its
# timings vary by 10-20% from one minute to the next. Passes of one binary
# differ by up to ~7 instructions a packet (some packet of the pass takes
# a longer branch), so a smaller change of the total is read off the
# per-function split, where the code that changed is.
#
# Functions without symbols (the net_pcap PMD, a dlopen()ed plugin) are
# counted together as "pmd".
import collections
import os

import gdb

MAX_STEPS = 2000000


def rx_pkts():
    return int(gdb.parse_and_eval("sl_worker_main::workers[0].st->rx_pkts"))


def one_pass():
    """Steps from rx_all()'s entry to its next entry; returns the counters
    and the packets received meanwhile."""
    start = int(gdb.parse_and_eval("$pc"))
    rx0 = rx_pkts()
    funcs = collections.Counter()
    lines = collections.Counter()
    pcs = collections.Counter()
    n = 0
    while n < MAX_STEPS:
        gdb.execute("stepi", to_string=True)
        n += 1
        f = gdb.selected_frame()
        pc = f.pc()
        if pc == start:
            break
        pcs[pc] += 1
        name = f.name()
        if name is None:
            funcs["pmd"] += 1
            continue
        funcs[name] += 1
        sal = gdb.find_pc_line(pc)
        if sal.symtab is not None:
            lines["%s:%d" % (sal.symtab.filename.rsplit("/", 1)[-1],
                             sal.line)] += 1
    return n, rx_pkts() - rx0, funcs, lines, pcs


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set scheduler-locking step")
# ICOUNT_PASSES=N: N passes that received packets, one after the other,
# summed (default 1). A pass of the new-flow scenario varies with what the
# conntrack sweep finds to remove in it: take several.
passes = int(os.environ.get("ICOUNT_PASSES", "1"))
bp = gdb.Breakpoint("rx_all", internal=True)
total = pkts = 0
funcs = collections.Counter()
lines = collections.Counter()
pcs = collections.Counter()
done = 0
for _ in range(20 + passes):
    # From rx_all()'s entry to its next; a pass that received nothing (an
    # idle poll) is skipped.
    if done == 0:
        gdb.execute("continue", to_string=True)
    bp.enabled = False
    t, p, f, l, c = one_pass()
    bp.enabled = True
    if p == 0:
        continue
    total += t
    pkts += p
    funcs.update(f)
    lines.update(l)
    pcs.update(c)
    done += 1
    if done == passes:
        break
else:
    raise gdb.GdbError("fewer than %d passes received packets" % passes)
bp.delete()
if passes > 1:
    print("icount: %d passes" % passes)

own = total - funcs["pmd"] - funcs["__tls_get_addr"] - \
    funcs["__tls_get_addr@plt"]
print("icount: %d instructions, %d packets: %.1f a packet "
      "(Sluice %.1f, PMD and its TLS lookups %.1f)" %
      (total, pkts, total / pkts, own / pkts, (total - own) / pkts))
print("icount: by function (inlined ones by their own name), a packet:")
for name, c in funcs.most_common(40):
    print("  %7.1f  %s" % (c / pkts, name))
print("icount: by source line, a packet:")
for name, c in lines.most_common(40):
    print("  %7.1f  %s" % (c / pkts, name))
# ICOUNT_PCS=FILE: each address's count and its disassembly, for reading
# the hot code instruction by instruction.
if os.environ.get("ICOUNT_PCS"):
    with open(os.environ["ICOUNT_PCS"], "w") as out:
        for pc in sorted(pcs):
            try:
                insn = gdb.execute("x/i %d" % pc, to_string=True).strip()
            except gdb.error:
                insn = "?"
            insn = insn.lstrip("=> ")
            out.write("%7.2f  %s\n" % (pcs[pc] / pkts, insn))
gdb.execute("detach")
gdb.execute("quit")
