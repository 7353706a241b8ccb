/* test_regime.c - SPEC v2 section 13 (the 2026 deficit regime and the
 * DSG-wide view) and section 9's dsg_plan.csv, on cases worked by hand.
 *
 * The base case is top-down with round numbers: a £100m grant against
 * £110m of spending gives an annual gap of exactly £10m a year, from an
 * opening deficit of £10m, over 2025/26 to 2028/29. Without a regime the
 * cumulative deficit is then 20, 30, 40, 50 (£m). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hnb/mc.h"

#define BASE                                                                                   \
    "hnb: 2\nname: regime\nstart_year: 2025\nyears: 4\nopening_deficit: 10m\n"               \
    "funding: {grant: 100m}\nother_expenditure: [{name: spend, base: 110m}]\n"

static char text[4096];

/* Project BASE + EXTRA (an opening deficit line in EXTRA replaces the
 * base's, as the later key would be refused as a duplicate: so EXTRA may
 * set OPENING instead). */
static hnb_result *run(const char *opening, const char *extra, hnb_model **m)
{
    hnb_err err;
    snprintf(text, sizeof text,
             "hnb: 2\nname: regime\nstart_year: 2025\nyears: 4\nopening_deficit: %s\n"
             "funding: {grant: 100m}\nother_expenditure: [{name: spend, base: 110m}]\n%s",
             opening, extra);
    *m = th_load(text, &err);
    cr_assert_not_null(*m, "%d:%d: %s\n%s", err.line, err.col, err.msg, text);
    return th_run(*m);
}

/* Series X (pounds) equals the £m values W[0..4). */
static void expect_m(const double *x, const double w[4], const char *what)
{
    for (int t = 0; t < 4; t++)
        cr_assert(fabs(x[t] - w[t] * 1e6) < 1e-3, "%s, year %d: %.2f, expected %.2fm", what, t,
                  x[t], w[t]);
}

Test(regime, no_regime_is_the_v1_ledger)
{
    hnb_model *m;
    hnb_result *r = run("10m", "", &m);
    expect_m(r->cumulative_deficit, (double[]){20, 30, 40, 50}, "cumulative");
    expect_m(r->annual_gap, (double[]){10, 10, 10, 10}, "gap");
    th_done(m, r);
}

Test(regime, cutoff_inside_the_horizon)
{
    /* E = cumulative deficit at the end of 2025/26 = 20; grant 90% = 18 in
     * 2026/27; cumulative 20, 30 - 18 = 12, 22, 32; the gap is unchanged */
    hnb_model *m;
    hnb_result *r = run("10m", "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026}}\n", &m);
    expect_m(r->stability_grant, (double[]){0, 18, 0, 0}, "grant");
    expect_m(r->cumulative_deficit, (double[]){20, 12, 22, 32}, "cumulative");
    expect_m(r->annual_gap, (double[]){10, 10, 10, 10}, "gap");
    expect_m(r->central_funding, (double[]){0, 0, 0, 0}, "central");
    cr_assert(fabs(r->eligible_deficit - 20e6) < 1e-3);
    th_done(m, r);
}

Test(regime, cutoff_before_the_horizon_reads_the_opening_deficit)
{
    /* cutoff 2024 (end of 2024/25): E = opening 10; 9 paid in 2025/26:
     * 20 - 9 = 11, 21, 31, 41 */
    hnb_model *m;
    hnb_result *r = run("10m", "regime: {stability_grant: {cutoff: \"2024/25\", share: 90%, paid: 2025}}\n", &m);
    expect_m(r->stability_grant, (double[]){9, 0, 0, 0}, "grant");
    expect_m(r->cumulative_deficit, (double[]){11, 21, 31, 41}, "cumulative");
    th_done(m, r);
    /* with the other blocks' opening surplus of 4: E = min(10, 10 - 4) = 6,
     * grant 5.4: 14.6, 24.6, 34.6, 44.6 */
    r = run("10m",
            "regime: {stability_grant: {cutoff: 2024, share: 90%, paid: 2025}}\n"
            "dsg: {opening: -4m}\n",
            &m);
    expect_m(r->stability_grant, (double[]){5.4, 0, 0, 0}, "grant");
    expect_m(r->cumulative_deficit, (double[]){14.6, 24.6, 34.6, 44.6}, "cumulative");
    expect_m(r->dsg_deficit, (double[]){10.6, 20.6, 30.6, 40.6}, "dsg");
    th_done(m, r);
}

