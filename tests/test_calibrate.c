/* test_calibrate.c - hnb calibrate and backtest: histories generated from
 * known parameters are fitted back to them; a confounded pair is refused; a
 * backtest on the model's own history has no error; the calibrated scenario
 * reproduces the fitted series. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"
#include "hnb/history.h"

/* the shared shell helper of helpers.c, under short names */
#define out th_out
#define sh th_sh

/* One setting; the file's own guesses (growth 0%, cessation 10%) are not
 * the truth the history is made from. */
#define SIMPLE                                                                                 \
    "hnb: 1\nname: simple\nstart_year: 2012\nyears: 12\nfunding: {grant: 0}\n"                \
    "settings: [{id: all, cost: 10000}]\n"                                                     \
    "population: {total: 2000, mix: {all: 1}, age_profile: {\"5-15\": 1}}\n"                  \
    "new_plans: {count: 300, growth: 0%, age_profile: {\"4-6\": 1}, mix: {all: 1}}\n"         \
    "cessation: {rate: 10%}\n"

/* Write the history the model gives with growth G and cessation C, each
 * observation multiplied by (1 + noise * s_i), s_i a fixed +-1 pattern. */
static const char *make_history(const char *name, double g, double c, double noise)
{
    const char *scen = th_write("truth.yaml", SIMPLE);
    char s1[64], s2[64];
    snprintf(s1, sizeof s1, "new_plans.growth=%.17g", g);
    snprintf(s2, sizeof s2, "cessation.rate=%.17g", c);
    const char *sets[2] = {s1, s2};
    hnb_err err;
    hnb_model *m = NULL;
    cr_assert_eq(hnb_model_load(scen, sets, 2, &m, &err), 0, "%s", err.msg);
    hnb_result *r = th_run(m);
    char text[8192];
    size_t w = (size_t)snprintf(text, sizeof text, "year,ehcps,new_plans\n");
    for (int t = 0; t < m->years; t++) {
        double s = (t * 7 % 3) - 1; /* -1, 0, 1, ... */
        w += (size_t)snprintf(text + w, sizeof text - w, "%d,%.6f,%.6f\n", 2012 + t,
                              r->ehcps[t] * (t ? 1 + noise * s : 1), r->new_plans[t] * (1 - noise * s));
    }
    th_done(m, r);
    return th_write(name, text);
}

static double fitted_value(const char *dir, const char *param)
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/calibration.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", out);
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, param, strlen(param)) && line[strlen(param)] == ',') {
            double init, fit;
            sscanf(line + strlen(param) + 1, "%lf,%lf", &init, &fit);
            v = fit;
        }
    fclose(f);
    return v;
}

Test(calibrate, recovers_known_parameters_exactly_and_with_noise)
{
    const char *scen = th_write("simple.yaml", SIMPLE);
    const char *hist = make_history("exact.csv", 0.04, 0.05, 0);
    char dir[600];
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s --fit new_plans.growth,cessation.rate -o %s "
                    "--no-charts",
                    getenv("HNB_BIN"), scen, hist, dir),
                 0, "%s", out);
    /* the exact history: back to the truth within 1e-6 */
    cr_assert_float_eq(fitted_value(dir, "new_plans.growth"), 0.04, 1e-6, "%s", out);
    cr_assert_float_eq(fitted_value(dir, "cessation.rate"), 0.05, 1e-6, "%s", out);
    cr_assert(strstr(out, "R² of the EHCP stock 1.0000") != NULL, "%s", out);

    /* +-1% noise on every observation: within 0.005 of the truth */
    hist = make_history("noisy.csv", 0.04, 0.05, 0.01);
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s --fit new_plans.growth,cessation.rate -o %s "
                    "--no-charts",
                    getenv("HNB_BIN"), scen, hist, dir),
                 0, "%s", out);
    cr_assert_float_eq(fitted_value(dir, "new_plans.growth"), 0.04, 0.005, "%s", out);
    cr_assert_float_eq(fitted_value(dir, "cessation.rate"), 0.05, 0.005, "%s", out);
}

/* The calibrated scenario extends the original with the fitted values and
 * reproduces the fitted series when run. */
Test(calibrate, calibrated_scenario_runs_and_reproduces_the_fit)
{
    const char *scen = th_write("simple2.yaml", SIMPLE);
    const char *hist = make_history("exact2.csv", 0.06, 0.04, 0);
    char dir[600];
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s --fit new_plans.growth,cessation.rate -o %s -q "
                    "--no-charts",
                    getenv("HNB_BIN"), scen, hist, dir),
                 0, "%s", out);
    cr_assert_eq(sh("%s run %s/calibrated.yaml -o %s/run -q --no-charts", getenv("HNB_BIN"), dir, dir),
                 0, "%s", out);
    /* the history's last stock, from the model with the true values */
    hnb_history h;
    hnb_err err;
    cr_assert_eq(hnb_history_load(hist, &h, &err), 0);
    double last = h.rows[h.nrows - 1].v[0];
    hnb_history_free(&h);
    char path[700], line[512];
    snprintf(path, sizeof path, "%s/run/projection.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    double ehcps = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "2023,", 5)) sscanf(line + 13, "%lf", &ehcps);
    fclose(f);
    cr_assert_float_eq(ehcps, last, 1e-3, "run %g vs history %g", ehcps, last);
}

