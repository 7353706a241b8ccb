/* test_stats.c - exact percentiles and ranks (stats.c) against GSL's own
 * sorted-data quantiles, and the tabulated Beta-PERT inverse against
 * gsl_cdf_beta_Pinv. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hnb/sample.h"
#include "hnb/stats.h"

static const double qs[7] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};

/* Compare hnb_stats_quantiles with gsl_stats_quantile_from_sorted_data on
 * a copy sorted by GSL: they must agree exactly (same formula, same order
 * statistics). */
static void check_against_gsl(double *x, size_t n)
{
    double *sorted = malloc(sizeof(double) * n), out[7];
    memcpy(sorted, x, sizeof(double) * n);
    gsl_sort(sorted, 1, n);
    hnb_stats_quantiles(x, n, qs, 7, out);
    for (int q = 0; q < 7; q++)
        cr_assert_eq(out[q], gsl_stats_quantile_from_sorted_data(sorted, 1, n, qs[q]),
                     "n=%zu q=%g: %.17g vs %.17g", n, qs[q], out[q],
                     gsl_stats_quantile_from_sorted_data(sorted, 1, n, qs[q]));
    free(sorted);
}

Test(stats, quantiles_match_gsl_on_every_shape)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    /* below, at and above each change of method (2,048 and 65,536 values) */
    size_t sizes[] = {1, 2, 3, 7, 100, 1001, 2047, 2048, 5000, 20011, 65535, 65536, 200003};
    for (int k = 0; k < (int)(sizeof sizes / sizeof *sizes); k++) {
        size_t n = sizes[k];
        double *x = malloc(sizeof(double) * n);
        for (size_t i = 0; i < n; i++) x[i] = gsl_rng_uniform(r) * 1e8; /* spread */
        check_against_gsl(x, n);
        for (size_t i = 0; i < n; i++) x[i] = exp(8 * gsl_rng_uniform(r)); /* skewed */
        check_against_gsl(x, n);
        for (size_t i = 0; i < n; i++) x[i] = (double)(gsl_rng_uniform_int(r, 3)); /* ties */
        check_against_gsl(x, n);
        for (size_t i = 0; i < n; i++) x[i] = 42; /* constant */
        check_against_gsl(x, n);
        for (size_t i = 0; i < n; i++) x[i] = i == 0 ? 1e15 : gsl_rng_uniform(r); /* outlier */
        check_against_gsl(x, n);
        free(x);
    }
    gsl_rng_free(r);
}

/* Ranks with ties averaged: 10, 30, 20, 30 -> 1, 3.5, 2, 3.5. */
Test(stats, mid_ranks_and_spearman)
{
    double x[] = {10, 30, 20, 30}, rank[4];
    uint64_t work[16];
    hnb_stats_ranks(x, 4, rank, work);
    cr_assert_float_eq(rank[0], 1, 0);
    cr_assert_float_eq(rank[1], 3.5, 0);
    cr_assert_float_eq(rank[2], 2, 0);
    cr_assert_float_eq(rank[3], 3.5, 0);
    double neg[] = {-1, -3, 0, -2}, r2[4];
    hnb_stats_ranks(neg, 4, r2, work); /* -3 < -2 < -1 < 0 */
    cr_assert(r2[1] == 1 && r2[3] == 2 && r2[0] == 3 && r2[2] == 4);
    /* Pearson of the raw pair: deviations -1.5 -0.5 0.5 1.5 and -27.5
     * -17.5 2.5 42.5, so 115 / sqrt(5 * 2875) = 0.959166; a perfectly
     * monotone pair correlates 1 in ranks */
    double a[] = {1, 2, 3, 4}, b[] = {10, 20, 40, 80};
    cr_assert_float_eq(hnb_stats_correlation(a, b, 4), 0.959166, 1e-6);
    double ra[4], rb[4];
    hnb_stats_ranks(a, 4, ra, work);
    hnb_stats_ranks(b, 4, rb, work);
    cr_assert_float_eq(hnb_stats_correlation(ra, rb, 4), 1, 1e-12);
}

