/* test_mc.c - Monte Carlo (SPEC section 6): statistical tests that can fail,
 * with tolerances worked out from the number of draws. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hnb/mc.h"
#include "hnb/sample.h"

/* A one-year top-down scenario whose cumulative deficit in year 0 is its
 * opening deficit: the deficit's percentiles are the input's quantiles. */
#define ONE_YEAR "hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 0}\n"

static hnb_mc *run_mc(hnb_model *m, long draws, hnb_method method, int threads)
{
    hnb_mc_opts o = {draws, 12345, method, threads, 0, 0, 0};
    hnb_mc *mc;
    hnb_err err;
    cr_assert_eq(hnb_mc_run(m, &o, &mc, &err), 0, "%s", err.msg);
    return mc;
}

static const double *cum_pct(const hnb_mc *mc, int t)
{
    return hnb_mc_pct(mc, HNB_MC_CUMULATIVE, t);
}

/* Uniform(0, 100m): P_q = 100m * q. The standard error of a sample
 * q-quantile is sqrt(q(1-q)/N) / f with f = 1/100m, so at N = 40,000 and
 * q = 0.5 it is 100m * 0.0025 = £0.25m; we allow 5 standard errors. */
Test(mc, uniform_percentiles_match_the_closed_form)
{
    hnb_err err;
    hnb_model *m = th_load(ONE_YEAR "opening_deficit: {dist: uniform, min: 0, max: 100m}\n", &err);
    cr_assert_not_null(m, "%s", err.msg);
    long n = 40000;
    hnb_mc *mc = run_mc(m, n, HNB_METHOD_RANDOM, 2);
    for (int q = 0; q < HNB_MC_NQ; q++) {
        double p = hnb_mc_quantiles[q], se = 100e6 * sqrt(p * (1 - p) / n);
        cr_assert_float_eq(cum_pct(mc, 0)[q], 100e6 * p, 5 * se, "q=%g", p);
    }
    /* the mean of U(0, 100m) is 50m, sd 28.87m: SE 0.144m */
    cr_assert_float_eq(mc->mean[(size_t)HNB_MC_CUMULATIVE], 50e6, 5 * 28.87e6 / sqrt(n));
    hnb_mc_free(mc);
    hnb_model_free(m);
}

/* Triangular(0, 20m, 100m): F(c) = 0.2; below the mode F^-1(q) =
 * sqrt(q * 100m * 20m), above it 100m - sqrt((1-q) * 100m * 80m). The
 * density at the quantile is f = 2(x - a)/((b-a)(c-a)) below the mode,
 * 2(b - x)/((b-a)(b-c)) above: SE = sqrt(q(1-q)/N) / f; 5 SE allowed. */
Test(mc, triangular_percentiles_match_the_closed_form)
{
    hnb_err err;
    hnb_model *m =
        th_load(ONE_YEAR "opening_deficit: {dist: triangular, min: 0, mode: 20m, max: 100m}\n", &err);
    cr_assert_not_null(m, "%s", err.msg);
    long n = 40000;
    hnb_mc *mc = run_mc(m, n, HNB_METHOD_RANDOM, 1);
    const double a = 0, c = 20e6, b = 100e6;
    for (int q = 0; q < HNB_MC_NQ; q++) {
        double p = hnb_mc_quantiles[q];
        double x = p < 0.2 ? a + sqrt(p * (b - a) * (c - a)) : b - sqrt((1 - p) * (b - a) * (b - c));
        double f = x < c ? 2 * (x - a) / ((b - a) * (c - a)) : 2 * (b - x) / ((b - a) * (b - c));
        double se = sqrt(p * (1 - p) / n) / f;
        cr_assert_float_eq(cum_pct(mc, 0)[q], x, 5 * se, "q=%g: %g vs %g", p, cum_pct(mc, 0)[q], x);
    }
    hnb_mc_free(mc);
    hnb_model_free(m);
}

