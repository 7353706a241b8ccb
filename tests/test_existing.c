/* test_existing.c - mitigations on existing plans and attribution (SPEC v2
 * section 12), on cases worked by hand.
 *
 * The base: 1,000 plans aged 10 in 2025/26, all in ms (£1,000 a plan); sp
 * costs £2,000; nobody leaves, no new plans. In 2026/27 they are 11. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static char text[4096];

static hnb_model *load(const char *mitigations, const char *extra)
{
    snprintf(text, sizeof text,
             "hnb: 2\nname: existing\nstart_year: 2025\nyears: 3\nfunding: {grant: 1m}\n"
             "settings: [{id: ms, cost: 1000}, {id: sp, cost: 2000}]\n"
             "population: {total: 1000, mix: {ms: 1}, age_profile: {10: 1}}\n"
             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n%smitigations:\n%s",
             extra, mitigations);
    hnb_err err;
    hnb_model *m = th_load(text, &err);
    cr_assert_not_null(m, "%d:%d: %s\n%s", err.line, err.col, err.msg, text);
    return m;
}

#define NEAR(x, want, what) cr_assert(fabs((x) - (want)) < 1e-6, "%s: %.6f, expected %.6f", what, (double)(x), (double)(want))

/* plans of setting S in year T */
static double plans(const hnb_result *r, int t, int s) { return r->plans[t * 2 + s]; }

Test(existing, cessation_at_its_ages_and_settings)
{
    /* 10% more leave ms at age 10 (the age during 2025/26): 900 reach 11 in
     * 2026/27; at 11, during 2026/27, 10% more again: 810 at 12 in 2027/28 */
    hnb_model *m = load("  - {name: c, type: cessation, increase: 10%, ages: [10, 11], settings: [ms]}\n", "");
    hnb_result *r = th_run(m);
    NEAR(plans(r, 1, 0), 900, "2026 ms");
    NEAR(plans(r, 2, 0), 810, "2027 ms");
    NEAR(r->contribution[1 * 1 + 0], 100000, "2026 contribution: 100 plans x 1,000");
    th_done(m, r);
    /* another setting: nothing happens to ms */
    m = load("  - {name: c, type: cessation, increase: 10%, settings: [sp]}\n", "");
    r = th_run(m);
    NEAR(plans(r, 2, 0), 1000, "untouched");
    th_done(m, r);
}

Test(existing, cessation_adds_to_the_rate_and_caps_at_one)
{
    /* cessation.rate 30% at every age; +50% and +40%: min(1, 1.2) = everyone leaves */
    hnb_model *m = load("  - {name: a, type: cessation, increase: 50%}\n"
                        "  - {name: b, type: cessation, increase: 40%}\n",
                        "cessation: {rate: 30%}\n");
    hnb_result *r = th_run(m);
    NEAR(plans(r, 1, 0), 0, "all ceased");
    NEAR(r->ehcps_unmitigated[1], 700, "unmitigated: 30% leave");
    th_done(m, r);
}

Test(existing, the_effect_of_the_year_being_reached)
{
    /* start 2027 with a ramp [0.5, 1]: e_1 = 0 (2026/27 is before it), e_2 = 0.5:
     * 2026/27 keeps 1,000; the move into 2027/28 loses 10% x 0.5 = 5%: 950 */
    hnb_model *m = load("  - {name: c, type: cessation, increase: 10%, start: 2027, ramp: [0.5, 1]}\n", "");
    hnb_result *r = th_run(m);
    NEAR(plans(r, 1, 0), 1000, "2026");
    NEAR(plans(r, 2, 0), 950, "2027");
    th_done(m, r);
}

