/* value.c - numbers, percentages, money, year and age keys (SPEC section 2)
 * and the distributions of section 6 through GSL's inverse CDFs. */
#include "hnb/value.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy S into BUF without leading/trailing blanks; -1 if too long. */
static int trimmed(const char *s, char *buf, size_t size)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n + 1 > size) return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return 0;
}

/* Parse a decimal number at S (sign optional), thousands commas allowed in
 * groups of three. On success returns the number of bytes used and *out. */
static int parse_decimal(const char *s, int commas, double *out)
{
    char clean[128];
    size_t k = 0;
    const char *p = s;
    if (*p == '+' || *p == '-') clean[k++] = *p++;
    int digits = 0, group = 0, saw_comma = 0;
    while (isdigit((unsigned char)*p) || (commas && *p == ',')) {
        if (*p == ',') {
            /* first group 1-3 digits, later groups exactly 3 */
            if (digits == 0 || (saw_comma ? group != 3 : group > 3)) return -1;
            saw_comma = 1;
            group = 0;
            p++;
            continue;
        }
        if (k >= sizeof clean - 40) return -1;
        clean[k++] = *p++;
        digits++;
        group++;
    }
    if (saw_comma && group != 3) return -1;
    int frac = 0;
    if (*p == '.') {
        clean[k++] = *p++;
        while (isdigit((unsigned char)*p)) {
            if (k >= sizeof clean - 20) return -1;
            clean[k++] = *p++;
            frac++;
        }
    }
    if (digits == 0 && frac == 0) return -1;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        char exp[16];
        size_t e = 0;
        exp[e++] = 'e';
        if (*q == '+' || *q == '-') exp[e++] = *q++;
        if (!isdigit((unsigned char)*q)) return -1;
        while (isdigit((unsigned char)*q)) {
            if (e >= sizeof exp - 1) return -1; /* absurd exponents are out of range */
            exp[e++] = *q++;
        }
        memcpy(clean + k, exp, e);
        k += e;
        p = q;
    }
    clean[k] = 0;
    errno = 0;
    char *end;
    double v = strtod(clean, &end);
    if (*end) return -1;
    *out = v;
    return (int)(p - s);
}

static int is_one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list)) return 1;
    return 0;
}

int hnb_value_parse(const char *s, int plain, hnb_kind kind, double *out, const char **why)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    static const char *const specials[] = {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
                                           "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
                                           "-.INF", NULL};
    char buf[128];
    if (plain && is_one_of(s, nulls)) {
        *why = "nothing (null)";
        return -1;
    }
    if (plain && is_one_of(s, bools)) {
        *why = "a boolean";
        return -1;
    }
    if (is_one_of(s, specials)) {
        *why = "NaN or infinity, which are not allowed";
        return -1;
    }
    if (trimmed(s, buf, sizeof buf) < 0 || !buf[0]) {
        *why = "text that is not a number";
        return -1;
    }
    double v;
    const char *b = buf;
    /* YAML 1.2 core schema integers in octal and hex (plain scalars only). */
    if (plain && b[0] == '0' && (b[1] == 'x' || b[1] == 'o') && b[2]) {
        char *end;
        errno = 0;
        unsigned long long u = strtoull(b + 2, &end, b[1] == 'x' ? 16 : 8);
        if (*end || errno) {
            *why = "text that is not a number";
            return -1;
        }
        *out = (double)u;
        return 0;
    }
    int n = parse_decimal(b, 1, &v);
    if (n > 0 && b[n] == 0) goto done;
    if (n > 0 && b[n] == '%' && b[n + 1] == 0) {
        if (kind != HNB_KIND_RATE) {
            *why = kind == HNB_KIND_MONEY ? "a percentage where an amount of money is asked for"
                                          : "a percentage where a plain count is asked for";
            return -1;
        }
        v /= 100.0;
        goto done;
    }
    /* Money: [-]£[-]number[k|m|bn], with at least one of £ or a suffix. */
    {
        const char *p = b;
        int neg = 0, pound = 0;
        if (*p == '-') {
            neg = 1;
            p++;
        }
        if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA3) {
            pound = 1;
            p += 2;
        }
        if (*p == '-') {
            if (neg) goto bad;
            neg = 1;
            p++;
        }
        if (*p == '-' || *p == '+') goto bad;
        double m;
        int used = parse_decimal(p, 1, &m);
        if (used <= 0) goto bad;
        p += used;
        double mult = 1;
        int suffix = 1;
        if ((p[0] == 'k' || p[0] == 'K') && !p[1])
            mult = 1e3;
        else if ((p[0] == 'm' || p[0] == 'M') && !p[1])
            mult = 1e6;
        else if ((p[0] == 'b' || p[0] == 'B') && (p[1] == 'n' || p[1] == 'N') && !p[2])
            mult = 1e9;
        else if (!p[0])
            suffix = 0;
        else
            goto bad;
        if (!pound && !suffix) goto bad; /* a plain number with "-" twice, say */
        if (kind != HNB_KIND_MONEY) {
            *why = kind == HNB_KIND_RATE ? "an amount of money where a rate is asked for"
                                         : "an amount of money where a plain count is asked for";
            return -1;
        }
        v = (neg ? -m : m) * mult;
        goto done;
    }