Test(regime, cutoff_or_payment_outside_the_horizon_pays_nothing)
{
    const char *cases[] = {
        /* cutoff after the horizon's last year (2028/29) */
        "regime: {stability_grant: {cutoff: 2029, share: 90%, paid: 2030}}\n",
        /* cutoff in the horizon, paid after it */
        "regime: {stability_grant: {cutoff: 2027, share: 90%, paid: 2029}}\n",
        /* cutoff and payment both before the horizon */
        "regime: {stability_grant: {cutoff: 2023, share: 90%, paid: 2024}}\n",
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hnb_model *m;
        hnb_result *r = run("10m", cases[k], &m);
        expect_m(r->stability_grant, (double[]){0, 0, 0, 0}, cases[k]);
        expect_m(r->cumulative_deficit, (double[]){20, 30, 40, 50}, cases[k]);
        th_done(m, r);
    }
}

Test(regime, eligible_deficit_capped_by_the_dsg_wide_deficit)
{
    /* other blocks: opening -5, in-year -1 a year: O = -6, -7, -8, -9.
     * DSG-wide at the end of 2025/26: 20 - 6 = 14 < 20, so E = 14 and the
     * grant is 12.6: cumulative 20, 17.4, 27.4, 37.4; DSG 14, 10.4, 19.4, 28.4 */
    hnb_model *m;
    hnb_result *r = run("10m",
                        "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026}}\n"
                        "dsg: {opening: -5m, in_year: {base: -1m}}\n",
                        &m);
    expect_m(r->other_blocks, (double[]){-6, -7, -8, -9}, "other blocks");
    expect_m(r->stability_grant, (double[]){0, 12.6, 0, 0}, "grant");
    expect_m(r->cumulative_deficit, (double[]){20, 17.4, 27.4, 37.4}, "cumulative");
    expect_m(r->dsg_deficit, (double[]){14, 10.4, 19.4, 28.4}, "dsg");
    th_done(m, r);
    /* other blocks in deficit do not raise it: O = +3 gives DSG 23, E = 20 */
    r = run("10m",
            "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026}}\n"
            "dsg: {opening: 3m}\n",
            &m);
    expect_m(r->stability_grant, (double[]){0, 18, 0, 0}, "grant");
    expect_m(r->dsg_deficit, (double[]){23, 15, 25, 35}, "dsg");
    th_done(m, r);
}

Test(regime, a_surplus_at_the_cutoff_earns_no_grant)
{
    /* opening -50: cumulative -40 at the cutoff, E = max(0, -40) = 0 */
    hnb_model *m;
    hnb_result *r = run("-50m", "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026}}\n", &m);
    expect_m(r->stability_grant, (double[]){0, 0, 0, 0}, "grant");
    expect_m(r->cumulative_deficit, (double[]){-40, -30, -20, -10}, "cumulative");
    th_done(m, r);
    /* HNB in deficit (20) but the DSG as a whole in surplus (20 - 30 = -10): E = 0 */
    r = run("10m",
            "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026}}\n"
            "dsg: {opening: -30m}\n",
            &m);
    expect_m(r->stability_grant, (double[]){0, 0, 0, 0}, "grant");
    th_done(m, r);
}