/* A truncated normal never leaves [min, max], even far in its tails. */
Test(mc, truncated_normals_stay_inside_their_bounds)
{
    hnb_err err;
    hnb_model *m = th_load(ONE_YEAR "opening_deficit: {dist: normal, mean: 10m, sd: 5m, min: 9m, max: 30m}\n"
                                    "reserves: {dist: normal, mean: 0, sd: 1m, min: 0}\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_sampler *s;
    cr_assert_eq(hnb_sampler_create(m, HNB_METHOD_RANDOM, 100000, 3, &s, &err), 0);
    hnb_stream *st = hnb_stream_create(s);
    double *p = calloc((size_t)m->nparams, sizeof(double));
    double lo = INFINITY, hi = -INFINITY, lo2 = INFINITY;
    for (long i = 0; i < 100000; i++) {
        hnb_sampler_draw(s, st, i, p, NULL);
        lo = fmin(lo, p[m->opening_deficit]);
        hi = fmax(hi, p[m->opening_deficit]);
        lo2 = fmin(lo2, p[m->reserves]);
    }
    cr_assert(lo >= 9e6 && hi <= 30e6, "%g..%g", lo, hi);
    cr_assert(lo < 9.01e6, "the lower tail is reached: %g", lo); /* F(9m) is 0.42: dense there */
    cr_assert(lo2 >= 0);
    /* the extreme uniforms still map inside */
    for (int k = 0; k < 2; k++) {
        double x0 = hnb_sampler_quantile(s, k, 1e-300), x1 = hnb_sampler_quantile(s, k, 1 - 1e-16);
        cr_assert(x0 >= (k ? 0 : 9e6) && x1 <= (k ? INFINITY : 30e6), "%g %g", x0, x1);
    }
    free(p);
    hnb_stream_free(st);
    hnb_sampler_free(s);
    hnb_model_free(m);
}

/* Drawing HNB_LANES draws at once gives each draw the numbers it gets
 * alone, bit for bit: for every method, with a copula over a direct normal,
 * a lognormal and a truncated normal, the other distributions beside it,
 * full and partial batches, and LHS over 1,000 draws (not a power of two,
 * so that some strata are found by walking on: 1,000 of 1,024). */
Test(mc, draws_in_lanes_are_the_draws_alone)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 1\n"
                           "opening_deficit: {dist: normal, mean: 0, sd: 1m, id: a}\n"
                           "reserves: {dist: lognormal, median: 5m, sigma: 0.3, id: b}\n"
                           "funding:\n"
                           "  grant: 0\n"
                           "  transfers: {2025: {dist: normal, mean: 1m, sd: 1m, min: 0, id: c}}\n"
                           "  other_income:\n"
                           "    - {name: x, base: {dist: pert, min: 0, mode: 1, max: 4}}\n"
                           "    - {name: y, base: {dist: triangular, min: 0, mode: 3, max: 4}}\n"
                           "    - {name: z, base: {dist: bernoulli, p: 0.3}}\n"
                           "    - {name: v, base: {dist: uniform, min: 2, max: 3}}\n"
                           "monte_carlo: {correlations: [{a: a, b: b, rho: 0.6}, {a: b, b: c, rho: -0.4}]}\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    const hnb_method methods[3] = {HNB_METHOD_RANDOM, HNB_METHOD_LHS, HNB_METHOD_SOBOL};
    const long starts[4] = {0, 8, 200, 992}; /* the last batch is 992..999: 8 lanes */
    const int widths[4] = {HNB_LANES, 5, 1, HNB_LANES};
    size_t np = (size_t)m->nparams + 1;
    for (int k = 0; k < 3; k++) {
        hnb_sampler *s;
        cr_assert_eq(hnb_sampler_create(m, methods[k], 1000, 77, &s, &err), 0, "%s", err.msg);
        cr_assert_eq(hnb_sampler_nvars(s), 7);
        hnb_stream *one = hnb_stream_create(s), *many = hnb_stream_create(s);
        double *alone = calloc(np, sizeof(double)), *ua = calloc(8, sizeof(double));
        double *p[HNB_LANES], *u[HNB_LANES];
        for (int l = 0; l < HNB_LANES; l++) {
            p[l] = calloc(np, sizeof(double));
            u[l] = calloc(8, sizeof(double));
        }
        for (int b = 0; b < 4; b++) {
            hnb_sampler_draw_lanes(s, many, starts[b], widths[b], p, u);
            for (int l = 0; l < widths[b]; l++) {
                hnb_sampler_draw(s, one, starts[b] + l, alone, ua);
                cr_assert(!memcmp(alone, p[l], sizeof(double) * np), "method %d, draw %ld", k, starts[b] + l);
                cr_assert(!memcmp(ua, u[l], sizeof(double) * 7), "method %d, draw %ld", k, starts[b] + l);
            }
        }
        for (int l = 0; l < HNB_LANES; l++) {
            free(p[l]);
            free(u[l]);
        }
        free(alone);
        free(ua);
        hnb_stream_free(one);
        hnb_stream_free(many);
        hnb_sampler_free(s);
    }
    hnb_model_free(m);
}

/* The Monte Carlo's series, lane innermost, are bit for bit the results of
 * a batch of the same draws, in a full batch and a partial one (whose spare
 * lanes repeat lane 0), on the real scenario: capacity, transitions and all
 * five kinds of mitigation, with its 18 uncertain values drawn. */
static char *scenario_with(int random);

/* The default scenario, and a v2 one with needs, the regime and the DSG,
 * its grant share drawn (scenario_with, below). */
static void series_match_batch(const char *path);

Test(mc, series_are_the_results_of_the_batch)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/scenarios/leicestershire-2025.yaml", th_root());
    series_match_batch(path);
    series_match_batch(th_write("v2.yaml", scenario_with(33)));
}

