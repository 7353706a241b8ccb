/* test_calibrate.c - hnb calibrate and backtest: the calibrated scenario
 * starts from the trend's stock and follows it, with exits fitted to the
 * history's flows; it runs as written and its Monte Carlo band is the
 * trend's; a demand mitigation already in force is not counted twice; the
 * backtest's baselines are worked by hand; bad input is refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hnb/forecast.h"
#include "hnb/history.h"

#define out th_out
#define sh th_sh

/* One setting, every plan aged 5-15, so that no plan reaches 26 within a
 * year and the projection's exits are cessation.rate alone. Starts in
 * 2024, a year after the history below ends. */
#define SIMPLE                                                                                 \
    "hnb: 1\nname: simple\nstart_year: 2024\nyears: 5\nfunding: {grant: 0}\n"                 \
    "settings: [{id: all, cost: 10000}]\n"                                                     \
    "population: {total: 2000, mix: {all: 1}, age_profile: {\"5-15\": 1}}\n"                  \
    "new_plans: {count: 300, growth: 0%, age_profile: {\"5-6\": 1}, mix: {all: 1}}\n"         \
    "cessation: {rate: 3%}\n"

/* Stock 2012-2023 growing 6% a year with a fixed +-0.5% pattern, and new
 * plans such that exactly 10% of each year's opening stock ends:
 * new = stock_t - 0.9 stock_{t-1}. */
static const char *history(const char *name, double *stock)
{
    char text[4096];
    size_t w = (size_t)snprintf(text, sizeof text, "year,ehcps,new_plans\n");
    for (int t = 0; t < 12; t++) {
        stock[t] = 2000 * exp(0.06 * t + 0.005 * ((t * 7) % 3 - 1));
        if (t) w += (size_t)snprintf(text + w, sizeof text - w, "%d,%.6f,%.6f\n", 2012 + t, stock[t],
                                     stock[t] - 0.9 * stock[t - 1]);
        else w += (size_t)snprintf(text + w, sizeof text - w, "%d,%.6f,\n", 2012, stock[t]);
    }
    return th_write(name, text);
}

/* Column COL (0-based) of the row of projection.csv or montecarlo.csv
 * whose first field is YEAR (and, for montecarlo.csv, metric ehcps). */
static double csv_value(const char *path, int year, const char *metric, int col)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char line[1024];
    double v = NAN;
    while (fgets(line, sizeof line, f)) {
        if (atoi(line) != year) continue;
        if (metric && !strstr(line, metric)) continue;
        char *p = line;
        for (int c = 0; c < col && p; c++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        if (p) v = strtod(p, NULL);
        break;
    }
    fclose(f);
    return v;
}

static double cal_value(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/calibration.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[512];
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ',')
            v = strtod(line + strlen(name) + 1, NULL);
    fclose(f);
    return v;
}

