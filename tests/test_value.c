/* test_value.c - the value forms of SPEC section 2 and the distributions of
 * section 6 (central values and quantiles). */
#include <criterion/criterion.h>
#include <math.h>

#include "hnb/value.h"

static double parse_ok(const char *s, int plain, hnb_kind k)
{
    double v = -12345;
    const char *why = NULL;
    int rc = hnb_value_parse(s, plain, k, &v, &why);
    cr_assert_eq(rc, 0, "'%s' should parse (%s)", s, why ? why : "");
    return v;
}

static void parse_bad(const char *s, int plain, hnb_kind k)
{
    double v;
    const char *why = NULL;
    cr_assert_eq(hnb_value_parse(s, plain, k, &v, &why), -1, "'%s' should be refused", s);
    cr_assert_not_null(why);
}

Test(value, plain_numbers)
{
    cr_assert_float_eq(parse_ok("0.12", 1, HNB_KIND_COUNT), 0.12, 1e-15);
    cr_assert_float_eq(parse_ok("8213", 1, HNB_KIND_COUNT), 8213, 0);
    cr_assert_float_eq(parse_ok("-3", 1, HNB_KIND_COUNT), -3, 0);
    cr_assert_float_eq(parse_ok("1e6", 1, HNB_KIND_COUNT), 1e6, 0);
    cr_assert_float_eq(parse_ok(".5", 1, HNB_KIND_COUNT), 0.5, 0);
    cr_assert_float_eq(parse_ok("0x1F", 1, HNB_KIND_COUNT), 31, 0);  /* YAML 1.2 core hex */
    cr_assert_float_eq(parse_ok("0o17", 1, HNB_KIND_COUNT), 15, 0);  /* and octal */
}

Test(value, numeric_strings_with_thousands_commas)
{
    cr_assert_float_eq(parse_ok("8,213", 0, HNB_KIND_COUNT), 8213, 0);
    cr_assert_float_eq(parse_ok("1,234,567.5", 0, HNB_KIND_COUNT), 1234567.5, 0);
    cr_assert_float_eq(parse_ok("0.12", 0, HNB_KIND_RATE), 0.12, 1e-15);
    parse_bad("82,13", 0, HNB_KIND_COUNT);    /* groups of three only */
    parse_bad("8,2130", 0, HNB_KIND_COUNT);
    parse_bad("1234,567", 0, HNB_KIND_COUNT); /* first group at most 3 */
    parse_bad(",213", 0, HNB_KIND_COUNT);
    parse_bad("8,213,", 0, HNB_KIND_COUNT);
}

Test(value, percentages_only_for_rates)
{
    cr_assert_float_eq(parse_ok("12%", 0, HNB_KIND_RATE), 0.12, 1e-15);
    cr_assert_float_eq(parse_ok("-2%", 0, HNB_KIND_RATE), -0.02, 1e-15);
    cr_assert_float_eq(parse_ok("3.5%", 1, HNB_KIND_RATE), 0.035, 1e-15);
    parse_bad("12%", 0, HNB_KIND_MONEY);
    parse_bad("12%", 0, HNB_KIND_COUNT);
    parse_bad("12 %", 0, HNB_KIND_RATE);
}

