# compare.gp - cumulative deficits of several scenarios, overlaid.
#
# Drawn by `hnb compare`. Variables (gnuplot -e):
#   datafile  CSV: year,label, then for each scenario three columns:
#             its name (the central cumulative deficit), p10, p90 (£m; the
#             band columns are empty where the scenario was not drawn)
#   outfile, fmt ('png', 'svg' or 'pdf'), title
#   nscen     the number of scenarios
#   override_end  the year the override ends in March (optional)
# Restyle under "Style": colours, widths, font.

# ----- Style -----
font_name = 'Sans'
font_size = 11
colours   = '#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #000000 #F0E442'
dashes    = '1 2 3 4 5 1 2 3'
band_opacity = 0.18

# ----- Terminal -----
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (fmt eq 'png') { set terminal pngcairo size 1200,700 noenhanced font sprintf('%s,%g', font_name, font_size) }
if (fmt eq 'svg') { set terminal svg size 1200,700 dynamic noenhanced font sprintf('%s,%g', font_name, font_size * 4 / 3.0) background '#FFFFFF' }
if (fmt eq 'pdf') { set terminal pdfcairo size 8in,4.7in noenhanced font sprintf('%s,%g', font_name, 9) }
set output outfile
set datafile separator ','
set datafile missing ''
set title title
set ylabel '£m'
set xlabel 'Financial year'
set grid ytics lc rgb '#DDDDDD' lt 1
set border 3
set tics nomirror
# the legend under the axis label, never over it: a row a scenario (up to 3)
set key outside bottom center vertical maxrows 3 reverse Left samplen 3 width 2
set bmargin (nscen < 3 ? nscen : 3) + 5
# from zero (or below it), so the lines' heights compare
set yrange [* < 0 : *]
# the override's end between its last year and the next (the scenarios'
# own, when they share one)
if (exists("override_end") && override_end ne '') {
    oe = override_end + 0
    set arrow 1 from oe - 0.5, graph 0 to oe - 0.5, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'
    set label 1 sprintf('Override ends March %d', oe) at oe - 0.5, graph 1 offset 0.8, -1 left tc rgb '#555555'
}
stats datafile using 1 nooutput
nyears = STATS_records
every_nth = nyears <= 14 ? 1 : (nyears <= 28 ? 2 : 5)
set style fill transparent solid band_opacity noborder

stats datafile using 1 nooutput
first = STATS_min
set xrange [STATS_min - 0.5 : STATS_max + 0.5]
plot for [i=1:nscen] datafile using 1:(column(3 + 3*(i-1) + 1)):(column(3 + 3*(i-1) + 2)) \
         with filledcurves lc rgb word(colours, i) notitle, \
     for [i=1:nscen] datafile using 1:(column(3 + 3*(i-1))):xticlabels(int($1 - first) % every_nth == 0 ? strcol(2) : '') \
         with linespoints lw 2.5 pt 7 ps 0.7 dt int(word(dashes, i)) lc rgb word(colours, i) title columnhead(3 + 3*(i-1))