Test(calibrate, starts_from_the_trend_follows_it_and_runs_as_written)
{
    double stock[12];
    const char *hist = history("h1.csv", stock);
    const char *scen = th_write("s1.yaml", SIMPLE);
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s -q --no-charts", getenv("HNB_BIN"), scen, hist, dir),
                 0, "%s", out);
    /* exits: every plan is 5-15, so the projection's exits are the rate
     * itself, and the history's are 10% a year */
    cr_assert_float_eq(cal_value(dir, "cessation.rate"), 0.10, 1e-6);
    /* the band's reading: the horizon, 2028/29, is 5 years past the origin
     * (2023), beyond the 3 years backtests check */
    snprintf(path, sizeof path, "%s/calibration.md", dir);
    char *md = th_slurp(path);
    cr_assert(md && strstr(md, "It is checked 1 to 3 years ahead") && strstr(md, "by 2028/29): read those years"),
              "%s", md);
    free(md);
    /* the calibrated scenario, run as written, follows the trend fitted to
     * the same stock: the starting stock (2024) is one year on, and so on */
    cr_assert_eq(sh("%s run %s/calibrated.yaml --draws 4000 --seed 3 -o %s/run -q --no-charts",
                    getenv("HNB_BIN"), dir, dir), 0, "%s", out);
    hnb_trend t;
    cr_assert_eq(hnb_trend_fit(stock, 12, HNB_TREND_Q, &t), 0);
    snprintf(path, sizeof path, "%s/run/projection.csv", dir);
    for (int k = 0; k < 5; k++)
        cr_assert_float_eq(csv_value(path, 2024 + k, NULL, 2), exp(hnb_trend_mean(&t, 1 + k)),
                           1e-6 * exp(hnb_trend_mean(&t, 1 + k)), "year %d", 2024 + k);
    /* its Monte Carlo band is the trend's (P10 and P90, 2 years on: within
     * 3%, the draws' sampling error and the projection's curvature) */
    snprintf(path, sizeof path, "%s/run/montecarlo.csv", dir);
    double m = hnb_trend_mean(&t, 2), s = sqrt(hnb_trend_cov(&t, 2, 2));
    double p10 = csv_value(path, 2025, "ehcps", 5), p90 = csv_value(path, 2025, "ehcps", 9);
    cr_assert_float_eq(p10, exp(m - 1.2815516 * s), 0.03 * exp(m), "P10 %g", p10);
    cr_assert_float_eq(p90, exp(m + 1.2815516 * s), 0.03 * exp(m), "P90 %g", p90);
}

/* A demand mitigation in force through the history is in the trend
 * already: the mitigated stock follows the trend. One that starts after
 * the history lowers it from its start. */
Test(calibrate, a_mitigation_in_force_is_not_counted_twice)
{
    double stock[12];
    const char *hist = history("h2.csv", stock);
    const char *scen = th_write("s2.yaml", SIMPLE
                                "mitigations:\n"
                                "  - {name: old, type: demand, reduction: 20%, start: 2015}\n"
                                "  - {name: new, type: demand, reduction: 10%, start: 2026}\n");
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s -q --no-charts", getenv("HNB_BIN"), scen, hist, dir),
                 0, "%s", out);
    cr_assert_eq(sh("%s run %s/calibrated.yaml --draws 0 -o %s/run -q --no-charts", getenv("HNB_BIN"), dir, dir),
                 0, "%s", out);
    hnb_trend t;
    cr_assert_eq(hnb_trend_fit(stock, 12, HNB_TREND_Q, &t), 0);
    snprintf(path, sizeof path, "%s/run/projection.csv", dir);
    for (int k = 0; k < 2; k++) /* 2024, 2025: only 'old', in force all along */
        cr_assert_float_eq(csv_value(path, 2024 + k, NULL, 2), exp(hnb_trend_mean(&t, 1 + k)),
                           1e-6 * exp(hnb_trend_mean(&t, 1 + k)));
    /* 2026: 'new' cuts the year's new plans by 10%, so the stock is below
     * the trend, and the unmitigated run (column 3) is above it */
    double trend = exp(hnb_trend_mean(&t, 3));
    cr_assert_lt(csv_value(path, 2026, NULL, 2), trend - 1);
    cr_assert_gt(csv_value(path, 2026, NULL, 3), trend + 1);
}

/* The baselines in backtest.csv, by hand, on stock 100, 110, 120, 130,
 * 150 (2010-2014) and 170 in 2015: from origin 2014, one year on, last
 * value 150; linear trend of the last 5 at x = 5: 122 + 12 * 3 = 158;
 * compound growth of the last 3: 150 * (150/110)^(1/3) = 166.338. */
