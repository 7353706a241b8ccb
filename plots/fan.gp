# =============================================================================
# fan.gp - hnb chart: fan chart of the cumulative deficit from the Monte Carlo
# run: nested shaded bands (5-95, 10-90 and 25-75 percentiles), the median
# (P50) as a solid line and the central (single-run, no-uncertainty) forecast
# as a dashed line, in £m; optionally a dashed line at the end of the
# statutory override.
#
# How the engine runs it (strings single-quoted; '' means "not given"):
#   gnuplot -e "datafile='out/x/fan.csv'; outfile='out/x/fan.png'; fmt='png'; \
#               title='Cumulative deficit: range of outcomes - My scenario'; \
#               override_label='2027/28'; override_note='Override ends March 2028'" \
#           plots/fan.gp
#
# Variables
#   datafile        the data file (below)
#   outfile         the chart to write
#   fmt             'png' (1200x700 px), 'svg' (1200x700) or 'pdf' (8 x 4.7 in)
#   title           the chart title
#   override_label  optional: the last year covered by the statutory override,
#                   e.g. '2027/28'; a dashed line is drawn after that year
#   override_note   optional: the text printed at that line
#
# Data: comma-separated, one header line, then one row a year:
#   year,label,p5,p10,p25,p50,p75,p90,p95,central
#   year     the calendar year the financial year starts in (2025 for 2025/26)
#   label    the financial-year label (2025/26), used on the x axis
#   p5..p95  percentiles of the cumulative deficit at the end of the year, £m
#   central  the cumulative deficit of the central (deterministic) run, £m
#
# Restyling: change the values under "Style" below and re-run. The bands are
# tints of one Okabe-Ito blue, darker towards the middle, so they keep their
# order in a grey print; the two lines differ in colour and dash.
# =============================================================================

# ----- Style -----------------------------------------------------------------
font_name       = 'Sans'
font_size       = 11          # png and svg
pdf_font_size   = 9           # pdf (the page is 8in wide)
colour_band_90  = '#C4DEEE'   # P5-P95 band (lightest)
colour_band_80  = '#8CC0DE'   # P10-P90 band
colour_band_50  = '#4D9CCB'   # P25-P75 band (darkest)
colour_median   = '#0B2E4F'   # P50 line (near black)
colour_central  = '#D55E00'   # central forecast (vermillion, dashed)
colour_override = '#555555'   # dashed line: end of the override (grey)
colour_grid     = '#CFCFCF'
colour_text     = '#222222'
line_width      = 3
show_end_values = 1           # 1: write P5, P50 and P95 of the last year at the right
text_band_90    = '90% of outcomes (P5 to P95)'
text_band_80    = '80% of outcomes (P10 to P90)'
text_band_50    = '50% of outcomes (P25 to P75)'
text_median     = 'Median of the draws (P50)'
text_central    = 'Central case: every value at its most likely'
text_y_axis     = '£m'
text_x_axis     = 'Financial year'

