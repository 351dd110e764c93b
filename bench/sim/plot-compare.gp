# SPDX-License-Identifier: LGPL-2.1-or-later
# One RFC 8867 case in both modes: the libwebrtc mode's rates on top, the
# improved mode's in the middle, both modes' queueing delay below.
# gnuplot -e "libfile='a.tsv'; impfile='b.tsv'; outfile='x.png'; plottitle='...'; nflows=1; tcp=0" plot-compare.gp
set terminal pngcairo size 1100,900 font ",10"
set output outfile
set multiplot layout 3,1 title plottitle
set lmargin 10
set rmargin 22
set autoscale xfix
set grid
set key outside right top
est(f) = 6 + 4 * (f - 1)
snd(f) = 8 + 4 * (f - 1)

do for [m=1:2] {
  infile = m == 1 ? libfile : impfile
  set ylabel (m == 1 ? "libwebrtc (kbit/s)" : "improved (kbit/s)")
  set yrange [0:*]
  set offsets 0, 0, graph 0.08, 0
  plot infile using 1:2 with steps lw 2 lc rgb "black" title "capacity", \
       for [f=1:nflows] infile using 1:(column(est(f))) with lines dt 2 lw 1.5 lc f title sprintf("estimate %d", f), \
       for [f=1:nflows] infile using 1:(column(snd(f))) with lines lw 1 lc f title sprintf("sending %d", f), \
       for [c=(tcp ? 5 : 1):(tcp ? 5 : 0)] infile using 1:(column(c)) with lines lw 1 lc rgb "gray50" title "TCP"
}

set xlabel "time (s)"
set ylabel "queue (ms)"
set offsets 0, 0, 0, 0
plot libfile using 1:3 with lines lw 1.5 lc rgb "red" title "libwebrtc mean", \
     impfile using 1:3 with lines lw 1.5 lc rgb "blue" title "improved mean", \
     impfile using 1:4 with lines lw 0.5 lc rgb "light-blue" title "improved max"
unset multiplot