Test(calibrate, backtest_baselines_by_hand)
{
    const char *hist = th_write("h3.csv", "year,ehcps\n2010,100\n2011,110\n2012,120\n2013,130\n2014,150\n2015,170\n");
    const char *scen = th_write("s3.yaml", SIMPLE);
    char dir[600], path[700], line[1024];
    snprintf(dir, sizeof dir, "%s.bt", hist);
    cr_assert_eq(sh("%s backtest %s --history %s --origins 2014 --horizon 1 --draws 500 -o %s --no-charts",
                    getenv("HNB_BIN"), scen, hist, dir), 0, "%s", out);
    cr_assert(strstr(out, "beat") != NULL || strstr(out, "about as good") != NULL, "%s", out);
    /* one forecast can never show a lead beyond chance: the sign test's
     * two-sided p is 2 x P(X <= 0 | n = 1, 1/2) = 1, or there is no win */
    cr_assert(strstr(out, "**hnb beat every naive baseline**") == NULL, "%s", out);
    snprintf(path, sizeof path, "%s/backtest.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "origin,year,label,horizon,actual,forecast,p10,p90,inside,last_value,"
                           "linear_trend_5y,compound_growth_3y\n");
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    int origin, year, h, inside;
    double actual, fc, p10, p90, last, lin, cagr;
    char label[16];
    cr_assert_eq(sscanf(line, "%d,%d,%15[^,],%d,%lf,%lf,%lf,%lf,%d,%lf,%lf,%lf", &origin, &year, label, &h,
                        &actual, &fc, &p10, &p90, &inside, &last, &lin, &cagr), 12, "%s", line);
    cr_assert_eq(origin, 2014);
    cr_assert_eq(year, 2015);
    cr_assert_float_eq(actual, 170, 1e-9);
    cr_assert_float_eq(last, 150, 1e-9);
    cr_assert_float_eq(lin, 158, 1e-3);
    cr_assert_float_eq(cagr, 166.338, 1e-3);
    cr_assert(p10 < fc && fc < p90);
    cr_assert_eq(inside, actual >= p10 && actual <= p90);
}

Test(calibrate, bad_requests_are_refused_clearly)
{
    const char *scen = th_write("s4.yaml", SIMPLE);
    const char *hist = th_write("h4.csv", "year,ehcps\n2022,100\n2023,110\n");
    cr_assert_eq(sh("%s calibrate %s --history %s -o /nonexistent/x --no-charts", getenv("HNB_BIN"), scen, hist), 2,
                 "%s", out);
    cr_assert(strstr(out, "h4.csv:1:1:") && strstr(out, "at least 3 consecutive years"), "%s", out);
    cr_assert_eq(sh("%s calibrate %s --history %s --fit cessation.rate", getenv("HNB_BIN"), scen, hist), 2, "%s", out);
    cr_assert(strstr(out, "--fit is gone") != NULL, "%s", out);
    cr_assert_eq(sh("%s backtest %s --history %s --origins 2023", getenv("HNB_BIN"), scen, hist), 2, "%s", out);
    cr_assert(strstr(out, "needs at least 3 years") != NULL, "%s", out);
    const char *top = th_write("s5.yaml", "hnb: 1\nname: t\nstart_year: 2024\nyears: 2\nfunding: {grant: 1m}\n");
    hist = th_write("h5.csv", "year,ehcps\n2021,100\n2022,110\n2023,120\n");
    cr_assert_eq(sh("%s calibrate %s --history %s --no-charts", getenv("HNB_BIN"), top, hist), 2, "%s", out);
    cr_assert(strstr(out, "bottom-up") != NULL, "%s", out);
}

/* A stock falling faster than plans end: SIMPLE's plans end at 3% a year
 * (none reaches 26 within a year), so with no new plans at all the stock
 * keeps 97% of itself. A history falling exactly 10% a year (1000, 900,
 * 810, 729, 656.1: a straight line in logs, which the trend follows with
 * slope log 0.9) asks for 90%: fewer than no new plans, which no count can
 * give. The error is placed at the origin's row (2023, line 6) and says
 * what to check. Falling 2% a year, the count is positive (the stock keeps
 * 97% and the trend wants 98%) and the calibration runs. */