Test(value, money_strings)
{
    cr_assert_float_eq(parse_ok("£6,000", 0, HNB_KIND_MONEY), 6000, 0);
    cr_assert_float_eq(parse_ok("145.5m", 0, HNB_KIND_MONEY), 145.5e6, 1e-6);
    cr_assert_float_eq(parse_ok("£12k", 0, HNB_KIND_MONEY), 12000, 0);
    cr_assert_float_eq(parse_ok("1.2bn", 0, HNB_KIND_MONEY), 1.2e9, 1e-3);
    cr_assert_float_eq(parse_ok("1.2BN", 0, HNB_KIND_MONEY), 1.2e9, 1e-3);
    cr_assert_float_eq(parse_ok("£2M", 0, HNB_KIND_MONEY), 2e6, 0);
    cr_assert_float_eq(parse_ok("-£1.5m", 0, HNB_KIND_MONEY), -1.5e6, 0);
    cr_assert_float_eq(parse_ok("£-1.5m", 0, HNB_KIND_MONEY), -1.5e6, 0);
    cr_assert_float_eq(parse_ok("-1.5m", 0, HNB_KIND_MONEY), -1.5e6, 0);
    cr_assert_float_eq(parse_ok("£1,250,000", 0, HNB_KIND_MONEY), 1250000, 0);
    cr_assert_float_eq(parse_ok("6000", 0, HNB_KIND_MONEY), 6000, 0);
    parse_bad("-£-1.5m", 0, HNB_KIND_MONEY);
    parse_bad("£", 0, HNB_KIND_MONEY);
    parse_bad("1.5x", 0, HNB_KIND_MONEY);
    parse_bad("£1.5 m", 0, HNB_KIND_MONEY);
    parse_bad("1.5m", 0, HNB_KIND_RATE);  /* money where a rate is asked for */
    parse_bad("£6,000", 0, HNB_KIND_COUNT); /* counts take plain numbers only */
}

Test(value, refused_forms)
{
    parse_bad(".nan", 1, HNB_KIND_COUNT);
    parse_bad(".inf", 1, HNB_KIND_COUNT);
    parse_bad("-.inf", 1, HNB_KIND_COUNT);
    parse_bad("true", 1, HNB_KIND_COUNT);
    parse_bad("~", 1, HNB_KIND_COUNT);
    parse_bad("", 1, HNB_KIND_COUNT);
    parse_bad("1e999", 1, HNB_KIND_COUNT); /* overflows to inf */
    parse_bad("nan", 0, HNB_KIND_COUNT);
    parse_bad("inf", 0, HNB_KIND_COUNT);
    parse_bad("twelve", 0, HNB_KIND_RATE);
    /* quoted "true" is text, still not a number */
    parse_bad("true", 0, HNB_KIND_COUNT);
}

Test(value, years_and_labels)
{
    int y;
    cr_assert_eq(hnb_value_parse_year("2025", &y), 0);
    cr_assert_eq(y, 2025);
    cr_assert_eq(hnb_value_parse_year("2025/26", &y), 0);
    cr_assert_eq(y, 2025);
    cr_assert_eq(hnb_value_parse_year("2099/00", &y), 0);
    cr_assert_eq(y, 2099);
    cr_assert_eq(hnb_value_parse_year("2025/27", &y), -1); /* second part must be the next year */
    cr_assert_eq(hnb_value_parse_year("25/26", &y), -1);
    char b[8];
    hnb_year_label(2025, b);
    cr_assert_str_eq(b, "2025/26");
    hnb_year_label(2099, b);
    cr_assert_str_eq(b, "2099/00");
}

Test(value, ages_and_bands)
{
    int lo, hi;
    const char *why;
    cr_assert_eq(hnb_value_parse_ages("16", &lo, &hi, &why), 0);
    cr_assert(lo == 16 && hi == 16);
    cr_assert_eq(hnb_value_parse_ages("5-10", &lo, &hi, &why), 0);
    cr_assert(lo == 5 && hi == 10);
    cr_assert_eq(hnb_value_parse_ages(" 19 - 24 ", &lo, &hi, &why), 0);
    cr_assert(lo == 19 && hi == 24);
    cr_assert_eq(hnb_value_parse_ages("10-5", &lo, &hi, &why), -1);
    cr_assert_eq(hnb_value_parse_ages("26", &lo, &hi, &why), -1);
    cr_assert_eq(hnb_value_parse_ages("0-26", &lo, &hi, &why), -1);
    cr_assert_eq(hnb_value_parse_ages("a-b", &lo, &hi, &why), -1);
}