static void series_match_batch(const char *path)
{
    hnb_err err;
    hnb_model *m;
    cr_assert_eq(hnb_model_load(path, NULL, 0, &m, &err), 0, "%s", err.msg);
    hnb_sampler *s;
    cr_assert_eq(hnb_sampler_create(m, HNB_METHOD_RANDOM, 1000, 5, &s, &err), 0, "%s", err.msg);
    hnb_stream *st = hnb_stream_create(s);
    const int ys = m->years;
    double *p[HNB_LANES], *x = calloc((size_t)HNB_SERIES_N * ys * HNB_LANES, sizeof(double));
    hnb_result *r[HNB_LANES];
    for (int l = 0; l < HNB_LANES; l++) {
        p[l] = calloc((size_t)m->nparams + 1, sizeof(double));
        hnb_model_central(m, p[l]);
        r[l] = hnb_result_create(m);
    }
    hnb_work *w = hnb_work_create(m), *w2 = hnb_work_create(m);
    const int widths[2] = {HNB_LANES, 3};
    for (int b = 0; b < 2; b++) {
        const int nl = widths[b];
        hnb_sampler_draw_lanes(s, st, 100 + 8 * b, nl, p, NULL);
        hnb_project_batch(m, (const double *const *)p, nl, w, r, 0);
        hnb_project_series(m, (const double *const *)p, nl, w2, x);
        for (int l = 0; l < HNB_LANES; l++) {
            const hnb_result *want = r[l < nl ? l : 0];
            const double *series[HNB_SERIES_N] = {want->ehcps,  want->expenditure, want->mitigations,
                                                  want->income, want->annual_gap,  want->cumulative_deficit,
                                                  want->stability_grant, want->central_funding,
                                                  want->dsg_deficit};
            for (int k = 0; k < HNB_SERIES_N; k++)
                for (int t = 0; t < ys && hnb_series_pos(m, k) >= 0; t++) {
                    double got = x[((size_t)hnb_series_pos(m, k) * ys + t) * HNB_LANES + l];
                    cr_assert(!memcmp(&got, &series[k][t], sizeof got), "batch %d lane %d series %d year %d: %.17g vs %.17g",
                              b, l, k, t, got, series[k][t]);
                }
        }
    }
    /* the draws differ, so the lanes are not all one projection */
    cr_assert_neq(r[0]->cumulative_deficit[ys - 1], r[1]->cumulative_deficit[ys - 1]);
    for (int l = 0; l < HNB_LANES; l++) {
        free(p[l]);
        hnb_result_free(r[l]);
    }
    free(x);
    hnb_work_free(w);
    hnb_work_free(w2);
    hnb_stream_free(st);
    hnb_sampler_free(s);
    hnb_model_free(m);
}

/* A Gaussian copula with rho = 0.6 between two normals gives a sample
 * correlation whose standard error is (1 - rho^2)/sqrt(N) = 0.64/sqrt(50,000)
 * = 0.0029: within 0.015 (5 SE). */