Test(calibrate, a_trend_falling_faster_than_plans_end_is_refused_clearly)
{
    const char *scen = th_write("s-fall.yaml", SIMPLE);
    const char *hist = th_write("h-fall.csv", "year,ehcps\n2019,1000\n2020,900\n2021,810\n2022,729\n2023,656.1\n");
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s.cal --no-charts", getenv("HNB_BIN"), scen, hist, hist), 2,
                 "%s", out);
    cr_assert(strstr(out, "h-fall.csv:6:1: the EHCP trend up to 2023 falls faster than plans end") != NULL, "%s",
              out);
    cr_assert(strstr(out, "2021: 810, 2022: 729, 2023: 656") != NULL, "%s", out);
    cr_assert(strstr(out, "no number of new plans carries it") != NULL, "%s", out);
    hist = th_write("h-fall2.csv", "year,ehcps\n2019,1000\n2020,980\n2021,960.4\n2022,941.192\n2023,922.36816\n");
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s.cal -q --no-charts", getenv("HNB_BIN"), scen, hist, hist), 0,
                 "%s", out);
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

/* A history by primary need (SPEC section 10): the stock of the history
 * above, split 50/50 between needs a and b until 2022 and 30/70 in 2023
 * (the origin); new plans 50/50, then 40/60 in 2023. Calibration fits the
 * total as before (the rows by need add up to it), and takes the origin's
 * need shares: population.need_mix {a: 0.3, b: 0.7} and new_plans.need_mix
 * {a: 0.4, b: 0.6}. */
Test(calibrate, a_history_by_need_sets_the_need_mixes)
{
    double stock[12];
    history("h-total.csv", stock);
    char text[8192];
    size_t w = (size_t)snprintf(text, sizeof text, "year,need,ehcps,new_plans\n");
    for (int t = 0; t < 12; t++) {
        double sa = t < 11 ? 0.5 : 0.3, na = t < 11 ? 0.5 : 0.4;
        double nw = t ? stock[t] - 0.9 * stock[t - 1] : 0;
        for (int k = 0; k < 2; k++) {
            double s = k ? 1 - sa : sa, n = k ? 1 - na : na;
            if (t) w += (size_t)snprintf(text + w, sizeof text - w, "%d,%s,%.9f,%.9f\n", 2012 + t, k ? "b" : "a", stock[t] * s, nw * n);
            else w += (size_t)snprintf(text + w, sizeof text - w, "%d,%s,%.9f,\n", 2012 + t, k ? "b" : "a", stock[t] * s);
        }
    }
    const char *hist = th_write("h-need.csv", text);
    const char *scen = th_write("s-need.yaml",
                                "hnb: 2\nname: simple\nstart_year: 2024\nyears: 5\nfunding: {grant: 0}\n"
                                "needs: [{id: a}, {id: b}]\n"
                                "settings: [{id: all, cost: 10000}]\n"
                                "population: {total: 2000, mix: {all: 1}, age_profile: {\"5-15\": 1}, need_mix: {a: 0.5, b: 0.5}}\n"
                                "new_plans: {count: 300, growth: 0%, age_profile: {\"5-6\": 1}, mix: {all: 1}, need_mix: {a: 0.5, b: 0.5}}\n"
                                "cessation: {rate: 3%}\n");
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s -q --no-charts", getenv("HNB_BIN"), scen, hist, dir), 0, "%s", out);
    cr_assert_float_eq(cal_value(dir, "cessation.rate"), 0.10, 1e-6, "the total is fitted as before");
    snprintf(path, sizeof path, "%s/calibrated.yaml", dir);
    hnb_err err;
    hnb_model *m;
    cr_assert_eq(hnb_model_load(path, NULL, 0, &m, &err), 0, "%s", err.msg);
    cr_assert(m->pop_need && !m->pop_need_each);
    double pa = m->params[m->pop_need[0].p[0]].central, pb = m->params[m->pop_need[0].p[1]].central;
    cr_assert_float_eq(pa, 0.3, 1e-9, "%g", pa);
    cr_assert_float_eq(pb, 0.7, 1e-9, "%g", pb);
    cr_assert_float_eq(m->params[m->np_need.p[0]].central, 0.4, 1e-9);
    cr_assert_float_eq(m->params[m->np_need.p[1]].central, 0.6, 1e-9);
    hnb_model_free(m);
    /* a need the scenario does not list is refused at its row */
    const char *bad = th_write("h-bad.csv", "year,need,ehcps\n2022,a,100\n2022,c,100\n2023,a,110\n2023,c,120\n2021,a,90\n2021,c,95\n");
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s -q --no-charts", getenv("HNB_BIN"), scen, bad, dir), 2, "%s", out);
    cr_assert(strstr(out, "h-bad.csv:5:1: need: 'c' is not one of the scenario's needs"), "%s", out);
    /* a scenario without needs cannot take them */
    const char *plain = th_write("s-plain.yaml", SIMPLE);
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s -q --no-charts", getenv("HNB_BIN"), plain, hist, dir), 2, "%s", out);
    cr_assert(strstr(out, "has no `needs`"), "%s", out);
}