Test(existing, transition_mitigation_acts_with_the_rules_at_its_ages)
{
    /* the scenario moves 10% ms -> sp at 11; the mitigation another 20%, both
     * on A[11] before either acts: 300 move, 700 stay; delivery 0.5 halves
     * the mitigation's: 200 move */
    hnb_model *m = load("  - {name: t, type: transition, from: ms, to: sp, rate: 20%, ages: [11]}\n",
                        "transitions: [{ages: [11], from: ms, to: sp, rate: 10%}]\n");
    hnb_result *r = th_run(m);
    NEAR(plans(r, 1, 0), 700, "ms");
    NEAR(plans(r, 1, 1), 300, "sp");
    NEAR(r->ehcps_unmitigated[1], 1000, "the same plans");
    /* unmitigated 900 x 1000 + 100 x 2000 = 1.1m; mitigated 700k + 600k = 1.3m */
    NEAR(r->mitigations[1], -200000, "the move costs money");
    th_done(m, r);
    m = load("  - {name: t, type: transition, from: ms, to: sp, rate: 20%, ages: [11], delivery: 0.5}\n",
             "transitions: [{ages: [11], from: ms, to: sp, rate: 10%}]\n");
    r = th_run(m);
    NEAR(plans(r, 1, 1), 200, "sp with half delivered");
    th_done(m, r);
}

Test(existing, the_checks_of_section_12)
{
    hnb_err err;
    snprintf(text, sizeof text,
             "hnb: 2\nname: x\nstart_year: 2025\nyears: 3\nfunding: {grant: 1m}\n"
             "settings: [{id: ms, cost: 1000}, {id: sp, cost: 2000}]\n"
             "population: {total: 1000, mix: {ms: 1}, age_profile: {10: 1}}\n"
             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n"
             "transitions: [{ages: [11], from: ms, to: sp, rate: 70%%}]\n"
             "mitigations:\n  - {name: late, type: transition, from: ms, to: sp, rate: 40%%, start: 2030}\n");
    cr_assert_null(th_load(text, &err));
    cr_assert(strstr(err.msg, "sum to 1.1") && strstr(err.msg, "whatever") == NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "mitigations.late"), "%s", err.msg);
    const char *e = th_error("hnb: 1\nname: x\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                             "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}}\n"
                             "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n"
                             "mitigations: [{name: c, type: cessation, increase: 5%}]\n");
    cr_assert(strstr(e, "v2 mitigation type") && strstr(e, "hnb: 2"), "%s", e);
    e = th_error("hnb: 2\nname: x\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                 "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}}\n"
                 "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n"
                 "mitigations: [{name: c, type: cessation, increase: 5%, settings: [xx]}]\n");
    cr_assert(strstr(e, "unknown setting 'xx'"), "%s", e);
    e = th_error("hnb: 2\nname: x\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                 "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}}\n"
                 "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n"
                 "mitigations: [{name: c, type: cessation}]\n");
    cr_assert(strstr(e, "needs 'increase'"), "%s", e);
}

/* Three mitigations whose effects overlap. f(S), the 2026/27 placements
 * with the mitigations of S on (1: 10% more leave ms at 10; 2: 20% move
 * ms -> sp at 11; 3: sp costs half):
 *   f() = 1,000,000   f(1) = 900,000   f(2) = 800 x 1000 + 200 x 2000 = 1,200,000
 *   f(3) = 1,000,000  f(12) = 720,000 + 180 x 2000 = 1,080,000  f(13) = 900,000
 *   f(23) = 800,000 + 200 x 1000 = 1,000,000   f(123) = 720,000 + 180,000 = 900,000
 * Shapley weights for three: 1/3 (no others on), 1/6 (one), 1/3 (two):
 *   phi1 = (100,000)/3 + (1,200,000 - 1,080,000)/6 + (1,000,000 - 900,000)/6 + (100,000)/3
 *        = 33,333.33 + 20,000 + 16,666.67 + 33,333.33 = 103,333.33
 *   phi2 = (-200,000)/3 + (900,000 - 1,080,000)/6 + 0/6 + 0/3 = -96,666.67
 *   phi3 = 0/3 + 0/6 + (200,000)/6 + (180,000)/3 = 93,333.33
 * summing to f() - f(123) = 100,000. In listed order: 100,000, -180,000, 180,000. */
#define THREE(a, b, c) a b c
#define M1 "  - {name: one, type: cessation, increase: 10%, ages: [10], settings: [ms]}\n"
#define M2 "  - {name: two, type: transition, from: ms, to: sp, rate: 20%, ages: [11]}\n"
#define M3 "  - {name: three, type: unit_cost, setting: sp, reduction: 50%}\n"