Test(mc, copula_gives_the_asked_correlation)
{
    hnb_err err;
    hnb_model *m = th_load(ONE_YEAR "opening_deficit: {dist: normal, mean: 0, sd: 1m, id: a}\n"
                                    "reserves: {dist: normal, mean: 5m, sd: 1m, id: b}\n"
                                    "monte_carlo: {correlations: [{a: a, b: b, rho: 0.6}]}\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    long n = 50000;
    hnb_sampler *s;
    cr_assert_eq(hnb_sampler_create(m, HNB_METHOD_RANDOM, n, 9, &s, &err), 0);
    hnb_stream *st = hnb_stream_create(s);
    double *p = calloc((size_t)m->nparams, sizeof(double));
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (long i = 0; i < n; i++) {
        hnb_sampler_draw(s, st, i, p, NULL);
        double x = p[m->opening_deficit], y = p[m->reserves];
        sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    double cov = sxy / n - (sx / n) * (sy / n);
    double r = cov / sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
    cr_assert_float_eq(r, 0.6, 0.015, "sample correlation %g", r);
    free(p);
    hnb_stream_free(st);
    hnb_sampler_free(s);
    hnb_model_free(m);
}

Test(mc, a_matrix_that_is_not_positive_definite_is_an_error)
{
    hnb_err err;
    hnb_model *m = th_load(ONE_YEAR "opening_deficit: {dist: normal, mean: 0, sd: 1m, id: a}\n"
                                    "reserves: {dist: normal, mean: 5m, sd: 1m, id: b}\n"
                                    "other_expenditure: [{name: x, base: {dist: normal, mean: 1m, sd: 1m, id: c}}]\n"
                                    "monte_carlo: {correlations: [{a: a, b: b, rho: 0.9}, "
                                    "{a: b, b: c, rho: 0.9}, {a: a, b: c, rho: -0.9}]}\n",
                           &err);
    /* refused when the scenario is loaded, so `hnb check` and runs without
     * draws refuse it too */
    cr_assert_null(m);
    cr_assert(strstr(err.msg, "not positive definite") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "a, b, c") != NULL, "names the ids: %s", err.msg);
    cr_assert_eq(err.line, 9);
}

/* LHS puts exactly one draw in each of the N equal strata of every
 * variable; so does Sobol for N = 2^k (the first 2^k points, shifted). */
static void check_stratified(hnb_method method, long n)
{
    hnb_err err;
    hnb_model *m = th_load(ONE_YEAR "opening_deficit: {dist: uniform, min: 0, max: 1m}\n"
                                    "reserves: {dist: uniform, min: 0, max: 1m}\n"
                                    "other_expenditure: [{name: x, base: {dist: normal, mean: 1m, sd: 1m}}]\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_sampler *s;
    cr_assert_eq(hnb_sampler_create(m, method, n, 77, &s, &err), 0);
    int nv = hnb_sampler_nvars(s);
    cr_assert_eq(nv, 3);
    hnb_stream *st = hnb_stream_create(s);
    char *seen = calloc((size_t)nv * n, 1);
    double u[3];
    for (long i = 0; i < n; i++) {
        hnb_sampler_uniforms(s, st, i, u);
        for (int k = 0; k < nv; k++) {
            long stratum = (long)(u[k] * n);
            cr_assert(stratum >= 0 && stratum < n);
            cr_assert_eq(seen[k * n + stratum], 0, "method %d: variable %d stratum %ld twice",
                         method, k, stratum);
            seen[k * n + stratum] = 1;
        }
    }
    free(seen);
    hnb_stream_free(st);
    hnb_sampler_free(s);
    hnb_model_free(m);
}

Test(mc, lhs_and_sobol_marginals_are_exactly_stratified)
{
    check_stratified(HNB_METHOD_LHS, 1000);
    check_stratified(HNB_METHOD_LHS, 65536);
    check_stratified(HNB_METHOD_SOBOL, 1024);
    check_stratified(HNB_METHOD_SOBOL, 65536);
}

/* When the only uncertainty is linear in the deficit and symmetric, P50 is
 * the deterministic result: other expenditure ~ normal(10m, 1m) for 3 years
 * adds 3 x (X - 10m) to the horizon deficit, so P50 = central +- a few SE
 * (SE of the median of N(0, 3m) at N = 20,000 is 3m * 1.2533 / sqrt(N) =
 * £0.027m). */
Test(mc, linear_symmetric_uncertainty_keeps_p50_at_the_central_value)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\nfunding: {grant: 25m}\n"
                           "opening_deficit: 5m\n"
                           "other_expenditure: [{name: x, base: {dist: normal, mean: 30m, sd: 1m}}]\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_mc *mc = run_mc(m, 20000, HNB_METHOD_LHS, 2);
    /* central: 5m + 3 x (30m - 25m) = 20m */
    cr_assert_float_eq(cum_pct(mc, 2)[3], 20e6, 5 * 0.027e6);
    cr_assert(mc->se_p50[2] > 0 && mc->se_p50[2] < 0.1e6, "SE %g", mc->se_p50[2]);
    hnb_mc_free(mc);
    hnb_model_free(m);
}

/* The tornado: with X ~ uniform(20m, 40m) as the only driver of a 2-year
 * deficit (2 x X), P10 = 22m and P90 = 38m give deficits 44m and 76m:
 * swing 32m; rank correlation with the deficit 1. */
Test(mc, tornado_swing_and_rank_correlation)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 2\nfunding: {grant: 0}\n"
                           "other_expenditure: [{name: x, base: {dist: uniform, min: 20m, max: 40m, id: spend}}]\n"
                           "reserves: {dist: uniform, min: 1m, max: 2m, id: noise}\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_mc *mc = run_mc(m, 5000, HNB_METHOD_RANDOM, 2);
    cr_assert_eq(mc->ndrivers, 2);
    cr_assert_str_eq(mc->drivers[0].name, "spend");
    cr_assert_float_eq(mc->drivers[0].low, 22e6, 1e-3);
    cr_assert_float_eq(mc->drivers[0].high, 38e6, 1e-3);
    cr_assert_float_eq(mc->drivers[0].at_low, 44e6, 1e-3);
    cr_assert_float_eq(mc->drivers[0].at_high, 76e6, 1e-3);
    cr_assert_float_eq(mc->drivers[0].swing, 32e6, 1e-3);
    cr_assert_float_eq(mc->drivers[0].rank_correlation, 1, 1e-12);
    /* reserves do not enter the deficit: no swing, rank correlation near 0 (SE 1/sqrt(5000)) */
    cr_assert_float_eq(mc->drivers[1].swing, 0, 0);
    cr_assert_float_eq(mc->drivers[1].rank_correlation, 0, 5 / sqrt(5000.0));
    hnb_mc_free(mc);
    hnb_model_free(m);
}

