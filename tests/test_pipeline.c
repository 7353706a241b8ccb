/* test_pipeline.c - from requests to plans (SPEC v2 section 11), each
 * equation on a case worked by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static char text[4096];

/* One setting at £1,000 a plan, no plans in year 0, new plans aged 5 (no
 * exits), so the EHCPs of year t are the new plans of years 1..t. */
static hnb_model *load(const char *pipeline, const char *extra)
{
    snprintf(text, sizeof text,
             "hnb: 2\nname: pipe\nstart_year: 2025\nyears: 4\nfunding: {grant: 1m}\n"
             "settings: [{id: ms, cost: 1000}]\n"
             "population: {total: 0, mix: {ms: 1}, age_profile: {10: 1}}\n"
             "new_plans: {age_profile: {5: 1}, mix: {ms: 1}}\npipeline:\n%s%s",
             pipeline, extra);
    hnb_err err;
    hnb_model *m = th_load(text, &err);
    cr_assert_not_null(m, "%d:%d: %s\n%s", err.line, err.col, err.msg, text);
    return m;
}

#define NEAR(x, want, what) cr_assert(fabs((x) - (want)) < 1e-6, "%s: %.6f, expected %.6f", what, (double)(x), (double)(want))

/* Requests 1,000 growing 10%; a backlog of 500; 1,200 concluded a year;
 * 80% assessed, 90% of those issued (72%); 60% start the same year.
 *   2025/26: available 500 + 1,000 = 1,500; concluded 1,200; backlog 300;
 *            decided 1,200 x 0.72 = 864; S_0 = 0.6 x 864 + 0.4 x 864 (P_-1 = P_0) = 864
 *   2026/27: requests 1,100; available 1,400; concluded 1,200; backlog 200; decided 864
 *   2027/28: requests 1,210; available 1,410; backlog 210
 *   2028/29: requests 1,331; available 1,541; backlog 341
 * With capacity 1,500 from 2026/27: 2026/27 concludes all 1,400, backlog 0,
 * decided 1,008, S_1 = 0.6 x 1,008 + 0.4 x 864 = 950.4 */
#define PIPE "  requests: {count: 1000, growth: 10%%}\n  backlog: 500\n  assess_rate: 80%%\n" \
             "  issue_rate: 90%%\n  same_year: 60%%\n"

Test(pipeline, each_equation_by_hand)
{
    char p[512];
    snprintf(p, sizeof p, PIPE "  capacity: 1200\n");
    hnb_model *m = load(p, "");
    hnb_result *r = th_run(m);
    const double req[4] = {1000, 1100, 1210, 1331}, back[4] = {300, 200, 210, 341};
    for (int t = 0; t < 4; t++) {
        NEAR(r->requests[t], req[t], "requests");
        NEAR(r->concluded[t], 1200, "concluded");
        NEAR(r->backlog[t], back[t], "backlog");
        NEAR(r->decided[t], 864, "decided");
        NEAR(r->new_plans[t], 864, "new plans");
    }
    /* year 0's plans are given: the new plans start adding from year 1 */
    NEAR(r->ehcps[0], 0, "EHCPs 2025");
    NEAR(r->ehcps[1], 864, "EHCPs 2026");
    NEAR(r->ehcps[3], 3 * 864, "EHCPs 2028");
    th_done(m, r);
    snprintf(p, sizeof p, PIPE "  capacity: {2025: 1200, 2026: 1500}\n");
    m = load(p, "");
    r = th_run(m);
    NEAR(r->concluded[1], 1400, "all concluded");
    NEAR(r->backlog[1], 0, "no backlog");
    NEAR(r->decided[1], 1008, "decided");
    NEAR(r->new_plans[1], 950.4, "S_1 = 0.6 P_1 + 0.4 P_0");
    th_done(m, r);
}

/* No backlog, no capacity, rates 1 and same_year 1: the pipeline's new
 * plans are new_plans: {count: R_0, growth: requests' growth} (section 11). */
Test(pipeline, reduces_to_new_plans)
{
    hnb_model *a = load("  requests: {count: 900, growth: {2026: 12%, 2027: 5%}}\n", "cessation: {rate: 4%}\n");
    snprintf(text, sizeof text,
             "hnb: 2\nname: pipe\nstart_year: 2025\nyears: 4\nfunding: {grant: 1m}\n"
             "settings: [{id: ms, cost: 1000}]\n"
             "population: {total: 0, mix: {ms: 1}, age_profile: {10: 1}}\n"
             "new_plans: {count: 900, growth: {2026: 12%%, 2027: 5%%}, age_profile: {5: 1}, mix: {ms: 1}}\n"
             "cessation: {rate: 4%%}\n");
    hnb_err err;
    hnb_model *b = th_load(text, &err);
    cr_assert_not_null(b, "%s", err.msg);
    hnb_result *ra = th_run(a), *rb = th_run(b);
    for (int t = 0; t < 4; t++) {
        NEAR(ra->new_plans[t], rb->new_plans[t], "new plans");
        NEAR(ra->ehcps[t], rb->ehcps[t], "EHCPs");
        NEAR(ra->expenditure[t], rb->expenditure[t], "expenditure");
    }
    th_done(a, ra);
    th_done(b, rb);
}

