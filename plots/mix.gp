# =============================================================================
# mix.gp - hnb chart: the placement mix, i.e. each setting's share of all
# EHCPs (Education, Health and Care Plans) in each financial year, in per
# cent, as stacked areas (as stacked bars when there is only one year). The
# shares in the last year are written at the right-hand edge.
#
# How the engine runs it (strings single-quoted; '' means "not given"):
#   gnuplot -e "datafile='out/x/mix.csv'; outfile='out/x/mix.png'; fmt='png'; \
#               title='Placement mix - My scenario'; ncols=6" plots/mix.gp
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
#   year,label,<setting 1>,...,<setting n>,<stacked 1>,...,<stacked n>
#   year       the calendar year the financial year starts in (2025 for 2025/26)
#   label      the financial-year label (2025/26), used on the x axis
#   <setting>  one column per setting (any number, 1 to about 10): its share
#              of EHCPs in per cent (a row sums to 100); the header is the
#              setting's name, shown in the legend. Settings are stacked
#              bottom to top in column order.
#   <stacked>  the top of setting i's area: the shares of settings 1 to i
#              added up (the engine writes them, so that drawing n settings
#              is n steps, not n squared)
#
# Restyling: change the values under "Style" below and re-run. Each setting
# gets an Okabe-Ito colour (safe for colour-blind readers) and its own
# hatching, so the settings can still be told apart in a grey print; the
# lists are used in turn and start again when there are more settings. Keep
# the same lists as in plans.gp so a setting looks the same on both charts.
# =============================================================================

# ----- Style -----------------------------------------------------------------
font_name     = 'Sans'
font_size     = 11          # png and svg
pdf_font_size = 9           # pdf (the page is 8in wide)
colours       = '#0072B2 #E69F00 #009E73 #CC79A7 #56B4E9 #D55E00 #F0E442'   # Okabe-Ito
hatches       = '4 5 1 6 7 2'    # gnuplot fill patterns, one per setting in turn
if (exists("fmt") && fmt eq 'svg') { hatches = '3 3 3 3 3 3' }   # SVG: solid fills (a browser prints SVG hatching as a bitmap a bar)
tint          = 0.45        # strength of the colour behind the hatching (0 white .. 1 full)
colour_grid   = '#CFCFCF'
colour_text   = '#222222'
bar_width     = 0.7         # of a year (one-year charts only)
show_shares   = 1           # 1: write the last year's shares at the right-hand edge
min_share     = 5           # ... but only shares of at least this many per cent (smaller ones would overlap)
text_y_axis   = 'Share of EHCPs'
text_x_axis   = 'Financial year'

# ----- Terminal (from fmt) and common settings -------------------------------
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (!exists("title")) { title = '' }
if (!exists("datafile") || datafile eq '' || !exists("outfile") || outfile eq '') {
    print "mix.gp: datafile and outfile must be given"; exit status 2
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
    print "mix.gp: fmt must be 'png', 'svg' or 'pdf', not '".fmt."'"; exit status 2
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

# ----- Years on the x axis, number of settings -------------------------------
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
x_pad = n_years >= 3 ? 0 : 0.6 + (3 - n_years) / 2.0
set xrange [year_first - x_pad : year_last + x_pad]
set xtics scale 0.6, 0 out
set xlabel text_x_axis tc rgb colour_text
set ylabel text_y_axis tc rgb colour_text
set yrange [0 : 100]
set ytics 0, 20, 100 format '%g%%'
unset grid                       # the areas fill the whole plot
is_last(row) = int(row) == n_years - 1
set style textbox opaque noborder margins 2, 1

# ----- Plot ------------------------------------------------------------------
# Setting i (column i + 2) fills from the top of the setting below it to its
# own top (column n_set + 2 + i). Several years: areas. A single year: one bar.
n_set = (n_cols - 2) / 2
upto(i)  = column(n_set + 2 + i)
below(i) = i > 1 ? column(n_set + 1 + i) : 0
set macros
if (n_years > 1) {
    layer = 'using 1:(below(i)):(upto(i)):xticlabels(year_tick($0)) with filledcurves'
    x_share = 'year_last'
} else {
    layer = 'using 1:(upto(i)):($1 - bar_width / 2):($1 + bar_width / 2):(below(i)):(upto(i)):xticlabels(year_tick($0)) with boxxyerror'
    x_share = '($1 + bar_width / 2)'
}
share_text(i) = sprintf('%.0f%%', column(i + 2))
show_share(i, row) = show_shares && is_last(row) && column(i + 2) >= min_share
plot for [i = 1:n_set] datafile @layer fs solid 1.0 noborder lc rgb tinted(colour(i), tint) notitle, \
     for [i = 1:n_set] '' @layer fs transparent pattern hatch(i) border lc rgb colour(i) lw 1 lc rgb colour(i) title columnheader(i + 2), \
     for [i = 1:n_set] '' using (@x_share):(show_share(i, $0) ? (below(i) + upto(i)) / 2 : NaN):(share_text(i)) \
         with labels right offset -0.8, 0 boxed tc rgb colour_text notitle
