/* test_whatif.c - hnb solve, sweep, compare and batch, through the command
 * line, on scenarios simple enough to work out by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"

/* the shared shell helper of helpers.c, under short names */
#define out th_out
#define sh th_sh

static const char *bin(void)
{
    const char *b = getenv("HNB_BIN");
    cr_assert_not_null(b, "HNB_BIN is not set (run through make test)");
    return b;
}

/* Three years, other expenditure 100m flat, grant G flat, no opening
 * deficit: cumulative_deficit@2027 = 3 x (100m - G). It is at most 60m
 * when G >= 80m: the solution is G = £80m, higher values meeting it. */
#define FLAT                                                                                   \
    "hnb: 1\nname: flat\nstart_year: 2025\nyears: 3\nfunding: {grant: 70m}\n"                 \
    "other_expenditure: [{name: all, base: 100m}]\n"

Test(whatif, solve_worked_by_hand)
{
    const char *f = th_write("flat.yaml", FLAT);
    cr_assert_eq(sh("%s solve %s --vary funding.grant --range 50m:120m "
                    "--target 'cumulative_deficit@2027 <= 60m' -o %s.solve",
                    bin(), f, f),
                 0, "%s", out);
    cr_assert(strstr(out, "funding.grant = 80000000.00 gives £60.00m") != NULL, "%s", out);
    cr_assert(strstr(out, "higher values from it up meet the target") != NULL, "%s", out);
    char path[700];
    snprintf(path, sizeof path, "%s.solve/solve.csv", f);
    char *csv = th_slurp(path);
    cr_assert_not_null(csv);
    double x = 0;
    const char *row = strchr(csv, '\n') + 1;
    cr_assert(sscanf(strstr(row, "funding.grant,") + 14, "%lf", &x) == 1, "%s", csv);
    cr_assert_float_eq(x, 80e6, 1e-3);
    free(csv);
    /* no value in 0..10m meets it: 3 x (100 - 10) = 270m at best */
    cr_assert_eq(sh("%s solve %s --vary funding.grant --range 0:10m "
                    "--target 'cumulative_deficit@2027 <= 60m'",
                    bin(), f),
                 3, "%s", out);
    cr_assert(strstr(out, "No value of funding.grant") != NULL, "%s", out);
    /* bad targets are bad input */
    cr_assert_eq(sh("%s solve %s --vary funding.grant --range 0:10m --target 'deficit@2027 <= 6m'",
                    bin(), f),
                 2);
    cr_assert(strstr(out, "unknown column 'deficit'") != NULL, "%s", out);
    cr_assert_eq(sh("%s solve %s --vary funding.grant --target 'annual_gap@2027 <= 6m'", bin(), f),
                 2);
    cr_assert(strstr(out, "--range") != NULL, "%s", out);
}

/* One year; opening deficit X ~ uniform(0, 100m); other expenditure 10m;
 * grant G: the deficit is X + 10m - G, and P(deficit > 50m) = P(X > 40m + G)
 * = (60m - G) / 100m, at most 0.3 when G >= 30m. With 20,000 draws the
 * share's standard error is sqrt(.21/20000) = 0.0032, i.e. £0.32m of G:
 * allow £1.6m. */
Test(whatif, solve_a_probability_with_common_random_numbers)
{
    const char *f = th_write("prob.yaml",
                             "hnb: 1\nname: prob\nstart_year: 2025\nyears: 1\nfunding: {grant: 0}\n"
                             "opening_deficit: {dist: uniform, min: 0, max: 100m}\n"
                             "other_expenditure: [{name: all, base: 10m}]\n");
    cr_assert_eq(sh("%s solve %s --vary funding.grant --range 0:60m -n 20000 --seed 5 "
                    "--target 'P(cumulative_deficit@2025 > 50m) <= 0.3' -o %s.p",
                    bin(), f, f),
                 0, "%s", out);
    char path[700];
    snprintf(path, sizeof path, "%s.p/solve.csv", f);
    char *csv = th_slurp(path);
    cr_assert_not_null(csv, "%s", out);
    double x = 0;
    cr_assert(sscanf(strstr(csv, "funding.grant,") + 14, "%lf", &x) == 1, "%s", csv);
    cr_assert_float_eq(x, 30e6, 1.6e6, "%s", out);
    free(csv);
}

