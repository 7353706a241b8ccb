# calibration.gp - EHCPs observed and fitted (hnb calibrate), or observed and
# forecast for the held-out years (hnb backtest).
#
# Variables (gnuplot -e): datafile, outfile, fmt, title, last_fit (the last
# year fitted: later years are held out and shaded).
# datafile: CSV year,label,observed,fitted,held_out

font_name = 'Sans'
font_size = 11
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (fmt eq 'png') { set terminal pngcairo size 1200,700 noenhanced font sprintf('%s,%g', font_name, font_size) }
if (fmt eq 'svg') { set terminal svg size 1200,700 dynamic noenhanced font sprintf('%s,%g', font_name, font_size * 4 / 3.0) background '#FFFFFF' }
if (fmt eq 'pdf') { set terminal pdfcairo size 8in,4.7in noenhanced font sprintf('%s,%g', font_name, 9) }
set output outfile
set datafile separator ','
set title title
set ylabel 'EHCPs'
set xlabel 'Financial year'
set grid ytics lc rgb '#DDDDDD' lt 1
set border 3
set tics nomirror
set key outside bottom center horizontal
stats datafile using 1 nooutput
first = STATS_min
last = STATS_max
every_nth = (last - first) <= 14 ? 1 : 2
set xrange [first - 0.5 : last + 0.5]
if (exists("last_fit") && last_fit < last) {
    set object 1 rect from last_fit + 0.5, graph 0 to last + 0.5, graph 1 behind fc rgb '#EEEEEE' fs solid noborder
    set label 1 'held out' at last_fit + 0.6, graph 0.95 tc rgb '#555555'
}
plot datafile using 1:4:xticlabels(int($1 - first) % every_nth == 0 ? strcol(2) : '') \
         with lines lw 2.5 lc rgb '#0072B2' title 'Model', \
     datafile using 1:3 with points pt 7 ps 1.3 lc rgb '#D55E00' title 'Observed'
