# Mpps against active flows, Sluice and the testpmd 5tswap reference
# (tools/bench.sh: gnuplot -e "dat='sweep.dat'; png='flows.png'" flows.gp).
set terminal pngcairo size 800,500 font ",11"
set output png
set title "One worker, TCP/IPv4 64-byte frames, net_pcap infinite_rx"
set xlabel "active flows"
set ylabel "Mpps"
set logscale x 2
set format x "%.0s%c"
set yrange [0:*]
set key top right
set grid
plot dat using 1:3 with linespoints lw 2 pt 7 title "dpdk-testpmd 5tswap", \
     dat using 1:2 with linespoints lw 2 pt 5 title "Sluice (full NAT, conntrack)"