/* A scenario whose new plans come from a pipeline (SPEC section 11), and a
 * history with requests: the requests are their own trend's (fitted here
 * independently, 2013-2023, one year on), the issue rate is what carries
 * the stock trend on them, and the calibrated scenario, run as written,
 * follows the stock trend as a scenario without a pipeline does. */
Test(calibrate, a_pipeline_with_requests_observed)
{
    double stock[12];
    history("h-p.csv", stock);
    char text[4096];
    size_t w = (size_t)snprintf(text, sizeof text, "year,ehcps,new_plans,requests\n");
    double req[11];
    for (int t = 0; t < 12; t++) {
        if (!t) {
            w += (size_t)snprintf(text + w, sizeof text - w, "2012,%.6f,,\n", stock[0]);
            continue;
        }
        double nw = stock[t] - 0.9 * stock[t - 1];
        req[t - 1] = nw / 0.5 * (1 + 0.02 * ((t * 5) % 3 - 1)); /* half become plans, give or take */
        w += (size_t)snprintf(text + w, sizeof text - w, "%d,%.6f,%.6f,%.6f\n", 2012 + t, stock[t], nw, req[t - 1]);
    }
    const char *hist = th_write("h-pipe.csv", text);
    const char *scen = th_write("s-pipe.yaml",
                                "hnb: 2\nname: pipe\nstart_year: 2024\nyears: 5\nfunding: {grant: 0}\n"
                                "settings: [{id: all, cost: 10000}]\n"
                                "population: {total: 2000, mix: {all: 1}, age_profile: {\"5-15\": 1}}\n"
                                "new_plans: {age_profile: {\"5-6\": 1}, mix: {all: 1}}\n"
                                "pipeline: {requests: {count: 500}, assess_rate: 80%, issue_rate: 70%}\n"
                                "cessation: {rate: 3%}\n");
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s.cal", hist);
    cr_assert_eq(sh("%s calibrate %s --history %s -o %s -q --no-charts", getenv("HNB_BIN"), scen, hist, dir), 0, "%s", out);
    hnb_trend rt;
    cr_assert_eq(hnb_trend_fit(req, 11, HNB_TREND_Q, &rt), 0);
    double want = exp(hnb_trend_mean(&rt, 1));
    cr_assert_float_eq(cal_value(dir, "pipeline.requests.count"), want, 1e-6 * want);
    double issue = cal_value(dir, "pipeline.issue_rate");
    cr_assert(issue > 0.5 && issue < 0.75, "about half of requests become plans, 80%% assessed: %g", issue);
    cr_assert_eq(sh("%s run %s/calibrated.yaml --draws 0 -o %s/run -q --no-charts", getenv("HNB_BIN"), dir, dir), 0, "%s", out);
    hnb_trend t;
    cr_assert_eq(hnb_trend_fit(stock, 12, HNB_TREND_Q, &t), 0);
    snprintf(path, sizeof path, "%s/run/projection.csv", dir);
    for (int k = 0; k < 5; k++)
        cr_assert_float_eq(csv_value(path, 2024 + k, NULL, 2), exp(hnb_trend_mean(&t, 1 + k)),
                           1e-6 * exp(hnb_trend_mean(&t, 1 + k)), "year %d", 2024 + k);
}
