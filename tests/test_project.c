/* test_project.c - the projection of SPEC sections 4 and 5 on small cases
 * worked out by hand. The arithmetic of the three tests/data/case*.yaml
 * scenarios is written out in full in the comments; each number below was
 * computed from SPEC.md's text, not from the engine. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define PENNY 0.005

static hnb_model *load_file(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/%s", th_root(), name);
    hnb_err err = {0};
    hnb_model *m = NULL;
    int rc = hnb_model_load(path, NULL, 0, &m, &err);
    cr_assert_eq(rc, 0, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    return m;
}

/* case1: one setting `special` (cost 10,000, inflation 10%), population
 * from CSV rows 10/100, 24-25/50, 10/20; new plans 40 growing 25% at ages
 * 4-5; cessation 10%, by_age {"20-25": 20%, 24: 50%} (24 -> 50%: the
 * narrower key wins); grant 2m +5%; other 100k +2%; opening 0.5m; a saving
 * of 50k +10% from 2026, ramp [0.5, 1], delivery 80%.
 *
 * Year 0: N[10] = 100 + 20 = 120 (rows add), N[24] = N[25] = 25 (band
 *   spread evenly). Total 170.
 * Year 1: cessation 120*.9 = 108 (age 10), 25*.5 = 12.5 (24), 25*.8 = 20
 *   (25); ageing: 108 at 11, 12.5 at 25, the 20 end. New plans
 *   B1 = 40*1.25 = 50, 25 at age 4 and 25 at 5. Total 170.5.
 * Year 2: 25*.9 = 22.5 (4 and 5), 108*.9 = 97.2, 12.5*.8 = 10 ends;
 *   B2 = 62.5 -> +31.25 at ages 4 and 5. Total 31.25 + 53.75 + 22.5 + 97.2 = 204.7.
 * Unit cost 10,000, 11,000, 12,100. Placements 1,700,000; 1,875,500; 2,476,870.
 * Expenditure = placements + other (100,000; 102,000; 104,040):
 *   1,800,000; 1,977,500; 2,580,910.
 * Saving e_t = 0 (2025 < start), .8*.5 = .4, .8; amount 50k, 55k, 60.5k
 *   -> 0; 22,000; 48,400.
 * Gap = exp - grant - mitigations: -200,000; -144,500; 327,510.
 * Cumulative from 500,000: 300,000; 155,500; 483,010. */
Test(project, case1_single_setting_csv_cessation_saving)
{
    hnb_model *m = load_file("case1.yaml");
    hnb_result *r = th_run(m);
    const double ehcps[] = {170, 170.5, 204.7}, np[] = {40, 50, 62.5};
    const double exp[] = {1800000, 1977500, 2580910}, mit[] = {0, 22000, 48400};
    const double inc[] = {2000000, 2100000, 2205000}, gap[] = {-200000, -144500, 327510};
    const double cum[] = {300000, 155500, 483010};
    const double unit[] = {10000, 11000, 12100}, cost[] = {1700000, 1875500, 2476870};
    for (int t = 0; t < 3; t++) {
        cr_assert_float_eq(r->ehcps[t], ehcps[t], 1e-9, "ehcps t=%d", t);
        cr_assert_float_eq(r->ehcps_unmitigated[t], ehcps[t], 1e-9);
        cr_assert_float_eq(r->new_plans[t], np[t], 1e-9);
        cr_assert_float_eq(r->expenditure[t], exp[t], PENNY, "expenditure t=%d", t);
        cr_assert_float_eq(r->mitigations[t], mit[t], PENNY);
        cr_assert_float_eq(r->income[t], inc[t], PENNY);
        cr_assert_float_eq(r->grant[t], inc[t], PENNY);
        cr_assert_float_eq(r->annual_gap[t], gap[t], PENNY);
        cr_assert_float_eq(r->cumulative_deficit[t], cum[t], PENNY);
        cr_assert_float_eq(r->unit_cost[t], unit[t], PENNY);
        cr_assert_float_eq(r->cost[t], cost[t], PENNY);
        cr_assert_float_eq(r->contribution[t], mit[t], PENNY);
    }
    th_done(m, r);
}