bad:
    *why = kind == HNB_KIND_MONEY  ? "text that is not an amount of money"
           : kind == HNB_KIND_RATE ? "text that is not a number or percentage"
                                   : "text that is not a number";
    return -1;
done:
    if (!isfinite(v)) {
        *why = "a number too large to represent";
        return -1;
    }
    *out = v == 0 ? 0.0 : v; /* no negative zero */
    return 0;
}

int hnb_value_parse_int(const char *s, long *out)
{
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    if (!isdigit((unsigned char)*p)) return -1;
    size_t nd = 0;
    for (const char *q = p; *q; q++) {
        if (!isdigit((unsigned char)*q)) return -1;
        nd++;
    }
    if (nd > 12) return -1;
    *out = strtol(s, NULL, 10);
    return 0;
}

int hnb_value_parse_year(const char *s, int *year)
{
    char buf[32];
    if (trimmed(s, buf, sizeof buf) < 0) return -1;
    long y;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        if (hnb_value_parse_int(buf, &y) < 0 || y < 1000 || y > 9999) return -1;
        const char *t = slash + 1;
        if (!(isdigit((unsigned char)t[0]) && isdigit((unsigned char)t[1]) && !t[2])) return -1;
        int next = (t[0] - '0') * 10 + (t[1] - '0');
        if (next != (y + 1) % 100) return -1;
    } else if (hnb_value_parse_int(buf, &y) < 0 || buf[0] == '+' || buf[0] == '-' || y < 1000 ||
               y > 9999)
        return -1;
    *year = (int)y;
    return 0;
}

