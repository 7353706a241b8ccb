/* test_need.c - primary need (SPEC v2 section 10), each rule on a case
 * worked by hand, the collapse invariant, and the checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hnb/mc.h"

static char text[8192];

/* Two settings, ms (£1,000 a plan) and sp (£2,000), two needs a and b. */
#define HEAD                                                                                   \
    "hnb: 2\nname: need\nstart_year: 2025\nyears: %d\nfunding: {grant: 1m}\n"                \
    "needs: [{id: a, label: Need A}, {id: b}]\n"                                              \
    "settings: [{id: ms, cost: 1000%s}, {id: sp, cost: 2000%s}%s]\n"

static hnb_model *load(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static hnb_model *load(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    hnb_err err;
    hnb_model *m = th_load(text, &err);
    cr_assert_not_null(m, "%d:%d: %s\n%s", err.line, err.col, err.msg, text);
    return m;
}

/* plans of need N in setting S, year T */
static double cohort(const hnb_model *m, const hnb_result *r, int t, int n, int s)
{
    return r->plans_need[t * hnb_model_cohorts(m) + n * m->nsettings + s];
}

#define NEAR(x, want, what) cr_assert(fabs((x) - (want)) < 1e-6, "%s: %.9f, expected %.9f", what, (double)(x), (double)(want))

Test(need, year_zero_common_mix_and_need_cost)
{
    /* 1,000 plans aged 10: ms 60%, sp 40%; a 25%, b 75%:
     * (a,ms) 150, (a,sp) 100, (b,ms) 450, (b,sp) 300.
     * sp's top-up for b is £3,000: cost 600 x 1000 + 100 x 2000 + 300 x 3000
     * = 600,000 + 200,000 + 900,000 = 1,700,000; sp: 400 plans costing
     * 1,100,000, so £2,750 a plan */
    hnb_model *m = load(HEAD "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {10: 1}, "
                             "need_mix: {a: 0.25, b: 0.75}}\n"
                             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
                        1, "", ", need_cost: {b: 3000}", "");
    hnb_result *r = th_run(m);
    NEAR(cohort(m, r, 0, 0, 0), 150, "a,ms");
    NEAR(cohort(m, r, 0, 0, 1), 100, "a,sp");
    NEAR(cohort(m, r, 0, 1, 0), 450, "b,ms");
    NEAR(cohort(m, r, 0, 1, 1), 300, "b,sp");
    NEAR(r->placements_mitigated[0], 1.7e6, "placements");
    NEAR(r->plans[1], 400, "sp plans");
    NEAR(r->cost[1], 1.1e6, "sp cost");
    NEAR(r->unit_cost[1], 2750, "sp unit cost");
    NEAR(r->unit_need[0 * 2 + 1], 2000, "a in sp");
    NEAR(r->unit_need[1 * 2 + 1], 3000, "b in sp");
    th_done(m, r);
}

Test(need, year_zero_mix_per_setting)
{
    /* ms all need a, sp all need b: (a,ms) 600, (b,sp) 400, the rest 0 */
    hnb_model *m = load(HEAD "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {10: 1}, "
                             "need_mix: {ms: {a: 1}, sp: {b: 1}}}\n"
                             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
                        1, "", "", "");
    hnb_result *r = th_run(m);
    NEAR(cohort(m, r, 0, 0, 0), 600, "a,ms");
    NEAR(cohort(m, r, 0, 1, 1), 400, "b,sp");
    NEAR(cohort(m, r, 0, 0, 1) + cohort(m, r, 0, 1, 0), 0, "the others");
    th_done(m, r);
}

/* No plans in year 0; 100 new plans a year aged 5, a 40% and b 60%; a is
 * placed by new_plans.mix (all ms), b by its own mix (all sp). In year 1:
 * (a,ms) 40 and (b,sp) 60. EXTRA adds mitigations (all from 2025, so
 * e_1 = 1). */
static hnb_result *newplans(hnb_model **m, const char *extra)
{
    *m = load(HEAD "population: {total: 0, mix: {ms: 1}, age_profile: {10: 1}, need_mix: {a: 1}}\n"
                   "new_plans: {count: 100, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 0.4, b: 0.6}, "
                   "mix_by_need: {b: {sp: 1}}}\n%s",
              2, "", "", "", extra);
    return th_run(*m);
}

Test(need, new_plans_by_need_and_a_needs_own_mix)
{
    hnb_model *m;
    hnb_result *r = newplans(&m, "");
    NEAR(cohort(m, r, 1, 0, 0), 40, "a,ms");
    NEAR(cohort(m, r, 1, 1, 1), 60, "b,sp");
    NEAR(cohort(m, r, 1, 0, 1) + cohort(m, r, 1, 1, 0), 0, "the others");
    NEAR(r->new_plans[1], 100, "new plans");
    th_done(m, r);
}

Test(need, demand_mitigations_by_need)
{
    /* 10% on every need and 50% on b: NP_1[a] = 100 x 0.4 x 0.9 = 36,
     * NP_1[b] = 100 x 0.6 x 0.9 x 0.5 = 27; new plans 63 */
    hnb_model *m;
    hnb_result *r = newplans(&m, "mitigations:\n"
                                 "  - {name: all, type: demand, reduction: 10%}\n"
                                 "  - {name: b only, type: demand, need: b, reduction: 50%}\n");
    NEAR(cohort(m, r, 1, 0, 0), 36, "a,ms");
    NEAR(cohort(m, r, 1, 1, 1), 27, "b,sp");
    NEAR(r->new_plans[1], 63, "new plans");
    NEAR(r->ehcps_unmitigated[1], 100, "unmitigated");
    th_done(m, r);
}

Test(need, mix_mitigations_by_need)
{
    /* a's mix, ms 1, moves 25% to sp: (a,ms) 30, (a,sp) 10.
     * Then one without `need` moves 50% from sp to ms in every need's mix,
     * b's own included: b's {sp: 1} becomes {sp: 0.5, ms: 0.5}, (b,sp) 30,
     * (b,ms) 30; a's mix now {ms: 0.75, sp: 0.25} gives 0.25 back (it has
     * less than 50% in sp): (a,ms) 40, (a,sp) 0 */
    hnb_model *m;
    hnb_result *r = newplans(&m, "mitigations:\n"
                                 "  - {name: a only, type: mix, need: a, from: ms, to: sp, share: 25%}\n");
    NEAR(cohort(m, r, 1, 0, 0), 30, "a,ms");
    NEAR(cohort(m, r, 1, 0, 1), 10, "a,sp");
    NEAR(cohort(m, r, 1, 1, 1), 60, "b,sp untouched");
    th_done(m, r);
    r = newplans(&m, "mitigations:\n"
                     "  - {name: a only, type: mix, need: a, from: ms, to: sp, share: 25%}\n"
                     "  - {name: all, type: mix, from: sp, to: ms, share: 50%}\n");
    NEAR(cohort(m, r, 1, 0, 0), 40, "a,ms");
    NEAR(cohort(m, r, 1, 0, 1), 0, "a,sp");
    NEAR(cohort(m, r, 1, 1, 0), 30, "b,ms");
    NEAR(cohort(m, r, 1, 1, 1), 30, "b,sp");
    th_done(m, r);
}

/* 1,000 plans aged 10 in ms, half a and half b, no new plans, no exits;
 * in year 1 they are 11. */
static hnb_result *aged(hnb_model **m, const char *sp_extra, const char *extra)
{
    *m = load(HEAD "population: {total: 1000, mix: {ms: 1}, age_profile: {10: 1}, need_mix: {a: 0.5, b: 0.5}}\n"
                   "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n%s",
              2, "", sp_extra, ", {id: ind, cost: 5000}", extra);
    return th_run(*m);
}

Test(need, transitions_filtered_by_need)
{
    /* 20% of a's plans move ms -> sp at 11: (a,ms) 400, (a,sp) 100; b stays 500 */
    hnb_model *m;
    hnb_result *r = aged(&m, "", "transitions: [{ages: [11], from: ms, to: sp, rate: 20%, needs: [a]}]\n");
    NEAR(cohort(m, r, 1, 0, 0), 400, "a,ms");
    NEAR(cohort(m, r, 1, 0, 1), 100, "a,sp");
    NEAR(cohort(m, r, 1, 1, 0), 500, "b,ms");
    NEAR(cohort(m, r, 1, 1, 1), 0, "b,sp");
    th_done(m, r);
}

Test(need, unit_cost_mitigation_by_need)
{
    /* as above; a's ms plans cost 10% less: 400 x 900 + 100 x 2000 + 500 x 1000
     * = 360,000 + 200,000 + 500,000 = 1,060,000 against 1,100,000 unmitigated */
    hnb_model *m;
    hnb_result *r = aged(&m, "",
                         "transitions: [{ages: [11], from: ms, to: sp, rate: 20%, needs: [a]}]\n"
                         "mitigations: [{name: u, type: unit_cost, setting: ms, need: a, reduction: 10%}]\n");
    NEAR(r->placements_mitigated[1], 1.06e6, "mitigated");
    NEAR(r->placements_unmitigated[1], 1.1e6, "unmitigated");
    NEAR(r->mitigations[1], 40000, "mitigations");
    th_done(m, r);
}

Test(need, capacity_counts_every_need_and_moves_each)
{
    /* 20% of both needs move to sp (100 + 100 = 200) against 50 places:
     * 3/4 of each moves on to ind: (a,sp) 25, (b,sp) 25, (a,ind) 75, (b,ind) 75 */
    hnb_model *m;
    hnb_result *r = aged(&m, ", capacity: 50, overflow: ind",
                         "transitions: [{ages: [11], from: ms, to: sp, rate: 20%}]\n");
    NEAR(cohort(m, r, 1, 0, 1), 25, "a,sp");
    NEAR(cohort(m, r, 1, 1, 1), 25, "b,sp");
    NEAR(cohort(m, r, 1, 0, 2), 75, "a,ind");
    NEAR(cohort(m, r, 1, 1, 2), 75, "b,ind");
    NEAR(r->plans[1 * 3 + 1], 50, "sp");
    th_done(m, r);
}

Test(need, from_csv_with_a_need_column)
{
    const char *csv = th_write("need.csv", "age,setting,need,count\n10,ms,a,100\n\"10-11\",sp,b,\"1,000\"\n10,ms,a,50\n");
    hnb_model *m = load(HEAD "population: {from_csv: %s}\n"
                             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
                        1, "", "", "", csv);
    hnb_result *r = th_run(m);
    NEAR(cohort(m, r, 0, 0, 0), 150, "a,ms: 100 + 50");
    NEAR(cohort(m, r, 0, 1, 1), 1000, "b,sp: spread over two ages");
    th_done(m, r);
    /* the header must name the need column */
    csv = th_write("bad.csv", "age,setting,count\n10,ms,1\n");
    snprintf(text, sizeof text,
             HEAD "population: {from_csv: %s}\n"
                  "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
             1, "", "", "", csv);
    hnb_err err;
    cr_assert_null(th_load(text, &err));
    cr_assert(strstr(err.msg, "age,setting,need,count"), "%s", err.msg);
}

/* A scenario with needs whose needs carry no need-specific key has the
 * totals of the same scenario without needs (SPEC section 10): the shipped
 * bottom-up scenario, with new plans and cessation varied, and random common
 * need mixes. */
Test(need, one_common_mix_collapses_to_the_scenario_without_needs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/scenarios/leicestershire-2025.yaml", th_root());
    srand(20261205);
    for (int k = 0; k < 12; k++) {
        double w[4], sum = 0, v[4], vs = 0;
        for (int j = 0; j < 4; j++) sum += w[j] = 0.05 + rand() / (double)RAND_MAX;
        for (int j = 0; j < 4; j++) vs += v[j] = 0.05 + rand() / (double)RAND_MAX;
        char g[64], cease[64];
        snprintf(g, sizeof g, "new_plans.count=%.1f", 500 + 1500.0 * rand() / (double)RAND_MAX);
        snprintf(cease, sizeof cease, "cessation.rate=%.4f", 0.1 * rand() / (double)RAND_MAX);
        snprintf(text, sizeof text,
                 "extends: %s\nhnb: 2\nneeds: [{id: n1}, {id: n2}, {id: n3}, {id: n4}]\n"
                 "population: {need_mix: {n1: %.17g, n2: %.17g, n3: %.17g, n4: %.17g}}\n"
                 "new_plans: {need_mix: {n1: %.17g, n2: %.17g, n3: %.17g, n4: %.17g}}\n",
                 path, w[0] / sum, w[1] / sum, w[2] / sum, 1 - (w[0] + w[1] + w[2]) / sum, v[0] / vs,
                 v[1] / vs, v[2] / vs, 1 - (v[0] + v[1] + v[2]) / vs);
        const char *with = th_write("with.yaml", text);
        const char *sets[2] = {g, cease};
        hnb_err err;
        hnb_model *a, *b;
        cr_assert_eq(hnb_model_load(with, sets, 2, &a, &err), 0, "%s", err.msg);
        cr_assert_eq(hnb_model_load(path, sets, 2, &b, &err), 0, "%s", err.msg);
        hnb_result *ra = th_run(a), *rb = th_run(b);
        for (int t = 0; t < a->years; t++) {
            const double *x[4] = {ra->ehcps, ra->new_plans, ra->expenditure, ra->cumulative_deficit};
            const double *y[4] = {rb->ehcps, rb->new_plans, rb->expenditure, rb->cumulative_deficit};
            for (int j = 0; j < 4; j++)
                cr_assert(fabs(x[j][t] - y[j][t]) <= 1e-9 * (fabs(y[j][t]) + 1), "case %d series %d year %d: %.6f vs %.6f",
                          k, j, t, x[j][t], y[j][t]);
            for (int s = 0; s < a->nsettings; s++)
                cr_assert(fabs(ra->plans[t * a->nsettings + s] - rb->plans[t * a->nsettings + s]) < 1e-6);
        }
        th_done(a, ra);
        th_done(b, rb);
    }
}

Test(need, the_checks_of_section_10)
{
    struct {
        const char *text, *needle;
    } bad[] = {
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
         "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, need_mix: {a: 1}}\n"
         "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n",
         "needs the scenario's `needs` list"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: a}]\n"
         "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}}\n"
         "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
         "missing 'need_mix'"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: a}, {id: b}]\n"
         "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, "
         "need_mix: {a: 1, ms: {a: 1}}}\nnew_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
         "not keys of both kinds"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: a}]\n"
         "settings: [{id: ms, cost: 1}, {id: sp, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, "
         "need_mix: {ms: {a: 1}}}\nnew_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
         "'sp' is missing"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: ms}]\n"
         "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, need_mix: {ms: 1}}\n"
         "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {ms: 1}}\n",
         "also a setting's id"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: asd}]\n"
         "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, need_mix: {asd: 1}}\n"
         "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {asd: 1}}\n"
         "mitigations: [{name: d, type: demand, need: adhd, reduction: 5%}]\n",
         "unknown need 'adhd'; did you mean 'asd'?"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: a}, {id: b}]\n"
         "settings: [{id: ms, cost: 1}, {id: sp, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, "
         "need_mix: {a: 1}}\nnew_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n"
         "transitions: [{ages: [11], from: ms, to: sp, rate: 70%, needs: [a]}, {ages: [11], from: ms, to: sp, rate: 50%}]\n",
         "at age 11 for need a sum to 1.2"},
        {"hnb: 2\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: a}]\n"
         "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}, need_mix: {a: 0.9}}\n"
         "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
         "population.need_mix: shares sum to 0.9"},
        {"hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\nneeds: [{id: a}]\n",
         "'needs' in the scenario is a v2 key"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const char *e = th_error(bad[k].text);
        cr_assert(strstr(e, bad[k].needle), "case %zu: expected '%s' in: %s", k, bad[k].needle, e);
    }
}