/* case2: settings ms (5,000), sp (place funding 10,000 + bands 50% x 10,000
 * and 50% x 20,000 = 25,000; capacity 85, 88 from 2027; overflow ind),
 * ind (50,000, own inflation 10%). Population 200 at ages 10-11, mix
 * .5/.4/.1. New plans 20, growth 50% then 20%, all at age 5, mix .6/.3/.1.
 * Transitions at age 11, all at once: ms->sp 10%, ms->ind 20%, sp->ms 5%.
 * Mitigations in order: (1) mix sp->ms 10% from 2026; (2) demand 20% from
 * 2026, ramp [.5, 1]; (3) unit_cost ms 10% from 2025; (4) capacity sp +20
 * from 2027. R_k = placements with the first k mitigations on.
 *
 * Year 0: R_0 = 100*5,000 + 80*25,000 + 20*50,000 = 3,500,000; only the
 *   unit cost acts: R_4 = 3,450,000 -> mitigations 50,000.
 * Year 1: at age 11 {ms 50, sp 40, ind 10} -> ms 50-5-10+2 = 37, sp 40-2+5
 *   = 43, ind 20; age 12 {50, 40, 10}; so 87 / 83 / 30 before new plans.
 *   R_0: NP 30 -> +18/+9/+3; sp 92 > 85: 7 to ind -> 105/85/40:
 *        105*5,000 + 85*25,000 + 40*55,000 = 4,850,000.
 *   R_1: mix .7/.2/.1 -> +21/+6/+3; sp 89: 4 over -> 108/85/37 = 4,700,000.
 *   R_2: NP 30*(1-.2*.5) = 27 -> +18.9/+5.4/+2.7; sp 88.4: 3.4 over ->
 *        105.9/85/36.1 = 529,500 + 2,125,000 + 1,985,500 = 4,640,000.
 *   R_3 = R_4: ms at 4,500: 476,550 + 2,125,000 + 1,985,500 = 4,587,050.
 *   Contributions 150,000; 60,000; 52,950; 0 (sum 262,950).
 * Year 2: NP 36 (R_0, R_1), 36*.8 = 28.8 (R_2..R_4); capacity 88 (108 in R_4).
 *   R_0: ms 126.6, sp 95.8 -> 88, ind 40+3.6+7.8 = 51.4 (ind cost 60,500)
 *        = 633,000 + 2,200,000 + 3,109,700 = 5,942,700.
 *   R_1: 133.2 / 88 / 44.8 = 666,000 + 2,200,000 + 2,710,400 = 5,576,400.
 *   R_2: 126.06 / 88 / 41.74 = 630,300 + 2,200,000 + 2,525,270 = 5,355,570.
 *   R_3: 567,270 + 2,200,000 + 2,525,270 = 5,292,540.
 *   R_4: sp 90.76 fits 108: 567,270 + 2,269,000 + 38.98*60,500 = 5,194,560.
 *   Contributions 366,300; 220,830; 63,030; 97,980 (sum 748,140).
 * Grant 4m flat, opening 0: gaps -550,000; 587,050; 1,194,560;
 * cumulative -550,000; 37,050; 1,231,610. */