/* Sweep the grant of FLAT over 70m, 80m, 90m: 3 x (100m - G) = 90m, 60m, 30m. */
Test(whatif, sweep_one_and_two_values)
{
    const char *f = th_write("flat2.yaml", FLAT);
    cr_assert_eq(sh("%s sweep %s --vary funding.grant=70m:90m:3 -o %s.sw -q", bin(), f, f), 0, "%s",
                 out);
    char path[700];
    snprintf(path, sizeof path, "%s.sw/sweep.csv", f);
    char *csv = th_slurp(path);
    cr_assert_not_null(csv);
    cr_assert(strstr(csv, "70000000,,90000000.00,") != NULL, "%s", csv);
    cr_assert(strstr(csv, "80000000,,60000000.00,") != NULL, "%s", csv);
    cr_assert(strstr(csv, "90000000,,30000000.00,") != NULL, "%s", csv);
    free(csv);
    /* two values: grant x opening deficit, 2 x 2 grid; 3 x (100 - 70) + 5m = 95m */
    cr_assert_eq(sh("%s sweep %s --vary funding.grant=70m:80m:2 --vary opening_deficit=0:5m:2 -o "
                    "%s.sw2 -q",
                    bin(), f, f),
                 0, "%s", out);
    snprintf(path, sizeof path, "%s.sw2/sweep.csv", f);
    csv = th_slurp(path);
    cr_assert(strstr(csv, "70000000,5000000,,95000000.00,") != NULL, "%s", csv);
    cr_assert(strstr(csv, "80000000,0,,60000000.00,") != NULL, "%s", csv);
    free(csv);
    cr_assert_eq(sh("%s sweep %s --vary funding.grant=70m", bin(), f), 2);
}

Test(whatif, compare_side_by_side)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-compare-test", th_root());
    /* one scenario is nothing to compare: a usage error, nothing written */
    cr_assert_eq(sh("%s compare scenarios/leicestershire-mtfs-2025.yaml -o %s -q 2>&1", bin(), dir), 2, "%s", out);
    cr_assert(strstr(out, "expected two or more scenario files") != NULL, "%s", out);
    /* a short name keeps a closing bracket whose opening one it keeps */
    cr_assert_eq(sh("%s compare scenarios/leicestershire-2026.yaml scenarios/leicestershire-2026-white-paper.yaml "
                    "-o %s -q",
                    bin(), dir),
                 0, "%s", out);
    char md[800];
    snprintf(md, sizeof md, "%s/compare.md", dir);
    char *text = th_slurp(md);
    cr_assert(text && strstr(text, "| Year | HNB 2026 (bottom-up, 12 years, by need, 2026 regime) |"), "%s", text);
    free(text);
    cr_assert_eq(sh("%s compare scenarios/leicestershire-mtfs-2025.yaml "
                    "scenarios/leicestershire-mtfs-2025-demand-shock.yaml -o %s -q",
                    bin(), dir),
                 0, "%s", out);
    char path[800];
    snprintf(path, sizeof path, "%s/compare.csv", dir);
    char *csv = th_slurp(path);
    cr_assert_not_null(csv);
    /* the shock adds £20m to every cumulative figure (DATA.md 5.1) */
    cr_assert(strstr(csv, "+ £20m demand shock in 2025/26,2028,2028/29,195000000.00,128000000.00,"
                          "51800000.00,15200000.00,137900000.00,20000000.00") != NULL,
              "%s", csv);
    free(csv);
    snprintf(path, sizeof path, "%s/compare.md", dir);
    csv = th_slurp(path);
    cr_assert(strstr(csv, "| 2025/26 | 80.2 | 100.2 | 20.0 |") != NULL, "%s", csv);
    free(csv);
    sh("rm -rf %s", dir);
}

/* batch.csv's regime columns (SPEC section 13), from
 * scenarios/leicestershire-mtfs-2026-regime.yaml: the stability grant is
 * share * E * received = 0.9 * £80.2m (the deficit at the end of 2025/26,
 * the cutoff) * 1 = £72.18m, paid in 2026/27; central funding is
 * central_share * the annual gap from override_end (2028) on: 2028/29's
 * gap is 195.0 - 51.8 - 128.0 = £15.2m, all of it (100%). No dsg: the last
 * column is empty. The v1 scenario has no regime: three empty columns. */
Test(whatif, batch_rows_carry_the_regime)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-batch-regime", th_root());
    cr_assert_eq(sh("rm -rf %s && %s batch scenarios/leicestershire-mtfs-2026-regime.yaml "
                    "scenarios/leicestershire-mtfs-2025.yaml -o %s -q",
                    dir, bin(), dir),
                 0, "%s", out);
    char path[800];
    snprintf(path, sizeof path, "%s/batch.csv", dir);
    char *all = th_slurp(path);
    cr_assert_not_null(all);
    cr_assert(strstr(all, ",exceedance,stability_grant,central_funding,dsg_deficit_at_horizon\n") != NULL, "%s",
              all);
    char *row = strstr(all, "\nleicestershire-mtfs-2026-regime,");
    cr_assert_not_null(row, "%s", all);
    char *end = strchr(row + 1, '\n');
    cr_assert(end && end - row > 30 && !strncmp(end - 25, ",72180000.00,15200000.00,", 25),
              "%.*s", (int)(end ? end - row : 0), row);
    row = strstr(all, "\nleicestershire-mtfs-2025,");
    cr_assert_not_null(row);
    end = strchr(row + 1, '\n');
    cr_assert(end && !strncmp(end - 3, ",,,", 3), "%.*s", (int)(end ? end - row : 0), row);
    free(all);
}

