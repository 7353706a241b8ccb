# =============================================================================
# deficit.gp - hnb chart: the annual funding gap (bars) and the cumulative
# deficit (line with points), in £m, one bar per financial year; optionally a
# dashed line at the end of the statutory override and a line for the
# council's usable reserves.
#
# How the engine runs it (strings single-quoted; '' means "not given"):
#   gnuplot -e "datafile='out/x/deficit.csv'; outfile='out/x/deficit.png'; \
#               fmt='png'; title='Cumulative deficit - My scenario'; \
#               override_label='2027/28'; override_note='Override ends March 2028'; \
#               reserves=90" plots/deficit.gp
#
# Variables
#   datafile        the data file (below)
#   outfile         the chart to write
#   fmt             'png' (1200x700 px), 'svg' (1200x700) or 'pdf' (8 x 4.7 in)
#   title           the chart title
#   override_label  optional: the last year covered by the statutory override,
#                   e.g. '2027/28'; a dashed line is drawn after that year
#   override_note   optional: the text printed at that line
#   reserves        optional: usable reserves in £m (a number), drawn as a line
#   regime          optional: '1' when the scenario has a stability grant
#                   (SPEC section 13): drawn as a bar below zero in the year
#                   it is paid, with its amount
#   dsg             optional: '1' when the scenario has the DSG's other
#                   blocks: the DSG-wide deficit drawn as a dashed line
#   central         optional: '1' when the scenario has central support after
#                   the override: each year's support drawn as a bar below zero
#
# Data: comma-separated, one header line, then one row a year:
#   year,label,annual_gap,cumulative_deficit
#   year   the calendar year the financial year starts in (2025 for 2025/26)
#   label  the financial-year label (2025/26), used on the x axis
#   annual_gap, cumulative_deficit   in £m (negative = surplus)
# and, with regime or dsg, two more columns:
#   stability_grant   the grant received that year, £m (0 in other years)
#   dsg_deficit       the DSG-wide deficit, £m (NaN without dsg)
#   central_funding   the share of the year's gap met centrally, £m
#
# Restyling: change the values under "Style" below (colours, font, widths,
# wording) and re-run; no recompiling. Colours are from the Okabe-Ito palette
# (safe for colour-blind readers) and differ in lightness, and each series
# has its own shape (bars, line with dots, dashes), so a grey print still reads.
# =============================================================================

# ----- Style -----------------------------------------------------------------
font_name       = 'Sans'
font_size       = 11          # png and svg
pdf_font_size   = 9           # pdf (the page is 8in wide)
colour_gap      = '#E69F00'   # bars: annual funding gap (orange)
colour_deficit  = '#0072B2'   # line: cumulative deficit (blue)
colour_reserves = '#D55E00'   # line: usable reserves (vermillion)
colour_override = '#555555'   # dashed line: end of the override (grey)
colour_grant    = '#009E73'   # bar below zero: the stability grant (bluish green)
colour_dsg      = '#CC79A7'   # dashed line: the DSG-wide deficit (reddish purple)
colour_central  = '#56B4E9'   # bar below zero: central support (sky blue)
colour_grid     = '#CFCFCF'
colour_text     = '#222222'
bar_width       = 0.65        # of a year
line_width      = 3
point_size      = 1.2         # smaller automatically beyond 20 years
show_end_value  = 1           # 1: write the final cumulative deficit by its point
text_gap        = 'Annual funding gap'
text_deficit    = 'Cumulative deficit'
text_reserves   = 'Usable reserves £%sm'   # %s is replaced by the figure
text_grant      = 'High Needs Stability Grant (reduces the deficit)'
text_dsg        = 'DSG-wide deficit (all blocks)'
text_central    = 'Central support after the override (reduces the deficit)'
text_y_axis     = '£m'
text_x_axis     = 'Financial year'

