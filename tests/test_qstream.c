/* test_qstream.c - exact order statistics from windows (qstream.h), checked
 * against a full sort of the same values. */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/qstream.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Series 0: uniform(0, 1). Series 1: lumpy, 30% exactly 5, 10% exactly 7,
 * the rest normal around 5 (ties inside and at the edges of windows).
 * Series 2: constant 42. Value i of series s is x[s * n + i]. */
static double *make(size_t n, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *x = malloc(sizeof(double) * 3 * n);
    for (size_t i = 0; i < n; i++) {
        double u = gsl_rng_uniform(r), w = gsl_rng_uniform(r);
        x[i] = u;
        x[n + i] = w < 0.3 ? 5 : w < 0.4 ? 7 : 5 + (gsl_rng_uniform(r) - 0.5) * 4;
        x[2 * n + i] = 42;
    }
    gsl_rng_free(r);
    return x;
}

/* The ranks Monte Carlo asks for, for n values: both neighbours of P5 ...
 * P95, and 95% brackets of P50 and P90. */
static int ranks_for(size_t n, size_t *idx)
{
    const double q[] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};
    int k = 0;
    for (int j = 0; j < 7; j++) {
        size_t lhs = (size_t)(q[j] * (double)(n - 1));
        idx[k++] = lhs;
        idx[k++] = lhs + 1;
    }
    idx[k++] = n / 2 - 1000;
    idx[k++] = n / 2 + 1000;
    idx[k++] = n * 9 / 10 - 600;
    idx[k++] = n * 9 / 10 + 600;
    idx[k++] = 0;     /* the extremes, which the windows must reach past */
    idx[k++] = n - 1; /* the pilot's own extremes */
    return k;
}

/* The plan for the three series of X (n values each) from their first N1
 * values, laid out as qstream wants them (kept in *PILOT, to free). */
static hnb_qs_plan *plan_of(const double *x, size_t n, size_t n1, const size_t *idx, int k, double **pilot)
{
    *pilot = malloc(sizeof(double) * 3 * n1);
    for (int s = 0; s < 3; s++) memcpy(*pilot + s * n1, x + s * n, sizeof(double) * n1);
    hnb_qs_plan *p = hnb_qs_plan_create(*pilot, n1, 3, n, idx, k);
    cr_assert_not_null(p);
    return p;
}

/* hnb_qs_order() from the NT tallies T against a full sort of each series. */
static void check_sorted(const hnb_qs_plan *p, hnb_qs_tally *const *t, int nt, const double *x, size_t n,
                         const size_t *idx, int k)
{
    for (int s = 0; s < 3; s++) {
        double *sorted = malloc(sizeof(double) * n), out[32];
        memcpy(sorted, x + s * n, sizeof(double) * n);
        qsort(sorted, n, sizeof(double), cmp);
        cr_assert_eq(hnb_qs_order(p, t, nt, s, idx, k, out), 0, "series %d", s);
        for (int j = 0; j < k; j++)
            cr_assert_eq(out[j], sorted[idx[j]], "series %d rank %zu: %.17g vs %.17g", s, idx[j],
                         out[j], sorted[idx[j]]);
        free(sorted);
    }
}