Test(regime, received_scales_the_grant_and_a_bernoulli_pays_its_expectation)
{
    hnb_model *m;
    /* 90% x 20 x 0.5 = 9 */
    hnb_result *r = run("10m",
                        "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026, "
                        "received: 0.5}}\n",
                        &m);
    expect_m(r->stability_grant, (double[]){0, 9, 0, 0}, "grant");
    th_done(m, r);
    /* a Bernoulli's central value is p (SPEC section 6): 90% x 20 x 0.25 = 4.5 */
    r = run("10m",
            "regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026, "
            "received: {dist: bernoulli, p: 0.25}}}\n",
            &m);
    expect_m(r->stability_grant, (double[]){0, 4.5, 0, 0}, "grant");
    th_done(m, r);
}

Test(regime, central_share_meets_positive_gaps_from_the_override_end)
{
    /* override ends 2027: 50% of 2027/28's gap of 10 (5), then 100% from
     * 2028/29, whose gap is -10 (a £120m grant): nothing to meet.
     * Cumulative 20, 30, 35, 25 */
    hnb_model *m;
    hnb_err err;
    snprintf(text, sizeof text,
             "hnb: 2\nname: regime\nstart_year: 2025\nyears: 4\nopening_deficit: 10m\n"
             "override_end: 2027\n"
             "funding: {grant: {by_year: {2025: 100m, 2028: 120m}}}\n"
             "other_expenditure: [{name: spend, base: 110m}]\n"
             "regime: {after_override: {central_share: {2027: 50%%, 2028: 100%%}}}\n");
    m = th_load(text, &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_result *r = th_run(m);
    expect_m(r->annual_gap, (double[]){10, 10, 10, -10}, "gap");
    expect_m(r->central_funding, (double[]){0, 0, 5, 0}, "central");
    expect_m(r->cumulative_deficit, (double[]){20, 30, 35, 25}, "cumulative");
    th_done(m, r);
    /* after_override: {} is valid and meets nothing */
    r = run("10m", "override_end: 2027\nregime: {after_override: {}}\n", &m);
    expect_m(r->central_funding, (double[]){0, 0, 0, 0}, "central");
    expect_m(r->cumulative_deficit, (double[]){20, 30, 40, 50}, "cumulative");
    th_done(m, r);
}

Test(regime, the_checks_of_section_13)
{
    struct {
        const char *extra, *marker, *needle;
    } bad[] = {
        {"regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2025}}\n", "2025}}",
         "paid must be after 2025"},
        {"regime: {stability_grant: {cutoff: 2025, paid: 2026}}\n", "{cutoff", "missing share"},
        {"regime: {stability_grant: {cutoff: 2025, share: 1.5, paid: 2026}}\n", "1.5",
         "regime.stability_grant.share"},
        {"regime: {stability_grant: {cutoff: 2025, share: 90%, paid: 2026, received: 2}}\n",
         "2}}", "received"},
        {"regime: {after_override: {central_share: 50%}}\n", "{central_share", "needs override_end"},
        {"regime: {stability_grant: {cutoff: x, share: 90%, paid: 2026}}\n", "x,", "a year"},
        {"regime: {grant: 1}\n", "grant: 1}", "unknown key 'grant'"},
        {"dsg: {opening: 1m, closing: 2m}\n", "closing", "unknown key 'closing'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(text, sizeof text, BASE "%s", bad[k].extra);
        const char *e = th_error(text);
        cr_assert(strstr(e, bad[k].needle), "case %zu: expected '%s' in: %s", k, bad[k].needle, e);
        /* located at the offending key or value */
        const char *at = strstr(text, bad[k].marker);
        cr_assert_not_null(at);
        int line = 1, col = 1;
        for (const char *q = text; q < at; q++) {
            if (*q == '\n') line++, col = 1;
            else col++;
        }
        char pos[32];
        snprintf(pos, sizeof pos, "%d:%d:", line, col);
        cr_assert(!strncmp(e, pos, strlen(pos)), "case %zu: expected %s, got %s", k, pos, e);
    }
}

Test(regime, v2_keys_need_hnb_2)
{
    const char *v1[] = {
        "hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nregime: {}\n",
        "hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\ndsg: {}\n",
        "hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
        "settings: [{id: a, cost: 1, dfe_category: special}]\npopulation: {total: 1, mix: {a: 1}, "
        "age_profile: {5: 1}}\nnew_plans: {count: 0, age_profile: {5: 1}, mix: {a: 1}}\n",
    };
    const char *key[] = {"'regime'", "'dsg'", "'dfe_category'"};
    for (int k = 0; k < 3; k++) {
        const char *e = th_error(v1[k]);
        cr_assert(strstr(e, key[k]) && strstr(e, "hnb: 2"), "case %d: %s", k, e);
    }
    /* a pipeline needs settings to place its plans */
    const char *e = th_error("hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                             "pipeline: {}\n");
    cr_assert(strstr(e, "pipeline: a top-down scenario"), "%s", e);
    /* and an unknown dfe_category names the nearest */
    e = th_error("hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                 "settings: [{id: a, cost: 1, dfe_category: specal}]\npopulation: {total: 1, mix: "
                 "{a: 1}, age_profile: {5: 1}}\nnew_plans: {count: 0, age_profile: {5: 1}, mix: {a: 1}}\n");
    cr_assert(strstr(e, "did you mean 'special'"), "%s", e);
}

/* SPEC section 13's own check on Leicestershire's published plan: £80.2m at
 * the end of 2025/26 and £102.7m at the end of 2027/28 (DATA.md 5.1); 90%
 * of 80.2 is 72.18, and 102.7 - 72.18 = 30.52. */
Test(regime, leicestershire_check)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/scenarios/leicestershire-mtfs-2026-regime.yaml", th_root());
    hnb_err err;
    hnb_model *m;
    cr_assert_eq(hnb_model_load(path, NULL, 0, &m, &err), 0, "%s", err.msg);
    hnb_result *r = th_run(m);
    cr_assert(fabs(r->stability_grant[1] - 72.2e6) <= 0.05e6, "grant %.2f", r->stability_grant[1]);
    cr_assert(fabs(r->cumulative_deficit[2] - 30.5e6) <= 0.05e6, "deficit %.2f",
              r->cumulative_deficit[2]);
    th_done(m, r);
}

/* Exceedance against closed forms. Gaps of 10 from an opening 10; a grant
 * of 90% x 20 = 18 times R ~ Bernoulli(0.75) in 2026/27; from 2028/29 the
 * share C ~ Uniform(0, 1) of that year's gap met centrally. Deficit at the
 * end of 2027/28 (override_end - 1): 40 - 18R; at the end of 2028/29:
 * 50 - 18R - 10C.
 *   P(> 30m at 2027/28) = P(R = 0) = 0.25
 *   P(> 30m at 2028/29) = 0.25 + 0.75 P(32 - 10C > 30) = 0.25 + 0.75 x 0.2 = 0.40
 *   P(> 35m at 2028/29) = 0.25 + 0.75 P(32 - 10C > 35) = 0.25 */
Test(regime, exceedance_matches_closed_forms)
{
    hnb_err err;
    snprintf(text, sizeof text,
             BASE "override_end: 2028\n"
                  "regime:\n"
                  "  stability_grant: {cutoff: 2025, share: 90%%, paid: 2026,\n"
                  "                    received: {dist: bernoulli, p: 0.75, id: approved}}\n"
                  "  after_override: {central_share: {dist: uniform, min: 0, max: 1, id: share}}\n"
                  "monte_carlo: {thresholds: [30m, 35m]}\n");
    hnb_model *m = th_load(text, &err);
    cr_assert_not_null(m, "%s", err.msg);
    const long n = 40000;
    hnb_mc_opts o = {n, 11, HNB_METHOD_RANDOM, 2, 0, 0, 0};
    hnb_mc *mc;
    cr_assert_eq(hnb_mc_run(m, &o, &mc, &err), 0, "%s", err.msg);
    struct {
        double threshold;
        int year;
        double p;
    } want[] = {{30e6, 2027, 0.25}, {30e6, 2028, 0.40}, {35e6, 2027, 0.25}, {35e6, 2028, 0.25}};
    cr_assert_eq(mc->nexceed, 4);
    for (int k = 0; k < 4; k++) {
        const hnb_mc_exceedance *x = &mc->exceed[k];
        cr_assert(x->threshold == want[k].threshold && x->year == want[k].year, "row %d", k);
        double sd = sqrt(want[k].p * (1 - want[k].p) / n);
        cr_assert(fabs(x->probability - want[k].p) < 4 * sd, "row %d: %.4f, expected %.4f", k,
                  x->probability, want[k].p);
    }
    /* the grant's own metric: 0 or 18, mean 0.75 x 18 = 13.5 */
    const double *q = hnb_mc_pct(mc, HNB_MC_STABILITY_GRANT, 1);
    cr_assert_not_null(q);
    cr_assert(q[HNB_Q10] == 0 && q[HNB_Q90] == 18e6, "%g %g", q[HNB_Q10], q[HNB_Q90]);
    cr_assert(fabs(hnb_mc_mean(mc, HNB_MC_STABILITY_GRANT, 1) - 13.5e6) < 4 * 18e6 * sqrt(0.1875 / n));
    /* central funding in 2028/29: 10C, mean 5 */
    cr_assert(fabs(hnb_mc_mean(mc, HNB_MC_CENTRAL_FUNDING, 3) - 5e6) < 4 * 10e6 * sqrt(1.0 / 12 / n));
    cr_assert_null(hnb_mc_pct(mc, HNB_MC_DSG_DEFICIT, 0), "no dsg, no DSG metric");
    hnb_mc_free(mc);
    hnb_model_free(m);
}

/* dsg_plan.csv: 1,000 plans, half aged 5-10 and half 16-19 (spread evenly
 * over those ages), 50% in a mainstream setting, 30% special and 20% in a
 * setting with no dfe_category (so "other"). Year 0:
 *   mainstream 250 (5-10) + 250 (16-19) = 500; special 150 + 150 = 300;
 *   other 100 + 100 = 200; all 500 + 500 = 1,000; the rest 0. */
Test(regime, dsg_plan_table_by_category_and_age)
{
    const char *scn =
        "hnb: 2\nname: plan\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
        "settings:\n"
        "  - {id: ms, cost: 1000, dfe_category: mainstream}\n"
        "  - {id: sp, cost: 1000, dfe_category: special}\n"
        "  - {id: ot, cost: 1000}\n"
        "population: {total: 1000, mix: {ms: 0.5, sp: 0.3, ot: 0.2}, age_profile: {\"5-10\": 0.5, "
        "\"16-19\": 0.5}}\n"
        "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n";
    const char *path = th_write("plan.yaml", scn);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-regime-test", th_root());
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run %s -o %s -q --no-charts", dir, path, dir), 0, "%s",
                 th_out);
    char file[800];
    snprintf(file, sizeof file, "%s/dsg_plan.csv", dir);
    FILE *f = fopen(file, "r");
    cr_assert_not_null(f);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "year,label,category,breakdown,group,plans\n");
    static const char *const cats[] = {"mainstream", "resourced", "special", "independent_special",
                                       "ap_hospital", "post16", "other", "all"};
    static const char *const groups[] = {"0-4", "5-10", "11-15", "16-19", "20-25", "total"};
    static const double want[8][6] = {{0, 250, 0, 250, 0, 500}, {0},
                                      {0, 150, 0, 150, 0, 300}, {0},
                                      {0},                      {0},
                                      {0, 100, 0, 100, 0, 200}, {0, 500, 0, 500, 0, 1000}};
    for (int c = 0; c < 8; c++)
        for (int g = 0; g < 6; g++) {
            cr_assert_not_null(fgets(line, sizeof line, f), "row %d %d", c, g);
            char expect[256];
            snprintf(expect, sizeof expect, "2025,2025/26,%s,age,%s,%.3f\n", cats[c], groups[g],
                     want[c][g]);
            cr_assert_str_eq(line, expect);
        }
    cr_assert_null(fgets(line, sizeof line, f), "48 rows and no more");
    fclose(f);
    /* a v1 scenario writes no dsg_plan.csv */
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run scenarios/leicestershire-2025.yaml -o %s -q "
                       "--no-charts --draws 0 && test ! -e %s/dsg_plan.csv",
                       dir, dir, dir),
                 0, "%s", th_out);
    th_sh("rm -rf %s", dir);
}

