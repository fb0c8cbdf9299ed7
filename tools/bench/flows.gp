# Mpps against active flows, Sluice and the testpmd 5tswap reference
# (tools/bench.sh: gnuplot -e "dat='sweep.dat'; png='flows.png'" flows.gp).
set terminal pngcairo size 800,500 font ",11" noenhanced
set output png
set title "One worker, TCP/IPv4 64-byte frames, net_pcap infinite_rx (same run, same CPU)"
set xlabel "active flows (established, conntrack sized 2 x flows)"
set ylabel "Mpps"
set logscale x 2
set xtics ("1k" 1024, "4k" 4096, "16k" 16384, "64k" 65536, "256k" 262144, "1M" 1048576)
set yrange [0:*]
set key top right
set grid
plot dat using 1:3 with linespoints lw 2 pt 7 title "dpdk-testpmd --forward-mode=5tswap", \
     dat using 1:2 with linespoints lw 2 pt 5 title "Sluice (parse, VIP, conntrack, full NAT)"
