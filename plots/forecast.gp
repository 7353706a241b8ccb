# forecast.gp - EHCPs observed and forecast with the trend's P10-P90 band
# (hnb calibrate).
#
# Variables (gnuplot -e): datafile, outfile, fmt, title, last_fit (the last
# observed year).
# datafile: CSV year,label,observed,forecast,p10,p90 (empty where not given)

font_name = 'Sans'
font_size = 11
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (fmt eq 'png') { set terminal pngcairo size 1200,700 noenhanced font sprintf('%s,%g', font_name, font_size) }
if (fmt eq 'svg') { set terminal svg size 1200,700 dynamic noenhanced font sprintf('%s,%g', font_name, font_size * 4 / 3.0) background '#FFFFFF' }
if (fmt eq 'pdf') { set terminal pdfcairo size 8in,4.7in noenhanced font sprintf('%s,%g', font_name, 9) }
set output outfile
set datafile separator ','
set datafile missing ''
set title title
set ylabel 'EHCPs'
set xlabel 'Financial year'
set grid ytics lc rgb '#DDDDDD' lt 1
set border 3
set tics nomirror
set key outside bottom center horizontal
set format y "%'.0f"
stats datafile using 1 nooutput
first = STATS_min
last = STATS_max
every_nth = (last - first) <= 14 ? 1 : 2
set xrange [first - 0.5 : last + 0.5]
if (exists("last_fit")) {
    set arrow 1 from last_fit, graph 0 to last_fit, graph 1 nohead lc rgb '#999999' dt 2
    set label 1 'last observed' at last_fit + 0.1, graph 0.95 tc rgb '#555555'
}
plot datafile using 1:5:6 with filledcurves fc rgb '#0072B2' fs transparent solid 0.2 noborder title 'P10-P90', \
     datafile using 1:4:xticlabels(int($1 - first) % every_nth == 0 ? strcol(2) : '') \
         with lines lw 2.5 lc rgb '#0072B2' title 'Forecast (trend)', \
     datafile using 1:3 with points pt 7 ps 1.3 lc rgb '#D55E00' title 'Observed'
