# Plots one bwe-sim time series (--series): rates on top, queueing delay below.
# gnuplot -e "infile='x.tsv'; outfile='x.png'; plottitle='...'; nflows=1; tcp=0" plot.gp
set terminal pngcairo size 1100,700 font ",10"
set output outfile
set multiplot layout 2,1 title plottitle
set lmargin 10
set rmargin 20
set autoscale xfix
set grid
set key outside right top
set xlabel "time (s)"

set ylabel "rate (kbit/s)"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set size 1,0.62
set origin 0,0.36
est(f) = 6 + 4 * (f - 1)
snd(f) = 8 + 4 * (f - 1)

plot infile using 1:2 with steps lw 2 lc rgb "black" title "capacity", \
     for [f=1:nflows] infile using 1:(column(est(f))) with lines dt 2 lw 1.5 lc f title sprintf("estimate %d", f), \
     for [f=1:nflows] infile using 1:(column(snd(f))) with lines lw 1 lc f title sprintf("sending %d", f), \
     for [c=(tcp ? 5 : 1):(tcp ? 5 : 0)] infile using 1:(column(c)) with lines lw 1 lc rgb "gray50" title "TCP"

set ylabel "queue (ms)"
set offsets 0, 0, 0, 0
set size 1,0.36
set origin 0,0
plot infile using 1:4 with lines lc rgb "orange" title "max", \
     infile using 1:3 with lines lw 1.5 lc rgb "red" title "mean"
unset multiplot
