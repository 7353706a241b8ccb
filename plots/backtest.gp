# backtest.gp - median forecast error by years ahead, hnb against the naive
# baselines (hnb backtest).
#
# Variables (gnuplot -e): datafile, outfile, fmt, title, band (1: draws ran).
# datafile: CSV horizon,hnb,last_value,linear_trend_5y,compound_growth_3y (%),
#   then, when draws were run, band_half_width (hnb's median P10-P90
#   half-width, %) and band_held (% of actuals inside it); else empty

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
set datafile columnheaders   # the header is names, not a cluster
set title title
set ylabel 'Median error (% of the actual EHCPs)'
set xlabel 'Years ahead'
set grid ytics lc rgb '#DDDDDD' lt 1
set border 3
set tics nomirror
set key outside bottom center horizontal
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 noborder
# with draws, hnb's band beside its error: half the width of its P10-P90
# band (median over the origins, % of the actual), and under each year how
# often the band held the actual
if (!exists("band")) { band = 0 }   # hnb passes band=1 when draws were run
has_band = band + 0
tick(c1, c7) = (has_band && c7 ne '') ? sprintf("%s (band held %s%%)", c1, c7) : c1
plot datafile using 2:xticlabels(tick(strcol(1), strcol(7))) lc rgb '#0072B2' title 'hnb', \
     for [k = 1:has_band] '' using 6 lc rgb '#9DC3E6' title "hnb's P10-P90, half its width", \
     '' using 5 lc rgb '#E69F00' title 'Compound growth, last 3 years', \
     '' using 4 lc rgb '#009E73' title 'Linear trend, last 5 years', \
     '' using 3 lc rgb '#999999' title 'Last value'