Test(qstream, windows_give_the_order_statistics_of_a_full_sort)
{
    const size_t n = 200000, n1 = 20000;
    double *x = make(n, 7);
    size_t idx[32];
    int k = ranks_for(n, idx);
    double *pilot;
    hnb_qs_plan *p = plan_of(x, n, n1, idx, k, &pilot);
    /* three tallies of uneven sizes, fed in blocks of up to 100: the first
     * given an array too small for a chunk of 4,096 values (freed, a new one
     * made), the second a large one (150,000 doubles: about twice what the
     * uniform and the lumpy series keep, 0.215 + 0.24 of 148,767 values, in
     * chunks), the third its own */
    hnb_qs_tally *t[3];
    size_t cut[4] = {0, 1234, 150001, n};
    size_t kept = 0;
    double *small = malloc(sizeof(double) * 10), *large = malloc(sizeof(double) * 150000);
    const uintptr_t small_at = (uintptr_t)small, large_at = (uintptr_t)large;
    for (int j = 0; j < 3; j++) {
        t[j] = j == 0 ? hnb_qs_tally_create_in(p, cut[1] - cut[0], small, 10)
             : j == 1 ? hnb_qs_tally_create_in(p, cut[2] - cut[1], large, 150000)
                      : hnb_qs_tally_create(p, cut[j + 1] - cut[j]);
        cr_assert_not_null(t[j]);
        for (size_t i = cut[j]; i < cut[j + 1]; i += 100) {
            int c = cut[j + 1] - i < 100 ? (int)(cut[j + 1] - i) : 100;
            hnb_qs_add(t[j], p, x + i, n, c);
        }
        kept += hnb_qs_kept(t[j]);
    }
    /* (the 80 bytes freed cannot come back as the 13 KB array made instead) */
    cr_assert_neq((uintptr_t)hnb_qs_tally_array(t[0]), small_at, "a too small array is not used");
    cr_assert_eq((uintptr_t)hnb_qs_tally_array(t[1]), large_at, "a large enough array is used");
    check_sorted(p, t, 3, x, n, idx, k);
    /* Memory: each window reaches 6 * sqrt(n1 q(1-q) (1 + n1/n)) + 2 pilot
     * ranks either side of rank q n1 (n1 = 20,000): for the uniform, shares
     * 2 * (6 * sqrt(20000 q(1-q) 1.1) + 2) / 20000 = 0.0196, 0.0269, 0.0387,
     * 0.0447, 0.0387, 0.0269, 0.0196 for P5 ... P95 (the bracket ranks lie
     * inside P50's and P90's windows; ranks 0 and n-1 add 3 / 20000 each):
     * 0.215 of its values. The lumpy series keeps at most that (its ties at
     * 5 and 7 are counted, not kept), the constant one nothing. So at most
     * 0.43 n values of the 3 n, against 3 n kept whole; allow 0.45 n. */
    cr_assert_lt(kept, n * 45 / 100, "kept %zu of %zu", kept, 3 * n);
    cr_assert_gt(kept, n / 10, "kept %zu: the uniform alone must keep about 0.215 n", kept);
    for (int j = 0; j < 3; j++) hnb_qs_tally_free(t[j]);
    hnb_qs_plan_free(p);
    free(pilot);
    free(x);
}

/* A tally told to expect 50 values a series and given 200,000 in blocks of
 * 1,000: its first arena (3 * 4,096 doubles and a little) fills, and its
 * series take chunks from arena after arena (qstream.c, new_chunk()); the
 * order statistics are still those of a full sort. */
Test(qstream, tallies_that_outgrow_their_first_arena)
{
    const size_t n = 200000, n1 = 20000;
    double *x = make(n, 11);
    size_t idx[32];
    int k = ranks_for(n, idx);
    double *pilot;
    hnb_qs_plan *p = plan_of(x, n, n1, idx, k, &pilot);
    hnb_qs_tally *t = hnb_qs_tally_create(p, 50);
    for (size_t i = 0; i < n; i += 1000) cr_assert_eq(hnb_qs_add(t, p, x + i, n, 1000), 0);
    check_sorted(p, &t, 1, x, n, idx, k);
    hnb_qs_tally_free(t);
    hnb_qs_plan_free(p);
    free(pilot);
    free(x);
}

/* One series X[0..n) with the first N1 as pilot, through one tally: the
 * order statistics RANKS[0..k) into OUT, hnb_qs_order()'s answer returned,
 * the number of values kept into *KEPT. */