/* Exceedance: X ~ uniform(0, 100m) opening, no flows: P(deficit > 30m) =
 * 0.7 at the end of every year; SE sqrt(.21/N) = 0.0032 at N = 20,000. */
Test(mc, exceedance_probabilities)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 4\nfunding: {grant: 0}\n"
                           "override_end: 2027\n"
                           "opening_deficit: {dist: uniform, min: 0, max: 100m}\n"
                           "monte_carlo: {thresholds: [30m, 90m]}\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_mc *mc = run_mc(m, 20000, HNB_METHOD_RANDOM, 2);
    cr_assert_eq(mc->nexceed, 4); /* two thresholds, at the end of 2026 and of 2028 */
    cr_assert_eq(mc->exceed[0].year, 2026);
    cr_assert_eq(mc->exceed[1].year, 2028);
    cr_assert_float_eq(mc->exceed[0].probability, 0.7, 5 * 0.0032);
    cr_assert_float_eq(mc->exceed[2].probability, 0.1, 5 * 0.0021);
    hnb_mc_free(mc);
    hnb_model_free(m);
}

/* Draw i never depends on the thread that made it: 1, 2 and 8 threads give
 * the same numbers, for every method. */
Test(mc, thread_counts_give_identical_results)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/leicestershire-2025.yaml", th_root());
    hnb_err err;
    hnb_model *m = NULL;
    cr_assert_eq(hnb_model_load(path, NULL, 0, &m, &err), 0, "%s", err.msg);
    for (int method = 0; method < 3; method++) {
        hnb_mc *a = run_mc(m, 3001, (hnb_method)method, 1);
        hnb_mc *b = run_mc(m, 3001, (hnb_method)method, 2);
        hnb_mc *c = run_mc(m, 3001, (hnb_method)method, 8);
        size_t cells = (size_t)a->nmetrics * a->years * HNB_MC_NQ;
        cr_assert(memcmp(a->pct, b->pct, cells * sizeof(double)) == 0, "method %d", method);
        cr_assert(memcmp(a->pct, c->pct, cells * sizeof(double)) == 0, "method %d", method);
        cr_assert(memcmp(a->mean, c->mean, (size_t)a->nmetrics * a->years * sizeof(double)) == 0);
        for (int k = 0; k < a->ndrivers; k++)
            cr_assert_eq(a->drivers[k].rank_correlation, c->drivers[k].rank_correlation);
        hnb_mc_free(a);
        hnb_mc_free(b);
        hnb_mc_free(c);
    }
    hnb_model_free(m);
}

/* Beyond the pilot (65,536 draws) only windows around the wanted order
 * statistics are kept (qstream.h). Percentiles, standard errors, means,
 * exceedances and rank correlations must be the very numbers that keeping
 * every draw gives, for any number of threads. The scenario has a lumpy
 * value (a Bernoulli saving: ties inside windows) and series with no
 * uncertainty at all (year 0 ehcps and income: all ties). */
