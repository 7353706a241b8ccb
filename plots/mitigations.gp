# =============================================================================
# mitigations.gp - hnb chart: what each planned mitigation contributes in each
# financial year, in £m, as stacked bars. Savings stack upwards from zero; a
# mitigation that costs money in a year (a negative contribution) stacks
# downwards below zero. A black diamond marks each year's net total.
#
# How the engine runs it (strings single-quoted; '' means "not given"):
#   gnuplot -e "datafile='out/x/mitigations.csv'; outfile='out/x/mitigations.png'; \
#               fmt='png'; title='Planned mitigations - My scenario'; ncols=20" \
#           plots/mitigations.gp
#
# Variables
#   datafile  the data file (below)
#   outfile   the chart to write
#   fmt       'png' (1200x700 px), 'svg' (1200x700) or 'pdf' (8 x 4.7 in)
#   title     the chart title
#   ncols     optional: the number of columns in the data file (counted from
#             the file when not given)
#
# Data: comma-separated, one header line, then one row a year:
#   year,label,<mitigation 1>,...,<mitigation n>,<saved 1>,...,<saved n>,<cost 1>,...,<cost n>
#   year          the calendar year the financial year starts in (2025 for 2025/26)
#   label         the financial-year label (2025/26), used on the x axis
#   <mitigation>  one column per mitigation (any number): its contribution in
#                 £m (positive = saving, negative = cost); the header is its
#                 name, shown in the legend under the chart (long names are
#                 fine: the legend falls back to one name a line). With more
#                 than 12 mitigations the engine writes the 11 largest (over
#                 all years) and the rest added up as one more column.
#   <saved i>     the top of mitigation i's saving box: the savings (positive
#                 contributions) of mitigations 1 to i added up
#   <cost i>      the bottom of its cost box: the costs of 1 to i added up
#                 (the engine writes these running totals, so that drawing n
#                 mitigations is n steps, not n squared)
#
# Restyling: change the values under "Style" below and re-run. Each mitigation
# gets an Okabe-Ito colour (safe for colour-blind readers) and its own
# hatching, so they can still be told apart in a grey print; the lists are
# used in turn and start again when there are more mitigations.
# =============================================================================

# ----- Style -----------------------------------------------------------------
font_name     = 'Sans'
font_size     = 11          # png and svg
pdf_font_size = 9           # pdf (the page is 8in wide)
colours       = '#0072B2 #E69F00 #009E73 #CC79A7 #56B4E9 #D55E00 #F0E442'   # Okabe-Ito
hatches       = '4 5 1 6 7 2'    # gnuplot fill patterns, one per mitigation in turn
if (exists("fmt") && fmt eq 'svg') { hatches = '3 3 3 3 3 3' }   # SVG: solid fills (a browser prints SVG hatching as a bitmap a bar)
tint          = 0.45        # strength of the colour behind the hatching (0 white .. 1 full)
colour_grid   = '#CFCFCF'
colour_text   = '#222222'
bar_width     = 0.65        # of a year
colour_total  = '#000000'   # net total marker
show_total    = 1           # 1: mark the net total of each year
text_total    = 'Net total of all mitigations'
text_y_axis   = '£m saved (below zero: a cost)'
text_x_axis   = 'Financial year'

# ----- Terminal (from fmt) and common settings -------------------------------
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (!exists("title")) { title = '' }
if (!exists("datafile") || datafile eq '' || !exists("outfile") || outfile eq '') {
    print "mitigations.gp: datafile and outfile must be given"; exit status 2
}
if (fmt eq 'png') {
    base_size = font_size
    set terminal pngcairo size 1200,700 noenhanced font sprintf('%s,%g', font_name, base_size)
} else { if (fmt eq 'svg') {
    base_size = font_size * 4 / 3.0   # svg sizes are pixels, not points
    set terminal svg size 1200,700 dynamic noenhanced font sprintf('%s,%g', font_name, base_size) background '#FFFFFF'
} else { if (fmt eq 'pdf') {
    base_size = pdf_font_size
    set terminal pdfcairo size 8in,4.7in noenhanced font sprintf('%s,%g', font_name, base_size)
} else {
    print "mitigations.gp: fmt must be 'png', 'svg' or 'pdf', not '".fmt."'"; exit status 2
} } }
dash   = (fmt eq 'svg') ? 0.5 : 1     # dash lengths: svg draws them twice as long
marker = (fmt eq 'pdf') ? 0.55 : 1    # point sizes: pdf draws them larger
set output outfile
set datafile separator ","
set datafile columnheaders
set title title font sprintf(',%g', base_size + 3) tc rgb colour_text
set border 3 lc rgb '#666666'
set tics nomirror tc rgb colour_text
set grid ytics lt 1 lc rgb colour_grid lw 1
# legend under the x axis (outside the plot), so it never covers data
set key below center horizontal reverse Left noautotitle samplen 2.5 spacing 1.3 width 2 height 1 tc rgb colour_text