static int order_one(const double *x, size_t n, size_t n1, const size_t *ranks, int k, double *out,
                     size_t *kept)
{
    hnb_qs_plan *p = hnb_qs_plan_create(x, n1, 1, n, ranks, k);
    cr_assert_not_null(p);
    hnb_qs_tally *t = hnb_qs_tally_create(p, n);
    hnb_qs_add(t, p, x, n, (int)n);
    int rc = hnb_qs_order(p, &t, 1, 0, ranks, k, out);
    *kept = hnb_qs_kept(t);
    hnb_qs_tally_free(t);
    hnb_qs_plan_free(p);
    return rc;
}

Test(qstream, a_constant_series_keeps_nothing)
{
    const size_t n = 5000;
    double *x = malloc(sizeof(double) * n), out[3];
    for (size_t i = 0; i < n; i++) x[i] = -3.5;
    size_t idx[] = {0, 2499, 4999}, kept;
    cr_assert_eq(order_one(x, n, 500, idx, 3, out, &kept), 0);
    for (int j = 0; j < 3; j++) cr_assert_eq(out[j], -3.5);
    cr_assert_eq(kept, 0);
    free(x);
}

/* A pilot unlike the rest of the stream: the pilot is 0 .. 0.999, the later
 * 9,000 values are all 10 or more, so the median (rank 4,999) is one of the
 * later ones, above every window the pilot placed: no exact answer, and
 * hnb_qs_order() must say so rather than guess. */
Test(qstream, a_misleading_pilot_is_reported)
{
    const size_t n = 10000, n1 = 1000;
    double *x = malloc(sizeof(double) * n), out[2];
    for (size_t i = 0; i < n; i++) x[i] = i < n1 ? (double)i / 1000 : 10 + (double)i;
    size_t idx[] = {500, 4999}, kept;
    cr_assert_eq(order_one(x, n, n1, idx, 2, out, &kept), -1);
    free(x);
}

/* Values near the largest double, both signs: v - lo overflows to an
 * infinity. The pilot (the first two values) is one point, -1e308, so the
 * only cut is there; 1e308 lies above it and must be counted there, not
 * (through inf * 0 = NaN) below it. Sorted, the values are -1e308 three
 * times then 1e308: rank 0 is -1e308 and rank 3 is 1e308. (Found by an
 * adversarial review.) */
Test(qstream, values_near_the_largest_double)
{
    double x[4] = {-1e308, -1e308, -1e308, 1e308}, out[2];
    size_t ranks[] = {0, 3}, kept;
    cr_assert_eq(order_one(x, 4, 2, ranks, 2, out, &kept), 0);
    cr_assert_eq(out[0], -1e308);
    cr_assert_eq(out[1], 1e308);
}

/* Narrowing (hnb_qs_plan_narrow, hnb_qs_tally_move): 400,000 values of the
 * three series of make(), windows placed from the first 20,000, narrowed
 * once the first 80,000 are in a tally (as Monte Carlo does at four times
 * the pilot), the rest into that tally and a second one under the narrower
 * windows. The order statistics are still those of a full sort.
 *
 * Memory, for the uniform series: a window reaches
 * 6 * sqrt(m q(1-q) (1 + m/n)) + 2 ranks of m either side of q m. Placed
 * from m = 20,000 (1 + m/n = 1.05), P50's is 2 * (6 * sqrt(20000 * 0.25 *
 * 1.05) + 2) / 20000 = 0.0437 of the values, and the seven windows
 * 0.0191 + 0.0262 + 0.0378 + 0.0437 + 0.0378 + 0.0262 + 0.0191 = 0.210.
 * From m = 80,000 (1.2): q = 0.05: 2 * (6 * sqrt(80000 * 0.0475 * 1.2) + 2)
 * / 80000 = 0.0102; 0.10: 0.0140; 0.25: 0.0202; 0.50: 0.0233; in all
 * 2 * (0.0102 + 0.0140 + 0.0202) + 0.0233 = 0.112 (the brackets of P50 and
 * P90, 1,000 and 600 ranks of 400,000 either side, lie inside; the
 * extremes add a few values). Narrowed, every value of the uniform, the
 * first 80,000 included, is kept at 0.112: about 44,800, against 84,000
 * with the pilot's windows. The lumpy series keeps at most as many (its
 * ties at 5 and 7 are counted), the constant one nothing: under 0.23 n in
 * all narrowed, against about 0.42 n if not. */