/* Monte Carlo on need values: a need's cost drawn uniform on [2000, 4000]
 * in the year-zero case above makes sp's b plans (300) cost 300 x U, so the
 * mean placements are 600,000 + 200,000 + 300 x 3000 = 1,700,000 and the P10
 * 600,000 + 200,000 + 300 x 2200 = 1,460,000 (to sampling error). */
Test(need, monte_carlo_on_a_need_cost)
{
    hnb_model *m = load(HEAD "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {10: 1}, "
                             "need_mix: {a: 0.25, b: 0.75}}\n"
                             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
                        1, "", ", need_cost: {b: {dist: uniform, min: 2000, max: 4000, id: b_cost}}", "");
    hnb_mc_opts o = {20000, 3, HNB_METHOD_LHS, 2, 0, 0, 0};
    hnb_mc *mc;
    hnb_err err;
    cr_assert_eq(hnb_mc_run(m, &o, &mc, &err), 0, "%s", err.msg);
    /* expenditure = placements (no other spending) */
    NEAR(hnb_mc_mean(mc, HNB_MC_EXPENDITURE, 0) / 1e6, 1.7, "mean");
    cr_assert(fabs(hnb_mc_pct(mc, HNB_MC_EXPENDITURE, 0)[HNB_Q10] - 1.46e6) < 100, "P10 %.2f",
              hnb_mc_pct(mc, HNB_MC_EXPENDITURE, 0)[HNB_Q10]);
    cr_assert_eq(mc->ndrivers, 1);
    cr_assert_str_eq(mc->drivers[0].name, "b_cost");
    hnb_mc_free(mc);
    hnb_model_free(m);
}