# ----- Terminal (from fmt) and common settings -------------------------------
set encoding utf8
if (!exists("fmt") || fmt eq '') { fmt = 'png' }
if (!exists("title")) { title = '' }
if (!exists("datafile") || datafile eq '' || !exists("outfile") || outfile eq '') {
    print "deficit.gp: datafile and outfile must be given"; exit status 2
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
    print "deficit.gp: fmt must be 'png', 'svg' or 'pdf', not '".fmt."'"; exit status 2
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
# at least three years' width, so a one-year run does not draw a giant bar
x_pad = n_years >= 3 ? 0.6 : 0.6 + (3 - n_years) / 2.0
set xrange [year_first - x_pad : year_last + x_pad]
if (n_years > 20) { point_size = point_size * 0.6 }
set xtics scale 0.6, 0 out
set xlabel text_x_axis tc rgb colour_text
set ylabel text_y_axis norotate tc rgb colour_text
set yrange [*<0 : 0<*]          # always include zero
set xzeroaxis lt 1 lc rgb '#333333' lw 1.2
set offsets 0, 0, graph 0.08, 0  # head room above the highest value
set rmargin (show_end_value ? 10 : 4)   # room for the final value
money(x) = (x < 0 ? '-' : '') . sprintf('£%.0fm', abs(x))

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
    set arrow 1 from x_override, graph 0 to x_override, graph 1.0 nohead back dt (20*dash, 12*dash) lw 1.8 lc rgb colour_override
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

# ----- Usable reserves -------------------------------------------------------
# reserves may arrive as a number (90) or as a string ('90' or ''): print it
# into a scratch data block to read it back as text either way.
if (!exists("reserves")) { reserves = '' }
set print $SCRATCH
print reserves
unset print
reserves_text = $SCRATCH[1]
has_reserves = (reserves_text ne '')
reserves_value = has_reserves ? reserves_text + 0 : NaN
reserves_title = has_reserves ? sprintf(text_reserves, \
    reserves_value == int(reserves_value) ? sprintf('%.0f', reserves_value) : sprintf('%.1f', reserves_value)) : ''

# ----- The 2026 regime and the DSG (SPEC section 13) -------------------------
if (!exists("regime")) { regime = '' }
if (!exists("dsg")) { dsg = '' }
has_grant = (regime eq '1') ? 1 : 0
has_dsg = (dsg eq '1') ? 1 : 0
if (!exists("central")) { central = '' }
has_central = (central eq '1') ? 1 : 0
# (an unused title still widens the legend's columns: blank it)
if (!has_grant) { text_grant = '' }
if (!has_dsg) { text_dsg = '' }
if (!has_central) { text_central = '' }

# ----- Plot ------------------------------------------------------------------
set style fill solid 0.85 border lc rgb '#7A5200'
if (!has_grant && !has_dsg && !has_central) {
plot datafile using 1:3:(bar_width):xticlabels(year_tick($0)) with boxes lc rgb colour_gap title text_gap, \
     '' using 1:4 with linespoints lw line_width pt 7 ps point_size * marker lc rgb colour_deficit title text_deficit, \
     for [k = 1:has_reserves] reserves_value with lines dt (28*dash, 10*dash, 6*dash, 10*dash) lw 2 lc rgb colour_reserves title reserves_title, \
     for [k = 1:show_end_value] '' using 1:($0 == n_years - 1 ? $4 : NaN):(money($4)) \
         with labels left offset 0.8, 0.9 tc rgb colour_deficit font sprintf(',%g', base_size + 1) notitle
} else {
# the same, with the grant and the DSG-wide deficit (a separate command, so
# that a chart without them is drawn exactly as before)
plot datafile using 1:3:(bar_width):xticlabels(year_tick($0)) with boxes lc rgb colour_gap title text_gap, \
     '' using 1:4 with linespoints lw line_width pt 7 ps point_size * marker lc rgb colour_deficit title text_deficit, \
     for [k = 1:has_grant] '' using 1:($5 > 0 ? -$5 : NaN):(bar_width) with boxes fs solid 0.7 border lc rgb '#00664A' lc rgb colour_grant title text_grant, \
     for [k = 1:has_grant] '' using 1:($5 > 0 ? -$5 : NaN):(money($5)) with labels center offset 0, -0.9 tc rgb colour_grant notitle, \
     for [k = 1:has_central] '' using 1:($7 > 0 ? -$7 : NaN):(bar_width * 0.6) with boxes fs solid 0.7 border lc rgb '#2A6F97' lc rgb colour_central title text_central, \
     for [k = 1:has_dsg] '' using 1:6 with linespoints dt (12*dash, 8*dash) lw 2 pt 6 ps point_size * marker lc rgb colour_dsg title text_dsg, \
     for [k = 1:has_reserves] reserves_value with lines dt (28*dash, 10*dash, 6*dash, 10*dash) lw 2 lc rgb colour_reserves title reserves_title, \
     for [k = 1:show_end_value] '' using 1:($0 == n_years - 1 ? $4 : NaN):(money($4)) \
         with labels left offset 0.8, 0.9 tc rgb colour_deficit font sprintf(',%g', base_size + 1) notitle
}