Test(qstream, narrower_windows_keep_fewer_values_and_the_same_order_statistics)
{
    const size_t n = 400000, n1 = 20000, m = 80000;
    double *x = make(n, 23);
    size_t idx[32];
    int k = ranks_for(n, idx);
    double *pilot;
    hnb_qs_plan *p = plan_of(x, n, n1, idx, k, &pilot);
    hnb_qs_tally *t[2] = {hnb_qs_tally_create(p, m), NULL};
    for (size_t i = 0; i < m; i += 1000) cr_assert_eq(hnb_qs_add(t[0], p, x + i, n, 1000), 0);
    size_t before = hnb_qs_kept(t[0]);
    hnb_qs_plan *q = hnb_qs_plan_alloc(3, m, n, idx, k);
    double *buf = NULL;
    size_t nbuf = 0;
    cr_assert_eq(hnb_qs_plan_narrow(q, p, t, 1, 0, &buf, &nbuf), 0, "the uniform narrows");
    cr_assert_eq(hnb_qs_plan_narrow(q, p, t, 1, 1, &buf, &nbuf), 0, "the lumpy series narrows");
    /* the constant: one window at 42, open both ways (ranks 0 and n - 1)
     * as the pilot's was; the same cut again, and still nothing kept */
    cr_assert_eq(hnb_qs_plan_narrow(q, p, t, 1, 2, &buf, &nbuf), 0);
    for (int s = 0; s < 3; s++) cr_assert_eq(hnb_qs_tally_move(t[0], p, q, s), 0);
    size_t after = hnb_qs_kept(t[0]);
    /* the first 80,000: about 0.210 + 0.21 of them kept before, about
     * 0.112 + 0.11 after */
    cr_assert_lt(after, before * 6 / 10, "kept %zu of the first %zu, %zu before narrowing", after, m, before);
    t[1] = hnb_qs_tally_create(q, n - m);
    for (size_t i = m; i < n; i += 1000) cr_assert_eq(hnb_qs_add(t[i < 240000 ? 0 : 1], q, x + i, n, 1000), 0);
    check_sorted(q, t, 2, x, n, idx, k);
    size_t kept = hnb_qs_kept(t[0]) + hnb_qs_kept(t[1]);
    cr_assert_lt(kept, n * 23 / 100, "kept %zu of %zu", kept, 3 * n);
    cr_assert_gt(kept, n * 9 / 100, "kept %zu: the uniform alone must keep about 0.112 n", kept);
    free(buf);
    hnb_qs_tally_free(t[0]);
    hnb_qs_tally_free(t[1]);
    hnb_qs_plan_free(q);
    hnb_qs_plan_free(p);
    free(pilot);
    free(x);
}

/* A pilot that misplaced a window: narrowing must leave it as it was. One
 * series, x_i = frac(0.5 + i g), g the golden ratio's fraction (spread
 * evenly over [0, 1), no noise), the first 20,000 raised by d = 0.018, of
 * n = 400,000. The pilot's median is 0.518 and its window reaches 0.0218
 * below it (6 * sqrt(20000 * 0.25 * 1.05) + 2 = 436.8 ranks of 20,000), to
 * 0.4962. From the first 80,000 (a quarter raised), the median is
 * 0.5 + d / 4 = 0.5045 and its window reaches 0.0116 below it (931.5 ranks
 * of 80,000), to 0.4929: below the old window, where values were only
 * counted. So the series keeps its windows; the final median,
 * 0.5 + d / 20 = 0.5009, is inside them and exact. */