Test(project, case2_capacity_transitions_bands_and_four_mitigations)
{
    hnb_model *m = load_file("case2.yaml");
    hnb_result *r = th_run(m);
    const double ehcps[] = {200, 227, 255.8}, unmit[] = {200, 230, 266}, np[] = {20, 27, 28.8};
    const double exp[] = {3500000, 4850000, 5942700}, mit[] = {50000, 262950, 748140};
    const double gap[] = {-550000, 587050, 1194560}, cum[] = {-550000, 37050, 1231610};
    const double contrib[3][4] = {{0, 0, 50000, 0}, {150000, 60000, 52950, 0},
                                  {366300, 220830, 63030, 97980}};
    const double plans[3][3] = {{100, 80, 20}, {105.9, 85, 36.1}, {126.06, 90.76, 38.98}};
    const double unit[3][3] = {{4500, 25000, 50000}, {4500, 25000, 55000}, {4500, 25000, 60500}};
    for (int t = 0; t < 3; t++) {
        cr_assert_float_eq(r->ehcps[t], ehcps[t], 1e-9, "ehcps t=%d", t);
        cr_assert_float_eq(r->ehcps_unmitigated[t], unmit[t], 1e-9);
        cr_assert_float_eq(r->new_plans[t], np[t], 1e-9);
        cr_assert_float_eq(r->expenditure[t], exp[t], PENNY, "expenditure t=%d", t);
        cr_assert_float_eq(r->mitigations[t], mit[t], PENNY, "mitigations t=%d", t);
        cr_assert_float_eq(r->annual_gap[t], gap[t], PENNY);
        cr_assert_float_eq(r->cumulative_deficit[t], cum[t], PENNY);
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            cr_assert_float_eq(r->contribution[t * 4 + i], contrib[t][i], PENNY,
                               "contribution t=%d i=%d", t, i);
            sum += r->contribution[t * 4 + i];
        }
        cr_assert_float_eq(sum, r->mitigations[t], 1e-6, "attribution sums to the total");
        for (int s = 0; s < 3; s++) {
            cr_assert_float_eq(r->plans[t * 3 + s], plans[t][s], 1e-9, "plans t=%d s=%d", t, s);
            cr_assert_float_eq(r->unit_cost[t * 3 + s], unit[t][s], PENNY);
        }
    }
    th_done(m, r);
}

/* case3, top-down: grant by_year {2097: 9m (outside, ignored), 2098: 10m,
 * 2100: 11m} growth 5% -> 10m, 10.5m, 11m. Transfers 0.5m, -0.25m, 0.
 * Other income 1.2m, +10% in 2099, 0% in 2100 -> 1.2m, 1.32m, 1.32m.
 * Income 11.7m, 11.57m, 12.32m. Other expenditure 15m +8% and 2.5m flat:
 * 17.5m, 18.7m, 19.996m. Savings: "Transport, review" 1m from 2099 -> 0,
 * 1m, 1m; 'Contract "B"' 400k, 600k (400k*1.5), 600k (named), start
 * 2097, ramp [.25, .5, 1], delivery pert central .5 -> e = .5*.5 = .25,
 * .5*1, .5*1 -> 100k, 300k, 300k. Opening -1.5m: gaps 5.7m, 5.83m,
 * 6.376m; cumulative 4.2m, 10.03m, 16.406m. */
Test(project, case3_top_down_paths_transfers_income_savings)
{
    hnb_model *m = load_file("case3.yaml");
    hnb_result *r = th_run(m);
    const double grant[] = {10e6, 10.5e6, 11e6}, inc[] = {11.7e6, 11.57e6, 12.32e6};
    const double exp[] = {17.5e6, 18.7e6, 19.996e6}, mit[] = {0.1e6, 1.3e6, 1.3e6};
    const double cum[] = {4.2e6, 10.03e6, 16.406e6};
    const double c0[] = {0, 1e6, 1e6}, c1[] = {100000, 300000, 300000};
    for (int t = 0; t < 3; t++) {
        cr_assert_float_eq(r->grant[t], grant[t], PENNY);
        cr_assert_float_eq(r->income[t], inc[t], PENNY);
        cr_assert_float_eq(r->expenditure[t], exp[t], PENNY);
        cr_assert_float_eq(r->mitigations[t], mit[t], PENNY);
        cr_assert_float_eq(r->cumulative_deficit[t], cum[t], PENNY);
        cr_assert_float_eq(r->contribution[t * 2], c0[t], PENNY);
        cr_assert_float_eq(r->contribution[t * 2 + 1], c1[t], PENNY);
        cr_assert_float_eq(r->ehcps[t], 0, 0);
    }
    th_done(m, r);
}