int hnb_value_parse_ages(const char *s, int *lo, int *hi, const char **why)
{
    char buf[32];
    if (trimmed(s, buf, sizeof buf) < 0) {
        *why = "not an age or a band like \"5-10\"";
        return -1;
    }
    char *dash = strchr(buf, '-');
    long a, b;
    if (dash) {
        *dash = 0;
        char x[32], y[32];
        if (trimmed(buf, x, sizeof x) < 0 || trimmed(dash + 1, y, sizeof y) < 0 ||
            hnb_value_parse_int(x, &a) < 0 || hnb_value_parse_int(y, &b) < 0 || x[0] == '+' ||
            y[0] == '+' || y[0] == '-') {
            *why = "not an age or a band like \"5-10\"";
            return -1;
        }
    } else {
        if (hnb_value_parse_int(buf, &a) < 0 || buf[0] == '+') {
            *why = "not an age or a band like \"5-10\"";
            return -1;
        }
        b = a;
    }
    if (a < 0 || b < 0 || a > 25 || b > 25) {
        *why = "an age outside 0..25";
        return -1;
    }
    if (a > b) {
        *why = "a band whose first age is above its second";
        return -1;
    }
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

void hnb_year_label(int year, char buf[8])
{
    unsigned y = (unsigned)year % 10000u, next = ((unsigned)year + 1u) % 100u;
    snprintf(buf, 8, "%04u/%02u", y, next);
}

static const char *const dist_names[] = {"",           "normal", "lognormal", "uniform",
                                         "triangular", "pert",   "bernoulli"};

const char *hnb_dist_name(hnb_dist_type t)
{
    return dist_names[t];
}

hnb_dist_type hnb_dist_lookup(const char *name)
{
    for (int i = 1; i <= HNB_DIST_BERNOULLI; i++)
        if (!strcmp(name, dist_names[i])) return (hnb_dist_type)i;
    return HNB_DIST_NONE;
}

double hnb_dist_central(const hnb_dist *d)
{
    switch (d->type) {
    case HNB_DIST_NORMAL: {
        double x = d->mean;
        if (d->has_min && x < d->min) x = d->min;
        if (d->has_max && x > d->max) x = d->max;
        return x;
    }
    case HNB_DIST_LOGNORMAL:
        return d->median;
    case HNB_DIST_UNIFORM:
        return (d->min + d->max) / 2;
    case HNB_DIST_TRIANGULAR:
    case HNB_DIST_PERT:
        return d->mode;
    case HNB_DIST_BERNOULLI:
        return d->p;
    default:
        return 0;
    }
}

double hnb_dist_quantile(const hnb_dist *d, double u)
{
    switch (d->type) {
    case HNB_DIST_NORMAL: {
        double lo = d->has_min ? gsl_cdf_ugaussian_P((d->min - d->mean) / d->sd) : 0;
        double hi = d->has_max ? gsl_cdf_ugaussian_P((d->max - d->mean) / d->sd) : 1;
        double v = lo + u * (hi - lo);
        double x = d->mean + d->sd * gsl_cdf_ugaussian_Pinv(v);
        /* Far in a tail, the mapped u can round onto a bound: stay inside. */
        if (d->has_min && !(x >= d->min)) x = d->min;
        if (d->has_max && !(x <= d->max)) x = d->max;
        return x;
    }
    case HNB_DIST_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(u, log(d->median), d->sigma);
    case HNB_DIST_UNIFORM:
        return gsl_cdf_flat_Pinv(u, d->min, d->max);
    case HNB_DIST_TRIANGULAR:
        return hnb_triangular_quantile(d->min, d->mode, d->max, u);
    case HNB_DIST_PERT: {
        double r = d->max - d->min;
        double alpha = 1 + 4 * (d->mode - d->min) / r;
        double beta = 1 + 4 * (d->max - d->mode) / r;
        return d->min + r * gsl_cdf_beta_Pinv(u, alpha, beta);
    }
    case HNB_DIST_BERNOULLI:
        return u > 1 - d->p ? 1.0 : 0.0;
    default:
        return 0;
    }
}

void hnb_dist_support(const hnb_dist *d, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    switch (d->type) {
    case HNB_DIST_NORMAL:
        if (d->has_min) *lo = d->min;
        if (d->has_max) *hi = d->max;
        break;
    case HNB_DIST_UNIFORM:
    case HNB_DIST_TRIANGULAR:
    case HNB_DIST_PERT:
        *lo = d->min;
        *hi = d->max;
        break;
    case HNB_DIST_BERNOULLI:
        *lo = 0;
        *hi = 1;
        break;
    case HNB_DIST_LOGNORMAL:
        *lo = 0;
        break;
    default:
        break;
    }
}

double hnb_range_clamp(hnb_range r, double x)
{
    if (r == HNB_RANGE_ANY) return x;
    if (x < 0) return 0;
    if (r == HNB_RANGE_UNIT && x > 1) return 1;
    return x;
}
