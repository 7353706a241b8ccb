# =============================================================================
# tornado.gp - hnb chart: which uncertain inputs drive the cumulative deficit
# at the end of the forecast. One row per input, the biggest swing at the
# top: a bar from the central deficit to the deficit with that input at its
# low value (P10) and another to the deficit with it at its high value (P90),
# all other inputs at their central values; a vertical line marks the central
# deficit.
#
# How the engine runs it (strings single-quoted; '' means "not given"):
#   gnuplot -e "datafile='out/x/tornado.csv'; outfile='out/x/tornado.png'; fmt='png'; \
#               title='What drives the deficit - My scenario'; \
#               horizon_label='2036/37'; nrows=18" plots/tornado.gp
#
# Variables
#   datafile       the data file (below)
#   outfile        the chart to write
#   fmt            'png' (1200x700 px), 'svg' (1200x700) or 'pdf' (8 x 4.7 in)
#   title          the chart title
#   horizon_label  optional: the last year of the forecast (2036/37), used in
#                  the axis title
#   nrows          optional: the number of inputs (rows after the header;
#                  counted from the file when not given)
#
# Data: comma-separated, one header line, then one row per input, largest
# swing first:
#   variable,low_deficit,high_deficit,central
#   variable      the input's name (as in the scenario, e.g. cost_inflation)
#   low_deficit   cumulative deficit, £m, with the input at its P10
#   high_deficit  cumulative deficit, £m, with the input at its P90
#   central       the central cumulative deficit, £m (the same on every row)
#
# Restyling: change the values under "Style" below and re-run. The two bar
# colours are Okabe-Ito blue and orange: safe for colour-blind readers and
# one dark, one light in a grey print.
# =============================================================================

# ----- Style -----------------------------------------------------------------
font_name     = 'Sans'
font_size     = 11          # png and svg
pdf_font_size = 9           # pdf (the page is 8in wide)
colour_low    = '#0072B2'   # bars: input at its P10 (blue, dark in grey)
colour_high   = '#E69F00'   # bars: input at its P90 (orange, light in grey)
colour_centre = '#000000'   # vertical line at the central deficit
colour_grid   = '#CFCFCF'
colour_text   = '#222222'
bar_height    = 0.7         # of a row
show_values   = 1           # 1: write the deficit at the end of each bar
pretty_names  = 1           # 1: show cost_inflation as "cost inflation"
text_low      = 'Deficit with the input at its low value (P10)'
text_high     = 'Deficit with the input at its high value (P90)'
text_centre   = 'Central %s'    # %s is replaced by the central deficit
text_x_axis   = 'Cumulative deficit at the end of %s, £m'   # %s: the last year
text_horizon  = 'the forecast'  # used for %s when horizon_label is not given

# ----- Terminal (from fmt) and common settings -------------------------------
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (!exists("title")) { title = '' }
if (!exists("datafile") || datafile eq '' || !exists("outfile") || outfile eq '') {
    print "tornado.gp: datafile and outfile must be given"; exit status 2
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
    print "tornado.gp: fmt must be 'png', 'svg' or 'pdf', not '".fmt."'"; exit status 2
} } }
dash   = (fmt eq 'svg') ? 0.5 : 1     # dash lengths: svg draws them twice as long
marker = (fmt eq 'pdf') ? 0.55 : 1    # point sizes: pdf draws them larger
set output outfile
set datafile separator ","
set datafile columnheaders
set title title font sprintf(',%g', base_size + 3) tc rgb colour_text
set border 1 lc rgb '#666666'
set tics nomirror tc rgb colour_text
set grid xtics lt 1 lc rgb colour_grid lw 1
# legend under the x axis (outside the plot), so it never covers data
set key below center vertical maxrows 2 reverse Left noautotitle samplen 2.5 spacing 1.2 width 2 height 1 tc rgb colour_text

# ----- Rows and axes ---------------------------------------------------------
stats datafile using 4 nooutput
central = STATS_mean
if (!exists("nrows")) { nrows = '' }
set print $SCRATCH
print nrows
unset print
n_rows = ($SCRATCH[1] eq '') ? STATS_records : $SCRATCH[1] + 0
if (!exists("horizon_label") || horizon_label eq '') { horizon_label = text_horizon }
money(x) = (x < 0 ? '-' : '') . sprintf('£%.0fm', abs(x))
# underscores to spaces (cost_inflation -> cost inflation)
despace(s) = (p = strstrt(s, '_')) == 0 ? s : s[1:p - 1] . ' ' . despace(s[p + 1:])
name(s) = pretty_names ? despace(s) : s

# Row k (0 = first data row) is drawn at y = n_rows - k, so the first is at the top.
row_y(k) = n_rows - k
# at least five rows' height, so one or two inputs do not draw giant bars
y_span = n_rows > 5 ? n_rows : 5
set yrange [(n_rows + 1) / 2.0 - y_span / 2.0 - 0.1 : (n_rows + 1) / 2.0 + y_span / 2.0 + 0.1]
name_font = sprintf(',%g', n_rows > 20 ? base_size - 1.5 : base_size)
value_font = sprintf(',%g', n_rows > 20 ? base_size - 2 : base_size - 1)
set ytics scale 0 font name_font
set xtics out scale 0.6
set xlabel sprintf(text_x_axis, horizon_label) tc rgb colour_text
set offsets graph 0.09, graph 0.09, 0, 0   # room for the values at the bar ends

# the central deficit: a line, and its value over the top of the chart
set arrow 1 from central, graph 0 to central, graph 1 nohead front lw 2 lc rgb colour_centre
set label 1 sprintf(text_centre, money(central)) at central, graph 1 offset 0, 0.8 center tc rgb colour_centre
set tmargin 5
set title offset 0, 1.2   # keep the title clear of the central value


# ----- Plot ------------------------------------------------------------------
lo(a, b) = a < b ? a : b
hi(a, b) = a > b ? a : b
h = bar_height / 2
set style fill solid 1.0 border lc rgb '#FFFFFF'
plot datafile using (($2 + central) / 2):(row_y($0)):(lo($2, central)):(hi($2, central)):(row_y($0) - h):(row_y($0) + h):yticlabels(name(strcol(1))) \
         with boxxyerror lc rgb colour_low title text_low, \
     '' using (($3 + central) / 2):(row_y($0)):(lo($3, central)):(hi($3, central)):(row_y($0) - h):(row_y($0) + h) \
         with boxxyerror lc rgb colour_high title text_high, \
     for [k = 1:show_values] '' using (lo(lo($2, $3), central)):(row_y($0)):(money(lo(lo($2, $3), central))) \
         with labels right offset -0.6, 0 font value_font tc rgb colour_text notitle, \
     for [k = 1:show_values] '' using (hi(hi($2, $3), central)):(row_y($0)):(money(hi(hi($2, $3), central))) \
         with labels left offset 0.6, 0 font value_font tc rgb colour_text notitle
