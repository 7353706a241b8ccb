#!/bin/sh
# render-samples.sh - render the seven hnb charts from made-up sample data,
# so that anyone can see (and restyle) the charts without running the engine.
#
#   plots/render-samples.sh [OUTDIR [FORMATS [HORIZONS]]]
#
#   OUTDIR    where the sample data and the charts go (default: a new
#             temporary directory, printed at the end)
#   FORMATS   any of "png svg pdf" (default: all three)
#   HORIZONS  projection lengths in years (default: "12 1 40"); the first
#             is the "real-looking" run, the others check the year ticks
#
# Charts are named NAME-HORIZONy.FMT, e.g. deficit-12y.png. The sample data
# is invented (a 12-year run whose cumulative deficit rises from about £80m
# to £600m); it only resembles the shape of a real run. For the 40-year
# sample, income outgrows spending late on, so the gap turns negative and
# the zero line can be checked.
#
# Each chart is drawn exactly as the engine draws it, e.g.
#   gnuplot -e "datafile='d.csv'; outfile='deficit.png'; fmt='png'; \
#               title='Cumulative deficit - Sample'; override_label='2027/28'; \
#               override_note='Override ends March 2028'; reserves=90" plots/deficit.gp
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/hnb-plots.XXXXXX")}
formats=${2:-png svg pdf}
horizons=${3:-12 1 40}
mkdir -p "$out/data"
command -v gnuplot >/dev/null 2>&1 || { echo "render-samples.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }

# Write the sample data files for an N-year run starting 2025/26.
make_data() {
    n=$1; d=$2
    awk -v n="$n" -v d="$d" '
    function label(y) { return sprintf("%d/%02d", y, (y + 1) % 100) }
    function max(a, b) { return a > b ? a : b }
    function min(a, b) { return a < b ? a : b }
    BEGIN {
        y0 = 2025
        proj = d "/deficit.csv";  fan = d "/fan.csv";  plans = d "/plans.csv"
        fund = d "/funding.csv";  mit = d "/mitigations.csv"; mix = d "/mix.csv"
        print "year,label,annual_gap,cumulative_deficit" > proj
        print "year,label,p5,p10,p25,p50,p75,p90,p95,central" > fan
        # stacked charts: the values, then their running totals (the top of each box)
        sets = "Mainstream top-up,Area special schools,Independent special schools,Post-16 early years and other"
        split(sets, sn, ",")
        tops = ""; for (k = 1; k <= 4; k++) tops = tops "," sn[k] " (stacked)"
        print "year,label," sets tops > plans
        print "year,label," sets tops > mix
        print "year,label,expenditure,income,mitigations,net_expenditure" > fund
        mits = "Early Years inclusion and graduated response in mainstream settings,Banded funding model for mainstream top-ups (phased from September 2026),Specialist commissioning of independent placements through the regional framework,Tighter EHC needs assessment decisions,New specialist places in area special schools (capital programme; revenue costs first),Other Transforming SEND and Inclusion (TSIL) savings"
        split(mits, mn, ",")
        up = ""; down = ""
        for (k = 1; k <= 6; k++) { up = up "," mn[k] " (savings stacked)"; down = down "," mn[k] " (costs stacked)" }
        print "year,label," mits up down > mit
        cum = 41
        for (t = 0; t < n; t++) {
            y = y0 + t; L = label(y)
            # Mitigations (six of them, one costing money in its first years)
            m[1] = 1.5 + 4.0 * min(t / 4, 1)
            m[2] = (t < 1 ? 0 : 2.0 + 5.0 * min((t - 1) / 3, 1))
            m[3] = 1.0 + 3.5 * min(t / 5, 1)
            m[4] = 0.8 + 2.2 * min(t / 3, 1)
            m[5] = (t < 2 ? -2.5 + 0.8 * t : 1.5 + 4.5 * min((t - 2) / 4, 1))
            m[6] = 0.7 + 1.5 * min(t / 6, 1)
            mt = 0; line = y "," L; su = 0; sd = 0; ups = ""; downs = ""
            for (k = 1; k <= 6; k++) {
                mt += m[k]; line = line sprintf(",%.2f", m[k])
                if (m[k] > 0) su += m[k]; else sd += m[k]
                ups = ups sprintf(",%.2f", su); downs = downs sprintf(",%.2f", sd)
            }
            print line ups downs > mit
            ex = 145.5 * 1.053 ^ t
            inc = 105 * 1.035 ^ t
            if (n > 20 && t > 12) inc = 105 * 1.035 ^ 12 * 1.09 ^ (t - 12)
            gap = ex - mt - inc
            cum += gap
            printf "%d,%s,%.2f,%.2f\n", y, L, gap, cum > proj
            printf "%d,%s,%.2f,%.2f,%.2f,%.2f\n", y, L, ex, inc, mt, ex - mt > fund
            # Fan: median drifts a little above central; right-skewed spread
            p50 = cum * (1 + 0.02 * t / max(n - 1, 1))
            s = 9 * (t + 1) ^ 1.15
            printf "%d,%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", y, L, \
                p50 - 1.645 * s * 0.85, p50 - 1.2816 * s * 0.85, p50 - 0.6745 * s * 0.85, p50, \
                p50 + 0.6745 * s * 1.2, p50 + 1.2816 * s * 1.2, p50 + 1.645 * s * 1.2, cum > fan
            # Plans by setting
            p[1] = 4200 * 1.06 ^ t; p[2] = 2300 * 1.05 ^ t; p[3] = 700 * 1.08 ^ t; p[4] = 1013 * 1.04 ^ t
            tot = p[1] + p[2] + p[3] + p[4]
            printf "%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", y, L, p[1], p[2], p[3], p[4], \
                p[1], p[1] + p[2], p[1] + p[2] + p[3], tot > plans
            for (k = 1; k <= 4; k++) sh[k] = 100 * p[k] / tot
            printf "%d,%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f\n", y, L, sh[1], sh[2], sh[3], sh[4], \
                sh[1], sh[1] + sh[2], sh[1] + sh[2] + sh[3], sh[1] + sh[2] + sh[3] + sh[4] > mix
        }
        # Tornado: 18 drivers, largest swing first; central = horizon deficit
        tor = d "/tornado.csv"
        print "variable,low_deficit,high_deficit,central" > tor
        split("ehcp_growth_2026 cost_inflation independent_fee grant_growth independent_inflation ehcp_growth_2027 new_plans_2025 grant_2028 ehcna_delivery banding_delivery special_school_fee ehcp_growth_2029 commissioning_delivery grant_2027 new_places_delivery ey_delivery ehcp_growth_2031 tsil_savings_delivery", v, " ")
        for (k = 1; k <= 18; k++) {
            sw = 260 * 0.8 ^ (k - 1)
            a = 0.35 + 0.3 * ((k * 37) % 10) / 10            # share of the swing below central
            lo = cum - a * sw; hi = cum + (1 - a) * sw
            if (v[k] ~ /^grant|delivery$/) { t2 = lo; lo = hi; hi = t2 }   # more grant, less deficit
            printf "%s,%.2f,%.2f,%.2f\n", v[k], lo, hi, cum > tor
        }
    }'
}

failed=0
for n in $horizons; do
    d="$out/data/${n}y"
    mkdir -p "$d"
    make_data "$n" "$d"
    # Tornado horizon: the last year of the run
    hl=$(tail -n 1 "$d/deficit.csv" | cut -d, -f2)
    for fmt in $formats; do
        r() {   # r NAME EXTRA-VARIABLES
            o="$out/$1-${n}y.$fmt"
            gnuplot -e "datafile='$d/$1.csv'; outfile='$o'; fmt='$fmt'; $2" "$here/$1.gp" || { echo "FAILED: $1 ($fmt, ${n}y)" >&2; failed=1; }
        }
        r deficit "title='Annual funding gap and cumulative deficit - Sample scenario'; override_label='2027/28'; override_note='Override ends March 2028'; reserves=90"
        r fan     "title='Cumulative deficit: range of outcomes - Sample scenario'; override_label='2027/28'; override_note='Override ends March 2028'"
        r plans   "title='EHCPs by setting - Sample scenario'; ncols=10"
        r funding "title='Expenditure against grant and income - Sample scenario'"
        r mitigations "title='Planned mitigations by year - Sample scenario'; ncols=20"
        r tornado "title='What drives the deficit - Sample scenario'; horizon_label='$hl'; nrows=18"
        r mix     "title='Placement mix - Sample scenario'; ncols=10"
    done
done
echo "$out"
exit $failed