Test(need, needs_csv_and_the_dsg_plan_need_rows)
{
    /* the year-zero case: ms is mainstream, sp special */
    snprintf(text, sizeof text,
             HEAD "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {10: 1}, "
                  "need_mix: {a: 0.25, b: 0.75}}\n"
                  "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
             1, ", dfe_category: mainstream", ", dfe_category: special, need_cost: {b: 3000}", "");
    const char *path = th_write("n.yaml", text);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-need-test", th_root());
    cr_assert_eq(th_sh("rm -rf %s && build/hnb run %s -o %s -q --no-charts && cat %s/needs.csv && "
                       "grep ',need,' %s/dsg_plan.csv",
                       dir, path, dir, dir, dir),
                 0, "%s", th_out);
    /* every pair, setting by setting */
    cr_assert(strstr(th_out, "year,label,setting,need,plans,unit_cost,cost\n"
                             "2025,2025/26,ms,a,150.000,1000.00,150000.00\n"
                             "2025,2025/26,ms,b,450.000,1000.00,450000.00\n"
                             "2025,2025/26,sp,a,100.000,2000.00,200000.00\n"
                             "2025,2025/26,sp,b,300.000,3000.00,900000.00\n"),
              "%s", th_out);
    /* mainstream: a 150, b 450; special: a 100, b 300; all: a 250, b 750 */
    cr_assert(strstr(th_out, "2025,2025/26,mainstream,need,a,150.000\n2025,2025/26,mainstream,need,b,450.000\n"
                             "2025,2025/26,mainstream,need,total,600.000\n"),
              "%s", th_out);
    cr_assert(strstr(th_out, "2025,2025/26,special,need,b,300.000\n"), "%s", th_out);
    cr_assert(strstr(th_out, "2025,2025/26,all,need,a,250.000\n2025,2025/26,all,need,b,750.000\n"
                             "2025,2025/26,all,need,total,1000.000\n"),
              "%s", th_out);
    th_sh("rm -rf %s", dir);
}