#define BASE                                                                                   \
    "hnb: 1\nname: t\nstart_year: 2025\nfunding: {grant: 0}\n"                                \
    "settings:\n  - {id: a, cost: 1000}\n  - {id: b, cost: 2000}\n  - {id: c, cost: 4000}\n"

/* A demand mitigation lowers each year against the baseline path; it does
 * not compound. Baseline 100, growth 10%: B = 100, 110, 121. Demand 50%
 * from 2026: NP = 100, 55, 60.5 (not 55 then 55*1.1*0.5). */
Test(project, demand_does_not_compound)
{
    hnb_err err;
    hnb_model *m = th_load(BASE "years: 3\n"
                                "population: {total: 0, mix: {a: 1}, age_profile: {5: 1}}\n"
                                "new_plans: {count: 100, growth: 10%, age_profile: {5: 1}, mix: {a: 1}}\n"
                                "mitigations:\n  - {name: d, type: demand, reduction: 50%, start: 2026}\n",
                           &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->new_plans[0], 100, 1e-9);
    cr_assert_float_eq(r->new_plans[1], 55, 1e-9);
    cr_assert_float_eq(r->new_plans[2], 60.5, 1e-9);
    /* unmitigated: 0 + 110 + 121 = 231 plans in year 2; mitigated 55 + 60.5 = 115.5 */
    cr_assert_float_eq(r->ehcps_unmitigated[2], 231, 1e-9);
    cr_assert_float_eq(r->ehcps[2], 115.5, 1e-9);
    th_done(m, r);
}

/* Overflow cascades in list order: a (cap 10) overflows to b (cap 15),
 * which overflows to c. Year 1: 30 new plans all into a: a keeps 10, 20
 * go to b; b keeps 15, 5 go to c. Mix mitigation clamps at the share
 * left: moving 80% points from a when a has 0.6 of the mix moves 0.6. */
