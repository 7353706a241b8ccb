/* test_scenarios.c - the real scenarios in scenarios/ against the figures
 * the councils published (../shared/DATA.md). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define TENTH_M 0.05e6 /* the table is published to £0.1m: agree within £0.05m */

static hnb_model *scenario(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", th_root(), name);
    hnb_err err = {0};
    hnb_model *m = NULL;
    hnb_model_load(path, NULL, 0, &m, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    return m;
}

/* Leicestershire's published table (F001 l.448-452, DATA.md 1A), every cell. */
static const double pub_exp[] = {145.5e6, 160.5e6, 176.5e6, 195.0e6};
static const double pub_grant[] = {117.5e6, 121.0e6, 124.5e6, 128.0e6};
static const double pub_mit[] = {12.8e6, 27.0e6, 42.0e6, 51.8e6};
static const double pub_gap[] = {15.2e6, 12.5e6, 10.0e6, 15.2e6};
static const double pub_cum[] = {80.2e6, 92.7e6, 102.7e6, 117.9e6};

Test(scenarios, leicestershire_mtfs_reproduces_the_published_table)
{
    hnb_model *m = scenario("leicestershire-mtfs-2025.yaml");
    hnb_result *r = th_run(m);
    cr_assert_eq(r->years, 4);
    for (int t = 0; t < 4; t++) {
        cr_assert_float_eq(r->expenditure[t], pub_exp[t], TENTH_M, "expenditure t=%d", t);
        cr_assert_float_eq(r->income[t], pub_grant[t], TENTH_M, "grant t=%d", t);
        cr_assert_float_eq(r->mitigations[t], pub_mit[t], TENTH_M, "mitigations t=%d", t);
        cr_assert_float_eq(r->annual_gap[t], pub_gap[t], TENTH_M, "gap t=%d", t);
        cr_assert_float_eq(r->cumulative_deficit[t], pub_cum[t], TENTH_M, "cumulative t=%d", t);
    }
    th_done(m, r);
}

/* DATA.md 5.1 what-ifs: +£20m one-off in 2025/26 -> 137.9 at the end of
 * 2028/29 (every later cumulative figure +20); zero mitigations ->
 * 65.0 + 28.0 + 39.5 + 52.0 + 67.0 = 251.5. */
Test(scenarios, leicestershire_mtfs_what_ifs)
{
    hnb_model *m = scenario("leicestershire-mtfs-2025-demand-shock.yaml");
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->annual_gap[0], 35.2e6, TENTH_M);
    cr_assert_float_eq(r->cumulative_deficit[2], 122.7e6, TENTH_M);
    cr_assert_float_eq(r->cumulative_deficit[3], 137.9e6, TENTH_M);
    th_done(m, r);

    m = scenario("leicestershire-mtfs-2025-no-mitigations.yaml");
    r = th_run(m);
    cr_assert_float_eq(r->cumulative_deficit[3], 251.5e6, TENTH_M);
    th_done(m, r);
}

/* The bottom-up model: 8,213 plans in 2025/26, calibrated to the published
 * £145.5m of 2025/26 expenditure; its first four years land near the
 * published path (within 2.5%), and its horizon is 12 years. */
Test(scenarios, leicestershire_bottom_up_is_calibrated)
{
    hnb_model *m = scenario("leicestershire-2025.yaml");
    cr_assert_eq(m->years, 12);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->ehcps[0], 8213, 1e-6);
    cr_assert_float_eq(r->expenditure[0], 145.5e6, TENTH_M);
    for (int t = 0; t < 4; t++) {
        double off = (r->expenditure[t] - pub_exp[t]) / pub_exp[t];
        cr_assert(off > -0.025 && off < 0.025, "expenditure %d: %.1fm vs %.1fm", t,
                  r->expenditure[t] / 1e6, pub_exp[t] / 1e6);
        cr_assert_float_eq(r->grant[t], pub_grant[t], TENTH_M);
    }
    /* the placement mix of 2025/26 (F001 l.401): mainstream 50.8% of 8,213 = 4,172.204 */
    cr_assert_float_eq(r->plans[0], 4172.204, 1e-3);
    th_done(m, r);
}

/* Leicester City: opening £22.2m (2024/25 actual) and the 2025/26 forecast
 * of £43.1m (F003 l.743). */
Test(scenarios, leicester_city_reproduces_the_forecast)
{
    hnb_model *m = scenario("leicester-city-2025.yaml");
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->annual_gap[0], 20.9e6, TENTH_M);
    cr_assert_float_eq(r->cumulative_deficit[0], 43.1e6, TENTH_M);
    double base_end = r->cumulative_deficit[2];
    th_done(m, r);
    m = scenario("leicester-city-2025-spike-continues.yaml");
    r = th_run(m);
    cr_assert_float_eq(r->cumulative_deficit[0], 43.1e6, TENTH_M);
    cr_assert_gt(r->cumulative_deficit[2], base_end);
    th_done(m, r);
}

Test(scenarios, every_shipped_scenario_loads)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scenarios", th_root());
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml")) continue;
        hnb_model *m = scenario(e->d_name);
        hnb_model_free(m);
        n++;
    }
    closedir(d);
    cr_assert_geq(n, 6);
}