/* Two settings always holding the same number of plans: with only
 * expenditure observed, their two costs cannot be told apart. */
Test(calibrate, a_confounded_pair_is_refused)
{
    const char *scen = th_write("twin.yaml",
                                "hnb: 1\nname: twin\nstart_year: 2015\nyears: 6\nfunding: {grant: 0}\n"
                                "settings: [{id: a, cost: 1000}, {id: b, cost: 3000}]\n"
                                "population: {total: 1000, mix: {a: 0.5, b: 0.5}, age_profile: {8: 1}}\n"
                                "new_plans: {count: 100, age_profile: {5: 1}, mix: {a: 0.5, b: 0.5}}\n");
    const char *hist = th_write("twin.csv", "year,ehcps,expenditure\n2015,1000,2000000\n2016,1100,"
                                            "2300000\n2017,1200,2500000\n2018,1300,2700000\n");
    int st = sh("%s calibrate %s --history %s --fit settings.a.cost,settings.b.cost --no-charts",
                getenv("HNB_BIN"), scen, hist);
    cr_assert_eq(st, 2, "%s", out);
    cr_assert(strstr(out, "settings.a.cost and settings.b.cost are confounded") != NULL, "%s", out);
    /* and a value no series depends on */
    st = sh("%s calibrate %s --history %s --fit new_plans.growth,settings.a.cost --no-charts",
            getenv("HNB_BIN"), scen, "/dev/null");
    cr_assert_eq(st, 2, "%s", out);
}

Test(calibrate, backtest_on_the_models_own_history_has_no_error)
{
    const char *scen = th_write("simple3.yaml", SIMPLE);
    const char *hist = make_history("exact3.csv", 0.05, 0.06, 0);
    char dir[600];
    snprintf(dir, sizeof dir, "%s.bt", hist);
    cr_assert_eq(sh("%s backtest %s --history %s --fit new_plans.growth,cessation.rate --holdout 4 "
                    "-o %s --no-charts",
                    getenv("HNB_BIN"), scen, hist, dir),
                 0, "%s", out);
    double mape = -1;
    const char *at = strstr(out, "Mean absolute percentage error ");
    cr_assert_not_null(at, "%s", out);
    sscanf(at + strlen("Mean absolute percentage error "), "%lf", &mape);
    cr_assert(mape >= 0 && mape < 1e-4, "MAPE %g: %s", mape, out);
}

Test(calibrate, history_errors_have_positions)
{
    hnb_history h;
    hnb_err err;
    const char *p = th_write("bad1.csv", "year,ehcps,newplans\n2020,1\n");
    cr_assert_eq(hnb_history_load(p, &h, &err), HNB_EINPUT);
    cr_assert(err.line == 1 && err.col == 12, "%d:%d %s", err.line, err.col, err.msg);
    cr_assert(strstr(err.msg, "did you mean 'new_plans'") != NULL, "%s", err.msg);
    p = th_write("bad2.csv", "year,ehcps\n2020,1000\n2021,-5\n");
    cr_assert_eq(hnb_history_load(p, &h, &err), HNB_EINPUT);
    cr_assert(err.line == 3 && err.col == 6, "%d:%d %s", err.line, err.col, err.msg);
    p = th_write("bad3.csv", "year,ehcps\n2020,1000\n2020/21,1100\n");
    cr_assert_eq(hnb_history_load(p, &h, &err), HNB_EINPUT);
    cr_assert(strstr(err.msg, "given twice") != NULL, "%s", err.msg);
    p = th_write("bad4.csv", "year,ehcps\n20x0,1000\n");
    cr_assert_eq(hnb_history_load(p, &h, &err), HNB_EINPUT);
    cr_assert(err.line == 2 && err.col == 1);
    p = th_write("ok.csv", "# a comment\nyear,ehcps,new_plans\n2020,1000,\n2021/22,1100,150\n");
    cr_assert_eq(hnb_history_load(p, &h, &err), 0, "%s", err.msg);
    cr_assert_eq(h.nrows, 2);
    cr_assert_eq(h.rows[1].year, 2021);
    cr_assert(!h.rows[0].has[1] && h.rows[1].has[1]);
    hnb_history_free(&h);
}