/* Ranks of a large sample with ties, negatives, -0 and +0, a value range
 * spanning every byte of the keys: each rank checked against its
 * definition, 1 + (count below) + (count equal - 1) / 2, counted directly
 * (quadratic, so n is kept to 3,000). */
Test(stats, mid_ranks_of_a_large_sample_by_definition)
{
    enum { N = 3000 };
    static double x[N], rank[N];
    static uint64_t work[4 * N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    for (int i = 0; i < N; i++) {
        double u = gsl_rng_uniform(r);
        x[i] = i % 7 == 0 ? 42 : i % 11 == 0 ? -0.0 : i % 13 == 0 ? 0.0
             : (u - 0.5) * pow(10, (double)(gsl_rng_uniform_int(r, 40)) - 20);
    }
    gsl_rng_free(r);
    hnb_stats_ranks(x, N, rank, work);
    for (int i = 0; i < N; i++) {
        long below = 0, equal = 0;
        for (int j = 0; j < N; j++) {
            below += x[j] < x[i];
            equal += x[j] == x[i];
        }
        cr_assert_eq(rank[i], 1 + (double)below + (double)(equal - 1) / 2, "x[%d] = %g", i, x[i]);
    }
}

/* Samples of 65,536 or more go through a histogram first; one whose range
 * overflows a double (-1e308 to 1e308) or is a few thousand ulps wide
 * (around 1e-300) cannot be binned and must still give exact order
 * statistics (the SANITIZE build checks the casts). Checked against a full
 * sort. */
Test(stats, order_statistics_of_unbinnable_ranges)
{
    enum { N = 70000 };
    static double x[N], sorted[N];
    for (int kind = 0; kind < 2; kind++) {
        for (int i = 0; i < N; i++)
            x[i] = kind == 0 ? (i % 3 == 0 ? -1e308 : i % 3 == 1 ? 1e308 : (double)(i % 1000))
                             : nextafter(1e-300, 1) + (double)((i * 7919) % 1000) * 1e-315;
        memcpy(sorted, x, sizeof x);
        gsl_sort(sorted, 1, N);
        size_t idx[] = {0, 3500, 34999, 35000, 66499, N - 1};
        double out[6];
        hnb_stats_order(x, N, idx, 6, out);
        for (int j = 0; j < 6; j++) cr_assert_eq(out[j], sorted[idx[j]], "kind %d rank %zu", kind, idx[j]);
    }
}

/* The tabulated PERT inverse agrees with GSL's exact inverse everywhere,
 * including near the bounds where the density vanishes. */
Test(stats, pert_table_matches_gsl_beta_inverse)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 0}\n"
                           "opening_deficit: {dist: pert, min: 1m, mode: 2m, max: 7m}\n"
                           "reserves: {dist: pert, min: 0, mode: 10m, max: 10m}\n"
                           "other_expenditure: [{name: x, base: {dist: pert, min: 1m, mode: 1m, max: 3m}}]\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_sampler *s;
    cr_assert_eq(hnb_sampler_create(m, HNB_METHOD_RANDOM, 10, 1, &s, &err), 0);
    cr_assert_eq(hnb_sampler_nvars(s), 3);
    /* opening: alpha = 1 + 4 * 1/6, beta = 1 + 4 * 5/6 (a table); reserves:
     * alpha 5, beta 1 and other: alpha 1, beta 5 (closed forms u^(1/5) and
     * 1 - (1-u)^(1/5)). Variables come in slot order: opening, reserves, other. */
    const double alpha[3] = {1 + 4.0 / 6, 5, 1}, beta[3] = {1 + 20.0 / 6, 1, 5};
    const double lo[3] = {1e6, 0, 1e6}, width[3] = {6e6, 10e6, 2e6};
    for (int k = 0; k < 3; k++)
        for (int i = 1; i < 20000; i++) {
            double u = i / 20000.0 + 1e-7;
            double want = lo[k] + width[k] * gsl_cdf_beta_Pinv(u, alpha[k], beta[k]);
            double got = hnb_sampler_quantile(s, k, u);
            cr_assert(fabs(got - want) <= 1e-9 * width[k], "k=%d u=%g: %.12g vs %.12g", k, u,
                      got, want);
        }
    hnb_sampler_free(s);
    hnb_model_free(m);
}
