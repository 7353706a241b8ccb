/* test_report.c - charts, report.html and workbook.xlsx of a run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"
#include "hnb/report.h"
#include "hnb/html.h"

/* the shared shell helper of helpers.c, under short names */
#define out th_out
#define sh th_sh

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

Test(report, every_output_of_a_drawn_run)
{
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/out-report-test", th_root());
    cr_assert_eq(sh("%s run scenarios/leicestershire-2025.yaml --draws 2000 -o %s -q --charts png,svg,pdf",
                    getenv("HNB_BIN"), dir),
                 0, "%s", out);
    const char *charts[] = {"deficit", "fan", "plans", "funding", "mitigations", "tornado", "mix"};
    const char *ext[] = {"png", "svg", "pdf"};
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/charts/%s.%s", dir, charts[i], ext[k]);
            cr_assert_gt(size_of(path), 2000, "%s", path);
        }
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html = th_slurp(path);
    cr_assert_not_null(html);
    /* self-contained: charts inline, nothing fetched */
    cr_assert(strstr(html, "<svg") != NULL);
    cr_assert_null(strstr(html, "src=\"http"));
    cr_assert_null(strstr(html, "href=\"http"));
    /* the only images are the print copies of the charts whose SVG keeps a
     * pattern fill (plans, mix, mitigations; funding's SVG band is a light
     * solid): inline PNGs, shown in print alone, so that a browser's PDF
     * holds no bitmap per patterned bar */
    int imgs = 0;
    for (const char *q = strstr(html, "<img"); q; q = strstr(q + 1, "<img"), imgs++)
        cr_assert(!strncmp(q, "<img class=\"prn\" alt=\"\" src=\"data:image/png;base64,iVBOR", 56),
                  "%.80s", q);
    cr_assert_eq(imgs, 3);
    cr_assert(strstr(html, "@media print{.scr{display:none}.prn{display:block") != NULL);
    cr_assert(strstr(html, "@page{size:A4") != NULL, "print stylesheet");
    /* the budget-paper table and the key messages */
    cr_assert(strstr(html, "<td>2025/26</td><td class=n>145.5</td><td class=n>117.5</td>"
                           "<td class=n>12.8</td><td class=n>15.2</td><td class=n>80.2</td>") != NULL);
    cr_assert(strstr(html, "When the statutory override ends in March 2028") != NULL);
    cr_assert(strstr(html, "Chance the deficit is above <b>£100.0m</b>: <b>") != NULL);
    cr_assert(strstr(html, "at the end of 2027/28 (when the override ends)") != NULL);
    cr_assert(strstr(html, "The assumptions that move the deficit most") != NULL);
    /* assumptions with their sources: the comment beside population.total */
    cr_assert(strstr(html, "EHCPs at 31 July 2025") != NULL);
    free(html);
    /* the workbook agrees with the CSV files */
    cr_assert_eq(sh("/usr/bin/python3 tests/check_workbook.py %s", dir), 0, "%s", out);
    sh("rm -rf %s", dir);
}

Test(report, no_gnuplot_means_one_warning_and_every_table)
{
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/out-nognuplot-test", th_root());
    cr_assert_eq(sh("PATH=/nonexistent %s run scenarios/leicestershire-mtfs-2025.yaml -o %s -q",
                    getenv("HNB_BIN"), dir),
                 0, "%s", out);
    cr_assert(strstr(out, "gnuplot is not installed") != NULL, "%s", out);
    snprintf(path, sizeof path, "%s/projection.csv", dir);
    cr_assert_gt(size_of(path), 100);
    snprintf(path, sizeof path, "%s/report.html", dir);
    cr_assert_gt(size_of(path), 1000);
    snprintf(path, sizeof path, "%s/workbook.xlsx", dir);
    cr_assert_gt(size_of(path), 1000);
    snprintf(path, sizeof path, "%s/charts/deficit.png", dir);
    cr_assert_eq(size_of(path), -1);
    sh("rm -rf %s", dir);
}

Test(report, source_comments)
{
    const char *f = th_write("src.yaml", "# the grant\n# from the DSG paper\ngrant: 5m\n"
                                         "cost: 10  # trailing note\nx: '#not a comment'\n");
    char buf[256];
    hnb_source_comment(f, 3, buf, sizeof buf);
    cr_assert_str_eq(buf, "the grant from the DSG paper");
    hnb_source_comment(f, 4, buf, sizeof buf);
    cr_assert_str_eq(buf, "trailing note");
    hnb_source_comment(f, 5, buf, sizeof buf);
    cr_assert_str_eq(buf, "");
}

/* The headline (issue 17): the central case and the Monte Carlo median side
 * by side, where the central case sits and why. A top-down scenario: £12m
 * spent and £10m of grant a year, so £2m of gap a year; two years; the
 * opening deficit triangular(0, 0, £10m), its most likely value 0.
 *   central case at the end of 2026/27: 0 + 2 + 2 = £4.0m
 *   median of triangular(0, 0, c): c (1 - sqrt(1/2)) = 10 x 0.29289 = £2.93m,
 *   so the median deficit is 4 + 2.93 = £6.9m
 *   the central case is the draws' minimum: below the 5th percentile
 *   P10 and P90 of the opening deficit: c (1 - sqrt(0.9)) = £0.51m and
 *   c (1 - sqrt(0.1)) = £6.84m; its central value 0 lies below P10, at the
 *   favourable (low) end, so the draws lean to the costly side. */
