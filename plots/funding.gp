# =============================================================================
# funding.gp - hnb chart: spending against grant and income, in £m, a point a
# financial year: gross expenditure, net expenditure (after the planned
# mitigations) and grant plus other income as lines. The gap between net
# expenditure and income is shaded (red where spending exceeds income, green
# where income exceeds spending), and the band between gross and net
# expenditure (what the mitigations save) is hatched.
#
# How the engine runs it (strings single-quoted; '' means "not given"):
#   gnuplot -e "datafile='out/x/funding.csv'; outfile='out/x/funding.png'; fmt='png'; \
#               title='Expenditure against grant and income - My scenario'" plots/funding.gp
#
# Variables
#   datafile  the data file (below)
#   outfile   the chart to write
#   fmt       'png' (1200x700 px), 'svg' (1200x700) or 'pdf' (8 x 4.7 in)
#   title     the chart title
#
# Data: comma-separated, one header line, then one row a year:
#   year,label,expenditure,income,mitigations,net_expenditure
#   year             the calendar year the financial year starts in (2025 for 2025/26)
#   label            the financial-year label (2025/26), used on the x axis
#   expenditure      gross expenditure, £m
#   income           grant and other income, £m
#   mitigations      what the planned mitigations save, £m
#   net_expenditure  expenditure - mitigations, £m
#
# Restyling: change the values under "Style" below and re-run. Colours are
# Okabe-Ito (safe for colour-blind readers); the three lines also differ in
# dash and marker, so a grey print still reads.
# =============================================================================

# ----- Style -----------------------------------------------------------------
font_name      = 'Sans'
font_size      = 11          # png and svg
pdf_font_size  = 9           # pdf (the page is 8in wide)
colour_gross   = '#D55E00'   # gross expenditure (vermillion, dashed)
colour_net     = '#D55E00'   # net expenditure (vermillion, solid)
colour_income  = '#0072B2'   # grant and other income (blue, solid)
colour_gap     = '#F3C7A9'   # shading: spending above income
colour_surplus = '#B3E0D1'   # shading: income above spending (bluish green tint)
colour_saved   = '#D55E00'   # hatching: saved by mitigations
colour_grid    = '#CFCFCF'
colour_text    = '#222222'
line_width     = 3
point_size     = 1.2         # smaller automatically beyond 20 years
text_gross     = 'Gross expenditure'
text_net       = 'Net expenditure (after mitigations)'
text_income    = 'Grant and other income'
text_gap       = 'Funding gap'
text_surplus   = 'Surplus'
text_saved     = 'Saved by mitigations'
text_y_axis    = '£m'
text_x_axis    = 'Financial year'

# ----- Terminal (from fmt) and common settings -------------------------------
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (!exists("title")) { title = '' }
if (!exists("datafile") || datafile eq '' || !exists("outfile") || outfile eq '') {
    print "funding.gp: datafile and outfile must be given"; exit status 2
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
    print "funding.gp: fmt must be 'png', 'svg' or 'pdf', not '".fmt."'"; exit status 2
} } }
dash   = (fmt eq 'svg') ? 0.5 : 1     # dash lengths: svg draws them twice as long
marker = (fmt eq 'pdf') ? 0.55 : 1    # point sizes: pdf draws them larger
set output outfile
# SVG: a light solid of its own colour, not hatching, which a browser prints as
# a bitmap a band (a 13 MB PDF); PNG and PDF keep the hatching
saved_fs = (fmt eq 'svg') ? 'solid 1.0' : 'transparent pattern 6'
saved_lc = (fmt eq 'svg') ? '#CFE3CF' : colour_saved
set datafile separator ","
set datafile columnheaders
set title title font sprintf(',%g', base_size + 3) tc rgb colour_text
set border 3 lc rgb '#666666'
set tics nomirror tc rgb colour_text
set grid ytics lt 1 lc rgb colour_grid lw 1
set grid front
# legend under the x axis (outside the plot), so it never covers data
set key below center horizontal reverse Left noautotitle samplen 3 spacing 1.2 width 1 height 1 tc rgb colour_text