Test(qstream, a_window_the_pilot_misplaced_is_not_narrowed)
{
    const size_t n = 400000, n1 = 20000, m = 80000;
    const double g = 0.6180339887498949, d = 0.018;
    double *x = malloc(sizeof(double) * n);
    for (size_t i = 0; i < n; i++) {
        double u = 0.5 + (double)i * g;
        x[i] = u - floor(u) + (i < n1 ? d : 0);
    }
    size_t idx[] = {n / 2 - 1, n / 2};
    hnb_qs_plan *p = hnb_qs_plan_create(x, n1, 1, n, idx, 2);
    hnb_qs_tally *t = hnb_qs_tally_create(p, n);
    cr_assert_eq(hnb_qs_add(t, p, x, n, (int)m), 0);
    hnb_qs_plan *q = hnb_qs_plan_alloc(1, m, n, idx, 2);
    double *buf = NULL, out[2];
    size_t nbuf = 0, kept = hnb_qs_kept(t);
    cr_assert_eq(hnb_qs_plan_narrow(q, p, &t, 1, 0, &buf, &nbuf), 1);
    cr_assert_eq(hnb_qs_tally_move(t, p, q, 0), 0);
    cr_assert_eq(hnb_qs_kept(t), kept, "nothing dropped");
    cr_assert_eq(hnb_qs_add(t, q, x + m, n, (int)(n - m)), 0);
    cr_assert_eq(hnb_qs_order(q, &t, 1, 0, idx, 2, out), 0);
    double *sorted = malloc(sizeof(double) * n);
    memcpy(sorted, x, sizeof(double) * n);
    qsort(sorted, n, sizeof(double), cmp);
    cr_assert_eq(out[0], sorted[n / 2 - 1]);
    cr_assert_eq(out[1], sorted[n / 2]);
    cr_assert(out[0] > 0.4962 && out[1] < 0.5020, "median %.4f", out[0]);
    free(sorted);
    free(buf);
    hnb_qs_tally_free(t);
    hnb_qs_plan_free(q);
    hnb_qs_plan_free(p);
    free(x);
}

/* Narrowing against a full sort over many kinds of stream: 120 streams of
 * random shape (atoms with ties, uniform and heavy-tailed pieces, a drift
 * that makes the pilot misleading), random pilot and stream sizes, random
 * wanted ranks (extremes included), values spread over up to three
 * tallies, narrowed twice. Every order statistic qstream gives must be the
 * sorted series' own; where a rank falls outside the windows it may only
 * say so (-1), and that must stay rare for streams without drift. */