Test(whatif, batch_runs_all_reports_errors_and_shards)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-batch-test", th_root());
    /* bad.yaml misses start_year; nl.yaml has a key with a line break in it,
     * whose error message must still make one row */
    sh("rm -rf %s && mkdir -p %s/in && cp scenarios/leicester-city-2025*.yaml %s/in/ && printf "
       "'hnb: 1\\nname: bad\\n' > %s/in/bad.yaml && printf "
       "'hnb: 1\\n\"odd\\\\nkey\": 1\\n' > %s/in/nl.yaml",
       dir, dir, dir, dir, dir);
    int st = sh("%s batch %s/in scenarios/leicestershire-mtfs-2025.yaml -o %s/all --jobs 2 -q",
                bin(), dir, dir);
    cr_assert_neq(st, 0, "a failed scenario makes the exit status non-zero");
    char path[800];
    snprintf(path, sizeof path, "%s/all/batch.csv", dir);
    char *all = th_slurp(path);
    cr_assert_not_null(all, "%s", out);
    cr_assert(strstr(all, "\nbad,") != NULL && strstr(all, ",error,") != NULL, "%s", all);
    cr_assert(strstr(all, "missing 'start_year'") != NULL, "%s", all);
    cr_assert(strstr(all, "\nnl,") != NULL && strstr(all, "unknown key 'odd\\x0Akey'") != NULL, "%s",
              all);
    cr_assert(strstr(all, "leicestershire-mtfs-2025,scenarios/leicestershire-mtfs-2025.yaml") != NULL);
    cr_assert(strstr(all, ",ok,,2025,2028,2028,102700000.00,117900000.00,") != NULL, "%s", all);
    snprintf(path, sizeof path, "%s/all/leicester-city-2025/projection.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "the good scenarios still ran");
    fclose(f);
    /* one job gives the same table */
    sh("%s batch %s/in scenarios/leicestershire-mtfs-2025.yaml -o %s/all --jobs 1 -q", bin(), dir,
       dir);
    char *again = th_slurp(path[0] ? (snprintf(path, sizeof path, "%s/all/batch.csv", dir), path) : path);
    cr_assert_str_eq(all, again);
    free(again);
    /* two shards, merged, hold the same rows */
    sh("%s batch %s/in scenarios/leicestershire-mtfs-2025.yaml -o %s/s1 --shard 1/2 -q", bin(), dir, dir);
    sh("%s batch %s/in scenarios/leicestershire-mtfs-2025.yaml -o %s/s2 --shard 2/2 -q", bin(), dir, dir);
    cr_assert_eq(sh("%s batch --merge %s/s1 %s/s2 -o %s/merged -q", bin(), dir, dir, dir), 0, "%s", out);
    snprintf(path, sizeof path, "%s/merged/batch.csv", dir);
    char *merged = th_slurp(path);
    cr_assert_not_null(merged);
    int rows_all = 0, rows_merged = 0;
    for (char *p = all; *p; p++) rows_all += *p == '\n';
    for (char *p = merged; *p; p++) rows_merged += *p == '\n';
    cr_assert_eq(rows_all, 6); /* the header and five scenarios, one line each */
    cr_assert_eq(rows_merged, 6);
    cr_assert(strstr(merged, ",102700000.00,117900000.00,") != NULL);
    free(merged);
    free(all);
    snprintf(path, sizeof path, "%s/all/index.html", dir);
    char *html = th_slurp(path);
    cr_assert(html && strstr(html, "<table>") && strstr(html, "error: "), "index.html");
    free(html);
    sh("rm -rf %s", dir);
}

/* A --vary path that is not the scenario's is named as --vary's, with the
 * nearest key (issue 17): not "--set:1:1", and not a request for --range. */
Test(whatif, unknown_vary_path_is_named)
{
    int st = sh("%s sweep scenarios/leicestershire-2025.yaml --vary nope.x=1:2:3 -o /tmp/hnb-sweep-nope 2>&1", bin());
    cr_assert_eq(st, 2, "%s", out);
    cr_assert(strstr(out, "--vary:1:1: unknown key 'nope' in the scenario; did you mean 'name'?") != NULL,
              "%s", out);
    st = sh("%s solve scenarios/leicestershire-2025.yaml --vary cost.inflation "
            "--target 'cumulative_deficit@2028<=0' 2>&1", bin());
    cr_assert_eq(st, 2, "%s", out);
    cr_assert(strstr(out, "--vary:1:1: unknown key 'cost' in the scenario; did you mean 'costs'?") != NULL,
              "%s", out);
    sh("rm -rf /tmp/hnb-sweep-nope");
}

/* sweep's default folder is named by the path varied, in lower case, a run
 * of spaces one '-': "Banded funding model" -> "banded-funding-model" (it
 * was "-anded-funding-model"). */
Test(whatif, sweep_default_folder_name)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-sweep-name", th_root());
    int st = sh("rm -rf %s && mkdir -p %s && cd %s && %s sweep %s/scenarios/leicestershire-2025.yaml --vary "
                "'mitigations.Banded funding model.reduction=0%%:10%%:2' --draws 0 -q --no-charts",
                dir, dir, dir, bin(), th_root());
    cr_assert_eq(st, 0, "%s", out);
    cr_assert_eq(sh("test -f %s/out/leicestershire-2025-sweep-mitigations.banded-funding-model.reduction/sweep.csv",
                    dir),
                 0, "%s", out);
    sh("rm -rf %s", dir);
}