# ----- Terminal (from fmt) and common settings -------------------------------
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (!exists("title")) { title = '' }
if (!exists("datafile") || datafile eq '' || !exists("outfile") || outfile eq '') {
    print "fan.gp: datafile and outfile must be given"; exit status 2
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
    print "fan.gp: fmt must be 'png', 'svg' or 'pdf', not '".fmt."'"; exit status 2
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
set grid front                   # grid lines show through the bands
# legend under the x axis (outside the plot), so it never covers data
set key below center horizontal reverse Left noautotitle samplen 3 spacing 1.15 width 1 height 1 tc rgb colour_text

# ----- Years on the x axis ---------------------------------------------------
# One tick a year; the label is printed on every year, or on every 2nd, 5th or
# 10th when there are many years.
stats datafile using 1 nooutput
n_years    = STATS_records
year_first = STATS_min
year_last  = STATS_max
tick_every = n_years <= 14 ? 1 : n_years <= 28 ? 2 : n_years <= 70 ? 5 : 10
year_tick(row) = (int(row) % tick_every == 0) ? strcol(2) : ''
x_pad = n_years >= 3 ? 0.5 : 0.5 + (3 - n_years) / 2.0
set xrange [year_first - x_pad : year_last + x_pad]
set xtics scale 0.6, 0 out
set xlabel text_x_axis tc rgb colour_text
set ylabel text_y_axis norotate tc rgb colour_text
set yrange [*<0 : 0<*]          # always include zero
set xzeroaxis lt 1 lc rgb '#333333' lw 1.2
set offsets 0, 0, graph 0.05, 0
set rmargin (show_end_values ? 10 : 4)   # room for the final values
money(x) = (x < 0 ? '-' : '') . sprintf('£%.0fm', abs(x))
is_last(row) = int(row) == n_years - 1

# ----- Statutory override ----------------------------------------------------
if (!exists("override_label")) { override_label = '' }
if (!exists("override_note")) { override_note = '' }
has_override = 0
if (override_label ne '') {
    override_year = override_label[1:4] + 0
    # only when the end of the override falls within the years shown
    has_override = (override_year >= year_first - 1 && override_year <= year_last)
}
if (has_override) {
    if (override_note eq '') { override_note = sprintf('Override ends March %d', override_year + 1) }
    x_override = override_year + 0.5
    set arrow 1 from x_override, graph 0 to x_override, graph 1.0 nohead front dt (20*dash, 12*dash) lw 1.8 lc rgb colour_override
    # the note is centred on the line, or starts/ends at it near the edges
    at_left  = (x_override - (year_first - x_pad)) < 0.15 * (n_years - 1 + 2 * x_pad)
    at_right = ((year_last + x_pad) - x_override) < 0.15 * (n_years - 1 + 2 * x_pad)
    if (at_left) {
        set label 1 override_note at x_override, graph 1.0 offset -0.5, 0.9 left tc rgb colour_override
    } else { if (at_right) {
        set label 1 override_note at x_override, graph 1.0 offset 0.5, 0.9 right tc rgb colour_override
    } else {
        set label 1 override_note at x_override, graph 1.0 offset 0, 0.9 center tc rgb colour_override
    } }
    set tmargin 5
    set title offset 0, 1.2   # keep the title clear of the note
}

# ----- Plot ------------------------------------------------------------------
# Several years: bands as shaded areas. A single year: bands as nested boxes.
set macros
if (n_years > 1) {
    band_90  = 'using 1:3:9:xticlabels(year_tick($0)) with filledcurves'
    band_80  = 'using 1:4:8 with filledcurves'
    band_50  = 'using 1:5:7 with filledcurves'
    line_p50 = 'using 1:6 with lines'
    line_cen = 'using 1:10 with lines'
    x_end = 0
} else {
    band_90  = 'using 1:6:($1 - 0.30):($1 + 0.30):3:9:xticlabels(year_tick($0)) with boxxyerror'
    band_80  = 'using 1:6:($1 - 0.25):($1 + 0.25):4:8 with boxxyerror'
    band_50  = 'using 1:6:($1 - 0.20):($1 + 0.20):5:7 with boxxyerror'
    line_p50 = 'using ($1 - 0.30):6:(0.60):(0) with vectors nohead'
    line_cen = 'using ($1 - 0.30):10:(0.60):(0) with vectors nohead'
    x_end = 0.30
}
set style fill solid 1.0 noborder
plot datafile @band_90 lc rgb colour_band_90 title text_band_90, \
     '' @band_80 lc rgb colour_band_80 title text_band_80, \
     '' @band_50 lc rgb colour_band_50 title text_band_50, \
     '' @line_p50 lw line_width lc rgb colour_median title text_median, \
     '' @line_cen lw line_width dt (18*dash, 10*dash) lc rgb colour_central title text_central, \
     for [k = 1:show_end_values] '' using ($1 + x_end):(is_last($0) ? $9 : NaN):(money($9)) with labels left offset 1.0, 0 tc rgb colour_text notitle, \
     for [k = 1:show_end_values] '' using ($1 + x_end):(is_last($0) ? $6 : NaN):(money($6)) with labels left offset 1.0, 0 tc rgb colour_median notitle, \
     for [k = 1:show_end_values] '' using ($1 + x_end):(is_last($0) ? $3 : NaN):(money($3)) with labels left offset 1.0, 0 tc rgb colour_text notitle