/* A run without detail steps needs that no rule tells apart as one group
 * (project.c): its budget lines must be those of the run by need. Five
 * needs: c has a cost of its own in sp, d its own setting mix, e a
 * demand mitigation; a and b are alike (one group). */
Test(need, grouped_needs_give_the_totals_of_the_run_by_need)
{
    const char *buf =
        "hnb: 2\nname: need\nstart_year: 2025\nyears: 6\nfunding: {grant: 1m}\n"
        "needs: [{id: a}, {id: b}, {id: c}, {id: d}, {id: e}]\n"
        "settings: [{id: ms, cost: 1000}, {id: sp, cost: 2000, need_cost: {c: 5000}}]\n"
        "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {\"5-15\": 1}, "
        "need_mix: {ms: {a: 0.1, b: 0.3, c: 0.2, d: 0.2, e: 0.2}, sp: {a: 0.4, b: 0.1, c: 0.1, d: 0.2, e: 0.2}}}\n"
        "new_plans: {count: 150, growth: 4%, age_profile: {5: 0.5, 11: 0.5}, mix: {ms: 0.7, sp: 0.3}, "
        "need_mix: {a: 0.3, b: 0.1, c: 0.2, d: 0.2, e: 0.2}, mix_by_need: {d: {sp: 1}}}\n"
        "cessation: {rate: 5%}\n"
        "transitions: [{ages: [11], from: ms, to: sp, rate: 10%}]\n"
        "mitigations: [{name: d, type: demand, need: e, reduction: 20%}]\n";
    hnb_err err;
    hnb_model *m = th_load(buf, &err);
    cr_assert_not_null(m, "%s", err.msg);
    double *p = malloc(sizeof(double) * (size_t)m->nparams);
    hnb_model_central(m, p);
    hnb_work *w = hnb_work_create(m);
    hnb_result *a = hnb_result_create(m), *b = hnb_result_create(m);
    hnb_project(m, p, w, a, HNB_PROJECT_DETAIL);
    hnb_project(m, p, w, b, 0);
    hnb_project(m, p, w, a, HNB_PROJECT_DETAIL); /* and back: the modes do not leak */
    for (int t = 0; t < m->years; t++) {
        const double *x[4] = {a->ehcps, a->new_plans, a->expenditure, a->mitigations};
        const double *y[4] = {b->ehcps, b->new_plans, b->expenditure, b->mitigations};
        for (int j = 0; j < 4; j++)
            cr_assert(fabs(x[j][t] - y[j][t]) <= 1e-9 * fabs(x[j][t]), "series %d year %d: %.9f vs %.9f", j, t,
                      x[j][t], y[j][t]);
    }
    cr_assert(a->expenditure[5] > 0 && a->mitigations[5] > 0);
    hnb_result_free(a);
    hnb_result_free(b);
    hnb_work_free(w);
    free(p);
    hnb_model_free(m);
}