static void contributions(const char *mits, const char *attribution, double out[3], const char *names[3])
{
    hnb_model *m = load(mits, attribution);
    hnb_result *r = th_run(m);
    for (int k = 0; k < 3; k++) {
        int i = 0;
        while (strcmp(m->mits[i].name, names[k])) i++;
        out[k] = r->contribution[1 * 3 + i];
    }
    NEAR(out[0] + out[1] + out[2], r->mitigations[1], "the contributions sum to the total");
    th_done(m, r);
}

Test(existing, shapley_on_a_hand_worked_case)
{
    const char *names[3] = {"one", "two", "three"};
    double c[3];
    contributions(THREE(M1, M2, M3), "attribution: ordered\n", c, names);
    NEAR(c[0], 100000, "ordered one");
    NEAR(c[1], -180000, "ordered two");
    NEAR(c[2], 180000, "ordered three");
    contributions(THREE(M1, M2, M3), "attribution: shapley\n", c, names);
    cr_assert(fabs(c[0] - 310000.0 / 3) < 1e-6, "phi1 %.6f", c[0]);
    cr_assert(fabs(c[1] + 290000.0 / 3) < 1e-6, "phi2 %.6f", c[1]);
    cr_assert(fabs(c[2] - 280000.0 / 3) < 1e-6, "phi3 %.6f", c[2]);
}

Test(existing, shapley_does_not_depend_on_the_order)
{
    const char *names[3] = {"one", "two", "three"};
    const char *orders[][3] = {{M1, M2, M3}, {M3, M1, M2}, {M2, M3, M1}, {M3, M2, M1}};
    double first[3];
    for (int k = 0; k < 4; k++) {
        char mits[1024];
        snprintf(mits, sizeof mits, "%s%s%s", orders[k][0], orders[k][1], orders[k][2]);
        double c[3];
        contributions(mits, "attribution: shapley\n", c, names);
        for (int j = 0; j < 3; j++) {
            if (k == 0) first[j] = c[j];
            cr_assert(fabs(c[j] - first[j]) < 1e-6, "order %d, mitigation %d: %.6f vs %.6f", k, j, c[j], first[j]);
        }
    }
    /* the ordered split does depend on it: three first takes nothing (no sp plans yet) */
    double c[3];
    contributions(THREE(M3, M1, M2), "", c, names);
    NEAR(c[2], 0, "three listed first");
}

/* Shapley is exact over 2^k subsets: at most 16 mitigations that are not
 * savings. The limit holds when a run computes it, so --attribution
 * ordered overrides a file that asks for Shapley (SPEC section 12). */
Test(existing, the_shapley_limit_and_the_override)
{
    char mits[4096];
    size_t w = 0;
    for (int k = 0; k < 17; k++)
        w += (size_t)snprintf(mits + w, sizeof mits - w, "  - {name: d%d, type: demand, reduction: 1%%}\n", k);
    hnb_model *m = load(mits, "attribution: shapley\n");
    hnb_model_free(m);
    const char *path = th_write("seventeen.yaml", text);
    cr_assert_eq(th_sh("%s/build/hnb run %s -o %s/out-17 -q --no-charts", th_root(), path, th_root()), 2, "%s", th_out);
    cr_assert(strstr(th_out, "seventeen.yaml:9:14:") && strstr(th_out, "at most 16"), "%s", th_out);
    cr_assert_eq(th_sh("%s/build/hnb run %s -o %s/out-17 -q --no-charts --attribution ordered", th_root(), path, th_root()), 0, "%s", th_out);
    cr_assert_eq(th_sh("%s/build/hnb run %s -o %s/out-17 -q --no-charts --attribution shapley --set attribution=ordered", th_root(), path, th_root()), 2, "%s", th_out);
    cr_assert(strstr(th_out, "--attribution:1:1:"), "%s", th_out);
    /* hnb check refuses what hnb run refuses (it said ok; found by a SPEC check) */
    cr_assert_eq(th_sh("%s/build/hnb check %s", th_root(), path), 2, "%s", th_out);
    cr_assert(strstr(th_out, "seventeen.yaml:9:14:") && strstr(th_out, "at most 16"), "%s", th_out);
    cr_assert_eq(th_sh("%s/build/hnb check %s --set attribution=ordered", th_root(), path), 0, "%s", th_out);
    th_sh("rm -rf %s/out-17", th_root());
}