Test(qstream, narrowing_never_gives_a_wrong_order_statistic)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2026);
    int answered = 0, missed = 0, missed_steady = 0, narrowed = 0;
    for (int trial = 0; trial < 120; trial++) {
        const size_t n1 = 512 * (1 + gsl_rng_uniform_int(r, 8)), m1 = 4 * n1, m2 = 16 * n1;
        const size_t n = m2 * 2 + gsl_rng_uniform_int(r, (unsigned long)m2);
        const int drift = trial % 5 == 4;
        double atoms[3];
        for (int a = 0; a < 3; a++) atoms[a] = floor(gsl_rng_uniform(r) * 10);
        const double patom = gsl_rng_uniform(r) * 0.6, tail = gsl_rng_uniform(r);
        double *x = malloc(sizeof(double) * n);
        for (size_t i = 0; i < n; i++) {
            double u = gsl_rng_uniform(r), v;
            if (u < patom) v = atoms[gsl_rng_uniform_int(r, 3)];
            else if (u < patom + (1 - patom) * tail) v = 5 + 3 * tan(M_PI * (gsl_rng_uniform(r) - 0.5)) / 50;
            else v = gsl_rng_uniform(r) * 10;
            if (drift) v += 2.0 * (double)i / (double)n; /* later values higher: the pilot misplaces */
            x[i] = v;
        }
        size_t idx[HNB_QS_MAX_RANKS];
        int k = 2 + (int)gsl_rng_uniform_int(r, 10);
        for (int j = 0; j < k; j++) {
            double q = gsl_rng_uniform(r);
            idx[j] = j == 0 ? 0 : j == 1 ? n - 1 : (size_t)(q * (double)(n - 1));
        }
        hnb_qs_plan *p = hnb_qs_plan_create(x, n1, 1, n, idx, k);
        cr_assert_not_null(p);
        const int nt = 1 + (int)gsl_rng_uniform_int(r, 3);
        hnb_qs_tally *t[3] = {NULL, NULL, NULL};
        for (int i = 0; i < nt; i++) t[i] = hnb_qs_tally_create(p, n / (size_t)nt);
        double *buf = NULL;
        size_t nbuf = 0, at = 0;
        const size_t stop[3] = {m1, m2, n};
        for (int phase = 0; phase < 3; phase++) {
            while (at < stop[phase]) {
                int c = 1 + (int)gsl_rng_uniform_int(r, 700);
                if (at + (size_t)c > stop[phase]) c = (int)(stop[phase] - at);
                cr_assert_eq(hnb_qs_add(t[gsl_rng_uniform_int(r, (unsigned long)nt)], p, x + at, n, c), 0);
                at += (size_t)c;
            }
            if (phase == 2) break;
            hnb_qs_plan *q = hnb_qs_plan_alloc(1, stop[phase], n, idx, k);
            int rc = hnb_qs_plan_narrow(q, p, t, nt, 0, &buf, &nbuf);
            cr_assert(rc == 0 || rc == 1, "trial %d: %d", trial, rc);
            narrowed += rc == 0;
            for (int i = 0; i < nt; i++) cr_assert_eq(hnb_qs_tally_move(t[i], p, q, 0), 0);
            hnb_qs_plan_free(p);
            p = q;
        }
        double out[HNB_QS_MAX_RANKS];
        int rc = hnb_qs_order(p, t, nt, 0, idx, k, out);
        if (rc == 0) {
            qsort(x, n, sizeof(double), cmp);
            for (int j = 0; j < k; j++)
                cr_assert_eq(out[j], x[idx[j]], "trial %d rank %zu of %zu: %.17g vs %.17g", trial, idx[j], n,
                             out[j], x[idx[j]]);
            answered++;
        } else {
            cr_assert_eq(rc, -1);
            missed++;
            missed_steady += !drift;
        }
        free(buf);
        for (int i = 0; i < nt; i++) hnb_qs_tally_free(t[i]);
        hnb_qs_plan_free(p);
        free(x);
    }
    gsl_rng_free(r);
    /* a steady stream misses with a chance of about 1e-9 a window */
    cr_assert_eq(missed_steady, 0, "%d of %d answered", answered, answered + missed);
    cr_assert_geq(answered, 96);
    /* and most of the 240 narrowings happened (209 with this seed: the
     * rest had a window reach past the old ones, mostly the drifting
     * streams), so that the test is of narrowed windows */
    cr_assert_geq(narrowed, 180, "%d", narrowed);
}

/* +inf among the values, with a cut at +inf and two cuts (padded to four
 * for classify()'s loop): the padding must not count as cuts equal to
 * +inf, or those values fall past the last region and are lost. Values
 * 0, inf, inf, inf; the pilot (0, inf) places cuts at 0 and inf; rank 3
 * of the sorted 0, inf, inf, inf is inf. (Found by a review: the padding
 * was +inf.) */
Test(qstream, infinities_are_counted_whatever_the_padding)
{
    double x[4] = {0, INFINITY, INFINITY, INFINITY}, out[2];
    size_t ranks[] = {3, 0}, kept;
    cr_assert_eq(order_one(x, 4, 2, ranks, 1, out, &kept), 0);
    cr_assert(isinf(out[0]) && out[0] > 0, "%g", out[0]);
    double y[6] = {-INFINITY, 1, -INFINITY, INFINITY, 2, INFINITY};
    size_t r2[] = {0, 5};
    cr_assert_eq(order_one(y, 6, 3, r2, 2, out, &kept), 0);
    cr_assert(isinf(out[0]) && out[0] < 0, "%g", out[0]);
    cr_assert(isinf(out[1]) && out[1] > 0, "%g", out[1]);
}