/* --set and extends reach need items like any other (SPEC section 7): a
 * need is a list item with an id, a need mix a mapping. The year-zero case,
 * a's share set to 0.5 by --set: (a,ms) 300, (b,ms) 300; a third need added
 * by extends with a share of its own. */
Test(need, set_and_extends_on_need_items)
{
    snprintf(text, sizeof text,
             HEAD "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {10: 1}, "
                  "need_mix: {a: 0.25, b: 0.75}}\n"
                  "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}, need_mix: {a: 1}}\n",
             1, "", "", "");
    const char *base = th_write("base.yaml", text);
    const char *sets[2] = {"population.need_mix.a=0.5", "population.need_mix.b=0.5"};
    hnb_err err;
    hnb_model *m;
    cr_assert_eq(hnb_model_load(base, sets, 2, &m, &err), 0, "%s", err.msg);
    hnb_result *r = th_run(m);
    NEAR(cohort(m, r, 0, 0, 0), 300, "a,ms");
    NEAR(cohort(m, r, 0, 1, 0), 300, "b,ms");
    th_done(m, r);
    char child[1024];
    snprintf(child, sizeof child,
             "extends: %s\nneeds: [{id: c, label: Need C}]\n"
             "population: {need_mix: {a: 0.2, b: 0.6, c: 0.2}}\n", base);
    const char *kid = th_write("child.yaml", child);
    cr_assert_eq(hnb_model_load(kid, NULL, 0, &m, &err), 0, "%s", err.msg);
    cr_assert_eq(m->nneeds, 3);
    cr_assert_str_eq(m->need_ids[2], "c");
    r = th_run(m);
    /* c: 20% of ms's 600 */
    NEAR(cohort(m, r, 0, 2, 0), 120, "c,ms");
    th_done(m, r);
    /* dropping a need that a mix still names is an error naming it */
    snprintf(child, sizeof child, "extends: %s\nneeds: [{id: b, drop: true}]\n", base);
    kid = th_write("child2.yaml", child);
    cr_assert_neq(hnb_model_load(kid, NULL, 0, &m, &err), 0);
    cr_assert(strstr(err.msg, "'b' is neither a need nor a setting"), "%s", err.msg);
}