Test(mc, windows_beyond_the_pilot_give_what_keeping_every_draw_gives)
{
    hnb_err err;
    hnb_model *m = th_load(
        "hnb: 1\nname: t\nstart_year: 2025\nyears: 4\n"
        "opening_deficit: {dist: normal, mean: 10m, sd: 2m}\noverride_end: 2027\n"
        "funding: {grant: {by_year: {2025: 22m}, growth: {dist: uniform, min: 0, max: 4%}}}\n"
        "settings:\n"
        "  - {id: ms, cost: {dist: triangular, min: 6000, mode: 7000, max: 9000}}\n"
        "  - {id: sp, cost: 40000, capacity: 330, overflow: ind}\n"
        "  - {id: ind, cost: 60000}\n"
        "population: {total: 1000, mix: {ms: 0.6, sp: 0.3, ind: 0.1}, age_profile: {\"5-15\": 1}}\n"
        "new_plans: {count: {dist: normal, mean: 200, sd: 20}, mix: {ms: 0.5, sp: 0.4, ind: 0.1},"
        " age_profile: {\"5-10\": 1}}\n"
        "cessation: {rate: 5%}\n"
        "mitigations: [{name: lumpy, type: saving, amount: 2m, delivery: {dist: bernoulli, p: 0.3}}]\n"
        "monte_carlo: {thresholds: [20m, 40m]}\n",
        &err);
    cr_assert_not_null(m, "%s", err.msg);
    const long n = 150000;
    for (int method = 0; method < 3; method++) {
        hnb_mc *run[4];
        /* the fourth keeps 4,096 draws whole, so that its windows narrow
         * (mc.c, narrow_at) at 16,384 and at 65,536 draws (each four times
         * the draws that placed them, with at least as many to come; not
         * at 262,144, beyond 150,000) */
        const int threads[4] = {2, 1, 3, 2}, keep_all[4] = {1, 0, 0, 0};
        const long pilot[4] = {0, 0, 0, 4096};
        for (int k = 0; k < 4; k++) {
            hnb_mc_opts o = {n, 99, (hnb_method)method, threads[k], 0, keep_all[k], pilot[k]};
            cr_assert_eq(hnb_mc_run(m, &o, &run[k], &err), 0, "%s", err.msg);
        }
        const hnb_mc *a = run[0];
        /* the first kept every draw; the others used the windows, with no miss */
        cr_assert(run[0]->kept_all && !run[1]->kept_all && !run[2]->kept_all && !run[3]->kept_all,
                  "method %d", method);
        cr_assert_eq(run[1]->narrowings, 0, "65,536 of 150,000 draws: no narrowing");
        cr_assert_eq(run[3]->narrowings, 2);
        size_t rows = (size_t)a->nmetrics * a->years;
        for (int k = 1; k < 4; k++) {
            const hnb_mc *b = run[k];
            cr_assert(memcmp(a->pct, b->pct, rows * HNB_MC_NQ * sizeof(double)) == 0, "method %d run %d", method, k);
            cr_assert(memcmp(a->mean, b->mean, rows * sizeof(double)) == 0);
            cr_assert(memcmp(a->se_p50, b->se_p50, a->years * sizeof(double)) == 0);
            cr_assert(memcmp(a->se_p90, b->se_p90, a->years * sizeof(double)) == 0);
            cr_assert_eq(a->nexceed, 4);
            cr_assert_eq(b->nexceed, 4);
            for (int e = 0; e < 4; e++) cr_assert_eq(a->exceed[e].probability, b->exceed[e].probability);
            for (int d = 0; d < a->ndrivers; d++)
                cr_assert_eq(a->drivers[d].rank_correlation, b->drivers[d].rank_correlation);
        }
        /* and they are percentiles: year 0 income is 22m in every draw; the
         * saving is 0 or 2m, 2m in 30% of draws, so P50 of year-0
         * mitigations is 0 and P75 and P95 are 2m */
        const double *inc = hnb_mc_pct(a, HNB_MC_INCOME, 0);
        const double *mit = hnb_mc_pct(a, HNB_MC_MITIGATIONS, 0);
        for (int q = 0; q < HNB_MC_NQ; q++) cr_assert_eq(inc[q], 22e6);
        cr_assert_eq(mit[3], 0);
        cr_assert_eq(mit[4], 2e6);
        cr_assert_eq(mit[6], 2e6);
        for (int k = 0; k < 4; k++) hnb_mc_free(run[k]);
    }
    hnb_model_free(m);
}

/* A lognormal with sigma 300 draws infinities (exp overflows): beyond the
 * pilot, through the windows and the percentiles' histogram, the run must
 * end in a clear error, not a crash or a number that is not one. */
Test(mc, infinite_draws_beyond_the_pilot_are_refused)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\nfunding: {grant: 0}\n"
                           "opening_deficit: {dist: lognormal, median: 10m, sigma: 300}\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_mc_opts o = {70000, 5, HNB_METHOD_RANDOM, 2, 0, 0, 0};
    hnb_mc *mc = NULL;
    cr_assert_eq(hnb_mc_run(m, &o, &mc, &err), HNB_EINPUT);
    cr_assert_null(mc);
    cr_assert(strstr(err.msg, "beyond") != NULL, "%s", err.msg);
    hnb_model_free(m);
}

/* The Monte Carlo worker prepares the parts of the projection that depend
 * on no random value once (hnb_work_vary). Each case below makes exactly
 * one value of one part of a scenario random (a triangular with its mode at
 * its minimum, so that its mean is not its central value), the others
 * fixed; a part whose dependence on that value were missed would keep the
 * central value in every draw. For each case the mean of every budget line
 * over the draws must equal the mean of plain projections of the same
 * draws, and the value must move the deficit (else the case tests nothing). */