/* The exposure sentence says "net of the stability grant" only when the
 * grant is paid by the override's end. leicestershire-mtfs-2026-regime
 * with the grant paid in 2028/29, after the override ends (end of
 * 2027/28): the deficit then is 80.2 + 12.5 + 10.0 = £102.7m, before the
 * grant. With the grant not received (the reform plan rejected) there is
 * no grant to speak of: the same £102.7m, no qualifier. */
Test(regime, the_exposure_says_whether_the_grant_is_in_it)
{
    const char *late = th_write("late-grant.yaml", "extends: " "REPLACE/scenarios/leicestershire-mtfs-2026-regime.yaml\n"
                                                   "regime: {stability_grant: {paid: 2028}}\n");
    char fix[800];
    snprintf(fix, sizeof fix, "sed -i 's|REPLACE|%s|' %s", th_root(), late);
    cr_assert_eq(th_sh("%s", fix), 0);
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s.out", late);
    cr_assert_eq(th_sh("%s/build/hnb run %s -o %s -q --no-charts --draws 0", th_root(), late, dir), 0, "%s", th_out);
    snprintf(path, sizeof path, "%s/summary.md", dir);
    char *md = th_slurp(path);
    cr_assert(md && strstr(md, "left with the council then, before the stability grant (paid in 2028/29): "
                               "**£102.7m**"),
              "%s", md);
    free(md);
    cr_assert_eq(th_sh("%s/build/hnb run %s/scenarios/leicestershire-mtfs-2026-reform-plan-rejected.yaml -o %s -q "
                       "--no-charts --draws 0",
                       th_root(), th_root(), dir),
                 0, "%s", th_out);
    md = th_slurp(path);
    cr_assert(md && strstr(md, "left with the council then: **£102.7m**"), "%s", md);
    free(md);
    th_sh("rm -rf %s", dir);
}

/* What a deficit is net of, year by year, in leicestershire-mtfs-2026-regime
 * (grant paid in 2026/27, override_end 2028, central support after it):
 * the end of 2025/26 is before the grant; 2026/27 and 2027/28 are net of
 * it; 2028/29 is net of the grant and central support. */
Test(regime, what_a_deficit_is_net_of)
{
    char path[800];
    snprintf(path, sizeof path, "%s/scenarios/leicestershire-mtfs-2026-regime.yaml", th_root());
    hnb_model *m = NULL;
    hnb_err err = {0};
    cr_assert_eq(hnb_model_load(path, NULL, 0, &m, &err), 0, "%s", err.msg);
    char w[128];
    hnb_net_words(w, sizeof w, m, 2025);
    cr_assert_str_eq(w, ", before the stability grant (paid in 2026/27)");
    hnb_net_words(w, sizeof w, m, 2026);
    cr_assert_str_eq(w, ", net of the stability grant");
    hnb_net_words(w, sizeof w, m, 2027);
    cr_assert_str_eq(w, ", net of the stability grant");
    hnb_net_words(w, sizeof w, m, 2028);
    cr_assert_str_eq(w, ", net of the stability grant and central support");
    hnb_model_free(m);
}