# ----- Colours ---------------------------------------------------------------
# colour(i), hatch(i): the i-th entry of the lists above, starting again at the
# end; tinted('#RRGGBB', a): that colour mixed with white (a = 1: unchanged).
colour(i) = word(colours, 1 + (i - 1) % words(colours))
hatch(i)  = word(hatches, 1 + (i - 1) % words(hatches)) + 0
hexval(s) = sum [k = 2:7] ((strstrt('0123456789abcdef0123456789ABCDEF', s[k:k]) - 1) % 16) * 16**(7 - k)
mixw(c, a) = int(255 - a * (255 - c) + 0.5)          # channel c mixed with white
tinted(s, a) = sprintf('#%02X%02X%02X', mixw(int(hexval(s) / 65536) % 256, a), \
                       mixw(int(hexval(s) / 256) % 256, a), mixw(hexval(s) % 256, a))

# ----- Years on the x axis, number of mitigations ----------------------------
# One tick a year; the label is printed on every year, or on every 2nd, 5th or
# 10th when there are many years.
stats datafile using 1 nooutput
n_years    = STATS_records
year_first = STATS_min
year_last  = STATS_max
if (!exists("ncols")) { ncols = '' }
set print $SCRATCH
print ncols
unset print
n_cols = ($SCRATCH[1] eq '') ? STATS_columns : $SCRATCH[1] + 0
tick_every = n_years <= 14 ? 1 : n_years <= 28 ? 2 : n_years <= 70 ? 5 : 10
year_tick(row) = (int(row) % tick_every == 0) ? strcol(2) : ''
x_pad = n_years >= 3 ? 0.6 : 0.6 + (3 - n_years) / 2.0
set xrange [year_first - x_pad : year_last + x_pad]
set xtics scale 0.6, 0 out
set xlabel text_x_axis tc rgb colour_text
set ylabel text_y_axis tc rgb colour_text
set yrange [*<0 : 0<*]          # always include zero
# head room above the bars, and below them when some mitigation costs money
n_mit = (n_cols - 2) / 3
stats datafile using (column(2 * n_mit + 2 + n_mit)) nooutput
has_cost = (STATS_min < 0)
if (has_cost) { set offsets 0, 0, graph 0.05, graph 0.05 } else { set offsets 0, 0, graph 0.05, 0 }
set xzeroaxis lt 1 lc rgb '#333333' lw 1.2

# ----- Plot ------------------------------------------------------------------
# Mitigation i (column i + 2): its saving is a box stacked on the savings of
# the mitigations before it; its cost (if negative) a box hung below the costs
# of the mitigations before it. Empty boxes are skipped.
up_top(i)     = column(n_mit + 2 + i)
up_below(i)   = i > 1 ? column(n_mit + 1 + i) : 0
down_end(i)   = column(2 * n_mit + 2 + i)
down_above(i) = i > 1 ? column(2 * n_mit + 1 + i) : 0
skip_empty(a, b) = (a == b) ? NaN : (a + b) / 2
net(i) = up_top(i) + down_end(i)
x0(x) = x - bar_width / 2
x1(x) = x + bar_width / 2
plot for [i = 1:n_mit] datafile using 1:(skip_empty(up_below(i), up_top(i))):(x0($1)):(x1($1)):(up_below(i)):(up_top(i)):xticlabels(year_tick($0)) \
         with boxxyerror fs solid 1.0 noborder lc rgb tinted(colour(i), tint) notitle, \
     for [i = 1:n_mit] '' using 1:(skip_empty(down_above(i), down_end(i))):(x0($1)):(x1($1)):(down_end(i)):(down_above(i)) \
         with boxxyerror fs solid 1.0 noborder lc rgb tinted(colour(i), tint) notitle, \
     for [i = 1:n_mit] '' using 1:(skip_empty(up_below(i), up_top(i))):(x0($1)):(x1($1)):(up_below(i)):(up_top(i)) \
         with boxxyerror fs transparent pattern hatch(i) border lc rgb colour(i) lw 1 lc rgb colour(i) title columnheader(i + 2), \
     for [i = 1:n_mit] '' using 1:(skip_empty(down_above(i), down_end(i))):(x0($1)):(x1($1)):(down_end(i)):(down_above(i)) \
         with boxxyerror fs transparent pattern hatch(i) border lc rgb colour(i) lw 1 lc rgb colour(i) notitle, \
     for [k = 1:show_total] '' using 1:(net(n_mit)) with points pt 13 ps 2.2 * marker lc rgb '#FFFFFF' notitle, \
     for [k = 1:show_total] '' using 1:(net(n_mit)) with points pt 13 ps 1.6 * marker lc rgb colour_total title text_total
