/* value.h - the value forms of SPEC section 2 and the distributions of
 * section 6: numbers, percentages, money, year keys, age keys, and the
 * inverse CDFs every draw goes through. Pure functions; no allocation. */
#ifndef HNB_VALUE_H
#define HNB_VALUE_H

#include <math.h>

/* Which string forms a number may take where it is asked for. */
typedef enum {
    HNB_KIND_COUNT, /* plain numbers only: counts, capacities, places */
    HNB_KIND_RATE,  /* plus percentage strings: rates, shares, fractions */
    HNB_KIND_MONEY, /* plus money strings: amounts of money (pounds) */
} hnb_kind;

/* The range a value must lie in (SPEC sections 3 and 6). */
typedef enum {
    HNB_RANGE_ANY,
    HNB_RANGE_NONNEG, /* counts, costs, capacities, places */
    HNB_RANGE_UNIT,   /* [0, 1]: shares, delivery, ramps, cessation/transition rates */
} hnb_range;

/* Parse a scalar as a number of KIND. PLAIN says whether it was unquoted
 * (only then can it be a YAML null/bool). Returns 0 and *out, or -1 with a
 * short reason in *why (a static string). */
int hnb_value_parse(const char *s, int plain, hnb_kind kind, double *out, const char **why);

/* A strict integer (no fraction, no exponent), e.g. years and ages. */
int hnb_value_parse_int(const char *s, long *out);

/* A year key: 2025 or "2025/26". Returns 0 and *year, or -1. */
int hnb_value_parse_year(const char *s, int *year);

/* An age key: "16" or an inclusive band "5-10" (spaces allowed), in 0..25.
 * Returns 0, or -1 with *why. */
int hnb_value_parse_ages(const char *s, int *lo, int *hi, const char **why);

/* The report label of a financial year: 2025 -> "2025/26", 2099 -> "2099/00". */
void hnb_year_label(int year, char buf[8]);

typedef enum {
    HNB_DIST_NONE = 0,
    HNB_DIST_NORMAL,
    HNB_DIST_LOGNORMAL,
    HNB_DIST_UNIFORM,
    HNB_DIST_TRIANGULAR,
    HNB_DIST_PERT,
    HNB_DIST_BERNOULLI,
} hnb_dist_type;

typedef struct {
    hnb_dist_type type;
    double mean, sd;     /* normal */
    double min, max;     /* normal (truncation, if has_min/has_max), uniform, triangular, pert */
    int has_min, has_max;
    double mode;         /* triangular, pert */
    double median, sigma; /* lognormal */
    double p;            /* bernoulli */
} hnb_dist;

const char *hnb_dist_name(hnb_dist_type t);
hnb_dist_type hnb_dist_lookup(const char *name);
/* The central value of SPEC section 6's table. */
double hnb_dist_central(const hnb_dist *d);
/* x = F^-1(u), u in (0, 1). */
double hnb_dist_quantile(const hnb_dist *d, double u);
/* The triangular (MIN, MODE, MAX) quantile at U, for hnb_dist_quantile and
 * the sampler's lanes alike: both roots taken and one chosen, so that a
 * loop over lanes has no branch to mispredict. */
static inline double hnb_triangular_quantile(double a, double c, double b, double u)
{
    const double fc = (c - a) / (b - a);
    const double lo = a + sqrt(u * (b - a) * (c - a)), hi = b - sqrt((1 - u) * (b - a) * (b - c));
    return u < fc ? lo : hi;
}
/* Whether the distribution has finite bounds (uniform, triangular, pert,
 * bernoulli, or a normal truncated on the side that matters). */
void hnb_dist_support(const hnb_dist *d, double *lo, double *hi);

/* Clamp X into RANGE. */
double hnb_range_clamp(hnb_range r, double x);

#endif