# ----- Years on the x axis ---------------------------------------------------
# One tick a year; the label is printed on every year, or on every 2nd, 5th or
# 10th when there are many years.
stats datafile using 1 nooutput
n_years    = STATS_records
year_first = STATS_min
year_last  = STATS_max
tick_every = n_years <= 14 ? 1 : n_years <= 28 ? 2 : n_years <= 70 ? 5 : 10
year_tick(row) = (int(row) % tick_every == 0) ? strcol(2) : ''
x_pad = n_years >= 3 ? 0.4 : 0.4 + (3 - n_years) / 2.0
set xrange [year_first - x_pad : year_last + x_pad]
if (n_years > 20) { point_size = point_size * 0.6 }
set xtics scale 0.6, 0 out
set xlabel text_x_axis tc rgb colour_text
set ylabel text_y_axis norotate tc rgb colour_text
set yrange [*<0 : 0<*]          # always include zero
set offsets 0, 0, graph 0.05, 0

# Show "Funding gap" and "Surplus" in the legend only when they occur.
stats datafile using ($6 - $4) nooutput
has_gap     = (STATS_max > 0)
has_surplus = (STATS_min < 0)
stats datafile using ($3 - $6) nooutput
has_saved   = (STATS_max > 0)

# ----- Plot ------------------------------------------------------------------
# Several years: shaded areas between the lines. A single year: the same
# shading as boxes, and each line as a short level mark through its point.
# The shaded areas are drawn first (under the lines) but listed last in the
# legend, so their legend entries are separate "keyentry" items.
set macros
one = (n_years == 1)
if (!one) {
    gap_area     = 'using 1:6:4:xticlabels(year_tick($0)) with filledcurves above'
    surplus_area = 'using 1:6:4 with filledcurves below'
    saved_area   = 'using 1:3:6 with filledcurves'
} else {
    gap_area     = 'using 1:($6 > $4 ? $6 : NaN):($1 - 0.3):($1 + 0.3):4:6:xticlabels(year_tick($0)) with boxxyerror'
    surplus_area = 'using 1:($4 > $6 ? $4 : NaN):($1 - 0.3):($1 + 0.3):6:4 with boxxyerror'
    saved_area   = 'using 1:($3 > $6 ? $3 : NaN):($1 - 0.3):($1 + 0.3):6:3 with boxxyerror'
}
plot datafile @gap_area fs solid 1.0 noborder lc rgb colour_gap notitle, \
     '' @surplus_area fs solid 1.0 noborder lc rgb colour_surplus notitle, \
     '' @saved_area fs @saved_fs noborder lc rgb saved_lc notitle, \
     for [k = 1:one] '' using ($1 - 0.3):3:(0.6):(0) with vectors nohead lw line_width dt (18*dash, 8*dash) lc rgb colour_gross notitle, \
     for [k = 1:one] '' using ($1 - 0.3):6:(0.6):(0) with vectors nohead lw line_width lc rgb colour_net notitle, \
     for [k = 1:one] '' using ($1 - 0.3):4:(0.6):(0) with vectors nohead lw line_width lc rgb colour_income notitle, \
     '' using 1:3 with linespoints lw line_width dt (18*dash, 8*dash) pt 5 ps point_size * marker lc rgb colour_gross title text_gross, \
     '' using 1:6 with linespoints lw line_width pt 7 ps point_size * marker lc rgb colour_net title text_net, \
     '' using 1:4 with linespoints lw line_width pt 9 ps point_size * marker * 1.2 lc rgb colour_income title text_income, \
     for [k = 1:has_saved] keyentry with boxes fs @saved_fs border lc rgb saved_lc lc rgb saved_lc title text_saved, \
     for [k = 1:has_gap] keyentry with boxes fs solid 1.0 noborder lc rgb colour_gap title text_gap, \
     for [k = 1:has_surplus] keyentry with boxes fs solid 1.0 noborder lc rgb colour_surplus title text_surplus
