/* test_plot.c - the gnuplot runner (a queue of charts drawn by a few
 * gnuplot processes) and the stacked-chart data the engine writes. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "hnb/err.h"
#include "hnb/plot.h"

static char warned[8192];
static void capture(void *ud, const char *text)
{
    (void)ud;
    size_t w = strlen(warned);
    snprintf(warned + w, sizeof warned - w, "%s\n", text);
}

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Files in DIR whose name holds ".tmp." (a chart left half-drawn). */
static int leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) n++;
    if (d) closedir(d);
    return n;
}

static const char *good_script = "set terminal svg size 300,200\n"
                                 "set output outfile\n"
                                 "set datafile separator ','\n"
                                 "plot datafile using 1:2 with lines title title\n";

/* Four charts, two of which fail in different ways: one with an error in
 * its script (gnuplot carries on), one whose script exits gnuplot (the
 * next chart gets a fresh gnuplot). With 1 and with 3 workers: the good
 * charts are drawn, each bad one is a warning naming it, nothing is left
 * half-written. */
Test(plot, queue_survives_failing_charts)
{
    for (int workers = 1; workers <= 3; workers += 2) {
        char dir[700], data[800], good[800], bad[800], quits[800], base[800];
        snprintf(dir, sizeof dir, "%s/out-plot-test-%d", th_root(), workers);
        th_sh("rm -rf %s && mkdir -p %s", dir, dir);
        snprintf(data, sizeof data, "%s/d.csv", dir);
        snprintf(good, sizeof good, "%s/good.gp", dir);
        snprintf(bad, sizeof bad, "%s/bad.gp", dir);
        snprintf(quits, sizeof quits, "%s/quits.gp", dir);
        FILE *f = fopen(data, "w");
        fputs("1,2\n2,4\n3,3\n", f);
        fclose(f);
        f = fopen(good, "w");
        fputs(good_script, f);
        fclose(f);
        f = fopen(bad, "w");
        fputs("set terminal svg\nset output outfile\nplot datafile using 1:2 with nonsense\n", f);
        fclose(f);
        f = fopen(quits, "w");
        fputs("print 'quits.gp: giving up'\nexit status 2\n", f);
        fclose(f);

        hnb_plot_queue *q = hnb_plot_queue_create();
        const char *scripts[] = {good, bad, quits, good};
        const char *names[] = {"a", "b", "c", "d"};
        for (int k = 0; k < 4; k++) {
            snprintf(base, sizeof base, "%s/%s", dir, names[k]);
            cr_assert_eq(hnb_plot_queue_add(q, scripts[k], data, base, "it's a title", "x=1",
                                            HNB_CHART_SVG),
                         1);
        }
        warned[0] = 0;
        hnb_warn_set_handler(capture, NULL);
        int failed = hnb_plot_queue_run(q, workers);
        hnb_warn_set_handler(NULL, NULL);
        hnb_plot_queue_free(q);
        cr_assert_eq(failed, 2, "%s", warned);
        for (int k = 0; k < 4; k++) {
            char path[900];
            snprintf(path, sizeof path, "%s/%s.svg", dir, names[k]);
            if (k == 0 || k == 3) cr_assert_gt(size_of(path), 100, "%s: %s", path, warned);
            else cr_assert_eq(size_of(path), -1, "%s", path);
        }
        cr_assert(strstr(warned, "chart ") && strstr(warned, "/b.svg: gnuplot failed"), "%s", warned);
        cr_assert(strstr(warned, "/c.svg: gnuplot failed: quits.gp: giving up"), "%s", warned);
        cr_assert_eq(leftovers(dir), 0);
        th_sh("rm -rf %s", dir);
    }
}

/* Each shipped chart drawn after the others by one gnuplot is the same
 * file as drawn by a gnuplot of its own: `reset session` and the scripts'
 * own settings leave nothing of one chart in the next. (gnuplot's SVG
 * driver does keep one colour from a plot to the next, which shows when a
 * script leaves its first group's colour unset; the shipped scripts set
 * it.) */
Test(plot, one_process_draws_as_many)
{
    char dir[700], data[900], script[900], base[900], a[900], b[900];
    snprintf(dir, sizeof dir, "%s/out-plot-test-same", th_root());
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run scenarios/leicestershire-2026.yaml --draws 200 "
                       "-q --charts svg -o %s",
                       dir, dir),
                 0, "%s", th_out);
    const char *names[] = {"tornado", "funding", "fan", "deficit"};
    hnb_plot_queue *q = hnb_plot_queue_create();
    for (int k = 0; k < 4; k++) {
        snprintf(data, sizeof data, "%s/charts/%s.csv", dir, names[k]);
        snprintf(script, sizeof script, "%s/plots/%s.gp", th_root(), names[k]);
        snprintf(base, sizeof base, "%s/%s-alone", dir, names[k]);
        cr_assert_eq(hnb_plot_draw(script, data, base, "a title", NULL, HNB_CHART_SVG), 0);
        snprintf(base, sizeof base, "%s/%s-queued", dir, names[k]);
        hnb_plot_queue_add(q, script, data, base, "a title", NULL, HNB_CHART_SVG);
    }
    cr_assert_eq(hnb_plot_queue_run(q, 1), 0);
    hnb_plot_queue_free(q);
    for (int k = 0; k < 4; k++) {
        snprintf(a, sizeof a, "%s/%s-alone.svg", dir, names[k]);
        snprintf(b, sizeof b, "%s/%s-queued.svg", dir, names[k]);
        cr_assert_eq(th_sh("cmp %s %s", a, b), 0, "%s", th_out);
    }
    th_sh("rm -rf %s", dir);
}

