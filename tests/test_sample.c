/* test_sample.c - the sampler's Beta-PERT quantile table against GSL's
 * exact inverse, over the range of PERT shapes and the whole of (0, 1). */
#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "hnb/sample.h"

/* A PERT's mode at fraction M of its range gives Beta(1 + 4 M, 1 + 4 (1 - M))
 * (SPEC section 6). The shapes: modes from a millionth of the range above
 * the minimum to a millionth below the maximum, the interior modes near the
 * ends being where a table in u missed most. */
static const double modes[] = {1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2,  0.3,    0.4,   0.5,
                               0.6,  0.7,  0.8,  0.9,  0.95, 0.99, 0.999, 0.9999, 1 - 1e-6};
enum { NSHAPES = sizeof modes / sizeof *modes };

static void check(const hnb_pert_table *t, double alpha, double beta, double u)
{
    double want = gsl_cdf_beta_Pinv(u, alpha, beta), got = hnb_pert_table_quantile(t, u);
    cr_assert(fabs(got - want) <= 1e-12, "Beta(%.9g, %.9g) at u = %.17g: %.17g, GSL %.17g (%.3g apart)",
              alpha, beta, u, got, want, fabs(got - want));
}

/* Every interval of every table meets the tolerance (none falls back to
 * GSL's inverse), and the quantile is within 1e-12 of GSL's on a grid of
 * 4,000 u, at points between the grid's (the worst place for an
 * interpolation is between its nodes, which a grid of 1/4000 steps does not
 * line up with), and in both tails down to the smallest u the sampler gives
 * (DBL_MIN) and up to the largest (1 - 2^-53). */
Test(sample, pert_table_matches_gsl_inverse_across_shapes)
{
    for (int i = 0; i < NSHAPES; i++) {
        const double alpha = 1 + 4 * modes[i], beta = 1 + 4 * (1 - modes[i]);
        hnb_pert_table *t = hnb_pert_table_alloc(alpha, beta);
        cr_assert_eq(hnb_pert_table_misses(t), 0, "Beta(%g, %g)", alpha, beta);
        for (int k = 1; k < 4000; k++) check(t, alpha, beta, k / 4000.0);
        for (int k = 0; k < 4000; k++) check(t, alpha, beta, (k + 0.37) / 4000.0);
        for (double u = 0.1; u > 1e-300; u *= 0.03) {
            check(t, alpha, beta, u);
            if (u > 1e-16) check(t, alpha, beta, 1 - u);
        }
        check(t, alpha, beta, DBL_MIN);
        check(t, alpha, beta, 1 - DBL_EPSILON / 2);
        check(t, alpha, beta, 0.5);
        check(t, alpha, beta, nextafter(0.5, 1));
        hnb_pert_table_free(t);
    }
}

/* A mode at a bound is a closed form: Beta(5, 1) has x = u^(1/5), so
 * u = 0.5^5 = 0.03125 gives exactly 0.5; Beta(1, 5) has x = 1 - (1-u)^(1/5),
 * so u = 1 - 0.03125 gives 0.5. */
Test(sample, pert_modes_at_the_bounds_are_closed_forms)
{
    hnb_pert_table *up = hnb_pert_table_alloc(5, 1), *down = hnb_pert_table_alloc(1, 5);
    cr_assert_float_eq(hnb_pert_table_quantile(up, 0.03125), 0.5, 1e-15);
    cr_assert_float_eq(hnb_pert_table_quantile(down, 1 - 0.03125), 0.5, 1e-15);
    cr_assert_eq(hnb_pert_table_misses(up), 0);
    hnb_pert_table_free(up);
    hnb_pert_table_free(down);
}