Test(value, central_values)
{
    /* SPEC section 6's table. */
    hnb_dist d = {.type = HNB_DIST_NORMAL, .mean = 0.12, .sd = 0.04};
    cr_assert_float_eq(hnb_dist_central(&d), 0.12, 0);
    d.has_min = 1, d.min = 0.15, d.has_max = 1, d.max = 0.3; /* mean clamped into [min, max] */
    cr_assert_float_eq(hnb_dist_central(&d), 0.15, 0);
    hnb_dist ln = {.type = HNB_DIST_LOGNORMAL, .median = 62000, .sigma = 0.2};
    cr_assert_float_eq(hnb_dist_central(&ln), 62000, 0);
    hnb_dist u = {.type = HNB_DIST_UNIFORM, .min = 2, .max = 6};
    cr_assert_float_eq(hnb_dist_central(&u), 4, 0);
    hnb_dist tri = {.type = HNB_DIST_TRIANGULAR, .min = 0.02, .mode = 0.035, .max = 0.06};
    cr_assert_float_eq(hnb_dist_central(&tri), 0.035, 0);
    hnb_dist b = {.type = HNB_DIST_BERNOULLI, .p = 0.3};
    cr_assert_float_eq(hnb_dist_central(&b), 0.3, 0);
}

Test(value, quantiles_closed_forms)
{
    /* uniform(2, 6): F^-1(0.25) = 2 + 0.25 * 4 = 3 */
    hnb_dist u = {.type = HNB_DIST_UNIFORM, .min = 2, .max = 6};
    cr_assert_float_eq(hnb_dist_quantile(&u, 0.25), 3.0, 1e-12);
    /* triangular(0, 1, 2): F(1) = 0.5; F^-1(0.125) = sqrt(0.125 * 2 * 1) = 0.5 */
    hnb_dist t = {.type = HNB_DIST_TRIANGULAR, .min = 0, .mode = 1, .max = 2};
    cr_assert_float_eq(hnb_dist_quantile(&t, 0.125), 0.5, 1e-12);
    cr_assert_float_eq(hnb_dist_quantile(&t, 0.875), 1.5, 1e-12); /* 2 - sqrt(0.125*2*1) */
    /* normal(10, 2): F^-1(0.975) = 10 + 2 * 1.959964 = 13.919928 */
    hnb_dist n = {.type = HNB_DIST_NORMAL, .mean = 10, .sd = 2};
    cr_assert_float_eq(hnb_dist_quantile(&n, 0.975), 13.919928, 1e-5);
    /* truncated to [10, inf): u = 0.5 maps to F(10) + 0.5 * (1 - 0.5) = 0.75 -> 10 + 2 * 0.674490 */
    n.has_min = 1, n.min = 10;
    cr_assert_float_eq(hnb_dist_quantile(&n, 0.5), 11.348980, 1e-5);
    cr_assert(hnb_dist_quantile(&n, 1e-12) >= 10);
    /* lognormal(median 100, sigma 0.5): F^-1(0.5) = 100 */
    hnb_dist ln = {.type = HNB_DIST_LOGNORMAL, .median = 100, .sigma = 0.5};
    cr_assert_float_eq(hnb_dist_quantile(&ln, 0.5), 100, 1e-9);
    /* pert(0, 0.5, 1) is Beta(3, 3) scaled: symmetric, median 0.5 */
    hnb_dist pe = {.type = HNB_DIST_PERT, .min = 0, .mode = 0.5, .max = 1};
    cr_assert_float_eq(hnb_dist_quantile(&pe, 0.5), 0.5, 1e-9);
    /* bernoulli(p = 0.3): 1 where u > 0.7 */
    hnb_dist b = {.type = HNB_DIST_BERNOULLI, .p = 0.3};
    cr_assert_float_eq(hnb_dist_quantile(&b, 0.69), 0, 0);
    cr_assert_float_eq(hnb_dist_quantile(&b, 0.71), 1, 0);
}