/* A row of a chart file as numbers: fields 3.. into V; returns how many. */
static int fields(char *line, double *v, int max)
{
    int n = 0, col = 0;
    for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"))
        if (++col > 2 && n < max) v[n++] = atof(tok);
    return n;
}

/* 20 mitigations (the default scenario's 6 and 14 more): the chart stacks
 * the 11 largest and "9 other mitigations" (12 series), each followed by
 * the running totals of savings and of costs; the 12 series add up to the
 * year's total of all 20 in mitigations.csv (to the 0.0005 of rounding
 * each of the 12 figures, in £m). */
Test(plot, mitigations_chart_stacks_twelve_series)
{
    char yaml[8192] = "extends: scenarios/leicestershire-2026.yaml\nmitigations:\n";
    for (int i = 1; i <= 14; i++) {
        size_t w = strlen(yaml);
        snprintf(yaml + w, sizeof yaml - w,
                 "  - {name: Extra %d, type: unit_cost, setting: mainstream, reduction: \"0.%d%%\", "
                 "start: 2026}\n",
                 i, i % 9 + 1);
    }
    char path[900], dir[700];
    snprintf(path, sizeof path, "%s/out-plot-mit.yaml", th_root());
    FILE *f = fopen(path, "w");
    fputs(yaml, f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/out-plot-mit", th_root());
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run %s -o %s -q --draws 0", dir, path, dir), 0, "%s",
                 th_out);
    snprintf(path, sizeof path, "%s/charts/mitigations.csv", dir);
    f = fopen(path, "r");
    cr_assert(f);
    char line[8192];
    cr_assert(fgets(line, sizeof line, f));
    cr_assert(strstr(line, ",9 other mitigations,"), "%s", line);
    double v[64], total[40] = {0};
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        cr_assert_eq(fields(line, v, 64), 36);
        double up = 0, down = 0;
        for (int k = 0; k < 12; k++) {
            up += v[k] > 0 ? v[k] : 0;
            down += v[k] < 0 ? v[k] : 0;
            cr_assert_float_eq(v[12 + k], up, 1e-9);
            cr_assert_float_eq(v[24 + k], down, 1e-9);
            total[rows] += v[k];
        }
        rows++;
    }
    fclose(f);
    cr_assert_eq(rows, 12);
    /* the table: year,label,mitigation,type,contribution (pounds) */
    snprintf(path, sizeof path, "%s/mitigations.csv", dir);
    f = fopen(path, "r");
    cr_assert(f);
    double table[40] = {0};
    fgets(line, sizeof line, f);
    while (fgets(line, sizeof line, f)) {
        int year = atoi(line);
        const char *last = strrchr(line, ',');
        table[year - 2025] += atof(last + 1) / 1e6;
    }
    fclose(f);
    for (int t = 0; t < 12; t++) cr_assert_float_eq(total[t], table[t], 12 * 0.0005 + 1e-9, "year %d", t);
    cr_assert_eq(leftovers(dir), 0);
    th_sh("rm -rf %s %s.yaml", dir, dir);
}

/* A run's charts are SVG by default; `--charts svg,print` adds the PNG of
 * the hatched charts alone (plans, mix, needs, funding, mitigations), which
 * report.html prints from, and the report then carries them. */
Test(plot, default_svg_and_print_copies)
{
    char dir[700], path[900];
    snprintf(dir, sizeof dir, "%s/out-plot-print", th_root());
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run scenarios/leicestershire-2026.yaml -q --draws 200 -o %s",
                       dir, dir),
                 0, "%s", th_out);
    const char *all[] = {"deficit", "fan", "plans", "needs", "funding", "mitigations", "tornado", "mix"};
    for (int k = 0; k < 8; k++) {
        snprintf(path, sizeof path, "%s/charts/%s.svg", dir, all[k]);
        cr_assert_gt(size_of(path), 1000, "%s", path);
        snprintf(path, sizeof path, "%s/charts/%s.png", dir, all[k]);
        cr_assert_eq(size_of(path), -1, "%s", path);
    }
    cr_assert_eq(th_sh("! grep -q 'class=\"prn\"' %s/report.html", dir), 0, "%s", th_out);
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run scenarios/leicestershire-2026.yaml -q --draws 200 "
                       "--charts svg,print -o %s",
                       dir, dir),
                 0, "%s", th_out);
    for (int k = 0; k < 8; k++) {
        const int hatched = (k >= 2 && k <= 5) || k == 7;
        snprintf(path, sizeof path, "%s/charts/%s.png", dir, all[k]);
        if (hatched) cr_assert_gt(size_of(path), 1000, "%s", path);
        else cr_assert_eq(size_of(path), -1, "%s", path);
    }
    /* the funding chart's SVG has no hatching (a light solid), so four */
    cr_assert_eq(th_sh("grep -o 'class=\"prn\"' %s/report.html | wc -l | grep -qx 4", dir), 0, "%s", th_out);
    th_sh("rm -rf %s", dir);
}
