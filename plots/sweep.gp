# sweep.gp - the cumulative deficit over a grid of one or two values.
#
# Drawn by `hnb sweep`. Variables (gnuplot -e):
#   datafile, outfile, fmt ('png', 'svg' or 'pdf'), title
#   dims      1 or 2
#   xlabel_text, ylabel_text   the varied paths
#   With dims = 1, datafile is CSV: x,deficit_at_override,deficit_at_horizon (£m);
#     override_label, horizon_label name the two lines.
#   With dims = 2, datafile is CSV: x,y,deficit_at_horizon (£m), a blank line
#     after each x; drawn as a heat map (colour-blind-safe palette).

# ----- Style -----
font_name = 'Sans'
font_size = 11

# ----- Terminal -----
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (fmt eq 'png') { set terminal pngcairo size 1200,700 noenhanced font sprintf('%s,%g', font_name, font_size) }
if (fmt eq 'svg') { set terminal svg size 1200,700 dynamic noenhanced font sprintf('%s,%g', font_name, font_size * 4 / 3.0) background '#FFFFFF' }
if (fmt eq 'pdf') { set terminal pdfcairo size 8in,4.7in noenhanced font sprintf('%s,%g', font_name, 9) }
set output outfile
set datafile separator ','
set title title
set xlabel xlabel_text
set grid lc rgb '#DDDDDD' lt 1
set tics nomirror

if (dims == 1) {
    set border 3
    set ylabel 'Cumulative deficit, £m'
    set key outside bottom center horizontal
    plot datafile using 1:2 with linespoints lw 2.5 pt 7 lc rgb '#0072B2' \
             title sprintf('At the end of %s (override ends)', override_label), \
         datafile using 1:3 with linespoints lw 2.5 pt 5 dt 2 lc rgb '#D55E00' \
             title sprintf('At the end of %s', horizon_label)
} else {
    set ylabel ylabel_text
    set cblabel sprintf('Cumulative deficit at the end of %s, £m', horizon_label)
    # viridis-like: readable in greyscale and for colour blindness
    set palette defined (0 '#440154', 1 '#3B528B', 2 '#21908C', 3 '#5DC863', 4 '#FDE725')
    unset key
    unset grid
    set autoscale fix
    plot datafile using 1:2:3 with image, \
         datafile using 1:2:(sprintf('%.0f', $3)) with labels font sprintf('%s,%g', font_name, font_size) tc rgb '#FFFFFF' notitle
}