#define TRI(lo, hi) "{dist: triangular, min: " lo ", mode: " lo ", max: " hi "}"
static const char *const cases[][2] = {
    {"1m", TRI("0", "2m")},                     /* 0 transfers */
    {"7000", TRI("6000", "9000")},              /* 1 cost */
    {"200", TRI("0", "600")},                   /* 2 place funding */
    {"0.5", TRI("0.5", "0.7")},                 /* 3 band share (sums to 1 at its mode) */
    {"20000", TRI("15000", "25000")},           /* 4 tariff */
    {"280", TRI("250", "350")},                 /* 5 capacity */
    {"3%", TRI("0", "6%")},                     /* 6 setting inflation */
    {"1000", TRI("900", "1100")},               /* 7 population total */
    {"0.6", TRI("0.6", "0.8")},                 /* 8 population mix */
    {"0.5", TRI("0.5", "0.7")},                 /* 9 population ages */
    {"200", TRI("150", "250")},                 /* 10 new plans */
    {"10%", TRI("0", "20%")},                   /* 11 growth */
    {"0.5", TRI("0.5", "0.7")},                 /* 12 new-plan ages */
    {"0.3", TRI("0.3", "0.5")},                 /* 13 new-plan mix */
    {"4%", TRI("2%", "6%")},                    /* 14 cessation */
    {"3%", TRI("1%", "5%")},                    /* 15 transition */
    {"2%", TRI("0", "5%")},                     /* 16 other expenditure growth */
    {"5%", TRI("0", "10%")},                    /* 17 mix mitigation share */
    {"0.8", TRI("0.5", "1")},                   /* 18 ramp */
    {"0.8", TRI("0.2", "1")},                   /* 19 delivery */
    {"5%", TRI("0", "10%")},                    /* 20 unit-cost reduction */
    {"25", TRI("0", "50")},                     /* 21 places */
    {"1m", TRI("0.5m", "1.5m")},                /* 22 saving */
    {"40m", TRI("35m", "45m")},                 /* 23 grant */
    {"1m", TRI("0", "2m")},                     /* 24 other income */
    {"5m", TRI("0", "10m")},                    /* 25 opening deficit */
    /* v2 (scenario_template2): need (section 10), regime and dsg (13) */
    {"0.5", TRI("0.5", "0.7")},                 /* 26 a setting's population need mix */
    {"0.5", TRI("0.5", "0.7")},                 /* 27 new plans' need mix */
    {"0.5", TRI("0.5", "0.7")},                 /* 28 a need's own setting mix */
    {"5%", TRI("0", "10%")},                    /* 29 a need-filtered transition */
    {"9000", TRI("8000", "12000")},             /* 30 a need cost */
    {"10%", TRI("0", "20%")},                   /* 31 a need's demand mitigation */
    {"10%", TRI("0", "20%")},                   /* 32 a need's unit-cost mitigation */
    {"0.9", TRI("0.5", "0.9")},                 /* 33 stability grant share */
    {"1", TRI("0.5", "1")},                     /* 34 received */
    {"0.5", TRI("0", "1")},                     /* 35 central share */
    {"-1m", TRI("-3m", "1m")},                  /* 36 other blocks' opening balance */
    {"-0.5m", TRI("-1m", "0")},                 /* 37 other blocks' annual gap */
};
#define NCASES ((int)(sizeof cases / sizeof *cases))
static const char *const scenario_template =
    "hnb: 1\nname: t\nstart_year: 2025\nyears: 6\nopening_deficit: @25@\n"
    "funding: {grant: @23@, transfers: {2026: @0@}, other_income: [{name: health, base: @24@}]}\n"
    "settings:\n"
    "  - {id: ms, cost: @1@, place_funding: @2@}\n"
    "  - id: sp\n    bands: [{band: A, share: @3@, tariff: 10000}, {band: B, share: 0.5, tariff: @4@}]\n"
    "    capacity: {2025: 250, 2027: @5@}\n    overflow: ind\n    inflation: {2026: @6@}\n"
    "  - {id: ind, cost: 50000}\n"
    "population: {total: @7@, mix: {ms: @8@, sp: 0.3, ind: 0.1}, age_profile: {\"5-10\": @9@, \"11-15\": 0.5}}\n"
    "new_plans: {count: @10@, growth: {2026: @11@}, age_profile: {5: @12@, 22: 0.5},"
    " mix: {ms: 0.6, sp: @13@, ind: 0.1}}\n"
    "cessation: {rate: @14@}\n"
    "transitions: [{ages: [11], from: ms, to: sp, rate: @15@}]\n"
    "other_expenditure: [{name: central, base: 2m, growth: @16@}]\n"
    "mitigations:\n"
    "  - {name: mix, type: mix, from: sp, to: ms, share: @17@, ramp: [0.5, @18@]}\n"
    "  - {name: demand, type: demand, reduction: 5%, start: 2026, delivery: @19@}\n"
    "  - {name: unit, type: unit_cost, setting: ms, reduction: @20@}\n"
    "  - {name: places, type: capacity, setting: sp, places: @21@, start: 2027}\n"
    "  - {name: fixed, type: saving, amount: 1m}\n"
    "  - {name: saving, type: saving, amount: {base: @22@}}\n";