Test(report, headline_central_case_and_median)
{
    const char *path = th_write("headline.yaml",
                                "hnb: 1\nname: headline\nstart_year: 2025\nyears: 2\n"
                                "funding: {grant: 10m}\n"
                                "other_expenditure: [{name: Spending, base: 12m}]\n"
                                "opening_deficit: {dist: triangular, min: 0, mode: 0, max: 10m}\n");
    char dir[600];
    snprintf(dir, sizeof dir, "%s.out", path);
    cr_assert_eq(sh("%s/build/hnb run %s -o %s -q --no-charts --draws 20000 --method lhs", th_root(),
                    path, dir),
                 0, "%s", out);
    char f[700];
    snprintf(f, sizeof f, "%s/summary.md", dir);
    char *md = th_slurp(f);
    cr_assert_not_null(md);
    cr_assert(strstr(md, "**Central case: £4.0m** cumulative deficit at the end of 2026/27") != NULL,
              "%s", md);
    cr_assert(strstr(md, "**Monte Carlo median: £6.9m**") != NULL, "%s", md);
    cr_assert(strstr(md, "The central case sits below the 5th percentile of the draws") != NULL, "%s",
              md);
    cr_assert(strstr(md, "the most likely values of deficit brought forward lie near the favourable "
                         "end of their ranges, so more draws fall on the costly side") != NULL,
              "%s", md);
    snprintf(f, sizeof f, "%s/report.html", dir);
    char *html = th_slurp(f);
    cr_assert(strstr(html, "<li><b>Central case: £4.0m</b>") != NULL);
    free(md);
    free(html);
    sh("rm -rf %s", dir);
}

/* A yes-or-no value: scenarios/leicestershire-mtfs-2026-uncertain.yaml's
 * stability grant is received with p = 0.9 (a Bernoulli, central value p:
 * SPEC section 6). The headline says the central case takes a value at its
 * probability, and that no draw gives that case. */
Test(report, headline_yes_or_no_value)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/out-headline-yesno", th_root());
    cr_assert_eq(sh("%s/build/hnb run %s/scenarios/leicestershire-mtfs-2026-uncertain.yaml -o %s -q --no-charts "
                    "--draws 2000",
                    th_root(), th_root(), dir),
                 0, "%s", out);
    char f[700];
    snprintf(f, sizeof f, "%s/summary.md", dir);
    char *md = th_slurp(f);
    cr_assert_not_null(md);
    cr_assert(strstr(md, "with every value at its central value (its most likely value; a yes-or-no value at its "
                         "probability)") != NULL,
              "%s", md);
    cr_assert(strstr(md, "- Whether the stability grant is received: yes or no in each draw (yes with a chance of "
                         "90%); the draws take one outcome or the other, while the central case takes 90% of it, "
                         "a case no draw gives.") != NULL,
              "%s", md);
    free(md);
    sh("rm -rf %s", dir);
}

/* Values in words for committee text (hnb_param_describe). */
Test(report, values_in_words)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: x\nstart_year: 2025\nyears: 2\nfunding: {grant: 1m}\n"
                           "settings: [{id: ms, label: Mainstream top-up, cost: 1000}, {id: sp, cost: 2000}]\n"
                           "population: {total: 100, mix: {ms: 0.5, sp: 0.5}, age_profile: {5: 1}}\n"
                           "new_plans: {count: 10, growth: {2026: 5%}, age_profile: {5: 1}, mix: {ms: 1}}\n"
                           "mitigations: [{name: Banding, type: unit_cost, setting: ms, reduction: 5%, "
                           "start: 2025, delivery: {dist: pert, min: 0.3, mode: 0.8, max: 1}}]\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    const char *want[][2] = {{"settings.ms.cost", "Cost per plan in Mainstream top-up"},
                             {"settings.sp.cost", "Cost per plan in sp"},
                             {"new_plans.growth.2026", "Growth in new plans in 2026/27"},
                             {"mitigations.Banding.delivery", "Share of \"Banding\" delivered"},
                             {"population.mix.ms", "Share of EHCPs in Mainstream top-up"},
                             {"population.total", "EHCPs at the start"}};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        int i = hnb_model_find_param(m, want[k][0]);
        cr_assert(i >= 0, "%s", want[k][0]);
        char d[400];
        hnb_param_describe(m, &m->params[i], d, sizeof d);
        cr_assert_str_eq(d, want[k][1]);
    }
    hnb_model_free(m);
}

/* Money in £m for sentences: the sign before the pound sign, and none on a
 * figure that rounds to zero (-£40,000 is -0.04m: "£0.0m"). */
Test(report, signed_millions)
{
    char b[HNB_NUM_BUF];
    cr_assert_str_eq(hnb_fmt_pm(b, 1.095e9), "£1,095.0m");
    cr_assert_str_eq(hnb_fmt_pm(b, -54.4e6), "-£54.4m");
    cr_assert_str_eq(hnb_fmt_pm(b, -1234.56e6), "-£1,234.6m");
    cr_assert_str_eq(hnb_fmt_pm(b, -0.04e6), "£0.0m");
    cr_assert_str_eq(hnb_fmt_pm(b, 0), "£0.0m");
}