Test(project, overflow_cascades_and_mix_moves_at_most_the_share_left)
{
    hnb_err err;
    hnb_model *m = th_load(
        "hnb: 1\nname: t\nstart_year: 2025\nyears: 2\nfunding: {grant: 0}\n"
        "settings:\n  - {id: a, cost: 1000, capacity: 10, overflow: b}\n"
        "  - {id: b, cost: 2000, capacity: 15, overflow: c}\n  - {id: c, cost: 4000}\n"
        "population: {total: 0, mix: {a: 1}, age_profile: {5: 1}}\n"
        "new_plans: {count: 30, age_profile: {5: 1}, mix: {a: 1}}\n",
        &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->plans[3 + 0], 10, 1e-9);
    cr_assert_float_eq(r->plans[3 + 1], 15, 1e-9);
    cr_assert_float_eq(r->plans[3 + 2], 5, 1e-9);
    /* placements: 10*1000 + 15*2000 + 5*4000 = 60,000 */
    cr_assert_float_eq(r->placements_mitigated[1], 60000, 1e-6);
    th_done(m, r);

    m = th_load(BASE "years: 2\n"
                     "population: {total: 0, mix: {a: 1}, age_profile: {5: 1}}\n"
                     "new_plans: {count: 100, age_profile: {5: 1}, mix: {a: 0.6, b: 0.4}}\n"
                     "mitigations:\n  - {name: m, type: mix, from: a, to: c, share: 80%}\n",
                &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    r = th_run(m);
    /* year 1: mix a 0, b 0.4, c 0.6 -> 0, 40, 60 plans */
    cr_assert_float_eq(r->plans[3 + 0], 0, 1e-9);
    cr_assert_float_eq(r->plans[3 + 1], 40, 1e-9);
    cr_assert_float_eq(r->plans[3 + 2], 60, 1e-9);
    /* contribution: unmitigated 60*1000 + 40*2000 = 140,000; mitigated
     * 40*2000 + 60*4000 = 320,000: -180,000 (a mitigation that costs) */
    cr_assert_float_eq(r->contribution[1], -180000, 1e-6);
    th_done(m, r);
}

/* Rates over time: a value holds from its year until the next key, and
 * years before the first key take the first key's value, even when the
 * key lies before start_year. Growth {2020: 10%, 2027: 50%}: 2026 takes
 * 10% (from 2020), 2027 50%. Capacity {2027: 5}: 5 from year 0 on. */
Test(project, rates_over_time_hold_and_backfill)
{
    hnb_err err;
    hnb_model *m = th_load(
        "hnb: 1\nname: t\nstart_year: 2025\nyears: 3\nfunding: {grant: 0}\n"
        "settings:\n  - {id: a, cost: 1000, capacity: {2027: 5}, overflow: b}\n  - {id: b, cost: 1}\n"
        "population: {total: 0, mix: {a: 1}, age_profile: {5: 1}}\n"
        "new_plans: {count: 100, growth: {2020: 10%, \"2027/28\": 50%}, age_profile: {5: 1}, mix: {a: 1}}\n",
        &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->new_plans[1], 110, 1e-9);
    cr_assert_float_eq(r->new_plans[2], 165, 1e-9);
    cr_assert_float_eq(r->plans[2 + 0], 5, 1e-9); /* two settings: year 1, setting a; capped at 5 */
    th_done(m, r);
}

/* Transitions with no ages act at every age; all rules at one age use the
 * counts before any rule. 100 plans at age 5 in a (year 0); year 1 they
 * are 6: a->b 30% and b->a 50% at once: b gets 30 (from a's 100), a loses
 * 30 and gets 50% of b's 0 -> a 70, b 30. */
Test(project, transitions_simultaneous_and_every_age)
{
    hnb_err err;
    hnb_model *m = th_load(BASE "years: 2\n"
                                "population: {total: 100, mix: {a: 1}, age_profile: {5: 1}}\n"
                                "new_plans: {count: 0, age_profile: {5: 1}, mix: {a: 1}}\n"
                                "transitions:\n  - {from: a, to: b, rate: 30%}\n"
                                "  - {from: b, to: a, rate: 50%}\n",
                           &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->plans[3 + 0], 70, 1e-9);
    cr_assert_float_eq(r->plans[3 + 1], 30, 1e-9);
    th_done(m, r);
}

/* Plans aged 25 end at ageing; age 0 starts empty. 10 plans at 25 and 10
 * at 24 in year 0 -> 10 (aged 25) in year 1 -> 0 in year 2. */
Test(project, plans_end_after_age_25)
{
    hnb_err err;
    hnb_model *m = th_load(BASE "years: 3\n"
                                "population: {total: 20, mix: {a: 1}, age_profile: {\"24-25\": 1}}\n"
                                "new_plans: {count: 0, age_profile: {5: 1}, mix: {a: 1}}\n",
                           &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->ehcps[0], 20, 1e-9);
    cr_assert_float_eq(r->ehcps[1], 10, 1e-9);
    cr_assert_float_eq(r->ehcps[2], 0, 1e-9);
    th_done(m, r);
}

/* Shares within 0.005 of 1 are divided by their sum (with a warning);
 * mix {a: 0.6, b: 0.398} sums to 0.998: a gets 0.6/0.998 of 1000 =
 * 601.2024 plans. */
Test(project, shares_normalised_with_warning)
{
    hnb_err err;
    hnb_model *m = th_load(BASE "years: 1\n"
                                "population: {total: 1000, mix: {a: 0.6, b: 0.398}, age_profile: {5: 1}}\n"
                                "new_plans: {count: 0, age_profile: {5: 1}, mix: {a: 1}}\n",
                           &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    cr_assert(strstr(th_warnings(), "population.mix") != NULL, "warning: %s", th_warnings());
    cr_assert(strstr(th_warnings(), ":10:32:") != NULL, "warning names the line: %s", th_warnings());
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->plans[0], 1000 * 0.6 / 0.998, 1e-9);
    th_done(m, r);
}