static const char *const scenario_template2 =
    "hnb: 2\nname: t\nstart_year: 2025\nyears: 6\nopening_deficit: 5m\noverride_end: 2028\n"
    "funding: {grant: 5m}\n"
    "needs: [{id: a}, {id: b}]\n"
    "settings:\n"
    "  - {id: ms, cost: 7000, need_cost: {b: @30@}}\n"
    "  - {id: sp, cost: 20000}\n"
    "population: {total: 1000, mix: {ms: 0.6, sp: 0.4}, age_profile: {\"5-10\": 0.5, \"11-15\": 0.5},"
    " need_mix: {ms: {a: @26@, b: 0.5}, sp: {a: 0.5, b: 0.5}}}\n"
    "new_plans: {count: 200, growth: 5%, age_profile: {5: 1}, mix: {ms: 0.7, sp: 0.3},"
    " need_mix: {a: @27@, b: 0.5}, mix_by_need: {b: {ms: @28@, sp: 0.5}}}\n"
    "cessation: {rate: 4%}\n"
    "transitions: [{ages: [11], from: ms, to: sp, rate: @29@, needs: [b]}]\n"
    "mitigations:\n"
    "  - {name: d, type: demand, need: a, reduction: @31@}\n"
    "  - {name: u, type: unit_cost, setting: sp, need: b, reduction: @32@}\n"
    "regime:\n"
    "  stability_grant: {cutoff: 2025, share: @33@, paid: 2026, received: @34@}\n"
    "  after_override: {central_share: @35@}\n"
    "dsg: {opening: @36@, in_year: {base: @37@}}\n";

static char *scenario_with(int random)
{
    static char text[8192];
    size_t w = 0;
    for (const char *q = random >= 26 ? scenario_template2 : scenario_template; *q && w < sizeof text - 128;) {
        int k;
        if (*q == '@' && sscanf(q, "@%d@", &k) == 1) {
            w += (size_t)snprintf(text + w, sizeof text - w, "%s", cases[k][k == random]);
            q = strchr(q + 1, '@') + 1;
        } else {
            text[w++] = *q++;
        }
    }
    text[w] = 0;
    return text;
}

Test(mc, prepared_once_parts_match_a_plain_projection)
{
    for (int c = 0; c < NCASES; c++) {
        hnb_err err;
        hnb_model *m = th_load(scenario_with(c), &err);
        cr_assert_not_null(m, "case %d: %d:%d: %s", c, err.line, err.col, err.msg);
        long n = 67; /* not a multiple of the lane count */
        hnb_mc *mc = run_mc(m, n, HNB_METHOD_LHS, 2);
        hnb_sampler *s;
        cr_assert_eq(hnb_sampler_create(m, HNB_METHOD_LHS, n, 12345, &s, &err), 0, "%s", err.msg);
        cr_assert_eq(hnb_sampler_nvars(s), 1, "case %d", c);
        hnb_stream *st = hnb_stream_create(s);
        double *p = malloc(sizeof(double) * (size_t)m->nparams);
        hnb_work *w = hnb_work_create(m);
        hnb_result *r = hnb_result_create(m);
        int ys = m->years;
        double *sum = calloc((size_t)HNB_MC_METRICS * ys, sizeof(double));
        for (long i = 0; i < n; i++) {
            hnb_model_central(m, p);
            hnb_sampler_draw(s, st, i, p, NULL);
            hnb_project(m, p, w, r, 0);
            const double *series[HNB_MC_METRICS] = {r->ehcps,           r->expenditure,     r->mitigations,
                                                    r->income,          r->annual_gap,      r->cumulative_deficit,
                                                    r->stability_grant, r->central_funding, r->dsg_deficit};
            for (int k = 0; k < HNB_MC_METRICS; k++)
                for (int t = 0; t < ys; t++) sum[k * ys + t] += series[k][t];
        }
        for (int k = 0; k < HNB_MC_METRICS; k++)
            for (int t = 0; t < ys && mc->pos[k] >= 0; t++) {
                double want = sum[k * ys + t] / (double)n, got = hnb_mc_mean(mc, k, t);
                cr_assert(fabs(got - want) <= 1e-9 * (fabs(want) + 1),
                          "case %d, %s year %d: %.6f vs %.6f", c, hnb_mc_metric_names[k], t, got,
                          want);
            }
        /* the value moves the deficit at the horizon */
        hnb_model_central(m, p);
        hnb_project(m, p, w, r, 0);
        double central = r->cumulative_deficit[ys - 1];
        double mean = mc->mean[(size_t)HNB_MC_CUMULATIVE * ys + ys - 1];
        cr_assert(fabs(mean - central) > 1, "case %d: the value does not matter (%.2f)", c, mean);
        free(sum);
        free(p);
        hnb_result_free(r);
        hnb_work_free(w);
        hnb_stream_free(st);
        hnb_sampler_free(s);
        hnb_mc_free(mc);
        hnb_model_free(m);
    }
}