/* A faster service moves the same plans earlier. 500 requests a year on a
 * backlog of 1,000, 600 concluded a year; an assessment mitigation adds 400
 * from 2025/26:
 *   slow: concluded 600, 600, 600, 600; backlog 900, 800, 700, 600
 *   fast: concluded 1,000, 1,000, 500, 500; backlog 500, 0, 0, 0
 * Every request is either concluded or waiting in both: 1,000 + 2,000 =
 * 2,400 + 600 = 3,000 + 0. */
Test(pipeline, a_faster_service_moves_the_same_plans_earlier)
{
    hnb_model *m = load("  requests: {count: 500}\n  backlog: 1000\n  capacity: 600\n",
                        "mitigations: [{name: faster, type: assessment, capacity: 400}]\n");
    hnb_result *r = th_run(m);
    const double fast[4] = {1000, 1000, 500, 500}, back[4] = {500, 0, 0, 0};
    double sum = 0, sum_slow = 0;
    for (int t = 0; t < 4; t++) {
        NEAR(r->concluded[t], fast[t], "concluded");
        NEAR(r->backlog[t], back[t], "backlog");
        sum += r->concluded[t];
        sum_slow += 600;
        cr_assert(sum >= sum_slow, "earlier in every year");
        NEAR(r->new_plans_unmitigated[t], 600, "the slow service's plans");
    }
    NEAR(sum + r->backlog[3], 3000, "conserved");
    /* the mitigation costs money in the horizon: more plans sooner */
    cr_assert(r->mitigations[1] < 0 && r->ehcps[3] > r->ehcps_unmitigated[3]);
    th_done(m, r);
}

Test(pipeline, requests_mitigation_acts_from_year_zero)
{
    /* 20% fewer requests from 2025/26: 800 a year, no capacity: every one concluded */
    hnb_model *m = load("  requests: {count: 1000}\n",
                        "mitigations: [{name: fewer, type: requests, reduction: 20%}]\n");
    hnb_result *r = th_run(m);
    for (int t = 0; t < 4; t++) {
        NEAR(r->requests[t], 800, "requests");
        NEAR(r->new_plans[t], 800, "new plans");
        NEAR(r->new_plans_unmitigated[t], 1000, "without it");
    }
    /* 2026/27: 200 fewer plans at £1,000 */
    NEAR(r->mitigations[1], 200000, "the saving");
    th_done(m, r);
}

Test(pipeline, the_checks_of_section_11)
{
    struct {
        const char *pipe, *extra, *needle;
    } bad[] = {
        {"  requests: {count: 1000}\n", "mitigations: [{name: a, type: assessment, capacity: 5}]\n", "has none"},
        {"  requests: {growth: 5%}\n", "", "missing 'count'"},
        {"  requests: {count: 1000}\n  same_year: 1.2\n", "", "pipeline.same_year"},
        {"  requests: {count: 1000}\n  issue_rate: {2026: 1.5}\n", "", "pipeline.issue_rate"},
        {"  requests: {count: -1}\n", "", "pipeline.requests.count"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(text, sizeof text,
                 "hnb: 2\nname: pipe\nstart_year: 2025\nyears: 4\nfunding: {grant: 1m}\n"
                 "settings: [{id: ms, cost: 1000}]\n"
                 "population: {total: 0, mix: {ms: 1}, age_profile: {10: 1}}\n"
                 "new_plans: {age_profile: {5: 1}, mix: {ms: 1}}\npipeline:\n%s%s",
                 bad[k].pipe, bad[k].extra);
        const char *e = th_error(text);
        cr_assert(strstr(e, bad[k].needle), "case %zu: expected '%s' in %s", k, bad[k].needle, e);
    }
    /* new_plans.count with a pipeline; a requests mitigation without one */
    const char *e = th_error("hnb: 2\nname: x\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                             "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}}\n"
                             "new_plans: {count: 5, age_profile: {5: 1}, mix: {ms: 1}}\n"
                             "pipeline: {requests: {count: 10}}\n");
    cr_assert(strstr(e, "new_plans.count: with a `pipeline`"), "%s", e);
    e = th_error("hnb: 2\nname: x\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                 "settings: [{id: ms, cost: 1}]\npopulation: {total: 1, mix: {ms: 1}, age_profile: {5: 1}}\n"
                 "new_plans: {count: 5, age_profile: {5: 1}, mix: {ms: 1}}\n"
                 "mitigations: [{name: r, type: requests, reduction: 5%}]\n");
    cr_assert(strstr(e, "no `pipeline`"), "%s", e);
}
